"""The supply chain overview page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .pages import sc_page, sc_render


@sc_page
def home(request: HttpRequest) -> HttpResponse:
    return sc_render(request, "supply_chain/home.html", {"nav": "home"})
