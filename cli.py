"""``pantau``: the command line. Every command calls a flow or a service; nothing else lives here."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from config.errors import ConfigError
from config.settings import PROJECT_ROOT, Settings, get_settings

app = typer.Typer(help="Pantau: public-complaint monitoring for SP4N-LAPOR!", no_args_is_help=True)
regions_app = typer.Typer(help="Region data (gazetteer from the Kemendagri table).")
app.add_typer(regions_app, name="regions")
sources_app = typer.Typer(help="News sources: health, test, add, disable.")
app.add_typer(sources_app, name="sources")
console = Console()
DEMO_DIR = PROJECT_ROOT / "demo"


def _fail(message: str) -> None:
    console.print(f"[bold red]Galat:[/] {message}")
    raise typer.Exit(code=2)


def _runtime(base_url: str | None = None):  # type: ignore[no-untyped-def]
    from flows.runtime import Runtime

    return Runtime(get_settings(), base_url=base_url)


@app.command()
def init() -> None:
    """Create or migrate the database and load regions, agencies, routes and sources into it."""
    from db.session import DatabaseUnavailable
    from flows.setup import initialise

    runtime = _runtime()
    try:
        counts = initialise(runtime)
    except (ConfigError, DatabaseUnavailable) as exc:
        _fail(str(exc))
    finally:
        runtime.close()
    console.print(f"Database ready at {runtime.settings.resolved_database_url}")
    console.print(
        f"New: {counts.regions} regions, {counts.agencies} agencies, {counts.routes} routes, "
        f"{counts.sources} sources"
    )


@app.command()
def crawl(source: Annotated[list[str] | None, typer.Option(help="Source slug (repeatable)")] = None) -> None:
    """Crawl sources (default: all enabled) and store their documents."""
    from flows.crawling import crawl_sources

    runtime = _runtime()
    slugs = source or [s.slug for s in runtime.catalog.sources if s.enabled]
    if not slugs:
        _fail("no enabled sources in " + str(runtime.settings.sources_file))
    with console.status(f"Crawling {len(slugs)} source(s)..."):
        summary = crawl_sources(runtime, slugs)
    runtime.close()
    console.print(
        f"Crawl run {summary.run_id}: {summary.pages_fetched} pages, {summary.stored} stored, "
        f"{summary.quarantined} quarantined, skipped {dict(summary.skipped)}, failed {dict(summary.failed)}"
    )


@app.command()
def triage() -> None:
    """Triage stored documents the current model has not seen, and queue reports for new issues."""
    from flows.queueing import queue_new_issues
    from flows.triage_service import triage_pending

    runtime = _runtime()
    with console.status("Triaging documents..."):
        summary = triage_pending(runtime)
        queued = queue_new_issues(runtime)
    runtime.close()
    console.print(
        f"Triaged {summary.documents} documents: {dict(summary.bands)}; "
        f"{summary.issues_created} new issues; queued {sum(queued.values())} reports"
    )


def _run_cycle(base_url: str | None, sources: list[str] | None):  # type: ignore[no-untyped-def]
    from flows.prefect_env import configure_prefect

    configure_prefect(get_settings())
    from flows.monitor import monitor

    return monitor(sources=sources, base_url=base_url)


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
    summary = _run_cycle(None, source)
    _print_cycle(summary, "Siklus pemantauan")


@app.command()
def demo() -> None:
    """Offline demo: serve bundled news pages on 127.0.0.1 and run one monitoring cycle over them."""
    os.environ.setdefault("PANTAU_SOURCES_FILE", str(DEMO_DIR / "sources.yaml"))
    os.environ.setdefault("PANTAU_DOWNLOAD_DELAY", "0")
    get_settings.cache_clear()
    from crawlers.localsite import serve
    from db.session import DatabaseUnavailable
    from flows.setup import initialise

    started = time.monotonic()
    with serve(DEMO_DIR / "sites") as base_url:
        runtime = _runtime(base_url)
        try:
            with console.status("Menyiapkan basis data (migrations, configuration)..."):
                initialise(runtime)
        except (ConfigError, DatabaseUnavailable) as exc:
            _fail(str(exc))
        finally:
            runtime.close()
        console.print(f"Situs berita contoh dilayani di {base_url}")
        with console.status("Menjalankan siklus pemantauan (crawl -> triage -> queue) lewat Prefect..."):
            summary = _run_cycle(base_url, None)
    _print_cycle(summary, "Demo Pantau: satu siklus pemantauan")
    console.print(f"Total waktu demo: {time.monotonic() - started:.1f} s")
    console.print(
        "Perlu ditinjau: .venv/bin/pantau review\n"
        "Lihat antrean LAPOR!:  .venv/bin/pantau queue   (filter: --region 64.08 --agency PUPR "
        "--status queued)"
    )


@app.command()
def queue(
    region: Annotated[str | None, typer.Option(help="Region code, e.g. 64.08")] = None,
    agency: Annotated[str | None, typer.Option(help="Agency code, e.g. PUPR")] = None,
    status: Annotated[str | None, typer.Option(help="queued, approved, filed, forwarded, ...")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """List reports in the LAPOR! queue."""
    from db.queries import queue as queue_query

    runtime = _runtime()
    with runtime.sessions() as session:
        reports = session.scalars(queue_query(region_code=region, agency_code=agency, status=status)).all()
        rows = [
            {
                "id": r.id,
                "status": r.status,
                "region": r.region.code,
                "instansi": r.agency.short_name if r.agency else None,
                "kategori": r.kategori,
                "lokasi": r.lokasi,
                "judul": r.judul,
                "verifikasi_paling_lambat": r.verification_due_at.isoformat(),
                "mendesak": r.issue.urgent,
                "prioritas": r.issue.priority,
                "jumlah_sebutan": r.issue.mention_count,
                "sumber": r.source_links,
            }
            for r in reports
        ]
    runtime.close()
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"Antrean laporan LAPOR! ({len(rows)})")
    columns = ("id", "status", "prioritas", "instansi", "lokasi", "judul", "verifikasi_paling_lambat")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    console.print(table)


@app.command()
def review(
    region: Annotated[str | None, typer.Option(help="Region code, e.g. 64.08")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """List the "perlu ditinjau" items: texts the model is unsure about, for an operator to decide."""
    from db.queries import needs_review

    runtime = _runtime()
    with runtime.sessions() as session:
        rows = [
            {
                "deteksi": d.id,
                "skor": round(d.complaint_score, 3),
                "fungsi": d.function,
                "lokasi": d.location_label or "lokasi belum diketahui",
                "judul": d.document.title or (d.document.text or "")[:80],
                "alasan": ", ".join(d.explanation.get("terms", [])),
                "tautan": d.document.url,
            }
            for d in session.scalars(needs_review(region_code=region)).all()
        ]
    runtime.close()
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"Perlu ditinjau ({len(rows)})")
    for column in ("deteksi", "skor", "fungsi", "lokasi", "judul", "alasan"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("deteksi", "skor", "fungsi", "lokasi", "judul", "alasan")))
    console.print(table)


@app.command()
def train(
    output: Annotated[Path | None, typer.Option(help="Where to write the model")] = None,
) -> None:
    """Rebuild the model reproducibly from ../shared/data; writes the model and its card."""
    from nlp.train import evaluate_held_out, package, prepare
    from nlp.train import train as fit

    settings = get_settings()
    target = output or settings.model_path
    with console.status("Preparing data..."):
        data = prepare(settings.shared_data_dir)
    console.print(
        f"Detection training: {len(data.detection_train)} texts; function training: "
        f"{len(data.function_train)}; held out: {len(data.held_out)}"
    )
    with console.status("Training..."):
        model = fit(data)
    with console.status("Evaluating on the held-out split..."):
        metrics = evaluate_held_out(model, data)
    card = package(model, data, metrics, target)
    d, f = metrics["detection"], metrics["function"]
    console.print(f"Model {model.version} -> {target} ({target.stat().st_size / 1e6:.1f} MB), card {card}")
    console.print(
        f"Held-out detection F1 {d['f1']:.3f} (P {d['precision']:.3f}, R {d['recall']:.3f}); "
        f"function macro-F1 {f['macro_f1']:.3f}"
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
    """Evaluate the model on labelled data; prints a table and optionally writes JSON."""
    from nlp.evaluate import EvaluationDataError, read_csv, read_routing
    from nlp.evaluate import evaluate as run_evaluation
    from nlp.model import ComplaintModel

    settings: Settings = get_settings()
    try:
        texts, labels = read_csv(data, text_column, label_column)
        table_routes = None
        if kind == "routing":
            if routing is not None:
                table_routes = read_routing(routing)
            else:
                table_routes = _runtime().catalog.regions[region].canonical_routes()
        model = ComplaintModel.load(settings.model_path)
        parents = _runtime().catalog.function_parents()
        result = run_evaluation(
            kind,
            model,
            texts,
            labels,
            threshold=settings.complaint_threshold,
            routing=table_routes,
            parents=parents,
        )
    except (EvaluationDataError, FileNotFoundError) as exc:
        _fail(str(exc))
    table = Table(
        title=f"{kind}: macro-F1 {result['macro_f1']:.3f} on {result['documents']} texts "
        f"({result['docs_per_second']} docs/s)"
    )
    for column in ("class", "precision", "recall", "f1", "support"):
        table.add_column(column)
    for label, row in result["per_class"].items():
        table.add_row(
            label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"])
        )
    console.print(table)
    if output:
        output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        console.print(f"Written {output}")


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
    count = write_gazetteer(source, code, target)
    console.print(f"{target}: {count} places")


@regions_app.command("kabkota")
def regions_kabkota(
    wilayah: Annotated[Path | None, typer.Option(help="wilayah.csv (default ../shared/data/regions)")] = None,
) -> None:
    """Write config/data/wilayah/indonesia-kabkota.yaml (every kabupaten/kota, to flag other regions)."""
    from config.wilayah import write_kabkota

    settings = get_settings()
    source = wilayah or settings.shared_data_dir / "regions" / "wilayah.csv"
    target = settings.config_dir / "wilayah" / "indonesia-kabkota.yaml"
    console.print(f"{target}: {write_kabkota(source, target)} kabupaten/kota")


@sources_app.command("list")
def sources_list(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Every configured source with its health: last success, documents a day, error rate, last error."""
    from flows.source_health import health

    runtime = _runtime()
    stale = runtime.settings.source_stale_hours
    with runtime.sessions() as session:
        rows = [health(session, source, stale) for source in runtime.catalog.sources]
    runtime.close()
    if as_json:
        payload = [{**row.__dict__, "last_success_at": _iso(row.last_success_at),
                    "last_document_at": _iso(row.last_document_at)} for row in rows]  # fmt: skip
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"Sumber berita ({len(rows)}); sepi = tanpa dokumen baru {stale} jam")
    for column in (
        "sumber",
        "platform",
        "wilayah",
        "status",
        "terakhir berhasil",
        "dokumen/hari",
        "galat",
        "galat terakhir",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.slug,
            row.platform,
            row.region,
            row.status,
            _iso(row.last_success_at) or "-",
            f"{row.documents_per_day:.1f}",
            "-" if row.error_rate is None else f"{row.error_rate:.0%}",
            row.last_error or "-",
        )
    console.print(table)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="minutes") if moment else None


