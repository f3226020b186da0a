"""The CRM overview: funnel by stage, won and lost by month, weighted forecast, activities due,
top accounts. A handful of grouped queries, whatever the number of records."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from . import permissions, selectors
from .models import Opportunity, Stage

ZERO = Decimal("0.00")


def figures(*, actor: Any) -> dict[str, Any]:
    opportunities = permissions.scope(Opportunity.objects.all(), actor)
    stages = list(selectors.stage_list())
    by_stage = {
        row["stage_id"]: row
        for row in opportunities.values("stage_id").annotate(n=Count("id"), amount=Sum("amount")).order_by()
    }
    funnel = [
        {
            "stage": stage,
            "count": by_stage.get(stage.pk, {}).get("n", 0),
            "amount": by_stage.get(stage.pk, {}).get("amount") or ZERO,
        }
        for stage in stages
    ]
    weighted = ExpressionWrapper(
        F("amount") * F("probability") / 100, output_field=DecimalField(max_digits=16, decimal_places=2)
    )
    forecast = opportunities.filter(stage__kind=Stage.Kind.OPEN).aggregate(
        weighted=Sum(weighted), total=Sum("amount"), n=Count("id")
    )
    since = (timezone.now() - timedelta(days=365)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    closed = (
        opportunities.filter(stage__kind__in=[Stage.Kind.WON, Stage.Kind.LOST], closed_at__gte=since)
        .annotate(month=TruncMonth("closed_at"))
        .values("month", "stage__kind")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by("month")
    )
    months: dict[str, dict[str, Any]] = {}
    for row in closed:
        month = row["month"].strftime("%Y-%m")
        entry = months.setdefault(month, {"month": month, "won": 0, "lost": 0, "won_amount": ZERO})
        entry[row["stage__kind"]] = row["n"]
        if row["stage__kind"] == Stage.Kind.WON:
            entry["won_amount"] = row["amount"] or ZERO
    top_accounts = (
        opportunities.filter(stage__kind=Stage.Kind.WON)
        .values("account_id", "account__name")
        .annotate(amount=Sum("amount"), n=Count("id"))
        .order_by("-amount")[:10]
    )
    due = (
        selectors.activity_list(actor=actor, due=True)
        .filter(owner_id=actor.pk)
        .select_related("lead", "account", "contact", "opportunity")[:20]
    )
    chart = {
        "funnel": [
            {"name": f["stage"].label, "value": f["count"]} for f in funnel if f["stage"].kind == Stage.Kind.OPEN
        ],
        "months": [m["month"] for m in months.values()],
        "won": [m["won"] for m in months.values()],
        "lost": [m["lost"] for m in months.values()],
    }
    return {
        "funnel": funnel,
        "forecast": {
            "weighted": (forecast["weighted"] or ZERO).quantize(Decimal("0.01")),
            "total": forecast["total"] or ZERO,
            "count": forecast["n"],
        },
        "months": list(months.values()),
        "top_accounts": list(top_accounts),
        "due": list(due),
        "chart": chart,
        "now": timezone.now(),
    }
