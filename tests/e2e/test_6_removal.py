"""Unloading stops all polling and connections; removing takes devices and entities away."""

from __future__ import annotations

from pathlib import Path
import re
import time

from .conftest import Stack

POLL_LINE = re.compile(r"Finished fetching SkyCentrics .* data")


def _polls(stack: Stack) -> int:
    return len(POLL_LINE.findall(stack.log_file.read_text(errors="replace")))


def _connections_to(port: int) -> int:
    """Open TCP connections whose remote end is ``port`` on this machine (IPv4 and IPv6)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[3] == "01":  # ESTABLISHED
                count += 1
    return count


def test_unload_stops_polling_and_connections(stack: Stack) -> None:
    """After unloading (disabling) the entry: no poll for longer than the interval, no socket."""
    stack.wait_for("a poll", lambda: _polls(stack) > 0)
    result = stack.ws(
        {"type": "config_entries/disable", "entry_id": stack.entry_id, "disabled_by": "user"}
    )
    assert result["require_restart"] is False
    polls = _polls(stack)
    stack.wait_for(
        "the connections to the simulator to close",
        lambda: _connections_to(stack.sim_port) == 0,
        timeout=45,
    )
    time.sleep(35)  # longer than the 30 s poll interval set by test_1
    assert _polls(stack) == polls
    assert _connections_to(stack.sim_port) == 0
    states = stack.states()
    ours = [e["entity_id"] for e in stack.entity_registry()]
    assert ours
    assert all(states.get(e, {}).get("state", "unavailable") == "unavailable" for e in ours)
    stack.ws({"type": "config_entries/disable", "entry_id": stack.entry_id, "disabled_by": None})
    stack.wait_for(
        "the entry to load again",
        lambda: any(
            e["entry_id"] == stack.entry_id and e["state"] == "loaded"
            for e in stack.rest("GET", "/api/config/config_entries/entry")
        ),
    )
    stack.wait_for(
        "the entities back",
        lambda: "sensor.ssb_001_pae_replacement_battery_state_of_charge" in stack.states(),
    )


def test_removal_takes_devices_and_entities(stack: Stack) -> None:
    """Deleting the entry removes its devices and entities; Home Assistant keeps running."""
    assert stack.device_registry()
    assert stack.entity_registry()
    result = stack.rest("DELETE", f"/api/config/config_entries/entry/{stack.entry_id}")
    assert result == {"require_restart": False}
    assert stack.device_registry() == []
    assert stack.entity_registry() == []
    all_entities = stack.ws({"type": "config/entity_registry/list"})
    assert not [e for e in all_entities if e.get("platform") == "skycentrics"]
    assert "sensor.ssb_001_pae_replacement_battery_state_of_charge" not in stack.states()
    assert stack.rest("GET", "/api/core/state")["state"] == "RUNNING"
