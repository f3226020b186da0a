"""The collaboration directory: Chinese-capable search, profiles (edit, publish), and what a firm
sees of its park's directory (same park, published, active, never its own)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.parks import directory, search
from apps.parks.models import DirectoryProfile, Park
from tenants.models import Firm
from tests.conftest import PASSWORD

ADMIN = SimpleNamespace(is_authenticated=True, can_manage_users=True, email="owner@paper.example", pk=None)
_numbers = itertools.count(1)


def paper_firm(name: str, park: Park | None, *, status: str = Firm.Status.ACTIVE) -> Firm:
    """A firm row without a schema: enough for the directory, which reads public rows only."""
    number = next(_numbers)
    with schema_context("public"):  # a firm row is created from the public schema only
        return Firm.objects.create(
            schema_name=f"t_paper{number:010d}",
            name=name,
            slug=f"paper-firm-{number}",
            status=status,
            park=park,
            park_joined_at=timezone.now() if park else None,
        )


def published(firm: Firm, display_name: str = "", *, publish: bool = True, **fields: Any) -> DirectoryProfile:
    """Save (and publish) a directory profile for ``firm`` through the services."""
    values: dict[str, Any] = {"industry": "C", "contact_person": "联系人", "contact_email": "contact@firm.example"}
    values.update(fields)
    profile = directory.directory_profile_save(firm=firm, actor=ADMIN, display_name=display_name or firm.name, **values)
    if publish:
        directory.directory_profile_publish(firm=firm, actor=ADMIN)
        profile.refresh_from_db()
    return profile


def names(firm: Firm, **filters: Any) -> list[str]:
    return [p.display_name for p in directory.directory_profile_list(firm=firm, **filters)]


def member_client(firm: Firm, email: str = "member@alpha.example") -> Client:
    with schema_context(firm.schema_name):
        User.objects.create_user(email, PASSWORD, full_name="普通员工", role="member", language="en")
    client = Client(HTTP_HOST=firm.host, HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


# --- tokens ----------------------------------------------------------------------------------


def test_chinese_text_is_cut_into_characters_and_overlapping_pairs() -> None:
    tokens = search.tokens("精密机械加工")

    assert tokens[:6] == ["精", "密", "机", "械", "加", "工"]
    assert tokens[6:] == ["精密", "密机", "机械", "械加", "加工"]


def test_latin_words_are_lower_cased_and_split_between_letters_and_digits() -> None:
    tokens = search.tokens("ISO9001 认证, CNC-Machining \uff36\uff12")

    assert tokens == ["iso9001", "iso", "9001", "认", "证", "认证", "cnc", "machining", "v2", "v", "2"]


def test_a_query_without_letters_or_characters_searches_nothing() -> None:
    assert not search.query_for("  !!! ——  ")
    assert search.query_for("软件")


# --- search ----------------------------------------------------------------------------------


@pytest.fixture
def searcher(firm_a_in_park_a: Firm) -> Firm:
    return firm_a_in_park_a


def test_a_chinese_word_finds_the_firm_whose_name_holds_it(searcher: Firm, park_a: Park) -> None:
    published(paper_firm("成都软件开发有限公司", park_a))
    published(paper_firm("柔软化工文件制品厂", park_a))  # 软 and 件, but never side by side

    assert names(searcher, q="软件") == ["成都软件开发有限公司"]


@pytest.mark.parametrize("query", ["精密加工", "精密 加工", "机械加工", "精密机械加工"])
def test_glued_or_spaced_chinese_words_find_precision_machining(searcher: Firm, park_a: Park, query: str) -> None:
    published(paper_firm("蓉城机械", park_a), summary="提供精密机械加工")
    published(paper_firm("蓉城食品", park_a), summary="糕点与饮料")

    assert names(searcher, q=query) == ["蓉城机械"]


def test_mixed_chinese_and_english_queries_match_both_scripts(searcher: Firm, park_a: Park) -> None:
    published(paper_firm("质量体系公司", park_a), certifications="ISO 9001 质量体系认证")
    published(paper_firm("没有认证的公司", park_a), certifications="正在申请认证")

    assert names(searcher, q="ISO9001 认证") == ["质量体系公司"]
    assert names(searcher, q="iso 9001") == ["质量体系公司"]


def test_english_words_match_word_beginnings_in_any_case(searcher: Firm, park_a: Park) -> None:
    published(paper_firm("Tianfu Precision", park_a), capabilities=["CNC Machining"])
    published(paper_firm("Tianfu Foods", park_a), summary="Bakery")

    assert names(searcher, q="machin") == ["Tianfu Precision"]
    assert names(searcher, q="TIANFU cnc") == ["Tianfu Precision"]


def test_a_match_in_the_name_ranks_before_a_match_in_the_summary(searcher: Firm, park_a: Park) -> None:
    published(paper_firm("甲公司", park_a), display_name="阿尔法仓储", summary="我们也做物流")
    published(paper_firm("乙公司", park_a), display_name="蜀道物流", summary="城市配送")

    assert names(searcher, q="物流") == ["蜀道物流", "阿尔法仓储"]


def test_the_industry_name_is_searchable(searcher: Firm, park_a: Park) -> None:
    published(paper_firm("软件公司", park_a), industry="I")
    published(paper_firm("工厂", park_a), industry="C")

    assert names(searcher, q="manufacturing") == ["工厂"]


def test_saving_a_profile_again_updates_what_search_finds(searcher: Firm, park_a: Park) -> None:
    firm = paper_firm("川西模具", park_a)
    published(firm, summary="注塑模具")
    assert names(searcher, q="注塑") == ["川西模具"]

    published(firm, summary="冲压件")

    assert names(searcher, q="注塑") == []
    assert names(searcher, q="冲压") == ["川西模具"]


# --- who sees what -----------------------------------------------------------------------------


def test_the_directory_shows_only_published_profiles_of_active_firms_of_the_same_park(
    searcher: Firm, park_a: Park, park_b: Park
) -> None:
    published(paper_firm("同园区已发布", park_a))
    published(paper_firm("同园区未发布", park_a), publish=False)
    published(paper_firm("别的园区", park_b))
    suspended = paper_firm("已暂停", park_a)
    published(suspended)
    Firm.objects.filter(pk=suspended.pk).update(status=Firm.Status.SUSPENDED)
    published(searcher, "我们自己")

    assert names(searcher) == ["同园区已发布"]


def test_a_firm_that_left_its_park_sees_no_directory_and_is_not_seen(
    searcher: Firm, firm_b_in_park_a: Firm, park_a: Park
) -> None:
    published(firm_b_in_park_a, "Beta 物流")
    assert names(searcher) == ["Beta 物流"]

    Firm.objects.filter(pk=firm_b_in_park_a.pk).update(park=None)

    assert names(searcher) == []
    assert names(firm_b_in_park_a) == []


def test_filters_by_industry_and_capability(searcher: Firm, park_a: Park) -> None:
    published(paper_firm("数控厂", park_a), industry="C", capabilities=["数控加工", "模具设计"])
    published(paper_firm("模具厂", park_a), industry="C", capabilities=["模具设计"])
    published(paper_firm("软件厂", park_a), industry="I", capabilities=["模具设计"])

    assert names(searcher, industry="C") == ["数控厂", "模具厂"]
    assert names(searcher, industry="C", capability="模具设计") == ["数控厂", "模具厂"]
    assert names(searcher, capability="数控加工") == ["数控厂"]
    assert directory.directory_capabilities(firm=searcher) == ["模具设计", "数控加工"]


def test_the_directory_page_searches_and_filters(owner_a_client: Client, searcher: Firm, park_a: Park) -> None:
    published(paper_firm("成都软件开发有限公司", park_a), industry="I", capabilities=["云计算"])
    published(paper_firm("蓉城机械", park_a), summary="提供精密机械加工")

    found = owner_a_client.get("/park/directory/", {"q": "精密加工"})
    filtered = owner_a_client.get("/park/directory/", {"industry": "I", "capability": "云计算"})

    assert found.status_code == 200
    assert "蓉城机械" in found.content.decode()
    assert "成都软件开发有限公司" not in found.content.decode()
    assert "成都软件开发有限公司" in filtered.content.decode()
    assert "蓉城机械" not in filtered.content.decode()


def test_the_directory_page_is_paginated(owner_a_client: Client, searcher: Firm, park_a: Park) -> None:
    for number in range(23):
        published(paper_firm(f"园区企业 {number:02d}", park_a))

    first = owner_a_client.get("/park/directory/").content.decode()
    second = owner_a_client.get("/park/directory/", {"page": 2}).content.decode()

    assert "园区企业 00" in first
    assert "园区企业 20" not in first
    assert "园区企业 20" in second
    assert "Page 2 of 2" in second


def test_a_firm_without_a_park_is_told_why_there_is_no_directory(owner_a_client: Client, firm_a: Firm) -> None:
    page = owner_a_client.get("/park/directory/")
    api = owner_a_client.get("/api/v1/park/directory/profiles/")

    assert page.status_code == 200
    assert "Your firm is not in an industrial park" in page.content.decode()
    assert api.status_code == 404
    assert api.json()["code"] == "no_park"


def test_a_profile_of_another_park_is_not_found(owner_a_client: Client, searcher: Firm, park_b: Park) -> None:
    other = published(paper_firm("别的园区企业", park_b))

    page = owner_a_client.get(f"/park/directory/{other.pk}/")
    api = owner_a_client.get(f"/api/v1/park/directory/profiles/{other.pk}/")

    assert page.status_code == 404
    assert api.status_code == 404
    assert "别的园区企业" not in page.content.decode()


def test_an_unpublished_profile_of_the_same_park_is_not_found(
    owner_a_client: Client, searcher: Firm, park_a: Park
) -> None:
    draft = published(paper_firm("草稿企业", park_a), publish=False)

    assert owner_a_client.get(f"/park/directory/{draft.pk}/").status_code == 404


def test_a_profile_page_shows_the_firm_and_the_request_form(
    owner_a_client: Client, searcher: Firm, park_a: Park
) -> None:
    profile = published(
        paper_firm("蓉城机械", park_a), capabilities=["数控加工"], products="齿轮", contact_phone="028-8888 8888"
    )

    page = owner_a_client.get(f"/park/directory/{profile.pk}/").content.decode()

    assert "蓉城机械" in page
    assert "数控加工" in page
    assert "028-8888 8888" in page
    assert 'id="request-form"' in page
    assert 'value="Owner A"' in page  # the sender's contact is prefilled from the signed-in person


# --- the firm's own profile --------------------------------------------------------------------


def test_the_owner_saves_the_profile_with_tags_in_any_separator(owner_a_client: Client, searcher: Firm) -> None:
    response = owner_a_client.post(
        "/park/directory/profile/",
        {
            "display_name": "Alpha 科技",
            "industry": "I",
            "capabilities": "数控加工、模具设计\uff0cCNC, 数控加工 ; 云计算",
            "contact_person": "王经理",
            "contact_email": "WANG@Alpha.example",
            "contact_phone": "138 0013 8000",
        },
    )

    assert response.status_code == 302
    profile = DirectoryProfile.objects.get(firm=searcher)
    assert profile.capabilities == ["数控加工", "模具设计", "CNC", "云计算"]
    assert profile.contact_email == "wang@alpha.example"
    assert profile.is_published is False
    assert profile.search_vector is not None


def test_a_new_profile_starts_from_the_firm_name_and_the_person(owner_a_client: Client, searcher: Firm) -> None:
    page = owner_a_client.get("/park/directory/profile/").content.decode()

    assert 'value="Alpha 科技"' in page
    assert 'value="Owner A"' in page
    assert 'value="owner@alpha.example"' in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("capabilities", "、".join(f"能力{n}" for n in range(21))),
        ("capabilities", "长" * 41),
        ("industry", "Z"),
        ("contact_email", "not-an-email"),
        ("contact_phone", "call me maybe"),
        ("display_name", "  "),
    ],
)
def test_bad_profile_input_is_refused_and_nothing_is_saved(
    owner_a_client: Client, searcher: Firm, field: str, value: str
) -> None:
    form = {"display_name": "Alpha 科技", "industry": "C", "contact_person": "王经理", field: value}

    response = owner_a_client.post("/park/directory/profile/", form)

    assert response.status_code == 400
    assert not DirectoryProfile.objects.filter(firm=searcher).exists()


def test_the_api_refuses_too_many_capabilities_with_a_field_error(owner_a_client: Client, searcher: Firm) -> None:
    body = {
        "display_name": "Alpha",
        "industry": "C",
        "contact_person": "王经理",
        "capabilities": [f"能力{n}" for n in range(21)],
    }

    response = owner_a_client.put("/api/v1/park/directory/profile/", body, content_type="application/json")

    assert response.status_code == 400
    assert "capabilities" in response.json()["fields"]
    assert not DirectoryProfile.objects.filter(firm=searcher).exists()


def test_a_member_cannot_change_the_profile(firm_a: Firm, searcher: Firm) -> None:
    published(searcher, "Alpha 科技")
    member = member_client(firm_a)

    page = member.post("/park/directory/profile/", {"display_name": "改名", "industry": "C", "contact_person": "x"})
    api = member.put(
        "/api/v1/park/directory/profile/",
        {"display_name": "改名", "industry": "C", "contact_person": "x"},
        content_type="application/json",
    )
    unpublish = member.post("/park/directory/profile/unpublish/")

    assert page.status_code == 302
    assert api.status_code == 403
    assert unpublish.status_code == 403
    profile = DirectoryProfile.objects.get(firm=searcher)
    assert (profile.display_name, profile.is_published) == ("Alpha 科技", True)


def test_publishing_without_a_park_is_refused_with_an_explanation(owner_a_client: Client, firm_a: Firm) -> None:
    published(firm_a, "Alpha 科技", publish=False)

    page = owner_a_client.post("/park/directory/profile/publish/", follow=True)
    api = owner_a_client.post("/api/v1/park/directory/profile/publish/")

    assert "Your firm is not in an industrial park" in page.content.decode()
    assert api.status_code == 409
    assert api.json()["code"] == "no_park"
    assert DirectoryProfile.objects.get(firm=firm_a).is_published is False


def test_the_owner_publishes_and_unpublishes_through_the_api(owner_a_client: Client, searcher: Firm) -> None:
    saved = owner_a_client.put(
        "/api/v1/park/directory/profile/",
        {"display_name": "Alpha 科技", "industry": "I", "contact_person": "王经理", "capabilities": ["云计算"]},
        content_type="application/json",
    )
    published_answer = owner_a_client.post("/api/v1/park/directory/profile/publish/")
    own = owner_a_client.get("/api/v1/park/directory/profile/")
    unpublished_answer = owner_a_client.post("/api/v1/park/directory/profile/unpublish/")

    assert saved.status_code == 200
    assert saved.json()["is_published"] is False
    assert published_answer.json()["is_published"] is True
    assert own.json()["capabilities"] == ["云计算"]
    assert unpublished_answer.json()["is_published"] is False


def test_the_profile_page_publishes_for_a_firm_in_a_park(owner_a_client: Client, searcher: Firm) -> None:
    published(searcher, "Alpha 科技", publish=False)

    response = owner_a_client.post("/park/directory/profile/publish/", follow=True)

    assert "The profile is published" in response.content.decode()
    assert DirectoryProfile.objects.get(firm=searcher).is_published is True


def test_the_search_api_returns_the_park_directory(
    owner_a_client: Client, searcher: Firm, firm_b_in_park_a: Firm
) -> None:
    published(firm_b_in_park_a, "Beta 物流", industry="G", capabilities=["冷链运输"])

    response = owner_a_client.get("/api/v1/park/directory/profiles/", {"q": "冷链"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["display_name"] == "Beta 物流"
    assert body["results"][0]["capabilities"] == ["冷链运输"]
    assert "is_published" not in body["results"][0]


def test_the_directory_page_runs_a_bounded_number_of_queries(
    owner_a_client: Client, searcher: Firm, park_a: Park, django_assert_max_num_queries: Any
) -> None:
    for number in range(15):
        published(paper_firm(f"企业{number}", park_a), capabilities=["加工"])
    owner_a_client.get("/park/directory/")

    with django_assert_max_num_queries(25):
        response = owner_a_client.get("/park/directory/", {"q": "企业"})

    assert response.status_code == 200
