"""The integration in Home Assistant, talking HTTP to the simulator over a real socket."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_FRIENDLY_NAME,
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import (
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.skycentrics.api import Device
from custom_components.skycentrics.const import DOMAIN
from custom_components.skycentrics.entity import async_register_devices
from skycentrics_simulator import SEED_DEVICE_ID, Simulator
from skycentrics_simulator.__main__ import pin_to_seed
from skycentrics_simulator.server import Handler

from .common import CLIENT_ID


def _entity_id(hass: HomeAssistant, platform: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{SEED_DEVICE_ID}_{key}")
    assert entity_id is not None, key
    return entity_id


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_setup_creates_every_entity(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """60 readings -> 60 entities plus a problem flag per alarm bitfield, all from one poll."""
    assert loaded_entry.state is ConfigEntryState.LOADED
    entries = er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id)
    by_platform: dict[str, int] = {}
    for entry in entries:
        by_platform[entry.domain] = by_platform.get(entry.domain, 0) + 1
    # 55 sensors + 5 active/inactive binary sensors; 5 alarm/warning codes add a problem flag;
    # the gateway's "Last reading" and "Readings stale"; the demand-response buttons of the
    # Super SkyBox (type 250 has a CTA-2045 port).
    assert by_platform == {"sensor": 56, "binary_sensor": 11, "button": 3}
    assert len({entry.unique_id for entry in entries}) == 70
    data_requests = [r for r in simulator.requests if r[1].endswith("/data")]
    assert len(data_requests) == 1


async def test_states_match_the_api(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """States, units and classes come from the readings the simulator served."""
    simulator.set_value(SEED_DEVICE_ID, "BESS_STATE_OF_CHARGE", 42.0)
    simulator.set_value(SEED_DEVICE_ID, "SOLAR_INVERTER_1_ENERGY", 190123.4)
    simulator.set_value(SEED_DEVICE_ID, "SSU_[0062]_BV421_ZStat", "inactive")
    simulator.set_value(SEED_DEVICE_ID, "BESS_WARNINGS", 4)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    soc = hass.states.get(_entity_id(hass, "sensor", "BESS_STATE_OF_CHARGE"))
    assert soc is not None
    assert soc.entity_id == "sensor.ssb_001_pae_replacement_battery_state_of_charge"
    assert soc.state == "42.0"
    assert soc.attributes[ATTR_UNIT_OF_MEASUREMENT] == "%"
    assert soc.attributes[ATTR_DEVICE_CLASS] == "battery"
    assert soc.attributes[ATTR_FRIENDLY_NAME] == "ssb-001-pae-replacement Battery State of charge"

    energy = hass.states.get(_entity_id(hass, "sensor", "SOLAR_INVERTER_1_ENERGY"))
    assert energy is not None
    assert energy.state == "190123.4"
    # A lifetime counter: no state class (its hourly statistic is the Energy dashboard's series).
    assert "state_class" not in energy.attributes
    assert energy.attributes[ATTR_DEVICE_CLASS] == "energy"
    assert (
        energy.attributes[ATTR_FRIENDLY_NAME]
        == "ssb-001-pae-replacement PV inverter 1 Lifetime energy produced"
    )

    zone = hass.states.get(_entity_id(hass, "binary_sensor", "SSU_[0062]_BV421_ZStat"))
    assert zone is not None
    assert zone.state == STATE_OFF
    zone_on = hass.states.get(_entity_id(hass, "binary_sensor", "SSU_[0062]_BV420_ZStat"))
    assert zone_on is not None
    assert zone_on.state == STATE_ON

    warning = hass.states.get(_entity_id(hass, "binary_sensor", "BESS_WARNINGS|problem"))
    assert warning is not None
    assert warning.state == STATE_ON
    assert warning.attributes[ATTR_DEVICE_CLASS] == "problem"

    unnamed = hass.states.get(_entity_id(hass, "sensor", "SEL_RELAY_TRIP_STATUS_POWER_ELEMENT"))
    assert unnamed is not None
    assert ATTR_DEVICE_CLASS not in unnamed.attributes


async def test_noisy_detail_is_disabled_by_default(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Per-phase values, setpoints and reactive power exist but start disabled."""
    registry = er.async_get(hass)
    for key in ("E30A_3_VOLTS_A-N", "BESS_ACTIVE_POWER_SETPOINT", "BESS_REACTIVE_POWER_SETPOINT"):
        entry = registry.async_get(_entity_id(hass, "sensor", key))
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(entry.entity_id) is None
    for key in ("BESS_STATE_OF_CHARGE", "SOLAR_INVERTER_2_ACTIVE_POWER", "SOLAR_INVERTER_2_ENERGY"):
        entry = registry.async_get(_entity_id(hass, "sensor", key))
        assert entry is not None
        assert entry.disabled_by is None


