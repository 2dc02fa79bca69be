"""Typed models of the SkyCentrics API and their tolerant parsers: the one boundary.

Everything the cloud sends is decoded and checked here, once, before Home Assistant sees it.
The rules, each with its constant below:

- JSON (`decode_json`): one bad reading cannot fail the whole answer. Invalid UTF-8 becomes
  U+FFFD; integer literals beyond int64, NaN and Infinity become NaN (a non-finite marker that a
  reading turns into None); arrays and objects nested deeper than `MAX_DEPTH` become null (only
  when json.loads gives up, so normal answers pay nothing); lone surrogates become U+FFFD.
- Numbers: finite, within ±`MAX_MAGNITUDE`; otherwise that reading's value is None.
- Text: a lone surrogate is replaced by U+FFFD, everywhere (names, units and control
  characters in names and units too); names and types are cut to `MAX_TEXT`, units to
  `MAX_UNITS`; a text value longer than `MAX_TEXT` is None.
- Reading ids: printable ASCII without ``|``, 1 to `MAX_ID_LENGTH` characters (see `Reading`);
  a sensor with another id is dropped. Readings of the other payload families get ids that start
  with their family and ``|`` (``cta2045|relay``, ``ct|1|current``): a namespace no sensor id can
  take (see `Snapshot`).
- Payload families (`Snapshot`): what a ``/data`` answer holds decides how it is read, never the
  device's ``type``: a ``sensors`` list (the Super SkyBox), ``ct`` channels, CTA-2045 fields
  (water heaters, EV chargers, pool pumps, plugs), thermostat fields. An answer may hold several;
  each becomes the same `Reading` objects. A family's field that is malformed loses only its own
  readings; an answer with no known family is an empty Snapshot. Unknown keys are ignored.
- Times: inside [`EARLIEST_TIME`, now + `MAX_FUTURE`], else no time (None).
- Size: at most `MAX_READINGS` readings per answer (and the client's byte cap).
- History (`decode_history`): a day's answer, gzip or plain (gunzipped only when it starts with
  the gzip magic bytes, at most `MAX_HISTORY_BYTES` once decompressed: a gzip bomb stops there),
  a JSON list of `/data`-shaped records or an object keyed by record time (ISO text or Unix
  seconds). Each record goes through the very parser of `/data` (`Snapshot.from_dict`): a bad
  sensor loses that reading, a bad record (not an object, neither a sensor list nor a reading of
  another family, another device, no time at all) loses that record only.
- Device objects: ids within int64 (`_as_int`), the id asked for, names and MACs cleaned.
- HTTP: a 401/403 means bad keys only with the API's own JSON error (`api_error_message`);
  Retry-After is believed only within [0, `RETRY_AFTER_HORIZON`] (`parse_retry_after`); a
  Date header only within [`EARLIEST_TIME`, `LATEST_HTTP_DATE`] (`parse_http_date`).

A value that breaks a rule is None for that reading only, with one warning per device, sensor
and kind of problem (`ProblemLog`), never one per poll.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Set as AbstractSet
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
import itertools
import json
import logging
import math
import re
from typing import Any, Final
import zlib

from .exceptions import SkyCentricsResponseError

_LOGGER = logging.getLogger(__name__)

type ReadingValue = int | float | str | None

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
"""The integers any JSON encoder takes (orjson refuses larger ones, and then Home Assistant
loses every restore-state or registry file it was writing)."""

MAX_INT_DIGITS: Final = 19
"""Longest id given as text: int64 has at most 19 digits."""

MAX_INT_LITERAL: Final = 20
"""Longer integer literals (sign included) are not converted at all: int64 has at most 19
digits, and Python refuses ints of more than 4,300 digits with a ValueError."""

MAX_DEPTH: Final = 32
"""Arrays and objects nested deeper than this become null when json.loads gives up (an answer
nests 3 levels; json.loads overflows the stack at about 100,000)."""

MAX_MAGNITUDE: Final = 1e15
"""Largest absolute value of a reading: far beyond any meter (1e15 Wh is a petawatt-hour), and
well inside what a float holds exactly and what every JSON encoder takes."""

MAX_TEXT: Final = 255
"""Longest name, type or text value: Home Assistant's own limit for a state."""

MAX_UNITS: Final = 32
"""Longest unit: far above any real one ("kWh", "var", "luxes")."""

MAX_ID_LENGTH: Final = 128
"""Longest reading id: ids become parts of Home Assistant's unique ids (the seed's longest: 41)."""

