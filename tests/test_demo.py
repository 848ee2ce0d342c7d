"""``pantau demo`` end to end, as a user runs it: one monitoring cycle, then the filing walk through a fake
LAPOR! and a local SMTP sink (SQLite, offline)."""

from __future__ import annotations

import email
import json
import os
import re
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest

from config.settings import PROJECT_ROOT

PHONE = re.compile(r"(?:\+62|62|0)8\d{2}[\s.-]?\d{3,4}[\s.-]?\d{3,5}")


@pytest.mark.slow
def test_demo_files_forwards_answers_and_syncs(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PANTAU_", "PREFECT_"))  # the demo's own defaults, as on a fresh machine
    }
    env["PANTAU_VAR_DIR"] = str(tmp_path / "var")
    done = subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", "demo"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    for step in range(1, 10):
        assert re.search(rf"^{step}\. ", out, re.MULTILINE), f"step {step} missing:\n{out[-3000:]}"
    assert "-> mode api" in out and "input manual (siap diinput)" in out
    assert "Pengiriman ke LAPOR! (api): tercatat 1" in out
    assert "Notifikasi ke OPD: terkirim 2" in out
    assert "ditindaklanjuti 1" in out
    statuses = re.findall(r"^laporan #\d+: (\S+) \((\w+)\) \| tracking LAPOR! (\d{7,10})", out, re.MULTILINE)
    assert [s[1] for s in statuses] == ["followed_up", "forwarded"], out[-2000:]
    assert "batas tindak lanjut" in out and "tutup otomatis" in out
    for account in (
        "operator-demo",
        "manajer-demo",
        "pupr-demo",
        "pimpinan-demo",
    ):  # one console account per role
        assert f"{account} / demo-pantau-2026" in out
    # the commands after the demo (the console too) read the demo's sources, not the configured outlets
    listed = subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", "sources", "list", "--json"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    sources = {row["slug"]: row for row in json.loads(listed.stdout)}
    assert set(sources) == {"wartakutim", "kabarsangatta", "arsip"}
    assert sources["wartakutim"]["last_success_at"] is not None
    mails = sorted((tmp_path / "var" / "mail").glob("*.eml"))
    assert len(mails) == 2
    for path in mails:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert "Disposisi laporan #" in str(message["Subject"])
        text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
        assert "Batas waktu" in text and "/laporan/" in text and "<html" in html.lower()
        assert not PHONE.search(text) and not PHONE.search(html)
