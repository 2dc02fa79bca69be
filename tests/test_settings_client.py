"""Issue 17: the settings beyond demand response (api/control.py) through the real client,
against the simulator over real sockets with its real signature checks, and against a small
server for the groups the simulator's fleet does not have."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.skycentrics.api import (
    SkyCentricsAuthenticationError,
    SkyCentricsClient,
    SkyCentricsControlRefusedError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    SkyCentricsResponseError,
    SkyCentricsTimeoutError,
    Snapshot,
)
from custom_components.skycentrics.api.control import (
    FanMode,
    Setting,
    ThermostatMode,
    control_group,
    fan_mode,
    hold,
    level,
    relay,
    setpoints,
    thermostat_mode,
)
from skycentrics_simulator import (
    FLEET_PLUG_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    Simulator,
    faults,
)
from skycentrics_simulator.auth import signature as simulator_signature

from .common import CLIENT_ID, CLIENT_SECRET

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

THERMOSTAT = FLEET_THERMOSTAT_ID
PLUG = FLEET_PLUG_ID
TYPES = {THERMOSTAT: 242, PLUG: 3, FLEET_WATER_HEATER_ID: 107}

# Each setting, the device it goes to, and the bytes the client must send.
SENT: list[tuple[Setting, int, str, bytes]] = [
    (setpoints(70, 75), THERMOSTAT, "temp_setpoint", b'{"setpoint":[70,75],"units":"F","type":10}'),
    (setpoints(40, 95), THERMOSTAT, "temp_setpoint", b'{"setpoint":[40,95],"units":"F","type":10}'),
    (thermostat_mode(ThermostatMode.HEAT), THERMOSTAT, "thermostat_mode", b'{"data":4}'),
    (thermostat_mode(ThermostatMode.COOL), THERMOSTAT, "thermostat_mode", b'{"data":3}'),
    (thermostat_mode(ThermostatMode.FAN), THERMOSTAT, "thermostat_mode", b'{"data":8}'),
    (thermostat_mode(ThermostatMode.OFF), THERMOSTAT, "thermostat_mode", b'{"data":0}'),
    (fan_mode(FanMode.HIGH), THERMOSTAT, "fan_mode", b'{"data":5}'),
    (fan_mode(FanMode.LOW), THERMOSTAT, "fan_mode", b'{"data":3}'),
    (fan_mode(FanMode.AUTO), THERMOSTAT, "fan_mode", b'{"data":0}'),
    (hold(True), THERMOSTAT, "hold_mode", b'{"data":1}'),
    (hold(False), THERMOSTAT, "hold_mode", b'{"data":0}'),
    (relay(False), PLUG, "relay", b'{"d":0}'),
    (relay(True), PLUG, "relay", b'{"d":1}'),
    (level("power_level", 0), PLUG, "power_level", b'{"d":0}'),
    (level("power_level", 100), PLUG, "power_level", b'{"d":100}'),
    (level("dimmer", 35), PLUG, "dimmer", b'{"d":35}'),
]


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[Simulator]:
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, fleet=True) as sim:
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


def _spy(seen: list[tuple[str, str, str, bytes]]) -> Callable[..., Awaitable[Any]]:
    """A simulator fault that only looks: what arrived on the socket, then the rest of the
    chain (the signature check included) as usual."""

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        seen.append(
            (
                request.method,
                request.raw_path,
                request.headers["Content-Type"],
                await request.read(),
            )
        )
        return await handler(request)

    return fault


# --- requests as sent -----------------------------------------------------------------------


async def test_each_setting_as_the_simulator_received_it(
    simulator: Simulator, client: SkyCentricsClient
) -> None:
    """Each setting is one PUT to /api/<the device's group>/{id}/<prop> with the SDK's body as
    compact JSON, typed application/json; the simulator's signature check (content type and
    body MD5 included) accepts every one, and records it."""
    seen: list[tuple[str, str, str, bytes]] = []
    simulator.add_fault(_spy(seen), times=len(SENT))
    for setting, device_id, _, _ in SENT:
        await client.async_set(device_id, TYPES[device_id], setting)
    group = {THERMOSTAT: "devices", PLUG: "smartplugs"}
    assert seen == [
        ("PUT", f"/api/{group[device_id]}/{device_id}/{prop}", "application/json", body)
        for _, device_id, prop, body in SENT
    ]
    assert [status for _, _, status in simulator.requests] == [200] * len(SENT)
    assert [(m, p) for m, p, _ in simulator.control_requests] == [(m, p) for m, p, _, _ in seen]


async def test_settings_read_back(simulator: Simulator, client: SkyCentricsClient) -> None:
    """What a setting changed, read through the client's own `/data` at once: setpoints, the
    mode and hold as the thermostat reports them, the plug's relay and level."""
    await client.async_set(THERMOSTAT, 242, setpoints(66, 79))
    await client.async_set(THERMOSTAT, 242, thermostat_mode(ThermostatMode.HEAT))
    await client.async_set(THERMOSTAT, 242, fan_mode(FanMode.LOW))
    await client.async_set(THERMOSTAT, 242, hold(True))
    thermostat = (await client.async_get_data(THERMOSTAT)).thermostat
    assert thermostat is not None
    read = {
        name: getattr(thermostat, name).value
        for name in ("heat_setpoint", "cool_setpoint", "mode", "hold", "fan_mode", "fan_state")
    }
    assert read == {
        "heat_setpoint": 66,
        "cool_setpoint": 79,
        "mode": 1,  # heat, as read
        "hold": 1,
        "fan_mode": 2,  # on
        "fan_state": 1,
    }
    await client.async_set(PLUG, 3, level("dimmer", 50))
    assert _plug(await client.async_get_data(PLUG)) == (1, 50, 60.0)
    await client.async_set(PLUG, 3, relay(False))
    assert _plug(await client.async_get_data(PLUG)) == (0, 50, 0)


