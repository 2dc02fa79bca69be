"""Issue 11: every payload family of `/data` (sensors, CT channels, CTA-2045, thermostats) read
into the same `Reading` objects, with ids in the reserved ``|`` namespace.

The payloads are shaped like the fixtures of SkyCentrics' public PHP SDK (values made up).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
import gzip
import json
import logging
from typing import Any

import pytest

from custom_components.skycentrics.api import (
    CTA2045_TYPES,
    DEVICE_MODELS,
    Reading,
    Snapshot,
)
from custom_components.skycentrics.api.decode import decode_json
from custom_components.skycentrics.api.history import decode_history, parse_history
from custom_components.skycentrics.api.models import MAX_CT_ID_LENGTH, MAX_ID_LENGTH
from custom_components.skycentrics.api.readings import ProblemLog
from skycentrics_simulator import load_seed_payload

TIME = "2025-07-31 01:37:47"
WHEN = datetime(2025, 7, 31, 1, 37, 47, tzinfo=UTC)
PREFIXES = ("cta2045|", "thermostat|", "ct|")


def _commodity(code: int, instantaneous: Any, cumulative: Any, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "cumulative": cumulative,
        "estimated": 0,
        "instantaneous": instantaneous,
        "name": "Electricity Consumed",  # the SDK's fixtures name every code so
        "units": "W & W-hr",
        **extra,
    }


def water_heater(**changes: Any) -> dict[str, Any]:
    """A CTA-2045 water heater's `/data` (the SDK's WaterHeaterData, with a temperature)."""
    payload: dict[str, Any] = {
        "device": 4242,
        "time": TIME,
        "relay": 1,
        "override": 0,
        "power": 4500.5,
        "state": 1,
        "hold_mode": {"data": 0},
        "setpoint": {"data": [120, 140], "units": "F"},
        "offset": {"data": -5, "units": "F"},
        "temperature": {"data": [118], "units": "F"},
        "commodity": _commodity(0, 4500, 1234567),
        "commodities": [
            _commodity(0, 4500, 1234567),
            _commodity(6, 0, 4800),
            _commodity(7, 0, 1600),
        ],
    }
    payload.update(changes)
    return payload


def ct_thermostat(**changes: Any) -> dict[str, Any]:
    """A Radio Thermostat's `/data` (the SDK's CTThermostatData)."""
    payload: dict[str, Any] = {
        "device": 4343,
        "time": TIME,
        "temperature": {"data": [74.5], "units": "F"},
        "thermostat": {"mode": 2, "state": 1},
        "fan": {"mode": 0, "state": 1},
        "humidity": {"data": [44], "units": "%"},
        "setpoint": {"data": [68, 76], "units": "F"},
        "status": "whatever",
    }
    payload.update(changes)
    return payload


def ct_channel(ct_id: Any, **changes: Any) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "current": 12.5,
        "id": ct_id,
        "power": {"apparent": 1500, "real": 1400.5},
        "power_factor": 0.93,
        "rating": 200,
        "voltage": 120.4,
    }
    channel.update(changes)
    return channel


def summary(snapshot: Snapshot) -> dict[str, tuple[str, str, Any]]:
    """Reading id -> (type, units, value)."""
    return {key: (r.type, r.units, r.value) for key, r in snapshot.readings.items()}


# --- CTA-2045 -------------------------------------------------------------------------------


def test_water_heater() -> None:
    """Every CTA-2045 field, with its id, type, units and name; the answer's time on each."""
    snapshot = Snapshot.from_dict(water_heater(), 4242)
    assert summary(snapshot) == {
        "cta2045|relay": ("Relay", "", 1),
        "cta2045|override": ("Override", "", 0),
        "cta2045|state": ("Operational State", "", 1),
        "cta2045|power": ("Power", "W", 4500.5),
        "cta2045|hold_mode": ("Hold Mode", "", 0),
        "cta2045|offset": ("Setpoint Offset", "F", -5),
        "cta2045|temperature": ("Temperature", "F", 118),
        "cta2045|setpoint_1": ("Setpoint", "F", 120),
        "cta2045|setpoint_2": ("Setpoint", "F", 140),
        "cta2045|commodity_0_instantaneous": ("Power", "W", 4500),
        "cta2045|commodity_0_cumulative": ("Energy", "Wh", 1234567),
        "cta2045|commodity_6_instantaneous": ("Power", "W", 0),
        "cta2045|commodity_6_cumulative": ("Energy Storage Capacity", "Wh", 4800),
        "cta2045|commodity_7_instantaneous": ("Power", "W", 0),
        "cta2045|commodity_7_cumulative": ("Energy Storage Capacity", "Wh", 1600),
    }
    assert {r.time for r in snapshot.readings.values()} == {WHEN}
    assert snapshot.time == WHEN
    names = {key: r.name for key, r in snapshot.readings.items()}
    assert names["cta2045|state"] == "Operational state"
    assert names["cta2045|commodity_0_cumulative"] == "Energy consumed"
    assert names["cta2045|commodity_7_cumulative"] == "Present storage capacity"
    assert all(r.id == key for key, r in snapshot.readings.items())


