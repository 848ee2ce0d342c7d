"""The console under load: the review queue and the OPD inbox with concurrent users, against a trivial page
(the login form) in the same run, on the database bench/console_data.py filled.

    .venv/bin/python bench/console_load.py [--database pantau_bench | --sqlite FILE] [--province 64]
                                           [--region 64.08] [--users 20] [--quarter 2026Q3]
                                           [--roles both|operators|liaisons|pimpinan|all|province]
                                           [--requests 20] [--think 0]
                                           [--workers 2] [--port 8765]
                                           [--filtered "status=queued&fungsi=JALAN"] [--timeout 300]
                                           [--explain PLANS.txt] [--profile STATS.txt] [--server-log LOG]
                                           [--json OUT]

The database is first brought to the current migrations (a migration added since the data was generated
applies, then ANALYZE). Accounts are made with ``services.accounts.add_user`` (or their password reset when
they exist): one operator of ``--region`` and one liaison for each of the five OPDs of that region with the
most reports in their inbox; with ``--roles province``, only a pimpinan of the whole province (of
``--region``'s province code), whose dashboard also sets its kabupaten/kota side by side. ``--province``
and ``--sqlite`` name what bench/console_data.py was given. The console runs as ``pantau serve`` runs it
(``python -m cli serve``: uvicorn, the app factory, ``PANTAU_WEB_WORKERS`` processes) in a child process.

``--users`` virtual users (asyncio and httpx in this process), each logged in with its own session cookie:
half operators, half liaisons (spread over the five OPDs), or with ``--roles`` only one of the two. Each
user first opens its pages once (not timed), then, all users at once:
1. baseline: ``--requests`` requests of ``/masuk`` (the login form: session, CSRF token and a template,
   no database);
2. the pages: ``--requests`` requests, an operator alternating ``/antrean`` (first page) and
   ``/antrean?<--filtered>``, a liaison ``/kotak-masuk``.
A request is timed from sending to the last byte of the answer; a user sends its next request when the
previous one is answered, after ``--think`` seconds on average (exponential, seeded per user) of reading it,
and starts at a random moment within the first ``--think`` seconds. With the default 0 the users form a
closed loop with 20 requests always in flight, the hardest reading of "20 concurrent users". Reported per
page: p50/p95/p99, throughput (answers per second of the phase), and p50 and p95 over the baseline's.

``--explain FILE`` also renders each page once in this process (the same app over the same database) with
every SQL statement recorded, and writes EXPLAIN (ANALYZE, BUFFERS) of the slowest ones to FILE. Results are
recorded in docs/benchmarks.md ("Console at scale").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import province_config
import psycopg
from report_json import emit
from sqlalchemy import create_engine, event, func, select, text

from config.settings import Settings
from db.migrate import upgrade
from db.models import Agency, Region, Report, Role
from db.session import POSTGRES_OPTIONS
from flows.runtime import Runtime
from services.accounts import AccountError, add_user, reset_password

PASSWORD = "bench-kata-sandi-2026"
ACTOR = "system:bench"
INBOX = ("forwarded", "acknowledged", "followed_up")


@dataclass(frozen=True)
class User:
    username: str
    pages: tuple[str, ...]  # what this user requests, in turn


def database_urls(database: str, sqlite: Path | None) -> tuple[str, str | None]:
    """(SQLAlchemy URL, libpq URL or None for SQLite) of the bench database."""
    if sqlite:
        return f"sqlite:///{sqlite.resolve()}", None
    return (
        f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}",
        f"postgresql://postgres@127.0.0.1:5432/{database}",
    )


def migrate(settings: Settings) -> None:
    """The bench database at the current migrations; ANALYZE when one applied (its new indexes need it)."""
    engine = create_engine(settings.resolved_database_url)
    version = text("SELECT version_num FROM alembic_version")
    with engine.connect() as conn:
        before = conn.execute(version).scalar()
    upgrade(settings.resolved_database_url)
    with engine.connect() as conn:
        if conn.execute(version).scalar() != before:
            conn.execute(text("ANALYZE"))
            conn.commit()
    engine.dispose()


def ensure_account(runtime: Runtime, username: str, role: Role, region: str, agency: str | None) -> None:
    try:
        add_user(
            runtime,
            username=username,
            full_name=username,
            role=role,
            region_code=region,
            agency_code=agency,
            password=PASSWORD,
            actor=ACTOR,
        )
    except AccountError:  # made by an earlier run: the known password again, and no lock-out left
        reset_password(runtime, username, PASSWORD, actor=ACTOR)


def busiest_opds(runtime: Runtime, region: str, count: int = 5) -> list[str]:
    """The agencies of ``region`` with the most reports in their inbox."""
    with runtime.sessions() as session:
        rows = session.execute(
            select(Agency.code, func.count())
            .join(Report, Report.agency_id == Agency.id)
            .join(Region, Region.id == Agency.region_id)
            .where(Region.code == region, Report.status.in_(INBOX))
            .group_by(Agency.code)
            .order_by(func.count().desc())
            .limit(count)
        ).all()
    return [code for code, _ in rows]


def make_users(runtime: Runtime, args: argparse.Namespace) -> tuple[list[User], list[str]]:
    """The virtual users: operators and liaisons in turn (``--roles both``), or only one of them; or
    (``--roles all``) operators, liaisons and pimpinan reading the dashboard in turn; or pimpinan alone."""
    if args.roles == "province":  # the province's pimpinan, each region's figures side by side
        province = args.region.split(".")[0]
        ensure_account(runtime, f"bench-pimpinan-{province}", Role.PIMPINAN, province, None)
        pages = ("/dasbor", f"/dasbor?triwulan={args.quarter}")
        return [User(f"bench-pimpinan-{province}", pages)] * args.users, []
    operator = f"bench-operator-{args.region}"
    ensure_account(runtime, operator, Role.OPERATOR, args.region, None)
    pimpinan = f"bench-pimpinan-{args.region}"
    ensure_account(runtime, pimpinan, Role.PIMPINAN, args.region, None)
    reader = User(pimpinan, ("/dasbor", f"/dasbor?triwulan={args.quarter}"))
    opds = busiest_opds(runtime, args.region)
    for code in opds:
        ensure_account(runtime, f"bench-{code.lower()}-{args.region}", Role.OPD, args.region, code)
    liaisons = [f"bench-{code.lower()}-{args.region}" for code in opds]
    users = []
    for i in range(args.users):
        if args.roles == "pimpinan" or (args.roles == "all" and i % 3 == 2):
            users.append(reader)
        elif args.roles == "operators" or (args.roles in ("both", "all") and i % 2 == 0):
            users.append(User(operator, ("/antrean", f"/antrean?{args.filtered}")))
        else:
            users.append(
                User(liaisons[(i // (1 if args.roles == "liaisons" else 2)) % len(opds)], ("/kotak-masuk",))
            )
    return users, opds


# --- the server --------------------------------------------------------------------------------------------


@contextmanager
def console_server(
    sqlalchemy_url: str, port: int, workers: int, log: Path | None
) -> Iterator[subprocess.Popen[bytes]]:
    """``pantau serve`` in a child process (its output to ``log`` when given), until it answers; stopped
    (SIGINT, as Ctrl-C) at the end."""
    env = {
        **os.environ,
        "PANTAU_DATABASE_URL": sqlalchemy_url,
        "PANTAU_WEB_HOST": "127.0.0.1",
        "PANTAU_WEB_PORT": str(port),
        "PANTAU_WEB_WORKERS": str(workers),
    }
    output = log.open("ab") if log else None
    command = [sys.executable, "-m", "cli", "serve"]
    server = subprocess.Popen(
        command, env=env, cwd=Path(__file__).parent.parent, stdout=output, stderr=output
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise SystemExit(f"the console stopped at start (exit {server.returncode})")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/masuk", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the console did not answer within 120 s")
            time.sleep(0.5)
        yield server
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if output:
            output.close()


def process_tree_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid``, its live children and the children it has reaped (a worker
    uvicorn killed and replaced still counts) (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def stat(proc: int) -> list[str]:
        return Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()

    own = stat(pid)
    total = sum(int(own[i]) for i in (11, 12, 13, 14)) / ticks  # utime, stime, cutime, cstime
    tasks = Path(f"/proc/{pid}/task")
    for child in (int(c) for t in tasks.iterdir() for c in (t / "children").read_text().split()):
        fields = stat(child)
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


# --- the virtual users -------------------------------------------------------------------------------------


@dataclass
class Timings:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


async def log_in(client: httpx.AsyncClient, username: str) -> None:
    form = (await client.get("/masuk")).text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    data = {"username": username, "password": PASSWORD, "csrf_token": token}
    answer = await client.post("/masuk", data=data)
    if answer.status_code != 303:
        raise SystemExit(f"{username} could not log in: {answer.status_code} {answer.text[:300]}")


async def fetch(client: httpx.AsyncClient, page: str, timings: Timings | None) -> None:
    started = time.perf_counter()
    try:
        answer = await client.get(page)
    except httpx.TransportError as failure:  # e.g. a worker restarted under the request: an error, not an end
        if timings is not None:
            timings.errors[page].append(type(failure).__name__)
        return
    elapsed = time.perf_counter() - started
    if timings is None:
        return
    if answer.status_code != 200:
        timings.errors[page].append(f"HTTP {answer.status_code}")
    else:
        timings.seconds[page].append(elapsed)


@dataclass(frozen=True)
class Pace:
    requests: int  # per user and phase
    think: float  # mean seconds a user reads a page before the next request (0: none)


async def run_user(
    client: httpx.AsyncClient, pages: tuple[str, ...], pace: Pace, reading: random.Random, timings: Timings
) -> None:
    if pace.think:  # users start at random moments, not all in the same millisecond
        await asyncio.sleep(reading.uniform(0, pace.think))
    for i in range(pace.requests):
        await fetch(client, pages[i % len(pages)], timings)
        if pace.think:
            await asyncio.sleep(reading.expovariate(1 / pace.think))


async def load(base_url: str, users: list[User], pace: Pace, timeout: float) -> dict[str, Any]:
    """Log every user in, warm up, then the baseline phase and the pages phase; timings per page."""
    clients = [httpx.AsyncClient(base_url=base_url, timeout=timeout) for _ in users]
    try:
        for client, user in zip(clients, users, strict=True):  # one at a time: logins are slow on purpose
            await log_in(client, user.username)
        await asyncio.gather(
            *(fetch(c, p, None) for c, u in zip(clients, users, strict=True) for p in u.pages)
        )
        phases: dict[str, Any] = {}
        for phase, pages_of in (("baseline", lambda u: ("/masuk",)), ("pages", lambda u: u.pages)):
            timings = Timings()
            cpu, started = time.process_time(), time.perf_counter()
            await asyncio.gather(
                *(
                    run_user(c, pages_of(u), pace, random.Random(n), timings)
                    for n, (c, u) in enumerate(zip(clients, users, strict=True))
                )
            )
            wall = time.perf_counter() - started
            phases[phase] = {
                "wall_seconds": round(wall, 2),
                "client_cpu_seconds": round(time.process_time() - cpu, 2),
                "timings": timings,
            }
        return phases
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {
        "p50_ms": round(cuts[49] * 1000, 1),
        "p95_ms": round(cuts[94] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def summarise(phases: dict[str, Any]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for phase, result in phases.items():
        timings: Timings = result["timings"]
        for page in sorted(set(timings.seconds) | set(timings.errors)):
            seconds = timings.seconds[page]
            rows[page] = {
                "phase": phase,
                "answers": len(seconds),
                "errors": dict(Counter(timings.errors[page])),
                **(percentiles(seconds) if seconds else {}),
                "per_second": round(len(seconds) / result["wall_seconds"], 1),
            }
    base = rows.get("/masuk")
    if base and "p95_ms" in base:
        for row in rows.values():
            if "p95_ms" in row:
                row["p50_over_baseline"] = round(row["p50_ms"] / base["p50_ms"], 1)
                row["p95_over_baseline"] = round(row["p95_ms"] / base["p95_ms"], 1)
    return rows


# --- statements of one page, and their plans ---------------------------------------------------------------


def explain(runtime: Runtime, statement: str, parameters: Any) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one recorded statement, or why it could not run."""
    raw = runtime.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
        return "\n".join(row[0] for row in cursor.fetchall()) + "\n"
    except psycopg.Error as error:
        return f"(not explained: {str(error)[:300]})\n"
    finally:
        raw.close()


