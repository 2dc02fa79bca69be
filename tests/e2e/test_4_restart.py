"""A restart keeps the entry, the entities with their ids and their history; nothing doubles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .conftest import Stack


def test_restart_keeps_everything(stack: Stack) -> None:
    """Stop Home Assistant (SIGTERM) and start it again on the same configuration."""
    entities_before = {e["unique_id"]: e["entity_id"] for e in stack.entity_registry()}
    devices_before = {d["id"] for d in stack.device_registry()}
    before = datetime.now(UTC)
    soc_before = stack.states()["sensor.ssb_001_pae_replacement_battery_state_of_charge"]

    stack.timings["stop"] = stack.stop_ha()
    stack.timings["restart to running"] = stack.start_ha()

    entries = [
        e
        for e in stack.rest("GET", "/api/config/config_entries/entry")
        if e["domain"] == "skycentrics"
    ]
    assert [(e["entry_id"], e["state"]) for e in entries] == [(stack.entry_id, "loaded")]
    assert {e["unique_id"]: e["entity_id"] for e in stack.entity_registry()} == entities_before
    assert {d["id"] for d in stack.device_registry()} == devices_before
    everything = stack.ws({"type": "config/entity_registry/list"})
    ours = [e["entity_id"] for e in everything if e.get("platform") == "skycentrics"]
    assert sorted(ours) == sorted(entities_before.values())  # nothing doubled

    soc = stack.wait_for(
        "a fresh state after the restart",
        lambda: (
            (s := stack.states().get("sensor.ssb_001_pae_replacement_battery_state_of_charge"))
            and s["state"] == "30.0"
            and s
        ),
    )
    assert soc["attributes"] == soc_before["attributes"]
    history = stack.ws(
        {
            "type": "history/history_during_period",
            "start_time": (before - timedelta(hours=1)).isoformat(),
            "entity_ids": ["sensor.ssb_001_pae_replacement_battery_state_of_charge"],
            "minimal_response": True,
            "no_attributes": True,
        }
    )
    changes = history["sensor.ssb_001_pae_replacement_battery_state_of_charge"]
    first = datetime.fromtimestamp(changes[0].get("lu", changes[0].get("lc")), UTC)
    assert first < before, "the state recorded before the restart is gone"
