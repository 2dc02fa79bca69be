"""The payload families beside a gateway's ``sensors`` list, typed: CTA-2045, thermostat, CT.

What a ``/data`` answer holds decides which are read, never the device's ``type``; an answer may
hold several. Every field is a `Measure` (its number, the units the cloud gave where it gives
any, the answer's time), None when the answer lacks the field; a field holding null is a Measure
without a value. A field of the wrong shape loses only its own values, logged once per device,
field and problem. Sources: SkyCentrics' PHP SDK and the other public clients (README).

- CTA-2045 (water heaters, EV chargers, pool pumps, plugs), read when any of ``relay``,
  ``override``, ``state``, ``power``, ``power_level``, ``hold_mode``, ``offset``, ``commodity``,
  ``commodities`` is there: those fields (``power_level``: a plug's level, 0-100),
  ``temperature`` ``{data: [t], units}``, ``setpoint`` ``{data: [a, b], units}``, and the
  commodities of codes 0 (electricity consumed), 1 (produced), 6 (total energy storage
  capacity) and 7 (present), in W and Wh (``commodities``' entries before ``commodity``'s; the
  first usable entry of a code wins).
- Thermostat, read when any of ``thermostat`` (``mode``, ``state``, ``hold``), ``fan``,
  ``humidity`` is there: those, and ``temperature`` and ``setpoint`` (heat, cool).
  ``temperature`` and ``setpoint`` belong to the thermostat when one of its fields is there or
  no CTA-2045 field is.
- CT channels (``ct``: a list of ``{id, current, power {real, apparent}, power_factor, voltage,
  rating}``), each with an id: a JSON integer, or a sensor-id-like text of at most
  `MAX_CT_ID_LENGTH` characters (a channel with another id, or a repeated one, is dropped).

A family value is a number or None, never text: a JSON number within the bounds, true/false as
1/0, or a text that is a plain decimal number (``"12.5"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
import itertools
import re
from typing import Any, Final

from .decode import INT64_MAX, INT64_MIN
from .readings import (
    MAX_UNITS,
    ProblemLog,
    as_int,
    clean_text,
    kind_of,
    number_problem,
    shorten,
)

MAX_CT_CHANNELS: Final = 256
"""CT channels read from one answer (a Super SkyBox has a handful; the rest are dropped)."""

MAX_CT_ID_LENGTH: Final = 110
"""Longest CT channel id (as before 0.3.0: its keys stay within 128 characters)."""

MAX_COMMODITIES: Final = 64
"""Entries read from each of ``commodity`` and ``commodities`` (CTA-2045 has 8 codes)."""

COMMODITY_CODES: Final = frozenset({0, 1, 6, 7})

_CTA2045_FIELDS: Final = (
    "relay",
    "override",
    "state",
    "power",
    "power_level",
    "hold_mode",
    "offset",
    "commodity",
    "commodities",
)
_THERMOSTAT_FIELDS: Final = ("thermostat", "fan", "humidity")
_SHARED_FIELDS: Final = ("temperature", "setpoint")
_FAMILY_FIELDS: Final = frozenset(_CTA2045_FIELDS + _THERMOSTAT_FIELDS + _SHARED_FIELDS)
_NUMBER_TEXT: Final = re.compile(r"-?\d{1,20}(?:\.\d{1,20})?(?:[eE][-+]?\d{1,4})?")
_WATT_UNITS: Final = frozenset({"", "w&wh", "w&w-hr", "w&whr"})
"""Units of a commodity in W and Wh ("W & W-hr" as the cloud writes it), spaces and case aside."""


@dataclass(frozen=True, slots=True)
class Measure:
    """One field of a family: its number (None: null or unusable), the cloud's units ("" where
    the family fixes them), the answer's time."""

    value: int | float | None
    units: str = ""
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class Commodity:
    """A CTA-2045 commodity: its rate (W) and its amount (Wh)."""

    instantaneous: Measure | None = None
    cumulative: Measure | None = None


