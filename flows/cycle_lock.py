"""One monitoring cycle at a time per var dir.

A var dir is one installation's runtime state: the default SQLite database and the embedded Prefect server's
home. Two cycles started at once on it would start two temporary Prefect servers that migrate the same Prefect
database together, so a cycle holds an exclusive lock on ``var_dir/cycle.lock`` (``flock``: the OS releases
it when the process ends, however it ends) and a second one stops at once with one line.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from config.errors import PantauError

LOCK_FILE = "cycle.lock"


class CycleBusy(PantauError):
    """Another process is running a cycle on the same var dir."""


@contextmanager
def cycle_lock(var_dir: Path) -> Iterator[None]:
    """Hold the var dir's cycle lock for the block; raise CycleBusy at once when another holder has it."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / LOCK_FILE
    path.touch()
    with path.open("r+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = handle.read().strip() or "?"
            raise CycleBusy(
                f"siklus lain sedang berjalan untuk var dir {var_dir} (pid {holder}); tunggu sampai selesai"
            ) from None
        # the holder's pid for the message above, at one width over the old one: never read empty or mixed
        handle.write(f"{os.getpid():>10}")
        handle.truncate()
        handle.flush()
        yield