def _plug(snapshot: Snapshot) -> tuple[Any, ...]:
    """A plug's relay, power level and power as read."""
    assert snapshot.cta2045 is not None
    return tuple(
        None if (measure := getattr(snapshot.cta2045, name)) is None else measure.value
        for name in ("relay", "power_level", "power")
    )


@pytest.mark.parametrize(
    ("device_type", "group"),
    [
        (1, "thermostats"),
        (2, "smartplugs"),
        (3, "smartplugs"),
        (4, "smartplugs"),
        (242, "devices"),
        (107, "devices"),
        (250, "devices"),
        (None, "devices"),
        (99999, "devices"),
    ],
)
async def test_exact_bytes_and_signature_for_every_group(
    serve: Callable[[Handler], Awaitable[str]],
    session: aiohttp.ClientSession,
    device_type: int | None,
    group: str,
) -> None:
    """The group by the device's type (types 1-4 have no device in the fleet): the request line
    is signed as sent, with the body's content type and MD5; an independent signer (the
    simulator's) computes the very token received."""
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

    client = SkyCentricsClient(CLIENT_ID, CLIENT_SECRET, session, url=await serve(handler))
    await client.async_set(42, device_type, hold(True))
    assert control_group(device_type) == group
    [(method, path, content_type, body, date, token)] = seen
    assert (method, path, content_type, body) == (
        "PUT",
        f"/api/{group}/42/hold_mode",
        "application/json",
        b'{"data":1}',
    )
    expected = simulator_signature(CLIENT_SECRET, f"PUT {path} HTTP/1.1", date, content_type, body)
    assert token == f"{CLIENT_ID}:{expected}"


# --- errors -----------------------------------------------------------------------------------


async def test_refused_setting_is_not_an_auth_error(
    simulator: Simulator, client: SkyCentricsClient
) -> None:
    """A device these keys may read but not control: 403 is a SkyCentricsControlRefusedError
    (never the reauth error), one request; nothing changed."""
    simulator.control_forbidden.add(PLUG)
    with pytest.raises(SkyCentricsControlRefusedError) as err:
        await client.async_set(PLUG, 3, relay(False))
    assert not isinstance(err.value, SkyCentricsAuthenticationError)
    assert (err.value.status, err.value.api_message) == (
        403,
        "You do not have permission to perform this action.",
    )
    assert [(m, s) for m, _, s in simulator.requests] == [("PUT", 403)]
    assert simulator.snapshot(PLUG)["relay"] == 1


