"""The fleet migrator: every firm schema and every spare to the latest migration, fast.

django-tenants' standard executor visits every schema in turn and runs the whole ``migrate``
command there: it loads the migration graph, renders the project state, and sends the
post-migrate signals for every app, even when there is nothing to do. Here:

- one query finds the schemas that lag (a no-op deploy costs that query and nothing else);
- worker processes (bounded by ``jobs``) each load the graph once and reuse it, and reuse
  the rendered state for schemas that stand at the same migrations;
- post-migrate work (content types, permissions) runs only for the apps that changed;
- each schema is migrated under the lock provisioning uses, and its failure is its own.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.db import connection, connections, transaction
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState

from core.locks import AdvisoryLocker, schema_lock_name
from core.readiness import schemas_missing_migrations
from core.tenancy import use_public_schema

from .models import Firm, SpareSchema

logger = logging.getLogger(__name__)

FLEET_STATUSES = (Firm.Status.ACTIVE, Firm.Status.SUSPENDED, Firm.Status.CLOSED)


@dataclass(frozen=True)
class SchemaResult:
    schema: str
    outcome: str  # "migrated", "busy" or "failed"
    applied: int = 0
    seconds: float = 0.0
    error: str = ""


@dataclass
class FleetReport:
    checked: int = 0
    lagging: int = 0
    results: list[SchemaResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[SchemaResult]:
        return [r for r in self.results if r.outcome != "migrated"]


def fleet_schemas() -> list[str]:
    """Every schema the fleet holds: live firms (closing ones too, until purged) and spares."""
    firms = Firm.objects.filter(status__in=FLEET_STATUSES, purged_at__isnull=True).exclude(schema_name="public")
    # Spares still being made belong to the pool's top-up, which finishes them itself.
    return list(firms.values_list("schema_name", flat=True)) + list(
        SpareSchema.objects.filter(ready=True).values_list("schema_name", flat=True)
    )


# --- in each worker process -------------------------------------------------------------

_executor: MigrationExecutor | None = None
_locker: AdvisoryLocker | None = None
_states: dict[frozenset[tuple[str, str]], ProjectState] = {}
# The project state before and after every operation of a plan, from a given starting point.
_paths: dict[tuple[frozenset[tuple[str, str]], tuple[tuple[str, str], ...]], list[ProjectState]] = {}


def _worker_init(*, forked: bool = True) -> None:
    global _executor, _locker  # one of each per worker process
    if forked:
        # Forget (never close) a connection inherited from the parent: closing it would end
        # the parent's session, which shares the socket. Each worker opens its own.
        for conn in connections.all(initialized_only=True):
            conn.connection = None
    use_public_schema()
    _executor = MigrationExecutor(connection)
    _locker = AdvisoryLocker()
    _states.clear()
    _paths.clear()


def _worker_reset() -> None:
    global _executor, _locker
    if _locker is not None:
        _locker.close()
    _executor, _locker = None, None
    _states.clear()
    _paths.clear()


class _SchemaRecorder(MigrationRecorder):
    """Django's recorder asks whether django_migrations exists by listing every table the search
    path can see, a filter over the whole catalog: with hundreds of firm schemas that one check
    costs more than migrating a schema. Here it is one lookup of the schema's own table."""

    def has_table(self) -> bool:
        if not getattr(self, "_has_table", False):
            schema = self.connection.schema_name  # type: ignore[attr-defined]
            table = f"{self.connection.ops.quote_name(schema)}.django_migrations"
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
                self._has_table = bool(cursor.fetchone()[0])
        return bool(self._has_table)


def _check_history(executor: MigrationExecutor, applied: dict[tuple[str, str], Any]) -> None:
    """What ``MigrationLoader.check_consistent_history`` checks, on the applied set already read
    (it would read it again through Django's recorder, with its catalog scan)."""
    loader = executor.loader
    for key in applied:
        if key not in loader.graph.nodes:
            continue
        for parent in loader.graph.node_map[key].parents:
            if parent in applied:
                continue
            replacement = loader.replacements.get(parent)
            if replacement is not None and all(m in applied for m in replacement.replaces):
                continue
            raise InconsistentMigrationHistory(
                f"Migration {key[0]}.{key[1]} is applied before its dependency {parent[0]}.{parent[1]}."
            )


def _state_for(executor: MigrationExecutor, applied: frozenset[tuple[str, str]]) -> ProjectState:
    """The project state at these applied migrations, rendered once and cloned for each schema."""
    if applied not in _states:
        state = executor._create_project_state(with_applied_migrations=True)  # type: ignore[attr-defined]
        state.apps  # noqa: B018  (render now: clones of a rendered state skip the costly render)
        _states[applied] = state
    return _states[applied].clone()


def _path_for(executor: MigrationExecutor, applied: frozenset[tuple[str, str]], plan: list[Any]) -> list[ProjectState]:
    """The states along ``plan`` from ``applied``: entry k is the state after k operations.

    Working them out re-renders models at almost every operation, which is most of what
    migrating an empty schema costs. Schemas that stand at the same migrations walk the same
    path, so a worker works it out once and every later schema only runs the database side.
    """
    key = (applied, tuple((migration.app_label, migration.name) for migration, _backwards in plan))
    if key not in _paths:
        state = _state_for(executor, applied)
        path = [state.clone()]
        for migration, _backwards in plan:
            for operation in migration.operations:
                operation.state_forwards(migration.app_label, state)
                path.append(state.clone())
        _paths[key] = path
    return _paths[key]


