"""Issue 11: the payload families of `/data` beside a gateway's sensor list (CTA-2045,
thermostats, CT channels), typed by the API's parser (api/families.py: Cta2045, Thermostat,
CtChannel, Measure) and described by fixed entity descriptions (families.py), whose keys
(``cta2045|relay``, ``ct|<id>|power_real``) make their entities' unique ids.

The payloads are shaped like the fixtures of SkyCentrics' public PHP SDK (values made up).
"""

from __future__ import annotations

import copy
from dataclasses import fields
from datetime import UTC, datetime
import gzip
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from custom_components.skycentrics.api import (
    CTA2045_TYPES,
    DEVICE_MODELS,
    Cta2045,
    Measure,
    Reading,
    Snapshot,
    readings,
)
from custom_components.skycentrics.api.decode import decode_json
from custom_components.skycentrics.api.families import (
    MAX_COMMODITIES,
    MAX_CT_CHANNELS,
    MAX_CT_ID_LENGTH,
)
from custom_components.skycentrics.api.history import decode_history, parse_history
from custom_components.skycentrics.api.readings import ProblemLog
from custom_components.skycentrics.classification import describe_reading, reading_key
from custom_components.skycentrics.families import describe_families
from skycentrics_simulator import load_seed_payload

TIME = "2025-07-31 01:37:47"
WHEN = datetime(2025, 7, 31, 1, 37, 47, tzinfo=UTC)
PREFIXES = ("cta2045|", "thermostat|", "ct|")
TRANSLATIONS = json.loads(
    (
        Path(__file__).parent.parent / "custom_components/skycentrics/translations/en.json"
    ).read_text()
)["entity"]


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


def values(family: Any) -> dict[str, tuple[Any, str]]:
    """A family's (or CT channel's) fields the answer held: name -> (value, units)."""
    return {
        field.name: (measure.value, measure.units)
        for field in fields(family)
        if isinstance(measure := getattr(family, field.name), Measure)
    }


def commodities(family: Cta2045 | None) -> dict[int, tuple[Any, Any]]:
    """Commodity code -> (instantaneous, cumulative) values (None: the field was absent)."""
    assert family is not None
    return {
        code: tuple(m.value if m is not None else None for m in (c.instantaneous, c.cumulative))
        for code, c in family.commodities.items()
    }


def summary(snapshot: Snapshot) -> dict[str, tuple[str, Any]]:
    """What each family entity of the snapshot reads: key -> (units, value)."""
    found: dict[str, tuple[str, Any]] = {}
    for key, described in describe_families(snapshot).items():
        (description,) = (*described.sensors, *described.binary_sensors)
        point = description.value_fn(snapshot)
        assert point is not None, key
        found[key] = (point.units, point.value)
    return found


def entities(snapshot: Snapshot) -> dict[str, tuple[Any, ...]]:
    """The family entities of the snapshot: key -> (platform, translation key, device class,
    state class, unit)."""
    found: dict[str, tuple[Any, ...]] = {}
    for key, described in describe_families(snapshot).items():
        for binary in described.binary_sensors:
            found[key] = ("binary_sensor", binary.translation_key, binary.device_class, None, None)
        for sensor in described.sensors:
            found[key] = (
                "sensor",
                sensor.translation_key,
                sensor.device_class,
                sensor.state_class,
                sensor.native_unit_of_measurement,
            )
    return found


def name(snapshot: Snapshot, key: str) -> str:
    """The English name of a family entity (its translation, placeholders filled)."""
    described = describe_families(snapshot)[key]
    platform = "sensor" if described.sensors else "binary_sensor"
    (description,) = (*described.sensors, *described.binary_sensors)
    assert description.translation_key is not None
    text: str = TRANSLATIONS[platform][description.translation_key]["name"]
    return text.format(**(description.translation_placeholders or {}))


