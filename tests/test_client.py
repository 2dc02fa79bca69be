"""The client over real sockets: the simulator for the API, small servers for odd answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp
from aiohttp import web
import pytest

from custom_components.skycentrics.api import (
    DEFAULT_URL,
    SkyCentricsAuthenticationError,
    SkyCentricsClient,
    SkyCentricsConnectionError,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    SkyCentricsResponseError,
    SkyCentricsTimeoutError,
    SkyCentricsUrlError,
    normalize_url,
)
from skycentrics_simulator import (
    FLEET_EV_CHARGER_ID,
    FLEET_PLUG_ID,
    FLEET_SKYBOX_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    SEED_DEVICE_ID,
    Simulator,
)

from .common import CLIENT_ID, CLIENT_SECRET

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session (the client never closes it)."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
async def serve(
    socket_enabled: None,
) -> AsyncGenerator[Callable[[Handler], Awaitable[str]]]:
    """Serve one handler for every path on a free loopback port; return its URL."""
    runners: list[web.AppRunner] = []

    async def _serve(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield _serve
    for runner in runners:
        await runner.cleanup()


def _client(session: aiohttp.ClientSession, url: str, **kwargs: float) -> SkyCentricsClient:
    return SkyCentricsClient(CLIENT_ID, CLIENT_SECRET, session, url=url, **kwargs)  # type: ignore[arg-type]


# --- against the simulator ----------------------------------------------------------------


async def test_list_get_and_data(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    """The three endpoints, signed, over a real socket; one request each."""
    client = _client(session, simulator.url)
    devices = await client.async_get_devices()
    assert [(d.id, d.name, d.mac) for d in devices] == [
        (SEED_DEVICE_ID, "ssb-001-pae-replacement", "2ccf676dadbb")
    ]
    device = await client.async_get_device(SEED_DEVICE_ID)
    assert device.type == 250
    snapshot = await client.async_get_data(SEED_DEVICE_ID)
    assert snapshot.device_id == SEED_DEVICE_ID
    assert len(snapshot.readings) == 60
    assert snapshot.time is not None
    assert abs(snapshot.time - datetime.now(UTC)) < timedelta(minutes=1)
    assert [r[1] for r in simulator.requests] == [
        "/api/devices/",
        f"/api/devices/{SEED_DEVICE_ID}/",
        f"/api/devices/{SEED_DEVICE_ID}/data",
    ]


async def test_the_fleet_through_the_client(session: aiohttp.ClientSession) -> None:
    """Issue 11: every device of the simulator's fleet, listed and read through the client:
    each gives the sensor list and the typed families its payload holds (none fails)."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, fleet=True) as sim:
        client = _client(session, sim.url)
        devices = {d.id: d.type for d in await client.async_get_devices()}
        assert devices == {
            SEED_DEVICE_ID: 250,
            FLEET_WATER_HEATER_ID: 107,
            FLEET_THERMOSTAT_ID: 242,
            FLEET_EV_CHARGER_ID: 110,
            FLEET_SKYBOX_ID: 250,
            FLEET_PLUG_ID: 3,
        }
        families = {}
        for device_id in devices:
            snapshot = await client.async_get_data(device_id)
            held = {
                "sensors": bool(snapshot.readings),
                "cta2045": snapshot.cta2045 is not None,
                "thermostat": snapshot.thermostat is not None,
                "ct": bool(snapshot.ct),
            }
            families[device_id] = {family for family, there in held.items() if there}
    assert families == {
        SEED_DEVICE_ID: {"sensors"},
        FLEET_WATER_HEATER_ID: {"cta2045"},
        FLEET_THERMOSTAT_ID: {"thermostat"},
        FLEET_EV_CHARGER_ID: {"cta2045"},
        FLEET_SKYBOX_ID: {"sensors", "ct"},
        FLEET_PLUG_ID: {"cta2045"},
    }