def test_charger_and_pool_pump() -> None:
    """The SDK's ChargerData (no power) and PoolPumpData: the fields they have, nothing else."""
    charger = {
        "device": 1,
        "time": TIME,
        "relay": 0,
        "override": 1,
        "state": 2,
        "commodity": _commodity(0, 0, 99),
        "commodities": [_commodity(0, 0, 99)],
    }
    assert summary(Snapshot.from_dict(charger)) == {
        "cta2045|relay": ("Relay", "", 0),
        "cta2045|override": ("Override", "", 1),
        "cta2045|state": ("Operational State", "", 2),
        "cta2045|commodity_0_instantaneous": ("Power", "W", 0),
        "cta2045|commodity_0_cumulative": ("Energy", "Wh", 99),
    }
    pump = {"device": 1, "time": TIME, "relay": 1, "override": 0, "power": 750.0, "state": 1}
    assert list(Snapshot.from_dict(pump).readings) == [
        "cta2045|relay",
        "cta2045|override",
        "cta2045|state",
        "cta2045|power",
    ]


def test_cta2045_thermostat() -> None:
    """The SDK's ThermostatData (a CTA-2045 thermostat, no thermostat/fan/humidity fields):
    its temperature and setpoint are CTA-2045 readings; unknown keys (``type``, ``total``,
    ``device`` inside a field) are ignored."""
    payload = {
        "device": 9,
        "time": TIME,
        "temperature": {"data": [71], "device": 3, "units": "F"},
        "setpoint": {"data": [70, 74], "type": 2, "units": "F"},
        "offset": {"data": 2, "units": "F"},
        "state": 0,
        "override": 0,
        "relay": 1,
        "total": 17,
    }
    assert summary(Snapshot.from_dict(payload)) == {
        "cta2045|relay": ("Relay", "", 1),
        "cta2045|override": ("Override", "", 0),
        "cta2045|state": ("Operational State", "", 0),
        "cta2045|offset": ("Setpoint Offset", "F", 2),
        "cta2045|temperature": ("Temperature", "F", 71),
        "cta2045|setpoint_1": ("Setpoint", "F", 70),
        "cta2045|setpoint_2": ("Setpoint", "F", 74),
    }


@pytest.mark.parametrize(
    ("commodity", "commodities", "expected"),
    [
        pytest.param(_commodity(0, 10, 20), None, {0: (10, 20)}, id="one object only"),
        pytest.param(None, [_commodity(0, 10, 20), _commodity(1, 3, 4)], {0: (10, 20), 1: (3, 4)}),
        pytest.param(
            _commodity(0, 99, 99),
            [_commodity(0, 10, 20), _commodity(0, 11, 21), _commodity(7, 5, 6)],
            {0: (10, 20), 7: (5, 6)},
            id="both: the list's first entry of a code wins",
        ),
        pytest.param(
            _commodity(6, 1, 2), [_commodity(0, 10, 20)], {0: (10, 20), 6: (1, 2)}, id="both"
        ),
        pytest.param(
            [_commodity(1, 1, 2), _commodity(6, 3, 4)], None, {1: (1, 2), 6: (3, 4)}, id="a list"
        ),
        pytest.param(
            None,
            [_commodity(2, 1, 2), _commodity(5, 1, 2), _commodity("7", 8, 9)],
            {7: (8, 9)},
            id="gas and water ignored, a code as text",
        ),
        pytest.param(
            None,
            [_commodity(0, 1, 2, units="kW & kWh"), _commodity(0, 3, 4, units="w&wh")],
            {0: (3, 4)},
            id="other units lose that entry",
        ),
        pytest.param(None, [{"code": 1, "cumulative": 5}], {1: (None, 5)}, id="no units: W, Wh"),
    ],
)
def test_commodities(commodity: Any, commodities: Any, expected: dict[int, Any]) -> None:
    """``commodity`` (one object or a list) and ``commodities``, de-duplicated by code."""
    payload = {"device": 1, "time": TIME, "state": 1}
    if commodity is not None:
        payload["commodity"] = commodity
    if commodities is not None:
        payload["commodities"] = commodities
    readings = Snapshot.from_dict(payload).readings
    found: dict[int, tuple[Any, Any]] = {}
    for code in range(8):
        rate = readings.get(f"cta2045|commodity_{code}_instantaneous")
        amount = readings.get(f"cta2045|commodity_{code}_cumulative")
        if rate or amount:
            found[code] = (rate.value if rate else None, amount.value if amount else None)
    assert found == expected