MAX_READINGS: Final = 10_000
"""Readings read from one answer: Home Assistant takes at most 10,000 enabled entities per
config entry, so more could never be shown (the rest of the answer is dropped, one warning)."""

EARLIEST_TIME: Final = datetime(2000, 1, 1, tzinfo=UTC)
"""Older reading times are placeholders (0, 1) or garbage: no time."""

MAX_FUTURE: Final = timedelta(days=1)
"""How far ahead of our clock a reading time may be (a device clock somewhat ahead)."""

MAX_HISTORY_BYTES: Final = 64 * 1024 * 1024
"""Largest day of history, as JSON after gunzip: a day of 60 sensors every minute is about
11 MB, so this leaves room for about 350 sensors, and bounds what a gzip bomb can inflate to."""

GZIP_MAGIC: Final = b"\x1f\x8b"
"""First two bytes of a gzip stream (no JSON text starts with them)."""

MAX_CT_CHANNELS: Final = 256
"""CT channels read from one answer (a Super SkyBox has a handful; the rest are dropped)."""

MAX_COMMODITIES: Final = 64
"""Entries read from each of ``commodity`` and ``commodities`` (CTA-2045 has 8 codes)."""

FAMILY_SEPARATOR: Final = "|"
"""What separates the parts of a family reading's id; sensor ids never hold it."""

CTA2045_PREFIX: Final = "cta2045|"
THERMOSTAT_PREFIX: Final = "thermostat|"
CT_PREFIX: Final = "ct|"

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

RETRY_AFTER_HORIZON: Final = 86_400.0
"""Longest Retry-After believed, in seconds: a day (1e12 once stopped polling for good)."""

LATEST_HTTP_DATE: Final = datetime(2100, 1, 1, tzinfo=UTC)
"""Later HTTP dates are garbage: no server clock to adopt (adding it to ours could overflow)."""

MAX_ERROR_MESSAGE: Final = 200
"""Longest API error message kept in an exception's text."""

MAX_PROBLEMS: Final = 1_000
"""Distinct problems `ProblemLog` remembers (and logs); the rest are not logged."""

REPLACEMENT: Final = "\ufffd"
"""What an invalid character of a name or unit becomes (U+FFFD REPLACEMENT CHARACTER)."""

_SURROGATES: Final = re.compile("[\ud800-\udfff]")
_BAD_CHARACTERS: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # in names, units
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")  # json.loads may decode it to one
# A JSON string (escapes included, unterminated at the end of the text too), or a run of
# opening or of closing brackets: what `_prune_deep` needs to follow the nesting.
_JSON_TOKENS: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[{]+|[\]}]+', re.DOTALL)


def decode_json(body: bytes) -> Any:
    """Decode an answer; raise SkyCentricsResponseError only when it is not JSON at all.

    What no reading may break (see the module's docstring): invalid UTF-8, integer literals
    beyond int64, NaN and Infinity, over-deep nesting and lone surrogates are all replaced, so
    that the rest of the answer survives.
    """
    return _decode_text(_text_of(body))


def _text_of(body: bytes) -> str:
    """An answer's text: invalid UTF-8 replaced, a BOM dropped (tolerated, as before)."""
    return body.decode("utf-8", "replace").removeprefix("\ufeff")


def _decode_text(text: str) -> Any:
    """`decode_json` of an answer's text."""
    try:
        try:
            value = _DECODER.decode(text)
        except RecursionError:
            value = _DECODER.decode(_prune_deep(text))
    except (RecursionError, ValueError) as err:
        raise SkyCentricsResponseError(f"the answer is not valid JSON: {err}"[:200]) from err
    if _SURROGATE_ESCAPE.search(text):  # rare: only then walk the whole answer
        value = json_safe(value)
    return value


def json_safe(value: object, depth: int = 0) -> Any:
    """Return a copy of decoded JSON that every JSON encoder takes, orjson included.

    Lone surrogates become U+FFFD (keys too), integers beyond int64 and values of any other type
    become NaN (which orjson writes as null), arrays and objects deeper than `MAX_DEPTH` become
    None. Recursion is bounded by `MAX_DEPTH`.
    """
    if isinstance(value, str):
        return _SURROGATES.sub(REPLACEMENT, value)
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else math.nan
    if not isinstance(value, list | Mapping):
        return math.nan
    if depth >= MAX_DEPTH:
        return None
    if isinstance(value, list):
        return [json_safe(item, depth + 1) for item in value]
    return {
        _SURROGATES.sub(REPLACEMENT, str(key)): json_safe(item, depth + 1)
        for key, item in value.items()
    }


