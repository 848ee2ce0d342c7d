"""Tie a process's life to its parent's: a crawl child or an extraction worker must not outlive the process
that started it, even one killed with SIGKILL (it would go on writing for a run marked interrupted)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
import time

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when ``parent`` dies (Linux), and watch for it anyway."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the watcher alone
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request above
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="pantau-lifeline", daemon=True).start()
