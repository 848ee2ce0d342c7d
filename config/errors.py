"""Errors a user is shown as one line (no traceback): ``PantauError`` and its kinds.

``ConfigError`` is the one error type for bad configuration: it names the file, the line (and the column, when
known) and what is wrong, as ``file:line:column: message``, the form editors and terminals can jump to.
"""

from __future__ import annotations

from pathlib import Path


class PantauError(Exception):
    """A failure the user can act on: the command line prints its message in one line and exits 2."""


class ConfigError(PantauError):
    """A configuration file is malformed or inconsistent; start-up must stop."""

    def __init__(
        self, path: Path | str, line: int | None, message: str, *, column: int | None = None
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.column = column if line is not None else None
        self.message = message
        where = ":".join(str(part) for part in (self.path, line, self.column) if part is not None)
        super().__init__(f"{where}: {message}")
