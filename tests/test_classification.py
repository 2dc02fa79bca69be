"""The classification table of a gateway's sensor list: every sensor of the Super SkyBox seed
payload, the rules, and the keys a sensor's entities get (reading_key)."""

from __future__ import annotations

from datetime import UTC, datetime
import re
from typing import Any

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.recorder.statistics import VALID_STATISTIC_ID
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.components.sensor.const import DEVICE_CLASS_STATE_CLASSES, DEVICE_CLASS_UNITS
from homeassistant.const import EntityCategory, Platform
import pytest
from syrupy.assertion import SnapshotAssertion

from custom_components.skycentrics.api import Reading, Snapshot
from custom_components.skycentrics.classification import (
    KEEP_UNIT,
    RULES,
    describe_reading,
    part_of,
    reading_key,
    rule_for,
)
from custom_components.skycentrics.descriptions import (
    MAX_STATISTIC_ID_LENGTH,
    CloudStatistic,
    is_problem,
    statistic_id,
    to_bool,
    to_number,
    to_state,
    unique_id,
)
from custom_components.skycentrics.families import CT, CTA2045, THERMOSTAT
from skycentrics_simulator import SEED_DEVICE_ID, load_seed_payload


def _seed() -> Snapshot:
    return Snapshot.from_dict(load_seed_payload())


def _reading(sensor_id: str, kind: str, units: str, value: Any = 1.0) -> Reading:
    return Reading(sensor_id, sensor_id, kind, units, value, datetime(2025, 7, 31, tzinfo=UTC))


def _rule(reading: Reading, registered: Platform | None = None) -> str:
    return rule_for(reading.id, reading.type, reading.units, registered).name


