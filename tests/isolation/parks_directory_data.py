"""Firm A's collaboration directory records for the isolation sweep: its published profile, a
collaboration request it received and a firm it blocked, each showing the marker.

Firm A is put in a park of its own ("Isolation park A") with a partner firm that has no schema
(the directory and requests are public-schema rows); firm B is in no park, so nothing of firm A is
legitimately visible to it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.models import Firm

from .sweep import MARKER


def data(firm: Firm) -> dict[str, Any]:
    # Park rows and firms are public: firm rows can only be created from there.
    with schema_context("public"):
        return _data(firm)


def _data(firm: Firm) -> dict[str, Any]:
    from apps.parks import collaboration, directory
    from apps.parks.models import Park

    park, _created = Park.objects.get_or_create(name="Isolation park A")
    Firm.objects.filter(pk=firm.pk).update(park=park, park_joined_at=timezone.now())
    firm.refresh_from_db()
    partner, _created = Firm.objects.get_or_create(
        slug="isolation-partner",
        defaults={
            "schema_name": "t_isolationpartner",
            "name": f"{MARKER} partner firm",
            "status": Firm.Status.ACTIVE,
            "park": park,
        },
    )
    # Every other firm (firm B among them) is in no park: none may see firm A's directory.
    Firm.objects.exclude(pk__in=[firm.pk, partner.pk]).update(park=None, park_joined_at=None)
    admin = SimpleNamespace(is_authenticated=True, can_manage_users=True, email="owner@alpha.example", pk=None)
    profile = directory.directory_profile_save(
        firm=firm,
        actor=admin,
        display_name=f"{MARKER} 精密机械",
        industry="C",
        summary=f"{MARKER} summary",
        capabilities=[f"{MARKER} capability"],
        contact_person=f"{MARKER} contact",
        contact_email="secret@alpha.example",
    )
    directory.directory_profile_publish(firm=firm, actor=admin)
    directory.directory_profile_save(
        firm=partner,
        actor=admin,
        display_name=f"{MARKER} partner",
        industry="I",
        contact_person="Partner contact",
        contact_email="partner@partner.example",
    )
    directory.directory_profile_publish(firm=partner, actor=admin)
    received = collaboration.collaboration_request_send(
        sender=partner,
        actor=admin,
        profile_id=profile.pk,
        subject=f"{MARKER} subject",
        message=f"{MARKER} message",
        contact_person="Partner contact",
        contact_email="partner@partner.example",
    )
    block = collaboration.firm_block_create(firm=firm, actor=admin, profile_id=_profile_id(partner))
    return {"profile_id": profile.pk, "collab_request_id": received.pk, "firm_block_id": block.pk}


def _profile_id(firm: Firm) -> int:
    from apps.parks.models import DirectoryProfile

    return DirectoryProfile.objects.values_list("pk", flat=True).get(firm_id=firm.pk)
