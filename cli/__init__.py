"""``pantau``: the command line. Every command calls a flow or a service; nothing else lives here."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from config.errors import PantauError
from config.settings import PROJECT_ROOT, Settings, get_settings

if TYPE_CHECKING:  # imported where used: a command loads only what it needs
    from flows.runtime import Runtime

# C0 controls, DEL, C1 controls (ESC starts ANSI sequences, \x9b is CSI on its own) and the bidi embedding,
# override and isolate marks that reorder what a line shows; line breaks and tabs become one space.
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_LINE_BREAKS = "\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_TERMINAL_SAFE: dict[int, str | None] = dict.fromkeys(_CONTROLS) | {ord(c): " " for c in _LINE_BREAKS}
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(value: object) -> str:
    """``value`` as text a terminal shows as it is: no control characters (a crawled title must not be able
    to recolour, clear or rewrite the operator's screen); markup needs no escaping (see PlainConsole)."""
    return str(value).translate(_TERMINAL_SAFE)


def one_line(value: object) -> str:
    return " ".join(terminal_safe(value).split())


class PlainConsole(Console):
    """The one way the CLI writes to a terminal: every string is data. No Rich markup (``[/]`` in a title
    cannot break a table), no ``:emoji:`` codes, no highlighting, and control characters removed from
    every string printed, in tables, titles and cells alike (all of them pass through ``render_str``)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **options)

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str(terminal_safe(text), **options)


def json_text(payload: object) -> str:
    """JSON for a pipe or a terminal: control characters that JSON leaves raw (DEL, C1, bidi marks) are
    written as ``\\uXXXX`` escapes, so the text stays valid JSON with the same values."""
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


console = PlainConsole()
err_console = PlainConsole(stderr=True)


def _print_error(message: object) -> None:
    err_console.print(Text("Galat:", style="bold red"), one_line(message), soft_wrap=True)


def _settings_problem(error: ValidationError) -> str:
    faults = [
        f"PANTAU_{'_'.join(str(part) for part in fault['loc']).upper() or '*'}: {fault['msg']}"
        for fault in error.errors()
    ]
    return "pengaturan tidak sah: " + "; ".join(faults)


class _Commands(TyperGroup):
    """Every command: a PantauError (bad configuration, database not ready or unreachable, crawl failed)
    or a bad ``PANTAU_*`` variable is one line ``Galat: ...`` and exit code 2, never a traceback."""

    def invoke(self, ctx: Any) -> Any:  # click's Context (recent typer vendors its own click)
        try:
            return super().invoke(ctx)
        except PantauError as exc:
            _print_error(exc)
        except ValidationError as exc:
            if exc.title != Settings.__name__:
                raise
            _print_error(_settings_problem(exc))
        raise typer.Exit(code=2)


app = typer.Typer(
    help="Pantau: public-complaint monitoring for SP4N-LAPOR!", no_args_is_help=True, cls=_Commands
)
regions_app = typer.Typer(help="Region data (gazetteer from the Kemendagri table).")
app.add_typer(regions_app, name="regions")
sources_app = typer.Typer(help="News sources: health, test, add, disable.")
app.add_typer(sources_app, name="sources")
DEMO_DIR = PROJECT_ROOT / "demo"


def _fail(message: str) -> NoReturn:
    _print_error(message)
    raise typer.Exit(code=2)


def _say(line: str) -> None:
    """A status line for the operator (data in it is shown as it is, see PlainConsole)."""
    console.print(line, soft_wrap=True)


def _write_json(payload: object) -> None:
    sys.stdout.write(json_text(payload))


def _runtime(base_url: str | None = None) -> Runtime:
    from flows.runtime import Runtime

    return Runtime(get_settings(), base_url=base_url)


def _require_database() -> None:
    """For a command that works on the database: stop with one line, and without creating a file, when
    the database is not initialised at this version's migrations (``pantau init`` does that)."""
    from db.schema_check import require_current_schema

    require_current_schema(get_settings().resolved_database_url)


def _ready_runtime() -> Runtime:
    _require_database()
    return _runtime()


@app.command()
def init() -> None:
    """Create or migrate the database and load regions, agencies, routes and sources into it."""
    from sqlalchemy.engine import make_url

    from flows.setup import initialise

    runtime = _runtime()
    try:
        counts = initialise(runtime)
    finally:
        runtime.close()
    shown = make_url(runtime.settings.resolved_database_url).render_as_string(hide_password=True)
    _say(f"Basis data siap: {shown}")
    _say(
        f"Baru: {counts.regions} wilayah, {counts.agencies} instansi, {counts.routes} rute, "
        f"{counts.sources} sumber"
    )


@app.command()
def crawl(source: Annotated[list[str] | None, typer.Option(help="Source slug (repeatable)")] = None) -> None:
    """Crawl sources (default: all enabled) and store their documents."""
    from flows.crawling import crawl_sources

    runtime = _ready_runtime()
    try:
        slugs = source or [s.slug for s in runtime.catalog.sources if s.enabled]
        _require_sources(runtime, slugs)
        with console.status(f"Merayapi {len(slugs)} sumber..."):
            summary = crawl_sources(runtime, slugs)
    finally:
        runtime.close()
    _say(
        f"Perayapan {summary.run_id}: {summary.pages_fetched} halaman, {summary.stored} disimpan, "
        f"{summary.quarantined} dikarantina, dilewati {_counts(summary.skipped)}, "
        f"gagal diunduh {_counts(summary.failed)}"
    )


def _require_sources(runtime: Runtime, slugs: list[str]) -> None:
    """Stop with one line when no source is chosen or one of them is not configured."""
    if not slugs:
        _fail(f"tidak ada sumber aktif di {runtime.settings.sources_file}")
    for slug in slugs:
        try:
            runtime.catalog.source(slug)
        except KeyError:
            _fail(f"tidak ada sumber {slug!r} di {runtime.settings.sources_file}")


def _counts(counter: dict[str, int]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted(counter.items())) or "0"


@app.command()
def triage() -> None:
    """Triage stored documents the current model has not seen, and queue reports for new issues."""
    from flows.queueing import queue_new_issues
    from flows.triage_service import triage_pending

    runtime = _ready_runtime()
    try:
        with console.status("Menriase dokumen..."):
            summary = triage_pending(runtime)
            queued = queue_new_issues(runtime)
    finally:
        runtime.close()
    _say(
        f"Ditriase {summary.documents} dokumen: {_counts(summary.bands)}; "
        f"{summary.issues_created} isu baru; {sum(queued.values())} laporan diantrekan"
    )


def _run_cycle(base_url: str | None, sources: list[str] | None):  # type: ignore[no-untyped-def]
    """One cycle through Prefect, holding the var dir's cycle lock (a second cycle stops with one line)."""
    from flows.cycle_lock import cycle_lock
    from flows.prefect_env import configure_prefect

    settings = get_settings()
    with cycle_lock(settings.var_dir):
        configure_prefect(settings)
        from flows.monitor import monitor

        return monitor(sources=sources, base_url=base_url)


class _WithoutTraceback(logging.Filter):
    """Drops the traceback from a log record of a PantauError: its message is the whole story."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PantauError):
            record.exc_info = None
            record.exc_text = None
        return True


def _short_pantau_errors_in_prefect_logs() -> None:
    """Prefect logs a failed task or flow run with its traceback on the console. A PantauError inside the
    flow (a crawl process that died, ...) reaches the command as itself and ends it as one line, so the
    console keeps Prefect's one-line record of it and loses the traceback (the Prefect API still gets it)."""
    from flows.prefect_env import configure_prefect

    configure_prefect(get_settings())  # Prefect reads its environment when imported
    from prefect.logging.configuration import ensure_logging_setup
    from prefect.logging.handlers import PrefectConsoleHandler

    ensure_logging_setup()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler):
            handler.addFilter(_WithoutTraceback())


