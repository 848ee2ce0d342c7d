"""The watchlist query language: operators, matching, evidence, errors and limits."""

from __future__ import annotations

from itertools import product

import pytest

from nlp.watchlist import (
    MAX_DEPTH,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    QuerySyntaxError,
    WatchDocument,
    Watchlist,
    WatchlistHit,
    match_watchlists,
    parse,
)
from tests.nlp.linear_time import assert_linear, cpu_seconds


def kutim(text: str) -> WatchDocument:
    """A document from Kutai Timur (kecamatan Sangatta Utara, desa Singa Gembara) about street lights."""
    return WatchDocument.build(
        text,
        region_code="64.08",
        region_names=("Kutai Timur", "Sangatta Utara", "Singa Gembara"),
        source_slug="tribun-kaltim",
        function="PJU",
    )


def matches(query: str, text: str) -> bool:
    return parse(query).matches(WatchDocument.build(text))


def evidence(query: str, text: str) -> list[str]:
    return parse(query).evidence(WatchDocument.build(text))


def syntax_error(query: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    return caught.value


# --- operators and precedence ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("banjir", "banjir di desa Swarga Bara", True),
        ("banjir", "longsor di desa Swarga Bara", False),
        ("banjir AND longsor", "banjir lalu longsor", True),
        ("banjir AND longsor", "banjir saja", False),
        ("banjir OR longsor", "longsor di jalan poros", True),
        ("banjir OR longsor", "gempa kecil", False),
        ("banjir NOT longsor", "banjir saja", True),
        ("banjir AND NOT longsor", "banjir lalu longsor", False),
        ("NOT banjir", "jalan rusak", True),
        ("NOT banjir", "banjir lagi", False),
        ("banjir -longsor", "banjir saja", True),
        ("banjir -longsor", "banjir dan longsor", False),
        ("-(banjir OR longsor) jalan", "jalan rusak", True),
        ("(banjir OR longsor) AND desa", "longsor di desa", True),
        ("(banjir OR longsor) AND desa", "longsor di kota", False),
        ("banjir and longsor", "banjir longsor", False),  # lower-case "and" is a word
        ("banjir and longsor", "banjir and longsor", True),
        ("tidak not", "not tidak", True),
    ],
)
def test_operators(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("jalan rusak", "rusak parah jalan ini", True),  # implicit AND: words anywhere
        ("jalan AND rusak", "rusak parah jalan ini", True),
        ('"jalan rusak"', "rusak parah jalan ini", False),  # phrase: consecutive words in order
        ('"jalan rusak"', "jalan yang rusak", False),
        ('"jalan rusak"', "ada jalan rusak di sini", True),
        ('"jalan rusak" parah', "parah, jalan rusak", True),
    ],
)
def test_phrase_versus_scattered_words(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


@pytest.mark.parametrize(("has_a", "has_b", "has_c"), list(product([False, True], repeat=3)))
def test_precedence_and_binds_tighter_than_or(has_a: bool, has_b: bool, has_c: bool) -> None:
    presence = (("banjir", has_a), ("longsor", has_b), ("jalan", has_c))
    words = [word for word, present in presence if present]
    doc = WatchDocument.build(" ".join(["berita", *words]))
    expected = has_a or (has_b and has_c)
    assert parse("banjir OR longsor AND jalan").matches(doc) is expected
    assert parse("banjir OR longsor jalan").matches(doc) is expected
    assert parse("banjir OR (longsor AND jalan)").matches(doc) is expected
    assert parse("NOT banjir AND longsor").matches(doc) is ((not has_a) and has_b)
    assert parse("NOT banjir OR longsor").matches(doc) is ((not has_a) or has_b)


def test_near_binds_tighter_than_and() -> None:
    assert matches("banjir lampu NEAR/1 mati", "banjir, lampu mati")
    assert not matches("banjir lampu NEAR/1 mati", "lampu menyala, banjir, mati listrik")


def test_not_binds_tighter_than_near() -> None:
    error = syntax_error("NOT lampu NEAR/2 mati")
    assert error.position == 0 and "operan NEAR" in error.message


# --- NEAR -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("apart", "expected"), [(1, True), (2, True), (3, True), (4, False), (9, False)])
@pytest.mark.parametrize("reverse", [False, True])
def test_near_distance_boundary(apart: int, expected: bool, reverse: bool) -> None:
    first, second = ("mati", "lampu") if reverse else ("lampu", "mati")
    text = " ".join([first, *["x"] * (apart - 1), second])
    assert matches("lampu NEAR/3 mati", text) is expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ('"lampu jalan" NEAR/2 mati', "lampu jalan sudah mati", True),
        ('"lampu jalan" NEAR/2 mati', "lampu jalan sudah lama mati", False),
        ('mati NEAR/2 "lampu jalan"', "mati total lampu jalan", True),
        ('mati NEAR/2 "lampu jalan"', "mati, kata warga, lampu jalan", False),
        ("(lampu OR pju) NEAR/2 (mati OR padam)", "pju sudah padam", True),
        ("(lampu OR pju) NEAR/2 (mati OR padam)", "pju menyala, tetangga padam", False),
        ("((lampu OR pju) OR penerangan) NEAR/1 padam", "penerangan padam", True),
        ("lampu NEAR/3 lampu", "lampu mati", False),  # one occurrence is not near itself
        ("lampu NEAR/3 lampu", "lampu dan lampu", True),
        ("lampu NEAR/1 mat*", "lampu matinya", True),
    ],
)
def test_near_with_phrases_and_groups(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


# --- wildcard, fields, normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("banjir*", "banjir", True),
        ("banjir*", "banjirnya sepinggang", True),
        ("banjir*", "kebanjiran", False),
        ("perbai*", "belum ada perbaikan", True),
        ("jalan-rus*", "jalan rusak", True),  # several words: a phrase whose last word is a prefix
        ("jalan-rus*", "rusak jalan", False),
        ("jln*", "jalanan licin", True),  # the prefix is normalised like any term
    ],
)
def test_wildcard(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("wilayah:64.08", True),
        ("wilayah:64.09", False),
        ('wilayah:"Sangatta Utara"', True),
        ('wilayah:"sangatta   UTARA"', True),
        ("wilayah:Sangatta", False),  # equality, not a substring
        ('wilayah:"Kutai Timur"', True),
        ('Wilayah:"singa gembara"', True),
        ("sumber:tribun-kaltim", True),
        ('sumber:"Tribun Kaltim"', True),
        ("sumber:kaltimpost", False),
        ("fungsi:pju", True),
        ("fungsi:PJU", True),
        ("fungsi:jalan", False),
        ("lampu AND fungsi:pju AND wilayah:64.08", True),
        ("lampu AND NOT sumber:tribun-kaltim", False),
    ],
)
def test_field_filters(query: str, expected: bool) -> None:
    assert parse(query).matches(kutim("Lampu jalan mati di Sangatta")) is expected


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ('"jalan rusak" AND tidak', "JLN RUSAAAK gk diperbaiki"),
        ("jalan", "jalannnn berlubang"),
        ("rusaaak", "jalan rusak"),
        ("BANJIR", "banjir lagi"),
        ("tidak", "lampu gkkk nyala"),
        ('"tidak ada" lampu', "gaada lampu di gang"),
    ],
)
def test_case_slang_and_repeated_letters(query: str, text: str) -> None:
    assert matches(query, text)


