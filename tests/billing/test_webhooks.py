"""Stripe's webhook endpoint: the raw body's signature decides (bad or stale: 400, nothing
stored), each event is stored once and processed by a job queued in the same commit.

These tests sign payloads themselves (HMAC-SHA256 of ``f"{t}.{body}"``), as Stripe does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from django.test import Client
from procrastinate.contrib.django.models import ProcrastinateJob

from apps.billing.models import StripeEvent

SECRET = "whsec_test_signing_secret"
URL = "/billing/webhooks/stripe/"


@pytest.fixture
def signing(settings: Any) -> str:
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    return SECRET


def event_body(event_id: str = "evt_test_1", type_: str = "customer.subscription.updated") -> bytes:
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "type": type_,
        "livemode": False,
        "data": {"object": {"id": "sub_test_1", "object": "subscription", "customer": "cus_test_1"}},
    }
    return json.dumps(event).encode()


def signature(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{body.decode()}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def post(client: Client, body: bytes, sig: str | None) -> Any:
    if sig is None:
        return client.post(URL, data=body, content_type="application/json")
    return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sig)


def queued() -> int:
    return ProcrastinateJob.objects.filter(task_name="billing.process_event").count()


@pytest.mark.django_db
def test_a_correctly_signed_event_is_stored_and_queued_for_processing(
    public_client: Client, signing: str, django_capture_on_commit_callbacks: Any
) -> None:
    # given a signed event
    body = event_body("evt_ok")
    # when Stripe posts it
    with django_capture_on_commit_callbacks(execute=True):
        response = post(public_client, body, signature(body))
    # then it is acknowledged at once, stored unprocessed, and a job will process it
    assert response.status_code == 200
    stored = StripeEvent.objects.get(event_id="evt_ok")
    assert stored.type == "customer.subscription.updated"
    assert stored.processed_at is None
    assert stored.payload["data"]["object"]["id"] == "sub_test_1"
    job = ProcrastinateJob.objects.get(task_name="billing.process_event")
    assert job.args == {"event_id": "evt_ok"}


@pytest.mark.django_db
def test_a_badly_signed_event_is_refused_and_nothing_is_stored(
    public_client: Client, signing: str, django_capture_on_commit_callbacks: Any
) -> None:
    # given an event signed with another secret
    body = event_body("evt_bad")
    # when it is posted
    with django_capture_on_commit_callbacks(execute=True):
        response = post(public_client, body, signature(body, secret="whsec_someone_else"))
    # then it is refused and nothing changed
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert queued() == 0


@pytest.mark.django_db
def test_without_a_webhook_secret_no_event_is_accepted(public_client: Client, settings: Any) -> None:
    # given a server whose webhook secret was forgotten
    settings.STRIPE_WEBHOOK_SECRET = ""
    body = event_body("evt_unsigned")
    # when an event signed with the empty key arrives
    response = post(public_client, body, signature(body, secret=""))
    # then it is refused and nothing is stored
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert queued() == 0


@pytest.mark.django_db
def test_a_tampered_body_is_refused(public_client: Client, signing: str) -> None:
    # given a correct signature of another body
    body = event_body("evt_tampered")
    sig = signature(body)
    # when the body is changed on the way
    response = post(public_client, body.replace(b"sub_test_1", b"sub_test_2"), sig)
    # then it is refused
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_a_stale_signature_is_refused(public_client: Client, signing: str) -> None:
    # given an event signed more than five minutes ago (a replay)
    body = event_body("evt_stale")
    sig = signature(body, timestamp=int(time.time()) - 301)
    # when it is posted
    response = post(public_client, body, sig)
    # then it is refused and nothing is stored
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "", "garbage", "t=notanumber,v1=abc", "t=123"])
def test_a_missing_or_malformed_signature_header_is_refused(
    public_client: Client, signing: str, header: str | None
) -> None:
    # given a valid event with no usable signature header
    body = event_body("evt_header")
    # when it is posted
    response = post(public_client, body, header)
    # then it is refused
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_a_signed_body_that_is_not_an_event_is_refused(public_client: Client, signing: str) -> None:
    # given a correctly signed body that is not JSON
    body = b"not json at all"
    # when it is posted
    response = post(public_client, body, signature(body))
    # then it is refused
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_without_a_configured_secret_every_event_is_refused(public_client: Client, settings: Any) -> None:
    # given no webhook secret configured
    settings.STRIPE_WEBHOOK_SECRET = ""
    body = event_body("evt_nosecret")
    # when an event signed with the empty secret arrives
    response = post(public_client, body, signature(body, secret=""))
    # then it is refused
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_event_is_acknowledged_and_ignored(
    public_client: Client, signing: str, django_capture_on_commit_callbacks: Any
) -> None:
    # given an event already received
    body = event_body("evt_dup")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(public_client, body, signature(body)).status_code == 200
    # when Stripe sends it again (a retry)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(public_client, body, signature(body))
    # then it is acknowledged, stored once and processed once
    assert response.status_code == 200
    assert StripeEvent.objects.filter(event_id="evt_dup").count() == 1
    assert queued() == 1


@pytest.mark.django_db
def test_the_webhook_answers_only_post(public_client: Client, signing: str) -> None:
    # when the endpoint is opened with GET
    response = public_client.get(URL)
    # then it is not there for browsers
    assert response.status_code == 405


@pytest.mark.django_db
def test_the_webhook_needs_no_csrf_token(signing: str) -> None:
    # given a client that enforces CSRF like a browser would
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    body = event_body("evt_csrf")
    # when Stripe posts (it has no CSRF token)
    response = post(client, body, signature(body))
    # then the signature alone decides
    assert response.status_code == 200
    assert StripeEvent.objects.filter(event_id="evt_csrf").exists()


@pytest.mark.django_db
def test_the_webhook_is_not_served_on_a_firm_host(client_a: Client, signing: str) -> None:
    # given a signed event posted to a firm's host
    body = event_body("evt_firm_host")
    # when it is posted there
    response = post(client_a, body, signature(body))
    # then the firm host has no such endpoint and nothing is stored
    assert response.status_code in (403, 404)
    assert not StripeEvent.objects.exists()