def _print_cycle(summary, title: str) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=title, show_header=False)
    crawl = summary.crawl
    if crawl is not None:
        table.add_row("Halaman dirayapi (pages crawled)", str(crawl.pages_fetched))
        table.add_row("Dokumen disimpan (documents stored)", str(crawl.stored))
        table.add_row("Dikarantina (quarantined, with reason)", str(crawl.quarantined))
        table.add_row("Dilewati (skipped)", ", ".join(f"{k}: {v}" for k, v in crawl.skipped.items()) or "0")
        table.add_row(
            "Gagal diunduh (fetch failed)", ", ".join(f"{k}: {v}" for k, v in crawl.failed.items()) or "0"
        )
    social = summary.social
    if social is not None:
        stored = ", ".join(f"{k}: {v}" for k, v in sorted(social.stored.items())) or "0"
        table.add_row("Unggahan media sosial disimpan (social posts stored)", stored)
        if social.not_configured:
            table.add_row("Konektor belum dikonfigurasi (not configured)", ", ".join(social.not_configured))
        for slug, why in sorted(social.failed.items()):
            table.add_row(f"Konektor gagal: {slug}", why)
    bands = summary.triage.bands
    table.add_row("Dokumen ditriase (triaged)", str(summary.triage.documents))
    table.add_row("Aduan terdeteksi (complaints detected)", str(bands.get("complaint", 0)))
    table.add_row("Perlu ditinjau (needs review)", str(bands.get("review", 0)))
    table.add_row("Bukan aduan (not complaints)", str(bands.get("not_complaint", 0)))
    table.add_row("Isu baru (new issues)", str(summary.triage.issues_created))
    joined = summary.triage.issues_joined
    table.add_row(
        "Digabung ke isu yang ada (joined an issue)",
        ", ".join(f"{k}: {v}" for k, v in sorted(joined.items())) or "0",
    )
    table.add_row("Mendesak (urgent)", str(summary.triage.urgent))
    table.add_row("Bukan wewenang (outside the region)", str(summary.triage.outside_region))
    queued: Counter[str] = summary.queued
    table.add_row("Laporan diantrekan (reports queued)", str(sum(queued.values())))
    for agency, count in sorted(queued.items()):
        table.add_row(f"  -> {agency}", str(count))
    table.add_row("Waktu (time taken)", f"{summary.seconds:.1f} s")
    console.print(table)


