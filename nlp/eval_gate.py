"""The evaluation gate (after trafilatura's ``eval_gate.py``): the committed model, scored on the held-out
split it never trained on, must stay at or above pinned floors, on pinned data.

The held-out texts come from ``../shared`` at run time (no licence to commit them); what is pinned in
``nlp/evaluation/floors.json`` is a digest of the evaluation data (keys, labels), the floors, and the figures
measured when they were pinned. A change of data fails the gate until someone re-pins on purpose
(``python -m nlp.eval_gate --pin``), so a floor can never be met by quietly changing what it is measured on.

Evaluation sets (all from the 25% held-out split, ``nlp.labels.is_held_out``):
- detection: every held-out labelled text (Surabaya complaints, team-labelled posts, news pages, team news);
- function: the held-out complaints that have a function label;
- routing_surabaya: held-out Surabaya complaints, gold = the canonical agency the city sent it to, predicted =
  function -> agency through ``nlp/evaluation/surabaya-routing.yaml`` (Surabaya's own table);
- routing_team: held-out team-labelled complaints (posts, team news), gold = the canonical agency of the
  labelled function in Kutai Timur's table, predicted the same way from the predicted function.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.catalog import Catalog, load_catalog
from config.settings import PROJECT_ROOT, get_settings
from nlp.datasets import COMPLAINT, Example, surabaya
from nlp.evaluate import SOCIAL_COLUMN, evaluate, read_routing
from nlp.model import ComplaintModel
from nlp.train import team_labelled

EVALUATION_DIR = Path(__file__).resolve().parent / "evaluation"
FLOORS = EVALUATION_DIR / "floors.json"
SURABAYA_ROUTING = EVALUATION_DIR / "surabaya-routing.yaml"
MARGIN = 0.01  # a pinned floor sits this far under the measured figure: retraining noise, not regressions


@dataclass(frozen=True)
class EvalSet:
    name: str
    kind: str  # detection | function | routing
    texts: list[str]
    labels: list[str]
    routing: dict[str, str] | None = None
    origins: list[str] | None = None
    social: list[bool] | None = None  # the social-media posts among the texts

    def digest(self) -> str:
        h = hashlib.sha256(f"{self.name}\t{self.kind}\n".encode())
        for text, label in zip(self.texts, self.labels, strict=True):
            h.update(f"{hashlib.sha1(text.encode()).hexdigest()}\t{label}\n".encode())
        return h.hexdigest()


def _catalog() -> Catalog:
    settings = get_settings()
    return load_catalog(settings.config_dir, settings.sources_file)


def evaluation_sets(data_dir: Path) -> list[EvalSet]:
    sby = [e for e in surabaya(data_dir) if e.held_out]
    team = [e for e in team_labelled(data_dir) if e.held_out]
    everything = [*sby, *team]
    complaints = [e for e in everything if e.label == COMPLAINT and e.function]
    team_complaints = [e for e in team if e.label == COMPLAINT and e.function]
    kutim = _catalog().regions["64.08"].canonical_routes()

    def texts(rows: list[Example]) -> list[str]:
        return [e.text for e in rows]

    return [
        EvalSet(
            "detection", "detection", texts(everything), [e.label for e in everything],
            origins=[e.origin for e in everything], social=[e.social for e in everything],
        ),
        EvalSet("function", "function", texts(complaints), [e.function or "" for e in complaints]),
        EvalSet(
            "routing_surabaya", "routing", texts(sby), [e.agency or "OTHER" for e in sby],
            routing=read_routing(SURABAYA_ROUTING),
        ),
        EvalSet(
            "routing_team", "routing", texts(team_complaints),
            [kutim[e.function or "LAINNYA"] for e in team_complaints], routing=kutim,
        ),
    ]  # fmt: skip


def measure(model: ComplaintModel, sets: list[EvalSet], threshold: float) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    parents = _catalog().function_parents()
    for item in sets:
        result = evaluate(
            item.kind,
            model,
            item.texts,
            item.labels,
            threshold=threshold,
            routing=item.routing,
            parents=parents,
            social=item.social,
        )
        result["data_digest"] = item.digest()
        if item.origins is not None:
            social = item.social or [False] * len(item.texts)
            rows = list(zip(item.texts, item.labels, item.origins, social, strict=True))
            result["by_origin"] = {
                origin: evaluate(
                    item.kind,
                    model,
                    [t for t, _, o, _ in rows if o == origin],
                    [lb for _, lb, o, _ in rows if o == origin],
                    threshold=threshold,
                    social=[s for _, _, o, s in rows if o == origin],
                )
                for origin in sorted(set(item.origins))
            }
        results[item.name] = result
    return results


def figure(results: dict[str, dict[str, Any]], path: str) -> float:
    """A figure by dotted path, e.g. ``detection.by_origin.infra_tweets.f1``."""
    value: Any = results
    for part in path.split("."):
        value = value[part]
    return float(value)


def check(results: dict[str, dict[str, Any]], pinned: dict[str, Any]) -> list[str]:
    """Every way the results fail the pinned gate (empty when the gate passes)."""
    failures = []
    for name, digest in pinned["data_digests"].items():
        if results.get(name, {}).get("data_digest") != digest:
            failures.append(f"{name}: evaluation data changed (digest differs); re-pin on purpose")
    for path, floor in pinned["floors"].items():
        value = figure(results, path)
        if value < floor:
            failures.append(f"{path} = {value:.4f} is below its floor {floor:.4f}")
    return failures


def pin(results: dict[str, dict[str, Any]], paths: list[str], model_version: str) -> dict[str, Any]:
    """Floors one margin under today's figures, and the data digests they were measured on."""
    return {
        "model_version": model_version,
        "data_digests": {name: result["data_digest"] for name, result in results.items()},
        "measured": {path: round(figure(results, path), 4) for path in paths},
        "floors": {path: round(max(figure(results, path) - MARGIN, 0.0), 2) for path in paths},
    }


