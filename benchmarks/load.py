"""Mixed traffic from 50 people across 20 firms against gunicorn and a worker, for 5 minutes.

Twenty firms are signed up the normal way (sign-up claiming a spare schema from the warm pool),
and each gets data through the modules' services: the CRM and supply chain demo data, 60 more
contacts, 15 employees and 12 posted vouchers, plus two administrators beside the owner.
ParkSuite then runs as in production (gunicorn with 2 workers x 4 threads, one Procrastinate
worker, DEBUG off) and 50 simulated people (threads with http.client, one keep-alive connection
each) are spread over the firms. Each signs in like a browser (the login page, its CSRF token,
the session cookie) and then, with think time (exponential, mean 2 s), picks at random:
the dashboard and module home pages, list pages with search and pagination, detail pages, API
lists and reports, and a few writes (a contact created and a voucher posted through the API,
with the CSRF header). Ten per cent of created contacts reuse a mobile number on purpose: the
400 ``duplicate`` answer is an expected validation error, counted apart from errors.

Baseline in the same run: the same mix from one person for --baseline-duration seconds before
the load, against the same server and data: the latency of each kind of request with no one
else waiting, so the difference is what 50 concurrent people cost.

    .venv/bin/python benchmarks/load.py [--duration 300] [--users 50] [--firms 20]
                                        [--baseline-duration 60] [--think 2.0]

Errors: any connection error, any 5xx, any 4xx other than the expected validation errors,
and any page that sends the person back to the sign-in page. Target: zero errors and an overall
p95 under 1 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from _harness import ROOT, base_env, parksuite, percentile, recreate_database, server_url, summary, write_result

DATABASE = "parksuite_bench_load"
PASSWORD = "Bench-Password-2026"  # noqa: S105  (benchmark data)
P95_TARGET_S = 1.0
EXTRA_CONTACTS = 60
EMPLOYEES = 15
VOUCHERS = 12
# Validation codes a person can provoke on purpose; anything else in a 4xx is an error.
EXPECTED_VALIDATION = {"duplicate", "invalid", "validation_failed"}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def firm_today() -> date:
    """Today where the firms are (TIME_ZONE), which decides the accounting period."""
    from django.utils import timezone

    return timezone.localdate()


def resident_id(n: int, born: date) -> str:
    first = f"510104{born:%Y%m%d}{n % 1000:03d}"
    return first + "10X98765432"[sum(int(d) * w for d, w in zip(first, _ID_WEIGHTS, strict=True)) % 11]


def person_name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)] + GIVEN[(n * 7) % len(GIVEN)]


@dataclass
class FirmData:
    slug: str
    host: str
    emails: list[str]
    contact_ids: list[int]
    account_ids: list[int]
    voucher_ids: list[int]
    employee_ids: list[int]
    product_ids: list[int]
    voucher_accounts: tuple[str, str]
    taken_mobile: str


def provision_firms(n_firms: int) -> list[FirmData]:
    """Sign the firms up (each claims a spare schema) and give each data through the services."""
    from django.core.management import call_command
    from django.db import transaction
    from django_tenants.utils import schema_context

    from apps.accounts.models import User
    from apps.crm import services as crm
    from apps.crm.demo import seed_demo_crm
    from apps.crm.models import Account, Contact
    from apps.finance import services as finance
    from apps.finance.interface import EntryLine
    from apps.finance.models import Account as LedgerAccount
    from apps.hr.models import Employee
    from apps.hr.services import EmployeeInput, employee_create
    from apps.supply_chain.demo import seed_demo_supply_chain
    from apps.supply_chain.models import Product
    from tenants.models import Firm
    from tenants.services import SignupInput, signup_create

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("pool_top_up", size=n_firms, verbosity=0)
    firms: list[FirmData] = []
    today = firm_today()
    for f in range(n_firms):
        slug = f"load-{f:02d}"
        signup = signup_create(
            SignupInput(
                firm_name=f"负载测试{f:02d}有限公司",
                slug=slug,
                owner_name=person_name(f),
                email=f"owner@{slug}.example",
                password=PASSWORD,
                language="en",
            )
        )
        firm = Firm.objects.get(pk=signup.firm.pk)
        if firm.status != Firm.Status.ACTIVE:
            raise RuntimeError(f"{slug} did not get a spare schema (status {firm.status})")
        with schema_context(firm.schema_name), transaction.atomic():
            owner = User.objects.get(role=User.Role.OWNER)
            emails = [owner.email]
            for a in range(2):
                admin = User.objects.create_user(
                    f"admin{a + 1}@{slug}.example", PASSWORD, full_name=person_name(f * 10 + a), role="admin"
                )
                emails.append(admin.email)
            seed_demo_crm(owner=owner)
            seed_demo_supply_chain(owner=owner)
            accounts = list(Account.objects.order_by("id"))
            for i in range(EXTRA_CONTACTS):
                crm.contact_create(
                    actor=owner,
                    name=person_name(i),
                    mobile=f"139{f:02d}{i:06d}",
                    email=f"contact{i}@{slug}.example",
                    position="经理" if i % 3 else "采购",
                    account=accounts[i % len(accounts)],
                )
            for e in range(EMPLOYEES):
                born = date(1980 + e % 20, 1 + e % 12, 1 + e % 28)
                employee_create(
                    actor=owner,
                    data=EmployeeInput(
                        number=f"E{e + 1:04d}",
                        name=person_name(e + 100),
                        gender="m" if e % 2 else "f",
                        id_number=resident_id(e, born),
                        hire_date=date(2020 + e % 5, 1 + e % 12, 1),
                        base_salary=str(6000 + 500 * e),
                        department="运营部" if e % 2 else "财务部",
                        position="专员",
                    ),
                )
            leaves = set(LedgerAccount.objects.filter(is_leaf=True, is_active=True).values_list("code", flat=True))
            pair = ("1001", "1002") if {"1001", "1002"} <= leaves else tuple(sorted(leaves)[:2])
            for v in range(VOUCHERS):
                voucher = finance.voucher_create(
                    actor=owner,
                    day=today,
                    summary=f"提现 {v + 1}",
                    lines=[
                        EntryLine(pair[0], debit=f"{100 + v}.00", summary="提现"),
                        EntryLine(pair[1], credit=f"{100 + v}.00", summary="提现"),
                    ],
                )
                finance.voucher_post(actor=owner, voucher=voucher)
            from apps.finance.models import Voucher

            firms.append(
                FirmData(
                    slug=slug,
                    host=firm.host if ":" not in firm.host else firm.host.split(":")[0],
                    emails=emails,
                    contact_ids=list(Contact.objects.values_list("id", flat=True)),
                    account_ids=[a.pk for a in accounts],
                    voucher_ids=list(Voucher.objects.values_list("id", flat=True)),
                    employee_ids=list(Employee.objects.values_list("id", flat=True)),
                    product_ids=list(Product.objects.values_list("id", flat=True)),
                    voucher_accounts=(pair[0], pair[1]),
                    taken_mobile=f"139{f:02d}{0:06d}",
                )
            )
        print(f"firm {slug} ({firm.schema_name}) ready", flush=True)
    park_content(n_firms)
    # Back to the production pool size; the top-up jobs the claims queued then find it full.
    call_command("pool_top_up", size=3, verbosity=0)
    return firms


DIRECTORY_TERMS = ["电子", "精密加工", "软件", "物流", "ISO", "储能", "负载测试"]
PROFILE_LINES = [
    ("C", "精密机械加工与电子元器件装配", ["精密加工", "SMT 贴片", "ISO 9001"]),
    ("I", "企业软件开发与系统集成", ["软件开发", "系统集成"]),
    ("G", "园区物流与仓储配送", ["物流", "仓储"]),
    ("D", "分布式光伏与储能", ["储能", "光伏"]),
]


def park_content(n_firms: int) -> None:
    """Every load firm is in one park with a published directory profile; the park has notices."""
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.parks import directory, notices
    from apps.parks.models import Notice, Park
    from tenants.models import Firm

    park = Park.objects.create(name="负载测试园区 Load Park")
    admin = User.objects.create_user("admin@load-park.example", PASSWORD, role="park_admin")
    park.admins.add(admin)
    Firm.objects.filter(slug__startswith="load-").update(park=park, park_joined_at=timezone.now())

    class Owner:
        is_authenticated = True
        can_manage_users = True
        pk = None
        email = "owner@load.example"

    for f, firm in enumerate(Firm.objects.filter(park=park).order_by("slug")[:n_firms]):
        industry, summary, capabilities = PROFILE_LINES[f % len(PROFILE_LINES)]
        directory.directory_profile_save(
            firm=firm,
            actor=Owner(),
            display_name=firm.name,
            industry=industry,
            summary=summary,
            capabilities=capabilities,
            contact_person=person_name(f),
        )
        directory.directory_profile_publish(firm=firm, actor=Owner())
    for n in range(5):
        notice = notices.notice_create(
            park=park, actor=admin, kind=Notice.Kind.POLICY, title=f"园区政策通知 {n + 1}", body="政策解读。" * 50
        )
        notices.notice_publish(park=park, actor=admin, notice_id=notice.pk)


# --- the simulated people ----------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    seconds: float
    status: int  # 0: connection error
    outcome: str  # ok, expected_validation, error
    detail: str = ""
    at: float = 0.0


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Browser:
    """One person: a keep-alive connection, cookies, the CSRF token, like a browser."""

    def __init__(self, port: int, host: str) -> None:
        self.port, self.host = port, host
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        sent = {
            "Host": f"{self.host}:{self.port}",
            "Accept-Language": "en",
            "User-Agent": "ParkSuite-load/1.0",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed while idle: a browser opens a new one.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                cookie: SimpleCookie = SimpleCookie()
                cookie.load(value)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
        if response.getheader("Connection", "").lower() == "close" and self.conn is not None:
            self.conn.close()
            self.conn = None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def csrf_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.cookies.get("csrftoken", ""), "Origin": f"http://{self.host}:{self.port}"}


class Person(threading.Thread):
    def __init__(
        self,
        n: int,
        port: int,
        firm: FirmData,
        email: str,
        recorder: Recorder,
        stop_at: float,
        think: float,
        start_delay: float,
    ) -> None:
        super().__init__(daemon=True, name=f"person-{n}")
        self.n, self.port, self.firm, self.email = n, port, firm, email
        self.recorder, self.stop_at, self.think, self.start_delay = recorder, stop_at, think, start_delay
        self.random = random.Random(n)  # noqa: S311  (traffic mix, not security)
        self.browser = Browser(port, firm.host)
        self.created = 0

    # Each action: (kind, weight, function returning (method, path, body or None, json?))
    def actions(self) -> list[tuple[str, int]]:
        return [
            ("page: dashboard", 8),
            ("page: module home", 10),
            ("page: list", 14),
            ("page: list search", 8),
            ("page: list page 2", 5),
            ("page: detail", 14),
            ("api: list", 14),
            ("api: list search", 6),
            ("api: report", 5),
            ("api: detail", 6),
            ("write: contact create", 3),
            ("write: voucher post", 3),
            ("page: park directory search", 4),
            ("page: park notices", 3),
            ("api: park directory search", 3),
        ]

    def plan(self, kind: str) -> tuple[str, str, dict[str, Any] | None]:
        r, f = self.random, self.firm
        if kind == "page: dashboard":
            return "GET", "/", None
        if kind == "page: park directory search":
            return "GET", f"/park/directory/?q={quote(r.choice(DIRECTORY_TERMS))}", None
        if kind == "page: park notices":
            return "GET", "/park/notices/", None
        if kind == "api: park directory search":
            return "GET", f"/api/v1/park/directory/profiles/?q={quote(r.choice(DIRECTORY_TERMS))}", None
        if kind == "page: module home":
            return "GET", r.choice(["/crm/", "/finance/", "/hr/", "/supply-chain/"]), None
        if kind == "page: list":
            return (
                "GET",
                r.choice(
                    [
                        "/crm/contacts/",
                        "/crm/accounts/",
                        "/crm/leads/",
                        "/crm/pipeline/",
                        "/finance/vouchers/",
                        "/finance/accounts/",
                        "/hr/employees/",
                        "/supply-chain/products/",
                    ]
                ),
                None,
            )
        if kind == "page: list search":
            fragment = quote(r.choice(SURNAMES))
            return (
                "GET",
                r.choice(
                    [f"/crm/contacts/?q={fragment}", f"/crm/accounts/?q={fragment}", f"/hr/employees/?q={fragment}"]
                ),
                None,
            )
        if kind == "page: list page 2":
            return "GET", "/crm/contacts/?page=2", None
        if kind == "page: detail":
            return (
                "GET",
                r.choice(
                    [
                        f"/crm/contacts/{r.choice(f.contact_ids)}/",
                        f"/crm/accounts/{r.choice(f.account_ids)}/",
                        f"/finance/vouchers/{r.choice(f.voucher_ids)}/",
                        f"/hr/employees/{r.choice(f.employee_ids)}/",
                    ]
                ),
                None,
            )
        if kind == "api: list":
            return (
                "GET",
                r.choice(
                    [
                        "/api/v1/crm/contacts/",
                        "/api/v1/crm/accounts/",
                        "/api/v1/crm/opportunities/",
                        "/api/v1/finance/vouchers/",
                        "/api/v1/hr/employees/",
                        "/api/v1/supply-chain/products/",
                        "/api/v1/supply-chain/stock/levels/",
                    ]
                ),
                None,
            )
        if kind == "api: list search":
            fragment = quote(r.choice(SURNAMES))
            return (
                "GET",
                r.choice([f"/api/v1/crm/contacts/?q={fragment}&page_size=20", "/api/v1/crm/contacts/?page=2"]),
                None,
            )
        if kind == "api: report":
            return (
                "GET",
                r.choice(
                    [
                        "/api/v1/finance/reports/trial-balance/",
                        "/api/v1/finance/reports/balance-sheet/",
                        "/api/v1/finance/reports/income-statement/",
                    ]
                ),
                None,
            )
        if kind == "api: detail":
            return (
                "GET",
                r.choice(
                    [
                        f"/api/v1/crm/contacts/{r.choice(f.contact_ids)}/",
                        f"/api/v1/finance/vouchers/{r.choice(f.voucher_ids)}/",
                        f"/api/v1/supply-chain/products/{r.choice(f.product_ids)}/",
                    ]
                ),
                None,
            )
        if kind == "write: contact create":
            self.created += 1
            # One in ten reuses a mobile number the firm has: an expected 400 "duplicate".
            mobile = f.taken_mobile if r.random() < 0.1 else f"15{self.n:03d}{self.created:06d}"
            return (
                "POST",
                "/api/v1/crm/contacts/",
                {"name": person_name(r.randrange(10_000)), "mobile": mobile, "position": "负载测试"},
            )
        amount = f"{r.randrange(1, 5000)}.{r.randrange(100):02d}"
        debit, credit = f.voucher_accounts
        return (
            "POST",
            "/api/v1/finance/vouchers/",
            {
                "date": firm_today().isoformat(),
                "summary": "负载测试 提现",
                "post": True,
                "lines": [{"account": debit, "debit": amount}, {"account": credit, "credit": amount}],
            },
        )

    def timed(self, kind: str, method: str, path: str, body: dict[str, Any] | None) -> Sample:
        headers: dict[str, str] = {}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **self.browser.csrf_headers()}
        if path.startswith("/api/"):
            headers.setdefault("Accept", "application/json")
        start = time.perf_counter()
        try:
            status, response_headers, data = self.browser.request(method, path, body=payload, headers=headers)
        except (OSError, http.client.HTTPException) as exc:
            return Sample(kind, time.perf_counter() - start, 0, "error", f"{method} {path}: {exc!r}", time.time())
        seconds = time.perf_counter() - start
        outcome, detail = "ok", ""
        if status >= 500 or (400 <= status < 500 and status != 400):
            outcome, detail = "error", f"{method} {path} -> {status} {data[:200]!r}"
        elif status == 400:
            try:
                code = json.loads(data).get("code", "")
            except (ValueError, AttributeError):
                code = ""
            outcome = "expected_validation" if code in EXPECTED_VALIDATION else "error"
            detail = f"{method} {path} -> 400 {code or data[:200]!r}"
        elif 300 <= status < 400 and "/accounts/login/" in response_headers.get("location", ""):
            outcome, detail = "error", f"{method} {path} -> {status} to the sign-in page (session lost)"
        return Sample(kind, seconds, status, outcome, detail, time.time())

    def sign_in(self) -> bool:
        start = time.perf_counter()
        try:
            status, _headers, page = self.browser.request("GET", "/accounts/login/")
            match = CSRF_INPUT.search(page.decode("utf-8", "replace"))
            if status != 200 or match is None:
                raise RuntimeError(f"login page answered {status}")
            form = (
                f"csrfmiddlewaretoken={quote(match.group(1))}&username={quote(self.email)}&password={quote(PASSWORD)}"
            )
            status, headers, data = self.browser.request(
                "POST",
                "/accounts/login/",
                body=form.encode(),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": f"http://{self.firm.host}:{self.port}",
                    "Referer": f"http://{self.firm.host}:{self.port}/accounts/login/",
                },
            )
            ok = status == 302 and "sessionid" in self.browser.cookies and "login" not in headers.get("location", "")
            sample = Sample(
                "sign-in (login page + POST)",
                time.perf_counter() - start,
                status,
                "ok" if ok else "error",
                "" if ok else f"sign-in answered {status} {headers.get('location', '')} {data[:200]!r}",
                time.time(),
            )
        except (OSError, http.client.HTTPException, RuntimeError) as exc:
            sample = Sample(
                "sign-in (login page + POST)", time.perf_counter() - start, 0, "error", repr(exc), time.time()
            )
            ok = False
        self.recorder.add(sample)
        return ok

    def run(self) -> None:
        time.sleep(self.start_delay)
        kinds, weights = zip(*self.actions(), strict=True)
        while time.time() < self.stop_at:
            if not self.sign_in():
                time.sleep(1)
                continue
            while time.time() < self.stop_at:
                kind = self.random.choices(kinds, weights)[0]
                sample = self.timed(kind, *self.plan(kind))
                self.recorder.add(sample)
                if sample.detail.endswith("(session lost)"):
                    break
                time.sleep(min(self.random.expovariate(1 / self.think), self.think * 5))


def run_traffic(
    port: int, firms: list[FirmData], users: int, duration: float, think: float, ramp: float
) -> tuple[list[Sample], float]:
    recorder = Recorder()
    start = time.time()
    stop_at = start + duration
    people = []
    for n in range(users):
        firm = firms[n % len(firms)]
        email = firm.emails[(n // len(firms)) % len(firm.emails)]
        people.append(Person(n, port, firm, email, recorder, stop_at, think, ramp * n / max(users, 1)))
    for person in people:
        person.start()
    for person in people:
        person.join(timeout=duration + 120)
    return recorder.samples, time.time() - start


def figures(samples: list[Sample], elapsed: float) -> dict[str, Any]:
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)

    def stats(group: list[Sample]) -> dict[str, Any]:
        times = [s.seconds for s in group]
        return {
            **summary(times),
            "p99_s": round(percentile(times, 99), 4),
            "errors": sum(1 for s in group if s.outcome == "error"),
            "expected_validation": sum(1 for s in group if s.outcome == "expected_validation"),
        }

    errors = [s for s in samples if s.outcome == "error"]
    error_kinds: dict[str, int] = defaultdict(int)
    for sample in errors:
        error_kinds[re.sub(r"/\d+/", "/<id>/", sample.detail)[:160]] += 1
    return {
        "requests": len(samples),
        "elapsed_s": round(elapsed, 1),
        "throughput_rps": round(len(samples) / elapsed, 2),
        "overall": stats(samples) if samples else {},
        "errors": len(errors),
        "expected_validation_errors": sum(1 for s in samples if s.outcome == "expected_validation"),
        "status_counts": {str(k): v for k, v in sorted(_count(s.status for s in samples).items())},
        "per_kind": {kind: stats(group) for kind, group in sorted(by_kind.items())},
        "error_examples": dict(sorted(error_kinds.items(), key=lambda kv: -kv[1])[:15]),
    }


def _count(values: Any) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=300, help="seconds of load")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--firms", type=int, default=20)
    parser.add_argument("--baseline-duration", type=float, default=60, help="seconds of the one-person baseline")
    parser.add_argument("--think", type=float, default=2.0, help="mean think time between requests (s)")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the people arrive")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print the result only (smoke runs)")
    args = parser.parse_args()
    wall = time.perf_counter()

    database = recreate_database(server_url(), DATABASE)
    env = base_env(
        database,
        DJANGO_SETTINGS_MODULE="benchmarks.settings_bench",
        DEBUG="0",
        PARKSUITE_POOL_SIZE="3",
    )
    os.environ.update({**env, "PARKSUITE_POOL_SIZE": str(args.firms)})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    assert not settings.DEBUG
    start = time.perf_counter()
    firms = provision_firms(args.firms)
    setup_s = time.perf_counter() - start
    print(f"{len(firms)} firms provisioned and seeded in {setup_s:.1f} s", flush=True)

    with parksuite(env, web_workers=args.web_workers) as port:
        baseline_samples, baseline_elapsed = run_traffic(port, firms, 1, args.baseline_duration, args.think, 0)
        baseline = figures(baseline_samples, baseline_elapsed)
        print(
            f"baseline (1 person, {baseline_elapsed:.0f} s): {baseline['requests']} requests, "
            f"p50 {baseline['overall'].get('p50_s')} s, p95 {baseline['overall'].get('p95_s')} s, "
            f"errors {baseline['errors']}",
            flush=True,
        )
        samples, elapsed = run_traffic(port, firms, args.users, args.duration, args.think, args.ramp)
    load = figures(samples, elapsed)
    overall = load["overall"]
    print(
        f"load ({args.users} people, {len(firms)} firms, {elapsed:.0f} s): {load['requests']} requests, "
        f"{load['throughput_rps']} req/s, p50 {overall['p50_s']} s, p95 {overall['p95_s']} s, "
        f"p99 {overall['p99_s']} s, errors {load['errors']}, expected validation {load['expected_validation_errors']}",
        flush=True,
    )
    for kind, stats in load["per_kind"].items():
        print(f"  {kind:32} {stats}", flush=True)
    for example, count in load["error_examples"].items():
        print(f"  error x{count}: {example}", flush=True)

    meets = load["errors"] == 0 and overall["p95_s"] < P95_TARGET_S
    result = {
        "description": (
            f"{args.users} simulated people across {len(firms)} firms, mixed pages, API calls and writes with "
            f"think time (mean {args.think} s), for {args.duration:.0f} s against gunicorn "
            f"({args.web_workers} workers x 4 threads) and one Procrastinate worker, DEBUG off"
        ),
        "command": " ".join([".venv/bin/python benchmarks/load.py", *sys.argv[1:]]),
        "setup": {
            "firms": len(firms),
            "people": args.users,
            "people_per_firm": f"{args.users // len(firms)}-{-(-args.users // len(firms))}",
            "per_firm": {
                "users": "owner + 2 administrators",
                "crm": f"demo data (apps/crm/demo.py) + {EXTRA_CONTACTS} contacts",
                "supply_chain": "demo data (apps/supply_chain/demo.py)",
                "hr_employees": EMPLOYEES,
                "finance_posted_vouchers": VOUCHERS,
            },
            "setup_s": round(setup_s, 1),
        },
        "figures": load,
        "baseline": {
            "name": "the same mix from one person, same server and data, just before the load",
            "why": "the latency of each request kind with no queueing: the difference is what concurrency costs",
            **baseline,
        },
        "target": {"errors": 0, "overall_p95_s_under": P95_TARGET_S},
        "meets_target": meets,
        "notes": [
            "Errors: connection errors, 5xx, 4xx other than an expected validation 400 (a duplicate mobile, "
            "sent on purpose for one contact in ten), and redirects to the sign-in page.",
            "Static files (CSS, JS) are not fetched: a browser caches them, and whitenoise serves them.",
            "The load generator runs on the same 2-core machine as gunicorn, the worker and PostgreSQL, "
            "which other jobs share: timings are pessimistic.",
        ],
        "whole_run_s": round(time.perf_counter() - wall, 1),
    }
    if args.no_write:
        print(json.dumps({k: v for k, v in result.items() if k != "figures"}, indent=2, ensure_ascii=False))
    else:
        print(f"written to {write_result('load', result)}")
    if load["errors"]:
        raise SystemExit(f"{load['errors']} errors; see error_examples")


if __name__ == "__main__":
    main()