@app.command()
def run(source: Annotated[list[str] | None, typer.Option(help="Source slug (repeatable)")] = None) -> None:
    """One full monitoring cycle (crawl -> triage -> queue) through the Prefect flow."""
    runtime = _ready_runtime()
    if source:
        _require_sources(runtime, source)
    runtime.close()
    _short_pantau_errors_in_prefect_logs()
    summary = _run_cycle(None, source)
    _print_cycle(summary, "Siklus pemantauan")


@app.command()
def demo() -> None:
    """Offline demo: serve bundled news pages on 127.0.0.1 and run one monitoring cycle over them."""
    os.environ.setdefault("PANTAU_SOURCES_FILE", str(DEMO_DIR / "sources.yaml"))
    os.environ.setdefault("PANTAU_DOWNLOAD_DELAY", "0")
    get_settings.cache_clear()
    from crawlers.localsite import serve
    from flows.setup import initialise

    started = time.monotonic()
    with serve(DEMO_DIR / "sites") as base_url:
        runtime = _runtime(base_url)
        try:
            with console.status("Menyiapkan basis data (migrasi, konfigurasi)..."):
                initialise(runtime)
        finally:
            runtime.close()
        _say(f"Situs berita contoh dilayani di {base_url}")
        with console.status("Menjalankan siklus pemantauan (crawl -> triage -> queue) lewat Prefect..."):
            _short_pantau_errors_in_prefect_logs()
            summary = _run_cycle(base_url, None)
    _print_cycle(summary, "Demo Pantau: satu siklus pemantauan")
    _remember_demo_sources()
    _demo_filing()
    console_commands.demo_accounts()
    _say(f"Total waktu demo: {time.monotonic() - started:.1f} s")
    _say("Perlu ditinjau: .venv/bin/pantau review")
    _say("Belajar dari keputusan operator (tolak dua laporan, latih ulang, putusan gerbang): "
         ".venv/bin/pantau demo-feedback")  # fmt: skip
    _say(
        "Lihat antrean LAPOR!: .venv/bin/pantau queue  (filter: --region 64.08 --agency PUPR --status queued)"
    )


