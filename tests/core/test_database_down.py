"""When PostgreSQL cannot be reached, the web answers 503 with Retry-After, not a bare 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client


@pytest.fixture
def database_unreachable(transactional_db: None) -> Iterator[None]:
    """Point the connection at a port where nothing listens, as when the server is down."""
    connection.close()
    saved = dict(connection.settings_dict)
    connection.settings_dict["HOST"] = "127.0.0.1"
    connection.settings_dict["PORT"] = "9"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_a_page_answers_503_with_retry_after_when_the_database_is_down(database_unreachable: None) -> None:
    client = Client(HTTP_HOST="localhost", raise_request_exception=False)

    response = client.get("/signup/")  # the form lists the parks: it needs the database

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Briefly unavailable" in response.content.decode()


def test_the_api_answers_503_json_when_the_database_is_down(database_unreachable: None) -> None:
    client = Client(HTTP_HOST="localhost", raise_request_exception=False)

    response = client.get("/api/v1/signup/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


@pytest.mark.django_db
def test_an_ordinary_error_still_answers_500(client: Client) -> None:
    from django.test import RequestFactory

    from core.views import server_error

    request = RequestFactory().get("/", HTTP_HOST="localhost")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)

    assert response.status_code == 500
    assert "Retry-After" not in response
