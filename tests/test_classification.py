"""The classification table: every sensor of the Super SkyBox seed payload, and the rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.components.sensor.const import DEVICE_CLASS_STATE_CLASSES, DEVICE_CLASS_UNITS
from homeassistant.const import EntityCategory, Platform
import pytest
from syrupy.assertion import SnapshotAssertion

from custom_components.skycentrics.api import Reading, Snapshot
from custom_components.skycentrics.classification import (
    KEEP_UNIT,
    RULES,
    CloudStatistic,
    component_of,
    describe,
    is_problem,
    to_bool,
    to_number,
    to_text,
)
from skycentrics_simulator import load_seed_payload


def _seed() -> Snapshot:
    return Snapshot.from_dict(load_seed_payload())


def _reading(sensor_id: str, kind: str, units: str, value: Any = 1.0) -> Reading:
    return Reading(sensor_id, sensor_id, kind, units, value, datetime(2025, 7, 31, tzinfo=UTC))


def test_every_seed_sensor(snapshot: SnapshotAssertion) -> None:
    """The whole seed payload, one line per sensor: what each becomes (reviewed by hand)."""
    table: dict[str, Any] = {}
    for reading in _seed().readings.values():
        described = describe(reading)
        component = component_of(reading.id)
        table[reading.id] = {
            "rule": described.rule,
            "component": component.key if component else "gateway",
            "sensors": [
                {
                    "key": d.key,
                    "name": d.translation_key or d.name,
                    "device_class": d.device_class,
                    "state_class": d.state_class,
                    "unit": d.native_unit_of_measurement,
                    "precision": d.suggested_display_precision,
                    "category": d.entity_category,
                    "enabled": d.entity_registry_enabled_default,
                    "value": d.value_fn(reading.value),
                }
                for d in described.sensors
            ],
            "binary_sensors": [
                {
                    "key": d.key,
                    "name": d.translation_key or d.name,
                    "device_class": d.device_class,
                    "category": d.entity_category,
                    "enabled": d.entity_registry_enabled_default,
                    "value": d.value_fn(reading.value),
                }
                for d in described.binary_sensors
            ],
        }
    assert len(table) == 60
    assert table == snapshot


@pytest.mark.parametrize(
    ("sensor_id", "device_class", "state_class", "unit", "enabled"),
    [
        (
            "BESS_STATE_OF_CHARGE",
            SensorDeviceClass.BATTERY,
            SensorStateClass.MEASUREMENT,
            "%",
            True,
        ),
        (
            "BESS_LIFETIME_CHARGE_COUNTER",
            SensorDeviceClass.ENERGY,
            None,  # a lifetime counter: its hourly statistic is the Energy dashboard's series
            "kWh",
            True,
        ),
        (
            "BESS_LIFETIME_DISCHARGE_COUNTER",
            SensorDeviceClass.ENERGY,
            None,  # a lifetime counter: its hourly statistic is the Energy dashboard's series
            "kWh",
            True,
        ),
        (
            "SOLAR_INVERTER_1_ENERGY",
            SensorDeviceClass.ENERGY,
            None,  # a lifetime counter: its hourly statistic is the Energy dashboard's series
            "kWh",
            True,
        ),
        (
            "E30A_3_kWh_Energy:_3ph_Total",
            SensorDeviceClass.ENERGY,
            None,  # a lifetime counter: its hourly statistic is the Energy dashboard's series
            "kWh",
            True,
        ),
        (
            "BESS_AVAILABLE_CHARGE_CAPACITY",
            SensorDeviceClass.ENERGY_STORAGE,
            SensorStateClass.MEASUREMENT,
            "kWh",
            True,
        ),
        (
            "SOLAR_INVERTER_1_ACTIVE_POWER",
            SensorDeviceClass.POWER,
            SensorStateClass.MEASUREMENT,
            "kW",
            True,
        ),
        (
            "SSU_[0062]_AI1000425_Shedtable",
            SensorDeviceClass.POWER,
            SensorStateClass.MEASUREMENT,
            "W",
            True,
        ),
        (
            "BESS_PCS_CHARGE_DISCHARGE_REACTIVE_POWER",
            SensorDeviceClass.REACTIVE_POWER,
            SensorStateClass.MEASUREMENT,
            "kvar",
            False,
        ),
        (
            "E30A_3_Frequency",
            SensorDeviceClass.FREQUENCY,
            SensorStateClass.MEASUREMENT,
            "Hz",
            False,
        ),
        (
            "SSU_[0062]_AO100288_PHS",
            SensorDeviceClass.ILLUMINANCE,
            SensorStateClass.MEASUREMENT,
            "lx",
            True,
        ),
        (
            "BESS_SYSTEM_AVERAGE_VOLTAGE",
            SensorDeviceClass.VOLTAGE,
            SensorStateClass.MEASUREMENT,
            "V",
            True,
        ),
        ("E30A_3_VOLTS_A-N", SensorDeviceClass.VOLTAGE, SensorStateClass.MEASUREMENT, "V", False),
        (
            "BESS_SYSTEM_AVERAGE_CURRENT",
            SensorDeviceClass.CURRENT,
            SensorStateClass.MEASUREMENT,
            "A",
            True,
        ),
        (
            "E30A_3_Power_Factor:_3ph_Total",
            SensorDeviceClass.POWER_FACTOR,
            SensorStateClass.MEASUREMENT,
            None,
            False,
        ),
        # A unit that fits no device class: no device class, the unit kept.
        ("SETPOINT_SOLAR_EDGE_INVERTER_1", None, SensorStateClass.MEASUREMENT, "% of Wmax", False),
        # "Power" without a unit is not a power sensor: a status code (diagnostic, no statistics).
        ("SEL_RELAY_TRIP_STATUS_POWER_ELEMENT", None, None, None, True),
        ("SSU_[0062]_AV421_ZDim", None, SensorStateClass.MEASUREMENT, "%", True),
    ],
)
def test_seed_sensor_classes(
    sensor_id: str,
    device_class: SensorDeviceClass | None,
    state_class: SensorStateClass | None,
    unit: str | None,
    enabled: bool,
) -> None:
    """The mappings the issue requires, one by one."""
    (description,) = describe(_seed().readings[sensor_id]).sensors
    assert description.device_class == device_class
    assert description.state_class == state_class
    assert description.native_unit_of_measurement == unit
    assert description.entity_registry_enabled_default is enabled


@pytest.mark.parametrize(
    "sensor_id",
    ["BESS_SYSTEM_STATE", "UTILITY_GRID_STATE", "MICROGRID_OPERATION_MODE", "BESS_PCS_STATE"],
)
def test_state_codes_are_diagnostic(sensor_id: str) -> None:
    """Integer state codes: diagnostic sensors without unit or statistics."""
    described = describe(_seed().readings[sensor_id])
    (sensor,) = described.sensors
    assert sensor.entity_category is EntityCategory.DIAGNOSTIC
    assert sensor.state_class is None
    assert sensor.native_unit_of_measurement is None
    assert described.binary_sensors == ()


@pytest.mark.parametrize(
    "sensor_id",
    ["BESS_WARNINGS", "MICROGRID_ALARMS", "BESS_ALARMS_BITFIELD_1", "BESS_ALARMS_BITFIELD_1_5"],
)
def test_alarms_are_diagnostic_and_problem(sensor_id: str) -> None:
    """Alarm bitfields: a diagnostic sensor with the code, and a problem binary sensor."""
    described = describe(_seed().readings[sensor_id])
    (sensor,) = described.sensors
    (problem,) = described.binary_sensors
    assert sensor.entity_category is EntityCategory.DIAGNOSTIC
    assert problem.device_class is BinarySensorDeviceClass.PROBLEM
    assert problem.key == f"{sensor_id}_problem"
    assert problem.value_fn(0) is False
    assert problem.value_fn(4) is True
    assert problem.value_fn(None) is None


def test_active_inactive_is_binary() -> None:
    """`active`/`inactive` lighting states are binary sensors, not sensors."""
    readings = _seed().readings
    described = describe(readings["SSU_[0062]_BV420_ZStat"])
    assert described.sensors == ()
    (binary,) = described.binary_sensors
    assert binary.value_fn("active") is True
    assert binary.value_fn("inactive") is False
    assert binary.translation_key == "lighting_zone_status"
    assert binary.translation_placeholders == {"zone": "420"}


def test_friendly_names_and_fallback() -> None:
    """Known sensors get a translation key; unknown ones keep the API's name."""
    known = describe(_seed().readings["BESS_STATE_OF_CHARGE"]).sensors[0]
    assert known.translation_key == "battery_state_of_charge"
    assert known.name is None
    bitfield = describe(_seed().readings["BESS_ALARMS_BITFIELD_1_5"]).sensors[0]
    assert bitfield.translation_placeholders == {"bitfield": "1.5"}
    unknown = describe(_reading("NEW_THING_42", "Widget", "kW", 3.0)).sensors[0]
    assert unknown.translation_key is None
    assert unknown.name == "NEW_THING_42"
    assert unknown.device_class is SensorDeviceClass.POWER


