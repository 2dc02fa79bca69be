"""The one boundary: nothing the cloud sends reaches Home Assistant unchecked (issue 9).

Hostile input that crosses HTTP goes through the real client over a real socket, injected into
the simulator's answers with `skycentrics_simulator.faults`; the rest are parser tests.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import json
import logging
import math
from typing import Any
import unicodedata
from unittest.mock import patch

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, event, given, settings, strategies as st
import orjson
import pytest

from custom_components.skycentrics.api import (
    Device,
    Reading,
    SkyCentricsAuthenticationError,
    SkyCentricsClient,
    SkyCentricsError,
    SkyCentricsRateLimitError,
    SkyCentricsResponseError,
    Snapshot,
    history,
)
from custom_components.skycentrics.api.decode import (
    INT64_MAX,
    INT64_MIN,
    MAX_DEPTH,
    _decode_tolerant,
    _prune_deep,
    decode_fast,
    decode_json,
    json_safe,
)
from custom_components.skycentrics.api.families import MAX_CT_ID_LENGTH, Measure
from custom_components.skycentrics.api.headers import parse_http_date, parse_retry_after
from custom_components.skycentrics.api.history import (
    History,
    decode_history,
    decode_history_columns,
    parse_history,
)
from custom_components.skycentrics.api.readings import (
    EARLIEST_TIME,
    MAX_FUTURE,
    MAX_MAGNITUDE,
    MAX_PROBLEMS,
    MAX_READINGS,
    MAX_SENSOR_ID_LENGTH,
    MAX_TEXT,
    MAX_UNITS,
    Checks,
    ProblemLog,
)
from skycentrics_simulator import SEED_DEVICE_ID, Fault, Simulator, faults, load_seed_payload

from .common import CLIENT_ID, CLIENT_SECRET

SOC = "BESS_STATE_OF_CHARGE"
PLACEHOLDER = '"@@PLACEHOLDER@@"'
NOT_FINITE = "not a finite number (NaN, Infinity, or an integer beyond int64)"


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session (the client never closes it)."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def client(simulator: Simulator, session: aiohttp.ClientSession) -> SkyCentricsClient:
    """The real client, pointed at the simulator."""
    return SkyCentricsClient(CLIENT_ID, CLIENT_SECRET, session, url=simulator.url)


def _depth(value: object) -> int:
    """Nesting depth of decoded JSON, without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            stack.extend((child, depth + 1) for child in children)
    return deepest


# --- 2. JSON decoding: one reading cannot fail the whole answer ------------------------------


def test_a_normal_answer_decodes_as_json_loads_does() -> None:
    """The seed answer: exactly what json.loads gives, through orjson (with a BOM too)."""
    body = json.dumps(load_seed_payload()).encode()
    assert decode_json(body) == json.loads(body)
    assert decode_fast(body) == decode_fast(b"\xef\xbb\xbf" + body) == json.loads(body)


@pytest.mark.parametrize("number", [2**63, 2**64 - 1, 2**64, -(2**63) - 1, 10**30])
def test_orjson_is_not_asked_about_integers_beyond_int64(number: int) -> None:
    """orjson reads them as ints up to 2**64 - 1 and as floats beyond; the tolerant path makes
    them NaN, as every other non-finite literal: a 19-digit run sends an answer there."""
    body = f'{{"id": "a19digitrun", "x": [{number}]}}'.encode()
    assert orjson.loads(body)["x"] != [math.nan]
    with pytest.raises(ValueError, match="beyond int64"):
        decode_fast(body)
    (value,) = decode_json(body)["x"]
    assert math.isnan(value)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("9" * 5000, math.nan),  # json.loads: ValueError (exceeds the int max str digits)
        ("1" + "0" * 20, math.nan),  # 21 characters: not even converted
        (str(2**64), math.nan),  # 20 characters, beyond int64
        (str(2**63), math.nan),
        (str(2**64 - 1), math.nan),  # orjson: an int
        (str(-(2**63) - 1), math.nan),  # orjson: a float
        (str(2**63 - 1), 2**63 - 1),
        (str(-(2**63)), -(2**63)),
        ("NaN", math.nan),
        ("Infinity", math.nan),
        ("-Infinity", math.nan),
        ("1e400", math.inf),  # a float literal: float() itself says inf
        ("12", 12),
        ("-0", 0),
        ("-0.0", -0.0),
    ],
)
def test_number_literals(literal: str, expected: float) -> None:
    """Integer literals beyond int64, NaN and Infinity decode to the non-finite NaN marker."""
    (value,) = decode_json(f"[{literal}]".encode())
    if math.isnan(expected):
        assert isinstance(value, float)
        assert math.isnan(value)
    else:
        assert value == expected
        assert type(value) is type(expected)


def test_deep_nesting_is_pruned_and_the_rest_survives() -> None:
    """100,000 levels (json.loads: RecursionError): the over-deep part becomes null."""
    deep = "[" * 100_000 + "1" + "]" * 100_000
    body = f'{{"sensors": [{{"id": "A", "data": {deep}}}, {{"id": "B", "data": 2}}]}}'
    with pytest.raises(RecursionError):
        json.loads(body)
    decoded = decode_json(body.encode())
    assert decoded["sensors"][1] == {"id": "B", "data": 2}
    assert _depth(decoded) == MAX_DEPTH
    innermost = decoded["sensors"][0]["data"]
    while isinstance(innermost, list):
        (innermost,) = innermost
    assert innermost is None


@pytest.mark.parametrize(
    ("text", "pruned"),
    [
        ("[" * MAX_DEPTH + "]" * MAX_DEPTH, "[" * MAX_DEPTH + "]" * MAX_DEPTH),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "[" * MAX_DEPTH + "null" + "]" * MAX_DEPTH),
        (
            "[" * MAX_DEPTH + '{"a": [1, "]]"]}, 2' + "]" * MAX_DEPTH,
            "[" * MAX_DEPTH + "null, 2" + "]" * MAX_DEPTH,
        ),
        # Brackets and escaped quotes inside strings do not count.
        ('["[[[[", "\\"[[", {"k]": "}"}]', '["[[[[", "\\"[[", {"k]": "}"}]'),
        ('{"a": [[1], [[2]]], "b": 3}', '{"a": [[1], [[2]]], "b": 3}'),
        ("[" * 50, "[" * MAX_DEPTH + "null"),  # never closed: still invalid JSON afterwards
    ],
)
def test_prune_deep(text: str, pruned: str) -> None:
    """The linear scan replaces exactly the sub-structures below MAX_DEPTH."""
    assert _prune_deep(text) == pruned


