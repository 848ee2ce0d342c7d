"""Read a YAML file strictly: duplicate keys are errors, and every value remembers its line.

Pydantic reports *where* in the data a value is wrong (a path of keys and indices); ``YamlDocument.line_of``
turns that path back into a line of the file, so a bad configuration names the file, the line and the fault.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from config.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


class _LineDict(dict[Any, Any]):
    lines: dict[Any, int]


class _LineList(list[Any]):
    lines: list[int]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and records the line of every key and item."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        self.flatten_mapping(node)
        result = _LineDict()
        result.lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None, None, f"unhashable key {key!r}", key_node.start_mark
                )
            if key in result:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            result[key] = self.construct_object(value_node, deep=True)
            result.lines[key] = value_node.start_mark.line + 1
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> list[Any]:
        result = _LineList(self.construct_object(child, deep=True) for child in node.value)
        result.lines = [child.start_mark.line + 1 for child in node.value]
        return result


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    lambda loader, node: loader.construct_mapping(node),  # type: ignore[arg-type]
)
_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    lambda loader, node: loader.construct_sequence(node),  # type: ignore[arg-type]
)


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        self.key = key
        self.line = line


class YamlDocument:
    """A parsed YAML file that can tell the line of any value inside it."""

    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        self.data = data

    @classmethod
    def read(cls, path: Path, replacements: dict[str, str] | None = None) -> YamlDocument:
        """Parse ``path``; ``replacements`` substitutes placeholders (such as ``__BASE_URL__``) first."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(path, None, "file not found") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        for placeholder, value in (replacements or {}).items():
            text = text.replace(placeholder, value)
        try:
            data = yaml.load(text, Loader=_StrictLoader)
        except _DuplicateKey as exc:
            raise ConfigError(path, exc.line, f"duplicate key {exc.key!r}") from None
        except yaml.MarkedYAMLError as exc:
            line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
            raise ConfigError(path, line, f"invalid YAML: {exc.problem}") from None
        return cls(path, data)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The line of the deepest value on ``loc`` that exists in the file."""
        node, line = self.data, None
        for part in loc:
            in_dict = isinstance(node, _LineDict) and part in node
            in_list = isinstance(node, _LineList) and isinstance(part, int) and 0 <= part < len(node)
            if not (in_dict or in_list):
                break
            line, node = node.lines[part], node[part]
        return line

    def error(self, loc: Sequence[str | int], message: str) -> ConfigError:
        """A ConfigError pointing at the value at ``loc``."""
        where = ".".join(str(p) for p in loc)
        return ConfigError(self.path, self.line_of(loc), f"{where}: {message}" if where else message)

    def validate(self, model: type[M], data: Any = None, loc: Sequence[str | int] = ()) -> M:
        """Validate ``data`` (default: the whole file) as ``model``; the first fault becomes a ConfigError."""
        try:
            return model.model_validate(self.data if data is None else data)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise self.error([*loc, *first["loc"]], first["msg"]) from None
