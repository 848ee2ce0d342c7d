"""A local SMTP server that keeps every message it accepts as an .eml file: the demo's mailbox (var/mail/)
and the peer of the e-mail tests. It speaks real SMTP through aiosmtpd, with STARTTLS or implicit TLS and
AUTH when asked, and can refuse the way real servers do:

* ``refuse_recipients``: these addresses get ``550 5.1.1`` at RCPT (a mailbox that does not exist);
* ``temporarily_failing``: the first N messages get ``451 4.3.0`` at DATA (a server under load or
  greylisting), later ones are accepted;
* ``credentials``: AUTH is required (only after TLS, as on a real submission port); others get 535.

One file per accepted message and recipient set, named ``<UTC time>-<hash of the Message-ID>.eml``, with
``X-Sink-Mail-From`` and ``X-Sink-Rcpt-To`` headers on top giving the envelope (Bcc recipients show only
there). A file appears whole: it is written under another name and renamed.

    python -m fakes.smtp_sink --port 2525 --folder var/mail
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import os
import signal
import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

logger = logging.getLogger(__name__)

SERVER_NAME = "pantau-smtp-sink.localhost"  # given, so aiosmtpd does not ask DNS for the machine's name


class SinkHandler:
    """aiosmtpd handler hooks; they run on the server's event loop thread, one at a time."""

    def __init__(
        self, folder: Path, refuse_recipients: Iterable[str] = (), temporarily_failing: int = 0
    ) -> None:
        self.folder = folder
        self.refuse_recipients = frozenset(address.lower() for address in refuse_recipients)
        self.temporarily_failing = temporarily_failing

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self.refuse_recipients:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.temporarily_failing > 0:
            self.temporarily_failing -= 1
            return "451 4.3.0 Temporary failure, please try again later"
        path = self.store(envelope)
        logger.info("accepted %s for %s -> %s", envelope.mail_from, ", ".join(envelope.rcpt_tos), path.name)
        return f"250 2.0.0 OK: queued as {path.stem}"

    def store(self, envelope: Envelope) -> Path:
        content = envelope.original_content or b""
        message_id = BytesHeaderParser().parsebytes(content).get("Message-ID") or ""
        digest = hashlib.sha256(str(message_id).encode() or content).hexdigest()[:12]
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{digest}.eml"
        envelope_headers = (
            f"X-Sink-Mail-From: <{envelope.mail_from or ''}>\r\n"
            f"X-Sink-Rcpt-To: {', '.join(f'<{rcpt}>' for rcpt in envelope.rcpt_tos)}\r\n"
        ).encode()
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.part"
        partial.write_bytes(envelope_headers + content)
        path = self.folder / name
        os.replace(partial, path)
        return path


class _Controller(Controller):
    """aiosmtpd's controller, able to listen on a free port (port 0): it pokes its own server at ``port``
    once started, so the real port must be known by then."""

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


def _authenticator(credentials: tuple[str, str]) -> Any:
    def check(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: object) -> AuthResult:
        given = (data.login.decode(), data.password.decode()) if isinstance(data, LoginPassword) else None
        if given == credentials:
            return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)

    return check


@contextmanager
def running_smtp_sink(
    folder: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tls_context: ssl.SSLContext | None = None,
    require_starttls: bool = False,
    implicit_tls: bool = False,
    refuse_recipients: Iterable[str] = (),
    temporarily_failing: int = 0,
    credentials: tuple[str, str] | None = None,
) -> Iterator[tuple[str, int]]:
    """An SMTP sink writing into ``folder`` for the duration of the block; yields (host, port).

    ``tls_context`` (a server context holding the certificate and key) offers STARTTLS, or with
    ``implicit_tls`` wraps every connection in TLS from the first byte (SMTPS, as on port 465).
    """
    if (require_starttls or implicit_tls) and tls_context is None:
        raise ValueError("require_starttls and implicit_tls need a tls_context with the certificate")
    handler = SinkHandler(folder, refuse_recipients, temporarily_failing)
    options: dict[str, Any] = {"server_hostname": SERVER_NAME, "ident": "Pantau SMTP sink"}
    if implicit_tls:
        options["ssl_context"] = tls_context
    elif tls_context is not None:
        options |= {"tls_context": tls_context, "require_starttls": require_starttls}
    if credentials is not None:
        options |= {"authenticator": _authenticator(credentials), "auth_required": True}
    controller = _Controller(handler, hostname=host, port=port, **options)
    controller.start()
    try:
        yield host, controller.port
    finally:
        controller.stop()


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server-side TLS context from a PEM certificate (chain) and its key."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m fakes.smtp_sink", description="A local SMTP server writing .eml files."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--folder", type=Path, required=True, help="where the .eml files go")
    parser.add_argument("--cert", type=Path, help="PEM certificate: offers STARTTLS (or implicit TLS)")
    parser.add_argument("--key", type=Path, help="PEM key of --cert")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--refuse", action="append", default=[], metavar="ADDRESS", help="answer 550 to it")
    args = parser.parse_args(argv)
    if bool(args.cert) != bool(args.key):
        parser.error("--cert and --key go together")
    if (args.require_starttls or args.implicit_tls) and not args.cert:
        parser.error("--require-starttls and --implicit-tls need --cert and --key")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s smtp-sink %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with running_smtp_sink(
        args.folder.resolve(),
        host=args.host,
        port=args.port,
        tls_context=server_tls_context(args.cert, args.key) if args.cert else None,
        require_starttls=args.require_starttls,
        implicit_tls=args.implicit_tls,
        refuse_recipients=args.refuse,
    ) as (host, port):
        logger.info("listening on %s:%d, writing to %s", host, port, args.folder.resolve())
        stop.wait()


if __name__ == "__main__":
    main()
