"""CRM configuration by the owner: pool rules, pipeline stages, the sales team — and nobody
else may change them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.crm.models import CrmSettings, SalesRole, Stage
from tenants.models import Firm
from tests.crm.test_crm_api import _person


def _json(client: Client, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(url, body or {}, content_type="application/json")


@pytest.mark.django_db
def test_the_owner_sets_pool_rules_stages_and_the_sales_team(owner_a_client: Client, firm_a: Firm) -> None:
    rules = _json(owner_a_client, "put", "/api/v1/crm/pool-rules/", {"pool_return_days": 14, "claim_limit": 20})
    bad_rules = _json(owner_a_client, "put", "/api/v1/crm/pool-rules/", {"pool_return_days": 0, "claim_limit": 20})
    added = _json(
        owner_a_client, "post", "/api/v1/crm/stages/", {"name": "样品测试", "probability": 50, "position": 25}
    )
    duplicate = _json(
        owner_a_client, "post", "/api/v1/crm/stages/", {"name": "样品测试", "probability": 40, "position": 26}
    )
    changed = _json(
        owner_a_client,
        "put",
        f"/api/v1/crm/stages/{added.json()['id']}/",
        {"name": "样品验证", "probability": 55, "position": 25, "kind": "open"},
    )
    removed = owner_a_client.delete(f"/api/v1/crm/stages/{added.json()['id']}/")

    assert rules.status_code == 200
    assert bad_rules.status_code == 400
    assert added.status_code == 201
    assert duplicate.status_code == 400
    assert changed.json()["name"] == "样品验证"
    assert removed.status_code == 204
    with schema_context(firm_a.schema_name):
        assert (CrmSettings.objects.get().pool_return_days, CrmSettings.objects.get().claim_limit) == (14, 20)
        won = Stage.objects.get(kind="won")
    assert owner_a_client.delete(f"/api/v1/crm/stages/{won.pk}/").status_code == 409  # the only won stage

    manager = _person(firm_a, "boss@alpha.example", role="manager")
    rep = _person(firm_a, "rep1@alpha.example")
    with schema_context(firm_a.schema_name):
        rep_id = User.objects.get(email="rep1@alpha.example").pk
        boss_id = User.objects.get(email="boss@alpha.example").pk
    joined = _json(
        owner_a_client, "post", "/api/v1/crm/sales-team/", {"user": rep_id, "role": "rep", "manager": boss_id}
    )
    self_managed = _json(
        owner_a_client, "post", "/api/v1/crm/sales-team/", {"user": boss_id, "role": "manager", "manager": boss_id}
    )
    assert joined.status_code == 200
    assert self_managed.status_code == 400
    account = _json(rep, "post", "/api/v1/crm/accounts/", {"name": "团队客户"}).json()
    assert manager.get(f"/api/v1/crm/accounts/{account['id']}/").status_code == 200  # now their team's
    team = owner_a_client.get("/api/v1/crm/sales-team/").json()
    assert {"user": rep_id, "email": "rep1@alpha.example", "role": "rep", "manager": boss_id} in team


@pytest.mark.django_db
def test_only_owners_and_administrators_configure_the_crm(owner_a_client: Client, firm_a: Firm) -> None:
    rep = _person(firm_a, "rep1@alpha.example")
    assert _json(rep, "put", "/api/v1/crm/pool-rules/", {"pool_return_days": 1, "claim_limit": 1}).status_code == 403
    assert _json(rep, "post", "/api/v1/crm/stages/", {"name": "x", "probability": 1, "position": 1}).status_code == 403
    assert rep.get("/api/v1/crm/sales-team/").status_code == 403
    assert rep.get("/crm/configuration/").status_code == 403
    assert "Configuration" not in rep.get("/crm/").content.decode()


@pytest.mark.django_db
def test_the_configuration_page_saves_each_section(owner_a_client: Client, firm_a: Firm) -> None:
    _person(firm_a, "rep1@alpha.example")
    page = owner_a_client.get("/crm/configuration/")
    assert page.status_code == 200
    assert "rep1@alpha.example" in page.content.decode()
    owner_a_client.post("/crm/configuration/", {"action": "pool", "pool_return_days": "7", "claim_limit": "9"})
    owner_a_client.post(
        "/crm/configuration/", {"action": "stage", "name": "招投标", "probability": "70", "position": "35"}
    )
    with schema_context(firm_a.schema_name):
        rep_id = User.objects.get(email="rep1@alpha.example").pk
    owner_a_client.post("/crm/configuration/", {"action": "role", "user_id": str(rep_id), "role": "manager"})
    with schema_context(firm_a.schema_name):
        assert CrmSettings.objects.get().claim_limit == 9
        assert Stage.objects.get(name="招投标").probability == 70
        assert SalesRole.objects.get(user_id=rep_id).role == "manager"
    assert "招投标" in owner_a_client.get("/crm/pipeline/").content.decode()


@pytest.mark.django_db
def test_another_firms_configuration_changes_only_its_own(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm, firm_b: Firm
) -> None:
    with schema_context(firm_a.schema_name):
        first = Stage.objects.order_by("position").first()
        assert first is not None
        name_in_a = first.name
    body = {"name": "B 的阶段", "probability": 5, "position": 1, "kind": "open"}
    assert _json(owner_b_client, "put", f"/api/v1/crm/stages/{first.pk}/", body).status_code == 200
    _json(owner_b_client, "put", "/api/v1/crm/pool-rules/", {"pool_return_days": 3, "claim_limit": 3})
    with schema_context(firm_a.schema_name):
        assert Stage.objects.get(pk=first.pk).name == name_in_a
        assert CrmSettings.objects.get().pool_return_days == 30
    with schema_context(firm_b.schema_name):
        assert Stage.objects.get(pk=first.pk).name == "B 的阶段"
    assert "B 的阶段" not in owner_a_client.get("/crm/pipeline/").content.decode()
    assert owner_b_client.get("/api/v1/crm/saved-filters/?list=accounts").json() == []