def test_components_from_ids() -> None:
    """Sensors are grouped into the gateway's parts by their ids."""
    assert component_of("BESS_STATE_OF_CHARGE").key == "battery"  # type: ignore[union-attr]
    inverter = component_of("SETPOINT_SOLAR_EDGE_INVERTER_1_DUP")
    assert inverter is not None
    assert (inverter.key, inverter.name) == ("inverter_1", "PV inverter 1")
    assert component_of("SOLAR_INVERTER_2_ENERGY").key == "inverter_2"  # type: ignore[union-attr]
    meter = component_of("E30A_3_VOLTS_A-N")
    assert meter is not None
    assert (meter.key, meter.name) == ("meter_e30a_3", "Meter E30A_3")
    lighting = component_of("SSU_[0062]_BV420_ZStat")
    assert lighting is not None
    assert lighting.name == "Lighting controller 0062"
    assert component_of("UTILITY_GRID_STATE") is None
    assert component_of("SOLAR_INVERTER_BREAKER_ACTIVE_POWER") is None


@pytest.mark.parametrize(
    ("reading", "rule", "device_class", "state_class", "unit"),
    [
        (
            _reading("X_LIFETIME_ENERGY", "Energy", "Wh"),
            "energy_counter_Wh",
            "energy",
            None,
            "Wh",
        ),
        (
            _reading("X_STORED", "Energy", "Wh"),
            "energy_storage_Wh",
            "energy_storage",
            "measurement",
            "Wh",
        ),
        (_reading("X_SOMETHING", "Energy", "kWh"), "energy_kWh", "energy", "total", "kWh"),
        (
            _reading("X_Q", "Reactive Power", "VAR"),
            "reactive_power_var",
            "reactive_power",
            "measurement",
            "var",
        ),
        (
            _reading("X_POWER_FACTOR", "State", "%"),
            "power_factor_percent",
            "power_factor",
            "measurement",
            "%",
        ),
        (_reading("X_LEVEL", "Gauge", "%"), "percentage", None, "measurement", "%"),
        (_reading("X_CURRENT_L1", "Current", "A"), "current_phase", "current", "measurement", "A"),
        (_reading("X_ODD", "Odd", "furlongs"), "other", None, "measurement", "furlongs"),
        (_reading("X_CODE", "Odd", "", "text"), "other_no_unit", None, None, None),
        (_reading("X_CODE", "Odd", "", 7), "other_no_unit", None, None, None),
        (_reading("X_BREAKER_STATUS", "Power", ""), "status_code", None, None, None),
        (
            _reading("thermostat|temperature", "Temperature", "C"),
            "temperature_C",
            "temperature",
            "measurement",
            "°C",
        ),
        (
            _reading("cta2045|offset", "Setpoint Offset", "F"),
            "temperature_offset_F",
            "temperature_delta",
            "measurement",
            "°F",
        ),
        (
            _reading("ct|main|power_apparent", "Apparent Power", "VA"),
            "apparent_power",
            "apparent_power",
            "measurement",
            "VA",
        ),
        (_reading("ct|main|rating", "Current Rating", "A"), "ct_rating", "current", None, "A"),
        (
            _reading("cta2045|commodity_1_cumulative", "Energy", "Wh"),
            "commodity_energy_counter",
            "energy",
            None,
            "Wh",
        ),
        (
            _reading("cta2045|commodity_6_cumulative", "Energy Storage Capacity", "Wh"),
            "commodity_storage",
            "energy_storage",
            "measurement",
            "Wh",
        ),
        (_reading("cta2045|state", "Operational State", ""), "cta2045_state", "enum", None, None),
    ],
)
def test_rules(
    reading: Reading, rule: str, device_class: str | None, state_class: str | None, unit: str
) -> None:
    """Rules beyond the seed payload: Wh, var, percentages, unknown units."""
    described = describe(reading)
    assert described.rule == rule
    (sensor,) = described.sensors
    assert sensor.device_class == device_class
    assert sensor.state_class == state_class
    assert sensor.native_unit_of_measurement == unit


