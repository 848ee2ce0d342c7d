"""Read a YAML file strictly: duplicate keys are errors, and every value remembers where it was written.

Pydantic reports *where* in the data a value is wrong (a path of keys and indices); ``YamlDocument.line_of``
turns that path back into a line of the file, so a bad configuration names the file, the line and the fault.
Whatever goes wrong while reading (bytes that are not UTF-8, a date such as ``2026-13-45``, a list where a
mapping belongs, nesting without end) becomes a ``ConfigError`` with the line, never a traceback.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast

import yaml
from pydantic import BaseModel, ValidationError
from yaml._yaml import CParser
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from config.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

MAX_NESTING = 64  # levels of mappings and lists: Pantau's files need about six
NESTED_TOO_DEEP = f"nested more than {MAX_NESTING} levels deep"
LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"  # libyaml's own limit (1,000), met first in flow style
_BREAKS = "\n\r\x85\u2028\u2029"  # what PyYAML counts as a line break
_TAG_NAMES = {"timestamp": "a date", "int": "a number", "float": "a number"}


class _Span(NamedTuple):
    """Where a value was written: its first line (1-based) and its source text's bounds and style."""

    line: int
    start: int  # character index of the source text in the file
    end: int
    style: str | None  # None (plain), "'", '"', "|" or ">"

    @classmethod
    def of(cls, node: yaml.Node) -> _Span:
        style = (node.style or None) if isinstance(node, yaml.ScalarNode) else None  # libyaml's plain is ''
        return cls(node.start_mark.line + 1, node.start_mark.index, node.end_mark.index, style)


class _LineDict(dict[Any, Any]):
    spans: dict[Any, _Span]


class _LineList(list[Any]):
    spans: list[_Span]


class _UnreadableValue(yaml.constructor.ConstructorError):
    """Well-formed YAML whose value cannot be built (``2026-13-45`` is read as a date, and there is none)."""


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        self.key = key
        self.line = line


def _unreadable(node: yaml.Node, exc: Exception) -> str:
    """Why a value could not be built, e.g. "'2026-13-45' reads as a date but is not one (month ...)"."""
    kind = _TAG_NAMES.get(node.tag.rsplit(":", 1)[-1], node.tag)
    value = node.value if isinstance(node, yaml.ScalarNode) else node.tag
    return f"{value!r} reads as {kind} but is not one ({exc})"


class _StrictLoader(Composer, CParser, SafeConstructor, Resolver):
    """A safe loader that refuses duplicate keys and deep nesting, records where every key and item was
    written, and turns a failing value constructor into a ConstructorError at the value's line.

    libyaml (PyYAML's C extension) scans and parses: the pure-Python scanner took nine tenths of reading the
    configuration, which every command, flow run and console start does. The nodes are still composed in
    Python (``Composer`` before ``CParser``), so that nesting is counted before it can overflow a stack."""

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.depth = 0
        self.root_line = 1

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            event = self.peek_event()
            mark = cast(yaml.Mark, event.start_mark) if event is not None else None
            raise yaml.composer.ComposerError(None, None, NESTED_TOO_DEEP, mark)
        node = super().compose_node(parent, index)
        self.depth -= 1
        return node

    def construct_document(self, node: yaml.Node) -> Any:
        self.root_line = node.start_mark.line + 1
        return super().construct_document(node)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (yaml.YAMLError, _DuplicateKey):
            raise
        except Exception as exc:  # any constructor's failure: this value is unreadable, say where it is
            raise _UnreadableValue(None, None, _unreadable(node, exc), node.start_mark) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        self.flatten_mapping(node)
        result = _LineDict()
        result.spans = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None, None, f"unhashable key {key!r}", key_node.start_mark
                )
            if key in result:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            result[key] = self.construct_object(value_node, deep=True)
            result.spans[key] = _Span.of(value_node)
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> list[Any]:
        result = _LineList(self.construct_object(child, deep=True) for child in node.value)
        result.spans = [_Span.of(child) for child in node.value]
        return result


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    lambda loader, node: loader.construct_mapping(node),  # type: ignore[arg-type]
)
_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    lambda loader, node: loader.construct_sequence(node),  # type: ignore[arg-type]
)


