"""Extraction workers over real pipes: pages come back extracted and in order; a worker that dies fails only
the pages it held, and the next page gets a new worker."""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime

import pytest

from crawlers.extraction import Extraction, PageToExtract
from crawlers.extraction_workers import ExtractionWorkers, WorkerDied

from .conftest import saved


def _page(body: bytes, name: str = "a") -> PageToExtract:
    return PageToExtract(
        body=body,
        url=f"http://berita.test/{name}.html",
        content_type="text/html; charset=utf-8",
        timezone="Asia/Makassar",
        fetched_at=datetime.now(UTC),
    )


ARTICLE = saved("wartakutim/berita/jalan-rusak-bengalon.html").read_bytes()
# a page that keeps a worker busy for a while
SLOW = (
    b"<html><body>" + b"<p>Jalan rusak berlubang di desa, warga mengeluh.</p>" * 150_000 + b"</body></html>"
)


async def _stop(workers: ExtractionWorkers) -> None:
    workers.stop()
    for worker in workers.workers:
        if worker.answers is not None:
            await worker.answers


def test_pages_come_back_extracted_in_order_from_two_workers() -> None:
    async def run() -> list[tuple[Extraction, bytes]]:
        workers = ExtractionWorkers(2).start()
        try:
            pages = [_page(ARTICLE, str(i)) for i in range(6)] + [_page(b"   ", "empty")]
            return list(await asyncio.gather(*(workers.extract(page) for page in pages)))
        finally:
            await _stop(workers)

    results = asyncio.run(run())
    assert [r.title for r, _ in results[:6]] == [results[0][0].title] * 6
    assert results[0][0].title and results[0][0].title.startswith("Jalan Poros Desa Tepian Langsat")
    assert gzip.decompress(results[0][1]) == ARTICLE
    assert results[6][0].quarantine_reason == "empty page"


def test_a_dead_worker_fails_its_pages_and_is_replaced() -> None:
    async def run() -> tuple[BaseException | None, Extraction, int, int]:
        workers = ExtractionWorkers(1).start()
        held = asyncio.ensure_future(workers.extract(_page(SLOW, "slow")))
        await asyncio.sleep(1.0)  # the worker started and is busy with the slow page
        first = workers.workers[0].process
        first.kill()
        try:
            await held
            failure: BaseException | None = None
        except WorkerDied as exc:
            failure = exc
        result, _raw = await workers.extract(_page(ARTICLE))
        second = workers.workers[0].process
        await _stop(workers)
        assert first.pid is not None and second.pid is not None
        return failure, result, first.pid, second.pid

    failure, result, first, second = asyncio.run(run())
    assert isinstance(failure, WorkerDied)
    assert result.text and "Bengalon" in result.text
    assert first != second


@pytest.mark.parametrize("count", [1, 2])
def test_workers_exit_when_their_crawl_closes_their_pipes(count: int) -> None:
    async def run() -> list[int | None]:
        workers = ExtractionWorkers(count).start()
        await workers.extract(_page(ARTICLE))
        for worker in workers.workers:
            assert worker.stdin is not None
            worker.stdin.close()  # what the kernel does when the crawl process dies
        codes = [await asyncio.to_thread(worker.process.wait, 30) for worker in workers.workers]
        await _stop(workers)
        return codes

    assert asyncio.run(run()) == [0] * count
