"""Stock pages: on hand by warehouse, movement history, transfers and stocktakes.

Pages read through ``reports`` and ``stock`` and write through ``stock``'s services; service
errors come back next to the fields and lines they name.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError
from core.pages import reported

from . import permissions, reports, reports_exports, stock
from .models import StockMove, Stocktake
from .pages import paged, sc_page, sc_render

BLANK_ROWS = 5
MAX_ROWS = stock.MAX_LINES
LINE_FIELDS = ("sku", "quantity", "lot")
_ROW_KEY = re.compile(r"^line-(\d{1,4})-(?:sku|quantity|lot)$")
_COUNT_KEY = re.compile(r"^count-(\d{1,12})$")


def _text(request: HttpRequest, name: str, limit: int = 100) -> str:
    return (request.GET.get(name) or "").strip()[:limit]


def _day(value: str | None, default: date | None = None) -> date | None:
    return reports_exports.day((value or "").strip()) or default


def _common(request: HttpRequest) -> dict[str, Any]:
    return {"nav": "stock", "may_move": permissions.can(request.user, permissions.STOCK)}


# --- on hand -------------------------------------------------------------------------------


@sc_page
def stock_on_hand(request: HttpRequest) -> HttpResponse:
    q = _text(request, "q")
    warehouse_id = reports_exports.number(request.GET.get("warehouse"))
    category_id = reports_exports.number(request.GET.get("category"))
    rows = reports.stock_on_hand(actor=request.user, warehouse_id=warehouse_id, q=q, category_id=category_id)
    context = {
        **_common(request),
        "q": q,
        "warehouse_id": warehouse_id,
        "category_id": category_id,
        "warehouses": stock.warehouse_choices(actor=request.user, active_only=False),
        "categories": stock.category_choices(actor=request.user),
        "totals": reports.stock_totals(actor=request.user, warehouse_id=warehouse_id, q=q, category_id=category_id),
        **paged(request, rows),
    }
    context["total_value"] = sum((t.value for t in context["totals"]), reports.ZERO)
    return sc_render(request, "supply_chain/stock/on_hand.html", context)


@sc_page
def stock_export(request: HttpRequest) -> HttpResponseBase:
    return _export(request, "on_hand")


def _export(request: HttpRequest, kind: str) -> HttpResponseBase:
    try:
        return reports_exports.export_response(actor=request.user, kind=kind, params=request.GET.dict())
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.detail)
        return redirect(request.path.rsplit("export/", 1)[0])


# --- movement history --------------------------------------------------------------------


@sc_page
def move_list(request: HttpRequest) -> HttpResponse:
    q = _text(request, "q")
    warehouse_id = reports_exports.number(request.GET.get("warehouse"))
    kind = request.GET.get("kind") or ""
    date_from, date_to = _day(request.GET.get("date_from")), _day(request.GET.get("date_to"))
    moves = reports.movement_history(
        actor=request.user,
        warehouse_id=warehouse_id,
        product_id=reports_exports.number(request.GET.get("product")),
        kind=kind or None,
        date_from=date_from,
        date_to=date_to,
        q=q,
    )
    context = {
        **_common(request),
        "q": q,
        "warehouse_id": warehouse_id,
        "kind": kind if kind in StockMove.Kind.values else "",
        "kinds": StockMove.Kind.choices,
        "date_from": date_from,
        "date_to": date_to,
        "warehouses": stock.warehouse_choices(actor=request.user, active_only=False),
        **paged(request, moves),
    }
    return sc_render(request, "supply_chain/stock/move_list.html", context)


@sc_page
def move_export(request: HttpRequest) -> HttpResponseBase:
    return _export(request, "moves")


# --- transfers ---------------------------------------------------------------------------


@sc_page
def transfer_list(request: HttpRequest) -> HttpResponse:
    q = _text(request, "q")
    transfers = stock.transfer_list(actor=request.user, q=q)
    return sc_render(
        request, "supply_chain/stock/transfer_list.html", {**_common(request), "q": q, **paged(request, transfers)}
    )


def _row_indexes(data: QueryDict) -> list[int]:
    return sorted({int(match.group(1)) for key in data if (match := _ROW_KEY.match(key))})


def _typed_rows(data: QueryDict) -> list[dict[str, str]]:
    rows = []
    for index in _row_indexes(data)[:MAX_ROWS]:
        row = {name: (data.get(f"line-{index}-{name}") or "").strip()[:60] for name in LINE_FIELDS}
        if row["sku"] or row["quantity"]:
            rows.append(row)
    return rows


def _editor_rows(rows: list[dict[str, str]], errors: dict[str, list[str]], blank: int) -> list[dict[str, Any]]:
    shown = [*rows, *(dict.fromkeys(LINE_FIELDS, "") for _index in range(blank))]
    return [
        {
            "index": index,
            "number": index + 1,
            **row,
            "errors": {
                "sku": errors.get(f"lines.{index + 1}.product", []),
                "quantity": errors.get(f"lines.{index + 1}.quantity", []),
                "lot": errors.get(f"lines.{index + 1}.lot", []),
            },
        }
        for index, row in enumerate(shown[:MAX_ROWS])
    ]


@sc_page
@require_http_methods(["GET", "POST"])
def transfer_new(request: HttpRequest) -> HttpResponseBase:
    permissions.require(request.user, permissions.STOCK)
    data = request.POST if request.method == "POST" else QueryDict()
    values = {
        "from_location": data.get("from_location", ""),
        "to_location": data.get("to_location", ""),
        "day": data.get("day") or timezone.localdate().isoformat(),
        "note": (data.get("note") or "")[:300],
    }
    rows = _typed_rows(data)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and "more" not in data:
        day = _day(values["day"])
        if day is None:
            errors = {"day": [_("Enter a date like 2026-11-30.")]}
        else:
            skus = stock.products_by_sku([row["sku"] for row in rows])
            with reported(request, message=False) as outcome:
                transfer = stock.transfer_create(
                    actor=request.user,
                    from_location=reports_exports.number(values["from_location"]) or 0,
                    to_location=reports_exports.number(values["to_location"]) or 0,
                    day=day,
                    lines=[(skus.get(row["sku"], 0), row["quantity"], row["lot"]) for row in rows],
                    note=values["note"],
                )
            if outcome.error is None:
                messages.success(request, _("Transfer %(number)s is recorded.") % {"number": transfer.number})
                return redirect("supply_chain:transfer_detail", transfer.pk)
            errors = dict(outcome.error.fields)
            if not errors or outcome.error.code == "insufficient_stock":
                errors.setdefault("lines", []).insert(0, outcome.error.detail)
    blank = BLANK_ROWS if not rows or "more" in data else 1
    context = {
        **_common(request),
        "values": values,
        "errors": errors,
        "rows": _editor_rows(rows, errors, blank),
        "line_errors": errors.get("lines", []),
        "locations": stock.location_choices(actor=request.user),
    }
    status = 400 if errors else 200
    return sc_render(request, "supply_chain/stock/transfer_form.html", context, status=status)


@sc_page
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = stock.transfer_get(actor=request.user, transfer_id=transfer_id)
    context = {**_common(request), "transfer": transfer, "lines": stock.transfer_lines(transfer)}
    return sc_render(request, "supply_chain/stock/transfer_detail.html", context)


# --- stocktakes ----------------------------------------------------------------------------


@sc_page
def stocktake_list(request: HttpRequest) -> HttpResponse:
    q = _text(request, "q")
    status = request.GET.get("status") or ""
    found = stock.stocktake_list(actor=request.user, q=q, status=status)
    context = {
        **_common(request),
        "q": q,
        "status": status if status in Stocktake.Status.values else "",
        "statuses": Stocktake.Status.choices,
        **paged(request, found),
    }
    return sc_render(request, "supply_chain/stock/stocktake_list.html", context)


@sc_page
@require_http_methods(["GET", "POST"])
def stocktake_new(request: HttpRequest) -> HttpResponseBase:
    permissions.require(request.user, permissions.STOCK)
    data = request.POST if request.method == "POST" else QueryDict()
    values = {
        "warehouse": data.get("warehouse", ""),
        "day": data.get("day") or timezone.localdate().isoformat(),
        "category": data.get("category", ""),
        "skus": (data.get("skus") or "")[:5000],
        "note": (data.get("note") or "")[:300],
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        typed = [sku for sku in re.split(r"[\s,;]+", values["skus"]) if sku]
        skus = stock.products_by_sku(typed)
        unknown = [sku for sku in typed if sku not in skus]
        day = _day(values["day"])
        if unknown:
            errors["skus"] = [_("Unknown SKU: %(skus)s") % {"skus": ", ".join(unknown[:10])}]
        if day is None:
            errors["day"] = [_("Enter a date like 2026-11-30.")]
        if not errors:
            with reported(request, message=False) as outcome:
                stocktake = stock.stocktake_start(
                    actor=request.user,
                    warehouse=reports_exports.number(values["warehouse"]) or 0,
                    day=day or timezone.localdate(),
                    category_id=reports_exports.number(values["category"]),
                    product_ids=list(skus.values()) or None,
                    note=values["note"],
                )
            if outcome.error is None:
                messages.success(request, _("Stocktake %(number)s has started.") % {"number": stocktake.number})
                return redirect("supply_chain:stocktake_detail", stocktake.pk)
            errors = dict(outcome.error.fields) or {"form": [outcome.error.detail]}
            if "products" in errors:
                errors["skus"] = errors.pop("products")
    context = {
        **_common(request),
        "values": values,
        "errors": errors,
        "warehouses": stock.warehouse_choices(actor=request.user),
        "categories": stock.category_choices(actor=request.user),
    }
    return sc_render(request, "supply_chain/stock/stocktake_form.html", context, status=400 if errors else 200)


def _count_values(data: QueryDict) -> dict[int, str]:
    return {int(match.group(1)): (data.get(key) or "").strip() for key in data if (match := _COUNT_KEY.match(key))}


@sc_page
@require_http_methods(["GET", "POST"])
def stocktake_detail(request: HttpRequest, stocktake_id: int) -> HttpResponseBase:
    stocktake = stock.stocktake_get(actor=request.user, stocktake_id=stocktake_id)
    errors: dict[str, list[str]] = {}
    typed: dict[int, str] = {}
    if request.method == "POST":
        typed = _count_values(request.POST)
        with reported(request, message=False) as outcome:
            stock.stocktake_count(actor=request.user, stocktake=stocktake, counts=typed)
        if outcome.error is None:
            messages.success(request, _("The counts are saved."))
            return redirect(f"{request.path}?{request.GET.urlencode()}" if request.GET else request.path)
        errors = outcome.error.fields
        messages.error(request, outcome.error.detail)
    q = _text(request, "q")
    lines = stock.stocktake_lines(stocktake)
    if q:
        lines = lines.filter(Q(product__sku__icontains=q) | Q(product__name__icontains=q))
    listing = paged(request, lines, per_page=100)
    rows = [
        {
            "line": line,
            "typed": typed.get(line.pk, "" if line.counted is None else f"{line.counted.normalize():f}"),
            "errors": errors.get(f"counts.{line.pk}", []),
        }
        for line in listing["page"]
    ]
    context = {
        **_common(request),
        "stocktake": stocktake,
        "rows": rows,
        "q": q,
        "summary": stock.stocktake_summary(stocktake),
        "locations": stock.location_choices(actor=request.user),
        "counting": stocktake.status == Stocktake.Status.COUNTING,
        **listing,
    }
    return sc_render(request, "supply_chain/stock/stocktake_detail.html", context, status=400 if errors else 200)


@sc_page
@require_POST
def stocktake_add_line(request: HttpRequest, stocktake_id: int) -> HttpResponseBase:
    stocktake = stock.stocktake_get(actor=request.user, stocktake_id=stocktake_id)
    sku = (request.POST.get("sku") or "").strip()[:40]
    product_id = stock.products_by_sku([sku]).get(sku, 0)
    with reported(request, message=False) as outcome:
        stock.stocktake_add_line(
            actor=request.user,
            stocktake=stocktake,
            product_id=product_id,
            location_id=reports_exports.number(request.POST.get("location")),
            lot_number=(request.POST.get("lot") or "")[:60],
            counted=(request.POST.get("counted") or "").strip() or None,
        )
    if outcome.error is None:
        messages.success(request, _("The line is added."))
    else:
        problems = [m for messages_ in outcome.error.fields.values() for m in messages_] or [outcome.error.detail]
        messages.error(request, " ".join(problems))
    return redirect("supply_chain:stocktake_detail", stocktake.pk)


@sc_page
@require_http_methods(["GET", "POST"])
def stocktake_post(request: HttpRequest, stocktake_id: int) -> HttpResponseBase:
    stocktake = stock.stocktake_get(actor=request.user, stocktake_id=stocktake_id)
    if request.method == "POST":
        with reported(request) as outcome:
            posted = stock.stocktake_post(actor=request.user, stocktake=stocktake)
        if outcome.ok:
            messages.success(
                request,
                _("Stocktake %(number)s is posted; stock value changed by %(change)s.")
                % {"number": posted.number, "change": posted.value_change},
            )
        return redirect("supply_chain:stocktake_detail", stocktake.pk)
    permissions.require(request.user, permissions.STOCK)
    context = {**_common(request), "stocktake": stocktake, "preview": stock.stocktake_preview(stocktake)}
    return sc_render(request, "supply_chain/stock/stocktake_post.html", context)


@sc_page
@require_POST
def stocktake_cancel(request: HttpRequest, stocktake_id: int) -> HttpResponseBase:
    stocktake = stock.stocktake_get(actor=request.user, stocktake_id=stocktake_id)
    with reported(request) as outcome:
        stock.stocktake_cancel(actor=request.user, stocktake=stocktake)
    if outcome.ok:
        messages.success(request, _("Stocktake %(number)s is cancelled.") % {"number": stocktake.number})
    return redirect("supply_chain:stocktake_detail", stocktake.pk)
