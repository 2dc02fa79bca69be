"""Diagnostics download: the entry, its devices, what the cloud last sent, the entities, why
the last poll failed and where the hourly statistics stand.

Redacted: the client id and secret, every account id (a device's user, group and client), the
MAC, serial numbers (by key, and the value of any reading whose id or name says serial or MAC),
and the entry's unique id (the client id). Error texts have the same strings replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
import re
from typing import Any, Final

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .api import json_safe
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator

TO_REDACT: Final = {
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    "mac",
    "serial",
    "serial_number",
    "serialNumber",
    "user",
    "group",
    "client",
}
# A reading (or its entity) that tells a serial number or a MAC address: its value is redacted.
_IDENTIFYING: Final = re.compile(r"serial|(?<![a-z])mac(?![a-z])", re.IGNORECASE)
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_ERROR_TEXT: Final = 1000


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SkyCentricsConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry (also one that failed to set up)."""
    loaded = entry.state is ConfigEntryState.LOADED
    coordinators = list(entry.runtime_data.coordinators.values()) if loaded else []
    secrets = [
        str(entry.data.get(CONF_CLIENT_SECRET, "")),
        str(entry.data.get(CONF_CLIENT_ID, "")),
        *(c.device.mac for c in coordinators),
    ]
    return {
        "entry": {
            "title": entry.title,
            "version": f"{entry.version}.{entry.minor_version}",
            "state": entry.state.value,
            # Why set-up failed (bad keys, the API unreachable...): Home Assistant's text.
            "reason": _sanitised(entry.reason, secrets),
            "unique_id": REDACTED if entry.unique_id else None,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "devices": [_device(coordinator, secrets) for coordinator in coordinators],
        "entities": _entities(hass, entry),
    }


def _device(coordinator: SkyCentricsCoordinator, secrets: Iterable[str]) -> dict[str, Any]:
    interval = coordinator.update_interval
    latest = coordinator.latest_reading
    raw = coordinator.data.raw if coordinator.data is not None else None
    return {
        "device": async_redact_data(asdict(coordinator.device), TO_REDACT),
        "poll": {
            "interval_seconds": interval.total_seconds() if interval else None,
            "last_update_success": coordinator.last_update_success,
            "failed_polls": coordinator.failures,
            "unreachable": coordinator.unreachable,
            "auth_failed": coordinator.auth_failed,
            "stale": coordinator.stale,
            "latest_reading": latest.isoformat() if latest else None,
            "last_error": _last_error(coordinator, secrets),
            "clock_offset_seconds": coordinator.client.observed_offset.total_seconds(),
        },
        # The hourly statistics: where they start, the hours and requests since set-up, the
        # next hour, why the last history request failed.
        "history": _history(coordinator, secrets),
        # Each reading once, as the cloud sent it (id, name, type, units, data, time): what a
        # maintainer needs to see a bad value, a unit or a time the parser refused or changed.
        # What Home Assistant made of it is the entity's state, under "entities".
        "raw_payload": _redacted_payload(raw) if raw is not None else None,
    }


def _history(coordinator: SkyCentricsCoordinator, secrets: Iterable[str]) -> dict[str, Any]:
    history = dict(coordinator.history_status)
    history["last_error"] = _sanitised(history.get("last_error"), secrets)
    return history


def _redacted_payload(raw: Mapping[str, Any]) -> dict[str, Any]:
    # The answer as decoded may nest deeper than async_redact_data's recursion or orjson allow
    # (the parser only cut what json.loads itself refused): bound it first.
    payload: dict[str, Any] = async_redact_data(json_safe(dict(raw)), TO_REDACT)
    sensors = payload.get("sensors")
    if isinstance(sensors, list):
        payload["sensors"] = [_redacted_sensor(sensor) for sensor in sensors]
    return payload


def _redacted_sensor(sensor: Any) -> Any:
    if not isinstance(sensor, Mapping):
        return sensor
    names = f"{sensor.get('id')} {sensor.get('name')}"
    if _IDENTIFYING.search(names) and sensor.get("data") is not None:
        return {**sensor, "data": REDACTED}
    return sensor


def _last_error(coordinator: SkyCentricsCoordinator, secrets: Iterable[str]) -> str | None:
    """Why the last poll failed, as text; None when it did not fail.

    The coordinator keeps showing the last readings through a grace period of failed polls,
    so a failure shows as failed polls and its exception, not always as an unsuccessful update.
    """
    failed = (
        not coordinator.last_update_success or coordinator.failures > 0 or coordinator.auth_failed
    )
    error = coordinator.last_exception
    if not failed or error is None:
        return None
    return _sanitised(f"{type(error).__name__}: {error}", secrets)


def _sanitised(text: str | None, secrets: Iterable[str]) -> str | None:
    """``text`` without the secrets, control characters or lone surrogates, and cut short."""
    if text is None:
        return None
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _CONTROL.sub(" ", text)[:MAX_ERROR_TEXT]


def _entities(hass: HomeAssistant, entry: SkyCentricsConfigEntry) -> list[dict[str, Any]]:
    """The entry's entities as the registry and the state machine hold them."""
    registry = er.async_get(hass)
    entities = []
    for entity in sorted(
        er.async_entries_for_config_entry(registry, entry.entry_id), key=lambda e: e.entity_id
    ):
        state = hass.states.get(entity.entity_id)
        value = state.state if state is not None else None
        if value is not None and _IDENTIFYING.search(f"{entity.unique_id} {entity.entity_id}"):
            value = REDACTED
        entities.append(
            {
                "entity_id": entity.entity_id,
                "unique_id": entity.unique_id,
                "platform": entity.domain,
                "enabled": entity.disabled_by is None,
                "disabled_by": entity.disabled_by.value if entity.disabled_by else None,
                "state": value,
                "unit": state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) if state else None,
            }
        )
    return entities
