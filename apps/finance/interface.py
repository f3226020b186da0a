"""What other modules may use of finance: post a journal entry, look up accounts.

HR payroll, supply chain and CRM post through ``journal_entry_post`` inside their own
transaction, with an idempotency key, so a retried job never posts twice.
"""

from .services import EntryLine, PostedEntry, journal_entry_post

__all__ = ["EntryLine", "PostedEntry", "journal_entry_post"]