# --- thermostats ----------------------------------------------------------------------------


def test_radio_thermostat() -> None:
    """The SDK's CTThermostatData: every field, ``status`` ignored."""
    snapshot = Snapshot.from_dict(ct_thermostat(), 4343)
    assert summary(snapshot) == {
        "thermostat|temperature": ("Temperature", "F", 74.5),
        "thermostat|humidity": ("Humidity", "%", 44),
        "thermostat|mode": ("Mode", "", 2),
        "thermostat|state": ("State", "", 1),
        "thermostat|fan_mode": ("Mode", "", 0),
        "thermostat|fan_state": ("State", "", 1),
        "thermostat|heat_setpoint": ("Setpoint", "F", 68),
        "thermostat|cool_setpoint": ("Setpoint", "F", 76),
    }
    names = [r.name for r in snapshot.readings.values()]
    assert names == [
        "Temperature",
        "Humidity",
        "Thermostat mode",
        "Thermostat state",
        "Fan mode",
        "Fan state",
        "Heat setpoint",
        "Cool setpoint",
    ]


def test_thermostat_scalar_data_and_default_units() -> None:
    """``data`` as a bare value; humidity without units is "%"; a temperature's unit is the
    cloud's as given ("C" stays "C", none is none); one setpoint of two."""
    payload = ct_thermostat(
        temperature={"data": 22.5, "units": "C"},
        humidity={"data": 40},
        setpoint={"data": [19]},
    )
    assert summary(Snapshot.from_dict(payload)) == {
        "thermostat|temperature": ("Temperature", "C", 22.5),
        "thermostat|humidity": ("Humidity", "%", 40),
        "thermostat|mode": ("Mode", "", 2),
        "thermostat|state": ("State", "", 1),
        "thermostat|fan_mode": ("Mode", "", 0),
        "thermostat|fan_state": ("State", "", 1),
        "thermostat|heat_setpoint": ("Setpoint", "", 19),
    }
    bare = {"device": 1, "temperature": {"data": [70]}}  # no family field but a shared one
    assert summary(Snapshot.from_dict(bare)) == {"thermostat|temperature": ("Temperature", "", 70)}


def test_shared_fields_with_both_families() -> None:
    """A payload with CTA-2045 and thermostat fields: temperature and setpoint are the
    thermostat's; the CTA-2045 fields are read too."""
    payload = ct_thermostat(relay=1, state=0)
    readings = Snapshot.from_dict(payload).readings
    assert "thermostat|temperature" in readings
    assert "thermostat|heat_setpoint" in readings
    assert "cta2045|temperature" not in readings
    assert "cta2045|setpoint_1" not in readings
    assert readings["cta2045|relay"].value == 1
    assert readings["cta2045|state"].value == 0


# --- CT channels and several families at once ---------------------------------------------


