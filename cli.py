"""``pantau``: the command line. Every command calls a flow or a service; nothing else lives here."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
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
                region_cfg = _runtime().catalog.regions[region]
                table_routes = {
                    f: region_cfg.agencies[a].canonical for f, a in region_cfg.definition.routes.items()
                }
        model = ComplaintModel.load(settings.model_path)
        parents = {code: f.parent for code, f in _runtime().catalog.functions.items() if f.parent}
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


if __name__ == "__main__":
    app()
