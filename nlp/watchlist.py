"""Keyword watchlists: a small, safe query language that Diskominfo staff write to flag posts.

A query such as ``"jalan rusak" AND wilayah:"Sangatta Utara" -banjir*`` is read by a hand-written tokenizer
and a recursive-descent parser into a tree of nodes (no eval, no regex built from user text), compiled once
and matched against many documents. Each document is normalised and tokenised once into a `WatchDocument`;
matching is dictionary look-ups and position arithmetic over its token index. ``docs/watchlists.md`` is the
user reference.

Grammar (EBNF); precedence NOT > NEAR > AND (explicit or implicit) > OR::

    query     = or_expr ;
    or_expr   = and_expr , { "OR" , and_expr } ;
    and_expr  = near_expr , { [ "AND" ] , near_expr } ;
    near_expr = unary , [ near , unary ] ;     (* operands: terms, phrases or OR-groups of them *)
    unary     = ( "NOT" | "-" ) , unary | primary ;
    primary   = "(" , or_expr , ")" | field | term ;
    field     = ( "wilayah" | "sumber" | "fungsi" ) , ":" , ( word | phrase ) ;
    term      = word , [ "*" ] | phrase ;
    near      = "NEAR/" , digit , { digit } ;
    phrase    = '"' , { any character - '"' } , '"' ;
    word      = wordchar , { wordchar } ;
    wordchar  = any character - ( space | "(" | ")" | '"' ) ;

``-`` means NOT only at the start of a word (``jalan-raya`` is one term). Lower-case ``and``/``or``/``not``
are ordinary words.
"""

from __future__ import annotations

import enum
import re
from abc import ABC, abstractmethod
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Final, NamedTuple

from nlp.text import SLANG, normalise

# Bounds for hand-written rules (docs/watchlists.md, "Limits"): the longest shipped query has 232 characters
# and 3 levels; a query past these is a mistake or a paste, refused when the configuration loads.
MAX_QUERY_CHARS: Final = 4_000
MAX_TERMS: Final = 1_000
MAX_DEPTH: Final = 20
MAX_PHRASE_WORDS: Final = 50
MAX_NEAR: Final = 1_000
FIELDS: Final = ("wilayah", "sumber", "fungsi")

_ERROR_CONTEXT: Final = 60
_INLINE_CONTEXT: Final = 30
_MARK: Final = "▶"
_LETTER_RUN = re.compile(r"([^\W\d_])\1+")
_WORD = re.compile(r"\w+")
_BARE_END = re.compile(r'[\s()"]')
_FIELD = re.compile(r"([^\W\d_]\w*):(.*)", re.DOTALL)
_NEAR_DISTANCE = re.compile(r"[0-9]+")


def _collapse(text: str) -> str:
    """Every run of one repeated letter as a single letter ("jalannn" -> "jalan"); digits are kept."""
    return _LETTER_RUN.sub(r"\1", text)


# ``normalise`` expands slang before letters are collapsed, so "gkkk" reaches us as "gk": expand once more.
_SLANG_WORDS: Final = {_collapse(short): tuple(_collapse(long).split()) for short, long in SLANG.items()}


def _words(text: str) -> list[str]:
    """The words of ``text`` for watchlists: normalised, slang expanded, repeated letters collapsed."""
    words: list[str] = []
    for word in _WORD.findall(_collapse(normalise(text, max_chars=len(text)))):
        words.extend(_SLANG_WORDS.get(word, (word,)))
    return words


_WATCH_FORMS: dict[str, tuple[str, ...]] = {}  # model token -> watchlist words (a plain dict: hot path)


def _remember_watch_form(token: str) -> tuple[str, ...]:
    """A model token (``nlp.text.tokens``) in watchlist form: repeated letters collapsed, slang expanded."""
    word = _collapse(token)
    form = _SLANG_WORDS.get(word, (word,))
    if len(_WATCH_FORMS) < 262_144:
        _WATCH_FORMS[token] = form
    return form


@lru_cache(maxsize=4096)
def _key(value: str) -> str:
    """A field value in comparable form: its watchlist words joined by single spaces."""
    return " ".join(_words(value))


