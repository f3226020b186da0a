"""A real PgBouncer in transaction mode in front of the test database, for isolation tests."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

PGBOUNCER = "/usr/sbin/pgbouncer"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def pgbouncer(*, pool_size: int = 3) -> Iterator[str]:
    """Start PgBouncer (transaction pooling, a small pool); yield a DATABASE_URL through it."""
    settings = connection.settings_dict
    host = settings.get("HOST") or "127.0.0.1"
    # PgBouncer will not run as root: run it as the owner of the database's socket directory
    # (the embedded server's), or as nobody for a server reached over TCP.
    user = pwd.getpwuid(os.stat(host).st_uid).pw_name if host.startswith("/") else "nobody"
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="parksuite-pgbouncer-"))
    work.chmod(0o777)
    db_user = settings.get("USER") or "postgres"
    (work / "userlist.txt").write_text(f'"{db_user}" ""\n')
    target = f"host={host}" + (f" port={settings['PORT']}" if settings.get("PORT") else "")
    (work / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{settings['NAME']} = {target} dbname={settings['NAME']} user={db_user}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {work / 'userlist.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 200\n"
        f"logfile = {work / 'pgbouncer.log'}\npidfile = {work / 'pgbouncer.pid'}\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    for name in ("userlist.txt", "pgbouncer.ini"):
        (work / name).chmod(0o644)
    process = subprocess.Popen([PGBOUNCER, "-u", user, str(work / "pgbouncer.ini")])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"PgBouncer did not start: {(work / 'pgbouncer.log').read_text()}")
        yield f"postgresql://{db_user}@127.0.0.1:{port}/{settings['NAME']}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)