def test_prune_deep_keeps_siblings_after_a_deep_part() -> None:
    """Pruning ends at the closer that brings the depth back: what follows is kept."""
    text = "[" * 40 + "]" * 40
    decoded = decode_json(("[" + ",".join([text] * 3) + ', "end"]').encode())
    assert len(decoded) == 4
    assert decoded[3] == "end"


def test_text_is_valid_unicode() -> None:
    """Lone surrogate escapes (keys too) and invalid UTF-8 become U+FFFD; a pair is kept."""
    body = b'{"\\ud800k": "a\\udfffb", "pair": "\\ud83d\\ude00", "bytes": "\xed\xa0\x80\xff"}'
    decoded = decode_json(body)
    assert decoded == {
        "\ufffdk": "a\ufffdb",
        "pair": "\U0001f600",
        "bytes": "\ufffd" * 4,
    }
    json.dumps(decoded, ensure_ascii=False).encode("utf-8")  # no surrogate left


@pytest.mark.parametrize("body", [b"", b"[", b"{'a': 1}", b"[" * 4_000_000, b"[1] [2]"])
def test_not_json_at_all(body: bytes) -> None:
    """Only an answer that is not JSON at all is an error, and the client's own."""
    with pytest.raises(SkyCentricsResponseError, match="not valid JSON"):
        decode_json(body)


@pytest.mark.parametrize(
    "literal",
    [
        "9" * 5000,
        "1e400",
        "NaN",
        "-Infinity",
        "[" * 100_000 + "]" * 100_000,
        '{"a": ' * 50_000 + "1" + "}" * 50_000,
    ],
)
async def test_a_hostile_literal_fails_one_reading_not_the_poll(
    simulator: Simulator, client: SkyCentricsClient, literal: str
) -> None:
    """Over a real socket: the reading with the literal is None, the other 59 are intact."""
    simulator.set_value(SEED_DEVICE_ID, SOC, "@@PLACEHOLDER@@")
    simulator.add_fault(faults.rewrite(PLACEHOLDER, literal))
    snapshot = await client.async_get_data(SEED_DEVICE_ID)
    assert len(snapshot.readings) == 60
    assert snapshot.readings[SOC].value is None
    assert snapshot.readings["BESS_SYSTEM_STATE"].value == 11


# --- 1. Numbers, 3. text values: a failing value is None for that reading only ------------


def _reading(caplog: pytest.LogCaptureFixture, sensor: dict[str, Any]) -> Reading:
    """Parse one sensor (with a good id unless given) and return its reading."""
    caplog.set_level(logging.WARNING)
    snapshot = Snapshot.from_dict({"sensors": [{"id": "S", **sensor}]}, 7)
    return snapshot.readings[sensor.get("id", "S")]


@pytest.mark.parametrize(
    ("data", "expected", "problem"),
    [
        (2**64, None, "number beyond ±1e+15"),  # orjson: "Integer exceeds 64-bit range"
        pytest.param(10**5000, None, "number beyond ±1e+15", id="10**5000"),  # no float() overflow
        (-(2**63), None, "number beyond ±1e+15"),
        (10**15 + 1, None, "number beyond ±1e+15"),
        (1e16, None, "number beyond ±1e+15"),
        (10**15, 10**15, None),
        (-1e15, -1e15, None),
        (math.inf, None, NOT_FINITE),
        (-math.inf, None, NOT_FINITE),
        (math.nan, None, NOT_FINITE),
        (True, 1, None),  # JSON true/false are 1/0, as before
        (False, 0, None),
        (0, 0, None),
        (None, None, None),  # no value is no problem
        ("12.5", "12.5", None),
        ("active", "active", None),
        ("²", "²", None),  # a text (float() refuses it), never int()
        ("1e400", None, f"numeric text: {NOT_FINITE}"),
        ("-1e16", None, "numeric text: number beyond ±1e+15"),
        ("x" * 255, "x" * 255, None),
        ("x" * 256, None, "text longer than 255 characters"),
        ("on\ud800", "on\ufffd", None),  # a lone surrogate is replaced, as in every text
        ({"nested": 1}, None, "a dict is not a number or a text"),
        ([1], None, "a list is not a number or a text"),
    ],
)
def test_values(
    caplog: pytest.LogCaptureFixture, data: object, expected: object, problem: str | None
) -> None:
    """Finite numbers within ±MAX_MAGNITUDE and bounded texts pass; the rest is None, logged."""
    reading = _reading(caplog, {"data": data})
    assert reading.value == expected
    assert type(reading.value) is type(expected)
    orjson.dumps(reading.value)
    if problem is None:
        assert not caplog.records
    else:
        (record,) = caplog.records
        assert record.getMessage() == f"Device 7: sensor 'S': {problem}; read as no value"


async def test_bad_numbers_over_http(simulator: Simulator, client: SkyCentricsClient) -> None:
    """Through the client: 2**64, 2**62 (inside int64, beyond 1e15) and 1e16 are None."""
    sensors = ["BESS_STATE_OF_CHARGE", "BESS_SYSTEM_AVERAGE_VOLTAGE", "SOLAR_INVERTER_1_ENERGY"]
    for sensor, value in zip(sensors, [2**64, 2**62, 1e16], strict=True):
        simulator.set_value(SEED_DEVICE_ID, sensor, value)
    simulator.set_value(SEED_DEVICE_ID, "BESS_SYSTEM_STATE", 10**15)
    snapshot = await client.async_get_data(SEED_DEVICE_ID)
    assert [snapshot.readings[s].value for s in sensors] == [None, None, None]
    assert snapshot.readings["BESS_SYSTEM_STATE"].value == 10**15
    assert len(snapshot.readings) == 60
    orjson.dumps([r.value for r in snapshot.readings.values()])


# --- 3. Names, types and units: valid Unicode, bounded ------------------------------------


