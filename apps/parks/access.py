"""Who may use the park console, which park they act for, and the record of what they did.

Park administrators are users of the public schema with the ``park_admin`` role and at least
one park. They act for one park at a time (the ``park`` query parameter or the one remembered in
their session); a firm, notice, service or request of another park is "not found" (404), never
"forbidden", so ids of other parks reveal nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from apps.audit.services import audit_record
from core.errors import NotFound
from core.inputs import parse_id

from .models import Park

SESSION_KEY = "park_console_park"


def on_public_host(request: HttpRequest) -> bool:
    return getattr(getattr(request, "tenant", None), "schema_name", None) == "public"


def is_park_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "role", "") == "park_admin")


def parks_of(user: Any) -> QuerySet[Park]:
    if not is_park_admin(user):
        return Park.objects.none()
    return Park.objects.filter(admins=user).order_by("name")


def current_park(request: HttpRequest) -> Park | None:
    """The park the admin acts for, or None (no park, or a park that is not theirs).

    A console form carries the park it was shown for (``park`` field, see console_base): its
    POST acts for that park, whatever another tab switched to since. Otherwise ``?park=<id>``
    (the switcher; remembered), else the remembered park, else their first park.
    """
    parks = parks_of(request.user)
    if request.method == "POST" and "park" in request.POST:
        posted = parse_id(request.POST.get("park"))
        return parks.filter(pk=posted).first() if posted is not None else None
    asked = request.GET.get("park")
    if asked:
        asked_id = parse_id(asked)
        park = parks.filter(pk=asked_id).first() if asked_id is not None else None
        if park is not None and request.method == "GET":
            request.session[SESSION_KEY] = park.pk
        return park
    remembered = request.session.get(SESSION_KEY)
    if isinstance(remembered, int):
        park = parks.filter(pk=remembered).first()
        if park is not None:
            return park
    return parks.first()


def park_admin_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Console pages: public host, signed in, a park admin of the current park (``request.park``)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not on_public_host(request):
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_park_admin(request.user):
            return HttpResponseForbidden(_("The park console is for park administrators."))
        park = current_park(request)
        if park is None:
            raise Http404(_("No such park."))
        request.park = park  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


class IsParkAdmin(BasePermission):
    """Console API: public host, a park admin; sets ``request.park`` like the pages do."""

    message = _("The park console is for park administrators.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if not on_public_host(request) or not is_park_admin(request.user):
            return False
        park = current_park(request)
        if park is None:
            raise NotFound(_("No such park."))
        request.park = park
        return True


def firm_in_park(park: Park, firm_id: int) -> Any:
    """A firm of this park, or NotFound (a firm of another park is not found either)."""
    from tenants.models import Firm

    firm = Firm.objects.filter(pk=firm_id, park=park).first()
    if firm is None:
        raise NotFound(_("No such firm in this park."))
    return firm


def park_audit(
    request: HttpRequest | None, *, park: Park, action: str, obj: Any = None, actor: Any = None, **changes: Any
) -> None:
    """Record a park admin's action (who, when, what) in the platform's audit log; outside a
    request (a script, a job) the actor is named directly."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    audit_record(action=f"parks.{action}", actor=actor, request=request, obj=obj, park_id=park.pk, **changes)
