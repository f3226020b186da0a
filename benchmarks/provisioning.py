"""Sign-up to a working firm: the warm pool against the plain migration path.

20 sign-ups through the public API, one after another with a pause between them (--interval,
1 s by default: real sign-ups arrive minutes apart, and a pool of 3 refills in about a
second); for each, the time from sending the request to the firm's login page answering
200. Run twice in the same run: with the warm pool (PARKSUITE_POOL_SIZE) and with it
disabled (every firm migrated from scratch by the provisioning job, as plain django-tenants
does).

    .venv/bin/python benchmarks/provisioning.py [--signups 20] [--pool-size 3]

Target: p95 under 1 s with the pool, and at least 20x faster (p50) than the migration path.
"""

from __future__ import annotations

import argparse
import time

from _harness import (
    base_env,
    fresh_cache_url,
    http,
    manage,
    parksuite,
    recreate_database,
    server_url,
    summary,
    write_result,
)

PASSWORD = "Bench-Password-2026"  # noqa: S105  (benchmark data)


def run_signups(port: int, prefix: str, count: int, interval: float) -> list[float]:
    timings = []
    for n in range(count):
        if n:
            time.sleep(interval)
        slug = f"{prefix}-{n:03d}"
        body = {
            "firm_name": f"Bench {slug}",
            "slug": slug,
            "owner_name": "Bench",
            "email": f"{slug}@bench.example",
            "password": PASSWORD,
            "language": "en",
        }
        start = time.perf_counter()
        status, data = http("POST", port, "localhost", "/api/v1/signup/", body)
        if status != 201:
            raise RuntimeError(f"sign-up {slug} answered {status}: {data[:300]!r}")
        deadline = start + 120
        while http("GET", port, f"{slug}.localhost", "/accounts/login/")[0] != 200:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{slug} never became reachable")
            time.sleep(0.01)
        timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--signups", type=int, default=20)
    parser.add_argument("--pool-size", type=int, default=3)
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between one firm answering and the next sign-up"
    )
    args = parser.parse_args()

    database = recreate_database(server_url(), "parksuite_bench_provisioning")
    env = base_env(database)
    manage(env, "migrate_schemas", "--shared", "--verbosity", "0")
    # Each phase gets a cache of its own, so the sign-up rate limit (30 an hour from one
    # address) starts afresh; 20 sign-ups stay under it.
    pooled_env = {**env, "PARKSUITE_POOL_SIZE": str(args.pool_size), "CACHE_URL": fresh_cache_url()}
    manage(pooled_env, "pool_top_up")
    with parksuite(pooled_env) as port:
        pooled = run_signups(port, "pool", args.signups, args.interval)

    plain_env = {**env, "PARKSUITE_POOL_SIZE": "0", "CACHE_URL": fresh_cache_url()}
    with parksuite(plain_env) as port:
        plain = run_signups(port, "plain", args.signups, args.interval)

    pooled_summary, plain_summary = summary(pooled), summary(plain)
    speedup = plain_summary["p50_s"] / pooled_summary["p50_s"]
    write_result(
        "provisioning",
        {
            "description": "sign-up request to the firm's login page answering 200, sequential sign-ups",
            "signups": args.signups,
            "pool_size": args.pool_size,
            "interval_between_signups_s": args.interval,
            "figures": {"with_pool": pooled_summary, "speedup_p50": round(speedup, 2)},
            "baseline": {"migration_path": plain_summary},
            "target": {"with_pool_p95_s_under": 1.0, "speedup_p50_at_least": 20},
            "meets_target": pooled_summary["p95_s"] < 1.0 and speedup >= 20,
            "samples_s": {"with_pool": [round(t, 4) for t in pooled], "migration_path": [round(t, 4) for t in plain]},
        },
    )


if __name__ == "__main__":
    main()
