"""The answers of ``/devices`` and ``/data`` as `Device` and `Snapshot` (with its payload
families), read by the rules of `readings`.
"""

from __future__ import annotations

from collections.abc import Mapping, Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
import itertools
import logging
import re
from typing import Any, Final

from .decode import INT64_MAX, INT64_MIN
from .exceptions import SkyCentricsResponseError
from .readings import (
    MAX_FUTURE,
    MAX_READINGS,
    MAX_TEXT,
    MAX_UNITS,
    Checks,
    ProblemLog,
    Reading,
    _as_int,
    _kind,
    _number_problem,
    _shorten,
    clean_text,
    read_sensors,
)

_LOGGER = logging.getLogger(__name__)

MAX_ID_LENGTH: Final = 128
"""Longest id of a family reading (ids become parts of Home Assistant's unique ids)."""

MAX_CT_CHANNELS: Final = 256
"""CT channels read from one answer (a Super SkyBox has a handful; the rest are dropped)."""

MAX_COMMODITIES: Final = 64
"""Entries read from each of ``commodity`` and ``commodities`` (CTA-2045 has 8 codes)."""

FAMILY_SEPARATOR: Final = "|"
"""What separates the parts of a family reading's id."""

CTA2045_PREFIX: Final = "cta2045|"
THERMOSTAT_PREFIX: Final = "thermostat|"
CT_PREFIX: Final = "ct|"

FAMILY_PREFIXES: Final = (CTA2045_PREFIX, THERMOSTAT_PREFIX, CT_PREFIX)
"""The families' namespaces: no sensor id may start with one of them."""

MAX_CT_ID_LENGTH: Final = MAX_ID_LENGTH - len("ct||power_apparent")
"""Longest CT channel id: its readings' ids stay within `MAX_ID_LENGTH`."""

COMMODITY_READINGS: Final[dict[int, tuple[str, str, str]]] = {
    0: ("Power consumed", "Energy consumed", "Energy"),
    1: ("Power produced", "Energy produced", "Energy"),
    6: ("Total storage capacity rate", "Total storage capacity", "Energy Storage Capacity"),
    7: ("Present storage capacity rate", "Present storage capacity", "Energy Storage Capacity"),
}
"""CTA-2045 commodity code -> (name of its instantaneous reading, W; name of its cumulative
reading, Wh; type of its cumulative reading). 0 electricity consumed and 1 produced are lifetime
counters ("Energy"); 6 total and 7 present energy storage (take) capacity go up and down."""


@dataclass(frozen=True, slots=True)
class Device:
    """A device object (``GET /api/devices/{id}/``).

    ``id`` and the other numbers are int64 (a JSON integer, or text of at most
    `MAX_INT_DIGITS` ASCII digits); ``name`` and ``mac`` are cleaned like a reading's name (lone
    surrogates and control characters replaced by U+FFFD), cut to `MAX_TEXT` / `MAX_UNITS`.
    """

    id: int
    name: str
    mac: str = ""
    type: int | None = None
    user: int | None = None
    group: int | None = None
    client: int | None = None

    @classmethod
    def from_dict(cls, raw: object, device_id: int | None = None) -> Device:
        """Parse a device object; unknown fields are ignored.

        When ``device_id`` is given, the object must be that device's: an answer about another
        device would re-key every entity, so it is a SkyCentricsResponseError.
        """
        if not isinstance(raw, Mapping):
            raise SkyCentricsResponseError(f"device object is not a JSON object: {_kind(raw)}")
        answered_id = _as_int(raw.get("id"))
        if answered_id is None:
            raise SkyCentricsResponseError("device object has no numeric id")
        if device_id is not None and answered_id != device_id:
            raise SkyCentricsResponseError(
                f"asked for device {device_id}, the API answered with device {answered_id}"
            )
        return cls(
            id=answered_id,
            name=clean_text(raw.get("name"), MAX_TEXT) or f"SkyBox {answered_id}",
            mac=clean_text(raw.get("mac"), MAX_UNITS),
            type=_as_int(raw.get("type")),
            user=_as_int(raw.get("user")),
            group=_as_int(raw.get("group")),
            client=_as_int(raw.get("client")),
        )


