"""Host → firm resolution, cached, and the middleware that enters the firm's schema.

A warm cache answers without touching the database. Entries are cleared when a firm or
domain changes (tenants.signals); unknown hosts are remembered briefly so a flood of
bad host names does not reach the database either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils import translation
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


def firm_for_host(hostname: str) -> Firm | None:
    """The firm an active domain names, or None. Cached."""
    from tenants.models import Domain

    key = host_cache_key(hostname)
    cached = cache.get(key)
    if cached == _UNKNOWN:
        return None
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    domain = (
        Domain.objects.select_related("tenant")
        .filter(domain=hostname, is_active=True)
        .exclude(tenant__schema_name="public")
        .first()
    )
    if domain is None:
        cache.set(key, _UNKNOWN, UNKNOWN_HOST_SECONDS)
        return None
    firm = domain.tenant
    cache.set(key, firm, settings.PARKSUITE_TENANT_CACHE_SECONDS)
    return firm


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

        firm = firm_for_host(hostname)
        if firm is None or firm.status not in ("active", "suspended"):
            return unknown_host_response(request, hostname)
        if firm.status == "suspended":
            translation.activate(translation.get_language_from_request(request))
            return render(request, "core/firm_suspended.html", {"firm": firm}, status=403)
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


def is_public_request(request: HttpRequest) -> bool:
    return getattr(request, "tenant", PUBLIC_SITE).schema_name == "public"
