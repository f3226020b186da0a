"""Money helpers: fen rounding and amounts in Chinese capital numerals (大写金额)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def to_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def _integer_in_words(number: int) -> str:
    groups: list[int] = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    if len(groups) > len(_GROUPS):
        raise ValueError("amount too large for capital numerals")
    words, pending_zero = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        for position in (3, 2, 1, 0):
            digit = group // 10**position % 10
            if digit == 0:
                pending_zero = pending_zero or bool(words)
                continue
            if pending_zero:
                words += "零"
                pending_zero = False
            words += _DIGITS[digit] + _UNITS[position]
        if group:
            words += _GROUPS[index]
    return words


def amount_in_words(amount: Decimal) -> str:
    """1234.50 → 壹仟贰佰叁拾肆元伍角整; 1004.07 → 壹仟零肆元零柒分; 0 → 零元整."""
    amount = to_fen(Decimal(amount))
    sign = "负" if amount < 0 else ""
    fen_total = int(abs(amount) * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if fen_total == 0:
        return "零元整"
    words = _integer_in_words(yuan) + "元" if yuan else ""
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif fen and yuan:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    else:
        words += "整"
    return sign + words