def test_seed_statistics_and_counters() -> None:
    """Which seed readings are guarded lifetime counters with an hourly energy statistic, and
    which get an hourly mean/min/max statistic: powers (not setpoints) and the state of charge."""
    counters: list[str] = []
    statistics: dict[str, CloudStatistic] = {}
    for reading in _seed().readings.values():
        for description in describe(reading).sensors:
            if description.counter:
                counters.append(description.key)
            if description.statistic is not None:
                statistics[description.key] = description.statistic
    assert sorted(counters) == [
        "BESS_LIFETIME_CHARGE_COUNTER",
        "BESS_LIFETIME_DISCHARGE_COUNTER",
        "E30A_3_kWh_Energy:_3ph_Total",
        "SOLAR_INVERTER_1_ENERGY",
        "SOLAR_INVERTER_2_ENERGY",
    ]
    assert statistics == {
        **dict.fromkeys(counters, CloudStatistic.SUM),
        "BESS_STATE_OF_CHARGE": CloudStatistic.MEAN,
        "BESS_PCS_CHARGE_DISCHARGE_REAL_POWER": CloudStatistic.MEAN,
        "SOLAR_INVERTER_1_ACTIVE_POWER": CloudStatistic.MEAN,
        "SOLAR_INVERTER_2_ACTIVE_POWER": CloudStatistic.MEAN,
        "SOLAR_INVERTER_BREAKER_ACTIVE_POWER": CloudStatistic.MEAN,
        "E30A_3_kW:_3ph_Total": CloudStatistic.MEAN,
        "SSU_[0062]_AI1000425_Shedtable": CloudStatistic.MEAN,
        "SSU_[0062]_AO1000425_ShReq": CloudStatistic.MEAN,
        "SSU_[0062]_AO1000428_ShReq": CloudStatistic.MEAN,
        "SSU_[0062]_AO1000431_ShReq": CloudStatistic.MEAN,
    }


