"""The committed model on texts it never trained on: the seed articles (complaint handling, not complaints)
and the demo's sample articles, plus training and evaluation from ../shared."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import trafilatura

from config.settings import PROJECT_ROOT, get_settings
from nlp.evaluate import evaluate, read_csv, read_labelled
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


@pytest.mark.slow
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
    loaded = ComplaintModel.load(tmp_path / "m.skops")
    assert loaded.version == model.version
    assert model.social is not None and loaded.social is not None
    assert loaded.social.calibration == model.social.calibration
    assert metrics["detection_by_origin"]["social_pool"]["f1"] >= 0.45  # 0.19 without a detector of posts
    assert json.loads(card.read_text())["data_digest"] == data.digest()


# Posts written by the team for this test (none from a dataset): complaints as people post them, and chatter,
# thanks and questions that name the same services.
SOCIAL_COMPLAINTS = [
    "udah 40 menit nunggu bus koridor 13 ga dateng2, tiap pagi begini terus @user",
    "min AC di gerbong 5 KRL arah bogor mati, panas bgt ga bisa napas",
    "sudah daftar vaksin di puskesmas dari bulan lalu tapi jadwalnya belum keluar juga, gimana min?",
    "sampah di pinggir jalan depan pasar udah seminggu ga diangkut, bau bgt",
]
SOCIAL_NOT_COMPLAINTS = [
    "naik krl pagi ini sambil dengerin lagu, enak bgt suasananya",
    "selamat pagi warga semarang, jangan lupa sarapan ya",
    "terima kasih pak sopir transjakarta yang ramah hari ini",
    "info jadwal KRL ke bogor jam berapa ya besok?",
]


def test_social_posts_are_read_by_the_detector_of_posts(model: ComplaintModel) -> None:
    assert model.social is not None
    posts = SOCIAL_COMPLAINTS + SOCIAL_NOT_COMPLAINTS
    as_posts = [p.complaint_score for p in model.predict(posts, social=[True] * len(posts))]
    assert all(score >= 0.5 for score in as_posts[: len(SOCIAL_COMPLAINTS)])
    assert all(score < 0.3 for score in as_posts[len(SOCIAL_COMPLAINTS) :])
    # the detector of news, trained without the posts, takes thanks to a driver for a complaint
    (thanks,) = model.predict(["terima kasih pak sopir transjakarta yang ramah hari ini"])
    assert thanks.complaint_score >= 0.5
    # each text is scored by its own medium's detector, in one call
    mixed = model.predict(posts[:2], social=[True, False])
    assert mixed[0].complaint_score == pytest.approx(as_posts[0])
    assert mixed[1].complaint_score == pytest.approx(model.predict([posts[1]])[0].complaint_score)


def test_a_model_saved_before_the_detector_of_posts_reads_posts_as_news(
    model: ComplaintModel, tmp_path: Path
) -> None:
    older = ComplaintModel(
        model.vectoriser,
        model.detector,
        model.function_classifier,
        "older",
        model.calibration,
        model.function_scale,
    )
    older.save(tmp_path / "older.skops")
    loaded = ComplaintModel.load(tmp_path / "older.skops")
    assert loaded.social is None
    (post,) = loaded.predict([SOCIAL_NOT_COMPLAINTS[2]], social=[True])
    (news,) = model.predict([SOCIAL_NOT_COMPLAINTS[2]])
    assert post.complaint_score == pytest.approx(news.complaint_score)


def test_evaluate_reads_which_texts_are_posts(model: ComplaintModel, tmp_path: Path) -> None:
    data = tmp_path / "posts.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "social"])
        writer.writerows([(t, "complaint", 1) for t in SOCIAL_COMPLAINTS])
        writer.writerows([(t, "not_complaint", 1) for t in SOCIAL_NOT_COMPLAINTS])
    texts, labels, social = read_labelled(data, "text", "label")
    assert social == [True] * len(texts)
    assert evaluate("detection", model, texts, labels, social=social)["f1"] == 1.0
    assert evaluate("detection", model, texts, labels)["f1"] < 1.0  # read as news, thanks become complaints