def parse_devices(raw: object) -> list[Device]:
    """Parse the device list; a malformed entry is skipped with a logged reason."""
    if isinstance(raw, Mapping):  # some deployments wrap lists: {"devices": [...]}
        raw = raw.get("devices", raw.get("results"))
    if not isinstance(raw, list):
        raise SkyCentricsResponseError(f"device list is not a JSON list: {_kind(raw)}")
    devices: list[Device] = []
    for index, item in enumerate(raw):
        try:
            devices.append(Device.from_dict(item))
        except SkyCentricsResponseError as err:
            _LOGGER.warning("Skipping device %d of the device list: %s", index, err)
    return devices


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The latest readings of one device (``GET /api/devices/{id}/data``).

    ``readings`` maps a reading id to its `Reading`, in this order: the ``sensors`` list, the
    ``ct`` channels, the CTA-2045 fields, the thermostat fields. What a payload holds decides
    which families are read (never the device's ``type``); several may be present at once:

    - ``sensors`` (a list): one reading per sensor, with the sensor's own id, name, type, units.
    - ``ct`` (a list of ``{id, current, power {real, apparent}, power_factor, voltage, rating}``):
      ``ct|<ct id>|current`` (Current, A), ``ct|<ct id>|power_real`` (Power, W),
      ``ct|<ct id>|power_apparent`` (Apparent Power, VA), ``ct|<ct id>|power_factor`` (Power
      Factor, no unit), ``ct|<ct id>|voltage`` (Voltage, V), ``ct|<ct id>|rating`` (Current
      Rating, A). ``<ct id>`` is the channel's ``id``: a JSON integer (written in decimal) or a
      text of printable ASCII without ``|`` (`_is_reading_id`) of at most
      `MAX_CT_ID_LENGTH` characters; a channel with another id, or the same id as an earlier
      channel, is dropped (logged). The units of CT channels are not documented anywhere
      public: W, VA, V and A are assumed.
    - CTA-2045 fields, read when any of ``relay``, ``override``, ``state``, ``power``,
      ``hold_mode``, ``offset``, ``commodity``, ``commodities`` is there: ``cta2045|relay``
      (Relay), ``cta2045|override`` (Override), ``cta2045|state`` (Operational State: a
      CTA-2045 operational state code), ``cta2045|power`` (Power, W),
      ``cta2045|hold_mode`` (Hold Mode), ``cta2045|setpoint_1`` and ``cta2045|setpoint_2``
      (Setpoint, the cloud's units), ``cta2045|offset`` (Setpoint Offset, the cloud's units),
      ``cta2045|temperature`` (Temperature, the cloud's units), and per commodity code (see
      `COMMODITY_READINGS`: 0, 1, 6, 7; others are ignored) ``cta2045|commodity_<code>_
      instantaneous`` (Power, W) and ``cta2045|commodity_<code>_cumulative`` (Energy, Wh for
      codes 0 and 1, lifetime counters; Energy Storage Capacity, Wh, for 6 and 7). ``commodity``
      (one object, or a list) and ``commodities`` (a list) may both be there: the first entry
      of a code wins, the list's entries before the single object's.
    - Thermostat fields, read when any of ``thermostat``, ``fan``, ``humidity`` is there:
      ``thermostat|temperature`` (Temperature), ``thermostat|humidity`` (Humidity, "%" unless
      the cloud says otherwise), ``thermostat|mode`` and ``thermostat|fan_mode`` (Mode),
      ``thermostat|state`` and ``thermostat|fan_state`` (State), ``thermostat|heat_setpoint``
      and ``thermostat|cool_setpoint`` (Setpoint). ``temperature`` and ``setpoint`` belong to
      the thermostat family when one of its fields is there or no CTA-2045 field is, otherwise
      to the CTA-2045 family.

    A field holding null is as if it were not there (a scalar field such as ``relay`` is a
    reading without a value). A field of the wrong shape (``setpoint`` that is not an object,
    ``ct`` that is not a list, a commodity in units other than W and Wh...) loses only its own
    readings, logged once per device, field and problem. An answer that holds none of the
    families is an empty Snapshot.
    """

    device_id: int
    time: datetime | None
    readings: dict[str, Reading] = field(default_factory=dict)
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    """The answer as decoded (for diagnostics); not compared."""

    @classmethod
    def from_dict(
        cls, raw: object, device_id: int | None = None, problems: ProblemLog | None = None
    ) -> Snapshot:
        """Parse a ``/data`` answer; a malformed sensor is skipped with a logged reason.

        Raises SkyCentricsResponseError only when the answer as a whole is unusable. Problems
        are logged through ``problems`` (once each; a fresh log when none is given).
        """
        return parse_snapshot(
            raw,
            device_id,
            ProblemLog() if problems is None else problems,
            Checks(datetime.now(UTC) + MAX_FUTURE, FAMILY_PREFIXES),
        )


def parse_snapshot(
    raw: object,
    device_id: int | None,
    problems: ProblemLog,
    checks: Checks,
    *,
    default_time: datetime | None = None,
    keep_raw: bool = True,
    wanted: AbstractSet[str] | None = None,
    record: bool = False,
) -> Snapshot:
    """Parse one ``/data``-shaped object (a live answer or a history record).

    ``default_time`` is the record's time when it has no usable ``time`` of its own (a history
    record keyed by its time); ``keep_raw`` keeps the decoded object for diagnostics;
    ``checks`` may carry those of earlier records of the same answer; with ``wanted``, only
    the readings with those ids are kept (sensors not wanted are not even checked). A
    ``record`` (of history) with neither a sensor list nor a reading of another family is a
    SkyCentricsResponseError (the record is skipped); a live answer is then an empty Snapshot.
    """
    if not isinstance(raw, Mapping):
        raise SkyCentricsResponseError(f"data answer is not a JSON object: {_kind(raw)}")
    sensors = raw.get("sensors")
    answered_id = _as_int(raw.get("device"))
    if device_id is None:
        if answered_id is None:
            raise SkyCentricsResponseError("data answer names no device")
        device_id = answered_id
    elif answered_id is not None and answered_id != device_id:
        raise SkyCentricsResponseError(f"data answer is for device {answered_id}, not {device_id}")
    snapshot_time = checks.time_of(raw.get("time"))
    if snapshot_time is None:
        snapshot_time = default_time
    families = _parse_families(raw, device_id, problems, snapshot_time)
    if not isinstance(sensors, list):
        if record and not families:
            raise SkyCentricsResponseError(
                f"the record has no sensor list ({_kind(sensors)}) and no readings of another kind"
            )
        if sensors is not None:
            problems.warn(
                (device_id, "sensors", "not a list"),
                "Device %s: the sensor list is a %s, not a list; its readings are lost",
                device_id,
                _kind(sensors),
            )
        sensors = []
    readings = read_sensors(sensors, device_id, problems, checks, snapshot_time, wanted)
    if families:
        _add_families(readings, families, device_id, problems, wanted)
    return Snapshot(device_id, snapshot_time, readings, raw if keep_raw else None)


# --- payload families other than the sensor list ------------------------------------------------

_CTA2045_FIELDS: Final = (
    "relay",
    "override",
    "state",
    "power",
    "hold_mode",
    "offset",
    "commodity",
    "commodities",
)
"""Top-level keys that only a CTA-2045 payload holds: any of them makes it one."""

_THERMOSTAT_FIELDS: Final = ("thermostat", "fan", "humidity")
"""Top-level keys that only a thermostat payload holds: any of them makes it one."""

_SHARED_FIELDS: Final = ("temperature", "setpoint")
"""Keys both a CTA-2045 and a thermostat payload may hold (see `Snapshot` for their owner)."""

_CTA2045_SCALARS: Final = (
    ("relay", "relay", "Relay", "Relay", ""),
    ("override", "override", "Override", "Override", ""),
    ("state", "state", "Operational state", "Operational State", ""),
    ("power", "power", "Power", "Power", "W"),
)
"""(key, id suffix, name, type, units) of the CTA-2045 fields that are plain numbers."""

_CT_SCALARS: Final = (
    ("current", "current", "current", "Current", "A"),
    ("power_factor", "power_factor", "power factor", "Power Factor", ""),
    ("voltage", "voltage", "voltage", "Voltage", "V"),
    ("rating", "rating", "rating", "Current Rating", "A"),
)
"""(key, id suffix, name, type, units) of a CT channel's plain numbers."""

