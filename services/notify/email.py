"""E-mail to OPD liaisons over SMTP: one multipart/alternative message (text and HTML) per notification.

TLS certificates are verified by default (``ssl.create_default_context()``); a regional mail server with
its own certificate authority is trusted by passing an ``ssl.SSLContext`` that knows it, never by turning
verification off. Every failure becomes ``DeliveryFailed``; whether it is retryable follows SMTP's own
classes: connection problems, timeouts and 4xx answers may pass later, 5xx answers never will.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Literal

from services.notify.errors import DeliveryFailed, PartiallyDelivered
from services.notify.render import Rendered

FALLBACK_MESSAGE_ID_DOMAIN = "pantau.invalid"


@dataclass(frozen=True, kw_only=True)
class SmtpConfig:
    """Where and how to hand messages over. ``security``: "none" (plain SMTP, a local relay only),
    "starttls" (usually port 587) or "tls" (implicit TLS, usually port 465). ``sender`` may carry a display
    name ("Pantau Kutai Timur <pantau@kutaitimurkab.go.id>"); no login is tried when ``username`` is empty."""

    host: str
    port: int
    security: Literal["none", "starttls", "tls"]
    username: str = ""
    password: str = field(default="", repr=False)
    sender: str
    timeout: float = 15.0


def build_message(sender: str, to: list[str], rendered: Rendered, message_id_domain: str) -> EmailMessage:
    """The message as it goes out: text part first, HTML as the preferred alternative.

    ``Auto-Submitted: auto-generated`` (RFC 3834) keeps out-of-office replies from answering a notification.
    """
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "id"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


def send_email(
    config: SmtpConfig, to: list[str], rendered: Rendered, *, ssl_context: ssl.SSLContext | None = None
) -> str:
    """Send ``rendered`` to every address in ``to`` in one message; returns its Message-ID.

    Raises ``DeliveryFailed`` when no recipient got it, and ``PartiallyDelivered`` (not retryable: a second
    attempt would reach the others twice) when the server refused only some recipients.
    """
    where = f"SMTP {config.host}:{config.port}"
    recipients = [parseaddr(address)[1] for address in to]
    if not recipients:
        raise DeliveryFailed("tidak ada alamat e-mail penerima", retryable=False)
    invalid = [address for address, bare in zip(to, recipients, strict=True) if "@" not in bare]
    if invalid:
        raise DeliveryFailed(f"alamat e-mail penerima tidak sah: {', '.join(invalid)}", retryable=False)
    sender = parseaddr(config.sender)[1]
    domain = sender.rpartition("@")[2] or FALLBACK_MESSAGE_ID_DOMAIN
    message = build_message(config.sender, to, rendered, domain)
    context = ssl_context or ssl.create_default_context()
    try:
        client = _connect(config, context)
        try:
            _secure_and_log_in(client, config, context, where)
            refused = client.send_message(message, from_addr=sender, to_addrs=recipients)
        finally:
            _close(client)
    except DeliveryFailed:
        raise
    except (smtplib.SMTPException, OSError) as error:
        raise _failure(error, where, config) from error
    message_id = str(message["Message-ID"])
    if refused:
        answers = {address: _answer(code, text) for address, (code, text) in refused.items()}
        raise PartiallyDelivered(
            f"{where} mengirim ke {len(recipients) - len(refused)} dari {len(recipients)} penerima; "
            f"menolak {_listed(answers)}",
            message_id=message_id,
            refused=answers,
        )
    return message_id


def _connect(config: SmtpConfig, context: ssl.SSLContext) -> smtplib.SMTP:
    if config.security == "tls":
        return smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    return smtplib.SMTP(config.host, config.port, timeout=config.timeout)


def _secure_and_log_in(client: smtplib.SMTP, config: SmtpConfig, context: ssl.SSLContext, where: str) -> None:
    if config.security == "starttls":
        client.ehlo()
        if not client.has_extn("starttls"):
            raise DeliveryFailed(
                f"{where} tidak menawarkan STARTTLS; periksa port dan pengaturan keamanan", retryable=False
            )
        client.starttls(context=context)
        client.ehlo()
    if config.username:
        client.login(config.username, config.password)


def _close(client: smtplib.SMTP) -> None:
    """QUIT politely; a message already accepted stays sent even when the goodbye fails."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _answer(code: int, text: bytes | str) -> str:
    """An SMTP answer on one line: "550 5.1.1 <x@y>: Recipient address rejected"."""
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return " ".join(f"{code} {raw}".split())