GATED = [
    "detection.f1",
    "detection.macro_f1",
    "detection.by_origin.surabaya.f1",
    "detection.by_origin.infra_tweets.f1",
    "detection.by_origin.social_pool.f1",
    "detection.by_origin.team_news.f1",
    "function.macro_f1",
    "routing_surabaya.macro_f1",
    "routing_team.macro_f1",
]


def export(sets: list[EvalSet], directory: Path) -> list[Path]:
    """Write each evaluation set as a CSV (text, label, and social where marked) for ``pantau evaluate``
    (never commit these)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for item in sets:
        path = directory / f"{item.name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            if item.social is None:
                writer.writerow(["text", "label"])
                writer.writerows(zip(item.texts, item.labels, strict=True))
            else:
                writer.writerow(["text", "label", SOCIAL_COLUMN])
                marks = (int(s) for s in item.social)
                writer.writerows(zip(item.texts, item.labels, marks, strict=True))
        written.append(path)
    if (routing := next((s.routing for s in sets if s.name == "routing_team"), None)) is not None:
        team_routing = directory / "routing_team.yaml"
        team_routing.write_text("".join(f"{f}: {a}\n" for f, a in sorted(routing.items())), encoding="utf-8")
        written.append(team_routing)
    return written


def run(argv: list[str] | None = None, report: Callable[[str], object] = sys.stderr.write) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.eval_gate", description=__doc__)
    parser.add_argument("--pin", action="store_true", help="re-pin floors and digests on today's figures")
    parser.add_argument("--export", type=Path, help="also write the evaluation sets as CSV into this folder")
    args = parser.parse_args(argv)
    settings = get_settings()
    sets = evaluation_sets(settings.shared_data_dir)
    if args.export:
        for written in export(sets, args.export):
            report(f"written {written}\n")
    model = ComplaintModel.load(settings.model_path)
    results = measure(model, sets, settings.complaint_threshold)
    for path in GATED:
        report(f"{path:40} {figure(results, path):.4f}\n")
    if args.pin:
        FLOORS.write_text(json.dumps(pin(results, GATED, model.version), indent=2) + "\n", encoding="utf-8")
        report(f"pinned {FLOORS.relative_to(PROJECT_ROOT)}\n")
        return 0
    failures = check(results, json.loads(FLOORS.read_text(encoding="utf-8")))
    for failure in failures:
        report(f"FAIL {failure}\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run())
