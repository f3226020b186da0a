"""The park switcher of the console: the parks the signed-in admin runs (public host only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import on_public_host, parks_of


def park_console(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "park", None) or not on_public_host(request):
        return {}
    return {"park_choices": list(parks_of(request.user))}
