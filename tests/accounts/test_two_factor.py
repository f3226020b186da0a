"""Two-factor sign-in: RFC 6238 codes, turning it on with a code, the second sign-in step,
replay and brute force refused, recovery codes once each, the firm-wide requirement, resets."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts import twofactor
from apps.accounts.models import RecoveryCode, TwoFactorDevice, User
from apps.audit.models import AuditEvent
from tenants.models import Firm
from tests.conftest import PASSWORD, SPECS

# RFC 6238 appendix B, SHA-1, with the shared secret "12345678901234567890" (8 digits there; 6 here
# are the last six of each).
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


@pytest.mark.parametrize(
    ("unix_time", "expected"),
    [(59, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_follow_rfc_6238(unix_time: int, expected: str) -> None:
    assert twofactor.totp(RFC_SECRET, unix_time // 30) == expected


def test_a_code_is_accepted_one_step_either_side_and_never_before_the_last_used() -> None:
    now = 1_800_000_000.0
    code = twofactor.totp(RFC_SECRET, int(now // 30))
    assert twofactor.matching_step(RFC_SECRET, code, now=now + 30) == int(now // 30)
    assert twofactor.matching_step(RFC_SECRET, code, now=now + 90) is None
    assert twofactor.matching_step(RFC_SECRET, code, now=now, after=int(now // 30)) is None
    assert twofactor.matching_step(RFC_SECRET, "12a", now=now) is None


def _now_code(secret: str, offset: int = 0) -> str:
    return twofactor.totp(secret, int(time.time() // 30) + offset)


def _turn_on(client: Client) -> tuple[str, list[str]]:
    page = client.get("/settings/two-factor/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    secret = client.session["two_factor_new_secret"]
    wrong = client.post("/settings/two-factor/", {"action": "enable", "code": "000000"})
    assert wrong.status_code == 400
    done = client.post("/settings/two-factor/", {"action": "enable", "code": _now_code(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", done.content.decode())
    return secret, codes


def _sign_in(firm: Firm, email: str) -> Client:
    client = Client(HTTP_HOST=firm.host, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_turning_it_on_then_signing_in_needs_a_code_used_once(owner_a_client: Client, firm_a: Firm) -> None:
    secret, codes = _turn_on(owner_a_client)
    assert len(codes) == 10
    email = SPECS["a"].owner_email

    client = _sign_in(firm_a, email)
    assert client.get("/").status_code == 302  # not signed in yet: the code comes first
    assert client.get("/accounts/login/verify/").status_code == 200
    wrong = client.post("/accounts/login/verify/", {"code": "123456"})
    assert wrong.status_code == 400
    with schema_context(firm_a.schema_name):
        device = TwoFactorDevice.objects.get()
    # The step used when turning it on is spent: the next one (or a later) is needed.
    code = _now_code(secret, 1)
    right = client.post("/accounts/login/verify/", {"code": code})
    assert right.status_code == 302
    assert client.get("/").status_code == 200

    replay = _sign_in(firm_a, email)
    assert replay.post("/accounts/login/verify/", {"code": code}).status_code == 400  # replayed
    recovered = replay.post("/accounts/login/verify/", {"code": codes[0].upper()})
    assert recovered.status_code == 302
    again = _sign_in(firm_a, email)
    assert again.post("/accounts/login/verify/", {"code": codes[0]}).status_code == 400  # used up
    with schema_context(firm_a.schema_name):
        assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1
        assert TwoFactorDevice.objects.get().last_step > device.last_step - 1
        actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"auth.two_factor_enabled", "auth.two_factor_failed", "auth.recovery_code_used"} <= actions


@pytest.mark.django_db
def test_wrong_codes_lock_the_account_and_the_password_buys_no_more_guesses(
    owner_a_client: Client, firm_a: Firm
) -> None:
    _turn_on(owner_a_client)
    email = SPECS["a"].owner_email
    client = _sign_in(firm_a, email)
    for _ in range(5):
        client.post("/accounts/login/verify/", {"code": "000000"})
    # The right password again does not reset the count: the account stays locked.
    fresh = Client(HTTP_HOST=firm_a.host, HTTP_ACCEPT_LANGUAGE="en")
    locked = fresh.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert locked.status_code == 200
    assert "Too many failed sign-ins" in locked.content.decode()
    assert fresh.get("/").status_code == 302


@pytest.mark.django_db
def test_the_firm_can_require_it_and_the_owner_can_reset_a_lost_phone(owner_a_client: Client, firm_a: Firm) -> None:
    with schema_context(firm_a.schema_name):
        User.objects.create_user("staff@alpha.example", PASSWORD, full_name="Staff", role="member", language="en")
    refused = owner_a_client.post("/settings/two-factor/", {"action": "require"}, follow=True)
    assert "for yourself first" in refused.content.decode()
    _turn_on(owner_a_client)
    owner_a_client.post("/settings/two-factor/", {"action": "require"})
    assert Firm.objects.get(pk=firm_a.pk).require_two_factor

    staff = _sign_in(firm_a, "staff@alpha.example")
    page = staff.get("/crm/")
    api = staff.get("/api/v1/users/")
    assert page.status_code == 302
    assert page["Location"] == "/settings/two-factor/"
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    secret, _codes = _turn_on(staff)
    assert staff.get("/crm/").status_code == 200
    off = staff.post("/settings/two-factor/", {"action": "disable", "code": _now_code(secret, 1)})
    assert "requires two-factor sign-in" in off.content.decode()

    with schema_context(firm_a.schema_name):
        staff_id = User.objects.get(email="staff@alpha.example").pk
    owner_a_client.post("/settings/two-factor/", {"action": "reset", "user_id": staff_id})
    with schema_context(firm_a.schema_name):
        assert not TwoFactorDevice.objects.filter(user_id=staff_id).exists()
        assert not RecoveryCode.objects.filter(user_id=staff_id).exists()
    owner_a_client.post("/settings/two-factor/", {"action": "allow"})
    assert not Firm.objects.get(pk=firm_a.pk).require_two_factor
    Firm.objects.filter(pk=firm_a.pk).update(require_two_factor=False)


@pytest.mark.django_db
def test_a_member_cannot_change_the_firm_requirement_or_reset_others(owner_a_client: Client, firm_a: Firm) -> None:
    _turn_on(owner_a_client)
    with schema_context(firm_a.schema_name):
        User.objects.create_user("staff@alpha.example", PASSWORD, full_name="Staff", role="member", language="en")
        owner_id = User.objects.get(role=User.Role.OWNER).pk
    staff = _sign_in(firm_a, "staff@alpha.example")
    _turn_on(staff)
    staff.post("/settings/two-factor/", {"action": "require"})
    staff.post("/settings/two-factor/", {"action": "reset", "user_id": owner_id})
    assert not Firm.objects.get(pk=firm_a.pk).require_two_factor
    with schema_context(firm_a.schema_name):
        assert TwoFactorDevice.objects.filter(user_id=owner_id).exists()
