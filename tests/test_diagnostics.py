"""Diagnostics: what they hold (a snapshot of the seed device at a frozen time), what they never
hold (keys, account ids, MAC, serial numbers), and why the last poll failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_DEVICES, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.skycentrics.const import DOMAIN
from custom_components.skycentrics.coordinator import GRACE_POLLS
from custom_components.skycentrics.diagnostics import async_get_config_entry_diagnostics
from skycentrics_simulator import SEED_DEVICE_ID, SEED_EPOCH, Simulator, faults
from skycentrics_simulator.__main__ import pin_to_seed

from .common import CLIENT_ID, CLIENT_SECRET

MAC = "2ccf676dadbb"
USER, GROUP, CLIENT = 18355, 5077, 424242  # the device object's account ids
SERIAL = "SN-7Q4-88213"
SERIAL_SENSOR = "GATEWAY_SERIAL_NUMBER"


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def _identifying(simulator: Simulator) -> None:
    """Give the seed device a distinctive client id (its user and group are), a serial number
    reading, and account ids in its /data answer too (the device list and object are read
    first)."""
    simulator.devices[SEED_DEVICE_ID]["client"] = CLIENT
    simulator.add_sensor(
        SEED_DEVICE_ID, {"id": SERIAL_SENSOR, "name": "Serial number", "data": SERIAL}
    )
    simulator.add_fault(faults.delay(0), times=2)  # the device list and object, as they are
    simulator.add_fault(
        faults.rewrite('"ct":[]', f'"ct":[],"user":{USER},"group":{GROUP},"client":{CLIENT}')
    )


def _text(diagnostics: dict[str, Any]) -> str:
    return json.dumps(diagnostics, default=str)


def _assert_nothing_identifying(diagnostics: dict[str, Any]) -> None:
    text = _text(diagnostics)
    for secret in (CLIENT_SECRET, CLIENT_ID, MAC, str(USER), str(GROUP), str(CLIENT), SERIAL):
        assert secret not in text, secret


async def test_diagnostics(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    ha_snapshot: SnapshotAssertion,
) -> None:
    """The entry, the device, each reading once as the cloud sent it, every entity (enabled or
    not, with its state) and the poll's health; nothing that identifies the account."""
    freezer.move_to(datetime.fromtimestamp(SEED_EPOCH + 30, UTC))
    pin_to_seed(simulator)
    _identifying(simulator)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await async_get_config_entry_diagnostics(hass, config_entry)

    _assert_nothing_identifying(diagnostics)
    assert diagnostics["entry"]["data"][CONF_CLIENT_ID] == "**REDACTED**"
    assert diagnostics["entry"]["data"][CONF_CLIENT_SECRET] == "**REDACTED**"
    assert diagnostics["entry"]["unique_id"] == "**REDACTED**"
    (device,) = diagnostics["devices"]
    assert device["device"] == {
        "id": SEED_DEVICE_ID,
        "name": "ssb-001-pae-replacement",
        "mac": "**REDACTED**",
        "type": 250,
        "user": "**REDACTED**",
        "group": "**REDACTED**",
        "client": "**REDACTED**",
    }
    payload = device["raw_payload"]
    assert {payload[key] for key in ("user", "group", "client")} == {"**REDACTED**"}
    # Each reading once: the payload's sensors, not also a parsed copy.
    ids = [sensor["id"] for sensor in payload["sensors"]]
    assert len(ids) == len(set(ids)) == 61
    assert set(device) == {"device", "poll", "history", "raw_payload"}
    assert device["history"]["enabled"] is False  # no recorder in this test: no statistics
    serial = next(s for s in payload["sensors"] if s["id"] == SERIAL_SENSOR)
    assert serial["data"] == "**REDACTED**"
    assert device["poll"]["last_error"] is None
    entities = {e["entity_id"]: e for e in diagnostics["entities"]}
    assert len(entities) == len(diagnostics["entities"])
    assert entities["sensor.ssb_001_pae_replacement_battery_state_of_charge"] == {
        "entity_id": "sensor.ssb_001_pae_replacement_battery_state_of_charge",
        "unique_id": f"{SEED_DEVICE_ID}_BESS_STATE_OF_CHARGE",
        "platform": "sensor",
        "enabled": True,
        "disabled_by": None,
        "state": "30.0",
        "unit": "%",
    }
    disabled = [e for e in entities.values() if not e["enabled"]]
    assert disabled
    assert all(e["disabled_by"] == "integration" and e["state"] is None for e in disabled)
    assert diagnostics == ha_snapshot(exclude=props(CONF_URL))


