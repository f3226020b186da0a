"""Personal API tokens: creation, authentication, scopes and per-token rate limits."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from apps.audit.services import audit_record
from core.errors import NotFound, ValidationFailed

from .models import ApiToken, User

MODULES = ("accounts", "crm", "hr", "finance", "supply_chain")
SCOPES = tuple(f"{module}:{access}" for module in MODULES for access in ("read", "write"))
MAX_DAYS = 365
TOKEN_FORMAT = re.compile(r"ps_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def role_scopes(user: User) -> set[str]:
    """What a person's role allows; a token never gets more than its owner has."""
    if user.role in (User.Role.OWNER, User.Role.ADMIN):
        return set(SCOPES)
    return {scope for scope in SCOPES if not scope.startswith("accounts:") or scope == "accounts:read"}


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scopes: list[str], days: int = 90, request: Any = None
) -> tuple[ApiToken, str]:
    """Create a token; the full token string is returned here and never again."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("Give the token a name of at most 100 characters.")]
    unknown = sorted(set(scopes) - set(SCOPES))
    if not scopes or unknown:
        errors["scopes"] = [_("Choose scopes from the list.")]
    elif not set(scopes) <= role_scopes(user):
        errors["scopes"] = [_("A token cannot have more rights than its owner.")]
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        errors["days"] = [_("A token lives between 1 and 365 days.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=_hash(secret),
        scopes=sorted(set(scopes)),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        action="token.created", actor=user, request=request, obj=token, name=name, scopes=token.scopes, days=days
    )
    return token, f"ps_{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound(_("No such token."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(action="token.revoked", actor=user, obj=token)
    return token


def api_tokens_revoke_all(*, user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer ps_<prefix>_<secret>`` (``Token`` works too)."""

    keywords = ("bearer", "token")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2 or not TOKEN_FORMAT.fullmatch(header[1]):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        _ps, prefix, secret = header[1].split("_", 2)
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.is_usable:
            raise exceptions.AuthenticationFailed(_("This token has expired or was revoked."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # at most once a minute
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class HasScope(permissions.BasePermission):
    """Views name the scope each method needs (``required_scopes``); a token must carry it.

    Sessions are not scoped: the services check the person's role as they always do.
    """

    message = _("This token does not have the scope this request needs.")
    code = "insufficient_scope"

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True
        declared = getattr(view, "required_scopes", {})
        method = request.method or "GET"
        required = declared.get(method) or (declared.get("GET") if method in ("HEAD", "OPTIONS") else None)
        if required is None:  # a view that declares nothing for this method is closed to tokens
            return False
        return required == "any" or required in request.auth.scopes


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (the per-plan limits come with billing); 429 with Retry-After."""

    scope = "api_token"
    rate = "600/minute"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None