_CT_POWERS: Final = (
    ("real", "power_real", "power", "Power", "W"),
    ("apparent", "power_apparent", "apparent power", "Apparent Power", "VA"),
)
"""(key in ``power``, id suffix, name, type, units) of a CT channel's powers."""

_NUMBER_TEXT: Final = re.compile(r"-?\d{1,20}(?:\.\d{1,20})?(?:[eE][-+]?\d{1,4})?")
"""A text a family value may be given as: a plain decimal number (no "1_000", "nan", "0x1")."""

_WATT_UNITS: Final = frozenset({"", "w&wh", "w&w-hr", "w&whr"})
"""Units of a commodity in W and Wh ("W & W-hr" as the cloud writes it), spaces and case aside."""


class _Family:
    """Collects the readings of the families of one answer, and logs what is wrong in them."""

    __slots__ = ("device_id", "problems", "readings", "time")

    def __init__(self, device_id: int, problems: ProblemLog, time: datetime | None) -> None:
        """Readings of ``device_id``, all at ``time``; problems logged through ``problems``."""
        self.device_id = device_id
        self.problems = problems
        self.time = time
        self.readings: dict[str, Reading] = {}

    def add(self, reading_id: str, name: str, kind: str, units: str, raw: object) -> None:
        """Add a reading whose value is ``raw`` read as a number (`_family_number`)."""
        value, problem = _family_number(raw)
        if problem is not None:
            self.problems.warn(
                (self.device_id, reading_id, problem),
                "Device %s: reading %r: %s; read as no value",
                self.device_id,
                reading_id,
                problem,
            )
        self.readings[reading_id] = Reading(reading_id, name, kind, units, value, self.time)

    def malformed(self, field_name: str, problem: str) -> None:
        """Log (once) that a field is malformed, so its readings are lost."""
        self.problems.warn(
            (self.device_id, field_name, problem),
            "Device %s: field %s: %s; its readings are lost",
            self.device_id,
            field_name,
            problem,
        )

    def wrapper(self, field_name: str, raw: object) -> Mapping[str, Any] | None:
        """Return an object field (``{data, units}``...); None when null or malformed."""
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            self.malformed(field_name, f"a {_kind(raw)}, not a JSON object")
            return None
        return raw

    def single(  # noqa: PLR0917 (the parts of one reading)
        self,
        field_name: str,
        raw: object,
        reading_id: str,
        name: str,
        kind: str,
        default_units: str = "",
    ) -> None:
        """Read ``{data: [value] | value, units}`` into one reading (the cloud's units)."""
        wrapper = self.wrapper(field_name, raw)
        if wrapper is None or "data" not in wrapper:
            return
        data = wrapper["data"]
        if isinstance(data, list):
            if not data:
                self.malformed(field_name, "data is an empty list")
                return
            data = data[0]
        units = clean_text(wrapper.get("units"), MAX_UNITS) or default_units
        self.add(reading_id, name, kind, units, data)

    def pair(self, field_name: str, raw: object, readings: tuple[tuple[str, str], ...]) -> None:
        """Read ``{data: [a, b], units}`` into up to two setpoints (``readings``: id, name)."""
        wrapper = self.wrapper(field_name, raw)
        if wrapper is None or "data" not in wrapper:
            return
        data = wrapper["data"]
        if not isinstance(data, list) or not data:
            self.malformed(field_name, f"data is a {_kind(data)}, not a list of values")
            return
        units = clean_text(wrapper.get("units"), MAX_UNITS)
        for (reading_id, name), value in zip(readings, data, strict=False):
            self.add(reading_id, name, "Setpoint", units, value)


