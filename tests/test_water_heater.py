"""The CTA-2045 water heater as a water heater entity (read only), against the simulator's fleet
over a real socket."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.water_heater import DOMAIN as WATER_HEATER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.skycentrics.descriptions import CTA2045_STATES
from skycentrics_simulator import (
    FLEET_EV_CHARGER_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    SEED_EPOCH,
    Simulator,
    faults,
)

from .common import CLIENT_ID, CLIENT_SECRET, after_cooldown, entity_id, setup_fleet

HEATER = FLEET_WATER_HEATER_ID
ENTITY = "water_heater.water_heater_simulated"


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """The simulator with its fleet."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, fleet=True) as sim:
        yield sim


async def test_water_heater_entity(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
) -> None:
    """One water heater, for the water heater only (not the EV charger, a CTA-2045 device
    too, nor the thermostat): registry entry and state at a fixed time."""
    freezer.move_to(datetime.fromtimestamp(SEED_EPOCH + 30, UTC))
    await hass.config.async_update(unit_system="us_customary")
    entry = await setup_fleet(
        hass,
        simulator.url,
        [HEATER, FLEET_EV_CHARGER_ID, FLEET_THERMOSTAT_ID],
        [Platform.WATER_HEATER],
    )
    await snapshot_platform(hass, entity_registry, ha_snapshot, entry.entry_id)
    assert entity_id(hass, WATER_HEATER_DOMAIN, f"{HEATER}|water_heater") == ENTITY


async def test_water_heater_follows_the_device(hass: HomeAssistant, simulator: Simulator) -> None:
    """What the device reports: its temperature, its setpoint as the target (no target
    feature: not settable), its CTA-2045 state as the state; a shed shows as running
    curtailed after the refresh that follows the command."""
    await hass.config.async_update(unit_system="us_customary")
    entry = await setup_fleet(hass, simulator.url, [HEATER])
    data = entry.runtime_data.coordinators[HEATER].data.cta2045
    assert data is not None
    state = hass.states.get(ENTITY)
    assert state is not None
    assert state.state == CTA2045_STATES[int(data.state.value)]  # type: ignore[union-attr, arg-type]
    assert state.state in ("idle_normal", "running_normal")
    assert state.attributes["current_temperature"] == data.temperature.value  # type: ignore[union-attr]
    assert state.attributes["temperature"] == 125
    assert state.attributes["supported_features"] == 0
    assert "operation_list" not in state.attributes
    assert "operation_mode" not in state.attributes
    shed = entity_id(hass, BUTTON_DOMAIN, f"{HEATER}|shed_load")
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: shed}, blocking=True
    )
    assert hass.states.get(ENTITY).state == "running_curtailed"  # type: ignore[union-attr]
    end = entity_id(hass, BUTTON_DOMAIN, f"{HEATER}|end_shed")
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: end}, blocking=True
    )
    await after_cooldown(hass)
    assert hass.states.get(ENTITY).state in ("idle_normal", "running_normal")  # type: ignore[union-attr]


def _units(units: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The water heater's answer with 50 water and a setpoint of 52 in ``units``, state 4
    (idle curtailed)."""

    def edit(data: dict[str, Any]) -> dict[str, Any]:
        return {
            **data,
            "state": 4,
            "temperature": {"data": [50.0], "units": units},
            "setpoint": {"data": [52, 52], "units": units},
        }

    return edit


@pytest.mark.parametrize(
    ("units", "unit_system", "temperature", "target"),
    [
        ("C", "metric", 50.0, 52.0),
        ("C", "us_customary", 122.0, 125.6),
        ("", "us_customary", 50, 52),
    ],
    ids=["celsius-metric", "celsius-us", "no-units"],
)
async def test_water_heater_units(
    hass: HomeAssistant,
    simulator: Simulator,
    units: str,
    unit_system: str,
    temperature: float,
    target: float,
) -> None:
    """A water heater that reports °C is in °C (tenths); one that names no unit in °F (the
    API's unit); Home Assistant shows them in the user's unit."""
    await hass.config.async_update(unit_system=unit_system)
    simulator.add_fault(faults.delay(0), times=2)  # the device list and object, as they are
    simulator.add_fault(faults.edit_json(_units(units)))
    await setup_fleet(hass, simulator.url, [HEATER], [Platform.WATER_HEATER])
    state = hass.states.get(ENTITY)
    assert state is not None
    assert state.state == "idle_curtailed"
    assert state.attributes["current_temperature"] == temperature
    assert state.attributes["temperature"] == target


async def test_water_heater_unavailable_without_its_readings(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Unavailable while the device is gone (404 on /data), or while its answer lacks the
    CTA-2045 family (a sensor list only); back with the family."""
    entry = await setup_fleet(hass, simulator.url, [HEATER], [Platform.WATER_HEATER])
    coordinator = entry.runtime_data.coordinators[HEATER]
    simulator.add_fault(faults.status(404))
    await coordinator.async_refresh()
    assert hass.states.get(ENTITY).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    await coordinator.async_refresh()
    assert hass.states.get(ENTITY).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    sensor = {"id": "TANK", "name": "Tank", "type": "Temperature", "units": "F", "data": 120}
    simulator.add_fault(
        faults.edit_json(lambda d: {"device": HEATER, "time": d["time"], "sensors": [sensor]})
    )
    await coordinator.async_refresh()
    assert hass.states.get(ENTITY).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
