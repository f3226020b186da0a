"""A sales rep's day in the CRM, in Chromium: create an account, take a lead from the pool and
convert it (merging into the account after confirming), drag the opportunity across the
pipeline's stages, and import a CSV with errors and download the error report — a screenshot
of every step, and no Content-Security-Policy violation anywhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.crm.models import Account, Contact, Lead, Opportunity, Stage
from apps.crm.services import lead_create
from tenants.models import Firm
from tenants.services import SignupInput, firm_provision, signup_create

from .conftest import SCREENSHOTS

OWNER_EMAIL = "sales.lead@crm.example"
OWNER_PASSWORD = "Crm-Owner-2026"
CODE = "91510100MA61R0XA33"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"crm_{name}.png"), full_page=True)


@pytest.mark.e2e
def test_a_rep_works_accounts_leads_the_pipeline_and_an_import(
    live_server: Any, browser: Any, worker: Any, tmp_path: Path
) -> None:
    signup = signup_create(
        SignupInput(
            firm_name="成都客户示范有限公司",
            slug="crm-journey",
            owner_name="孙悦",
            email=OWNER_EMAIL,
            password=OWNER_PASSWORD,
            language="en",
        )
    )
    firm = firm_provision(firm_id=signup.firm.pk)
    try:
        _journey(live_server.url.rsplit(":", 1)[1], browser, firm, tmp_path)
    finally:
        connections.close_all()


def _journey(port: str, browser: Any, firm: Firm, tmp_path: Path) -> None:
    base = f"http://{firm.host}:{port}"
    violations: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True)
    context.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", OWNER_EMAIL)
    page.fill("#id_password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    # 1. An account; a mistyped credit code comes back next to its field.
    page.click("nav.sidenav >> text=CRM")
    page.wait_for_url(f"{base}/crm/")
    shot(page, "01_overview")
    page.click("nav.crm-tabs >> text=Accounts")
    page.click("text=New account")
    page.fill("#id_name", "成都锦城精密制造有限公司")
    page.fill("#id_credit_code", CODE[:-1] + "0")
    page.click("#crm-form button[type=submit]")
    page.wait_for_selector(".field-invalid #id_credit_code")
    shot(page, "02a_account_error")
    page.fill("#id_credit_code", CODE)
    page.click("#crm-form button[type=submit]")
    page.wait_for_url(re.compile(r"/crm/accounts/\d+/$"))
    shot(page, "02b_account")

    # 2. A lead waits in the pool with the same credit code: claim it, convert it, confirm the merge.
    with schema_context(firm.schema_name):
        owner = User.objects.get(email=OWNER_EMAIL)
        lead = lead_create(
            actor=owner, name="周杰", company="锦城精密", credit_code=CODE, mobile="13800001111", to_pool=True
        )
    page.click("nav.crm-tabs >> text=Lead pool")
    page.wait_for_selector("#pool-table >> text=周杰")
    shot(page, "03_pool")
    page.click("#pool-table button:has-text('Claim')")
    page.wait_for_url(f"{base}/crm/leads/{lead.pk}/")
    page.fill("#id_opportunity_name", "数控设备采购")
    page.fill("#id_amount", "260000")
    page.click("#convert-button")
    page.wait_for_selector("#merge-confirm")
    shot(page, "04_merge_confirmation")
    page.click("#merge-confirm")
    page.wait_for_url(re.compile(r"/crm/opportunities/\d+/$"))
    shot(page, "05_opportunity")
    with schema_context(firm.schema_name):
        assert Lead.objects.get(pk=lead.pk).status == "converted"
        assert Account.objects.count() == 1
        deal = Opportunity.objects.get()
        opens = list(Stage.objects.filter(kind="open"))
        assert deal.stage_id == opens[0].pk

    # 3. Drag the card across the board, two stages on; then one back with the keyboard.
    page.click("nav.crm-tabs >> text=Pipeline")
    page.wait_for_selector(f"#opp-{deal.pk}")
    page.drag_and_drop(f"#opp-{deal.pk}", f".kanban-cards[data-stage='{opens[2].pk}']")
    page.wait_for_selector(f".kanban-cards[data-stage='{opens[2].pk}'] #opp-{deal.pk}")
    page.wait_for_load_state("networkidle")
    shot(page, "06_board_after_drag")
    with schema_context(firm.schema_name):
        assert Opportunity.objects.get().stage_id == opens[2].pk
    page.focus(f"#opp-{deal.pk} button[aria-label^='Move back']")
    page.keyboard.press("Enter")
    page.wait_for_selector(f".kanban-cards[data-stage='{opens[1].pk}'] #opp-{deal.pk}")
    with schema_context(firm.schema_name):
        assert Opportunity.objects.get().stage_id == opens[1].pk

    # 4. Import contacts from a CSV with a bad row, and download the error report.
    csv = tmp_path / "contacts.csv"
    csv.write_text(
        "姓名,手机,邮箱,公司\n吴一,13900000001,wu@a.example,锦城精密\n郑二,12345,zheng@a.example,\n王三,13900000003,,\n",
        encoding="utf-8-sig",
    )
    page.click("nav.crm-tabs >> text=Import")
    page.select_option("#id_kind", "contacts")
    page.set_input_files("#id_file", str(csv))
    page.click("#import-upload button[type=submit]")
    page.wait_for_selector("#import-preview")
    shot(page, "07_mapping")
    page.click("#import-mapping-form button[type=submit]")
    page.wait_for_selector("#import-error-report", timeout=60_000)  # the worker ran the job
    assert page.locator("#import-imported").inner_text() == "2"
    shot(page, "08_import_done")
    with page.expect_download() as download_info:
        page.click("#import-error-report")
    report = Path(download_info.value.path()).read_bytes().decode("utf-8-sig")
    assert "12345" in report
    with schema_context(firm.schema_name):
        assert set(Contact.objects.values_list("name", flat=True)) >= {"吴一", "王三"}
        assert not Contact.objects.filter(name="郑二").exists()
    # 5. A quote for the account, and the owner's CRM configuration page.
    with schema_context(firm.schema_name):
        from apps.crm.quotes import quote_create

        quote = quote_create(
            actor=owner,
            account_id=Account.objects.get(credit_code=CODE).pk,
            lines=[{"product": "数控车床 CK6150", "quantity": "2", "unit_price": "118000", "discount": "5"}],
        )
    page.goto(f"{base}/crm/quotes/{quote.pk}/")
    page.wait_for_selector("#quote-status")
    shot(page, "09_quote")
    page.click("nav.crm-tabs >> text=Configuration")
    page.wait_for_selector("#stage-table")
    shot(page, "10_configuration")
    # 6. The overview now draws its funnel (ECharts, served by the app) without a CSP violation.
    page.click("nav.crm-tabs >> text=Overview")
    page.wait_for_selector("#chart-funnel canvas")
    shot(page, "11_overview_with_funnel")
    context.close()
    assert violations == []
