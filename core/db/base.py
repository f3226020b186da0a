"""django-tenants' PostgreSQL backend, made safe behind PgBouncer in transaction mode.

django-tenants sets ``search_path`` for the whole session, before each cursor's first query.
Behind a transaction-pooling PgBouncer, consecutive transactions of one client may run on
different server connections, so that session setting lands on a connection another client
gets next, and a query runs in whatever schema the previous user of its connection left:
one firm reads another firm's rows.

With ``TRANSACTION_POOLING`` on (``PARKSUITE_PGBOUNCER=true``), no session setting is made.
Instead every statement runs inside a transaction whose first statement sets the search
path with ``set_config(..., is_local => true)``: a statement outside ``atomic`` gets a
transaction of its own (BEGIN, set, statement, COMMIT); inside ``atomic`` the path is set
once per transaction, again after a schema switch, and again after a savepoint rollback
(which would have undone it). A transaction never leaves its server connection, and a LOCAL
setting dies with it, so nothing can leak.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import get_public_schema_name

SET_LOCAL_PATH = "SELECT set_config('search_path', %s, true)"
# Statements PostgreSQL refuses inside a transaction; none of them reads a firm's tables.
OUTSIDE_TRANSACTION = re.compile(
    r"^\s*(CREATE\s+DATABASE|DROP\s+DATABASE|ALTER\s+SYSTEM|VACUUM|"
    r"(CREATE|DROP)\s+INDEX\s+CONCURRENTLY|REINDEX\s+.*CONCURRENTLY)",
    re.IGNORECASE,
)


class _TransactionLocalPath:
    db: DatabaseWrapper
    cursor: Any

    def _run(self, statement: Callable[[], Any]) -> Any:
        db = self.db
        path = db.tenant_search_path()
        if db.get_autocommit():
            with db.connection.transaction():  # psycopg: BEGIN … COMMIT around this statement
                self.cursor.execute(SET_LOCAL_PATH, [path])
                return statement()
        if db.transaction_search_path != path:
            self.cursor.execute(SET_LOCAL_PATH, [path])
            db.transaction_search_path = path
        return statement()

    def execute(self, sql: Any, params: Any = None) -> Any:
        if isinstance(sql, str) and OUTSIDE_TRANSACTION.match(sql):
            return super().execute(sql, params)  # type: ignore[misc]
        return self._run(lambda: super(_TransactionLocalPath, self).execute(sql, params))  # type: ignore[misc]

    def executemany(self, sql: Any, param_list: Any) -> Any:
        return self._run(lambda: super(_TransactionLocalPath, self).executemany(sql, param_list))  # type: ignore[misc]

    def callproc(self, procname: Any, params: Any = None, kparams: Any = None) -> Any:
        return self._run(lambda: super(_TransactionLocalPath, self).callproc(procname, params, kparams))  # type: ignore[misc]


class TransactionLocalCursor(_TransactionLocalPath, CursorWrapper):
    pass


class TransactionLocalDebugCursor(_TransactionLocalPath, CursorDebugWrapper):
    pass


class DatabaseWrapper(TenantDatabaseWrapper):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transaction_pooling = bool(self.settings_dict.get("TRANSACTION_POOLING"))
        self.transaction_search_path: str | None = None

    def tenant_search_path(self) -> str:
        paths = self._get_cursor_search_paths()
        return ", ".join(f'"{p}"' if p != get_public_schema_name() else p for p in paths)

    def _cursor(self, name: str | None = None) -> Any:
        if not self.transaction_pooling:
            return super()._cursor(name)
        # Django's own cursor, without django-tenants' session-wide SET search_path.
        return BaseDatabaseWrapper._cursor(self, name)  # type: ignore[attr-defined]

    def make_cursor(self, cursor: Any) -> Any:
        if self.transaction_pooling:
            return TransactionLocalCursor(cursor, self)
        return super().make_cursor(cursor)

    def make_debug_cursor(self, cursor: Any) -> Any:
        if self.transaction_pooling:
            return TransactionLocalDebugCursor(cursor, self)
        return super().make_debug_cursor(cursor)

    # Whenever a transaction ends, or a savepoint rollback may have undone the setting, the
    # next statement sets the path again.
    def _commit(self) -> None:
        self.transaction_search_path = None
        super()._commit()

    def _rollback(self) -> None:
        self.transaction_search_path = None
        super()._rollback()

    def _savepoint_rollback(self, sid: str) -> None:
        super()._savepoint_rollback(sid)
        self.transaction_search_path = None

    def _set_autocommit(self, autocommit: bool) -> None:
        self.transaction_search_path = None
        super()._set_autocommit(autocommit)

    def close(self) -> None:
        self.transaction_search_path = None
        super().close()
