"""Park console pages (public host, /park/): the dashboard, the park's firms (list, one firm, CSV
export) and the park's activity log.

Park administrators see platform facts and counts only, never a firm's business data, and
nothing here signs anyone into a firm. Every read goes through ``console`` (public schema only).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from apps.audit.models import AuditEvent
from core.errors import NotFound
from core.pages import query_without_page
from core.reports import safe_cell
from tenants.models import Firm

from . import console
from .access import park_admin_required, park_audit

PER_PAGE = 50


# --- charts (inline SVG, drawn on the server: no script, no external asset) ----------------


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart; ``width`` is in percent of the longest bar."""

    key: str
    label: str
    value: str
    width: str


@dataclass(frozen=True)
class Column:
    label: str
    year: str
    value: str
    x: str
    y: str
    width: str
    height: str
    middle: str
    value_y: str


@dataclass(frozen=True)
class ColumnChart:
    columns: list[Column]
    width: str
    height: str
    baseline: str
    label_y: str
    year_y: str

    @property
    def empty(self) -> bool:
        return all(column.height == "0.0" for column in self.columns)


def _number(value: int | Decimal) -> str:
    return f"{value:,.2f}" if isinstance(value, Decimal) else str(value)


def bars(figures: list[console.Figure], *, scale: int | Decimal | None = None) -> list[Bar]:
    """Rows scaled to the largest value (or to ``scale``: "so many of all firms")."""
    top = scale if scale is not None else max((figure.value for figure in figures), default=0)
    return [
        Bar(
            key=figure.key,
            label=figure.label,
            value=_number(figure.value),
            width=f"{(Decimal(figure.value) / Decimal(top) * 100) if top else 0:.1f}",
        )
        for figure in figures
    ]


COLUMN_STEP, COLUMN_WIDTH, PLOT_HEIGHT, TOP = 48, 30, 120, 18


def columns(figures: list[console.Figure]) -> ColumnChart:
    """A column chart of months ("YYYY-MM" keys): the year is written under the first column and
    under each January."""
    top = max((figure.value for figure in figures), default=0)
    baseline = TOP + PLOT_HEIGHT
    drawn = []
    for index, figure in enumerate(figures):
        year, _dash, month = figure.key.partition("-")
        height = Decimal(figure.value) / Decimal(top) * PLOT_HEIGHT if top else Decimal(0)
        x = index * COLUMN_STEP + (COLUMN_STEP - COLUMN_WIDTH) / 2
        drawn.append(
            Column(
                label=str(int(month)) if month.isdigit() else figure.label,
                year=year if month and (index == 0 or month == "01") else "",
                value=_number(figure.value),
                x=f"{x:.1f}",
                y=f"{baseline - height:.1f}",
                width=str(COLUMN_WIDTH),
                height=f"{height:.1f}",
                middle=f"{index * COLUMN_STEP + COLUMN_STEP / 2:.1f}",
                value_y=f"{baseline - height - 4:.1f}",
            )
        )
    return ColumnChart(
        columns=drawn,
        width=str(max(len(figures), 1) * COLUMN_STEP),
        height=str(baseline + 34),
        baseline=str(baseline),
        label_y=str(baseline + 15),
        year_y=str(baseline + 29),
    )


# --- pages ---------------------------------------------------------------------------------


@park_admin_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    figures = console.console_dashboard(park=park)
    context = {
        "d": figures,
        "status_bars": bars(figures.by_status),
        "industry_bars": bars(figures.by_industry),
        "module_bars": bars(figures.module_adoption, scale=figures.firms_sharing),
        "growth": columns(figures.growth),
        "sponsored": columns(figures.sponsored.by_month) if any(f.value for f in figures.sponsored.by_month) else None,
        "sponsored_firms": console.sponsored_firms(park=park),
    }
    return render(request, "parks/console/dashboard.html", context)


def _filter_context(park: Any, filters: console.FirmFilters) -> dict[str, Any]:
    return {
        "filters": filters,
        "status_choices": Firm.Status.choices,
        "plan_choices": console.console_plan_choices(park=park),
        "industry_choices": console.industry_choices(),
        "sharing_choices": console.SHARING_CHOICES,
        "sort_choices": console.SORT_CHOICES,
    }


