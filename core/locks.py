"""Advisory locks that survive django-tenants closing Django's connection mid-work."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections


def direct_connection() -> Any:
    """A new autocommit connection to PostgreSQL itself (the "direct" alias, never a pooler:
    a session lock taken through PgBouncer in transaction mode protects nothing)."""
    direct = connections["direct"]
    raw = direct.get_new_connection(direct.get_connection_params())
    raw.autocommit = True
    return raw


def advisory_key(name: str) -> int:
    return zlib.crc32(name.encode())


@contextmanager
def try_advisory_lock(name: str) -> Iterator[bool]:
    """Try to take a cluster-wide lock named ``name``; yields whether it was taken.

    The lock lives on a connection of its own: django-tenants closes Django's connection after
    migrating a schema, which would silently drop a session lock held there. Ending that
    connection (here, or by the process dying) releases the lock.
    """
    raw = direct_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [advisory_key(name)])
            acquired = bool(cursor.fetchone()[0])
        yield acquired
    finally:
        raw.close()


class AdvisoryLocker:
    """Many locks, one after another, on one connection of its own (a worker's fast path)."""

    def __init__(self) -> None:
        self.raw = direct_connection()

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        with self.raw.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [advisory_key(name)])
            acquired = bool(cursor.fetchone()[0])
        try:
            yield acquired
        finally:
            if acquired:
                with self.raw.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [advisory_key(name)])

    def close(self) -> None:
        self.raw.close()


def schema_lock_name(schema_name: str) -> str:
    """The one lock that every piece of work on a schema (provisioning, migrating) takes."""
    return f"schema-work:{schema_name}"
