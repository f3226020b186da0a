"""The CRM through its API: records with Chinese identifiers checked, who sees what, the lead
pool, conversion with merge confirmation, the pipeline, activities, and two-firm leaks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.crm.models import Account, Contact, CrmSettings, Lead, Opportunity, SalesRole, Stage, StageChange
from apps.crm.services import leads_return_stale
from tenants.models import Firm
from tests.conftest import PASSWORD

CODE = "91510100MA61R0XA33"  # a valid 统一社会信用代码 (check character computed per GB 32100-2015)
CODE_2 = "91510100MA6CLLDX58"


def _post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def _person(firm: Firm, email: str, *, role: str = "rep", manager: str = "") -> Client:
    with schema_context(firm.schema_name):
        user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0], role="member")
        boss = User.objects.get(email=manager) if manager else None
        SalesRole.objects.create(user=user, role=role, manager=boss)
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


def test_the_credit_codes_used_here_are_valid() -> None:
    from core.validators import credit_code_valid

    assert credit_code_valid(CODE)
    assert credit_code_valid(CODE_2)
    assert not credit_code_valid(CODE[:-1] + "0")


@pytest.mark.django_db
def test_accounts_check_the_credit_code_and_refuse_duplicates(owner_a_client: Client, firm_a: Firm) -> None:
    created = _post(
        owner_a_client, "/api/v1/crm/accounts/", {"name": "成都天府软件有限公司", "credit_code": CODE.lower()}
    )
    duplicate = _post(owner_a_client, "/api/v1/crm/accounts/", {"name": "另一家", "credit_code": CODE})
    wrong = _post(owner_a_client, "/api/v1/crm/accounts/", {"name": "错码", "credit_code": CODE[:-1] + "0"})
    empty = _post(owner_a_client, "/api/v1/crm/accounts/", {"name": "  "})
    huge = _post(owner_a_client, "/api/v1/crm/accounts/", {"name": "长" * 201})

    assert created.status_code == 201
    assert created.json()["credit_code"] == CODE
    assert duplicate.status_code == 400
    assert duplicate.json()["code"] == "duplicate"
    assert "credit_code" in wrong.json()["fields"]
    assert "name" in empty.json()["fields"]
    assert "name" in huge.json()["fields"]
    with schema_context(firm_a.schema_name):
        assert list(Account.objects.values_list("name", flat=True)) == ["成都天府软件有限公司"]


@pytest.mark.django_db
def test_contacts_normalise_mobile_numbers_and_refuse_duplicates(owner_a_client: Client, firm_a: Firm) -> None:
    created = _post(owner_a_client, "/api/v1/crm/contacts/", {"name": "王芳", "mobile": "+86 138-0013-8000"})
    again = _post(owner_a_client, "/api/v1/crm/contacts/", {"name": "王芳二", "mobile": "13800138000"})
    landline = _post(owner_a_client, "/api/v1/crm/contacts/", {"name": "座机", "mobile": "028-8888888"})

    assert created.status_code == 201
    assert created.json()["mobile"] == "13800138000"
    assert again.json()["code"] == "duplicate"
    assert "mobile" in landline.json()["fields"]
    found = owner_a_client.get("/api/v1/crm/contacts/?q=王").json()
    assert [c["name"] for c in found["results"]] == ["王芳"]
    with schema_context(firm_a.schema_name):
        assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_reps_see_their_own_records_and_the_pool_managers_their_team(owner_a_client: Client, firm_a: Firm) -> None:
    manager = _person(firm_a, "boss@alpha.example", role="manager")
    rep = _person(firm_a, "rep1@alpha.example", manager="boss@alpha.example")
    other = _person(firm_a, "rep2@alpha.example")
    mine = _post(rep, "/api/v1/crm/accounts/", {"name": "甲公司"}).json()
    theirs = _post(other, "/api/v1/crm/accounts/", {"name": "乙公司"}).json()
    pooled = _post(owner_a_client, "/api/v1/crm/leads/", {"name": "公海线索", "to_pool": True}).json()

    assert rep.get(f"/api/v1/crm/accounts/{theirs['id']}/").status_code == 404
    assert [a["name"] for a in rep.get("/api/v1/crm/accounts/").json()["results"]] == ["甲公司"]
    assert manager.get(f"/api/v1/crm/accounts/{mine['id']}/").status_code == 200
    assert manager.get(f"/api/v1/crm/accounts/{theirs['id']}/").status_code == 404
    assert owner_a_client.get("/api/v1/crm/accounts/").json()["count"] == 2
    assert rep.get(f"/api/v1/crm/leads/{pooled['id']}/").json()["in_pool"] is True
    # Another rep's record cannot be the target of anything either.
    opportunity = _post(other, "/api/v1/crm/opportunities/", {"name": "乙单", "account": theirs["id"]}).json()
    assert _post(rep, f"/api/v1/crm/opportunities/{opportunity['id']}/win/").status_code == 404
    assert _post(rep, "/api/v1/crm/opportunities/", {"name": "x", "account": theirs["id"]}).status_code == 400
    note = {"kind": "note", "subject": "偷看", "about": "account", "about_id": theirs["id"]}
    assert _post(rep, "/api/v1/crm/activities/", note).status_code == 404
    with schema_context(firm_a.schema_name):
        assert Opportunity.objects.get().stage.kind == "open"


@pytest.mark.django_db
def test_claiming_and_releasing_pool_leads_with_a_claim_limit(owner_a_client: Client, firm_a: Firm) -> None:
    rep = _person(firm_a, "rep1@alpha.example")
    other = _person(firm_a, "rep2@alpha.example")
    with schema_context(firm_a.schema_name):
        CrmSettings.objects.update_or_create(id=1, defaults={"claim_limit": 1})
    first = _post(owner_a_client, "/api/v1/crm/leads/", {"name": "一号", "to_pool": True}).json()
    second = _post(owner_a_client, "/api/v1/crm/leads/", {"name": "二号", "to_pool": True}).json()

    claimed = _post(rep, f"/api/v1/crm/leads/{first['id']}/claim/")
    taken = _post(other, f"/api/v1/crm/leads/{first['id']}/claim/")
    over_limit = _post(rep, f"/api/v1/crm/leads/{second['id']}/claim/")

    assert claimed.status_code == 200
    assert claimed.json()["owner"] == "rep1@alpha.example"
    assert taken.status_code == 409
    assert taken.json()["code"] == "lead_taken"
    assert over_limit.json()["code"] == "claim_limit"
    assert other.get(f"/api/v1/crm/leads/{first['id']}/").status_code == 404  # no longer in the pool
    assert _post(other, f"/api/v1/crm/leads/{first['id']}/release/").status_code == 404

    released = _post(rep, f"/api/v1/crm/leads/{first['id']}/release/")
    assert released.json()["in_pool"] is True
    assert _post(other, f"/api/v1/crm/leads/{first['id']}/claim/").status_code == 200


@pytest.mark.django_db
def test_leads_nobody_works_on_return_to_the_pool_but_active_ones_stay(owner_a_client: Client, firm_a: Firm) -> None:
    stale = _post(owner_a_client, "/api/v1/crm/leads/", {"name": "旧线索"}).json()
    fresh = _post(owner_a_client, "/api/v1/crm/leads/", {"name": "新线索"}).json()
    with schema_context(firm_a.schema_name):
        Lead.objects.filter(pk__in=[stale["id"], fresh["id"]]).update(
            last_activity_at=timezone.now() - timedelta(days=31)
        )
    _post(
        owner_a_client,
        "/api/v1/crm/activities/",
        {"kind": "call", "subject": "回访", "about": "lead", "about_id": fresh["id"]},
    )
    with schema_context(firm_a.schema_name):
        assert leads_return_stale() == 1
        assert Lead.objects.get(pk=stale["id"]).owner is None
        assert Lead.objects.get(pk=fresh["id"]).owner is not None


@pytest.mark.django_db
def test_converting_a_lead_creates_account_contact_and_opportunity_or_merges_after_confirmation(
    owner_a_client: Client, firm_a: Firm
) -> None:
    new = _post(
        owner_a_client,
        "/api/v1/crm/leads/",
        {"name": "赵敏", "company": "新客户有限公司", "credit_code": CODE_2, "mobile": "13900001111"},
    ).json()
    converted = _post(
        owner_a_client, f"/api/v1/crm/leads/{new['id']}/convert/", {"opportunity_name": "ERP 项目", "amount": "88000"}
    )
    assert converted.status_code == 200
    result = converted.json()
    assert result["merged"] is False
    opportunity = owner_a_client.get(f"/api/v1/crm/opportunities/{result['opportunity']}/").json()
    assert (opportunity["amount"], opportunity["account_name"]) == ("88000.00", "新客户有限公司")

    again = _post(
        owner_a_client, "/api/v1/crm/leads/", {"name": "张三", "company": "别名", "credit_code": CODE_2}
    ).json()
    asked = _post(owner_a_client, f"/api/v1/crm/leads/{again['id']}/convert/")
    assert asked.status_code == 409
    assert asked.json()["code"] == "merge_confirmation_needed"
    assert asked.json()["fields"]["merge_into"] == [str(result["account"])]
    with schema_context(firm_a.schema_name):
        assert Lead.objects.get(pk=again["id"]).status == "open"  # nothing changed

    merged = _post(owner_a_client, f"/api/v1/crm/leads/{again['id']}/convert/", {"merge_into": result["account"]})
    assert merged.json()["merged"] is True
    assert merged.json()["account"] == result["account"]
    assert _post(owner_a_client, f"/api/v1/crm/leads/{again['id']}/convert/").status_code == 409  # converted
    with schema_context(firm_a.schema_name):
        assert Account.objects.count() == 1
        assert Contact.objects.count() == 2


@pytest.mark.django_db
def test_the_pipeline_moves_keeps_history_and_lost_needs_a_reason(owner_a_client: Client, firm_a: Firm) -> None:
    account = _post(owner_a_client, "/api/v1/crm/accounts/", {"name": "管道客户"}).json()
    stages = owner_a_client.get("/api/v1/crm/stages/").json()
    opens = [s for s in stages if s["kind"] == "open"]
    deal = _post(owner_a_client, "/api/v1/crm/opportunities/", {"name": "单子", "account": account["id"]}).json()

    moved = _post(owner_a_client, f"/api/v1/crm/opportunities/{deal['id']}/move/", {"stage": opens[1]["id"]}).json()
    no_reason = _post(owner_a_client, f"/api/v1/crm/opportunities/{deal['id']}/lose/", {"reason": ""})
    negative = _post(
        owner_a_client, "/api/v1/crm/opportunities/", {"name": "x", "account": account["id"], "amount": "-1"}
    )
    lost = _post(owner_a_client, f"/api/v1/crm/opportunities/{deal['id']}/lose/", {"reason": "价格太高"}).json()

    assert moved["probability"] == opens[1]["probability"]
    assert no_reason.status_code == 400
    assert negative.status_code == 400
    assert (lost["stage_kind"], lost["lost_reason"], lost["probability"]) == ("lost", "价格太高", 0)
    with schema_context(firm_a.schema_name):
        history = list(StageChange.objects.filter(opportunity_id=deal["id"]).values_list("to_stage__kind", flat=True))
        assert history == ["open", "open", "lost"]
        assert Stage.objects.filter(kind="won").exists()


@pytest.mark.django_db
def test_no_crm_endpoint_shows_or_changes_another_firms_data(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm
) -> None:
    account = _post(owner_a_client, "/api/v1/crm/accounts/", {"name": "A 的客户", "credit_code": CODE}).json()
    contact = _post(owner_a_client, "/api/v1/crm/contacts/", {"name": "A 的联系人", "mobile": "13700000000"}).json()
    lead = _post(owner_a_client, "/api/v1/crm/leads/", {"name": "A 的线索", "to_pool": True}).json()
    deal = _post(owner_a_client, "/api/v1/crm/opportunities/", {"name": "A 的商机", "account": account["id"]}).json()
    activity = _post(
        owner_a_client,
        "/api/v1/crm/activities/",
        {"kind": "task", "subject": "A", "about": "lead", "about_id": lead["id"]},
    ).json()

    for url in (
        f"/api/v1/crm/accounts/{account['id']}/",
        f"/api/v1/crm/contacts/{contact['id']}/",
        f"/api/v1/crm/leads/{lead['id']}/",
        f"/api/v1/crm/opportunities/{deal['id']}/",
    ):
        assert owner_b_client.get(url).status_code == 404, url
    for url in (
        f"/api/v1/crm/leads/{lead['id']}/claim/",
        f"/api/v1/crm/leads/{lead['id']}/release/",
        f"/api/v1/crm/leads/{lead['id']}/convert/",
        f"/api/v1/crm/opportunities/{deal['id']}/win/",
        f"/api/v1/crm/activities/{activity['id']}/complete/",
    ):
        assert _post(owner_b_client, url).status_code == 404, url
    assert _post(owner_b_client, f"/api/v1/crm/opportunities/{deal['id']}/lose/", {"reason": "x"}).status_code == 404
    assert _post(owner_b_client, f"/api/v1/crm/opportunities/{deal['id']}/move/", {"stage": 1}).status_code == 404
    for url in ("accounts", "contacts", "leads", "opportunities", "activities"):
        assert owner_b_client.get(f"/api/v1/crm/{url}/").json()["count"] == 0, url
    # The same credit code and mobile are free in another firm.
    assert _post(owner_b_client, "/api/v1/crm/accounts/", {"name": "B", "credit_code": CODE}).status_code == 201
    assert _post(owner_b_client, "/api/v1/crm/contacts/", {"name": "B", "mobile": "13700000000"}).status_code == 201
    with schema_context(firm_a.schema_name):
        assert Lead.objects.get().owner is None
        assert Opportunity.objects.get().stage.kind == "open"


@pytest.mark.django_db
def test_tags_are_set_on_records_the_actor_sees_and_filter_accounts(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm
) -> None:
    rep = _person(firm_a, "rep1@alpha.example")
    account = _post(owner_a_client, "/api/v1/crm/accounts/", {"name": "标签客户"}).json()
    _post(owner_a_client, "/api/v1/crm/accounts/", {"name": "无标签客户"})

    tagged = _post(owner_a_client, f"/api/v1/crm/accounts/{account['id']}/tags/", {"tags": ["重点", " 制造业 ", ""]})
    too_many = _post(
        owner_a_client, f"/api/v1/crm/accounts/{account['id']}/tags/", {"tags": [str(n) for n in range(21)]}
    )

    assert tagged.json() == {"tags": ["制造业", "重点"]}
    assert too_many.status_code == 400
    listed = owner_a_client.get("/api/v1/crm/accounts/?tag=重点").json()
    assert [a["name"] for a in listed["results"]] == ["标签客户"]
    assert _post(rep, f"/api/v1/crm/accounts/{account['id']}/tags/", {"tags": ["x"]}).status_code == 404
    assert _post(owner_b_client, f"/api/v1/crm/accounts/{account['id']}/tags/", {"tags": ["x"]}).status_code == 404
    with schema_context(firm_a.schema_name):
        assert sorted(Account.objects.get(pk=account["id"]).tags.values_list("name", flat=True)) == ["制造业", "重点"]


@pytest.mark.django_db
def test_a_lead_or_contact_with_a_malformed_email_is_refused_and_nothing_is_saved(
    owner_a_client: Client, firm_a: Firm
) -> None:
    lead = _post(owner_a_client, "/api/v1/crm/leads/", {"name": "王五", "email": "z!"})
    contact = _post(owner_a_client, "/api/v1/crm/contacts/", {"name": "王五", "email": "z!"})

    assert (lead.status_code, contact.status_code) == (400, 400)
    assert "email" in lead.json()["fields"]
    with schema_context(firm_a.schema_name):
        assert not Lead.objects.filter(name="王五").exists()
        assert not Contact.objects.filter(name="王五").exists()
