"""Tests of the local SkyCentrics API simulator (`skycentrics_simulator`)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import functools
import gzip
import hashlib
import hmac
import itertools
import json
import math
from pathlib import Path
import re
import signal
import sys
from typing import Any

import aiohttp
import pytest
from yarl import URL

from custom_components.skycentrics.api import SkyCentricsClient
from skycentrics_simulator import (
    FLEET_DEVICE_IDS,
    FLEET_EV_CHARGER_ID,
    FLEET_PLUG_ID,
    FLEET_SKYBOX_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    SEED_DEVICE_ID,
    SEED_EPOCH,
    Simulator,
    load_seed_device,
    load_seed_payload,
)
from skycentrics_simulator.__main__ import is_loopback, parse_args
from skycentrics_simulator.auth import signature as simulator_signature
from skycentrics_simulator.model import (
    LIFETIME_COUNTERS,
    local_solar_hour,
    swap_words,
    unswap_words,
)
from skycentrics_simulator.server import payload_time

# The server needs real (loopback) sockets; pytest-socket still refuses other destinations.
pytestmark = pytest.mark.usefixtures("socket_enabled")

CLIENT_ID = "test-client"
SECRET = "test-secret"
OTHER_ID = "other-client"
OTHER_SECRET = "other-secret"

# The guide's payload time: one second after its readings (SEED_EPOCH).
SEED_TIME = datetime(2025, 7, 31, 1, 37, 47, tzinfo=UTC)
MD5_EMPTY = "d41d8cd98f00b204e9800998ecf8427e"

# Computed with `openssl dgst -sha1 -hmac example-secret -binary | base64` over the string to sign
# of the request below (an implementation independent of both the simulator and the integration).
VECTOR_CLIENT = "a2EaBy6DcPyGSzTkWpDU"
VECTOR_SECRET = "example-secret"
VECTOR_PATH = "/api/devices/1592651608/"
VECTOR_DATE = "Thu, 19 Sep 2024 21:05:00 GMT"
VECTOR_SIGNATURE = "SloeLFYL0LzJkcjrYItrtry/VZM="

PV_POWER = (
    "SOLAR_INVERTER_1_ACTIVE_POWER",
    "SOLAR_INVERTER_2_ACTIVE_POWER",
    "SOLAR_INVERTER_BREAKER_ACTIVE_POWER",
)
BESS_MODELLED = {
    "BESS_STATE_OF_CHARGE",
    "BESS_AVAILABLE_CHARGE_CAPACITY",
    "BESS_AVAILABLE_DISCHARGE_CAPACITY",
    "BESS_SYSTEM_AVERAGE_CURRENT",
    "BESS_PCS_CHARGE_DISCHARGE_REAL_POWER",
}


def sign(client_id: str, secret: str, path: str, date: str, method: str = "GET") -> str:
    """The test's own signer: `CLIENT_ID:base64(HMAC-SHA1(secret, string_to_sign))`."""
    to_sign = (
        f"{method} {path} HTTP/1.1\n{date}\n\n{hashlib.md5(b'', usedforsecurity=False).hexdigest()}"
    )
    digest = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha1).digest()
    return f"{client_id}:{base64.b64encode(digest).decode()}"


def http_date(when: datetime) -> str:
    """An RFC 7231 date in GMT."""
    return format_datetime(when.astimezone(UTC).replace(microsecond=0), usegmt=True)


class VirtualClock:
    """A settable clock for the simulator."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> VirtualClock:
    """Virtual time, starting at the guide's payload time."""
    return VirtualClock(SEED_TIME)


@pytest.fixture
async def sim(clock: VirtualClock) -> AsyncIterator[Simulator]:
    """A running simulator with two clients and two devices, on virtual time."""
    async with Simulator(
        clients={CLIENT_ID: SECRET, OTHER_ID: OTHER_SECRET}, device_count=2, clock=clock
    ) as simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp client session."""
    async with aiohttp.ClientSession() as client:
        yield client


async def signed_get(
    session: aiohttp.ClientSession,
    sim: Simulator,
    path: str,
    *,
    client_id: str = CLIENT_ID,
    secret: str = SECRET,
    date: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """GET `path` (sent exactly as given), signed for the simulator's time.

    Returns the status, the response headers and the body.
    """
    date = date if date is not None else http_date(sim.now())
    all_headers = {"Date": date, "x-sc-api-token": sign(client_id, secret, path, date)}
    all_headers.update(headers or {})
    url = URL(sim.url + path, encoded=True)
    async with session.get(url, headers=all_headers) as resp:
        return resp.status, dict(resp.headers), await resp.read()


def data_of(payload: dict[str, Any]) -> dict[str, Any]:
    """Sensor id -> data of a `/data` payload."""
    return {s["id"]: s["data"] for s in payload["sensors"]}


# ---------------------------------------------------------------------------- seed data


def test_seed_payload_has_the_guides_60_sensors() -> None:
    """The rebuilt payload: 60 sensors, unique ids, seed times, the guide's device."""
    payload = load_seed_payload()
    assert list(payload) == ["device", "ct", "sensors", "time"]
    assert payload["device"] == SEED_DEVICE_ID
    assert payload["ct"] == []
    assert payload["time"] == "2025-07-31 01:37:47Z"
    sensors = payload["sensors"]
    assert len(sensors) == 60
    ids = [s["id"] for s in sensors]
    assert len(set(ids)) == 60
    for sensor in sensors:
        assert list(sensor) == ["data", "id", "name", "time", "type", "units"]
        assert sensor["time"] == SEED_EPOCH
        assert " " not in sensor["id"]
    # The loader returns a fresh copy each time.
    payload["sensors"].clear()
    assert len(load_seed_payload()["sensors"]) == 60


def test_seed_payload_matches_the_guides_content_lengths() -> None:
    """Compact JSON of the payload and device is exactly the guide's Content-Length values."""
    compact = (",", ":")
    assert len(json.dumps(load_seed_payload(), separators=compact)) == 7804
    assert len(json.dumps(load_seed_device(), separators=compact)) == 119


def test_seed_names_rejoined_across_the_guides_line_breaks() -> None:
    """Names keep the spaces the guide shows; hard-broken tokens are joined without one."""
    sensors = {s["id"]: s for s in load_seed_payload()["sensors"]}
    amps = sensors["E30A_3_Amps:_3ph_Average_(phases_1_2_3)"]
    assert amps["name"] == "E30A_3 Amps: 3ph Average (phases 1 2 3)"
    assert amps["data"] == 0.0
    assert amps["units"] == "A"
    ssu = [sid for sid in sensors if sid.startswith("SSU_[0062]_")]
    assert len(ssu) == 15
    for sid in ssu:
        assert sensors[sid]["name"] == "SSU [0062] " + sid.removeprefix("SSU_[0062]_")
    for sid in ssu[:4]:
        assert sensors[sid]["type"] == "Lighting Control"
        assert sensors[sid]["units"] == "%"
    # The first 44 sensors (the pretty-printed block and the first wrapped one): name == id.
    plain = [s for s in sensors.values() if not s["id"].startswith(("SSU", "E30A_3_Amps"))]
    assert len(plain) == 44
    assert all(s["name"] == s["id"] for s in plain)
    # Tokens that the wrapping cut in two.
    assert sensors["SSU_[0062]_AO100289_PHS"]["data"] == 178.64
    assert sensors["SSU_[0062]_AO1000425_ShReq"]["data"] == 100.0
    assert sensors["SSU_[0062]_BV420_ZStat"]["data"] == "active"
    assert sensors["SSU_[0062]_BV421_ZStat"]["data"] == "inactive"
    assert sensors["SETPOINT_SOLAR_EDGE_INVERTER_1"]["units"] == "% of Wmax"
    assert sensors["BESS_ACTIVE_POWER_SETPOINT"]["data"] == 0.0


def test_seed_device() -> None:
    """The guide's device object."""
    assert load_seed_device() == {
        "id": 1592651608,
        "user": 18355,
        "group": 5077,
        "type": 250,
        "client": 0,
        "mac": "2ccf676dadbb",
        "name": "ssb-001-pae-replacement",
    }


# ---------------------------------------------------------------------------- signing


def test_signing_vector() -> None:
    """The test's signer and the simulator's agree with the openssl-computed vector."""
    request_line = f"GET {VECTOR_PATH} HTTP/1.1"
    assert sign(VECTOR_CLIENT, VECTOR_SECRET, VECTOR_PATH, VECTOR_DATE) == (
        f"{VECTOR_CLIENT}:{VECTOR_SIGNATURE}"
    )
    assert simulator_signature(VECTOR_SECRET, request_line, VECTOR_DATE) == VECTOR_SIGNATURE
    assert hashlib.md5(b"", usedforsecurity=False).hexdigest() == MD5_EMPTY


async def test_vector_request_accepted(session: aiohttp.ClientSession) -> None:
    """The documented token is accepted by a simulator holding the vector's keys at that date."""
    at = datetime(2024, 9, 19, 21, 5, tzinfo=UTC)
    async with Simulator(clients={VECTOR_CLIENT: VECTOR_SECRET}, clock=lambda: at) as sim:
        headers = {"Date": VECTOR_DATE, "x-sc-api-token": f"{VECTOR_CLIENT}:{VECTOR_SIGNATURE}"}
        async with session.get(sim.url + VECTOR_PATH, headers=headers) as resp:
            assert resp.status == 200
            assert (await resp.json())["name"] == "ssb-001-pae-replacement"
            assert resp.headers["Date"] == VECTOR_DATE


async def test_signed_request_accepted(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """A signed GET over a real socket: 200, JSON, and the simulator's own Date header."""
    assert sim.url == f"http://127.0.0.1:{sim.port}"
    assert sim.port > 0
    status, headers, body = await signed_get(session, sim, "/api/devices/")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Date"] == "Thu, 31 Jul 2025 01:37:47 GMT"
    devices = json.loads(body)
    assert [d["id"] for d in devices] == [SEED_DEVICE_ID, SEED_DEVICE_ID + 1]
    assert sim.requests == [("GET", "/api/devices/", 200)]


def _unsigned(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != "x-sc-api-token"}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no token", "missing"),
        ("garbled token", "malformed"),
        ("empty signature", "malformed"),
        ("unknown client", "unknown"),
        ("bad signature", "signature"),
        ("wrong secret", "signature"),
        ("signed for another path", "signature"),
        ("signed for another date", "signature"),
        ("no date", "Date"),
        ("garbled date", "Date"),
        ("stale date", "time"),
        ("future date", "time"),
    ],
)
async def test_bad_requests_rejected_with_401(
    sim: Simulator, session: aiohttp.ClientSession, case: str, message: str
) -> None:
    """Every authentication failure is a 401 with a JSON error body (and a Date header)."""
    path = "/api/devices/"
    date = http_date(sim.now())
    headers = {"Date": date, "x-sc-api-token": sign(CLIENT_ID, SECRET, path, date)}
    if case == "no token":
        headers = _unsigned(headers)
    elif case == "garbled token":
        headers["x-sc-api-token"] = "no-colon-here"
    elif case == "empty signature":
        headers["x-sc-api-token"] = f"{CLIENT_ID}:"
    elif case == "unknown client":
        headers["x-sc-api-token"] = sign("nobody", SECRET, path, date)
    elif case == "bad signature":
        headers["x-sc-api-token"] = f"{CLIENT_ID}:{VECTOR_SIGNATURE}"
    elif case == "wrong secret":
        headers["x-sc-api-token"] = sign(CLIENT_ID, OTHER_SECRET, path, date)
    elif case == "signed for another path":
        headers["x-sc-api-token"] = sign(CLIENT_ID, SECRET, f"/api/devices/{SEED_DEVICE_ID}/", date)
    elif case == "signed for another date":
        headers["x-sc-api-token"] = sign(CLIENT_ID, SECRET, path, VECTOR_DATE)
    elif case == "no date":
        del headers["Date"]
    elif case == "garbled date":
        headers["Date"] = "yesterday at noon"
        headers["x-sc-api-token"] = sign(CLIENT_ID, SECRET, path, "yesterday at noon")
    elif case in ("stale date", "future date"):
        offset = timedelta(seconds=301 if case == "future date" else -301)
        date = http_date(sim.now() + offset)
        headers = {"Date": date, "x-sc-api-token": sign(CLIENT_ID, SECRET, path, date)}
    async with session.get(sim.url + path, headers=headers) as resp:
        assert resp.status == 401
        body = await resp.json()
        assert resp.headers["Date"] == http_date(sim.now())
    assert list(body) == ["error"]
    assert message in body["error"]["message"]
    assert sim.requests == [("GET", path, 401)]