def test_super_skybox_with_ct_channels() -> None:
    """The guide's 60 sensors and three CT channels in one answer: 60 + 3 x 6 readings, the
    sensors' first; CT ids as integers or text."""
    payload = load_seed_payload()
    payload["ct"] = [ct_channel(1), ct_channel(2, current=None), ct_channel("main-A")]
    snapshot = Snapshot.from_dict(payload)
    assert len(snapshot.readings) == 60 + 18
    assert list(snapshot.readings)[:60] == [s["id"] for s in payload["sensors"]]
    assert list(snapshot.readings)[60:66] == [
        "ct|1|current",
        "ct|1|power_real",
        "ct|1|power_apparent",
        "ct|1|power_factor",
        "ct|1|voltage",
        "ct|1|rating",
    ]
    assert summary(snapshot)["ct|1|current"] == ("Current", "A", 12.5)
    assert summary(snapshot)["ct|1|power_real"] == ("Power", "W", 1400.5)
    assert summary(snapshot)["ct|1|power_apparent"] == ("Apparent Power", "VA", 1500)
    assert summary(snapshot)["ct|1|power_factor"] == ("Power Factor", "", 0.93)
    assert summary(snapshot)["ct|1|voltage"] == ("Voltage", "V", 120.4)
    assert summary(snapshot)["ct|1|rating"] == ("Current Rating", "A", 200)
    assert snapshot.readings["ct|2|current"].value is None  # null: a reading without a value
    assert snapshot.readings["ct|main-A|power_real"].name == "CT main-A power"
    assert snapshot.readings["ct|1|current"].time == snapshot.time


def test_every_family_at_once() -> None:
    """Sensors, CT channels, CTA-2045 and thermostat fields in one answer: all read, apart."""
    payload = {**load_seed_payload(), **water_heater(), **ct_thermostat(), "ct": [ct_channel(7)]}
    payload["device"] = 1592651608
    readings = Snapshot.from_dict(payload).readings
    kinds = {key.split("|")[0] for key in readings if "|" in key}
    assert kinds == {"ct", "cta2045", "thermostat"}
    assert len([key for key in readings if "|" not in key]) == 60


@pytest.mark.parametrize(
    ("ct_id", "reason"),
    [
        ("a|b", "no usable id: 'a|b'"),
        ("", "no usable id: ''"),
        ("   ", "no usable id: '   '"),
        ("caf\u00e9", "no usable id"),
        ("x" * (MAX_CT_ID_LENGTH + 1), "no usable id"),
        (True, "no usable id: bool"),
        (1.5, "no usable id: float"),
        (None, "no usable id: null"),
        (2**64, "no usable id: int"),
    ],
)
def test_unusable_ct_ids(ct_id: Any, reason: str, caplog: pytest.LogCaptureFixture) -> None:
    """A CT id that could break the namespace or the id rule loses that channel only."""
    caplog.set_level(logging.WARNING)
    payload = {"device": 1, "time": TIME, "ct": [ct_channel(ct_id), ct_channel(3)]}
    readings = Snapshot.from_dict(payload).readings
    assert {key.split("|")[1] for key in readings} == {"3"}
    assert reason in caplog.text
    assert "field ct[0]" in caplog.text


def test_longest_ct_id_keeps_ids_within_the_limit() -> None:
    """The longest accepted CT id gives reading ids of at most MAX_ID_LENGTH characters."""
    payload = {"device": 1, "ct": [ct_channel("c" * MAX_CT_ID_LENGTH)]}
    readings = Snapshot.from_dict(payload).readings
    assert len(readings) == 6
    assert max(len(key) for key in readings) == MAX_ID_LENGTH


def test_duplicate_ct_ids(caplog: pytest.LogCaptureFixture) -> None:
    """The first channel of an id wins (1 and "1" are the same id); the other is logged."""
    caplog.set_level(logging.WARNING)
    payload = {"device": 1, "ct": [ct_channel(1, rating=100), ct_channel("1", rating=50)]}
    readings = Snapshot.from_dict(payload).readings
    assert readings["ct|1|rating"].value == 100
    assert "duplicate id '1'" in caplog.text


# --- the namespace --------------------------------------------------------------------------


def test_a_sensor_cannot_take_a_family_id(caplog: pytest.LogCaptureFixture) -> None:
    """A sensor of the list whose id is a family id is dropped (ids that start with a family's
    prefix are refused): it can never shadow or fake a family reading."""
    caplog.set_level(logging.WARNING)
    payload = water_heater(
        sensors=[
            {"id": "cta2045|relay", "name": "fake", "type": "Relay", "data": 0},
            {"id": "cta2045_relay", "name": "real", "type": "State", "data": 5},
        ]
    )
    readings = Snapshot.from_dict(payload).readings
    assert readings["cta2045|relay"].value == 1
    assert readings["cta2045|relay"].name == "Relay"
    assert readings["cta2045_relay"].value == 5
    assert "'cta2045|relay': the payload families' namespace" in caplog.text


