"""Two-factor sign-in: TOTP codes from an authenticator app (RFC 6238: HMAC-SHA1, 6 digits,
30-second steps, one step of clock drift either way) and ten one-time recovery codes.

A code is accepted once: the device remembers the last step used, so a code seen over
someone's shoulder cannot be replayed. Wrong codes count against the same sign-in lock as wrong
passwords (apps/accounts/lockout.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import ValidationFailed

from .models import RecoveryCode, TwoFactorDevice

STEP = 30
DIGITS = 6
RECOVERY_CODES = 10


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def totp(secret: str, step: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def matching_step(secret: str, code: str, *, after: int = 0, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (now, or one step either side), if later than ``after``."""
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    if len(code) != DIGITS:
        return None
    current = int((time.time() if now is None else now) // STEP)
    for step in (current - 1, current, current + 1):
        if step > after and hmac.compare_digest(totp(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, *, email: str, issuer: str) -> str:
    label = quote(f"{issuer}:{email}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}&algorithm=SHA1&digits={DIGITS}&period={STEP}"


def qr_svg(uri: str) -> str:
    """The URI as an SVG QR code (drawn by the server: no script, no network)."""
    import segno

    return str(segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#10241b", light="#ffffff"))


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def is_enabled(user: Any) -> bool:
    return bool(getattr(user, "pk", None)) and TwoFactorDevice.objects.filter(user_id=user.pk).exists()


@transaction.atomic
def enable(*, user: Any, secret: str, code: str, request: Any = None) -> list[str]:
    """Turn two-factor sign-in on with the secret the person's app holds, proven by a code from
    it; returns the recovery codes (shown once)."""
    step = matching_step(secret, code)
    if step is None:
        message = _("That code does not match. Type the 6 digits your app shows now.")
        raise ValidationFailed(message, fields={"code": [message]})
    TwoFactorDevice.objects.update_or_create(
        user=user, defaults={"secret": secret, "confirmed_at": timezone.now(), "last_step": step}
    )
    codes = _new_recovery_codes(user)
    audit_record(action="auth.two_factor_enabled", actor=user, request=request, obj=user)
    return codes


def _new_recovery_codes(user: Any) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash(code)) for code in codes)
    return codes


@transaction.atomic
def verify(*, user: Any, code: str, request: Any = None) -> bool:
    """A sign-in's second step: a current code from the app, or an unused recovery code."""
    device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return False
    step = matching_step(device.secret, code, after=device.last_step)
    if step is not None:
        device.last_step = step
        device.save(update_fields=["last_step"])
        return True
    used = RecoveryCode.objects.filter(user=user, code_hash=_hash(code), used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if used:
        audit_record(action="auth.recovery_code_used", actor=user, request=request, obj=user)
        return True
    return False


@transaction.atomic
def regenerate_codes(*, user: Any, code: str, request: Any = None) -> list[str]:
    if not verify(user=user, code=code, request=request):
        message = _("That code does not match.")
        raise ValidationFailed(message, fields={"code": [message]})
    codes = _new_recovery_codes(user)
    audit_record(action="auth.recovery_codes_renewed", actor=user, request=request, obj=user)
    return codes


def recovery_codes_left(user: Any) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def disable(*, user: Any, code: str, required: bool, request: Any = None, by: Any = None) -> None:
    """Turn it off: by the person (with a current code, unless the firm requires it), or by the
    owner or an administrator for someone who lost their phone (``by``)."""
    if by is None:
        if required:
            raise ValidationFailed(
                _("Your firm requires two-factor sign-in; it cannot be turned off."), code="two_factor_required"
            )
        if not verify(user=user, code=code, request=request):
            message = _("That code does not match.")
            raise ValidationFailed(message, fields={"code": [message]})
    TwoFactorDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(action="auth.two_factor_disabled", actor=by or user, request=request, obj=user)
