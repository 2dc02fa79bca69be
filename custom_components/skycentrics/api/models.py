"""Typed models of the SkyCentrics API and their tolerant parsers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
import logging
import math
from typing import Any

from .exceptions import SkyCentricsResponseError

_LOGGER = logging.getLogger(__name__)

type ReadingValue = int | float | str | None


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
