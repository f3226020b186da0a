"""The embedded PostgreSQL (pgserver) used when DATABASE_URL is unset.

Its data lives under ``.data/pg`` and the server is left running between
processes (web, worker, tests), so a second start only reuses it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PARKSUITE_DATA_DIR", BASE_DIR / ".data"))
EMBEDDED_DB_NAME = "parksuite"


def embedded_database_url() -> str:
    """Start (or reuse) the embedded server and return a URL to its database."""
    import warnings

    # pgserver asks platformdirs for a runtime dir it does not need here.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver  # imported lazily: production never needs it

    pgdata = DATA_DIR / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DB_NAME};")
    return str(server.get_uri(EMBEDDED_DB_NAME))


def dev_secret_key() -> str:
    """A development secret key, generated once and kept under .data/."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()