def _times(snapshot: Snapshot) -> set[datetime | None]:
    """The times of every Measure of the snapshot's families."""
    measures: list[Measure | None] = []
    for family in (snapshot.cta2045, snapshot.thermostat, *snapshot.ct):
        if family is not None:
            measures += [getattr(family, field.name) for field in fields(family)]
    if snapshot.cta2045 is not None:
        for commodity in snapshot.cta2045.commodities.values():
            measures += [commodity.instantaneous, commodity.cumulative]
    return {m.time for m in measures if isinstance(m, Measure)}


# --- CTA-2045 -------------------------------------------------------------------------------

WATER_HEATER_ENTITIES = {
    "cta2045|relay": ("binary_sensor", "relay", "power", None, None),
    "cta2045|override": ("binary_sensor", "override", None, None, None),
    "cta2045|state": ("sensor", "operational_state", "enum", None, None),
    "cta2045|power": ("sensor", "power", "power", "measurement", "W"),
    "cta2045|hold_mode": ("sensor", "hold_mode", None, None, None),
    "cta2045|offset": ("sensor", "setpoint_offset", "temperature_delta", "measurement", "°F"),
    "cta2045|temperature": ("sensor", "temperature", "temperature", "measurement", "°F"),
    "cta2045|setpoint_1": ("sensor", "setpoint_n", "temperature", "measurement", "°F"),
    "cta2045|setpoint_2": ("sensor", "setpoint_n", "temperature", "measurement", "°F"),
    "cta2045|commodity_0_instantaneous": ("sensor", "power_consumed", "power", "measurement", "W"),
    "cta2045|commodity_0_cumulative": ("sensor", "energy_consumed", "energy", None, "Wh"),
    "cta2045|commodity_6_instantaneous": (
        "sensor",
        "total_storage_capacity_rate",
        "power",
        "measurement",
        "W",
    ),
    "cta2045|commodity_6_cumulative": (
        "sensor",
        "total_storage_capacity",
        "energy_storage",
        "measurement",
        "Wh",
    ),
    "cta2045|commodity_7_instantaneous": (
        "sensor",
        "present_storage_capacity_rate",
        "power",
        "measurement",
        "W",
    ),
    "cta2045|commodity_7_cumulative": (
        "sensor",
        "present_storage_capacity",
        "energy_storage",
        "measurement",
        "Wh",
    ),
}


def test_water_heater() -> None:
    """Every CTA-2045 field typed, with the units the cloud gave and the answer's time; each
    becomes its entity, with its key, name, classes and unit."""
    snapshot = Snapshot.from_dict(water_heater(), 4242)
    assert values(snapshot.cta2045) == {
        "relay": (1, ""),
        "override": (0, ""),
        "state": (1, ""),
        "power": (4500.5, ""),
        "hold_mode": (0, ""),
        "offset": (-5, "F"),
        "temperature": (118, "F"),
        "setpoint_1": (120, "F"),
        "setpoint_2": (140, "F"),
    }
    assert commodities(snapshot.cta2045) == {0: (4500, 1234567), 6: (0, 4800), 7: (0, 1600)}
    assert (snapshot.thermostat, snapshot.ct, snapshot.readings) == (None, (), {})
    assert _times(snapshot) == {WHEN}
    assert snapshot.time == WHEN
    assert entities(snapshot) == WATER_HEATER_ENTITIES
    assert name(snapshot, "cta2045|state") == "Operational state"
    assert name(snapshot, "cta2045|setpoint_2") == "Setpoint 2"
    assert name(snapshot, "cta2045|commodity_0_cumulative") == "Lifetime energy consumed"
    assert name(snapshot, "cta2045|commodity_7_cumulative") == "Present energy storage capacity"
    (energy,) = describe_families(snapshot)["cta2045|commodity_0_cumulative"].sensors
    assert (energy.counter, energy.statistic) == (True, "sum")
    (power,) = describe_families(snapshot)["cta2045|power"].sensors
    assert (power.counter, power.statistic) == (False, "mean")


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
    snapshot = Snapshot.from_dict(charger)
    assert values(snapshot.cta2045) == {"relay": (0, ""), "override": (1, ""), "state": (2, "")}
    assert commodities(snapshot.cta2045) == {0: (0, 99)}
    assert list(entities(snapshot)) == [
        "cta2045|relay",
        "cta2045|override",
        "cta2045|state",
        "cta2045|commodity_0_instantaneous",
        "cta2045|commodity_0_cumulative",
    ]
    pump = {"device": 1, "time": TIME, "relay": 1, "override": 0, "power": 750.0, "state": 1}
    snapshot = Snapshot.from_dict(pump)
    assert values(snapshot.cta2045) == {
        "relay": (1, ""),
        "override": (0, ""),
        "state": (1, ""),
        "power": (750.0, ""),
    }
    assert list(entities(snapshot)) == [
        "cta2045|relay",
        "cta2045|override",
        "cta2045|state",
        "cta2045|power",
    ]


