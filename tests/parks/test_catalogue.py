"""The park's service catalogue (园区公共服务): the park lists services, a member firm requests
one, the park moves the request through its statuses with messages both ways, and both sides
read the same history. Every denial leaves everything as it was."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.parks import catalogue
from apps.parks.models import Park, ParkService, ServiceRequest, ServiceRequestMessage
from core.errors import Conflict, NotFound, ValidationFailed
from core.tenancy import use_public_schema
from tenants.models import Firm


def _service(park: Park, *, name: str = "法律咨询", category: str = "legal_tax", active: bool = True) -> ParkService:
    service = catalogue.park_service_create(park=park, actor=None, category=category, name=name, description="每周三")
    if not active:
        catalogue.park_service_set_active(park=park, actor=None, service_id=service.pk, active=False)
        service.refresh_from_db()
    return service


def _owner(firm: Firm) -> Any:
    from django_tenants.utils import schema_context

    with schema_context(firm.schema_name):
        return User.objects.get(role=User.Role.OWNER)


def _request(firm: Firm, service: ParkService, *, subject: str = "合同审查") -> ServiceRequest:
    return catalogue.service_request_create(
        firm=firm, actor=_owner(firm), service_id=service.pk, subject=subject, details="请帮忙审查一份采购合同。"
    )


def _snapshot(item: ServiceRequest) -> tuple[Any, ...]:
    item.refresh_from_db()
    return (item.status, item.updated_at, list(item.messages.values_list("id", "body", "status")))


def _audit_actions() -> list[str]:
    use_public_schema()
    return list(AuditEvent.objects.filter(action__startswith="parks.service").values_list("action", flat=True))


@pytest.fixture
def legal(park_a: Park) -> ParkService:
    return _service(park_a)


@pytest.fixture
def submitted(firm_a_in_park_a: Firm, legal: ParkService) -> ServiceRequest:
    return _request(firm_a_in_park_a, legal)


# --- console: the catalogue ------------------------------------------------------------------


def test_a_park_admin_adds_a_service_and_it_is_logged(console_a: Client, park_a: Park) -> None:
    response = console_a.post(
        "/park/services/new/", {"category": "meeting_room", "name": "多功能会议室", "description": "可容纳 30 人"}
    )

    assert response.status_code == 302
    service = ParkService.objects.get()
    assert (service.park, service.name, service.category, service.is_active) == (
        park_a,
        "多功能会议室",
        "meeting_room",
        True,
    )
    assert _audit_actions() == ["parks.service_created"]
    assert "多功能会议室" in console_a.get("/park/services/").content.decode()


def test_a_service_without_a_name_is_refused(console_a: Client, park_a: Park) -> None:
    response = console_a.post("/park/services/new/", {"category": "talent", "name": " "})

    assert response.status_code == 200
    assert b"field-invalid" in response.content
    assert ParkService.objects.count() == 0
    assert _audit_actions() == []


def test_a_second_service_of_the_same_name_is_refused_whatever_the_case(park_a: Park, park_b: Park) -> None:
    _service(park_a, name="Tax Advice")

    with pytest.raises(ValidationFailed) as refused:
        catalogue.park_service_create(park=park_a, actor=None, category="legal_tax", name="tax advice")

    assert "name" in refused.value.fields
    assert ParkService.objects.filter(park=park_a).count() == 1
    _service(park_b, name="Tax Advice")  # another park may use the name


def test_editing_a_service_changes_it(console_a: Client, legal: ParkService) -> None:
    response = console_a.post(
        f"/park/services/{legal.pk}/edit/", {"category": "legal_tax", "name": "法律与税务咨询", "description": ""}
    )

    assert response.status_code == 302
    legal.refresh_from_db()
    assert legal.name == "法律与税务咨询"
    assert "parks.service_updated" in _audit_actions()


def test_stopping_a_service_asks_first_and_then_firms_can_no_longer_request_it(
    console_a: Client, legal: ParkService, firm_a_in_park_a: Firm, owner_a_client: Client
) -> None:
    confirm = console_a.get(f"/park/services/{legal.pk}/deactivate/")
    legal.refresh_from_db()
    assert confirm.status_code == 200
    assert legal.is_active

    assert console_a.post(f"/park/services/{legal.pk}/deactivate/").status_code == 302
    legal.refresh_from_db()
    assert not legal.is_active
    assert "parks.service_deactivated" in _audit_actions()
    assert legal.name not in owner_a_client.get("/park/services/").content.decode()
    refused = owner_a_client.post(
        "/park/services/request/", {"service": legal.pk, "subject": "咨询", "details": "请回复"}
    )
    assert refused.status_code == 200
    assert ServiceRequest.objects.count() == 0

    assert console_a.post(f"/park/services/{legal.pk}/activate/").status_code == 302
    legal.refresh_from_db()
    assert legal.is_active


def test_the_console_lists_services_with_request_counts(
    console_a: Client, park_a: Park, submitted: ServiceRequest
) -> None:
    rows = console_a.get("/api/v1/park/services/").json()["results"]

    assert [(row["name"], row["requests_open"], row["requests_total"]) for row in rows] == [("法律咨询", 1, 1)]


# --- firm side: requesting a service ---------------------------------------------------------


def test_a_member_firm_requests_a_service_and_the_park_sees_it(
    owner_a_client: Client, console_a: Client, firm_a_in_park_a: Firm, legal: ParkService
) -> None:
    # Given firm A in park A, which offers legal advice
    catalogue_page = owner_a_client.get("/park/services/").content.decode()
    assert "法律咨询" in catalogue_page

    # When firm A's owner requests it
    response = owner_a_client.post(
        "/park/services/request/", {"service": legal.pk, "subject": "合同审查", "details": "请审查采购合同。"}
    )

    # Then the request is firm A's, submitted, its details the first entry of the history
    assert response.status_code == 302
    item = ServiceRequest.objects.get()
    assert (item.firm_id, item.park, item.service, item.status) == (firm_a_in_park_a.pk, legal.park, legal, "submitted")
    assert "owner@alpha.example" in item.requested_by
    first = item.messages.get()
    assert (first.from_park, first.body, first.status) == (False, "请审查采购合同。", "submitted")
    # And it is in park A's queue
    queue = console_a.get("/park/services/requests/").content.decode()
    assert "合同审查" in queue
    assert firm_a_in_park_a.name in queue


def test_a_request_with_missing_fields_is_refused_and_nothing_is_saved(
    owner_a_client: Client, firm_a_in_park_a: Firm, legal: ParkService
) -> None:
    response = owner_a_client.post("/park/services/request/", {"service": legal.pk, "subject": "", "details": ""})

    assert response.status_code == 200
    assert b"field-invalid" in response.content
    assert ServiceRequest.objects.count() == 0
    assert ServiceRequestMessage.objects.count() == 0


def test_a_firm_cannot_request_another_parks_service(
    owner_a_client: Client, firm_a_in_park_a: Firm, park_b: Park
) -> None:
    elsewhere = _service(park_b, name="保税仓储咨询")

    page = owner_a_client.post(
        "/park/services/request/", {"service": elsewhere.pk, "subject": "咨询", "details": "请回复"}
    )
    api = owner_a_client.post(
        "/api/v1/park/services/requests/create/",
        {"service": elsewhere.pk, "subject": "咨询", "details": "请回复"},
        content_type="application/json",
    )

    assert page.status_code == 200
    assert api.status_code == 400
    assert "service" in api.json()["fields"]
    assert ServiceRequest.objects.count() == 0


def test_a_firm_outside_any_park_sees_an_explanation_and_cannot_request(
    owner_b_client: Client, firm_b: Firm, legal: ParkService
) -> None:
    page = owner_b_client.get("/park/services/")
    posted = owner_b_client.post("/park/services/request/", {"service": legal.pk, "subject": "x", "details": "y"})
    api = owner_b_client.post(
        "/api/v1/park/services/requests/create/",
        {"service": legal.pk, "subject": "x", "details": "y"},
        content_type="application/json",
    )

    assert page.status_code == 200
    assert b"not a member of an industrial park" in page.content
    assert legal.name.encode() not in page.content
    assert posted.status_code == 200
    assert b"not a member of an industrial park" in posted.content
    assert api.status_code == 404
    assert api.json()["code"] == "not_in_park"
    assert owner_b_client.get("/api/v1/park/services/").status_code == 404
    assert ServiceRequest.objects.count() == 0


def test_a_firm_may_have_only_so_many_open_requests(firm_a_in_park_a: Firm, legal: ParkService) -> None:
    owner = _owner(firm_a_in_park_a)
    for number in range(catalogue.OPEN_REQUESTS_MAX):
        ServiceRequest.objects.create(park=legal.park, service=legal, firm=firm_a_in_park_a, subject=f"#{number}")

    with pytest.raises(Conflict):
        catalogue.service_request_create(
            firm=firm_a_in_park_a, actor=owner, service_id=legal.pk, subject="再来一个", details="请回复"
        )

    assert ServiceRequest.objects.count() == catalogue.OPEN_REQUESTS_MAX


# --- console: handling a request --------------------------------------------------------------


def test_the_park_accepts_then_finishes_and_both_sides_see_the_history(
    console_a: Client, owner_a_client: Client, submitted: ServiceRequest
) -> None:
    # The park accepts with a note, writes a message, the firm answers, the park marks it done
    assert (
        console_a.post(
            f"/park/services/requests/{submitted.pk}/status/", {"status": "accepted", "message": "周三下午可以。"}
        ).status_code
        == 302
    )
    console_a.post(f"/park/services/requests/{submitted.pk}/message/", {"body": "请带上合同原件。"})
    owner_a_client.post(f"/park/services/requests/{submitted.pk}/message/", {"body": "好的谢谢。"})
    console_a.post(f"/park/services/requests/{submitted.pk}/status/", {"status": "done"})

    submitted.refresh_from_db()
    assert submitted.status == "done"
    entries = list(submitted.messages.values_list("from_park", "status", "body"))
    assert entries == [
        (False, "submitted", "请帮忙审查一份采购合同。"),
        (True, "accepted", "周三下午可以。"),
        (True, "", "请带上合同原件。"),
        (False, "", "好的谢谢。"),
        (True, "done", ""),
    ]
    firm_view = owner_a_client.get(f"/park/services/requests/{submitted.pk}/").content.decode()
    park_view = console_a.get(f"/park/services/requests/{submitted.pk}/").content.decode()
    for page in (firm_view, park_view):
        assert "周三下午可以。" in page
        assert "请带上合同原件。" in page
        assert "好的谢谢。" in page
        assert 'id="request-status">Done<' in page
    assert _audit_actions().count("parks.service_request_status") == 2
    assert "parks.service_request_message" in _audit_actions()


def test_an_illegal_transition_is_a_conflict_and_nothing_changes(
    console_a: Client, park_a: Park, submitted: ServiceRequest
) -> None:
    before = _snapshot(submitted)
    audited = _audit_actions()

    with pytest.raises(Conflict):
        catalogue.service_request_transition(park=park_a, actor=None, service_request_id=submitted.pk, status="done")
    api = console_a.post(
        f"/api/v1/park/services/requests/{submitted.pk}/transition/",
        {"status": "done"},
        content_type="application/json",
    )
    page = console_a.post(f"/park/services/requests/{submitted.pk}/status/", {"status": "done"}, follow=True)

    assert api.status_code == 409
    assert api.json()["code"] == "illegal_transition"
    assert b"cannot become" in page.content
    assert _snapshot(submitted) == before
    assert _audit_actions() == audited


def test_an_unknown_status_is_refused(park_a: Park, submitted: ServiceRequest) -> None:
    before = _snapshot(submitted)

    with pytest.raises(ValidationFailed):
        catalogue.service_request_transition(
            park=park_a, actor=None, service_request_id=submitted.pk, status="forgotten"
        )

    assert _snapshot(submitted) == before


def test_a_final_request_cannot_change_again(park_a: Park, submitted: ServiceRequest) -> None:
    catalogue.service_request_transition(
        park=park_a, actor=None, service_request_id=submitted.pk, status="declined", message="本月已满。"
    )
    before = _snapshot(submitted)

    for status in ("accepted", "done", "declined", "submitted"):
        with pytest.raises(Conflict):
            catalogue.service_request_transition(
                park=park_a, actor=None, service_request_id=submitted.pk, status=status, message="再试"
            )

    assert _snapshot(submitted) == before


def test_declining_without_a_reason_is_refused_and_nothing_changes(
    console_a: Client, submitted: ServiceRequest
) -> None:
    before = _snapshot(submitted)

    api = console_a.post(
        f"/api/v1/park/services/requests/{submitted.pk}/transition/",
        {"status": "declined", "message": "   "},
        content_type="application/json",
    )
    page = console_a.post(f"/park/services/requests/{submitted.pk}/status/", {"status": "declined"}, follow=True)

    assert api.status_code == 400
    assert api.json()["code"] == "reason_required"
    assert "message" in api.json()["fields"]
    assert b"Say why the request is declined" in page.content
    assert _snapshot(submitted) == before


def test_declining_with_a_reason_shows_the_reason_to_the_firm(
    console_a: Client, owner_a_client: Client, submitted: ServiceRequest
) -> None:
    response = console_a.post(
        f"/park/services/requests/{submitted.pk}/status/", {"status": "declined", "message": "本项服务暂停。"}
    )

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "declined"
    detail = owner_a_client.get(f"/api/v1/park/services/requests/{submitted.pk}/").json()
    assert detail["status"] == "declined"
    assert detail["history"][-1]["body"] == "本项服务暂停。"
    assert detail["history"][-1]["from_park"] is True


def test_no_message_can_be_added_to_a_closed_request(
    park_a: Park, owner_a_client: Client, console_a: Client, submitted: ServiceRequest
) -> None:
    catalogue.service_request_transition(
        park=park_a, actor=None, service_request_id=submitted.pk, status="declined", message="不适用。"
    )
    before = _snapshot(submitted)

    firm_api = owner_a_client.post(
        f"/api/v1/park/services/requests/{submitted.pk}/messages/",
        {"body": "为什么"},
        content_type="application/json",
    )
    park_api = console_a.post(
        f"/api/v1/park/services/requests/{submitted.pk}/messages/", {"body": "补充"}, content_type="application/json"
    )
    owner_a_client.post(f"/park/services/requests/{submitted.pk}/message/", {"body": "为什么"})

    assert firm_api.status_code == 409
    assert firm_api.json()["code"] == "request_closed"
    assert park_api.status_code == 409
    assert _snapshot(submitted) == before


def test_an_empty_message_is_refused(owner_a_client: Client, submitted: ServiceRequest) -> None:
    before = _snapshot(submitted)

    response = owner_a_client.post(
        f"/api/v1/park/services/requests/{submitted.pk}/messages/", {"body": " "}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "body" in response.json()["fields"]
    assert _snapshot(submitted) == before


def test_the_queue_filters_by_status_and_service_and_searches(
    console_a: Client, park_a: Park, firm_a_in_park_a: Firm, legal: ParkService
) -> None:
    rooms = _service(park_a, name="会议室预订", category="meeting_room")
    first = _request(firm_a_in_park_a, legal, subject="合同审查")
    _request(firm_a_in_park_a, rooms, subject="周五会议室")
    catalogue.service_request_transition(park=park_a, actor=None, service_request_id=first.pk, status="accepted")

    accepted = console_a.get("/api/v1/park/services/requests/?status=accepted").json()["results"]
    by_service = console_a.get(f"/api/v1/park/services/requests/?service={rooms.pk}&status=all").json()["results"]
    searched = console_a.get("/park/services/requests/?status=all&q=会议室").content.decode()

    assert [row["subject"] for row in accepted] == ["合同审查"]
    assert [row["subject"] for row in by_service] == ["周五会议室"]
    assert "周五会议室" in searched
    assert "合同审查" not in searched


# --- another park's admin, another firm ------------------------------------------------------


def test_park_b_admin_gets_404_on_park_a_services_and_requests_and_nothing_changes(
    console_b: Client, legal: ParkService, submitted: ServiceRequest
) -> None:
    before_request = _snapshot(submitted)
    before_service = (legal.name, legal.is_active)
    audited = _audit_actions()

    answers = [
        console_b.get(f"/park/services/{legal.pk}/edit/").status_code,
        console_b.post(f"/park/services/{legal.pk}/edit/", {"category": "other", "name": "改名"}).status_code,
        console_b.post(f"/park/services/{legal.pk}/deactivate/").status_code,
        console_b.get(f"/park/services/requests/{submitted.pk}/").status_code,
        console_b.post(f"/park/services/requests/{submitted.pk}/status/", {"status": "accepted"}).status_code,
        console_b.post(f"/park/services/requests/{submitted.pk}/message/", {"body": "你好"}).status_code,
        console_b.get(f"/api/v1/park/services/requests/{submitted.pk}/").status_code,
        console_b.post(
            f"/api/v1/park/services/requests/{submitted.pk}/transition/",
            {"status": "accepted"},
            content_type="application/json",
        ).status_code,
        console_b.post(
            f"/api/v1/park/services/requests/{submitted.pk}/messages/",
            {"body": "你好"},
            content_type="application/json",
        ).status_code,
    ]

    assert answers == [404] * len(answers)
    assert _snapshot(submitted) == before_request
    legal.refresh_from_db()
    assert (legal.name, legal.is_active) == before_service
    assert _audit_actions() == audited
    assert "合同审查" not in console_b.get("/park/services/requests/?status=all").content.decode()
    assert console_b.get("/api/v1/park/services/requests/?status=all").json()["results"] == []


def test_firm_b_cannot_read_or_write_to_firm_a_request(
    owner_b_client: Client, firm_b_in_park_a: Firm, submitted: ServiceRequest
) -> None:
    # Both firms are in park A; firm B still cannot see firm A's request
    before = _snapshot(submitted)

    answers = [
        owner_b_client.get(f"/park/services/requests/{submitted.pk}/").status_code,
        owner_b_client.post(f"/park/services/requests/{submitted.pk}/message/", {"body": "偷看"}).status_code,
        owner_b_client.get(f"/api/v1/park/services/requests/{submitted.pk}/").status_code,
        owner_b_client.post(
            f"/api/v1/park/services/requests/{submitted.pk}/messages/",
            {"body": "偷看"},
            content_type="application/json",
        ).status_code,
    ]

    assert answers == [404] * len(answers)
    assert _snapshot(submitted) == before
    assert "合同审查" not in owner_b_client.get("/park/services/requests/").content.decode()
    assert owner_b_client.get("/api/v1/park/services/requests/").json()["results"] == []


def test_a_firm_keeps_seeing_its_requests_after_leaving_the_park(
    owner_a_client: Client, firm_a_in_park_a: Firm, submitted: ServiceRequest
) -> None:
    from tests.parks.conftest import join_park

    join_park(firm_a_in_park_a, None)

    page = owner_a_client.get("/park/services/requests/").content.decode()

    assert "合同审查" in page
    assert "not a member of a park now" in page


# --- the firm API ----------------------------------------------------------------------------


def test_the_firm_api_lists_services_and_creates_and_follows_a_request(
    owner_a_client: Client, firm_a_in_park_a: Firm, legal: ParkService, park_a: Park
) -> None:
    _service(park_a, name="已停办的服务", active=False)

    services = owner_a_client.get("/api/v1/park/services/").json()["results"]
    created = owner_a_client.post(
        "/api/v1/park/services/requests/create/",
        {"service": legal.pk, "subject": "股权激励咨询", "details": "想了解期权设计。"},
        content_type="application/json",
    )
    listed = owner_a_client.get("/api/v1/park/services/requests/?status=open").json()["results"]
    replied = owner_a_client.post(
        f"/api/v1/park/services/requests/{created.json()['id']}/messages/",
        {"body": "补充团队 12 人。"},
        content_type="application/json",
    )

    assert [row["name"] for row in services] == ["法律咨询"]
    assert created.status_code == 201
    assert created.json()["status"] == "submitted"
    assert created.json()["firm_id"] == firm_a_in_park_a.pk
    assert [row["subject"] for row in listed] == ["股权激励咨询"]
    assert replied.status_code == 201
    assert [entry["body"] for entry in replied.json()["history"]] == ["想了解期权设计。", "补充团队 12 人。"]


def test_the_acting_firm_comes_from_the_host_never_from_the_input(
    owner_b_client: Client, firm_a_in_park_a: Firm, firm_b_in_park_a: Firm, legal: ParkService
) -> None:
    response = owner_b_client.post(
        "/api/v1/park/services/requests/create/",
        {"service": legal.pk, "subject": "咨询", "details": "请回复", "firm": firm_a_in_park_a.pk},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert ServiceRequest.objects.get().firm_id == firm_b_in_park_a.pk


# --- the console never enters a firm schema; pages stay bounded ------------------------------


def test_the_services_console_runs_no_query_in_a_firm_schema(
    console_a: Client, legal: ParkService, submitted: ServiceRequest, firm_a_in_park_a: Firm
) -> None:
    with CaptureQueriesContext(connection) as queries:
        for url in (
            "/park/services/",
            "/park/services/requests/",
            f"/park/services/requests/{submitted.pk}/",
            "/api/v1/park/services/",
            "/api/v1/park/services/requests/",
            f"/api/v1/park/services/requests/{submitted.pk}/",
        ):
            assert console_a.get(url).status_code == 200, url
        console_a.post(f"/park/services/requests/{submitted.pk}/status/", {"status": "accepted"})

    assert connection.schema_name == "public"  # type: ignore[attr-defined]
    assert not [q["sql"] for q in queries.captured_queries if firm_a_in_park_a.schema_name in q["sql"]]


def test_the_queue_runs_a_bounded_number_of_queries(
    console_a: Client, firm_a_in_park_a: Firm, legal: ParkService, django_assert_max_num_queries: Any
) -> None:
    for number in range(25):
        ServiceRequest.objects.create(park=legal.park, service=legal, firm=firm_a_in_park_a, subject=f"#{number}")

    with django_assert_max_num_queries(15):
        assert console_a.get("/park/services/requests/?status=all").status_code == 200


def test_an_id_that_cannot_exist_is_not_found(park_a: Park, firm_a: Firm) -> None:
    with pytest.raises(NotFound):
        catalogue.service_request_get_for_park(park=park_a, service_request_id="x")
    with pytest.raises(NotFound):
        catalogue.service_request_get_for_firm(firm=firm_a, service_request_id=2**70)