# --- evidence ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ('banjir OR longsor OR "jalan rusak"', "jalan rusak lalu longsor", ["longsor", "jalan rusak"]),
        ("banjir OR (banjir AND desa)", "banjir di desa", ["banjir", "desa"]),
        ("jalan NOT banjir", "jalan rusak", ["jalan"]),
        ("JLN* AND Rusak", "jalan rusak", ["JLN*", "Rusak"]),
        ("lampu NEAR/1 (mati OR padam)", "mati lampu, kabel padam", ["lampu", "mati"]),
        ("wilayah:64.08 OR banjir", "banjir", ["banjir"]),
        ("banjir AND longsor", "banjir saja", []),
    ],
)
def test_evidence(query: str, text: str, expected: list[str]) -> None:
    assert evidence(query, text) == expected


# --- errors -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "position", "message"),
    [
        ("(banjir OR longsor", 0, "kurung buka tidak ditutup"),
        ("banjir (longsor OR (gempa)", 7, "kurung buka tidak ditutup"),
        ("banjir (", 7, "kurung buka tidak ditutup"),
        ("banjir OR longsor)", 17, "kurung tutup tidak punya pasangan"),
        (")banjir", 0, "kurung tutup tidak punya pasangan"),
        ("", 0, "kueri kosong"),
        ("   ", 0, "kueri kosong"),
        ("banjir AND", 7, "operator AND tidak diikuti istilah"),
        ("banjir OR", 7, "operator OR tidak diikuti istilah"),
        ("banjir NOT", 7, "operator NOT tidak diikuti istilah"),
        ("banjir AND OR longsor", 7, "operator AND tidak diikuti istilah"),
        ("(banjir AND) longsor", 8, "operator AND tidak diikuti istilah"),
        ("AND banjir", 0, "operator AND tidak didahului istilah"),
        ("lampu NEAR/3", 6, "operator NEAR/3 tidak diikuti istilah"),
        ("lampu NEAR/ mati", 11, "NEAR/ harus diikuti angka"),
        ("lampu NEAR/x mati", 11, "NEAR/ harus diikuti angka"),
        ("lampu NEAR/0 mati", 11, "jarak NEAR harus antara 1 dan 1000"),
        ("lampu NEAR/1001 mati", 11, "jarak NEAR harus antara 1 dan 1000"),
        ("lampu NEAR/" + "9" * 3000 + " mati", 11, "jarak NEAR harus antara 1 dan 1000"),
        ("lampu NEAR mati", 10, "NEAR harus diberi jarak"),
        ("lampu NEAR/1 mati NEAR/1 total", 18, "NEAR tidak bisa dirangkai"),
        ("(lampu AND jalan) NEAR/2 mati", 0, "operan NEAR"),
        ("lampu NEAR/2 wilayah:64.08", 13, "operan NEAR"),
        ("lampu NEAR/2 (mati OR padam AND total)", 22, "operan NEAR"),
        ("kota:samarinda", 0, "field tidak dikenal: kota:"),
        ("banjir lokasi:Sangatta", 7, "field tidak dikenal: lokasi:"),
        ("wilayah: banjir", 8, "nilai untuk wilayah: kosong"),
        ('wilayah:""', 8, "istilah kosong"),
        ("sumber:tribun*", 13, "tanda * tidak bisa dipakai pada field"),
        ('banjir "jalan rusak', 7, "tanda kutip tidak ditutup"),
        ('wilayah:"Sangatta Utara', 8, "tanda kutip tidak ditutup"),
        ("banjir ()", 7, "kurung kosong"),
        ("banjir ( )", 7, "kurung kosong"),
        ("ban*jir", 3, "tanda * hanya boleh di akhir kata"),
        ("banjir *", 7, "tanda * harus didahului kata"),
        ('banjir ""', 7, "istilah kosong"),
        ("banjir 😡", 7, "istilah kosong"),
        ("banjir - longsor", 7, "istilah kosong"),
        ('"' + "kata " * 51 + '"', 0, "frasa terlalu panjang"),
        ("(" * (MAX_DEPTH + 1) + "banjir" + ")" * (MAX_DEPTH + 1), MAX_DEPTH, "terlalu bersarang"),
        ("NOT " * (MAX_DEPTH + 1) + "banjir", 4 * MAX_DEPTH, "terlalu bersarang"),
        ("(" * 60 + "banjir" + ")" * 60, MAX_DEPTH, "terlalu bersarang"),
    ],
)
def test_syntax_errors(query: str, position: int, message: str) -> None:
    error = syntax_error(query)
    assert isinstance(error, ValueError)
    assert error.position == position
    assert message in error.message


