"""The one table that turns a SkyCentrics sensor into Home Assistant entity descriptions.

A SkyCentrics sensor says what it is with three strings: its ``type`` ("Energy", "State",
...), its ``units`` ("kWh", "luxes", "" ...) and its ``id``. Everything Home Assistant needs to
know about it comes from here:

- ``RULES``: the first rule that matches a reading decides the platform(s), device class, state
  class, unit, precision, entity category, whether the entity is enabled by default, whether it
  is a lifetime counter (guarded against implausible readings) and which hourly statistic of
  the cloud's history it gets (``CloudStatistic``).
- ``NAMES``: friendly (translated) names for the sensors a Super SkyBox is known to report.
- ``COMPONENTS``: which part of the gateway (battery, inverter, meter, lighting) a sensor is in.

Platforms only build entities from the descriptions returned by ``describe``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
import re
from typing import Final

from homeassistant.components.binary_sensor import BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
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

from .api import Reading, ReadingValue

PROBLEM_SUFFIX: Final = "_problem"

# Words a two-state sensor may report, in any case.
_ON_WORDS: Final = frozenset({"active", "on", "true", "1", "yes", "open"})
_OFF_WORDS: Final = frozenset({"inactive", "off", "false", "0", "no", "closed"})


# --- Value conversion -------------------------------------------------------------------------


def to_number(value: ReadingValue) -> float | int | None:
    """Return the number a reading holds (a numeric text as its number), None (unknown) for
    null and other texts. The API's boundary (api/models.py) already refused values that are
    not finite or too large, numeric texts included."""
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def to_text(value: ReadingValue) -> str | None:
    """Return the value as a state text (the boundary holds texts within 255 characters)."""
    return None if value is None else str(value)


def to_bool(value: ReadingValue) -> bool | None:
    """Read active/inactive, on/off, true/false, 1/0 (any case); anything else is unknown."""
    if isinstance(value, int | float):
        return None if value not in (0, 1) else value == 1
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _ON_WORDS:
            return True
        if word in _OFF_WORDS:
            return False
    return None


def is_problem(value: ReadingValue) -> bool | None:
    """An alarm or warning bitfield is a problem when any bit is set."""
    number = to_number(value)
    return None if number is None else number != 0


# --- Entity descriptions ----------------------------------------------------------------------


class CloudStatistic(StrEnum):
    """The hourly external statistic (statistics.py) a reading gets, from its history and polls.

    SUM: a lifetime energy counter: the energy of each hour (has_sum), what the Energy dashboard
    uses. MEAN: a power or a state of charge: the mean, min and max of each hour.
    """

    SUM = "sum"
    MEAN = "mean"


@dataclass(frozen=True, kw_only=True)
class SkyCentricsSensorEntityDescription(SensorEntityDescription):
    """A sensor made from one SkyCentrics reading.

    ``counter``: a lifetime counter: only plausible readings are shown (counter.py).
    ``statistic``: the hourly statistic the reading gets (None: none).
    """

    sensor_id: str
    value_fn: Callable[[ReadingValue], StateType]
    counter: bool = False
    statistic: CloudStatistic | None = None


@dataclass(frozen=True, kw_only=True)
class SkyCentricsBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A binary sensor made from one SkyCentrics reading."""

    sensor_id: str
    value_fn: Callable[[ReadingValue], bool | None]


@dataclass(frozen=True, slots=True)
class Descriptions:
    """What one reading becomes: zero or more sensors and binary sensors."""

    rule: str
    sensors: tuple[SkyCentricsSensorEntityDescription, ...] = ()
    binary_sensors: tuple[SkyCentricsBinarySensorEntityDescription, ...] = ()


# --- The classification table -----------------------------------------------------------------

KEEP_UNIT: Final = "<keep>"  # use the reading's own unit text


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorKind:
    """The Home Assistant side of a sensor rule (``counter``, ``statistic``: see
    SkyCentricsSensorEntityDescription)."""

    device_class: SensorDeviceClass | None = None
    state_class: SensorStateClass | None = SensorStateClass.MEASUREMENT
    unit: str | None = None
    precision: int | None = None
    category: EntityCategory | None = None
    enabled: bool = True
    counter: bool = False
    statistic: CloudStatistic | None = None
    options: tuple[str, ...] | None = None  # an enum's states
    value_fn: Callable[[ReadingValue], StateType] | None = None  # None: to_number