def _family_number(raw: object) -> tuple[int | float | None, str | None]:
    """A family value: a number within bounds (true/false as 1/0, a plain decimal text read as
    its number), or None and why (null is no problem)."""
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return int(raw), None
    if isinstance(raw, str):
        text = raw.strip()
        if not _NUMBER_TEXT.fullmatch(text):
            return None, "a text that is not a number"
        raw = float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(raw, int | float):
        problem = _number_problem(raw)
        return (None, problem) if problem else (raw, None)
    return None, f"a {_kind(raw)} is not a number"


def _parse_families(
    raw: Mapping[str, Any], device_id: int, problems: ProblemLog, time: datetime | None
) -> dict[str, Reading]:
    """Read the families other than the sensor list (see `Snapshot`) into readings."""
    get = raw.get
    channels = get("ct")
    cta2045 = any(get(key) is not None for key in _CTA2045_FIELDS)
    thermostat = any(get(key) is not None for key in _THERMOSTAT_FIELDS)
    if (
        channels is None
        and not cta2045
        and not thermostat
        and all(get(key) is None for key in _SHARED_FIELDS)
    ):
        return {}  # the common case of a Super SkyBox without "ct": nothing more to do
    family = _Family(device_id, problems, time)
    if channels is not None:
        _read_ct(channels, family)
    if cta2045:
        _read_cta2045(raw, family, shared=not thermostat)
    if thermostat or not cta2045:
        _read_thermostat(raw, family)
    return family.readings


