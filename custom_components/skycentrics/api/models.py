"""The answers of ``/devices`` and ``/data`` as `Device` and `Snapshot`: a gateway's sensor
list read by the rules of `readings`, the payload families by `families`.
"""

from __future__ import annotations

from collections.abc import Mapping, Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
import logging
from typing import Any

from .exceptions import SkyCentricsResponseError
from .families import NO_FAMILIES, Cta2045, CtChannel, Thermostat, parse_families
from .readings import (
    MAX_FUTURE,
    MAX_TEXT,
    MAX_UNITS,
    Checks,
    Column,
    Labels,
    ProblemLog,
    Reading,
    as_int,
    clean_text,
    kind_of,
    read_sensors,
)

_LOGGER = logging.getLogger(__name__)


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
            raise SkyCentricsResponseError(f"device object is not a JSON object: {kind_of(raw)}")
        answered_id = as_int(raw.get("id"))
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
            type=as_int(raw.get("type")),
            user=as_int(raw.get("user")),
            group=as_int(raw.get("group")),
            client=as_int(raw.get("client")),
        )


def parse_devices(raw: object) -> list[Device]:
    """Parse the device list; a malformed entry is skipped with a logged reason."""
    if isinstance(raw, Mapping):  # some deployments wrap lists: {"devices": [...]}
        raw = raw.get("devices", raw.get("results"))
    if not isinstance(raw, list):
        raise SkyCentricsResponseError(f"device list is not a JSON list: {kind_of(raw)}")
    devices: list[Device] = []
    for index, item in enumerate(raw):
        try:
            devices.append(Device.from_dict(item))
        except SkyCentricsResponseError as err:
            _LOGGER.warning("Skipping device %d of the device list: %s", index, err)
    return devices


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The latest readings of one device (``GET /api/devices/{id}/data``), or a history record.

    What a payload holds decides what is read, never the device's ``type``; an answer may hold
    several kinds at once: ``readings``, a gateway's ``sensors`` list by sensor id (see
    `Reading`), and the typed payload families (see `families`): ``cta2045``, ``thermostat``,
    ``ct``. An answer that holds none of them is an empty Snapshot.
    """

    device_id: int
    time: datetime | None
    readings: dict[str, Reading] = field(default_factory=dict)
    cta2045: Cta2045 | None = None
    thermostat: Thermostat | None = None
    ct: tuple[CtChannel, ...] = ()
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    """The answer as decoded (for diagnostics); not compared."""

    @property
    def families_empty(self) -> bool:
        """Whether the answer holds no payload family."""
        return self.cta2045 is None and self.thermostat is None and not self.ct

    @classmethod
    def from_dict(
        cls,
        raw: object,
        device_id: int | None = None,
        problems: ProblemLog | None = None,
        labels: Labels | None = None,
    ) -> Snapshot:
        """Parse a ``/data`` answer; a malformed sensor is skipped with a logged reason.

        Raises SkyCentricsResponseError only when the answer as a whole is unusable. Problems
        are logged through ``problems`` (once each; a fresh log when none is given); label
        checks are remembered in ``labels`` (the client's, across answers; see `Checks`).
        """
        return parse_snapshot(
            raw,
            device_id,
            ProblemLog() if problems is None else problems,
            Checks(datetime.now(UTC) + MAX_FUTURE, labels),
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
    into: dict[str, Column] | None = None,
    index: int = 0,
) -> Snapshot:
    """Parse one ``/data``-shaped object (a live answer or a history record).

    ``default_time`` is the record's time when it has no usable ``time`` of its own (a history
    record keyed by its time); ``keep_raw`` keeps the decoded object for diagnostics;
    ``checks`` may carry those of earlier records of the same answer; with ``wanted``, only
    the readings with those ids are kept (sensors not wanted are not even checked); with
    ``into``, they go to those columns as readings of record ``index`` (`read_sensors`). A
    ``record`` (of history) with neither a sensor list nor a reading of another family is a
    SkyCentricsResponseError (the record is skipped); a live answer is then an empty Snapshot.
    """
    if not isinstance(raw, Mapping):
        raise SkyCentricsResponseError(f"data answer is not a JSON object: {kind_of(raw)}")
    sensors = raw.get("sensors")
    answered_id = as_int(raw.get("device"))
    if device_id is None:
        if answered_id is None:
            raise SkyCentricsResponseError("data answer names no device")
        device_id = answered_id
    elif answered_id is not None and answered_id != device_id:
        raise SkyCentricsResponseError(f"data answer is for device {answered_id}, not {device_id}")
    snapshot_time = checks.time_of(raw.get("time"))
    if snapshot_time is None:
        snapshot_time = default_time
    families = parse_families(raw, device_id, problems, snapshot_time)
    if not isinstance(sensors, list):
        if record and families == NO_FAMILIES:
            raise SkyCentricsResponseError(
                f"the record has no sensor list ({kind_of(sensors)}) and no payload family"
            )
        if sensors is not None:
            problems.warn(
                (device_id, "sensors", "not a list"),
                "Device %s: the sensor list is a %s, not a list; its readings are lost",
                device_id,
                kind_of(sensors),
            )
        sensors = []
    readings = read_sensors(
        sensors, device_id, problems, checks, snapshot_time, wanted, into, index
    )
    return Snapshot(
        device_id,
        snapshot_time,
        readings,
        families.cta2045,
        families.thermostat,
        families.ct,
        raw if keep_raw else None,
    )
