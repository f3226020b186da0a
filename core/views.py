"""Health, readiness and the pages every host shares."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .readiness import readiness_cached


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive; it says nothing of the database."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    result = readiness_cached()
    body = {
        "status": "ready" if result.ready else "not_ready",
        "database": result.database,
        "lagging_schemas": result.lagging_schemas,
        "worker_alive": result.worker_alive,
        "worker_seen_seconds_ago": result.worker_seen_seconds_ago,
        "errors": result.errors,
    }
    return JsonResponse(body, status=200 if result.ready else 503)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        body = {"code": "not_found", "detail": translation.gettext("Not found."), "fields": {}}
        return JsonResponse(body, status=404)
    return render(request, "404.html", status=404)


def _database_unavailable() -> bool:
    """The request failed because the database could not be reached (down, restarting, full)."""
    import sys

    from django.db import InterfaceError, OperationalError

    error = sys.exc_info()[1]
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 with Retry-After when the database is unreachable: a proxy or client may retry,
    and monitoring tells an outage from a bug. Neither page touches the database."""
    unavailable = _database_unavailable()
    status = 503 if unavailable else 500
    if _is_api(request):
        if unavailable:
            code = "service_unavailable"
            detail = translation.gettext("ParkSuite is briefly unavailable. Please try again in a minute.")
        else:
            code = "server_error"
            detail = translation.gettext("Something went wrong on our side. Please try again.")
        response: HttpResponse = JsonResponse({"code": code, "detail": detail, "fields": {}}, status=status)
    else:
        response = render(request, "503.html" if unavailable else "500.html", status=status)
    if unavailable:
        response["Retry-After"] = "30"
    return response


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in person keeps the choice on their account."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        from apps.accounts.services import user_language_set

        user_language_set(user=request.user, language=language)  # type: ignore[arg-type]
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
