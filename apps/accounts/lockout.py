"""Sign-in protection: repeated failures lock the account, and the address, for a while.

Counters live in the cache, whose keys carry the schema: a lock at one firm is not a lock at
another. A successful sign-in clears the account's counter.
"""

from __future__ import annotations

from django.core.cache import cache

WINDOW_SECONDS = 15 * 60
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20


def _keys(email: str, address: str | None) -> list[str]:
    keys = [f"login-fail:account:{email.strip().lower()[:254]}"]
    if address:
        keys.append(f"login-fail:address:{address}")
    return keys


def login_locked(*, email: str, address: str | None) -> bool:
    account_key, *address_key = _keys(email, address)
    if (cache.get(account_key) or 0) >= ACCOUNT_LIMIT:
        return True
    return bool(address_key) and (cache.get(address_key[0]) or 0) >= ADDRESS_LIMIT


def login_failed(*, email: str, address: str | None) -> None:
    for key in _keys(email, address):
        if not cache.add(key, 1, WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, WINDOW_SECONDS)


def login_succeeded(*, email: str) -> None:
    cache.delete(_keys(email, None)[0])
