"""The SP4N-LAPOR! Integration API as Pantau assumes it (docs/lapor.md): the only module that knows the wire.

When a region's real API documentation arrives, this is the module to change: the payload (``_payload``),
the answers (``_receipt``, ``_remote_status``) and what each HTTP status means (``_refusal``). Every answer is
checked before it is believed; whatever does not fit becomes a ``LaporError`` with a reason an operator can
read, never a ``KeyError`` in a worker.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from services.lapor.protocol import (
    LAPOR_STATUSES,
    FollowUp,
    LaporBadAnswer,
    LaporError,
    LaporNotFound,
    LaporRejected,
    LaporUnauthorized,
    LaporUnavailable,
    Receipt,
    RemoteStatus,
    Submission,
)
from services.lapor.tracking_id import TRACKING_ID, parse_tracking_id

USER_AGENT = "Pantau/0.1 (SP4N-LAPOR! admin-entered reports)"
MAX_ANSWER_BYTES = 1_000_000  # a status with hundreds of follow-ups is far smaller; more is not LAPOR!
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_DETAIL_CHARS = 300
_SHOWN_CHARS = 60


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes


def _clip(text: str, limit: int = _SHOWN_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _payload(sub: Submission) -> dict[str, Any]:
    return {
        "judul": sub.judul,
        "isi": sub.isi,
        "tanggal_kejadian": sub.tanggal_kejadian.strftime("%Y-%m-%d"),
        "lokasi_kejadian": sub.lokasi_kejadian,
        "instansi_tujuan": {"kode": sub.instansi_kode, "nama": sub.instansi_nama},
        "kategori": sub.kategori,
        "klasifikasi": sub.klasifikasi,
        "anonim": sub.anonim,
        "rahasia": sub.rahasia,
        "lampiran_tautan": list(sub.source_links),
        "sumber": "admin",
        "kode_wilayah": sub.region_code,
    }


def retry_after_seconds(value: str, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), None when unreadable."""
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)


