"""Sign-ins and failed sign-ins are security events wherever they happen."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import audit_record

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}")


@receiver(user_logged_in)
def logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action="auth.login", actor=user, request=request, obj=user)


@receiver(user_logged_out)
def logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="auth.logout", actor=user, request=request, obj=user)


@receiver(user_login_failed)
def login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The password is never recorded; the name tried is, when it looks like an email (people
    # sometimes type their password into the email box: that must not land in the log).
    tried = str(credentials.get("username", ""))
    audit_record(
        action="auth.login_failed", actor=tried if _EMAIL.fullmatch(tried) else "(not an email)", request=request
    )
