"""Crawl + extract + store on local synthetic outlets: Pantau's crawl against a bare Scrapy spider with plain
trafilatura (bench/bare_spider.py), on the same pages in the same run (the ratio is what to compare).

    .venv/bin/python bench/crawl_bench.py [--outlets 8] [--articles 250] [--repeat 3]
                                          [--database sqlite|postgresql] [--json OUT]

The outlets are served by a child process of this one (both contenders pay the same server, and its CPU time
is read from /proc). Each repeat runs both contenders, in alternating order: the bare spider as a subprocess,
and Pantau's crawl as the product runs it (``flows.crawling.crawl_sources``, which starts its own crawl
process) into a fresh, initialised database, download delay 0. Wall-clock time covers process start to end
for both; the database's migration and configuration sync before Pantau's crawl are not timed. Results are
recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

import psycopg
import trafilatura
from sqlalchemy import func, select

from config.settings import Settings
from crawlers.extraction import extract_page
from crawlers.localsite import SyntheticOutlets, serve_synthetic
from db.models import Document, DocumentStatus
from flows.crawling import crawl_sources
from flows.runtime import Runtime
from flows.setup import initialise

BENCH_DIR = Path(__file__).resolve().parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REGION = "64.08"


@dataclass
class Run:
    """One contender's run: its wall time, CPU time and what it fetched and stored."""

    contender: str
    seconds: float
    articles: int  # distinct article pages fetched and extracted
    stored: int  # bare: JSON lines with text; Pantau: Documents with status ok
    children_cpu_seconds: float  # crawl process(es) and extraction workers, user + system
    server_cpu_seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        return self.articles / self.seconds


def _serve(outlets: int, articles: int, conn: Connection) -> None:
    with serve_synthetic(SyntheticOutlets(outlets, articles)) as base_url:
        conn.send(base_url)
        conn.recv()  # until the bench says stop (or dies: EOFError)


@contextmanager
def server_process(outlets: int, articles: int) -> Iterator[tuple[str, int]]:
    """The synthetic outlets served by a child process; yields (base URL, its pid)."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(outlets, articles, theirs), daemon=True
    )
    process.start()
    theirs.close()  # the child's end: if the child dies, recv() raises EOFError instead of waiting forever
    try:
        base_url = ours.recv()
        assert process.pid is not None
        yield base_url, process.pid
    finally:
        ours.send("stop")
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU time of the finished children of this process and of their finished descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(contender: str, server_pid: int, run: Callable[[], tuple[int, int, list[str]]]) -> Run:
    """Time ``run`` (returning articles fetched, stored, problems) with its children's and server's CPU."""
    cpu, server_cpu, started = children_cpu_seconds(), process_cpu_seconds(server_pid), time.perf_counter()
    articles, stored, problems = run()
    seconds = time.perf_counter() - started
    return Run(
        contender,
        seconds,
        articles,
        stored,
        children_cpu_seconds() - cpu,
        process_cpu_seconds(server_pid) - server_cpu,
        problems,
    )


def bare_spider(base_url: str, outlets: int, expected: int, workdir: Path) -> tuple[int, int, list[str]]:
    """The baseline subprocess; returns (distinct articles, articles with text, problems)."""
    output = workdir / f"bare-{uuid.uuid4().hex[:8]}.jsonl"
    command = [sys.executable, str(BENCH_DIR / "bare_spider.py"), "--base-url", base_url]
    command += ["--outlets", str(outlets), "--output", str(output)]
    subprocess.run(
        command, check=True, env={k: v for k, v in os.environ.items() if not k.startswith("SCRAPY")}
    )
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    output.unlink()
    urls = {line["url"] for line in lines}
    with_text = sum(1 for line in lines if line["text"])
    problems = []
    if len(urls) != expected or len(lines) != expected:
        problems.append(f"bare spider: {len(lines)} pages, {len(urls)} distinct, expected {expected}")
    if with_text != len(lines):
        problems.append(f"bare spider: {len(lines) - with_text} pages without text")
    return len(urls), with_text, problems


def sources_yaml(outlets: int) -> str:
    entries = "".join(
        f'  - slug: s{i}\n    name: Outlet {i}\n    region: "{REGION}"\n    platform: rss\n'
        f"    url: __BASE_URL__/s{i}/feed.xml\n"
        for i in range(outlets)
    )
    return f"sources:\n{entries}"


@contextmanager
def fresh_database(kind: str, workdir: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a temporary PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'pantau-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"pantau_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pantau_crawl(
    base_url: str, outlets: int, articles: int, database: str, workdir: Path, server_pid: int
) -> Run:
    """Pantau's crawl of every outlet into a fresh database (set up untimed), timed around the crawl."""
    sources_file = workdir / "sources.yaml"
    sources_file.write_text(sources_yaml(outlets), encoding="utf-8")
    expected = outlets * articles
    with fresh_database(database, workdir) as url:
        settings = Settings(
            var_dir=workdir / "var",
            database_url=url,
            sources_file=sources_file,
            download_delay=0.0,
            max_articles_per_source=articles,
        )
        runtime = Runtime(settings, base_url=base_url)
        try:
            initialise(runtime)

            def crawl() -> tuple[int, int, list[str]]:
                summary = crawl_sources(runtime, [f"s{i}" for i in range(outlets)])
                with runtime.sessions() as session:
                    ok = Document.status == DocumentStatus.OK
                    stored = session.scalar(
                        select(func.count(func.distinct(Document.canonical_url))).where(ok)
                    )
                problems = []
                if summary.stored != expected or stored != expected:
                    problems.append(
                        f"Pantau: {summary.stored} stored ({stored} in the database), expected {expected}"
                    )
                if summary.quarantined or summary.failed or summary.given_up:
                    problems.append(
                        f"Pantau: {summary.quarantined} quarantined, failed {dict(summary.failed)}, "
                        f"{summary.given_up} given up"
                    )
                return summary.stored + summary.quarantined, stored or 0, problems

            return measured("pantau", server_pid, crawl)
        finally:
            runtime.close()