def _parse_int(literal: str) -> int | float:
    """json.loads' hook for integer literals: int64, or NaN (never a 5,000-digit int())."""
    if len(literal) > MAX_INT_LITERAL:
        return math.nan
    number = int(literal)
    return number if INT64_MIN <= number <= INT64_MAX else math.nan


def _parse_constant(literal: str) -> float:
    """json.loads' hook for NaN, Infinity and -Infinity: all the same non-finite marker."""
    return math.nan


_DECODER: Final = json.JSONDecoder(parse_int=_parse_int, parse_constant=_parse_constant)

_RECORD_DECODER: Final = json.JSONDecoder()
"""History's records, decoded one at a time (see `decode_history`): integers in C, not through
`_parse_int` (a day holds 110,000 of them). What the hooks guard against comes out the same:
a literal of more than 4,300 digits makes it fail (the whole answer then goes through
`decode_json`); an integer beyond int64 or a NaN is refused as a value, a time or an id
anyway, and the raw record is not kept."""


def _prune_deep(text: str) -> str:
    """Replace each array or object nested deeper than `MAX_DEPTH` by ``null``.

    One linear scan; brackets inside strings (escapes included) do not count. Used only when
    json.loads gave up, so a normal answer never pays for it.
    """
    parts: list[str] = []
    depth = 0  # arrays and objects open at this point
    kept = 0  # text[:kept] is dealt with
    pruning = False
    for token in _JSON_TOKENS.finditer(text):
        run, start = token.group(), token.start()
        if run[0] == '"':
            continue
        if run[0] in "[{":
            if not pruning and depth + len(run) > MAX_DEPTH:
                pruning = True  # from the opener that would be one level too deep
                parts.append(text[kept : start + MAX_DEPTH - depth])
            depth += len(run)
        else:
            if pruning and depth - len(run) <= MAX_DEPTH:
                pruning = False  # up to the closer that brings us back to MAX_DEPTH
                parts.append("null")
                kept = start + depth - MAX_DEPTH
            depth -= len(run)
    parts.append("null" if pruning else text[kept:])
    return "".join(parts)


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
class Reading:
    """One sensor reading of a snapshot, with the time it was recorded.

    What the parser guarantees (see the module's docstring for the constants):

    - ``id``: 1 to `MAX_ID_LENGTH` printable ASCII characters (0x20-0x7E), not all blank.
      A reading of the ``sensors`` list has the sensor's own id, which never holds ``|`` (a
      sensor whose id breaks this rule is dropped, with a logged reason). A reading of another
      payload family has an id of the reserved namespace, which always starts with its family
      and ``|``: ``cta2045|...``, ``thermostat|...``, ``ct|<ct id>|...`` (see `Snapshot`), so
      it can never be a sensor's. (Home Assistant's side appends ``|<key>`` to a reading id for
      what it derives from it, e.g. ``{device}_{reading id}|problem``.)
    - ``value``: None, an int or a finite float within ±`MAX_MAGNITUDE` (JSON true/false are
      read as 1/0), or a text of at most `MAX_TEXT` characters (lone surrogates replaced by
      U+FFFD) whose number, if it reads as one, is within the same bounds. Anything else is
      None, logged once.
    - ``name``, ``type``, ``units``: valid Unicode (a lone surrogate or a control character is
      replaced by U+FFFD), at most `MAX_TEXT` / `MAX_TEXT` / `MAX_UNITS` characters. A family
      reading's name, type and units are the parser's own (see `Snapshot`), except the units of
      temperatures, setpoints and humidity, which are the cloud's as given (cleaned): "F" stays
      "F", it is not turned into "°F".
    - ``time``: None or inside [`EARLIEST_TIME`, now + `MAX_FUTURE`]. A family reading has the
      answer's ``time`` (the families carry no time of their own).
    - A family reading's value is a number or None, never text: a JSON number within the bounds,
      true/false as 1/0, or a text that is a plain decimal number (``"12.5"``); anything else is
      None, logged once.
    """

    id: str
    name: str
    type: str
    units: str
    value: ReadingValue
    time: datetime | None


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
      text that follows the sensor id rule (printable ASCII, no ``|``) of at most
      `MAX_CT_ID_LENGTH` characters; a channel with another id, or the same id as an earlier
      channel, is dropped (logged). The units of CT channels are not documented anywhere
      public: W, VA, V and A are assumed.
    - CTA-2045 fields, read when any of ``relay``, ``override``, ``state``, ``power``,
      ``hold_mode``, ``offset``, ``commodity``, ``commodities`` is there: ``cta2045|relay``
      (Relay), ``cta2045|override`` (Override), ``cta2045|state`` (Operational State: see
      `device_types.CTA2045_OPERATIONAL_STATES`), ``cta2045|power`` (Power, W),
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
        return _parse_snapshot(
            raw,
            device_id,
            ProblemLog() if problems is None else problems,
            datetime.now(UTC) + MAX_FUTURE,
        )


