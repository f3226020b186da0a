"""Charts of accounts and statement layouts are data (``data/*.json``), not code."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).resolve().parent / "data"
CHARTS = ("cas_small", "ifrs")
DEFAULT_CHART = "cas_small"


@cache
def chart_template(chart: str) -> dict[str, Any]:
    if chart not in CHARTS:
        raise ValueError(f"unknown chart {chart!r}")
    return json.loads((DATA_DIR / f"chart_{chart}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def statement_layout(chart: str) -> dict[str, Any]:
    if chart not in CHARTS:
        raise ValueError(f"unknown chart {chart!r}")
    return json.loads((DATA_DIR / f"statements_{chart}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def parent_code(code: str) -> str | None:
    """Level-1 codes have four digits; each level below adds two (1002 → 100201)."""
    return code[:-2] if len(code) > 4 else None


def chart_install(*, chart: str, account_model: Any) -> int:
    """Create the template's accounts (models may be historical ones, from a migration).

    One insert per level: a level's accounts get their ids back and become the next level's
    parents (a new firm's schema gets its chart in a few queries, not one per account).
    """
    rows = chart_template(chart)["accounts"]
    codes = {row[0] for row in rows}
    by_code: dict[str, Any] = {}
    levels: dict[int, list[tuple[Any, ...]]] = {}
    for row in sorted(rows, key=lambda row: row[0]):
        levels.setdefault(1 + (len(row[0]) - 4) // 2, []).append(row)
    for level in sorted(levels):
        accounts = [
            account_model(
                code=code,
                name=name,
                name_en=name_en,
                category=category,
                side=side,
                is_cash=is_cash,
                parent=by_code.get(parent_code(code) or ""),
                level=level,
                is_leaf=not any(other != code and other.startswith(code) for other in codes),
            )
            for code, name, name_en, category, side, is_cash in levels[level]
        ]
        for account in account_model.objects.bulk_create(accounts):
            by_code[account.code] = account
    return len(rows)


def rate_label(rate: Decimal | None) -> str:
    """0.13 → 13%; None → exempt (免税)."""
    if rate is None:
        return _("Exempt")
    return f"{(rate * 100).normalize():f}%"