@pytest.mark.parametrize(
    ("sensor", "name", "kind", "units"),
    [
        (
            {"name": "  Battery\n  charge\t", "type": " Charge ", "units": " % "},
            "Battery charge",
            "Charge",
            "%",
        ),
        (
            {"name": "a\ud800b", "type": "\udfff", "units": "k\ud83dW"},
            "a\ufffdb",
            "\ufffd",
            "k\ufffdW",
        ),
        ({"name": "a\x00b\x7f\x9b", "units": "\x01"}, "a\ufffdb\ufffd\ufffd", "", "\ufffd"),
        ({"name": "n" * 300, "type": "t" * 300, "units": "u" * 40}, "n" * 255, "t" * 255, "u" * 32),
        ({"name": "   ", "type": 7, "units": None}, "S", "", ""),
        ({"name": ["x"], "type": {"a": 1}, "units": 1e400}, "S", "", ""),
    ],
)
def test_names_types_units(
    caplog: pytest.LogCaptureFixture, sensor: dict[str, Any], name: str, kind: str, units: str
) -> None:
    """Bad characters become U+FFFD, lengths are cut; a missing name is the id."""
    reading = _reading(caplog, sensor)
    assert (reading.name, reading.type, reading.units) == (name, kind, units)
    orjson.dumps([reading.name, reading.type, reading.units])


async def test_bad_text_over_http(simulator: Simulator, client: SkyCentricsClient) -> None:
    """Through the client: lone surrogate escapes and encoded surrogates are U+FFFD."""
    simulator.add_sensor(
        SEED_DEVICE_ID,
        {"id": "T", "name": "x\ud800y", "units": "\udc00", "type": "@@PLACEHOLDER@@", "data": 1},
    )
    simulator.set_value(SEED_DEVICE_ID, SOC, "@@PLACEHOLDER@@")
    simulator.add_fault(faults.rewrite(PLACEHOLDER, b'"on\xed\xa0\x80"'))
    snapshot = await client.async_get_data(SEED_DEVICE_ID)
    sensor = snapshot.readings["T"]
    assert (sensor.name, sensor.units, sensor.type) == (
        "x\ufffdy",
        "\ufffd",
        "on\ufffd\ufffd\ufffd",
    )
    assert snapshot.readings[SOC].value == "on\ufffd\ufffd\ufffd"
    assert snapshot.raw is not None
    orjson.dumps(snapshot.raw)  # the raw answer (diagnostics) has no surrogate either


# --- 4. Sensor ids: any printable text of 1 to 255 characters ------------------------------

UNICODE_IDS = [
    "Température",
    "温度センサー",  # CJK
    "מד חום",  # right-to-left
    "درجة_الحرارة",
    "e\u0301te\u0301",  # combining marks
    "\U0001f50b",  # an emoji
    "\U0001f469\u200d\U0001f52c",  # an emoji ZWJ sequence
    "\U0001f1eb\U0001f1f7 \u00a0x",  # a flag, a no-break space
]


@pytest.mark.parametrize(
    "sensor_id",
    [
        "A",
        "SSU_[0062]_BV420_ZStat",
        "E30A_3_Amps:_3ph_Average",
        " x ",
        "a|b",
        "|",
        "CT|1",
        "cta2045|relay",  # a family's key: the sensor's entity doubles the "|" (test_entities)
        "thermostat|x",
        "ct|1|current",
        "~" * 128,
        "\u00e9" * MAX_SENSOR_ID_LENGTH,
        *UNICODE_IDS,
    ],
)
def test_good_ids(caplog: pytest.LogCaptureFixture, sensor_id: str) -> None:
    """Bug 8: any printable text, "|" included, of 1 to 255 characters, kept exactly as sent."""
    reading = _reading(caplog, {"id": sensor_id})
    assert (reading.id, reading.name) == (sensor_id, sensor_id)  # no name: the id
    assert not caplog.records
    orjson.dumps(reading.id)


@pytest.mark.parametrize(
    ("sensor_id", "reason"),
    [
        ("", "unusable id ''"),
        ("   ", "unusable id '   '"),
        ("\u3000\u00a0", "unusable id '\\u3000\\xa0'"),  # only (Unicode) whitespace
        ("a\x00", "unusable id 'a\\x00'"),
        ("a\tb", "unusable id 'a\\tb'"),
        ("a\x7f", "unusable id 'a\\x7f'"),
        ("Temp\x85", "unusable id 'Temp\\x85'"),  # C1
        ("\ud800", "unusable id '\\ud800'"),
        ("x" * 256, "unusable id 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'..."),
        (5, "no usable id: int"),
        (None, "no usable id: null"),
        (["A"], "no usable id: list"),
    ],
)
def test_bad_ids_drop_the_reading(
    caplog: pytest.LogCaptureFixture, sensor_id: object, reason: str
) -> None:
    """A sensor whose id breaks the rule is dropped with a logged, escaped, short reason."""
    caplog.set_level(logging.WARNING)
    snapshot = Snapshot.from_dict({"sensors": [{"id": sensor_id, "data": 1}, {"id": "ok"}]}, 7)
    assert list(snapshot.readings) == ["ok"]
    (record,) = caplog.records
    assert record.getMessage().startswith(f"Device 7: skipping sensor 0: {reason}")


