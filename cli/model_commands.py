"""``pantau model list|promote|rollback``, ``pantau regions consent`` and ``pantau demo-feedback``: the model
registry (``nlp.registry``), each region's consent that its operators' decisions may train the shared model,
and the feedback loop shown end to end on the demo database (docs/model.md, "Learning from operators")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from cli import _fail, _ready_runtime, _say, app, console, regions_app
from cli.workflow import As, _actor

if TYPE_CHECKING:
    from flows.runtime import Runtime
    from services.model_training import Outcome

model_app = typer.Typer(help="Model terlatih: daftar, promosikan, kembalikan ke sebelumnya.")
app.add_typer(model_app, name="model")

DEMO_REGION = "64.08"


def _data_summary(card: dict[str, Any]) -> str:
    data = card.get("data") or {}
    trained = sum((data.get("detection_train") or {}).values())
    held = sum((data.get("held_out") or {}).values())
    said = f"latih {trained}, uji {held}"
    feedback = card.get("feedback")
    if isinstance(feedback, dict):
        said += f"; umpan balik {feedback.get('train', 0)} latih + {feedback.get('held_out', 0)} uji"
    if card.get("sample"):
        said += f" (sampel {card['sample']})"
    return said


def _gate_summary(entry: Any) -> str:
    if entry.bundled:
        return "lolos (patokan floors.json)"
    if entry.gate_passed is None:
        return "belum dinilai"
    return "lolos" if entry.gate_passed else "tidak lolos"


@model_app.command("list")
def model_list() -> None:
    """Setiap model: versi, waktu dilatih, datanya, putusan gerbang evaluasi, dan yang aktif."""
    runtime = _ready_runtime()
    try:
        entries = runtime.registry.entries()
    finally:
        runtime.close()
    table = Table(title=f"Model ({len(entries)}); yang aktif (*) dipakai triase berikutnya")
    table.add_column("aktif")
    table.add_column("versi", no_wrap=True)  # the name to type in `pantau model promote`
    for column in ("dilatih (UTC)", "data", "gerbang evaluasi"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            "*" if e.active else "",
            e.version + (" (bawaan)" if e.bundled else ""),
            (e.trained_at or "-")[:16].replace("T", " "),
            _data_summary(e.card),
            _gate_summary(e),
        )
    console.print(table)


@model_app.command("promote")
def model_promote(
    version: Annotated[str, typer.Argument(help="Versi model (lihat `pantau model list`)")],
    force: Annotated[bool, typer.Option("--force", help="Promosikan walau tidak lolos gerbang")] = False,
    reason: Annotated[
        str, typer.Option("--reason", help="Alasan (dicatat di audit; wajib dengan --force)")
    ] = "",
    who: As = None,
) -> None:
    """Jadikan model VERSION yang aktif: ditolak bila tidak lolos gerbang evaluasi, kecuali --force dengan
    alasan. Diaudit."""
    from services.model_registry import promote

    runtime = _ready_runtime()
    try:
        before = promote(runtime, version, actor=_actor(who).name, reason=reason, force=force)
    finally:
        runtime.close()
    _say(f"Model aktif: {version} (sebelumnya {before}); triase berikutnya memakainya")


@model_app.command("rollback")
def model_rollback(
    reason: Annotated[str, typer.Option("--reason", help="Alasan (dicatat di audit)")] = "",
    who: As = None,
) -> None:
    """Kembali ke model yang aktif sebelum yang sekarang. Diaudit."""
    from services.model_registry import rollback

    runtime = _ready_runtime()
    try:
        before, after = rollback(runtime, actor=_actor(who).name, reason=reason)
    finally:
        runtime.close()
    _say(f"Model aktif: {after} (dikembalikan dari {before})")


@regions_app.command("consent")
def regions_consent(
    code: Annotated[str, typer.Argument(help="Kode wilayah, mis. 64.08")],
    allow: Annotated[bool, typer.Option("--izinkan/--cabut", help="Izinkan atau cabut izin")],
    reason: Annotated[str, typer.Option("--reason", help="Alasan (dicatat di audit)")],
    who: As = None,
) -> None:
    """Izin pengelola wilayah: keputusan operator wilayah ini boleh (atau tidak lagi) melatih model bersama.
    Sama dengan pengaturan di konsol (Tenggat dan kontak); diaudit."""
    from db.models import Role

    runtime = _ready_runtime()
    try:
        _set_consent(runtime, code, allow, actor_name=_actor(who).name, reason=reason, role=Role.MANAGER)
    finally:
        runtime.close()
    _say(f"Wilayah {code}: umpan balik {'boleh' if allow else 'tidak boleh'} melatih model bersama")


def _set_consent(
    runtime: Runtime, code: str, allow: bool, *, actor_name: str, reason: str, role: Any
) -> bool:
    """Set a region's consent as its manager; False when it already was so."""
    from sqlalchemy import select

    from db.models import Region
    from services.actions import Actor
    from services.region_settings import fingerprint, update_feedback_consent

    with runtime.sessions() as session:
        region = session.scalar(select(Region).where(Region.code == code))
        if region is None:
            _fail(f"tidak ada wilayah {code!r} di basis data")
        region_id, now = region.id, region.feedback_consent
    if now == allow:
        return False
    update_feedback_consent(
        runtime, region_id, allow, expected=fingerprint(now), actor=Actor(actor_name, role), reason=reason
    )
    return True


