"""The SkyPlug's relay as a switch and its power level as a number, against the simulator's
fleet over a real socket: the exact signed requests, the state the plug reports afterwards,
and the values it would not take (refused before anything is sent)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TOGGLE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from skycentrics_simulator import (
    FLEET_EV_CHARGER_ID,
    FLEET_PLUG_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    SEED_EPOCH,
    Simulator,
    faults,
)

from .common import CLIENT_ID, CLIENT_SECRET, entity_id, puts, setup_fleet

PLUG = FLEET_PLUG_ID
PATH = f"/api/smartplugs/{PLUG}"
SWITCH = "switch.skyplug_simulated"
LEVEL = "number.skyplug_simulated_power_level"


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """The simulator with its fleet."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, fleet=True) as sim:
        yield sim


def _state(hass: HomeAssistant, entity: str) -> str:
    state = hass.states.get(entity)
    assert state is not None, entity
    return state.state


async def _switch(hass: HomeAssistant, service: str) -> None:
    await hass.services.async_call(SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: SWITCH}, blocking=True)


async def _level(hass: HomeAssistant, value: Any) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: LEVEL, ATTR_VALUE: value}, blocking=True
    )


@pytest.mark.parametrize("platform", [Platform.SWITCH, Platform.NUMBER])
async def test_plug_entities(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """The plug's switch and number, for the plug only (the water heater and the EV charger
    report a relay too, the thermostat none): registry entries and states at a fixed time."""
    freezer.move_to(datetime.fromtimestamp(SEED_EPOCH + 30, UTC))
    devices = [PLUG, FLEET_WATER_HEATER_ID, FLEET_EV_CHARGER_ID, FLEET_THERMOSTAT_ID]
    entry = await setup_fleet(hass, simulator.url, devices, [platform])
    await snapshot_platform(hass, entity_registry, ha_snapshot, entry.entry_id)
    if platform is Platform.SWITCH:
        assert entity_id(hass, SWITCH_DOMAIN, f"{PLUG}|relay") == SWITCH
    else:
        assert entity_id(hass, NUMBER_DOMAIN, f"{PLUG}|power_level") == LEVEL
    assert len(er.async_entries_for_config_entry(entity_registry, entry.entry_id)) == 1


async def test_relay(hass: HomeAssistant, simulator: Simulator) -> None:
    """Off, on and toggle: one signed PUT of relay to the smartplugs group each, then the
    relay as the plug reports it (its power follows)."""
    entry = await setup_fleet(hass, simulator.url, [PLUG])
    coordinator = entry.runtime_data.coordinators[PLUG]
    assert _state(hass, SWITCH) == STATE_ON
    await _switch(hass, SERVICE_TURN_OFF)
    assert _state(hass, SWITCH) == STATE_OFF
    assert coordinator.data.cta2045.power.value == 0  # type: ignore[union-attr]
    await _switch(hass, SERVICE_TURN_ON)
    assert _state(hass, SWITCH) == STATE_ON
    await _switch(hass, SERVICE_TOGGLE)
    assert _state(hass, SWITCH) == STATE_OFF
    assert simulator.control_requests == [
        ("PUT", f"{PATH}/relay", {"d": 0}),
        ("PUT", f"{PATH}/relay", {"d": 1}),
        ("PUT", f"{PATH}/relay", {"d": 0}),
    ]
    assert puts(simulator) == [("PUT", f"{PATH}/relay", 200)] * 3


async def test_power_level(hass: HomeAssistant, simulator: Simulator) -> None:
    """A level: one signed PUT of power_level (a whole percent), then the level as the plug
    reports it; 0 and 100 are taken."""
    entry = await setup_fleet(hass, simulator.url, [PLUG])
    assert _state(hass, LEVEL) == "100"
    await _level(hass, 40)
    assert _state(hass, LEVEL) == "40"
    assert entry.runtime_data.coordinators[PLUG].data.cta2045.power.value == 48  # type: ignore[union-attr]
    await _level(hass, 0)
    await _level(hass, "100")
    assert _state(hass, LEVEL) == "100"
    assert simulator.control_requests == [
        ("PUT", f"{PATH}/power_level", {"d": 40}),
        ("PUT", f"{PATH}/power_level", {"d": 0}),
        ("PUT", f"{PATH}/power_level", {"d": 100}),
    ]


@pytest.mark.parametrize(
    ("value", "domain", "key"),
    [
        (40.5, "skycentrics", "level_not_whole"),
        ("nan", "skycentrics", "level_not_whole"),
        (101, "number", "out_of_range"),
        (-1, "number", "out_of_range"),
    ],
)
async def test_refused_levels(
    hass: HomeAssistant, simulator: Simulator, value: Any, domain: str, key: str
) -> None:
    """A fraction or NaN (ours) or a level outside 0-100 (Home Assistant's check): translated
    ServiceValidationErrors, nothing sent."""
    await setup_fleet(hass, simulator.url, [PLUG], [Platform.NUMBER])
    with pytest.raises(ServiceValidationError) as caught:
        await _level(hass, value)
    assert (caught.value.translation_domain, caught.value.translation_key) == (domain, key)
    if value == 40.5:
        assert str(caught.value) == (
            "The power level of skyplug-simulated is set in whole percent, not 40.5; nothing "
            "was sent"
        )
    assert simulator.control_requests == []


async def test_entities_come_with_their_readings(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A first answer without relay and power level: no switch and no number; they come with
    the first poll that reports them. A relay value that is neither on nor off is unknown."""
    simulator.add_fault(faults.delay(0), times=2)  # the device list and object, as they are
    simulator.add_fault(
        faults.edit_json(
            lambda d: {k: v for k, v in d.items() if k not in ("relay", "power_level")}
        )
    )
    await setup_fleet(hass, simulator.url, [PLUG], [Platform.SWITCH, Platform.NUMBER])
    assert hass.states.get(SWITCH) is None
    assert hass.states.get(LEVEL) is None
    simulator.add_fault(faults.edit_json(lambda d: {**d, "relay": 2}))
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _state(hass, SWITCH) == STATE_UNKNOWN
    assert _state(hass, LEVEL) == "100"