def _read_ct(channels: object, family: _Family) -> None:
    """Read the ``ct`` channels: ``ct|<ct id>|<quantity>``."""
    if not isinstance(channels, list):
        family.malformed("ct", f"a {_kind(channels)}, not a list")
        return
    if len(channels) > MAX_CT_CHANNELS:
        family.malformed("ct", f"{len(channels)} channels, only the first {MAX_CT_CHANNELS} read")
    seen: set[str] = set()
    for index, channel in enumerate(itertools.islice(channels, MAX_CT_CHANNELS)):
        field_name = f"ct[{index}]"
        if not isinstance(channel, Mapping):
            family.malformed(field_name, f"a {_kind(channel)}, not a JSON object")
            continue
        raw_id = channel.get("id")
        ct_id = _ct_id(raw_id)
        if ct_id is None:
            reason = _shorten(raw_id) if isinstance(raw_id, str) else _kind(raw_id)
            family.malformed(field_name, f"no usable id: {reason}")
            continue
        if ct_id in seen:
            family.malformed(field_name, f"duplicate id {ct_id!r}")
            continue
        seen.add(ct_id)
        prefix = f"{CT_PREFIX}{ct_id}{FAMILY_SEPARATOR}"
        for key, suffix, name, kind, units in _CT_SCALARS[:1]:  # current
            if key in channel:
                family.add(prefix + suffix, f"CT {ct_id} {name}", kind, units, channel[key])
        power = family.wrapper(f"{field_name}.power", channel.get("power"))
        if power is not None:
            for key, suffix, name, kind, units in _CT_POWERS:
                if key in power:
                    family.add(prefix + suffix, f"CT {ct_id} {name}", kind, units, power[key])
        for key, suffix, name, kind, units in _CT_SCALARS[1:]:
            if key in channel:
                family.add(prefix + suffix, f"CT {ct_id} {name}", kind, units, channel[key])


