"""The park's journey in Chromium: a park administrator invites a firm, the firm signs up through
the link and appears in the console; it publishes its directory profile; a second firm of the park
finds it in the directory and sends a collaboration request, which a job turns into a lead in the
first firm's CRM; the first firm accepts and the sender sees the answer. Screenshots of each step.
"""

from __future__ import annotations

import re
import subprocess
import time
from typing import Any

import pytest
from django.db import connections
from django_tenants.utils import schema_context

from apps.accounts import twofactor
from apps.accounts.models import User
from apps.parks.models import CollaborationRequest, Park
from core.tenancy import use_public_schema
from tenants.models import Firm
from tests.conftest import PASSWORD, SPECS
from tests.parks.conftest import join_park

from .conftest import SCREENSHOTS

ADMIN_EMAIL = "admin@tianfu-journey.example"
ADMIN_PASSWORD = "Park-Journey-Admin-2026"
OWNER_PASSWORD = "Invited-Owner-2026"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"park-{name}.png"), full_page=True)


def wait_for(condition: Any, *, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out waiting")


@pytest.mark.e2e
def test_invite_sign_up_console_directory_request_to_crm_lead(
    live_server: Any, worker: subprocess.Popen[bytes], browser: Any, firm_b: Firm
) -> None:
    try:
        _journey(live_server.url.rsplit(":", 1)[1], browser, firm_b)
    finally:
        # Playwright runs this test in a greenlet with its own database connection: close it.
        connections.close_all()


def _park_with_admin() -> tuple[Park, str]:
    """The park and its administrator, whose authenticator app holds ``secret``."""
    use_public_schema()
    park = Park.objects.create(name="天府软件园", name_en="Tianfu Software Park", city="成都")
    admin = User.objects.create_user(
        ADMIN_EMAIL, ADMIN_PASSWORD, full_name="园区管理员 周敏", role=User.Role.PARK_ADMIN, language="zh-hans"
    )
    park.admins.add(admin)
    secret = twofactor.new_secret()
    # Enrolled with the previous step's code, so the sign-in below may use the current one.
    twofactor.enable(user=admin, secret=secret, code=twofactor.totp(secret, int(time.time() // 30) - 1))
    return park, secret


def _journey(port: str, browser: Any, firm_b: Firm) -> None:
    public = f"http://localhost:{port}"
    park, secret = _park_with_admin()
    join_park(firm_b, park)  # the second firm is already a member of the park
    violations: list[str] = []

    def new_page(locale: str) -> Any:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        context.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    # 1. The park administrator signs in on the public site with the second factor.
    admin = new_page("zh-CN")
    admin.goto(f"{public}/accounts/login/")
    admin.fill("#id_username", ADMIN_EMAIL)
    admin.fill("#id_password", ADMIN_PASSWORD)
    admin.click("button[type=submit]")
    admin.fill("#id_code", twofactor.totp(secret, int(time.time() // 30)))
    admin.click("button[type=submit]")
    admin.wait_for_url(f"{public}/park/")
    assert "天府软件园" in admin.locator(".sidebar .brand").inner_text()
    shot(admin, "01-console-dashboard")

    # 2. It invites a firm by email and gets the link.
    admin.goto(f"{public}/park/onboarding/")
    admin.fill("#invite-form [name=email]", "he.jun@shuguang.example")
    admin.fill("#invite-form [name=firm_name]", "曙光精密机械有限公司")
    admin.fill("#invite-form [name=contact_name]", "何俊")
    admin.click("#invite-form button[type=submit]")
    link = admin.locator("#invitation-link").input_value()
    assert re.fullmatch(rf"http://localhost:{port}/join/[\w-]+/", link), link
    shot(admin, "02-invitation-sent")

    # 3. The invited firm opens the link: the sign-up is filled in and bound to the park.
    owner = new_page("zh-CN")
    owner.goto(link)
    assert owner.locator("#id_firm_name").input_value() == "曙光精密机械有限公司"
    assert owner.locator("#id_email").input_value() == "he.jun@shuguang.example"
    assert "天府软件园" in owner.content()
    owner.fill("#id_slug", "shuguang")
    owner.fill("#id_password", OWNER_PASSWORD)
    shot(owner, "03-invited-sign-up")
    owner.click("button[type=submit]")
    owner.wait_for_url(f"http://shuguang.localhost:{port}/accounts/login/", timeout=90_000)
    firm = Firm.objects.get(slug="shuguang")
    assert firm.status == Firm.Status.ACTIVE
    assert firm.park_id == park.pk

    # 4. It appears in the park console's list of firms.
    admin.goto(f"{public}/park/firms/")
    assert admin.locator("text=曙光精密机械有限公司").count() >= 1
    shot(admin, "04-console-firms")

    # 5. Its owner signs in and publishes the firm's directory profile.
    owner.fill("#id_username", "he.jun@shuguang.example")
    owner.fill("#id_password", OWNER_PASSWORD)
    owner.click("button[type=submit]")
    owner.wait_for_url(f"http://shuguang.localhost:{port}/")
    owner.goto(f"http://shuguang.localhost:{port}/park/directory/profile/")
    owner.select_option("#id_industry", "C")
    owner.fill("#id_summary", "专注数控机床零部件与精密机械加工, 服务成都电子信息与航空企业。")
    owner.fill("#id_capabilities", "精密加工、数控车铣、ISO 9001")
    owner.fill("#id_contact_person", "何俊")
    owner.fill("#id_contact_email", "he.jun@shuguang.example")
    owner.click("#profile-save")
    owner.click("#profile-publish")
    owner.wait_for_selector("#profile-unpublish")
    shot(owner, "05-profile-published")

    # 6. The second firm finds it in the directory (a Chinese search) and proposes to work together.
    other = new_page("zh-CN")
    beta = f"http://{firm_b.host}:{port}"
    other.goto(f"{beta}/accounts/login/")
    other.fill("#id_username", SPECS["b"].owner_email)
    other.fill("#id_password", PASSWORD)
    other.click("button[type=submit]")
    other.wait_for_url(f"{beta}/")
    other.goto(f"{beta}/park/directory/")
    other.fill("#directory-q", "机械加工")
    other.press("#directory-q", "Enter")
    other.wait_for_selector("#directory-results >> text=曙光精密机械有限公司")
    shot(other, "06-directory-search")
    other.click("#directory-results a >> text=曙光精密机械有限公司")
    other.fill("#id_subject", "外壳零件精密加工合作")
    other.fill("#id_message", "我们每月需要约2000件铝合金外壳, 希望了解贵司的加工能力与报价。")
    other.click("#request-send")
    other.wait_for_selector("#collab-title")  # the sent request's page
    shot(other, "07-request-sent")

    # 7. A job creates the lead in the first firm's CRM; the firm sees it and accepts.
    collab = wait_for(lambda: CollaborationRequest.objects.filter(recipient=firm, lead_id__isnull=False).first())
    with schema_context(firm.schema_name):
        from apps.crm.models import Lead

        lead = Lead.objects.get(pk=collab.lead_id)
        assert lead.origin_ref == f"park-collab-{collab.pk}"
        assert lead.company == firm_b.name
        assert lead.owner_id is None  # in the pool
    owner.goto(f"http://shuguang.localhost:{port}/park/directory/requests/{collab.pk}/")
    owner.click("#collab-lead a")
    owner.wait_for_url(re.compile(rf"/crm/leads/{collab.lead_id}/"))
    assert "外壳零件精密加工合作" in owner.content()
    shot(owner, "08-lead-in-crm")
    owner.goto(f"http://shuguang.localhost:{port}/park/directory/requests/{collab.pk}/")
    owner.click("#answer-accept")
    wait_for(lambda: CollaborationRequest.objects.get(pk=collab.pk).status == CollaborationRequest.Status.ACCEPTED)

    # 8. The sender sees the answer.
    other.goto(f"{beta}/park/directory/requests/{collab.pk}/")
    assert other.locator("#collab-status").inner_text() == "Accepted"  # its owner reads English
    shot(other, "09-sender-sees-answer")

    assert violations == []
