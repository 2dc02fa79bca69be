"""History (`SkyCentricsClient.async_get_history`): the real client against the simulator over a
real socket, every request signed and checked; then the record shapes on their own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime, timedelta
import gzip
import itertools
import json
import logging
import threading
import time
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.skycentrics.api import (
    HISTORY_SPAN,
    SkyCentricsAuthenticationError,
    SkyCentricsClient,
    SkyCentricsConnectionError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    SkyCentricsResponseError,
    SkyCentricsTimeoutError,
    Snapshot,
    client as client_module,
    history,
)
from custom_components.skycentrics.api.client import MAX_RESPONSE_BYTES
from custom_components.skycentrics.api.decode import decode_json
from custom_components.skycentrics.api.history import (
    MAX_HISTORY_BYTES,
    decode_history,
    gunzip,
    parse_history,
)
from custom_components.skycentrics.api.readings import ProblemLog
from skycentrics_simulator import SEED_DEVICE_ID, Simulator, faults, load_seed_payload
from skycentrics_simulator.model import LIFETIME_COUNTERS, unswap_words
from skycentrics_simulator.server import Handler

from .bench.history_probe import Probe
from .common import CLIENT_ID, CLIENT_SECRET

BATTERY_CHARGE = "BESS_LIFETIME_CHARGE_COUNTER"
BATTERY_DISCHARGE = "BESS_LIFETIME_DISCHARGE_COUNTER"


def _yesterday() -> datetime:
    """Midnight UTC a day before today's: a whole day of records, all in the past."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=1)


def _query(start: datetime, end: datetime) -> str:
    """The request the client should send, query string included."""
    b, e = f"{start:%Y-%m-%dT%H:%M:%S}", f"{end:%Y-%m-%dT%H:%M:%S}"
    return f"/api/devices/{SEED_DEVICE_ID}/data?b={b}&e={e}&g=1"


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session, as Home Assistant's (it asks for and decodes gzip)."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def _client(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> SkyCentricsClient:
    return SkyCentricsClient(CLIENT_ID, CLIENT_SECRET, session, url=url, **kwargs)


def _seen(store: list[web.Request]) -> faults.Fault:
    """A fault that only records the request (to look at its headers)."""

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        store.append(request)
        return await handler(request)

    return fault


# --- against the simulator ----------------------------------------------------------------


