"""A firm's owner upgrades from the trial to Business: the billing page, the Stripe fake's hosted
checkout (a real HTTP server on 127.0.0.1), its signed webhooks posted to the live server, the
job worker applying them, and the billing page showing the new plan — in Chromium."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections

from apps.billing.fake import StripeFake
from apps.billing.models import StripeEvent, Subscription
from tenants.models import Firm
from tests.billing.entitlement_support import plans_ensure, subscription_set
from tests.conftest import PASSWORD, SPECS

from .conftest import SCREENSHOTS

SECRET_KEY = "sk_test_parksuite_e2e"
WEBHOOK_SECRET = "whsec_parksuite_e2e"


@pytest.fixture
def stripe_e2e(live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeFake]:
    """The fake as a real server; webhooks go to the live server over HTTP. The environment is
    set before the worker starts, so the worker talks to the same fake."""
    fake = StripeFake(api_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET)
    base = fake.start(host="127.0.0.1", port=0)
    fake.webhook_target = f"{live_server.url}/billing/webhooks/stripe/"
    for name, value in (
        ("STRIPE_SECRET_KEY", SECRET_KEY),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("STRIPE_API_BASE", base),
    ):
        monkeypatch.setenv(name, value)
        setattr(settings, name, value)
    settings.STRIPE_TEST_MODE = True
    yield fake
    fake.stop()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.e2e
def test_owner_upgrades_from_trial_through_checkout(
    live_server: Any, stripe_e2e: StripeFake, worker: subprocess.Popen[bytes], browser: Any, firm_a: Firm
) -> None:
    try:
        _journey(live_server.url.rsplit(":", 1)[1], stripe_e2e, browser, firm_a)
    finally:
        connections.close_all()


def _journey(port: str, fake: StripeFake, browser: Any, firm: Firm) -> None:
    # given a firm on its trial, and the plans priced at the (fake) Stripe
    plans_ensure()
    fake.plans_sync()
    subscription_set(firm, plan="trial", status="trialing")
    base = f"http://{firm.host}:{port}"

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    violations: list[str] = []
    context.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)

    # 1. The owner signs in and opens Settings → Billing.
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", SPECS["a"].owner_email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.click("nav.sidenav >> text=Settings")
    page.click("nav.tabs >> text=Billing")
    page.wait_for_url(f"{base}/settings/billing/")
    assert page.locator("#current-plan").inner_text() == "Trial"
    assert page.locator("[data-test-mode]").is_visible()
    shot(page, "billing-01-trial")

    # 2. Business, monthly, by card: off to the (fake) Stripe Checkout page.
    business = page.locator("article[data-plan=business]")
    business.locator("input[name=interval][value=month]").check()
    business.locator("input[name=payment][value=card]").check()
    business.locator("#choose-business").click()
    page.wait_for_url(f"{fake.base_url}/c/pay/**")
    shot(page, "billing-02-fake-checkout")

    # 3. Pay: back on the billing page, which shows the new plan once the worker applied the webhooks.
    page.click("button[type=submit] >> text=Pay")
    page.wait_for_url(f"{base}/settings/billing/?checkout=done**")
    page.wait_for_selector("#current-plan:text-is('Business')", timeout=60_000)
    assert page.locator("#checkout-done").is_visible()
    assert "Active" in page.locator("#current-status").inner_text()
    shot(page, "billing-03-business")

    # then the mirror and Stripe agree, and every webhook was accepted and applied
    sub = Subscription.objects.select_related("plan").get(firm=firm)
    assert (sub.status, sub.plan.code) == ("active", "business")
    assert fake.get(sub.stripe_subscription_id)["status"] == "active"
    assert {delivery.status for delivery in fake.deliveries} == {200}
    assert not StripeEvent.objects.filter(processed_at__isnull=True).exists()
    assert violations == []
    context.close()