def _remember_demo_sources() -> None:
    """Leave the demo's sources in its var folder (``config.settings.DEMO_ENV``): the console and the
    commands run after the demo then list and judge the sources the demo crawled, not the configured ones."""
    from config.settings import DEMO_ENV

    settings = get_settings()
    (settings.var_dir / DEMO_ENV).write_text(
        "# Written by `pantau demo`: the settings it ran with, read by every command on this var folder\n"
        "# unless the environment says otherwise. Delete this file to use config/data/sources.yaml again.\n"
        f"PANTAU_SOURCES_FILE={settings.sources_file}\n",
        encoding="utf-8",
    )


def _demo_filing() -> None:
    """The demo's second half: approve, file into a fake LAPOR!, forward, answer, sync (cli.demo_filing)."""
    from cli.demo_filing import run_demo_filing

    _say("")
    _say("Demo Pantau: dari antrean ke LAPOR!, diteruskan ke OPD, dan kembali")
    filing = run_demo_filing(_say)
    if filing is None:
        return
    for line in filing.status_lines:
        _say(line)
    _say(f"E-mail ke OPD tersimpan di {filing.mail_dir} ({filing.mail_files} berkas .eml)")
    _say(f"Riwayat lengkap: .venv/bin/pantau report {filing.api_report}")


