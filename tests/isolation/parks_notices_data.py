"""Firm A's park notices and service requests for the isolation sweep.

Firm A is put in a park of its own ("Isolation park A"); firm B is in none, so nothing here is
legitimately visible to firm B: a published notice with an attachment and a service request,
each showing the marker. Returns an id for every URL parameter of the notices and services pages
and endpoints on the firm hosts."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.models import Firm

from .sweep import MARKER


def data(firm: Firm) -> dict[str, Any]:
    from apps.accounts.models import User
    from apps.parks import catalogue, notices
    from apps.parks.models import Park

    park, _created = Park.objects.get_or_create(name="Isolation park A")
    Firm.objects.filter(pk=firm.pk).update(park=park, park_joined_at=timezone.now())
    notice = notices.notice_create(
        park=park,
        actor=None,
        kind="subsidy",
        title=f"{MARKER} notice",
        body=f"{MARKER} notice text",
        attachment=notices.AttachmentUpload(name=f"{MARKER}.pdf", content=b"%PDF-1.4 " + MARKER.encode()),
    )
    notices.notice_publish(park=park, actor=None, notice_id=notice.pk)
    service = catalogue.park_service_create(park=park, actor=None, category="legal_tax", name=f"{MARKER} service")
    with schema_context(firm.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
    found = catalogue.service_request_create(
        firm=firm, actor=owner, service_id=service.pk, subject=f"{MARKER} request", details=f"{MARKER} details"
    )
    catalogue.service_request_reply(park=park, actor=None, service_request_id=found.pk, body=f"{MARKER} answer")
    return {"notice_id": notice.pk, "service_request_id": found.pk}
