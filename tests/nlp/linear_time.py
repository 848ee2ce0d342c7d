"""A guard against super-linear time (a backtracking pattern, a quadratic loop) that holds on a busy machine.

An absolute bound ("a megabyte in under a second") fails when other work shares the CPU, and passes a
quadratic loop on a fast one. This times the whole input against a tenth of it, in the same process, on the
CPU time of the process: linear work grows about tenfold, a quadratic one a hundredfold.
"""

from __future__ import annotations

import time
from collections.abc import Callable

GROWTH_LIMIT = 30.0  # linear work grows ~10x for 10x the input; quadratic ~100x
FLOOR_SECONDS = 0.05  # below this, timer noise outweighs the work


def cpu_seconds(run: Callable[[], object], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def assert_linear(run: Callable[[str], object], text: str) -> None:
    """``run(text)`` takes at most ``GROWTH_LIMIT`` times what ``run`` takes on the first tenth of ``text``
    (plus a floor for timer noise)."""
    tenth = text[: len(text) // 10]
    small = cpu_seconds(lambda: run(tenth), repeat=3)
    whole = cpu_seconds(lambda: run(text))
    assert whole <= GROWTH_LIMIT * small + FLOOR_SECONDS, (
        f"{len(text):,} characters took {whole:.3f} s of CPU, a tenth of them {small:.3f} s"
    )
