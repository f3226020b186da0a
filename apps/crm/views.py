"""CRM pages (HTML). Reads through selectors, writes through services; everyone sees what
permissions.scope lets them see, and another person's record is a 404."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.pages import module_page, query_without_page

from . import permissions

crm_page = module_page(check=permissions.visible_owners, forbidden_template="crm/forbidden.html")


def crm_render(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, template, {"sees_all": permissions.sees_all(request.user), **context}, status=status)


def paged(request: HttpRequest, queryset: Any, *, per_page: int = 50) -> dict[str, Any]:
    """The page of ``queryset`` asked for, with the query string to keep in the page links."""
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    return {"page": page, "query": query_without_page(request)}


@crm_page
def placeholder(request: HttpRequest, title: str) -> HttpResponse:
    return crm_render(request, "crm/_base.html", {"nav": title})


home = lead_list = pool = account_list = contact_list = kanban = placeholder
