"""Incident clustering on invented Kutai Timur texts: near duplicates, same incident, window, bad input."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from nlp.clustering import (
    MAX_INPUT_CHARS,
    NEAR_DUPLICATE,
    NUM_PERM,
    SIGNATURE_FORMAT,
    IncidentIndex,
    Mention,
    MinHashSignature,
    signature,
)
from tests.nlp.linear_time import FLOOR_SECONDS, assert_linear, cpu_seconds

WITA = timezone(timedelta(hours=8))
MONDAY = datetime(2025, 5, 12, 9, 30, tzinfo=WITA)
BENGALON, SEPASO, SEPASO_TIMUR = "64.08.09", "64.08.09.2001", "64.08.09.2006"
SANGATTA_UTARA, TELUK_LINGGA = "64.08.04", "64.08.04.1010"
GOLDEN_SIGNATURE_DIGEST = "c1d41e870dd7f3c7"  # sha256 of signature(ARTICLE).to_bytes(), first 16 hex digits

ARTICLE = (
    "Warga Desa Sepaso, Kecamatan Bengalon, mengeluhkan kerusakan jalan poros Sepaso menuju Tepian "
    "Langsat yang semakin parah sejak awal musim hujan. Lubang-lubang besar sedalam hampir setengah "
    "meter kini menganga di sepanjang ruas sekitar dua kilometer, tepat di depan SD Negeri 005 "
    "Sepaso. Ketua RT 07 Desa Sepaso, Rahmadi, mengatakan sedikitnya empat pengendara sepeda motor "
    'terjatuh dalam sepekan terakhir. "Kalau malam tidak ada penerangan, lubangnya tidak kelihatan '
    'karena tertutup air," ujarnya, Senin (12/5/2025). Menurut Rahmadi, warga sudah tiga kali '
    "menyampaikan usulan perbaikan melalui musyawarah desa, namun hingga kini belum ada tindak "
    "lanjut dari Dinas PUPR Kutai Timur. Anak-anak sekolah terpaksa berjalan kaki melewati bahu "
    "jalan yang licin dan berlumpur, sementara sopir truk pengangkut sawit memilih memutar lewat "
    "jalan kebun yang lebih jauh. Camat Bengalon, Suharto, membenarkan adanya laporan tersebut. Ia "
    "mengatakan ruas poros Sepaso sudah masuk daftar usulan prioritas kecamatan dan akan dibahas "
    'bersama Dinas PUPR dalam waktu dekat. "Kami sudah turun melihat langsung. Untuk sementara warga '
    'kami minta memasang tanda peringatan di titik lubang terdalam," katanya. Warga berharap '
    "pemerintah kabupaten segera menimbun dan mengaspal ruas tersebut sebelum ada korban jiwa."
)
CHANGED_SENTENCE = (
    "Menurut Rahmadi, warga sudah tiga kali menyampaikan usulan perbaikan melalui musyawarah desa, "
    "namun hingga kini belum ada tindak lanjut dari Dinas PUPR Kutai Timur.",
    "Rahmadi menyebut usulan perbaikan sudah tiga kali diajukan lewat musrenbang, tetapi Dinas PUPR "
    "Kutai Timur belum juga turun ke lapangan.",
)
OUTLET_A = (
    "SANGATTA, KLIKKUTIM.COM \N{EN DASH} {body} Baca juga: Bupati Tinjau Banjir di Sangatta Selatan. Ikuti "
    "berita terkini KlikKutim di Google News. (red/adv)"
)
OUTLET_B = (
    "BENGALON, suarakutim.id - {body} Editor: Rudi Hartono. Dapatkan update berita pilihan dan "
    "breaking news setiap hari dari SuaraKutim.id. Mari bergabung di kanal WhatsApp SuaraKutim."
)
ARTICLE_A = OUTLET_A.format(body=ARTICLE)
ARTICLE_B = OUTLET_B.format(body=ARTICLE.replace(*CHANGED_SENTENCE))

POTHOLE_TWEET = (
    "Jalan poros Sepaso depan SD 005 makin hancur, lubangnya dalam bangettt. Tadi pagi ada lagi "
    "pengendara motor jatuh. Kapan ditimbun @PemkabKutim ?? #Bengalon"
)
POTHOLE_TWEET_2 = (
    "Lewat jalan depan SDN 005 Sepaso harus ekstra hati2, lubang sedalam setengah meter ketutup air "
    "hujan. Motor saya hampir terjatuh tadi malam"
)
BRIDGE = (
    "Jembatan ulin penghubung Dusun Kampung Baru di Desa Sepaso, Bengalon, ambruk diterjang arus "
    "sungai. Akses warga ke kebun sawit terputus dan anak-anak sekolah harus menyeberang pakai "
    "perahu."
)
PJU_TWEET = (
    "Lampu PJU di Jl. Yos Sudarso depan Masjid Agung Al-Faruq Sangatta Utara sudah 2 minggu mati "
    "total, tiap malam gelap gulita. Rawan begal dan kecelakaan. Tolong @DishubKutim @PemkabKutim "
    "segera diperbaiki!!"
)
PJU_REPOST = f"RT @infosangatta: {PJU_TWEET} #KutimLapor #PJUmati #SangattaUtara"
PJU_OTHER_WORDS = (
    "Sudah dua minggu PJU sepanjang Yos Sudarso depan Masjid Al Faruq padam, pengendara takut lewat "
    "malam hari"
)
PJU_OTHER_STREET = (
    "PJU di Jalan APT Pranoto depan Pasar Induk Sangatta padam sejak seminggu, pedagang pulang malam "
    "gelap gulita"
)
DRAINAGE_ARTICLE = (
    "Warga Kelurahan Teluk Lingga mengeluhkan saluran drainase di Jalan Pendidikan yang tersumbat "
    "sampah dan lumpur. Setiap hujan deras, air got meluap hingga masuk ke rumah warga di RT 12. "
    "Lurah Teluk Lingga berjanji akan meminta Dinas PUPR mengeruk parit tersebut pekan ini."
)
DRAINAGE_TWEET = (
    "Parit di Jalan Pendidikan Teluk Lingga mampet lagi, air got meluap masuk rumah tiap hujan "
    "deras. Bau sampah menyengat"
)
CULVERT_TWEET = (
    "Gorong-gorong di Gang Mawar RT 05 Teluk Lingga ambles, badan jalan amblas dan air hujan "
    "menggenang berhari-hari"
)
OUTLET_TEMPLATE = (
    "SANGATTA, KLIKKUTIM.COM \N{EN DASH} {body} Baca juga: Pemkab Kutim Gelar Rapat Evaluasi Infrastruktur "
    "Triwulan I. Ikuti berita terkini KlikKutim di Google News dan kanal WhatsApp kami. Kirim "
    "keluhan Anda ke redaksi melalui WhatsApp 0812-5500-7788. (red/adv)"
)
FLOOD_REPORT = (
    "Hujan deras yang mengguyur sejak Sabtu malam membuat Sungai Sangatta meluap dan merendam "
    "ratusan rumah di Kelurahan Teluk Lingga. Ketinggian air di permukiman dekat bantaran mencapai "
    "satu meter. Tim BPBD Kutai Timur mengevakuasi lansia dan balita menggunakan perahu karet ke "
    "posko pengungsian di Masjid Nurul Huda. Kepala Pelaksana BPBD mengimbau warga di bantaran tetap "
    "waspada karena debit sungai masih tinggi."
)
STREETLIGHT_REPORT = (
    "Puluhan lampu penerangan jalan umum di sepanjang Jalan Poros Sangatta-Bontang, Desa Swarga "
    "Bara, padam sejak dua pekan lalu. Sopir truk dan pengendara motor mengaku kesulitan melihat "
    "marka dan tikungan tajam pada malam hari. Dinas Perkim menyebut kabel penghubung dicuri orang "
    "tak dikenal dan penggantiannya menunggu anggaran perubahan."
)


def mention(
    key: str,
    text: str,
    function: str = "JALAN",
    kecamatan: str | None = BENGALON,
    desa: str | None = SEPASO,
    at: datetime = MONDAY,
) -> Mention:
    return Mention(key, text, function, kecamatan, desa, at)


@pytest.fixture
def road_index() -> IncidentIndex:
    """One open incident: the Sepaso pothole article."""
    index = IncidentIndex()
    index.add("issue-1", mention("doc-1", ARTICLE_A))
    return index


# Near duplicates (rule 1)


def test_same_article_from_another_outlet_joins(road_index: IncidentIndex) -> None:
    decision = road_index.assign(mention("doc-2", ARTICLE_B, at=MONDAY + timedelta(hours=5)))
    assert (decision.incident_id, decision.reason) == ("issue-1", "near_duplicate")
    assert decision.mention_key == "doc-1" and decision.similarity >= NEAR_DUPLICATE


def test_repost_with_rt_prefix_and_hashtags_joins() -> None:
    index = IncidentIndex()
    index.add("issue-9", mention("tweet-1", PJU_TWEET, "PJU", SANGATTA_UTARA, None))
    repost = mention("tweet-2", PJU_REPOST, "PJU", SANGATTA_UTARA, None, MONDAY + timedelta(minutes=40))
    decision = index.assign(repost)
    assert (decision.incident_id, decision.reason) == ("issue-9", "near_duplicate")
    assert decision.similarity > 0.8


def test_near_duplicate_ignores_function_but_not_place(road_index: IncidentIndex) -> None:
    copy = mention("doc-2", ARTICLE_B, function="LAINNYA", kecamatan=None, desa=None)
    assert road_index.assign(copy).reason == "near_duplicate"
    elsewhere = mention("doc-3", ARTICLE_B, desa=SEPASO_TIMUR)
    assert road_index.assign(elsewhere).reason == "new"


def test_two_complaints_in_one_outlet_template_do_not_join() -> None:
    flood = OUTLET_TEMPLATE.format(body=FLOOD_REPORT)
    lights = OUTLET_TEMPLATE.format(body=STREETLIGHT_REPORT)
    assert signature(flood).jaccard(signature(lights)) < NEAR_DUPLICATE
    index = IncidentIndex()
    index.add("issue-1", mention("doc-1", flood, "BENCANA", SANGATTA_UTARA, None))
    assert index.assign(mention("doc-2", lights, "PJU", SANGATTA_UTARA, None)).reason == "new"


# Same incident (rule 2)


def test_same_function_and_desa_with_shared_wording_joins(road_index: IncidentIndex) -> None:
    decision = road_index.assign(mention("tweet-1", POTHOLE_TWEET, at=MONDAY + timedelta(days=2)))
    assert (decision.incident_id, decision.reason) == ("issue-1", "same_incident")
    assert decision.mention_key == "doc-1"


def test_two_short_posts_about_one_pothole_join() -> None:
    index = IncidentIndex()
    index.add("issue-4", mention("tweet-1", POTHOLE_TWEET))
    decision = index.assign(mention("tweet-2", POTHOLE_TWEET_2, at=MONDAY + timedelta(days=1)))
    assert (decision.incident_id, decision.reason) == ("issue-4", "same_incident")


def test_another_incident_of_the_same_function_and_desa_does_not_join(road_index: IncidentIndex) -> None:
    road_index.add("issue-1", mention("tweet-1", POTHOLE_TWEET))
    assert road_index.assign(mention("doc-5", BRIDGE)).reason == "new"


def test_same_function_in_another_desa_does_not_join(road_index: IncidentIndex) -> None:
    assert road_index.assign(mention("tweet-1", POTHOLE_TWEET, desa=SEPASO_TIMUR)).reason == "new"


def test_same_place_with_another_function_does_not_join(road_index: IncidentIndex) -> None:
    dark = "Lampu jalan depan SD 005 Sepaso mati, motor sering masuk lubang karena gelap. #Bengalon"
    assert road_index.assign(mention("tweet-1", dark, function="PJU")).reason == "new"
    assert road_index.assign(mention("tweet-1", dark, function="JALAN")).reason == "same_incident"


def test_outside_the_time_window_does_not_join(road_index: IncidentIndex) -> None:
    late = mention("tweet-1", POTHOLE_TWEET, at=MONDAY + timedelta(days=15))
    assert road_index.assign(late).reason == "new"
    early = mention("tweet-0", POTHOLE_TWEET, at=MONDAY - timedelta(days=15))
    assert road_index.assign(early).reason == "new"


def test_the_window_runs_from_the_latest_mention(road_index: IncidentIndex) -> None:
    road_index.add("issue-1", mention("tweet-1", POTHOLE_TWEET, at=MONDAY + timedelta(days=10)))
    decision = road_index.assign(mention("tweet-2", POTHOLE_TWEET_2, at=MONDAY + timedelta(days=22)))
    assert (decision.incident_id, decision.reason) == ("issue-1", "same_incident")
    short = IncidentIndex(window=timedelta(days=3))
    short.add("issue-1", mention("doc-1", ARTICLE_A))
    assert short.assign(mention("doc-2", ARTICLE_B, at=MONDAY + timedelta(days=4))).reason == "new"


def test_no_place_never_joins_by_wording(road_index: IncidentIndex) -> None:
    nowhere = mention("tweet-1", POTHOLE_TWEET, kecamatan=None, desa=None)
    assert road_index.assign(nowhere).reason == "new"
    unplaced = IncidentIndex()
    unplaced.add("issue-2", mention("tweet-1", POTHOLE_TWEET, kecamatan=None, desa=None))
    assert unplaced.assign(mention("tweet-2", POTHOLE_TWEET_2, kecamatan=None, desa=None)).reason == "new"
    assert unplaced.assign(mention("tweet-3", POTHOLE_TWEET_2)).reason == "new"


def test_kecamatan_only_mention_matches_the_desas_of_its_kecamatan(road_index: IncidentIndex) -> None:
    decision = road_index.assign(mention("tweet-1", POTHOLE_TWEET, desa=None))
    assert (decision.incident_id, decision.reason) == ("issue-1", "same_incident")
    by_kecamatan = IncidentIndex()
    by_kecamatan.add("issue-3", mention("tweet-1", POTHOLE_TWEET, desa=None))
    assert by_kecamatan.assign(mention("tweet-2", POTHOLE_TWEET_2)).reason == "same_incident"
    assert by_kecamatan.assign(mention("tweet-2", POTHOLE_TWEET_2, SANGATTA_UTARA, None)).reason == "new"


def test_desa_code_without_kecamatan_code_still_knows_its_kecamatan() -> None:
    index = IncidentIndex()
    index.add("issue-3", mention("tweet-1", POTHOLE_TWEET, kecamatan=BENGALON, desa=None))
    assert index.assign(mention("tweet-2", POTHOLE_TWEET_2, kecamatan=None)).reason == "same_incident"


def test_street_lights_and_drainage_by_street_name() -> None:
    index = IncidentIndex()
    index.add("pju", mention("t-1", PJU_TWEET, "PJU", SANGATTA_UTARA, None))
    index.add("drainase", mention("d-1", DRAINAGE_ARTICLE, "DRAINASE", SANGATTA_UTARA, TELUK_LINGGA))
    assert index.assign(mention("t-2", PJU_OTHER_WORDS, "PJU", SANGATTA_UTARA, None)).incident_id == "pju"
    assert index.assign(mention("t-3", PJU_OTHER_STREET, "PJU", SANGATTA_UTARA, None)).reason == "new"
    drain = index.assign(mention("t-4", DRAINAGE_TWEET, "DRAINASE", SANGATTA_UTARA, TELUK_LINGGA))
    assert (drain.incident_id, drain.reason) == ("drainase", "same_incident")
    culvert = mention("t-5", CULVERT_TWEET, "DRAINASE", SANGATTA_UTARA, TELUK_LINGGA)
    assert index.assign(culvert).reason == "new"


# Batches


def test_cluster_a_batch() -> None:
    batch = [
        mention("a", ARTICLE_A),
        mention("b", PJU_TWEET, "PJU", SANGATTA_UTARA, None),
        mention("c", ARTICLE_B, at=MONDAY + timedelta(hours=3)),
        mention("d", POTHOLE_TWEET, at=MONDAY + timedelta(hours=4)),
        mention("e", BRIDGE, at=MONDAY + timedelta(hours=5)),
        mention("f", PJU_REPOST, "PJU", SANGATTA_UTARA, None, MONDAY + timedelta(hours=6)),
        mention("g", POTHOLE_TWEET_2, at=MONDAY + timedelta(hours=7)),
    ]
    index = IncidentIndex()
    assert index.cluster(batch) == ["new-1", "new-2", "new-1", "new-1", "new-3", "new-2", "new-1"]
    assert len(index) == 3


def test_cluster_joins_open_issues_and_never_reuses_their_ids(road_index: IncidentIndex) -> None:
    road_index.add("new-1", mention("t-1", PJU_TWEET, "PJU", SANGATTA_UTARA, None))
    repost = mention("z", PJU_REPOST, "PJU", SANGATTA_UTARA, None)
    ids = road_index.cluster([mention("x", ARTICLE_B), mention("y", BRIDGE), repost])
    assert ids == ["issue-1", "new-2", "new-1"]
    assert len(road_index) == 3


def test_assign_does_not_change_the_index(road_index: IncidentIndex) -> None:
    assert road_index.assign(mention("e", BRIDGE)).reason == "new"
    assert road_index.assign(mention("e", BRIDGE)).reason == "new"
    assert len(road_index) == 1


# Signatures


def test_signature_bytes_round_trip() -> None:
    original = signature(ARTICLE_A)
    stored = original.to_bytes()
    assert len(stored) == 1 + 4 * NUM_PERM
    restored = MinHashSignature.from_bytes(stored)
    assert restored == original and restored.jaccard(original) == 1.0
    empty = signature("")
    assert MinHashSignature.from_bytes(empty.to_bytes()) == empty and empty.is_empty


def test_a_stored_signature_is_used_instead_of_computing_one() -> None:
    index = IncidentIndex()
    stored = MinHashSignature.from_bytes(signature(ARTICLE_A).to_bytes())
    # No text: only the stored signature can make the copy a near duplicate.
    index.add("issue-1", Mention("doc-1", "", "JALAN", BENGALON, SEPASO, MONDAY, stored))
    assert index.assign(mention("doc-2", ARTICLE_B)).reason == "near_duplicate"


def test_signature_is_stable_across_processes_and_versions() -> None:
    # A change here means stored signatures no longer compare with new ones: bump SIGNATURE_FORMAT.
    digest = hashlib.sha256(signature(ARTICLE).to_bytes()).hexdigest()
    assert digest[:16] == GOLDEN_SIGNATURE_DIGEST


def test_bad_signature_bytes_are_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        MinHashSignature.from_bytes(b"\x07" + bytes(4 * NUM_PERM))
    with pytest.raises(ValueError, match="format"):
        MinHashSignature.from_bytes(b"")
    with pytest.raises(ValueError, match="bytes of values"):
        MinHashSignature.from_bytes(bytes([SIGNATURE_FORMAT]) + bytes(10))


def test_spelling_noise_does_not_change_the_signature() -> None:
    assert signature("Jalannn RUSAKKK parahhh!!!") == signature("jalan rusak parah")
    assert signature(ARTICLE.replace(". ", ".\x00\x0b ")) == signature(ARTICLE)
    assert signature("RT @warga_kutim: jalan rusak parah") == signature("jalan rusak parah")
    assert signature("jalan rusak") != signature("jalan")


# Bad input and speed


@pytest.mark.parametrize("text", ["", "   \n\t ", "😡😡😡🚧🚧", "\x00\x07\x1b\x7f\u200b", "!!! ??? ..."])
def test_texts_without_words_match_nothing(text: str) -> None:
    empty = signature(text)
    assert empty.is_empty and empty.jaccard(empty) == 0.0
    index = IncidentIndex()
    assert index.cluster([mention("a", text), mention("b", text)]) == ["new-1", "new-2"]
    assert index.assign(mention("c", text)).reason == "new"


def test_huge_text_is_cut() -> None:
    huge = (ARTICLE + " ") * 800  # about 1 MB
    assert len(huge) > 1_000_000
    assert signature(huge) == signature(huge[:MAX_INPUT_CHARS])
    assert_linear(signature, huge)
    assert IncidentIndex().cluster([mention("a", huge), mention("b", huge + "\x00")]) == ["new-1", "new-1"]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Mention("doc-1", ARTICLE, "JALAN", BENGALON, SEPASO, datetime(2025, 5, 12, 9, 30))
    with pytest.raises(ValueError, match="positive"):
        IncidentIndex(window=timedelta(0))


@pytest.mark.slow
def test_assign_does_not_slow_with_the_size_of_the_index() -> None:
    """300 mentions of 1,000 characters into 5,000 incidents; a third are copies that must be found. The same
    mentions into 500 incidents take about as long (1.3 times here): the LSH index finds candidates without
    reading every incident, where a scan would take ten times as long. Speed itself is measured in
    ``bench/triage_bench.py``."""
    rng = random.Random(7)
    texts = (ARTICLE, BRIDGE, DRAINAGE_ARTICLE, FLOOD_REPORT, STREETLIGHT_REPORT)
    vocabulary = sorted(
        {word for text in texts for word in text.split()} | {f"kata{n}" for n in range(3_000)}
    )
    functions = ["JALAN", "PJU", "DRAINASE", "SAMPAH", "BENCANA", "AIR_BERSIH", "FASUM", "LAINNYA"]

    def random_mention(key: str) -> Mention:
        text = " ".join(rng.choices(vocabulary, k=200))[:1_000]
        kecamatan = f"64.08.{rng.randint(1, 18):02d}"
        desa = f"{kecamatan}.{2000 + rng.randint(1, 12)}" if rng.random() < 0.7 else None
        at = MONDAY + timedelta(hours=rng.randint(0, 24 * 30))
        return Mention(key, text, rng.choice(functions), kecamatan, desa, at)

    def reposted(original: Mention, key: str) -> Mention:
        # A copy with another ending, as a syndicating outlet would make it.
        return replace(
            original, key=key, text=original.text[:850] + " Editor: Redaksi. (red)", signature=None
        )

    indexed = [random_mention(f"doc-{n}") for n in range(5_000)]
    small, large = IncidentIndex(), IncidentIndex()
    for n, indexed_mention in enumerate(indexed):
        large.add(f"issue-{n}", indexed_mention)
        if n < 500:
            small.add(f"issue-{n}", indexed_mention)
    copies = [reposted(indexed[n * 50], f"copy-{n}") for n in range(100)]
    queries = [random_mention(f"query-{n}") for n in range(200)] + copies
    decisions = [large.assign(query) for query in queries]
    assert len(large) == 5_000
    assert [d.incident_id for d in decisions[200:]] == [f"issue-{n * 50}" for n in range(100)]

    in_small = cpu_seconds(lambda: [small.assign(query) for query in queries], repeat=3)
    in_large = cpu_seconds(lambda: [large.assign(query) for query in queries], repeat=3)
    assert in_large <= 3 * in_small + FLOOR_SECONDS, f"{in_large:.3f} s of CPU against {in_small:.3f} s"


def test_numpy_minhash_is_datasketch_affine32_over_the_same_shingle_hashes() -> None:
    from datasketch import MinHash

    from nlp import clustering

    words = ["jalan", "poros", "desa", "sepaso", "rusak", "parah", "dan", "berlubang", "sejak", "bulan"]
    expected = MinHash(
        clustering.NUM_PERM,
        clustering.SEED,
        hashfunc=int,
        permutations=clustering._PERMUTATIONS,
        scheme=clustering.SCHEME,
    )
    hashes = [clustering._word_hash(word) for word in words]
    mix = 0x9E3779B1
    expected.update_batch(
        [
            ((a * mix + b) * mix + c) & 0xFFFFFFFF
            for a, b, c in zip(hashes, hashes[1:], hashes[2:], strict=False)
        ]
    )
    assert clustering._signature_of_words(words).to_bytes()[1:] == expected.hashvalues.astype("<u4").tobytes()
