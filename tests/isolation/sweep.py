"""The isolation sweep, shared by the suite and by the tests that show it catches a leak.

Routes are read from the URL configuration, so a new page or endpoint is swept without editing
anything here: its path parameters are filled with firm A's ids (``uncovered`` names a route
whose parameter has no id yet, and the suite fails on it). Each route is then called from firm B
with every method; no answer may be a server error or carry firm A's marker.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

MARKER = "ALPHA-SECRET"
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def routes(urlconf: str = "config.urls_tenant") -> list[str]:
    """Every route of the firm hosts, as templates like '/crm/leads/<int:lead_id>/'."""
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                found.append(prefix + str(entry.pattern))

    walk(get_resolver(urlconf).url_patterns, "/")
    return [route for route in found if "^" not in route and "(?P" not in route]  # static-file regexes aside


def uncovered(all_routes: list[str], ids: dict[str, Any]) -> list[str]:
    """Routes with a parameter the sweep has no value for."""
    return [route for route in all_routes if any(name not in ids for _, name in PARAM.findall(route))]


def url_for(route: str, ids: dict[str, Any]) -> str:
    return PARAM.sub(lambda match: str(ids[match.group(2)]), route)


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


def leaks(client: Client, all_routes: list[str], ids: dict[str, Any], *, marker: str = MARKER) -> list[str]:
    """Call every route from ``client`` (firm B) with firm A's ids; what went wrong, if anything."""
    problems = []
    query = "?q=ALPHA&account=1&status=all&period=2026-11&year=2026&month=11&format=csv&list=accounts"
    for route in all_routes:
        url = url_for(route, ids) + query
        form = {"name": "x", "reason": "x", "code": "000000"}
        calls: tuple[tuple[str, Any, dict[str, Any]], ...] = (
            ("GET", client.get, {}),
            ("POST json", client.post, {"data": {}, "content_type": "application/json"}),
            ("POST form", client.post, {"data": form}),
            ("PUT", client.put, {"data": {}, "content_type": "application/json"}),
            ("DELETE", client.delete, {}),
        )
        for method, call, options in calls:
            response = call(url, **options)
            if response.status_code >= 500:
                problems.append(f"{method} {url}: {response.status_code}")
            elif marker.encode() in _body(response):
                problems.append(f"{method} {url}: firm A's data in the answer")
    return problems


def fingerprint(schema: str) -> dict[str, str]:
    """A checksum of every table of a schema: any change to any row changes it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema],
        )
        tables = sorted(row[0] for row in cursor.fetchall())
        sums = {}
        for table in tables:
            cursor.execute(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{schema}\".\"{table}\" t"
            )
            sums[table] = cursor.fetchone()[0]
    return sums
