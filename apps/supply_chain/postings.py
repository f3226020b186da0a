"""Stock postings into finance (perpetual inventory), through finance's interface only.

- receipt: Dr inventory / Cr goods received not invoiced (暂估应付). The supplier bill, drafted
  in finance, debits the same account, so what is left there is received but not yet billed;
- return to supplier: the receipt's entry in reverse, at the receipt's cost;
- delivery: Dr cost of sales / Cr inventory;
- customer return: the delivery's entry in reverse, at the delivery's cost;
- stocktake difference: Dr/Cr inventory against the stocktake account (待处理财产损溢);
- revaluation after a back-dated move: the change in cost of what was already delivered or
  written off, once.

Every entry is posted in the caller's transaction with an idempotency key made of the
document and its id, so a retried job never posts twice. Firms may choose other accounts in
the supply chain settings; blank means the chart's default below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from apps.finance import interface as finance
from core.errors import Conflict

from .ledger import ZERO, RevaluationResult, settings_row
from .models import Revaluation, StockMove

DEFAULTS = {
    "cas_small": {"inventory": "1405", "cogs": "5401", "grni": "2202", "adjustment": "1901"},
    "ifrs": {"inventory": "1200", "cogs": "5000", "grni": "2000", "adjustment": "6200"},
}


@dataclass(frozen=True)
class Accounts:
    inventory: str
    cogs: str
    grni: str
    adjustment: str


def accounts() -> Accounts:
    """The postable accounts stock postings use (settings first, then the chart's defaults)."""
    row = settings_row()
    defaults = DEFAULTS.get(finance.ledger_chart(), DEFAULTS["cas_small"])
    chosen = {
        "inventory": row.inventory_account,
        "cogs": row.cogs_account,
        "grni": row.grni_account,
        "adjustment": row.adjustment_account,
    }
    resolved = {}
    for name, code in chosen.items():
        found = finance.postable_account_code(code or defaults[name])
        if found is None:
            raise Conflict(
                _(
                    "The account %(code)s for stock postings is not in the chart of accounts; "
                    "check the supply chain settings."
                )
                % {"code": code or defaults[name]},
                code="stock_account_missing",
            )
        resolved[name] = found
    return Accounts(**resolved)


def entry_post(
    *,
    document: str,
    document_id: int,
    day: date,
    debit: str,
    credit: str,
    amount: Decimal,
    summary: str,
    partner: str = "",
) -> int | None:
    """One two-line entry (negative amounts swap the sides); None when there is nothing to post."""
    if amount == ZERO:
        return None
    if amount < 0:
        debit, credit, amount = credit, debit, -amount
    posted = finance.journal_entry_post(
        source=f"supply_chain.{document}",
        source_id=str(document_id),
        day=day,
        idempotency_key=f"supply_chain.{document}:{document_id}",
        summary=summary[:200],
        lines=[
            finance.EntryLine(debit, debit=amount, summary=summary[:200], partner=partner[:200]),
            finance.EntryLine(credit, credit=amount, summary=summary[:200], partner=partner[:200]),
        ],
    )
    return posted.voucher_id


def revaluations_post(results: list[RevaluationResult], *, day: date) -> None:
    """Post what back-dated moves changed in the cost of moves already recorded, one voucher per
    back-dated move: cost of sales for deliveries, the stocktake account for write-offs."""
    if not results:
        return
    book = accounts()
    for result in results:
        lines = []
        total = ZERO
        for kind, change in sorted(result.value_change.items()):
            # ``change`` is the change of the moves' (negative) values: below zero, they cost more.
            if change == ZERO:
                continue
            other = book.adjustment if kind == StockMove.Kind.ADJUSTMENT else book.cogs
            if change < 0:
                lines.append(finance.EntryLine(other, debit=-change))
            else:
                lines.append(finance.EntryLine(other, credit=change))
            total += change
        if not lines:
            continue
        if total < 0:
            lines.append(finance.EntryLine(book.inventory, credit=-total))
        elif total > 0:
            lines.append(finance.EntryLine(book.inventory, debit=total))
        summary = _("Stock revaluation after a back-dated move")
        posted = finance.journal_entry_post(
            source="supply_chain.revaluation",
            source_id=str(result.move_id),
            day=day,
            idempotency_key=f"supply_chain.revaluation:{result.move_id}",
            summary=summary,
            lines=[
                finance.EntryLine(line.account_code, debit=line.debit, credit=line.credit, summary=summary)
                for line in lines
            ],
        )
        Revaluation.objects.filter(move_id=result.move_id).update(voucher_id=posted.voucher_id)
