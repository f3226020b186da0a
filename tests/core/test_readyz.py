"""/readyz: database, every firm schema on the latest migration, a live worker."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from tenants.models import Firm


def _beat(seconds_ago: int = 0) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - make_interval(secs => %s))",
            [seconds_ago],
        )


@pytest.mark.django_db
def test_ready_when_schemas_are_current_and_a_worker_beats(public_client: Client, firm_a: Firm, firm_b: Firm) -> None:
    _beat()

    response = public_client.get("/readyz")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ready"
    assert response.json()["lagging_schemas"] == []


@pytest.mark.django_db
def test_not_ready_when_a_firm_schema_lags_a_migration(public_client: Client, firm_a: Firm, firm_b: Firm) -> None:
    _beat()
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{firm_a.schema_name}".django_migrations '
            'WHERE id = (SELECT max(id) FROM "{0}".django_migrations)'.format(firm_a.schema_name)
        )

    response = public_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["lagging_schemas"] == [firm_a.schema_name]


@pytest.mark.django_db
def test_not_ready_without_a_recent_worker_heartbeat(public_client: Client, firm_a: Firm) -> None:
    _beat(seconds_ago=120)

    response = public_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["worker_alive"] is False
