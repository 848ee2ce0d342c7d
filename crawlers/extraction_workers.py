"""Extraction in worker processes that speak to the crawl's event loop through pipes, so pages are parsed
on other cores while downloads go on.

Each worker is ``python -m crawlers.extraction_workers``: it reads length-prefixed pickled pages from stdin,
extracts each (``crawlers.extraction.extract_for_storage``) and writes the results to stdout in order. The
crawl side writes and reads those pipes with asyncio (no helper threads: a thread that must win the
interpreter lock from a busy event loop to hand a page over starves the workers), giving each page to the
worker with the fewest pages in hand. A worker exits when its stdin closes, so it never outlives its crawl,
even one killed with SIGKILL; one that dies fails only the pages it held (they stay pending in the frontier)
and is replaced.
"""

from __future__ import annotations

import asyncio
import pickle
import struct
import subprocess
import sys
from collections import deque
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, BinaryIO, ClassVar

_HEADER = struct.Struct(">I")


class WorkerDied(RuntimeError):
    """The worker holding a page exited before answering."""


def _frame(payload: Any) -> bytes:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _read_frame(stream: BinaryIO) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    return pickle.loads(stream.read(size))


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The worker's loop: one page in, one result out, until stdin closes. It warms up first (imports,
    trafilatura's first-call set-up: 0.2 s), while the crawl process is still starting."""
    from crawlers.extraction import extract_for_storage, warm_up

    warm_up()
    while (page := _read_frame(stdin)) is not None:
        try:
            answer: Any = ("ok", extract_for_storage(page))
        except Exception as exc:  # extract_page never raises; this is a worker fault, reported per page
            answer = ("error", f"{type(exc).__name__}: {exc}")
        stdout.write(_frame(answer))
        stdout.flush()


@dataclass
class _Worker:
    """One worker process and the crawl's asyncio ends of its pipes (connected once the loop runs)."""

    process: subprocess.Popen[bytes]
    waiting: deque[asyncio.Future[Any]] = field(default_factory=deque)
    stdout: asyncio.StreamReader | None = None
    stdin: asyncio.StreamWriter | None = None
    answers: asyncio.Task[None] | None = None

    @classmethod
    def start(cls) -> _Worker:
        command = [sys.executable, "-m", "crawlers.extraction_workers"]
        return cls(subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE))

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        assert self.process.stdin is not None and self.process.stdout is not None
        reader = self.stdout = asyncio.StreamReader(limit=2**26)  # a result holds the page and its text
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self.process.stdout)
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, self.process.stdin
        )
        self.stdin = asyncio.StreamWriter(transport, protocol, None, loop)
        self.answers = asyncio.ensure_future(self.read_answers())

    async def read_answers(self) -> None:
        assert self.stdout is not None
        try:
            while True:
                header = await self.stdout.readexactly(_HEADER.size)
                (size,) = _HEADER.unpack(header)
                status, value = pickle.loads(await self.stdout.readexactly(size))
                future = self.waiting.popleft()
                if future.done():
                    continue
                if status == "ok":
                    future.set_result(value)
                else:
                    future.set_exception(RuntimeError(value))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(WorkerDied(f"extraction worker {self.process.pid} exited"))

    @property
    def alive(self) -> bool:
        return self.process.poll() is None and not (self.answers and self.answers.done())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class ExtractionWorkers:
    """``count`` extraction processes of this crawl process. ``start`` launches them at once (before the
    crawl's own imports, so both start-ups overlap); the loop adopts their pipes on first use."""

    _shared: ClassVar[ExtractionWorkers | None] = None

    def __init__(self, count: int) -> None:
        self.count = count
        self.workers: list[_Worker] = []
        self._adopting: asyncio.Lock | None = None

    def start(self) -> ExtractionWorkers:
        while len(self.workers) < self.count:
            self.workers.append(_Worker.start())
        return self

    @classmethod
    def shared(cls, count: int) -> ExtractionWorkers:
        """This process's workers (started now if nothing started them earlier)."""
        if cls._shared is None:
            cls._shared = cls(count).start()
        return cls._shared

    @classmethod
    def stop_shared(cls) -> None:
        """Stop the workers (they would also stop when this process exits and their stdin closes)."""
        if cls._shared is not None:
            cls._shared.stop()
            cls._shared = None

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    async def _ready(self) -> list[_Worker]:
        if len(self.workers) == self.count and all(w.stdin is not None and w.alive for w in self.workers):
            return self.workers  # the common case: every worker adopted and running
        if self._adopting is None:
            self._adopting = asyncio.Lock()
        async with self._adopting:
            self.workers = [w for w in self.workers if w.alive]
            self.start()  # replaces the workers that died
            for worker in self.workers:
                if worker.stdin is None:
                    await worker.connect()
        return self.workers

    async def extract(self, page: Any) -> Any:
        """The worker's result for ``page``; WorkerDied if its worker exited first."""
        worker = min(await self._ready(), key=lambda w: len(w.waiting))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        worker.waiting.append(future)
        assert worker.stdin is not None
        worker.stdin.write(_frame(page))
        with suppress(ConnectionError):  # the worker is gone: its reader fails the future
            await worker.stdin.drain()
        return await future


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
