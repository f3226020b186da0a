"""Onboarding in the park console: invitations (single, bulk CSV), invitation links, the approval
queue, and their API. Every denial leaves the rows exactly as they were."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.parks.models import Park, ParkInvitation, ParkJoinRequest
from core.tenancy import use_public_schema
from tenants.models import Firm, Signup

from .conftest import join_park

LINK = re.compile(r"/join/([A-Za-z0-9_-]{43})/")
SIGNUP: dict[str, Any] = {
    "firm_name": "蓉城智造有限公司",
    "slug": "rongcheng-zhizao",
    "owner_name": "王芳",
    "email": "wang.fang@zhizao.example",
    "password": "Sturdy-Password-2026",
    "language": "en",
}


def _invitations() -> list[tuple[Any, ...]]:
    use_public_schema()
    return list(
        ParkInvitation.objects.order_by("pk").values_list("pk", "park_id", "email", "status", "token_hash", "firm_id")
    )


def _requests_and_firms() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    use_public_schema()
    requests = list(
        ParkJoinRequest.objects.order_by("pk").values_list("pk", "status", "reason", "decided_by", "decided_at")
    )
    firms = list(Firm.objects.order_by("pk").values_list("pk", "park_id", "park_joined_at"))
    return requests, firms


def _invite(console: Client, email: str, **fields: str) -> str:
    """Invite through the console page; the link's token as the page shows it (once)."""
    response = console.post("/park/onboarding/", {"email": email, **fields}, follow=True)
    assert response.status_code == 200, response.content[:500]
    found = LINK.search(response.content.decode())
    assert found, "the link is shown after inviting"
    return found.group(1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _upload(console: Client, content: bytes, name: str = "firms.csv") -> Any:
    return console.post("/park/onboarding/bulk/", {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


@pytest.fixture
def membership_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The firms billing heard about (the sponsorship hook is a stub for now)."""
    calls: list[int] = []
    from apps.billing import interface

    monkeypatch.setattr(interface, "park_membership_changed", lambda *, firm_id: calls.append(firm_id))
    return calls


@pytest.fixture
def self_signed_up(public_client: Client, park_a: Park) -> Firm:
    """A firm that chose park A at self sign-up: it waits in park A's queue."""
    response = public_client.post("/api/v1/signup/", {**SIGNUP, "park": park_a.pk}, content_type="application/json")
    assert response.status_code == 201, response.json()
    return Firm.objects.get(slug=SIGNUP["slug"])


# ---------------------------------------------------------------------------------------------
# One invitation
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_invites_a_firm_and_the_link_is_shown_once_and_mailed(
    console_a: Client, park_a: Park, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        token = _invite(console_a, "Boss@NewFirm.example", firm_name="新企业", contact_name="赵六")

    invitation = ParkInvitation.objects.get()
    assert invitation.park == park_a
    assert invitation.email == "boss@newfirm.example"
    assert (invitation.firm_name, invitation.contact_name) == ("新企业", "赵六")
    assert invitation.status == ParkInvitation.Status.PENDING
    assert invitation.invited_by == "admin@park-a.example"
    assert invitation.token_hash == _hash(token)
    assert token not in str(ParkInvitation.objects.values_list().get())
    assert timedelta(days=6) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["boss@newfirm.example"]
    assert f"/join/{token}/" in mail.outbox[0].body
    assert park_a.name in mail.outbox[0].subject
    again = console_a.get("/park/onboarding/").content.decode()
    assert token not in again
    assert "boss@newfirm.example" in again


@pytest.mark.django_db
def test_inviting_is_recorded_in_the_activity_log(console_a: Client, park_a: Park) -> None:
    _invite(console_a, "boss@newfirm.example")

    event = AuditEvent.objects.get(action="parks.invitation_created")
    assert event.actor == "admin@park-a.example"
    assert event.changes["park_id"] == park_a.pk
    assert event.changes["email"] == "boss@newfirm.example"


@pytest.mark.django_db
def test_a_second_invitation_to_the_same_email_is_refused_and_nothing_changes(console_a: Client) -> None:
    _invite(console_a, "boss@newfirm.example")
    before = _invitations()

    response = console_a.post("/park/onboarding/", {"email": "BOSS@newfirm.example"})

    assert response.status_code == 400
    assert "already has an open invitation from this park" in response.content.decode()
    assert _invitations() == before


@pytest.mark.django_db
def test_the_same_email_may_be_invited_by_another_park(console_a: Client, console_b: Client) -> None:
    _invite(console_a, "boss@newfirm.example")

    _invite(console_b, "boss@newfirm.example")

    assert ParkInvitation.objects.filter(email="boss@newfirm.example").count() == 2


@pytest.mark.django_db
def test_the_owner_email_of_a_firm_already_in_the_park_is_refused(console_a: Client, firm_a_in_park_a: Firm) -> None:
    response = console_a.post("/park/onboarding/", {"email": "owner@alpha.example"})

    assert response.status_code == 400
    assert "owns a firm that is already in this park" in response.content.decode()
    assert not ParkInvitation.objects.exists()


@pytest.mark.django_db
def test_the_owner_email_of_a_firm_outside_the_park_is_refused_with_how_to_join(
    console_a: Client, firm_b: Firm
) -> None:
    response = console_a.post("/park/onboarding/", {"email": "owner@beta.example"})

    assert response.status_code == 400
    assert "can ask to join the park from its Park page" in response.content.decode()
    assert not ParkInvitation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"email": ""}, "This field is required."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "ok@example.com", "firm_name": "x" * 201}, "at most 200 characters"),
        ({"email": "ok@example.com", "contact_name": "x" * 151}, "at most 150 characters"),
    ],
)
def test_bad_invitation_input_gets_its_field_error_and_nothing_is_saved(
    console_a: Client, fields: dict[str, str], expected: str
) -> None:
    response = console_a.post("/park/onboarding/", fields)

    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not ParkInvitation.objects.exists()
    assert not mail.outbox


