"""The supply chain overview page: stock value by warehouse, products under their reorder
point, open orders and the latest moves, in a handful of bounded queries."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from . import reports
from .pages import sc_page, sc_render


@sc_page
def home(request: HttpRequest) -> HttpResponse:
    figures = reports.overview(actor=request.user)
    chart = {
        "warehouses": [f"{w.code} {w.name}" for w in figures["warehouses"]],
        "values": [float(w.value) for w in figures["warehouses"]],
        "months": [],
        "purchases": [],
        "sales": [],
    }
    total = sum((w.value for w in figures["warehouses"]), reports.ZERO)
    return sc_render(
        request, "supply_chain/home.html", {"nav": "home", **figures, "total_value": total, "chart": chart}
    )
