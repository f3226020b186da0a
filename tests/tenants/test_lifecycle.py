"""Suspend, reactivate, close with a grace period, purge, and rename — each recorded."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from apps.accounts.models import User
from core.errors import ApplicationError, ValidationFailed
from tenants import lifecycle
from tenants.models import Domain, Firm, FirmEvent
from tests.conftest import PASSWORD, SPECS

OPERATOR = "ops@parksuite.example (operator, test)"


def _events(firm: Firm) -> list[str]:
    return list(FirmEvent.objects.filter(firm=firm).order_by("id").values_list("action", flat=True))


@pytest.mark.django_db
def test_suspended_firm_is_read_only_with_a_notice_and_api_403(owner_a_client: Client, firm_a: Firm) -> None:
    lifecycle.firm_suspend(firm_id=firm_a.pk, actor=OPERATOR, reason="unpaid invoice")

    page = owner_a_client.get("/")
    api = owner_a_client.get("/api/v1/users/")
    post = owner_a_client.post("/settings/users/", {"email": "x@alpha.example", "role": "member"})

    assert page.status_code == 200
    assert "suspended" in page.content.decode()
    assert api.status_code == 403
    assert api.json()["code"] == "firm_suspended"
    assert post.status_code == 403
    event = FirmEvent.objects.get(firm=firm_a)
    assert (event.action, event.actor, event.reason) == ("suspended", OPERATOR, "unpaid invoice")


@pytest.mark.django_db
def test_people_of_a_suspended_firm_can_still_sign_in(client_a: Client, firm_a: Firm) -> None:
    lifecycle.firm_suspend(firm_id=firm_a.pk, actor=OPERATOR, reason="audit")

    response = client_a.post("/accounts/login/", {"username": SPECS["a"].owner_email, "password": PASSWORD})

    assert response.status_code == 302
    assert client_a.get("/").status_code == 200


@pytest.mark.django_db
def test_suspend_needs_a_reason_and_an_active_firm(firm_a: Firm) -> None:
    with pytest.raises(ValidationFailed):
        lifecycle.firm_suspend(firm_id=firm_a.pk, actor=OPERATOR, reason="  ")
    lifecycle.firm_suspend(firm_id=firm_a.pk, actor=OPERATOR, reason="audit")
    with pytest.raises(ApplicationError) as error:
        lifecycle.firm_suspend(firm_id=firm_a.pk, actor=OPERATOR, reason="again")

    assert error.value.code == "invalid_transition"
    assert _events(firm_a) == ["suspended"]


@pytest.mark.django_db
def test_reactivate_restores_full_access(owner_a_client: Client, firm_a: Firm) -> None:
    lifecycle.firm_suspend(firm_id=firm_a.pk, actor=OPERATOR, reason="audit")

    call_command("firm_lifecycle", "reactivate", firm_a.slug, "--reason", "audit done")

    assert owner_a_client.get("/api/v1/users/").status_code == 200
    assert _events(firm_a) == ["suspended", "reactivated"]


@pytest.mark.django_db
def test_owner_closes_by_typing_the_slug_and_can_take_it_back(owner_a_client: Client, firm_a: Firm) -> None:
    wrong = owner_a_client.post("/settings/lifecycle/", {"action": "close", "confirm_slug": "alpha"})
    assert wrong.status_code == 400
    assert Firm.objects.get(pk=firm_a.pk).status == Firm.Status.ACTIVE

    owner_a_client.post("/settings/lifecycle/", {"action": "close", "confirm_slug": firm_a.slug, "reason": "merger"})

    firm = Firm.objects.get(pk=firm_a.pk)
    assert firm.status == Firm.Status.CLOSED
    assert firm.purge_after is not None
    assert timedelta(days=29) < firm.purge_after - timezone.now() <= timedelta(days=30)
    page = owner_a_client.get("/settings/lifecycle/").content.decode()
    assert "closing" in page
    assert owner_a_client.get("/api/v1/users/").json()["code"] == "firm_closing"

    owner_a_client.post("/settings/closure/cancel/")

    assert Firm.objects.get(pk=firm_a.pk).status == Firm.Status.ACTIVE
    assert _events(firm_a) == ["close_requested", "close_cancelled"]


@pytest.mark.django_db
def test_only_the_owner_reaches_the_danger_zone(firm_a: Firm) -> None:
    with schema_context(firm_a.schema_name):
        User.objects.create_user("adm2@alpha.example", PASSWORD, full_name="Admin", role="admin")
    admin = Client(HTTP_HOST=firm_a.host)
    admin.post("/accounts/login/", {"username": "adm2@alpha.example", "password": PASSWORD})

    response = admin.post("/settings/lifecycle/", {"action": "close", "confirm_slug": firm_a.slug})

    assert admin.get("/settings/").status_code == 200  # signed in, but not the owner
    assert response.status_code == 403
    assert Firm.objects.get(pk=firm_a.pk).status == Firm.Status.ACTIVE


@pytest.mark.django_db
def test_purge_waits_for_the_grace_period_then_drops_the_schema_and_frees_the_slug(firm_b: Firm) -> None:
    lifecycle.firm_close_request(firm_id=firm_b.pk, actor=OPERATOR, confirm_slug=firm_b.slug)
    with pytest.raises(ApplicationError) as error:
        lifecycle.firm_purge(firm_id=firm_b.pk)
    assert error.value.code == "grace_period"
    assert schema_exists(firm_b.schema_name)

    Firm.objects.filter(pk=firm_b.pk).update(purge_after=timezone.now() - timedelta(seconds=1))
    call_command("firm_lifecycle", "purge-due")

    firm = Firm.objects.get(pk=firm_b.pk)
    assert firm.purged_at is not None
    assert firm.slug == f"closed-{firm.pk}"
    assert not schema_exists(firm_b.schema_name)
    assert not Domain.objects.filter(tenant=firm).exists()
    assert Client(HTTP_HOST=firm_b.host).get("/").status_code == 404
    assert lifecycle.slug_is_free(SPECS["b"].slug)
    assert _events(firm) == ["close_requested", "purged"]


@pytest.mark.django_db
def test_rename_moves_the_firm_and_the_old_address_redirects_for_30_days(owner_a_client: Client, firm_a: Firm) -> None:
    old_host = firm_a.host

    response = owner_a_client.post("/settings/lifecycle/", {"action": "rename", "slug": "alpha-new"})

    assert response.status_code == 302
    assert response["Location"] == "http://alpha-new.localhost/accounts/login/"
    firm = Firm.objects.get(pk=firm_a.pk)
    assert firm.slug == "alpha-new"
    old = Client(HTTP_HOST=old_host).get("/settings/?tab=1")
    assert old.status_code == 302
    assert old["Location"] == "http://alpha-new.localhost/settings/?tab=1"
    assert Client(HTTP_HOST="alpha-new.localhost").get("/accounts/login/").status_code == 200
    assert not lifecycle.slug_is_free(SPECS["a"].slug)  # reserved while it redirects
    event = FirmEvent.objects.get(firm=firm)
    assert event.data["old_slug"] == SPECS["a"].slug
    assert event.data["new_slug"] == "alpha-new"

    Domain.objects.filter(domain=old_host).update(redirect_until=timezone.now() - timedelta(seconds=1))
    lifecycle.firm_purge_due()

    assert Client(HTTP_HOST=old_host).get("/").status_code == 404
    assert lifecycle.slug_is_free(SPECS["a"].slug)


@pytest.mark.django_db
@pytest.mark.parametrize(("slug", "message"), [("www", "reserved"), ("Bad Slug", "lowercase"), ("beta-firm", "taken")])
def test_rename_refuses_bad_or_taken_addresses(
    owner_a_client: Client, firm_a: Firm, firm_b: Firm, slug: str, message: str
) -> None:
    response = owner_a_client.post(
        "/settings/lifecycle/", {"action": "rename", "slug": slug}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Firm.objects.get(pk=firm_a.pk).slug == SPECS["a"].slug
    assert not FirmEvent.objects.filter(firm=firm_a).exists()


@pytest.mark.django_db
def test_lifecycle_command_names_unknown_firms(firm_a: Firm) -> None:
    with pytest.raises(CommandError, match="No firm"):
        call_command("firm_lifecycle", "suspend", "no-such-firm", "--reason", "x")


@pytest.mark.django_db
def test_an_owner_cannot_reopen_a_firm_that_parksuite_closed(owner_a_client: Client, firm_a: Firm) -> None:
    lifecycle.firm_close_request(firm_id=firm_a.pk, actor=OPERATOR, confirm_slug=firm_a.slug, reason="contract ended")

    owner_a_client.post("/settings/closure/cancel/")

    assert Firm.objects.get(pk=firm_a.pk).status == Firm.Status.CLOSED
    call_command("firm_lifecycle", "cancel-close", firm_a.slug)  # an operator can
    assert Firm.objects.get(pk=firm_a.pk).status == Firm.Status.ACTIVE


@pytest.mark.django_db
def test_purged_addresses_cannot_be_taken_at_sign_up_and_purge_removes_the_firms_files(
    firm_b: Firm, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from tenants.services import SignupInput, signup_validate

    errors = signup_validate(
        SignupInput(
            firm_name="X",
            slug="closed-1",
            owner_name="X",
            email="x@x.example",
            password="Sturdy-Password-2026",
            language="en",
        )
    )
    assert "slug" in errors
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / firm_b.schema_name / "exports").mkdir(parents=True)
    (tmp_path / firm_b.schema_name / "exports" / "export-1.zip").write_bytes(b"data")
    lifecycle.firm_close_request(firm_id=firm_b.pk, actor=OPERATOR, confirm_slug=firm_b.slug)
    Firm.objects.filter(pk=firm_b.pk).update(purge_after=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.firm_purge(firm_id=firm_b.pk)

    assert not (tmp_path / firm_b.schema_name).exists()


def _operator_client() -> Client:
    """An operator signed in on the public host, with the second factor operators must use."""
    import time

    from apps.accounts import twofactor

    with schema_context("public"):
        operator = User.objects.create_superuser(
            "root@parksuite.example", PASSWORD, full_name="Operator", language="en"
        )
        secret = twofactor.new_secret()
        twofactor.enable(user=operator, secret=secret, code=twofactor.totp(secret, int(time.time() // 30)))
    client = Client(HTTP_HOST="localhost")
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/accounts/login/?next=/admin/"
    client.post("/accounts/login/", {"username": "root@parksuite.example", "password": PASSWORD})
    verified = client.post("/accounts/login/verify/", {"code": twofactor.totp(secret, int(time.time() // 30) + 1)})
    assert verified.status_code == 302
    return client


@pytest.mark.django_db
def test_an_operator_without_a_second_factor_is_sent_to_set_one_up() -> None:
    with schema_context("public"):
        User.objects.create_superuser("ops2@parksuite.example", PASSWORD, full_name="Operator", language="en")
    client = Client(HTTP_HOST="localhost")
    client.post("/accounts/login/", {"username": "ops2@parksuite.example", "password": PASSWORD})

    admin = client.get("/admin/")
    setup = client.get("/settings/two-factor/")

    assert admin.status_code == 302
    assert admin["Location"] == "/settings/two-factor/"
    assert setup.status_code == 200
    assert "<svg" in setup.content.decode()


@pytest.mark.django_db
def test_operators_close_and_rename_a_firm_in_the_admin_after_confirming(firm_a: Firm, firm_b: Firm) -> None:
    operator = _operator_client()
    url = "/admin/tenants/firm/"

    asked = operator.post(url, {"action": "close", "_selected_action": [firm_a.pk]})
    two = operator.post(url, {"action": "close", "_selected_action": [firm_a.pk, firm_b.pk]}, follow=True)
    mistyped = operator.post(
        url,
        {"action": "close", "_selected_action": [firm_a.pk], "apply": "1", "confirm_slug": "alph", "reason": "asked"},
        follow=True,
    )
    assert asked.status_code == 200
    assert 'name="confirm_slug"' in asked.content.decode()
    assert "exactly one firm" in two.content.decode()
    assert "to confirm" in mistyped.content.decode()
    firm_a.refresh_from_db()
    assert firm_a.status == Firm.Status.ACTIVE

    operator.post(
        url,
        {
            "action": "close",
            "_selected_action": [firm_a.pk],
            "apply": "1",
            "confirm_slug": firm_a.slug,
            "reason": "The firm left the park.",
        },
    )
    operator.post(url, {"action": "rename", "_selected_action": [firm_b.pk], "apply": "1", "new_slug": "beta-new"})

    firm_a.refresh_from_db()
    firm_b.refresh_from_db()
    assert firm_a.status == Firm.Status.CLOSED
    assert firm_a.purge_after is not None
    assert firm_b.slug == "beta-new"
    closed = FirmEvent.objects.get(firm=firm_a, action=FirmEvent.Action.CLOSE_REQUESTED)
    assert closed.reason == "The firm left the park."
    assert "admin" in closed.actor
    assert _events(firm_b)[-1] == FirmEvent.Action.RENAMED