class QuerySyntaxError(ValueError):
    """A watchlist query that cannot be parsed; ``str()`` shows the message, the query and a caret."""

    def __init__(self, message: str, query: str, position: int) -> None:
        self.message = message
        self.query = query
        self.position = position
        shown, column = _window(query, position, _ERROR_CONTEXT)
        super().__init__(f"{message} (posisi {position})\n{shown}\n{' ' * column}^")

    @property
    def inline(self) -> str:
        """The error in one line, for a log or a configuration error: ``▶`` marks the position."""
        shown, column = _window(self.query, self.position, _INLINE_CONTEXT)
        return f"{self.message} (posisi {self.position}): {shown[:column]}{_MARK}{shown[column:]}"


def _window(query: str, position: int, context: int) -> tuple[str, int]:
    """The query around ``position`` (``…`` where cut, unprintable characters as spaces) and the column of
    ``position`` in it."""
    start = max(0, position - context)
    end = min(len(query), position + context)
    lead = "…" if start else ""
    tail = "…" if end < len(query) else ""
    shown = "".join(char if char.isprintable() else " " for char in query[start:end])
    return f"{lead}{shown}{tail}", len(lead) + position - start


class _Positions(Mapping[str, Sequence[int]]):
    """Where each word of a document occurs, found on first request: most queries only ask whether a
    word occurs (a set lookup), so indexing every word of every document up front would be wasted work."""

    def __init__(self, tokens: tuple[str, ...]) -> None:
        self._tokens = tokens
        self._words = frozenset(tokens)
        self._found: dict[str, list[int]] = {}

    def __contains__(self, word: object) -> bool:
        return word in self._words

    def __getitem__(self, word: str) -> list[int]:
        if word not in self._words:
            raise KeyError(word)
        found = self._found.get(word)
        if found is None:
            found = self._found[word] = [i for i, token in enumerate(self._tokens) if token == word]
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._words)

    def keys_view(self) -> frozenset[str]:
        return self._words


@dataclass(frozen=True)
class WatchDocument:
    """A document tokenised once for all watchlists: its words, where each occurs, and its field values."""

    tokens: tuple[str, ...]
    positions: _Positions
    fields: Mapping[str, frozenset[str]]

    @cached_property
    def vocabulary(self) -> tuple[str, ...]:
        """The distinct words, sorted (for prefix queries; built on the first one)."""
        return tuple(sorted(self.positions))

    @classmethod
    def build(
        cls,
        text: str,
        region_code: str = "",
        region_names: Iterable[str] = (),
        source_slug: str = "",
        function: str = "",
    ) -> WatchDocument:
        """Normalise and index ``text``; the other values are what the field filters test."""
        return cls._index(tuple(_words(text)), region_code, region_names, source_slug, function)

    @classmethod
    def from_tokens(
        cls,
        model_tokens: Sequence[str],
        region_code: str = "",
        region_names: Iterable[str] = (),
        source_slug: str = "",
        function: str = "",
    ) -> WatchDocument:
        """Index words already produced by ``nlp.text.tokens`` (triage tokenises a text once for all)."""
        forms = _WATCH_FORMS
        words = tuple(
            word for token in model_tokens for word in (forms.get(token) or _remember_watch_form(token))
        )
        return cls._index(words, region_code, region_names, source_slug, function)

    @classmethod
    def _index(
        cls,
        tokens: tuple[str, ...],
        region_code: str,
        region_names: Iterable[str],
        source_slug: str,
        function: str,
    ) -> WatchDocument:
        regions = {_key(value) for value in (region_code, *region_names)}
        fields = {
            "wilayah": frozenset(regions - {""}),
            "sumber": frozenset({_key(source_slug)} - {""}),
            "fungsi": frozenset({_key(function)} - {""}),
        }
        return cls(tokens, _Positions(tokens), fields)

    def has_prefix(self, prefix: str) -> bool:
        """Whether some word of the document starts with ``prefix``."""
        index = bisect_left(self.vocabulary, prefix)
        return index < len(self.vocabulary) and self.vocabulary[index].startswith(prefix)

    def starts(self, words: tuple[str, ...], prefix: bool) -> Iterator[int]:
        """Start positions of the phrase ``words`` (the last word only a prefix when ``prefix``)."""
        if prefix and len(words) == 1:
            yield from self._prefix_positions(words[0])
            return
        head, last, length = words[:-1], words[-1], len(words)
        tokens = self.tokens
        for start in self.positions.get(words[0], ()):
            end = start + length - 1
            if end >= len(tokens):
                return
            last_matches = tokens[end].startswith(last) if prefix else tokens[end] == last
            if last_matches and tokens[start:end] == head:
                yield start

    def _prefix_positions(self, prefix: str) -> Iterator[int]:
        """Positions of every word starting with ``prefix`` (grouped by word, not globally sorted)."""
        index = bisect_left(self.vocabulary, prefix)
        while index < len(self.vocabulary) and self.vocabulary[index].startswith(prefix):
            yield from self.positions[self.vocabulary[index]]
            index += 1