def test_every_seed_sensor(snapshot: SnapshotAssertion) -> None:
    """The whole seed payload, one line per sensor: what each becomes (reviewed by hand)."""
    table: dict[str, Any] = {}
    for reading in _seed().readings.values():
        described = describe_reading(reading)
        table[reading.id] = {
            "rule": _rule(reading),
            "component": described.part.key if described.part else "gateway",
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
                    "value": d.convert(reading.value),
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
                    "value": d.convert(reading.value),
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
    (description,) = describe_reading(_seed().readings[sensor_id]).sensors
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
    described = describe_reading(_seed().readings[sensor_id])
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
    """Alarm bitfields: a diagnostic sensor with the code, and a problem binary sensor whose
    unique id is the sensor's with ``|problem`` (as since 1.2)."""
    described = describe_reading(_seed().readings[sensor_id])
    (sensor,) = described.sensors
    (problem,) = described.binary_sensors
    assert sensor.entity_category is EntityCategory.DIAGNOSTIC
    assert problem.device_class is BinarySensorDeviceClass.PROBLEM
    assert unique_id(SEED_DEVICE_ID, sensor.key) == f"{SEED_DEVICE_ID}_{sensor_id}"
    assert unique_id(SEED_DEVICE_ID, problem.key) == f"{SEED_DEVICE_ID}_{sensor_id}|problem"
    assert problem.convert(0) is False
    assert problem.convert(4) is True
    assert problem.convert(None) is None


def test_active_inactive_is_binary() -> None:
    """`active`/`inactive` lighting states are binary sensors, not sensors."""
    readings = _seed().readings
    described = describe_reading(readings["SSU_[0062]_BV420_ZStat"])
    assert described.sensors == ()
    (binary,) = described.binary_sensors
    assert binary.convert("active") is True
    assert binary.convert("inactive") is False
    assert binary.translation_key == "lighting_zone_status"
    assert binary.translation_placeholders == {"zone": "420"}


def test_friendly_names_and_fallback() -> None:
    """Known sensors get a translation key; unknown ones keep the API's name."""
    known = describe_reading(_seed().readings["BESS_STATE_OF_CHARGE"]).sensors[0]
    assert known.translation_key == "battery_state_of_charge"
    assert known.name is None
    bitfield = describe_reading(_seed().readings["BESS_ALARMS_BITFIELD_1_5"]).sensors[0]
    assert bitfield.translation_placeholders == {"bitfield": "1.5"}
    unknown = describe_reading(_reading("NEW_THING_42", "Widget", "kW", 3.0)).sensors[0]
    assert unknown.translation_key is None
    assert unknown.name == "NEW_THING_42"
    assert unknown.device_class is SensorDeviceClass.POWER


def test_parts_from_ids() -> None:
    """Sensors are grouped into the gateway's parts by their ids."""
    assert part_of("BESS_STATE_OF_CHARGE").key == "battery"  # type: ignore[union-attr]
    inverter = part_of("SETPOINT_SOLAR_EDGE_INVERTER_1_DUP")
    assert inverter is not None
    assert (inverter.key, inverter.name) == ("inverter_1", "PV inverter 1")
    assert part_of("SOLAR_INVERTER_2_ENERGY").key == "inverter_2"  # type: ignore[union-attr]
    meter = part_of("E30A_3_VOLTS_A-N")
    assert meter is not None
    assert (meter.key, meter.name) == ("meter_e30a_3", "Meter E30A_3")
    lighting = part_of("SSU_[0062]_BV420_ZStat")
    assert lighting is not None
    assert lighting.name == "Lighting controller 0062"
    assert part_of("UTILITY_GRID_STATE") is None
    assert part_of("SOLAR_INVERTER_BREAKER_ACTIVE_POWER") is None
    assert describe_reading(_seed().readings["E30A_3_VOLTS_A-N"]).part == meter


@pytest.mark.parametrize(
    ("reading", "rule", "device_class", "state_class", "unit"),
    [
        (
            _reading("X_LIFETIME_ENERGY", "Energy", "Wh"),
            "energy_counter",
            "energy",
            None,
            "Wh",
        ),
        (
            _reading("X_STORED", "Energy", "Wh"),
            "energy_storage",
            "energy_storage",
            "measurement",
            "Wh",
        ),
        (_reading("X_SOMETHING", "Energy", "kWh"), "energy", "energy", "total", "kWh"),
        (
            _reading("X_Q", "Reactive Power", "VAR"),
            "reactive_power",
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
            _reading("X_TEMPERATURE", "Temperature", "C"),
            "temperature",
            "temperature",
            "measurement",
            "°C",
        ),
        (
            _reading("X_SETPOINT", "Setpoint", "°F"),
            "temperature",
            "temperature",
            "measurement",
            "°F",
        ),
        (
            _reading("X_APPARENT", "Apparent Power", "VA"),
            "apparent_power",
            "apparent_power",
            "measurement",
            "VA",
        ),
    ],
)
def test_rules(
    reading: Reading, rule: str, device_class: str | None, state_class: str | None, unit: str
) -> None:
    """Rules beyond the seed payload: Wh, var, percentages, unknown units."""
    described = describe_reading(reading)
    assert _rule(reading) == rule
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
        for description in describe_reading(reading).sensors:
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
    (sensor,) = describe_reading(_reading("MODE", "State", "", "islanded")).sensors
    assert sensor.state_class is None
    assert sensor.native_unit_of_measurement is None
    assert sensor.convert("islanded") == "islanded"


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


def test_to_state_and_problem() -> None:
    """Codes as their number, else their text; problems read any set bit."""
    assert to_state(None) is None
    assert to_state(3) == 3
    assert to_state("3") == 3.0
    assert to_state("islanded") == "islanded"
    assert is_problem("8") is True
    assert is_problem(0) is False
    assert is_problem("bad") is None


def test_the_value_never_decides() -> None:
    """The same sensor gives the same descriptions whatever its value (null, a number, a
    two-state word, a text)."""
    for reading in _seed().readings.values():
        described = {
            repr(describe_reading(reading._replace(value=value)))
            for value in (None, 1, 2.5, "active", "n/a")
        }
        assert len(described) == 1, reading.id


def test_the_registered_platform_is_kept() -> None:
    """A reading registered as a binary sensor is described as one (two states); one
    registered as a sensor gets the first row that makes a sensor of it."""
    zone = _seed().readings["SSU_[0062]_BV420_ZStat"]
    as_sensor = describe_reading(zone, Platform.SENSOR)
    assert _rule(zone, Platform.SENSOR) == "state_code"
    assert len(as_sensor.sensors) == 1
    assert as_sensor.binary_sensors == ()
    power = _seed().readings["SOLAR_INVERTER_1_ACTIVE_POWER"]
    as_binary = describe_reading(power, Platform.BINARY_SENSOR)
    assert (_rule(power, Platform.BINARY_SENSOR), as_binary.sensors) == ("two_state", ())
    assert len(as_binary.binary_sensors) == 1
    assert repr(describe_reading(power, Platform.SENSOR)) == repr(describe_reading(power))


def test_operational_state_values() -> None:
    """Codes of the standard are its options; anything else is unknown."""
    state = next(d for d in CTA2045 if d.key == "cta2045|state")
    assert state.convert(2) == "running_curtailed"
    assert state.convert("3") == "running_heightened"
    assert state.convert(99) is None
    assert state.convert(2.5) is None
    assert state.convert(None) is None


def test_every_row_fits_home_assistant() -> None:
    """Each row's units are ones Home Assistant allows for its device class (every unit of a
    row that takes several), and its state class one the device class takes
    (sensor/const.py: DEVICE_CLASS_UNITS, DEVICE_CLASS_STATE_CLASSES); an enum row has options,
    and a row with options is an enum. The same for each payload family's description (a
    temperature's unit is the one the cloud gives: °F or °C)."""
    checked = 0
    for rule in RULES:
        if (kind := rule.sensor) is None or kind.device_class is None:
            continue
        checked += 1
        units = [u for u, _ in kind.unit.values()] if isinstance(kind.unit, dict) else [kind.unit]
        if kind.unit != KEEP_UNIT and kind.device_class in DEVICE_CLASS_UNITS:
            for unit in units:
                assert unit in DEVICE_CLASS_UNITS[kind.device_class], rule.name
        if kind.state_class is not None:
            assert kind.state_class in DEVICE_CLASS_STATE_CLASSES[kind.device_class], rule.name
        assert (kind.options is not None) is (kind.device_class is SensorDeviceClass.ENUM)
    assert checked == 18
    families = [d for d in (*CTA2045, *THERMOSTAT) if isinstance(d, SensorEntityDescription)]
    for description in [*families, *CT.values()]:
        device_class = description.device_class
        if device_class is None:
            continue
        checked += 1
        units = [description.native_unit_of_measurement]
        if device_class in (SensorDeviceClass.TEMPERATURE, SensorDeviceClass.TEMPERATURE_DELTA):
            units = [description.unit_of(text) for text in ("F", "°F", "C", "°C")]
        for unit in units:
            assert unit in DEVICE_CLASS_UNITS.get(device_class, {None}), description.key
        if description.state_class is not None:
            assert description.state_class in DEVICE_CLASS_STATE_CLASSES[device_class]
        assert (description.options is not None) is (device_class is SensorDeviceClass.ENUM)
    assert checked == 18 + 24


# --- keys: what a sensor's entities add to the device id --------------------------------------

PIPED_IDS = ["a|b", "|", "||", "x|", "cta2045|relay", "ct|1|power_real", "BESS_WARNINGS|problem"]


def test_reading_key_doubles_the_pipe() -> None:
    """A sensor's key is its id with each "|" doubled; ids without one (all before bug 8) are
    their own key, so their unique ids stay."""
    for sensor_id in _seed().readings:
        assert reading_key(sensor_id) == sensor_id
    assert reading_key("Température") == "Température"
    assert reading_key("a|b") == "a||b"
    assert reading_key("||") == "||||"
    assert reading_key("cta2045|relay") == "cta2045||relay"


def test_a_sensor_never_takes_another_entitys_key() -> None:
    """Every "|" run in a sensor's key is even; a family field's key (``cta2045|relay``,
    ``ct|1|power_real``) and a derived flag's (``<key>|problem``) hold a single "|", so no
    sensor of the list (alarm flags included) can take either, nor another sensor's."""
    family_keys = {d.key for d in (*CTA2045, *THERMOSTAT)} | {f"ct|1|{name}" for name in CT}
    odd_run = re.compile(r"(?<!\|)\|(?:\|\|)*(?!\|)")
    assert all(odd_run.search(key) for key in family_keys)
    keys: dict[str, str] = {}
    ids = [*PIPED_IDS, "X_ALARM", "X_ALARM|problem", "X_ALARM||problem", "Y_BV1_|"]
    readings = [_reading(sensor_id, "State", "", 0) for sensor_id in ids]
    for reading in [*readings, *_seed().readings.values()]:
        described = describe_reading(reading)
        for description in (*described.sensors, *described.binary_sensors):
            assert description.key not in family_keys, reading.id
            assert keys.setdefault(description.key, reading.id) == reading.id, description.key
        own, *derived = (*described.sensors, *described.binary_sensors)
        assert own.key == reading_key(reading.id)
        assert not odd_run.search(own.key)
        assert [d.key for d in derived] in ([], [f"{own.key}|problem"])
    alarm = describe_reading(_reading("X_ALARM", "State", "", 0)).binary_sensors[0]
    assert alarm.key == "X_ALARM|problem"
    piped = describe_reading(_reading("X_ALARM|problem", "State", "", 0))
    assert [d.key for d in (*piped.sensors, *piped.binary_sensors)] == [
        "X_ALARM||problem",
        "X_ALARM||problem|problem",
    ]
    assert piped.sensor_id == "X_ALARM|problem"  # the id the history is asked for


def test_statistic_ids_of_sensor_keys() -> None:
    """A sensor's statistic is named after its key, never as a family field's: a sensor
    ``ct|1|power_real`` and the CT channel's field of that key get two ids; ids of any script
    get valid, distinct ids; the seed's ids are as before (plain, or with a hash)."""
    device = SEED_DEVICE_ID
    assert statistic_id(device, "ct|1|power_real") == f"skycentrics:{device}_ct_1_power_real"
    sensor = statistic_id(device, reading_key("ct|1|power_real"))
    assert sensor != statistic_id(device, "ct|1|power_real")
    assert statistic_id(device, "BESS_LIFETIME_CHARGE_COUNTER") == (
        f"skycentrics:{device}_bess_lifetime_charge_counter"
    )
    ids = [*PIPED_IDS, "Température", "温度センサー", "\U0001f50b", "E30A_3_kWh_Energy:_3ph_Total"]
    found = {statistic_id(device, reading_key(sensor_id)) for sensor_id in ids}
    assert len(found) == len(ids)
    for name in found:
        assert VALID_STATISTIC_ID.match(name), name
    assert statistic_id(device, reading_key("Température")) == statistic_id(device, "Température")


@pytest.mark.parametrize("device", [SEED_DEVICE_ID, 2**63 - 1])
def test_long_sensor_ids_get_statistic_ids_that_fit(device: int) -> None:
    """A sensor id of up to 255 characters (bug 8) gets a statistic id within the recorder's
    column (statistics_meta.statistic_id: 255), valid and its own; ids that fit keep theirs."""
    ids = ["A" * 255, "A" * 254 + "B", "a_" * 127, "A" * 200, "|" * 255, "é" * 255]
    found = [statistic_id(device, reading_key(sensor_id)) for sensor_id in ids]
    assert len(set(found)) == len(ids)
    for name in found:
        assert len(name) <= MAX_STATISTIC_ID_LENGTH == 255
        assert VALID_STATISTIC_ID.match(name), name
    assert found[3] == f"skycentrics:{device}_{'a' * 200}"
