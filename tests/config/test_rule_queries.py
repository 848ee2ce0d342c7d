"""Watchlist, vertical-body and urgency queries are compiled when the configuration loads: one that does not
parse stops every command that works from the configuration, before the database or a crawl, with the file,
the line and column of the fault in the YAML, and the position in the query."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from config.errors import ConfigError
from config.settings import Settings
from flows.runtime import Runtime
from flows.setup import initialise
from nlp.rules import compile_rules

if TYPE_CHECKING:
    from conftest import ConfigCopy

REGION = "regions/64.08-kutai-timur.yaml"
SANGATTA = """    query: 'wilayah:"Sangatta Utara" OR wilayah:"Sangatta Selatan"'"""
INDENT = len("    query: '")  # where a single-quoted query's text starts on its line


def _settings(config: ConfigCopy, var_dir: Path) -> Settings:
    return Settings(config_dir=config.root, sources_file=config.path("sources.yaml"), var_dir=var_dir)


def _refused(config: ConfigCopy, tmp_path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        _ = Runtime(_settings(config, tmp_path / "var")).catalog
    assert "\n" not in str(caught.value)  # the command line shows it as one line
    return caught.value


@pytest.mark.parametrize(
    ("query", "position", "message"),
    [
        ('"jalan rusak', 0, "tanda kutip tidak ditutup"),
        ("banjir NOT", 7, "operator NOT tidak diikuti istilah"),
        ("banjir -", 7, "istilah kosong"),
        ("kota:samarinda", 0, "field tidak dikenal: kota:"),
        ("lampu NEAR/0 mati", 11, "jarak NEAR harus antara 1 dan 1000"),
        ("lampu NEAR", 10, "NEAR harus diberi jarak"),
        ("(" * 60 + "banjir" + ")" * 60, 20, "kurung/NOT terlalu bersarang (maksimum 20 tingkat)"),
        ("banjir " * 25_429, 4_000, "kueri terlalu panjang (178003 karakter, maksimum 4000)"),
    ],
)
def test_a_watchlist_query_that_does_not_parse_stops_loading_at_its_line_and_column(
    config: ConfigCopy, tmp_path: Path, query: str, position: int, message: str
) -> None:
    path = config.edit(REGION, SANGATTA, f"    query: '{query}'")
    error = _refused(config, tmp_path)
    assert (error.path, error.line) == (path, config.line_of(REGION, "- name: Sangatta") + 1)
    assert error.column == INDENT + position + 1
    assert error.message.startswith(f"watchlists.2.query: query does not parse: {message}")
    assert f" (posisi {position}): " in error.message
    assert "▶" in error.message and len(error.message) < 250


def test_a_vertical_rule_query_that_does_not_parse_stops_loading(config: ConfigCopy, tmp_path: Path) -> None:
    path = config.edit(REGION, "query: 'pln OR", "query: 'pln OR OR")
    error = _refused(config, tmp_path)
    line = config.line_of(REGION, "pln OR OR")
    assert (error.path, error.line, error.column) == (path, line, INDENT + len("pln ") + 1)
    assert error.message.startswith(
        "vertical.1.query: query does not parse: operator OR tidak diikuti istilah"
    )


def test_an_urgency_query_that_does_not_parse_stops_loading(config: ConfigCopy, tmp_path: Path) -> None:
    path = config.edit("urgency.yaml", "jembatan NEAR/3", "jembatan NEAR/0")
    error = _refused(config, tmp_path)
    line = config.line_of("urgency.yaml", "jembatan NEAR/0")
    assert (error.path, error.line, error.column) == (path, line, INDENT + len("jembatan NEAR/") + 1)
    assert error.message.startswith("rules.3.query: query does not parse: jarak NEAR harus antara 1 dan 1000")


@pytest.mark.parametrize(
    ("written", "line", "column"),
    [
        # (the query as written in the YAML; line of the fault after the `query:` line; its column)
        ("|\n      banjir OR\n      (longsor AND\n      lampu NEAR/0 mati)", 3, 18),
        (">-\n      banjir OR\n      (longsor AND\n      lampu NEAR/0 mati)", 3, 18),
        ("|-  # NEAR/9 in a comment\n      banjir OR lampu NEAR/0 mati", 1, 28),
        ("banjir OR\n      lampu NEAR/0 mati", 1, 18),
        ("'banjir OR\n\n      lampu NEAR/0 mati'", 2, 18),
        ("'it''s ''x'' lampu NEAR/0 mati'", 0, 13 + len("it''s ''x'' lampu NEAR/")),
        ('"\\"x\\" \\u00e9 \\x41 lampu NEAR/0 mati"', 0, 13 + len('\\"x\\" \\u00e9 \\x41 lampu NEAR/')),
        ('"banjir OR \\\n      lampu NEAR/0 mati"', 1, 18),
        ("'lampu NEAR'", 0, 13 + len("lampu NEAR")),  # at the end of the query: where the quote closes it
    ],
)
def test_the_fault_is_found_inside_any_yaml_style_of_query(
    config: ConfigCopy, tmp_path: Path, written: str, line: int, column: int
) -> None:
    config.edit(REGION, SANGATTA, f"    query: {written}")
    error = _refused(config, tmp_path)
    assert (error.line, error.column) == (config.line_of(REGION, "- name: Sangatta") + 1 + line, column)
    assert "query does not parse" in error.message


def test_the_shipped_rules_are_compiled_once_and_shared_with_the_triager() -> None:
    catalog = Runtime(Settings()).catalog
    first, again = compile_rules(catalog), compile_rules(catalog)
    assert {rule.name for rule in first.urgency} >= {"banjir", "longsor", "kebakaran"}
    assert all(a.query is b.query for a, b in zip(first.urgency, again.urgency, strict=True))
    kutim, kutim_again = first.regions["64.08"], again.regions["64.08"]
    assert all(a.query is b.query for a, b in zip(kutim.vertical, kutim_again.vertical, strict=True))
    assert all(
        a.compiled is b.compiled for a, b in zip(kutim.watchlists, kutim_again.watchlists, strict=True)
    )


def test_initialise_refuses_a_bad_query_before_touching_the_database(
    config: ConfigCopy, settings: Settings, tmp_path: Path
) -> None:
    config.edit(REGION, SANGATTA, "    query: 'lampu NEAR/0 mati'")
    runtime = Runtime(
        settings.model_copy(update={"config_dir": config.root, "sources_file": config.root / "sources.yaml"})
    )
    with pytest.raises(ConfigError, match="jarak NEAR harus antara 1 dan 1000"):
        initialise(runtime)
    runtime.close()
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None and not Path(url.database).exists()
    else:
        engine = create_engine(url)
        assert inspect(engine).get_table_names() == []
        engine.dispose()


def test_pantau_init_with_a_bad_query_prints_one_line_exits_2_and_creates_no_database(
    config: ConfigCopy, tmp_path: Path
) -> None:
    path = config.edit(REGION, SANGATTA, "    query: |\n      banjir OR\n      lampu NEAR/0 mati")
    env = {name: value for name, value in os.environ.items() if not name.startswith("PANTAU_")}
    env |= {
        "PANTAU_CONFIG_DIR": str(config.root),
        "PANTAU_SOURCES_FILE": str(config.path("sources.yaml")),
        "PANTAU_VAR_DIR": str(tmp_path / "var"),
    }
    pantau = Path(sys.executable).parent / "pantau"
    done = subprocess.run(
        [str(pantau), "init"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    line = config.line_of(REGION, "lampu NEAR/0 mati")
    assert f"{path}:{line}:18: watchlists.2.query: query does not parse: jarak NEAR" in lines[0]
    assert "Database ready" not in output
    assert list(tmp_path.rglob("*.db")) == []