# ---------------------------------------------------------------------------------------------------------
# Query tree


@dataclass(frozen=True, slots=True)
class _Node(ABC):
    """A compiled sub-query; ``pos`` is where it starts in the query text."""

    pos: int

    @abstractmethod
    def matches(self, doc: WatchDocument) -> bool:
        """Whether the document satisfies this sub-query."""

    @abstractmethod
    def collect(self, doc: WatchDocument, found: list[_Term]) -> None:
        """Append the terms that make this (true) sub-query true."""


@dataclass(frozen=True, slots=True)
class _Term(_Node):
    """A word, a wildcard word or a phrase: consecutive normalised words."""

    text: str
    words: tuple[str, ...]
    prefix: bool

    def matches(self, doc: WatchDocument) -> bool:
        if len(self.words) > 1:
            return next(doc.starts(self.words, self.prefix), None) is not None
        return doc.has_prefix(self.words[0]) if self.prefix else self.words[0] in doc.positions

    def collect(self, doc: WatchDocument, found: list[_Term]) -> None:
        found.append(self)

    def spans(self, doc: WatchDocument) -> list[tuple[int, int]]:
        """(first, last) word positions of every occurrence."""
        extra = len(self.words) - 1
        return [(start, start + extra) for start in doc.starts(self.words, self.prefix)]


@dataclass(frozen=True, slots=True)
class _Field(_Node):
    """``wilayah:``, ``sumber:`` or ``fungsi:`` with its value in comparable form."""

    name: str
    key: str

    def matches(self, doc: WatchDocument) -> bool:
        return self.key in doc.fields[self.name]

    def collect(self, doc: WatchDocument, found: list[_Term]) -> None:
        """Fields describe the document, not its words: they give no evidence terms."""


@dataclass(frozen=True, slots=True)
class _Not(_Node):
    """NOT child: true when the child is false."""

    child: _Node

    def matches(self, doc: WatchDocument) -> bool:
        return not self.child.matches(doc)

    def collect(self, doc: WatchDocument, found: list[_Term]) -> None:
        """A true NOT means its terms are absent: no evidence."""


@dataclass(frozen=True, slots=True)
class _And(_Node):
    """All children true (explicit or implicit AND)."""

    children: tuple[_Node, ...]

    def matches(self, doc: WatchDocument) -> bool:
        return all(child.matches(doc) for child in self.children)

    def collect(self, doc: WatchDocument, found: list[_Term]) -> None:
        for child in self.children:
            child.collect(doc, found)


@dataclass(frozen=True, slots=True)
class _Or(_Node):
    """Any child true."""

    children: tuple[_Node, ...]
    # the children that are plain single words, checked at once against the document's words
    words: frozenset[str] = field(default=frozenset(), compare=False)
    others: tuple[_Node, ...] = field(default=(), compare=False)

    @classmethod
    def of(cls, pos: int, children: tuple[_Node, ...]) -> _Or:
        def plain(child: _Node) -> bool:
            return isinstance(child, _Term) and len(child.words) == 1 and not child.prefix

        words = frozenset(child.words[0] for child in children if isinstance(child, _Term) and plain(child))
        return cls(pos, children, words, tuple(child for child in children if not plain(child)))

    def matches(self, doc: WatchDocument) -> bool:
        if not self.words.isdisjoint(doc.positions.keys_view()):
            return True
        return any(child.matches(doc) for child in self.others)

    def collect(self, doc: WatchDocument, found: list[_Term]) -> None:
        for child in self.children:
            if child.matches(doc):
                child.collect(doc, found)


_Bounds = tuple[list[int], list[int]]


def _bounds(terms: tuple[_Term, ...], doc: WatchDocument) -> _Bounds:
    """Sorted first positions and sorted last positions of every occurrence of any of ``terms``."""
    spans = [span for term in terms for span in term.spans(doc)]
    return sorted(first for first, _ in spans), sorted(last for _, last in spans)