def _parse_snapshot(
    raw: object,
    device_id: int | None,
    problems: ProblemLog,
    latest: datetime,
    *,
    default_time: datetime | None = None,
    keep_raw: bool = True,
    checks: _Checks | None = None,
    wanted: AbstractSet[str] | None = None,
    record: bool = False,
) -> Snapshot:
    """Parse one ``/data``-shaped object (a live answer or a history record).

    ``default_time`` is the record's time when it has no usable ``time`` of its own (a history
    record keyed by its time); ``keep_raw`` keeps the decoded object for diagnostics;
    ``checks`` carries the checks of earlier records of the same answer; with ``wanted``, only
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
    if checks is None:
        checks = _Checks(latest)
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
    if len(sensors) > MAX_READINGS:
        problems.warn(
            (device_id, "too many sensors"),
            "Device %s: the answer lists %d sensors, only the first %d are read",
            device_id,
            len(sensors),
            MAX_READINGS,
        )
    # One reading per sensor: the rules of `Reading`. Written out in this loop (no call per
    # reading: a day of history is 86,400 of them); labels and times through `checks`.
    known_labels, known_times = checks.labels, checks.times
    readings: dict[str, Reading] = {}
    for index, item in enumerate(itertools.islice(sensors, MAX_READINGS)):
        if type(item) is not dict and not isinstance(item, Mapping):  # dict first: no ABC
            if wanted is None:
                _skip_sensor(problems, device_id, index, f"not a JSON object: {_kind(item)}")
            continue
        get = item.get
        labels = (get("id"), get("name"), get("type"), get("units"))
        if wanted is not None and (type(labels[0]) is not str or labels[0] not in wanted):
            continue
        try:  # checked before?
            found = known_labels[labels]
        except KeyError, TypeError:
            found = checks.labels_of(*labels)
        if isinstance(found, str):  # why the id is unusable
            _skip_sensor(problems, device_id, index, found)
            continue
        sensor_id, name, kind, units = found
        if sensor_id in readings:
            problems.warn(
                (device_id, index, "duplicate"),
                "Device %s: skipping sensor %d: duplicate id %r",
                device_id,
                index,
                sensor_id,
            )
            continue
        value = get("data")
        # The common case first: a float or an int within bounds (NaN fails the comparison;
        # a bool is neither type and goes the long way, to become 1 or 0).
        if (type(value) is float or type(value) is int) and (
            -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE
        ):
            pass
        else:
            value, problem = _parse_value(value)
            if problem is not None:
                problems.warn(
                    (device_id, sensor_id, problem),
                    "Device %s: sensor %r: %s; read as no value",
                    device_id,
                    sensor_id,
                    problem,
                )
        raw_time = get("time")
        try:
            reading_time = known_times[raw_time]
        except KeyError, TypeError:
            reading_time = checks.time_of(raw_time)
        readings[sensor_id] = Reading(
            sensor_id,
            name,
            kind,
            units,
            value,
            snapshot_time if reading_time is None else reading_time,
        )
    if families:
        _add_families(readings, families, device_id, problems, wanted)
    return Snapshot(
        device_id=device_id,
        time=snapshot_time,
        readings=readings,
        raw=raw if keep_raw else None,
    )


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


# --- history ----------------------------------------------------------------------------------


def gunzip(body: bytes, limit: int = MAX_HISTORY_BYTES) -> bytes:
    """Decompress a gzip body (every member of it) into at most ``limit`` bytes.

    Raises SkyCentricsResponseError when it is not valid gzip, is cut short, or would inflate
    beyond ``limit`` (a gzip bomb never takes more than ``limit`` + 1 bytes of memory).
    """
    parts: list[bytes] = []
    size = 0
    data = body
    while data:
        inflater = zlib.decompressobj(wbits=31)  # gzip only
        try:
            part = inflater.decompress(data, limit - size + 1)
        except zlib.error as err:
            raise SkyCentricsResponseError(f"the answer is not valid gzip: {err}") from err
        size += len(part)
        if size > limit:
            raise SkyCentricsResponseError(f"the answer inflates beyond {limit} bytes")
        if not inflater.eof:
            raise SkyCentricsResponseError("the gzip answer is cut short")
        parts.append(part)
        data = inflater.unused_data
        if data and not data.startswith(GZIP_MAGIC):
            break  # trailing garbage after the last member: ignored, as gzip(1) does
    return b"".join(parts)


def decode_history(
    body: bytes,
    device_id: int,
    problems: ProblemLog | None = None,
    limit: int = MAX_HISTORY_BYTES,
    sensor_ids: AbstractSet[str] | None = None,
) -> list[Snapshot]:
    """Decode a history answer (gzip or plain JSON) into records sorted by time.

    With ``sensor_ids``, each record keeps only the readings of those sensors (see
    `parse_history`).

    Gunzips only a body that starts with the gzip magic bytes: the server sometimes ignores
    ``Accept: application/gzip``, and aiohttp has already decoded a ``Content-Encoding: gzip``.
    CPU-bound (a day is about 11 MB of JSON): call it in a worker thread.

    The records of a list, or of an object keyed by time, are decoded one at a time
    (`_RECORD_DECODER`) and parsed at once, so a day's decoded JSON never exists whole: half
    the time and memory. Whatever that cannot do exactly as `decode_json` + `parse_history`
    would (a lone surrogate, nesting too deep, a duplicate key, a lone record, JSON that is not
    valid, an integer of more than 4,300 digits) is done by them instead: the same records,
    and the warnings of the attempt are dropped. (An integer beyond int64 is refused in both,
    worded "number beyond" here where `decode_json` makes it a NaN, "not a finite number".)
    """
    if body.startswith(GZIP_MAGIC):
        body = gunzip(body, limit)
    elif len(body) > limit:
        raise SkyCentricsResponseError(f"the answer exceeds {limit} bytes")
    if problems is None:
        problems = ProblemLog()
    text = _text_of(body)
    if not _may_hold_surrogates(body):
        held = _HeldProblems()
        try:
            members, keyed = _stream(text)
            snapshots = _parse_records(members, keyed, device_id, held, sensor_ids)
        except _NotStreamableError, ValueError, RecursionError, IndexError:
            pass  # the whole answer at once, below, decides (and repairs what it can)
        else:
            held.replay(problems)
            return snapshots
    return parse_history(_decode_text(text), device_id, problems, sensor_ids)


def _may_hold_surrogates(body: bytes) -> bool:
    """Whether ``body`` may escape a surrogate (``\\uD800``-``\\uDFFF``): two byte searches, far
    quicker than the regular expression over the whole text."""
    return b"\\ud" in body or b"\\uD" in body


class _NotStreamableError(Exception):
    """The answer needs `decode_json` and `parse_history` on the whole of it."""


_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_RECORD_KEYS: Final = frozenset({"sensors", "device"})
"""Keys of a lone record (`parse_history`), never of an object keyed by record time."""


def _skip(text: str, at: int) -> int:
    """The index of the first character at or after ``at`` that is not JSON whitespace."""
    found = _WHITESPACE.match(text, at)
    return found.end() if found else at


def _stream(text: str) -> tuple[Iterator[tuple[object, object]], bool]:
    """The members of a top-level JSON list or object, each decoded when it is reached.

    Returns (the (index or key, value) pairs, whether they are keyed). Raises ValueError (not
    JSON), IndexError (cut short) or `_NotStreamableError` (see `decode_history`) on the way.
    """
    scan = _RECORD_DECODER.raw_decode
    start = _skip(text, 0)
    opener = text[start]
    if opener not in "[{":
        raise _NotStreamableError
    keyed = opener == "{"
    closer = "}" if keyed else "]"

    def members() -> Iterator[tuple[object, object]]:
        seen: set[object] = set()
        at = _skip(text, start + 1)
        index = 0
        if text[at] == closer:
            at += 1
        else:
            while True:
                key: object = index
                if keyed:
                    if text[at] != '"':
                        raise _NotStreamableError
                    key, at = scan(text, at)
                    if key in seen or key in _RECORD_KEYS:  # a dict keeps one; a lone record
                        raise _NotStreamableError
                    seen.add(key)
                    at = _skip(text, at)
                    if text[at] != ":":
                        raise _NotStreamableError
                    at = _skip(text, at + 1)
                value, at = scan(text, at)
                yield key, value
                index += 1
                at = _skip(text, at)
                if text[at] == ",":
                    at = _skip(text, at + 1)
                elif text[at] == closer:
                    at += 1
                    break
                else:
                    raise _NotStreamableError
        if _skip(text, at) != len(text):
            raise _NotStreamableError  # something after the answer

    return members(), keyed


def parse_history(
    raw: object,
    device_id: int,
    problems: ProblemLog | None = None,
    sensor_ids: AbstractSet[str] | None = None,
) -> list[Snapshot]:
    """Parse a decoded history answer into Snapshots sorted by time (raw not kept).

    The answer is a list of ``/data``-shaped records, or an object whose keys are the records'
    times (``2025-07-30T00:01:00`` or Unix seconds) and whose values are the records; a lone
    record (an object with a sensor list or a ``device`` key) is read as a one-record list. A
    record is parsed by the parser of ``/data``; it takes the time of its key when it has none
    of its own, then the latest of its readings' times. A record that cannot be parsed, holds
    no readings of any family, or has no time at all, is skipped with a logged reason (once per
    kind of problem). With ``sensor_ids``, a record keeps only the readings with those ids (of
    any family), and the sensors not wanted are not even checked: a day of 60 sensors is 86,400
    readings, of 5 counters 7,200. Raises SkyCentricsResponseError only when the answer is
    neither a list nor an object.
    """
    if problems is None:
        problems = ProblemLog()
    if isinstance(raw, list):
        return _parse_records(enumerate(raw), False, device_id, problems, sensor_ids)
    if isinstance(raw, Mapping):
        if isinstance(raw.get("sensors"), list) or "device" in raw:  # a lone record
            return _parse_records([(0, raw)], False, device_id, problems, sensor_ids)
        return _parse_records(raw.items(), True, device_id, problems, sensor_ids)
    raise SkyCentricsResponseError(f"history answer is not a JSON list: {_kind(raw)}")


def _parse_records(
    items: Iterable[tuple[object, object]],
    keyed: bool,
    device_id: int,
    problems: ProblemLog,
    sensor_ids: AbstractSet[str] | None = None,
) -> list[Snapshot]:
    """Parse (key, record) pairs into Snapshots sorted by time; see `parse_history`."""
    latest = datetime.now(UTC) + MAX_FUTURE
    checks = _Checks(latest)
    snapshots: list[Snapshot] = []
    for key, record in items:
        try:
            key_time = _parse_key_time(key, checks) if keyed else None
            snapshot = _parse_snapshot(
                record,
                device_id,
                problems,
                latest,
                default_time=key_time,
                keep_raw=False,
                checks=checks,
                wanted=sensor_ids,
                record=True,
            )
            if snapshot.time is None:
                times = [r.time for r in snapshot.readings.values() if r.time is not None]
                if not times:
                    raise SkyCentricsResponseError("the record has no time")
                snapshot = Snapshot(device_id, max(times), snapshot.readings)
        except SkyCentricsResponseError as err:
            problems.warn(
                (device_id, "history record", str(err)),
                "Device %s: skipping history record %s: %s",
                device_id,
                _shorten(str(key)),
                err,
            )
            continue
        snapshots.append(snapshot)
    snapshots.sort(key=_snapshot_time)
    return snapshots


def _snapshot_time(snapshot: Snapshot) -> datetime:
    assert snapshot.time is not None  # parse_history keeps only records with a time
    return snapshot.time


def _parse_key_time(key: object, checks: _Checks) -> datetime | None:
    """A history record's key: Unix seconds (as JSON keys are, in text) or an ISO time."""
    if isinstance(key, str) and key.isascii() and key.strip().isdigit():
        return checks.time_of(_as_int(key))
    return checks.time_of(key)