def test_text_values_make_text_sensors() -> None:
    """A non-numeric value without a device class is a text sensor (no unit, no statistics)."""
    (sensor,) = describe(_reading("MODE", "State", "", "islanded")).sensors
    assert sensor.state_class is None
    assert sensor.native_unit_of_measurement is None
    assert sensor.value_fn("islanded") == "islanded"


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (1, 1),
        (2.5, 2.5),
        ("3.5", 3.5),
        (None, None),
        ("abc", None),
    ],
)
def test_to_number(value: Any, number: float | None) -> None:
    """Bad values make the entity unknown instead of raising."""
    assert to_number(value) == number


@pytest.mark.parametrize(
    ("value", "state"),
    [
        ("active", True),
        ("INACTIVE", False),
        ("On", True),
        ("off", False),
        ("true", True),
        ("False", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        (2, None),
        ("maybe", None),
        (None, None),
    ],
)
def test_to_bool(value: Any, state: bool | None) -> None:
    """Two-state words in any case; anything else is unknown."""
    assert to_bool(value) is state


def test_to_text_and_problem() -> None:
    """Values as texts; problems read any set bit."""
    assert to_text(None) is None
    assert to_text(3) == "3"
    assert is_problem("8") is True
    assert is_problem("bad") is None


def test_the_value_never_decides() -> None:
    """The same sensor gives the same descriptions whatever its value (null, a number, a
    two-state word, a text)."""
    for reading in _seed().readings.values():
        described = {
            repr(describe(replace(reading, value=value)))
            for value in (None, 1, 2.5, "active", "n/a")
        }
        assert len(described) == 1, reading.id


def test_the_registered_platform_is_kept() -> None:
    """A reading registered as a binary sensor is described as one (two states); one
    registered as a sensor gets the first row that makes a sensor of it."""
    zone = _seed().readings["SSU_[0062]_BV420_ZStat"]
    as_sensor = describe(zone, Platform.SENSOR)
    assert as_sensor.rule == "state_code"
    assert as_sensor.binary_sensors == ()
    power = _seed().readings["SOLAR_INVERTER_1_ACTIVE_POWER"]
    as_binary = describe(power, Platform.BINARY_SENSOR)
    assert (as_binary.rule, as_binary.sensors) == ("two_state", ())
    assert describe(power, Platform.SENSOR) == describe(power)


def test_operational_state_values() -> None:
    """Codes of the standard are its options; anything else is unknown."""
    (state,) = describe(_reading("cta2045|state", "Operational State", "")).sensors
    assert state.value_fn(2) == "running_curtailed"
    assert state.value_fn("3") == "running_heightened"
    assert state.value_fn(99) is None
    assert state.value_fn(2.5) is None
    assert state.value_fn(None) is None


def test_every_row_fits_home_assistant() -> None:
    """Each row's unit is one Home Assistant allows for its device class, and its state class
    one the device class takes (sensor/const.py: DEVICE_CLASS_UNITS, DEVICE_CLASS_STATE_CLASSES);
    an enum row has options, and a row with options is an enum."""
    checked = 0
    for rule in RULES:
        if (kind := rule.sensor) is None or kind.device_class is None:
            continue
        checked += 1
        if kind.unit != KEEP_UNIT and kind.device_class in DEVICE_CLASS_UNITS:
            assert kind.unit in DEVICE_CLASS_UNITS[kind.device_class], rule.name
        if kind.state_class is not None:
            assert kind.state_class in DEVICE_CLASS_STATE_CLASSES[kind.device_class], rule.name
        assert (kind.options is not None) is (kind.device_class is SensorDeviceClass.ENUM)
    assert checked >= 30