async def test_not_found(simulator: Simulator, client: SkyCentricsClient) -> None:
    """An unknown device, a device taken off the account, or a type that puts the device in
    another group than the API's: 404, SkyCentricsNotFoundError."""
    with pytest.raises(SkyCentricsNotFoundError):
        await client.async_set(12345, 242, hold(True))
    with pytest.raises(SkyCentricsNotFoundError):
        await client.async_set(THERMOSTAT, 3, hold(True))  # /api/smartplugs/: not its group
    simulator.remove_device(PLUG)
    with pytest.raises(SkyCentricsNotFoundError):
        await client.async_set(PLUG, 3, relay(True))
    assert simulator.changes(THERMOSTAT) == simulator.changes(PLUG) == []


async def test_a_setting_the_device_does_not_take(
    simulator: Simulator, client: SkyCentricsClient
) -> None:
    """A setting the device does not take (the water heater's setpoint, a plug's relay on the
    thermostat): 400, a response error with the API's message."""
    with pytest.raises(SkyCentricsResponseError) as err:
        await client.async_set(FLEET_WATER_HEATER_ID, 107, setpoints(90, 95))
    assert err.value.status == 400
    assert "not documented for CTA-2045 water heaters" in str(err.value)
    with pytest.raises(SkyCentricsResponseError, match="does not take relay"):
        await client.async_set(THERMOSTAT, 242, relay(True))


async def test_simulator_faults(simulator: Simulator, client: SkyCentricsClient) -> None:
    """429 with Retry-After, 500: each its error, one request each, nothing changed."""
    simulator.add_fault(faults.status(429, retry_after=45))
    with pytest.raises(SkyCentricsRateLimitError) as limited:
        await client.async_set(THERMOSTAT, 242, hold(True))
    assert limited.value.retry_after == 45
    simulator.add_fault(faults.status(500))
    with pytest.raises(SkyCentricsResponseError) as failed:
        await client.async_set(THERMOSTAT, 242, hold(True))
    assert failed.value.status == 500
    assert len(simulator.requests) == 2
    assert simulator.changes(THERMOSTAT) == []


async def test_timeout_is_not_retried(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    """No answer in time: a timeout error and no second request (the simulator took it after
    the client gave up)."""
    client = SkyCentricsClient(
        CLIENT_ID, CLIENT_SECRET, session, url=simulator.url, request_timeout=0.2
    )

    async def taken_but_slow(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        await asyncio.sleep(0.5)
        return response

    simulator.add_fault(taken_but_slow)
    with pytest.raises(SkyCentricsTimeoutError):
        await client.async_set(PLUG, 3, level("power_level", 10))
    for _ in range(50):
        if simulator.requests:
            break
        await asyncio.sleep(0.05)
    assert len(simulator.requests) == 1
    assert simulator.snapshot(PLUG)["power_level"] == 10


# --- values checked before anything is sent ---------------------------------------------------


@pytest.mark.parametrize(
    ("heat", "cool"),
    [(39, 70), (70, 96), (76, 75), (70.0, 75), (True, 75), ("70", 75), (70, None), (-5, 75)],
)
def test_setpoints_are_checked(heat: Any, cool: Any) -> None:
    """Whole °F from 40 to 95, heat at most cool: anything else is a ValueError."""
    with pytest.raises(ValueError, match="setpoint"):
        setpoints(heat, cool)


@pytest.mark.parametrize("value", [-1, 101, 50.0, True, "50", None])
@pytest.mark.parametrize("prop", ["power_level", "dimmer"])
def test_levels_are_checked(prop: Any, value: Any) -> None:
    """A level is a whole number from 0 to 100: anything else is a ValueError naming it."""
    with pytest.raises(ValueError, match=prop):
        level(prop, value)


@pytest.mark.parametrize(("builder", "code"), [(thermostat_mode, 1), (fan_mode, 2)])
def test_codes_are_checked(builder: Callable[[Any], Setting], code: int) -> None:
    """Only the codes the SDK writes: a reading's code (heat 1, fan on 2) is a ValueError."""
    with pytest.raises(ValueError, match=str(code)):
        builder(code)


async def test_device_ids_are_checked(simulator: Simulator, client: SkyCentricsClient) -> None:
    """A setting names one device by an int64 id: anything else is a ValueError, no request."""
    for device_id in ("1592700242", True, -1, 2**63):
        with pytest.raises(ValueError, match="device id"):
            await client.async_set(device_id, 242, hold(True))  # type: ignore[arg-type]
    assert simulator.requests == []
