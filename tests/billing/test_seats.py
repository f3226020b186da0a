"""The seat limit: inviting or adding a user beyond what the plan allows is refused with a clear
message (``seat_limit_reached``) and nothing is created; open invitations hold a seat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts import services as account_services
from apps.accounts.models import Invitation, User
from apps.billing.entitlements import SeatLimitReached, seats_check
from apps.billing.models import BillingCustomer, Plan, Subscription
from tenants.models import Firm
from tests.billing.entitlement_support import active_users, plans_ensure, subscription_set

NEW_PASSWORD = "Another-Strong-Pass-9"


def _plan_with_seats(seats: int) -> Plan:
    plans_ensure()
    plan, _created = Plan.objects.update_or_create(
        code="tiny",
        defaults={
            "name": "小团队版",
            "name_en": "Tiny",
            "modules": ["crm"],
            "seat_limit": seats,
            "price_month": 10,
            "price_year": 100,
            "is_public": False,
        },
    )
    return plan


def _on_plan_with_room(firm: Firm, room: int) -> Plan:
    """The firm on a plan that leaves ``room`` seats beside its active users."""
    plan = _plan_with_seats(active_users(firm) + room)
    subscription_set(firm, status="active")
    Subscription.objects.filter(firm=firm).update(plan=plan)
    subscription = Subscription.objects.get(firm=firm)
    subscription.save()  # the signal drops the cached entitlement
    return plan


def _invitations(firm: Firm) -> int:
    with schema_context(firm.schema_name):
        return Invitation.objects.count()


@pytest.mark.django_db
def test_an_invitation_beyond_the_seat_limit_is_refused_and_nothing_is_created(
    owner_a_client: Client, firm_a: Firm
) -> None:
    # given a full plan
    _on_plan_with_room(firm_a, 0)
    before = _invitations(firm_a)
    # when the owner invites a colleague on the page and through the API
    page = owner_a_client.post("/settings/users/", {"email": "one-too-many@alpha.example", "role": "member"})
    api = owner_a_client.post(
        "/api/v1/invitations/",
        {"email": "api-too-many@alpha.example", "role": "member"},
        content_type="application/json",
    )
    # then both are refused, naming the plan and its limit
    limit = active_users(firm_a)
    assert page.status_code == 400
    assert f"The Tiny plan allows {limit} active users" in page.content.decode()
    assert api.status_code == 400
    body = api.json()
    assert body["code"] == "seat_limit_reached"
    assert f"allows {limit} active users" in body["detail"]
    assert _invitations(firm_a) == before


@pytest.mark.django_db
def test_open_invitations_hold_a_seat(
    owner_a_client: Client, firm_a: Firm, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # given room for one more person
    _on_plan_with_room(firm_a, 1)
    # when two colleagues are invited
    with django_capture_on_commit_callbacks(execute=True):
        first = owner_a_client.post("/settings/users/", {"email": "first@alpha.example", "role": "member"})
    second = owner_a_client.post("/settings/users/", {"email": "second@alpha.example", "role": "member"})
    # then the second is refused: the first holds the last seat
    assert first.status_code == 302
    assert second.status_code == 400
    assert "1 open invitations" in second.content.decode()
    with schema_context(firm_a.schema_name):
        assert not Invitation.objects.filter(email="second@alpha.example").exists()


@pytest.mark.django_db
def test_accepting_an_invitation_when_the_seats_ran_out_is_refused_and_no_user_is_created(
    firm_a: Firm, client_a: Client
) -> None:
    # given an invitation sent while there was room, then the plan shrank
    _on_plan_with_room(firm_a, 1)
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        _invitation, token = account_services.invitation_create(
            actor=owner, email="late@alpha.example", role="member", accept_url_base=f"http://{firm_a.host}"
        )
    _on_plan_with_room(firm_a, 0)
    # when the colleague accepts
    response = client_a.post(
        f"/invitations/{token}/",
        {"full_name": "迟到", "password": NEW_PASSWORD, "language": "en"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then the page says why and no user exists
    assert response.status_code == 400
    assert "allows" in response.content.decode()
    with schema_context(firm_a.schema_name):
        assert not User.objects.filter(email="late@alpha.example").exists()
        assert Invitation.objects.get(email="late@alpha.example").accepted_at is None


@pytest.mark.django_db
def test_accepting_within_the_limit_adds_the_user_and_signals_the_seat_change(firm_a: Firm, client_a: Client) -> None:
    # given room for one and an invitation
    _on_plan_with_room(firm_a, 1)
    version = Subscription.objects.get(firm=firm_a).seat_version
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        _invitation, token = account_services.invitation_create(
            actor=owner, email="welcome@alpha.example", role="member", accept_url_base=f"http://{firm_a.host}"
        )
    # when the colleague accepts
    response = client_a.post(
        f"/invitations/{token}/", {"full_name": "欢迎", "password": NEW_PASSWORD, "language": "en"}
    )
    # then the user exists and the seat count is marked for syncing
    assert response.status_code == 302
    with schema_context(firm_a.schema_name):
        assert User.objects.filter(email="welcome@alpha.example", is_active=True).exists()
    assert Subscription.objects.get(firm=firm_a).seat_version == version + 1


@pytest.mark.django_db
def test_the_trial_allows_five_seats(firm_a: Firm) -> None:
    # given the trial (five seats) and five active users
    subscription_set(firm_a, plan="trial", status="trialing", trial_end=timezone.now() + timedelta(days=5))
    with schema_context(firm_a.schema_name):
        for n in range(5 - User.objects.filter(is_active=True).count()):
            User.objects.create_user(f"seat{n}@alpha.example", NEW_PASSWORD, full_name=f"Seat {n}")
    # when one more is checked
    with pytest.raises(SeatLimitReached) as refused:
        seats_check(firm_id=firm_a.pk, adding=1)
    # then
    assert refused.value.code == "seat_limit_reached"
    assert "The Trial plan allows 5 active users and this firm has 5" in refused.value.detail


@pytest.mark.django_db
def test_a_card_subscription_without_a_plan_limit_pays_per_user(firm_a: Firm) -> None:
    # given Business paid by card, with one seat paid so far
    subscription_set(firm_a, plan="business", status="active", quantity=1)
    # then adding people is allowed (seats are synced to Stripe with proration)
    seats_check(firm_id=firm_a.pk, adding=10)


@pytest.mark.django_db
def test_seats_paid_by_invoice_are_the_limit(firm_a: Firm) -> None:
    # given Business paid by invoice for exactly the active users
    users = active_users(firm_a)
    subscription_set(
        firm_a,
        plan="business",
        status="active",
        quantity=users,
        collection=BillingCustomer.Collection.INVOICE,
        paid_through=timezone.localdate() + timedelta(days=30),
    )
    # then one more is refused; buying one more seat lets it through
    with pytest.raises(SeatLimitReached):
        seats_check(firm_id=firm_a.pk)
    subscription_set(firm_a, quantity=users + 1)
    seats_check(firm_id=firm_a.pk)


@pytest.mark.django_db
def test_seat_limits_are_per_firm(firm_a: Firm, firm_b: Firm) -> None:
    # given firm_a full and firm_b with room
    _on_plan_with_room(firm_a, 0)
    subscription_set(firm_b, plan="business", status="active")
    # then only firm_a is refused
    with pytest.raises(SeatLimitReached):
        seats_check(firm_id=firm_a.pk)
    seats_check(firm_id=firm_b.pk)
