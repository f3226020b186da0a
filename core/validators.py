"""Validators for Chinese identifiers, shared by every module."""

from __future__ import annotations

# GB 32100-2015: the 统一社会信用代码 alphabet (no I, O, S, V, Z) and the weights of its check character.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_valid(code: str) -> bool:
    """An 18-character unified social credit code whose last character checks out."""
    code = code.strip().upper()
    if len(code) != 18 or any(char not in _CREDIT_ALPHABET for char in code):
        return False
    total = sum(_CREDIT_ALPHABET.index(char) * weight for char, weight in zip(code[:17], _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31] == code[17]