def test_family_ids_are_in_the_reserved_namespace() -> None:
    """Every family reading's id starts with its family and '|', and follows the id rule
    otherwise (printable ASCII, at most MAX_ID_LENGTH); the seed's sensor ids hold no '|'."""
    payload = {**load_seed_payload(), **water_heater(), **ct_thermostat(), "ct": [ct_channel(1)]}
    payload["device"] = 1
    for key, reading in Snapshot.from_dict(payload).readings.items():
        assert key == reading.id
        assert key.isascii()
        assert key.isprintable()
        assert len(key) <= MAX_ID_LENGTH
        assert ("|" in key) == key.startswith(PREFIXES)


# --- values and malformed fields ------------------------------------------------------------


def test_values_follow_the_rules(caplog: pytest.LogCaptureFixture) -> None:
    """Numbers finite and bounded, true/false as 1/0, a plain decimal text as its number;
    anything else is None, logged once per device, reading and problem."""
    caplog.set_level(logging.WARNING)
    body = json.dumps(
        water_heater(
            relay=True,
            override="1",
            power=" 12.5 ",
            state="running",
            hold_mode={"data": [1]},
            offset={"data": 1e300},
            temperature={"data": ["1_000"], "units": "F\x00"},
            commodity=None,
            commodities=[_commodity(0, "NaN", "1e3"), _commodity(6, {"x": 1}, -4)],
        )
    ).replace('"NaN"', "NaN")
    problems = ProblemLog()
    for _ in range(2):
        snapshot = Snapshot.from_dict(decode_json(body.encode()), problems=problems)
    values = {key: r.value for key, r in snapshot.readings.items()}
    assert values == {
        "cta2045|relay": 1,
        "cta2045|override": 1,
        "cta2045|state": None,
        "cta2045|power": 12.5,
        "cta2045|hold_mode": None,
        "cta2045|offset": None,
        "cta2045|temperature": None,
        "cta2045|setpoint_1": 120,
        "cta2045|setpoint_2": 140,
        "cta2045|commodity_0_instantaneous": None,
        "cta2045|commodity_0_cumulative": 1000.0,
        "cta2045|commodity_6_instantaneous": None,
        "cta2045|commodity_6_cumulative": -4,
    }
    assert isinstance(values["cta2045|override"], int)
    assert snapshot.readings["cta2045|temperature"].units == "F\ufffd"
    text = caplog.text
    assert text.count("'cta2045|state': a text that is not a number") == 1
    assert "'cta2045|hold_mode': a list is not a number" in text
    assert "'cta2045|offset': number beyond" in text
    assert "'cta2045|commodity_0_instantaneous': not a finite number" in text
    assert "'cta2045|commodity_6_instantaneous': a dict is not a number" in text
    assert len(caplog.records) == 6  # each once, though parsed twice


C0, C6, C7 = water_heater()["commodities"]
CT_1 = {f"ct|1|{q}" for q in ("current", "power_real", "power_apparent", "power_factor")} | {
    "ct|1|voltage",
    "ct|1|rating",
}


def _codes(*codes: int) -> set[str]:
    return {f"cta2045|commodity_{c}_{k}" for c in codes for k in ("instantaneous", "cumulative")}