def _has_partner(spans: list[tuple[int, int]], others: _Bounds, distance: int) -> bool:
    """Whether some span has an occurrence in ``others`` at most ``distance`` words away (not overlapping)."""
    firsts, lasts = others
    for first, last in spans:
        after = bisect_left(firsts, last + 1)
        if after < len(firsts) and firsts[after] <= last + distance:
            return True
        before = bisect_left(lasts, first - distance)
        if before < len(lasts) and lasts[before] < first:
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Near(_Node):
    """``left NEAR/n right``: an occurrence of each side at most n words apart, in either order."""

    left: tuple[_Term, ...]
    right: tuple[_Term, ...]
    distance: int

    def matches(self, doc: WatchDocument) -> bool:
        if not (any(t.matches(doc) for t in self.left) and any(t.matches(doc) for t in self.right)):
            return False
        right = _bounds(self.right, doc)
        return any(_has_partner(term.spans(doc), right, self.distance) for term in self.left)

    def collect(self, doc: WatchDocument, found: list[_Term]) -> None:
        left, right = _bounds(self.left, doc), _bounds(self.right, doc)
        found.extend(term for term in self.left if _has_partner(term.spans(doc), right, self.distance))
        found.extend(term for term in self.right if _has_partner(term.spans(doc), left, self.distance))


# ---------------------------------------------------------------------------------------------------------
# Tokenizer


class _Kind(enum.Enum):
    WORD = enum.auto()
    PHRASE = enum.auto()
    FIELD = enum.auto()
    AND = enum.auto()
    OR = enum.auto()
    NOT = enum.auto()
    NEAR = enum.auto()
    OPEN = enum.auto()
    CLOSE = enum.auto()
    END = enum.auto()


_KEYWORDS: Final = {"AND": _Kind.AND, "OR": _Kind.OR, "NOT": _Kind.NOT}
_OPERATORS: Final = frozenset({_Kind.AND, _Kind.OR, _Kind.NOT, _Kind.NEAR})
_BINARY: Final = frozenset({_Kind.AND, _Kind.OR, _Kind.NEAR})
_LEAVES: Final = frozenset({_Kind.WORD, _Kind.PHRASE, _Kind.FIELD})
_OPERAND_STARTS: Final = _LEAVES | {_Kind.OPEN, _Kind.NOT}


class _Token(NamedTuple):
    kind: _Kind
    pos: int
    text: str
    words: tuple[str, ...] = ()
    prefix: bool = False
    field: str = ""
    distance: int = 0


