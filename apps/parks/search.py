"""Full-text search of the collaboration directory that understands Chinese.

PostgreSQL here has no Chinese parser (no zhparser), and Chinese is written without spaces, so
the words are cut in Python and handed to PostgreSQL's ``simple`` configuration, which keeps each
space-separated token as it is:

- Latin letters and digits: lower-cased words (after NFKC, so full-width letters and digits
  are plain ones); a word mixing letters and digits also gives its parts (``iso9001`` → ``iso``,
  ``9001``), so "ISO 9001" and "ISO9001" find each other.
- Runs of Chinese characters: every character and every overlapping pair (bigram):
  ``精密机械加工`` → 精 密 机 械 加 工 精密 密机 机械 械加 加工.

A query is cut the same way (see ``query_for``). The ``search_vector`` column of a profile holds
these tokens, weighted by field (name first), and a GIN index serves the match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# CJK unified ideographs (with extension A, the compatibility block and the supplementary planes).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_PIECES = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
_LETTERS_OR_DIGITS = re.compile(r"[^\W\d_]+|\d+")
MAX_WORD = 60
MAX_QUERY = 100  # characters of a query that are looked at
MAX_QUERY_TERMS = 32


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def _runs(text: str) -> Iterable[tuple[str, str]]:
    """("cjk", run) and ("word", word) pieces of ``text``, in order."""
    for match in _PIECES.finditer(_normalised(text)):
        cjk, word = match.groups()
        if cjk:
            yield "cjk", cjk
        else:
            yield "word", word[:MAX_WORD]


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens(text: str) -> list[str]:
    """The tokens indexed for ``text`` (duplicates kept: they count for the ranking)."""
    found: list[str] = []
    for kind, piece in _runs(text):
        if kind == "cjk":
            found.extend(piece)
            found.extend(_bigrams(piece))
        else:
            found.append(piece)
            parts = _LETTERS_OR_DIGITS.findall(piece)
            if len(parts) > 1:
                found.extend(parts)
    return found


def token_string(text: str) -> str:
    """``tokens`` joined by spaces: what ``to_tsvector('simple', ...)`` is given."""
    return " ".join(tokens(text))


@dataclass(frozen=True)
class SearchQuery:
    """A user's query as two ``tsquery`` texts: ``match`` (which profiles) and ``rank`` (order)."""

    match: str
    rank: str

    def __bool__(self) -> bool:
        return bool(self.match)


def _quoted(token: str) -> str:
    # Tokens hold only letters, digits and CJK characters: no quote can break out.
    return f"'{token}'"


def query_for(text: str) -> SearchQuery:
    """Turn a search box's text into tsquery texts. Every piece of the query must match (AND):

    - a Latin word matches words that start with it (``machin`` finds ``machining``); a word
      of letters and digits asks for each part (``iso9001`` finds "ISO 9001" and "ISO9001");
    - a single Chinese character must appear;
    - a run of two or more Chinese characters matches when every one of its characters appears
      AND at least one of its pairs appears as written.

    Why not require every pair: Chinese queries glue words together. "精密加工" holds the pair
    密加, which "提供精密机械加工" does not, yet that firm is exactly what the user looks for. Requiring
    all characters plus one real pair finds it, while "软件" still needs the pair 软件 itself (not
    软 and 件 from two different words). Profiles holding more of the query's pairs (the whole
    phrase) rank first: the ranking query is an OR of all pairs, characters and words, and the
    name and capabilities weigh more than the long texts.
    """
    required: list[str] = []
    ranked: list[str] = []
    for kind, piece in _runs(text[:MAX_QUERY]):
        if kind == "word":
            # "iso9001" must find "ISO 9001" too: a word of letters and digits asks for its parts.
            parts = _LETTERS_OR_DIGITS.findall(piece) or [piece]
            required.append(" & ".join(f"{_quoted(part)}:*" for part in parts))
            ranked.extend(f"{_quoted(part)}:*" for part in dict.fromkeys([piece, *parts]))
        elif len(piece) == 1:
            required.append(_quoted(piece))
            ranked.append(_quoted(piece))
        else:
            pairs = list(dict.fromkeys(_bigrams(piece)))
            characters = list(dict.fromkeys(piece))
            any_pair = " | ".join(_quoted(pair) for pair in pairs)
            required.append(" & ".join(_quoted(c) for c in characters) + f" & ({any_pair})")
            ranked.extend(_quoted(pair) for pair in pairs)
            ranked.extend(_quoted(c) for c in characters)
        if len(required) >= MAX_QUERY_TERMS:
            break
    if not required:
        return SearchQuery("", "")
    return SearchQuery(" & ".join(f"({term})" for term in required), " | ".join(dict.fromkeys(ranked)))
