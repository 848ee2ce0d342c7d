"""A label file whose text ids match no text of the data is refused, with the file and the count: by the
loaders (``nlp.datasets``) and so by ``pantau train``, one line and exit code 2 (the bad-input rule)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from config.settings import get_settings
from nlp.datasets import INFRASTRUCTURE_LABELS, infrastructure_tweets
from nlp.labels import LABELS_DIR, UnmatchedLabels, ids_in


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _data_without_tweets(root: Path) -> Path:
    """A shared-data folder with one Surabaya complaint and no tweets: every tweet label matches nothing."""
    _csv(
        root / "surabaya_complaints" / "complaints.csv",
        ["id", "text", "topik", "agency"],
        [["1", "Jalan di depan balai RW berlubang besar, mohon segera ditambal.", "Jalan Rusak", "PUPR"]],
    )
    _csv(root / "infrastructure_tweets_unlabeled" / "tweets.csv", ["text"], [["jalan rusak tidak berlabel"]])
    return root


def test_a_label_file_naming_texts_the_data_lacks_is_refused_with_file_and_count(tmp_path: Path) -> None:
    data = _data_without_tweets(tmp_path)
    first = INFRASTRUCTURE_LABELS[0]  # the files are checked in order: the first one names the fault
    count = len(ids_in(first))
    with pytest.raises(UnmatchedLabels) as refused:
        infrastructure_tweets(data)
    message = str(refused.value)
    assert str(LABELS_DIR / first) in message
    assert f"{count} dari {count} label tidak cocok" in message


def test_pantau_train_refuses_them_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_SHARED_DATA_DIR", str(_data_without_tweets(tmp_path / "data")))
    monkeypatch.setenv("PANTAU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["train", "--output", str(tmp_path / "m.skops")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    line = " ".join(result.output.split())
    assert line.startswith("Galat:") and INFRASTRUCTURE_LABELS[0] in line
    assert "label tidak cocok dengan teks mana pun" in line and "pelatihan ditolak" in line
    assert not (tmp_path / "m.skops").exists()
