"""Phrase matching over a text split once: the place finders' engine (kecamatan/desa, other regions).

A text is split by one regex into words and punctuation marks (``Tokens``); a ``PhraseIndex`` maps each
phrase's first word to the phrases starting with it, so matching costs one dict lookup per word. This
replaced spaCy's PhraseMatcher, whose tokenizer (about 3 ms per 1,000 characters) and Doc construction
(0.3 ms) cost more than the rest of triage together: see docs/decisions.md and docs/benchmarks.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

_TOKEN = re.compile(r"[^\W_]+|[^\w\s]|_")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Tokens:
    """The words and punctuation marks of a text, with their lower-case forms and character offsets."""

    text: str
    words: list[str]
    lowers: list[str]

    @classmethod
    def split(cls, text: str, max_chars: int = 100_000) -> Tokens:
        """Split the first ``max_chars`` characters; control characters count as spaces."""
        text = _CONTROL.sub(" ", text[:max_chars])
        words = _TOKEN.findall(text)
        return cls(text, words, [word.lower() for word in words])

    def __len__(self) -> int:
        return len(self.words)

    def span_text(self, start: int, end: int) -> str:
        """The original text of tokens ``start`` to ``end`` (exclusive), spacing kept (found again by
        scanning, which is cheap for the few spans a text has)."""
        if end <= start:
            return ""
        matches = _TOKEN.finditer(self.text)
        first = next(m for i, m in enumerate(matches) if i == start)
        last = first
        for _ in range(end - start - 1):
            last = next(matches)
        return self.text[first.start() : last.end()]

    def previous_word(self, start: int) -> str:
        """The lower-case token before ``start``, skipping an abbreviation's dot ("kec." -> "kec")."""
        previous = start - 1
        if previous > 0 and self.words[previous] == ".":
            previous -= 1
        return self.lowers[previous] if previous >= 0 else ""


class Match(NamedTuple):
    key: str
    start: int
    end: int


def phrase_words(phrase: str) -> tuple[str, ...]:
    """A phrase as the lower-case tokens ``Tokens.split`` would give it."""
    return tuple(word.lower() for word in _TOKEN.findall(phrase))


class PhraseIndex:
    """Case-insensitive phrases, each under a key; finds every occurrence of every phrase in ``Tokens``.

    Phrases are indexed by their first word and, when longer, their first two words: "kota" starts hundreds
    of names, "kota samarinda" one.
    """

    def __init__(self) -> None:
        self._single: dict[str, list[str]] = {}
        self._longer: dict[tuple[str, str], list[tuple[list[str], str]]] = {}
        self._firsts: set[str] = set()

    def add(self, key: str, phrases: Iterable[str]) -> None:
        for phrase in phrases:
            words = phrase_words(phrase)
            if len(words) == 1:
                self._single.setdefault(words[0], []).append(key)
            elif words:
                self._longer.setdefault((words[0], words[1]), []).append((list(words), key))
            if words:
                self._firsts.add(words[0])

    def matches(self, tokens: Tokens) -> list[Match]:
        """Every (key, start, end) where a phrase occurs, overlapping ones included, in text order."""
        found: list[Match] = []
        lowers = tokens.lowers
        last = len(lowers) - 1
        for start in [i for i, word in enumerate(lowers) if word in self._firsts]:
            word = lowers[start]
            found.extend(Match(key, start, start + 1) for key in self._single.get(word, ()))
            if start < last:
                for words, key in self._longer.get((word, lowers[start + 1]), ()):
                    end = start + len(words)
                    if lowers[start:end] == words:
                        found.append(Match(key, start, end))
        return found


def longest_first(matches: Iterable[Match]) -> list[Match]:
    """Matches that do not overlap, the longest winning (then the earliest), in text order."""
    taken: set[int] = set()
    kept: list[Match] = []
    for match in sorted(matches, key=lambda m: (-(m.end - m.start), m.start)):
        positions = range(match.start, match.end)
        if not taken.intersection(positions):
            taken.update(positions)
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)
