"""The committed model on texts it never trained on: the seed articles (complaint handling, not complaints)
and the demo's sample articles, plus training and evaluation from ../shared."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import trafilatura

from config.settings import PROJECT_ROOT, get_settings
from nlp.evaluate import evaluate, read_csv
from nlp.model import ComplaintModel

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
SITES = PROJECT_ROOT / "demo" / "sites"
DEMO_COMPLAINTS = {
    "wartakutim/berita/jalan-rusak-bengalon.html": "JALAN",
    "wartakutim/berita/lampu-pju-padam-sangatta-utara.html": "PJU",
    "wartakutim/berita/banjir-drainase-tersumbat-teluk-lingga.html": "DRAINASE",
    "wartakutim/berita/sampah-menumpuk-tps-teluk-pandan.html": "SAMPAH",
    "wartakutim/berita/air-pdam-mati-sangkima.html": "AIR_BERSIH",
    "wartakutim/berita/puskesmas-tanpa-dokter-muara-wahau.html": "KESEHATAN",
    "kabarsangatta/artikel/lampu-jalan-padam-kongbeng.html": "PJU",
    "kabarsangatta/artikel/plafon-sekolah-ambruk-sangkulirang.html": "PENDIDIKAN",
    "wartakutim/berita/jembatan-kayu-ambruk-rantau-pulung.html": "JALAN",
    "kabarsangatta/artikel/jalan-banjir-tergerus-kaliorang.html": "JALAN",
    "kabarsangatta/artikel/jalan-longsor-kaliorang-latin1.html": "BENCANA",
}
COMPLAINT_HANDLING_NEWS = [
    "wartakutim/berita/kutim-raih-penghargaan-sp4n-lapor.html",
    "wartakutim/berita/diskominfo-sosialisasi-pengelolaan-pengaduan.html",
    "kabarsangatta/artikel/statistik-pengaduan-lapor-kutim.html",
]


@pytest.fixture(scope="module")
def model() -> ComplaintModel:
    return ComplaintModel.load(get_settings().model_path)


def _page_text(relative: str) -> str:
    raw = (SITES / relative).read_bytes()
    return trafilatura.extract(raw.decode("latin-1" if "latin1" in relative else "utf-8")) or ""


def test_model_file_is_small_and_has_a_card() -> None:
    path = get_settings().model_path
    assert path.stat().st_size < 15 * 1024 * 1024
    card = json.loads(path.with_suffix(".card.json").read_text(encoding="utf-8"))
    assert card["held_out_metrics"]["detection"]["f1"] > 0.9


def test_refuses_a_model_file_with_foreign_types(tmp_path: Path) -> None:
    import skops.io as sio

    bad = tmp_path / "bad.skops"
    sio.dump({"x": Path("/etc/passwd")}, bad)
    with pytest.raises(ValueError, match="not allowed"):
        ComplaintModel.load(bad)


@pytest.mark.parametrize("relative", sorted(DEMO_COMPLAINTS))
def test_demo_complaints_are_detected(model: ComplaintModel, relative: str) -> None:
    (prediction,) = model.predict([_page_text(relative)])
    assert prediction.complaint_score >= 0.5
    assert prediction.top_terms


@pytest.mark.parametrize("relative", sorted(DEMO_COMPLAINTS))
def test_demo_complaints_get_their_function(model: ComplaintModel, relative: str) -> None:
    (prediction,) = model.predict([_page_text(relative)])
    assert prediction.function == DEMO_COMPLAINTS[relative]


@pytest.mark.parametrize("relative", COMPLAINT_HANDLING_NEWS)
def test_news_about_complaint_handling_is_not_a_complaint(model: ComplaintModel, relative: str) -> None:
    (prediction,) = model.predict([_page_text(relative)])
    assert prediction.complaint_score < 0.3


def test_seed_articles_are_not_complaints(model: ComplaintModel) -> None:
    if not SEEDS.exists():
        pytest.skip(f"{SEEDS} not here")
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    assert len(texts) == 5
    assert all(p.complaint_score < 0.3 for p in model.predict(texts))


@pytest.mark.parametrize("text", ["", "😀😀😀", "\x00\x01\x02", "a" * 1_000_000])
def test_odd_input_gives_a_result(model: ComplaintModel, text: str) -> None:
    (prediction,) = model.predict([text])
    assert 0.0 <= prediction.complaint_score <= 1.0


def test_evaluate_detection_on_a_csv(model: ComplaintModel, tmp_path: Path) -> None:
    data = tmp_path / "eval.csv"
    rows = [(_page_text(p), "1") for p in DEMO_COMPLAINTS] + [
        (_page_text(p), "0") for p in COMPLAINT_HANDLING_NEWS
    ]
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "is_complaint"])
        writer.writerows(rows)
    texts, labels = read_csv(data, "text", "is_complaint")
    result = evaluate("detection", model, texts, labels)
    assert result["f1"] == 1.0 and result["macro_f1"] == 1.0
    assert result["per_class"]["complaint"]["support"] == len(DEMO_COMPLAINTS)
    assert result["confusion_matrix"]["matrix"] == [
        [len(DEMO_COMPLAINTS), 0],
        [0, len(COMPLAINT_HANDLING_NEWS)],
    ]
    assert result["docs_per_second"] > 0


def test_training_is_reproducible_and_beats_its_floor(shared_data: Path, tmp_path: Path) -> None:
    from nlp.train import evaluate_held_out, package, prepare, train

    data = prepare(shared_data)
    assert prepare(shared_data).digest() == data.digest()
    assert not {e.key for e in data.held_out} & {e.key for e in data.detection_train}
    model = train(data)
    metrics = evaluate_held_out(model, data)
    assert metrics["detection"]["f1"] >= 0.95
    assert metrics["function"]["macro_f1"] >= 0.65
    card = package(model, data, metrics, tmp_path / "m.skops")
    assert ComplaintModel.load(tmp_path / "m.skops").version == model.version
    assert json.loads(card.read_text())["data_digest"] == data.digest()
