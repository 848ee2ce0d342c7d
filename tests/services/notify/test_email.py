"""E-mail against a real SMTP server (fakes/smtp_sink.py, aiosmtpd): plain, STARTTLS, TLS, refusals."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import pytest

from fakes.smtp_sink import running_smtp_sink
from services.notify.email import SmtpConfig, build_message, send_email
from services.notify.errors import DeliveryFailed, PartiallyDelivered
from services.notify.render import Rendered, render_forwarded
from services.notify.views import ReportView

SENDER = "Pantau Kutai Timur <pantau@kutaitimurkab.go.id>"
LIAISON = "penghubung.pupr@kutaitimurkab.go.id"


@pytest.fixture
def rendered(make_report: Callable[..., ReportView]) -> Rendered:
    return render_forwarded(make_report())


def config(
    host: str, port: int, security: Literal["none", "starttls", "tls"] = "none", **extra: Any
) -> SmtpConfig:
    return SmtpConfig(host=host, port=port, security=security, sender=SENDER, timeout=5, **extra)


def stored(folder: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages


def test_build_message_has_both_parts_and_proper_headers(rendered: Rendered) -> None:
    message = build_message(SENDER, [LIAISON, "kadis@kutaitimurkab.go.id"], rendered, "kutaitimurkab.go.id")
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == rendered.subject
    assert message["To"] == f"{LIAISON}, kadis@kutaitimurkab.go.id"
    assert str(message["Message-ID"]).endswith("@kutaitimurkab.go.id>")
    assert message["Date"] and message["Auto-Submitted"] == "auto-generated"


def test_plain_smtp_delivers_one_message_with_text_and_html(tmp_path: Path, rendered: Rendered) -> None:
    with running_smtp_sink(tmp_path) as (host, port):
        message_id = send_email(config(host, port), [LIAISON], rendered)
    [message] = stored(tmp_path)
    assert message["Message-ID"] == message_id
    assert message["Subject"] == rendered.subject
    assert message["X-Sink-Rcpt-To"] == f"<{LIAISON}>"
    assert message["X-Sink-Mail-From"] == "<pantau@kutaitimurkab.go.id>"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    assert text.get_content().replace("\r\n", "\n") == rendered.text
    assert html.get_content().replace("\r\n", "\n") == rendered.html


def test_starttls_with_login_over_a_verified_certificate(
    tmp_path: Path, rendered: Rendered, certificate: Any
) -> None:
    sink = running_smtp_sink(
        tmp_path,
        tls_context=certificate.server_context(),
        require_starttls=True,
        credentials=("pantau", "rahasia"),
    )
    with sink as (host, port):
        smtp = config(host, port, "starttls", username="pantau", password="rahasia")
        send_email(smtp, [LIAISON], rendered, ssl_context=certificate.client_context())
    assert len(stored(tmp_path)) == 1


def test_implicit_tls(tmp_path: Path, rendered: Rendered, certificate: Any) -> None:
    with running_smtp_sink(tmp_path, tls_context=certificate.server_context(), implicit_tls=True) as (
        host,
        port,
    ):
        send_email(config(host, port, "tls"), [LIAISON], rendered, ssl_context=certificate.client_context())
    assert len(stored(tmp_path)) == 1


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_is_refused_for_good(
    security: Literal["starttls", "tls"], tmp_path: Path, rendered: Rendered, certificate: Any
) -> None:
    """Verification is on by default: the self-signed certificate is not in the system's trust store."""
    sink = running_smtp_sink(
        tmp_path, tls_context=certificate.server_context(), implicit_tls=security == "tls"
    )
    with sink as (host, port), pytest.raises(DeliveryFailed) as failure:
        send_email(config(host, port, security), [LIAISON], rendered)
    assert not failure.value.retryable
    assert "sertifikat TLS server tidak sah" in failure.value.reason
    assert stored(tmp_path) == []


def test_plain_smtp_to_a_server_requiring_starttls_is_a_configuration_error(
    tmp_path: Path, rendered: Rendered, certificate: Any
) -> None:
    sink = running_smtp_sink(tmp_path, tls_context=certificate.server_context(), require_starttls=True)
    with sink as (host, port), pytest.raises(DeliveryFailed) as failure:
        send_email(config(host, port, "none"), [LIAISON], rendered)
    assert not failure.value.retryable
    assert "530" in failure.value.reason


