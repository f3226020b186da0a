"""Sign-ins and failed sign-ins are security events wherever they happen."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import audit_record


@receiver(user_logged_in)
def logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action="auth.login", actor=user, request=request, obj=user)


@receiver(user_logged_out)
def logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="auth.logout", actor=user, request=request, obj=user)


@receiver(user_login_failed)
def login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The password is never recorded; the email tried is (it is what an admin needs to see).
    audit_record(action="auth.login_failed", actor=str(credentials.get("username", ""))[:300], request=request)