@dataclass(frozen=True, slots=True)
class Cta2045:
    """The CTA-2045 fields of an answer."""

    relay: Measure | None = None
    override: Measure | None = None
    state: Measure | None = None  # the standard's operational state code
    power: Measure | None = None  # W
    power_level: Measure | None = None  # a plug's level, 0-100
    hold_mode: Measure | None = None
    offset: Measure | None = None
    temperature: Measure | None = None
    setpoint_1: Measure | None = None
    setpoint_2: Measure | None = None
    commodities: Mapping[int, Commodity] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Thermostat:
    """The thermostat fields of an answer."""

    temperature: Measure | None = None
    humidity: Measure | None = None
    mode: Measure | None = None
    state: Measure | None = None
    hold: Measure | None = None
    fan_mode: Measure | None = None
    fan_state: Measure | None = None
    heat_setpoint: Measure | None = None
    cool_setpoint: Measure | None = None


@dataclass(frozen=True, slots=True)
class CtChannel:
    """One CT channel of a Super SkyBox (units assumed: A, W, VA, V)."""

    id: str
    current: Measure | None = None
    power_real: Measure | None = None
    power_apparent: Measure | None = None
    power_factor: Measure | None = None
    voltage: Measure | None = None
    rating: Measure | None = None


@dataclass(frozen=True, slots=True)
class Families:
    """The families an answer holds."""

    cta2045: Cta2045 | None = None
    thermostat: Thermostat | None = None
    ct: tuple[CtChannel, ...] = ()


class _Reader:
    """Reads the fields of one answer into Measures, and logs what is wrong in them."""

    __slots__ = ("device_id", "problems", "time")

    def __init__(self, device_id: int, problems: ProblemLog, time: datetime | None) -> None:
        self.device_id, self.problems, self.time = device_id, problems, time

    def number(self, name: str, raw: object, units: str = "") -> Measure:
        """A field's value read as a number (see the module); a problem is logged once."""
        value: int | float | None = None
        problem: str | None = None
        if isinstance(raw, bool):
            value = int(raw)
        elif isinstance(raw, str):
            text = raw.strip()
            if _NUMBER_TEXT.fullmatch(text):
                value = float(text) if any(c in text for c in ".eE") else int(text)
            else:
                problem = "a text that is not a number"
        elif isinstance(raw, int | float):
            value = raw
        elif raw is not None:
            problem = f"a {kind_of(raw)} is not a number"
        if value is not None and (problem := number_problem(value)) is not None:
            value = None
        if problem is not None:
            self.problems.warn(
                (self.device_id, name, problem),
                "Device %s: field %s: %s; read as no value",
                self.device_id,
                name,
                problem,
            )
        return Measure(value, units, self.time)

    def malformed(self, name: str, problem: str) -> None:
        """Log (once) that a field is malformed, so its values are lost."""
        self.problems.warn(
            (self.device_id, name, problem),
            "Device %s: field %s: %s; its values are lost",
            self.device_id,
            name,
            problem,
        )

    def wrapper(self, name: str, raw: object) -> Mapping[str, Any] | None:
        """An object field (``{data, units}``...); None when null or malformed."""
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            self.malformed(name, f"a {kind_of(raw)}, not a JSON object")
            return None
        return raw

    def values(self, name: str, raw: object, default_units: str = "") -> list[Measure]:
        """``{data: [a, b...] | a, units}`` as Measures in the cloud's units."""
        wrapper = self.wrapper(name, raw)
        if wrapper is None or "data" not in wrapper:
            return []
        data = wrapper["data"]
        data = data if isinstance(data, list) else [data]
        if not data:
            self.malformed(name, "data is an empty list")
            return []
        units = clean_text(wrapper.get("units"), MAX_UNITS) or default_units
        return [self.number(f"{name}[{i}]", value, units) for i, value in enumerate(data[:2])]

    def scalar(self, raw: Mapping[str, Any], key: str) -> Measure | None:
        return self.number(key, raw[key]) if key in raw else None


