"""Every device family through Home Assistant: a water heater, an EV charger, a thermostat and
a Super SkyBox with CT channels, read from the simulator's fleet over a real socket.

Also: an entity's platform and classes come from what its sensor is (id, type, units) or from
the entity registry, never from the first value seen.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.skycentrics import PLATFORMS
from custom_components.skycentrics.const import DOMAIN
from custom_components.skycentrics.descriptions import CTA2045_STATES
from skycentrics_simulator import (
    FLEET_EV_CHARGER_ID,
    FLEET_SKYBOX_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    SEED_DEVICE_ID,
    SEED_EPOCH,
    Simulator,
)

from .common import CLIENT_ID, CLIENT_SECRET

FLEET = [FLEET_WATER_HEATER_ID, FLEET_EV_CHARGER_ID, FLEET_THERMOSTAT_ID, FLEET_SKYBOX_ID]


@pytest.fixture
async def fleet(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """The simulator with its fleet on the seed account."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, fleet=True) as sim:
        yield sim


async def _setup(
    hass: HomeAssistant, sim: Simulator, devices: list[int], platforms: list[Platform] | None = None
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="fleet",
        unique_id=CLIENT_ID,
        data={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "url": sim.url,
            "devices": devices,
        },
    )
    entry.add_to_hass(hass)
    with patch("custom_components.skycentrics.PLATFORMS", platforms or PLATFORMS):
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _entity_id(hass: HomeAssistant, platform: str, device_id: int, sensor_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{device_id}_{sensor_id}")
    assert entity_id is not None, sensor_id
    return entity_id


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.BINARY_SENSOR])
async def test_family_entities(
    hass: HomeAssistant,
    fleet: Simulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Each family's entities (registry entry and state) at a fixed time: the water heater's
    CTA-2045 fields and commodities, the EV charger, the thermostat, the CT channels."""
    freezer.move_to(datetime.fromtimestamp(SEED_EPOCH + 30, UTC))
    entry = await _setup(
        hass, fleet, [FLEET_WATER_HEATER_ID, FLEET_EV_CHARGER_ID, FLEET_THERMOSTAT_ID], [platform]
    )
    await snapshot_platform(hass, entity_registry, ha_snapshot, entry.entry_id)


async def test_family_classes(hass: HomeAssistant, fleet: Simulator) -> None:
    """The classes a user relies on, one by one (the snapshot holds the rest)."""
    await hass.config.async_update(unit_system="us_customary")  # the API's °F as they are
    await _setup(hass, fleet, FLEET)
    states = hass.states

    def state(platform: str, device_id: int, sensor_id: str) -> tuple[str, dict[str, object]]:
        found = states.get(_entity_id(hass, platform, device_id, sensor_id))
        assert found is not None
        return found.state, dict(found.attributes)

    heater = FLEET_WATER_HEATER_ID
    value, attributes = state("sensor", heater, "cta2045|state")
    assert attributes["device_class"] == "enum"
    assert attributes["options"] == list(CTA2045_STATES.values())
    assert value in CTA2045_STATES.values()
    _, attributes = state("sensor", heater, "cta2045|temperature")
    assert (attributes["device_class"], attributes["unit_of_measurement"]) == (
        "temperature",
        "°F",
    )
    _, attributes = state("sensor", heater, "cta2045|commodity_7_cumulative")
    assert (attributes["device_class"], attributes["unit_of_measurement"]) == (
        "energy_storage",
        "Wh",
    )
    _, attributes = state("sensor", heater, "cta2045|commodity_0_cumulative")
    assert (attributes["device_class"], attributes["unit_of_measurement"]) == ("energy", "Wh")
    assert "state_class" not in attributes  # its hourly statistic is the Energy series
    value, attributes = state("binary_sensor", heater, "cta2045|relay")
    assert (value, attributes["device_class"]) in {("on", "power"), ("off", "power")}
    value, _ = state("binary_sensor", heater, "cta2045|override")
    assert value == "off"
    _, attributes = state("sensor", FLEET_THERMOSTAT_ID, "thermostat|humidity")
    assert (attributes["device_class"], attributes["unit_of_measurement"]) == ("humidity", "%")
    value, attributes = state("sensor", FLEET_THERMOSTAT_ID, "thermostat|heat_setpoint")
    assert (value, attributes["unit_of_measurement"]) == ("68", "°F")
    value, attributes = state("sensor", FLEET_SKYBOX_ID, "ct|1|power_real")
    assert (attributes["device_class"], attributes["friendly_name"]) == (
        "power",
        "ssb-fleet-simulated CT 1 power",
    )
    devices = dr.async_get(hass)
    entry_id = hass.config_entries.async_entries(DOMAIN)[0].entry_id
    device = devices.async_get_device_by_identifier((DOMAIN, str(heater)), entry_id)
    assert device is not None
    assert (device.model, device.model_id) == ("AO Smith heat pump water heater", None)
    thermostat = devices.async_get_device_by_identifier(
        (DOMAIN, str(FLEET_THERMOSTAT_ID)), entry_id
    )
    assert thermostat is not None
    assert thermostat.model == "Radio Thermostat CT80"


def test_operational_states_cover_the_standard() -> None:
    """One option per CTA-2045 operational state code (CTA-2045-A: 0 to 12)."""
    assert list(CTA2045_STATES) == list(range(13))
    assert len(set(CTA2045_STATES.values())) == len(CTA2045_STATES)


async def test_operational_state_follows_a_shed(
    hass: HomeAssistant, fleet: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A shed (sent here through the client) shows as 'running curtailed' or 'idle curtailed'
    after the next poll."""
    await _setup(hass, fleet, [FLEET_WATER_HEATER_ID])
    entity_id = _entity_id(hass, "sensor", FLEET_WATER_HEATER_ID, "cta2045|state")
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    client = entry.runtime_data.coordinators[FLEET_WATER_HEATER_ID].client
    await client.async_shed_load(FLEET_WATER_HEATER_ID, 600)
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state in {"running_curtailed", "idle_curtailed"}


async def test_platform_comes_from_the_schema_not_the_value(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """A lighting zone that reports null at set-up is still a binary sensor; a power reading
    whose first value is text is still a power sensor with its state class, unknown."""
    zone = "SSU_[0062]_BV420_ZStat"
    simulator.set_value(SEED_DEVICE_ID, zone, None)
    simulator.set_value(SEED_DEVICE_ID, "SOLAR_INVERTER_1_ACTIVE_POWER", "n/a")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    unique_id = f"{SEED_DEVICE_ID}_{zone}"
    assert registry.async_get_entity_id("binary_sensor", DOMAIN, unique_id) is not None
    assert registry.async_get_entity_id("sensor", DOMAIN, unique_id) is None
    power = hass.states.get(
        _entity_id(hass, "sensor", SEED_DEVICE_ID, "SOLAR_INVERTER_1_ACTIVE_POWER")
    )
    assert power is not None
    assert power.state == STATE_UNKNOWN
    assert (power.attributes["device_class"], power.attributes["state_class"]) == (
        "power",
        "measurement",
    )


async def test_a_registered_platform_is_kept(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """A reading the registry knows as a binary sensor (an older version made one from its
    `on`/`off` values) stays one, also when it reports null; one it knows as a sensor is not
    made a binary sensor as well."""
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "binary_sensor",
        DOMAIN,
        f"{SEED_DEVICE_ID}_PUMP_RUNNING",
        config_entry=config_entry,
        suggested_object_id="pump_running",
    )
    registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{SEED_DEVICE_ID}_SSU_[0062]_BV421_ZStat",
        config_entry=config_entry,
        suggested_object_id="zone_421_text",
    )
    simulator.add_sensor(
        SEED_DEVICE_ID,
        {"id": "PUMP_RUNNING", "name": "Pump", "type": "State", "units": "", "data": None},
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    pump = hass.states.get("binary_sensor.pump_running")
    assert pump is not None
    assert pump.state == STATE_UNKNOWN
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{SEED_DEVICE_ID}_PUMP_RUNNING") is None
    zone = hass.states.get("sensor.zone_421_text")
    assert zone is not None
    assert zone.state == "inactive"
    assert (
        registry.async_get_entity_id(
            "binary_sensor", DOMAIN, f"{SEED_DEVICE_ID}_SSU_[0062]_BV421_ZStat"
        )
        is None
    )
