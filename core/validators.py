"""Validators for Chinese identifiers, shared by every module."""

from __future__ import annotations

# GB 32100-2015: the 统一社会信用代码 alphabet (no I, O, S, V, Z) and the weights of its check character.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    """The check character that completes the first 17 characters of a credit code."""
    total = sum(_CREDIT_ALPHABET.index(char) * weight for char, weight in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code_valid(code: str) -> bool:
    """An 18-character unified social credit code whose last character checks out."""
    code = code.strip().upper()
    if len(code) != 18 or any(char not in _CREDIT_ALPHABET for char in code):
        return False
    return credit_code_check_character(code[:17]) == code[17]


# GB 11643-1999: resident ID numbers, 17 digits and an ISO 7064 MOD 11-2 check character.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_valid(number: str) -> bool:
    """18 characters, a real birth date at positions 7-14, and the right check character."""
    from datetime import date

    number = number.strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]
