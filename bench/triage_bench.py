"""Triage throughput on one core: detect, place, function, route, watchlists, urgency and clustering, against
the bare vectoriser on the same texts in the same process (the ratio is what to compare across machines).

    .venv/bin/python bench/triage_bench.py [--documents 2000] [--chars 1000] [--repeat 3] [--json OUT]
                                           [--social] [--model PATH]

Texts: the team-written news corpus (in the repository), cut into ~1,000-character pieces, so the benchmark
runs without ../shared; with ``--social``, the posts of ``../shared/data/social_pool_unlabeled`` as they are
(cycled), triaged as social posts. ``--model`` benchmarks another model file (the one before a change, say).
Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core, as the target says
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

from report_json import emit  # noqa: E402

from config.catalog import load_catalog  # noqa: E402
from config.settings import CONFIG_DATA_DIR, get_settings  # noqa: E402
from nlp.clustering import IncidentIndex, Mention, signature_of_model_words  # noqa: E402
from nlp.datasets import social_posts, team_news  # noqa: E402
from nlp.model import ComplaintModel  # noqa: E402
from nlp.phrases import Tokens  # noqa: E402
from nlp.rules import urgency_matches  # noqa: E402
from nlp.streets import find_streets  # noqa: E402
from nlp.text import tokens  # noqa: E402
from nlp.triage import COMPLAINT, TriageInput, Triager  # noqa: E402
from nlp.watchlist import WatchDocument  # noqa: E402

REGION = "64.08"


def corpus(documents: int, chars: int) -> list[str]:
    """``documents`` texts of about ``chars`` characters, cut from the team news corpus (cycled)."""
    articles = [example.text for example in team_news()]
    pieces = []
    i = 0
    while len(pieces) < documents:
        article = articles[i % len(articles)]
        start = (i // len(articles) * 97) % max(len(article) - chars, 1)
        piece = article[start : start + chars]
        if len(piece) < chars:  # short article: continue with the next one
            piece = (piece + " " + articles[(i + 1) % len(articles)])[:chars]
        pieces.append(piece)
        i += 1
    return pieces


def best_rate(run: Callable[[], object], documents: int, repeat: int) -> float:
    """Documents per second of the best of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return documents / best


def posts(documents: int) -> list[str]:
    """``documents`` social posts of the shared pool, in its order (cycled)."""
    pool = social_posts(get_settings().shared_data_dir)
    return [pool[i % len(pool)] for i in range(documents)]


def triage_and_cluster(triager: Triager, texts: list[str], social: bool = False) -> int:
    """The whole per-document work of a triage run, without the database; returns the complaints found."""
    index = IncidentIndex(timedelta(days=14))
    now = datetime(2026, 11, 22, tzinfo=UTC)
    items = [TriageInput(text, REGION, source_slug="bench", social=social) for text in texts]
    results = triager.triage(items)
    complaints = 0
    for i, result in enumerate(results):
        if result.band != COMPLAINT:
            continue
        complaints += 1
        words = tuple(result.words)
        location = result.location
        mention = Mention(
            key=str(i),
            text="",
            function=result.function,
            kecamatan_code=location.kecamatan_code if location else None,
            desa_code=location.desa_code if location else None,
            seen_at=now,
            signature=signature_of_model_words(words),
            words=words,
        )
        decision = index.assign(mention)
        index.add(decision.incident_id or f"new-{i}", mention)
    return complaints


def stage_timings(triager: Triager, texts: list[str], repeat: int) -> dict[str, float]:
    """Microseconds per document of each step of triage, run alone over all texts (best of ``repeat``)."""
    region = triager.catalog.regions[REGION]
    rules = triager.rules[REGION]
    words = [tokens(text) for text in texts]
    splits = [Tokens.split(text) for text in texts]
    docs = [WatchDocument.from_tokens(w, REGION, [region.definition.name], "bench", "JALAN") for w in words]
    steps: dict[str, Callable[[], object]] = {
        "tokens": lambda: [tokens(text) for text in texts],
        "model (features, detector, function)": lambda: triager.model.predict_tokens(words, 0.3),
        "split for places": lambda: [Tokens.split(text) for text in texts],
        "kecamatan/desa": lambda: [triager.gazetteers[REGION].locate_in(s) for s in splits],
        "other regions": lambda: [triager.foreign[REGION].find_in(s) for s in splits],
        "streets": lambda: [find_streets(text) for text in texts],
        "watchlist document": lambda: [
            WatchDocument.from_tokens(w, REGION, [region.definition.name], "bench", "JALAN") for w in words
        ],
        "watchlists": lambda: [rules.watchlist_hits(d) for d in docs],
        "vertical rules": lambda: [rules.vertical_agency("JALAN", d) for d in docs],
        "urgency rules": lambda: [urgency_matches(triager.urgency, d) for d in docs],
        "MinHash signature": lambda: [signature_of_model_words(w) for w in words],
    }
    return {name: round(1e6 / best_rate(step, len(texts), repeat), 1) for name, step in steps.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--chars", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--stages", action="store_true", help="also time each step on its own")
    parser.add_argument("--social", action="store_true", help="the shared pool's posts, triaged as posts")
    parser.add_argument("--model", type=Path, default=get_settings().model_path)
    args = parser.parse_args(argv)

    texts = posts(args.documents) if args.social else corpus(args.documents, args.chars)
    model = ComplaintModel.load(args.model)
    catalog = load_catalog(CONFIG_DATA_DIR, CONFIG_DATA_DIR / "sources.yaml")
    triager = Triager(model, catalog, 0.5, 0.3)
    triage_and_cluster(triager, texts[:50], args.social)  # warm the caches every run would have warm
    gc.freeze()  # as flows.runtime does: the model and catalog are long-lived, keep them out of GC scans

    baseline = best_rate(lambda: model.vectoriser.transform(texts), len(texts), args.repeat)
    full = best_rate(lambda: triage_and_cluster(triager, texts, args.social), len(texts), args.repeat)
    tracemalloc.start()
    complaints = triage_and_cluster(triager, texts, args.social)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = {
        "documents": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts)),
        "complaints": complaints,
        "vectoriser_docs_per_second": round(baseline),
        "triage_docs_per_second": round(full),
        "triage_over_vectoriser": round(full / baseline, 3),
        "triage_peak_python_allocations_mb": round(peak / 1e6, 1),
        "process_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "model_version": model.version,
        "social": args.social,
    }
    if args.stages:
        result["microseconds_per_document_by_step"] = stage_timings(triager, texts, args.repeat)
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
