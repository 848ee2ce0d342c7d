"""The dashboard's choropleth: a region's kecamatan (``config/data/boundaries/``) drawn by the server as SVG
paths, each shaded by its count of reports in five steps and linked to its reports. Longitudes are scaled by
the cosine of the region's middle latitude (an equirectangular projection: at these latitudes, within a
kabupaten, shapes keep their proportions). No script and no map tiles: the console works offline."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DATA_DIR

BOUNDARIES = CONFIG_DATA_DIR / "boundaries"
WIDTH = 480
SHADES = ("#dbe9f6", "#a6c8e8", "#6aa3d5", "#2f74b5", "#0b3d6e")  # light to dark
NONE = "#f2f2f2"  # no report
ATTRIBUTION = "Batas wilayah: cahyadsn/wilayah_boundaries, © Cahya DSN, lisensi MIT"

Ring = Sequence[Sequence[float]]


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    path: str  # SVG path data
    count: int
    fill: str
    link: str


@dataclass(frozen=True)
class Choropleth:
    width: int
    height: int
    areas: list[Area]
    legend: list[tuple[str, str]]  # (fill, range in words)
    attribution: str = ATTRIBUTION


@lru_cache(maxsize=16)
def _features(path: Path) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["features"]
    return features


def _rings(geometry: dict[str, Any]) -> Iterator[Ring]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        yield from polygon


def _steps(counts: Sequence[int]) -> list[int]:
    """The upper bounds of five shades: equal steps up to the largest count (at least 1 each)."""
    top = max(counts, default=0)
    return [max(1, math.ceil(top * n / len(SHADES))) for n in range(1, len(SHADES) + 1)]


def kecamatan_map(region_code: str, counts: dict[str, tuple[int, str]]) -> Choropleth | None:
    """The region's kecamatan shaded by ``counts`` (code -> (reports, link)); None without boundaries."""
    path = BOUNDARIES / f"{region_code}-kecamatan.geojson"
    if not path.exists():
        return None
    features = _features(path)
    points = [p for f in features for ring in _rings(f["geometry"]) for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((north + south) / 2))
    scale = WIDTH / ((east - west) * squeeze)
    height = math.ceil((north - south) * scale)
    steps = _steps([n for n, _ in counts.values()])

    def shade(count: int) -> str:
        return NONE if count == 0 else next(s for s, top in zip(SHADES, steps, strict=True) if count <= top)

    def svg_path(geometry: dict[str, Any]) -> str:
        return " ".join(
            "M"
            + " L".join(f"{(x - west) * squeeze * scale:.1f},{(north - y) * scale:.1f}" for x, y in ring)
            + " Z"
            for ring in _rings(geometry)
        )

    areas = []
    for feature in features:
        code, name = feature["properties"]["kode"], feature["properties"]["nama"]
        count, link = counts.get(code, (0, ""))
        areas.append(Area(code, name, svg_path(feature["geometry"]), count, shade(count), link))
    lows = [0, *steps[:-1]]
    legend = [(NONE, "0")] + [
        (fill, f"{low + 1}-{high}" if high > low + 1 else f"{high}")
        for fill, low, high in zip(SHADES, lows, steps, strict=True)
        if high > low
    ]
    return Choropleth(WIDTH, height, areas, legend)
