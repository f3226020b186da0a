"""What /readyz checks: the database answers, no firm schema lags, a worker is alive."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader

logger = logging.getLogger(__name__)


@dataclass
class Readiness:
    database: bool = False
    lagging_schemas: list[str] = field(default_factory=list)
    worker_seen_seconds_ago: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def worker_alive(self) -> bool:
        return (
            self.worker_seen_seconds_ago is not None
            and self.worker_seen_seconds_ago <= settings.PARKSUITE_WORKER_STALE_SECONDS
        )

    @property
    def ready(self) -> bool:
        return self.database and not self.lagging_schemas and self.worker_alive and not self.errors


@cache
def expected_migrations() -> frozenset[tuple[str, str]]:
    """Every migration on disk. Read once per process: the code does not change under it."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    return frozenset(loader.disk_migrations)


def lagging_schemas() -> list[str]:
    """Schemas of live firms that miss a migration on disk: one query for the whole fleet."""
    from tenants.models import Firm

    schemas = list(
        Firm.objects.exclude(schema_name="public")
        .filter(status__in=[Firm.Status.ACTIVE, Firm.Status.SUSPENDED])
        .values_list("schema_name", flat=True)
    )
    return schemas_missing_migrations(schemas)


def schemas_missing_migrations(schemas: list[str]) -> list[str]:
    """Which of these schemas lack a migration that is on disk: one query, however many."""
    if not schemas:
        return []
    expected = sorted(expected_migrations())
    with connection.cursor() as cursor:
        # Schemas whose django_migrations table is missing lag by definition.
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [schemas],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        lagging = sorted(set(schemas) - with_table)
        present = sorted(with_table)
        if present:
            union = " UNION ALL ".join(
                f'SELECT %s AS schema_name, app, name FROM "{schema}".django_migrations' for schema in present
            )
            cursor.execute(
                f"SELECT s.schema_name, count(m.app) FROM unnest(%s::text[]) AS s(schema_name) "
                f"LEFT JOIN ({union}) m ON m.schema_name = s.schema_name "
                f"AND (m.app, m.name) IN (SELECT * FROM unnest(%s::text[], %s::text[])) "
                f"GROUP BY s.schema_name",
                [present, *present, [app for app, _ in expected], [name for _, name in expected]],
            )
            lagging += [schema for schema, count in cursor.fetchall() if count < len(expected)]
    return sorted(lagging)


def worker_seen_seconds_ago() -> float | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extract(epoch FROM now() - max(last_heartbeat)) FROM procrastinate_workers")
        row = cursor.fetchone()
    return float(row[0]) if row and row[0] is not None else None


def readiness_check() -> Readiness:
    result = Readiness()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        result.database = True
        result.lagging_schemas = lagging_schemas()
        result.worker_seen_seconds_ago = worker_seen_seconds_ago()
    except DatabaseError:
        # The details (host, user) go to the log, not to whoever asked.
        logger.exception("readiness: database check failed")
        result.errors.append("database unavailable")
    return result


READINESS_CACHE_SECONDS = 5


def readiness_cached() -> Readiness:
    """The readiness answer, computed at most every few seconds however often it is asked."""
    from django.core.cache import cache

    result = cache.get("readiness")
    if result is None:
        result = readiness_check()
        cache.set("readiness", result, READINESS_CACHE_SECONDS)
    return result  # type: ignore[no-any-return]
