"""``pantau`` commands for a report's life after the queue: review actions, filing into LAPOR!, the OPD's
answer, and the jobs that deliver, sync and watch the clock. Each command calls one function of
``services.actions`` (or a job of ``services``); the console and the API call the same functions."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli import _fail, _print_table, _ready_runtime, _say, _write_json, app

if TYPE_CHECKING:
    from flows.runtime import Runtime
    from services.actions import Actor, ReportState

opd_app = typer.Typer(
    help="What an OPD's liaison does with a forwarded report: terima, tindak lanjut, kembalikan."
)
app.add_typer(opd_app, name="opd")

ReportId = Annotated[int, typer.Argument(help="Report number (the id in `pantau queue`)")]
Version = Annotated[
    int | None,
    typer.Option("--expect-version", help="Refuse if the report changed since you read this version"),
]
As = Annotated[str | None, typer.Option("--as", help="Who acts (default: PANTAU_ACTOR or your login)")]
Reason = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log)")]
Opd = Annotated[str, typer.Option("--opd", help="Agency code of the liaison acting, e.g. PUPR")]


def _actor(name: str | None, *, opd: str | None = None) -> Actor:
    from services.actions import Actor, Role

    who = name or os.environ.get("PANTAU_ACTOR") or getpass.getuser()
    who = who if ":" in who else f"user:{who}"
    if opd:
        return Actor(who, Role.OPD, opd.upper())
    return Actor(who)


def _run(action: Callable[[Runtime], ReportState | list[ReportState]]) -> None:
    """Run one action and print the state it left each report in."""
    runtime = _ready_runtime()
    try:
        result = action(runtime)
    finally:
        runtime.close()
    for state in result if isinstance(result, list) else [result]:
        _say(state.line() + f" (versi {state.version})")


@app.command()
def approve(
    report: ReportId,
    judul: Annotated[str | None, typer.Option(help="Corrected title")] = None,
    isi: Annotated[str | None, typer.Option(help="Corrected text")] = None,
    kategori: Annotated[str | None, typer.Option(help="Corrected LAPOR! category")] = None,
    lokasi: Annotated[str | None, typer.Option(help="Corrected location")] = None,
    opd: Annotated[str | None, typer.Option(help="Corrected agency code (instansi tujuan)")] = None,
    fungsi: Annotated[str | None, typer.Option(help="Corrected function code, e.g. DRAINASE")] = None,
    klasifikasi: Annotated[str | None, typer.Option(help="pengaduan, aspirasi, permintaan_informasi")] = None,
    manual: Annotated[
        bool, typer.Option(help="Assisted entry for this report, even in an api region")
    ] = False,
    expect_version: Version = None,
    who: As = None,
) -> None:
    """Approve a queued report (with corrections) for filing into LAPOR!."""
    from config.schema import LaporMode
    from services.actions import Corrections
    from services.actions import approve as approve_report

    corrections = Corrections(
        judul=judul,
        isi=isi,
        kategori=kategori,
        lokasi=lokasi,
        agency_code=opd,
        klasifikasi=klasifikasi,
        function=fungsi,
    )
    _run(
        lambda rt: approve_report(
            rt,
            report,
            actor=_actor(who),
            corrections=corrections,
            mode=LaporMode.MANUAL if manual else None,
            expected_version=expect_version,
        )
    )


@app.command()
def reject(
    report: ReportId,
    code: Annotated[str, typer.Option(help="bukan_keluhan, duplikat, spam, data_tidak_cukup, lainnya")],
    reason: Annotated[str, typer.Option(help="Explanation (required for lainnya)")] = "",
    expect_version: Version = None,
    who: As = None,
) -> None:
    """Reject a report with a reason code."""
    from db.models import RejectReason
    from services.actions import reject as reject_report

    try:
        reason_code = RejectReason(code)
    except ValueError:
        _fail(f"kode alasan {code!r} tidak dikenal; pilih: {', '.join(r.value for r in RejectReason)}")
    _run(
        partial(
            reject_report,
            report_id=report,
            actor=_actor(who),
            code=reason_code,
            reason=reason,
            expected_version=expect_version,
        )
    )


@app.command()
def reopen(report: ReportId, reason: Reason, expect_version: Version = None, who: As = None) -> None:
    """Back to review: undo an approval not yet sent, or reopen a rejected / bukan-wewenang report."""
    from services.actions import return_to_review

    _run(
        lambda rt: return_to_review(
            rt, report, actor=_actor(who), reason=reason, expected_version=expect_version
        )
    )


@app.command()
def postpone(report: ReportId, reason: Reason, expect_version: Version = None, who: As = None) -> None:
    """Tunda: wait for completion (archived after the region's days if none comes)."""
    from services.actions import postpone as postpone_report

    _run(
        lambda rt: postpone_report(
            rt, report, actor=_actor(who), reason=reason, expected_version=expect_version
        )
    )


@app.command()
def resume(report: ReportId, reason: Reason, expect_version: Version = None, who: As = None) -> None:
    """A postponed report got its completion: back where it was."""
    from services.actions import resume as resume_report

    _run(
        lambda rt: resume_report(
            rt, report, actor=_actor(who), reason=reason, expected_version=expect_version
        )
    )


@app.command("not-authority")
def not_authority(
    report: ReportId,
    body: Annotated[str, typer.Option(help="The body whose authority it is")],
    reason: Reason,
    expect_version: Version = None,
    who: As = None,
) -> None:
    """Bukan wewenang: not this government's to handle."""
    from services.actions import not_authority as mark

    _run(
        lambda rt: mark(
            rt, report, actor=_actor(who), body=body, reason=reason, expected_version=expect_version
        )
    )


@app.command()
def archive(report: ReportId, reason: Reason, expect_version: Version = None, who: As = None) -> None:
    """Arsipkan a report."""
    from services.actions import archive as archive_report

    _run(
        lambda rt: archive_report(
            rt, report, actor=_actor(who), reason=reason, expected_version=expect_version
        )
    )


@app.command()
def merge(
    keep: Annotated[int, typer.Argument(help="The report that stays")],
    absorb: Annotated[int, typer.Argument(help="The duplicate: its mentions join the first")],
    who: As = None,
) -> None:
    """Merge two reports of one incident (the second is rejected as a duplicate)."""
    from services.actions import merge as merge_reports

    _run(partial(merge_reports, keep_report_id=keep, absorb_report_id=absorb, actor=_actor(who)))


@app.command()
def split(
    report: ReportId,
    mention: Annotated[int, typer.Option(help="Detection id of the mention to split off")],
    who: As = None,
) -> None:
    """Split one mention off a report into its own issue and queued report."""
    from services.actions import split as split_report

    _run(partial(split_report, report_id=report, detection_id=mention, actor=_actor(who)))


@app.command()
def reroute(
    report: ReportId,
    opd: Annotated[str, typer.Option(help="Agency code of the new OPD")],
    reason: Reason,
    expect_version: Version = None,
    who: As = None,
) -> None:
    """Send a report to another OPD (after filing: a new disposisi with a fresh deadline)."""
    from services.actions import reroute as reroute_report

    _run(
        partial(
            reroute_report,
            report_id=report,
            agency_code=opd,
            actor=_actor(who),
            reason=reason,
            expected_version=expect_version,
        )
    )


@app.command()
def forward(report: ReportId, reason: Reason = "", expect_version: Version = None, who: As = None) -> None:
    """Disposisi of a filed report to its OPD (one an OPD returned goes through `reroute`)."""
    from services.actions import forward as forward_report

    _run(
        lambda rt: forward_report(
            rt, report, actor=_actor(who), reason=reason, expected_version=expect_version
        )
    )


@app.command()
def close(report: ReportId, reason: Reason = "", expect_version: Version = None, who: As = None) -> None:
    """Selesai: the OPD's follow-up settled the complaint."""
    from services.actions import close as close_report

    _run(
        partial(
            close_report, report_id=report, actor=_actor(who), reason=reason, expected_version=expect_version
        )
    )


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@app.command("file")
def file_reports(
    report: Annotated[
        int | None, typer.Option(help="One report: show its LAPOR! text, or record its ID")
    ] = None,
    tracking_id: Annotated[
        str | None, typer.Option(help="The tracking ID LAPOR! gave (assisted entry)")
    ] = None,
    retry: Annotated[bool, typer.Option(help="Send a given-up filing of --report again")] = False,
    who: As = None,
) -> None:
    """File into LAPOR!: without options, deliver every due filing now (api regions); with --report, print
    the LAPOR!-ready text to paste (assisted entry), or record the tracking ID with --tracking-id."""
    if report is None:
        if tracking_id or retry:
            _fail("--tracking-id dan --retry perlu --report N")
        from services.filing import deliver_filings

        runtime = _ready_runtime()
        try:
            summary = deliver_filings(runtime, worker=_worker())
        finally:
            runtime.close()
        _say(f"Pengiriman ke LAPOR!: {summary}")
        return
    if tracking_id:
        from services.actions import record_tracking_id

        _run(partial(record_tracking_id, report_id=report, tracking_id=tracking_id, actor=_actor(who)))
        return
    if retry:
        from services.actions import retry_filing

        _run(partial(retry_filing, report_id=report, actor=_actor(who)))
        return
    from services.reports import entry_text_for

    runtime = _ready_runtime()
    try:
        text = entry_text_for(runtime, report)
    finally:
        runtime.close()
    _say(text)


@opd_app.command("acknowledge")
def opd_acknowledge(report: ReportId, opd: Opd, note: Reason = "", who: As = None) -> None:
    """Take a forwarded report up ("diterima")."""
    from services.actions import acknowledge

    _run(partial(acknowledge, report_id=report, actor=_actor(who, opd=opd), note=note))


@opd_app.command("answer")
def opd_answer(
    report: ReportId, opd: Opd, text: Annotated[str, typer.Option(help="Tindak lanjut")], who: As = None
) -> None:
    """Post the OPD's tindak lanjut."""
    from services.actions import answer

    _run(partial(answer, report_id=report, text=text, actor=_actor(who, opd=opd)))


@opd_app.command("return")
def opd_return(report: ReportId, opd: Opd, reason: Reason, who: As = None) -> None:
    """Return a report as not this OPD's (back to the admin to re-route)."""
    from services.actions import return_not_ours

    _run(partial(return_not_ours, report_id=report, actor=_actor(who, opd=opd), reason=reason))


@app.command()
def notify() -> None:
    """Deliver the notification outbox now (e-mail, webhook, Telegram)."""
    from services.notify_outbox import deliver_notifications

    runtime = _ready_runtime()
    try:
        summary = deliver_notifications(runtime, worker=_worker())
    finally:
        runtime.close()
    _say(f"Notifikasi: {summary}")


@app.command()
def sync() -> None:
    """Read back tindak lanjut and status from LAPOR! for filed reports (api regions)."""
    from services.status_sync import sync_statuses

    runtime = _ready_runtime()
    try:
        summary = sync_statuses(runtime)
    finally:
        runtime.close()
    _say(f"Sinkronisasi LAPOR!: {summary}")


@app.command()
def digest() -> None:
    """Queue today's digests (per OPD and per manager) into the notification outbox."""
    from services.digest import queue_digests

    runtime = _ready_runtime()
    try:
        summary = queue_digests(runtime)
    finally:
        runtime.close()
    _say(f"Ringkasan harian: {summary}")


@app.command()
def deadlines(
    check: Annotated[
        bool, typer.Option(help="First raise due warnings/escalations, auto-close, archive")
    ] = False,
    region: Annotated[str | None, typer.Option(help="Region code, e.g. 64.08")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """What is due soon and overdue, per OPD, with the problems of delivery (no contact, SMTP down)."""
    from services.reports import deadline_rows, delivery_problems

    runtime = _ready_runtime()
    try:
        if check:
            from services.deadline_watch import check_deadlines

            _say(f"Pemeriksaan tenggat: {check_deadlines(runtime)}")
        rows = deadline_rows(runtime, region_code=region)
        problems = delivery_problems(runtime, region_code=region)
    finally:
        runtime.close()
    if as_json:
        _write_json({"tenggat": rows, "masalah_pengiriman": problems})
        return
    columns = ("opd", "laporan", "tahap", "batas_waktu", "terpakai", "keadaan", "status")
    _print_table(f"Tenggat ({len(rows)})", columns, [[row[c] for c in columns] for row in rows])
    if problems:
        columns = ("laporan", "jenis", "saluran", "penerima", "percobaan", "galat")
        _print_table(
            f"Masalah pengiriman ({len(problems)})", columns, [[p[c] for c in columns] for p in problems]
        )


@app.command("report")
def show_report(
    what: Annotated[str, typer.Argument(help="A report number (its whole life), or: quarterly")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    region: Annotated[str | None, typer.Option(help="quarterly: region code, e.g. 64.08")] = None,
    quarter: Annotated[str | None, typer.Option(help="quarterly: e.g. 2026Q3 (default: this one)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="quarterly: pdf or html")] = "pdf",
    output: Annotated[Path | None, typer.Option(help="quarterly: file (default: in this folder)")] = None,
) -> None:
    """One report's whole life (status, LAPOR! filing, deadlines, notifications, follow-ups, audit trail),
    or with ``quarterly`` the quarterly report to the Bupati as PDF or HTML."""
    if what == "quarterly":
        _quarterly(region, quarter, fmt, output)
        return
    if not what.isdigit():
        _fail(f"{what!r} bukan nomor laporan; untuk laporan triwulan: pantau report quarterly --region 64.08")
    _report_life(int(what), as_json)


def _quarterly(region: str | None, quarter: str | None, fmt: str, output: Path | None) -> None:
    from db.base import utcnow
    from services import quarterly_report as quarterly
    from services.dashboard import InvalidPeriod, period_asked

    if not region:
        _fail("laporan triwulan perlu --region (mis. 64.08)")
    if fmt not in ("pdf", "html"):
        _fail(f"format {fmt!r} tidak dikenal: pdf atau html")
    try:
        period = period_asked(quarter or "", "", "", utcnow().date())
    except InvalidPeriod as bad:
        _fail(str(bad))
    runtime = _ready_runtime()
    try:
        report = quarterly.quarterly_report(runtime, region, period)
    finally:
        runtime.close()
    target = output or Path.cwd() / quarterly.file_name(report, region, fmt)
    if fmt == "pdf":
        target.write_bytes(quarterly.render_pdf(report))
    else:
        target.write_text(quarterly.render_html(report), encoding="utf-8")
    _say(str(target))


def _report_life(report: int, as_json: bool) -> None:
    from services.reports import report_life

    runtime = _ready_runtime()
    try:
        life = report_life(runtime, report)
    finally:
        runtime.close()
    if as_json:
        _write_json(life)
        return
    for key, value in life["laporan"].items():
        _say(f"{key}: {'-' if value is None else value}")
    for title, key, columns in (
        ("Riwayat", "riwayat", ("waktu", "oleh", "tindakan", "dari", "ke", "alasan")),
        ("Notifikasi", "notifikasi", ("jenis", "saluran", "penerima", "keadaan", "percobaan", "galat")),
        ("Tindak lanjut", "tindak_lanjut", ("waktu", "oleh", "isi")),
    ):
        rows = life[key]
        if rows:
            _print_table(f"{title} ({len(rows)})", columns, [[row[c] for c in columns] for row in rows])
