"""Every log line carries the schema it was written in."""

from __future__ import annotations

import logging


class SchemaFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "schema"):
            record.schema = current_schema_name()
        return True


def current_schema_name() -> str:
    try:
        from django.db import connection

        return str(getattr(connection, "schema_name", "-"))
    except Exception:  # settings not ready, or no database
        return "-"
