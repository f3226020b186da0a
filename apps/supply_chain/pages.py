"""Building blocks of supply chain pages: the decorator every page uses (403 page that says
why, 404 for what the firm does not have), rendering with the person's rights, pagination."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.pages import module_page, query_without_page

from . import permissions


def _may_view(user: Any) -> None:
    permissions.require(user, permissions.VIEW)


sc_page = module_page(check=_may_view, forbidden_template="supply_chain/forbidden.html")


def sc_render(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """Render with ``rights`` (what the person may do: "purchase", "sell", "stock", ...)."""
    return render(request, template, {"rights": permissions.supply_rights(request.user), **context}, status=status)


def paged(request: HttpRequest, queryset: Any, *, per_page: int = 50) -> dict[str, Any]:
    """The page of ``queryset`` asked for, with the query string to keep in the page links."""
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    return {"page": page, "query": query_without_page(request)}
