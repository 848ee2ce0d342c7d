"""A report draft carries no personal data, wherever the body is clipped."""

from __future__ import annotations

import pytest

from nlp.report_text import MAX_BODY, draft_report, excerpt

PHONE = "0812 3456 7890"
LIMIT = MAX_BODY - 400  # the summary's length


def _draft(text: str, title: str = "Jalan rusak di Sangatta") -> str:
    draft = draft_report(
        title=title,
        text=text,
        function_name="Jalan",
        location_label="Sangatta Utara",
        region_name="Kabupaten Kutai Timur",
        source_links=["https://berita.example/a"],
    )
    return draft.judul + "\n" + draft.isi + "\n" + draft.lokasi


@pytest.mark.parametrize("cut", range(-len(PHONE) - 3, 4))
def test_a_number_at_the_clipping_edge_is_redacted_whole(cut: int) -> None:
    """The summary is clipped near LIMIT characters: a number across the edge must not survive in part."""
    lead = "Warga mengeluh jalan rusak. "
    filler = (lead * (LIMIT // len(lead) + 1))[: LIMIT + cut]
    text = f"{filler.rstrip()} hubungi {PHONE} untuk info. " + lead * 5
    drafted = _draft(text)
    assert "0812" not in drafted and "3456" not in drafted, drafted[-400:]


def test_title_and_body_are_redacted() -> None:
    drafted = _draft(
        "Pelapor Budi (NIK 6408012345678901) bisa dihubungi di 081234567890.", "Hubungi 0812-3456-7890"
    )
    assert "6408012345678901" not in drafted and "081234567890" not in drafted
    assert "0812-3456-7890" not in drafted


@pytest.mark.parametrize("limit", range(60, 100))
def test_an_excerpt_is_redacted_before_it_is_clipped(limit: int) -> None:
    text = "Warga Sangatta Utara yang mengadu lewat telepon 0812 3456 7890 menunggu jawaban dinas."
    shown = excerpt(text, limit)
    assert "3456" not in shown and "0812" not in shown