def _apply(executor: MigrationExecutor, plan: list[Any], path: list[ProjectState]) -> None:
    """Run each migration of ``plan`` forwards as Django's executor does (one schema editor and
    transaction per migration, recorded when done), with the states taken from ``path``.
    When every migration is atomic the whole plan commits once: a new schema takes one commit
    instead of one per migration, and a failure leaves the schema as it was."""
    with transaction.atomic() if all(migration.atomic for migration, _ in plan) else nullcontext():
        _apply_each(executor, plan, path)


def _apply_each(executor: MigrationExecutor, plan: list[Any], path: list[ProjectState]) -> None:
    step = 0
    for migration, backwards in plan:
        if backwards:  # the fleet only moves forwards; a plan with a rollback is not ours to run
            raise RuntimeError(f"{migration.app_label}.{migration.name} would be unapplied")
        with connection.schema_editor(atomic=migration.atomic) as editor:
            for operation in migration.operations:
                before, after = path[step], path[step + 1]
                step += 1
                if not editor.atomic_migration and (
                    operation.atomic or (migration.atomic and operation.atomic is not False)
                ):
                    with transaction.atomic(connection.alias):
                        operation.database_forwards(migration.app_label, editor, before, after)
                else:
                    operation.database_forwards(migration.app_label, editor, before, after)
        executor.record_migration(migration)  # type: ignore[no-untyped-call]


def migrate_schema(schema: str) -> SchemaResult:
    """Migrate one schema with this process's loaded graph. Runs in a worker process."""
    if _executor is None or _locker is None:
        _worker_init(forked=False)
    executor, locker = _executor, _locker
    assert executor is not None  # noqa: S101  (set just above)
    assert locker is not None  # noqa: S101
    start = time.perf_counter()
    with locker.hold(schema_lock_name(schema)) as acquired:
        if not acquired:
            return SchemaResult(schema, "busy", error="provisioning or another migrator holds it")
        try:
            # The schema's own django_migrations table, never public's (search path without public).
            connection.set_schema(schema, include_public=False)  # type: ignore[attr-defined]
            recorder = _SchemaRecorder(connection)
            recorder.ensure_schema()
            connection.set_schema(schema)  # type: ignore[attr-defined]
            executor.recorder = recorder
            executor.loader.applied_migrations = recorder.applied_migrations()  # type: ignore[assignment]
            _check_history(executor, executor.loader.applied_migrations)  # type: ignore[arg-type]
            targets = executor.loader.graph.leaf_nodes()
            plan = executor.migration_plan(targets)
            if plan:
                applied = frozenset(executor.loader.applied_migrations)
                _apply(executor, plan, _path_for(executor, applied, plan))
                executor.check_replacements()  # type: ignore[no-untyped-call]
                for label in sorted({migration.app_label for migration, _backwards in plan}):
                    app_config = global_apps.get_app_config(label)
                    create_contenttypes(app_config, verbosity=0, apps=global_apps)
                    create_permissions(app_config, verbosity=0, apps=global_apps)
            return SchemaResult(schema, "migrated", applied=len(plan), seconds=time.perf_counter() - start)
        except Exception as exc:
            logger.exception("fleet: migrating %s failed", schema, extra={"schema": schema})
            return SchemaResult(
                schema, "failed", seconds=time.perf_counter() - start, error=f"{type(exc).__name__}: {exc}"
            )
        finally:
            use_public_schema()


# --- in the coordinating process ----------------------------------------------------------


def fleet_migrate(
    *, jobs: int = 2, schemas: list[str] | None = None, progress: Callable[[int, int, SchemaResult], Any] | None = None
) -> FleetReport:
    """Bring the lagging schemas of the fleet to the latest migration, ``jobs`` at a time."""
    from .pool import migration_state

    start = time.perf_counter()
    candidates = fleet_schemas() if schemas is None else schemas
    lagging = schemas_missing_migrations(candidates)
    report = FleetReport(checked=len(candidates), lagging=len(lagging))
    if lagging and (jobs <= 1 or len(lagging) == 1):
        try:
            for done, schema in enumerate(lagging, start=1):  # in this process, in its transaction
                report.results.append(migrate_schema(schema))
                if progress:
                    progress(done, len(lagging), report.results[-1])
        finally:
            _worker_reset()
    elif lagging:
        connections.close_all()  # the workers are forked: they must not inherit our connection
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context, initializer=_worker_init) as pool:
            futures = [pool.submit(migrate_schema, schema) for schema in lagging]
            for done, future in enumerate(as_completed(futures), start=1):
                result = future.result()
                report.results.append(result)
                if progress:
                    progress(done, len(lagging), result)
    migrated = [r.schema for r in report.results if r.outcome == "migrated"]
    SpareSchema.objects.filter(schema_name__in=migrated).update(ready=True, migration_state=migration_state())
    # A spare that was current is current still (its state fingerprint did not change).
    report.seconds = time.perf_counter() - start
    return report
