"""Errors a user is shown as one line (no traceback): ``PantauError`` and its kinds.

``ConfigError`` is the one error type for bad configuration: it names the file, the line and what is wrong.
"""

from __future__ import annotations

from pathlib import Path


class PantauError(Exception):
    """A failure the user can act on: the command line prints its message in one line and exits 2."""


class ConfigError(PantauError):
    """A configuration file is malformed or inconsistent; start-up must stop."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")