async def test_ids_over_http(
    simulator: Simulator, client: SkyCentricsClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Through the client: Unicode ids and ids with "|" (a family's key too) arrive as sent
    (bug 8: they were dropped); ids with control characters or over-long are dropped, logged
    once over two polls."""
    good = [*UNICODE_IDS, "BESS|X", "cta2045|relay", "x" * MAX_SENSOR_ID_LENGTH]
    bad = ["a\x00b", "x" * (MAX_SENSOR_ID_LENGTH + 1), "\x9b"]
    for value, sensor_id in enumerate(good + bad):
        simulator.add_sensor(SEED_DEVICE_ID, {"id": sensor_id, "data": value})
    for _ in range(2):
        snapshot = await client.async_get_data(SEED_DEVICE_ID)
        assert list(snapshot.readings)[60:] == good
        assert [snapshot.readings[sensor_id].value for sensor_id in good] == list(range(len(good)))
    skipped = [r.getMessage() for r in caplog.records if "skipping sensor" in r.getMessage()]
    assert len(skipped) == len(bad)
    assert CLIENT_SECRET not in caplog.text


# --- 5. Times: inside [2000-01-01, now + 1 day], else no time -----------------------------

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (946684800, EARLIEST_TIME),
        (946684799.5, None),
        (0, None),
        (1, None),
        (-1e30, None),
        (1e30, None),
        (1e300, None),  # datetime.fromtimestamp: OverflowError / ValueError
        (10**400, None),  # and no OverflowError converting it to float
        (math.nan, None),
        (math.inf, None),
        (True, None),
        ((NOW + MAX_FUTURE).timestamp(), NOW + MAX_FUTURE),
        ((NOW + MAX_FUTURE).timestamp() + 1, None),
        ("2000-01-01T00:00:00Z", EARLIEST_TIME),
        ("1999-12-31 23:59:59Z", None),
        ("2026-03-02T12:00:00+00:00", NOW + MAX_FUTURE),
        ("2026-03-02T12:00:01", None),
        ("0001-01-01T00:00:00+01:00", None),  # OverflowError in astimezone
        ("9999-12-31T23:59:59-01:00", None),
        ("\ud800", None),
        ("", None),
        ([2025], None),
    ],
)
def test_times(freezer: FrozenDateTimeFactory, raw: object, expected: datetime | None) -> None:
    """Reading times and the top-level time: inside the window, or no time."""
    freezer.move_to(NOW)
    snapshot = Snapshot.from_dict({"sensors": [{"id": "S", "time": raw}], "time": raw}, 7)
    assert snapshot.time == expected
    assert snapshot.readings["S"].time == expected  # falls back to the (same) snapshot time


async def test_times_over_http(simulator: Simulator, client: SkyCentricsClient) -> None:
    """Through the client: times overflowing or before 2000 are no time; the window moves with
    our clock, so a server two days ahead sends only times beyond it."""
    payload = simulator.snapshot(SEED_DEVICE_ID)
    payload["time"] = "0001-01-01T00:00:00+01:00"
    payload["sensors"][0]["time"] = 1e300
    payload["sensors"][1]["time"] = 10**30
    payload["sensors"][2]["time"] = 0
    simulator.add_fault(faults.replay(payload))
    snapshot = await client.async_get_data(SEED_DEVICE_ID)
    assert snapshot.time is None
    times = [r.time for r in snapshot.readings.values()]
    assert times[:3] == [None, None, None]
    assert all(t is not None for t in times[3:])
    simulator.clock = lambda: datetime.now(UTC) + timedelta(days=2)
    snapshot = await client.async_get_data(SEED_DEVICE_ID)  # re-signed with the server's time
    assert snapshot.time is None
    assert {r.time for r in snapshot.readings.values()} == {None}


# --- 7. Size: at most MAX_READINGS readings per answer ------------------------------------


async def test_too_many_readings(
    simulator: Simulator, client: SkyCentricsClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Through the client: the first MAX_READINGS are read, the rest dropped, one warning."""
    sensors = [{"id": f"S{i}", "data": i} for i in range(MAX_READINGS + 50)]
    answer = json.dumps({"device": SEED_DEVICE_ID, "sensors": sensors})
    simulator.add_fault(faults.body(answer), times=2)
    for _ in range(2):
        snapshot = await client.async_get_data(SEED_DEVICE_ID)
        assert len(snapshot.readings) == MAX_READINGS
        assert list(snapshot.readings)[-1] == f"S{MAX_READINGS - 1}"
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name != "asyncio"
    ]
    assert warnings == [
        f"Device {SEED_DEVICE_ID}: the answer lists {MAX_READINGS + 50} sensors, "
        f"only the first {MAX_READINGS} are read"
    ]


# --- 8. Logging: once per device, sensor and kind of problem ------------------------------


async def test_a_bad_value_is_logged_once(
    simulator: Simulator, client: SkyCentricsClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Three polls with the same bad value: one warning; a new kind of problem: one more."""
    simulator.set_value(SEED_DEVICE_ID, SOC, 2**64)
    for _ in range(3):
        assert (await client.async_get_data(SEED_DEVICE_ID)).readings[SOC].value is None
    simulator.set_value(SEED_DEVICE_ID, SOC, "x" * 300)
    for _ in range(2):
        assert (await client.async_get_data(SEED_DEVICE_ID)).readings[SOC].value is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name != "asyncio"]
    assert [r.getMessage() for r in warnings] == [
        f"Device {SEED_DEVICE_ID}: sensor '{SOC}': {NOT_FINITE}; read as no value",
        f"Device {SEED_DEVICE_ID}: sensor '{SOC}': text longer than 255 characters; "
        "read as no value",
    ]
    assert CLIENT_SECRET not in caplog.text


def test_problem_log_is_bounded(caplog: pytest.LogCaptureFixture) -> None:
    """A cloud that invents new sensors with bad values on every poll: at most MAX_PROBLEMS
    warnings, and as many remembered keys, however long it goes on."""
    caplog.set_level(logging.WARNING)
    problems = ProblemLog()
    for poll in range(3):
        sensors = [{"id": f"P{poll}S{i}", "data": math.inf} for i in range(MAX_PROBLEMS)]
        Snapshot.from_dict({"sensors": sensors}, 7, problems)
    assert len(caplog.records) == MAX_PROBLEMS
    assert len(problems._reported) == MAX_PROBLEMS


# --- 6. Device objects: int64 ids, the id asked for, clean names ---------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (42, 42),
        ("42", 42),
        (" 42 ", 42),
        (str(2**63 - 1), 2**63 - 1),
        (-(2**63), -(2**63)),
        ("²", None),  # str.isdigit() says yes, int() raises
        ("٣", None),  # an Arabic-Indic digit: int() would read it, we do not
        ("-1", None),
        ("+1", None),
        ("", None),
        ("1" * 20, None),
        (str(2**63), None),
        (2**63, None),
        (2**64, None),
        (True, None),
        (1.0, None),
        (None, None),
    ],
)
def test_device_ids(raw: object, expected: int | None) -> None:
    """Ids: int64, as a JSON integer or ASCII digits; anything else is no id."""
    if expected is None:
        with pytest.raises(SkyCentricsResponseError, match="no numeric id"):
            Device.from_dict({"id": raw})
    else:
        assert Device.from_dict({"id": raw}).id == expected
    assert Device.from_dict({"id": 1, "type": raw}).type == expected


def test_device_text() -> None:
    """Names and MACs: bad characters replaced, cut to length; no name: a made-up one."""
    device = Device.from_dict({"id": 1, "name": " a\ud800b\x00 ", "mac": "\udc00" + "f" * 40})
    assert (device.name, device.mac) == ("a\ufffdb\ufffd", "\ufffd" + "f" * 31)
    device = Device.from_dict({"id": 2, "name": "n" * 300, "mac": ["x"]})
    assert (device.name, device.mac) == ("n" * 255, "")
    assert Device.from_dict({"id": 3, "name": " \t "}).name == "SkyBox 3"
    orjson.dumps([device.name, device.mac])


def test_device_must_be_the_one_asked_for() -> None:
    """A device object about another device is a response error naming both ids."""
    assert Device.from_dict({"id": "5"}, 5).id == 5
    with pytest.raises(SkyCentricsResponseError, match="asked for device 5, the API answered"):
        Device.from_dict({"id": 6}, 5)


async def test_devices_over_http(simulator: Simulator, client: SkyCentricsClient) -> None:
    """Through the client: another device's object is refused; bad list entries are skipped;
    a lone surrogate in a name is U+FFFD."""
    simulator.add_fault(faults.replay({"id": 1, "name": "someone else's"}))
    with pytest.raises(SkyCentricsResponseError, match=f"asked for device {SEED_DEVICE_ID}, the"):
        await client.async_get_device(SEED_DEVICE_ID)
    simulator.add_fault(
        faults.replay(
            [
                {"id": "²", "name": "superscript"},
                {"id": 2**64, "name": "too big"},
                {"id": "7", "name": "seven\ud800", "mac": "m" * 100},
            ]
        )
    )
    devices = await client.async_get_devices()
    assert [(d.id, d.name, d.mac) for d in devices] == [(7, "seven\ufffd", "m" * 32)]
    device = await client.async_get_device(SEED_DEVICE_ID)  # no fault left: the real one
    assert device.id == SEED_DEVICE_ID


# --- 9. A 401/403 is bad keys only when the API says so -----------------------------------


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (faults.html(401), None),
        (faults.html(403), None),
        (faults.body("", code=401), None),
        (faults.body("Forbidden", code=403, content_type="text/plain"), None),
        (faults.body("{}", code=401), None),
        (faults.body('["error"]', code=403), None),
        (faults.body("[" * 100_000, code=403), None),
        (faults.status(401, message="invalid signature"), "invalid signature"),
        (faults.status(403, message="x\ud800" * 200), "x\ufffd" * 100),
        (faults.body('{"error": "unknown API client"}', code=401), "unknown API client"),
        (faults.body('{"detail": "Invalid token."}', code=403), "Invalid token."),
        (faults.body('{"error": {"code": 7}}', code=401), ""),
    ],
)
async def test_only_the_apis_own_refusal_is_bad_keys(
    simulator: Simulator, client: SkyCentricsClient, fault: Fault, message: str | None
) -> None:
    """Through the client: an HTML or non-JSON 401/403 (a proxy) is a transient response
    error; the API's JSON error is an authentication error with its (cleaned) message."""
    simulator.add_fault(fault)
    with pytest.raises(SkyCentricsError) as caught:
        await client.async_get_data(SEED_DEVICE_ID)
    err = caught.value
    if message is None:
        assert type(err) is SkyCentricsResponseError
        assert err.status in (401, 403)
        assert "without the API's JSON error" in str(err)
    else:
        assert isinstance(err, SkyCentricsAuthenticationError)
        assert str(err).endswith(f"HTTP {err.status}" + (f": {message}" if message else ""))
    assert len(simulator.requests) == 1


async def test_proxy_page_while_the_clocks_differ_is_not_re_signed(
    simulator: Simulator, client: SkyCentricsClient
) -> None:
    """A proxy's 401 page with a skewed server clock: no clock adoption and no second
    request; the API's own 401 still is re-signed (the clock-skew behaviour stays)."""
    simulator.clock = lambda: datetime.now(UTC) + timedelta(minutes=10)
    simulator.add_fault(faults.html(401))
    with pytest.raises(SkyCentricsResponseError):
        await client.async_get_data(SEED_DEVICE_ID)
    assert [r[2] for r in simulator.requests] == [401]
    assert client.clock_offset == timedelta(0)
    await client.async_get_data(SEED_DEVICE_ID)
    assert [r[2] for r in simulator.requests] == [401, 401, 200]


# --- 10. Retry-After: seconds within [0, 1 day], or None ----------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),  # usable: the coordinator holds it to at least the poll interval
        ("86400", 86400.0),
        ("86401", None),
        ("1e12", None),  # stopped polling for a day (or 31,000 years)
        ("-30", None),
        ("NaN", None),
        ("inf", None),
        ("-inf", None),
        ("soon", None),
        ("١٢٠", None),  # Arabic-Indic digits: float() reads them, HTTP does not
        ("", None),
    ],
)
async def test_retry_after_over_http(
    simulator: Simulator, client: SkyCentricsClient, header: str, expected: float | None
) -> None:
    """Through the client: usable Retry-After seconds are kept, unusable ones are None."""
    headers = {"Retry-After": header} if header else {}
    simulator.add_fault(faults.body('{"error": "slow down"}', code=429, headers=headers))
    with pytest.raises(SkyCentricsRateLimitError) as caught:
        await client.async_get_data(SEED_DEVICE_ID)
    assert caught.value.retry_after == expected


