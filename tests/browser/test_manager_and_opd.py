"""A manager writes a watchlist with a mistake, sees the error with its position, fixes it, sees the preview
and saves it; an OPD liaison answers a report on a phone with a photo attached."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from db.models import Attachment, Region, WatchlistVersion
from tests.browser.harness import Live, Seen

# the smallest valid PNG (1x1, transparent): the console types files by their first bytes
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da636460f85f0f0002870180eb47ba920000000049454e44ae426082"
)


def test_a_manager_fixes_a_watchlist_query_and_sees_its_preview(
    page: Page, live: Live, seen: Seen, login: Callable[[Page, str], None], queued_report: Callable[..., int]
) -> None:
    runtime = live.console.runtime
    queued_report(runtime, title="Jalan berlubang di Bengalon", text="Warga mengeluhkan jalan berlubang.")
    queued_report(runtime, title="Sampah menumpuk", text="Sampah menumpuk di pasar, warga mengeluh bau.")
    login(page, "manajer")
    page.goto(f"{live.url}/watchlist/baru")
    page.get_by_label("Nama").fill("jalan-berlubang")
    query = page.locator("#query")
    query.press_sequentially("jalan AND (berlubang", delay=20)
    error = page.locator(".parse-error[role=alert]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("kolom")

    query.press("End")
    query.press_sequentially(" OR rusak)", delay=20)
    expect(error).to_have_count(0)
    expect(page.locator("#preview .preview-count")).to_contain_text("1 dokumen cocok")
    expect(page.locator("#preview")).to_contain_text("Jalan berlubang di Bengalon")
    expect(page.locator("#preview")).not_to_contain_text("Sampah menumpuk")

    page.get_by_label("Alasan perubahan").first.fill("Pantau keluhan jalan berlubang menjelang musim hujan")
    page.get_by_role("button", name="Simpan sebagai versi baru").click()
    expect(page.locator("main")).to_contain_text("jalan AND (berlubang OR rusak)")
    with runtime.sessions() as session:
        region_id = session.scalars(select(Region.id).where(Region.code == "64.08")).one()
        saved = session.scalars(
            select(WatchlistVersion).where(
                WatchlistVersion.region_id == region_id, WatchlistVersion.name == "jalan-berlubang"
            )
        ).one()
        assert (saved.query, saved.created_by) == ("jalan AND (berlubang OR rusak)", "user:manajer")
    seen.assert_nothing()


def test_an_opd_liaison_answers_with_a_photo_on_a_phone(
    phone: Page,
    live: Live,
    seen: Seen,
    login: Callable[[Page, str], None],
    forwarded_report: Callable[..., int],
    tmp_path: Path,
) -> None:
    report_id = forwarded_report(live.console.runtime, title="Jalan berlubang di Poros Sangatta-Bengalon")
    photo = tmp_path / "jalan-sudah-ditambal.png"
    photo.write_bytes(PNG)
    login(phone, "pupr")
    phone.locator(f"a[href='/laporan/{report_id}']").tap()
    expect(phone).to_have_url(re.compile(rf"/laporan/{report_id}$"))
    form = phone.locator("form#tindak-lanjut")
    form.locator("textarea").fill("Lubang sudah ditambal oleh tim UPT jalan pada pagi ini; foto terlampir.")
    form.locator("input[name=lampiran]").set_input_files(str(photo))
    form.get_by_role("button", name="Kirim tindak lanjut").tap()
    expect(phone.locator("dl.facts dt:text-is('Status') + dd")).to_contain_text("ditindaklanjuti")
    expect(phone.get_by_role("link", name=re.compile("jalan-sudah-ditambal.png"))).to_be_visible()
    with live.console.runtime.sessions() as session:
        stored = session.scalars(select(Attachment).where(Attachment.report_id == report_id)).one()
        assert (stored.filename, stored.data) == ("jalan-sudah-ditambal.png", PNG)
    wider = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wider <= 0, f"the report page is {wider}px wider than a phone"
    seen.assert_nothing()
