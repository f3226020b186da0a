"""Host → firm resolution, cached, and the middleware that enters the firm's schema.

A warm cache answers without touching the database. Entries are cleared when a firm or
domain changes (tenants.signals); unknown hosts are remembered briefly so a flood of
bad host names does not reach the database either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils import timezone, translation
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import schema_context

if TYPE_CHECKING:
    from tenants.models import Firm

_UNKNOWN = "unknown"
UNKNOWN_HOST_SECONDS = 10


class PublicSite:
    """The tenant object of the public host: the platform itself, not a firm."""

    schema_name = "public"
    slug = ""
    name = "ParkSuite"
    status = "active"
    pk = None
    is_public = True

    def __repr__(self) -> str:
        return "<PublicSite>"


PUBLIC_SITE = PublicSite()


def use_public_schema() -> None:
    """Point this thread's connection back at the public schema."""
    connection.set_schema_to_public()  # type: ignore[attr-defined]


def current_schema() -> str:
    return str(getattr(connection, "schema_name", "public"))


def host_cache_key(hostname: str) -> str:
    return f"tenancy:host:{hostname}"


def forget_hosts(hostnames: Iterable[str]) -> None:
    """Drop cached host → firm answers now and again after the transaction commits.

    Clearing only now would let a request that reads the old row before our commit cache
    it again; clearing only at commit would leave this transaction reading stale entries.
    """
    keys = [host_cache_key(h.lower()) for h in hostnames if h]

    def forget() -> None:
        # Cache keys are prefixed with the current schema: always speak as public here.
        with schema_context("public"):
            cache.delete_many(keys)

    forget()
    transaction.on_commit(forget)


@dataclass(frozen=True)
class HostRoute:
    """Where a host leads: a firm, and for an old address after a rename, where to redirect."""

    firm: Firm
    redirect_to: str = ""


ROUTABLE_STATUSES = ("active", "suspended", "closed")


def route_for_host(hostname: str) -> HostRoute | None:
    """The route an active domain gives, or None. Cached."""
    from tenants.models import Domain

    key = host_cache_key(hostname)
    cached = cache.get(key)
    if cached == _UNKNOWN:
        return None
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    domain = (
        Domain.objects.select_related("tenant").filter(domain=hostname).exclude(tenant__schema_name="public").first()
    )
    if domain is not None and not domain.is_active:
        # A firm still being provisioned: its domain goes live any moment. Remembering "no
        # firm here" now could outlive the activation (a request that read the row before
        # the worker's commit would write it after the worker cleared the cache).
        return None
    now = timezone.now()
    if domain is None or (domain.redirect_until and domain.redirect_until <= now):
        cache.set(key, _UNKNOWN, UNKNOWN_HOST_SECONDS)
        return None
    seconds = settings.PARKSUITE_TENANT_CACHE_SECONDS
    if domain.redirect_until:
        route = HostRoute(firm=domain.tenant, redirect_to=domain.tenant.host)
        seconds = max(1, min(seconds, int((domain.redirect_until - now).total_seconds())))
    else:
        route = HostRoute(firm=domain.tenant)
    cache.set(key, route, seconds)
    return route


def firm_for_host(hostname: str) -> Firm | None:
    route = route_for_host(hostname)
    return route.firm if route else None


class FirmMiddleware(TenantMainMiddleware):
    """Public host → public URLconf; an active firm's host → its schema; else a 404 page."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        use_public_schema()
        hostname = request.get_host().split(":")[0].lower()
        if hostname in settings.PARKSUITE_PUBLIC_HOSTS:
            request.tenant = PUBLIC_SITE  # type: ignore[attr-defined]
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF  # type: ignore[attr-defined]
            set_urlconf(settings.PUBLIC_SCHEMA_URLCONF)
            return None

        route = route_for_host(hostname)
        if route is None or route.firm.status not in ROUTABLE_STATUSES or route.firm.purged_at:
            return unknown_host_response(request, hostname)
        if route.redirect_to:
            port = request.get_host().partition(":")[2]
            target = f"{request.scheme}://{route.redirect_to}{':' + port if port else ''}{request.get_full_path()}"
            # 302, not 301: once the redirect ends the old address may belong to someone else.
            return HttpResponseRedirect(target)
        firm = route.firm
        firm.domain_url = hostname  # type: ignore[attr-defined]
        request.tenant = firm  # type: ignore[attr-defined]
        connection.set_tenant(firm)  # type: ignore[attr-defined]
        self.setup_url_routing(request)
        return None


def unknown_host_response(request: HttpRequest, hostname: str) -> HttpResponse:
    # Rendered before LocaleMiddleware runs: choose the visitor's language here.
    translation.activate(translation.get_language_from_request(request))
    context: dict[str, Any] = {"hostname": hostname, "public_url": public_url("/")}
    return render(request, "core/unknown_host.html", context, status=404)


def public_url(path: str = "/") -> str:
    port = f":{settings.PARKSUITE_URL_PORT}" if settings.PARKSUITE_URL_PORT else ""
    return f"{settings.PARKSUITE_URL_SCHEME}://{settings.PARKSUITE_DOMAIN}{port}{path}"


# What people of a suspended or closing firm may still do: read, sign in and out, switch
# language, export (owners), and take a closure back (owners).
RESTRICTED_POST_PATHS = (
    "/accounts/login/",
    "/accounts/logout/",
    "/language/",
    "/settings/closure/cancel/",
    "/settings/export/",
)


class FirmStatusMiddleware:
    """A suspended or closing firm is read-only: every page says so, the API answers 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        firm = getattr(request, "tenant", PUBLIC_SITE)
        status = getattr(firm, "status", "active")
        if firm.schema_name == "public" or status == "active":
            return self.get_response(request)
        code = "firm_suspended" if status == "suspended" else "firm_closing"
        if request.path.startswith("/api/"):
            return JsonResponse({"code": code, "detail": firm_notice(firm), "fields": {}}, status=403)
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.path not in RESTRICTED_POST_PATHS:
            return render(request, "core/firm_restricted.html", {"firm": firm, "notice": firm_notice(firm)}, status=403)
        return self.get_response(request)


def firm_notice(firm: Any) -> str:
    """The sentence every page of a restricted firm shows."""
    if firm.status == "suspended":
        return translation.gettext(
            "This workspace is suspended: you can read and export your data, but not change it. "
            "The owner can contact ParkSuite support to restore it."
        )
    if firm.status == "closed" and firm.purge_after:
        date = timezone.localtime(firm.purge_after).date().isoformat()
        return translation.gettext(
            "This workspace is closing: its data will be deleted on %(date)s. Export what you need before then."
        ) % {"date": date}
    return ""
