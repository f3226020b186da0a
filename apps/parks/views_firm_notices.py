"""The park's notices seen from a member firm (firm host, /park/notices/).

The acting firm is ``request.tenant``; it sees the published notices of the park it is in now.
A firm without a park gets a page that says so; another park's notice is a 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from core.errors import NotFound

from . import notices
from .models import Notice
from .views_notices import attachment_response, paged

View = Callable[..., HttpResponseBase]


def firm_park_page(view: View) -> View:
    """Signed in on a firm's host; no park → the explanation page; not found → 404."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(getattr(request, "tenant", None), "schema_name", "public") == "public":
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except notices.NotInPark:
            return render(request, "parks/firm_notices/no_park.html")
        except NotFound as exc:
            raise Http404(exc.detail) from exc

    return wrapped


@firm_park_page
def notice_list(request: HttpRequest) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    q = notices.clean_search(request.GET.get("q"))
    kind = request.GET.get("kind", "")
    rows = notices.notice_list_for_firm(firm=firm, user_id=request.user.pk, q=q, kind=kind)
    context = {
        "nav": "notices",
        "park": notices.firm_park(firm=firm),
        "q": q,
        "kind": kind,
        "kinds": Notice.Kind.choices,
        **paged(request, rows),
    }
    return render(request, "parks/firm_notices/list.html", context)


@firm_park_page
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    notice = notices.notice_open_for_firm(firm=firm, user_id=request.user.pk, notice_id=notice_id)  # type: ignore[arg-type]
    return render(
        request,
        "parks/firm_notices/detail.html",
        {"nav": "notices", "notice": notice, "park": notices.firm_park(firm=firm)},
    )


@firm_park_page
def notice_attachment(request: HttpRequest, notice_id: int) -> FileResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    notice = notices.notice_open_for_firm(firm=firm, user_id=request.user.pk, notice_id=notice_id)  # type: ignore[arg-type]
    return attachment_response(notice)
