"""Password hashing: Argon2id at the parameters OWASP recommends as its first choice.

19 MiB of memory, 2 passes, 1 lane: strong against GPU guessing, and fast enough (tens of
milliseconds) that a sign-up or login is not spent waiting on PBKDF2's million rounds.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
