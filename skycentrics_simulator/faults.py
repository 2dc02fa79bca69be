"""Fault builders for `Simulator.add_fault`: how a real cloud API misbehaves.

    sim.add_fault(faults.status(503))                 # the next request gets a 503
    sim.add_fault(faults.status(429, retry_after=120), times=3)
    sim.add_fault(faults.delay(30))                   # slower than the client's timeout
    sim.add_fault(faults.drop())                      # connection closed without an answer
    sim.add_fault(faults.html())                      # a proxy's HTML error page
    sim.add_fault(faults.invalid_json())              # 200 with a body that is not JSON
    sim.add_fault(faults.truncated_json())            # the real answer, cut in half
    sim.add_fault(faults.oversized(8 * 1024 * 1024))  # a body far larger than any answer
    sim.add_fault(faults.body("<html>…</html>", code=403, content_type="text/html"))
    sim.add_fault(faults.rewrite('"@@X@@"', "9" * 5000))  # a literal no encoder writes
    sim.add_fault(faults.edit_json(lambda records: records[:3]))  # any change to the JSON

The server's clock is `sim.clock`; readings change with `sim.set_value`, `add_sensor` and
`remove_sensor` (null, NaN, strings, values going backwards...).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import gzip
import json
from typing import Any

from aiohttp import web

from .server import Fault, Handler


def status(
    code: int, *, retry_after: float | str | None = None, message: str = "injected"
) -> Fault:
    """Answer with HTTP ``code`` and a SkyCentrics JSON error (and Retry-After, if given: a
    number of seconds, or a text sent as it is)."""
    value = (
        retry_after if isinstance(retry_after, str) or retry_after is None else f"{retry_after:g}"
    )

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        headers = {"Retry-After": value} if value is not None else None
        return web.json_response({"error": {"message": message}}, status=code, headers=headers)

    return fault


def html(code: int = 502) -> Fault:
    """Answer with an HTML error page, as a proxy in front of the API would."""

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        body = f"<html><body><h1>{code} Bad Gateway</h1><p>nginx</p></body></html>"
        return web.Response(status=code, text=body, content_type="text/html")

    return fault


def delay(seconds: float) -> Fault:
    """Answer normally, after ``seconds`` (longer than the client's timeout, typically)."""

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return await handler(request)

    return fault


def drop() -> Fault:
    """Close the connection without answering."""

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.abort()
        raise ConnectionResetError("dropped by the simulator")

    return fault


def invalid_json() -> Fault:
    """Answer 200 with a body that is not JSON."""

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        return web.Response(text="{'device': oops", content_type="application/json")

    return fault


def truncated_json() -> Fault:
    """Answer 200 with the real answer cut in half."""

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        body = response.body if isinstance(response, web.Response) else b""
        assert isinstance(body, bytes)
        return web.Response(body=body[: len(body) // 2], content_type="application/json")

    return fault


def oversized(size: int) -> Fault:
    """Answer 200 with a valid JSON document of about ``size`` bytes."""

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        filler = "x" * max(0, size)
        return web.Response(text=json.dumps({"padding": filler}), content_type="application/json")

    return fault


def replay(payload: object) -> Fault:
    """Answer 200 with this JSON document (e.g. an old snapshot: readings that stopped)."""

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        return web.json_response(payload)

    return fault


def body(
    content: bytes | str,
    *,
    code: int = 200,
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
) -> Fault:
    """Answer with exactly this body: JSON no encoder writes, a proxy's page, odd headers..."""

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = content.encode() if isinstance(content, str) else content
        return web.Response(body=raw, status=code, content_type=content_type, headers=headers)

    return fault


def rewrite(old: bytes | str, new: bytes | str) -> Fault:
    """Answer normally, with ``old`` replaced by ``new`` in the body.

    Set a value to a placeholder with `Simulator.set_value`, then put in its place what no JSON
    encoder writes: a 5,000-digit integer, a lone surrogate escape, nesting 100,000 deep.
    """
    old_raw = old.encode() if isinstance(old, str) else old
    new_raw = new.encode() if isinstance(new, str) else new

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        raw = response.body if isinstance(response, web.Response) else b""
        assert isinstance(raw, bytes)
        assert old_raw in raw, "the placeholder is not in the answer"
        return web.Response(
            body=raw.replace(old_raw, new_raw),
            status=response.status,
            content_type="application/json",
        )

    return fault


def edit_json(edit: Callable[[Any], Any]) -> Fault:
    """Answer normally, with the decoded JSON answer replaced by ``edit(answer)``.

    A gzip answer (history for `Accept: application/gzip`) stays gzip, with its content type.
    E.g. break one history record, or one sensor of one record, and leave the rest intact.
    """

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        raw = response.body if isinstance(response, web.Response) else b""
        assert isinstance(raw, bytes)
        zipped = raw.startswith(b"\x1f\x8b")
        text = json.dumps(edit(json.loads(gzip.decompress(raw) if zipped else raw)))
        body = gzip.compress(text.encode(), mtime=0) if zipped else text.encode()
        return web.Response(body=body, status=response.status, content_type=response.content_type)

    return fault
