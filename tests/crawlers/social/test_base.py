"""The connectors' shared contract: credentials never surface in an error, an error answer is kept whole for
the connector to read, scripts other than Latin are recognised, and skips are counted by known reasons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crawlers.social.base import ConnectorError, RateLimited, Tally, get_json, other_script, redact_secrets

META_TOKEN = "EAAGm0PX4ZCpsBAKZBx9ZCx3xyzZAbc123def456"
GOOGLE_KEY = "AIzaSyA-1234567890abcdefghijklmnopqrstu"


@pytest.mark.parametrize(
    "leaky",
    [
        f"https://graph.facebook.com/v27.0/me?access_token={META_TOKEN}&limit=5",
        f"Invalid OAuth access token - Cannot parse access token: {META_TOKEN}",
        "Malformed access token 1234567890123|abcdefghijklmnopqrstuvwx",
        f"https://www.googleapis.com/youtube/v3/commentThreads?key={GOOGLE_KEY}",
        "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI",
        "token IGQVJYeUk4NjRqaWxLdTZAaaBbCcDdEeFf rejected",
        "an unknown token 9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928 in the message",
        "https://example.invalid/v1/search?q=jalan&api_key=Zq9xW3e7R1tY5uI8oP2aS6dF",
    ],
)
def test_no_credential_survives_in_a_message(leaky: str) -> None:
    redacted = redact_secrets(leaky)
    assert "REDACTED" in redacted
    secrets = (META_TOKEN, GOOGLE_KEY, "abcdefghijklmnopqrstuvwx", "JSI", "IGQVJ", "9f8e7d6c5b4a", "Zq9xW3e7")
    for secret in secrets:
        assert secret not in redacted
    assert "REDACTED" in str(ConnectorError(leaky))  # every connector error is redacted when made


def test_ordinary_links_ids_and_field_lists_are_kept() -> None:
    text = (
        "https://kaltim.tribunnews.com/2026/11/29/jalan-rusak-di-desa-sangatta-utara-belum-diperbaiki-2026 "
        "post 1859012345678901250, place 64.08.01.2001, "
        "tweet.fields=created_at%2Cpublic_metrics%2Cauthor_id%2Cconversation_id%2Creferenced_tweets"
    )
    assert redact_secrets(text) == text


def test_an_error_answer_is_kept_whole_and_without_the_token(replay: Any) -> None:
    padding = "x" * 5000  # longer than any excerpt a message carries
    error = {
        "error": {
            "message": f"Error validating access token: {META_TOKEN} {padding}",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": "AbCdEfGh",
        }
    }
    replay.add("/v27.0/me", 400, {"Content-Type": "application/json", "X-App-Usage": '{"call_count":9}'},
               json.dumps(error))  # fmt: skip
    with pytest.raises(ConnectorError) as raised:
        get_json(f"{replay.base_url}/v27.0/me?access_token={META_TOKEN}")
    answer = json.loads(raised.value.body)
    assert answer["error"]["error_subcode"] == 463 and answer["error"]["message"].endswith(padding)
    assert META_TOKEN not in raised.value.body and META_TOKEN not in str(raised.value)
    assert raised.value.headers["x-app-usage"] == '{"call_count":9}'


def test_a_rate_limit_keeps_its_answer_too(replay: Any) -> None:
    headers = {"Content-Type": "application/json", "x-rate-limit-reset": "1"}
    body = '{"title": "Too Many Requests", "type": "about:blank", "status": 429}'
    replay.add("/2/tweets/search/recent", 429, headers, body)
    with pytest.raises(RateLimited) as raised:
        get_json(f"{replay.base_url}/2/tweets/search/recent")
    assert json.loads(raised.value.body)["title"] == "Too Many Requests"
    assert raised.value.headers["x-rate-limit-reset"] == "1"


def test_other_scripts_are_told_from_latin_text_with_emoji() -> None:
    assert other_script("جلان روساك دي دسا")
    assert other_script("ถนนเสียหายมาก")
    assert not other_script("jalan rusak parah 😡🙏 #kutim")
    assert not other_script("Jalan rusák, lampu mati é")
    assert not other_script("道路 jalan di desa rusak parah")  # Latin letters are most of it
    assert not other_script("")


def test_skips_are_counted_by_known_reasons_only() -> None:
    tally = Tally(read=3)
    tally.skip("no_text")
    tally.skip("no_text")
    page = tally.page([], "42")
    assert (page.read, page.skipped, page.cursor) == (3, {"no_text": 2}, "42")
    with pytest.raises(ValueError):
        tally.skip("boring")
