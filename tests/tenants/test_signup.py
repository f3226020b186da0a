"""Sign-up: every bad input gets its field error and nothing is created."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from procrastinate.contrib.django.models import ProcrastinateJob

from apps.parks.models import Park, ParkJoinRequest
from tenants.models import Domain, Firm, Signup

GOOD: dict[str, Any] = {
    "firm_name": "蓉城测试有限公司",
    "slug": "rongcheng-test",
    "owner_name": "李雷",
    "email": "li.lei@rongcheng.example",
    "password": "Sturdy-Password-2026",
    "language": "zh-hans",
}


def _counts() -> tuple[int, int, int, int, int]:
    return (
        Firm.objects.count(),
        Domain.objects.count(),
        Signup.objects.count(),
        ProcrastinateJob.objects.count(),
        ParkJoinRequest.objects.count(),
    )


def _api_signup(client: Client, **changes: Any) -> Any:
    return client.post("/api/v1/signup/", {**GOOD, **changes}, content_type="application/json")


@pytest.mark.django_db
def test_good_signup_creates_a_provisioning_firm_and_queues_its_job(public_client: Client) -> None:
    response = _api_signup(public_client)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "provisioning"
    firm = Firm.objects.get(slug="rongcheng-test")
    assert firm.schema_name.startswith("t_")
    assert len(firm.schema_name) == 18
    assert firm.status == Firm.Status.PROVISIONING
    assert not Domain.objects.get(tenant=firm).is_active
    job = ProcrastinateJob.objects.get(task_name="tenants.provision_firm", args__firm_id=firm.pk)
    assert job.status == "todo"
    status = public_client.get(body["status_url"].replace("http://localhost", "")).json()
    assert status["status"] == "provisioning"
    assert status["firm_url"] == "http://rongcheng-test.localhost/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"firm_name": ""}, "firm_name"),
        ({"firm_name": "x" * 201}, "firm_name"),
        ({"slug": ""}, "slug"),
        ({"slug": "ab"}, "slug"),
        ({"slug": "Upper-Case"}, "slug"),
        ({"slug": "9starts-with-digit"}, "slug"),
        ({"slug": "has space"}, "slug"),
        ({"slug": "ünïcode"}, "slug"),
        ({"slug": "a" * 32}, "slug"),
        ({"slug": "www"}, "slug"),
        ({"slug": "admin"}, "slug"),
        ({"slug": "pgadmin"}, "slug"),
        ({"slug": "pg-firm"}, "slug"),
        ({"owner_name": ""}, "owner_name"),
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"password": ""}, "password"),
        ({"password": "short1"}, "password"),
        ({"password": "12345678901234"}, "password"),
        ({"password": "password123"}, "password"),
        ({"language": "fr"}, "language"),
        ({"park": 999999}, "park"),
        ({"park": "not-a-number"}, "park"),
    ],
)
def test_bad_signup_input_gives_its_field_error_and_creates_nothing(
    public_client: Client, changes: dict[str, Any], field: str
) -> None:
    before = _counts()

    response = _api_signup(public_client, **changes)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["fields"], body
    assert all(isinstance(message, str) and message for message in body["fields"][field])
    assert _counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("accept_language", "expected"), [("en", "reserved"), ("zh-CN", "保留"), ("", "保留")])
def test_reserved_slug_is_refused_in_the_callers_language(accept_language: str, expected: str) -> None:
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE=accept_language)

    response = _api_signup(client, slug="status")

    assert response.status_code == 400
    assert expected in response.json()["fields"]["slug"][0]
    assert not Firm.objects.filter(slug="status").exists()


@pytest.mark.django_db
def test_duplicate_slug_and_email_are_refused_and_nothing_more_is_created(public_client: Client) -> None:
    assert _api_signup(public_client).status_code == 201
    before = _counts()

    response = _api_signup(public_client, email="someone.else@example.com")
    assert response.status_code == 400
    assert "slug" in response.json()["fields"]

    response = _api_signup(public_client, slug="another-slug", email=GOOD["email"].upper())
    assert response.status_code == 400
    assert "email" in response.json()["fields"]
    assert _counts() == before


@pytest.mark.django_db
def test_all_problems_are_reported_at_once(public_client: Client) -> None:
    response = _api_signup(public_client, firm_name="", slug="www", email="bad", password="1")

    assert set(response.json()["fields"]) >= {"firm_name", "slug", "email", "password"}


@pytest.mark.django_db
def test_wrong_json_type_and_malformed_body_are_clear_errors(public_client: Client) -> None:
    before = _counts()
    response = public_client.post("/api/v1/signup/", '{"firm_name": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"

    response = public_client.post("/api/v1/signup/", [1, 2], content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert _counts() == before


@pytest.mark.django_db
def test_signup_choosing_a_park_waits_for_the_parks_approval(public_client: Client) -> None:
    park = Park.objects.create(name="天府软件园", name_en="Tianfu Software Park")

    response = _api_signup(public_client, park=park.pk)

    assert response.status_code == 201
    assert response.json()["park_status"] == "pending"
    assert response.json()["park_name"] == park.name
    firm = Firm.objects.get(slug=GOOD["slug"])
    assert firm.park is None
    assert firm.park_joined_at is None
    join_request = ParkJoinRequest.objects.get(firm=firm)
    assert join_request.park == park
    assert join_request.status == ParkJoinRequest.Status.PENDING


@pytest.mark.django_db
def test_signup_without_a_park_asks_no_park(public_client: Client) -> None:
    response = _api_signup(public_client)

    assert response.json()["park_status"] == "none"
    assert not ParkJoinRequest.objects.exists()
    assert Firm.objects.get(slug=GOOD["slug"]).park is None


@pytest.mark.django_db
def test_progress_page_says_the_park_must_approve(public_client: Client) -> None:
    park = Park.objects.create(name="天府软件园", name_en="Tianfu Software Park")
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")

    response = client.post("/signup/", {**GOOD, "park": park.pk, "language": "en"})

    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'data-park-status="pending"' in html
    assert "天府软件园 must approve your request to join the park" in html
    status = client.get(f"/api/v1/signup/{Signup.objects.get(owner_email=GOOD['email']).id}/").json()
    assert status["park_status"] == "pending"


@pytest.mark.django_db
def test_html_signup_shows_field_errors_and_creates_nothing(public_client: Client) -> None:
    before = _counts()

    response = public_client.post("/signup/", {**GOOD, "slug": "api", "email": "nope"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "This address is reserved" in html or "此地址已被保留" in html
    assert 'class="field field-invalid"' in html
    assert _counts() == before


@pytest.mark.django_db
def test_html_signup_redirects_to_the_progress_page(public_client: Client) -> None:
    response = public_client.post("/signup/", GOOD)

    signup = Signup.objects.get(owner_email=GOOD["email"])
    assert response.status_code == 302
    assert response["Location"] == f"/signup/{signup.id}/"
    page = public_client.get(response["Location"])
    assert page.status_code == 200
    assert b'hx-trigger="every 1s"' in page.content


@pytest.mark.django_db
def test_unknown_signup_id_is_404_with_the_error_body(public_client: Client) -> None:
    response = public_client.get("/api/v1/signup/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_a_slug_taken_between_check_and_insert_is_a_field_error_not_a_crash(public_client: Client) -> None:
    from unittest import mock

    from tenants import services

    # Simulate the race: validation passes, but the row appears before the insert.
    with mock.patch.object(services, "signup_validate", return_value={}):
        Firm.objects.create(schema_name="t_racer0000000000", name="Racer", slug=GOOD["slug"])
        before = _counts()
        response = _api_signup(public_client)

    assert response.status_code == 400
    assert "slug" in response.json()["fields"]
    assert _counts() == before