def parse_families(
    raw: Mapping[str, Any], device_id: int, problems: ProblemLog, time: datetime | None
) -> Families:
    """Read the families an answer holds (see the module); a family or CT channel without any
    field read (``"ct": []``, malformed fields, a channel with only its id) is absent, as in an
    answer without it."""
    get = raw.get
    channels = get("ct")
    if (channels is None or channels == []) and _FAMILY_FIELDS.isdisjoint(raw):
        return NO_FAMILIES  # the common case: a Super SkyBox's sensor list ("ct": [])
    cta2045 = any(get(key) is not None for key in _CTA2045_FIELDS)
    thermostat = any(get(key) is not None for key in _THERMOSTAT_FIELDS)
    shared = any(get(key) is not None for key in _SHARED_FIELDS)
    if (channels is None or channels == []) and not (cta2045 or thermostat or shared):
        return NO_FAMILIES  # fields present, all null
    reader = _Reader(device_id, problems, time)
    controller = _read_cta2045(raw, reader, shared=not thermostat) if cta2045 else None
    climate = _read_thermostat(raw, reader) if thermostat or (shared and not cta2045) else None
    channels = _read_ct(channels, reader) if channels is not None else ()
    return Families(
        None if controller == Cta2045() else controller,
        None if climate == Thermostat() else climate,
        tuple(channel for channel in channels if channel != CtChannel(channel.id)),
    )


NO_FAMILIES: Final = Families()
_CT_FIELDS: Final = (
    ("", "current"),
    ("power.", "real"),
    ("power.", "apparent"),
    ("", "power_factor"),
    ("", "voltage"),
    ("", "rating"),
)


def _first(measures: list[Measure], index: int) -> Measure | None:
    return measures[index] if len(measures) > index else None


def _read_cta2045(raw: Mapping[str, Any], reader: _Reader, *, shared: bool) -> Cta2045:
    hold_mode = reader.wrapper("hold_mode", raw.get("hold_mode"))
    offset = reader.wrapper("offset", raw.get("offset"))
    temperature = reader.values("temperature", raw.get("temperature")) if shared else []
    setpoints = reader.values("setpoint", raw.get("setpoint")) if shared else []
    return Cta2045(
        relay=reader.scalar(raw, "relay"),
        override=reader.scalar(raw, "override"),
        state=reader.scalar(raw, "state"),
        power=reader.scalar(raw, "power"),
        power_level=reader.scalar(raw, "power_level"),
        hold_mode=reader.number("hold_mode", hold_mode["data"])
        if hold_mode is not None and "data" in hold_mode
        else None,
        offset=reader.number("offset", offset["data"], clean_text(offset.get("units"), MAX_UNITS))
        if offset is not None and "data" in offset
        else None,
        temperature=_first(temperature, 0),
        setpoint_1=_first(setpoints, 0),
        setpoint_2=_first(setpoints, 1),
        commodities=_read_commodities(raw, reader),
    )