def test_error_shows_message_query_and_caret() -> None:
    error = syntax_error("banjir OR longsor)")
    assert str(error) == (
        "kurung tutup tidak punya pasangan (posisi 17)\nbanjir OR longsor)\n                 ^"
    )


def test_error_on_a_long_query_shows_a_window_around_the_position() -> None:
    error = syntax_error("banjir " * 500 + "AND")
    _message, shown, caret = str(error).split("\n")
    assert len(shown) < 200 and shown.startswith("…")
    assert shown[caret.index("^") :].startswith("AND")


def test_the_deepest_nesting_allowed_parses() -> None:
    assert matches("(" * MAX_DEPTH + "banjir" + ")" * MAX_DEPTH, "banjir")
    assert matches("NOT " * MAX_DEPTH + "banjir", "banjir")  # an even number of NOTs


# --- limits -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("(" * MAX_QUERY_CHARS, MAX_DEPTH),
        (")" * MAX_QUERY_CHARS, 0),
        ("-" * (MAX_QUERY_CHARS - 1) + "a", MAX_DEPTH),
    ],
)
def test_pathological_nesting_is_a_syntax_error_not_a_recursion_error(query: str, position: int) -> None:
    assert syntax_error(query).position == position


def test_the_most_terms_allowed_parse_and_match() -> None:
    query = " ".join(["rt"] * (MAX_TERMS - 2) + ["(mati OR padam)"])
    assert len(query) <= MAX_QUERY_CHARS
    assert matches(query, "lampu RT padam")
    assert not matches(query, "lampu RT menyala")


def test_more_terms_than_allowed_is_an_error() -> None:
    error = syntax_error(" ".join(["rt"] * (MAX_TERMS + 1)))
    assert "terlalu banyak istilah" in error.message
    assert error.position == 3 * MAX_TERMS