def _ct_id(raw: object) -> str | None:
    """A CT channel's id in reading ids: an int64 in decimal, or a text that follows the sensor
    id rule within `MAX_CT_ID_LENGTH`; None for anything else."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw) if INT64_MIN <= raw <= INT64_MAX else None
    if isinstance(raw, str) and len(raw) <= MAX_CT_ID_LENGTH and _is_reading_id(raw):
        return raw
    return None


def _read_cta2045(raw: Mapping[str, Any], family: _Family, *, shared: bool) -> None:
    """Read the CTA-2045 fields: ``cta2045|<field>``; ``temperature`` and ``setpoint`` too when
    ``shared`` (no thermostat field claims them)."""
    prefix = CTA2045_PREFIX
    for key, suffix, name, kind, units in _CTA2045_SCALARS:
        if key in raw:
            family.add(prefix + suffix, name, kind, units, raw[key])
    hold_mode = family.wrapper("hold_mode", raw.get("hold_mode"))
    if hold_mode is not None and "data" in hold_mode:
        family.add(prefix + "hold_mode", "Hold mode", "Hold Mode", "", hold_mode["data"])
    offset = family.wrapper("offset", raw.get("offset"))
    if offset is not None and "data" in offset:
        units = clean_text(offset.get("units"), MAX_UNITS)
        family.add(prefix + "offset", "Setpoint offset", "Setpoint Offset", units, offset["data"])
    if shared:
        family.single(
            "temperature",
            raw.get("temperature"),
            prefix + "temperature",
            "Temperature",
            "Temperature",
        )
        family.pair(
            "setpoint",
            raw.get("setpoint"),
            ((prefix + "setpoint_1", "Setpoint 1"), (prefix + "setpoint_2", "Setpoint 2")),
        )
    _read_commodities(raw, family)


def _read_commodities(raw: Mapping[str, Any], family: _Family) -> None:
    """Read ``commodities`` then ``commodity`` (one object or a list): the first usable entry
    of each code in `COMMODITY_READINGS` wins; other codes are ignored."""
    entries: list[tuple[str, object]] = []
    for key in ("commodities", "commodity"):
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            if len(value) > MAX_COMMODITIES:
                family.malformed(key, f"{len(value)} entries, only the first {MAX_COMMODITIES}")
            entries.extend(
                (f"{key}[{index}]", entry)
                for index, entry in enumerate(itertools.islice(value, MAX_COMMODITIES))
            )
        elif key == "commodity":
            entries.append((key, value))
        else:
            family.malformed(key, f"a {_kind(value)}, not a list")
    done: set[int] = set()
    for field_name, entry in entries:
        if not isinstance(entry, Mapping):
            family.malformed(field_name, f"a {_kind(entry)}, not a JSON object")
            continue
        code = _as_int(entry.get("code"))
        if code is None:
            family.malformed(field_name, f"no usable code: {_kind(entry.get('code'))}")
            continue
        if code in done or code not in COMMODITY_READINGS:
            continue
        units = entry.get("units")
        if units is not None and (
            not isinstance(units, str) or "".join(units.lower().split()) not in _WATT_UNITS
        ):
            family.malformed(field_name, f"units {_shorten(str(units))}, not W and Wh")
            continue
        done.add(code)
        rate_name, amount_name, amount_type = COMMODITY_READINGS[code]
        prefix = f"{CTA2045_PREFIX}commodity_{code}_"
        if "instantaneous" in entry:
            family.add(prefix + "instantaneous", rate_name, "Power", "W", entry["instantaneous"])
        if "cumulative" in entry:
            family.add(prefix + "cumulative", amount_name, amount_type, "Wh", entry["cumulative"])


def _read_thermostat(raw: Mapping[str, Any], family: _Family) -> None:
    """Read the thermostat fields: ``thermostat|<field>``."""
    prefix = THERMOSTAT_PREFIX
    family.single(
        "temperature", raw.get("temperature"), prefix + "temperature", "Temperature", "Temperature"
    )
    family.single("humidity", raw.get("humidity"), prefix + "humidity", "Humidity", "Humidity", "%")
    for key, label in (("thermostat", "Thermostat"), ("fan", "Fan")):
        part = family.wrapper(key, raw.get(key))
        if part is None:
            continue
        id_part = "" if key == "thermostat" else f"{key}_"
        if "mode" in part:
            family.add(f"{prefix}{id_part}mode", f"{label} mode", "Mode", "", part["mode"])
        if "state" in part:
            family.add(f"{prefix}{id_part}state", f"{label} state", "State", "", part["state"])
    family.pair(
        "setpoint",
        raw.get("setpoint"),
        ((prefix + "heat_setpoint", "Heat setpoint"), (prefix + "cool_setpoint", "Cool setpoint")),
    )


def _add_families(
    readings: dict[str, Reading],
    families: dict[str, Reading],
    device_id: int,
    problems: ProblemLog,
    wanted: AbstractSet[str] | None,
) -> None:
    """Add the family readings after the sensors', within `MAX_READINGS` in all."""
    if wanted is not None:
        families = {key: reading for key, reading in families.items() if key in wanted}
    room = MAX_READINGS - len(readings)
    if len(families) > room:
        problems.warn(
            (device_id, "too many readings"),
            "Device %s: the answer holds more than %d readings, only the first %d are read",
            device_id,
            MAX_READINGS,
            MAX_READINGS,
        )
        families = dict(itertools.islice(families.items(), max(room, 0)))
    readings.update(families)


def _is_reading_id(text: str) -> bool:
    """Tell whether ``text`` may be part of a family reading's id (a CT channel's id):
    1 to `MAX_ID_LENGTH` printable ASCII characters without ``|``, not all blank."""
    return (
        0 < len(text) <= MAX_ID_LENGTH
        and text.isascii()
        and text.isprintable()
        and not text.isspace()
        and "|" not in text
    )
