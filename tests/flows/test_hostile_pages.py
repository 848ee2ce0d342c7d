"""Pages that used to vanish without a trace now end stored, quarantined with a reason, or counted as skipped
or failed, and source health sees them: impossible publication dates, a URL longer than any database column
should hold, Latin-1 bytes served as UTF-8, an entry page in a redirect loop, an article in one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from config.settings import Settings, get_settings
from db.models import Document, DocumentStatus, FrontierEntry, FrontierState
from flows.crawling import crawl_sources
from flows.runtime import Runtime
from flows.setup import initialise
from flows.source_health import FAILING, health_report

PARAGRAPHS = "".join(
    f"<p>Warga Desa Sepaso mengeluhkan jalan rusak berlubang di ruas poros kecamatan, paragraf {i}.</p>"
    for i in range(8)
)
LONG_PATH = "/hostile/" + "sangat-panjang-" * 150 + ".html"  # over 2,048 characters with the host


def _article(title: str, published: str | None = None) -> bytes:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (
        f"<html><head><title>{title}</title>{meta}</head><body><article><h1>{title}</h1>"
        f"{PARAGRAPHS}</article></body></html>"
    ).encode()


PAGES: dict[str, tuple[str, bytes]] = {
    "/hostile/far-future.html": (
        "text/html; charset=utf-8",
        _article("Jalan A", "9999-12-31T23:59:59-12:00"),
    ),
    "/hostile/year-one.html": ("text/html; charset=utf-8", _article("Jalan B", "0001-01-01T00:00:00+14:00")),
    "/hostile/latin1.html": (
        "text/html; charset=utf-8",  # declared UTF-8, sent as Latin-1
        _article("Kafe di Sangatta").replace(b"paragraf 0", "café señor".encode("latin-1")),
    ),
    "/hostile/fine.html": ("text/html; charset=utf-8", _article("Jalan C", "2026-11-20T08:00:00+08:00")),
}
LOOPING_ARTICLE = "/hostile/loop-a.html"


def _feed(base: str) -> bytes:
    links = [*PAGES, LONG_PATH, LOOPING_ARTICLE]
    items = "".join(f"<item><title>{path}</title><link>{base}{path}</link></item>" for path in links)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>H</title>{items}</channel></rss>'.encode()
    )


class HostileHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        host, port = self.server.server_address[:2]
        base = f"http://{host}:{port}"
        path = self.path
        if path == "/hostile/feed.xml":
            self._send(200, "application/rss+xml", _feed(base))
        elif path in PAGES:
            self._send(200, *PAGES[path])
        elif path.startswith(("/looping/feed", "/hostile/loop-")):  # A -> B -> A -> ...
            target = path.replace("-a", "-b") if "-a" in path else path.replace("-b", "-a")
            self.send_response(302)
            self.send_header("Location", base + target)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hostile_runtime(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostileHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    base = f"http://{host}:{port}"
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - {{slug: hostile, name: H, region: '64.08', platform: rss, url: '{base}/hostile/feed.xml'}}\n"
        f"  - {{slug: looping, name: L, region: '64.08', platform: rss, url: '{base}/looping/feed-a.xml'}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PANTAU_SOURCES_FILE", str(sources))
    get_settings.cache_clear()
    runtime = Runtime(get_settings())
    initialise(runtime)
    yield runtime
    runtime.close()
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_every_hostile_page_is_stored_quarantined_or_counted(hostile_runtime: Runtime) -> None:
    summary = crawl_sources(hostile_runtime, ["hostile", "looping"])

    with hostile_runtime.sessions() as session:
        documents = {d.url.split("/", 3)[-1]: d for d in session.scalars(select(Document))}
        frontier = {e.url.split("/", 3)[-1]: e for e in session.scalars(select(FrontierEntry))}

    for name in ("hostile/far-future.html", "hostile/year-one.html"):
        document = documents[name]
        assert document.status == DocumentStatus.OK
        assert document.published_at is None  # implausible: treated as missing, the reason kept
        assert "implausible" in (document.notes or {}).get("published_at", "")
    assert documents["hostile/fine.html"].published_at is not None

    latin1 = documents["hostile/latin1.html"]
    assert "café señor" in (latin1.text or "") and "\ufffd" not in (latin1.text or "")
    assert latin1.encoding == "cp1252"
    assert "utf-8" in (latin1.notes or {}).get("encoding", "")

    assert summary.failed["url_too_long"] == 1  # refused before the request, counted
    assert summary.failed["too_many_redirects"] >= 2  # the looping article and the looping entry page
    looping = frontier[LOOPING_ARTICLE.lstrip("/")]
    assert looping.state == FrontierState.GIVEN_UP and looping.last_error == "too_many_redirects"

    # every listed page: stored, quarantined or counted
    listed = len(PAGES) + 2
    stored = sum(1 for name in documents if name.startswith("hostile/"))
    assert stored + summary.failed["url_too_long"] + 1 == listed

    health = {row.slug: row for row in health_report(hostile_runtime)}
    assert health["looping"].status == FAILING
    assert "too_many_redirects" in (health["looping"].last_error or "")
    assert health["hostile"].given_up == 1
