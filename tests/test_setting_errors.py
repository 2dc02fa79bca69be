"""What goes wrong with a setting, for every entity that sends one (climate, switch, number),
against the simulator's fleet over a real socket: each failure of the request is a translated
HomeAssistantError with no refresh and no reauth (the demand-response commands' path), and
while the API refuses the entry's keys the entities are unavailable and send nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.skycentrics.const import DOMAIN
from skycentrics_simulator import (
    FLEET_PLUG_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    Simulator,
    faults,
)

from .common import CLIENT_ID, CLIENT_SECRET, data_requests, puts, setup_fleet

PLUG, THERMOSTAT = FLEET_PLUG_ID, FLEET_THERMOSTAT_ID
CLIMATE = "climate.ct80_simulated"
SWITCH = "switch.skyplug_simulated"
LEVEL = "number.skyplug_simulated_power_level"

# (entity, domain, service, data, device, path of the request it sends)
COMMANDS: list[tuple[str, str, str, dict[str, Any], int, str | None]] = [
    (
        CLIMATE,
        "climate",
        "set_hvac_mode",
        {"hvac_mode": "heat"},
        THERMOSTAT,
        f"/api/devices/{THERMOSTAT}/thermostat_mode",
    ),
    (CLIMATE, "climate", "set_temperature", {"temperature": 74}, THERMOSTAT, None),
    (SWITCH, "switch", "turn_off", {}, PLUG, f"/api/smartplugs/{PLUG}/relay"),
    (LEVEL, "number", "set_value", {"value": 30}, PLUG, f"/api/smartplugs/{PLUG}/power_level"),
]
COMMAND_IDS = ["climate-mode", "climate-setpoint", "switch", "number"]


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """The simulator with its fleet."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, fleet=True) as sim:
        yield sim


@pytest.fixture
async def entry(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    """The thermostat, the plug and the water heater, set up."""
    await hass.config.async_update(unit_system="us_customary")
    return await setup_fleet(hass, simulator.url, [THERMOSTAT, PLUG, FLEET_WATER_HEATER_ID])


async def _send(
    hass: HomeAssistant, command: tuple[str, str, str, dict[str, Any], int, str | None]
) -> None:
    entity, domain, service, data, _device, _path = command
    await hass.services.async_call(domain, service, {"entity_id": entity, **data}, blocking=True)


@pytest.mark.parametrize("command", COMMANDS, ids=COMMAND_IDS)
@pytest.mark.parametrize(
    ("fault", "status", "key", "message"),
    [
        (
            None,
            403,
            "control_refused",
            "The SkyCentrics API refused to control {name} (HTTP 403): "
            "these API keys may not control this device. Nothing was changed; ask SkyCentrics "
            "for keys that may control it",
        ),
        (
            faults.status(404),
            404,
            "control_not_found",
            "The SkyCentrics API does not know device {name} ({device}): the command was not taken",
        ),
        (
            faults.status(429, retry_after=30),
            429,
            "control_rate_limited",
            "The SkyCentrics API asked "
            "to slow down: {name} did not take the command. Try again in 30 s",
        ),
        (
            faults.status(500, message="boom"),
            500,
            "control_failed",
            "The SkyCentrics API did not take the command for {name}: {path}: HTTP 500: boom",
        ),
        (
            faults.delay(0.5),
            None,
            "control_timeout",
            "The SkyCentrics API did not answer in time: "
            "{name} may or may not have taken the command. Check its state before sending the "
            "command again",
        ),
    ],
    ids=["403", "404", "429", "500", "timeout"],
)
async def test_a_failed_setting(
    hass: HomeAssistant,
    simulator: Simulator,
    entry: MockConfigEntry,
    command: tuple[str, str, str, dict[str, Any], int, str | None],
    fault: Any,
    status: int | None,
    key: str,
    message: str,
) -> None:
    """One request, a translated HomeAssistantError (not a validation error), no refresh, no
    reauth; the entity keeps showing what the device reported. (A request that timed out may
    have been taken: the simulator took it late.)"""
    entity, _domain, _service, _data, device, path = command
    path = path or f"/api/devices/{THERMOSTAT}/temp_setpoint"
    before = hass.states.get(entity)
    polls = data_requests(simulator, device)
    if fault is None:
        simulator.control_forbidden.add(device)
    else:
        simulator.add_fault(fault)
        if key == "control_timeout":
            entry.runtime_data.coordinators[device].client.request_timeout = 0.1
    with pytest.raises(HomeAssistantError) as caught:
        await _send(hass, command)
    assert not isinstance(caught.value, ServiceValidationError)
    assert caught.value.translation_key == key
    name = "ct80-simulated" if device == THERMOSTAT else "skyplug-simulated"
    assert str(caught.value) == message.format(name=name, device=device, path=path)
    if key == "control_timeout":
        await asyncio.sleep(0.5)  # the simulator's late answer ends (no lingering task)
    # One request, never sent again (one that timed out ends with the client gone).
    assert [(m, p, s if key != "control_timeout" else None) for m, p, s in puts(simulator)] == [
        ("PUT", path, status if key != "control_timeout" else None)
    ]
    assert data_requests(simulator, device) == polls  # no refresh after a failure
    assert hass.states.get(entity).state == before.state  # type: ignore[union-attr]
    await hass.async_block_till_done()
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert entry.state is ConfigEntryState.LOADED


async def test_unavailable_while_the_keys_are_refused(
    hass: HomeAssistant, simulator: Simulator, entry: MockConfigEntry
) -> None:
    """The API refuses the entry's keys on the thermostat's poll: the climate, switch and
    number (the plug has not polled since) are unavailable and send nothing; they come back
    once the keys are taken again."""
    simulator.clients[CLIENT_ID] = "rotated-secret"
    await entry.runtime_data.coordinators[THERMOSTAT].async_refresh()
    await hass.async_block_till_done()
    assert not entry.runtime_data.coordinators[PLUG].auth_failed
    for entity in (CLIMATE, SWITCH, LEVEL):
        assert hass.states.get(entity).state == STATE_UNAVAILABLE, entity  # type: ignore[union-attr]
    requests = len(simulator.requests)
    for command in COMMANDS:
        await _send(hass, command)  # Home Assistant skips an unavailable entity
    assert simulator.control_requests == []
    assert len(simulator.requests) == requests
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]

    simulator.clients[CLIENT_ID] = CLIENT_SECRET
    await entry.runtime_data.coordinators[THERMOSTAT].async_refresh()
    await hass.async_block_till_done()
    for entity in (CLIMATE, SWITCH, LEVEL):
        assert hass.states.get(entity).state != STATE_UNAVAILABLE, entity  # type: ignore[union-attr]
    await _send(hass, COMMANDS[2])
    assert puts(simulator) == [("PUT", f"/api/smartplugs/{PLUG}/relay", 200)]


async def test_unavailable_while_the_device_is_unreachable(
    hass: HomeAssistant, simulator: Simulator, entry: MockConfigEntry
) -> None:
    """A device the API no longer knows (404 on its poll): its entities are unavailable (the
    other devices' are not), until it answers again."""
    coordinator = entry.runtime_data.coordinators[PLUG]
    simulator.add_fault(faults.status(404))
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    for entity in (SWITCH, LEVEL):
        assert hass.states.get(entity).state == STATE_UNAVAILABLE, entity  # type: ignore[union-attr]
    assert hass.states.get(CLIMATE).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).state == STATE_ON  # type: ignore[union-attr]
