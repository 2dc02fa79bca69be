"""Set up through Home Assistant's own APIs, as the frontend does, then look at what it made."""

from __future__ import annotations

from typing import Any

from custom_components.skycentrics.api import Snapshot
from custom_components.skycentrics.button import BUTTONS
from custom_components.skycentrics.classification import describe_reading
from custom_components.skycentrics.descriptions import unique_id as reading_unique_id
from skycentrics_simulator import (
    FLEET_DEVICE_IDS,
    FLEET_PLUG_ID,
    SEED_DEVICE_ID,
    load_seed_payload,
)

from .conftest import SIM_CLIENT_ID, SIM_CLIENT_SECRET, Stack

SEED = load_seed_payload()
BATTERY_POWER = "sensor.ssb_001_pae_replacement_battery_charge_discharge_power"
FLOW = "/api/config/config_entries/flow"


def test_config_flow_through_the_rest_api(stack: Stack) -> None:
    """The user step with keys and URL, then the devices step (the account holds the gateway
    and a fleet: choose the gateway only); the entry is created and loaded."""
    form = stack.rest("POST", FLOW, {"handler": "skycentrics", "show_advanced_options": False})
    assert form["type"] == "form"
    assert form["step_id"] == "user"
    assert [field["name"] for field in form["data_schema"]] == ["client_id", "client_secret", "url"]
    wrong = stack.rest(
        "POST",
        f"{FLOW}/{form['flow_id']}",
        {"client_id": SIM_CLIENT_ID, "client_secret": "wrong", "url": stack.sim_url},
    )
    assert wrong["errors"] == {"base": "invalid_auth"}
    devices = stack.rest(
        "POST",
        f"{FLOW}/{form['flow_id']}",
        {"client_id": SIM_CLIENT_ID, "client_secret": SIM_CLIENT_SECRET, "url": stack.sim_url},
    )
    assert devices["type"] == "form", devices
    assert devices["step_id"] == "devices"
    [field] = devices["data_schema"]
    offered = [option["value"] for option in field["selector"]["select"]["options"]]
    assert offered == [str(d) for d in (SEED_DEVICE_ID, *FLEET_DEVICE_IDS) if d != FLEET_PLUG_ID]
    done = stack.rest("POST", f"{FLOW}/{form['flow_id']}", {"devices": [str(SEED_DEVICE_ID)]})
    assert done["type"] == "create_entry", done
    assert done["title"] == "ssb-001-pae-replacement"
    stack.entry_id = done["result"]["entry_id"]
    stack.wait_for(
        "the entry to load",
        lambda: any(
            e["entry_id"] == stack.entry_id and e["state"] == "loaded"
            for e in stack.rest("GET", "/api/config/config_entries/entry")
        ),
    )


def test_options_flow_sets_the_poll_interval(stack: Stack) -> None:
    """The options flow (30 s polls for the rest of the suite) reloads the entry."""
    form = stack.rest(
        "POST", "/api/config/config_entries/options/flow", {"handler": stack.entry_id}
    )
    assert form["step_id"] == "init"
    done = stack.rest(
        "POST", f"/api/config/config_entries/options/flow/{form['flow_id']}", {"scan_interval": 30}
    )
    assert done["type"] == "create_entry"
    stack.wait_for(
        "the entry to reload",
        lambda: any(
            e["entry_id"] == stack.entry_id and e["state"] == "loaded"
            for e in stack.rest("GET", "/api/config/config_entries/entry")
        ),
    )


def _expected() -> dict[str, dict[str, Any]]:
    """unique id -> what Home Assistant must show for it, from the guide's payload."""
    expected: dict[str, dict[str, Any]] = {}
    for reading in Snapshot.from_dict(SEED).readings.values():
        described = describe_reading(reading)
        for sensor in described.sensors:
            value = sensor.convert(reading.value)
            expected[reading_unique_id(SEED_DEVICE_ID, sensor.key)] = {
                "state": "unknown" if value is None else str(value),
                "unit_of_measurement": sensor.native_unit_of_measurement,
                "device_class": sensor.device_class,
                "state_class": sensor.state_class,
                "enabled": sensor.entity_registry_enabled_default,
            }
        for binary in described.binary_sensors:
            on = binary.convert(reading.value)
            expected[reading_unique_id(SEED_DEVICE_ID, binary.key)] = {
                "state": "unknown" if on is None else ("on" if on else "off"),
                "unit_of_measurement": None,
                "device_class": binary.device_class,
                "state_class": None,
                "enabled": binary.entity_registry_enabled_default,
            }
    # The gateway's own entities: when its newest reading was taken, and whether they stopped.
    expected[f"{SEED_DEVICE_ID}|stale"] = {
        "state": "off",
        "unit_of_measurement": None,
        "device_class": "problem",
        "state_class": None,
        "enabled": True,
    }
    # Its demand-response buttons (a Super SkyBox takes the commands); never pressed: unknown.
    for button in BUTTONS:
        expected[f"{SEED_DEVICE_ID}|{button.key}"] = {
            "state": "unknown",
            "unit_of_measurement": None,
            "device_class": None,
            "state_class": None,
            "enabled": True,
        }
    return expected


