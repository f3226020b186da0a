"""Status drives access on the firm's host: full, grace (with a banner), suspended (read-only,
export allowed, reactivated when paid); and a module outside the plan shows the upgrade page."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import FirmExport
from apps.billing.models import BillingCustomer
from apps.crm.models import Account
from tenants.models import Firm
from tests.billing.entitlement_support import member_client, subscription_set
from tests.conftest import PASSWORD, SPECS

BILLING_LINK = 'href="/settings/billing/"'


def _accounts(firm: Firm) -> int:
    with schema_context(firm.schema_name):
        return Account.objects.count()


def _api_create_account(client: Client, name: str) -> Any:
    return client.post("/api/v1/crm/accounts/", {"name": name}, content_type="application/json")


# --- full and grace ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state",
    [
        {"plan": "trial", "status": "trialing"},
        {"plan": "business", "status": "active"},
    ],
)
def test_trialing_and_active_firms_have_full_access_without_a_banner(
    owner_a_client: Client, firm_a: Firm, state: dict[str, Any]
) -> None:
    # given
    subscription_set(firm_a, **state)
    before = _accounts(firm_a)
    # when the owner reads a page and creates a record
    page = owner_a_client.get("/")
    created = _api_create_account(owner_a_client, "成都锦城科技有限公司")
    # then
    assert page.status_code == 200
    assert b"data-billing-banner" not in page.content
    assert created.status_code == 201, created.content
    assert _accounts(firm_a) == before + 1


@pytest.mark.django_db
def test_past_due_keeps_working_with_a_banner_that_links_the_owner_to_billing(
    owner_a_client: Client, firm_a: Firm
) -> None:
    # given a payment that failed two days ago
    subscription_set(firm_a, plan="business", status="past_due", past_due_since=timezone.now() - timedelta(days=2))
    before = _accounts(firm_a)
    # when the owner opens pages and creates a record
    dashboard = owner_a_client.get("/")
    crm = owner_a_client.get("/crm/")
    created = _api_create_account(owner_a_client, "宽限期公司")
    # then every page carries the banner with the billing link, and changes still work
    for page in (dashboard, crm):
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-billing-banner="past_due"' in html
        assert "The last payment failed" in html
        assert BILLING_LINK in html
    assert created.status_code == 201
    assert _accounts(firm_a) == before + 1


@pytest.mark.django_db
def test_a_member_sees_the_past_due_banner_without_the_billing_link(firm_a: Firm) -> None:
    # given a past-due firm and a member (not an owner or administrator)
    subscription_set(firm_a, plan="business", status="past_due", past_due_since=timezone.now())
    member = member_client(firm_a, "member-banner@alpha.example")
    # when
    html = member.get("/").content.decode()
    # then
    assert 'data-billing-banner="past_due"' in html
    assert BILLING_LINK not in html
    assert "Ask the firm's owner" in html


@pytest.mark.django_db
def test_past_due_beyond_the_grace_period_is_suspended(owner_a_client: Client, firm_a: Firm, settings: Any) -> None:
    # given a payment that failed longer ago than the grace period
    settings.BILLING_GRACE_DAYS = 7
    subscription_set(firm_a, plan="business", status="past_due", past_due_since=timezone.now() - timedelta(days=8))
    before = _accounts(firm_a)
    # when
    refused = _api_create_account(owner_a_client, "过期公司")
    # then
    assert refused.status_code == 403
    assert refused.json()["code"] == "firm_suspended"
    assert _accounts(firm_a) == before


# --- suspended: read-only, export allowed -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["unpaid", "canceled", "incomplete_expired"])
def test_a_suspended_firm_refuses_changes_and_nothing_changes(
    owner_a_client: Client, firm_a: Firm, status: str
) -> None:
    # given
    subscription_set(firm_a, plan="business", status=status)
    before = _accounts(firm_a)
    # when the owner tries to change data through the API and through a page
    api = _api_create_account(owner_a_client, "不应保存的公司")
    page = owner_a_client.post("/crm/accounts/new/", {"name": "也不应保存"})
    # then both are refused with a reason and nothing was written
    assert api.status_code == 403
    body = api.json()
    assert body["code"] == "firm_suspended"
    assert "read-only" in body["detail"]
    assert body["fields"] == {}
    assert page.status_code == 403
    html = page.content.decode()
    assert 'data-code="firm_suspended"' in html
    assert "paying the open invoice" in html
    assert BILLING_LINK in html
    assert _accounts(firm_a) == before


@pytest.mark.django_db
def test_a_suspended_firm_can_still_read_sign_in_and_export(firm_a: Firm, client_a: Client) -> None:
    # given an unpaid firm
    subscription_set(firm_a, plan="business", status="unpaid")
    # when the owner signs in, reads pages and the API, and asks for an export
    login = client_a.post("/accounts/login/", {"username": SPECS["a"].owner_email, "password": PASSWORD})
    dashboard = client_a.get("/")
    crm = client_a.get("/crm/accounts/")
    api = client_a.get("/api/v1/crm/accounts/")
    with schema_context(firm_a.schema_name):
        exports_before = FirmExport.objects.count()
    export = client_a.post("/settings/export/")
    # then
    assert login.status_code == 302
    assert dashboard.status_code == 200
    assert 'data-billing-banner="suspended"' in dashboard.content.decode()
    assert crm.status_code == 200
    assert api.status_code == 200
    assert export.status_code == 302
    with schema_context(firm_a.schema_name):
        assert FirmExport.objects.count() == exports_before + 1


@pytest.mark.django_db
def test_an_ended_trial_is_read_only_and_says_so(owner_a_client: Client, firm_a: Firm) -> None:
    # given a trial that ended yesterday
    subscription_set(firm_a, plan="trial", status="trialing", trial_end=timezone.now() - timedelta(days=1))
    before = _accounts(firm_a)
    # when
    page = owner_a_client.get("/")
    refused = _api_create_account(owner_a_client, "试用结束")
    # then
    assert 'data-billing-banner="trial_ended"' in page.content.decode()
    assert refused.status_code == 403
    assert "trial has ended" in refused.json()["detail"]
    assert _accounts(firm_a) == before


@pytest.mark.django_db
def test_paying_again_reactivates_the_firm_at_once(owner_a_client: Client, firm_a: Firm) -> None:
    # given an unpaid firm whose refusal is cached
    subscription = subscription_set(firm_a, plan="business", status="unpaid")
    assert _api_create_account(owner_a_client, "先被拒绝").status_code == 403
    # when the invoice is paid (the webhook saves the subscription as active)
    subscription.status = "active"
    subscription.save()
    # then the next request may change data again, without a banner
    created = _api_create_account(owner_a_client, "付款后公司")
    assert created.status_code == 201
    assert b"data-billing-banner" not in owner_a_client.get("/").content


@pytest.mark.django_db
def test_invoice_collection_follows_the_paid_through_date(owner_a_client: Client, firm_a: Firm, settings: Any) -> None:
    # given a firm that pays by invoice (Alipay, WeChat Pay), paid up to yesterday
    settings.BILLING_GRACE_DAYS = 7
    today = timezone.localdate()
    subscription_set(
        firm_a,
        plan="business",
        status="active",
        collection=BillingCustomer.Collection.INVOICE,
        paid_through=today - timedelta(days=1),
    )
    # then: within the grace period, full with a banner
    page = owner_a_client.get("/")
    assert 'data-billing-banner="invoice_due"' in page.content.decode()
    assert _api_create_account(owner_a_client, "发票宽限期").status_code == 201
    # when the grace period has passed
    subscription_set(firm_a, paid_through=today - timedelta(days=8))
    # then read-only
    assert _api_create_account(owner_a_client, "发票过期").status_code == 403
    # and paid through next year: full again
    subscription_set(firm_a, paid_through=today + timedelta(days=365))
    assert _api_create_account(owner_a_client, "发票已付").status_code == 201


@pytest.mark.django_db
def test_one_firms_suspension_does_not_touch_another(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm, firm_b: Firm
) -> None:
    # given firm_a unpaid and firm_b paying
    subscription_set(firm_a, plan="business", status="unpaid")
    subscription_set(firm_b, plan="business", status="active")
    # when both create a record
    a = _api_create_account(owner_a_client, "甲公司")
    b = _api_create_account(owner_b_client, "乙公司")
    # then only firm_a is refused, and firm_b's pages carry no banner
    assert a.status_code == 403
    assert b.status_code == 201
    assert b"data-billing-banner" not in owner_b_client.get("/").content


@pytest.mark.django_db
def test_the_public_host_is_untouched(public_client: Client, firm_a: Firm) -> None:
    # given a suspended firm
    subscription_set(firm_a, plan="business", status="unpaid")
    # when the public site is visited
    response = public_client.get("/")
    # then it has no entitlement and no banner
    assert response.status_code == 200
    assert b"data-billing-banner" not in response.content
    assert not hasattr(response.wsgi_request, "entitlement")


# --- modules outside the plan -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_starter_firm_gets_the_upgrade_page_for_hr(owner_a_client: Client, firm_a: Firm) -> None:
    # given a firm on Starter (CRM and finance)
    subscription_set(firm_a, plan="starter", status="active")
    # when the owner opens HR, CRM and finance
    hr = owner_a_client.get("/hr/")
    crm = owner_a_client.get("/crm/")
    finance = owner_a_client.get("/finance/")
    # then HR is the upgrade page naming the plan that has it, with the billing link
    assert hr.status_code == 403
    html = hr.content.decode()
    assert 'data-code="module_not_in_plan"' in html
    assert "HR and payroll is not in your plan" in html
    assert "Business" in html
    assert BILLING_LINK in html
    assert crm.status_code == 200
    assert finance.status_code == 200


@pytest.mark.django_db
def test_a_starter_firm_gets_403_module_not_in_plan_from_the_hr_api(owner_a_client: Client, firm_a: Firm) -> None:
    # given a firm on Starter
    subscription_set(firm_a, plan="starter", status="active")
    # when its HR and supply-chain APIs are called (a read and a write)
    read = owner_a_client.get("/api/v1/hr/employees/")
    write = owner_a_client.post("/api/v1/hr/departments/", json.dumps({}), content_type="application/json")
    supply = owner_a_client.get("/api/v1/supply-chain/")
    crm = owner_a_client.get("/api/v1/crm/accounts/")
    # then
    for response in (read, write, supply):
        assert response.status_code == 403
        assert response.json()["code"] == "module_not_in_plan"
        assert response.json()["fields"] == {}
    assert "Starter" in read.json()["detail"]
    assert crm.status_code == 200


@pytest.mark.django_db
def test_a_member_on_the_upgrade_page_is_told_to_ask_the_owner(firm_a: Firm) -> None:
    # given a Starter firm and a member
    subscription_set(firm_a, plan="starter", status="active")
    member = member_client(firm_a, "member-upgrade@alpha.example")
    # when
    response = member.get("/hr/")
    # then
    assert response.status_code == 403
    html = response.content.decode()
    assert BILLING_LINK not in html
    assert "Ask the firm's owner or an administrator" in html


@pytest.mark.django_db
def test_anonymous_visitors_of_a_gated_module_are_sent_to_sign_in(client_a: Client, firm_a: Firm) -> None:
    # given a Starter firm
    subscription_set(firm_a, plan="starter", status="active")
    # when a visitor who is not signed in opens HR
    response = client_a.get("/hr/")
    # then the sign-in page comes first (the plan is not shown to strangers)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_module_gating_is_per_firm(owner_a_client: Client, owner_b_client: Client, firm_a: Firm, firm_b: Firm) -> None:
    # given firm_a on Starter and firm_b on the trial (all modules)
    subscription_set(firm_a, plan="starter", status="active")
    subscription_set(firm_b, plan="trial", status="trialing")
    # when both open HR
    # then only firm_a is refused
    assert owner_a_client.get("/hr/").status_code == 403
    assert owner_b_client.get("/hr/").status_code == 200
