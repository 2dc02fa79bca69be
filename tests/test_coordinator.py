"""Coordinator error mapping and diagnostics, with faults served by the simulator."""

from __future__ import annotations

from datetime import timedelta
import json

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.skycentrics.const import DOMAIN
from custom_components.skycentrics.coordinator import SkyCentricsCoordinator
from custom_components.skycentrics.diagnostics import async_get_config_entry_diagnostics
from skycentrics_simulator import SEED_DEVICE_ID, Fault, Handler, Simulator

from .common import CLIENT_ID, CLIENT_SECRET


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 61) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def _state(hass: HomeAssistant, entity_id: str = "sensor.battery_state_of_charge") -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def _coordinator(entry: MockConfigEntry) -> SkyCentricsCoordinator:
    (coordinator,) = entry.runtime_data.coordinators.values()
    assert isinstance(coordinator, SkyCentricsCoordinator)
    return coordinator


def _answer(status: int, headers: dict[str, str] | None = None) -> Fault:
    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        return web.json_response({"error": {"message": "injected"}}, status=status, headers=headers)

    return fault


async def test_rate_limit_backs_off_for_retry_after(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """429: the next poll waits for the server's Retry-After, not the poll interval."""
    simulator.add_fault(_answer(429, {"Retry-After": "300"}))
    await _poll(hass, freezer)
    coordinator = _coordinator(loaded_entry)
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.retry_after == 300
    assert coordinator.last_exception.translation_key == "rate_limited"
    polls = len(simulator.requests)
    await _poll(hass, freezer, 120)
    assert len(simulator.requests) == polls  # still backing off
    await _poll(hass, freezer, 200)
    assert len(simulator.requests) == polls + 1
    assert coordinator.last_update_success


async def test_device_gone_is_a_repair_issue(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """404 for the device: a repair issue and unavailable entities; both go when it is back."""
    simulator.add_fault(_answer(404))
    await _poll(hass, freezer)
    issue_registry = ir.async_get(hass)
    issue = issue_registry.async_get_issue(DOMAIN, f"device_not_found_{SEED_DEVICE_ID}")
    assert issue is not None
    assert issue.translation_key == "device_not_found"
    assert _state(hass) == STATE_UNAVAILABLE
    assert not hass.config_entries.flow.async_progress()
    await _poll(hass, freezer)
    assert issue_registry.async_get_issue(DOMAIN, f"device_not_found_{SEED_DEVICE_ID}") is None
    assert _state(hass) != STATE_UNAVAILABLE


async def test_diagnostics_redact_secrets(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Diagnostics hold the devices and readings, never the keys or the MAC."""
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded_entry)
    text = json.dumps(diagnostics, default=str)
    for secret in (CLIENT_SECRET, CLIENT_ID, "2ccf676dadbb"):
        assert secret not in text
    (device,) = diagnostics["devices"]
    assert device["device"]["name"] == "ssb-001-pae-replacement"
    assert len(device["snapshot"]["readings"]) == 60
    assert diagnostics["entry"]["data"]["client_secret"] == "**REDACTED**"