def test_every_seed_sensor_has_its_entity_and_state(stack: Stack) -> None:
    """All 60 readings (65 entities), the gateway's two and its three buttons: the right state,
    unit, device class and state class, no more, no less."""
    expected = _expected()
    registry = {e["unique_id"]: e for e in stack.entity_registry()}
    last_reading = registry.pop(f"{SEED_DEVICE_ID}|last_reading")
    assert last_reading["disabled_by"] == "integration"  # it changes on every poll: opt-in
    assert set(registry) == set(expected)
    assert len(registry) == 69
    states = stack.states()
    for unique_id, want in expected.items():
        entry = registry[unique_id]
        if not want["enabled"]:
            assert entry["disabled_by"] == "integration", unique_id
            assert entry["entity_id"] not in states
            continue
        assert entry["disabled_by"] is None, unique_id
        state = states[entry["entity_id"]]
        attributes = state["attributes"]
        assert state["state"] == want["state"], unique_id
        assert attributes.get("unit_of_measurement") == want["unit_of_measurement"], unique_id
        assert attributes.get("device_class") == want["device_class"], unique_id
        assert attributes.get("state_class") == want["state_class"], unique_id
    soc = states["sensor.ssb_001_pae_replacement_battery_state_of_charge"]
    assert soc["state"] == "30.0"
    assert soc["attributes"]["friendly_name"] == "ssb-001-pae-replacement Battery State of charge"


def test_devices_in_the_registry(stack: Stack) -> None:
    """The gateway and its five parts, linked to it."""
    devices = stack.device_registry()
    gateway = next(d for d in devices if d["via_device_id"] is None)
    assert gateway["name"] == "ssb-001-pae-replacement"
    assert gateway["model"] == "Super SkyBox"
    assert gateway["manufacturer"] == "SkyCentrics"
    assert ["mac", "2c:cf:67:6d:ad:bb"] in gateway["connections"]
    parts = sorted(d["name"] for d in devices if d["via_device_id"] == gateway["id"])
    assert parts == [
        "ssb-001-pae-replacement Battery",
        "ssb-001-pae-replacement Lighting controller 0062",
        "ssb-001-pae-replacement Meter E30A_3",
        "ssb-001-pae-replacement PV inverter 1",
        "ssb-001-pae-replacement PV inverter 2",
    ]
    assert len(devices) == 6


def test_energy_preferences_are_accepted(stack: Stack) -> None:
    """Solar from both inverters, the battery's counters (their hourly statistics: the cloud's
    history and the polls), power and charge: saved as is."""
    prefs = {
        "energy_sources": [
            {
                "type": "solar",
                "stat_energy_from": "skycentrics:1592651608_solar_inverter_1_energy",
                "stat_rate": "sensor.ssb_001_pae_replacement_pv_inverter_1_power",
                "config_entry_solar_forecast": None,
            },
            {
                "type": "solar",
                "stat_energy_from": "skycentrics:1592651608_solar_inverter_2_energy",
                "stat_rate": "sensor.ssb_001_pae_replacement_pv_inverter_2_power",
                "config_entry_solar_forecast": None,
            },
            {
                "type": "battery",
                "stat_energy_from": "skycentrics:1592651608_bess_lifetime_discharge_counter",
                "stat_energy_to": "skycentrics:1592651608_bess_lifetime_charge_counter",
                # The API counts charging as positive; Home Assistant wants discharging positive.
                "power_config": {"stat_rate_inverted": BATTERY_POWER},
                "stat_soc": "sensor.ssb_001_pae_replacement_battery_state_of_charge",
            },
        ],
        "device_consumption": [],
    }
    saved = stack.ws({"type": "energy/save_prefs", **prefs})
    sources = saved["energy_sources"]
    assert [s["type"] for s in sources] == ["solar", "solar", "battery"]
    assert sources[2]["stat_soc"] == "sensor.ssb_001_pae_replacement_battery_state_of_charge"
    stored = stack.ws({"type": "energy/get_prefs"})
    assert stored["energy_sources"] == sources
