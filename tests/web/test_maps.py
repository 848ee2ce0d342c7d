"""The dashboard's kecamatan map: every kecamatan of the region drawn from its boundaries, shaded by its
count, linked to its reports; a region without boundaries gets none."""

from __future__ import annotations

import re

from web.maps import NONE, SHADES, kecamatan_map


def test_each_kecamatan_is_drawn_and_shaded_by_its_count() -> None:
    drawn = kecamatan_map("64.08", {"64.08.04": (9, "/antrean?kecamatan=64.08.04"), "64.08.09": (3, "/b")})
    assert drawn is not None and len(drawn.areas) == 18
    by_code = {area.code: area for area in drawn.areas}
    assert by_code["64.08.04"].fill == SHADES[-1] and by_code["64.08.04"].name == "Sangatta Utara"
    assert by_code["64.08.09"].fill == SHADES[1]  # 3 of 9: steps end at 2, 4, 6, 8, 9
    assert by_code["64.08.01"].fill == NONE and by_code["64.08.01"].link == ""
    numbers = [float(n) for area in drawn.areas for n in re.findall(r"-?\d+\.\d", area.path)]
    assert min(numbers) >= 0 and max(numbers) <= drawn.width + 0.1  # inside the picture
    assert 0.4 < drawn.height / drawn.width < 0.8  # Kutai Timur is wider than tall
    assert drawn.legend[0] == (NONE, "0") and drawn.legend[-1] == (SHADES[-1], "9")
    assert "MIT" in drawn.attribution
    assert len(kecamatan_map("63.72", {}).areas) == 5  # type: ignore[union-attr]
    assert kecamatan_map("99.99", {}) is None


def test_the_dashboard_draws_the_map_with_links(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    queued_report(console.runtime, title="Jalan rusak")
    page = console.client("manajer").get("/dasbor").text
    assert page.count("<path ") == 18 and "Peta laporan per kecamatan" in page
    assert "cahyadsn/wilayah_boundaries" in page
