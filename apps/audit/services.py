"""Recording and reading the audit log of the current schema."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from .models import AuditEvent

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest | None) -> str | None:
    """The connection's address (a proxy's forwarded header is trusted only as configured)."""
    if request is None:
        return None
    from django.conf import settings

    proxies = int(str(settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    **changes: Any,
) -> AuditEvent:
    """Append one event to the log of the schema we are in. Never updated, never deleted."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    label = getattr(actor, "email", "") or (str(actor) if isinstance(actor, str) else "")
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor_id,
        actor=_clean(label)[:300],
        object_type=_clean(object_type)[:64],
        object_id=_clean(str(object_id))[:64],
        ip=client_ip(request),
        changes={k: _clean(v) if isinstance(v, str) else v for k, v in changes.items() if v is not None},
    )


def _clean(text: str) -> str:
    return text.replace("\x00", "")


def audit_search(*, query: str = "", action: str = "") -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.order_by("-at", "-id")
    query = (query or "").replace("\x00", "").strip()[:100]
    if query:
        events = events.filter(Q(actor__icontains=query) | Q(object_id=query) | Q(action__icontains=query))
    if action:
        events = events.filter(action=action[:64])
    return events
