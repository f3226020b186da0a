"""The warm pool: schemas migrated by real migrations ahead of time, so a sign-up is instant.

Cloning a schema is faster still, but clones have been shown to rename UNIQUE constraints
and break later migrations; a spare here is made exactly like a firm's own schema.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import schema_exists

from core.locks import try_advisory_lock
from core.readiness import expected_migrations
from core.tenancy import use_public_schema

from .models import SpareSchema, new_schema_name

logger = logging.getLogger(__name__)


@cache
def migration_state() -> str:
    """A fingerprint of every migration on disk; a spare with another one is stale."""
    names = "\n".join(f"{app}.{name}" for app, name in sorted(expected_migrations()))
    return hashlib.sha256(names.encode()).hexdigest()


def spare_claim() -> str | None:
    """Take one ready, current spare inside the caller's transaction; its schema name, or None."""
    if settings.PARKSUITE_POOL_SIZE <= 0:  # the pool is switched off
        return None
    spare = (
        SpareSchema.objects.select_for_update(skip_locked=True)
        .filter(ready=True, migration_state=migration_state())
        .order_by("created_at")
        .first()
    )
    if spare is None:
        return None
    spare.delete()
    return spare.schema_name


def _migrate(schema_name: str) -> None:
    """Real migrations, run by the fleet migrator's executor: the worker loads the migration
    graph and renders the project state once, so every spare after the first is made in a
    fraction of the time ``migrate_schemas`` takes (it starts from scratch each call)."""
    from .fleet import migrate_schema

    if not schema_exists(schema_name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema_name}"')
    result = migrate_schema(schema_name)
    use_public_schema()
    if result.outcome != "migrated":
        raise RuntimeError(f"spare {schema_name} could not be migrated: {result.outcome} {result.error}")


def pool_top_up(*, size: int | None = None, at_most: int | None = None) -> int:
    """Bring the pool to ``size`` ready, current spares; returns how many were made or mended.

    One top-up runs at a time. Spares a crashed run left half-made, or that an upgrade left
    behind the code, are finished by migrating them again. ``at_most`` bounds the new spares
    made in this call, so a worker can interleave them with sign-ups that are waiting.
    """
    target = settings.PARKSUITE_POOL_SIZE if size is None else size
    with try_advisory_lock("spare-pool") as acquired:
        if not acquired:
            return 0
        mended = 0
        for spare in SpareSchema.objects.exclude(ready=True, migration_state=migration_state()):
            # The migrator holds the schema's lock itself; if the fleet migrator has it right
            # now, this spare is left for the next run.
            try:
                _migrate(spare.schema_name)
            except RuntimeError:
                logger.warning("spare pool: %s is busy or failed; left for the next run", spare.schema_name)
                continue
            SpareSchema.objects.filter(pk=spare.pk).update(ready=True, migration_state=migration_state())
            mended += 1
        made = 0
        while SpareSchema.objects.filter(ready=True).count() < target and (at_most is None or made < at_most):
            # Recorded first, so a crash leaves a row the next run finishes, not a stray schema.
            spare = SpareSchema.objects.create(schema_name=new_schema_name())
            _migrate(spare.schema_name)
            SpareSchema.objects.filter(pk=spare.pk).update(ready=True, migration_state=migration_state())
            made += 1
        if made or mended:
            logger.info("spare pool: %s made, %s mended, target %s", made, mended, target)
        return made + mended


def pool_is_short() -> bool:
    return SpareSchema.objects.filter(ready=True).count() < settings.PARKSUITE_POOL_SIZE


def pool_top_up_enqueue() -> None:
    """Ask the worker to refill the pool (one waiting request is enough)."""
    from procrastinate.exceptions import AlreadyEnqueued

    from .jobs import top_up_spare_pool

    try:
        with transaction.atomic():
            top_up_spare_pool.defer()
    except AlreadyEnqueued:
        pass
