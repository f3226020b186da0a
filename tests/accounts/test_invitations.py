"""The owner invites a colleague; the link works once, expires, and can be withdrawn."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Invitation, User
from tenants.models import Firm

NEW_PASSWORD = "Another-Strong-Pass-9"


@pytest.fixture
def invite(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., str]:
    """Post the invitation form; return the link from the email sent after commit."""

    def send(client: Client, email: str = "colleague@alpha.example", role: str = "member") -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/settings/users/", {"email": email, "role": role})
        assert response.status_code == 302, response.content.decode()[:2000]
        return _link_in_last_mail()

    return send


def _link_in_last_mail() -> str:
    link = re.search(r"(http://\S+/invitations/\S+/)", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    return link.group(1)


@pytest.mark.django_db
def test_owner_invites_and_the_colleague_accepts_and_signs_in(
    owner_a_client: Client, firm_a: Firm, invite: Callable[..., str]
) -> None:
    link = invite(owner_a_client)
    assert mail.outbox[-1].to == ["colleague@alpha.example"]
    assert link.startswith(f"http://{firm_a.host}/invitations/")
    path = link.split(firm_a.host, 1)[1]

    colleague = Client(HTTP_HOST=firm_a.host)
    assert colleague.get(path).status_code == 200
    response = colleague.post(path, {"full_name": "张伟", "password": NEW_PASSWORD, "language": "zh-hans"})

    assert response.status_code == 302
    assert colleague.get("/").status_code == 200
    with schema_context(firm_a.schema_name):
        user = User.objects.get(email="colleague@alpha.example")
        assert user.role == User.Role.MEMBER
        assert user.language == "zh-hans"
    fresh = Client(HTTP_HOST=firm_a.host)
    assert (
        fresh.post("/accounts/login/", {"username": "colleague@alpha.example", "password": NEW_PASSWORD}).status_code
        == 302
    )


@pytest.mark.django_db
def test_an_invitation_link_works_only_once(owner_a_client: Client, firm_a: Firm, invite: Callable[..., str]) -> None:
    path = invite(owner_a_client).split(firm_a.host, 1)[1]
    Client(HTTP_HOST=firm_a.host).post(path, {"full_name": "One", "password": NEW_PASSWORD, "language": "en"})

    second = Client(HTTP_HOST=firm_a.host).post(path, {"full_name": "Two", "password": NEW_PASSWORD, "language": "en"})

    assert second.status_code == 410
    with schema_context(firm_a.schema_name):
        assert User.objects.filter(email="colleague@alpha.example").count() == 1
        assert User.objects.get(email="colleague@alpha.example").full_name == "One"


@pytest.mark.django_db
def test_an_expired_invitation_is_refused(owner_a_client: Client, firm_a: Firm, invite: Callable[..., str]) -> None:
    path = invite(owner_a_client).split(firm_a.host, 1)[1]
    with schema_context(firm_a.schema_name):
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = Client(HTTP_HOST=firm_a.host).get(path)

    assert response.status_code == 410
    with schema_context(firm_a.schema_name):
        assert not User.objects.filter(email="colleague@alpha.example").exists()


@pytest.mark.django_db
def test_a_withdrawn_invitation_is_refused(owner_a_client: Client, firm_a: Firm, invite: Callable[..., str]) -> None:
    path = invite(owner_a_client).split(firm_a.host, 1)[1]
    with schema_context(firm_a.schema_name):
        invitation = Invitation.objects.get()

    owner_a_client.post(f"/settings/invitations/{invitation.pk}/revoke/")

    assert Client(HTTP_HOST=firm_a.host).get(path).status_code == 410


@pytest.mark.django_db
def test_an_unknown_token_is_404(client_a: Client) -> None:
    assert client_a.get("/invitations/not-a-real-token/").status_code == 404


@pytest.mark.django_db
def test_accepting_with_a_weak_password_shows_the_error_and_creates_nobody(
    owner_a_client: Client, firm_a: Firm, invite: Callable[..., str]
) -> None:
    path = invite(owner_a_client).split(firm_a.host, 1)[1]

    response = Client(HTTP_HOST=firm_a.host).post(path, {"full_name": "Weak", "password": "123", "language": "en"})

    assert response.status_code == 400
    with schema_context(firm_a.schema_name):
        assert not User.objects.filter(email="colleague@alpha.example").exists()
        assert Invitation.objects.get().accepted_at is None


@pytest.mark.django_db
def test_inviting_twice_or_an_existing_user_is_refused(
    owner_a_client: Client, firm_a: Firm, invite: Callable[..., str]
) -> None:
    invite(owner_a_client)

    again = owner_a_client.post("/settings/users/", {"email": "colleague@alpha.example", "role": "member"})
    existing = owner_a_client.post("/settings/users/", {"email": "owner@alpha.example", "role": "member"})
    bad = owner_a_client.post("/settings/users/", {"email": "not an email", "role": "member"})

    assert again.status_code == existing.status_code == bad.status_code == 400
    with schema_context(firm_a.schema_name):
        assert Invitation.objects.count() == 1


@pytest.mark.django_db
def test_a_member_cannot_invite(owner_a_client: Client, firm_a: Firm, invite: Callable[..., str]) -> None:
    path = invite(owner_a_client).split(firm_a.host, 1)[1]
    member = Client(HTTP_HOST=firm_a.host)
    member.post(path, {"full_name": "Member", "password": NEW_PASSWORD, "language": "en"})

    page = member.post("/settings/users/", {"email": "friend@alpha.example", "role": "admin"})
    api = member.post("/api/v1/invitations/", {"email": "friend@alpha.example"}, content_type="application/json")

    assert page.status_code == 403
    assert api.status_code == 403
    assert api.json()["code"] == "permission_denied"
    with schema_context(firm_a.schema_name):
        assert not Invitation.objects.filter(email="friend@alpha.example").exists()
