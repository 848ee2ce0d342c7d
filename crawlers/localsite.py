"""A local stand-in for news sites: serves a folder of saved pages on 127.0.0.1 over real HTTP.

``__BASE_URL__`` in served HTML/XML/text becomes the server's own address (feeds and sitemaps need absolute
URLs). Paths under ``/_broken/`` answer the way broken sites do: a 500, an empty page, a page larger than
any sane article, and a 404 for anything unknown. Saved pages carry an ETag and Last-Modified and answer a
conditional GET with 304.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
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
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on a free port of 127.0.0.1 for the duration of the block; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(root.resolve()))
    thread = threading.Thread(target=server.serve_forever, name="pantau-localsite", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
