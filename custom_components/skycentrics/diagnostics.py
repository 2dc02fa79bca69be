"""Diagnostics download: the entry, its devices and their latest readings, secrets redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant

from .coordinator import SkyCentricsConfigEntry

TO_REDACT = {CONF_CLIENT_ID, CONF_CLIENT_SECRET, "mac", "serial_number", "user", "unique_id"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SkyCentricsConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    devices = []
    for coordinator in entry.runtime_data.coordinators.values():
        snapshot = coordinator.data
        devices.append(
            {
                "device": asdict(coordinator.device),
                "last_update_success": coordinator.last_update_success,
                "failed_polls": coordinator.failures,
                "unreachable": coordinator.unreachable,
                "stale": coordinator.stale,
                "clock_offset_seconds": coordinator.client.observed_offset.total_seconds(),
                "raw_payload": dict(snapshot.raw) if snapshot.raw is not None else None,
                "snapshot": {
                    "time": snapshot.time.isoformat() if snapshot.time else None,
                    "readings": [
                        {
                            "id": r.id,
                            "name": r.name,
                            "type": r.type,
                            "units": r.units,
                            "value": r.value,
                            "time": r.time.isoformat() if r.time else None,
                        }
                        for r in snapshot.readings.values()
                    ],
                },
            }
        )
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "data": dict(entry.data),
                "options": dict(entry.options),
                "unique_id": entry.unique_id,
            },
            "devices": devices,
        },
        TO_REDACT,
    )
