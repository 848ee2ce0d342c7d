"""The API through its ASGI interface: tokens made in the console, incidents listed a page at a time with the
queue's filters, ETags, problem+json errors, the rate limit per token, the reference at /api/docs, and every
endpoint with every role (no OPD reads another's report, no region another's)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from db.models import AuditLog, User
from services import actions, api_tokens
from services.accounts import active_account
from services.actions import Actor
from services.api_tokens import TokenError
from tests.web.conftest import ACCOUNTS

OPERATOR = Actor("user:uji")


def _token(console, username: str) -> str:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        user_id = session.scalars(select(User.id).where(User.username == username)).one()
    account = active_account(console.runtime, user_id)
    assert account is not None
    plain, _ = api_tokens.make_token(console.runtime, account, f"uji {username}")
    return plain


def _get(client: TestClient, path: str, token: str | None, **headers: str) -> Any:
    sent = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, headers={**sent, **headers})


def test_a_token_made_in_the_console_lists_incidents_page_by_page(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    made = [queued_report(console.runtime, title=f"Jalan rusak {n}") for n in range(5)]
    rubbish = queued_report(console.runtime, title="Sampah menumpuk", function="SAMPAH", agency="DLH")
    browser = console.client("operator")
    page = browser.post(
        "/token-api", data={"nama": "sistem aduan", "csrf_token": console.csrf(browser, "/token-api")}
    )
    token = re.search(r'id="token-baru">(pnt_[^<]+)<', page.text).group(1)  # type: ignore[union-attr]
    assert page.headers["cache-control"] == "no-store"
    assert token not in browser.get("/token-api").text  # shown once

    api = console.client()
    first = _get(api, "/api/v1/incidents?limit=4", token)
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    body = first.json()
    assert [item["id"] for item in body["items"]] == [*made[:4]]
    assert body["items"][0]["agency"] == "PUPR" and body["items"][0]["source_links"]
    second = _get(api, f"/api/v1/incidents?limit=4&cursor={body['next_cursor']}", token).json()
    assert [item["id"] for item in second["items"]] == [made[4], rubbish] and second["next_cursor"] is None
    only = _get(api, "/api/v1/incidents?function=SAMPAH", token).json()["items"]
    assert [item["id"] for item in only] == [rubbish]

    again = _get(api, "/api/v1/incidents?limit=4", token, **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    actions.reject(console.runtime, made[0], actor=OPERATOR, code=actions.RejectReason.SPAM)
    changed = _get(api, "/api/v1/incidents?limit=4", token, **{"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200 and changed.headers["etag"] != first.headers["etag"]

    one = _get(api, f"/api/v1/reports/{rubbish}", token).json()
    assert one["title"].startswith("Sampah menumpuk") and one["function"] == "SAMPAH"


def test_errors_are_problem_details(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    token = _token(console, "operator")
    api = console.client()
    for answer, status in (
        (_get(api, "/api/v1/incidents", None), 401),
        (_get(api, "/api/v1/incidents", "pnt_salah"), 401),
        (_get(api, "/api/v1/incidents?cursor=xyz", token), 400),
        (_get(api, "/api/v1/incidents?status=entah", token), 400),
        (_get(api, "/api/v1/incidents?limit=0", token), 422),
        (_get(api, "/api/v1/reports/999999", token), 404),
    ):
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == status and answer.json()["detail"]
    assert _get(api, "/api/v1/incidents", None).headers["www-authenticate"].startswith("Bearer")

    with console.runtime.sessions() as session:
        user = session.scalars(select(User).where(User.username == "operator")).one()
        account = active_account(console.runtime, user.id)
    assert account is not None
    token_id = api_tokens.tokens_of(console.runtime, account)[0].id
    api_tokens.revoke_token(console.runtime, account, token_id)
    assert _get(api, "/api/v1/incidents", token).status_code == 401
    with pytest.raises(TokenError):
        other = active_account(console.runtime, user.id + 1)
        assert other is not None
        api_tokens.revoke_token(console.runtime, other, token_id)  # not theirs


def test_a_token_is_limited_to_its_requests_a_minute(console) -> None:  # type: ignore[no-untyped-def]
    token = _token(console, "manajer")
    api = console.client()
    mounted = next(route.app for route in api.app.routes if getattr(route, "path", "") == "/api")  # type: ignore[attr-defined]
    mounted.state.token_limiter.max_attempts = 3
    assert [_get(api, "/api/v1/incidents", token).status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = _get(api, "/api/v1/incidents", token)
    assert (
        refused.headers["content-type"] == "application/problem+json"
        and int(refused.headers["retry-after"]) >= 1
    )
    assert (
        _get(api, "/api/v1/incidents", _token(console, "operator")).status_code == 200
    )  # each token its own


def test_the_reference_and_the_openapi_document(console) -> None:  # type: ignore[no-untyped-def]
    api = console.client()
    schema = api.get("/api/openapi.json").json()
    assert {"/v1/incidents", "/v1/reports/{report_id}"} <= set(schema["paths"])
    page = api.get("/api/docs")
    assert page.status_code == 200 and "GET /api/v1/incidents" in page.text
    assert 'src="http' not in page.text  # nothing from a CDN


# what each viewer gets from each endpoint: the report is of 64.08, forwarded to PUPR
API_MATRIX = {
    "/api/v1/incidents": {
        None: 401, "operator": 200, "manajer": 200, "pimpinan": 200, "pupr": 403, "dlh": 403,
        "operator-banjarbaru": 200,
    },
    "/api/v1/reports/{report_id}": {
        None: 401, "operator": 200, "manajer": 200, "pimpinan": 200, "pupr": 200, "dlh": 404,
        "operator-banjarbaru": 404,
    },
    "/api/v1/dashboard": {
        None: 401, "operator": 200, "manajer": 200, "pimpinan": 200, "pupr": 403, "dlh": 403,
        "operator-banjarbaru": 200,
    },
    "/api/v1/inbox": {
        None: 401, "operator": 403, "manajer": 403, "pimpinan": 403, "pupr": 200, "dlh": 200,
        "operator-banjarbaru": 403,
    },
}  # fmt: skip
ADMIN_ONLY = {None: 401, "operator": 409, "manajer": 409, "pimpinan": 403, "pupr": 403, "dlh": 404,
              "operator-banjarbaru": 404}  # fmt: skip
OPD_TOO = {**ADMIN_ONLY, "pupr": 409}
# each POST with a stale version: who may act is told the report changed (409), and nothing is written
API_POSTS = {
    "/api/v1/reports/{report_id}/approve": ADMIN_ONLY,
    "/api/v1/reports/{report_id}/reject": ADMIN_ONLY,
    "/api/v1/reports/{report_id}/file": ADMIN_ONLY,
    "/api/v1/reports/{report_id}/tracking-id": ADMIN_ONLY,
    "/api/v1/reports/{report_id}/forward": ADMIN_ONLY,
    "/api/v1/reports/{report_id}/acknowledge": OPD_TOO,
    "/api/v1/reports/{report_id}/follow-up": OPD_TOO,
}
STALE = {
    "version": 99,
    "code": "spam",
    "tracking_id": "7000009",
    "note": "",
    "text": "Sudah diperbaiki hari ini.",
}


def test_every_endpoint_with_every_role(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    from web.api.app import create_api

    documented = set(create_api(console.runtime).openapi()["paths"])
    assert documented == {path.removeprefix("/api") for path in {**API_MATRIX, **API_POSTS}}
    report_id = queued_report(console.runtime, title="Jalan berlubang untuk PUPR")
    actions.approve(console.runtime, report_id, actor=OPERATOR, mode=actions.LaporMode.MANUAL)
    actions.record_tracking_id(console.runtime, report_id, "7500001", actor=OPERATOR)
    tokens = {name: _token(console, name) for name in ACCOUNTS}
    api = console.client()
    for path, expected in API_MATRIX.items():
        assert set(expected) == {None, *ACCOUNTS}
        for viewer, status in expected.items():
            answer = _get(api, path.format(report_id=report_id), tokens[viewer] if viewer else None)
            assert answer.status_code == status, f"GET {path} as {viewer}: {answer.status_code}"
    listed = _get(api, "/api/v1/incidents", tokens["operator-banjarbaru"]).json()["items"]
    assert listed == []  # another region's incidents never
    figures = _get(api, "/api/v1/dashboard", tokens["pimpinan"]).json()
    assert figures["funnel"][0] == {**figures["funnel"][0], "name": "Terdeteksi", "count": 1}
    assert figures["period"]["first"] <= figures["period"]["last"]
    assert _get(api, "/api/v1/dashboard?quarter=2026Q9", tokens["pimpinan"]).status_code == 400
    rubbish = _get(api, "/api/v1/dashboard?function=SAMPAH", tokens["pimpinan"]).json()
    assert rubbish["total"] == 0 and "fungsi=SAMPAH" in rubbish["funnel"][0]["link"]
    inbox = _get(api, "/api/v1/inbox", tokens["pupr"]).json()
    assert [item["id"] for item in inbox["items"]] == [report_id] and inbox["items"][0]["deadline"]["text"]
    assert _get(api, "/api/v1/inbox", tokens["dlh"]).json()["items"] == []
    pimpinan = _get(api, f"/api/v1/reports/{report_id}", tokens["pimpinan"]).json()
    assert (
        "source_links" not in pimpinan
        and "source_links" in _get(api, f"/api/v1/reports/{report_id}", tokens["operator"]).json()
    )
    with console.runtime.sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditLog))
    for path, expected in API_POSTS.items():
        assert set(expected) == {None, *ACCOUNTS}
        for viewer, status in expected.items():
            sent = {"Authorization": f"Bearer {tokens[viewer]}"} if viewer else {}
            answer = api.post(path.format(report_id=report_id), json=STALE, headers=sent)
            assert answer.status_code == status, (
                f"POST {path} as {viewer}: {answer.status_code} {answer.text}"
            )
            assert answer.headers["content-type"] == "application/problem+json"
    with console.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditLog)) == before


def test_a_report_goes_from_the_queue_to_the_opds_answer_through_the_api(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime, title="Jalan berlubang untuk PUPR")
    operator, pupr = _token(console, "operator"), _token(console, "pupr")
    api = console.client()

    def post(token: str, action: str, **body: object) -> Any:
        return api.post(
            f"/api/v1/reports/{report_id}/{action}", json=body, headers={"Authorization": f"Bearer {token}"}
        )

    version = _get(api, f"/api/v1/reports/{report_id}", operator).json()["version"]
    approved = post(operator, "approve", version=version, mode="manual", title="Jalan berlubang di Bengalon")
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    stale = post(operator, "reject", version=version, code="spam")
    assert stale.status_code == 409 and "sudah diubah" in stale.json()["detail"]
    assert post(operator, "reject", version=approved.json()["version"], code="entah").status_code == 422
    filed = post(operator, "tracking-id", version=approved.json()["version"], tracking_id="7600001")
    assert filed.json()["status"] == "forwarded" and filed.json()["tracking_id"] == "7600001"
    taken = post(pupr, "acknowledge", version=filed.json()["version"])
    assert taken.json()["status"] == "acknowledged"
    assert post(pupr, "follow-up", version=taken.json()["version"], text="pendek").status_code == 422
    answered = post(
        pupr, "follow-up", version=taken.json()["version"], text="Lubang sudah ditambal hari ini."
    )
    assert answered.status_code == 200 and answered.json()["status"] == "followed_up"
    record = _get(api, f"/api/v1/reports/{report_id}", pupr).json()
    assert record["title"] == "Jalan berlubang di Bengalon" and record["followed_up_at"]
    with console.runtime.sessions() as session:
        actors = set(session.scalars(select(AuditLog.actor).where(AuditLog.entity_id == report_id)))
    assert {"user:operator", "user:pupr"} <= actors