MALFORMED: dict[str, tuple[dict[str, Any], set[str], str]] = {
    "setpoint not an object": (
        {"setpoint": [120, 140]},
        {"cta2045|setpoint_1", "cta2045|setpoint_2"},
        "field setpoint: a list, not a JSON object",
    ),
    "setpoint data not a list": (
        {"setpoint": {"data": 120, "units": "F"}},
        {"cta2045|setpoint_1", "cta2045|setpoint_2"},
        "field setpoint: data is a int, not a list of values",
    ),
    "temperature data empty": (
        {"temperature": {"data": [], "units": "F"}},
        {"cta2045|temperature"},
        "field temperature: data is an empty list",
    ),
    "hold_mode a number": ({"hold_mode": 3}, {"cta2045|hold_mode"}, "field hold_mode: a int"),
    "offset text": ({"offset": "-5"}, {"cta2045|offset"}, "field offset: a str"),
    "commodities an object": (
        {"commodities": C6},
        _codes(6, 7),  # code 0 stays: the single object has it
        "field commodities: a dict, not a list",
    ),
    "a commodity not an object": (
        {"commodities": [C0, 7, C6, C7]},
        set(),
        "field commodities[1]: a int, not a JSON object",
    ),
    "a commodity without a code": (
        {"commodities": [{**C7, "code": None}, C0, C6]},
        _codes(7),
        "field commodities[0]: no usable code: null",
    ),
    "a commodity in kWh": (
        {"commodities": [C0, {**C6, "units": "kWh"}, C7]},
        _codes(6),
        "field commodities[1]: units 'kWh', not W and Wh",
    ),
    "a commodity's units not text": (
        {"commodities": [C0, C6, {**C7, "units": 5}]},
        _codes(7),
        "units '5', not W and Wh",
    ),
    "ct not a list": ({"ct": {"id": 1}}, CT_1, "field ct: a dict, not a list"),
    "a ct channel's power a number": (
        {"ct": [ct_channel(1, power=5)]},
        {"ct|1|power_real", "ct|1|power_apparent"},
        "field ct[0].power: a int, not a JSON object",
    ),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_field_loses_only_its_readings(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """One field of the wrong shape: its readings are gone, logged once per device, field and
    problem; every other reading stays as it was."""
    changes, lost, message = MALFORMED[name]
    good = water_heater(ct=[ct_channel(1)])
    expected = {k: v for k, v in summary(Snapshot.from_dict(good)).items() if k not in lost}
    caplog.set_level(logging.WARNING)
    problems = ProblemLog()
    for _ in range(2):
        got = summary(Snapshot.from_dict({**good, **changes}, 4242, problems))
    assert got == expected
    assert message in caplog.text
    assert len(caplog.records) == 1


def test_nulls_are_absent_fields(caplog: pytest.LogCaptureFixture) -> None:
    """A family field holding null: an object field is as if absent, a scalar field is a
    reading without a value; nothing is logged."""
    caplog.set_level(logging.WARNING)
    payload = water_heater(
        relay=None, setpoint=None, temperature=None, commodity=None, commodities=None, ct=None
    )
    readings = Snapshot.from_dict(payload).readings
    assert readings["cta2045|relay"].value is None
    assert not any(key.startswith(("cta2045|setpoint", "cta2045|commodity")) for key in readings)
    assert "cta2045|temperature" not in readings
    assert caplog.records == []


def test_unknown_keys_are_ignored() -> None:
    """Keys no family knows, at the top and inside fields, change nothing."""
    plain = Snapshot.from_dict(water_heater())
    noisy = water_heater(
        firmware="9.9",
        extra=[{"x": 1}],
        mode={"data": 5},
        hold_mode={"data": 0, "until": "never"},
    )
    noisy["commodities"][1]["currency"] = "USD"
    assert Snapshot.from_dict(noisy) == plain


def test_no_known_family_is_an_empty_snapshot(caplog: pytest.LogCaptureFixture) -> None:
    """A device whose payload holds none of the families: an empty snapshot, no exception,
    nothing logged; without a device id it is still an error."""
    caplog.set_level(logging.WARNING)
    payload = {"device": 77, "time": TIME, "w": [], "i": 5, "status": {"x": 1}}
    assert Snapshot.from_dict(payload) == Snapshot(77, WHEN, {})
    assert caplog.records == []
    with pytest.raises(Exception, match="names no device"):
        Snapshot.from_dict({"relay": 1})


def test_the_reading_limit_counts_every_family(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """At most MAX_READINGS readings in all: the sensors' first, then the families'."""
    from custom_components.skycentrics.api import models

    monkeypatch.setattr(models, "MAX_READINGS", 62)
    caplog.set_level(logging.WARNING)
    payload = {**load_seed_payload(), **water_heater()}
    readings = Snapshot.from_dict(payload, 4242).readings
    assert len(readings) == 62
    assert list(readings)[60:] == ["cta2045|relay", "cta2045|override"]
    assert "only the first 62 are read" in caplog.text


def test_caps_and_partial_fields(caplog: pytest.LogCaptureFixture) -> None:
    """At most MAX_CT_CHANNELS channels and MAX_COMMODITIES entries of each list are read
    (logged); a field's missing parts give no reading, its present parts do."""
    from custom_components.skycentrics.api.models import MAX_COMMODITIES, MAX_CT_CHANNELS

    caplog.set_level(logging.WARNING)
    payload = {
        "device": 1,
        "ct": [{"id": n} for n in range(MAX_CT_CHANNELS)] + [ct_channel("late")],
        "commodities": [_commodity(2, 0, 0)] * MAX_COMMODITIES + [_commodity(0, 1, 2)],
        "commodity": {"code": 1, "instantaneous": 5},
        "thermostat": {"mode": 1},
        "fan": {"state": 0},
    }
    readings = Snapshot.from_dict(payload).readings
    assert summary(Snapshot.from_dict(payload)) == {
        "cta2045|commodity_1_instantaneous": ("Power", "W", 5),
        "thermostat|mode": ("Mode", "", 1),
        "thermostat|fan_state": ("State", "", 0),
    }
    assert not any(key.startswith("ct|") for key in readings)
    assert f"only the first {MAX_CT_CHANNELS} read" in caplog.text
    assert f"only the first {MAX_COMMODITIES}" in caplog.text
    partial = {"device": 1, "ct": [{"id": 4, "voltage": 230, "power": {"real": 9}}]}
    assert list(Snapshot.from_dict(partial).readings) == ["ct|4|power_real", "ct|4|voltage"]


# --- history ----------------------------------------------------------------------------------


def _history(minutes: int) -> list[dict[str, Any]]:
    records = []
    for minute in range(minutes):
        record = water_heater(time=f"2025-07-30 00:{minute:02d}:01")
        record["commodities"][0]["cumulative"] += minute * 10
        records.append(record)
    return records


def test_history_of_a_water_heater() -> None:
    """History records of a CTA-2045 device: list, time-keyed, gzip, streamed or whole; a
    record of no family is skipped; `sensor_ids` picks family readings too."""
    records = _history(3)
    snapshots = parse_history(records, 4242)
    assert [s.readings["cta2045|commodity_0_cumulative"].value for s in snapshots] == [
        1234567,
        1234577,
        1234587,
    ]
    body = json.dumps(records).encode()
    assert decode_history(gzip.compress(body), 4242) == snapshots
    keyed = {
        f"2025-07-30T00:0{n}:00": {k: v for k, v in r.items() if k != "time"}
        for n, r in enumerate(records)
    }
    assert [s.time for s in decode_history(json.dumps(keyed).encode(), 4242)] == [
        datetime(2025, 7, 30, 0, n, tzinfo=UTC) for n in range(3)
    ]
    wanted = {"cta2045|commodity_0_cumulative", "cta2045|state"}
    picked = decode_history(body, 4242, sensor_ids=wanted)
    assert [set(s.readings) for s in picked] == [wanted] * 3
    lone = parse_history(records[1], 4242)
    assert [s.time for s in lone] == [datetime(2025, 7, 30, 0, 1, 1, tzinfo=UTC)]


def test_history_record_of_no_family_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    """In history, a record without a sensor list or a reading of another family is lost (a
    live answer would be an empty snapshot); its neighbours stay."""
    records = _history(3)
    records[1] = {"device": 4242, "time": "2025-07-30 00:01:01", "ct": [], "sensors": None}
    caplog.set_level(logging.WARNING)
    snapshots = parse_history(records, 4242)
    assert len(snapshots) == 2
    assert "no sensor list (null) and no readings of another kind" in caplog.text
    streamed = decode_history(json.dumps(records).encode(), 4242)
    assert streamed == snapshots


def test_the_seed_payload_is_read_as_before() -> None:
    """The guide's payload (with its empty ``ct``) gives exactly its 60 sensors."""
    payload = load_seed_payload()
    assert payload["ct"] == []
    snapshot = Snapshot.from_dict(payload)
    assert len(snapshot.readings) == 60
    assert all(isinstance(r, Reading) and "|" not in r.id for r in snapshot.readings.values())
    emptied = copy.deepcopy(payload)
    del emptied["ct"]
    assert Snapshot.from_dict(emptied) == snapshot


# --- device types -----------------------------------------------------------------------------


def test_device_type_tables() -> None:
    """Every type of the SDK named; the CTA-2045 types among them."""
    assert set(DEVICE_MODELS) == {
        *(106, 107, 108, 109, 112, 5, 110, 8, 113, 111, 114, 3, 2),
        *(240, 241, 242, 243, 239, 105, 7, 9, 250, 350),
    }
    assert DEVICE_MODELS[250] == "Super SkyBox"
    assert DEVICE_MODELS[242] == "Radio Thermostat CT80"
    assert DEVICE_MODELS[107] == "AO Smith heat pump water heater"
    assert {106, 107, 5, 109, 108, 112, 110, 8, 113, 111, 114, 3, 2, 250} == CTA2045_TYPES
    assert set(DEVICE_MODELS) >= CTA2045_TYPES
