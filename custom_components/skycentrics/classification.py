"""The one table that classifies a sensor of a gateway's ``sensors`` list.

A sensor says what it is with three strings: its ``type`` ("Energy", "State", ...), its
``units`` ("kWh", "luxes", "" ...) and its ``id``. From those alone, never from its value:

- ``RULES``: the first row that matches decides the platform(s), device class, state class,
  unit, precision, category, whether the entity is enabled by default, whether it is a lifetime
  counter and which hourly statistic it gets;
- ``NAMES``: translated names for the sensors a Super SkyBox is known to report;
- ``PARTS``: the part of the gateway (battery, inverter, meter, lighting) a sensor is in.

The payload families (CTA-2045, thermostats, CT channels) are described in families.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
import re
from typing import Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    LIGHT_LUX,
    PERCENTAGE,
    EntityCategory,
    Platform,
    UnitOfApparentPower,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfReactivePower,
    UnitOfTemperature,
)
from homeassistant.helpers.typing import StateType

from .api import Reading, ReadingValue, Snapshot
from .api.readings import MAX_READINGS
from .descriptions import (
    CloudStatistic,
    Described,
    Part,
    Point,
    SkyCentricsBinarySensorEntityDescription,
    SkyCentricsSensorEntityDescription,
    is_problem,
    to_bool,
    to_number,
    to_state,
)

KEEP_UNIT: Final = "<keep>"  # the reading's own units text is the unit
PROBLEM_KEY: Final = "|problem"  # what a derived problem flag adds to its reading's key


def reading_key(sensor_id: str) -> str:
    """What a sensor's entity adds to the device id in its unique id: the id, with each ``|``
    doubled, so that no sensor takes a family's key (``cta2045|relay``) or a derived one
    (``<key>|problem``). Ids without ``|`` (all before 0.3.0) are their own key."""
    return sensor_id.replace("|", "||")


type UnitMap = Mapping[str, tuple[str, int]]


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorKind:
    """The Home Assistant side of a sensor row. ``unit``: one unit, KEEP_UNIT (the reading's
    own units text), or a map from units text to unit and precision (``precision``, when set,
    wins over the map's)."""

    device_class: SensorDeviceClass | None = None
    state_class: SensorStateClass | None = SensorStateClass.MEASUREMENT
    unit: str | UnitMap | None = None
    precision: int | None = None
    category: EntityCategory | None = None
    enabled: bool = True
    counter: bool = False
    statistic: CloudStatistic | None = None
    options: tuple[str, ...] | None = None  # an enum's states
    convert: Callable[[ReadingValue], StateType] = to_number


@dataclass(frozen=True, slots=True, kw_only=True)
class BinaryKind:
    """The Home Assistant side of a binary sensor row (``derived``: a flag of its own beside
    the reading's sensor, such as an alarm's problem flag)."""

    device_class: BinarySensorDeviceClass | None = None
    convert: Callable[[ReadingValue], bool | None] = to_bool
    derived: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One row: which sensors it matches and what they become.

    ``units`` and ``types`` are compared case-insensitively; None matches anything;
    ``id_pattern`` is searched in the sensor id (case-insensitive).
    """

    name: str
    units: frozenset[str] | None = None
    types: frozenset[str] | None = None
    id_pattern: re.Pattern[str] | None = None
    sensor: SensorKind | None = None
    binary: BinaryKind | None = None

    def matches(self, sensor_id: str, kind: str, units: str) -> bool:
        """Tell whether this row applies to a sensor."""
        if self.units is not None and units.lower() not in self.units:
            return False
        if self.types is not None and kind.lower() not in self.types:
            return False
        return self.id_pattern is None or self.id_pattern.search(sensor_id) is not None


def _units(*units: str) -> frozenset[str]:
    return frozenset(unit.lower() for unit in units)


def _types(*types: str) -> frozenset[str]:
    return frozenset(kind.lower() for kind in types)


def _ids(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_NO_UNIT: Final = _units("")
# Units texts (lower case) -> (unit, display precision), for rows that take several.
_TEMPERATURE: Final[UnitMap] = {
    "f": (UnitOfTemperature.FAHRENHEIT, 0),
    "°f": (UnitOfTemperature.FAHRENHEIT, 0),
    "c": (UnitOfTemperature.CELSIUS, 1),
    "°c": (UnitOfTemperature.CELSIUS, 1),
}
_ENERGY: Final[UnitMap] = {
    "kwh": (UnitOfEnergy.KILO_WATT_HOUR, 1),
    "wh": (UnitOfEnergy.WATT_HOUR, 0),
}
_POWER: Final[UnitMap] = {"kw": (UnitOfPower.KILO_WATT, 2), "w": (UnitOfPower.WATT, 0)}
_REACTIVE_POWER: Final[UnitMap] = {
    "kvar": (UnitOfReactivePower.KILO_VOLT_AMPERE_REACTIVE, 2),
    "var": (UnitOfReactivePower.VOLT_AMPERE_REACTIVE, 0),
}
_COUNTER_IDS: Final = _ids(r"LIFETIME|COUNTER|_ENERGY$|ENERGY.*TOTAL|TOTAL.*ENERGY")
_STORED_IDS: Final = _ids(r"CAPACITY|AVAILABLE|STORED|REMAINING")
_SETPOINT_IDS: Final = _ids(r"SETPOINT|_SP$")
_PHASE_IDS: Final = _ids(r"_[ABC]-[ABCN]$|_L[123](-[LN][123]?)?$|_PHASE_?[123ABC]$")
_STATUS_IDS: Final = _ids(r"STATUS|STATE")
# BACnet binary values (e.g. a lighting zone's on/off status): two states whatever they report.
_BINARY_VALUE_IDS: Final = _ids(r"_BV\d+_")

# Written out row by row: the first row that matches a sensor decides (the last matches all).
RULES: Final[tuple[Rule, ...]] = (
    Rule(
        name="humidity",
        types=_types("Humidity"),
        units=_units("%"),
        sensor=SensorKind(device_class=SensorDeviceClass.HUMIDITY, unit=PERCENTAGE, precision=0),
    ),
    # Temperatures and temperature setpoints, in the API's unit.
    Rule(
        name="temperature",
        types=_types("Temperature", "Setpoint"),
        units=frozenset(_TEMPERATURE),
        sensor=SensorKind(device_class=SensorDeviceClass.TEMPERATURE, unit=_TEMPERATURE),
    ),
    Rule(
        name="apparent_power",
        units=_units("VA"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.APPARENT_POWER,
            unit=UnitOfApparentPower.VOLT_AMPERE,
            precision=0,
            enabled=False,
        ),
    ),
    # A lighting zone's status and other binary values: two states (active/inactive, on/off...).
    Rule(name="two_state", id_pattern=_BINARY_VALUE_IDS, binary=BinaryKind()),
    # Alarm and warning bitfields: the raw code for diagnosis, and a problem flag.
    Rule(
        name="alarm",
        types=_types("State"),
        units=_NO_UNIT,
        id_pattern=_ids(r"ALARM|WARNING|FAULT"),
        sensor=SensorKind(state_class=None, category=EntityCategory.DIAGNOSTIC),
        binary=BinaryKind(
            device_class=BinarySensorDeviceClass.PROBLEM, convert=is_problem, derived=True
        ),
    ),
    Rule(
        name="power_factor",
        units=_units("", "PF"),
        id_pattern=_ids(r"POWER_?FACTOR|_PF$"),
        sensor=SensorKind(device_class=SensorDeviceClass.POWER_FACTOR, precision=2, enabled=False),
    ),
    Rule(
        name="power_factor_percent",
        units=_units("%"),
        id_pattern=_ids(r"POWER_?FACTOR"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.POWER_FACTOR, unit=PERCENTAGE, precision=0, enabled=False
        ),
    ),
    # Integer state codes (system state, grid state, operation mode...): their meanings are not
    # published, so they stay numbers, diagnostic, without statistics.
    Rule(
        name="state_code",
        types=_types("State"),
        units=_NO_UNIT,
        sensor=SensorKind(state_class=None, category=EntityCategory.DIAGNOSTIC, convert=to_state),
    ),
    # Status codes of another type (e.g. "Power" without a unit: a relay's trip status).
    Rule(
        name="status_code",
        units=_NO_UNIT,
        id_pattern=_STATUS_IDS,
        sensor=SensorKind(state_class=None, category=EntityCategory.DIAGNOSTIC, convert=to_state),
    ),
    Rule(
        name="battery",
        types=_types("Charge"),
        units=_units("%"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.BATTERY,
            unit=PERCENTAGE,
            precision=0,
            statistic=CloudStatistic.MEAN,
        ),
    ),
    # Lifetime counters: the Energy dashboard uses their hourly statistic (statistics.py), so
    # the entity has no state class of its own: one series to pick, not two. Whole kWh: a
    # lifetime has no use for tenths.
    Rule(
        name="energy_counter",
        units=frozenset(_ENERGY),
        id_pattern=_COUNTER_IDS,
        sensor=SensorKind(
            device_class=SensorDeviceClass.ENERGY,
            state_class=None,
            unit=_ENERGY,
            precision=0,
            counter=True,
            statistic=CloudStatistic.SUM,
        ),
    ),
    # Energy held in (or still accepted by) the battery.
    Rule(
        name="energy_storage",
        units=frozenset(_ENERGY),
        id_pattern=_STORED_IDS,
        sensor=SensorKind(device_class=SensorDeviceClass.ENERGY_STORAGE, unit=_ENERGY),
    ),
    # Other energy readings: not known to only grow, so `total` (a drop is not a meter reset).
    Rule(
        name="energy",
        units=frozenset(_ENERGY),
        sensor=SensorKind(
            device_class=SensorDeviceClass.ENERGY,
            state_class=SensorStateClass.TOTAL,
            unit=_ENERGY,
        ),
    ),
    # Power setpoints: noise for most users, so disabled, and without statistics.
    Rule(
        name="power_setpoint",
        units=frozenset(_POWER),
        id_pattern=_SETPOINT_IDS,
        sensor=SensorKind(device_class=SensorDeviceClass.POWER, unit=_POWER, enabled=False),
    ),
    Rule(
        name="power",
        units=frozenset(_POWER),
        sensor=SensorKind(
            device_class=SensorDeviceClass.POWER, unit=_POWER, statistic=CloudStatistic.MEAN
        ),
    ),
    Rule(
        name="reactive_power",
        units=frozenset(_REACTIVE_POWER),
        sensor=SensorKind(
            device_class=SensorDeviceClass.REACTIVE_POWER, unit=_REACTIVE_POWER, enabled=False
        ),
    ),
    # One phase's voltage or current: detail, disabled; the averages stay enabled.
    Rule(
        name="voltage_phase",
        units=_units("V"),
        id_pattern=_PHASE_IDS,
        sensor=SensorKind(
            device_class=SensorDeviceClass.VOLTAGE,
            unit=UnitOfElectricPotential.VOLT,
            precision=1,
            enabled=False,
        ),
    ),
    Rule(
        name="voltage",
        units=_units("V"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.VOLTAGE, unit=UnitOfElectricPotential.VOLT, precision=1
        ),
    ),
    Rule(
        name="current_phase",
        units=_units("A"),
        id_pattern=_PHASE_IDS,
        sensor=SensorKind(
            device_class=SensorDeviceClass.CURRENT,
            unit=UnitOfElectricCurrent.AMPERE,
            precision=1,
            enabled=False,
        ),
    ),
    Rule(
        name="current",
        units=_units("A"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.CURRENT, unit=UnitOfElectricCurrent.AMPERE, precision=1
        ),
    ),
    Rule(
        name="frequency",
        units=_units("Hz"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.FREQUENCY,
            unit=UnitOfFrequency.HERTZ,
            precision=2,
            enabled=False,
        ),
    ),
    Rule(
        name="illuminance",
        units=_units("lux", "luxes", "lx"),
        sensor=SensorKind(device_class=SensorDeviceClass.ILLUMINANCE, unit=LIGHT_LUX, precision=0),
    ),
    # Setpoints in units no device class takes (e.g. "% of Wmax").
    Rule(
        name="setpoint",
        types=_types("Power Setpoint", "Setpoint"),
        sensor=SensorKind(unit=KEEP_UNIT, enabled=False),
    ),
    Rule(name="percentage", units=_units("%"), sensor=SensorKind(unit=PERCENTAGE, precision=1)),
    # A code or text without a unit: shown as it comes (a number, or a text), no statistics.
    Rule(
        name="other_no_unit", units=_NO_UNIT, sensor=SensorKind(state_class=None, convert=to_state)
    ),
    # Anything else: a plain measurement in the reading's own unit (no device class).
    Rule(name="other", sensor=SensorKind(unit=KEEP_UNIT)),
)


# --- Names and parts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Name:
    """A translation key for sensor ids matching ``pattern`` (named groups are placeholders)."""

    pattern: re.Pattern[str]
    translation_key: str


def _name(pattern: str, translation_key: str) -> _Name:
    return _Name(re.compile(pattern), translation_key)


NAMES: Final[tuple[_Name, ...]] = (
    # Battery energy storage system
    _name(r"^BESS_STATE_OF_CHARGE$", "battery_state_of_charge"),
    _name(r"^BESS_AVAILABLE_CHARGE_CAPACITY$", "battery_available_charge_capacity"),
    _name(r"^BESS_AVAILABLE_DISCHARGE_CAPACITY$", "battery_available_discharge_capacity"),
    _name(r"^BESS_LIFETIME_CHARGE_COUNTER$", "battery_lifetime_charge"),
    _name(r"^BESS_LIFETIME_DISCHARGE_COUNTER$", "battery_lifetime_discharge"),
    _name(r"^BESS_SYSTEM_AVERAGE_VOLTAGE$", "battery_voltage"),
    _name(r"^BESS_SYSTEM_AVERAGE_CURRENT$", "battery_current"),
    _name(r"^BESS_SYSTEM_STATE$", "battery_system_state"),
    _name(r"^BESS_WARNINGS$", "battery_warnings"),
    _name(r"^BESS_PCS_CHARGE_DISCHARGE_REAL_POWER$", "battery_power"),
    _name(r"^BESS_PCS_CHARGE_DISCHARGE_REACTIVE_POWER$", "battery_reactive_power"),
    _name(r"^BESS_PCS_STATE$", "battery_pcs_state"),
    _name(r"^BESS_ACTIVE_POWER_SETPOINT$", "battery_power_setpoint"),
    _name(r"^BESS_REACTIVE_POWER_SETPOINT$", "battery_reactive_power_setpoint"),
    _name(r"^BESS_ALARMS_BITFIELD_(?P<bitfield>\w+)$", "battery_alarms"),
    # The gateway: grid, microgrid controller, PV system
    _name(r"^PV_SYSTEM_REAL_POWER_SETPOINT_LIMIT_TOTAL$", "pv_power_limit"),
    _name(r"^UTILITY_GRID_STATE$", "utility_grid_state"),
    _name(r"^MICROGRID_OPERATION_MODE$", "microgrid_operation_mode"),
    _name(r"^MICROGRID_EPO_STATE$", "microgrid_epo_state"),
    _name(r"^MICROGRID_LOAD_SHED_SCENE$", "microgrid_load_shed_scene"),
    _name(r"^MICROGRID_ALARMS$", "microgrid_alarms"),
    _name(r"^SEL_RELAY_TRIP_STATUS_POWER_ELEMENT$", "relay_trip_status"),
    _name(r"^SOLAR_INVERTER_BREAKER_ACTIVE_POWER$", "pv_breaker_power"),
    _name(r"^EXPORT_REGULATION_ONGOING$", "export_regulation"),
    # PV inverters
    _name(r"^SETPOINT_SOLAR_EDGE_INVERTER_\d+$", "inverter_power_setpoint"),
    _name(r"^SETPOINT_SOLAR_EDGE_INVERTER_\d+_DUP$", "inverter_power_setpoint_duplicate"),
    _name(r"^SOLAR_INVERTER_\d+_ACTIVE_POWER$", "inverter_power"),
    _name(r"^SOLAR_INVERTER_\d+_ENERGY$", "inverter_energy"),
    # Three-phase meter
    _name(r"^E\d+A_\d+_Frequency$", "meter_frequency"),
    _name(r"^E\d+A_\d+_VOLTS_L-N:_3ph_Ave$", "meter_voltage_line_neutral"),
    _name(r"^E\d+A_\d+_VOLTS_L-L:_3ph_Ave$", "meter_voltage_line_line"),
    _name(r"^E\d+A_\d+_VOLTS_(?P<phases>[ABC]-[ABCN])$", "meter_voltage_phase"),
    _name(r"^E\d+A_\d+_kWh_Energy:_3ph_Total$", "meter_energy"),
    _name(r"^E\d+A_\d+_kW:_3ph_Total$", "meter_power"),
    _name(r"^E\d+A_\d+_Power_Factor:_3ph_Total$", "meter_power_factor"),
    _name(r"^E\d+A_\d+_Amps:_3ph_Average", "meter_current"),
    # Lighting controller
    _name(r"^SSU_\[\w+\]_AV(?P<zone>\d+)_ZDim$", "lighting_zone_dimming"),
    _name(r"^SSU_\[\w+\]_BV(?P<zone>\d+)_ZStat$", "lighting_zone_status"),
    _name(r"^SSU_\[\w+\]_AO(?P<point>\d+)_PHS$", "lighting_photosensor"),
    _name(r"^SSU_\[\w+\]_AI(?P<point>\d+)_Shedtable$", "lighting_shed_table"),
    _name(r"^SSU_\[\w+\]_AO(?P<point>\d+)_ShReq$", "lighting_shed_request"),
)


def friendly_name(sensor_id: str) -> tuple[str, dict[str, str]] | None:
    """The translation key and placeholders of a known sensor, None for others."""
    for name in NAMES:
        if match := name.pattern.search(sensor_id):
            placeholders = match.groupdict()
            if "bitfield" in placeholders:  # BESS_ALARMS_BITFIELD_1_5 is bitfield 1.5
                placeholders["bitfield"] = placeholders["bitfield"].replace("_", ".")
            return name.translation_key, placeholders
    return None


@dataclass(frozen=True, slots=True)
class _PartPattern:
    """A part of the gateway; sensor ids matching ``pattern`` belong to it (``key``, ``name``:
    format strings over the pattern's named groups)."""

    pattern: re.Pattern[str]
    key: str
    name: str
    model: str


PARTS: Final[tuple[_PartPattern, ...]] = (
    _PartPattern(re.compile(r"^BESS_"), "battery", "Battery", "Battery energy storage system"),
    _PartPattern(
        re.compile(r"^(?:SETPOINT_SOLAR_EDGE_INVERTER|SOLAR_INVERTER)_(?P<n>\d+)(?:_|$)"),
        "inverter_{n}",
        "PV inverter {n}",
        "PV inverter",
    ),
    _PartPattern(
        re.compile(r"^(?P<meter>E\d+A_\d+)_"), "meter_{meter}", "Meter {meter}", "Three-phase meter"
    ),
    _PartPattern(
        re.compile(r"^SSU_\[(?P<ssu>\w+)\]_"),
        "lighting_{ssu}",
        "Lighting controller {ssu}",
        "Lighting controller",
    ),
)


def part_of(sensor_id: str) -> Part | None:
    """The part of the gateway a sensor belongs to; None for the gateway itself."""
    for part in PARTS:
        if match := part.pattern.search(sensor_id):
            groups = match.groupdict()
            return Part(part.key.format(**groups).lower(), part.name.format(**groups), part.model)
    return None


# --- Putting it together ----------------------------------------------------------------------

_TWO_STATE: Final = next(rule for rule in RULES if rule.name == "two_state")
CACHED: Final = 4 * MAX_READINGS  # rows and units remembered: a reading's are asked every poll


@lru_cache(maxsize=CACHED)
def rule_for(sensor_id: str, kind: str, units: str, registered: Platform | None = None) -> Rule:
    """The row of a sensor: the first that matches (the table ends with a catch-all).

    ``registered``: the platform the sensor's own entity is registered in, if it is. An entity
    keeps its platform for life: one registered as a binary sensor stays one (two states), one
    registered as a sensor skips the rows that make no sensor of it.
    """
    if registered is Platform.BINARY_SENSOR:
        return _TWO_STATE
    return next(
        rule
        for rule in RULES
        if rule.matches(sensor_id, kind, units) and (registered is None or rule.sensor is not None)
    )


def _unit(kind: SensorKind, units: str) -> tuple[str | None, int | None]:
    """The unit and display precision a row gives a sensor with these units."""
    if isinstance(kind.unit, Mapping):
        unit, precision = kind.unit[units.lower()]
        return unit, precision if kind.precision is None else kind.precision
    return (units or None) if kind.unit == KEEP_UNIT else kind.unit, kind.precision


@lru_cache(maxsize=CACHED)
def table_unit(sensor_id: str, kind: str, units: str) -> str | None:
    """The unit the table gives a sensor with these units (None: none, or no sensor)."""
    sensor = rule_for(sensor_id, kind, units, Platform.SENSOR).sensor
    return _unit(sensor, units)[0] if sensor is not None else None


def _reading_of(sensor_id: str, snapshot: Snapshot) -> Point | None:
    return snapshot.readings.get(sensor_id)


def describe_reading(reading: Reading, registered: Platform | None = None) -> Described:
    """What a sensor of the list becomes (``registered``: see `rule_for`)."""
    rule = rule_for(reading.id, reading.type, reading.units, registered)
    known = friendly_name(reading.id)
    translation_key, placeholders = known if known else (None, {})
    name = None if translation_key else reading.name
    key = reading_key(reading.id)
    value_fn = partial(_reading_of, reading.id)
    sensors: tuple[SkyCentricsSensorEntityDescription, ...] = ()
    binaries: tuple[SkyCentricsBinarySensorEntityDescription, ...] = ()
    if (kind := rule.sensor) is not None:
        unit, precision = _unit(kind, reading.units)
        sensors = (
            SkyCentricsSensorEntityDescription(
                key=key,
                translation_key=translation_key,
                translation_placeholders=placeholders or None,
                name=name,
                device_class=kind.device_class,
                state_class=kind.state_class,
                native_unit_of_measurement=unit,
                suggested_display_precision=precision,
                entity_category=kind.category,
                entity_registry_enabled_default=kind.enabled,
                options=list(kind.options) if kind.options is not None else None,
                value_fn=value_fn,
                convert=kind.convert,
                unit_of=partial(table_unit, reading.id, reading.type),
                counter=kind.counter,
                statistic=kind.statistic,
            ),
        )
    if (binary := rule.binary) is not None:
        suffix = PROBLEM_KEY if binary.derived else ""
        binaries = (
            SkyCentricsBinarySensorEntityDescription(
                key=key + suffix,
                translation_key=translation_key and translation_key + suffix.replace("|", "_"),
                translation_placeholders=placeholders or None,
                name=name,
                device_class=binary.device_class,
                value_fn=value_fn,
                convert=binary.convert,
            ),
        )
    return Described(sensors, binaries, part_of(reading.id), reading.id)