async def test_devices(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """The gateway with its MAC, and its components linked to it."""
    registry = dr.async_get(hass)
    gateway = registry.async_get_device_by_identifier(
        (DOMAIN, str(SEED_DEVICE_ID)), loaded_entry.entry_id
    )
    assert gateway is not None
    assert gateway.name == "ssb-001-pae-replacement"
    assert gateway.model == "Super SkyBox"
    assert gateway.manufacturer == "SkyCentrics"
    assert gateway.serial_number is None  # the MAC is a connection, not a serial number
    assert gateway.model_id is None
    assert (dr.CONNECTION_NETWORK_MAC, "2c:cf:67:6d:ad:bb") in gateway.connections
    devices = dr.async_entries_for_config_entry(registry, loaded_entry.entry_id)
    components = {d.name: d for d in devices if d.id != gateway.id}
    assert set(components) == {
        "ssb-001-pae-replacement Battery",
        "ssb-001-pae-replacement PV inverter 1",
        "ssb-001-pae-replacement PV inverter 2",
        "ssb-001-pae-replacement Meter E30A_3",
        "ssb-001-pae-replacement Lighting controller 0062",
    }
    assert all(d.via_device_id == gateway.id for d in components.values())
    soc = er.async_get(hass).async_get(_entity_id(hass, "sensor", "BESS_STATE_OF_CHARGE"))
    assert soc is not None
    assert soc.device_id == components["ssb-001-pae-replacement Battery"].id


async def test_values_follow_polls(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each poll brings the new readings; a bad value makes only that entity unknown."""
    simulator.set_value(SEED_DEVICE_ID, "BESS_STATE_OF_CHARGE", 55.5)
    simulator.set_value(SEED_DEVICE_ID, "BESS_SYSTEM_AVERAGE_VOLTAGE", "garbage")
    simulator.set_value(SEED_DEVICE_ID, "SSU_[0062]_BV420_ZStat", "flickering")
    await _poll(hass, freezer)
    soc = hass.states.get("sensor.ssb_001_pae_replacement_battery_state_of_charge")
    assert soc is not None
    assert soc.state == "55.5"
    voltage = hass.states.get(_entity_id(hass, "sensor", "BESS_SYSTEM_AVERAGE_VOLTAGE"))
    assert voltage is not None
    assert voltage.state == STATE_UNKNOWN
    zone = hass.states.get(_entity_id(hass, "binary_sensor", "SSU_[0062]_BV420_ZStat"))
    assert zone is not None
    assert zone.state == STATE_UNKNOWN


async def test_new_sensor_becomes_an_entity_without_reload(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A sensor that shows up later gets its entity on the next poll; a gone one is unavailable."""
    simulator.add_sensor(
        SEED_DEVICE_ID,
        {
            "id": "SOLAR_INVERTER_3_ACTIVE_POWER",
            "name": "SOLAR_INVERTER_3_ACTIVE_POWER",
            "type": "Power",
            "units": "kW",
            "data": 3.25,
        },
    )
    simulator.remove_sensor(SEED_DEVICE_ID, "BESS_SYSTEM_STATE")
    await _poll(hass, freezer)
    state = hass.states.get(_entity_id(hass, "sensor", "SOLAR_INVERTER_3_ACTIVE_POWER"))
    assert state is not None
    assert state.state == "3.25"
    assert state.attributes[ATTR_FRIENDLY_NAME] == "ssb-001-pae-replacement PV inverter 3 Power"
    gone = hass.states.get(_entity_id(hass, "sensor", "BESS_SYSTEM_STATE"))
    assert gone is not None
    assert gone.state == STATE_UNAVAILABLE
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_cloud_down_makes_entities_unavailable(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A connection failure is not an auth problem: no reauth flow; unavailable after grace."""
    await simulator.stop()
    for _ in range(4):
        await _poll(hass, freezer)
    soc = hass.states.get("sensor.ssb_001_pae_replacement_battery_state_of_charge")
    assert soc is not None
    assert soc.state == STATE_UNAVAILABLE
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_revoked_secret_starts_reauth(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The server refusing the signature (401) starts a reauth flow."""
    simulator.clients[CLIENT_ID] = "rotated-secret"
    await _poll(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_setup_retries_when_unreachable(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """An unreachable API at start-up means retry later, not a failed set-up."""
    await simulator.stop()
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_with_bad_secret_starts_reauth(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """Bad keys at start-up: set-up error and a reauth flow."""
    simulator.clients[CLIENT_ID] = "rotated-secret"
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_an_unknown_device_does_not_keep_the_others_down(
    hass: HomeAssistant, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A device id the API does not know, next to one it knows: the known one is set up, the
    log says which device could not be read. (Keys that may not list devices: with a list
    that lacks it, the device would leave the entry first: tests/test_dynamic_devices.py.)"""
    simulator.list_forbidden = True
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="other",
        data={
            "client_id": CLIENT_ID,
            "client_secret": simulator.clients[CLIENT_ID],
            "url": simulator.url,
            "devices": [SEED_DEVICE_ID, 1234],
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    assert set(entry.runtime_data.coordinators) == {SEED_DEVICE_ID}
    assert hass.states.get("sensor.ssb_001_pae_replacement_battery_state_of_charge") is not None
    assert "SkyCentrics device 1234 could not be read (The SkyCentrics API does not know" in (
        caplog.text
    )


async def test_an_unreadable_device_joins_when_it_answers(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    """The second device fails at set-up: the first is set up alone; once the second answers
    (tried again after a poll interval), the entry reloads with both."""
    second = SEED_DEVICE_ID + 1

    async def fail_second(request: web.Request, handler: Handler) -> web.StreamResponse:
        if str(second) in request.path:
            return web.json_response({"error": {"message": "injected"}}, status=500)
        return await handler(request)

    async with Simulator(clients={CLIENT_ID: "s"}, device_count=2) as sim:
        sim.add_fault(fail_second, times=4)  # more than the set-up's requests
        entry = await _setup_two_devices(hass, sim)
        assert set(entry.runtime_data.coordinators) == {SEED_DEVICE_ID}
        sim.faults.clear()  # the second device answers from now on
        freezer.tick(timedelta(seconds=61))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entry.state is ConfigEntryState.LOADED
        assert set(entry.runtime_data.coordinators) == {SEED_DEVICE_ID, second}
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_setup_fails_only_when_no_device_answers(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Every device unknown: retry later, and say which."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="other",
        data={
            "client_id": CLIENT_ID,
            "client_secret": simulator.clients[CLIENT_ID],
            "url": simulator.url,
            "devices": [1234],
        },
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason == "The SkyCentrics API does not know device 1234"


async def test_removing_the_entry_deletes_its_repair_issues(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Removing an entry deletes the repair issues it raised (each names its entry in its data);
    another entry's stay, also those whose ids hold this entry's device id (bug 3: they were
    found by a pattern on the id), and another integration's. The clock's goes with the last
    entry."""
    other = MockConfigEntry(domain=DOMAIN, unique_id="other", data={"devices": [5]})
    other.add_to_hass(hass)
    own = (
        f"device_not_found_{SEED_DEVICE_ID}",
        f"swapped_counter_{SEED_DEVICE_ID}_BESS_LIFETIME_CHARGE_COUNTER",
        f"implausible_counter_{SEED_DEVICE_ID}_SOLAR_INVERTER_1_ENERGY",
    )
    others = (f"device_not_found_{SEED_DEVICE_ID}9", f"swapped_counter_5_METER_{SEED_DEVICE_ID}")
    for entry, issue_ids in ((loaded_entry, own), (other, others)):
        for issue_id in issue_ids:
            ir.async_create_issue(
                hass,
                DOMAIN,
                issue_id,
                data={"entry_id": entry.entry_id},
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="x",
            )
    for domain, issue_id in (("other", f"x_{SEED_DEVICE_ID}"), (DOMAIN, "clock_skew")):
        ir.async_create_issue(
            hass,
            domain,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="x",
        )
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert set(ir.async_get(hass).issues) == {
        ("other", f"x_{SEED_DEVICE_ID}"),
        (DOMAIN, "clock_skew"),  # the other entry may need it
        *((DOMAIN, issue_id) for issue_id in others),
    }
    assert await hass.config_entries.async_remove(other.entry_id)
    await hass.async_block_till_done()
    assert set(ir.async_get(hass).issues) == {("other", f"x_{SEED_DEVICE_ID}")}


async def test_unload(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """Unloading leaves entities unavailable and the entry not loaded."""
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    soc = hass.states.get("sensor.ssb_001_pae_replacement_battery_state_of_charge")
    assert soc is not None
    assert soc.state == STATE_UNAVAILABLE


async def _setup_two_devices(hass: HomeAssistant, sim: Simulator) -> MockConfigEntry:
    """Set up an entry for the simulator's two devices."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=CLIENT_ID,
        data={
            "client_id": CLIENT_ID,
            "client_secret": "s",
            "url": sim.url,
            "devices": [SEED_DEVICE_ID, SEED_DEVICE_ID + 1],
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_two_devices(hass: HomeAssistant, socket_enabled: None) -> None:
    """An entry with two devices polls each with its own coordinator."""
    async with Simulator(clients={CLIENT_ID: "s"}, device_count=2) as sim:
        entry = await _setup_two_devices(hass, sim)
        assert set(entry.runtime_data.coordinators) == {SEED_DEVICE_ID, SEED_DEVICE_ID + 1}
        registry = er.async_get(hass)
        entities = er.async_entries_for_config_entry(registry, entry.entry_id)
        assert len(entities) == 140
        # Each gateway's parts are named after it: no two devices share a name, and no entity
        # id needed Home Assistant's "_2" to be unique.
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        names = [d.name for d in devices]
        assert len(names) == len(set(names)) == 12
        socs = sorted(e.entity_id for e in entities if e.unique_id.endswith("_STATE_OF_CHARGE"))
        assert len(socs) == 2
        assert all(soc.endswith("_battery_state_of_charge") for soc in socs)
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_dropped_gateway_loses_its_devices(
    hass: HomeAssistant, socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    """A gateway the entry no longer holds (Reconfigure dropped it) loses its device, its parts
    and their entities at the next set-up; the other gateway keeps everything. Only the
    registry's current API: Home Assistant reports no misuse."""
    async with Simulator(clients={CLIENT_ID: "s"}, device_count=2) as sim:
        entry = await _setup_two_devices(hass, sim)
        devices = dr.async_get(hass)
        entities = er.async_get(hass)
        assert len(dr.async_entries_for_config_entry(devices, entry.entry_id)) == 12
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, "devices": [SEED_DEVICE_ID]}
        )
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        left = dr.async_entries_for_config_entry(devices, entry.entry_id)
        assert len(left) == 6
        assert all(key.startswith(str(SEED_DEVICE_ID)) for d in left for _, key in d.identifiers)
        assert len(er.async_entries_for_config_entry(entities, entry.entry_id)) == 70
        assert "Detected that custom integration" not in caplog.text
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_gateway_without_a_mac(hass: HomeAssistant) -> None:
    """A `mac` field that holds a serial number is the serial, not a MAC connection."""
    entry = MockConfigEntry(domain=DOMAIN)
    entry.add_to_hass(hass)
    async_register_devices(hass, entry, [Device(id=7, name="Box", mac="SN-0042", type=999)])
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, "7"), entry.entry_id)
    assert device is not None
    assert device.connections == set()
    assert device.serial_number == "SN-0042"
    assert device.model == "SkyCentrics device type 999"


async def test_two_devices_sharing_a_mac_stay_two(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """Bug 6: two devices of one entry whose objects carry the same MAC are two Home Assistant
    devices, each with its parts and entities (the registry merges devices by connection: the
    shared MAC is none)."""
    async with Simulator(clients={CLIENT_ID: "s"}, device_count=2) as sim:
        for device in sim.devices.values():
            device["mac"] = "2c:cf:67:6d:ad:bb"
        entry = await _setup_two_devices(hass, sim)
        registry = dr.async_get(hass)
        devices = dr.async_entries_for_config_entry(registry, entry.entry_id)
        assert len(devices) == 12
        for device_id in (SEED_DEVICE_ID, SEED_DEVICE_ID + 1):
            gateway = registry.async_get_device_by_identifier(
                (DOMAIN, str(device_id)), entry.entry_id
            )
            assert gateway is not None
            assert gateway.identifiers == {(DOMAIN, str(device_id))}
            assert gateway.connections == set()
            parts = [d for d in devices if d.via_device_id == gateway.id]
            assert len(parts) == 5
        entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        assert len(entities) == 140
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_mac_is_a_connection_only_when_it_is_the_device_s_own(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """A MAC is the device's registry connection when no other device of the entry has it and
    it is no placeholder; devices that an older version merged into one are split again. A
    device of another entry with that MAC is no merge (the registry keeps entries apart). Only
    the registry's current API: Home Assistant reports no misuse."""
    entry = MockConfigEntry(domain=DOMAIN)
    entry.add_to_hass(hass)
    elsewhere = MockConfigEntry(domain="router")
    elsewhere.add_to_hass(hass)
    registry = dr.async_get(hass)
    router = registry.async_get_or_create(
        config_entry_id=elsewhere.entry_id,
        identifiers={("router", "client-7")},
        connections={(dr.CONNECTION_NETWORK_MAC, "aa:bb:cc:dd:ee:ff")},
    )
    merged = registry.async_get_or_create(  # as 0.2.0 left two devices sharing a MAC
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, "3"), (DOMAIN, "4")},
        connections={(dr.CONNECTION_NETWORK_MAC, "11:22:33:44:55:66")},
    )
    async_register_devices(
        hass,
        entry,
        [
            Device(id=1, name="Own", mac="2CCF676DADBB"),
            Device(id=2, name="Zeros", mac="00-00-00-00-00-00"),
            Device(id=3, name="Split 3", mac="11:22:33:44:55:66"),
            Device(id=4, name="Split 4", mac="11:22:33:44:55:66"),
            Device(id=7, name="Also a router's", mac="aa:bb:cc:dd:ee:ff"),
        ],
    )

    def device(device_id: int) -> dr.DeviceEntry:
        found = registry.async_get_device_by_identifier((DOMAIN, str(device_id)), entry.entry_id)
        assert found is not None
        return found

    assert device(1).connections == {(dr.CONNECTION_NETWORK_MAC, "2c:cf:67:6d:ad:bb")}
    assert device(2).connections == set()
    assert device(2).serial_number is None  # a placeholder MAC is no serial number either
    assert device(3).id == merged.id
    assert device(3).identifiers == {(DOMAIN, "3")}
    assert device(3).connections == device(4).connections == set()
    assert device(7).connections == {(dr.CONNECTION_NETWORK_MAC, "aa:bb:cc:dd:ee:ff")}
    assert device(7).identifiers == {(DOMAIN, "7")}
    assert registry.async_get(router.id) == router
    assert len({device(i).id for i in (1, 2, 3, 4, 7)} | {router.id}) == 6
    assert "Detected that custom integration" not in caplog.text


async def test_a_poll_writes_only_what_changed(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Nothing changed: no state written; k readings changed: k states written.

    Home Assistant turns a write of an identical state into `state_reported` (not
    `state_changed`), so both are counted: the skip is what keeps both at zero.
    """
    pin_to_seed(simulator)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    changed: list[str] = []
    reported: list[str] = []

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        changed.append(event.data["entity_id"])

    @callback
    def _reported(event: Event[EventStateReportedData]) -> None:
        reported.append(event.data["entity_id"])

    @callback
    def _any(event_data: EventStateReportedData) -> bool:
        return True  # Home Assistant asks for a filter on state_reported

    unsubscribe = [
        hass.bus.async_listen(EVENT_STATE_CHANGED, _changed),
        hass.bus.async_listen(EVENT_STATE_REPORTED, _reported, event_filter=_any),
    ]
    before = {s.entity_id: s.attributes for s in hass.states.async_all()}
    await _poll(hass, freezer)
    assert (changed, reported) == ([], [])
    simulator.set_value(SEED_DEVICE_ID, "BESS_STATE_OF_CHARGE", 31.0)
    simulator.set_value(SEED_DEVICE_ID, "SOLAR_INVERTER_1_ACTIVE_POWER", 15.0)
    await _poll(hass, freezer)
    assert sorted(changed) == [
        "sensor.ssb_001_pae_replacement_battery_state_of_charge",
        "sensor.ssb_001_pae_replacement_pv_inverter_1_power",
    ]
    assert reported == []
    # No attribute changes from poll to poll (each change would be a recorder row).
    assert {s.entity_id: s.attributes for s in hass.states.async_all()} == before
    for unsub in unsubscribe:
        unsub()


async def test_devices_poll_spread_over_the_interval(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    """Two devices, 60 s polls: each polls every 60 s, and the two 30 s apart.

    Virtual time starts on a whole second and moves one second at a time; each device's polls
    are recorded at their virtual second. (The coordinator puts a poll at a whole second plus
    0.05-0.5 s, and async_fire_time_changed fires what is due by the half second, so from a whole
    second each poll lands on its exact second.)
    """
    freezer.move_to("2026-06-01T12:00:00+00:00")
    async with Simulator(clients={CLIENT_ID: "s"}, device_count=2) as sim:
        entry = await _setup_two_devices(hass, sim)

        def polled() -> list[int]:
            return [
                int(path.split("/")[3]) for _, path, _ in sim.requests if path.endswith("/data")
            ]

        first, second = SEED_DEVICE_ID, SEED_DEVICE_ID + 1
        assert sorted(polled()) == [first, second]  # both read at set-up, at second 0
        polls: dict[int, list[int]] = {first: [], second: []}
        for now in range(1, 241):
            seen = len(polled())
            freezer.tick(timedelta(seconds=1))
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)
            for device_id in polled()[seen:]:
                polls[device_id].append(now)
        assert await hass.config_entries.async_unload(entry.entry_id)

    # Each device every 60 s; the second half an interval after the first: 30 s apart.
    assert polls == {first: [60, 120, 180, 240], second: [30, 90, 150, 210]}
