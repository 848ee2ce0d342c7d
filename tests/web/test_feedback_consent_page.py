"""The manager's consent that the region's operators' decisions may train the shared model, on the console's
region settings page (``/tenggat-kontak``): off by default, changed with a reason, audited, refused when
the form is stale."""

from __future__ import annotations

import re

from sqlalchemy import select

from db.models import Region


def _form(page: str) -> dict[str, str]:
    form = page.split('action="/tenggat-kontak/umpan-balik"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="(csrf_token|version)" value="([^"]*)"', form))


def _consent(console, code: str) -> bool:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        return bool(session.scalars(select(Region.feedback_consent).where(Region.code == code)).one())


def test_the_manager_allows_feedback_to_train_the_shared_model(console) -> None:  # type: ignore[no-untyped-def]
    manager, other = console.client("manajer"), console.client("manajer")
    page = manager.get("/tenggat-kontak").text
    assert "Belajar dari keputusan operator" in page and '<option value="tidak" selected>' in page
    form, stale = _form(page), _form(other.get("/tenggat-kontak").text)
    missing = manager.post("/tenggat-kontak/umpan-balik", data={**form, "izinkan": "ya"})
    assert missing.status_code == 400 and "alasan perubahan wajib diisi" in missing.text
    saved = manager.post(
        "/tenggat-kontak/umpan-balik",
        data={**form, "izinkan": "ya", "reason": "disetujui kepala dinas"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and _consent(console, "64.08") and not _consent(console, "63.72")
    assert '<option value="ya" selected>' in manager.get("/tenggat-kontak").text
    refused = other.post("/tenggat-kontak/umpan-balik", data={**stale, "izinkan": "tidak", "reason": "lain"})
    assert refused.status_code == 409 and _consent(console, "64.08")
    log = manager.get("/audit?jenis=region").text
    assert "feedback_consent" in log and "disetujui kepala dinas" in log
