"""Sign-in protection: repeated failures lock the account, and the address, for a while.

Counters live in the firm's own schema (so a lock at one firm is not a lock at another) and
are counted with one atomic statement *before* the password is checked: parallel guesses
cannot slip past the limit, and no cache eviction or expiry quirk can forget them. The account
key is the normalised email (Unicode NFKC, case-folded), the address key an IPv4 address or
an IPv6 /64.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from dataclasses import dataclass

from django.db import connection

WINDOW_SECONDS = 15 * 60
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20

_COUNT = """
INSERT INTO accounts_loginfailure (key, count, window_start) VALUES (%s, 1, now())
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN accounts_loginfailure.window_start < now() - make_interval(secs => %s)
                 THEN 1 ELSE accounts_loginfailure.count + 1 END,
    window_start = CASE WHEN accounts_loginfailure.window_start < now() - make_interval(secs => %s)
                        THEN now() ELSE accounts_loginfailure.window_start END
RETURNING count
"""


def account_key(email: str) -> str:
    normal = unicodedata.normalize("NFKC", email or "").replace("\x00", "").strip().casefold()
    return f"account:{normal[:254]}"


def address_key(address: str | None) -> str | None:
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6:
        return f"address:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"address:{ip}"


def _count(key: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_COUNT, [key, WINDOW_SECONDS, WINDOW_SECONDS])
        return int(cursor.fetchone()[0])


@dataclass(frozen=True)
class Attempt:
    account_count: int
    address_count: int

    @property
    def locked(self) -> bool:
        return self.account_count > ACCOUNT_LIMIT or self.address_count > ADDRESS_LIMIT

    @property
    def just_locked(self) -> bool:
        """The attempt that crossed a limit (recorded once, not on every refused try)."""
        return self.account_count == ACCOUNT_LIMIT + 1 or self.address_count == ADDRESS_LIMIT + 1


def attempt_begin(*, email: str, address: str | None) -> Attempt:
    """Count this attempt before checking the password; refuse when over a limit."""
    addr = address_key(address)
    return Attempt(account_count=_count(account_key(email)), address_count=_count(addr) if addr else 0)


def attempt_succeeded(*, email: str, address: str | None) -> None:
    """The right password: the account starts afresh, and the address gets its try back."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_loginfailure WHERE key = %s", [account_key(email)])
        addr = address_key(address)
        if addr:
            cursor.execute("UPDATE accounts_loginfailure SET count = greatest(count - 1, 0) WHERE key = %s", [addr])
