"""PostgreSQL client programs (pg_dump, pg_restore, psql), run against the configured database.

The binaries come with pgserver, which is in the lock file, so every machine has the same
version (16), able to read servers from 9.2 on.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from django.db import connections


def pg_binary(name: str) -> str:
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")  # pgserver asks; we need no runtime dir
    import pgserver

    return str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)


def pg_env() -> dict[str, str]:
    """Connection settings for libpq programs, from Django's database settings."""
    settings = connections["direct"].settings_dict  # PostgreSQL itself, never a pooler
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(
        PGHOST=str(settings.get("HOST") or ""),
        PGPORT=str(settings.get("PORT") or ""),
        PGUSER=str(settings.get("USER") or ""),
        PGPASSWORD=str(settings.get("PASSWORD") or ""),
        PGDATABASE=str(settings["NAME"]),
    )
    return {k: v for k, v in env.items() if v != ""}


def run_pg(name: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603
        [pg_binary(name), *args], env=pg_env(), capture_output=True, timeout=timeout, check=True
    )


def schema_ddl(schema_name: str) -> str:
    """The schema's definition as pg_dump writes it, with its own name replaced by SCHEMA."""
    out = run_pg("pg_dump", "--schema-only", "--no-owner", "--no-privileges", f"--schema={schema_name}").stdout
    text = out.decode()
    # Some servers stamp each column with a per-table "pg_attver" attribute option: an
    # artefact of that server, not of the schema's definition.
    lines = [
        line for line in text.splitlines() if not line.startswith("--") and line.strip() and "(pg_attver=" not in line
    ]
    return "\n".join(lines).replace(schema_name, "SCHEMA")
