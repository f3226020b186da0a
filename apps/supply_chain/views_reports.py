"""Report pages: turnover, purchase and sales analysis for a period, stock value by warehouse,
with ECharts drawn by a static script from data in a json_script block (no inline script)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from core.errors import ApplicationError

from . import reports, reports_exports
from .pages import sc_page, sc_render

TOP_ROWS = 50


def _period(request: HttpRequest) -> dict[str, Any]:
    start, end = reports_exports.period(request.GET)
    group_by = request.GET.get("group_by") or "month"
    return {"date_from": start, "date_to": end, "group_by": group_by if group_by in reports.GROUPS else "month"}


def _chart(
    warehouses: list[reports.WarehouseTotal], purchases: reports.Analysis, sales: reports.Analysis
) -> dict[str, Any]:
    months = sorted({row.key for row in (*purchases.rows, *sales.rows)})
    bought = {row.key: row.ordered for row in purchases.rows}
    sold = {row.key: row.ordered for row in sales.rows}
    return {
        "warehouses": [f"{w.code} {w.name}" for w in warehouses],
        "values": [float(w.value) for w in warehouses],
        "months": months,
        "purchases": [float(bought.get(month, 0)) for month in months],
        "sales": [float(sold.get(month, 0)) for month in months],
    }


@sc_page
def report_home(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    actor = request.user
    context: dict[str, Any] = {"nav": "reports", **period, "query": request.GET.urlencode()}
    try:
        turnover = reports.inventory_turnover(actor=actor, date_from=period["date_from"], date_to=period["date_to"])
        by_month = {
            kind: select(actor=actor, date_from=period["date_from"], date_to=period["date_to"], group_by="month")
            for kind, select in (("purchases", reports.purchase_analysis), ("sales", reports.sales_analysis))
        }
        grouped = (
            by_month
            if period["group_by"] == "month"
            else {
                kind: select(
                    actor=actor, date_from=period["date_from"], date_to=period["date_to"], group_by=period["group_by"]
                )
                for kind, select in (("purchases", reports.purchase_analysis), ("sales", reports.sales_analysis))
            }
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.detail)
        return sc_render(request, "supply_chain/reports/home.html", {**context, "failed": True}, status=400)
    warehouses = reports.stock_totals(actor=actor)
    context |= {
        "turnover": turnover,
        "turnover_rows": turnover.rows[:TOP_ROWS],
        "more_rows": max(len(turnover.rows) - TOP_ROWS, 0),
        "purchases": grouped["purchases"],
        "sales": grouped["sales"],
        "warehouses": warehouses,
        "chart": _chart(warehouses, by_month["purchases"], by_month["sales"]),
    }
    return sc_render(request, "supply_chain/reports/home.html", context)


@sc_page
def report_export(request: HttpRequest) -> HttpResponseBase:
    kind = request.GET.get("report") or "turnover"
    if kind not in ("turnover", "purchases", "sales"):
        kind = "turnover"
    try:
        return reports_exports.export_response(actor=request.user, kind=kind, params=request.GET.dict())
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.detail)
        return redirect("supply_chain:reports")
