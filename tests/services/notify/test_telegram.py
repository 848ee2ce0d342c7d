"""Telegram through a local fake of the Bot API (fakes/telegram_api.py) that answers as api.telegram.org."""

from __future__ import annotations

import pytest

from fakes.telegram_api import running_telegram_api
from services.notify.errors import DeliveryFailed
from services.notify.telegram import MESSAGE_LIMIT, send_telegram, split_message

TOKEN = "123456:AAF-rahasia-bot-token"
CHAT = "-1001234567890"


def test_message_is_sent_as_plain_text_without_link_previews() -> None:
    with running_telegram_api(TOKEN, [CHAT]) as api:
        send_telegram(api.api_base, TOKEN, CHAT, "Disposisi laporan #123: <b>Lampu</b> mati")
    [message] = api.messages
    assert (message.chat_id, message.text) == (CHAT, "Disposisi laporan #123: <b>Lampu</b> mati")
    assert "parse_mode" not in message.request
    assert message.request["link_preview_options"] == {"is_disabled": True}


def test_a_wrong_token_is_permanent_and_never_shown() -> None:
    with running_telegram_api(TOKEN, [CHAT]) as api, pytest.raises(DeliveryFailed) as failure:
        send_telegram(api.api_base, "999:token-lama", CHAT, "halo")
    assert not failure.value.retryable
    assert failure.value.reason == f"Telegram (chat {CHAT}) menolak pesan: HTTP 401, Unauthorized"
    assert "token-lama" not in failure.value.reason


@pytest.mark.parametrize(
    ("chat", "detail"),
    [
        ("-100999", "HTTP 400, Bad Request: chat not found"),
        ("-100777", "HTTP 403, Forbidden: bot was kicked"),
    ],
)
def test_unknown_chat_or_removed_bot_is_permanent(chat: str, detail: str) -> None:
    fake = running_telegram_api(TOKEN, [CHAT, "-100777"], kicked_from=["-100777"])
    with fake as api, pytest.raises(DeliveryFailed) as failure:
        send_telegram(api.api_base, TOKEN, chat, "halo")
    assert not failure.value.retryable
    assert detail in failure.value.reason


def test_rate_limit_is_retryable_and_says_when() -> None:
    with running_telegram_api(TOKEN, [CHAT], rate_limited_first=1) as api:
        with pytest.raises(DeliveryFailed) as failure:
            send_telegram(api.api_base, TOKEN, CHAT, "halo")
        assert failure.value.retryable
        assert "HTTP 429" in failure.value.reason and "coba lagi setelah 3 detik" in failure.value.reason
        send_telegram(api.api_base, TOKEN, CHAT, "halo")
    assert [message.text for message in api.messages] == ["halo"]


def test_a_long_digest_goes_in_parts_cut_at_lines() -> None:
    lines = [f"- #{number} Lampu jalan mati di Jalan Poros Sangatta KM {number}" for number in range(400)]
    text = "\n".join(lines) + "\n"
    with running_telegram_api(TOKEN, [CHAT]) as api:
        send_telegram(api.api_base, TOKEN, CHAT, text)
    assert len(api.messages) > 1
    assert "".join(message.text for message in api.messages) == text
    assert all(message.text.endswith("\n") for message in api.messages)


def test_split_counts_as_telegram_does() -> None:
    """Characters outside the BMP count twice: 3000 emoji are 6000 units, two messages."""
    text = "🚧" * 3000
    parts = split_message(text)
    assert "".join(parts) == text
    assert [len(part.encode("utf-16-le")) // 2 for part in parts] == [MESSAGE_LIMIT, 6000 - MESSAGE_LIMIT]
    assert split_message("pendek") == ["pendek"]


def test_telegram_unreachable_is_retryable_and_hides_the_token(closed_port: int) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        send_telegram(f"http://127.0.0.1:{closed_port}", TOKEN, CHAT, "halo")
    assert failure.value.retryable
    assert TOKEN not in failure.value.reason and "rahasia" not in failure.value.reason
    assert failure.value.__cause__ is None and failure.value.__suppress_context__


def test_a_silent_api_times_out_and_is_retryable(silent_port: int) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        send_telegram(f"http://127.0.0.1:{silent_port}", TOKEN, CHAT, "halo", timeout=0.3)
    assert failure.value.retryable
    assert "tidak menjawab dalam 0.3 detik" in failure.value.reason