def print_outcome(outcome: Outcome) -> None:
    found = outcome.feedback
    held = len(found.held_out)
    _say(f"Umpan balik operator: {len(found.examples)} teks ({len(found.examples) - held} latih, {held} uji)")
    if found.used:
        _say("  dipakai per wilayah: " + ", ".join(f"{k} {v}" for k, v in sorted(found.used.items())))
    if found.without_consent:
        _say(
            "  tidak dipakai, wilayah belum mengizinkan: "
            + ", ".join(f"{k} {v} label" for k, v in sorted(found.without_consent.items()))
        )
    if found.text_missing:
        _say(
            "  ditolak, teksnya sudah tidak ada atau berubah: "
            + ", ".join(f"{k} {v} label" for k, v in sorted(found.text_missing.items()))
        )
    counts = outcome.counts
    _say(
        f"Latih deteksi: {counts['detection_train']} teks; latih fungsi: {counts['function_train']}; "
        f"disisihkan untuk uji: {counts['held_out']}"
    )
    _say(f"Model {outcome.version} -> {outcome.path}")
    for line in outcome.verdict.lines():
        _say(line)
    if outcome.promoted:
        _say(f"Dipromosikan: {outcome.version} aktif (sebelumnya {outcome.active_before}); kembali dengan "
             "`pantau model rollback`")  # fmt: skip
    elif outcome.verdict.passed:
        _say(f"Tidak dipromosikan (--no-promote); model aktif tetap {outcome.active_before}")
    else:
        _say(f"Tidak dipromosikan: model aktif tetap {outcome.active_before}")


def run_training(sample: int | None, promote: bool, who: str | None) -> Outcome:
    from services.model_training import train_with_feedback

    runtime = _ready_runtime()
    try:
        with console.status("Melatih dengan umpan balik...") as status:
            return train_with_feedback(
                runtime, actor=_actor(who).name, sample=sample, promote=promote, progress=status.update
            )
    finally:
        runtime.close()


@app.command("demo-feedback")
def demo_feedback(
    sample: Annotated[
        int | None, typer.Option(help="Latih pada sebagian data saja (lebih cepat; hanya untuk mencoba)")
    ] = None,
) -> None:
    """Putaran umpan balik di basis data demo (sesudah `make demo`): tolak dua laporan sebagai bukan keluhan,
    latih ulang dengan umpan balik, tampilkan putusan gerbang evaluasi."""
    from db.models import RejectReason, Role
    from services.actions import Actor, reject

    runtime = _ready_runtime()
    try:
        chosen = _two_reports(runtime)
        operator = Actor("user:operator-demo", Role.OPERATOR)
        _say("Demo: belajar dari keputusan operator")
        for report_id, title, flags in chosen:
            reject(
                runtime,
                report_id,
                actor=operator,
                code=RejectReason.NOT_A_COMPLAINT,
                reason="demo umpan balik: bukan keluhan",
            )
            held = sum(flags)
            _say(
                f"1. Ditolak sebagai bukan keluhan: laporan #{report_id} {title!r}: label 'bukan keluhan' "
                f"untuk {len(flags)} teks sebutannya ({len(flags) - held} data latih, {held} irisan uji)"
            )
        changed = _set_consent(
            runtime,
            DEMO_REGION,
            True,
            actor_name="user:manajer-demo",
            reason="demo: umpan balik operator boleh melatih model bersama",
            role=Role.MANAGER,
        )
        said = "diizinkan oleh manajer-demo (diaudit)" if changed else "sudah diizinkan"
        _say(f"2. Izin wilayah {DEMO_REGION} untuk melatih model bersama: {said}")
    finally:
        runtime.close()
    _say(
        "3. Latih ulang dengan umpan balik"
        + (f" (sampel {sample} contoh)" if sample else " (sekitar satu menit)")
    )
    print_outcome(run_training(sample, True, "system:demo-feedback"))
    _say("Daftar model: .venv/bin/pantau model list")


def _two_reports(runtime: Runtime) -> list[tuple[int, str, list[bool]]]:
    """Two queued reports of the demo region: one whose texts fall in the feedback's training part and one
    in its held-out slice (``nlp.labels.is_held_out``) when the queue has both, so the demo shows each."""
    from sqlalchemy import select

    from db.models import Detection, Document, Region, Report, ReportStatus
    from nlp.labels import is_held_out, text_id

    with runtime.sessions() as session:
        rows = session.execute(
            select(Report.id, Report.judul, Document.text)
            .join(Region, Region.id == Report.region_id)
            .join(Detection, Detection.issue_id == Report.issue_id)
            .join(Document, Document.id == Detection.document_id)
            .where(Region.code == DEMO_REGION, Report.status == ReportStatus.QUEUED)
            .order_by(Report.id, Detection.id)
        ).tuples()
        titles: dict[int, str] = {}
        parts: dict[int, dict[str, bool]] = {}  # each mention text: held out or not
        for report_id, title, text in rows:
            if text:
                titles[report_id] = title
                parts.setdefault(report_id, {})[text_id(text)] = is_held_out(text_id(text))
    if len(titles) < 2:
        _fail(f"perlu dua laporan menunggu tinjauan di wilayah {DEMO_REGION}; jalankan `make demo` dulu")
    held = [r for r, p in parts.items() if all(p.values())]
    trained = [r for r, p in parts.items() if not any(p.values())]
    ids = [trained[0], held[0]] if held and trained else list(titles)[:2]
    return [(r, titles[r], list(parts[r].values())) for r in ids]