@pytest.mark.django_db
def test_invitation_list_searches_filters_and_paginates(console_a: Client, park_a: Park) -> None:
    now = timezone.now()
    for n in range(30):
        ParkInvitation.objects.create(
            park=park_a, email=f"firm{n}@example.com", token_hash=f"{n:064d}", expires_at=now + timedelta(days=3)
        )
    ParkInvitation.objects.create(
        park=park_a,
        email="late@example.com",
        firm_name="迟到科技",
        token_hash="e" * 64,
        expires_at=now - timedelta(days=1),
    )

    first = console_a.get("/park/onboarding/").content.decode()
    assert "Page 1 of 2" in first
    found = console_a.get("/park/onboarding/", {"q": "迟到"}).content.decode()
    assert "late@example.com" in found
    assert "firm1@example.com" not in found
    expired = console_a.get("/park/onboarding/", {"state": "expired"}).content.decode()
    assert 'data-state="expired"' in expired
    assert 'data-state="pending"' not in expired


@pytest.mark.django_db
def test_another_parks_invitations_are_not_listed(console_a: Client, console_b: Client) -> None:
    _invite(console_b, "only-b@example.com")

    assert "only-b@example.com" not in console_a.get("/park/onboarding/").content.decode()


@pytest.mark.django_db
def test_withdrawing_asks_first_then_the_link_stops_working(console_a: Client, public_client: Client) -> None:
    token = _invite(console_a, "boss@newfirm.example")
    invitation = ParkInvitation.objects.get()

    confirm = console_a.get(f"/park/onboarding/invitations/{invitation.pk}/revoke/")
    assert confirm.status_code == 200
    assert "Withdraw the invitation to boss@newfirm.example?" in confirm.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == ParkInvitation.Status.PENDING

    response = console_a.post(f"/park/onboarding/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == ParkInvitation.Status.REVOKED
    assert AuditEvent.objects.filter(action="parks.invitation_revoked", object_id=str(invitation.pk)).exists()
    assert public_client.get(f"/join/{token}/").status_code == 410


@pytest.mark.django_db
def test_withdrawing_another_parks_invitation_is_404_and_nothing_changes(console_a: Client, console_b: Client) -> None:
    _invite(console_b, "only-b@example.com")
    invitation = ParkInvitation.objects.get()
    before = _invitations()

    assert console_a.get(f"/park/onboarding/invitations/{invitation.pk}/revoke/").status_code == 404
    assert console_a.post(f"/park/onboarding/invitations/{invitation.pk}/revoke/").status_code == 404
    assert console_a.post(f"/park/onboarding/invitations/{invitation.pk}/resend/").status_code == 404
    assert _invitations() == before


@pytest.mark.django_db
def test_sending_again_gives_a_new_link_and_the_old_one_stops_working(
    console_a: Client, public_client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    old = _invite(console_a, "boss@newfirm.example")
    invitation = ParkInvitation.objects.get()
    ParkInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        response = console_a.post(f"/park/onboarding/invitations/{invitation.pk}/resend/", follow=True)

    found = LINK.search(response.content.decode())
    assert found
    new = found.group(1)
    assert new != old
    invitation.refresh_from_db()
    assert invitation.token_hash == _hash(new)
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert public_client.get(f"/join/{old}/").status_code == 404
    assert public_client.get(f"/join/{new}/").status_code == 200
    assert f"/join/{new}/" in mail.outbox[-1].body
    assert AuditEvent.objects.filter(action="parks.invitation_resent").exists()


@pytest.mark.django_db
def test_a_used_invitation_cannot_be_withdrawn_or_sent_again(console_a: Client, public_client: Client) -> None:
    token = _invite(console_a, "boss@newfirm.example")
    public_client.post(f"/join/{token}/", {**SIGNUP, "email": "boss@newfirm.example"})
    invitation = ParkInvitation.objects.get()
    before = _invitations()

    console_a.post(f"/park/onboarding/invitations/{invitation.pk}/revoke/")
    console_a.post(f"/park/onboarding/invitations/{invitation.pk}/resend/")

    assert _invitations() == before
    assert invitation.status == ParkInvitation.Status.ACCEPTED


@pytest.mark.django_db
def test_an_expired_invitation_does_not_block_a_new_one(console_a: Client) -> None:
    _invite(console_a, "boss@newfirm.example")
    ParkInvitation.objects.update(expires_at=timezone.now() - timedelta(days=1))

    _invite(console_a, "boss@newfirm.example")

    assert ParkInvitation.objects.filter(status=ParkInvitation.Status.PENDING).count() == 1
    assert ParkInvitation.objects.filter(status=ParkInvitation.Status.REVOKED).count() == 1


# ---------------------------------------------------------------------------------------------
# Bulk CSV
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_mixed_file_invites_the_good_rows_and_reports_the_bad_ones_by_line(
    console_a: Client, park_a: Park, firm_b: Firm, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    _invite(console_a, "already@example.com")
    content = (
        "email,firm_name,contact_name\n"  # line 1
        "good1@example.com,好企业一,张三\n"  # 2
        "not-an-email,坏企业,李四\n"  # 3
        "good2@example.com,好企业二,\n"  # 4
        "GOOD1@example.com,重复,王五\n"  # 5: duplicate of line 2
        "already@example.com,已邀请,赵六\n"  # 6
        "short@example.com,缺列\n"  # 7: missing contact_name
        f"long@example.com,{'长' * 201},钱七\n"  # 8
        "extra@example.com,多,列,了\n"  # 9
        "owner@beta.example,Beta,孙八\n"  # 10: already signed up a firm
        ",,\n"  # blank: skipped
        '"quoted@example.com","有限公司, 成都",周九\n'  # 12
    ).encode()

    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(console_a, content)

    assert response.status_code == 200
    html = response.content.decode()
    invited = set(ParkInvitation.objects.filter(park=park_a).values_list("email", flat=True))
    assert invited == {"already@example.com", "good1@example.com", "good2@example.com", "quoted@example.com"}
    assert ParkInvitation.objects.get(email="quoted@example.com").firm_name == "有限公司, 成都"
    table = html[html.index('id="refused-rows"') : html.index("</table>", html.index('id="refused-rows"'))]
    refused = dict(re.findall(r'<tr data-line="(\d+)"><td>\d+</td><td>[^<]*</td><td>([^<]+)</td>', table))
    assert set(refused) == {"3", "5", "6", "7", "8", "9", "10"}
    assert "not a valid email address" in refused["3"]
    assert "already on line 2" in refused["5"]
    assert "already has an open invitation" in refused["6"]
    assert "Missing column: contact_name" in refused["7"]
    assert "longer than 200 characters" in refused["8"]
    assert "4 columns but the header has 3" in refused["9"]
    assert "already signed up a firm" in refused["10"]
    assert "10 rows read: 3 firms invited, 7 rows refused." in html
    assert sorted(message.to[0] for message in mail.outbox) == [
        "good1@example.com",
        "good2@example.com",
        "quoted@example.com",
    ]
    event = AuditEvent.objects.get(action="parks.invitations_imported")
    assert (event.changes["rows"], event.changes["invited"], event.changes["refused"]) == (10, 3, 7)


@pytest.mark.django_db
def test_a_gbk_file_from_excel_with_chinese_names_works(console_a: Client) -> None:
    content = "邮箱,企业名称,联系人\r\nchen@example.com,成都锦江电子有限公司,陈晨\r\n".encode("gbk")

    response = _upload(console_a, content)

    assert response.status_code == 200
    invitation = ParkInvitation.objects.get()
    assert (invitation.email, invitation.firm_name, invitation.contact_name) == (
        "chen@example.com",
        "成都锦江电子有限公司",
        "陈晨",
    )


@pytest.mark.django_db
def test_a_utf8_file_with_a_bom_works(console_a: Client) -> None:
    content = "\ufeffemail,firm_name,contact_name\r\nbom@example.com,高新科技,刘一\r\n".encode()

    response = _upload(console_a, content)

    assert response.status_code == 200
    assert ParkInvitation.objects.get().firm_name == "高新科技"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "The file is empty."),
        (b"email,firm_name,contact_name\n", "header row but no firms to invite"),
        ("email,firm_name\ncafé@example.com,Caf\xe9\n".encode("latin-1"), "not a CSV text file we can read"),
        ("email,firm_name\nx@example.com,甲\n".encode("utf-16"), "not a CSV text file we can read"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not a CSV text file we can read"),
        (b"name,phone\nfoo,123\n", "The first row must name the columns"),
        (b"email;firm_name\nx@example.com;y\n", "The first row must name the columns"),
        (b"email,email\nx@example.com,y@example.com\n", "named twice"),
        (("email\n" + "a@example.com\n" * 501).encode(), "more than 500 rows"),
        (b"email\n" + b"x" * (512 * 1024), "larger than 512 KB"),
    ],
)
def test_an_unreadable_file_gets_one_clear_error_and_nothing_is_written(
    console_a: Client, content: bytes, expected: str
) -> None:
    response = _upload(console_a, content)

    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not ParkInvitation.objects.exists()
    assert not AuditEvent.objects.filter(action="parks.invitations_imported").exists()


@pytest.mark.django_db
def test_the_template_file_is_a_csv_that_imports(console_a: Client) -> None:
    response = console_a.get("/park/onboarding/bulk/template.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert _upload(console_a, response.content).status_code == 200
    assert ParkInvitation.objects.get().email == "hello@example.com"


# ---------------------------------------------------------------------------------------------
# The invitation link
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_link_is_404_with_a_clear_page(public_client: Client) -> None:
    response = public_client.get("/join/" + "x" * 43 + "/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "has expired"),
        ({"status": "revoked"}, "withdrawn this invitation"),
        ({"status": "accepted"}, "already been used"),
    ],
)
def test_an_expired_withdrawn_or_used_link_is_gone_and_signs_nobody_up(
    console_a: Client, change: dict[str, Any], expected: str
) -> None:
    token = _invite(console_a, "boss@newfirm.example")
    ParkInvitation.objects.update(**change)
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")
    firms = Firm.objects.count()

    page = client.get(f"/join/{token}/")
    posted = client.post(f"/join/{token}/", SIGNUP)

    assert page.status_code == 410
    assert expected in page.content.decode()
    assert posted.status_code == 410
    assert Firm.objects.count() == firms


@pytest.mark.django_db
def test_a_valid_link_opens_the_signup_prefilled_and_bound_to_the_park(console_a: Client, park_a: Park) -> None:
    token = _invite(console_a, "boss@newfirm.example", firm_name="新企业", contact_name="赵六")
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")

    response = client.get(f"/join/{token}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="boss@newfirm.example"' in html
    assert 'value="新企业"' in html
    assert 'value="赵六"' in html
    assert f'data-park="{park_a.pk}"' in html
    assert park_a.name in html
    assert 'name="park"' not in html  # shown, not choosable


@pytest.mark.django_db
def test_signing_up_through_the_link_puts_the_firm_in_the_park_at_once(
    console_a: Client, park_a: Park, membership_calls: list[int]
) -> None:
    token = _invite(console_a, "boss@newfirm.example")
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")

    response = client.post(f"/join/{token}/", {**SIGNUP, "park": "999999"})

    signup = Signup.objects.get(owner_email=SIGNUP["email"])
    assert response.status_code == 302
    assert response["Location"] == f"/signup/{signup.id}/"
    firm = signup.firm
    assert firm.park == park_a
    assert firm.park_joined_at is not None
    invitation = ParkInvitation.objects.get()
    assert invitation.status == ParkInvitation.Status.ACCEPTED
    assert invitation.firm == firm
    assert invitation.accepted_at is not None
    assert not ParkJoinRequest.objects.exists()  # no approval needed
    assert membership_calls == [firm.pk]
    assert AuditEvent.objects.filter(action="parks.invitation_accepted", object_id=str(invitation.pk)).exists()
    progress = client.get(response["Location"]).content.decode()
    assert 'data-park-status="member"' in progress
    assert client.get(f"/join/{token}/").status_code == 410


@pytest.mark.django_db
def test_the_signed_up_firm_appears_in_the_admins_invitation_list(console_a: Client) -> None:
    token = _invite(console_a, "boss@newfirm.example")
    Client(HTTP_HOST="localhost").post(f"/join/{token}/", SIGNUP)

    html = console_a.get("/park/onboarding/", {"state": "accepted"}).content.decode()

    assert SIGNUP["firm_name"] in html
    assert 'data-state="accepted"' in html


@pytest.mark.django_db
def test_a_signup_with_bad_input_shows_its_errors_and_leaves_the_invitation_open(console_a: Client) -> None:
    token = _invite(console_a, "boss@newfirm.example")
    before = _invitations()
    firms = Firm.objects.count()
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")

    response = client.post(f"/join/{token}/", {**SIGNUP, "slug": "www", "password": "1"})

    assert response.status_code == 400
    assert 'class="field field-invalid"' in response.content.decode()
    assert _invitations() == before
    assert Firm.objects.count() == firms
    assert client.get(f"/join/{token}/").status_code == 200


@pytest.mark.django_db
def test_the_signup_api_accepts_the_invitation_token(console_a: Client, park_a: Park, public_client: Client) -> None:
    token = _invite(console_a, "boss@newfirm.example")

    response = public_client.post("/api/v1/signup/", {**SIGNUP, "invitation": token}, content_type="application/json")

    assert response.status_code == 201, response.json()
    assert response.json()["park_status"] == "member"
    assert Firm.objects.get(slug=SIGNUP["slug"]).park == park_a


@pytest.mark.django_db
def test_the_signup_api_refuses_a_withdrawn_token_and_creates_nothing(console_a: Client, public_client: Client) -> None:
    token = _invite(console_a, "boss@newfirm.example")
    ParkInvitation.objects.update(status="revoked")
    firms = Firm.objects.count()

    response = public_client.post("/api/v1/signup/", {**SIGNUP, "invitation": token}, content_type="application/json")

    assert response.status_code == 410
    assert response.json()["code"] == "invitation_revoked"
    assert Firm.objects.count() == firms


# ---------------------------------------------------------------------------------------------
# Approval queue
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_firm_that_chose_the_park_waits_in_the_queue(console_a: Client, self_signed_up: Firm) -> None:
    html = console_a.get("/park/onboarding/requests/").content.decode()

    assert self_signed_up.name in html
    assert self_signed_up.slug in html
    assert self_signed_up.park is None
    assert "Approval queue (1)" in html


@pytest.mark.django_db
def test_the_queue_of_park_b_does_not_show_park_as_requests(console_b: Client, self_signed_up: Firm) -> None:
    assert self_signed_up.name not in console_b.get("/park/onboarding/requests/").content.decode()


@pytest.mark.django_db
def test_approving_puts_the_firm_in_the_park_and_tells_the_owner(
    console_a: Client,
    park_a: Park,
    self_signed_up: Firm,
    membership_calls: list[int],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    join_request = ParkJoinRequest.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = console_a.post(f"/park/onboarding/requests/{join_request.pk}/approve/")

    assert response.status_code == 302
    join_request.refresh_from_db()
    self_signed_up.refresh_from_db()
    assert join_request.status == ParkJoinRequest.Status.APPROVED
    assert join_request.decided_by == "admin@park-a.example"
    assert join_request.decided_at is not None
    assert self_signed_up.park == park_a
    assert self_signed_up.park_joined_at is not None
    assert membership_calls == [self_signed_up.pk]
    assert AuditEvent.objects.filter(action="parks.join_approved", object_id=str(join_request.pk)).exists()
    assert mail.outbox[-1].to == [SIGNUP["email"]]
    assert park_a.name in mail.outbox[-1].subject


@pytest.mark.django_db
def test_approving_twice_is_a_conflict_and_nothing_changes(console_a: Client, self_signed_up: Firm) -> None:
    join_request = ParkJoinRequest.objects.get()
    console_a.post(f"/park/onboarding/requests/{join_request.pk}/approve/")
    before = _requests_and_firms()

    response = console_a.post(f"/park/onboarding/requests/{join_request.pk}/approve/", follow=True)

    assert "already approved" in response.content.decode()
    assert _requests_and_firms() == before


@pytest.mark.django_db
def test_approving_a_firm_that_joined_another_park_meanwhile_is_a_conflict(
    console_a: Client, park_b: Park, self_signed_up: Firm
) -> None:
    join_park(self_signed_up, park_b)
    join_request = ParkJoinRequest.objects.get()
    before = _requests_and_firms()

    response = console_a.post(f"/park/onboarding/requests/{join_request.pk}/approve/", follow=True)

    assert "has joined another park in the meantime" in response.content.decode()
    assert _requests_and_firms() == before


@pytest.mark.django_db
def test_park_bs_admin_cannot_approve_or_reject_park_as_request(console_b: Client, self_signed_up: Firm) -> None:
    join_request = ParkJoinRequest.objects.get()
    before = _requests_and_firms()

    assert console_b.post(f"/park/onboarding/requests/{join_request.pk}/approve/").status_code == 404
    assert console_b.get(f"/park/onboarding/requests/{join_request.pk}/reject/").status_code == 404
    assert console_b.post(f"/park/onboarding/requests/{join_request.pk}/reject/", {"reason": "不"}).status_code == 404
    assert _requests_and_firms() == before


@pytest.mark.django_db
def test_rejecting_with_a_reason_keeps_the_firm_on_the_platform_without_the_park(
    console_a: Client, self_signed_up: Firm, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    join_request = ParkJoinRequest.objects.get()
    form = console_a.get(f"/park/onboarding/requests/{join_request.pk}/reject/")
    assert form.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = console_a.post(
            f"/park/onboarding/requests/{join_request.pk}/reject/", {"reason": "贵司不在园区范围内"}
        )

    assert response.status_code == 302
    join_request.refresh_from_db()
    self_signed_up.refresh_from_db()
    assert join_request.status == ParkJoinRequest.Status.REJECTED
    assert join_request.reason == "贵司不在园区范围内"
    assert self_signed_up.park is None
    assert Firm.objects.filter(pk=self_signed_up.pk).exists()
    assert AuditEvent.objects.filter(action="parks.join_rejected").exists()
    assert "贵司不在园区范围内" in mail.outbox[-1].body


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_rejecting_without_a_proper_reason_is_refused_and_nothing_changes(
    console_a: Client, self_signed_up: Firm, reason: str
) -> None:
    join_request = ParkJoinRequest.objects.get()
    before = _requests_and_firms()

    response = console_a.post(f"/park/onboarding/requests/{join_request.pk}/reject/", {"reason": reason})

    assert response.status_code == 400
    assert _requests_and_firms() == before


@pytest.mark.django_db
def test_the_queue_filters_by_status_and_searches(console_a: Client, self_signed_up: Firm) -> None:
    join_request = ParkJoinRequest.objects.get()
    console_a.post(f"/park/onboarding/requests/{join_request.pk}/reject/", {"reason": "不符合"})

    row = f'data-request="{join_request.pk}"'

    assert row not in console_a.get("/park/onboarding/requests/").content.decode()
    rejected = console_a.get("/park/onboarding/requests/", {"status": "rejected", "q": "zhizao"}).content.decode()
    assert row in rejected
    assert "不符合" in rejected
    assert (
        row
        not in console_a.get("/park/onboarding/requests/", {"status": "all", "q": "nothing-like-it"}).content.decode()
    )


# ---------------------------------------------------------------------------------------------
# Who may use the onboarding console
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in_and_firm_hosts_have_no_console(
    public_client: Client, owner_a_client: Client
) -> None:
    response = public_client.get("/park/onboarding/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert owner_a_client.get("/park/onboarding/").status_code == 404
    assert owner_a_client.get("/api/v1/park/onboarding/invitations/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Console API
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_creates_lists_and_withdraws_invitations(console_a: Client, public_client: Client) -> None:
    created = console_a.post(
        "/api/v1/park/onboarding/invitations/",
        {"email": "api@example.com", "firm_name": "接口科技"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    token = LINK.search(body["link"]).group(1)  # type: ignore[union-attr]
    assert body["state"] == "pending"
    assert public_client.get(f"/join/{token}/").status_code == 200

    listed = console_a.get("/api/v1/park/onboarding/invitations/", {"state": "pending"}).json()
    assert [row["email"] for row in listed["results"]] == ["api@example.com"]
    assert "link" not in listed["results"][0]

    revoked = console_a.post(f"/api/v1/park/onboarding/invitations/{body['id']}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked"
    again = console_a.post(f"/api/v1/park/onboarding/invitations/{body['id']}/revoke/")
    assert again.status_code == 409


@pytest.mark.django_db
def test_api_refuses_a_duplicate_invitation_with_the_field_error(console_a: Client) -> None:
    _invite(console_a, "api@example.com")
    before = _invitations()

    response = console_a.post(
        "/api/v1/park/onboarding/invitations/", {"email": "api@example.com"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "email" in response.json()["fields"]
    assert _invitations() == before


@pytest.mark.django_db
def test_api_refuses_a_bad_state_filter(console_a: Client) -> None:
    response = console_a.get("/api/v1/park/onboarding/invitations/", {"state": "lost"})

    assert response.status_code == 400
    assert "state" in response.json()["fields"]


@pytest.mark.django_db
def test_api_cannot_touch_another_parks_invitation(console_a: Client, console_b: Client) -> None:
    _invite(console_b, "only-b@example.com")
    invitation = ParkInvitation.objects.get()
    before = _invitations()

    revoke = console_a.post(f"/api/v1/park/onboarding/invitations/{invitation.pk}/revoke/")
    resend = console_a.post(f"/api/v1/park/onboarding/invitations/{invitation.pk}/resend/")

    assert (revoke.status_code, resend.status_code) == (404, 404)
    assert revoke.json()["code"] == "not_found"
    assert _invitations() == before
    assert console_a.get("/api/v1/park/onboarding/invitations/").json()["count"] == 0


@pytest.mark.django_db
def test_api_imports_a_csv_file_and_reports_bad_rows(console_a: Client) -> None:
    content = "email,firm_name,contact_name\nok@example.com,好,甲\nbad,坏,乙\n".encode()

    response = console_a.post(
        "/api/v1/park/onboarding/invitations/import/", {"file": SimpleUploadedFile("f.csv", content)}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["rows"] == 2
    assert [row["email"] for row in body["invited"]] == ["ok@example.com"]
    assert body["invited"][0]["link"]
    assert body["refused"][0]["line"] == 3
    assert ParkInvitation.objects.get().email == "ok@example.com"


@pytest.mark.django_db
def test_api_refuses_an_empty_file_and_writes_nothing(console_a: Client) -> None:
    response = console_a.post(
        "/api/v1/park/onboarding/invitations/import/", {"file": SimpleUploadedFile("f.csv", b"email\n")}
    )

    assert response.status_code == 400
    assert "file" in response.json()["fields"]
    assert not ParkInvitation.objects.exists()


@pytest.mark.django_db
def test_api_approves_and_rejects_join_requests(console_a: Client, park_a: Park, self_signed_up: Firm) -> None:
    join_request = ParkJoinRequest.objects.get()
    listed = console_a.get("/api/v1/park/onboarding/join-requests/").json()
    assert [row["firm_slug"] for row in listed["results"]] == [SIGNUP["slug"]]

    no_reason = console_a.post(
        f"/api/v1/park/onboarding/join-requests/{join_request.pk}/reject/",
        {"reason": ""},
        content_type="application/json",
    )
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["fields"]

    approved = console_a.post(f"/api/v1/park/onboarding/join-requests/{join_request.pk}/approve/")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert Firm.objects.get(pk=self_signed_up.pk).park == park_a

    twice = console_a.post(f"/api/v1/park/onboarding/join-requests/{join_request.pk}/approve/")
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_decided"


@pytest.mark.django_db
def test_api_of_park_b_cannot_approve_park_as_request(console_b: Client, self_signed_up: Firm) -> None:
    join_request = ParkJoinRequest.objects.get()
    before = _requests_and_firms()

    approve = console_b.post(f"/api/v1/park/onboarding/join-requests/{join_request.pk}/approve/")
    reject = console_b.post(
        f"/api/v1/park/onboarding/join-requests/{join_request.pk}/reject/",
        {"reason": "no"},
        content_type="application/json",
    )

    assert (approve.status_code, reject.status_code) == (404, 404)
    assert _requests_and_firms() == before
    assert console_b.get("/api/v1/park/onboarding/join-requests/").json()["count"] == 0


@pytest.mark.django_db
def test_api_is_for_park_admins_only(public_client: Client, make_park_admin: Callable[..., Any]) -> None:
    from .conftest import park_admin_client

    plain = make_park_admin("nobody@example.com")  # a park admin of no park
    from apps.accounts.models import User

    User.objects.filter(pk=plain.pk).update(role="operator")
    operator = park_admin_client(User.objects.get(pk=plain.pk))

    assert public_client.get("/api/v1/park/onboarding/invitations/").status_code in (401, 403)
    assert operator.get("/api/v1/park/onboarding/invitations/").status_code == 403
    assert (
        operator.post(
            "/api/v1/park/onboarding/invitations/", {"email": "x@example.com"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert not ParkInvitation.objects.exists()


@pytest.mark.django_db
def test_acting_for_park_b_through_the_park_parameter_is_refused_for_park_as_admin(
    console_a: Client, park_b: Park
) -> None:
    response = console_a.post(
        f"/api/v1/park/onboarding/invitations/?park={park_b.pk}",
        {"email": "x@example.com"},
        content_type="application/json",
    )

    assert response.status_code == 404
    assert not ParkInvitation.objects.exists()
