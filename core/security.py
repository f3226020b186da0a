"""Security headers every page gets, including a Content-Security-Policy the pages satisfy.

No page has inline script or style (htmx is told not to inject its indicator style), so the
policy allows only this host's own files. The API docs (Swagger UI) and Django's admin bring
inline code of their own and get the framework defaults instead.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        # A form may land on another firm host: a rename redirects to the new address.
        f"form-action 'self' {settings.PARKSUITE_URL_SCHEME}://*.{settings.PARKSUITE_DOMAIN}:*",
        "frame-ancestors 'none'",
    ]
)
EXEMPT_PREFIXES = ("/api/docs/", "/admin/")


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(EXEMPT_PREFIXES):
            response.headers.setdefault("Content-Security-Policy", POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
