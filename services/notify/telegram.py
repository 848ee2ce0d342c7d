"""Telegram messages to an OPD's group or channel through the Bot API's ``sendMessage``.

Plain text (no ``parse_mode``), so nothing in a report can turn into markup; the renderer has already
redacted it. A text longer than one Telegram message is sent in parts cut at line breaks. The bot token is
part of the URL and a secret: no failure reason ever shows the URL.
"""

from __future__ import annotations

from typing import Any

import httpx

from services.notify.errors import DeliveryFailed

MESSAGE_LIMIT = 4096  # UTF-16 code units, as Telegram counts


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` UTF-16 units, cut after a line break where one is near."""
    parts: list[str] = []
    rest = text
    while _units(rest) > limit:
        cut = limit
        while _units(rest[:cut]) > limit:  # characters outside the BMP count twice
            cut -= 1
        newline = rest.rfind("\n", 0, cut)
        if newline > cut // 2:
            cut = newline + 1
        parts.append(rest[:cut])
        rest = rest[cut:]
    if rest.strip() or not parts:
        parts.append(rest)
    return parts


def send_telegram(
    api_base: str,
    bot_token: str,
    chat_id: str,
    text: str,
    timeout: float = 10.0,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """Send ``text`` to ``chat_id`` ("-1001234567890" or "@kanal"); ``DeliveryFailed`` when Telegram does
    not take it (retryable: 429, 5xx, timeouts, connection errors; not: a wrong token, an unknown chat, a
    bot removed from the group). In parts, a failure after the first leaves the earlier parts delivered."""
    endpoint = f"{api_base.rstrip('/')}/bot{bot_token}/sendMessage"
    parts = split_message(text)
    with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as client:
        for number, part in enumerate(parts, start=1):
            part_label = f", bagian {number} dari {len(parts)}" if len(parts) > 1 else ""
            where = f"Telegram (chat {chat_id}{part_label})"
            payload = {"chat_id": chat_id, "text": part, "link_preview_options": {"is_disabled": True}}
            _post(client, endpoint, payload, where, timeout)


def _post(client: httpx.Client, endpoint: str, payload: dict[str, Any], where: str, timeout: float) -> None:
    try:
        response = client.post(endpoint, json=payload)
    except httpx.TimeoutException:
        raise DeliveryFailed(f"{where} tidak menjawab dalam {timeout:g} detik", retryable=True) from None
    except httpx.TransportError as error:
        # httpx's message may hold the URL, and so the token: only the kind of error is shown
        raise DeliveryFailed(
            f"{where} tidak dapat dihubungi ({type(error).__name__})", retryable=True
        ) from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.is_success and isinstance(answer, dict) and answer.get("ok") is True:
        return
    status = response.status_code
    description = answer.get("description") if isinstance(answer, dict) else None
    reason = f"{where} menolak pesan: HTTP {status}" + (f", {description}" if description else "")
    if status == 429 and isinstance(answer, dict):
        retry_after = (answer.get("parameters") or {}).get("retry_after")
        if retry_after is not None:
            reason += f" (coba lagi setelah {retry_after} detik)"
    raise DeliveryFailed(reason, retryable=status >= 500 or status == 429)