def _error_details(body: bytes) -> str:
    """The ``errors`` list of a refusal as "field: message; ...", or "" when the body has none."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return ""
    parts = []
    for error in errors:
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            field = error.get("field")
            parts.append(
                f"{field}: {error['message']}" if isinstance(field, str) and field else error["message"]
            )
    return _clip("; ".join(parts), _DETAIL_CHARS)


def _refusal(answer: _Answer) -> LaporError:
    """The error a non-2xx answer means (404 is the caller's to interpret first)."""
    status = answer.status
    details = _error_details(answer.body)
    said = f": {details}" if details else ""
    if status in (408, 425, 429) or status >= 500:
        header = answer.headers.get("Retry-After")
        wait = retry_after_seconds(header) if header is not None else None
        when = f"; coba lagi setelah {wait:g} detik" if wait is not None else ""
        what = "membatasi permintaan" if status == 429 else "sedang tidak dapat melayani"
        return LaporUnavailable(f"LAPOR! {what} (HTTP {status}){when}", status, retry_after=wait)
    if status in (401, 403):
        return LaporUnauthorized(
            f"Token integrasi LAPOR! ditolak (HTTP {status}){said}; periksa token wilayah ini", status
        )
    if status == 409:
        return LaporRejected(
            f"LAPOR! sudah menerima kunci idempotensi ini untuk laporan dengan isi lain (HTTP 409){said}",
            status,
        )
    if 300 <= status < 400:
        where = _clip(answer.headers.get("Location", "?"))
        return LaporRejected(
            f"LAPOR! mengalihkan permintaan ke {where} (HTTP {status}); periksa base_url", status
        )
    if status in (400, 422):
        return LaporRejected(f"LAPOR! menolak isian laporan (HTTP {status}){said}", status)
    return LaporRejected(f"LAPOR! menolak permintaan (HTTP {status}){said}", status)


def _json_object(answer: _Answer) -> dict[str, Any]:
    try:
        data = json.loads(answer.body)
    except (ValueError, RecursionError):
        shown = _clip(answer.body[:_SHOWN_CHARS].decode("utf-8", "replace"))
        raise LaporBadAnswer(f"Jawaban LAPOR! bukan JSON: {shown!r}", answer.status) from None
    if not isinstance(data, dict):
        raise LaporBadAnswer(f"Jawaban LAPOR! bukan objek JSON: {type(data).__name__}", answer.status)
    return data


def _typed(data: dict[str, Any], name: str, kind: type, status: int) -> Any:
    """``data[name]`` if it is of ``kind`` (a bool is not an int here); otherwise a bad answer."""
    value = data.get(name)
    if type(value) is not kind:
        found = "tidak ada" if name not in data else f"{type(value).__name__} {_clip(repr(value))}"
        raise LaporBadAnswer(
            f"Jawaban LAPOR! tidak sesuai: {name} harus {kind.__name__}, ditemukan {found}", status
        )
    return value


def _tracking_id(data: dict[str, Any], status: int) -> str:
    value: str = _typed(data, "tracking_id", str, status)
    if not TRACKING_ID.fullmatch(value):
        raise LaporBadAnswer(f"Jawaban LAPOR! memuat nomor pelacakan tidak sah: {_clip(value)!r}", status)
    return value


def _aware_time(value: str, where: str, status: int) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise LaporBadAnswer(f"Jawaban LAPOR! tidak sesuai: {where} bukan waktu ISO 8601", status) from None
    if moment.tzinfo is None:
        raise LaporBadAnswer(f"Jawaban LAPOR! tidak sesuai: {where} tanpa zona waktu", status)
    return moment


def _receipt(answer: _Answer) -> Receipt:
    if answer.status not in (200, 201):
        raise LaporBadAnswer(f"LAPOR! menjawab HTTP {answer.status} yang tidak diharapkan", answer.status)
    tracking_id = _tracking_id(_json_object(answer), answer.status)
    return Receipt(tracking_id=tracking_id, replayed=answer.status == 200)


def _remote_status(answer: _Answer, asked: str) -> RemoteStatus:
    if answer.status != 200:
        raise LaporBadAnswer(f"LAPOR! menjawab HTTP {answer.status} yang tidak diharapkan", answer.status)
    data = _json_object(answer)
    code = answer.status
    tracking_id = _tracking_id(data, code)
    if tracking_id != asked:
        raise LaporBadAnswer(f"LAPOR! menjawab tentang laporan {tracking_id}, bukan {asked}", code)
    status: str = _typed(data, "status", str, code)
    if status not in LAPOR_STATUSES:
        raise LaporBadAnswer(f"LAPOR! memberi status yang tidak dikenal: {_clip(status)!r}", code)
    closed: bool = _typed(data, "ditutup", bool, code)
    follow_ups = []
    for index, item in enumerate(_typed(data, "tindak_lanjut", list, code)):
        where = f"tindak_lanjut[{index}]"
        if not isinstance(item, dict):
            raise LaporBadAnswer(f"Jawaban LAPOR! tidak sesuai: {where} bukan objek", code)
        at = _aware_time(_typed(item, "at", str, code), f"{where}.at", code)
        follow_ups.append(FollowUp(at, _typed(item, "instansi", str, code), _typed(item, "isi", str, code)))
    return RemoteStatus(tracking_id, status, tuple(follow_ups), closed)


class ApiAdapter:
    """Files reports through the Integration API and reads their status. One HTTP client (keep-alive)
    for the adapter's life: ``close()`` it, or use it as a context manager.

    ``timeout`` bounds connecting, each read and each write, and reading a whole answer; redirects are not
    followed (an API that redirects is misconfigured, and a redirected POST could lose its token or body).
    Plain ``http`` is accepted only for a server on this machine: the token travels in every request.
    """

    def __init__(
        self, base_url: str, token: str, timeout: float = 10.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        try:
            url = httpx.URL(base_url)
        except httpx.InvalidURL as exc:
            raise ValueError(f"LAPOR! base_url is not a URL: {base_url!r} ({exc})") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"LAPOR! base_url must be an http(s) URL with a host, got {base_url!r}")
        if url.scheme == "http" and url.host not in LOOPBACK_HOSTS:
            raise ValueError(
                f"LAPOR! base_url must use https (the token would travel in clear): {base_url!r}"
            )
        if not token.strip():
            raise ValueError("LAPOR! token is empty")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client = httpx.Client(
            timeout=httpx.Timeout(connect=timeout, read=timeout, write=timeout, pool=timeout),
            follow_redirects=False,
            transport=transport,
            headers={
                "Authorization": f"Bearer {token.strip()}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )

    def __enter__(self) -> ApiAdapter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def submit(self, sub: Submission) -> Receipt:
        """``POST /reports`` with the submission's idempotency key: 201 is a new report, 200 the one an
        earlier try with this key stored (``Receipt.replayed``)."""
        request = self._client.build_request(
            "POST",
            f"{self.base_url}/reports",
            json=_payload(sub),
            headers={"Idempotency-Key": sub.idempotency_key},
        )
        answer = self._exchange(request)
        if answer.status == 404:
            raise LaporRejected(
                f"Alamat API LAPOR! tidak ditemukan (HTTP 404): periksa base_url {self.base_url}", 404
            )
        if not 200 <= answer.status < 300:
            raise _refusal(answer)
        return _receipt(answer)

    def status(self, tracking_id: str) -> RemoteStatus:
        """``GET /reports/{tracking_id}``; a 404 is ``LaporNotFound``. Raises ``InvalidTrackingId`` (a
        ``ValueError``) before any request when ``tracking_id`` is not one."""
        wanted = parse_tracking_id(tracking_id)
        answer = self._exchange(self._client.build_request("GET", f"{self.base_url}/reports/{wanted}"))
        if answer.status == 404:
            raise LaporNotFound(f"LAPOR! tidak mengenal laporan {wanted} (HTTP 404)", 404)
        if not 200 <= answer.status < 300:
            raise _refusal(answer)
        return _remote_status(answer, wanted)

    def _exchange(self, request: httpx.Request) -> _Answer:
        """Send ``request`` and read the whole answer within ``timeout`` and ``MAX_ANSWER_BYTES``."""
        deadline = time.monotonic() + self.timeout
        try:
            response = self._client.send(request, stream=True)
            try:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise LaporBadAnswer(
                            f"Jawaban LAPOR! terlalu besar (lebih dari {MAX_ANSWER_BYTES} byte)",
                            response.status_code,
                        )
                    if time.monotonic() > deadline:
                        raise LaporUnavailable(
                            f"LAPOR! tidak selesai menjawab dalam {self.timeout:g} detik",
                            response.status_code,
                        )
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise LaporUnavailable(
                f"LAPOR! tidak menjawab dalam {self.timeout:g} detik ({type(exc).__name__})"
            ) from exc
        except httpx.DecodingError as exc:
            raise LaporBadAnswer(f"Jawaban LAPOR! tidak dapat didekode: {_clip(str(exc))}") from exc
        except httpx.TransportError as exc:
            detail = _clip(str(exc) or "tanpa keterangan", _DETAIL_CHARS)
            raise LaporUnavailable(f"Koneksi ke LAPOR! gagal ({type(exc).__name__}): {detail}") from exc
        return _Answer(response.status_code, response.headers, bytes(body))
