"""What an entity of a SkyCentrics reading is: its description, and how a value becomes a state.

Every reading entity, of a gateway's ``sensors`` list (classification.py) or of a payload family
(families.py), is described the same way: ``value_fn`` finds its reading in a snapshot (a
`Point`: the value, the units the cloud gave, the reading time; None when the snapshot lacks
it), ``convert`` turns the value into a state, and ``unit_of`` tells the unit of the reading's
units text. Whoever needs a reading's value (the entities, the coordinator's counters, the
hourly statistics) asks these descriptions and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import hashlib
import re
from typing import Final, Protocol

from homeassistant.components.binary_sensor import BinarySensorEntityDescription
from homeassistant.components.sensor import SensorEntityDescription
from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.helpers.typing import StateType

from .api import ReadingValue, Snapshot
from .const import DOMAIN

# Words a two-state reading may report, in any case.
_ON_WORDS: Final = frozenset({"active", "on", "true", "1", "yes", "open"})
_OFF_WORDS: Final = frozenset({"inactive", "off", "false", "0", "no", "closed"})

# The CTA-2045 operational state codes (CTA-2045-A) -> the enum sensor's options.
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


class Point(Protocol):
    """One reading in a snapshot: a sensor of the list (api.Reading) or a family's field
    (api.Measure)."""

    @property
    def value(self) -> ReadingValue:
        """The value (the API's boundary checked it)."""

    @property
    def units(self) -> str:
        """The units as the cloud gave them ("" where a family fixes them)."""

    @property
    def time(self) -> datetime | None:
        """When the reading was taken."""


type ValueFn = Callable[[Snapshot], Point | None]


# --- Values -----------------------------------------------------------------------------------


def to_number(value: ReadingValue) -> float | int | None:
    """The number a reading holds (a numeric text as its number); None for null and texts.

    The API's boundary already refused values that are not finite or too large.
    """
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


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


def to_state(value: ReadingValue) -> StateType:
    """A code without a unit: the number when it is one, else its text."""
    number = to_number(value)
    return number if number is not None or value is None else str(value)


def to_code(value: ReadingValue) -> int | None:
    """A state code: the whole number a reading holds (None for a fraction or no number)."""
    number = to_number(value)
    return int(number) if number is not None and number == int(number) else None


def to_operational_state(value: ReadingValue) -> str | None:
    """A CTA-2045 operational state code as its option; unknown for any other value."""
    code = to_code(value)
    return None if code is None else CTA2045_STATES.get(code)


# --- Descriptions -----------------------------------------------------------------------------


class CloudStatistic(StrEnum):
    """The hourly external statistic (statistics.py) a reading gets from the cloud's history.

    SUM: a lifetime energy counter, the energy of each hour (the Energy dashboard's series).
    MEAN: a power or a state of charge, the mean, min and max of each hour.
    """

    SUM = "sum"
    MEAN = "mean"


@dataclass(frozen=True, kw_only=True)
class SkyCentricsSensorEntityDescription(SensorEntityDescription):
    """A sensor of one reading.

    ``key`` is what the entity's unique id adds to the device id. ``unit_of`` gives the unit of
    a reading's units text (None: none Home Assistant knows). ``counter``: a lifetime counter,
    shown only when plausible (the coordinator judges it, counters.py). ``family``: a field of a
    payload family, not a sensor of the list (its statistic id is its key's plain slug).
    """

    value_fn: ValueFn
    convert: Callable[[ReadingValue], StateType] = to_number
    unit_of: Callable[[str], str | None]
    counter: bool = False
    statistic: CloudStatistic | None = None
    family: bool = False


@dataclass(frozen=True, kw_only=True)
class SkyCentricsBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A binary sensor of one reading."""

    value_fn: ValueFn
    convert: Callable[[ReadingValue], bool | None] = to_bool


@dataclass(frozen=True, slots=True)
class Part:
    """A part of a gateway (battery, inverter, meter, lighting controller): a device of its own."""

    key: str
    name: str
    model: str


@dataclass(frozen=True, slots=True)
class Described:
    """What one reading becomes: zero or more sensors and binary sensors, on its device or on a
    part of it. ``sensor_id``: the sensor's id in the list (None for a family field), what the
    history request asks for."""

    sensors: tuple[SkyCentricsSensorEntityDescription, ...] = ()
    binary_sensors: tuple[SkyCentricsBinarySensorEntityDescription, ...] = ()
    part: Part | None = None
    sensor_id: str | None = None


def value_in_unit(
    description: SkyCentricsSensorEntityDescription, value: ReadingValue, units: str
) -> float | None:
    """A reading's number in the description's unit: converted from the unit of its units text
    when Home Assistant can (Wh for kWh, W for kW, °C for °F...); None when it has no number or
    its unit is of another kind."""
    number = to_number(value)
    if number is None:
        return None
    unit = description.unit_of(units)
    own = description.native_unit_of_measurement
    if unit == own:
        return number
    converter = UNIT_CONVERTERS.get(description.device_class)
    if converter is None or unit not in converter.VALID_UNITS or own not in converter.VALID_UNITS:
        return None
    return converter.convert(float(number), unit, own)


def unique_id(device_id: int, key: str) -> str:
    """The unique id of a reading's entity: the device id and the description's key."""
    return f"{device_id}_{key}"


def device_name(gateway_name: str, part: Part | None) -> str:
    """The name of the device an entity is on: the gateway's, or its part's after it."""
    return gateway_name if part is None else f"{gateway_name} {part.name}"


# --- Statistic ids ----------------------------------------------------------------------------

MAX_STATISTIC_ID_LENGTH: Final = 255
"""The recorder's ``statistics_meta.statistic_id`` column (a sensor id alone may be 255)."""
_NOT_SLUG: Final = re.compile(r"[^a-z0-9]+")
_FAMILY_KEY: Final = re.compile(r"(?<!\|)(?:\|\|)*\|(?!\|)")  # a run of | of odd length
_FAMILY_SLUGS: Final = ("cta2045_", "thermostat_", "ct_")


def slug(text: str) -> str:
    """Lowercase letters and digits, every other run of characters one ``_``, none at the ends."""
    return _NOT_SLUG.sub("_", text.lower()).strip("_")


def statistic_id(device_id: int, key: str) -> str:
    """The hourly statistic of a reading: ``skycentrics:<device id>_<slug of its key>``.

    A function of the device and the key alone. The plain slug for a family's key
    (``cta2045|commodity_0_cumulative``) and for a sensor id already in its upper-case slug form
    (``BESS_LIFETIME_CHARGE_COUNTER``); any other id (``E30A_3_kWh_Energy:_3ph_Total``, non-ASCII
    text, one whose slug a family's could be) adds 8 hex digits of its SHA-256, so that no two
    keys share an id. Every id matches the recorder's VALID_STATISTIC_ID and fits its column
    (`MAX_STATISTIC_ID_LENGTH`: a longer slug is cut, and the hash added).
    """
    prefix = f"{DOMAIN}:{device_id}_"
    text = slug(key)
    plain = _FAMILY_KEY.search(key) is not None or (
        key == text.upper() and not text.startswith(_FAMILY_SLUGS)
    )
    if not plain or len(prefix) + len(text) > MAX_STATISTIC_ID_LENGTH:
        kept = text[: MAX_STATISTIC_ID_LENGTH - len(prefix) - 9].rstrip("_")
        text = f"{kept}_{hashlib.sha256(key.encode()).hexdigest()[:8]}".lstrip("_")
    return prefix + text
