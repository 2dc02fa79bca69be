"""Issue 11: demand response through the real client, against the simulator over real sockets
with its real signature checks (content type and body MD5 included), and against small servers
for the answers the simulator does not give."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.skycentrics.api import (
    SkyCentricsAuthenticationError,
    SkyCentricsClient,
    SkyCentricsConnectionError,
    SkyCentricsControlRefusedError,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    SkyCentricsResponseError,
    SkyCentricsTimeoutError,
    Snapshot,
)
from custom_components.skycentrics.api.signing import api_token, http_date, request_line
from skycentrics_simulator import (
    FLEET_EV_CHARGER_ID,
    FLEET_SKYBOX_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    SEED_DEVICE_ID,
    Simulator,
    faults,
)
from skycentrics_simulator.auth import signature as simulator_signature

from .common import CLIENT_ID, CLIENT_SECRET

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

WATER_HEATER = FLEET_WATER_HEATER_ID
CHARGER = FLEET_EV_CHARGER_ID


class ShiftedClock:
    """The real time plus a shift a test moves (the simulator's virtual time)."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
async def simulator(socket_enabled: None, clock: ShiftedClock) -> AsyncGenerator[Simulator]:
    """The simulator with its fleet, on virtual time; any Date is accepted, so that the
    virtual clock may jump ahead of the client's (the signature is checked all the same)."""
    async with Simulator(
        clients={CLIENT_ID: CLIENT_SECRET}, fleet=True, clock=clock, date_tolerance=1e9
    ) as sim:
        yield sim


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def client(simulator: Simulator, session: aiohttp.ClientSession) -> SkyCentricsClient:
    return SkyCentricsClient(CLIENT_ID, CLIENT_SECRET, session, url=simulator.url)


@pytest.fixture
async def serve(socket_enabled: None) -> AsyncGenerator[Callable[[Handler], Awaitable[str]]]:
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
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    yield _serve
    for runner in runners:
        await runner.cleanup()


async def _state(client: SkyCentricsClient, device_id: int) -> dict[str, Any]:
    """The CTA-2045 fields a device reports, through the client: ``state``, ``relay``,
    ``power``, ``commodity_{code}_{instantaneous|cumulative}`` -> value."""
    cta2045 = (await client.async_get_data(device_id)).cta2045
    assert cta2045 is not None
    found = {
        name: measure.value
        for name in ("state", "relay", "power")
        if (measure := getattr(cta2045, name)) is not None
    }
    for code, commodity in cta2045.commodities.items():
        for name in ("instantaneous", "cumulative"):
            if (measure := getattr(commodity, name)) is not None:
                found[f"commodity_{code}_{name}"] = measure.value
    return found


def _fields(snapshot: Snapshot) -> tuple[Any, ...]:
    """What a snapshot holds (not the values): sensor ids, the families' fields, CT ids."""
    families = [snapshot.cta2045, snapshot.thermostat]
    return (
        set(snapshot.readings),
        *(
            None if family is None else {f.name for f in fields(family) if getattr(family, f.name)}
            for family in families
        ),
        [channel.id for channel in snapshot.ct],
    )


# --- requests as sent -----------------------------------------------------------------------


async def test_the_three_commands_as_the_simulator_received_them(
    simulator: Simulator, client: SkyCentricsClient
) -> None:
    """Each call is one signed PUT with the documented JSON body; the simulator's signature
    check (content type and body MD5 included) accepts every one."""
    await client.async_start_event(WATER_HEATER, "LU", 900)
    await client.async_start_event(WATER_HEATER, "CPE", 60)
    await client.async_start_event(CHARGER, "GE", 86_400)
    await client.async_shed_load(WATER_HEATER, 1)
    await client.async_end_shed(WATER_HEATER)
    heater = f"/api/devices/{WATER_HEATER}"
    assert simulator.control_requests == [
        ("PUT", f"{heater}/event", {"event": "LU", "duration": 900}),
        ("PUT", f"{heater}/event", {"event": "CPE", "duration": 60}),
        ("PUT", f"/api/devices/{CHARGER}/event", {"event": "GE", "duration": 86400}),
        ("PUT", f"{heater}/load_shed", {"s": 1, "duration": 1}),
        ("PUT", f"{heater}/load_shed", {"s": 0, "duration": 0}),
    ]
    assert [status for _, _, status in simulator.requests] == [200] * 5


async def test_exact_bytes_and_signature(
    serve: Callable[[Handler], Awaitable[str]], session: aiohttp.ClientSession
) -> None:
    """What goes on the wire: compact JSON, Content-Type application/json (no charset), and a
    token whose signature an independent signer (the simulator's) computes from the very
    request line, Date, content type and body bytes received."""
    seen: list[tuple[str, str, str, bytes, str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(
            (
                request.method,
                request.raw_path,
                request.headers["Content-Type"],
                await request.read(),
                request.headers["Date"],
                request.headers["x-sc-api-token"],
            )
        )
        return web.Response(status=202)

    url = await serve(handler)
    client = SkyCentricsClient(CLIENT_ID, CLIENT_SECRET, session, url=url)
    await client.async_start_event(42, "GE", 3600)
    await client.async_shed_load(42, 7200)
    await client.async_end_shed(42)
    assert [(m, p, t, b) for m, p, t, b, _, _ in seen] == [
        ("PUT", "/api/devices/42/event", "application/json", b'{"event":"GE","duration":3600}'),
        ("PUT", "/api/devices/42/load_shed", "application/json", b'{"s":1,"duration":7200}'),
        ("PUT", "/api/devices/42/load_shed", "application/json", b'{"s":0,"duration":0}'),
    ]
    for method, path, content_type, body, date, token in seen:
        expected = simulator_signature(
            CLIENT_SECRET, f"{method} {path} HTTP/1.1", date, content_type, body
        )
        assert token == f"{CLIENT_ID}:{expected}"
        unsigned_body = simulator_signature(CLIENT_SECRET, f"{method} {path} HTTP/1.1", date)
        assert token != f"{CLIENT_ID}:{unsigned_body}"  # the body and type are signed


async def test_a_tampered_body_is_refused(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A request signed by the client's own signer for one body and sent with another (or
    with another content type) is refused by the simulator: 401 with the API's JSON error,
    nothing recorded, nothing in force."""
    path = f"/api/devices/{WATER_HEATER}/load_shed"
    signed = b'{"s":1,"duration":60}'
    date = http_date(simulator.now())

    async def put(body: bytes, content_type: str) -> tuple[int, Any]:
        token = api_token(
            CLIENT_ID, CLIENT_SECRET, request_line("PUT", path), date, "application/json", signed
        )
        headers = {"Date": date, "x-sc-api-token": token, "Content-Type": content_type}
        async with session.put(simulator.url + path, data=body, headers=headers) as response:
            return response.status, await response.json()

    assert await put(b'{"s":1,"duration":86400}', "application/json") == (
        401,
        {"error": {"message": "invalid signature"}},
    )
    assert await put(signed, "text/plain") == (401, {"error": {"message": "invalid signature"}})
    assert simulator.control_requests == []
    assert simulator.command_in_force(WATER_HEATER) is None
    assert (await put(signed, "application/json"))[0] == 200  # the same request, untouched
    assert simulator.command_in_force(WATER_HEATER) == "shed"


async def test_nothing_is_sent_on_its_own(simulator: Simulator, client: SkyCentricsClient) -> None:
    """Reading devices never sends a command: only GETs."""
    await client.async_get_devices()
    for device_id in simulator.devices:
        await client.async_get_data(device_id)
    assert {method for method, _, _ in simulator.requests} == {"GET"}
    assert simulator.control_requests == []


# --- effects, seen through the client's /data --------------------------------------------------


async def test_shed_then_back_after_the_duration(
    simulator: Simulator, client: SkyCentricsClient, clock: ShiftedClock
) -> None:
    """A shed: state 2 (running curtailed), relay open, no power, at once; after its duration
    (virtual time), the water heater runs normally again."""
    await client.async_shed_load(WATER_HEATER, 600)
    during = await _state(client, WATER_HEATER)
    assert (during["state"], during["relay"], during["power"]) == (2, 0, 0)
    assert during["commodity_0_instantaneous"] == 0
    clock.shift += timedelta(seconds=599)
    assert (await _state(client, WATER_HEATER))["state"] == 2
    clock.shift += timedelta(seconds=2)
    after = await _state(client, WATER_HEATER)
    assert after["state"] in (0, 1)  # idle or heating, as the thermostat decides
    assert after["relay"] == after["state"]
    assert simulator.command_in_force(WATER_HEATER) is None


@pytest.mark.parametrize(("event", "state"), [("LU", 3), ("CPE", 2), ("GE", 2)])
async def test_events(
    simulator: Simulator, client: SkyCentricsClient, event: Any, state: int
) -> None:
    """LU: state 3 (running heightened), heating; CPE and GE curtail like a shed."""
    await client.async_start_event(WATER_HEATER, event, 3600)
    found = await _state(client, WATER_HEATER)
    assert found["state"] == state
    assert found["relay"] == (1 if event == "LU" else 0)
    assert (found["power"] > 0) == (event == "LU")
    assert simulator.command_in_force(WATER_HEATER) == event


async def test_end_shed_at_once(simulator: Simulator, client: SkyCentricsClient) -> None:
    """`async_end_shed` ends a shed (or an event) at once."""
    await client.async_shed_load(WATER_HEATER, 86_400)
    assert (await _state(client, WATER_HEATER))["state"] == 2
    await client.async_end_shed(WATER_HEATER)
    assert (await _state(client, WATER_HEATER))["state"] in (0, 1)
    await client.async_start_event(WATER_HEATER, "LU", 600)
    await client.async_end_shed(WATER_HEATER)
    assert (await _state(client, WATER_HEATER))["state"] in (0, 1)


async def test_charger_shed_pauses_charging(
    simulator: Simulator, client: SkyCentricsClient, clock: ShiftedClock
) -> None:
    """The EV charger while a car charges (20:00 local): a shed stops it (no power, the
    counter still), the end lets it charge on."""
    now = datetime.now(UTC)
    evening = now.replace(hour=4, minute=0, second=0, microsecond=0)  # 20:00 at UTC-8
    clock.shift = evening - now
    charging = await _state(client, CHARGER)
    assert (charging["state"], charging["relay"]) == (1, 1)
    assert charging["commodity_0_instantaneous"] > 0
    await client.async_shed_load(CHARGER, 3600)
    shed = await _state(client, CHARGER)
    assert (shed["state"], shed["relay"], shed["commodity_0_instantaneous"]) == (2, 0, 0)
    clock.shift += timedelta(minutes=30)
    later = await _state(client, CHARGER)
    assert later["commodity_0_cumulative"] == shed["commodity_0_cumulative"]
    await client.async_end_shed(CHARGER)
    assert (await _state(client, CHARGER))["state"] == 1


async def test_devices_without_cta2045_take_commands_without_effect(
    simulator: Simulator, client: SkyCentricsClient
) -> None:
    """The simulator takes a command for any readable device; only the water heater and the
    charger show one (the thermostat and the SkyBoxes have no CTA-2045 fields)."""
    for device_id in (FLEET_THERMOSTAT_ID, FLEET_SKYBOX_ID, SEED_DEVICE_ID):
        before = _fields(await client.async_get_data(device_id))
        assert before[1] is None  # no CTA-2045 family
        await client.async_shed_load(device_id, 60)
        assert _fields(await client.async_get_data(device_id)) == before


async def test_202_is_done(simulator: Simulator, client: SkyCentricsClient) -> None:
    """The API may answer 202 Accepted: done, as 200."""
    simulator.control_status = 202
    await client.async_start_event(WATER_HEATER, "LU", 60)
    assert simulator.requests[-1][2] == 202


# --- errors -----------------------------------------------------------------------------------


async def test_refused_control_is_not_an_auth_error(
    simulator: Simulator, client: SkyCentricsClient
) -> None:
    """A device these keys may read but not control: 403 with the API's JSON error is a
    SkyCentricsControlRefusedError, never the authentication error (no reauth); one request,
    no retry; reading it still works."""
    simulator.control_forbidden.add(WATER_HEATER)
    with pytest.raises(SkyCentricsControlRefusedError) as err:
        await client.async_shed_load(WATER_HEATER, 60)
    assert not isinstance(err.value, SkyCentricsAuthenticationError)
    assert isinstance(err.value, SkyCentricsError)
    assert err.value.status == 403
    assert err.value.api_message == "You do not have permission to perform this action."
    assert "may not control" in str(err.value)
    assert [(m, s) for m, _, s in simulator.requests] == [("PUT", 403)]
    assert simulator.command_in_force(WATER_HEATER) is None
    await client.async_get_data(WATER_HEATER)
    await client.async_shed_load(CHARGER, 60)  # other devices: unaffected


async def test_wrong_secret_on_control_is_refused_not_reauth(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A 401 (bad signature) on a control request is a refusal as well, never the error that
    starts a reauth; nothing is retried while the clocks agree."""
    client = SkyCentricsClient(CLIENT_ID, "wrong", session, url=simulator.url)
    with pytest.raises(SkyCentricsControlRefusedError) as err:
        await client.async_start_event(WATER_HEATER, "CPE", 60)
    assert err.value.status == 401
    assert err.value.api_message == "invalid signature"
    assert len(simulator.requests) == 1


async def test_clock_off_signs_again_once(
    socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    """Our clock ten minutes behind the server's: the refused command is signed again once
    with the server's time and taken (the refused one did nothing)."""
    async with Simulator(
        clients={CLIENT_ID: CLIENT_SECRET},
        fleet=True,
        clock=lambda: datetime.now(UTC) + timedelta(minutes=10),
    ) as sim:
        client = SkyCentricsClient(CLIENT_ID, CLIENT_SECRET, session, url=sim.url)
        await client.async_shed_load(WATER_HEATER, 60)
        assert [(m, s) for m, _, s in sim.requests] == [("PUT", 401), ("PUT", 200)]
        assert len(sim.control_requests) == 1
        assert sim.command_in_force(WATER_HEATER) == "shed"


async def test_unknown_device_is_not_found(simulator: Simulator, client: SkyCentricsClient) -> None:
    """A device the keys cannot see: 404."""
    with pytest.raises(SkyCentricsNotFoundError):
        await client.async_shed_load(12345, 60)
    simulator.readable_by = {CLIENT_ID: {SEED_DEVICE_ID}}
    with pytest.raises(SkyCentricsNotFoundError):
        await client.async_start_event(WATER_HEATER, "LU", 60)
    assert simulator.command_in_force(WATER_HEATER) is None


async def test_simulator_faults(simulator: Simulator, client: SkyCentricsClient) -> None:
    """429 with Retry-After, 5xx, a proxy's 403 page: each its error, one request each."""
    simulator.add_fault(faults.status(429, retry_after=30))
    with pytest.raises(SkyCentricsRateLimitError) as limited:
        await client.async_shed_load(WATER_HEATER, 60)
    assert limited.value.retry_after == 30
    simulator.add_fault(faults.status(503))
    with pytest.raises(SkyCentricsResponseError) as failed:
        await client.async_shed_load(WATER_HEATER, 60)
    assert failed.value.status == 503
    simulator.add_fault(faults.html(403))
    with pytest.raises(SkyCentricsControlRefusedError) as refused:
        await client.async_shed_load(WATER_HEATER, 60)
    assert refused.value.api_message is None
    assert "not the API's JSON error" in str(refused.value)
    assert len(simulator.requests) == 3
    assert simulator.command_in_force(WATER_HEATER) is None


async def test_timeout_is_not_retried(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    """No answer in time: a timeout error, and no second request (the command may have been
    taken: here the simulator takes it after the client gave up)."""
    client = SkyCentricsClient(
        CLIENT_ID, CLIENT_SECRET, session, url=simulator.url, request_timeout=0.2
    )

    async def taken_but_slow(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        await asyncio.sleep(0.5)
        return response

    simulator.add_fault(taken_but_slow)
    with pytest.raises(SkyCentricsTimeoutError):
        await client.async_shed_load(WATER_HEATER, 60)
    for _ in range(50):
        if simulator.requests:
            break
        await asyncio.sleep(0.05)
    assert len(simulator.requests) == 1
    assert simulator.command_in_force(WATER_HEATER) == "shed"


async def test_connection_refused(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    """Nothing listening: a connection error."""
    client = SkyCentricsClient(CLIENT_ID, CLIENT_SECRET, session, url="http://127.0.0.1:9")
    with pytest.raises(SkyCentricsConnectionError):
        await client.async_end_shed(1)


async def test_answers_from_a_server(
    serve: Callable[[Handler], Awaitable[str]], session: aiohttp.ClientSession
) -> None:
    """Statuses the simulator does not give: 201/204 are done; 400 and 409 response errors."""
    statuses = [201, 204, 400, 409]

    async def handler(request: web.Request) -> web.Response:
        status = statuses.pop(0)
        if status == 204:
            return web.Response(status=204)
        return web.json_response({"error": {"message": f"status {status}"}}, status=status)

    client = SkyCentricsClient(CLIENT_ID, CLIENT_SECRET, session, url=await serve(handler))
    await client.async_end_shed(1)
    await client.async_end_shed(1)
    for status in (400, 409):
        with pytest.raises(SkyCentricsResponseError) as err:
            await client.async_end_shed(1)
        assert err.value.status == status
        assert f"status {status}" in str(err.value)


# --- arguments checked before anything is sent ------------------------------------------------


@pytest.mark.parametrize("duration", [0, -1, 86_401, 1.5, 60.0, True, "60", None, 10**30])
async def test_durations_are_checked(
    simulator: Simulator, client: SkyCentricsClient, duration: Any
) -> None:
    """Whole seconds from 1 to 86,400, an int: anything else is a ValueError, with no request."""
    with pytest.raises(ValueError, match="duration"):
        await client.async_shed_load(WATER_HEATER, duration)
    with pytest.raises(ValueError, match="duration"):
        await client.async_start_event(WATER_HEATER, "LU", duration)
    assert simulator.requests == []


async def test_bounds_are_accepted(simulator: Simulator, client: SkyCentricsClient) -> None:
    """1 and 86,400 seconds are fine."""
    await client.async_shed_load(WATER_HEATER, 1)
    await client.async_start_event(WATER_HEATER, "GE", 86_400)
    assert [body["duration"] for _, _, body in simulator.control_requests] == [1, 86_400]


@pytest.mark.parametrize("event", ["lu", "XX", "", None, 1, "LU "])
async def test_events_are_checked(
    simulator: Simulator, client: SkyCentricsClient, event: Any
) -> None:
    """Only LU, CPE and GE: anything else is a ValueError, with no request."""
    with pytest.raises(ValueError, match="event"):
        await client.async_start_event(WATER_HEATER, event, 60)
    assert simulator.requests == []


@pytest.mark.parametrize("device_id", ["1592700107", True, -1, 2**63, 1.0, None])
async def test_device_ids_are_checked(
    simulator: Simulator, client: SkyCentricsClient, device_id: Any
) -> None:
    """A control request names one device by an int64 id: anything else is a ValueError."""
    with pytest.raises(ValueError, match="device id"):
        await client.async_end_shed(device_id)
    assert simulator.requests == []
