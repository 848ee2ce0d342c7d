"""Request bodies are capped while they stream in: a form is small, and only the route that takes files takes
more. A body announced larger than the cap is refused before it is read (413), one that turns out larger as
soon as the cap is passed, so no request can make the console spool megabytes before a login or CSRF check."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.types import Message, Receive

FORM_BYTES = 256 * 1024  # the longest form (a report's corrections, a watchlist query) is a few kilobytes
FORM_TOO_LARGE = "Kiriman terlalu besar untuk formulir ini."


def _capped(receive: Receive, limit: int, message: str) -> Receive:
    """``receive`` that refuses the request (413) as soon as more than ``limit`` bytes of body came in."""
    received = 0

    async def capped() -> Message:
        nonlocal received
        got = await receive()
        if got["type"] == "http.request":
            received += len(got.get("body", b""))
            if received > limit:
                raise HTTPException(status_code=413, detail=message)
        return got

    return capped


def capped_route(limit: int, message: str) -> type[APIRoute]:
    """A route class whose request bodies may not exceed ``limit`` bytes (refused with ``message``)."""

    class CappedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def capped_handler(request: Request) -> Response:
                announced = request.headers.get("content-length", "")
                if announced.isdigit() and int(announced) > limit:
                    raise HTTPException(status_code=413, detail=message)
                return await handler(Request(request.scope, _capped(request.receive, limit, message)))

            return capped_handler

    return CappedRoute


FormRoute = capped_route(FORM_BYTES, FORM_TOO_LARGE)  # every console route but the upload