@app.command()
def queue(
    region: Annotated[str | None, typer.Option(help="Region code, e.g. 64.08")] = None,
    agency: Annotated[str | None, typer.Option(help="Agency code, e.g. PUPR")] = None,
    status: Annotated[
        str | None, typer.Option(help="queued, approved, filed, forwarded, acknowledged, followed_up, ...")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
    report_ids: Annotated[list[int] | None, typer.Option("--report", help="Only these reports")] = None,
) -> None:
    """List reports in the LAPOR! queue: status, filing, tracking ID, next deadline and any problem."""
    from services.reports import QueueFilter, queue_view

    runtime = _ready_runtime()
    try:
        view = queue_view(
            runtime,
            QueueFilter(region_code=region, agency_code=agency, status=status, report_ids=report_ids),
            iso_times=as_json,
        )
    finally:
        runtime.close()
    rows, held = view.rows, view.held
    if as_json:
        _write_json(rows)
        return
    columns = ("id", "keadaan", "prioritas", "instansi", "tracking", "judul", "tenggat", "masalah")
    _print_table(
        f"Antrean laporan LAPOR! ({len(rows)})", columns, [[row[c] for c in columns] for row in rows]
    )
    for warning in held:
        _say(warning)


def _print_table(title: str, columns: tuple[str, ...], rows: list[list[object]]) -> None:
    """A table of data: every cell is shown as it is (see PlainConsole); None reads "-"."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("-" if value is None else str(value) for value in row))
    console.print(table)


@app.command()
def review(
    region: Annotated[str | None, typer.Option(help="Region code, e.g. 64.08")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """List the "perlu ditinjau" items: texts the model is unsure about, for an operator to decide."""
    from db.queries import needs_review
    from nlp.report_text import headline

    runtime = _ready_runtime()
    try:
        with runtime.sessions() as session:
            rows = [
                {
                    "deteksi": d.id,
                    "skor": round(d.complaint_score, 3),
                    "fungsi": d.function,
                    "lokasi": d.location_label or "lokasi belum diketahui",
                    # personal data never leaves, even in a list (redacted before any clipping)
                    "judul": headline(d.document.title, d.document.text),
                    "alasan": ", ".join(d.explanation.get("terms", [])),
                    "tautan": d.document.url,
                }
                for d in session.scalars(needs_review(region_code=region)).all()
            ]
    finally:
        runtime.close()
    if as_json:
        _write_json(rows)
        return
    columns = ("deteksi", "skor", "fungsi", "lokasi", "judul", "alasan")
    _print_table(f"Perlu ditinjau ({len(rows)})", columns, [[row[c] for c in columns] for row in rows])


@app.command()
def train(
    output: Annotated[Path | None, typer.Option(help="Where to write the model")] = None,
    with_feedback: Annotated[
        bool,
        typer.Option(
            "--with-feedback",
            help="Also learn from operators' decisions of consenting regions; the model goes into the "
            "registry (var/models) and is promoted only when the eval gate passes",
        ),
    ] = False,
    sample: Annotated[
        int | None, typer.Option(help="With --with-feedback: train on about this many examples (a quick try)")
    ] = None,
    promote: Annotated[bool, typer.Option(help="With --with-feedback: promote a model that passes")] = True,
    who: Annotated[
        str | None, typer.Option("--as", help="Who trains (default: PANTAU_ACTOR or login)")
    ] = None,
) -> None:
    """Rebuild the model reproducibly from ../shared/data; writes the model and its card."""
    from nlp.train import evaluate_held_out, package, prepare
    from nlp.train import train as fit

    if with_feedback:
        from cli.model_commands import print_outcome, run_training

        _require_database()
        print_outcome(run_training(sample, promote, who))
        return
    settings = get_settings()
    target = output or settings.model_path
    with console.status("Menyiapkan data..."):
        data = prepare(settings.shared_data_dir)
    _say(
        f"Latih deteksi: {len(data.detection_train)} teks; latih fungsi: {len(data.function_train)}; "
        f"disisihkan untuk uji: {len(data.held_out)}"
    )
    with console.status("Melatih..."):
        model = fit(data)
    with console.status("Mengevaluasi pada data uji..."):
        metrics = evaluate_held_out(model, data)
    card = package(model, data, metrics, target)
    d, f = metrics["detection"], metrics["function"]
    _say(f"Model {model.version} -> {target} ({target.stat().st_size / 1e6:.1f} MB), kartu {card}")
    _say(
        f"Data uji: F1 deteksi {d['f1']:.3f} (P {d['precision']:.3f}, R {d['recall']:.3f}); "
        f"macro-F1 fungsi {f['macro_f1']:.3f}"
    )


@app.command()
def evaluate(
    kind: Annotated[str, typer.Argument(help="detection | function | routing")],
    data: Annotated[Path, typer.Option(help="CSV file with texts and labels")],
    text_column: Annotated[str, typer.Option()] = "text",
    label_column: Annotated[str, typer.Option()] = "label",
    routing: Annotated[Path | None, typer.Option(help="Flat YAML function -> agency (routing only)")] = None,
    region: Annotated[str, typer.Option(help="Region whose routing table to use")] = "64.08",
    output: Annotated[Path | None, typer.Option(help="Write the full result as JSON")] = None,
) -> None:
    """Evaluate the model on labelled data; prints a table and optionally writes JSON. A ``social`` column
    (1/0) marks social-media posts, which the model scores with its social detector."""
    from nlp.evaluate import EvaluationDataError, read_labelled, read_routing
    from nlp.evaluate import evaluate as run_evaluation
    from nlp.model import ComplaintModel

    settings: Settings = get_settings()
    catalog = _runtime().catalog
    try:
        texts, labels, social = read_labelled(data, text_column, label_column)
        table_routes = None
        if kind == "routing":
            if routing is not None:
                table_routes = read_routing(routing)
            elif region in catalog.regions:
                table_routes = catalog.regions[region].canonical_routes()
            else:
                _fail(f"tidak ada wilayah {region!r} di {settings.config_dir}")
        model = ComplaintModel.load(_runtime().registry.active_path())  # the active model
        parents = catalog.function_parents()
        result = run_evaluation(
            kind,
            model,
            texts,
            labels,
            threshold=settings.complaint_threshold,
            routing=table_routes,
            parents=parents,
            social=social,
        )
    except (EvaluationDataError, FileNotFoundError) as exc:
        _fail(str(exc))
    _print_table(
        f"{kind}: macro-F1 {result['macro_f1']:.3f} pada {result['documents']} teks "
        f"({result['docs_per_second']} dok/detik)",
        ("kelas", "presisi", "recall", "f1", "jumlah"),
        [
            [label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", row["support"]]
            for label, row in result["per_class"].items()
        ],
    )
    if output:
        output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _say(f"Ditulis: {output}")


@regions_app.command("import")
def regions_import(
    code: Annotated[str, typer.Argument(help="Kemendagri code, e.g. 64.08")],
    wilayah: Annotated[Path | None, typer.Option(help="wilayah.csv (default ../shared/data/regions)")] = None,
) -> None:
    """Write config/data/wilayah/CODE.yaml (kecamatan and desa) from the Kemendagri table."""
    from config.wilayah import write_gazetteer

    settings = get_settings()
    source = wilayah or settings.shared_data_dir / "regions" / "wilayah.csv"
    target = settings.config_dir / "wilayah" / f"{code}.yaml"
    try:
        count = write_gazetteer(source, code, target)
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    _say(f"{target}: {count} tempat")


@regions_app.command("kabkota")
def regions_kabkota(
    wilayah: Annotated[Path | None, typer.Option(help="wilayah.csv (default ../shared/data/regions)")] = None,
) -> None:
    """Write config/data/wilayah/indonesia-kabkota.yaml (every kabupaten/kota, to flag other regions)."""
    from config.wilayah import write_kabkota

    settings = get_settings()
    source = wilayah or settings.shared_data_dir / "regions" / "wilayah.csv"
    target = settings.config_dir / "wilayah" / "indonesia-kabkota.yaml"
    try:
        count = write_kabkota(source, target)
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    _say(f"{target}: {count} kabupaten/kota")


@sources_app.command("list")
def sources_list(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Every configured source with its health: last success, last document, documents a day, error rate,
    last error (times in the region's local time)."""
    from db.local_time import local_display, local_iso
    from flows.source_health import health_report

    runtime = _ready_runtime()
    stale = runtime.settings.source_stale_hours
    try:
        rows = health_report(runtime)  # marks crawls whose process died as interrupted first
        zones = {row.slug: runtime.catalog.regions[row.region].definition.timezone for row in rows}
    finally:
        runtime.close()
    if as_json:
        times = ("last_success_at", "last_document_at", "last_error_at")
        _write_json([
            {**row.__dict__, **{key: _at(getattr(row, key), zones[row.slug], local_iso) for key in times}}
            for row in rows
        ])  # fmt: skip
        return
    columns = ("sumber", "platform", "wilayah", "status", "terakhir berhasil", "dokumen terakhir",
               "dokumen/hari", "galat", "galat terakhir", "tertunda", "menyerah",
               "karantina 7 hari", "siklus terakhir (media sosial)")  # fmt: skip
    _print_table(
        f"Sumber berita ({len(rows)}); sepi = tanpa dokumen baru {stale} jam; tertunda = artikel yang "
        "dicoba lagi siklus berikut; menyerah = gagal di setiap percobaan; siklus terakhir = yang dibaca "
        "dari platform dan yang dilewati, dengan alasannya",
        columns,
        [
            [
                row.slug,
                row.platform,
                row.region,
                row.status,
                _at(row.last_success_at, zones[row.slug], local_display),
                _at(row.last_document_at, zones[row.slug], local_display),
                f"{row.documents_per_day:.1f}",
                None if row.error_rate is None else f"{row.error_rate:.0%}",
                row.last_error
                and f"{_at(row.last_error_at, zones[row.slug], local_display) or '-'}: {row.last_error}",
                str(row.pending),
                str(row.given_up),
                str(row.quarantined_week),
                _social_run(row.last_read, row.last_skipped),
            ]
            for row in rows
        ],
    )


def _social_run(read: int | None, skipped: dict[str, int]) -> str | None:
    """What a social source's last run read and skipped: "dibaca 40; dilewati 3 (tanpa teks 2, ...)"."""
    if read is None:
        return None
    from crawlers.social.base import SKIP_REASONS

    reasons = ", ".join(f"{SKIP_REASONS.get(k, k)} {v}" for k, v in sorted(skipped.items()) if v)
    return f"dibaca {read}; dilewati {sum(skipped.values())}" + (f" ({reasons})" if reasons else "")


def _at(moment: datetime | None, timezone: str, shown: Callable[[datetime, str], str]) -> str | None:
    return shown(moment, timezone) if moment else None


@sources_app.command("test")
def sources_test(slug: Annotated[str, typer.Argument(help="Source slug")]) -> None:
    """Fetch a source's entry page and one article; show what would be extracted (nothing is stored)."""
    from flows.crawling import probe_source

    runtime = _runtime()
    _require_sources(runtime, [slug])
    stats, pages = probe_source(runtime, slug)
    failures = {k.split("/")[-1]: v for k, v in stats.items() if k.startswith("pantau/fetch_failed/")}
    _say(f"{slug}: {stats.get('downloader/response_count', 0)} jawaban HTTP; gagal: {_counts(failures)}")
    if not pages:
        _say("Tidak ada artikel yang terambil dari halaman masuk (periksa url dan article_pattern).")
    for page in pages:
        _write_json(page)


def _edit_sources(change: Callable[[Path, Callable[[], object]], None]) -> None:
    """Apply ``change`` to the sources file, validated against the whole configuration (a ConfigError puts
    the file back and is shown as one line)."""
    from config.catalog import load_catalog

    settings = get_settings()
    change(settings.sources_file, lambda: load_catalog(settings.config_dir, settings.sources_file))


@sources_app.command("disable")
def sources_disable(slug: Annotated[str, typer.Argument(help="Source slug")]) -> None:
    """Stop crawling a source (``enabled: false`` in the sources file); its documents stay."""
    from config.sources_file import set_enabled

    _edit_sources(lambda path, validate: set_enabled(path, slug, False, validate))
    _say(f"{slug}: nonaktif")


@sources_app.command("enable")
def sources_enable(slug: Annotated[str, typer.Argument(help="Source slug")]) -> None:
    """Crawl a disabled source again."""
    from config.sources_file import set_enabled

    _edit_sources(lambda path, validate: set_enabled(path, slug, True, validate))
    _say(f"{slug}: aktif")


@sources_app.command("add")
def sources_add(
    slug: Annotated[str, typer.Argument(help="Short lowercase name, e.g. kaltimtoday")],
    url: Annotated[str, typer.Option(help="Entry page: feed, news sitemap, WordPress posts API or listing")],
    platform: Annotated[str, typer.Option(help="rss | sitemap | wordpress | listing")],
    region: Annotated[str, typer.Option(help="Region code, e.g. 64.08")],
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
    article_pattern: Annotated[str | None, typer.Option(help="Regex an article URL must match")] = None,
) -> None:
    """Add a source to the sources file (validated; then try it with `pantau sources test SLUG`)."""
    from config.sources_file import add_source

    entry = {"slug": slug, "name": name or slug, "region": region, "platform": platform, "url": url,
             "article_pattern": article_pattern}  # fmt: skip
    _edit_sources(lambda path, validate: add_source(path, entry, validate))
    _say(f"{slug}: ditambahkan; coba dengan `pantau sources test {slug}`")


from cli import (  # noqa: E402  (below ``app``: these modules register their commands on it)
    console_commands,  # also registers `serve` and `users ...` on ``app``
    model_commands,  # noqa: F401  (registers `model ...`, `regions consent` and `demo-feedback` on ``app``)
    orchestration,  # noqa: F401  (registers `schedule` and `deploy` on ``app``)
    workflow,  # noqa: F401  (registers the report workflow commands on ``app``)
)


def main() -> None:
    """The ``pantau`` command (a PantauError in any command is one line, see ``_Commands``)."""
    app()


if __name__ == "__main__":
    main()