class _Checks:
    """The label and time checks of one answer, each done once per distinct input.

    A history day repeats the same sensors (id, name, type, units) in every record and one time
    per record: 1,440 records of 60 readings need 60 label checks and 1,440 time checks, not
    86,400 of each. The checks are pure functions of their input, so a remembered result is the
    result; an input that cannot be a dict key (a list as a name) is checked every time.
    """

    __slots__ = ("labels", "latest", "times")

    def __init__(self, latest: datetime) -> None:
        """Check against the latest acceptable time ``latest``."""
        self.latest = latest
        self.labels: dict[tuple[object, ...], tuple[str, str, str, str] | str] = {}
        self.times: dict[object, datetime | None] = {}

    def labels_of(
        self, sensor_id: object, name: object, kind: object, units: object
    ) -> tuple[str, str, str, str] | str:
        """Return (id, name, type, units) checked, or why the id is unusable.

        Remembered under the four raw values, only for a text id: an id that is not text is
        refused naming its type, and 1 and true, equal as keys, must not share a result.
        """
        found = _check_labels(sensor_id, name, kind, units)
        if type(sensor_id) is str:
            with contextlib.suppress(TypeError):  # unhashable: not remembered
                self.labels[sensor_id, name, kind, units] = found
        return found

    def time_of(self, raw: object) -> datetime | None:
        """Return `_parse_time` of ``raw``, remembered."""
        found = _parse_time(raw, self.latest)
        with contextlib.suppress(TypeError):  # unhashable: not remembered
            self.times[raw] = found
        return found


