"""Fixtures for the notification tests: a report to render, a self-signed certificate made at run time (never
committed), and ports where nothing or a silent server listens."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.notify.views import ReportView

# personal data planted in reports: none of it may leave in a message
NIK = "6408012345678901"
PHONE = "0812-3456-7890"
EMAIL = "budi.santoso@gmail.com"
HOUSE_ADDRESS = "Jl. Mawar No. 12 RT 03"


BASE_REPORT = ReportView(
    id=123,
    tracking_id="4455667",
    judul="Jalan berlubang di Poros Sangatta-Bengalon KM 12",
    isi="Lubang besar di badan jalan sejak Oktober, sudah dua motor jatuh. Mohon segera ditambal.",
    kategori="JALAN",
    lokasi="Kecamatan Bengalon",
    agency_name="Dinas PUPR",
    region_name="Kabupaten Kutai Timur",
    brand="Lapor Paman",
    status_label="Terverifikasi, belum ditindaklanjuti",
    due_label="Jumat, 4 Desember 2026 (5 hari kerja lagi)",
    console_url="https://pantau.example.go.id/laporan/123",
    source_links=(
        "https://kaltimtoday.co/berita/jalan-poros-bengalon",
        "https://www.facebook.com/groups/1/posts/2",
    ),
)


@pytest.fixture
def make_report() -> Callable[..., ReportView]:
    """A report with the given fields changed: ``make_report(id=7, judul="...")``."""

    def make(**changes: Any) -> ReportView:
        return replace(BASE_REPORT, **changes)

    return make


@pytest.fixture
def private_report() -> ReportView:
    """A report whose free text carries a NIK, a phone number, an e-mail and a house address everywhere."""
    return replace(
        BASE_REPORT,
        judul=f"Air PDAM mati di {HOUSE_ADDRESS}, hubungi {PHONE}",
        isi=f"Saya Budi, NIK {NIK}, tinggal di {HOUSE_ADDRESS}. Telepon {PHONE} atau e-mail {EMAIL}.",
        lokasi=f"{HOUSE_ADDRESS}, Sangatta Utara",
        source_links=("https://wa.me/6281234567890", "https://kaltimtoday.co/berita/air-pdam-mati"),
    )


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Verification stays on: the self-signed certificate is trusted, nothing else is."""
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for localhost and 127.0.0.1, valid for a day."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return Certificate(cert_path, key_path)


@pytest.fixture
def closed_port() -> int:
    """A port of 127.0.0.1 where nothing listens (a server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word (a hung server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])
