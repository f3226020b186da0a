"""The park console, swept like the firm hosts: every console page and API route, called by the
administrator of park B with park A's ids and every method, shows nothing of park A, fails
nowhere, and changes none of park A's rows. Routes are read from the public URL configuration, so
a console route added later is swept too; a parameter the sweep cannot fill fails the suite.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.parks.models import (
    Notice,
    Park,
    ParkInvitation,
    ParkJoinRequest,
    ParkService,
    ServiceRequest,
    ServiceRequestMessage,
)
from core.tenancy import use_public_schema
from tenants.models import Firm
from tests.parks.conftest import join_park, park_admin_client

from .sweep import MARKER, fingerprint, leaks, routes, uncovered

CONSOLE_PREFIXES = ("/park/", "/api/v1/park/", "/join/")
EXCLUDED = {"/accounts/logout/": "ends the admin's session, which the sweep needs"}


def console_routes() -> list[str]:
    return [route for route in routes("config.urls_public") if route.startswith(CONSOLE_PREFIXES)]


def park_tables() -> dict[str, str]:
    """Checksums of the park tables and the firm table (public schema)."""
    return {
        table: checksum
        for table, checksum in fingerprint("public").items()
        if table.startswith("parks_") or table in ("tenants_firm", "billing_subscription")
    }


def park_a_data(park: Park, firm_a: Firm, firm_b: Firm) -> dict[str, Any]:
    """Park A's own objects, every one carrying the marker."""
    join_park(firm_a, park)
    invitation = ParkInvitation.objects.create(
        park=park,
        email="invitee@alpha.example",
        firm_name=f"{MARKER} 受邀企业",
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=7),
    )
    join_request = ParkJoinRequest.objects.create(park=park, firm=firm_b, message=f"{MARKER} 申请入园")
    notice = Notice.objects.create(
        park=park, kind=Notice.Kind.SUBSIDY, title=f"{MARKER} 专项资金申报", body=MARKER, published_at=timezone.now()
    )
    service = ParkService.objects.create(park=park, name=f"{MARKER} 会议室", category=ParkService.Category.MEETING_ROOM)
    service_request = ServiceRequest.objects.create(park=park, service=service, firm=firm_a, subject=f"{MARKER} 预订")
    ServiceRequestMessage.objects.create(request=service_request, from_park=False, body=MARKER)
    return {
        "firm_id": firm_a.pk,
        "invitation_id": invitation.pk,
        "request_id": join_request.pk,
        "notice_id": notice.pk,
        "service_id": service.pk,
        "service_request_id": service_request.pk,
        "token": "b" * 43,
    }


@pytest.mark.django_db
def test_no_console_route_shows_or_changes_park_a_data_to_park_b_admin(firm_a: Firm, firm_b: Firm) -> None:
    use_public_schema()
    park_a = Park.objects.create(name="甲园区 Park A")
    park_b = Park.objects.create(name="乙园区 Park B")
    admin_b = User.objects.create_user(
        "sweep@park-b.example", "Park-Admin-Pass-2026", full_name="乙园区管理员", role="park_admin", language="en"
    )
    park_b.admins.add(admin_b)
    ids = park_a_data(park_a, firm_a, firm_b)
    every = console_routes()
    swept = [route for route in every if route not in EXCLUDED]
    assert len(swept) > 30
    print(f"park console sweep: {len(swept)} of {len(every)} console routes, excluded: {EXCLUDED}")  # noqa: T201
    assert uncovered(swept, ids) == []
    before = park_tables()
    client: Client = park_admin_client(admin_b)

    problems = leaks(client, swept, ids)

    assert problems == []
    assert park_tables() == before
    assert client.get("/park/").status_code == 200  # still signed in, still park B's console


@pytest.mark.django_db
def test_console_routes_show_anonymous_visitors_nothing(firm_a: Firm, firm_b: Firm) -> None:
    """Without a session (a firm's session cookie is host-only and never reaches the public host)."""
    use_public_schema()
    park_a = Park.objects.create(name="甲园区 Park A")
    ids = park_a_data(park_a, firm_a, firm_b)
    swept = [route for route in console_routes() if route not in EXCLUDED and not route.startswith("/join/")]
    before = park_tables()

    problems = leaks(Client(HTTP_HOST="localhost"), swept, ids)

    assert problems == []
    assert park_tables() == before
