"""Every YAML file type read badly (bytes, emptiness, shape, values, nesting, missing files) stops loading
with a ConfigError naming the file and, when there is one, the line and column: never a traceback."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from config.errors import ConfigError

if TYPE_CHECKING:
    from conftest import ConfigCopy

REGION = "regions/64.08-kutai-timur.yaml"
FILES = ["functions.yaml", "urgency.yaml", "sources.yaml", REGION, "wilayah/64.08.yaml"]


def _fault(config: ConfigCopy) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        config.load()
    return caught.value


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n", "~\n"])
def test_an_empty_file_says_so_at_line_one(config: ConfigCopy, name: str, content: str) -> None:
    config.path(name).write_text(content, encoding="utf-8")
    error = _fault(config)
    assert (error.path, error.line) == (config.path(name), 1)
    assert "the file is empty" in error.message


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize(
    ("content", "line", "found"),
    [("# a list\n\n- code: JALAN\n- code: PJU\n", 3, "a list"), ("# a word\njalan\n", 2, "a text")],
)
def test_a_file_that_is_not_a_mapping_says_what_was_expected(
    config: ConfigCopy, name: str, content: str, line: int, found: str
) -> None:
    config.path(name).write_text(content, encoding="utf-8")
    error = _fault(config)
    assert (error.path, error.line) == (config.path(name), line)
    assert error.message == f"a mapping (key: value) is expected at the top, not {found}"


@pytest.mark.parametrize("name", FILES)
def test_a_file_that_is_not_utf8_names_the_line_and_column_of_the_first_bad_byte(
    config: ConfigCopy, name: str
) -> None:
    path = config.path(name)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    before = "# Kec. Sangatta Utara \N{EN DASH} "  # a good multi-byte character before the bad byte
    data = "".join(lines[:2]).encode() + before.encode() + b"\xe9" + "".join(lines[2:]).encode()
    path.write_bytes(data)
    error = _fault(config)
    assert (error.path, error.line, error.column) == (path, 3, len(before) + 1)
    assert "not UTF-8 text: byte 0xe9" in error.message
    assert str(error).startswith(f"{path}:3:25: ")


@pytest.mark.parametrize("name", FILES)
def test_a_control_character_names_its_line_and_column(config: ConfigCopy, name: str) -> None:
    path = config.path(name)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = "#\x07" + lines[1]
    path.write_text("".join(lines), encoding="utf-8")
    error = _fault(config)
    assert (error.line, error.column) == (2, 2)
    assert "character #x0007 is not allowed" in error.message


def test_a_control_character_after_letters_beyond_ascii_names_its_column(config: ConfigCopy) -> None:
    """libyaml counts the offset in UTF-8 bytes; the column is counted in characters, as an editor shows."""
    path = config.path("functions.yaml")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = "# Dinas Perhubungan — “Dishub” é\x07" + lines[1]
    path.write_text("".join(lines), encoding="utf-8")
    error = _fault(config)
    assert (error.line, error.column) == (2, 33)


@pytest.mark.parametrize("name", FILES)
def test_nesting_without_end_is_refused_at_its_line(config: ConfigCopy, name: str) -> None:
    config.path(name).write_text("# deep\nkey: " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    error = _fault(config)
    assert error.line == 2
    assert "nested more than 64 levels deep" in error.message


def test_nesting_deeper_than_pantau_allows_but_within_libyaml_is_refused_where_it_passes_the_limit(
    config: ConfigCopy,
) -> None:
    deep = "".join(f"{'  ' * level}k{level}:\n" for level in range(100)) + f"{'  ' * 100}leaf\n"
    config.path("urgency.yaml").write_text(deep, encoding="utf-8")
    error = _fault(config)
    assert (error.line, error.column) == (64, 127)  # k63, inside the 64th mapping: the 65th node down
    assert "nested more than 64 levels deep" in error.message


@pytest.mark.parametrize(
    ("holidays", "expected"),
    [
        ("[2026-12-24, 2026-12-31]", {date(2026, 12, 24), date(2026, 12, 31)}),  # YAML dates
        ("['2026-12-24', \"2026-12-31\"]", {date(2026, 12, 24), date(2026, 12, 31)}),  # quoted text
        ("\n  - 2026-12-24\n  - '2026-12-31'", {date(2026, 12, 24), date(2026, 12, 31)}),
        ("[]", set()),
    ],
)
def test_holidays_are_read_as_yaml_dates_or_as_quoted_text(
    config: ConfigCopy, holidays: str, expected: set[date]
) -> None:
    config.edit(REGION, "extra_holidays: []", f"extra_holidays: {holidays}")
    region = config.load().regions["64.08"]
    assert region.holidays == expected
    assert all(isinstance(day, str) for day in region.definition.extra_holidays)  # as the database keeps them


def test_an_impossible_unquoted_date_names_its_line_and_column(config: ConfigCopy) -> None:
    path = config.edit(REGION, "extra_holidays: []", "extra_holidays: [2026-12-24, 2026-13-45]")
    error = _fault(config)
    line = config.line_of(REGION, "2026-13-45")
    assert (error.path, error.line, error.column) == (path, line, len("extra_holidays: [2026-12-24, ") + 1)
    assert error.message == "'2026-13-45' reads as a date but is not one (month must be in 1..12)"


@pytest.mark.parametrize(
    ("holiday", "message"),
    [
        ("'2026-13-45'", "extra_holidays.0: not a date: '2026-13-45' (month must be in 1..12)"),
        ("'24-12-2026'", "extra_holidays.0: not a date in the form YYYY-MM-DD: '24-12-2026'"),
        ("'20261224'", "extra_holidays.0: not a date in the form YYYY-MM-DD: '20261224'"),
        ("20261224", "extra_holidays.0: a date (YYYY-MM-DD) is expected, not 20261224"),
        (
            "2026-12-24 08:00:00",
            "extra_holidays.0: a date without a time is expected, not 2026-12-24 08:00:00",
        ),
    ],
)
def test_a_holiday_that_is_not_a_day_names_its_line(config: ConfigCopy, holiday: str, message: str) -> None:
    config.edit(REGION, "extra_holidays: []", f"extra_holidays:\n  - {holiday}")
    error = _fault(config)
    assert error.line == config.line_of(REGION, f"  - {holiday}")
    assert error.message == message


def test_any_value_that_cannot_be_built_names_its_line(config: ConfigCopy) -> None:
    path = config.edit("functions.yaml", "urgent: true", "urgent: !!int banyak")
    error = _fault(config)
    assert (error.path, error.line) == (path, config.line_of("functions.yaml", "!!int banyak"))
    assert (
        error.message
        == "'banyak' reads as a number but is not one (invalid literal for int() with base 10: 'banyak')"
    )


def test_a_missing_regions_folder_is_named(config: ConfigCopy) -> None:
    for path in config.path("regions").iterdir():
        path.unlink()
    error = _fault(config)
    assert (error.path, error.line) == (config.path("regions"), None)
    assert "no region file" in error.message
    config.path("regions").rmdir()
    error = _fault(config)
    assert (error.path, error.line) == (config.path("regions"), None)
    assert "folder not found" in error.message


def test_a_missing_gazetteer_points_at_the_region_line_that_names_it(config: ConfigCopy) -> None:
    config.path("wilayah/64.08.yaml").unlink()
    error = _fault(config)
    assert (error.path, error.line) == (config.path(REGION), config.line_of(REGION, "gazetteer: 64.08.yaml"))
    assert error.message == f"gazetteer: gazetteer file not found: {config.path('wilayah/64.08.yaml')}"


@pytest.mark.parametrize("name", ["functions.yaml", "urgency.yaml", "sources.yaml"])
def test_a_missing_file_is_named(config: ConfigCopy, name: str) -> None:
    config.path(name).unlink()
    error = _fault(config)
    assert (error.path, error.line, error.message) == (config.path(name), None, "file not found")


def test_a_folder_where_a_file_belongs_is_named(config: ConfigCopy) -> None:
    config.path("urgency.yaml").unlink()
    config.path("urgency.yaml").mkdir()
    error = _fault(config)
    assert error.path == config.path("urgency.yaml")
    assert error.message.startswith("cannot read the file")


def test_a_yaml_syntax_error_has_line_and_column(config: ConfigCopy) -> None:
    path = config.edit("urgency.yaml", "  - name: longsor\n", "  - name: longsor\n\tquery: x\n")
    error = _fault(config)
    assert (error.path, error.line, error.column) == (path, config.line_of("urgency.yaml", "\tquery: x"), 1)
    assert error.message.startswith("invalid YAML: ")
    assert str(error).startswith(f"{path}:{error.line}:1: invalid YAML: ")