def _check_labels(
    sensor_id: object, name: object, kind: object, units: object
) -> tuple[str, str, str, str] | str:
    """A sensor's (id, name, type, units) checked, or why its id is unusable."""
    if not isinstance(sensor_id, str):
        return f"no usable id: {_kind(sensor_id)}"
    if not _is_reading_id(sensor_id):
        return (
            f"unusable id {_shorten(sensor_id)}: not 1-{MAX_ID_LENGTH} printable ASCII "
            "characters without '|'"
        )
    name = clean_text(" ".join(name.split()), MAX_TEXT) if isinstance(name, str) else ""
    return sensor_id, name or sensor_id, clean_text(kind, MAX_TEXT), clean_text(units, MAX_UNITS)


def _skip_sensor(problems: ProblemLog, device_id: int, index: int, reason: str) -> None:
    problems.warn(
        (device_id, index, reason), "Device %s: skipping sensor %d: %s", device_id, index, reason
    )


def _is_reading_id(text: str) -> bool:
    """Tell whether ``text`` follows the reading id rule (see `Reading`)."""
    return (
        0 < len(text) <= MAX_ID_LENGTH
        and text.isascii()
        and text.isprintable()
        and not text.isspace()
        and "|" not in text
    )


def _parse_value(raw: object) -> tuple[ReadingValue, str | None]:
    """Return a reading's value, or None and why it was refused (null is no problem)."""
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return int(raw), None  # JSON true/false read as 1/0, as before
    if isinstance(raw, int | float):
        problem = _number_problem(raw)
        return (None, problem) if problem else (raw, None)
    if isinstance(raw, str):
        text = _SURROGATES.sub(REPLACEMENT, raw)
        problem = _text_problem(text)
        return (None, problem) if problem else (text, None)
    return None, f"a {_kind(raw)} is not a number or a text"


