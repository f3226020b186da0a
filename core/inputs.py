"""Cleaning what people and clients send before it reaches a query.

PostgreSQL refuses NUL in text, so a stray ``%00`` in a search box must not become a server
error; ids arrive as strings in paths, queries and forms and are numbers only when they are
plain digits (``int()`` would also take ``"²"``, ``" 12"`` or ``"١٢"``).
"""

from __future__ import annotations

import re
from typing import Any

SEARCH_MAX = 100
_ID = re.compile(r"[0-9]{1,18}")


def clean_text(value: Any, limit: int | None = None) -> str:
    """Text as typed: trimmed, without NUL, at most ``limit`` characters."""
    return str(value or "").replace("\x00", "").strip()[:limit]


def clean_search(value: Any) -> str:
    """A search term: clean text of at most 100 characters."""
    return clean_text(value, SEARCH_MAX)


def parse_id(value: Any) -> int | None:
    """A positive id from a path, a query or a form; None when it cannot be one (then: not found)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    text = str(value or "").strip()
    return int(text) or None if _ID.fullmatch(text) else None