async def test_diagnostics_after_auth_failure(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Revoked keys: the device says why its polls stopped (the API's refusal), redacted."""
    simulator.clients[CLIENT_ID] = "rotated-secret"
    await _poll(hass, freezer)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    _assert_nothing_identifying(diagnostics)
    (device,) = diagnostics["devices"]
    assert device["poll"]["auth_failed"] is True
    assert device["poll"]["last_update_success"] is False
    error = device["poll"]["last_error"]
    assert error.startswith("ConfigEntryAuthFailed: ")
    assert "The SkyCentrics API refused the keys" in error
    assert "HTTP 401" in error


@pytest.mark.parametrize("polls", [1, GRACE_POLLS + 1], ids=["within-grace", "unavailable"])
async def test_diagnostics_after_server_error(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,  # before set-up: no timer of it is overdue at the 1st poll
    loaded_entry: MockConfigEntry,
    polls: int,
) -> None:
    """500s: the reason is there from the first failed poll (while the entities still show
    the last readings) to after the grace period; gone again once a poll succeeds. The client
    id echoed by the server is redacted, control characters too."""
    simulator.add_fault(faults.status(500, message=f"no such client {CLIENT_ID}\r\n"), polls)
    for _ in range(polls):
        await _poll(hass, freezer)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    _assert_nothing_identifying(diagnostics)
    (device,) = diagnostics["devices"]
    assert device["poll"]["failed_polls"] == polls
    error = device["poll"]["last_error"]
    assert error.startswith("UpdateFailed: Could not read SkyCentrics ssb-001-pae-replacement")
    assert "HTTP 500" in error
    assert "no such client **REDACTED**" in error
    assert "\r" not in error
    assert "\n" not in error
    await _poll(hass, freezer)
    (device,) = (await async_get_config_entry_diagnostics(hass, loaded_entry))["devices"]
    assert device["poll"]["failed_polls"] == 0
    assert device["poll"]["last_error"] is None


async def test_diagnostics_of_a_deeply_nested_answer(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A reading nested 5,000 deep (json.loads takes it; orjson and async_redact_data would
    not): the diagnostics still download, with that reading's data cut."""
    deep = "[" * 5000 + "]" * 5000
    simulator.set_value(SEED_DEVICE_ID, "BESS_STATE_OF_CHARGE", "DEEP_PLACEHOLDER")
    simulator.add_fault(faults.rewrite('"DEEP_PLACEHOLDER"', deep))
    await _poll(hass, freezer)
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    json_bytes(diagnostics)
    (device,) = diagnostics["devices"]
    (soc,) = [s for s in device["raw_payload"]["sensors"] if s["id"] == "BESS_STATE_OF_CHARGE"]
    assert len(json.dumps(soc["data"])) < 200


async def test_diagnostics_of_an_entry_that_failed_to_set_up(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Keys refused at set-up: no devices to show, but the state and the reason, redacted."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="ssb-001-pae-replacement",
        unique_id=CLIENT_ID,
        data={
            CONF_CLIENT_ID: CLIENT_ID,
            CONF_CLIENT_SECRET: "revoked-secret",
            CONF_URL: simulator.url,
            CONF_DEVICES: [SEED_DEVICE_ID],
        },
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert "revoked-secret" not in _text(diagnostics)
    assert CLIENT_ID not in _text(diagnostics)
    assert diagnostics["entry"]["state"] == "setup_error"
    assert "refused the keys" in diagnostics["entry"]["reason"]
    assert diagnostics["devices"] == []
