"""Local stand-ins for news sites over real HTTP on 127.0.0.1: a folder of saved pages (the demo), and
synthetic outlets of any size and speed (crash tests and benchmarks, below).

``__BASE_URL__`` in served HTML/XML/text becomes the server's own address (feeds and sitemaps need absolute
URLs). Paths under ``/_broken/`` answer the way broken sites do: a 500, an empty page, a page larger than
any sane article, and a 404 for anything unknown. Saved pages carry an ETag and Last-Modified and answer a
conditional GET with 304.
"""

from __future__ import annotations

import hashlib
import mimetypes
import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from email.utils import formatdate
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

TEXT_SUFFIXES = {".html", ".htm", ".xml", ".txt", ".rss", ".atom"}
HUGE_PAGE_BYTES = 12 * 1024 * 1024


def _handler(root: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "PantauLocalSite/1.0"

        def log_message(self, format: str, *args: object) -> None:
            return

        def _send(
            self, status: int, body: bytes, content_type: str = "text/html", modified: float | None = None
        ) -> None:
            """Send ``body``; a page with a modification time also gets validators and answers a matching
            conditional GET with 304, as real news sites and CDNs do."""
            headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
            if modified is not None:
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                headers |= {"ETag": etag, "Last-Modified": formatdate(modified, usegmt=True)}
                if self.headers.get("If-None-Match") == etag:
                    status, body, headers = 304, b"", {"ETag": etag}
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _broken(self, name: str) -> None:
            if name == "500.html":
                self._send(500, b"<html><body>Internal Server Error</body></html>")
            elif name == "empty.html":
                self._send(200, b"")
            elif name == "huge.html":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(HUGE_PAGE_BYTES))
                self.end_headers()
                chunk = b"<p>" + b"x" * 1020 + b"</p>"
                try:
                    for _ in range(HUGE_PAGE_BYTES // len(chunk)):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    return
            else:
                self._send(404, b"not found")

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            if path.startswith("/_broken/"):
                self._broken(path.removeprefix("/_broken/"))
                return
            target = (root / path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(root) or not target.is_file():
                self._send(404, b"not found")
                return
            body = target.read_bytes()
            if target.suffix in TEXT_SUFFIXES:
                host, port = self.server.server_address[:2]
                body = body.replace(b"__BASE_URL__", f"http://{host}:{port}".encode())
            content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(200, body, content_type, modified=target.stat().st_mtime)

    return Handler


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler], name: str) -> Iterator[str]:
    """``handler`` on a free port of 127.0.0.1, in a thread, for the duration of the block; yields the URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


def serve(root: Path) -> AbstractContextManager[str]:
    """Serve ``root`` for the duration of the block; yields the base URL."""
    return _serving(_handler(root.resolve()), "pantau-localsite")


# --- synthetic outlets: any number of sites and articles, at any speed (crash tests, benchmarks) -----------
SYNTHETIC_PARAGRAPH_SOURCES = ("wartakutim/berita", "kabarsangatta/artikel")


@dataclass(frozen=True)
class SyntheticOutlets:
    """``outlets`` sites ``/s<i>/`` with ``articles`` articles each, an RSS feed (``feed.xml``) and a listing
    page (``index.html``) linking them all. Articles mix paragraphs of the demo's fictional pages inside the
    chrome of a real news page (menus, related links, comments, scripts, footer: ~45 KB); every answer waits
    ``delay`` seconds first. Deterministic: one (outlet, article) is always the same page."""

    outlets: int
    articles: int
    delay: float = 0.0

    @cached_property
    def paragraphs(self) -> list[str]:
        found: list[str] = []
        sites = Path(__file__).resolve().parent.parent / "demo" / "sites"
        for folder in SYNTHETIC_PARAGRAPH_SOURCES:
            for page in sorted((sites / folder).glob("*.html")):
                text = page.read_text(encoding="utf-8", errors="replace")
                found += [p for p in re.findall(r"<p>(.{120,}?)</p>", text) if "<" not in p]
        return found

    def article_path(self, outlet: int, article: int) -> str:
        return f"/s{outlet}/berita/{article:05d}-laporan-warga.html"

    def feed(self, base: str, outlet: int) -> bytes:
        items = "".join(
            f"<item><title>Laporan warga {outlet}-{i}</title>"
            f"<link>{base}{self.article_path(outlet, i)}</link>"
            "<pubDate>Sun, 15 Nov 2026 10:00:00 +0800</pubDate></item>"
            for i in range(self.articles)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Outlet {outlet}</title><link>{base}/s{outlet}/</link>{items}</channel></rss>"
        ).encode()

    def listing(self, outlet: int) -> bytes:
        links = "".join(
            f'<li><a href="{self.article_path(outlet, i)}">Laporan warga {outlet}-{i}</a></li>'
            for i in range(self.articles)
        )
        return f"<html><body><h1>Outlet {outlet}</h1><ul>{links}</ul></body></html>".encode()

    def article(self, outlet: int, article: int) -> bytes:
        pick = random.Random(outlet * 100_003 + article)
        body = "".join(f"<p>{p}</p>" for p in pick.sample(self.paragraphs, 7))
        menu = "".join(
            f'<li class="menu-item"><a href="/s{outlet}/kanal/{k}.html">Kanal {k}</a></li>'
            for k in range(120)
        )
        related = "".join(
            f'<li><a href="{self.article_path(outlet, (article + k) % self.articles)}">Berita terkait {k}'
            f"</a><span>{pick.choice(self.paragraphs)[:90]}</span></li>"
            for k in range(1, 25)
        )
        comments = "".join(
            f'<div class="comment"><b>Pembaca {k}</b><p>{pick.choice(self.paragraphs)[:160]}</p></div>'
            for k in range(12)
        )
        script = (
            f"<script>var _ads={{slot:'{article}',sizes:[[300,250],[728,90]],targeting:'berita'}};</script>"
        )
        minute = article % 60
        return (
            '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
            f"<title>Laporan warga {outlet}-{article} - Outlet {outlet}</title>"
            f'<meta property="article:published_time" content="2026-11-15T10:{minute:02d}:00+08:00">'
            f"{script * 30}</head><body><header><nav><ul>{menu}</ul></nav></header><main><article>"
            f"<h1>Laporan warga {outlet}-{article}: jalan dan drainase dikeluhkan</h1>"
            f'<p class="byline">Penulis: Redaksi {outlet}</p>{body}</article>'
            f'<section id="komentar">{comments}</section>'
            f"<aside><h2>Terpopuler</h2><ul>{related}</ul></aside></main>"
            f"<footer><p>&copy; 2026 Outlet {outlet}. Situs sintetis untuk uji Pantau.</p>{menu}</footer>"
            "</body></html>"
        ).encode()

    def answer(self, base: str, path: str) -> tuple[int, bytes, str]:
        """(status, body, content type) for ``path``."""
        match = re.fullmatch(r"/s(\d+)/(feed\.xml|index\.html|berita/(\d+)-laporan-warga\.html)", path)
        if not match or int(match.group(1)) >= self.outlets:
            return 404, b"not found", "text/html"
        outlet, page = int(match.group(1)), match.group(2)
        if page == "feed.xml":
            return 200, self.feed(base, outlet), "application/rss+xml"
        if page == "index.html":
            return 200, self.listing(outlet), "text/html; charset=utf-8"
        article = int(match.group(3))
        if article >= self.articles:
            return 404, b"not found", "text/html"
        return 200, self.article(outlet, article), "text/html; charset=utf-8"


def _synthetic_handler(site: SyntheticOutlets) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "PantauSyntheticSite/1.0"
        protocol_version = "HTTP/1.1"  # keep-alive, as real sites
        disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms wait for an ACK

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            if site.delay:
                time.sleep(site.delay)
            host, port = self.server.server_address[:2]
            status, body, content_type = site.answer(f"http://{host}:{port}", urlsplit(self.path).path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def serve_synthetic(site: SyntheticOutlets) -> AbstractContextManager[str]:
    """Serve ``site`` for the duration of the block; yields the base URL."""
    return _serving(_synthetic_handler(site), "pantau-synthetic-site")