def test_starttls_against_a_server_without_it(tmp_path: Path, rendered: Rendered) -> None:
    with running_smtp_sink(tmp_path) as (host, port), pytest.raises(DeliveryFailed) as failure:
        send_email(config(host, port, "starttls"), [LIAISON], rendered)
    assert not failure.value.retryable
    assert failure.value.reason.startswith(f"SMTP {host}:{port} tidak menawarkan STARTTLS")


def test_wrong_password_is_not_retried(tmp_path: Path, rendered: Rendered, certificate: Any) -> None:
    sink = running_smtp_sink(
        tmp_path, tls_context=certificate.server_context(), credentials=("pantau", "rahasia")
    )
    with sink as (host, port), pytest.raises(DeliveryFailed) as failure:
        smtp = config(host, port, "starttls", username="pantau", password="Kunci-Keliru-42")
        send_email(smtp, [LIAISON], rendered, ssl_context=certificate.client_context())
    assert not failure.value.retryable
    assert "menolak login pantau: 535" in failure.value.reason
    assert "Kunci-Keliru-42" not in failure.value.reason


def test_a_refused_recipient_550_is_permanent(tmp_path: Path, rendered: Rendered) -> None:
    sink = running_smtp_sink(tmp_path, refuse_recipients={"x@y.go.id"})
    with sink as (host, port), pytest.raises(DeliveryFailed) as failure:
        send_email(config(host, port), ["x@y.go.id"], rendered)
    assert not failure.value.retryable
    assert failure.value.reason.startswith(f"SMTP {host}:{port} menolak penerima x@y.go.id: 550 5.1.1")
    assert "\n" not in failure.value.reason
    assert stored(tmp_path) == []


def test_451_is_retryable_and_the_retry_delivers(tmp_path: Path, rendered: Rendered) -> None:
    with running_smtp_sink(tmp_path, temporarily_failing=1) as (host, port):
        with pytest.raises(DeliveryFailed) as failure:
            send_email(config(host, port), [LIAISON], rendered)
        assert failure.value.retryable
        assert "451" in failure.value.reason
        assert stored(tmp_path) == []
        message_id = send_email(config(host, port), [LIAISON], rendered)
    assert [message["Message-ID"] for message in stored(tmp_path)] == [message_id]


def test_some_recipients_refused_is_reported_not_retried(tmp_path: Path, rendered: Rendered) -> None:
    sink = running_smtp_sink(tmp_path, refuse_recipients={"lama@kutaitimurkab.go.id"})
    with sink as (host, port), pytest.raises(PartiallyDelivered) as failure:
        send_email(config(host, port), [LIAISON, "lama@kutaitimurkab.go.id"], rendered)
    assert not failure.value.retryable
    assert list(failure.value.refused) == ["lama@kutaitimurkab.go.id"]
    assert "mengirim ke 1 dari 2 penerima" in failure.value.reason
    [message] = stored(tmp_path)
    assert message["Message-ID"] == failure.value.message_id
    assert message["X-Sink-Rcpt-To"] == f"<{LIAISON}>"


def test_server_down_is_retryable(closed_port: int, rendered: Rendered) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        send_email(config("127.0.0.1", closed_port), [LIAISON], rendered)
    assert failure.value.retryable
    assert (
        failure.value.reason
        == f"SMTP 127.0.0.1:{closed_port} menolak sambungan (server mati atau port salah)"
    )


def test_a_silent_server_times_out_and_is_retryable(silent_port: int, rendered: Rendered) -> None:
    smtp = SmtpConfig(host="127.0.0.1", port=silent_port, security="none", sender=SENDER, timeout=0.3)
    with pytest.raises(DeliveryFailed) as failure:
        send_email(smtp, [LIAISON], rendered)
    assert failure.value.retryable
    assert "tidak menjawab dalam 0.3 detik" in failure.value.reason


def test_no_or_malformed_recipients_fail_before_connecting(closed_port: int, rendered: Rendered) -> None:
    for to in ([], ["bukan-alamat"]):
        with pytest.raises(DeliveryFailed) as failure:
            send_email(config("127.0.0.1", closed_port), to, rendered)
        assert not failure.value.retryable
        assert "penerima" in failure.value.reason


def test_the_password_stays_out_of_the_config_repr() -> None:
    assert "rahasia" not in repr(config("127.0.0.1", 25, username="pantau", password="rahasia"))
