"""Typed models of the SkyCentrics API and their tolerant parsers: the one boundary.

Everything the cloud sends is decoded and checked here, once, before Home Assistant sees it.
The rules, each with its constant below:

- JSON (`decode_json`): one bad reading cannot fail the whole answer. Invalid UTF-8 becomes
  U+FFFD; integer literals beyond int64, NaN and Infinity become NaN (a non-finite marker that a
  reading turns into None); arrays and objects nested deeper than `MAX_DEPTH` become null (only
  when json.loads gives up, so normal answers pay nothing); lone surrogates become U+FFFD.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import logging
import math
import re
from typing import Any, Final

from .exceptions import SkyCentricsResponseError

_LOGGER = logging.getLogger(__name__)

type ReadingValue = int | float | str | None

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
"""The integers any JSON encoder takes (orjson refuses larger ones, and then Home Assistant
loses every restore-state or registry file it was writing)."""

MAX_INT_LITERAL: Final = 20
"""Longer integer literals (sign included) are not converted at all: int64 has at most 19
digits, and Python refuses ints of more than 4,300 digits with a ValueError."""

MAX_DEPTH: Final = 32
"""Arrays and objects nested deeper than this become null when json.loads gives up (an answer
nests 3 levels; json.loads overflows the stack at about 100,000)."""

REPLACEMENT: Final = "\ufffd"
"""What an invalid character of a name or unit becomes (U+FFFD REPLACEMENT CHARACTER)."""

_SURROGATES: Final = re.compile("[\ud800-\udfff]")
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
    text = body.decode("utf-8", "replace").removeprefix("\ufeff")  # BOM: tolerated, as before
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
    """A device object (``GET /api/devices/{id}/``)."""

    id: int
    name: str
    mac: str = ""
    type: int | None = None
    user: int | None = None
    group: int | None = None
    client: int | None = None

    @classmethod
    def from_dict(cls, raw: object) -> Device:
        """Parse a device object; unknown fields are ignored."""
        if not isinstance(raw, Mapping):
            raise SkyCentricsResponseError(f"device object is not a JSON object: {_kind(raw)}")
        device_id = _as_int(raw.get("id"))
        if device_id is None:
            raise SkyCentricsResponseError("device object has no numeric id")
        name = raw.get("name")
        mac = raw.get("mac")
        return cls(
            id=device_id,
            name=name.strip() if isinstance(name, str) and name.strip() else f"SkyBox {device_id}",
            mac=mac if isinstance(mac, str) else "",
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
    """One sensor reading of a snapshot, with the time it was recorded."""

    id: str
    name: str
    type: str
    units: str
    value: ReadingValue
    time: datetime | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The latest readings of one device (``GET /api/devices/{id}/data``)."""

    device_id: int
    time: datetime | None
    readings: dict[str, Reading] = field(default_factory=dict)
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    """The answer as the API gave it (for diagnostics); not compared."""

    @classmethod
    def from_dict(cls, raw: object, device_id: int | None = None) -> Snapshot:
        """Parse a ``/data`` answer; a malformed sensor is skipped with a logged reason.

        Raises SkyCentricsResponseError only when the answer as a whole is unusable.
        """
        if not isinstance(raw, Mapping):
            raise SkyCentricsResponseError(f"data answer is not a JSON object: {_kind(raw)}")
        sensors = raw.get("sensors")
        if not isinstance(sensors, list):
            raise SkyCentricsResponseError(f"data answer has no sensor list: {_kind(sensors)}")
        answered_id = _as_int(raw.get("device"))
        if device_id is None:
            if answered_id is None:
                raise SkyCentricsResponseError("data answer names no device")
            device_id = answered_id
        elif answered_id is not None and answered_id != device_id:
            raise SkyCentricsResponseError(
                f"data answer is for device {answered_id}, not {device_id}"
            )
        snapshot_time = _parse_time(raw.get("time"))
        readings: dict[str, Reading] = {}
        for index, item in enumerate(sensors):
            try:
                reading = _parse_reading(item, snapshot_time)
            except ValueError as err:
                _LOGGER.warning("Device %s: skipping sensor %d: %s", device_id, index, err)
                continue
            if reading.id in readings:
                _LOGGER.warning(
                    "Device %s: skipping sensor %d: duplicate id %r", device_id, index, reading.id
                )
                continue
            readings[reading.id] = reading
        return cls(device_id=device_id, time=snapshot_time, readings=readings, raw=raw)


def _parse_reading(raw: object, fallback_time: datetime | None) -> Reading:
    if not isinstance(raw, Mapping):
        raise ValueError(f"not a JSON object: {_kind(raw)}")
    sensor_id = raw.get("id")
    if not isinstance(sensor_id, str) or not sensor_id.strip():
        raise ValueError(f"no usable id: {sensor_id!r}"[:200])
    name = raw.get("name")
    kind = raw.get("type")
    units = raw.get("units")
    value = raw.get("data")
    if isinstance(value, bool):
        value = int(value)
    elif (
        (isinstance(value, float) and not math.isfinite(value))
        or not isinstance(value, int | float | str)
        or value is None
    ):
        value = None
    reading_time = _parse_time(raw.get("time"))
    return Reading(
        id=sensor_id,
        name=" ".join(name.split()) if isinstance(name, str) and name.strip() else sensor_id,
        type=kind.strip() if isinstance(kind, str) else "",
        units=units.strip() if isinstance(units, str) else "",
        value=value,
        time=reading_time if reading_time is not None else fallback_time,
    )


def _parse_time(raw: object) -> datetime | None:
    """Parse Unix seconds or an ISO-like UTC text (``2025-07-31 01:37:47Z``)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            return None
        try:
            return datetime.fromtimestamp(raw, UTC)
        except OverflowError, OSError, ValueError:
            return None
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None


def _as_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    return None


def _kind(raw: object) -> str:
    return "null" if raw is None else type(raw).__name__
