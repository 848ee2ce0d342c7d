"""The CLI's output primitives on any text (Hypothesis): what a terminal is given holds no control character
and loses nothing visible, and JSON stays exact."""

from __future__ import annotations

import io
import json
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from rich.table import Table

import cli

LINE_BREAKS = "\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# text with plenty of what attacks a terminal or Rich: controls, escapes, markup brackets, emoji codes
FRAGMENTS = ["\x1b[2J", "\x1b[31m", "\x9b", "\r", "\x00", "\u202e", "[/]", "[/b]", "[bold red]", "[", "]",
             "\\", ":smile:", "[link=http://x]", "\u0627\u0644\u0637\u0631\u064a\u0642"]  # fmt: skip
hostile_text = st.lists(st.one_of(st.text(), st.sampled_from(FRAGMENTS))).map("".join)


def hidden(c: str) -> bool:
    return unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS


@given(hostile_text)
def test_terminal_safe_drops_controls_and_keeps_the_rest_in_order(value: str) -> None:
    expected = "".join(" " if c in LINE_BREAKS else c for c in value if c in LINE_BREAKS or not hidden(c))
    assert cli.terminal_safe(value) == expected


@given(hostile_text)
def test_one_line_is_one_line(value: str) -> None:
    line = cli.one_line(value)
    assert line == line.strip()
    assert not any(hidden(c) or c in LINE_BREAKS for c in line)


@given(st.dictionaries(st.sampled_from(["judul", "lokasi", "alasan"]), hostile_text))
def test_json_text_is_exact_and_writes_no_raw_control(payload: dict[str, str]) -> None:
    written = cli.json_text(payload)
    assert json.loads(written) == payload
    assert not [c for c in written if c != "\n" and hidden(c)]


@given(st.lists(hostile_text, min_size=1, max_size=4))
def test_any_cell_renders_without_markup_or_control(cells: list[str]) -> None:
    output = io.StringIO()
    console = cli.PlainConsole(file=output, width=120)
    table = Table(title=cells[0])
    for i in range(len(cells)):
        table.add_column(f"kolom{i}")
    table.add_row(*cells)
    console.print(table)
    console.print(cells[-1], soft_wrap=True)
    printed = output.getvalue()
    assert not [c for c in printed if c != "\n" and hidden(c)]
    assert "\U0001f604" not in printed or "\U0001f604" in "".join(cells)