async def test_wrong_secret_is_an_auth_error(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The simulator checks the signature: a wrong secret gives 401 and its message."""
    client = SkyCentricsClient(CLIENT_ID, "wrong", session, url=simulator.url)
    with pytest.raises(SkyCentricsAuthenticationError) as err:
        await client.async_get_devices()
    assert err.value.status == 401
    assert "wrong" not in str(err.value)


async def test_unknown_device_is_not_found(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A device the keys cannot read is a 404."""
    with pytest.raises(SkyCentricsNotFoundError):
        await _client(session, simulator.url).async_get_data(1)


async def test_clock_skew_is_measured_and_corrected(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A 401 while the clocks differ: adopt the server's time, sign again once, keep it."""
    server_ahead = timedelta(minutes=10)
    simulator.clock = lambda: datetime.now(UTC) + server_ahead
    client = _client(session, simulator.url)
    devices = await client.async_get_devices()
    assert [d.id for d in devices] == [SEED_DEVICE_ID]
    assert abs(client.clock_offset - server_ahead) < timedelta(seconds=3)
    assert abs(client.observed_offset - server_ahead) < timedelta(seconds=3)
    assert [r[2] for r in simulator.requests] == [401, 200]
    await client.async_get_data(SEED_DEVICE_ID)  # the kept offset: no second 401
    assert [r[2] for r in simulator.requests] == [401, 200, 200]
    # The clocks agree again: one refused request, then back to no offset.
    simulator.clock = None
    await client.async_get_data(SEED_DEVICE_ID)
    assert abs(client.clock_offset) < timedelta(seconds=3)
    assert [r[2] for r in simulator.requests][-2:] == [401, 200]


async def test_bad_keys_are_not_retried(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A 401 with the clocks in agreement is a real credential problem: one request, no retry."""
    client = SkyCentricsClient(CLIENT_ID, "wrong", session, url=simulator.url)
    with pytest.raises(SkyCentricsAuthenticationError):
        await client.async_get_data(SEED_DEVICE_ID)
    assert len(simulator.requests) == 1


async def test_skewed_server_and_bad_keys(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Clocks off and keys wrong: one retry with the right time, then the auth error."""
    simulator.clock = lambda: datetime.now(UTC) - timedelta(hours=1)
    client = SkyCentricsClient(CLIENT_ID, "wrong", session, url=simulator.url)
    with pytest.raises(SkyCentricsAuthenticationError):
        await client.async_get_data(SEED_DEVICE_ID)
    assert len(simulator.requests) == 2


async def test_base_url_with_path_prefix(
    serve: Callable[[Handler], Awaitable[str]], session: aiohttp.ClientSession
) -> None:
    """A base URL with a path: the prefix is part of the signed request line."""
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response([])

    url = await serve(handler)
    assert await _client(session, url + "/proxy/").async_get_devices() == []
    assert seen == ["/proxy/api/devices/"]


# --- odd answers --------------------------------------------------------------------------


async def _error(
    serve: Callable[[Handler], Awaitable[str]],
    session: aiohttp.ClientSession,
    response: Callable[[], web.StreamResponse],
    **kwargs: float,
) -> SkyCentricsError:
    async def handler(request: web.Request) -> web.StreamResponse:
        return response()

    client = _client(session, await serve(handler), **kwargs)
    with pytest.raises(SkyCentricsError) as err:
        await client.async_get_data(SEED_DEVICE_ID)
    return err.value


async def test_rate_limit_seconds(
    serve: Callable[[Handler], Awaitable[str]], session: aiohttp.ClientSession
) -> None:
    """429 carries the Retry-After delay."""
    err = await _error(
        serve, session, lambda: web.json_response({}, status=429, headers={"Retry-After": "120"})
    )
    assert isinstance(err, SkyCentricsRateLimitError)
    assert err.retry_after == 120


async def test_rate_limit_http_date(
    serve: Callable[[Handler], Awaitable[str]], session: aiohttp.ClientSession
) -> None:
    """Retry-After may be an HTTP date; garbage means no delay given."""
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    err = await _error(
        serve, session, lambda: web.Response(status=429, headers={"Retry-After": later})
    )
    assert isinstance(err, SkyCentricsRateLimitError)
    assert err.retry_after is not None
    assert 80 < err.retry_after <= 90
    for headers in ({"Retry-After": "soon"}, {}):
        err = await _error(serve, session, lambda h=headers: web.Response(status=429, headers=h))
        assert isinstance(err, SkyCentricsRateLimitError)
        assert err.retry_after is None
    naive = format_datetime(datetime.now(UTC) + timedelta(seconds=60)).replace("+0000", "-0000")
    err = await _error(
        serve, session, lambda: web.Response(status=429, headers={"Retry-After": naive})
    )
    assert isinstance(err, SkyCentricsRateLimitError)
    assert err.retry_after is not None
    assert 50 < err.retry_after <= 60


@pytest.mark.parametrize(
    "date",
    ["Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "garbage", "\u00e9"],
)
async def test_unusable_date_header_is_not_adopted(
    serve: Callable[[Handler], Awaitable[str]], session: aiohttp.ClientSession, date: str
) -> None:
    """The API's 401 with an absurd Date: no clock adopted (year 9999 would overflow ours),
    no second request, and the error carries no server date."""
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.path)
        return web.json_response(
            {"error": {"message": "invalid signature"}}, status=401, headers={"Date": date}
        )

    client = _client(session, await serve(handler))
    with pytest.raises(SkyCentricsAuthenticationError):
        await client.async_get_data(SEED_DEVICE_ID)
    assert client.observed_offset == timedelta(0)
    assert client.clock_offset == timedelta(0)
    assert len(seen) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors(
    serve: Callable[[Handler], Awaitable[str]], session: aiohttp.ClientSession, status: int
) -> None:
    """5xx with an HTML page from a proxy: a response error with the status."""
    err = await _error(
        serve,
        session,
        lambda: web.Response(
            status=status, text="<html>Bad gateway</html>", content_type="text/html"
        ),
    )
    assert isinstance(err, SkyCentricsResponseError)
    assert err.status == status
    assert f"HTTP {status}" in str(err)


async def test_error_message_is_kept(
    serve: Callable[[Handler], Awaitable[str]], session: aiohttp.ClientSession
) -> None:
    """The API's {"error": {"message": ...}} is part of the error text."""
    err = await _error(
        serve,
        session,
        lambda: web.json_response({"error": {"message": "Forbidden device"}}, status=403),
    )
    assert isinstance(err, SkyCentricsAuthenticationError)
    assert err.status == 403
    assert "Forbidden device" in str(err)


@pytest.mark.parametrize(
    "body", ["<html>maintenance</html>", '{"device": 1, "sensors": [', "", "[1, 2]"]
)
async def test_unreadable_bodies(
    serve: Callable[[Handler], Awaitable[str]], session: aiohttp.ClientSession, body: str
) -> None:
    """A 200 whose body is not a usable snapshot is a response error."""
    err = await _error(serve, session, lambda: web.Response(text=body))
    assert isinstance(err, SkyCentricsResponseError)


async def test_oversized_body(
    serve: Callable[[Handler], Awaitable[str]], session: aiohttp.ClientSession
) -> None:
    """Bodies over the cap are refused, with or without a Content-Length."""
    err = await _error(
        serve, session, lambda: web.Response(body=b"x" * 5000), max_response_bytes=1000
    )
    assert isinstance(err, SkyCentricsResponseError)
    assert "exceeds 1000" in str(err)

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(10):
            await response.write(b"y" * 500)
        await response.write_eof()
        return response

    client = _client(session, await serve(chunked), max_response_bytes=1000)
    with pytest.raises(SkyCentricsResponseError, match="exceeds 1000"):
        await client.async_get_data(SEED_DEVICE_ID)


async def test_timeout(
    serve: Callable[[Handler], Awaitable[str]], session: aiohttp.ClientSession
) -> None:
    """A server slower than the request timeout is a timeout (a connection error)."""

    release = asyncio.Event()
    done = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        done.set()
        return web.json_response({})

    client = _client(session, await serve(slow), request_timeout=0.1)
    with pytest.raises(SkyCentricsTimeoutError) as err:
        await client.async_get_data(SEED_DEVICE_ID)
    assert isinstance(err.value, SkyCentricsConnectionError)
    release.set()  # let the server's handler end before the test does
    await asyncio.wait_for(done.wait(), 5)


async def test_connection_refused(session: aiohttp.ClientSession) -> None:
    """Nothing listening: a connection error."""
    with pytest.raises(SkyCentricsConnectionError):
        await _client(session, "http://127.0.0.1:9").async_get_devices()


# --- URLs and secrets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("https://api.skycentrics.com/", "https://api.skycentrics.com"),
        (" https://example.com/base/ ", "https://example.com/base"),
        ("http://127.0.0.1:8099", "http://127.0.0.1:8099"),
        ("http://localhost:1", "http://localhost:1"),
        ("http://[::1]:8099/", "http://[::1]:8099"),
    ],
)
def test_accepted_urls(url: str, normalized: str) -> None:
    """https anywhere; plain http only on loopback."""
    assert normalize_url(url) == normalized


@pytest.mark.parametrize(
    "url",
    [
        "http://api.skycentrics.com",
        "http://192.168.1.10",
        "ftp://example.com",
        "api.skycentrics.com",
        "https://user:pw@example.com",
        "https://example.com/?x=1",
    ],
)
def test_refused_urls(url: str) -> None:
    """Anything else is refused with a clear reason."""
    with pytest.raises(SkyCentricsUrlError):
        normalize_url(url)


def test_repr_hides_the_keys(session: aiohttp.ClientSession) -> None:
    """Neither the id nor the secret appears in the client's repr."""
    client = SkyCentricsClient(CLIENT_ID, CLIENT_SECRET, session)
    assert client.url == DEFAULT_URL
    assert CLIENT_SECRET not in repr(client)
    assert CLIENT_ID not in repr(client)