def _number_problem(number: float) -> str | None:
    """Why a number is not a usable value (None: it is finite and within MAX_MAGNITUDE)."""
    if isinstance(number, float) and not math.isfinite(number):
        return "not a finite number (NaN, Infinity, or an integer beyond int64)"
    if not -MAX_MAGNITUDE <= number <= MAX_MAGNITUDE:  # exact for ints of any size
        return f"number beyond ±{MAX_MAGNITUDE:g}"
    return None


def _text_problem(text: str) -> str | None:
    """Why a text is not a usable value (None: it is)."""
    if len(text) > MAX_TEXT:
        return f"text longer than {MAX_TEXT} characters"
    try:
        number = float(text)
    except ValueError:
        return None  # a word such as "active"
    problem = _number_problem(number)
    return f"numeric text: {problem}" if problem else None


def clean_text(raw: object, limit: int) -> str:
    """Return a name, type, unit or message: stripped, lone surrogates and control characters
    replaced by U+FFFD, cut to ``limit`` characters; "" when ``raw`` is no text."""
    if not isinstance(raw, str):
        return ""
    return _BAD_CHARACTERS.sub(REPLACEMENT, raw.strip())[:limit]


def _shorten(text: str) -> str:
    """A text for a log line: repr (escapes control characters and surrogates), cut short."""
    return repr(text[:40]) + ("..." if len(text) > 40 else "")