@pytest.mark.parametrize(
    ("ahead", "expected"),
    [
        (timedelta(seconds=90), (80, 90)),
        (timedelta(hours=23), (82_790, 82_800)),
        (timedelta(days=2), None),
        (timedelta(seconds=-30), None),  # in the past
        (timedelta(days=-365 * 30), None),  # before 2000: no date at all
    ],
)
def test_retry_after_dates(
    freezer: FrozenDateTimeFactory, ahead: timedelta, expected: tuple[int, int] | None
) -> None:
    """An HTTP-date: the seconds until then, when that is within [0, 1 day]."""
    freezer.move_to(NOW)
    seconds = parse_retry_after(format_datetime(NOW + ahead, usegmt=True))
    if expected is None:
        assert seconds is None
    else:
        assert seconds is not None
        assert expected[0] <= seconds <= expected[1]


@pytest.mark.parametrize(
    "header",
    [
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Fri, 31 Dec 9999 23:59:59 -0100",  # OverflowError converting it to UTC
        "Mon, 01 Jan 1000 00:00:00 +0100",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Mon, 01 Jan 2001 00:00:00 +9999",
        "garbage",
        "Tue, 15 Nov 1994 08:12:31 GMT\ud800",
    ],
)
def test_unusable_server_dates(header: str) -> None:
    """Date headers far outside [2000, 2100], malformed or not ASCII: no server clock."""
    assert parse_http_date(header) is None
    assert parse_retry_after(header) is None


