"""A firm's park membership on its own host: seeing its park, asking to join, withdrawing,
leaving, and what it shares. Owners and administrators act; others only look."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.parks.models import DirectoryProfile, FirmActivity, Park, ParkJoinRequest
from core.tenancy import use_public_schema
from tenants.models import Firm
from tests.conftest import PASSWORD

from .conftest import join_park


@pytest.fixture
def member_a_client(firm_a: Firm) -> Client:
    """A plain member of firm A (not owner or administrator), signed in, speaking English."""
    with schema_context(firm_a.schema_name):
        User.objects.create_user("member@alpha.example", PASSWORD, full_name="Member", role="member", language="en")
    client = Client(HTTP_HOST=firm_a.host)
    assert (
        client.post("/accounts/login/", {"username": "member@alpha.example", "password": PASSWORD}).status_code == 302
    )
    return client


@pytest.fixture
def membership_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    from apps.billing import interface

    monkeypatch.setattr(interface, "park_membership_changed", lambda *, firm_id: calls.append(firm_id))
    return calls


def _state(firm: Firm) -> tuple[Any, ...]:
    use_public_schema()
    row = Firm.objects.values_list("park_id", "park_joined_at", "industry", "share_activity").get(pk=firm.pk)
    requests = list(ParkJoinRequest.objects.filter(firm=firm).order_by("pk").values_list("pk", "park_id", "status"))
    profiles = list(DirectoryProfile.objects.filter(firm=firm).values_list("pk", "is_published"))
    return row, requests, profiles


def _firm_events(firm: Firm, action: str) -> list[AuditEvent]:
    with schema_context(firm.schema_name):
        return list(AuditEvent.objects.filter(action=action))


def _park_events(action: str) -> list[AuditEvent]:
    use_public_schema()
    return list(AuditEvent.objects.filter(action=action))


def _profile(firm: Firm, *, published: bool = True) -> DirectoryProfile:
    use_public_schema()
    return DirectoryProfile.objects.create(
        firm=firm, display_name=firm.name, industry="I", contact_person="联系人", is_published=published
    )


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_member_firm_sees_its_park_and_when_it_joined(owner_a_client: Client, firm_a_in_park_a: Firm) -> None:
    response = owner_a_client.get("/park/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "天府软件园" in html
    assert 'id="park-joined"' in html
    assert 'id="leave-link"' in html
    assert 'id="join-form"' not in html


@pytest.mark.django_db
def test_a_firm_without_a_park_sees_why_to_join_and_the_form(
    owner_a_client: Client, firm_a: Firm, park_a: Park
) -> None:
    html = owner_a_client.get("/park/").content.decode()

    assert 'id="no-park"' in html
    assert 'id="join-form"' in html
    assert "天府软件园" in html  # among the parks to choose from


@pytest.mark.django_db
def test_a_member_sees_the_page_but_no_forms(member_a_client: Client, firm_a_in_park_a: Firm) -> None:
    response = member_a_client.get("/park/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "天府软件园" in html
    assert 'id="leave-link"' not in html
    assert 'id="park-settings-form"' not in html


@pytest.mark.django_db
def test_the_page_needs_a_signed_in_user(client_a: Client) -> None:
    response = client_a.get("/park/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# ---------------------------------------------------------------------------------------------
# Asking to join, withdrawing
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_owner_asks_to_join_a_park_and_waits_for_approval(
    owner_a_client: Client, firm_a: Firm, park_a: Park, console_a: Client
) -> None:
    response = owner_a_client.post("/park/join/", {"park": park_a.pk, "message": "我们在A区3栋"})

    assert response.status_code == 302
    use_public_schema()
    join_request = ParkJoinRequest.objects.get(firm=firm_a)
    assert (join_request.park, join_request.status, join_request.message) == (park_a, "pending", "我们在A区3栋")
    assert Firm.objects.get(pk=firm_a.pk).park is None
    assert len(_firm_events(firm_a, "park.join_requested")) == 1
    assert len(_park_events("parks.join_requested")) == 1
    page = owner_a_client.get("/park/").content.decode()
    assert 'id="pending-request"' in page
    assert "Alpha 科技" in console_a.get("/park/onboarding/requests/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form", "field_error"),
    [
        ({}, "This field is required."),
        ({"park": "999999"}, "Select a valid choice."),
        ({"park": "PARK", "message": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_a_bad_join_request_gets_its_error_and_nothing_changes(
    owner_a_client: Client, firm_a: Firm, park_a: Park, form: dict[str, str], field_error: str
) -> None:
    form = {key: (str(park_a.pk) if value == "PARK" else value) for key, value in form.items()}
    before = _state(firm_a)

    response = owner_a_client.post("/park/join/", form)

    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert _state(firm_a) == before


@pytest.mark.django_db
def test_asking_again_while_a_request_waits_is_refused(
    owner_a_client: Client, firm_a: Firm, park_a: Park, park_b: Park
) -> None:
    owner_a_client.post("/park/join/", {"park": park_a.pk})
    before = _state(firm_a)

    response = owner_a_client.post("/park/join/", {"park": park_b.pk}, follow=True)

    assert "has already asked to join 天府软件园" in response.content.decode()
    assert _state(firm_a) == before


@pytest.mark.django_db
def test_a_firm_already_in_a_park_cannot_ask_another(
    owner_a_client: Client, firm_a_in_park_a: Firm, park_b: Park
) -> None:
    before = _state(firm_a_in_park_a)

    response = owner_a_client.post("/park/join/", {"park": park_b.pk}, follow=True)

    assert "already in a park" in response.content.decode()
    assert _state(firm_a_in_park_a) == before


@pytest.mark.django_db
def test_a_member_cannot_ask_to_join(member_a_client: Client, firm_a: Firm, park_a: Park) -> None:
    before = _state(firm_a)

    response = member_a_client.post("/park/join/", {"park": park_a.pk})

    assert response.status_code == 403
    assert _state(firm_a) == before


@pytest.mark.django_db
def test_the_owner_withdraws_the_waiting_request(owner_a_client: Client, firm_a: Firm, park_a: Park) -> None:
    owner_a_client.post("/park/join/", {"park": park_a.pk})

    response = owner_a_client.post("/park/join/withdraw/")

    assert response.status_code == 302
    use_public_schema()
    assert ParkJoinRequest.objects.get(firm=firm_a).status == ParkJoinRequest.Status.WITHDRAWN
    assert len(_firm_events(firm_a, "park.join_withdrawn")) == 1
    assert 'id="join-form"' in owner_a_client.get("/park/").content.decode()


@pytest.mark.django_db
def test_the_parks_rejection_and_its_reason_show_on_the_page(
    owner_a_client: Client, firm_a: Firm, park_a: Park, console_a: Client
) -> None:
    owner_a_client.post("/park/join/", {"park": park_a.pk})
    use_public_schema()
    join_request = ParkJoinRequest.objects.get(firm=firm_a)
    console_a.post(f"/park/onboarding/requests/{join_request.pk}/reject/", {"reason": "请先完成入园登记"})

    html = owner_a_client.get("/park/").content.decode()

    assert 'id="last-rejection"' in html
    assert "请先完成入园登记" in html
    assert 'id="join-form"' in html


@pytest.mark.django_db
def test_after_the_park_approves_the_page_shows_the_park_at_once(
    owner_a_client: Client, firm_a: Firm, park_a: Park, console_a: Client
) -> None:
    owner_a_client.get("/park/")  # the firm's host is cached with no park
    owner_a_client.post("/park/join/", {"park": park_a.pk})
    use_public_schema()
    join_request = ParkJoinRequest.objects.get(firm=firm_a)
    console_a.post(f"/park/onboarding/requests/{join_request.pk}/approve/")

    html = owner_a_client.get("/park/").content.decode()

    assert 'id="park-name"' in html
    assert "天府软件园" in html


# ---------------------------------------------------------------------------------------------
# Leaving
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_leaving_asks_first_with_the_parks_name(owner_a_client: Client, firm_a_in_park_a: Firm) -> None:
    before = _state(firm_a_in_park_a)

    response = owner_a_client.get("/park/leave/")

    assert response.status_code == 200
    assert "Leave 天府软件园?" in response.content.decode()
    assert _state(firm_a_in_park_a) == before


@pytest.mark.django_db
def test_the_firm_leaves_the_park_and_its_directory_profile_is_unpublished(
    owner_a_client: Client, firm_a_in_park_a: Firm, park_a: Park, membership_calls: list[int]
) -> None:
    profile = _profile(firm_a_in_park_a)

    response = owner_a_client.post("/park/leave/")

    assert response.status_code == 302
    use_public_schema()
    firm = Firm.objects.get(pk=firm_a_in_park_a.pk)
    assert (firm.park_id, firm.park_joined_at) == (None, None)
    profile.refresh_from_db()
    assert not profile.is_published
    assert membership_calls == [firm.pk]
    assert len(_firm_events(firm, "park.left")) == 1
    left = _park_events("parks.firm_left")
    assert len(left) == 1
    assert left[0].changes["park_id"] == park_a.pk
    assert left[0].changes["firm_id"] == firm.pk
    assert 'id="no-park"' in owner_a_client.get("/park/").content.decode()


@pytest.mark.django_db
def test_a_member_cannot_leave_the_park(member_a_client: Client, firm_a_in_park_a: Firm) -> None:
    _profile(firm_a_in_park_a)
    before = _state(firm_a_in_park_a)

    confirm = member_a_client.get("/park/leave/")
    response = member_a_client.post("/park/leave/")

    assert (confirm.status_code, response.status_code) == (403, 403)
    assert _state(firm_a_in_park_a) == before
    assert not _park_events("parks.firm_left")


@pytest.mark.django_db
def test_leaving_without_a_park_changes_nothing(owner_a_client: Client, firm_a: Firm) -> None:
    before = _state(firm_a)

    response = owner_a_client.post("/park/leave/", follow=True)

    assert "not in a park" in response.content.decode()
    assert _state(firm_a) == before


# ---------------------------------------------------------------------------------------------
# Industry and sharing
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_turning_sharing_off_clears_the_figures_and_tells_the_park(
    owner_a_client: Client, firm_a_in_park_a: Firm
) -> None:
    use_public_schema()
    FirmActivity.objects.create(
        firm=firm_a_in_park_a,
        users_total=5,
        users_active_30d=3,
        records={"crm": 12},
        modules_in_use=["crm"],
        last_activity_at=timezone.now(),
        collected_at=timezone.now(),
    )

    response = owner_a_client.post("/park/settings/", {"industry": "I"})

    assert response.status_code == 302
    use_public_schema()
    firm = Firm.objects.get(pk=firm_a_in_park_a.pk)
    assert (firm.share_activity, firm.industry) == (False, "I")
    activity = FirmActivity.objects.get(firm=firm)
    assert (activity.shared, activity.users_total, activity.records, activity.last_activity_at) == (False, 0, {}, None)
    assert len(_firm_events(firm, "park.sharing_changed")) == 1
    assert len(_park_events("parks.firm_sharing_changed")) == 1
    html = owner_a_client.get("/park/").content.decode()
    assert "The park always sees your firm&#x27;s status and plan" in html


@pytest.mark.django_db
def test_turning_sharing_back_on(owner_a_client: Client, firm_a: Firm) -> None:
    Firm.objects.filter(pk=firm_a.pk).update(share_activity=False)

    owner_a_client.post("/park/settings/", {"industry": "C", "share_activity": "on"})

    use_public_schema()
    assert Firm.objects.get(pk=firm_a.pk).share_activity is True


@pytest.mark.django_db
def test_an_unknown_industry_is_refused_and_nothing_changes(owner_a_client: Client, firm_a: Firm) -> None:
    before = _state(firm_a)

    response = owner_a_client.post("/park/settings/", {"industry": "ZZ", "share_activity": "on"}, follow=True)

    assert "Choose an industry from the list." in response.content.decode()
    assert _state(firm_a) == before


@pytest.mark.django_db
def test_a_member_cannot_change_sharing(member_a_client: Client, firm_a: Firm) -> None:
    before = _state(firm_a)

    response = member_a_client.post("/park/settings/", {"industry": "I"})

    assert response.status_code == 403
    assert _state(firm_a) == before


# ---------------------------------------------------------------------------------------------
# API (firm host)
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_shows_the_membership(owner_a_client: Client, firm_a_in_park_a: Firm, park_a: Park) -> None:
    response = owner_a_client.get("/api/v1/park/membership/")

    assert response.status_code == 200
    body = response.json()
    assert body["park"]["id"] == park_a.pk
    assert body["park"]["name"] == "天府软件园"
    assert body["joined_at"]
    assert body["pending_request"] is None
    assert body["share_activity"] is True


@pytest.mark.django_db
def test_api_asks_to_join_withdraws_and_asks_again(owner_a_client: Client, firm_a: Firm, park_a: Park) -> None:
    created = owner_a_client.post(
        "/api/v1/park/join-request/", {"park": park_a.pk, "message": "你好"}, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["pending_request"]["park_id"] == park_a.pk

    twice = owner_a_client.post("/api/v1/park/join-request/", {"park": park_a.pk}, content_type="application/json")
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_requested"

    withdrawn = owner_a_client.post("/api/v1/park/join-request/withdraw/")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["pending_request"] is None

    nothing = owner_a_client.post("/api/v1/park/join-request/withdraw/")
    assert nothing.status_code == 404


@pytest.mark.django_db
def test_api_refuses_an_unknown_park_and_changes_nothing(owner_a_client: Client, firm_a: Firm) -> None:
    before = _state(firm_a)

    response = owner_a_client.post("/api/v1/park/join-request/", {"park": 999999}, content_type="application/json")

    assert response.status_code == 400
    assert "park" in response.json()["fields"]
    assert _state(firm_a) == before


@pytest.mark.django_db
def test_api_leaves_the_park(owner_a_client: Client, firm_a_in_park_a: Firm, membership_calls: list[int]) -> None:
    response = owner_a_client.post("/api/v1/park/leave/")

    assert response.status_code == 200
    assert response.json()["park"] is None
    use_public_schema()
    assert Firm.objects.get(pk=firm_a_in_park_a.pk).park is None
    assert membership_calls == [firm_a_in_park_a.pk]


@pytest.mark.django_db
def test_api_member_cannot_leave_or_ask(member_a_client: Client, firm_a_in_park_a: Firm, park_b: Park) -> None:
    before = _state(firm_a_in_park_a)

    leave = member_a_client.post("/api/v1/park/leave/")
    patch = member_a_client.patch(
        "/api/v1/park/membership/", {"share_activity": False}, content_type="application/json"
    )

    assert (leave.status_code, patch.status_code) == (403, 403)
    assert _state(firm_a_in_park_a) == before


@pytest.mark.django_db
def test_api_sets_industry_and_sharing(owner_a_client: Client, firm_a: Firm) -> None:
    response = owner_a_client.patch(
        "/api/v1/park/membership/", {"industry": "M", "share_activity": False}, content_type="application/json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["industry"], response.json()["share_activity"]) == ("M", False)
    bad = owner_a_client.patch("/api/v1/park/membership/", {"industry": "ZZ"}, content_type="application/json")
    assert bad.status_code == 400
    assert "industry" in bad.json()["fields"]


@pytest.mark.django_db
def test_firm_b_sees_only_its_own_membership(owner_b_client: Client, firm_a_in_park_a: Firm, firm_b: Firm) -> None:
    join_park(firm_b, None)

    body = owner_b_client.get("/api/v1/park/membership/").json()
    page = owner_b_client.get("/park/").content.decode()

    assert body["park"] is None
    assert 'id="no-park"' in page


@pytest.mark.django_db
def test_every_membership_route_called_from_firm_b_shows_nothing_of_firm_a_and_never_fails(
    owner_b_client: Client, firm_a_in_park_a: Firm, firm_b: Firm, park_b: Park
) -> None:
    from tests.isolation.sweep import leaks, routes

    use_public_schema()
    Firm.objects.filter(pk=firm_a_in_park_a.pk).update(name="ALPHA-SECRET 科技")
    ParkJoinRequest.objects.create(park=park_b, firm=firm_a_in_park_a, message="ALPHA-SECRET", status="rejected")
    mine = [
        route
        for route in routes()
        if route in ("/park/", "/park/join/", "/park/join/withdraw/", "/park/leave/", "/park/settings/")
        or route.startswith(("/api/v1/park/membership/", "/api/v1/park/join-request/", "/api/v1/park/leave/"))
    ]
    assert len(mine) == 9

    assert leaks(owner_b_client, mine, {}) == []
    use_public_schema()
    firm_a = Firm.objects.get(pk=firm_a_in_park_a.pk)
    assert (firm_a.park_id, firm_a.share_activity) == (firm_a_in_park_a.park_id, True)