def test_cta2045_thermostat() -> None:
    """The SDK's ThermostatData (a CTA-2045 thermostat, no thermostat/fan/humidity fields):
    its temperature and setpoint are CTA-2045 fields; unknown keys (``type``, ``total``,
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
    snapshot = Snapshot.from_dict(payload)
    assert snapshot.thermostat is None
    assert values(snapshot.cta2045) == {
        "relay": (1, ""),
        "override": (0, ""),
        "state": (0, ""),
        "offset": (2, "F"),
        "temperature": (71, "F"),
        "setpoint_1": (70, "F"),
        "setpoint_2": (74, "F"),
    }
    assert set(entities(snapshot)) == {
        "cta2045|relay",
        "cta2045|override",
        "cta2045|state",
        "cta2045|offset",
        "cta2045|temperature",
        "cta2045|setpoint_1",
        "cta2045|setpoint_2",
    }


@pytest.mark.parametrize(
    ("commodity", "commodities_", "expected"),
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
def test_commodities(commodity: Any, commodities_: Any, expected: dict[int, Any]) -> None:
    """``commodity`` (one object or a list) and ``commodities``, de-duplicated by code."""
    payload = {"device": 1, "time": TIME, "state": 1}
    if commodity is not None:
        payload["commodity"] = commodity
    if commodities_ is not None:
        payload["commodities"] = commodities_
    snapshot = Snapshot.from_dict(payload)
    assert commodities(snapshot.cta2045) == expected
    found = {key for key in entities(snapshot) if "commodity" in key}
    assert found == {
        f"cta2045|commodity_{code}_{kind}"
        for code, pair in expected.items()
        for kind, value in zip(("instantaneous", "cumulative"), pair, strict=True)
        if value is not None
    }


def test_plug_power_level() -> None:
    """A plug's ``power_level`` (0-100) is a CTA-2045 field: read with the others, and alone
    it makes the family."""
    plug = {
        "device": 3,
        "time": TIME,
        "relay": 1,
        "power": 60.0,
        "power_level": 50,
        "commodity": _commodity(0, 60, 876),
        "commodities": [_commodity(0, 60, 876)],
    }
    snapshot = Snapshot.from_dict(plug)
    assert values(snapshot.cta2045) == {
        "relay": (1, ""),
        "power": (60.0, ""),
        "power_level": (50, ""),
    }
    assert commodities(snapshot.cta2045) == {0: (60, 876)}
    assert _times(snapshot) == {WHEN}
    alone = Snapshot.from_dict({"device": 3, "time": TIME, "power_level": "25"})
    assert values(alone.cta2045) == {"power_level": (25, "")}
    assert Snapshot.from_dict(water_heater()).cta2045.power_level is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("payload", "family", "field", "message"),
    [
        pytest.param(
            {"device": 3, "relay": 1, "power_level": {"d": 5}},
            "cta2045",
            "power_level",
            "field power_level: a dict is not a number",
            id="power_level an object",
        ),
        pytest.param(
            {"device": 3, "relay": 1, "power_level": "half"},
            "cta2045",
            "power_level",
            "field power_level: a text that is not a number",
            id="power_level text",
        ),
        pytest.param(
            ct_thermostat(thermostat={"mode": 1, "state": 1, "hold": [1]}),
            "thermostat",
            "hold",
            "field thermostat.hold: a list is not a number",
            id="hold a list",
        ),
    ],
)
def test_a_bad_new_field_loses_only_itself(
    payload: dict[str, Any], family: str, field: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    """``power_level`` and ``thermostat.hold`` of the wrong shape: that field has no value,
    logged once per device, field and problem; the family's other fields are read."""
    caplog.set_level(logging.WARNING)
    problems = ProblemLog()
    for _ in range(2):
        snapshot = Snapshot.from_dict(payload, payload["device"], problems)
    read = getattr(snapshot, family)
    assert getattr(read, field) == Measure(None, "", None if "time" not in payload else WHEN)
    assert values(read)["relay" if family == "cta2045" else "mode"] == (1, "")
    assert message in caplog.text
    assert len(caplog.records) == 1