# --- Properties: any answer gives a safe snapshot, or the client's own error ---------------


@dataclass(frozen=True)
class Wire:
    """JSON text sent as is: what no encoder writes (huge literals, bad bytes, deep nesting)."""

    text: bytes


def _dump(value: object) -> bytes:
    """Encode like a JSON encoder would, with `Wire` parts as they are (surrogates escaped)."""
    if isinstance(value, Wire):
        return value.text
    if isinstance(value, list):
        return b"[" + b",".join(_dump(item) for item in value) + b"]"
    if isinstance(value, dict):
        items = (json.dumps(key).encode() + b":" + _dump(item) for key, item in value.items())
        return b"{" + b",".join(items) + b"}"
    return json.dumps(value).encode()  # NaN, Infinity; lone surrogates as \ud800 escapes


ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)  # surrogates included
WORDS = st.sampled_from(["²", "1e400", "-1e16", "NaN", "active", "x|y", "12.5", "", " ", "é"])
TIMES = st.floats(0, 5e9) | st.sampled_from(
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2025-07-31 01:37:47Z"]
)
PYTHON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | ANY_TEXT
    | WORDS
    | TIMES
)


def _wire_scalars(deepest: int) -> st.SearchStrategy[Wire]:
    """What no encoder writes; nesting up to ``deepest`` levels (100,000 overflows json.loads,
    and the tolerant path then prunes: about 0.3 s an answer)."""
    return (
        st.builds(lambda n: Wire(b"9" * n), st.integers(1, 6000))
        | st.builds(
            lambda depth, inner: Wire(b"[" * depth + inner + b"]" * depth),
            st.integers(0, 40) | st.sampled_from([100, 1000, 2000, deepest]),
            st.sampled_from([b"1", b"null", b'"x"', b"{}"]),
        )
        | st.builds(
            lambda depth: Wire(b'{"a":' * depth + b"1" + b"}" * depth),
            st.sampled_from([40, 2000, min(deepest, 60_000)]),
        )
        | st.sampled_from(
            [
                Wire(b'"\xed\xa0\x80"'),
                Wire(b'"\xff\xfe"'),
                Wire(b'"\\udc00x"'),
                Wire(b'"\\ud83d\\ude00"'),
                Wire(b"NaN"),
                Wire(b"-Infinity"),
                Wire(b"1e400"),
                Wire(b"-0"),
            ]
        )
    )


WIRE_SCALARS = _wire_scalars(100_000)
SHALLOWER_WIRE_SCALARS = _wire_scalars(2_000)
"""Beyond orjson's 1,024 levels, within json.loads': for a test that decodes each answer twice
and many times over (pruning 100,000 levels twice an example took most of its 60 s)."""


def _json(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4)
        ),
        max_leaves=12,
    )


def _payloads(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    anything = _json(scalars)
    field = scalars | scalars | anything  # mostly scalars: a reading's fields usually are
    ids = (
        st.sampled_from(["A", "B", "C", "a|b", " "])
        | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=130)
        | st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=250, max_size=260)
        | ANY_TEXT
        | anything
    )
    optional = {"name": field, "type": field, "units": field, "data": field, "time": field}
    sensor = st.fixed_dictionaries({"id": ids}, optional=optional) | st.fixed_dictionaries(
        {}, optional={"id": anything, **optional}
    )
    # The payload families' fields (api/families.py), of the right shape or not.
    wrapper = st.fixed_dictionaries({"data": field}, optional={"units": field}) | field
    power = st.fixed_dictionaries({}, optional={"real": field, "apparent": field}) | field
    channel = st.fixed_dictionaries(
        {"id": st.integers() | ids}, optional={"current": field, "power": power, "voltage": field}
    )
    commodity = st.fixed_dictionaries(
        {"code": st.sampled_from([0, 1, 6, 7]) | field},
        optional={"instantaneous": field, "cumulative": field, "units": field},
    )
    return (
        st.fixed_dictionaries(
            {"sensors": st.lists(sensor | sensor | anything, max_size=6)},
            optional={
                "device": st.just(7) | field,
                "time": field,
                "ct": st.lists(channel | anything, max_size=3) | anything,
                "relay": field,
                "state": field,
                "thermostat": st.fixed_dictionaries({}, optional={"mode": field}) | field,
                "temperature": wrapper,
                "setpoint": wrapper,
                "commodities": st.lists(commodity | anything, max_size=3) | anything,
            },
        )
        | anything
    )


def _assert_safe(snapshot: Snapshot) -> None:
    """Every invariant the boundary promises Home Assistant."""
    latest = datetime.now(UTC) + MAX_FUTURE
    assert snapshot.device_id == 7
    assert snapshot.time is None or EARLIEST_TIME <= snapshot.time <= latest
    assert len(snapshot.readings) <= MAX_READINGS
    for key, reading in snapshot.readings.items():
        assert key == reading.id
        assert 1 <= len(reading.id) <= MAX_SENSOR_ID_LENGTH
        assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in reading.id)
        assert reading.id.strip()
        assert len(reading.name) <= MAX_TEXT
        assert len(reading.type) <= MAX_TEXT
        assert len(reading.units) <= MAX_UNITS
        for text in (reading.name, reading.type, reading.units):
            text.encode("utf-8")  # strict: no lone surrogate
        value = reading.value
        if isinstance(value, str):
            assert len(value) <= MAX_TEXT
            value.encode("utf-8")
        elif value is not None:
            assert type(value) in (int, float)
            assert math.isfinite(value)
            assert abs(value) <= MAX_MAGNITUDE
        assert reading.time is None or EARLIEST_TIME <= reading.time <= latest
        orjson.dumps([reading.id, reading.name, reading.type, reading.units, value, reading.time])
    for channel in snapshot.ct:
        assert 1 <= len(channel.id) <= MAX_CT_ID_LENGTH
        assert channel.id.isascii()
        assert channel.id.isprintable()
        assert "|" not in channel.id
    for measure in _measures(snapshot):
        value = measure.value
        assert value is None or type(value) in (int, float)
        assert value is None or (math.isfinite(value) and abs(value) <= MAX_MAGNITUDE)
        assert len(measure.units) <= MAX_UNITS
        assert measure.time == snapshot.time
        orjson.dumps([measure.units, value])