def explain_pages(settings: Settings, users: list[User], out: Path) -> dict[str, Any]:
    """Render each page once in this process with every statement recorded; EXPLAIN the slowest three."""
    from fastapi.testclient import TestClient

    from web.app import create_app

    runtime = Runtime(settings)
    recorded: list[tuple[str, Any, float]] = []

    @event.listens_for(runtime.engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(runtime.engine, "after_cursor_execute")
    def _end(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        recorded.append((statement, parameters, time.perf_counter() - conn.info.pop("bench_started")))

    summary: dict[str, Any] = {}
    plans: list[str] = []
    seen: set[str] = set()
    client_of: dict[str, TestClient] = {}
    for user in users:
        if user.username not in client_of:
            client = TestClient(create_app(settings, runtime), raise_server_exceptions=False)
            form = client.get("/masuk").text
            token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            client.post("/masuk", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
            client_of[user.username] = client
        for page in user.pages:
            if page in seen:
                continue
            seen.add(page)
            client_of[user.username].get(page)  # warm: the first answer pays for imports and caches
            recorded.clear()
            started = time.perf_counter()
            answer = client_of[user.username].get(page)
            total = time.perf_counter() - started
            slowest = sorted(recorded, key=lambda r: r[2], reverse=True)
            summary[page] = {
                "status": answer.status_code,
                "bytes": len(answer.content),
                "ms": round(total * 1000, 1),
                "statements": len(recorded),
                "sql_ms": round(sum(r[2] for r in recorded) * 1000, 1),
                "slowest_ms": [round(r[2] * 1000, 1) for r in slowest[:5]],
            }
            for statement, parameters, seconds in slowest[:3]:
                shown = (
                    f"{statement[:1500]} ... ({len(statement)} characters)"
                    if len(statement) > 1500
                    else statement
                )
                plans.append(f"=== {page}: {seconds * 1000:.1f} ms\n{shown}\n{str(parameters)[:500]}\n")
                plans.append(explain(runtime, statement, parameters))
    out.write_text("\n".join(plans), encoding="utf-8")
    runtime.close()
    return summary


def profile_pages(settings: Settings, users: list[User], out: Path, repeats: int = 20) -> dict[str, float]:
    """Each page ``repeats`` times in this process under cProfile: the app on this thread's event loop
    (httpx's ASGI transport) with its sync routes run inline, where FastAPI would hand them to its thread
    pool, out of the profiler's sight. The statistics of each page, by cumulative and by own time, go to
    ``out``; returns the mean ms of each page."""
    import cProfile
    import io
    import pstats

    import fastapi.dependencies.utils
    import fastapi.routing

    from web.app import create_app

    async def inline(func: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    for module in (fastapi.routing, fastapi.dependencies.utils):
        setattr(module, "run_in_threadpool", inline)  # noqa: B010 (the module's own name, replaced)
    runtime = Runtime(settings)
    app = create_app(settings, runtime)
    report, means = io.StringIO(), {}

    async def run() -> None:
        for user in users:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
                await log_in(client, user.username)
                for page in user.pages:
                    if page in means:
                        continue
                    await client.get(page)  # warm
                    profiler = cProfile.Profile()
                    started = time.perf_counter()
                    profiler.enable()
                    for _ in range(repeats):
                        await client.get(page)
                    profiler.disable()
                    means[page] = round((time.perf_counter() - started) / repeats * 1000, 1)
                    report.write(f"=== {page}: {means[page]} ms a request (profiled), {repeats} requests\n")
                    for order in ("cumulative", "tottime"):
                        pstats.Stats(profiler, stream=report).sort_stats(order).print_stats(45)

    asyncio.run(run())
    out.write_text(report.getvalue(), encoding="utf-8")
    runtime.close()
    return means


def setting(libpq: str, name: str) -> str:
    with psycopg.connect(libpq) as conn:
        row = conn.execute(f"SHOW {name}").fetchone()
    return str(row[0]) if row else "?"


def machine(libpq: str | None) -> dict[str, Any]:
    """What the figures were measured on: CPU, PostgreSQL, and the code (commit, and whether the console's
    code had uncommitted changes)."""
    root = Path(__file__).resolve().parent.parent
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")  # fmt: skip
    git = ["git", "-C", str(root)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--", "db", "services", "web"], capture_output=True, text=True
    ).stdout
    database = (
        {
            "postgresql": setting(libpq, "server_version"),
            "shared_buffers": setting(libpq, "shared_buffers"),
            "random_page_cost": setting(libpq, "random_page_cost"),
            "console_connection_options": POSTGRES_OPTIONS,  # what the console's own connections set
        }
        if libpq
        else {"sqlite": sqlite3.sqlite_version}
    )
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        **database,
        "commit": commit.strip(),
        "uncommitted_console_files": len(changed.splitlines()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="pantau_bench")
    parser.add_argument("--region", default="64.08")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument(
        "--roles", choices=("both", "operators", "liaisons", "pimpinan", "all", "province"), default="both"
    )
    parser.add_argument("--province", help="the province's configuration (bench/province_config.py), e.g. 64")
    parser.add_argument("--sqlite", type=Path, help="the SQLite file bench/console_data.py --sqlite wrote")
    parser.add_argument("--quarter", default="2026Q3", help="the dashboard's other quarter")
    parser.add_argument("--requests", type=int, default=20, help="per user and phase (0: no load)")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds between a user's requests")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--filtered", default="status=queued&fungsi=JALAN", help="query string of the filtered queue"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds one request may take")
    parser.add_argument(
        "--explain", type=Path, help="write EXPLAIN (ANALYZE, BUFFERS) of the slowest SQL here"
    )
    parser.add_argument("--profile", type=Path, help="write cProfile statistics of each page here")
    parser.add_argument("--server-log", type=Path, help="the console's own output (default: this terminal)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    if args.province:
        province_config.use(args.province)
    sqlalchemy_url, libpq = database_urls(args.database, args.sqlite)
    settings = Settings(database_url=sqlalchemy_url)
    migrate(settings)
    runtime = Runtime(settings)
    users, opds = make_users(runtime, args)
    runtime.close()
    result: dict[str, Any] = {
        "database": str(args.sqlite or args.database),
        "region": args.region,
        "users": args.users,
        "roles": args.roles,
        "requests_per_user_and_phase": args.requests,
        "think_seconds": args.think,
        "workers": args.workers,
        "opds": opds,
        "machine": machine(libpq),
        "load_average_before": Path("/proc/loadavg").read_text().split()[:3],
    }
    if args.requests:
        with console_server(sqlalchemy_url, args.port, args.workers, args.server_log) as server:
            server_cpu = process_tree_cpu(server.pid)
            pace = Pace(args.requests, args.think)
            phases = asyncio.run(load(f"http://127.0.0.1:{args.port}", users, pace, args.timeout))
            result["server_cpu_seconds"] = round(process_tree_cpu(server.pid) - server_cpu, 1)
        result["load_average_after"] = Path("/proc/loadavg").read_text().split()[:3]
        result["phases"] = {
            name: {k: v for k, v in phase.items() if k != "timings"} for name, phase in phases.items()
        }
        result["pages"] = summarise(phases)
    if args.explain:
        result["one_request_in_process"] = explain_pages(settings, users, args.explain)
    if args.profile:
        result["profiled_ms"] = profile_pages(settings, users, args.profile)
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
