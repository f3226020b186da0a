"""CRM pages: lists with search, details with the timeline, the pool, conversion with merge
confirmation, the pipeline board (drag and drop through htmx, arrows without it), the overview."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.crm import services
from apps.crm.models import Account, Lead, Opportunity, SalesRole, Stage
from tenants.models import Firm
from tests.conftest import PASSWORD
from tests.crm.test_crm_api import CODE


def _rep(firm: Firm, email: str) -> Client:
    with schema_context(firm.schema_name):
        user = User.objects.create_user(email, PASSWORD, full_name="Rep", role="member")
        SalesRole.objects.create(user=user)
    client = Client(HTTP_HOST=firm.host)
    client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    return client


@pytest.mark.django_db
def test_every_crm_page_renders_and_lists_search_chinese_names(owner_a_client: Client, in_firm_a: Firm) -> None:
    owner = User.objects.get(role=User.Role.OWNER)
    account = services.account_create(actor=owner, name="成都锦江电子有限公司", credit_code=CODE)
    contact = services.contact_create(actor=owner, name="李雷", mobile="13912345678", account=account)
    lead = services.lead_create(actor=owner, name="韩梅梅", company="高新科技")
    deal = services.opportunity_create(actor=owner, name="年度框架", account_id=account.pk, amount="120000")
    services.activity_create(actor=owner, kind="call", subject="首次电话", about="lead", about_id=lead.pk)

    for url in (
        "/crm/",
        "/crm/leads/",
        "/crm/leads/new/",
        f"/crm/leads/{lead.pk}/",
        "/crm/pool/",
        "/crm/accounts/",
        "/crm/accounts/new/",
        f"/crm/accounts/{account.pk}/",
        "/crm/contacts/",
        "/crm/contacts/new/",
        f"/crm/contacts/{contact.pk}/",
        "/crm/pipeline/",
        "/crm/opportunities/new/",
        f"/crm/opportunities/{deal.pk}/",
    ):
        assert owner_a_client.get(url).status_code == 200, url
    found = owner_a_client.get("/crm/accounts/?q=锦江").content.decode()
    missing = owner_a_client.get("/crm/accounts/?q=青羊").content.decode()
    assert "成都锦江电子有限公司" in found
    assert "成都锦江电子有限公司" not in missing
    assert "首次电话" in owner_a_client.get(f"/crm/leads/{lead.pk}/").content.decode()
    overview = owner_a_client.get("/crm/").content.decode()
    assert "crm-chart-data" in overview
    assert "12,000.00" in overview  # 120,000 at the first stage's 10 %


@pytest.mark.django_db
def test_creating_records_from_pages_shows_field_errors_and_saves_good_input(
    owner_a_client: Client, firm_a: Firm
) -> None:
    bad = owner_a_client.post("/crm/accounts/new/", {"name": "坏码公司", "credit_code": "123"})
    good = owner_a_client.post("/crm/accounts/new/", {"name": "好码公司", "credit_code": CODE})
    bad_mobile = owner_a_client.post("/crm/contacts/new/", {"name": "王五", "mobile": "12345"})

    assert bad.status_code == 200
    assert "not a valid unified social credit code" in bad.content.decode()
    assert good.status_code == 302
    assert "mainland mobile number" in bad_mobile.content.decode()
    with schema_context(firm_a.schema_name):
        assert list(Account.objects.values_list("name", flat=True)) == ["好码公司"]


@pytest.mark.django_db
def test_claim_from_the_pool_page_and_convert_with_merge_confirmation(owner_a_client: Client, firm_a: Firm) -> None:
    rep = _rep(firm_a, "rep@alpha.example")
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        existing = services.account_create(actor=owner, name="老客户", credit_code=CODE)
        Account.objects.filter(pk=existing.pk).update(owner=User.objects.get(email="rep@alpha.example"))
        lead = services.lead_create(actor=owner, name="赵六", company="老客户", to_pool=True)

    assert "赵六" in rep.get("/crm/pool/").content.decode()
    rep.post(f"/crm/leads/{lead.pk}/claim/")
    asked = rep.post(f"/crm/leads/{lead.pk}/convert/", {"opportunity_name": "续约", "amount": "5000"})
    assert asked.status_code == 409
    assert "merge-confirm" in asked.content.decode()
    with schema_context(firm_a.schema_name):
        assert Lead.objects.get(pk=lead.pk).status == "open"

    done = rep.post(
        f"/crm/leads/{lead.pk}/convert/", {"merge_into": existing.pk, "opportunity_name": "续约", "amount": "5000"}
    )
    assert done.status_code == 302
    with schema_context(firm_a.schema_name):
        assert Lead.objects.get(pk=lead.pk).status == "converted"
        assert Opportunity.objects.get().account_id == existing.pk
        assert Opportunity.objects.get().amount == Decimal("5000.00")


@pytest.mark.django_db
def test_the_board_moves_cards_through_htmx_and_without_it(owner_a_client: Client, in_firm_a: Firm) -> None:
    owner = User.objects.get(role=User.Role.OWNER)
    account = services.account_create(actor=owner, name="看板客户")
    deal = services.opportunity_create(actor=owner, name="看板单", account_id=account.pk, amount="1000")
    opens = list(Stage.objects.filter(kind="open"))

    board = owner_a_client.get("/crm/pipeline/").content.decode()
    htmx = owner_a_client.post(f"/crm/opportunities/{deal.pk}/move/", {"stage": opens[2].pk}, HTTP_HX_REQUEST="true")
    plain = owner_a_client.post(f"/crm/opportunities/{deal.pk}/move/", {"stage": opens[3].pk, "next": "/crm/pipeline/"})
    won_stage = Stage.objects.get(kind="won")
    refused = owner_a_client.post(
        f"/crm/opportunities/{deal.pk}/move/", {"stage": Stage.objects.get(kind="lost").pk}, HTTP_HX_REQUEST="true"
    )

    assert 'draggable="true"' in board
    assert f'data-stage="{opens[0].pk}"' in board
    assert htmx.status_code == 200
    assert 'id="board"' in htmx.content.decode()
    assert "<html" not in htmx.content.decode()
    assert plain.status_code == 302
    assert plain["Location"] == "/crm/pipeline/"
    assert refused.status_code == 400  # lost needs a reason
    deal.refresh_from_db()
    assert deal.stage_id == opens[3].pk
    assert won_stage.kind == "won"


@pytest.mark.django_db
def test_another_reps_and_another_firms_records_are_not_found_on_pages(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm
) -> None:
    rep = _rep(firm_a, "rep@alpha.example")
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        account = services.account_create(actor=owner, name="老板的客户")
        contact = services.contact_create(actor=owner, name="老板的联系人")
        lead = services.lead_create(actor=owner, name="老板的线索")
        deal = services.opportunity_create(actor=owner, name="老板的商机", account_id=account.pk)
    pages = [
        f"/crm/accounts/{account.pk}/",
        f"/crm/contacts/{contact.pk}/",
        f"/crm/leads/{lead.pk}/",
        f"/crm/opportunities/{deal.pk}/",
    ]
    for client in (rep, owner_b_client):
        for url in pages:
            assert client.get(url).status_code == 404, url
        assert client.post(f"/crm/opportunities/{deal.pk}/won/").status_code == 404
        assert client.post(f"/crm/leads/{lead.pk}/release/").status_code == 404
        assert "老板的" not in client.get("/crm/pipeline/").content.decode()
        assert "老板的" not in client.get("/crm/accounts/").content.decode()
    with schema_context(firm_a.schema_name):
        assert Opportunity.objects.get().stage.kind == "open"