def rounded(run: Run) -> dict[str, object]:
    figures = {k: round(v, 2) if isinstance(v, float) else v for k, v in asdict(run).items()}
    return figures | {"pages_per_second": round(run.pages_per_second, 1)}


def extraction_cpu_ms(articles: int, repeat: int = 3) -> dict[str, float]:
    """CPU milliseconds per synthetic article of each contender's extraction alone, in this process (best of
    ``repeat``): how much of a contender's CPU time per page is extraction, and how much the rest."""
    site = SyntheticOutlets(1, articles)
    pages = [site.article(0, i) for i in range(articles)]
    fetched_at = datetime.now(UTC)
    extractors: dict[str, Callable[[bytes], object]] = {
        "plain": lambda body: trafilatura.extract(body.decode()),
        "pantau": lambda body: extract_page(
            body,
            url=f"http://127.0.0.1{site.article_path(0, 0)}",
            content_type="text/html; charset=utf-8",
            timezone="Asia/Makassar",
            fetched_at=fetched_at,
        ),
    }
    best = {}
    for name, extract in extractors.items():
        times = []
        for _ in range(repeat):
            started = time.process_time()
            for page in pages:
                extract(page)
            times.append(time.process_time() - started)
        best[name] = round(min(times) * 1000 / articles, 2)
    return best


def spread(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, default=8)
    parser.add_argument("--articles", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    expected = args.outlets * args.articles

    runs: list[tuple[Run, Run]] = []
    with (
        tempfile.TemporaryDirectory(prefix="pantau-crawl-bench-") as tmp,
        server_process(args.outlets, args.articles) as (base_url, server_pid),
    ):
        workdir = Path(tmp)
        contenders: dict[str, Callable[[], Run]] = {
            "bare": lambda: measured(
                "bare", server_pid, lambda: bare_spider(base_url, args.outlets, expected, workdir)
            ),
            "pantau": lambda: pantau_crawl(
                base_url, args.outlets, args.articles, args.database, workdir, server_pid
            ),
        }
        for repeat in range(args.repeat):
            order = ["bare", "pantau"] if repeat % 2 == 0 else ["pantau", "bare"]
            done = {name: contenders[name]() for name in order}
            for name in order:
                run = done[name]
                print(
                    f"run {repeat + 1} {name:6} {run.seconds:6.1f} s {run.pages_per_second:6.1f} pages/s "
                    f"cpu {run.children_cpu_seconds:6.1f} s server cpu {run.server_cpu_seconds:5.1f} s "
                    f"stored {run.stored}",
                    file=sys.stderr,
                )
                for problem in run.problems:
                    print(f"  CHECK FAILED: {problem}", file=sys.stderr)
            runs.append((done["bare"], done["pantau"]))

    bare = [b for b, _ in runs]
    pantau = [p for _, p in runs]
    result = {
        "outlets": args.outlets,
        "articles_per_outlet": args.articles,
        "database": args.database,
        "cpus": os.cpu_count(),
        "bare_pages_per_second": spread([r.pages_per_second for r in bare]),
        "pantau_pages_per_second": spread([r.pages_per_second for r in pantau]),
        "pantau_over_bare": spread([p.pages_per_second / b.pages_per_second for b, p in runs]),
        "bare_cpu_ms_per_page": spread([1000 * r.children_cpu_seconds / r.articles for r in bare]),
        "pantau_cpu_ms_per_page": spread([1000 * r.children_cpu_seconds / r.articles for r in pantau]),
        "extraction_alone_cpu_ms_per_page": extraction_cpu_ms(100),
        "runs": [rounded(run) for pair in runs for run in pair],
        "all_checks_passed": not any(r.problems for pair in runs for r in pair),
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if result["all_checks_passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