def _read_commodities(raw: Mapping[str, Any], reader: _Reader) -> dict[int, Commodity]:
    entries: list[tuple[str, object]] = []
    for key in ("commodities", "commodity"):
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            if len(value) > MAX_COMMODITIES:
                reader.malformed(key, f"{len(value)} entries, only the first {MAX_COMMODITIES}")
            entries.extend(
                (f"{key}[{index}]", entry)
                for index, entry in enumerate(itertools.islice(value, MAX_COMMODITIES))
            )
        elif key == "commodity":
            entries.append((key, value))
        else:
            reader.malformed(key, f"a {kind_of(value)}, not a list")
    commodities: dict[int, Commodity] = {}
    for name, entry in entries:
        if not isinstance(entry, Mapping):
            reader.malformed(name, f"a {kind_of(entry)}, not a JSON object")
            continue
        code = as_int(entry.get("code"))
        if code is None:
            reader.malformed(name, f"no usable code: {kind_of(entry.get('code'))}")
            continue
        if code in commodities or code not in COMMODITY_CODES:
            continue
        units = entry.get("units")
        if units is not None and (
            not isinstance(units, str) or "".join(units.lower().split()) not in _WATT_UNITS
        ):
            reader.malformed(name, f"units {shorten(str(units))}, not W and Wh")
            continue
        commodities[code] = Commodity(
            reader.number(f"{name}.instantaneous", entry["instantaneous"])
            if "instantaneous" in entry
            else None,
            reader.number(f"{name}.cumulative", entry["cumulative"])
            if "cumulative" in entry
            else None,
        )
    return commodities


def _read_thermostat(raw: Mapping[str, Any], reader: _Reader) -> Thermostat:
    modes: dict[str, Measure | None] = {}
    for key, names in (("thermostat", ("mode", "state", "hold")), ("fan", ("mode", "state"))):
        part = reader.wrapper(key, raw.get(key))
        prefix = "" if key == "thermostat" else "fan_"
        for name in names:
            modes[prefix + name] = (
                reader.number(f"{key}.{name}", part[name])
                if part is not None and name in part
                else None
            )
    setpoints = reader.values("setpoint", raw.get("setpoint"))
    return Thermostat(
        temperature=_first(reader.values("temperature", raw.get("temperature")), 0),
        humidity=_first(reader.values("humidity", raw.get("humidity"), "%"), 0),
        mode=modes["mode"],
        state=modes["state"],
        hold=modes["hold"],
        fan_mode=modes["fan_mode"],
        fan_state=modes["fan_state"],
        heat_setpoint=_first(setpoints, 0),
        cool_setpoint=_first(setpoints, 1),
    )


def _read_ct(channels: object, reader: _Reader) -> tuple[CtChannel, ...]:
    if not isinstance(channels, list):
        reader.malformed("ct", f"a {kind_of(channels)}, not a list")
        return ()
    if len(channels) > MAX_CT_CHANNELS:
        reader.malformed("ct", f"{len(channels)} channels, only the first {MAX_CT_CHANNELS} read")
    read: dict[str, CtChannel] = {}
    for index, channel in enumerate(itertools.islice(channels, MAX_CT_CHANNELS)):
        name = f"ct[{index}]"
        if not isinstance(channel, Mapping):
            reader.malformed(name, f"a {kind_of(channel)}, not a JSON object")
            continue
        raw_id = channel.get("id")
        ct_id = _ct_id(raw_id)
        if ct_id is None:
            reason = shorten(raw_id) if isinstance(raw_id, str) else kind_of(raw_id)
            reader.malformed(name, f"no usable id: {reason}")
            continue
        if ct_id in read:
            reader.malformed(name, f"duplicate id {ct_id!r}")
            continue
        power = reader.wrapper(f"{name}.power", channel.get("power")) or {}
        sources = {"": channel, "power.": power}
        read[ct_id] = CtChannel(
            ct_id,
            *(
                reader.number(f"{name}.{where}{key}", sources[where][key])
                if key in sources[where]
                else None
                for where, key in _CT_FIELDS  # in CtChannel's order
            ),
        )
    return tuple(read.values())


def _ct_id(raw: object) -> str | None:
    """A CT channel's id: an int64 in decimal, or a text that follows the sensor id rule within
    `MAX_CT_ID_LENGTH` characters of printable ASCII without ``|`` (a part of its keys)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw) if INT64_MIN <= raw <= INT64_MAX else None
    if isinstance(raw, str) and 0 < len(raw) <= MAX_CT_ID_LENGTH:
        text = raw
        usable = text.isascii() and text.isprintable() and not text.isspace() and "|" not in text
        return text if usable else None
    return None
