"""What other modules may use of finance: post a journal entry, look up accounts.

HR payroll, supply chain and CRM post through ``journal_entry_post`` inside their own
transaction, with an idempotency key, so a retried job never posts twice.
"""

from .services import EntryLine, PostedEntry, journal_entry_post, ledger_settings


def ledger_chart() -> str:
    """The firm's chart of accounts ("cas_small" or "ifrs"), so a module knows which codes to post to."""
    return ledger_settings().chart


__all__ = ["EntryLine", "PostedEntry", "journal_entry_post", "ledger_chart"]