@park_admin_required
@require_GET
def firm_list(request: HttpRequest) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    filters = console.FirmFilters.from_params(request.GET)
    page = Paginator(console.console_firm_list(park=park, filters=filters), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [console.firm_row(firm) for firm in page],
        "query": query_without_page(request),
        "export_query": urlencode(filters.as_params()),
        **_filter_context(park, filters),
    }
    return render(request, "parks/console/firm_list.html", context)


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _day(value: datetime | None) -> str:
    return timezone.localtime(value).date().isoformat() if value else ""


def _sharing_label(row: console.FirmRow) -> str:
    return {"shared": _("Shared"), "not_shared": _("Not shared"), "pending": _("Not collected yet")}[row.sharing]


def _csv_row(row: console.FirmRow) -> list[Any]:
    def figure(value: int | None) -> int | str:
        return "" if value is None or not row.shared else value

    return [
        row.name,
        row.slug,
        row.status_label,
        row.industry_label,
        row.plan_label,
        row.subscription_status_label,
        _("Yes") if row.sponsored else _("No"),
        "" if row.seats is None else row.seats,
        _sharing_label(row),
        figure(row.users_total),
        figure(row.users_active_30d),
        "; ".join(row.module_labels) if row.shared else "",
        _when(row.last_activity_at) if row.shared else "",
        _day(row.joined_at),
    ]


@park_admin_required
@require_GET
def firm_export(request: HttpRequest) -> HttpResponse:
    """The filtered firm list as CSV (UTF-8 with a BOM, so Excel reads the Chinese names)."""
    park = request.park  # type: ignore[attr-defined]
    filters = console.FirmFilters.from_params(request.GET)
    firms = console.console_firm_list(park=park, filters=filters)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = [pgettext("park", "Firm"), _("Address"), _("Status"), _("Industry"), _("Plan"), _("Subscription status")]
    header += [_("Sponsored by the park"), _("Seats paid for"), _("Activity figures"), _("Users")]
    header += [_("Users active in 30 days"), _("Modules in use"), pgettext("park", "Last activity")]
    header += [_("Joined the park")]
    writer.writerow(header)
    count = 0
    for firm in firms.iterator(chunk_size=500):
        writer.writerow(
            [value if isinstance(value, int) else safe_cell(value) for value in _csv_row(console.firm_row(firm))]
        )
        count += 1
    park_audit(request, park=park, action="firms.exported", rows=count, filters=filters.as_params())
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="park-{park.pk}-firms-{stamp}.csv"'
    return response


@park_admin_required
@require_GET
def firm_detail(request: HttpRequest, firm_id: int) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    try:
        row = console.console_firm_get(park=park, firm_id=firm_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    events = [_audit_row(event) for event in console.console_firm_events(park=park, firm_id=row.id)]
    context = {"row": row, "sharing_label": _sharing_label(row), "events": events}
    return render(request, "parks/console/firm_detail.html", context)


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    object: str
    details: list[tuple[str, str]]


def _audit_row(event: AuditEvent) -> AuditRow:
    changes = event.changes if isinstance(event.changes, dict) else {}
    details = [(str(key), _detail(value)) for key, value in changes.items() if key != "park_id"]
    target = f"{event.object_type} #{event.object_id}" if event.object_type and event.object_id else event.object_type
    return AuditRow(at=event.at, actor=event.actor, action=event.action, object=target, details=details)


def _detail(value: Any) -> str:
    if isinstance(value, dict):
        text = ", ".join(f"{key}={item}" for key, item in value.items())
    elif isinstance(value, list):
        text = ", ".join(str(item) for item in value)
    else:
        text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"


@park_admin_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    action = (request.GET.get("action") or "").strip()[:64]
    page = Paginator(console.console_audit_list(park=park, action=action), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "events": [_audit_row(event) for event in page],
        "action": action,
        "actions": console.console_audit_actions(park=park),
        "query": query_without_page(request),
    }
    return render(request, "parks/console/audit_list.html", context)