# --- thermostats ----------------------------------------------------------------------------


def test_radio_thermostat() -> None:
    """The SDK's CTThermostatData: every field, ``status`` ignored; its entities' names."""
    snapshot = Snapshot.from_dict(ct_thermostat(), 4343)
    assert snapshot.cta2045 is None
    assert values(snapshot.thermostat) == {
        "temperature": (74.5, "F"),
        "humidity": (44, "%"),
        "mode": (2, ""),
        "state": (1, ""),
        "fan_mode": (0, ""),
        "fan_state": (1, ""),
        "heat_setpoint": (68, "F"),
        "cool_setpoint": (76, "F"),
    }
    assert _times(snapshot) == {WHEN}
    found = entities(snapshot)
    assert [name(snapshot, key) for key in found] == [
        "Temperature",
        "Humidity",
        "Thermostat mode",
        "Thermostat state",
        "Fan mode",
        "Fan state",
        "Heat setpoint",
        "Cool setpoint",
    ]
    assert found["thermostat|temperature"][2:] == ("temperature", "measurement", "°F")
    assert found["thermostat|humidity"][2:] == ("humidity", "measurement", "%")
    assert found["thermostat|mode"][2:] == (None, None, None)  # a code: its meaning unpublished
    assert found["thermostat|heat_setpoint"][2:] == ("temperature", "measurement", "°F")


def test_thermostat_hold() -> None:
    """``hold`` inside ``thermostat`` (as the simulator reports it; 0 or 1) is read with the
    mode and the state; a top-level ``hold_mode`` stays a CTA-2045 field."""
    snapshot = Snapshot.from_dict(ct_thermostat(thermostat={"mode": 1, "state": 0, "hold": 1}))
    assert snapshot.thermostat is not None
    assert snapshot.thermostat.hold == Measure(1, "", WHEN)
    assert (snapshot.thermostat.mode, snapshot.thermostat.state) == (
        Measure(1, "", WHEN),
        Measure(0, "", WHEN),
    )
    assert snapshot.cta2045 is None
    assert Snapshot.from_dict(ct_thermostat()).thermostat.hold is None  # type: ignore[union-attr]
    both = Snapshot.from_dict(ct_thermostat(hold_mode={"data": 1}))
    assert both.thermostat is not None
    assert both.cta2045 is not None
    assert (both.thermostat.hold, both.cta2045.hold_mode) == (None, Measure(1, "", WHEN))


def test_thermostat_scalar_data_and_default_units() -> None:
    """``data`` as a bare value; humidity without units is "%"; a temperature's unit is the
    cloud's as given ("C" is °C, none is none); one setpoint of two."""
    payload = ct_thermostat(
        temperature={"data": 22.5, "units": "C"},
        humidity={"data": 40},
        setpoint={"data": [19]},
    )
    snapshot = Snapshot.from_dict(payload)
    assert values(snapshot.thermostat) == {
        "temperature": (22.5, "C"),
        "humidity": (40, "%"),
        "mode": (2, ""),
        "state": (1, ""),
        "fan_mode": (0, ""),
        "fan_state": (1, ""),
        "heat_setpoint": (19, ""),
    }
    found = entities(snapshot)
    assert found["thermostat|temperature"][2:] == ("temperature", "measurement", "°C")
    assert found["thermostat|humidity"][4] == "%"
    assert found["thermostat|heat_setpoint"][4] is None
    assert "thermostat|cool_setpoint" not in found
    bare = Snapshot.from_dict({"device": 1, "temperature": {"data": [70]}})  # a shared field
    assert bare.cta2045 is None
    assert values(bare.thermostat) == {"temperature": (70, "")}