class _Tokenizer:
    """Splits a query into tokens in one left-to-right pass, normalising terms and counting them."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens: list[_Token] = []
        self.terms = 0

    def error(self, message: str, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.query, position)

    def run(self) -> list[_Token]:
        query, index = self.query, 0
        while index < len(query):
            char = query[index]
            if char.isspace():
                index += 1
            elif char in "()":
                self.tokens.append(_Token(_Kind.OPEN if char == "(" else _Kind.CLOSE, index, char))
                index += 1
            elif char == '"':
                index = self.phrase(index)
            elif char == "-" and self.starts_operand(index + 1):
                self.tokens.append(_Token(_Kind.NOT, index, "-"))
                index += 1
            else:
                index = self.bare(index)
        self.tokens.append(_Token(_Kind.END, len(query), ""))
        return self.tokens

    def starts_operand(self, index: int) -> bool:
        return index < len(self.query) and not self.query[index].isspace() and self.query[index] != ")"

    def quoted(self, index: int) -> tuple[str, int]:
        """The text between the quote at ``index`` and its closing quote, and the index after it."""
        close = self.query.find('"', index + 1)
        if close < 0:
            raise self.error("tanda kutip tidak ditutup", index)
        return self.query[index + 1 : close], close + 1

    def phrase(self, index: int) -> int:
        text, end = self.quoted(index)
        self.add_term(_Token(_Kind.PHRASE, index, text, self.words_of(text, index)))
        return end

    def bare(self, index: int) -> int:
        stop = _BARE_END.search(self.query, index)
        end = stop.start() if stop else len(self.query)
        text = self.query[index:end]
        field_match = _FIELD.fullmatch(text) if ":" in text else None
        if text in _KEYWORDS:
            self.tokens.append(_Token(_KEYWORDS[text], index, text))
        elif text == "NEAR" or text.startswith("NEAR/"):
            self.tokens.append(_Token(_Kind.NEAR, index, text, distance=self.near_distance(text, index)))
        elif field_match:
            return self.field(index, field_match.group(1), field_match.group(2), end)
        else:
            self.word(index, text)
        return end

    def near_distance(self, text: str, index: int) -> int:
        if text == "NEAR":
            raise self.error("NEAR harus diberi jarak, misalnya NEAR/3", index + 4)
        digits = text[5:]
        if not _NEAR_DISTANCE.fullmatch(digits):
            raise self.error("NEAR/ harus diikuti angka jarak, misalnya NEAR/3", index + 5)
        if len(digits) > len(str(MAX_NEAR)) or not 1 <= int(digits) <= MAX_NEAR:
            raise self.error(f"jarak NEAR harus antara 1 dan {MAX_NEAR}", index + 5)
        return int(digits)

    def field(self, index: int, name: str, value: str, end: int) -> int:
        if name.lower() not in FIELDS:
            raise self.error(f"field tidak dikenal: {name}: (yang ada: wilayah:, sumber:, fungsi:)", index)
        value_index = index + len(name) + 1
        if value:
            if "*" in value:
                raise self.error("tanda * tidak bisa dipakai pada field", value_index + value.index("*"))
        elif end < len(self.query) and self.query[end] == '"':
            value, end = self.quoted(end)
        else:
            raise self.error(f"nilai untuk {name}: kosong", value_index)
        words = self.words_of(value, value_index)
        self.add_term(_Token(_Kind.FIELD, index, value, words, field=name.lower()))
        return end

    def word(self, index: int, text: str) -> None:
        star = text.find("*")
        if 0 <= star < len(text) - 1:
            raise self.error("tanda * hanya boleh di akhir kata, misalnya banjir*", index + star)
        if text == "*":
            raise self.error("tanda * harus didahului kata, misalnya banjir*", index)
        stem = text.removesuffix("*")
        self.add_term(_Token(_Kind.WORD, index, text, self.words_of(stem, index), prefix=star >= 0))

    def words_of(self, text: str, index: int) -> tuple[str, ...]:
        words = tuple(_words(text))
        if not words:
            shown = text if len(text) <= 30 else text[:30] + "…"
            raise self.error(f"istilah kosong: '{shown}' tidak berisi huruf atau angka", index)
        if len(words) > MAX_PHRASE_WORDS:
            raise self.error(f"frasa terlalu panjang (maksimum {MAX_PHRASE_WORDS} kata)", index)
        return words

    def add_term(self, token: _Token) -> None:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.error(f"terlalu banyak istilah (maksimum {MAX_TERMS})", token.pos)
        self.tokens.append(token)


# ---------------------------------------------------------------------------------------------------------
# Parser


class _Parser:
    """Recursive descent over the tokens; only parentheses and NOT recurse, at most ``MAX_DEPTH`` deep."""

    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def error(self, message: str, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.query, position)

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> _Node:
        node = self.or_expr()
        token = self.peek()
        if token.kind is not _Kind.END:
            raise self.error("kurung tutup tidak punya pasangan", token.pos)
        return node

    def or_expr(self) -> _Node:
        children = [self.and_expr()]
        while self.peek().kind is _Kind.OR:
            self.advance()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else _Or.of(children[0].pos, tuple(children))

    def and_expr(self) -> _Node:
        children = [self.near_expr()]
        while True:
            kind = self.peek().kind
            if kind is _Kind.AND:
                self.advance()
            elif kind not in _OPERAND_STARTS:
                break
            children.append(self.near_expr())
        return children[0] if len(children) == 1 else _And(children[0].pos, tuple(children))

    def near_expr(self) -> _Node:
        node = self.unary()
        if self.peek().kind is not _Kind.NEAR:
            return node
        distance = self.advance().distance
        left = self.near_operand(node)
        near = _Near(node.pos, left, self.near_operand(self.unary()), distance)
        if self.peek().kind is _Kind.NEAR:
            message = "NEAR tidak bisa dirangkai; pisahkan dengan AND, misalnya a NEAR/3 b AND b NEAR/3 c"
            raise self.error(message, self.peek().pos)
        return near

    def near_operand(self, node: _Node) -> tuple[_Term, ...]:
        if isinstance(node, _Term):
            return (node,)
        if isinstance(node, _Or):
            return tuple(term for child in node.children for term in self.near_operand(child))
        raise self.error("operan NEAR harus kata, frasa, atau kelompok OR dari kata/frasa", node.pos)

    def unary(self) -> _Node:
        token = self.peek()
        if token.kind is not _Kind.NOT:
            return self.primary()
        self.enter(token)
        self.advance()
        node = _Not(token.pos, self.unary())
        self.depth -= 1
        return node

    def primary(self) -> _Node:
        token = self.peek()
        if token.kind is _Kind.OPEN:
            return self.group()
        if token.kind not in _LEAVES:
            raise self.unexpected(token)
        self.advance()
        if token.kind is _Kind.FIELD:
            return _Field(token.pos, token.field, " ".join(token.words))
        return _Term(token.pos, token.text, token.words, token.prefix)

    def group(self) -> _Node:
        opening = self.advance()
        self.enter(opening)
        if self.peek().kind is _Kind.CLOSE:
            raise self.error("kurung kosong", opening.pos)
        if self.peek().kind is _Kind.END:
            raise self.error("kurung buka tidak ditutup", opening.pos)
        node = self.or_expr()
        if self.peek().kind is not _Kind.CLOSE:
            raise self.error("kurung buka tidak ditutup", opening.pos)
        self.advance()
        self.depth -= 1
        return replace(node, pos=opening.pos)

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"kurung/NOT terlalu bersarang (maksimum {MAX_DEPTH} tingkat)", token.pos)

    def unexpected(self, token: _Token) -> QuerySyntaxError:
        """The error for a token where a term was expected."""
        previous = self.tokens[self.index - 1] if self.index else None
        if previous is not None and previous.kind in _OPERATORS:
            return self.error(f"operator {previous.text} tidak diikuti istilah", previous.pos)
        if token.kind in _BINARY:
            return self.error(f"operator {token.text} tidak didahului istilah", token.pos)
        if token.kind is _Kind.END:
            return self.error("kueri kosong", 0)
        return self.error("kurung tutup tidak punya pasangan", token.pos)


# ---------------------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class Query:
    """A compiled watchlist query: match it against many `WatchDocument`s."""

    text: str
    root: _Node = field(repr=False)

    def matches(self, doc: WatchDocument) -> bool:
        """Whether the document satisfies the query (a document without words never does)."""
        return bool(doc.tokens) and self.root.matches(doc)

    def evidence(self, doc: WatchDocument) -> list[str]:
        """The terms and phrases that matched, in query order, without repeats, as written (phrases unquoted).

        Empty when the query does not match; terms under NOT and field filters are never evidence.
        """
        return self._evidence(doc) if self.matches(doc) else []

    def _evidence(self, doc: WatchDocument) -> list[str]:
        """The evidence of a query already known to match."""
        found: list[_Term] = []
        self.root.collect(doc, found)
        return list(dict.fromkeys(term.text for term in sorted(found, key=lambda term: term.pos)))


@lru_cache(maxsize=1024)
def parse(query: str) -> Query:
    """Compile a watchlist query; raises `QuerySyntaxError` (with the position) when it is not valid.

    Memoised (a `Query` is immutable): the check when the configuration loads and every Triager built from
    it share one compilation of each query."""
    if len(query) > MAX_QUERY_CHARS:
        message = f"kueri terlalu panjang ({len(query)} karakter, maksimum {MAX_QUERY_CHARS})"
        raise QuerySyntaxError(message, query, MAX_QUERY_CHARS)
    tokens = _Tokenizer(query).run()
    return Query(query, _Parser(query, tokens).parse())


@dataclass(frozen=True)
class Watchlist:
    """A named query with a priority; the query is compiled at construction, so a bad one fails here."""

    name: str
    query: str
    priority: int = 1
    compiled: Query = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", parse(self.query))


@dataclass(frozen=True)
class WatchlistHit:
    """A watchlist that matched a document, with the terms that made it match."""

    name: str
    priority: int
    terms: list[str]


def match_watchlists(watchlists: Sequence[Watchlist], doc: WatchDocument) -> list[WatchlistHit]:
    """The watchlists the document matches, highest priority first, then by name."""
    hits = [
        WatchlistHit(watchlist.name, watchlist.priority, watchlist.compiled._evidence(doc))
        for watchlist in watchlists
        if watchlist.compiled.matches(doc)
    ]
    return sorted(hits, key=lambda hit: (-hit.priority, hit.name))
