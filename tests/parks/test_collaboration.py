"""Collaboration requests: sending (with every refusal leaving nothing behind), the job that makes
the lead in the recipient's CRM (once, inside the recipient's schema), answers the sender sees,
blocks, and two-firm isolation of the requests."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from procrastinate.contrib.django.models import ProcrastinateJob

from apps.accounts.models import User
from apps.crm.models import Lead, SalesRole
from apps.parks import collaboration
from apps.parks.models import CollaborationRequest, DirectoryProfile, FirmBlock, Park
from tenants.models import Firm
from tests.parks.test_directory import ADMIN, member_client, paper_firm, published

TASK = "parks.collaboration_lead_create"
REQUEST = {
    "subject": "寻找精密加工合作",
    "message": "我们需要每月 500 件铝合金零件。希望长期合作。",
    "contact_person": "李采购",
    "contact_email": "li@beta.example",
    "contact_phone": "139 1234 5678",
}


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def _jobs() -> int:
    return ProcrastinateJob.objects.filter(task_name=TASK).count()


def _state() -> tuple[int, int, int]:
    """What a refused request must leave untouched."""
    return CollaborationRequest.objects.count(), _jobs(), FirmBlock.objects.count()


@pytest.fixture
def alpha_profile(firm_a_in_park_a: Firm) -> DirectoryProfile:
    """Firm A, in park A, publishes its profile: it is the recipient in most tests."""
    return published(firm_a_in_park_a, "Alpha 科技", summary="精密机械加工", industry="C")


@pytest.fixture
def sender(firm_b_in_park_a: Firm) -> Firm:
    return firm_b_in_park_a


def send(sender: Firm, profile: DirectoryProfile, **changes: Any) -> CollaborationRequest:
    return collaboration.collaboration_request_send(
        sender=sender, actor=ADMIN, profile_id=profile.pk, **{**REQUEST, **changes}
    )


# --- sending ---------------------------------------------------------------------------------


def test_a_request_is_stored_for_the_sender_and_queues_the_lead_job(
    owner_b_client: Client, sender: Firm, alpha_profile: DirectoryProfile, firm_a: Firm
) -> None:
    response = _post(owner_b_client, "/api/v1/park/directory/requests/", {"profile": alpha_profile.pk, **REQUEST})

    assert response.status_code == 201
    body = response.json()
    assert body["direction"] == "sent"
    assert body["lead_id"] is None
    request = CollaborationRequest.objects.get(pk=body["id"])
    assert (request.sender_id, request.recipient_id, request.park_id) == (sender.pk, firm_a.pk, sender.park_id)
    assert request.sender_name == "Beta 物流"
    assert request.sent_by == "owner@beta.example"
    job = ProcrastinateJob.objects.get(task_name=TASK)
    assert job.args == {"request_id": request.pk, "schema_name": firm_a.schema_name}


def test_the_contact_defaults_to_the_senders_own_profile(
    owner_b_client: Client, sender: Firm, alpha_profile: DirectoryProfile
) -> None:
    published(sender, "Beta 物流", contact_person="赵经理", contact_email="zhao@beta.example")

    response = _post(
        owner_b_client,
        "/api/v1/park/directory/requests/",
        {"profile": alpha_profile.pk, "subject": "冷链合作", "message": "可以谈谈吗"},
    )

    assert response.status_code == 201
    assert (response.json()["contact_person"], response.json()["contact_email"]) == ("赵经理", "zhao@beta.example")


def test_the_profile_page_form_sends_a_request(
    owner_b_client: Client, sender: Firm, alpha_profile: DirectoryProfile
) -> None:
    response = owner_b_client.post(f"/park/directory/{alpha_profile.pk}/request/", REQUEST, follow=True)

    assert response.status_code == 200
    request = CollaborationRequest.objects.get()
    assert response.redirect_chain[-1][0] == f"/park/directory/requests/{request.pk}/"
    assert "Your request is on its way to Alpha 科技" in response.content.decode()
    again = owner_b_client.get(f"/park/directory/{alpha_profile.pk}/").content.decode()
    assert 'id="request-pending"' in again


# --- refusals --------------------------------------------------------------------------------


def test_a_firm_cannot_write_to_itself(owner_a_client: Client, alpha_profile: DirectoryProfile) -> None:
    before = _state()

    response = _post(owner_a_client, "/api/v1/park/directory/requests/", {"profile": alpha_profile.pk, **REQUEST})
    page = owner_a_client.post(f"/park/directory/{alpha_profile.pk}/request/", REQUEST)

    assert response.status_code == 400
    assert response.json()["code"] == "self_request"
    assert page.status_code == 404  # its own profile is not in the directory it browses
    assert _state() == before


def test_a_blocked_sender_is_refused_without_saying_more(
    owner_b_client: Client, sender: Firm, alpha_profile: DirectoryProfile, firm_a: Firm
) -> None:
    FirmBlock.objects.create(blocker=firm_a, blocked=sender)
    before = _state()

    response = _post(owner_b_client, "/api/v1/park/directory/requests/", {"profile": alpha_profile.pk, **REQUEST})
    page = owner_b_client.post(f"/park/directory/{alpha_profile.pk}/request/", REQUEST)

    assert response.status_code == 403
    assert response.json() == {
        "code": "blocked",
        "detail": "This firm does not accept requests from you.",
        "fields": {},
    }
    assert page.status_code == 403
    assert "This firm does not accept requests from you." in page.content.decode()
    assert _state() == before


def test_a_firm_that_blocked_the_recipient_must_unblock_it_first(
    owner_b_client: Client, sender: Firm, alpha_profile: DirectoryProfile, firm_a: Firm
) -> None:
    FirmBlock.objects.create(blocker=sender, blocked=firm_a)
    before = _state()

    response = _post(owner_b_client, "/api/v1/park/directory/requests/", {"profile": alpha_profile.pk, **REQUEST})

    assert response.status_code == 409
    assert response.json()["code"] == "you_blocked"
    assert _state() == before


def test_a_recipient_of_another_park_is_not_found(
    owner_b_client: Client, sender: Firm, park_b: Park, alpha_profile: DirectoryProfile
) -> None:
    other = published(paper_firm("别的园区企业", park_b))
    before = _state()

    response = _post(owner_b_client, "/api/v1/park/directory/requests/", {"profile": other.pk, **REQUEST})
    page = owner_b_client.post(f"/park/directory/{other.pk}/request/", REQUEST)

    assert response.status_code == 404
    assert page.status_code == 404
    assert _state() == before


def test_an_unpublished_recipient_is_not_found(owner_b_client: Client, sender: Firm, park_a: Park) -> None:
    draft = published(paper_firm("草稿企业", park_a), publish=False)
    before = _state()

    response = _post(owner_b_client, "/api/v1/park/directory/requests/", {"profile": draft.pk, **REQUEST})

    assert response.status_code == 404
    assert _state() == before


def test_a_sender_without_a_park_is_told_so(
    owner_b_client: Client, firm_b: Firm, alpha_profile: DirectoryProfile
) -> None:
    before = _state()

    response = _post(owner_b_client, "/api/v1/park/directory/requests/", {"profile": alpha_profile.pk, **REQUEST})

    assert response.status_code == 409
    assert response.json()["code"] == "no_park"
    assert _state() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("subject", ""), ("subject", "题" * 201), ("message", "  "), ("message", "长" * 4001), ("contact_email", "x@")],
)
def test_an_empty_or_huge_request_is_refused_with_a_field_error(
    owner_b_client: Client, sender: Firm, alpha_profile: DirectoryProfile, field: str, value: str
) -> None:
    before = _state()

    response = _post(
        owner_b_client, "/api/v1/park/directory/requests/", {"profile": alpha_profile.pk, **REQUEST, field: value}
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert _state() == before


def test_a_request_needs_a_way_to_reply(sender: Firm, alpha_profile: DirectoryProfile) -> None:
    before = _state()

    with pytest.raises(collaboration.ValidationFailed) as refused:
        send(sender, alpha_profile, contact_email="", contact_phone="")

    assert "contact_email" in refused.value.fields
    assert _state() == before


def test_a_second_request_to_the_same_firm_waits_for_the_first_answer(
    owner_b_client: Client, sender: Firm, alpha_profile: DirectoryProfile
) -> None:
    send(sender, alpha_profile)
    before = _state()

    response = _post(owner_b_client, "/api/v1/park/directory/requests/", {"profile": alpha_profile.pk, **REQUEST})

    assert response.status_code == 409
    assert response.json()["code"] == "already_pending"
    assert _state() == before


@override_settings(PARKSUITE_COLLAB_REQUESTS_PER_DAY=2)
def test_the_daily_limit_per_sending_firm_refuses_the_next_request(
    owner_b_client: Client, sender: Firm, park_a: Park
) -> None:
    first, second, third = (published(paper_firm(f"企业{n}", park_a)) for n in range(3))
    send(sender, first)
    send(sender, second)
    before = _state()

    response = _post(owner_b_client, "/api/v1/park/directory/requests/", {"profile": third.pk, **REQUEST})

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert "2 collaboration requests in the last 24 hours" in response.json()["detail"]
    assert 86000 < int(response["Retry-After"]) <= 86400
    assert _state() == before


def test_requests_older_than_a_day_do_not_count_against_the_limit(sender: Firm, park_a: Park) -> None:
    from datetime import timedelta

    from django.utils import timezone

    profiles = [published(paper_firm(f"企业{n}", park_a)) for n in range(3)]
    with override_settings(PARKSUITE_COLLAB_REQUESTS_PER_DAY=2):
        for profile in profiles[:2]:
            send(sender, profile)
        CollaborationRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))

        send(sender, profiles[2])

    assert CollaborationRequest.objects.filter(sender=sender).count() == 3


# --- the lead in the recipient's CRM -----------------------------------------------------------


def test_the_job_makes_a_pool_lead_in_the_recipients_crm(
    sender: Firm, alpha_profile: DirectoryProfile, firm_a: Firm
) -> None:
    request = send(sender, alpha_profile)

    collaboration.collaboration_lead_create(request_id=request.pk, schema_name=firm_a.schema_name)

    request.refresh_from_db()
    with schema_context(firm_a.schema_name):
        lead = Lead.objects.get(origin_ref=f"park-collab-{request.pk}")
        assert request.lead_id == lead.pk
        assert lead.owner_id is None  # in the public pool
        assert (lead.name, lead.company) == ("李采购", "Beta 物流")
        assert (lead.email, lead.mobile) == ("li@beta.example", "13912345678")
        assert lead.source == "Park industry collaboration"
        assert lead.notes.startswith("寻找精密加工合作\n\n我们需要每月 500 件铝合金零件")


def test_a_retried_job_finds_the_lead_it_made(sender: Firm, alpha_profile: DirectoryProfile, firm_a: Firm) -> None:
    request = send(sender, alpha_profile)
    collaboration.collaboration_lead_create(request_id=request.pk, schema_name=firm_a.schema_name)
    CollaborationRequest.objects.filter(pk=request.pk).update(lead_id=None)  # as if it failed after the lead

    collaboration.collaboration_lead_create(request_id=request.pk, schema_name=firm_a.schema_name)
    collaboration.collaboration_lead_create(request_id=request.pk, schema_name=firm_a.schema_name)

    request.refresh_from_db()
    with schema_context(firm_a.schema_name):
        assert Lead.objects.filter(origin_ref=f"park-collab-{request.pk}").count() == 1
        assert request.lead_id == Lead.objects.get(origin_ref=f"park-collab-{request.pk}").pk


def test_the_job_writes_only_to_the_recipients_schema(
    sender: Firm, alpha_profile: DirectoryProfile, firm_a: Firm, firm_b: Firm
) -> None:
    request = send(sender, alpha_profile)

    with CaptureQueriesContext(connection) as queries:
        collaboration.collaboration_lead_create(request_id=request.pk, schema_name=firm_a.schema_name)

    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert firm_b.schema_name not in sql
    with schema_context(firm_b.schema_name):
        assert not Lead.objects.filter(origin_ref__startswith="park-collab-").exists()


def test_a_landline_stays_in_the_notes_and_out_of_the_mobile_field(
    sender: Firm, alpha_profile: DirectoryProfile, firm_a: Firm
) -> None:
    request = send(sender, alpha_profile, contact_phone="028-8765 4321")

    collaboration.collaboration_lead_create(request_id=request.pk, schema_name=firm_a.schema_name)

    with schema_context(firm_a.schema_name):
        lead = Lead.objects.get(origin_ref=f"park-collab-{request.pk}")
        assert lead.mobile == ""
        assert "028-8765 4321" in lead.notes


def test_a_job_naming_another_schema_makes_no_lead(
    sender: Firm, alpha_profile: DirectoryProfile, firm_a: Firm, firm_b: Firm
) -> None:
    request = send(sender, alpha_profile)

    collaboration.collaboration_lead_create(request_id=request.pk, schema_name=firm_b.schema_name)

    request.refresh_from_db()
    assert request.lead_id is None
    with schema_context(firm_b.schema_name):
        assert not Lead.objects.filter(origin_ref=f"park-collab-{request.pk}").exists()


def test_the_lead_page_says_where_the_lead_came_from(
    owner_a_client: Client, sender: Firm, alpha_profile: DirectoryProfile, firm_a: Firm
) -> None:
    request = send(sender, alpha_profile)
    collaboration.collaboration_lead_create(request_id=request.pk, schema_name=firm_a.schema_name)
    request.refresh_from_db()

    page = owner_a_client.get(f"/crm/leads/{request.lead_id}/").content.decode()
    inbox = owner_a_client.get(f"/park/directory/requests/{request.pk}/").content.decode()

    assert "From a park collaboration request" in page
    assert f'href="/park/directory/requests/{request.pk}/"' in page
    assert f'href="/crm/leads/{request.lead_id}/"' in inbox


# --- answers ---------------------------------------------------------------------------------


def test_the_recipient_accepts_and_the_sender_sees_the_answer(
    owner_a_client: Client, owner_b_client: Client, sender: Firm, alpha_profile: DirectoryProfile
) -> None:
    request = send(sender, alpha_profile)

    answered = _post(
        owner_a_client,
        f"/api/v1/park/directory/requests/{request.pk}/answer/",
        {"decision": "accept", "answer": "欢迎来厂参观。周三下午可以吗"},
    )
    sent = owner_b_client.get("/api/v1/park/directory/requests/sent/").json()
    page = owner_b_client.get("/park/directory/requests/?box=sent").content.decode()
    detail = owner_b_client.get(f"/park/directory/requests/{request.pk}/").content.decode()

    assert answered.status_code == 200
    assert answered.json()["status"] == "accepted"
    assert sent["results"][0]["status"] == "accepted"
    assert sent["results"][0]["answer"] == "欢迎来厂参观。周三下午可以吗"
    assert "Accepted" in page
    assert "欢迎来厂参观。周三下午可以吗" in detail


def test_the_answer_form_declines_with_a_message(
    owner_a_client: Client, sender: Firm, alpha_profile: DirectoryProfile
) -> None:
    request = send(sender, alpha_profile)

    response = owner_a_client.post(
        f"/park/directory/requests/{request.pk}/answer/", {"decision": "decline", "answer": "暂无产能"}, follow=True
    )

    request.refresh_from_db()
    assert (request.status, request.answer) == ("declined", "暂无产能")
    assert request.answered_at is not None
    assert "You declined the request" in response.content.decode()


def test_an_ignored_request_tells_the_sender_nothing_but_that_it_is_closed(
    owner_a_client: Client, owner_b_client: Client, sender: Firm, alpha_profile: DirectoryProfile
) -> None:
    request = send(sender, alpha_profile)

    owner_a_client.post(f"/park/directory/requests/{request.pk}/answer/", {"decision": "ignore", "answer": "垃圾"})

    request.refresh_from_db()
    assert (request.status, request.answer) == ("ignored", "")
    page = owner_b_client.get(f"/park/directory/requests/{request.pk}/").content.decode()
    assert "Closed without an answer" in page


def test_answering_twice_is_a_conflict_and_changes_nothing(
    owner_a_client: Client, sender: Firm, alpha_profile: DirectoryProfile
) -> None:
    request = send(sender, alpha_profile)
    url = f"/api/v1/park/directory/requests/{request.pk}/answer/"
    _post(owner_a_client, url, {"decision": "accept", "answer": "好的"})

    again = _post(owner_a_client, url, {"decision": "decline", "answer": "算了"})

    assert again.status_code == 409
    assert again.json()["code"] == "already_answered"
    request.refresh_from_db()
    assert (request.status, request.answer) == ("accepted", "好的")


def test_an_unknown_decision_is_refused(owner_a_client: Client, sender: Firm, alpha_profile: DirectoryProfile) -> None:
    request = send(sender, alpha_profile)

    response = _post(owner_a_client, f"/api/v1/park/directory/requests/{request.pk}/answer/", {"decision": "maybe"})

    assert response.status_code == 400
    assert "decision" in response.json()["fields"]
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_sender_cannot_answer_its_own_request(
    owner_b_client: Client, sender: Firm, alpha_profile: DirectoryProfile
) -> None:
    request = send(sender, alpha_profile)

    response = _post(owner_b_client, f"/api/v1/park/directory/requests/{request.pk}/answer/", {"decision": "accept"})

    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == "pending"


def test_a_member_cannot_answer_but_a_sales_manager_can(
    firm_a: Firm, sender: Firm, alpha_profile: DirectoryProfile
) -> None:
    request = send(sender, alpha_profile)
    member = member_client(firm_a)
    manager = member_client(firm_a, "manager@alpha.example")
    with schema_context(firm_a.schema_name):
        SalesRole.objects.create(user=User.objects.get(email="manager@alpha.example"), role="manager")
    url = f"/api/v1/park/directory/requests/{request.pk}/answer/"

    member_page = member.get(f"/park/directory/requests/{request.pk}/").content.decode()
    refused = _post(member, url, {"decision": "accept"})
    request.refresh_from_db()
    status_after_refusal = request.status
    accepted = _post(manager, url, {"decision": "accept"})

    assert 'id="answer-form"' not in member_page
    assert "a sales manager answers collaboration requests" in member_page
    assert refused.status_code == 403
    assert status_after_refusal == "pending"
    assert accepted.status_code == 200


# --- who sees which request --------------------------------------------------------------------


def test_a_third_firm_cannot_read_a_request_between_two_others(
    owner_b_client: Client, firm_a_in_park_a: Firm, firm_b_in_park_a: Firm, park_a: Park
) -> None:
    partner = published(paper_firm("合作伙伴", park_a))
    request = send(firm_a_in_park_a, partner)

    api = owner_b_client.get(f"/api/v1/park/directory/requests/{request.pk}/")
    page = owner_b_client.get(f"/park/directory/requests/{request.pk}/")
    block = owner_b_client.post(f"/park/directory/requests/{request.pk}/block/")
    answer = _post(owner_b_client, f"/api/v1/park/directory/requests/{request.pk}/answer/", {"decision": "accept"})

    assert (api.status_code, page.status_code, block.status_code, answer.status_code) == (404, 404, 404, 404)
    assert "寻找精密加工合作" not in page.content.decode()
    assert FirmBlock.objects.count() == 0
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_inbox_lists_received_and_sent_requests_apart(
    owner_a_client: Client, sender: Firm, alpha_profile: DirectoryProfile, park_a: Park
) -> None:
    send(sender, alpha_profile)
    partner = published(paper_firm("合作伙伴", park_a))
    send(alpha_profile.firm, partner, subject="Alpha 发出的请求")

    received = owner_a_client.get("/api/v1/park/directory/requests/received/").json()
    sent = owner_a_client.get("/api/v1/park/directory/requests/sent/").json()
    page = owner_a_client.get("/park/directory/requests/").content.decode()

    assert [r["subject"] for r in received["results"]] == ["寻找精密加工合作"]
    assert [r["subject"] for r in sent["results"]] == ["Alpha 发出的请求"]
    assert "寻找精密加工合作" in page
    assert "Alpha 发出的请求" not in page


# --- blocking --------------------------------------------------------------------------------


def test_blocking_from_a_request_closes_its_waiting_requests(
    owner_a_client: Client, owner_b_client: Client, sender: Firm, alpha_profile: DirectoryProfile, firm_a: Firm
) -> None:
    request = send(sender, alpha_profile)
    confirm = owner_a_client.get(f"/park/directory/requests/{request.pk}/block/")

    response = owner_a_client.post(f"/park/directory/requests/{request.pk}/block/", follow=True)

    assert confirm.status_code == 200
    assert "Block Beta 物流?" in confirm.content.decode()
    assert FirmBlock.objects.filter(blocker=firm_a, blocked=sender).exists()
    request.refresh_from_db()
    assert request.status == "ignored"
    assert "Beta 物流" in response.content.decode()  # on the blocked firms page
    refused = _post(owner_b_client, "/api/v1/park/directory/requests/", {"profile": alpha_profile.pk, **REQUEST})
    assert refused.status_code == 403


def test_blocking_from_a_profile_and_unblocking_through_the_api(
    owner_a_client: Client, owner_b_client: Client, firm_a_in_park_a: Firm, sender: Firm
) -> None:
    beta = published(sender, "Beta 物流")
    alpha = published(firm_a_in_park_a, "Alpha 科技")

    blocked = _post(owner_a_client, "/api/v1/park/directory/blocks/", {"profile": beta.pk})
    twice = _post(owner_a_client, "/api/v1/park/directory/blocks/", {"profile": beta.pk})
    listed = owner_a_client.get("/api/v1/park/directory/blocks/").json()
    unblocked = owner_a_client.delete(f"/api/v1/park/directory/blocks/{blocked.json()['id']}/")
    sent = _post(owner_b_client, "/api/v1/park/directory/requests/", {"profile": alpha.pk, **REQUEST})

    assert blocked.status_code == 201
    assert twice.json()["id"] == blocked.json()["id"]
    assert [row["firm_name"] for row in listed["results"]] == ["Beta 物流"]
    assert unblocked.status_code == 204
    assert sent.status_code == 201


def test_a_firm_cannot_unblock_for_another_firm(
    owner_b_client: Client, firm_a_in_park_a: Firm, firm_b_in_park_a: Firm, park_a: Park
) -> None:
    partner = published(paper_firm("合作伙伴", park_a))
    block = collaboration.firm_block_create(firm=firm_a_in_park_a, actor=ADMIN, profile_id=partner.pk)

    api = owner_b_client.delete(f"/api/v1/park/directory/blocks/{block.pk}/")
    page = owner_b_client.post(f"/park/directory/blocked/{block.pk}/unblock/")

    assert (api.status_code, page.status_code) == (404, 404)
    assert FirmBlock.objects.filter(pk=block.pk).exists()


def test_a_member_cannot_block(firm_a: Firm, sender: Firm, alpha_profile: DirectoryProfile) -> None:
    beta = published(sender, "Beta 物流")
    member = member_client(firm_a)

    response = member.post(f"/park/directory/{beta.pk}/block/")

    assert response.status_code == 403
    assert FirmBlock.objects.count() == 0


def test_the_blocked_firms_page_unblocks(owner_a_client: Client, sender: Firm, alpha_profile: DirectoryProfile) -> None:
    beta = published(sender, "Beta 物流")
    owner_a_client.post(f"/park/directory/{beta.pk}/block/")
    block = FirmBlock.objects.get()

    page = owner_a_client.get("/park/directory/blocked/").content.decode()
    response = owner_a_client.post(f"/park/directory/blocked/{block.pk}/unblock/", follow=True)

    assert "Beta 物流" in page
    assert "The firm is unblocked" in response.content.decode()
    assert FirmBlock.objects.count() == 0