def test_shared_fields_with_both_families() -> None:
    """A payload with CTA-2045 and thermostat fields: temperature and setpoint are the
    thermostat's; the CTA-2045 fields are read too."""
    snapshot = Snapshot.from_dict(ct_thermostat(relay=1, state=0))
    assert snapshot.thermostat is not None
    assert snapshot.cta2045 is not None
    assert snapshot.thermostat.temperature == Measure(74.5, "F", WHEN)
    assert snapshot.thermostat.heat_setpoint == Measure(68, "F", WHEN)
    assert snapshot.cta2045.temperature is None
    assert snapshot.cta2045.setpoint_1 is None
    assert values(snapshot.cta2045) == {"relay": (1, ""), "state": (0, "")}
    keys = set(entities(snapshot))
    assert {"thermostat|temperature", "cta2045|relay", "cta2045|state"} <= keys
    assert not {"cta2045|temperature", "cta2045|setpoint_1"} & keys


# --- CT channels and several families at once ---------------------------------------------


def test_super_skybox_with_ct_channels() -> None:
    """The guide's 60 sensors and three CT channels in one answer: the sensors as before, each
    channel typed, CT ids as integers or text; six entities per channel, named after it."""
    payload = load_seed_payload()
    payload["ct"] = [ct_channel(1), ct_channel(2, current=None), ct_channel("main-A")]
    snapshot = Snapshot.from_dict(payload)
    assert list(snapshot.readings) == [s["id"] for s in payload["sensors"]]
    assert [channel.id for channel in snapshot.ct] == ["1", "2", "main-A"]
    assert values(snapshot.ct[0]) == {
        "current": (12.5, ""),
        "power_real": (1400.5, ""),
        "power_apparent": (1500, ""),
        "power_factor": (0.93, ""),
        "voltage": (120.4, ""),
        "rating": (200, ""),
    }
    assert snapshot.ct[1].current == Measure(None, "", snapshot.time)  # null: no value
    assert _times(snapshot) == {snapshot.time}
    found = entities(snapshot)
    assert len(found) == 18
    assert {key: found[key] for key in found if key.startswith("ct|1|")} == {
        "ct|1|current": ("sensor", "ct_current", "current", "measurement", "A"),
        "ct|1|power_real": ("sensor", "ct_power", "power", "measurement", "W"),
        "ct|1|power_apparent": (
            "sensor",
            "ct_apparent_power",
            "apparent_power",
            "measurement",
            "VA",
        ),
        "ct|1|power_factor": ("sensor", "ct_power_factor", "power_factor", "measurement", None),
        "ct|1|voltage": ("sensor", "ct_voltage", "voltage", "measurement", "V"),
        "ct|1|rating": ("sensor", "ct_rating", "current", None, "A"),
    }
    assert summary(snapshot)["ct|2|current"] == ("", None)  # an entity, unknown
    assert summary(snapshot)["ct|main-A|power_real"] == ("", 1400.5)
    assert name(snapshot, "ct|main-A|power_real") == "CT main-A power"


def test_every_family_at_once() -> None:
    """Sensors, CT channels, CTA-2045 and thermostat fields in one answer: all read, apart."""
    payload = {**load_seed_payload(), **water_heater(), **ct_thermostat(), "ct": [ct_channel(7)]}
    payload["device"] = 1592651608
    snapshot = Snapshot.from_dict(payload)
    assert snapshot.cta2045 is not None
    assert snapshot.thermostat is not None
    assert [channel.id for channel in snapshot.ct] == ["7"]
    assert len(snapshot.readings) == 60
    assert {key.split("|")[0] for key in entities(snapshot)} == {"ct", "cta2045", "thermostat"}


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
    """A CT id that could break its keys or the id rule loses that channel only."""
    caplog.set_level(logging.WARNING)
    payload = {"device": 1, "time": TIME, "ct": [ct_channel(ct_id), ct_channel(3)]}
    snapshot = Snapshot.from_dict(payload)
    assert [channel.id for channel in snapshot.ct] == ["3"]
    assert {key.split("|")[1] for key in entities(snapshot)} == {"3"}
    assert reason in caplog.text
    assert "field ct[0]" in caplog.text