def _listed(answers: Mapping[str, str]) -> str:
    return "; ".join(f"penerima {address}: {answer}" for address, answer in answers.items())


def _permanent(code: int) -> bool:
    return 500 <= code < 600


def _failure(error: Exception, where: str, config: SmtpConfig) -> DeliveryFailed:
    """The operator's one line for ``error``, and whether trying again may help."""
    match error:
        case smtplib.SMTPRecipientsRefused(recipients=refused):
            answers = {address: _answer(code, text) for address, (code, text) in refused.items()}
            retryable = not any(_permanent(code) for code, _ in refused.values())
            return DeliveryFailed(f"{where} menolak {_listed(answers)}", retryable)
        case smtplib.SMTPAuthenticationError(smtp_code=code, smtp_error=text):
            return DeliveryFailed(
                f"{where} menolak login {config.username}: {_answer(code, text)}", not _permanent(code)
            )
        case smtplib.SMTPSenderRefused(smtp_code=code, smtp_error=text, sender=sender):
            return DeliveryFailed(
                f"{where} menolak pengirim {sender}: {_answer(code, text)}", not _permanent(code)
            )
        case smtplib.SMTPDataError(smtp_code=code, smtp_error=text):
            return DeliveryFailed(f"{where} menolak isi pesan: {_answer(code, text)}", not _permanent(code))
        case smtplib.SMTPResponseException(smtp_code=code, smtp_error=text):
            return DeliveryFailed(f"{where} menjawab {_answer(code, text)}", not _permanent(code))
        case smtplib.SMTPServerDisconnected() if isinstance(error.__context__, TimeoutError):
            # smtplib reports a read that timed out as a lost connection; the operator should see the timeout
            return DeliveryFailed(f"{where} tidak menjawab dalam {config.timeout:g} detik", retryable=True)
        case smtplib.SMTPServerDisconnected():
            return DeliveryFailed(f"{where} memutus sambungan: {error}", retryable=True)
        case smtplib.SMTPException():  # AUTH not offered, no common mechanism: the configuration must change
            return DeliveryFailed(f"{where}: {error}", retryable=False)
        case ssl.SSLCertVerificationError(verify_message=detail):
            return DeliveryFailed(
                f"{where}: sertifikat TLS server tidak sah ({detail}); periksa nama host atau CA",
                retryable=False,
            )
        case ssl.SSLError(reason=detail):
            # a TLS/plain mismatch looks like this too, but so does a connection cut mid-handshake: retrying a
            # permanent mistake costs a few attempts, dropping a transient one loses the message
            return DeliveryFailed(f"{where}: jabat tangan TLS gagal ({detail or error})", retryable=True)
        case TimeoutError():
            return DeliveryFailed(f"{where} tidak menjawab dalam {config.timeout:g} detik", retryable=True)
        case ConnectionRefusedError():
            return DeliveryFailed(f"{where} menolak sambungan (server mati atau port salah)", retryable=True)
        case socket.gaierror():
            return DeliveryFailed(
                f"{where}: nama host tidak dapat di-resolve ({error.strerror})", retryable=True
            )
        case _:
            detail = getattr(error, "strerror", None) or str(error) or type(error).__name__
            return DeliveryFailed(f"{where}: kesalahan jaringan ({detail})", retryable=True)