@pytest.mark.parametrize("length", [MAX_QUERY_CHARS + 1, 178_000])
def test_too_long_query_is_an_error(length: int) -> None:
    error = syntax_error(("banjir " * (length // 7 + 1))[:length])
    assert error.position == MAX_QUERY_CHARS
    assert f"kueri terlalu panjang ({length} karakter, maksimum {MAX_QUERY_CHARS})" in error.message


def test_the_longest_query_allowed_parses() -> None:
    query = " OR ".join(["banjir"] * (MAX_QUERY_CHARS // 10)).ljust(MAX_QUERY_CHARS)
    assert len(query) == MAX_QUERY_CHARS
    assert matches(query, "banjir")


def test_error_in_one_line_marks_the_position() -> None:
    assert syntax_error("banjir OR longsor)").inline == (
        "kurung tutup tidak punya pasangan (posisi 17): banjir OR longsor▶)"
    )
    inline = syntax_error("banjir\nOR " + "longsor " * 100 + "NEAR/0 x").inline
    assert "\n" not in inline and "…" in inline and "NEAR/▶0 x" in inline


@pytest.mark.parametrize("text", ["", "   \n\t", "😡😡😡", "\x00\x01\x02\x7f", "https://t.co/abc @pemkab"])
@pytest.mark.parametrize("query", ["NOT banjir", "wilayah:64.08", "banjir*", "-(a OR b)"])
def test_documents_without_words_never_match(text: str, query: str) -> None:
    doc = kutim(text)
    assert not parse(query).matches(doc)
    assert parse(query).evidence(doc) == []


def test_one_megabyte_document() -> None:
    text = ("Warga mengeluhkan lampu jalan yang mati dan saluran tersumbat di desa. " * 14_000)[:999_980]
    text += " JLN RUSAAAK parah"
    queries = [parse(query) for query in ('"jalan rusak" parah', "lampu NEAR/3 mati", "saluran* -banjir")]
    doc = WatchDocument.build(text)
    assert [query.matches(doc) for query in queries] == [True, True, True]
    assert_linear(lambda t: [query.matches(WatchDocument.build(t)) for query in queries], text)


def test_fifty_watchlists_cost_a_few_times_building_the_document() -> None:
    base = [
        '"jalan rusak" OR (jalan AND (berlubang OR retak*)) NOT banjir',
        "(lampu OR pju OR penerangan) NEAR/3 (mati OR padam OR rusak)",
        'banjir* OR genangan OR "air naik" OR (hujan AND (deras OR lebat)) NOT simulasi',
        '(sampah OR tps) AND (menumpuk OR bau OR "tidak diangkut") -lomba',
        'wilayah:"Sangatta Utara" AND (air OR pdam) AND (mati OR keruh OR macet)',
    ]
    watchlists = [Watchlist(f"w{index}", base[index % len(base)]) for index in range(50)]
    text = (
        "Warga Sangatta Utara mengeluhkan jln rusak dan berlubang, lampu jalan padam sejak seminggu, "
        "sampah menumpuk di TPS, genangan di pasar dan air PDAM keruh. "
    ) * 8
    doc = kutim(text[:1000])
    assert len(match_watchlists(watchlists, doc)) == 50
    # Against a baseline in the same process: building the document (tokens, stems, places) once. Fifty
    # watchlists cost about three times that, not fifty: each reads the document's index, none the text.
    building = cpu_seconds(lambda: [kutim(text[:1000]) for _ in range(50)], repeat=5)
    matching = cpu_seconds(lambda: [match_watchlists(watchlists, doc) for _ in range(50)], repeat=5)
    assert matching <= 12 * building, f"{matching:.4f} s against {building:.4f} s to build the document"


# --- watchlists -------------------------------------------------------------------------------------------


def test_watchlist_with_a_bad_query_fails_at_construction() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        Watchlist("x", "banjir AND (")
    assert caught.value.position == 11


def test_match_watchlists_sorts_by_priority_then_name() -> None:
    watchlists = [
        Watchlist("jalan", '"jalan rusak"'),
        Watchlist("banjir", "banjir*", priority=3),
        Watchlist("pju", "lampu NEAR/2 mati", priority=3),
        Watchlist("sampah", "sampah"),
        Watchlist("air", "air OR pdam", priority=2),
    ]
    doc = WatchDocument.build("Jln rusak kebanjiran, lampu mati, banjirnya setinggi lutut, PDAM mati")
    assert match_watchlists(watchlists, doc) == [
        WatchlistHit("banjir", 3, ["banjir*"]),
        WatchlistHit("pju", 3, ["lampu", "mati"]),
        WatchlistHit("air", 2, ["pdam"]),
        WatchlistHit("jalan", 1, ["jalan rusak"]),
    ]
    doc = WatchDocument.build("Banjir lagi")
    assert match_watchlists(watchlists, doc) == [WatchlistHit("banjir", 3, ["banjir*"])]


@pytest.mark.parametrize(
    "text",
    [
        "JLN RUSAAAK gk diperbaiki",
        "Lampu PJU mati di Jl. Yos Sudarso, warga kesal bgt",
        "banjir 1000000 rumah",
    ],
)
def test_documents_built_from_model_tokens_match_like_documents_built_from_text(text: str) -> None:
    from nlp.text import tokens

    assert WatchDocument.from_tokens(tokens(text)).tokens == WatchDocument.build(text).tokens
