"""Shared plumbing for benchmarks: a fresh database, ParkSuite processes, results files.

Benchmarks run ParkSuite as it runs in production (gunicorn + a Procrastinate worker) on
this machine, against a database of their own on the configured server (DATABASE_URL, or
the embedded one), and write benchmarks/results/<name>.json.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = sys.executable


def server_url() -> str:
    """The configured server's URL (starting the embedded one if DATABASE_URL is unset)."""
    sys.path.append(str(ROOT))
    from core.embedded_db import embedded_database_url

    return os.environ.get("DATABASE_URL") or embedded_database_url()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def recreate_database(url: str, name: str) -> str:
    import psycopg2

    admin = psycopg2.connect(_dsn(with_database(url, "postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return with_database(url, name)


def _dsn(url: str) -> str:
    import dj_database_url

    parsed = dj_database_url.parse(url)
    host = parsed["HOST"] or parsed.get("OPTIONS", {}).get("host", "")
    parts = [f"dbname={parsed['NAME']}", f"user={parsed['USER'] or 'postgres'}"]
    if host:
        parts.append(f"host={host}")
    if parsed["PORT"]:
        parts.append(f"port={parsed['PORT']}")
    if parsed["PASSWORD"]:
        parts.append(f"password={parsed['PASSWORD']}")
    return " ".join(parts)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings.base",
        CACHE_URL=fresh_cache_url(),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def fresh_cache_url() -> str:
    """A cache of its own, shared by the processes of one phase (rate limits start afresh)."""
    return f"file://{tempfile.mkdtemp(prefix='parksuite-bench-cache-')}"


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextmanager
def parksuite(env: dict[str, str], *, web_workers: int = 2) -> Iterator[int]:
    """Run gunicorn and a worker; yield the web port."""
    port = free_port()
    env = {**env, "PARKSUITE_URL_PORT": str(port)}
    logs = Path(tempfile.mkdtemp(prefix="parksuite-bench-logs-"))
    worker = subprocess.Popen(
        [PYTHON, str(ROOT / "manage.py"), "procrastinate", "worker"],
        cwd=ROOT,
        env=env,
        stdout=(logs / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    web = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(web_workers),
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=(logs / "web.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if http("GET", port, "localhost", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"the web server did not start; see {logs}")
        yield port
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def http(method: str, port: int, host: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Host": f"{host}:{port}", "Content-Type": "application/json", "Accept-Language": "en"}
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = pct / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_s": round(percentile(values, 50), 4),
        "p95_s": round(percentile(values, 95), 4),
        "mean_s": round(statistics.fmean(values), 4),
        "max_s": round(max(values), 4),
    }


def write_result(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": name,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.system()},
        **result,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return path