async def test_a_day_of_history(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    """A whole day: one signed request (b, e and g=1 in the signed request line) asking for
    gzip; 1,440 snapshots of 60 readings, sorted, each value what the simulator's model says
    for that minute, so the counters' increase over the day is the model's to the kWh."""
    seen: list[web.Request] = []
    simulator.add_fault(_seen(seen))
    start = _yesterday()
    client = _client(session, simulator.url)
    snapshots = await client.async_get_history(SEED_DEVICE_ID, start, start + HISTORY_SPAN)

    assert simulator.requests == [("GET", _query(start, start + HISTORY_SPAN), 200)]
    assert seen[0].headers["Accept"] == "application/gzip"
    assert simulator.response_bytes[0] < MAX_RESPONSE_BYTES // 4  # sent compressed
    assert len(snapshots) == 1440
    times = [start + timedelta(minutes=m) for m in range(1440)]
    assert [s.time for s in snapshots] == [t + timedelta(seconds=1) for t in times]
    assert all(s.device_id == SEED_DEVICE_ID for s in snapshots)
    assert all(s.raw is None for s in snapshots)  # a day of raw JSON is not kept
    for snapshot, moment in zip(snapshots, times, strict=True):
        assert len(snapshot.readings) == 60
        assert {r.time for r in snapshot.readings.values()} == {moment}
        for sid in LIFETIME_COUNTERS:
            assert snapshot.readings[sid].value == simulator.counter_value(
                SEED_DEVICE_ID, sid, moment
            )
    for sid in LIFETIME_COUNTERS:
        increase = snapshots[-1].readings[sid].value - snapshots[0].readings[sid].value  # type: ignore[operator]
        expected = simulator.counter_kwh(SEED_DEVICE_ID, sid, times[-1]) - simulator.counter_kwh(
            SEED_DEVICE_ID, sid, times[0]
        )
        assert increase == pytest.approx(expected, abs=0.011), sid
    assert snapshots[600].readings["SSU_[0062]_BV420_ZStat"].value == "active"


async def test_a_day_does_not_stall_the_event_loop(
    simulator: Simulator, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fetching and parsing a whole day (about 11 MB of JSON) keeps the work off the event
    loop: the gunzip, decoding and checks run in a worker thread, not in the loop's thread.

    That is what is asserted (a timing assertion would fail on a loaded machine for no fault of
    the code). How long the loop was held is printed here and measured by `scripts/bench`
    (history rows, "Loop held"): 6-14 ms on the project's machine; a bare orjson.loads of the
    day on the loop holds it 150 ms.
    """
    loop_thread = threading.get_ident()
    parsed_on: list[int] = []
    real_decode = client_module.decode_history

    def decode_history(*args: Any) -> list[Snapshot]:
        parsed_on.append(threading.get_ident())
        return real_decode(*args)

    monkeypatch.setattr(client_module, "decode_history", decode_history)
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)  # as Home Assistant runs its loop (the harness turns debug on)
    start = _yesterday()
    client = _client(session, simulator.url)
    probe = Probe()
    probe.start()
    began = time.perf_counter()
    try:
        snapshots = await client.async_get_history(SEED_DEVICE_ID, start, start + HISTORY_SPAN)
    finally:
        took = time.perf_counter() - began
        await probe.stop()
        loop.set_debug(debug)
    assert len(snapshots) == 1440
    assert parsed_on
    assert loop_thread not in parsed_on
    print(
        f"a day: {took:.2f} s; loop held {probe.held * 1000:.1f} ms at most; "
        f"longest event-loop stall {probe.stall * 1000:.1f} ms, "
        f"{probe.stall_not_gc * 1000:.1f} ms of it not the garbage collector's "
        f"(longest collection {probe.gc_pause * 1000:.1f} ms, {probe.gc_full} full)"
    )


async def test_plain_or_gzip_whatever_the_server_does(socket_enabled: None) -> None:
    """The same records whether the server honours Accept (application/gzip), ignores it and
    compresses with Content-Encoding (aiohttp decodes it, or leaves it to us), or sends plain
    JSON."""
    start = _yesterday() + timedelta(hours=9)
    end = start + timedelta(hours=2)
    results: dict[str, list[Snapshot]] = {}
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}) as sim:
        sessions = {
            "gzip": ({}, False),
            "content-encoding, decoded by aiohttp": ({}, True),
            "content-encoding, left to us": ({"auto_decompress": False}, True),
            "plain": ({"headers": {"Accept-Encoding": "identity"}}, True),
        }
        for label, (options, ignore) in sessions.items():
            sim.history_ignores_accept = ignore
            async with aiohttp.ClientSession(**options) as session:  # type: ignore[arg-type]
                results[label] = await _client(session, sim.url).async_get_history(
                    SEED_DEVICE_ID, start, end
                )
        sizes = sim.response_bytes
    assert len(results["gzip"]) == 120
    for label, snapshots in results.items():
        assert snapshots == results["gzip"], label
    assert sizes[3] > 5 * sizes[0]  # the plain one really was plain


@pytest.mark.parametrize("shape", ["map", "map_unix"])
async def test_records_keyed_by_time(
    simulator: Simulator, session: aiohttp.ClientSession, shape: str
) -> None:
    """An answer keyed by time (ISO text or Unix seconds) gives the same records as a list."""
    start = _yesterday() + timedelta(hours=3)
    end = start + timedelta(minutes=90)
    client = _client(session, simulator.url)
    listed = await client.async_get_history(SEED_DEVICE_ID, start, end)
    simulator.history_shape = shape  # type: ignore[assignment]
    keyed = await client.async_get_history(SEED_DEVICE_ID, start, end)
    assert len(listed) == 90
    assert keyed == listed


async def test_gap_and_empty_day(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    """No records inside a gap and all the others; a day without records is []."""
    start = _yesterday()
    gap = (start + timedelta(hours=10), start + timedelta(hours=12, minutes=30))
    simulator.history_gaps.append(gap)
    client = _client(session, simulator.url)
    snapshots = await client.async_get_history(SEED_DEVICE_ID, start, start + HISTORY_SPAN)
    times = [next(iter(s.readings.values())).time for s in snapshots]
    assert len(times) == 1440 - 150
    assert gap[0] - timedelta(minutes=1) in times
    assert gap[1] in times
    assert not [t for t in times if t is not None and gap[0] <= t < gap[1]]

    simulator.history_gaps.append((start, start + HISTORY_SPAN))
    assert await client.async_get_history(SEED_DEVICE_ID, start, start + HISTORY_SPAN) == []
    future = datetime.now(UTC) + timedelta(days=2)
    assert await client.async_get_history(SEED_DEVICE_ID, future, future + timedelta(hours=1)) == []
    simulator.history_shape = "map"
    assert await client.async_get_history(SEED_DEVICE_ID, start, start + HISTORY_SPAN) == []


async def test_swapped_counters(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    """With the battery counters word-swapped, history moves them by 65,536 per kWh, as `/data`
    does (un-swapping the words gives the kWh); the other counters are as before."""
    start = _yesterday() + timedelta(hours=14)  # 06:00 local solar time: the battery charges
    end = start + timedelta(hours=6)
    client = _client(session, simulator.url)
    plain = await client.async_get_history(SEED_DEVICE_ID, start, end)
    simulator.swapped_counters = True
    swapped = await client.async_get_history(SEED_DEVICE_ID, start, end)
    live = await client.async_get_data(SEED_DEVICE_ID)
    charge = [s.readings[BATTERY_CHARGE].value for s in swapped]
    assert all(isinstance(v, float) for v in charge)
    steps = {b - a for a, b in itertools.pairwise(charge)}  # type: ignore[operator]
    assert steps == {0.0, 65536.0}
    kwh = (charge[-1] - charge[0]) / 65536  # type: ignore[operator]
    real = plain[-1].readings[BATTERY_CHARGE].value - plain[0].readings[BATTERY_CHARGE].value  # type: ignore[operator]
    assert real > 30
    assert abs(kwh - real) <= 1
    first, last = swapped[0].readings[BATTERY_CHARGE], swapped[-1].readings[BATTERY_CHARGE]
    assert first.time is not None
    assert last.time is not None
    assert unswap_words(last.value) - unswap_words(first.value) == kwh  # type: ignore[arg-type]
    assert unswap_words(last.value) == simulator.counter_kwh(  # type: ignore[arg-type]
        SEED_DEVICE_ID, BATTERY_CHARGE, last.time
    )
    assert [s.readings["SOLAR_INVERTER_1_ENERGY"] for s in swapped] == [
        s.readings["SOLAR_INVERTER_1_ENERGY"] for s in plain
    ]
    now = live.readings[BATTERY_DISCHARGE]
    assert now.time is not None
    assert now.value == simulator.counter_value(SEED_DEVICE_ID, BATTERY_DISCHARGE, now.time)
    assert now.value != plain[-1].readings[BATTERY_DISCHARGE].value


async def test_a_bad_record_or_sensor_loses_only_itself(
    simulator: Simulator, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """One record that is not a record, one for another device, one sensor without an id, one
    value that is not a value: those are lost, logged once each; the rest of the day stays."""

    def damage(records: list[dict[str, Any]]) -> list[Any]:
        records[5] = "garbage"
        records[6]["device"] = SEED_DEVICE_ID + 1
        records[7]["sensors"] = {"not": "a list"}
        del records[8]["sensors"][0]["id"]
        records[9]["sensors"][1]["data"] = {"nested": [1]}
        for record in records[20:]:
            record["sensors"][2]["data"] = 1e300  # every record: logged once
        return records

    simulator.add_fault(faults.edit_json(damage))
    start = _yesterday() + timedelta(hours=1)
    snapshots = await _client(session, simulator.url).async_get_history(
        SEED_DEVICE_ID, start, start + timedelta(hours=1)
    )
    assert len(snapshots) == 57
    minutes = [int((s.time - start).total_seconds()) // 60 for s in snapshots]  # type: ignore[operator]
    assert minutes == [m for m in range(60) if m not in (5, 6, 7)]
    assert len(snapshots[5].readings) == 59  # minute 8: the sensor without an id
    assert "BESS_STATE_OF_CHARGE" not in snapshots[5].readings
    assert snapshots[6].readings["BESS_AVAILABLE_CHARGE_CAPACITY"].value is None  # minute 9
    assert snapshots[7].readings["BESS_AVAILABLE_CHARGE_CAPACITY"].value is not None
    assert snapshots[-1].readings["BESS_AVAILABLE_DISCHARGE_CAPACITY"].value is None
    assert snapshots[10].readings["BESS_AVAILABLE_DISCHARGE_CAPACITY"].value is not None
    skipped = [
        r.getMessage() for r in caplog.records if "skipping history record" in r.getMessage()
    ]
    assert len(skipped) == 3
    beyond = [r for r in caplog.records if "beyond" in r.getMessage()]
    assert len(beyond) == 1


async def test_only_the_sensors_asked_for(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """`sensor_ids`: each record keeps only those readings, the very ones of a full parse."""
    start = _yesterday() + timedelta(hours=5)
    end = start + timedelta(hours=1)
    client = _client(session, simulator.url)
    full = await client.async_get_history(SEED_DEVICE_ID, start, end)
    wanted = [BATTERY_CHARGE, "SOLAR_INVERTER_1_ENERGY", "NO_SUCH_SENSOR"]
    some = await client.async_get_history(SEED_DEVICE_ID, start, end, sensor_ids=wanted)
    assert len(some) == len(full) == 60
    for part, whole in zip(some, full, strict=True):
        assert part.time == whole.time
        assert part.readings == {sid: whole.readings[sid] for sid in wanted[:2]}


async def test_errors_as_for_every_request(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """429 with Retry-After, refused keys, unknown device, a proxy's page, no server, an
    answer that is not JSON: the errors of every other request."""
    start = _yesterday()
    end = start + timedelta(hours=1)
    client = _client(session, simulator.url)
    simulator.add_fault(faults.status(429, retry_after=120))
    with pytest.raises(SkyCentricsRateLimitError) as limited:
        await client.async_get_history(SEED_DEVICE_ID, start, end)
    assert limited.value.retry_after == 120
    with pytest.raises(SkyCentricsAuthenticationError):
        await SkyCentricsClient(CLIENT_ID, "wrong", session, url=simulator.url).async_get_history(
            SEED_DEVICE_ID, start, end
        )
    with pytest.raises(SkyCentricsNotFoundError):
        await client.async_get_history(1, start, end)
    simulator.add_fault(faults.html(502))
    with pytest.raises(SkyCentricsResponseError) as bad_gateway:
        await client.async_get_history(SEED_DEVICE_ID, start, end)
    assert bad_gateway.value.status == 502
    with pytest.raises(SkyCentricsConnectionError):  # nothing listening
        await _client(session, "http://127.0.0.1:9").async_get_history(SEED_DEVICE_ID, start, end)
    for fault in (faults.invalid_json(), faults.truncated_json(), faults.replay(42)):
        simulator.add_fault(fault)
        with pytest.raises(SkyCentricsResponseError, match="/data\\?b="):
            await client.async_get_history(SEED_DEVICE_ID, start, end)
    assert len(await client.async_get_history(SEED_DEVICE_ID, start, end)) == 60


async def test_truncated_gzip_and_timeout(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A gzip answer cut short is a response error; a slow one a timeout (its own limit)."""
    start = _yesterday()

    async def cut(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        assert isinstance(response, web.Response)
        assert isinstance(response.body, bytes)
        return web.Response(body=response.body[:-100], content_type="application/gzip")

    simulator.add_fault(cut)
    client = _client(session, simulator.url, history_timeout=0.2)
    with pytest.raises(SkyCentricsResponseError, match="cut short"):
        await client.async_get_history(SEED_DEVICE_ID, start, start + timedelta(hours=2))
    release, done = asyncio.Event(), asyncio.Event()

    async def slow(request: web.Request, handler: Handler) -> web.StreamResponse:
        await release.wait()
        done.set()
        return await handler(request)

    simulator.add_fault(slow)
    with pytest.raises(SkyCentricsTimeoutError, match=r"within 0\.2 s"):
        await client.async_get_history(SEED_DEVICE_ID, start, start + timedelta(hours=2))
    release.set()  # let the server's handler end before the test does
    await asyncio.wait_for(done.wait(), 5)


async def test_size_caps(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    """A day (11 MB plain) is far beyond the 4 MiB cap of `/data` and well within history's;
    a plain answer or a gzip bomb beyond the history cap is refused."""
    simulator.history_ignores_accept = True
    start = _yesterday()
    plain = aiohttp.ClientSession(headers={"Accept-Encoding": "identity"})
    async with plain:
        client = _client(plain, simulator.url)
        day = await client.async_get_history(SEED_DEVICE_ID, start, start + HISTORY_SPAN)
        assert len(day) == 1440
        assert simulator.response_bytes[-1] > 2 * MAX_RESPONSE_BYTES
        assert simulator.response_bytes[-1] < MAX_HISTORY_BYTES // 5
        small = _client(plain, simulator.url, max_history_bytes=1_000_000)
        with pytest.raises(SkyCentricsResponseError, match="exceeds 1000000"):
            await small.async_get_history(SEED_DEVICE_ID, start, start + HISTORY_SPAN)
    bomb = gzip.compress(b"[" + b" " * MAX_HISTORY_BYTES + b"]", compresslevel=1)
    assert len(bomb) < MAX_RESPONSE_BYTES
    simulator.add_fault(faults.body(bomb, content_type="application/gzip"))
    with pytest.raises(SkyCentricsResponseError, match=f"inflates beyond {MAX_HISTORY_BYTES}"):
        await _client(session, simulator.url).async_get_history(
            SEED_DEVICE_ID, start, start + timedelta(hours=1)
        )


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (datetime(2025, 8, 1), datetime(2025, 8, 2), "timezone-aware"),
        (datetime(2025, 8, 1, tzinfo=UTC), datetime(2025, 8, 1, tzinfo=UTC), "longer than 0"),
        (datetime(2025, 8, 2, tzinfo=UTC), datetime(2025, 8, 1, tzinfo=UTC), "longer than 0"),
        (
            datetime(2025, 8, 1, tzinfo=UTC),
            datetime(2025, 8, 2, 0, 0, 1, tzinfo=UTC),
            "at most 1 day",
        ),
    ],
)
async def test_range_refused_before_any_request(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    start: datetime,
    end: datetime,
    message: str,
) -> None:
    """A naive, empty, reversed or over-long range is a ValueError; nothing is sent."""
    with pytest.raises(ValueError, match=message):
        await _client(session, simulator.url).async_get_history(SEED_DEVICE_ID, start, end)
    assert simulator.requests == []


async def test_range_in_another_zone_is_sent_in_utc(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """An aware range in another time zone is sent as UTC, to the second."""
    from zoneinfo import ZoneInfo

    pacific = ZoneInfo("America/Los_Angeles")
    start = datetime(2025, 8, 1, 17, 0, 0, 999_999, tzinfo=pacific)  # 2025-08-02 00:00 UTC
    await _client(session, simulator.url).async_get_history(
        SEED_DEVICE_ID, start, start + HISTORY_SPAN
    )
    assert simulator.requests[0][1] == (
        f"/api/devices/{SEED_DEVICE_ID}/data?b=2025-08-02T00:00:00&e=2025-08-03T00:00:00&g=1"
    )


# --- record shapes, without a server ----------------------------------------------------------


def _record(minute: int, **changes: Any) -> dict[str, Any]:
    """A `/data`-shaped record of three seed sensors at 2025-07-30 00:MM (UTC)."""
    moment = int(datetime(2025, 7, 30, tzinfo=UTC).timestamp()) + 60 * minute
    sensors = [dict(s, time=moment) for s in load_seed_payload()["sensors"][:3]]
    record = {
        "device": SEED_DEVICE_ID,
        "ct": [],
        "sensors": sensors,
        "time": f"2025-07-30 00:{minute:02d}:01Z",
    }
    record.update(changes)
    return record


def _at(minute: int, second: int = 0) -> datetime:
    return datetime(2025, 7, 30, 0, minute, second, tzinfo=UTC)


def test_list_sorted_by_time() -> None:
    """A list, in any order: snapshots sorted by time, raw not kept."""
    snapshots = parse_history([_record(2), _record(0), _record(1)], SEED_DEVICE_ID)
    assert [s.time for s in snapshots] == [_at(0, 1), _at(1, 1), _at(2, 1)]
    assert [s.readings["BESS_STATE_OF_CHARGE"].time for s in snapshots] == [_at(0), _at(1), _at(2)]
    assert all(s.raw is None for s in snapshots)
    assert snapshots[0].readings["BESS_STATE_OF_CHARGE"].value == 30.0


@pytest.mark.parametrize(
    "key", [lambda m: f"2025-07-30T00:{m:02d}:00", lambda m: str(1753833600 + 60 * m)]
)
def test_keyed_by_time(key: Callable[[int], str]) -> None:
    """Keyed by ISO time or Unix seconds: a record without a time of its own takes its key's,
    and so do its readings without one; a record's own time wins over its key."""
    bare = _record(1)
    del bare["time"]
    for sensor in bare["sensors"]:
        del sensor["time"]
    raw = {key(3): _record(3), key(1): bare, key(2): _record(2)}
    snapshots = parse_history(raw, SEED_DEVICE_ID)
    assert [s.time for s in snapshots] == [_at(1), _at(2, 1), _at(3, 1)]
    assert {r.time for r in snapshots[0].readings.values()} == {_at(1)}


def test_times_of_last_resort(caplog: pytest.LogCaptureFixture) -> None:
    """A record without any time but its readings' takes the latest of them; one with no time
    at all, or a key that is no time, is skipped."""
    untimed = _record(4)
    del untimed["time"]
    untimed["sensors"][1]["time"] = untimed["sensors"][0]["time"] + 30
    nothing = _record(5)
    del nothing["time"]
    for sensor in nothing["sensors"]:
        sensor["time"] = "later"
    snapshots = parse_history([untimed, nothing], SEED_DEVICE_ID)
    assert [s.time for s in snapshots] == [_at(4, 30)]
    keyed = parse_history({"soon": nothing, "1753833600": _record(0)}, SEED_DEVICE_ID)
    assert [s.time for s in keyed] == [_at(0, 1)]
    assert "the record has no time" in caplog.text


def test_a_lone_record_and_empty_answers() -> None:
    """A lone record object is a one-record day; [] and {} are empty days."""
    assert [s.time for s in parse_history(_record(7), SEED_DEVICE_ID)] == [_at(7, 1)]
    assert parse_history([], SEED_DEVICE_ID) == []
    assert parse_history({}, SEED_DEVICE_ID) == []


@pytest.mark.parametrize("raw", [None, "text", 3, True])
def test_not_a_history(raw: Any) -> None:
    """Neither a list nor an object: a response error."""
    with pytest.raises(SkyCentricsResponseError, match="not a JSON list"):
        parse_history(raw, SEED_DEVICE_ID)


def test_bad_records_lose_only_themselves(caplog: pytest.LogCaptureFixture) -> None:
    """Not an object, no sensor list, another device: skipped, logged once per kind."""
    raw = [
        _record(0),
        [1, 2],
        _record(1, sensors=None),
        _record(2, device=7),
        _record(3, device=8),
        _record(4),
    ]
    caplog.set_level(logging.WARNING)
    snapshots = parse_history(raw, SEED_DEVICE_ID)
    assert [s.time for s in snapshots] == [_at(0, 1), _at(4, 1)]
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 4  # the list, the missing sensors, device 7, device 8
    assert any("device 7" in m for m in messages)


def test_readings_checked_as_data_does(caplog: pytest.LogCaptureFixture) -> None:
    """The checks of `/data`, once per record: bad values are None, a bad id drops its
    sensor; a problem that repeats in every record is logged once; labels that cannot be
    remembered (a list as a name) are checked every time."""
    problems = ProblemLog()
    records = []
    for minute in range(3):
        record = _record(minute)
        record["sensors"][0]["data"] = float("nan") if minute else True
        record["sensors"][1]["name"] = ["not", "text"]
        record["sensors"][2]["id"] = True if minute == 1 else 1
        records.append(record)
    caplog.set_level(logging.WARNING)
    snapshots = parse_history(records, SEED_DEVICE_ID, problems)
    assert [len(s.readings) for s in snapshots] == [2, 2, 2]
    assert snapshots[0].readings["BESS_STATE_OF_CHARGE"].value == 1  # true read as 1
    assert snapshots[1].readings["BESS_STATE_OF_CHARGE"].value is None  # NaN
    assert [s.readings["BESS_AVAILABLE_CHARGE_CAPACITY"].name for s in snapshots] == [
        "BESS_AVAILABLE_CHARGE_CAPACITY"
    ] * 3
    text = caplog.text
    assert text.count("not a finite number") == 1
    assert "no usable id: int" in text
    assert "no usable id: bool" in text  # not mistaken for the int 1
    assert snapshots == parse_history(records, SEED_DEVICE_ID)  # same result, fresh log


def test_gzip_or_plain_bytes() -> None:
    """`decode_history` gunzips only gzip (by its magic bytes): plain, gzip, gzip in several
    members and a BOM all give the same records."""
    records = [_record(0), _record(1)]
    text = json.dumps(records).encode()
    expected = parse_history(records, SEED_DEVICE_ID)
    half = json.dumps(records)[:50].encode()
    for body in (
        text,
        b"\xef\xbb\xbf" + text,
        gzip.compress(text),
        gzip.compress(half) + gzip.compress(text[50:]),
    ):
        assert decode_history(body, SEED_DEVICE_ID) == expected


def test_gunzip_bounds() -> None:
    """Exactly the cap inflates; one byte more, a cut or a corrupt stream is refused; bytes
    after the last member that are not gzip are ignored."""
    data = b"x" * 1000
    packed = gzip.compress(data)
    assert gunzip(packed, 1000) == data
    with pytest.raises(SkyCentricsResponseError, match="inflates beyond 999"):
        gunzip(packed, 999)
    with pytest.raises(SkyCentricsResponseError, match="cut short"):
        gunzip(packed[:-10], 5000)
    with pytest.raises(SkyCentricsResponseError, match="not valid gzip"):
        gunzip(packed[:10] + b"\xff" * 20 + packed[30:], 5000)
    assert gunzip(packed + b"\x00\x00trailing", 5000) == data
    with pytest.raises(SkyCentricsResponseError, match="inflates beyond 1500"):
        gunzip(packed + packed, 1500)  # the cap counts every member
    with pytest.raises(SkyCentricsResponseError, match="exceeds 10 bytes"):
        decode_history(b"[" + b" " * 20 + b"]", SEED_DEVICE_ID, limit=10)


def test_sensor_ids_skip_the_rest_unchecked(caplog: pytest.LogCaptureFixture) -> None:
    """Sensors not asked for are neither kept nor checked (no warning for their bad values)."""
    record = _record(0)
    record["sensors"][1]["data"] = float("inf")
    record["sensors"].append("not a sensor")
    record["sensors"].append({"id": ["unhashable"]})
    caplog.set_level(logging.WARNING)
    (snapshot,) = parse_history([record], SEED_DEVICE_ID, sensor_ids={"BESS_STATE_OF_CHARGE"})
    assert list(snapshot.readings) == ["BESS_STATE_OF_CHARGE"]
    assert caplog.records == []


AWKWARD = {  # @A and @B stand for two records
    "list": "[@A, @B]",
    "whitespace everywhere": " \n[ @A ,\t@B ]\r\n ",
    "empty list": " [ ] ",
    "empty object": "{ }",
    "keyed": '{"2025-07-30T00:00:00": @A, "1753833660": @B}',
    "duplicate key": '{"2025-07-30T00:00:00": @A, "2025-07-30T00:00:00": @B}',
    "a lone record": "@A",
    "sensors after a time key": '{"2025-07-30T00:00:00": @A, "sensors": [@A]}',
    "trailing comma": "[@A, ]",
    "missing comma": "[@A @B]",
    "two lists": "[@A][@B]",
    "trailing data": "[@A] x",
    "cut short": "[@A, @B",
    "cut in a key": '{"2025-07-30T00:00:00": @A, "20',
    "no colon": '{"2025-07-30T00:00:00" @A}',
    "number key": "{1: @A}",
    "not a container": "42",
    "nothing": "",
    "deep record": "[@A, " + "[" * 5000 + "]" * 5000 + "]",
    "lone surrogate": "[@A, " + json.dumps(_record(1)).replace("BESS_STATE", "\\udc00") + "]",
    "4,300 digits and more": "[" + json.dumps(_record(0)).replace("30.0", "9" * 5000) + "]",
    "int beyond int64": "[@A, " + json.dumps(_record(1)).replace("30.0", "9" * 25) + "]",
    "time beyond int64": "[" + json.dumps(_record(0)).replace("17538", "9" * 30) + "]",
    "NaN": "[" + json.dumps(_record(0)).replace("30.0", "NaN") + "]",
    "Infinity": "[" + json.dumps(_record(0)).replace("30.0", "-Infinity") + "]",
}


@pytest.mark.parametrize("run", [history.CHUNK_BYTES, 100])
@pytest.mark.parametrize("name", list(AWKWARD))
def test_streamed_as_the_whole_answer(
    name: str, run: int, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decoding a run of records at a time (the whole answer in one run, or a record a run)
    gives exactly what decoding the whole answer and parsing it gives (records, or the error,
    and the same warnings), whatever the answer."""
    monkeypatch.setattr(history, "CHUNK_BYTES", run)
    text = AWKWARD[name].replace("@A", json.dumps(_record(0)))
    body = text.replace("@B", json.dumps(_record(1))).encode()
    caplog.set_level(logging.WARNING)
    try:
        expected: Any = parse_history(decode_json(body), SEED_DEVICE_ID)
    except SkyCentricsResponseError as err:
        expected = type(err)
    warned = [r.getMessage() for r in caplog.records]
    caplog.clear()
    try:
        got: Any = decode_history(body, SEED_DEVICE_ID)
    except SkyCentricsResponseError as err:
        got = type(err)
    assert got == expected
    assert [r.getMessage() for r in caplog.records] == warned


def test_a_plain_day_is_streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A list or a time-keyed object is decoded a run of records at a time, never as a whole;
    a duplicate key in one run is kept once (orjson keeps the last value, as json.loads does),
    one in two runs sends the answer to the whole-answer path."""
    whole: list[bytes] = []
    real = history.decode_json

    def spy(body: bytes) -> Any:
        whole.append(body)
        return real(body)

    monkeypatch.setattr(history, "decode_json", spy)
    records = [_record(0), _record(1)]
    assert len(decode_history(json.dumps(records).encode(), SEED_DEVICE_ID)) == 2
    keyed = {"1753833600": records[0], "1753833660": records[1]}
    assert len(decode_history(gzip.compress(json.dumps(keyed).encode()), SEED_DEVICE_ID)) == 2
    duplicate = '{"1753833600": %s, "1753833600": %s}' % (  # noqa: UP031
        json.dumps(records[0]),
        json.dumps(records[1]),
    )
    (kept,) = decode_history(duplicate.encode(), SEED_DEVICE_ID)
    assert whole == []
    monkeypatch.setattr(history, "CHUNK_BYTES", 100)  # a record a run
    assert len(decode_history(json.dumps(records * 3).encode(), SEED_DEVICE_ID)) == 6
    assert whole == []
    assert decode_history(duplicate.encode(), SEED_DEVICE_ID) == [kept]
    assert len(whole) == 1
