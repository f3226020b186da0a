"""Behind PgBouncer in transaction mode, every response carries only its own firm's data.

A real PgBouncer (transaction pooling, 3 server connections) stands in front of the test
database; a real gunicorn (2 processes x 8 threads) runs ParkSuite with PARKSUITE_PGBOUNCER on;
32 client threads fire thousands of API requests for 10 firms at once.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.tokens import api_token_create
from tenants.models import Firm
from tenants.pool import pool_top_up
from tenants.services import SignupInput, signup_create
from tests.helpers import ROOT, subprocess_env
from tests.pgbouncer import free_port, pgbouncer

FIRMS = 10
REQUESTS_PER_FIRM = 300


def _firms_with_tokens() -> dict[str, tuple[str, str]]:
    """slug → (host, token) for FIRMS firms, each with users only it has."""
    pool_top_up(size=FIRMS)
    found = {}
    for n in range(FIRMS):
        slug = f"bouncer-{n:02d}"
        firm = signup_create(
            SignupInput(
                firm_name=f"Bouncer {n}",
                slug=slug,
                owner_name=f"Owner {n}",
                email=f"owner@{slug}.example",
                password="Sturdy-Password-2026",
                language="en",
            )
        ).firm
        assert firm.status == Firm.Status.ACTIVE
        with schema_context(firm.schema_name):
            User.objects.create_user(f"staff@{slug}.example", "Sturdy-Password-2026", full_name=f"Staff {n}")
            owner = User.objects.get(email=f"owner@{slug}.example")
            _token, secret = api_token_create(user=owner, name="load", scopes=["accounts:read"])
        found[slug] = (firm.host, secret)
    return found


def _get(port: int, host: str, token: str) -> tuple[int, list[str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/api/v1/users/?page_size=200", headers={"Host": host, "Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        return response.status, []
    return 200, [user["email"] for user in json.loads(body)["results"]]


@pytest.mark.django_db(transaction=True)
def test_no_response_carries_another_firms_rows_behind_pgbouncer_in_transaction_mode() -> None:
    firms = _firms_with_tokens()
    port = free_port()
    with pgbouncer(pool_size=3) as bounced_url:
        env = {**subprocess_env(), "DATABASE_URL": bounced_url, "PARKSUITE_PGBOUNCER": "true"}
        web = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "8",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if _get(port, *next(iter(firms.values())))[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "the web server did not start"
                time.sleep(0.2)
            work = [(slug, host, token) for slug, (host, token) in firms.items()] * REQUESTS_PER_FIRM
            with ThreadPoolExecutor(max_workers=32) as clients:
                results = list(clients.map(lambda job: (job[0], *_get(port, job[1], job[2])), work))
        finally:
            web.terminate()
            web.wait(timeout=30)

    assert len(results) == FIRMS * REQUESTS_PER_FIRM
    failed = [(slug, status) for slug, status, _emails in results if status != 200]
    wrong = [
        (slug, emails)
        for slug, status, emails in results
        if status == 200 and sorted(emails) != [f"owner@{slug}.example", f"staff@{slug}.example"]
    ]
    assert failed == []
    assert wrong == []