@sources_app.command("test")
def sources_test(slug: Annotated[str, typer.Argument(help="Source slug")]) -> None:
    """Fetch a source's entry page and one article; show what would be extracted (nothing is stored)."""
    from flows.crawling import CrawlFailed, probe_source

    runtime = _runtime()
    try:
        runtime.catalog.source(slug)
        stats, pages = probe_source(runtime, slug)
    except KeyError:
        _fail(f"no source {slug!r} in {runtime.settings.sources_file}")
    except CrawlFailed as exc:
        _fail(str(exc))
    failures = {k.split("/")[-1]: v for k, v in stats.items() if k.startswith("pantau/fetch_failed/")}
    console.print(
        f"[bold]{slug}[/bold]: {stats.get('downloader/response_count', 0)} jawaban HTTP; "
        f"gagal: {failures or '-'}"
    )
    if not pages:
        console.print("Tidak ada artikel yang terambil dari halaman masuk (periksa url dan article_pattern).")
    for page in pages:
        console.print(json.dumps(page, ensure_ascii=False, indent=2))


def _edit_sources(change: Callable[[Path, Callable[[], object]], None]) -> None:
    """Apply ``change`` to the sources file, validated against the whole configuration."""
    from config.catalog import load_catalog

    settings = get_settings()
    try:
        change(settings.sources_file, lambda: load_catalog(settings.config_dir, settings.sources_file))
    except ConfigError as exc:
        _fail(str(exc))


@sources_app.command("disable")
def sources_disable(slug: Annotated[str, typer.Argument(help="Source slug")]) -> None:
    """Stop crawling a source (``enabled: false`` in the sources file); its documents stay."""
    from config.sources_file import set_enabled

    _edit_sources(lambda path, validate: set_enabled(path, slug, False, validate))
    console.print(f"{slug}: nonaktif")


@sources_app.command("enable")
def sources_enable(slug: Annotated[str, typer.Argument(help="Source slug")]) -> None:
    """Crawl a disabled source again."""
    from config.sources_file import set_enabled

    _edit_sources(lambda path, validate: set_enabled(path, slug, True, validate))
    console.print(f"{slug}: aktif")


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
    console.print(f"{slug}: ditambahkan; coba dengan `pantau sources test {slug}`")


def main() -> None:
    """The ``pantau`` command: a configuration error anywhere is shown as one clear line, not a traceback."""
    try:
        app()
    except ConfigError as exc:
        console.print(f"[bold red]Galat konfigurasi:[/] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