def _parse_time(raw: object, latest: datetime) -> datetime | None:
    """Parse Unix seconds or an ISO-like UTC text (``2025-07-31 01:37:47Z``).

    None (no time) for anything else, and for times outside [`EARLIEST_TIME`, ``latest``].
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        # Compared before converting: no overflow, whatever the size; NaN compares False.
        if not EARLIEST_TIME.timestamp() <= raw <= latest.timestamp():
            return None
        return datetime.fromtimestamp(raw, UTC)
    if not isinstance(raw, str):
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except ValueError, OverflowError:  # "0001-01-01T00:00+01:00" overflows in astimezone
        return None
    return parsed if EARLIEST_TIME <= parsed <= latest else None


def _as_int(raw: object) -> int | None:
    """Read an id or a count: a JSON integer, or text of 1 to `MAX_INT_DIGITS` ASCII digits;
    within int64. Anything else (true, "²", "-1", 1.0, 2**64...) is None."""
    if isinstance(raw, str):
        text = raw.strip()
        if not (0 < len(text) <= MAX_INT_DIGITS and text.isascii() and text.isdigit()):
            return None
        raw = int(text)
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw if INT64_MIN <= raw <= INT64_MAX else None


# --- HTTP answers -----------------------------------------------------------------------------


def api_error_message(body: bytes) -> str | None:
    """Return the message of the API's own JSON error ("" if it has none), or None when
    ``body`` is not one (a proxy's HTML page, a captive portal, an empty body...).

    The API's errors are JSON objects with an "error" member (``{"error": {"message": ...}}``
    or ``{"error": "..."}``) or a "detail" member (``{"detail": "..."}``).
    """
    try:
        answer = decode_json(body)
    except SkyCentricsResponseError:
        return None
    if not isinstance(answer, dict):
        return None
    for key in ("error", "detail"):
        if key in answer:
            error = answer[key]
            message = error.get("message") if isinstance(error, dict) else error
            return clean_text(message, MAX_ERROR_MESSAGE)
    return None


def parse_retry_after(value: str | None) -> float | None:
    """Read a Retry-After header: seconds, or None when it is absent or unusable.

    Unusable: neither a number nor an HTTP-date, NaN or infinite, negative, a date in the past,
    or more than `RETRY_AFTER_HORIZON` ahead. (Retry-After 0, -30 and NaN once hammered the API;
    1e12 stopped polling.) See `SkyCentricsRateLimitError` for what the caller does with it.
    """
    if not value or not value.isascii():
        return None
    try:
        seconds = float(value)
    except ValueError:
        moment = parse_http_date(value)
        if moment is None:
            return None
        seconds = (moment - datetime.now(UTC)).total_seconds()
    return seconds if 0 <= seconds <= RETRY_AFTER_HORIZON else None  # NaN compares False


def parse_http_date(value: str | None) -> datetime | None:
    """Read an HTTP-date (a Date or Retry-After header) as an aware UTC time.

    None when it is absent, malformed, or outside [`EARLIEST_TIME`, `LATEST_HTTP_DATE`].
    """
    if not value or not value.isascii():
        return None
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except TypeError, ValueError, IndexError, OverflowError:
        return None
    return moment if EARLIEST_TIME <= moment <= LATEST_HTTP_DATE else None


def _kind(raw: object) -> str:
    return "null" if raw is None else type(raw).__name__


class ProblemLog:
    """Logs each problem with the cloud's data once: a bad value comes back on every poll, its
    warning should not. The client keeps one for its whole life (a config entry).

    A key names the device, the sensor and the kind of problem. At most `MAX_PROBLEMS` keys are
    kept (a cloud inventing new sensor ids on every poll cannot grow it); then it stays quiet.
    """

    def __init__(self) -> None:
        """Start with nothing reported."""
        self._reported: set[tuple[object, ...]] = set()

    def warn(self, key: tuple[object, ...], message: str, *args: object) -> None:
        """Log ``message % args`` as a warning, unless ``key`` was reported before."""
        if key in self._reported or len(self._reported) >= MAX_PROBLEMS:
            return
        self._reported.add(key)
        _LOGGER.warning(message, *args)


class _HeldProblems(ProblemLog):
    """Problems of an attempt, logged (`replay`) only if the attempt is kept."""

    def __init__(self) -> None:
        """Hold nothing yet."""
        super().__init__()
        self.held: list[tuple[tuple[object, ...], str, tuple[object, ...]]] = []

    def warn(self, key: tuple[object, ...], message: str, *args: object) -> None:
        """Hold ``message % args`` under ``key``, unless it is held already."""
        if key in self._reported or len(self._reported) >= MAX_PROBLEMS:
            return
        self._reported.add(key)
        self.held.append((key, message, args))

    def replay(self, problems: ProblemLog) -> None:
        """Report what is held to ``problems`` (which logs each problem once, as ever)."""
        for key, message, args in self.held:
            problems.warn(key, message, *args)