def _measures(snapshot: Snapshot) -> list[Measure]:
    """Every field of the snapshot's payload families."""
    parts: list[Any] = [snapshot.cta2045, snapshot.thermostat, *snapshot.ct]
    if snapshot.cta2045 is not None:
        parts += snapshot.cta2045.commodities.values()
    return [
        value
        for part in parts
        if part is not None
        for value in (getattr(part, item.name) for item in fields(part))
        if isinstance(value, Measure)
    ]


def _assert_encodable(raw: object) -> None:
    """The decoded answer (diagnostics' raw payload): no lone surrogate, no int beyond int64."""
    stack = [raw]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            item.encode("utf-8")
        elif isinstance(item, int) and not isinstance(item, bool):
            assert INT64_MIN <= item <= INT64_MAX
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(payload=_payloads(PYTHON_SCALARS | WIRE_SCALARS))
def test_any_answer_on_the_wire_is_safe(payload: object) -> None:
    """Any bytes built from JSON, huge literals, bad UTF-8, lone surrogates, NaN and nesting
    100,000 deep: decode_json + Snapshot.from_dict give a safe snapshot, or
    SkyCentricsResponseError; nothing else."""
    body = _dump(payload)
    try:
        decoded = decode_json(body)
        snapshot = Snapshot.from_dict(decoded, 7)
    except SkyCentricsResponseError:
        event("response error")
        return
    event(f"readings: {min(len(snapshot.readings), 3)}")
    event(f"values: {sorted({type(r.value).__name__ for r in snapshot.readings.values()})}")
    _assert_safe(snapshot)
    _assert_encodable(decoded)


@PROPERTY_SETTINGS
@given(payload=_payloads(PYTHON_SCALARS))
def test_any_python_payload_is_safe(payload: object) -> None:
    """The models check what they are given, decoded by us or not: ints of any size and
    strings with lone surrogates included."""
    try:
        snapshot = Snapshot.from_dict(payload, 7)
    except SkyCentricsResponseError:
        return
    _assert_safe(snapshot)


class _Recorder(ProblemLog):
    """A problem log that keeps the messages it would log, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def warn(self, key: tuple[object, ...], message: str, *args: object) -> None:
        if key not in self._reported:
            self.messages.append(message % args)
        super().warn(key, message, *args)


def _parsed(decoded: object) -> list[object]:
    """What the parsers make of a decoded answer: a Device, a Snapshot and history records
    (or the error of each), then the problems they logged."""
    problems = _Recorder()
    results: list[object] = []
    for parse in (
        lambda: Device.from_dict(decoded),
        lambda: Snapshot.from_dict(decoded, 7, problems),
        lambda: parse_history(decoded, 7, problems),
    ):
        try:
            results.append(parse())
        except SkyCentricsResponseError as err:
            results.append(str(err))
    return [*results, problems.messages]


def _answers(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A /data answer, a day of history or a device object, made of ``scalars``."""
    field = scalars | _json(scalars)
    device = st.fixed_dictionaries(
        {"id": scalars}, optional={"name": field, "mac": field, "type": field, "user": field}
    )
    return _payloads(scalars) | st.lists(_payloads(scalars), max_size=3) | device


@PROPERTY_SETTINGS
@given(answer=_answers(PYTHON_SCALARS | WIRE_SCALARS))
def test_the_fast_path_decodes_as_the_tolerant_path(answer: object) -> None:
    """Whatever orjson decodes (when asked), the tolerant path decodes the very same, and the
    parsers make the same Device, Snapshot, history records and warnings of it."""
    body = _dump(answer)
    try:
        fast = decode_fast(body)
    except ValueError:
        event("the tolerant path alone")
        return
    event("both paths")
    tolerant = _decode_tolerant(body)
    assert fast == tolerant
    assert _parsed(fast) == _parsed(tolerant)


def _history_of(decode: Any, body: bytes) -> list[object]:
    """What ``decode`` makes of a history answer: records, or the error; the problems logged."""
    problems = _Recorder()
    try:
        records: object = decode(body, problems)
    except SkyCentricsResponseError as err:
        records = str(err)
    return [records, problems.messages]


HISTORY_KEYS = TIMES.map(str) | ANY_TEXT | st.sampled_from(["sensors", "device", "{", "}", "a}"])

HISTORY_ANSWERS = st.lists(_payloads(PYTHON_SCALARS | SHALLOWER_WIRE_SCALARS), max_size=4) | (
    st.dictionaries(HISTORY_KEYS, _payloads(PYTHON_SCALARS | SHALLOWER_WIRE_SCALARS), max_size=4)
)


@PROPERTY_SETTINGS
@given(
    answer=HISTORY_ANSWERS,
    run=st.integers(1, 400),
)
def test_history_in_runs_as_the_whole_answer(answer: object, run: int) -> None:
    """`decode_history` decodes a list or a time-keyed object a run of records at a time
    (orjson, runs of about ``run`` bytes, cut by counting braces, those in strings too): the
    very records and warnings of the tolerant path on the whole answer, whatever the answer."""
    body = _dump(answer)
    whole: list[bytes] = []

    def decode_json_spy(body: bytes) -> Any:
        whole.append(body)
        return decode_json(body)

    with (
        patch.object(history, "CHUNK_BYTES", run),
        patch.object(history, "decode_json", decode_json_spy),
    ):
        got = _history_of(lambda body, problems: decode_history(body, 7, problems), body)
    event("the whole answer" if whole else "in runs")
    expected = _history_of(
        lambda body, problems: parse_history(_decode_tolerant(body), 7, problems), body
    )
    assert got == expected


def _readings_timed(records: list[Snapshot]) -> list[Snapshot]:
    """Records whose readings without a time show their record's (the importer reads them so)."""
    return [
        replace(r, readings={k: v._replace(time=v.time or r.time) for k, v in r.readings.items()})
        for r in records
    ]


def _as_records(found: History) -> list[Snapshot]:
    """A History's records with their column readings back in them."""
    readings: list[dict[str, Reading]] = [{} for _ in found.records]
    for sensor_id, column in found.columns.items():
        assert column.records == sorted(column.records)  # in time order, once per record
        assert len(set(column.records)) == len(column.records)
        for n, labels, value, when in zip(
            column.records, column.labels, column.values, column.times, strict=True
        ):
            assert labels[0] == sensor_id
            readings[n][sensor_id] = Reading(*labels, value, when)
    assert all(not record.readings for record in found.records)
    return [replace(r, readings=own) for r, own in zip(found.records, readings, strict=True)]


