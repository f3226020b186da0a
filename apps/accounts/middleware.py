"""A signed-in person sees the language they chose, on every device."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if user is not None and user.is_authenticated and not cookie:
            language = getattr(user, "language", "")
            if language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """When the firm requires a second factor, a person signed in without one is sent to set it
    up (pages) or refused with 403 ``two_factor_required`` (API with a browser session) until
    they have. API tokens are separate credentials and are not affected."""

    ALLOWED = ("/accounts/", "/settings/two-factor/", "/static/", "/i18n/")

    @staticmethod
    def required(user: Any, firm: Any) -> bool:
        """Firms may require it; park administrators and platform operators always use it."""
        if getattr(firm, "schema_name", "public") == "public":
            return bool(user.is_staff or getattr(user, "role", "") in ("park_admin", "operator"))
        return bool(getattr(firm, "require_two_factor", False))

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        firm = getattr(request, "tenant", None)
        if (
            user is not None
            and user.is_authenticated
            and self.required(user, firm)
            and not request.session.get("two_factor_verified")
            and not request.path.startswith(self.ALLOWED)
        ):
            from .twofactor import is_enabled

            if is_enabled(user):
                request.session["two_factor_verified"] = True  # signed in with it, or turned it on
            elif request.path.startswith("/api/"):
                from django.http import JsonResponse
                from django.utils.translation import gettext as _

                detail = _("Your firm requires two-factor sign-in. Turn it on under Settings first.")
                return JsonResponse({"code": "two_factor_required", "detail": detail, "fields": {}}, status=403)
            else:
                from django.shortcuts import redirect

                return redirect("two_factor")
        return self.get_response(request)
