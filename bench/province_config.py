"""A province's configuration for the scale benchmarks: every kabupaten/kota of ``--province`` as a Pantau
region, with its own outlets, in a folder of its own (the repository's config is not touched).

    .venv/bin/python bench/province_config.py [--province 64] [--out var/bench/province-64]

Writes ``OUT/config/`` (the repository's functions, urgency, cuti bersama and wilayah lists, the boundaries,
and for each kabupaten/kota a gazetteer made by ``config.wilayah.write_gazetteer`` from the shared Kemendagri
table and a region file made from Kutai Timur's: its agencies, routing table, deadlines and escalation, with
the region's own code, name, contact addresses and LAPOR! variables) and ``OUT/sources.yaml`` (Kutai Timur's
outlets, once per kabupaten/kota under its own slug). Kutai Timur keeps its own file. Prints the two
settings that point Pantau at it:

    PANTAU_CONFIG_DIR=OUT/config PANTAU_SOURCES_FILE=OUT/sources.yaml

bench/console_data.py and bench/console_load.py take ``--province`` and set them themselves. The same
province gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from config.settings import CONFIG_DATA_DIR, PROJECT_ROOT
from config.wilayah import write_gazetteer

TEMPLATE = "64.08"  # the region every other kabupaten/kota is made from
WILAYAH = PROJECT_ROOT.parent / "shared" / "data" / "regions" / "wilayah.csv"
# watchlists of the template that name no place of its own
PLACE_FREE_WATCHLISTS = ("Jalan poros dan jembatan", "Sekolah dan puskesmas")


def kabkota(province: str) -> list[tuple[str, str]]:
    """(code, name) of every kabupaten/kota of ``province`` in the Kemendagri table."""
    with WILAYAH.open(encoding="utf-8") as handle:
        return [
            (row["kode"], row["nama"])
            for row in csv.DictReader(handle)
            if row["level"] == "2" and row["kode"].startswith(f"{province}.")
        ]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower().removeprefix("kabupaten ").removeprefix("kota "))


def region_file(template: dict[str, Any], code: str, name: str) -> dict[str, Any]:
    """Kutai Timur's region file, made ``code``'s."""
    domain = f"{_slug(name)}.example"
    digits = code.replace(".", "")

    def readdress(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("kutaitimur.example", domain)
        if isinstance(value, list):
            return [readdress(v) for v in value]
        if isinstance(value, dict):
            return {k: readdress(v) for k, v in value.items()}
        return value

    made: dict[str, Any] = readdress(template)
    made.update(
        code=code,
        name=name,
        short_name=name.removeprefix("Kabupaten ").removeprefix("Kota "),
        gazetteer=f"{code}.yaml",
        watchlists=[w for w in template["watchlists"] if w["name"] in PLACE_FREE_WATCHLISTS],
    )
    made["lapor"] = {
        **template["lapor"],
        "base_url_env": f"PANTAU_LAPOR_URL_{digits}",
        "token_env": f"PANTAU_LAPOR_TOKEN_{digits}",
    }
    for agency in made["agencies"]:
        if agency["code"] == "KECAMATAN":
            agency["name"] = "Kantor Kecamatan"
    return made


def write(province: str, out: Path) -> tuple[Path, Path]:
    """The province's config folder and sources file under ``out`` (made afresh)."""
    config = out / "config"
    if config.exists():
        shutil.rmtree(config)
    shutil.copytree(CONFIG_DATA_DIR, config, ignore=shutil.ignore_patterns("regions", "sources.yaml"))
    (config / "regions").mkdir()
    template_path = next((CONFIG_DATA_DIR / "regions").glob(f"{TEMPLATE}-*.yaml"))
    template = yaml.safe_load(template_path.read_text(encoding="utf-8"))
    sources = yaml.safe_load((CONFIG_DATA_DIR / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    outlets = [s for s in sources if s["region"] == TEMPLATE]
    made_sources: list[dict[str, Any]] = []
    for code, name in kabkota(province):
        if code == TEMPLATE:
            shutil.copy(template_path, config / "regions" / template_path.name)
        else:
            write_gazetteer(WILAYAH, code, config / "wilayah" / f"{code}.yaml")
            text = yaml.safe_dump(region_file(template, code, name), allow_unicode=True, sort_keys=False)
            (config / "regions" / f"{code}-{_slug(name)}.yaml").write_text(text, encoding="utf-8")
        suffix = "" if code == TEMPLATE else f"-{_slug(name)}"
        made_sources += [{**s, "slug": s["slug"] + suffix, "region": code} for s in outlets]
    sources_file = out / "sources.yaml"
    sources_file.write_text(
        yaml.safe_dump({"sources": made_sources}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return config, sources_file


def use(province: str, out: Path | None = None) -> None:
    """Write the province's configuration and point this process's (and its children's) settings at it."""
    config, sources = write(province, out or PROJECT_ROOT / "var" / "bench" / f"province-{province}")
    os.environ["PANTAU_CONFIG_DIR"] = str(config)
    os.environ["PANTAU_SOURCES_FILE"] = str(sources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", default="64")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    out = args.out or PROJECT_ROOT / "var" / "bench" / f"province-{args.province}"
    config, sources = write(args.province, out)
    sys.stdout.write(f"PANTAU_CONFIG_DIR={config} PANTAU_SOURCES_FILE={sources}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