@PROPERTY_SETTINGS
@given(
    answer=HISTORY_ANSWERS,
    run=st.integers(1, 400),
    wanted=st.none() | st.frozensets(st.sampled_from(["A", "B", "C", "a|b", " "])),
)
def test_history_columns_hold_the_records_readings(
    answer: object, run: int, wanted: frozenset[str] | None
) -> None:
    """`decode_history_columns` gives the very records, readings and warnings of
    `decode_history`, whatever the answer (in runs of any size, or the tolerant path)."""
    body = _dump(answer)
    with patch.object(history, "CHUNK_BYTES", run):
        records = _history_of(
            lambda body, problems: _readings_timed(
                decode_history(body, 7, problems, sensor_ids=wanted)
            ),
            body,
        )
        columns = _history_of(
            lambda body, problems: _as_records(
                decode_history_columns(body, 7, problems, sensor_ids=wanted)
            ),
            body,
        )
    assert columns == records


_SMALL_RECORDS = st.lists(  # sensor lists of 2-4 of a few sensors: often the same, or nearly
    st.fixed_dictionaries(
        {
            "time": st.integers(1_700_000_000, 1_700_000_009),
            "sensors": st.lists(
                st.sampled_from(
                    [{"id": "A"}, {"id": "B", "data": 1}, {"id": "C"}, {"id": 1}, None]
                ),
                min_size=2,
                max_size=4,
            ),
        }
    ),
    max_size=6,
)


@PROPERTY_SETTINGS
@given(
    answer=_SMALL_RECORDS
    | _SMALL_RECORDS
    | st.lists(_payloads(PYTHON_SCALARS | SHALLOWER_WIRE_SCALARS), max_size=3),
    keyed=st.booleans(),
    wanted=st.frozensets(st.sampled_from(["A", "B", "C", "a|b", " "])),
)
def test_history_wanted_places_as_every_sensor_looked_at(
    answer: list[object], keyed: bool, wanted: frozenset[str]
) -> None:
    """With ``sensor_ids``, the places of the wanted sensors worked out once per sensor list
    (`Checks.wanted_at`) read the very records, readings and warnings as a look at every
    sensor of every record, also when records repeat a sensor list or change it."""
    records = answer + answer[::-1] + answer  # the same sensor lists again, and others between
    body = _dump({str(1_700_000_000 + n): r for n, r in enumerate(records)} if keyed else records)
    readers = (
        lambda b, p: decode_history(b, 7, p, sensor_ids=wanted),
        lambda b, p: _as_records(decode_history_columns(b, 7, p, sensor_ids=wanted)),
    )
    for read in readers:
        remembered = _history_of(read, body)
        with patch.object(Checks, "wanted_at", lambda *_: None):
            assert _history_of(read, body) == remembered


def _sensor(sensor_id: str, data: object, time: object = None) -> dict[str, object]:
    return {"id": sensor_id, "units": "kWh", "data": data, "time": time}


OUT_OF_ORDER = [
    {"time": 1_700_000_300, "sensors": [_sensor("A", 3), _sensor("B", 30), _sensor("A", 9)]},
    {"sensors": [_sensor("A", 1, 1_700_000_100), _sensor("B", 10), _sensor("C", 0, 1_700_000_050)]},
    {"sensors": [_sensor("A", 5), _sensor("B", 50)]},  # no time at all: skipped
    {"time": "2023-11-14T22:18:20Z", "sensors": [_sensor("B", 20), _sensor("C", 2)]},
]


@pytest.mark.parametrize("wanted", [None, frozenset({"A"}), frozenset({"A", "B"})])
@pytest.mark.parametrize(
    "answer", [OUT_OF_ORDER, {str(n): record for n, record in enumerate(OUT_OF_ORDER)}]
)
def test_history_columns_out_of_order(answer: object, wanted: frozenset[str] | None) -> None:
    """Records out of time order, one timed by its reading, one without a time, a duplicate
    id: the columns hold each record's readings in time order, as the records do."""
    body = json.dumps(answer).encode()
    records = _history_of(
        lambda b, p: _readings_timed(decode_history(b, 7, p, sensor_ids=wanted)), body
    )
    columns = _history_of(
        lambda b, p: _as_records(decode_history_columns(b, 7, p, sensor_ids=wanted)), body
    )
    assert columns == records
    found = decode_history_columns(body, 7, sensor_ids=wanted)
    times = [record.time and record.time.timestamp() for record in found.records]
    assert times == [1_700_000_100, 1_700_000_300, 1_700_000_300]
    assert found.columns["A"].values == [1, 3]  # record 0's duplicate A (9) dropped
    assert found.columns["A"].times == [found.records[0].time, found.records[1].time]
    if wanted is None or "B" in wanted:
        assert found.columns["B"].values == [10, 30, 20]
        assert found.columns["B"].times[0] == found.records[0].time  # the record's: A's
    if wanted is None:
        assert found.columns["C"].times[0] == datetime.fromtimestamp(1_700_000_050, UTC)


ORDINARY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(INT64_MIN, INT64_MAX)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=25,
)


@PROPERTY_SETTINGS
@given(value=ORDINARY_JSON)
def test_ordinary_json_is_decoded_as_json_loads_does(value: object) -> None:
    """No change for what a well-behaved API sends, and pruning leaves it as it is."""
    text = json.dumps(value, ensure_ascii=False)
    assert decode_json(text.encode()) == json.loads(text)
    assert _prune_deep(text) == text


def test_json_safe() -> None:
    """What json_safe makes of a Python structure: every part something orjson takes."""
    deep: list[Any] = []
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    safe = json_safe({"\ud800": ["a\udfff", 2**70, -(2**63), (1, 2), math.inf, True], "d": deep})
    assert safe["\ufffd"][:2] == ["a\ufffd", safe["\ufffd"][1]]
    assert math.isnan(safe["\ufffd"][1])
    assert safe["\ufffd"][2] == -(2**63)
    assert math.isnan(safe["\ufffd"][3])  # not a JSON type
    assert safe["\ufffd"][4:] == [math.inf, True]
    assert _depth(safe) == MAX_DEPTH
    orjson.dumps(safe)