def test_longest_ct_id_keeps_keys_within_the_limit() -> None:
    """The longest accepted CT id gives keys of at most 128 characters (as before 0.3.0)."""
    payload = {"device": 1, "ct": [ct_channel("c" * MAX_CT_ID_LENGTH)]}
    found = entities(Snapshot.from_dict(payload))
    assert len(found) == 6
    assert max(len(key) for key in found) == 128


def test_duplicate_ct_ids(caplog: pytest.LogCaptureFixture) -> None:
    """The first channel of an id wins (1 and "1" are the same id); the other is logged."""
    caplog.set_level(logging.WARNING)
    payload = {"device": 1, "ct": [ct_channel(1, rating=100), ct_channel("1", rating=50)]}
    snapshot = Snapshot.from_dict(payload)
    (channel,) = snapshot.ct
    assert channel.rating is not None
    assert channel.rating.value == 100
    assert summary(snapshot)["ct|1|rating"] == ("", 100)
    assert "duplicate id '1'" in caplog.text


# --- the keys -------------------------------------------------------------------------------


def test_a_sensor_never_takes_a_family_key(caplog: pytest.LogCaptureFixture) -> None:
    """Bug 8: a sensor of the list whose id is a family's key is a sensor like any other (it
    was dropped): the family's field keeps its key and value, the sensor's key doubles the
    "|" (classification.reading_key), so neither can shadow or fake the other."""
    caplog.set_level(logging.WARNING)
    payload = water_heater(
        sensors=[
            {"id": "cta2045|relay", "name": "fake", "type": "Relay", "data": 0},
            {"id": "cta2045_relay", "name": "real", "type": "State", "data": 5},
        ]
    )
    snapshot = Snapshot.from_dict(payload)
    assert summary(snapshot)["cta2045|relay"] == ("", 1)
    assert snapshot.readings["cta2045|relay"].value == 0
    assert snapshot.readings["cta2045|relay"].name == "fake"
    assert snapshot.readings["cta2045_relay"].value == 5
    assert caplog.records == []
    keys = {
        description.key
        for reading in snapshot.readings.values()
        for description in describe_reading(reading).sensors
    }
    assert keys == {"cta2045||relay", "cta2045_relay"}
    assert not keys & set(describe_families(snapshot))


def test_family_keys() -> None:
    """Every family key starts with its family and a single '|', is printable ASCII of at most
    128 characters, and holds no '||' (what a sensor's key holds in place of a '|'); the
    seed's sensor ids hold no '|' and are their own keys."""
    payload = {**load_seed_payload(), **water_heater(), **ct_thermostat(), "ct": [ct_channel(1)]}
    payload["device"] = 1
    snapshot = Snapshot.from_dict(payload)
    found = entities(snapshot)
    assert len(found) == 15 - 3 + 8 + 6  # the thermostat takes temperature and setpoints
    for key in found:
        assert key.startswith(PREFIXES)
        assert key.isascii()
        assert key.isprintable()
        assert len(key) <= 128
        assert "||" not in key
    for sensor_id in snapshot.readings:
        assert "|" not in sensor_id
        assert reading_key(sensor_id) == sensor_id


# --- values and malformed fields ------------------------------------------------------------


