"""A person's signed-in browsers: recorded at sign-in, listed, and ended on request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.services import audit_record, client_ip

from .models import User, UserSession


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.update_or_create(
            session_key=key,
            defaults={
                "user": user,
                "ip": client_ip(request),
                "user_agent": request.META.get("HTTP_USER_AGENT", "").replace("\x00", "")[:300],
            },
        )


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def session_list(*, user: User) -> list[UserSession]:
    """The person's sessions that are still alive (expired ones are left out)."""
    mine = list(UserSession.objects.filter(user=user))
    live = set(
        Session.objects.filter(
            session_key__in=[s.session_key for s in mine], expire_date__gt=timezone.now()
        ).values_list("session_key", flat=True)
    )
    return [s for s in mine if s.session_key in live]


@transaction.atomic
def sessions_end_others(*, user: User, current_key: str, request: HttpRequest | None = None) -> int:
    """Sign the person out of every browser but this one."""
    others = UserSession.objects.filter(user=user).exclude(session_key=current_key)
    keys = list(others.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    others.delete()
    audit_record(action="auth.sessions_ended", actor=user, request=request, obj=user, count=len(keys))
    return len(keys)