def _line_column(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of character ``index`` of ``text``, counting breaks as PyYAML does."""
    line, line_start = 1, 0
    for position, char in enumerate(text[:index]):
        if char in _BREAKS and not (char == "\r" and text[position + 1 : position + 2] == "\n"):
            line, line_start = line + 1, position + 1
    return line, index - line_start + 1


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> ConfigError:
    """The error for a file that is not UTF-8: the line and column of its first bad byte."""
    raw = exc.object
    line_start = raw.rfind(b"\n", 0, exc.start) + 1
    line = raw.count(b"\n", 0, exc.start) + 1
    column = len(raw[line_start : exc.start].decode("utf-8")) + 1
    byte = raw[exc.start : exc.start + 1].hex()
    message = f"not UTF-8 text: byte 0x{byte} ({exc.reason}); save the file as UTF-8"
    return ConfigError(path, line, message, column=column)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return "a text" if isinstance(value, str) else f"a single value ({value!r})"


def _source_indexes(raw: str, value: str, style: str | None) -> Iterator[int]:
    """For each character of a scalar's ``value``, the index in ``raw`` (its source text) it was read from.

    Walks both texts together: characters that the YAML style drops (indentation, the quotes, a block
    scalar's header, an escaped line break) are skipped, a folded line break gives a space, an escape
    sequence gives one character. Stops early if the two stop agreeing."""
    if style in ("|", ">"):
        index = next((i for i, char in enumerate(raw) if char in _BREAKS), len(raw)) + 1
    else:
        index = 1 if style in ("'", '"') else 0
    for char in value:
        while index < len(raw):
            source = raw[index]
            if style == '"' and source == "\\":
                follower = raw[index + 1 : index + 2]
                if follower and follower in _BREAKS:  # an escaped line break gives nothing
                    index += 2
                    continue
                yield index
                index += {"x": 4, "u": 6, "U": 10}.get(follower, 2)
                break
            if source == char or (char in " \n" and source in _BREAKS):
                yield index
                index += 2 if style == "'" and char == "'" else 1  # '' is one quote in single quotes
                break
            index += 1
        else:
            return


def _parse(path: Path, text: str) -> tuple[Any, int]:
    """The data of ``text`` and the line where it starts; any fault is a ConfigError with its line."""
    try:
        loader = _StrictLoader(text)
        try:
            return loader.get_single_data(), loader.root_line
        finally:
            loader.dispose()
    except _DuplicateKey as exc:
        raise ConfigError(path, exc.line, f"duplicate key {exc.key!r}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        prefix = "" if isinstance(exc, _UnreadableValue) else "invalid YAML: "
        problem = exc.problem or exc.context
        problem = NESTED_TOO_DEEP if problem == LIBYAML_TOO_DEEP else problem
        raise ConfigError(path, line, f"{prefix}{problem}", column=column) from None
    except yaml.reader.ReaderError as exc:  # libyaml gives the byte offset in the UTF-8 text
        line, column = _line_column(text, len(text.encode("utf-8")[: exc.position].decode("utf-8", "ignore")))
        message = f"invalid YAML: character #x{exc.character:04x} is not allowed ({exc.reason})"
        raise ConfigError(path, line, message, column=column) from None


def _written_at(raw: str, value: str, style: str | None, offset: int) -> int | None:
    """The index in ``raw`` of ``value[offset]`` (just after the last character when ``offset`` is beyond)."""
    last = min(offset, len(value) - 1)
    for position, index in enumerate(_source_indexes(raw, value, style)):
        if position == last:
            return index + (1 if offset > last else 0)
    return None


class YamlDocument:
    """A parsed YAML file whose top level is a mapping, and that can tell where any value was written."""

    def __init__(self, path: Path, data: Any, text: str) -> None:
        self.path = path
        self.data = data
        self.text = text

    @classmethod
    def read(cls, path: Path, replacements: dict[str, str] | None = None) -> YamlDocument:
        """Parse ``path``; ``replacements`` substitutes placeholders (such as ``__BASE_URL__``) first."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(path, None, "file not found") from None
        except UnicodeDecodeError as exc:
            raise _not_utf8(path, exc) from None
        except OSError as exc:
            raise ConfigError(path, None, f"cannot read the file: {exc.strerror}") from None
        for placeholder, value in (replacements or {}).items():
            text = text.replace(placeholder, value)
        data, root_line = _parse(path, text)
        if data is None:
            raise ConfigError(
                path, 1, "the file is empty (or only comments): a mapping (key: value) is expected"
            )
        if not isinstance(data, dict):
            raise ConfigError(
                path, root_line, f"a mapping (key: value) is expected at the top, not {_kind(data)}"
            )
        return cls(path, data, text)

    def _span(self, loc: Sequence[str | int]) -> tuple[Any, _Span | None]:
        """The deepest value on ``loc`` that exists in the file, with where it was written."""
        node, span = self.data, None
        for part in loc:
            in_dict = isinstance(node, _LineDict) and part in node
            in_list = isinstance(node, _LineList) and isinstance(part, int) and 0 <= part < len(node)
            if not (in_dict or in_list):
                break
            span, node = node.spans[part], node[part]
        return node, span

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The line of the deepest value on ``loc`` that exists in the file."""
        _node, span = self._span(loc)
        return span.line if span is not None else None

    def error(self, loc: Sequence[str | int], message: str) -> ConfigError:
        """A ConfigError pointing at the value at ``loc``."""
        where = ".".join(str(p) for p in loc)
        return ConfigError(self.path, self.line_of(loc), f"{where}: {message}" if where else message)

    def error_in_text(self, loc: Sequence[str | int], offset: int, message: str) -> ConfigError:
        """A ConfigError pointing at character ``offset`` of the text value at ``loc``: the line and column
        where that character was written, also inside a multi-line or quoted YAML scalar."""
        error = self.error(loc, message)
        value, span = self._span(loc)
        if span is None or not isinstance(value, str) or not value:
            return error
        index = _written_at(self.text[span.start : span.end], value, span.style, offset)
        if index is None:
            return error
        line, column = _line_column(self.text, span.start + index)
        return ConfigError(self.path, line, error.message, column=column)

    def validate(self, model: type[M], data: Any = None, loc: Sequence[str | int] = ()) -> M:
        """Validate ``data`` (default: the whole file) as ``model``; the first fault becomes a ConfigError."""
        try:
            return model.model_validate(self.data if data is None else data)
        except ValidationError as exc:
            first = exc.errors()[0]
            # our own validators' messages without pydantic's "Value error, " before them
            error = first.get("ctx", {}).get("error")
            message = str(error) if first["type"] == "value_error" and error is not None else first["msg"]
            raise self.error([*loc, *first["loc"]], message) from None