async def test_date_within_tolerance_accepted(
    clock: VirtualClock, session: aiohttp.ClientSession
) -> None:
    """A Date off by less than the tolerance is fine; the tolerance is configurable."""
    async with Simulator(clients={CLIENT_ID: SECRET}, clock=clock, date_tolerance=60) as sim:
        for offset, expected in ((-59, 200), (59, 200), (-61, 401), (61, 401)):
            date = http_date(clock.now + timedelta(seconds=offset))
            status, _, _ = await signed_get(session, sim, "/api/devices/", date=date)
            assert status == expected, offset


async def test_query_string_is_part_of_the_signature(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """A token signed without the query string does not cover a request with one."""
    path = f"/api/devices/{SEED_DEVICE_ID}/data"
    query = "?b=2025-07-30T00:00:00&e=2025-07-30T01:00:00&g=1"
    date = http_date(sim.now())
    headers = {"Date": date, "x-sc-api-token": sign(CLIENT_ID, SECRET, path, date)}
    async with session.get(URL(sim.url + path + query, encoded=True), headers=headers) as resp:
        assert resp.status == 401
    status, _, _ = await signed_get(session, sim, path + query)
    assert status == 200


# ---------------------------------------------------------------------------- devices


async def test_device_and_unknown_device(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """One device object; 404 JSON errors for an unknown device or path."""
    status, _, body = await signed_get(session, sim, f"/api/devices/{SEED_DEVICE_ID}/")
    assert status == 200
    assert json.loads(body) == load_seed_device()
    assert len(body) == 119  # compact JSON, like the real server

    status, _, body = await signed_get(session, sim, f"/api/devices/{SEED_DEVICE_ID + 1}/")
    assert status == 200
    second = json.loads(body)
    assert second["name"] == "ssb-002-simulated"
    assert second["mac"] != "2ccf676dadbb"

    for path in ("/api/devices/123/", "/api/devices/123/data", "/api/nothing/here"):
        status, headers, body = await signed_get(session, sim, path)
        assert status == 404, path
        assert headers["Content-Type"].startswith("application/json")
        assert "message" in json.loads(body)["error"]


async def test_extra_devices_are_distinct() -> None:
    """Extra devices get consecutive ids, their own names and MACs, the same sensors."""
    sim = Simulator(clients={CLIENT_ID: SECRET}, device_count=4)
    assert list(sim.devices) == [SEED_DEVICE_ID + n for n in range(4)]
    assert [d["name"] for d in sim.devices.values()] == [
        "ssb-001-pae-replacement",
        "ssb-002-simulated",
        "ssb-003-simulated",
        "ssb-004-simulated",
    ]
    assert len({d["mac"] for d in sim.devices.values()}) == 4
    seed_ids = [s["id"] for s in load_seed_payload()["sensors"]]
    at = datetime(2025, 8, 1, 20, tzinfo=UTC)
    for device_id in sim.devices:
        snap = sim.snapshot(device_id, at)
        assert snap["device"] == device_id
        assert [s["id"] for s in snap["sensors"]] == seed_ids
    first, second = (sim.snapshot(d, at) for d in list(sim.devices)[:2])
    assert data_of(first) != data_of(second)
    with pytest.raises(ValueError, match="device_count"):
        Simulator(clients={}, device_count=0)
    # A device object added by hand gets the seed sensors too.
    sim.devices[42] = {**load_seed_device(), "id": 42, "name": "by-hand", "mac": "000000000042"}
    assert len(sim.snapshot(42, at)["sensors"]) == 60
    with pytest.raises(KeyError):
        sim.snapshot(43, at)


async def test_list_forbidden(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """When listing is refused, the list answers 403 but single devices stay readable."""
    sim.list_forbidden = True
    status, _, body = await signed_get(session, sim, "/api/devices/")
    assert status == 403
    assert json.loads(body)["error"]["message"]
    status, _, _ = await signed_get(session, sim, f"/api/devices/{SEED_DEVICE_ID}/")
    assert status == 200
    status, _, _ = await signed_get(session, sim, f"/api/devices/{SEED_DEVICE_ID}/data")
    assert status == 200
    sim.list_forbidden = False
    status, _, _ = await signed_get(session, sim, "/api/devices/")
    assert status == 200


async def test_readable_by(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """A restricted client lists and reads only its devices; others see everything."""
    second = SEED_DEVICE_ID + 1
    sim.readable_by = {OTHER_ID: {second}}
    other = functools.partial(signed_get, client_id=OTHER_ID, secret=OTHER_SECRET)

    status, _, body = await other(session, sim, "/api/devices/")
    assert status == 200
    assert [d["id"] for d in json.loads(body)] == [second]
    status, _, _ = await other(session, sim, f"/api/devices/{SEED_DEVICE_ID}/")
    assert status == 404
    status, _, _ = await other(session, sim, f"/api/devices/{SEED_DEVICE_ID}/data")
    assert status == 404
    status, _, _ = await other(session, sim, f"/api/devices/{second}/data")
    assert status == 200

    status, _, body = await signed_get(session, sim, "/api/devices/")
    assert status == 200
    assert len(json.loads(body)) == 2

    sim.readable_by = {OTHER_ID: set()}
    status, _, body = await other(session, sim, "/api/devices/")
    assert (status, json.loads(body)) == (200, [])


# ---------------------------------------------------------------------------- /data


async def test_data_shape(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """`/data` is shaped like the guide's payload and equals `snapshot()` at the same time."""
    status, headers, body = await signed_get(session, sim, f"/api/devices/{SEED_DEVICE_ID}/data")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    payload = json.loads(body)
    assert list(payload) == ["device", "ct", "sensors", "time"]
    assert payload["device"] == SEED_DEVICE_ID
    assert payload["ct"] == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", payload["time"])
    seed = load_seed_payload()["sensors"]
    assert len(payload["sensors"]) == 60
    for got, want in zip(payload["sensors"], seed, strict=True):
        assert list(got) == ["data", "id", "name", "time", "type", "units"]
        assert (got["id"], got["name"], got["type"], got["units"]) == (
            want["id"],
            want["name"],
            want["type"],
            want["units"],
        )
        assert type(got["data"]) is type(want["data"])
        assert isinstance(got["time"], int)
    assert payload == sim.snapshot(SEED_DEVICE_ID)


async def test_data_follows_the_virtual_clock(
    sim: Simulator, clock: VirtualClock, session: aiohttp.ClientSession
) -> None:
    """Readings are taken every minute; the payload moves when virtual time moves."""
    path = f"/api/devices/{SEED_DEVICE_ID}/data"
    _, _, body = await signed_get(session, sim, path)
    first = json.loads(body)
    assert first["time"] == "2025-07-31 01:37:47Z"
    assert {s["time"] for s in first["sensors"]} == {SEED_EPOCH}

    clock.advance(seconds=30)
    _, _, body = await signed_get(session, sim, path)
    assert json.loads(body) == first  # same reading until the next minute

    clock.advance(hours=3)  # 20:38 local solar time, the sun has set
    _, headers, body = await signed_get(session, sim, path)
    later = json.loads(body)
    reading = SEED_EPOCH + 3 * 3600  # on the one-minute grid through SEED_EPOCH
    assert {s["time"] for s in later["sensors"]} == {reading}
    assert later["time"] == "2025-07-31 04:37:47Z"
    assert headers["Date"] == "Thu, 31 Jul 2025 04:38:17 GMT"
    assert data_of(later)["SOLAR_INVERTER_1_ACTIVE_POWER"] == 0.0
    assert data_of(first)["SOLAR_INVERTER_1_ACTIVE_POWER"] == 14.31


def test_snapshot_at_the_seed_time_reproduces_the_guide() -> None:
    """At the guide's time the model gives the guide's values (the battery cycle aside)."""
    sim = Simulator(clients={})
    snap = sim.snapshot(SEED_DEVICE_ID, SEED_TIME)
    seed = load_seed_payload()
    assert snap["time"] == seed["time"]
    assert [s["time"] for s in snap["sensors"]] == [s["time"] for s in seed["sensors"]]
    got, want = data_of(snap), data_of(seed)
    differing = {sid for sid in want if got[sid] != want[sid]}
    assert differing <= BESS_MODELLED
    for sid in (*PV_POWER, *LIFETIME_COUNTERS, "E30A_3_VOLTS_A-N", "SSU_[0062]_AO100288_PHS"):
        assert got[sid] == want[sid]


def test_lifetime_counters_never_decrease_over_a_day() -> None:
    """Counters are non-decreasing every 15 minutes of a virtual day, and grow over it."""
    sim = Simulator(clients={})
    start = datetime(2025, 8, 1, 7, 0, tzinfo=UTC)  # 23:00 local solar time
    samples = [
        data_of(sim.snapshot(SEED_DEVICE_ID, start + timedelta(minutes=15 * i))) for i in range(97)
    ]
    for sid in LIFETIME_COUNTERS:
        series = [sample[sid] for sample in samples]
        assert all(b >= a for a, b in itertools.pairwise(series)), sid
        assert series[-1] > series[0], sid
    # Solar energy over the day is the integral of the inverter power (15-minute steps).
    energy = samples[-1]["SOLAR_INVERTER_1_ENERGY"] - samples[0]["SOLAR_INVERTER_1_ENERGY"]
    integral = sum(s["SOLAR_INVERTER_1_ACTIVE_POWER"] for s in samples[:-1]) * 0.25
    assert energy == pytest.approx(integral, rel=0.02)


def test_counters_never_decrease_before_the_seed_epoch() -> None:
    """Long before the seed and far after it, counters stay ordered in time and >= 0."""
    sim = Simulator(clients={})
    times = [SEED_TIME + timedelta(days=d) for d in (-2000, -400, -1, 0, 1, 365)]
    series = [data_of(sim.snapshot(SEED_DEVICE_ID, t)) for t in times]
    for sid in LIFETIME_COUNTERS:
        values = [s[sid] for s in series]
        assert values == sorted(values), sid
        assert min(values) >= 0.0


def test_pv_power_follows_the_sun() -> None:
    """PV power is 0 at local night and positive at local solar noon, every day."""
    sim = Simulator(clients={})
    for day in range(3):
        base = datetime(2025, 8, 1 + day, tzinfo=UTC)
        night = base + timedelta(hours=10)  # 02:00 local solar time (UTC-8)
        noon = base + timedelta(hours=20)  # 12:00 local solar time
        assert local_solar_hour(night.timestamp()) == pytest.approx(2.0)
        assert local_solar_hour(noon.timestamp()) == pytest.approx(12.0)
        at_night = data_of(sim.snapshot(SEED_DEVICE_ID, night))
        at_noon = data_of(sim.snapshot(SEED_DEVICE_ID, noon))
        for sid in PV_POWER:
            assert at_night[sid] == 0.0, sid
            assert at_noon[sid] > 10.0, sid
        assert at_noon["SOLAR_INVERTER_1_ACTIVE_POWER"] > 14.31  # stronger than at 17:37
        assert at_night["SSU_[0062]_AO100288_PHS"] == 0.0
        assert at_noon["SSU_[0062]_AO100288_PHS"] > 746.15


def test_state_of_charge_and_other_values_stay_plausible() -> None:
    """SoC cycles within bounds; voltages wobble slightly; states keep their seed values."""
    sim = Simulator(clients={})
    seed = data_of(load_seed_payload())
    start = datetime(2025, 8, 2, tzinfo=UTC)
    socs = []
    for i in range(48):
        data = data_of(sim.snapshot(SEED_DEVICE_ID, start + timedelta(minutes=30 * i + 7)))
        socs.append(data["BESS_STATE_OF_CHARGE"])
        assert data["BESS_AVAILABLE_CHARGE_CAPACITY"] + data[
            "BESS_AVAILABLE_DISCHARGE_CAPACITY"
        ] == pytest.approx(256.5, abs=0.02)
        assert abs(data["E30A_3_VOLTS_A-N"] - seed["E30A_3_VOLTS_A-N"]) < 1.0
        assert abs(data["E30A_3_Frequency"] - 60.03) <= 0.03
        for sid in (
            "BESS_SYSTEM_STATE",
            "BESS_PCS_STATE",
            "MICROGRID_ALARMS",
            "BESS_ALARMS_BITFIELD_1",
            "SETPOINT_SOLAR_EDGE_INVERTER_1",
            "SSU_[0062]_BV420_ZStat",
            "SSU_[0062]_BV421_ZStat",
            "SSU_[0062]_AV424_ZDim",
        ):
            assert data[sid] == seed[sid], sid
        for sid, value in data.items():
            assert type(value) is type(seed[sid]), sid
            if isinstance(value, float):
                assert round(value, 2) == value, sid
    assert 20.0 <= min(socs) < 25.0
    assert 75.0 < max(socs) <= 80.0


# ---------------------------------------------------------------------------- history


async def test_history_is_gzip_json(
    sim: Simulator, clock: VirtualClock, session: aiohttp.ClientSession
) -> None:
    """History: a gzip-compressed JSON list of `/data`-shaped records, one a minute."""
    clock.now = datetime(2025, 7, 31, 12, 0, 30, tzinfo=UTC)
    path = f"/api/devices/{SEED_DEVICE_ID}/data?b=2025-07-30T12:00:00&e=2025-07-31T12:00:00&g=1"
    status, headers, body = await signed_get(
        session, sim, path, headers={"Accept": "application/gzip"}
    )
    assert status == 200
    assert headers["Content-Type"] == "application/gzip"
    assert body[:2] == b"\x1f\x8b"
    plain = gzip.decompress(body)
    assert 11_000_000 < len(plain) < 11_500_000  # the size the client's caps are made for
    records = json.loads(plain)
    assert isinstance(records, list)
    assert len(records) == 1440
    begin = int(datetime(2025, 7, 30, 12, tzinfo=UTC).timestamp())
    for i, record in enumerate(records):
        assert list(record) == ["device", "ct", "sensors", "time"]
        assert record["device"] == SEED_DEVICE_ID
        assert len(record["sensors"]) == 60
        assert {s["time"] for s in record["sensors"]} == {begin + 60 * i}
    assert records[0]["time"] == "2025-07-30 12:00:01Z"
    assert records == sim.history(
        SEED_DEVICE_ID,
        datetime(2025, 7, 30, 12, tzinfo=UTC),
        datetime(2025, 7, 31, 12, tzinfo=UTC),
    )
    counters = [r["sensors"][3]["data"] for r in records]
    assert counters == sorted(counters)


async def test_history_stops_at_the_present(
    sim: Simulator, clock: VirtualClock, session: aiohttp.ClientSession
) -> None:
    """No record from the future; without `Accept: application/gzip` the list is plain JSON."""
    clock.now = datetime(2025, 7, 31, 12, 0, 30, tzinfo=UTC)
    path = f"/api/devices/{SEED_DEVICE_ID}/data?b=2025-07-31T06:00:00&e=2025-07-31T18:00:00&g=1"
    status, headers, body = await signed_get(session, sim, path)
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    records = json.loads(body)
    assert len(records) == 361  # 06:00 ... 12:00, one a minute
    assert records[-1]["time"] == "2025-07-31 12:00:01Z"


@pytest.mark.parametrize(
    "query",
    [
        "?b=2025-07-30T00:00:00",
        "?e=2025-07-30T00:00:00",
        "?b=yesterday&e=2025-07-30T00:00:00",
        "?b=2025-07-30T00:00:00&e=2025-07-30",
        "?b=2025-07-30T00:00:00&e=2025-07-30T00:00:00",
        "?b=2025-07-30T00:00:00&e=2025-07-29T00:00:00",
        "?b=2025-07-28T00:00:00&e=2025-07-30T00:00:00",
    ],
)
async def test_history_bad_range_is_400(
    sim: Simulator, session: aiohttp.ClientSession, query: str
) -> None:
    """Missing, malformed, empty, reversed or over-long ranges are refused with a JSON error."""
    path = f"/api/devices/{SEED_DEVICE_ID}/data{query}&g=1"
    status, _, body = await signed_get(session, sim, path, headers={"Accept": "application/gzip"})
    assert status == 400
    assert json.loads(body)["error"]["message"]
    assert sim.requests == [("GET", path, 400)]


def _day(sim: Simulator, begin: datetime) -> list[dict[str, Any]]:
    return sim.history(SEED_DEVICE_ID, begin, begin + timedelta(days=1))


async def test_history_records_are_what_data_showed(
    clock: VirtualClock, session: aiohttp.ClientSession
) -> None:
    """On a one-second grid both endpoints share, the record at t is the `/data` answer of the
    reading at t, swapped counters or not; `counter_value` gives every sensor's value."""
    async with Simulator(
        clients={CLIENT_ID: SECRET}, clock=clock, sample_interval=1, history_interval=1
    ) as sim:
        for swapped in (False, True):
            sim.swapped_counters = swapped
            for hours in (0, 5, 13):  # 17:37, 22:37 and 06:37 local solar time
                clock.now = SEED_TIME + timedelta(hours=hours)
                _, _, body = await signed_get(session, sim, f"/api/devices/{SEED_DEVICE_ID}/data")
                live = json.loads(body)
                reading = live["sensors"][0]["time"]
                at = datetime.fromtimestamp(reading, UTC)
                path = (
                    f"/api/devices/{SEED_DEVICE_ID}/data?b={at:%Y-%m-%dT%H:%M:%S}"
                    f"&e={at + timedelta(seconds=1):%Y-%m-%dT%H:%M:%S}&g=1"
                )
                _, _, body = await signed_get(session, sim, path)
                assert json.loads(body) == [live]
                for sensor in live["sensors"]:
                    assert sim.counter_value(SEED_DEVICE_ID, sensor["id"], at) == sensor["data"]
                    assert (
                        sim.counter_value(SEED_DEVICE_ID, sensor["id"], reading) == sensor["data"]
                    )


def test_history_counters_follow_the_sun_and_the_battery() -> None:
    """A day of per-minute records: PV energy grows by day only, the battery charges by day and
    discharges at night, and each counter's increase is `counter_kwh(end) - counter_kwh(start)`,
    the integral of its power."""
    sim = Simulator(clients={})
    begin = datetime(2025, 8, 2, 8, tzinfo=UTC)  # 00:00 local solar time
    records = _day(sim, begin)
    assert len(records) == 1440
    series = {sid: [data_of(r)[sid] for r in records] for sid in LIFETIME_COUNTERS}
    power = [data_of(r)["BESS_PCS_CHARGE_DISCHARGE_REAL_POWER"] for r in records]
    last = begin + timedelta(minutes=1439)
    for sid in LIFETIME_COUNTERS:
        assert series[sid][0] == sim.counter_value(SEED_DEVICE_ID, sid, begin)
        assert series[sid][-1] == sim.counter_value(SEED_DEVICE_ID, sid, last)
        assert all(b >= a for a, b in itertools.pairwise(series[sid])), sid
    charge = series["BESS_LIFETIME_CHARGE_COUNTER"]
    discharge = series["BESS_LIFETIME_DISCHARGE_COUNTER"]
    night, day = slice(0, 6 * 60), slice(8 * 60, 17 * 60)  # local 00-06 and 08-17
    assert charge[night][-1] == charge[night][0]  # no charging at night
    assert discharge[night][-1] > discharge[night][0] + 10
    assert charge[day][-1] > charge[day][0] + 50
    assert discharge[day][-1] == discharge[day][0]
    pv = series["SOLAR_INVERTER_1_ENERGY"]
    assert pv[4 * 60] == pv[0]  # before sunrise (05:00)
    assert pv[-1] - pv[0] > 50
    # The increase over the day is the model's, and the integral of the battery's power.
    charged = sim.counter_kwh(SEED_DEVICE_ID, "BESS_LIFETIME_CHARGE_COUNTER", last) - (
        sim.counter_kwh(SEED_DEVICE_ID, "BESS_LIFETIME_CHARGE_COUNTER", begin)
    )
    assert charge[-1] - charge[0] == pytest.approx(charged, abs=0.011)
    assert charged == pytest.approx(0.6 * 256.5, abs=0.5)  # 20 % -> 80 % of 256.5 kWh
    assert charged == pytest.approx(sum(p for p in power if p > 0) / 60, rel=0.01)


def test_swapped_counters_move_by_65536_per_kwh() -> None:
    """`swapped_counters`: the battery counters are word-swapped registers of whole kWh, the
    guide's values at the seed time; other counters are untouched."""
    plain = Simulator(clients={})
    swapped = Simulator(clients={})
    swapped.swapped_counters = True
    at_seed = data_of(swapped.snapshot(SEED_DEVICE_ID, SEED_TIME))
    assert at_seed["BESS_LIFETIME_CHARGE_COUNTER"] == 338_624_512.0  # 5,167 x 65,536
    assert at_seed["BESS_LIFETIME_DISCHARGE_COUNTER"] == 679_870_464.0  # 10,374 x 65,536
    begin = datetime(2025, 8, 2, 8, tzinfo=UTC)
    end = begin + timedelta(days=1)
    day = _day(swapped, begin)
    for sid in ("BESS_LIFETIME_CHARGE_COUNTER", "BESS_LIFETIME_DISCHARGE_COUNTER"):
        values = [data_of(r)[sid] for r in day]
        assert all(v % 65536 == 0 for v in values), sid
        steps = {b - a for a, b in itertools.pairwise(values)}
        assert steps <= {0.0, 65536.0}, sid
        kwh = swapped.counter_kwh(SEED_DEVICE_ID, sid, end) - swapped.counter_kwh(
            SEED_DEVICE_ID, sid, begin
        )
        assert (values[-1] - values[0]) / 65536 == pytest.approx(kwh, abs=1)
        real = plain.counter_kwh(SEED_DEVICE_ID, sid, end) - plain.counter_kwh(
            SEED_DEVICE_ID, sid, begin
        )
        assert kwh == pytest.approx(real, abs=1)  # the same kWh, counted in whole units
        assert real == pytest.approx(153.9, abs=0.5)
    assert [data_of(r)["SOLAR_INVERTER_1_ENERGY"] for r in day] == [
        data_of(r)["SOLAR_INVERTER_1_ENERGY"] for r in _day(plain, begin)
    ]


def test_swapped_register_past_65535_kwh() -> None:
    """Past 65,535 kWh the swapped register's high word counts: the value falls from
    65,535 x 65,536 to 1 and goes on by 65,536 per kWh; un-swapped, the kWh run on."""
    sim = Simulator(clients={})
    sim.swapped_counters = True
    sid = "BESS_LIFETIME_CHARGE_COUNTER"
    begin = datetime(2026, 8, 27, 12, tzinfo=UTC)
    values = [
        sim.counter_value(SEED_DEVICE_ID, sid, begin + timedelta(minutes=m)) for m in range(720)
    ]
    kwh = [unswap_words(v) for v in values]
    wrap = values.index(1.0)
    assert values[wrap - 1] == 65535 * 65536
    assert kwh[wrap - 1 : wrap + 1] == [65535, 65536]
    assert all(b - a in (0, 1) for a, b in itertools.pairwise(kwh))
    assert {b - a for a, b in itertools.pairwise(values[wrap:])} == {0.0, 65536.0}
    assert kwh[-1] == sim.counter_kwh(SEED_DEVICE_ID, sid, begin + timedelta(minutes=719))
    assert [swap_words(k) for k in kwh] == values


async def test_history_gap(
    sim: Simulator, clock: VirtualClock, session: aiohttp.ClientSession
) -> None:
    """No record inside a gap, all the others around it."""
    clock.now = datetime(2025, 8, 3, tzinfo=UTC)
    gap = (datetime(2025, 8, 1, 10, tzinfo=UTC), datetime(2025, 8, 1, 12, 30, tzinfo=UTC))
    sim.history_gaps.append(gap)
    path = f"/api/devices/{SEED_DEVICE_ID}/data?b=2025-08-01T00:00:00&e=2025-08-02T00:00:00&g=1"
    _, _, body = await signed_get(session, sim, path)
    times = [r["sensors"][0]["time"] for r in json.loads(body)]
    assert len(times) == 1440 - 150
    assert not [t for t in times if gap[0].timestamp() <= t < gap[1].timestamp()]
    assert gap[0].timestamp() - 60 in times
    assert gap[1].timestamp() in times
    assert sim.history_times(*gap) == []


@pytest.mark.parametrize(
    ("shape", "key"),
    [("map", lambda t: f"{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%S}"), ("map_unix", str)],
)
async def test_history_keyed_by_time(
    sim: Simulator,
    clock: VirtualClock,
    session: aiohttp.ClientSession,
    shape: str,
    key: Any,
) -> None:
    """`history_shape`: an object keyed by each record's reading time (ISO text or Unix
    seconds), holding the same records as the list."""
    clock.now = datetime(2025, 8, 3, tzinfo=UTC)
    path = f"/api/devices/{SEED_DEVICE_ID}/data?b=2025-08-01T00:00:00&e=2025-08-01T01:00:00&g=1"
    _, _, body = await signed_get(session, sim, path)
    listed = json.loads(body)
    sim.history_shape = shape  # type: ignore[assignment]
    status, headers, body = await signed_get(
        session, sim, path, headers={"Accept": "application/gzip"}
    )
    assert status == 200
    assert headers["Content-Type"] == "application/gzip"
    keyed = json.loads(gzip.decompress(body))
    assert isinstance(keyed, dict)
    assert list(keyed.values()) == listed
    assert list(keyed) == [key(r["sensors"][0]["time"]) for r in listed]
    assert next(iter(keyed)) == key(1754006400)  # 2025-08-01T00:00:00


async def test_history_ignoring_accept(
    sim: Simulator, clock: VirtualClock, session: aiohttp.ClientSession
) -> None:
    """`history_ignores_accept`: plain JSON despite `Accept: application/gzip`; compressed by
    Content-Encoding only for a client that accepts it (aiohttp does)."""
    clock.now = datetime(2025, 8, 3, tzinfo=UTC)
    sim.history_ignores_accept = True
    path = f"/api/devices/{SEED_DEVICE_ID}/data?b=2025-08-01T00:00:00&e=2025-08-01T01:00:00&g=1"
    accept = {"Accept": "application/gzip"}
    _, headers, body = await signed_get(session, sim, path, headers=accept)
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Content-Encoding"] == "gzip"  # decoded by aiohttp
    assert len(json.loads(body)) == 60
    _, headers, raw = await signed_get(
        session, sim, path, headers={**accept, "Accept-Encoding": "identity"}
    )
    assert "Content-Encoding" not in headers
    assert raw == body
    assert raw.startswith(b"[{")
    assert sim.response_bytes[-1] == len(raw)
    assert sim.response_bytes[-2] < len(raw) // 5  # the compressed one


# ---------------------------------------------------------------------------- test controls


async def test_set_and_clear_value(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """A pinned value overrides the model (any JSON value) until cleared."""
    path = f"/api/devices/{SEED_DEVICE_ID}/data"
    sim.set_value(SEED_DEVICE_ID, "BESS_STATE_OF_CHARGE", 55.5)
    sim.set_value(SEED_DEVICE_ID, "SSU_[0062]_BV420_ZStat", "inactive")
    sim.set_value(SEED_DEVICE_ID, "BESS_WARNINGS", None)
    _, _, body = await signed_get(session, sim, path)
    data = data_of(json.loads(body))
    assert data["BESS_STATE_OF_CHARGE"] == 55.5
    assert data["SSU_[0062]_BV420_ZStat"] == "inactive"
    assert data["BESS_WARNINGS"] is None
    # Other devices are unaffected.
    assert data_of(sim.snapshot(SEED_DEVICE_ID + 1))["BESS_WARNINGS"] == 0

    sim.clear_value(SEED_DEVICE_ID, "BESS_STATE_OF_CHARGE")
    _, _, body = await signed_get(session, sim, path)
    data = data_of(json.loads(body))
    assert data["BESS_STATE_OF_CHARGE"] != 55.5
    assert data["SSU_[0062]_BV420_ZStat"] == "inactive"

    with pytest.raises(KeyError):
        sim.set_value(SEED_DEVICE_ID, "NO_SUCH_SENSOR", 1)
    with pytest.raises(KeyError):
        sim.set_value(123, "BESS_STATE_OF_CHARGE", 1)


async def test_add_and_remove_sensor(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Sensors can appear and disappear between two polls."""
    path = f"/api/devices/{SEED_DEVICE_ID}/data"
    sim.add_sensor(
        SEED_DEVICE_ID,
        {"id": "NEW_SENSOR_1", "name": "NEW SENSOR 1", "type": "Power", "units": "kW", "data": 4.2},
    )
    sim.remove_sensor(SEED_DEVICE_ID, "BESS_WARNINGS")
    _, _, body = await signed_get(session, sim, path)
    payload = json.loads(body)
    ids = [s["id"] for s in payload["sensors"]]
    assert len(ids) == 60
    assert "BESS_WARNINGS" not in ids
    assert ids[-1] == "NEW_SENSOR_1"
    new = payload["sensors"][-1]
    assert new == {
        "data": 4.2,
        "id": "NEW_SENSOR_1",
        "name": "NEW SENSOR 1",
        "time": payload["sensors"][0]["time"],
        "type": "Power",
        "units": "kW",
    }
    sim.set_value(SEED_DEVICE_ID, "NEW_SENSOR_1", 5)
    assert data_of(sim.snapshot(SEED_DEVICE_ID))["NEW_SENSOR_1"] == 5
    with pytest.raises(ValueError, match="exists"):
        sim.add_sensor(SEED_DEVICE_ID, {"id": "NEW_SENSOR_1"})
    with pytest.raises(KeyError):
        sim.remove_sensor(SEED_DEVICE_ID, "BESS_WARNINGS")
    assert len(sim.snapshot(SEED_DEVICE_ID + 1)["sensors"]) == 60


async def test_requests_are_recorded(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Every request served is recorded as (method, raw path, status)."""
    await signed_get(session, sim, f"/api/devices/{SEED_DEVICE_ID}/")
    await signed_get(session, sim, "/api/devices/999/")
    async with session.get(sim.url + "/api/devices/") as resp:
        assert resp.status == 401
    async with session.post(sim.url + "/api/devices/") as resp:
        assert resp.status == 401
    assert sim.requests == [
        ("GET", f"/api/devices/{SEED_DEVICE_ID}/", 200),
        ("GET", "/api/devices/999/", 404),
        ("GET", "/api/devices/", 401),
        ("POST", "/api/devices/", 401),
    ]


async def test_fault_hook(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """A queued fault answers the next request once; then the server behaves normally."""
    from aiohttp import web

    async def unavailable(
        request: web.Request, handler: Any
    ) -> web.StreamResponse:  # a later fault kind
        return web.Response(status=503, text="<html>busy</html>", content_type="text/html")

    sim.add_fault(unavailable)
    status, headers, body = await signed_get(session, sim, "/api/devices/")
    assert (status, body) == (503, b"<html>busy</html>")
    assert headers["Date"] == http_date(sim.now())
    status, _, _ = await signed_get(session, sim, "/api/devices/")
    assert status == 200
    assert sim.faults == []
    assert [r[2] for r in sim.requests] == [503, 200]


# ---------------------------------------------------------------------------- command line


def test_cli_refuses_remote_hosts(capsys: pytest.CaptureFixture[str]) -> None:
    """Only loopback addresses unless --allow-remote."""
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")  # noqa: S104
    assert not is_loopback("192.168.1.10")
    assert not is_loopback("example.com")
    with pytest.raises(SystemExit) as exc:
        parse_args(["--host", "192.0.2.1", "--client-id", "x", "--client-secret", "y"])
    assert exc.value.code == 2
    assert "non-loopback" in capsys.readouterr().err
    args = parse_args(["--host", "192.0.2.1", "--allow-remote", "--devices", "3"])
    assert (args.host, args.devices, args.port) == ("192.0.2.1", 3, 8099)


async def test_cli_serves_until_interrupted(session: aiohttp.ClientSession) -> None:
    """`python -m skycentrics_simulator` prints its URL and keys, serves, and stops on SIGINT."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "skycentrics_simulator",
        "--port",
        "0",
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        SECRET,
        "--devices",
        "2",
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parent.parent,
    )
    try:
        assert proc.stdout is not None
        lines = [
            (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip() for _ in range(3)
        ]
        assert lines[1:] == [f"client_id={CLIENT_ID}", f"client_secret={SECRET}"]
        url = lines[0].removeprefix("url=")
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        date = http_date(datetime.now(UTC))
        headers = {"Date": date, "x-sc-api-token": sign(CLIENT_ID, SECRET, "/api/devices/", date)}
        async with session.get(url + "/api/devices/", headers=headers) as resp:
            assert resp.status == 200
            assert len(await resp.json()) == 2
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), 30)
    assert code == 0


def test_static_serves_the_guide_values() -> None:
    """`--static` pins every sensor to the guide's value at any hour; only the times move."""
    from skycentrics_simulator.__main__ import parse_args, pin_to_seed

    assert parse_args(["--static"]).static
    assert not parse_args([]).static
    sim = Simulator(clients={"c": "s"}, device_count=2)
    night = datetime(2025, 8, 1, 11, 0, tzinfo=UTC)  # 03:00 at the building: PV would be 0
    assert sim.snapshot(SEED_DEVICE_ID, at=night)["sensors"] != load_seed_payload()["sensors"]
    pin_to_seed(sim)
    seed = {s["id"]: s["data"] for s in load_seed_payload()["sensors"]}
    for device_id in sim.devices:
        served = sim.snapshot(device_id, at=night)["sensors"]
        assert {s["id"]: s["data"] for s in served} == seed


async def test_static_since_start_has_a_moving_past(socket_enabled: None) -> None:
    """`--static` from start-up on (`pin_to_seed(since=...)`): /data shows the guide's values;
    the history before start-up moves (PV counters gain energy by day), and each counter meets
    the guide's value at start-up exactly; a power reading keeps the model's day curve."""
    from skycentrics_simulator.__main__ import pin_to_seed

    start = datetime(2025, 8, 1, 20, 0, tzinfo=UTC)  # 13:00 at the building
    async with (
        Simulator(clients={CLIENT_ID: "s"}, clock=lambda: start) as sim,
        aiohttp.ClientSession() as session,
    ):
        pin_to_seed(sim, since=sim.reading_time())  # as `--static` does
        pinned_at = sim.reading_time()
        seed = {s["id"]: s["data"] for s in load_seed_payload()["sensors"]}
        client = SkyCentricsClient(CLIENT_ID, "s", session, url=sim.url)
        live = await client.async_get_data(SEED_DEVICE_ID)
        assert {r.id: r.value for r in live.readings.values()} == seed
        day = await client.async_get_history(SEED_DEVICE_ID, start - timedelta(days=1), start)
        first, last = day[0].readings, day[-1].readings
        pv = "SOLAR_INVERTER_1_ENERGY"
        assert first[pv].value is not None
        assert last[pv].value is not None
        gained = float(last[pv].value) - float(first[pv].value)
        assert 10 < gained < 500  # a day of sun on a ~15 kW inverter, in kWh
        assert sim.counter_value(SEED_DEVICE_ID, pv, pinned_at) == seed[pv]
        assert sim.counter_value(SEED_DEVICE_ID, pv, pinned_at - 60) <= seed[pv]
        assert seed[pv] - sim.counter_value(SEED_DEVICE_ID, pv, pinned_at - 60) < 1
        night = start - timedelta(hours=12)  # 01:00 at the building
        power = "SOLAR_INVERTER_1_ACTIVE_POWER"
        assert sim.counter_value(SEED_DEVICE_ID, power, night) == 0


async def test_control_port_pins_from_the_next_reading(socket_enabled: None) -> None:
    """`--control-port` (e2e): PUT /values/<device id> pins sensors from the next reading on,
    the model's past before it; an unknown device or sensor is a 404, a body that is no JSON
    object a 400; nothing but 127.0.0.1 listens."""
    import socket

    from skycentrics_simulator.__main__ import parse_args, start_control

    assert parse_args(["--control-port", "8100"]).control_port == 8100
    assert parse_args([]).control_port is None
    start = datetime(2025, 8, 1, 20, 0, 30, tzinfo=UTC)  # 13:00 at the building: charging
    sim = Simulator(clients={"c": "s"}, clock=lambda: start)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    runner = await start_control(sim, port)
    power = "BESS_PCS_CHARGE_DISCHARGE_REAL_POWER"
    try:
        before = sim.counter_value(SEED_DEVICE_ID, power, sim.reading_time())
        assert before > 0
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{port}/values/{SEED_DEVICE_ID}"
            async with session.put(url, json={power: -9.9}) as response:
                assert response.status == 200
                since = (await response.json())["since"]
            for body, status in (([1], 400), ({"NO_SUCH_SENSOR": 1}, 404)):
                async with session.put(url, json=body) as response:
                    assert response.status == status
            async with session.put(
                f"http://127.0.0.1:{port}/values/1", json={power: 1}
            ) as response:
                assert response.status == 404
        assert since == sim.reading_time() + sim.sample_interval
        assert sim.counter_value(SEED_DEVICE_ID, power, since) == -9.9
        assert sim.counter_value(SEED_DEVICE_ID, power, since - 60) == before
        assert [a[0] for a in runner.addresses] == ["127.0.0.1"]
    finally:
        await runner.cleanup()


async def test_unsigned_requests_when_allowed(socket_enabled: None) -> None:
    """`require_signature=False` serves unsigned requests (for the RESTful comparison); a
    request that carries a token is still checked; answers are gzipped for clients that accept
    it, and their sizes as sent are recorded."""
    async with (
        Simulator(clients={"c": "s"}, require_signature=False) as sim,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(f"{sim.url}/api/devices/{SEED_DEVICE_ID}/data") as response:
            assert response.status == 200
            assert response.headers["Content-Encoding"] == "gzip"  # aiohttp asks for it
            body = await response.read()
        async with session.get(
            f"{sim.url}/api/devices/", headers={"x-sc-api-token": "c:bad"}
        ) as response:
            assert response.status == 401
        assert 0 < sim.response_bytes[0] < len(body) / 4  # sizes as sent: compressed
        assert len(sim.response_bytes) == len(sim.requests) == 2
    async with (
        Simulator(clients={"c": "s"}) as strict,
        aiohttp.ClientSession() as session,
        session.get(f"{strict.url}/api/devices/") as response,
    ):
        assert response.status == 401


# ---------------------------------------------------------------------------- fleet

FLEET_TYPES = {
    FLEET_WATER_HEATER_ID: 107,
    FLEET_THERMOSTAT_ID: 242,
    FLEET_EV_CHARGER_ID: 110,
    FLEET_SKYBOX_ID: 250,
    FLEET_PLUG_ID: 3,
}


@pytest.fixture
async def fleet_sim(clock: VirtualClock) -> AsyncIterator[Simulator]:
    """A running simulator with its fleet, on virtual time."""
    async with Simulator(clients={CLIENT_ID: SECRET}, clock=clock, fleet=True) as simulator:
        yield simulator


async def signed_put(
    session: aiohttp.ClientSession,
    sim: Simulator,
    path: str,
    body: bytes,
    *,
    content_type: str = "application/json",
    signed_body: bytes | None = None,
    signed_type: str | None = None,
) -> tuple[int, Any]:
    """PUT `body` to `path`, signed for `signed_body` / `signed_type` (default: as sent)."""
    date = http_date(sim.now())
    to_sign = (
        f"PUT {path} HTTP/1.1\n{date}\n"
        f"{content_type if signed_type is None else signed_type}\n"
        + hashlib.md5(
            body if signed_body is None else signed_body, usedforsecurity=False
        ).hexdigest()
    )
    digest = hmac.new(SECRET.encode(), to_sign.encode(), hashlib.sha1).digest()
    headers = {
        "Date": date,
        "x-sc-api-token": f"{CLIENT_ID}:{base64.b64encode(digest).decode()}",
        "Content-Type": content_type,
    }
    async with session.put(URL(sim.url + path, encoded=True), data=body, headers=headers) as resp:
        return resp.status, await resp.json()


def _cta(sim: Simulator, device_id: int, at: datetime | None = None) -> dict[str, Any]:
    """The CTA-2045 payload's scalar fields and commodity 0/7 values of a device."""
    payload = sim.snapshot(device_id, at)
    commodities = {c["code"]: c for c in payload["commodities"]}
    return {
        "state": payload["state"],
        "relay": payload["relay"],
        "power": payload.get("power"),
        "watts": commodities[0]["instantaneous"],
        "energy": commodities[0]["cumulative"],
        "take": commodities[7]["cumulative"] if 7 in commodities else None,
        "time": payload["time"],
    }


async def test_default_has_no_fleet(sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Without `fleet`, exactly the SkyBoxes asked for; the fleet's ids are unknown (404)."""
    assert list(sim.devices) == [SEED_DEVICE_ID, SEED_DEVICE_ID + 1]
    status, _, _ = await signed_get(session, sim, f"/api/devices/{FLEET_WATER_HEATER_ID}/data")
    assert status == 404
    assert parse_args([]).fleet is False
    assert parse_args(["--fleet"]).fleet is True


async def test_fleet_devices_on_the_same_account(
    fleet_sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """The fleet is listed after the seed device, on its account, each with its type, a name
    and a MAC of its own."""
    status, _, body = await signed_get(session, fleet_sim, "/api/devices/")
    assert status == 200
    devices = json.loads(body)
    assert [d["id"] for d in devices] == [SEED_DEVICE_ID, *FLEET_DEVICE_IDS]
    seed = load_seed_device()
    for device in devices[1:]:
        assert device["type"] == FLEET_TYPES[device["id"]]
        assert (device["user"], device["group"], device["client"]) == (
            seed["user"],
            seed["group"],
            seed["client"],
        )
    assert len({d["mac"] for d in devices}) == len({d["name"] for d in devices}) == 6
    with pytest.raises(ValueError, match="fleet"):
        Simulator(clients={}, device_count=50_000, fleet=True)


async def test_fleet_payload_shapes(fleet_sim: Simulator, session: aiohttp.ClientSession) -> None:
    """Each fleet device's `/data` is shaped as the SDK's DTOs: no `sensors` list but for the
    second SkyBox, which has its 60 sensors and four filled `ct` channels."""
    shapes = {}
    for device_id in FLEET_DEVICE_IDS:
        status, _, body = await signed_get(session, fleet_sim, f"/api/devices/{device_id}/data")
        assert status == 200
        payload = json.loads(body)
        assert payload == fleet_sim.snapshot(device_id)
        assert payload["device"] == device_id
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", payload["time"])
        shapes[device_id] = set(payload)
    assert shapes[FLEET_WATER_HEATER_ID] == {
        *("device", "time", "relay", "override", "power", "state", "hold_mode", "setpoint"),
        *("offset", "temperature", "commodity", "commodities"),
    }
    assert shapes[FLEET_EV_CHARGER_ID] == {
        *("device", "time", "relay", "override", "state", "commodity", "commodities"),
    }
    assert shapes[FLEET_THERMOSTAT_ID] == {
        *("device", "time", "temperature", "thermostat", "fan", "humidity", "setpoint"),
    }
    assert set(fleet_sim.snapshot(FLEET_THERMOSTAT_ID)["thermostat"]) == {"mode", "state", "hold"}
    assert shapes[FLEET_PLUG_ID] == {
        *("device", "time", "relay", "power", "power_level", "commodity", "commodities"),
    }
    skybox = fleet_sim.snapshot(FLEET_SKYBOX_ID)
    assert len(skybox["sensors"]) == 60
    assert [c["id"] for c in skybox["ct"]] == [1, 2, 3, 4]
    for channel in skybox["ct"]:
        assert set(channel) == {"id", "current", "power", "power_factor", "rating", "voltage"}
        assert set(channel["power"]) == {"apparent", "real"}
        assert channel["power"]["apparent"] >= channel["power"]["real"] > 0
        assert 0.9 < channel["power_factor"] <= 1
        assert 115 < channel["voltage"] < 125
        assert 0 < channel["current"] < channel["rating"]
    heater = fleet_sim.snapshot(FLEET_WATER_HEATER_ID)
    assert [c["code"] for c in heater["commodities"]] == [0, 6, 7]
    assert heater["commodity"] == heater["commodities"][0]
    assert heater["commodities"][0]["units"] == "W & W-hr"
    with pytest.raises(KeyError):
        fleet_sim.set_value(FLEET_WATER_HEATER_ID, "BESS_STATE_OF_CHARGE", 1)


def test_water_heater_cycles_plausibly() -> None:
    """Over two days, minute by minute: the heat pump cycles (relay and power together), the
    present storage capacity falls while it heats and rises while it does not, the water is
    between 85 and 125 F, and the lifetime counter grows by exactly what the power uses."""
    sim = Simulator(clients={}, fleet=True)
    begin = datetime(2026, 1, 10, tzinfo=UTC)
    records = sim.history(FLEET_WATER_HEATER_ID, begin, begin + timedelta(days=1))
    records += sim.history(
        FLEET_WATER_HEATER_ID, begin + timedelta(days=1), begin + timedelta(days=2)
    )
    assert len(records) == 2880
    relay = [r["relay"] for r in records]
    assert 0 < sum(relay) < len(relay) / 2
    assert sum(1 for a, b in itertools.pairwise(relay) if (a, b) == (0, 1)) >= 6  # cycles
    for a, b in itertools.pairwise(records):
        take_a, take_b = a["commodities"][2]["cumulative"], b["commodities"][2]["cumulative"]
        if a["relay"] and b["relay"]:
            assert take_b < take_a  # heating: the tank can take less and less
        if not a["relay"] and not b["relay"]:
            assert take_b >= take_a
        assert b["commodity"]["cumulative"] >= a["commodity"]["cumulative"]
        assert 85 <= b["temperature"]["data"][0] <= 125
        assert (b["power"] > 0) == bool(b["relay"]) == (b["state"] == 1)
    used = records[-1]["commodity"]["cumulative"] - records[0]["commodity"]["cumulative"]
    heating_minutes = sum(relay[1:])
    assert abs(used - heating_minutes / 60 * 1000) < 1000 / 60 * 2  # 1 kW while heating


def test_charger_sessions() -> None:
    """Each evening from 18:00 local (02:00 UTC) the car charges 16 kWh at 7.2 kW, then the
    charger waits; the lifetime counter grows by 16 kWh a day."""
    sim = Simulator(clients={}, fleet=True)
    begin = datetime(2026, 1, 10, tzinfo=UTC)
    records = sim.history(FLEET_EV_CHARGER_ID, begin, begin + timedelta(days=1))
    charging = [n for n, r in enumerate(records) if r["relay"]]
    assert charging[0] == 120  # 02:00 UTC
    assert len(charging) == math.ceil(16_000 / 7_200 * 60)
    assert {records[n]["commodity"]["instantaneous"] for n in charging} == {7200}
    energy = [r["commodity"]["cumulative"] for r in records]
    assert energy == sorted(energy)
    day = _cta(sim, FLEET_EV_CHARGER_ID, begin + timedelta(days=1))
    assert day["energy"] - _cta(sim, FLEET_EV_CHARGER_ID, begin)["energy"] == 16_000


def test_thermostat_moves_with_the_day() -> None:
    """The room warms in the afternoon and cools at night; in the afternoon it would pass the
    cool setpoint: cooling (and the fan) keep it there."""
    sim = Simulator(clients={}, fleet=True)
    begin = datetime(2026, 7, 10, 8, tzinfo=UTC)  # midnight local
    records = sim.history(FLEET_THERMOSTAT_ID, begin, begin + timedelta(days=1))
    temperatures = [r["temperature"]["data"][0] for r in records]
    assert 71 < min(temperatures) < 73
    assert 75.5 < max(temperatures) <= 76.5
    cooling = [r["thermostat"]["state"] == 2 for r in records]
    assert 0 < sum(cooling) < len(records) / 2
    for record, cools in zip(records, cooling, strict=True):
        assert record["thermostat"] == {"mode": 2, "state": 2 if cools else 0, "hold": 0}
        assert record["fan"] == {"mode": 0, "state": 1 if cools else 0}
        assert record["temperature"]["data"][0] >= (75.5 if cools else 71)
        assert record["setpoint"] == {"data": [68, 76], "units": "F"}
        assert 40 <= record["humidity"]["data"][0] <= 56


# ---------------------------------------------------------------------------- demand response


async def test_control_requests_are_signed_with_body_and_type(
    fleet_sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """A PUT is checked like any request, its content type and body MD5 included: signed for
    another body or type, it is a 401 with the API's JSON error (not recorded, no effect)."""
    path = f"/api/devices/{FLEET_WATER_HEATER_ID}/load_shed"
    body = b'{"s":1,"duration":600}'
    invalid = {"error": {"message": "invalid signature"}}
    assert await signed_put(
        session, fleet_sim, path, b'{"s":1,"duration":6000}', signed_body=body
    ) == (401, invalid)
    assert await signed_put(session, fleet_sim, path, body, signed_type="") == (401, invalid)
    assert await signed_put(
        session, fleet_sim, path, body, content_type="text/plain", signed_type="application/json"
    ) == (401, invalid)
    assert fleet_sim.control_requests == []
    assert fleet_sim.command_in_force(FLEET_WATER_HEATER_ID) is None
    status, answer = await signed_put(session, fleet_sim, path, body)
    assert (status, answer) == (
        200,
        {"device": FLEET_WATER_HEATER_ID, "accepted": {"s": 1, "duration": 600}},
    )
    assert fleet_sim.control_requests == [("PUT", path, {"s": 1, "duration": 600})]
    assert fleet_sim.requests[-1] == ("PUT", path, 200)


@pytest.mark.parametrize(
    ("endpoint", "body", "content_type", "status"),
    [
        ("event", b'{"event":"LU","duration":60}', "text/plain", 415),
        ("event", b"not json", "application/json", 415),
        ("event", b'{"event":"XX","duration":60}', "application/json", 400),
        ("event", b'{"event":"LU","duration":0}', "application/json", 400),
        ("event", b'{"event":"LU","duration":86401}', "application/json", 400),
        ("event", b'{"event":"LU","duration":true}', "application/json", 400),
        ("event", b'{"event":"LU"}', "application/json", 400),
        ("event", b"[1]", "application/json", 400),
        ("load_shed", b'{"s":2}', "application/json", 400),
        ("load_shed", b'{"s":true,"duration":60}', "application/json", 400),
        ("load_shed", b'{"s":1,"duration":0}', "application/json", 400),
        ("load_shed", b'{"s":1,"duration":"60"}', "application/json", 400),
    ],
)
async def test_malformed_commands(
    fleet_sim: Simulator,
    session: aiohttp.ClientSession,
    endpoint: str,
    body: bytes,
    content_type: str,
    status: int,
) -> None:
    """Signed correctly but not a command: 415 (not JSON) or 400, the API's JSON error; the
    request is recorded, nothing is in force."""
    path = f"/api/devices/{FLEET_WATER_HEATER_ID}/{endpoint}"
    got, answer = await signed_put(session, fleet_sim, path, body, content_type=content_type)
    assert got == status
    assert answer["error"]["message"]
    assert len(fleet_sim.control_requests) == 1
    assert fleet_sim.command_in_force(FLEET_WATER_HEATER_ID) is None


async def test_control_refusals_and_unknown_devices(
    fleet_sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """`control_forbidden`: 403 with the API's JSON error, the device still readable; an
    unknown device: 404; a GET on a control path: 405."""
    fleet_sim.control_forbidden.add(FLEET_EV_CHARGER_ID)
    path = f"/api/devices/{FLEET_EV_CHARGER_ID}/event"
    status, answer = await signed_put(session, fleet_sim, path, b'{"event":"GE","duration":60}')
    assert (status, answer) == (
        403,
        {"error": {"message": "You do not have permission to perform this action."}},
    )
    assert fleet_sim.control_requests == [("PUT", path, {"event": "GE", "duration": 60})]
    assert fleet_sim.command_in_force(FLEET_EV_CHARGER_ID) is None
    status, _, _ = await signed_get(session, fleet_sim, f"/api/devices/{FLEET_EV_CHARGER_ID}/data")
    assert status == 200
    status, answer = await signed_put(session, fleet_sim, "/api/devices/7/load_shed", b'{"s":0}')
    assert status == 404
    status, _, body = await signed_get(session, fleet_sim, path)
    assert status == 405
    assert json.loads(body)["error"]["message"]


async def test_effects_in_data_on_virtual_time(
    fleet_sim: Simulator, clock: VirtualClock, session: aiohttp.ClientSession
) -> None:
    """A shed shows at once (the device reports when a command starts), lasts its duration,
    and ends by itself; LU is state 3; a new command replaces the one in force; `{"s": 0}`
    ends it at once."""
    heater = FLEET_WATER_HEATER_ID
    path = f"/api/devices/{heater}"
    clock.advance(seconds=30)  # between two readings of the minute grid
    await signed_put(session, fleet_sim, f"{path}/load_shed", b'{"s":1,"duration":300}')
    _, _, body = await signed_get(session, fleet_sim, f"{path}/data")
    live = json.loads(body)
    assert (live["state"], live["relay"], live["power"]) == (2, 0, 0)
    assert live["time"] == payload_time(int(clock.now.timestamp()) + 1)
    clock.advance(seconds=299)
    assert _cta(fleet_sim, heater)["state"] == 2
    clock.advance(seconds=1)
    ended = _cta(fleet_sim, heater)
    assert ended["state"] in (0, 1)
    assert ended["time"] == payload_time(int(clock.now.timestamp()) + 1)  # reported at once
    await signed_put(session, fleet_sim, f"{path}/event", b'{"event":"LU","duration":3600}')
    up = _cta(fleet_sim, heater)
    assert (up["state"], up["relay"]) == (3, 1)
    assert up["power"] > 0
    clock.advance(minutes=10)
    await signed_put(session, fleet_sim, f"{path}/event", b'{"event":"CPE","duration":3600}')
    assert _cta(fleet_sim, heater)["state"] == 2
    assert [c.kind for c in fleet_sim.commands(heater)] == ["shed", "LU", "CPE"]
    assert fleet_sim.commands(heater)[1].end == fleet_sim.commands(heater)[2].start
    clock.advance(minutes=1)
    await signed_put(session, fleet_sim, f"{path}/load_shed", b'{"s":0,"duration":0}')
    assert _cta(fleet_sim, heater)["state"] in (0, 1)
    assert fleet_sim.command_in_force(heater) is None
    await signed_put(session, fleet_sim, f"{path}/load_shed", b'{"s":1}')  # until ended
    clock.advance(days=2)
    assert fleet_sim.command_in_force(heater) == "shed"
    assert _cta(fleet_sim, heater)["take"] == 4800  # two days without heat: the tank is cold


async def test_a_shed_in_history(
    fleet_sim: Simulator, clock: VirtualClock, session: aiohttp.ClientSession
) -> None:
    """History shows the command's effect at the times it was in force, as `/data` did; the
    water heater's counter stands still meanwhile."""
    heater = FLEET_WATER_HEATER_ID
    start = clock.now
    await signed_put(
        session, fleet_sim, f"/api/devices/{heater}/event", b'{"event":"GE","duration":1800}'
    )
    clock.advance(hours=2)
    records = fleet_sim.history(heater, start, start + timedelta(hours=2))
    states = [r["state"] for r in records]
    assert states[:30] == [2] * 30
    assert 2 not in states[31:]
    energy = [r["commodity"]["cumulative"] for r in records[:30]]
    assert len(set(energy)) == 1
    path = (
        f"/api/devices/{heater}/data?b={start:%Y-%m-%dT%H:%M:%S}"
        f"&e={start + timedelta(hours=2):%Y-%m-%dT%H:%M:%S}&g=1"
    )
    status, _, body = await signed_get(session, fleet_sim, path)
    assert status == 200
    assert json.loads(body) == records


def test_static_skips_the_fleets_other_kinds() -> None:
    """`--static` pins the sensors of every SkyBox, the fleet's too, and leaves the others."""
    from skycentrics_simulator.__main__ import pin_to_seed

    sim = Simulator(clients={"c": "s"}, fleet=True)
    pin_to_seed(sim)
    night = datetime(2025, 8, 1, 11, 0, tzinfo=UTC)
    seed = {s["id"]: s["data"] for s in load_seed_payload()["sensors"]}
    assert data_of(sim.snapshot(FLEET_SKYBOX_ID, at=night)) == seed
    assert "sensors" not in sim.snapshot(FLEET_WATER_HEATER_ID, at=night)


def test_after_commands_the_devices_carry_on() -> None:
    """After a command the models go on from where it left them: the water heater heats what
    the shed let cool and cycles on for days (its counter never falls, it used no more than it
    would have); a shed as long as a whole charging session costs that session's energy, one
    that ends in time costs nothing."""
    from skycentrics_simulator.fleet import Command, charger_energy, tank_state

    start = int(datetime(2026, 1, 10, 12, tzinfo=UTC).timestamp())
    shed = [Command("shed", start, start + 4 * 3600)]
    free = tank_state([], start)
    after = tank_state(shed, start + 4 * 3600)
    assert after.deficit > free.deficit  # it cooled meanwhile
    minutes = range(0, 3 * 24 * 60, 7)
    energy = [tank_state(shed, start + 4 * 3600 + 60 * m).energy for m in minutes]
    assert energy == sorted(energy)
    later = start + 10 * 86_400
    assert 0 <= tank_state([], later).energy - tank_state(shed, later).energy < 1000
    assert tank_state(shed, later).deficit <= 4800
    lifted = [Command("LU", start, start + 3600)]
    assert tank_state(lifted, start + 3600).deficit == 0
    assert tank_state(lifted, start + 7200).heating is False

    evening = int(datetime(2026, 1, 11, 2, tzinfo=UTC).timestamp())  # 18:00 local
    next_day = evening + 86_400 - 3600
    baseline = charger_energy([], next_day)[0]
    short = [Command("shed", evening, evening + 3600)]
    assert charger_energy(short, next_day)[0] == baseline  # charged after the shed
    whole = [Command("shed", evening - 60, evening + 13 * 3600)]
    assert charger_energy(whole, next_day)[0] == baseline - 16_000
    open_ended = [Command("shed", evening - 60, None)]
    two_days = next_day + 86_400
    assert charger_energy(open_ended, two_days)[0] == charger_energy([], two_days)[0] - 32_000


# ---------------------------------------------------------------------------- settings

THERMOSTAT = FLEET_THERMOSTAT_ID
PLUG = FLEET_PLUG_ID


async def put_setting(
    session: aiohttp.ClientSession, sim: Simulator, device_id: int, prop: str, body: Any
) -> tuple[int, Any]:
    """PUT a setting to a fleet device under its own group, signed."""
    group = "smartplugs" if device_id == PLUG else "devices"
    return await signed_put(
        session, sim, f"/api/{group}/{device_id}/{prop}", json.dumps(body).encode()
    )


async def test_settings_are_signed_and_recorded(
    fleet_sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """The settings' routes are behind the signature check like every other (401 unsigned,
    nothing recorded); a taken setting is answered like a command and recorded."""
    path = f"/api/devices/{THERMOSTAT}/hold_mode"
    async with session.put(fleet_sim.url + path, json={"data": 1}) as response:
        assert response.status == 401
    assert await signed_put(session, fleet_sim, path, b'{"data":1}', signed_body=b"{}") == (
        401,
        {"error": {"message": "invalid signature"}},
    )
    assert fleet_sim.control_requests == []
    assert fleet_sim.changes(THERMOSTAT) == []
    fleet_sim.control_status = 202
    assert await signed_put(session, fleet_sim, path, b'{"data":1}') == (
        202,
        {"device": THERMOSTAT, "accepted": {"data": 1}},
    )
    assert fleet_sim.control_requests == [("PUT", path, {"data": 1})]
    now = int(fleet_sim.now().timestamp())
    assert [(c.time, c.prop, c.value) for c in fleet_sim.changes(THERMOSTAT)] == [
        (now, "hold_mode", 1)
    ]


SETTING_ERRORS: list[tuple[str, int, str, bytes, str, int, str]] = [
    # (group, device, prop, body, content type, status, in the message)
    ("smartplugs", THERMOSTAT, "hold_mode", b'{"data":1}', "application/json", 404, "not found"),
    ("thermostats", THERMOSTAT, "hold_mode", b'{"data":1}', "application/json", 404, ""),
    ("devices", PLUG, "relay", b'{"d":0}', "application/json", 404, ""),
    ("devices", 7, "relay", b'{"d":0}', "application/json", 404, ""),
    ("devices", THERMOSTAT, "hold_mode", b'{"data":1}', "text/plain", 415, "JSON"),
    ("devices", THERMOSTAT, "hold_mode", b"{data:1}", "application/json", 415, "JSON"),
    ("devices", THERMOSTAT, "relay", b'{"d":0}', "application/json", 400, "does not take"),
    ("smartplugs", PLUG, "fan_mode", b'{"data":0}', "application/json", 400, "does not take"),
    ("devices", FLEET_WATER_HEATER_ID, "temp_setpoint", b"{}", "application/json", 400, "CTA"),
    ("devices", FLEET_EV_CHARGER_ID, "relay", b'{"d":0}', "application/json", 400, "take"),
    ("devices", SEED_DEVICE_ID, "power_level", b'{"d":1}', "application/json", 400, "take"),
    ("devices", THERMOSTAT, "hold_mode", b'{"data":2}', "application/json", 400, "0 | 1"),
    ("devices", THERMOSTAT, "hold_mode", b'{"data":true}', "application/json", 400, "0 | 1"),
    ("devices", THERMOSTAT, "thermostat_mode", b'{"data":1}', "application/json", 400, "heat"),
    ("devices", THERMOSTAT, "fan_mode", b'{"data":2}', "application/json", 400, "auto, low"),
    ("devices", THERMOSTAT, "fan_mode", b'{"d":0}', "application/json", 400, '"data"'),
    ("devices", THERMOSTAT, "temp_setpoint", b'{"setpoint":[70,72],"units":"F"}', "", 415, ""),
    (
        "devices",
        THERMOSTAT,
        "temp_setpoint",
        b'{"setpoint":[70,72],"units":"F"}',
        "application/json",
        400,
        '"type": 10',
    ),
    (
        "devices",
        THERMOSTAT,
        "temp_setpoint",
        b'{"setpoint":[72,70],"units":"F","type":10}',
        "application/json",
        400,
        "heat <= cool",
    ),
    (
        "devices",
        THERMOSTAT,
        "temp_setpoint",
        b'{"setpoint":[21,24],"units":"C","type":10}',
        "application/json",
        400,
        "whole degrees F",
    ),
    (
        "devices",
        THERMOSTAT,
        "temp_setpoint",
        b'{"setpoint":[70.5,72],"units":"F","type":10}',
        "application/json",
        400,
        "from 40 to 95",
    ),
    ("smartplugs", PLUG, "relay", b'{"d":1,"duration":5}', "application/json", 400, '{"d": 0'),
    ("smartplugs", PLUG, "power_level", b'{"d":101}', "application/json", 400, "0 to 100"),
    ("smartplugs", PLUG, "dimmer", b'{"d":-1}', "application/json", 400, "0 to 100"),
    ("smartplugs", PLUG, "dimmer", b"[50]", "application/json", 400, "0 to 100"),
]


@pytest.mark.parametrize(
    ("group", "device_id", "prop", "body", "content_type", "status", "message"), SETTING_ERRORS
)
async def test_settings_refused(
    fleet_sim: Simulator,
    session: aiohttp.ClientSession,
    group: str,
    device_id: int,
    prop: str,
    body: bytes,
    content_type: str,
    status: int,
    message: str,
) -> None:
    """Signed correctly but refused: a group not the device's or an unknown device (404), not
    JSON (415), a setting the device does not take or a body not of the SDK's shape (400, the
    message naming the shape); recorded, nothing changed."""
    path = f"/api/{group}/{device_id}/{prop}"
    before = fleet_sim.snapshot(THERMOSTAT), fleet_sim.snapshot(PLUG)
    got, answer = await signed_put(session, fleet_sim, path, body, content_type=content_type)
    assert (got, message in answer["error"]["message"]) == (status, True), answer
    assert len(fleet_sim.control_requests) == 1
    assert (fleet_sim.snapshot(THERMOSTAT), fleet_sim.snapshot(PLUG)) == before
    assert fleet_sim.changes(device_id) == []


async def test_settings_forbidden_and_unknown_routes(
    fleet_sim: Simulator, session: aiohttp.ClientSession
) -> None:
    """`control_forbidden` refuses settings too (403, readable still); a property the simulator
    does not serve is no route (404); a GET on a setting's path is a 405."""
    fleet_sim.control_forbidden.add(PLUG)
    assert (await put_setting(session, fleet_sim, PLUG, "relay", {"d": 0}))[0] == 403
    assert fleet_sim.snapshot(PLUG)["relay"] == 1
    body = b'{"offset":1,"units":"F"}'
    path = f"/api/devices/{THERMOSTAT}/temp_offset"
    assert (await signed_put(session, fleet_sim, path, body))[0] == 404
    status, _, _ = await signed_get(session, fleet_sim, f"/api/devices/{THERMOSTAT}/fan_mode")
    assert status == 405
    assert fleet_sim.changes(PLUG) == fleet_sim.changes(THERMOSTAT) == []


async def test_thermostat_heats_cools_and_drifts(
    fleet_sim: Simulator, clock: VirtualClock, session: aiohttp.ClientSession
) -> None:
    """From the PUT's second on: heat mode heats the room at 4 F an hour to the heat setpoint
    and holds it there (state 1 heating, the fan on); off lets it drift back (idle); cool mode
    cools to the cool setpoint; the fan mode and hold show in the readings; history shows each
    setting from the second it was taken."""
    night = datetime(2026, 1, 10, 12, 0, 30, tzinfo=UTC)  # 04:00 local: 72.4 F ambient
    clock.now = night
    start = fleet_sim.snapshot(THERMOSTAT)
    assert start["thermostat"] == {"mode": 2, "state": 0, "hold": 0}
    assert 71.5 <= start["temperature"]["data"][0] <= 73
    assert await put_setting(
        session,
        fleet_sim,
        THERMOSTAT,
        "temp_setpoint",
        {"setpoint": [76, 80], "units": "F", "type": 10},
    ) == (200, {"device": THERMOSTAT, "accepted": {"setpoint": [76, 80], "units": "F", "type": 10}})
    await put_setting(session, fleet_sim, THERMOSTAT, "thermostat_mode", {"data": 4})
    heating = fleet_sim.snapshot(THERMOSTAT)
    assert heating["time"] == payload_time(int(night.timestamp()) + 1)  # reported at once
    assert heating["thermostat"] == {"mode": 1, "state": 1, "hold": 0}
    assert heating["fan"] == {"mode": 0, "state": 1}
    assert heating["setpoint"] == {"data": [76, 80], "units": "F"}
    clock.advance(minutes=30)
    assert 73.5 <= fleet_sim.snapshot(THERMOSTAT)["temperature"]["data"][0] <= 75
    clock.advance(hours=2)
    held = fleet_sim.snapshot(THERMOSTAT)
    assert 75.5 <= held["temperature"]["data"][0] <= 76.5
    assert held["thermostat"]["state"] == 1  # keeping it at 76 F
    await put_setting(session, fleet_sim, THERMOSTAT, "thermostat_mode", {"data": 0})
    clock.advance(minutes=30)
    off = fleet_sim.snapshot(THERMOSTAT)
    assert off["thermostat"] == {"mode": 0, "state": 0, "hold": 0}
    assert off["fan"] == {"mode": 0, "state": 0}
    assert 73.5 <= off["temperature"]["data"][0] <= 74.5  # drifting down
    await put_setting(
        session,
        fleet_sim,
        THERMOSTAT,
        "temp_setpoint",
        {"setpoint": [60, 70], "units": "F", "type": 10},
    )
    await put_setting(session, fleet_sim, THERMOSTAT, "thermostat_mode", {"data": 3})
    await put_setting(session, fleet_sim, THERMOSTAT, "hold_mode", {"data": 1})
    await put_setting(session, fleet_sim, THERMOSTAT, "fan_mode", {"data": 5})
    clock.advance(hours=2)
    cooled = fleet_sim.snapshot(THERMOSTAT)
    assert cooled["thermostat"] == {"mode": 2, "state": 2, "hold": 1}
    assert cooled["fan"] == {"mode": 2, "state": 1}
    assert 69.5 <= cooled["temperature"]["data"][0] <= 70.5
    await put_setting(session, fleet_sim, THERMOSTAT, "fan_mode", {"data": 3})
    await put_setting(session, fleet_sim, THERMOSTAT, "thermostat_mode", {"data": 8})
    fan = fleet_sim.snapshot(THERMOSTAT)
    assert fan["thermostat"] == {"mode": 0, "state": 0, "hold": 1}
    assert fan["fan"] == {"mode": 2, "state": 1}
    await put_setting(session, fleet_sim, THERMOSTAT, "fan_mode", {"data": 0})
    assert fleet_sim.snapshot(THERMOSTAT)["fan"] == {"mode": 2, "state": 1}  # fan mode: on
    records = fleet_sim.history(THERMOSTAT, night - timedelta(minutes=5), clock.now)
    modes = [r["thermostat"]["mode"] for r in records]
    assert modes == [2] * 5 + [1] * 150 + [0] * 30 + [2] * 120
    assert [r for r in records if r["time"] == heating["time"]] == []  # a report, not a record
    assert records[5]["setpoint"]["data"] == [76, 80]  # 04:01 local: the minute after the PUT


def test_room_follows_the_mode_smoothly() -> None:
    """The room never jumps: minute by minute through mode changes it moves at most 4 F an
    hour plus the ambient's own drift; it settles on the setpoint or the ambient."""
    from skycentrics_simulator.fleet import ambient, room_temperature
    from skycentrics_simulator.settings import Change

    t0 = int(datetime(2026, 1, 10, 20, tzinfo=UTC).timestamp())  # noon local
    changes = [
        Change(t0, "temp_setpoint", (66, 70)),
        Change(t0, "thermostat_mode", 3),
        Change(t0 + 3600, "thermostat_mode", 4),
        Change(t0 + 3 * 3600, "thermostat_mode", 0),
        Change(t0 + 5 * 3600, "thermostat_mode", 8),
    ]
    rooms = [room_temperature(changes, t0 + 60 * m) for m in range(-10, 10 * 60)]
    assert all(abs(b - a) <= 4 / 60 + 0.02 for a, b in itertools.pairwise(rooms))
    assert rooms[10] == 76  # held at the default cool setpoint on a 77 F afternoon
    assert rooms[10 + 60] == pytest.approx(72)  # cooled for an hour
    assert room_temperature(changes, t0 + 10 * 3600) == ambient(t0 + 10 * 3600)


async def test_plug_relay_and_level(
    fleet_sim: Simulator, clock: VirtualClock, session: aiohttp.ClientSession
) -> None:
    """The plug draws 120 W at level 100 with its relay closed; `relay` opens it (no power, the
    counter still), `power_level` and `dimmer` set the one level it has (power follows); the
    lifetime counter grows by exactly what it drew."""
    on = fleet_sim.snapshot(PLUG)
    assert (on["relay"], on["power"], on["power_level"]) == (1, 120.0, 100)
    assert on["commodity"] == on["commodities"][0]
    assert (on["commodity"]["code"], on["commodity"]["instantaneous"]) == (0, 120)
    energy = on["commodity"]["cumulative"]
    assert await put_setting(session, fleet_sim, PLUG, "relay", {"d": 0}) == (
        200,
        {"device": PLUG, "accepted": {"d": 0}},
    )
    off = fleet_sim.snapshot(PLUG)
    assert (off["relay"], off["power"], off["commodity"]["instantaneous"]) == (0, 0.0, 0)
    clock.advance(hours=3)
    assert fleet_sim.snapshot(PLUG)["commodity"]["cumulative"] == off["commodity"]["cumulative"]
    await put_setting(session, fleet_sim, PLUG, "power_level", {"d": 50})
    assert fleet_sim.snapshot(PLUG)["power"] == 0.0  # the relay is still open
    await put_setting(session, fleet_sim, PLUG, "relay", {"d": 1})
    half = fleet_sim.snapshot(PLUG)
    assert (half["relay"], half["power"], half["power_level"]) == (1, 60.0, 50)
    clock.advance(hours=2)
    await put_setting(session, fleet_sim, PLUG, "dimmer", {"d": 25})
    quarter = fleet_sim.snapshot(PLUG)
    assert (quarter["power"], quarter["power_level"]) == (30.0, 25)
    assert quarter["commodity"]["cumulative"] - half["commodity"]["cumulative"] == 120
    assert [c.prop for c in fleet_sim.changes(PLUG)][-1] == "power_level"
    assert off["commodity"]["cumulative"] >= energy


async def test_devices_come_and_go(fleet_sim: Simulator, session: aiohttp.ClientSession) -> None:
    """`remove_device` takes a device off the account (not listed; its object, `/data`, history
    and settings 404); `add_fleet_device` puts a fleet device on it again (last in the list),
    with what it had been set to; wrong ids are errors."""
    await put_setting(session, fleet_sim, PLUG, "power_level", {"d": 40})
    fleet_sim.remove_device(PLUG)
    _, _, body = await signed_get(session, fleet_sim, "/api/devices/")
    assert PLUG not in [d["id"] for d in json.loads(body)]
    for path in (f"/api/devices/{PLUG}/", f"/api/devices/{PLUG}/data"):
        assert (await signed_get(session, fleet_sim, path))[0] == 404
    assert (await put_setting(session, fleet_sim, PLUG, "relay", {"d": 0}))[0] == 404
    with pytest.raises(KeyError):
        fleet_sim.remove_device(PLUG)
    fleet_sim.remove_device(FLEET_WATER_HEATER_ID)
    fleet_sim.add_fleet_device(PLUG)
    _, _, body = await signed_get(session, fleet_sim, "/api/devices/")
    assert [d["id"] for d in json.loads(body)][-1] == PLUG
    assert fleet_sim.snapshot(PLUG)["power_level"] == 40
    with pytest.raises(ValueError, match="already"):
        fleet_sim.add_fleet_device(PLUG)
    with pytest.raises(KeyError):
        fleet_sim.add_fleet_device(SEED_DEVICE_ID)
    plain = Simulator(clients={})
    plain.add_fleet_device(PLUG)
    assert list(plain.devices) == [SEED_DEVICE_ID, PLUG]
    assert plain.devices[PLUG]["type"] == 3
    assert plain.snapshot(PLUG)["relay"] == 1


async def test_control_port_adds_and_removes_devices(socket_enabled: None) -> None:
    """`--fleet --without ID` starts without that fleet device; the control port's
    `PUT /devices/<id>` adds it, `DELETE /devices/<id>` removes it (404 for an id it cannot,
    409 for one already there)."""
    import socket

    from skycentrics_simulator.__main__ import start_control

    assert parse_args(["--fleet", "--without", str(PLUG)]).without == [PLUG]
    for bad in (["--without", str(PLUG)], ["--fleet", "--without", "12"]):
        with pytest.raises(SystemExit):
            parse_args(bad)
    sim = Simulator(clients={"c": "s"}, fleet=True)
    sim.remove_device(PLUG)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    runner = await start_control(sim, port)
    url = f"http://127.0.0.1:{port}/devices"
    try:
        async with aiohttp.ClientSession() as session:
            async with session.put(f"{url}/{PLUG}") as response:
                assert response.status == 200
                assert (await response.json())["devices"][-1] == PLUG
            for method, device_id, status in (
                ("PUT", PLUG, 409),
                ("PUT", SEED_DEVICE_ID, 404),
                ("DELETE", 12, 404),
                ("DELETE", FLEET_SKYBOX_ID, 200),
            ):
                async with session.request(method, f"{url}/{device_id}") as response:
                    assert response.status == status
        assert list(sim.devices) == [SEED_DEVICE_ID, *FLEET_DEVICE_IDS[:3], PLUG]
    finally:
        await runner.cleanup()
