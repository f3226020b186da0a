"""Advisory locks that survive django-tenants closing Django's connection mid-work."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def advisory_key(name: str) -> int:
    return zlib.crc32(name.encode())


@contextmanager
def try_advisory_lock(name: str) -> Iterator[bool]:
    """Try to take a cluster-wide lock named ``name``; yields whether it was taken.

    The lock lives on a connection of its own: django-tenants closes Django's connection after
    migrating a schema, which would silently drop a session lock held there. Ending that
    connection (here, or by the process dying) releases the lock.
    """
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [advisory_key(name)])
            acquired = bool(cursor.fetchone()[0])
        yield acquired
    finally:
        raw.close()


class AdvisoryLocker:
    """Many locks, one after another, on one connection of its own (a worker's fast path)."""

    def __init__(self) -> None:
        self.raw = connection.get_new_connection(connection.get_connection_params())
        self.raw.autocommit = True

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