def test_values_follow_the_rules(caplog: pytest.LogCaptureFixture) -> None:
    """Numbers finite and bounded, true/false as 1/0, a plain decimal text as its number;
    anything else is None, logged once per device, field and problem."""
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
    family = snapshot.cta2045
    assert family is not None
    assert values(family) == {
        "relay": (1, ""),
        "override": (1, ""),
        "state": (None, ""),
        "power": (12.5, ""),
        "hold_mode": (None, ""),
        "offset": (None, ""),
        "temperature": (None, "F\ufffd"),
        "setpoint_1": (120, "F"),
        "setpoint_2": (140, "F"),
    }
    assert commodities(family) == {0: (None, 1000.0), 6: (None, -4)}
    assert family.override is not None
    assert isinstance(family.override.value, int)
    assert set(summary(snapshot)) == set(WATER_HEATER_ENTITIES) - {
        "cta2045|commodity_7_instantaneous",
        "cta2045|commodity_7_cumulative",
    }
    text = caplog.text
    assert text.count("field state: a text that is not a number") == 1
    assert "field hold_mode: a list is not a number" in text
    assert "field offset: number beyond" in text
    assert "field temperature[0]: a text that is not a number" in text
    assert "field commodities[0].instantaneous: not a finite number" in text
    assert "field commodities[1].instantaneous: a dict is not a number" in text
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
    "setpoint data empty": (
        {"setpoint": {"data": [], "units": "F"}},
        {"cta2045|setpoint_1", "cta2045|setpoint_2"},
        "field setpoint: data is an empty list",
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


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_field_loses_only_its_values(
    case: str, caplog: pytest.LogCaptureFixture
) -> None:
    """One field of the wrong shape: its values (and entities) are gone, logged once per
    device, field and problem; every other value stays as it was."""
    changes, lost, message = MALFORMED[case]
    good = water_heater(ct=[ct_channel(1)])
    expected = {k: v for k, v in summary(Snapshot.from_dict(good)).items() if k not in lost}
    assert lost <= set(summary(Snapshot.from_dict(good)))
    caplog.set_level(logging.WARNING)
    problems = ProblemLog()
    for _ in range(2):
        got = summary(Snapshot.from_dict({**good, **changes}, 4242, problems))
    assert got == expected
    assert message in caplog.text
    assert len(caplog.records) == 1


def test_a_bare_setpoint_is_the_first() -> None:
    """``setpoint`` with a bare value (not a list): read as setpoint 1 (as a bare temperature
    is; before issue 16 a CTA-2045 setpoint lost it, with a warning)."""
    snapshot = Snapshot.from_dict(water_heater(setpoint={"data": 120, "units": "F"}))
    assert snapshot.cta2045 is not None
    assert snapshot.cta2045.setpoint_1 == Measure(120, "F", WHEN)
    assert snapshot.cta2045.setpoint_2 is None


def test_nulls_are_absent_fields(caplog: pytest.LogCaptureFixture) -> None:
    """A family field holding null: an object field is as if absent, a scalar field is a
    field without a value (an entity, unknown); nothing is logged."""
    caplog.set_level(logging.WARNING)
    payload = water_heater(
        relay=None, setpoint=None, temperature=None, commodity=None, commodities=None, ct=None
    )
    snapshot = Snapshot.from_dict(payload)
    assert snapshot.cta2045 is not None
    assert snapshot.cta2045.relay == Measure(None, "", WHEN)
    assert (snapshot.cta2045.setpoint_1, snapshot.cta2045.temperature) == (None, None)
    assert snapshot.cta2045.commodities == {}
    assert snapshot.ct == ()
    found = summary(snapshot)
    assert found["cta2045|relay"] == ("", None)
    assert not any(key.startswith(("cta2045|setpoint", "cta2045|commodity")) for key in found)
    assert "cta2045|temperature" not in found
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
    snapshot = Snapshot.from_dict(payload)
    assert snapshot == Snapshot(77, WHEN, {})
    assert snapshot.families_empty
    assert describe_families(snapshot) == {}
    assert caplog.records == []
    with pytest.raises(Exception, match="names no device"):
        Snapshot.from_dict({"relay": 1})


def test_the_sensor_limit_leaves_the_families(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """MAX_READINGS bounds the sensor list alone: its first sensors are read (one warning);
    the families beside it are all read (their fields are a fixed set, the CT channels
    bounded by MAX_CT_CHANNELS)."""
    monkeypatch.setattr(readings, "MAX_READINGS", 30)
    caplog.set_level(logging.WARNING)
    payload = {**load_seed_payload(), **water_heater()}
    snapshot = Snapshot.from_dict(payload, 4242)
    assert list(snapshot.readings) == [s["id"] for s in payload["sensors"][:30]]
    assert summary(snapshot) == summary(Snapshot.from_dict(water_heater(), 4242))
    assert "only the first 30 are read" in caplog.text


def test_caps_and_partial_fields(caplog: pytest.LogCaptureFixture) -> None:
    """At most MAX_CT_CHANNELS channels and MAX_COMMODITIES entries of each list are read
    (logged); a field's missing parts give no value, its present parts do; a channel with
    nothing but its id is none."""
    caplog.set_level(logging.WARNING)
    payload = {
        "device": 1,
        "ct": [{"id": n} for n in range(MAX_CT_CHANNELS)] + [ct_channel("late")],
        "commodities": [_commodity(2, 0, 0)] * MAX_COMMODITIES + [_commodity(0, 1, 2)],
        "commodity": {"code": 1, "instantaneous": 5},
        "thermostat": {"mode": 1},
        "fan": {"state": 0},
    }
    snapshot = Snapshot.from_dict(payload)
    assert snapshot.ct == ()
    assert commodities(snapshot.cta2045) == {1: (5, None)}
    assert values(snapshot.thermostat) == {"mode": (1, ""), "fan_state": (0, "")}
    assert summary(snapshot) == {
        "cta2045|commodity_1_instantaneous": ("", 5),
        "thermostat|mode": ("", 1),
        "thermostat|fan_state": ("", 0),
    }
    assert f"only the first {MAX_CT_CHANNELS} read" in caplog.text
    assert f"only the first {MAX_COMMODITIES}" in caplog.text
    partial = Snapshot.from_dict(
        {"device": 1, "ct": [{"id": 4, "voltage": 230, "power": {"real": 9}}]}
    )
    assert values(partial.ct[0]) == {"power_real": (9, ""), "voltage": (230, "")}
    assert list(summary(partial)) == ["ct|4|power_real", "ct|4|voltage"]


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
    record of no family is skipped; `sensor_ids` picks sensors of the list, the families are
    read whole."""
    records = _history(3)
    snapshots = parse_history(records, 4242)
    assert [commodities(s.cta2045)[0][1] for s in snapshots] == [1234567, 1234577, 1234587]
    assert [summary(s)["cta2045|commodity_0_cumulative"] for s in snapshots] == [
        ("", 1234567),
        ("", 1234577),
        ("", 1234587),
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
    picked = decode_history(body, 4242, sensor_ids={"NO_SUCH_SENSOR"})
    assert [s.cta2045 for s in picked] == [s.cta2045 for s in snapshots]
    lone = parse_history(records[1], 4242)
    assert [s.time for s in lone] == [datetime(2025, 7, 30, 0, 1, 1, tzinfo=UTC)]


def test_history_record_of_no_family_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    """In history, a record without a sensor list or a family is lost (a live answer would be
    an empty snapshot); its neighbours stay."""
    records = _history(3)
    records[1] = {"device": 4242, "time": "2025-07-30 00:01:01", "ct": [], "sensors": None}
    caplog.set_level(logging.WARNING)
    snapshots = parse_history(records, 4242)
    assert len(snapshots) == 2
    assert "the record has no sensor list (null) and no payload family" in caplog.text
    streamed = decode_history(json.dumps(records).encode(), 4242)
    assert streamed == snapshots


def test_the_seed_payload_is_read_as_before() -> None:
    """The guide's payload (with its empty ``ct``) gives exactly its 60 sensors, no family."""
    payload = load_seed_payload()
    assert payload["ct"] == []
    snapshot = Snapshot.from_dict(payload)
    assert len(snapshot.readings) == 60
    assert all(isinstance(r, Reading) and "|" not in r.id for r in snapshot.readings.values())
    assert snapshot.families_empty
    assert describe_families(snapshot) == {}
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