@dataclass(frozen=True, slots=True, kw_only=True)
class BinaryKind:
    """The Home Assistant side of a binary sensor rule."""

    device_class: BinarySensorDeviceClass | None = None
    category: EntityCategory | None = None
    enabled: bool = True
    value_fn: Callable[[ReadingValue], bool | None] = to_bool
    key_suffix: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One row: which readings it matches and what they become.

    Only what a sensor is (``units``, ``type``, ``id``) decides, never its value, so an
    entity's platform and classes stay the same whatever it reports. ``units`` and ``types``
    are compared case-insensitively; ``None`` matches anything. ``id_pattern`` is searched in
    the sensor id (case-insensitive).
    """

    name: str
    units: frozenset[str] | None = None
    types: frozenset[str] | None = None
    id_pattern: re.Pattern[str] | None = None
    sensor: SensorKind | None = None
    binary: BinaryKind | None = None

    def matches(self, reading: Reading) -> bool:
        """Tell whether this rule applies to the reading."""
        if self.units is not None and reading.units.lower() not in self.units:
            return False
        if self.types is not None and reading.type.lower() not in self.types:
            return False
        return self.id_pattern is None or self.id_pattern.search(reading.id) is not None


def _units(*units: str) -> frozenset[str]:
    return frozenset(unit.lower() for unit in units)


def _types(*types: str) -> frozenset[str]:
    return frozenset(kind.lower() for kind in types)


def _ids(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_NO_UNIT: Final = _units("")
_KWH: Final = _units("kWh")
_WH: Final = _units("Wh")
_KW: Final = _units("kW")
_W: Final = _units("W")
_FAHRENHEIT: Final = _units("F", "°F")
_CELSIUS: Final = _units("C", "°C")
_COUNTER_IDS: Final = _ids(r"LIFETIME|COUNTER|_ENERGY$|ENERGY.*TOTAL|TOTAL.*ENERGY")
_STORED_IDS: Final = _ids(r"CAPACITY|AVAILABLE|STORED|REMAINING")
_SETPOINT_IDS: Final = _ids(r"SETPOINT|_SP$")
_PHASE_IDS: Final = _ids(r"_[ABC]-[ABCN]$|_L[123](-[LN][123]?)?$|_PHASE_?[123ABC]$")
_STATUS_IDS: Final = _ids(r"STATUS|STATE")
# BACnet binary values (e.g. a lighting zone's on/off status): two states whatever they report.
_BINARY_VALUE_IDS: Final = _ids(r"_BV\d+_")

# The CTA-2045 operational state codes (api/device_types.py) -> the enum sensor's options.
CTA2045_STATES: Final[dict[int, str]] = {
    0: "idle_normal",
    1: "running_normal",
    2: "running_curtailed",
    3: "running_heightened",
    4: "idle_curtailed",
    5: "sgd_error",
    6: "idle_heightened",
    7: "cycling_on",
    8: "cycling_off",
    9: "variable_following",
    10: "variable_not_following",
    11: "idle_opted_out",
    12: "running_opted_out",
}


def to_operational_state(value: ReadingValue) -> str | None:
    """A CTA-2045 operational state code as its option; unknown for any other value."""
    number = to_number(value)
    if number is None or number != int(number):
        return None
    return CTA2045_STATES.get(int(number))


def to_state(value: ReadingValue) -> StateType:
    """A code without a unit: the number when it is one, else its text."""
    number = to_number(value)
    return number if number is not None else to_text(value)


# Written out row by row: the first row that matches a reading decides (the last matches all).
# Rows for a device family's readings (ids ``cta2045|...``, ``thermostat|...``, ``ct|<id>|...``,
# see api/models.py) come first: add a new family's rows there.
RULES: Final[tuple[Rule, ...]] = (
    # --- CTA-2045 controllers (water heaters, EV chargers, pool pumps, plugs) ---
    Rule(
        name="cta2045_relay",
        id_pattern=_ids(r"^cta2045\|relay$"),
        binary=BinaryKind(device_class=BinarySensorDeviceClass.POWER),
    ),
    Rule(name="cta2045_override", id_pattern=_ids(r"^cta2045\|override$"), binary=BinaryKind()),
    Rule(
        name="cta2045_state",
        id_pattern=_ids(r"^cta2045\|state$"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.ENUM,
            state_class=None,
            options=tuple(CTA2045_STATES.values()),
            value_fn=to_operational_state,
        ),
    ),
    Rule(
        name="cta2045_hold_mode",
        id_pattern=_ids(r"^cta2045\|hold_mode$"),
        sensor=SensorKind(state_class=None, category=EntityCategory.DIAGNOSTIC),
    ),
    # Lifetime energy consumed (0) or produced (1), Wh: a counter like the gateway's.
    Rule(
        name="commodity_energy_counter",
        units=_WH,
        id_pattern=_ids(r"^cta2045\|commodity_[01]_cumulative$"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.ENERGY,
            state_class=None,
            unit=UnitOfEnergy.WATT_HOUR,
            precision=0,
            counter=True,
            statistic=CloudStatistic.SUM,
        ),
    ),
    # Total (6) and present (7) energy storage capacity: what a water heater holds and can
    # still take (Wh), going up and down.
    Rule(
        name="commodity_storage",
        units=_WH,
        id_pattern=_ids(r"^cta2045\|commodity_[67]_cumulative$"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.ENERGY_STORAGE, unit=UnitOfEnergy.WATT_HOUR, precision=0
        ),
    ),
    # The rate of change of a storage capacity: rarely useful.
    Rule(
        name="commodity_storage_rate",
        units=_W,
        id_pattern=_ids(r"^cta2045\|commodity_[67]_instantaneous$"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.POWER, unit=UnitOfPower.WATT, precision=0, enabled=False
        ),
    ),
    Rule(
        name="temperature_offset_F",
        units=_FAHRENHEIT,
        id_pattern=_ids(r"\|offset$"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.TEMPERATURE_DELTA,
            unit=UnitOfTemperature.FAHRENHEIT,
            precision=0,
            category=EntityCategory.DIAGNOSTIC,
        ),
    ),
    Rule(
        name="temperature_offset_C",
        units=_CELSIUS,
        id_pattern=_ids(r"\|offset$"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.TEMPERATURE_DELTA,
            unit=UnitOfTemperature.CELSIUS,
            precision=1,
            category=EntityCategory.DIAGNOSTIC,
        ),
    ),
    # --- Thermostats: modes and states are codes (their meaning is not published) ---
    Rule(
        name="thermostat_code",
        id_pattern=_ids(r"^thermostat\|(fan_)?(mode|state)$"),
        sensor=SensorKind(state_class=None),
    ),
    Rule(
        name="humidity",
        types=_types("Humidity"),
        units=_units("%"),
        sensor=SensorKind(device_class=SensorDeviceClass.HUMIDITY, unit=PERCENTAGE, precision=0),
    ),
    # Temperatures and temperature setpoints (CTA-2045 and thermostats), in the API's unit.
    Rule(
        name="temperature_F",
        types=_types("Temperature", "Setpoint"),
        units=_FAHRENHEIT,
        sensor=SensorKind(
            device_class=SensorDeviceClass.TEMPERATURE,
            unit=UnitOfTemperature.FAHRENHEIT,
            precision=0,
        ),
    ),
    Rule(
        name="temperature_C",
        types=_types("Temperature", "Setpoint"),
        units=_CELSIUS,
        sensor=SensorKind(
            device_class=SensorDeviceClass.TEMPERATURE, unit=UnitOfTemperature.CELSIUS, precision=1
        ),
    ),
    # --- A Super SkyBox's CT channels (the rest of their readings fall to the rows below) ---
    Rule(
        name="ct_rating",
        units=_units("A"),
        id_pattern=_ids(r"^ct\|.+\|rating$"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.CURRENT,
            state_class=None,
            unit=UnitOfElectricCurrent.AMPERE,
            precision=0,
            category=EntityCategory.DIAGNOSTIC,
        ),
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
    # --- The Super SkyBox's sensor list, and any reading ---
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
            device_class=BinarySensorDeviceClass.PROBLEM,
            value_fn=is_problem,
            key_suffix=PROBLEM_SUFFIX,
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
        sensor=SensorKind(state_class=None, category=EntityCategory.DIAGNOSTIC, value_fn=to_state),
    ),
    # Status codes of another type (e.g. "Power" without a unit: a relay's trip status).
    Rule(
        name="status_code",
        units=_NO_UNIT,
        id_pattern=_STATUS_IDS,
        sensor=SensorKind(state_class=None, category=EntityCategory.DIAGNOSTIC, value_fn=to_state),
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
    # Lifetime counters: the Energy dashboard uses their hourly statistic (statistics.py: the
    # cloud's history and the polls), so the entity has no state class of its own: one series to
    # pick, not two. Whole kWh: a lifetime has no use for tenths.
    Rule(
        name="energy_counter_kWh",
        units=_KWH,
        id_pattern=_COUNTER_IDS,
        sensor=SensorKind(
            device_class=SensorDeviceClass.ENERGY,
            state_class=None,
            unit=UnitOfEnergy.KILO_WATT_HOUR,
            precision=0,
            counter=True,
            statistic=CloudStatistic.SUM,
        ),
    ),
    Rule(
        name="energy_counter_Wh",
        units=_WH,
        id_pattern=_COUNTER_IDS,
        sensor=SensorKind(
            device_class=SensorDeviceClass.ENERGY,
            state_class=None,
            unit=UnitOfEnergy.WATT_HOUR,
            precision=0,
            counter=True,
            statistic=CloudStatistic.SUM,
        ),
    ),
    # Energy held in (or still accepted by) the battery.
    Rule(
        name="energy_storage_kWh",
        units=_KWH,
        id_pattern=_STORED_IDS,
        sensor=SensorKind(
            device_class=SensorDeviceClass.ENERGY_STORAGE,
            unit=UnitOfEnergy.KILO_WATT_HOUR,
            precision=1,
        ),
    ),
    Rule(
        name="energy_storage_Wh",
        units=_WH,
        id_pattern=_STORED_IDS,
        sensor=SensorKind(
            device_class=SensorDeviceClass.ENERGY_STORAGE, unit=UnitOfEnergy.WATT_HOUR, precision=0
        ),
    ),
    # Other energy readings: not known to only grow, so `total` (a drop is not a meter reset).
    Rule(
        name="energy_kWh",
        units=_KWH,
        sensor=SensorKind(
            device_class=SensorDeviceClass.ENERGY,
            state_class=SensorStateClass.TOTAL,
            unit=UnitOfEnergy.KILO_WATT_HOUR,
            precision=1,
        ),
    ),
    Rule(
        name="energy_Wh",
        units=_WH,
        sensor=SensorKind(
            device_class=SensorDeviceClass.ENERGY,
            state_class=SensorStateClass.TOTAL,
            unit=UnitOfEnergy.WATT_HOUR,
            precision=0,
        ),
    ),
    # Power setpoints: noise for most users, so disabled, and without statistics.
    Rule(
        name="power_kW_setpoint",
        units=_KW,
        id_pattern=_SETPOINT_IDS,
        sensor=SensorKind(
            device_class=SensorDeviceClass.POWER,
            unit=UnitOfPower.KILO_WATT,
            precision=2,
            enabled=False,
        ),
    ),
    Rule(
        name="power_W_setpoint",
        units=_W,
        id_pattern=_SETPOINT_IDS,
        sensor=SensorKind(
            device_class=SensorDeviceClass.POWER, unit=UnitOfPower.WATT, precision=0, enabled=False
        ),
    ),
    Rule(
        name="power_kW",
        units=_KW,
        sensor=SensorKind(
            device_class=SensorDeviceClass.POWER,
            unit=UnitOfPower.KILO_WATT,
            precision=2,
            statistic=CloudStatistic.MEAN,
        ),
    ),
    Rule(
        name="power_W",
        units=_W,
        sensor=SensorKind(
            device_class=SensorDeviceClass.POWER,
            unit=UnitOfPower.WATT,
            precision=0,
            statistic=CloudStatistic.MEAN,
        ),
    ),
    Rule(
        name="reactive_power_kvar",
        units=_units("kVAR", "kvar"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.REACTIVE_POWER,
            unit=UnitOfReactivePower.KILO_VOLT_AMPERE_REACTIVE,
            precision=2,
            enabled=False,
        ),
    ),
    Rule(
        name="reactive_power_var",
        units=_units("VAR", "var"),
        sensor=SensorKind(
            device_class=SensorDeviceClass.REACTIVE_POWER,
            unit=UnitOfReactivePower.VOLT_AMPERE_REACTIVE,
            precision=0,
            enabled=False,
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
    Rule(
        name="percentage",
        units=_units("%"),
        sensor=SensorKind(unit=PERCENTAGE, precision=1),
    ),
    # A code or text without a unit: shown as it comes (a number, or a text), no statistics.
    Rule(
        name="other_no_unit", units=_NO_UNIT, sensor=SensorKind(state_class=None, value_fn=to_state)
    ),
    # Anything else: a plain measurement in the reading's own unit (no device class).
    Rule(name="other", sensor=SensorKind(unit=KEEP_UNIT)),
)


# --- Friendly names ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    """A translation key for sensor ids matching ``pattern`` (named groups are placeholders)."""

    pattern: re.Pattern[str]
    translation_key: str


def _name(pattern: str, translation_key: str) -> Name:
    return Name(re.compile(pattern), translation_key)


NAMES: Final[tuple[Name, ...]] = (
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
    # CTA-2045 controllers
    _name(r"^cta2045\|relay$", "relay"),
    _name(r"^cta2045\|override$", "override"),
    _name(r"^cta2045\|state$", "operational_state"),
    _name(r"^cta2045\|power$", "power"),
    _name(r"^cta2045\|hold_mode$", "hold_mode"),
    _name(r"^cta2045\|offset$", "setpoint_offset"),
    _name(r"^cta2045\|temperature$", "temperature"),
    _name(r"^cta2045\|setpoint_(?P<n>[12])$", "setpoint_n"),
    _name(r"^cta2045\|commodity_0_instantaneous$", "power_consumed"),
    _name(r"^cta2045\|commodity_0_cumulative$", "energy_consumed"),
    _name(r"^cta2045\|commodity_1_instantaneous$", "power_produced"),
    _name(r"^cta2045\|commodity_1_cumulative$", "energy_produced"),
    _name(r"^cta2045\|commodity_6_instantaneous$", "total_storage_capacity_rate"),
    _name(r"^cta2045\|commodity_6_cumulative$", "total_storage_capacity"),
    _name(r"^cta2045\|commodity_7_instantaneous$", "present_storage_capacity_rate"),
    _name(r"^cta2045\|commodity_7_cumulative$", "present_storage_capacity"),
    # Thermostats
    _name(r"^thermostat\|temperature$", "temperature"),
    _name(r"^thermostat\|humidity$", "humidity"),
    _name(r"^thermostat\|mode$", "thermostat_mode"),
    _name(r"^thermostat\|state$", "thermostat_state"),
    _name(r"^thermostat\|fan_mode$", "fan_mode"),
    _name(r"^thermostat\|fan_state$", "fan_state"),
    _name(r"^thermostat\|heat_setpoint$", "heat_setpoint"),
    _name(r"^thermostat\|cool_setpoint$", "cool_setpoint"),
    # A Super SkyBox's CT channels
    _name(r"^ct\|(?P<ct>[^|]+)\|current$", "ct_current"),
    _name(r"^ct\|(?P<ct>[^|]+)\|power_real$", "ct_power"),
    _name(r"^ct\|(?P<ct>[^|]+)\|power_apparent$", "ct_apparent_power"),
    _name(r"^ct\|(?P<ct>[^|]+)\|power_factor$", "ct_power_factor"),
    _name(r"^ct\|(?P<ct>[^|]+)\|voltage$", "ct_voltage"),
    _name(r"^ct\|(?P<ct>[^|]+)\|rating$", "ct_rating"),
)


def friendly_name(sensor_id: str) -> tuple[str, dict[str, str]] | None:
    """Return the translation key and placeholders of a known sensor, None for others."""
    for name in NAMES:
        if match := name.pattern.search(sensor_id):
            placeholders = match.groupdict()
            if "bitfield" in placeholders:  # BESS_ALARMS_BITFIELD_1_5 is bitfield 1.5
                placeholders["bitfield"] = placeholders["bitfield"].replace("_", ".")
            return name.translation_key, placeholders
    return None


# --- Components: the parts of a gateway that become devices of their own ----------------------


@dataclass(frozen=True, slots=True)
class Component:
    """A part of the gateway; sensor ids matching ``pattern`` belong to it."""

    pattern: re.Pattern[str]
    key: str  # format string over the pattern's named groups
    name: str  # format string over the pattern's named groups
    model: str


@dataclass(frozen=True, slots=True)
class ComponentRef:
    """The component one sensor belongs to."""

    key: str
    name: str
    model: str


COMPONENTS: Final[tuple[Component, ...]] = (
    Component(re.compile(r"^BESS_"), "battery", "Battery", "Battery energy storage system"),
    Component(
        re.compile(r"^(?:SETPOINT_SOLAR_EDGE_INVERTER|SOLAR_INVERTER)_(?P<n>\d+)(?:_|$)"),
        "inverter_{n}",
        "PV inverter {n}",
        "PV inverter",
    ),
    Component(
        re.compile(r"^(?P<meter>E\d+A_\d+)_"), "meter_{meter}", "Meter {meter}", "Three-phase meter"
    ),
    Component(
        re.compile(r"^SSU_\[(?P<ssu>\w+)\]_"),
        "lighting_{ssu}",
        "Lighting controller {ssu}",
        "Lighting controller",
    ),
)


def device_name(gateway_name: str, component: ComponentRef | None) -> str:
    """The name of the device a sensor's entity is on: the gateway's, or its part's after it
    (parts, and their entity ids, stay apart with any number of gateways: "PAE Battery")."""
    return gateway_name if component is None else f"{gateway_name} {component.name}"


def component_of(sensor_id: str) -> ComponentRef | None:
    """Return the component a sensor belongs to, None for the gateway itself."""
    for component in COMPONENTS:
        if match := component.pattern.search(sensor_id):
            groups = match.groupdict()
            return ComponentRef(
                component.key.format(**groups).lower(),
                component.name.format(**groups),
                component.model,
            )
    return None


# --- Putting it together ----------------------------------------------------------------------


_TWO_STATE: Final = next(rule for rule in RULES if rule.name == "two_state")


def rule_for(reading: Reading, registered: Platform | None = None) -> Rule:
    """Return the rule of a reading: the first that matches (the table ends with a catch-all).

    ``registered``: the platform the reading's own entity (unique id ``{device}_{sensor}``) is
    registered in, if it is. An entity keeps its platform for life, so a reading registered as
    a binary sensor stays one (two states), and one registered as a sensor skips the rows
    that make no sensor of it.
    """
    if registered is Platform.BINARY_SENSOR:
        return _TWO_STATE
    return next(
        rule
        for rule in RULES
        if rule.matches(reading) and (registered is None or rule.sensor is not None)
    )


def describe(reading: Reading, registered: Platform | None = None) -> Descriptions:
    """Return the entity descriptions for one reading (``registered``: see `rule_for`)."""
    rule = rule_for(reading, registered)
    known = friendly_name(reading.id)
    translation_key, placeholders = known if known else (None, {})
    name = None if translation_key else reading.name
    sensors: list[SkyCentricsSensorEntityDescription] = []
    binaries: list[SkyCentricsBinarySensorEntityDescription] = []
    if (kind := rule.sensor) is not None:
        unit = (reading.units or None) if kind.unit == KEEP_UNIT else kind.unit
        sensors.append(
            SkyCentricsSensorEntityDescription(
                key=reading.id,
                sensor_id=reading.id,
                translation_key=translation_key,
                translation_placeholders=placeholders or None,
                name=name,
                device_class=kind.device_class,
                state_class=kind.state_class,
                native_unit_of_measurement=unit,
                suggested_display_precision=kind.precision,
                entity_category=kind.category,
                entity_registry_enabled_default=kind.enabled,
                options=list(kind.options) if kind.options is not None else None,
                value_fn=kind.value_fn or to_number,
                counter=kind.counter,
                statistic=kind.statistic,
            )
        )
    if (binary := rule.binary) is not None:
        binaries.append(
            SkyCentricsBinarySensorEntityDescription(
                key=reading.id + binary.key_suffix,
                sensor_id=reading.id,
                translation_key=translation_key and translation_key + binary.key_suffix,
                translation_placeholders=placeholders or None,
                name=name,
                device_class=binary.device_class,
                entity_category=binary.category,
                entity_registry_enabled_default=binary.enabled,
                value_fn=binary.value_fn,
            )
        )
    return Descriptions(rule.name, tuple(sensors), tuple(binaries))


@lru_cache(maxsize=4096)
def sensor_description(
    sensor_id: str, kind: str, units: str
) -> SkyCentricsSensorEntityDescription | None:
    """The sensor description of any reading with this id, type and units, None when it makes
    no sensor (cached: the value plays no part, so the statistics and the counters' repairs
    look a reading up here on every poll and history record)."""
    described = describe(Reading(sensor_id, sensor_id, kind, units, None, None)).sensors
    return described[0] if described else None
