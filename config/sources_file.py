"""Edit the sources file from the command line (``pantau sources add|disable|enable``) without losing what
people wrote in it: entries are changed line by line, comments and layout stay, and a change that does not
validate is rolled back with the error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError
from config.yaml_source import YamlDocument

_ITEM = re.compile(r"^(?P<indent>\s*)-\s+slug:\s*(?P<quote>[\"']?)(?P<slug>[\w-]+)(?P=quote)\s*(#.*)?$")
_ENABLED = re.compile(r"^\s*enabled:")


def _text(path: Path) -> str:
    """The file's text; a missing, unreadable or malformed file is a ConfigError with its line first."""
    YamlDocument.read(path)
    return path.read_text(encoding="utf-8")


def _checked_write(path: Path, text: str, validate: Callable[[], object]) -> None:
    """Write ``text``; if ``validate`` then raises a ConfigError, put the old file back and re-raise."""
    original = _text(path)
    path.write_text(text, encoding="utf-8")
    try:
        validate()
    except ConfigError:
        path.write_text(original, encoding="utf-8")
        raise


def set_enabled(path: Path, slug: str, enabled: bool, validate: Callable[[], object]) -> None:
    """Set ``enabled`` of the source ``slug`` (an entry written in block style, starting with ``- slug:``)."""
    lines = _text(path).splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if (m := _ITEM.match(line)) and m["slug"] == slug), None)
    if start is None:
        raise ConfigError(path, None, f"no source {slug!r} written as '- slug: {slug}'")
    item = _ITEM.match(lines[start])
    assert item is not None
    key_indent = " " * (len(item["indent"]) + 2)
    end = start + 1
    while end < len(lines) and lines[end].startswith(key_indent) and not _ITEM.match(lines[end]):
        end += 1
    value = f"{key_indent}enabled: {'true' if enabled else 'false'}\n"
    existing = next((i for i in range(start + 1, end) if _ENABLED.match(lines[i])), None)
    if existing is None:
        lines.insert(start + 1, value)
    else:
        lines[existing] = value
    _checked_write(path, "".join(lines), validate)


def add_source(path: Path, entry: dict[str, Any], validate: Callable[[], object]) -> None:
    """Append a source entry at the end of the file's ``sources:`` list."""
    text = _text(path)
    text = re.sub(r"^sources:\s*\[\]\s*$", "sources:", text, flags=re.MULTILINE)
    block = yaml.safe_dump(
        [{k: v for k, v in entry.items() if v is not None}], allow_unicode=True, sort_keys=False
    )
    indented = "".join(f"  {line}" for line in block.splitlines(keepends=True))
    _checked_write(path, text.rstrip("\n") + "\n" + indented, validate)
