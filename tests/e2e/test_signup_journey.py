"""A new user signs up a firm, waits, signs in, switches language, invites a colleague,
and the colleague joins — in Chromium, with a screenshot of every step."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest
from django.core import mail
from django.db import connections
from django_tenants.utils import schema_context

from apps.accounts.models import User
from tenants.models import Firm

from .conftest import SCREENSHOTS

OWNER_PASSWORD = "Journey-Owner-2026"
COLLEAGUE_PASSWORD = "Journey-Colleague-2026"


def watch_csp(page: Any, violations: list[str]) -> None:
    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.e2e
def test_signup_to_colleague_sign_in(live_server: Any, worker: subprocess.Popen[bytes], browser: Any) -> None:
    try:
        _journey(live_server.url.rsplit(":", 1)[1], browser)
    finally:
        # Playwright runs this test in a greenlet whose context got its own database
        # connection: close it, or the test database cannot be dropped at the end.
        connections.close_all()


def _journey(port: str, browser: Any) -> None:
    public = f"http://localhost:{port}"
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(20_000)
    # The pages must satisfy their own Content-Security-Policy: any violation is a failure.
    violations: list[str] = []
    context.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )

    # 1. The landing page, in Chinese for a Chinese browser.
    page.goto(f"{public}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() != "Run your whole firm in one place"
    shot(page, "01-landing")

    # An unknown firm address gets the friendly page, styled like the rest.
    page.goto(f"http://no-such-firm.localhost:{port}/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(245, 247, 250)"
    shot(page, "01b-unknown-host")
    page.goto(f"{public}/")

    # 2. Sign-up form: a bad slug first, then a good one.
    page.click("a[href='/signup/'] >> nth=0")
    page.fill("#id_firm_name", "锦江智造科技有限公司")
    page.fill("#id_slug", "admin")
    page.fill("#id_owner_name", "刘洋")
    page.fill("#id_email", "liu.yang@jinjiang.example")
    page.fill("#id_password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    assert page.locator(".field-invalid #id_slug").count() == 1
    shot(page, "02-signup-error")
    page.fill("#id_slug", "jinjiang")
    page.fill("#id_password", OWNER_PASSWORD)
    shot(page, "03-signup-filled")
    page.click("button[type=submit]")

    # 3. The progress page moves by itself to the firm's sign-in page.
    page.wait_for_url(re.compile(r"/signup/[0-9a-f-]+/$"))
    shot(page, "04-progress")
    page.wait_for_url(f"http://jinjiang.localhost:{port}/accounts/login/", timeout=60_000)
    assert Firm.objects.get(slug="jinjiang").status == Firm.Status.ACTIVE
    shot(page, "05-firm-login")

    # 4. The owner signs in.
    page.fill("#id_username", "liu.yang@jinjiang.example")
    page.fill("#id_password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"http://jinjiang.localhost:{port}/")
    assert page.locator(".sidebar .brand").inner_text() == "锦江智造科技有限公司"
    shot(page, "06-dashboard-zh")

    # 5. Switch to English.
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    assert page.locator("h1.page-title").inner_text() == "Dashboard"
    shot(page, "07-dashboard-en")

    # 6. Invite a colleague.
    page.click("nav.sidenav >> text=Settings")
    page.click("nav.tabs >> text=Users and invitations")
    page.fill("#id_email", "zhao.min@jinjiang.example")
    page.click("#invite-form button[type=submit]")
    page.wait_for_selector("text=Invitation sent to zhao.min@jinjiang.example")
    shot(page, "08-invited")
    link = re.search(r"http://\S+/invitations/\S+/", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body

    # 7. The colleague accepts in another browser and lands on the dashboard.
    colleague_context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860})
    colleague_context.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    colleague = colleague_context.new_page()
    colleague.goto(link.group(0))
    shot(colleague, "09-accept-invitation")
    colleague.fill("#id_full_name", "Zhao Min")
    colleague.fill("#id_password", COLLEAGUE_PASSWORD)
    colleague.select_option("#id_language", "en")
    colleague.click("button[type=submit]")
    colleague.wait_for_url(f"http://jinjiang.localhost:{port}/")
    shot(colleague, "10-colleague-dashboard")

    # 8. The colleague signs out and back in with the new password.
    colleague.click(".user-menu summary")
    colleague.click("text=Sign out")
    colleague.wait_for_url(re.compile(r"/accounts/login/"))
    colleague.fill("#id_username", "zhao.min@jinjiang.example")
    colleague.fill("#id_password", COLLEAGUE_PASSWORD)
    colleague.click("button[type=submit]")
    colleague.wait_for_url(f"http://jinjiang.localhost:{port}/")
    assert "Welcome, Zhao Min." in colleague.content()
    shot(colleague, "11-colleague-signed-in")

    assert violations == []
    firm = Firm.objects.get(slug="jinjiang")
    with schema_context(firm.schema_name):
        assert set(User.objects.values_list("email", "role")) == {
            ("liu.yang@jinjiang.example", "owner"),
            ("zhao.min@jinjiang.example", "member"),
        }
