"""Every console route caps its request body: a form larger than a form can be is refused (413) before a
login or CSRF check reads it, whether its size is announced or it streams in without one."""

from __future__ import annotations

from collections.abc import Iterator

from tests.web.conftest import Console
from web.body_limit import FORM_BYTES


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size


def test_a_form_larger_than_the_cap_is_refused_announced_or_streamed(console: Console) -> None:
    client = console.client()
    announced = client.post("/masuk", content=b"u=" + b"x" * (FORM_BYTES + 1), follow_redirects=False)
    assert announced.status_code == 413
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    streamed = client.post("/masuk", content=_chunks(4 * FORM_BYTES), headers=form, follow_redirects=False)
    assert streamed.status_code == 413
    assert "terlalu besar" in streamed.text


def test_a_form_within_the_cap_is_read(console: Console) -> None:
    client = console.client()
    token = console.csrf(client)
    answer = client.post(
        "/masuk",
        data={"username": "operator", "password": "salah" * 100, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 400  # read and refused as a wrong password, not as too large
