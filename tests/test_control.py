"""Issue 11: demand response in Home Assistant (actions, buttons, option), against the
simulator's fleet over real sockets with its real signature checks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICES,
    CONF_URL,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.setup import async_setup_component
import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion
import yaml

from custom_components.skycentrics.api import (
    Cta2045,
    CtChannel,
    Device,
    Measure,
    Snapshot,
    Thermostat,
)
from custom_components.skycentrics.const import CONF_COMMAND_DURATION, DOMAIN
from custom_components.skycentrics.coordinator import SkyCentricsCoordinator
from custom_components.skycentrics.services import supports_demand_response
from skycentrics_simulator import (
    FLEET_EV_CHARGER_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    Simulator,
    faults,
)

from .common import CLIENT_ID, CLIENT_SECRET

WATER_HEATER = FLEET_WATER_HEATER_ID
CHARGER = FLEET_EV_CHARGER_ID
THERMOSTAT = FLEET_THERMOSTAT_ID
HEATER_PATH = f"/api/devices/{WATER_HEATER}"
SERVICES_YAML = (
    Path(__file__).resolve().parent.parent / "custom_components" / "skycentrics" / "services.yaml"
)


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """The simulator with its fleet (water heater, thermostat, EV charger, second SkyBox)."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, fleet=True) as sim:
        yield sim


@pytest.fixture
def options() -> dict[str, Any]:
    return {}


@pytest.fixture
def config_entry(
    hass: HomeAssistant, simulator: Simulator, options: dict[str, Any]
) -> MockConfigEntry:
    """An entry holding the water heater, the thermostat and the EV charger."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="fleet",
        unique_id=CLIENT_ID,
        data={
            CONF_CLIENT_ID: CLIENT_ID,
            CONF_CLIENT_SECRET: CLIENT_SECRET,
            CONF_URL: simulator.url,
            CONF_DEVICES: [WATER_HEATER, THERMOSTAT, CHARGER],
        },
        options=options,
    )
    entry.add_to_hass(hass)
    return entry


def _device_id(hass: HomeAssistant, device: int) -> str:
    entry = next(iter(hass.config_entries.async_entries(DOMAIN)))
    return dr.async_get_device_id_by_identifier(
        hass, (DOMAIN, str(device)), config_entry_id=entry.entry_id
    )


def _button(hass: HomeAssistant, device: int, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(BUTTON_DOMAIN, DOMAIN, f"{device}|{key}")
    assert entity_id is not None, (device, key)
    return entity_id


def _coordinator(entry: MockConfigEntry, device: int) -> SkyCentricsCoordinator:
    coordinator: SkyCentricsCoordinator = entry.runtime_data.coordinators[device]
    return coordinator


def _state(entry: MockConfigEntry, device: int) -> Any:
    """The CTA-2045 operational state Home Assistant last read from /data."""
    cta2045 = _coordinator(entry, device).data.cta2045
    assert cta2045 is not None
    assert cta2045.state is not None
    return cta2045.state.value


def _data_requests(simulator: Simulator, device: int) -> int:
    return sum(1 for _, path, _ in simulator.requests if path == f"/api/devices/{device}/data")


def _puts(simulator: Simulator) -> list[tuple[str, str, int]]:
    """The control requests as the simulator answered them (its signature check included)."""
    return [request for request in simulator.requests if request[0] == "PUT"]


async def _automation(hass: HomeAssistant, action: dict[str, Any]) -> None:
    """Set up one automation running ``action`` on the event `skycentrics_test`."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "demand_response",
                "alias": "Demand response",
                "triggers": [{"trigger": "event", "event_type": "skycentrics_test"}],
                "actions": [action],
            }
        },
    )
    await hass.async_block_till_done()


async def _trigger(hass: HomeAssistant) -> None:
    hass.bus.async_fire("skycentrics_test")
    await hass.async_block_till_done()


# --- set-up ----------------------------------------------------------------------------------


async def test_setup_sends_nothing_and_buttons_only_for_cta2045(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """Set-up only reads: no control request. The water heater and the EV charger (CTA-2045)
    get the three buttons, the thermostat none; the actions are registered."""
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert simulator.control_requests == []
    assert _puts(simulator) == []
    registry = er.async_get(hass)
    buttons = {
        entry.unique_id
        for entry in er.async_entries_for_config_entry(registry, loaded_entry.entry_id)
        if entry.domain == BUTTON_DOMAIN
    }
    assert buttons == {
        f"{device}|{key}"
        for device in (WATER_HEATER, CHARGER)
        for key in ("shed_load", "load_up", "end_shed")
    }
    for service in ("start_event", "shed_load", "end_shed"):
        assert hass.services.has_service(DOMAIN, service)
    # As a user sees them (the README's examples use these).
    assert _button(hass, WATER_HEATER, "shed_load") == "button.water_heater_simulated_shed_load"
    assert _button(hass, WATER_HEATER, "load_up") == "button.water_heater_simulated_load_up"
    assert _button(hass, WATER_HEATER, "end_shed") == (
        "button.water_heater_simulated_back_to_normal"
    )
    await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert simulator.control_requests == []


async def test_button_entities(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
) -> None:
    """The button entities: names, translation keys, devices, states."""
    with patch("custom_components.skycentrics.PLATFORMS", [Platform.BUTTON]):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, ha_snapshot, config_entry.entry_id)


# --- the actions from automations ------------------------------------------------------------


async def test_shed_load_from_an_automation_with_a_device_target(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """An automation's action aimed at the water heater's device: one signed PUT with the
    exact body, then a refresh shows state 2 (running curtailed)."""
    assert _state(loaded_entry, WATER_HEATER) in (0, 1)
    polls = _data_requests(simulator, WATER_HEATER)
    await _automation(
        hass,
        {
            "action": "skycentrics.shed_load",
            "target": {"device_id": _device_id(hass, WATER_HEATER)},
            "data": {"duration": 900},
        },
    )
    assert simulator.control_requests == []  # an automation set up sends nothing
    await _trigger(hass)
    assert simulator.control_requests == [
        ("PUT", f"{HEATER_PATH}/load_shed", {"s": 1, "duration": 900})
    ]
    assert _puts(simulator) == [("PUT", f"{HEATER_PATH}/load_shed", 200)]  # signature accepted
    assert _data_requests(simulator, WATER_HEATER) == polls + 1
    assert _state(loaded_entry, WATER_HEATER) == 2


@pytest.mark.parametrize(
    ("event", "api_event", "state"),
    [("load_up", "LU", 3), ("critical_peak", "CPE", 2), ("grid_emergency", "GE", 2)],
)
async def test_start_event_from_an_automation_with_an_entity_target(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    event: str,
    api_event: str,
    state: int,
) -> None:
    """An automation's action aimed at a button entity commands that button's device once."""
    await _automation(
        hass,
        {
            "action": "skycentrics.start_event",
            "target": {"entity_id": _button(hass, WATER_HEATER, "load_up")},
            "data": {"event": event, "duration": 3600},
        },
    )
    await _trigger(hass)
    assert simulator.control_requests == [
        ("PUT", f"{HEATER_PATH}/event", {"event": api_event, "duration": 3600})
    ]
    assert _puts(simulator) == [("PUT", f"{HEATER_PATH}/event", 200)]
    assert _state(loaded_entry, WATER_HEATER) == state


async def test_end_shed_action_and_any_entity_of_the_device(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """end_shed ends a shed at once ({s: 0}); any of the device's entities names the device.
    Each command is followed by its own refresh, not debounced (no wait 10 s after the last)."""
    sensor = next(
        entry.entity_id
        for entry in er.async_entries_for_device(er.async_get(hass), _device_id(hass, WATER_HEATER))
        if entry.domain == "sensor"
    )
    await hass.services.async_call(
        DOMAIN, "shed_load", {ATTR_ENTITY_ID: sensor, "duration": 600}, blocking=True
    )
    assert _state(loaded_entry, WATER_HEATER) == 2
    await _automation(
        hass,
        {"action": "skycentrics.end_shed", "target": {"device_id": _device_id(hass, WATER_HEATER)}},
    )
    polls = _data_requests(simulator, WATER_HEATER)
    await _trigger(hass)
    assert simulator.control_requests == [
        ("PUT", f"{HEATER_PATH}/load_shed", {"s": 1, "duration": 600}),
        ("PUT", f"{HEATER_PATH}/load_shed", {"s": 0, "duration": 0}),
    ]
    assert _data_requests(simulator, WATER_HEATER) == polls + 1
    assert _state(loaded_entry, WATER_HEATER) in (0, 1)


async def test_one_command_per_device(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """A device and all three of its buttons, plus the charger: each device once. An area
    holding the thermostat and the water heater commands the water heater only."""
    await hass.services.async_call(
        DOMAIN,
        "shed_load",
        {
            "device_id": [_device_id(hass, WATER_HEATER), _device_id(hass, CHARGER)],
            ATTR_ENTITY_ID: [
                _button(hass, WATER_HEATER, key) for key in ("shed_load", "load_up", "end_shed")
            ],
            "duration": 60,
        },
        blocking=True,
    )
    assert sorted(simulator.control_requests) == [
        ("PUT", f"/api/devices/{WATER_HEATER}/load_shed", {"s": 1, "duration": 60}),
        ("PUT", f"/api/devices/{CHARGER}/load_shed", {"s": 1, "duration": 60}),
    ]
    assert _state(loaded_entry, CHARGER) == 2

    simulator.control_requests.clear()
    area = ar.async_get(hass).async_create("Utility room")
    devices = dr.async_get(hass)
    for device in (WATER_HEATER, THERMOSTAT):
        devices.async_update_device(_device_id(hass, device), area_id=area.id)
    await hass.services.async_call(DOMAIN, "end_shed", {"area_id": area.id}, blocking=True)
    assert simulator.control_requests == [
        ("PUT", f"{HEATER_PATH}/load_shed", {"s": 0, "duration": 0})
    ]


# --- the buttons and the option --------------------------------------------------------------


@pytest.mark.parametrize("options", [{CONF_COMMAND_DURATION: 5}])
async def test_buttons(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Each button sends its command with the option's duration (5 min = 300 s); the state
    after the refresh shows it."""
    presses = [
        ("shed_load", ("PUT", f"{HEATER_PATH}/load_shed", {"s": 1, "duration": 300}), {2}),
        ("load_up", ("PUT", f"{HEATER_PATH}/event", {"event": "LU", "duration": 300}), {3}),
        ("end_shed", ("PUT", f"{HEATER_PATH}/load_shed", {"s": 0, "duration": 0}), {0, 1}),
    ]
    for key, request, states in presses:
        await hass.services.async_call(
            BUTTON_DOMAIN,
            SERVICE_PRESS,
            {ATTR_ENTITY_ID: _button(hass, WATER_HEATER, key)},
            blocking=True,
        )
        assert simulator.control_requests[-1] == request
        assert _state(loaded_entry, WATER_HEATER) in states, key
    assert len(simulator.control_requests) == 3
    assert _puts(simulator) == [
        ("PUT", f"{HEATER_PATH}/load_shed", 200),
        ("PUT", f"{HEATER_PATH}/event", 200),
        ("PUT", f"{HEATER_PATH}/load_shed", 200),
    ]


async def test_button_default_duration_is_an_hour(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: _button(hass, CHARGER, "load_up")},
        blocking=True,
    )
    assert simulator.control_requests == [
        ("PUT", f"/api/devices/{CHARGER}/event", {"event": "LU", "duration": 3600})
    ]


async def test_option_command_duration(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """The options step bounds the duration (1 to 1440 min: its number selector refuses
    others), keeps it when left out, and the reloaded buttons use the new one."""
    flow = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    schema_keys = {str(key) for key in flow["data_schema"].schema}
    assert CONF_COMMAND_DURATION in schema_keys
    for bad in (0, 0.4, 1441, "x"):
        with pytest.raises(InvalidData) as refused:
            await hass.config_entries.options.async_configure(
                flow["flow_id"], {"scan_interval": 60, CONF_COMMAND_DURATION: bad}
            )
        assert list(refused.value.schema_errors) == [CONF_COMMAND_DURATION]
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"scan_interval": 60, CONF_COMMAND_DURATION: 1440}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options[CONF_COMMAND_DURATION] == 1440
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED

    flow = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {"scan_interval": 60}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options[CONF_COMMAND_DURATION] == 1440  # kept
    await hass.async_block_till_done()

    await hass.services.async_call(
        BUTTON_DOMAIN,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: _button(hass, WATER_HEATER, "shed_load")},
        blocking=True,
    )
    assert simulator.control_requests == [
        ("PUT", f"{HEATER_PATH}/load_shed", {"s": 1, "duration": 86_400})
    ]


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", [0, -5, 86_401, 1.5, "ten", None, True, float("nan")])
async def test_duration_out_of_bounds_is_refused(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry, duration: Any
) -> None:
    """Durations are whole seconds from 1 to 86,400; anything else is refused by the schema,
    before anything is sent."""
    target = {"device_id": _device_id(hass, WATER_HEATER)}
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN, "shed_load", {**target, "duration": duration}, blocking=True
        )
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN,
            "start_event",
            {**target, "event": "load_up", "duration": duration},
            blocking=True,
        )
    assert simulator.control_requests == []


async def test_duration_bounds_are_accepted(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """1 s and a day (also as text, as a template renders it) are sent as they are."""
    target = {"device_id": _device_id(hass, WATER_HEATER)}
    await hass.services.async_call(DOMAIN, "shed_load", {**target, "duration": 1}, blocking=True)
    await hass.services.async_call(
        DOMAIN, "start_event", {**target, "event": "load_up", "duration": "86400"}, blocking=True
    )
    assert simulator.control_requests == [
        ("PUT", f"{HEATER_PATH}/load_shed", {"s": 1, "duration": 1}),
        ("PUT", f"{HEATER_PATH}/event", {"event": "LU", "duration": 86_400}),
    ]


async def test_unknown_event_is_refused(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN,
            "start_event",
            {"device_id": _device_id(hass, WATER_HEATER), "event": "LU", "duration": 60},
            blocking=True,
        )
    assert simulator.control_requests == []


def test_services_yaml_bounds_and_options() -> None:
    """The UI's selectors have the schema's bounds and events; targets are this integration's."""
    services = yaml.safe_load(SERVICES_YAML.read_text())
    assert set(services) == {"start_event", "shed_load", "end_shed"}
    for service in services.values():
        assert service["target"] == {
            "device": {"integration": DOMAIN},
            "entity": {"integration": DOMAIN, "domain": "button"},
        }
    for name in ("start_event", "shed_load"):
        number = services[name]["fields"]["duration"]["selector"]["number"]
        assert (number["min"], number["max"], number["step"]) == (1, 86_400, 1)
    select = services["start_event"]["fields"]["event"]["selector"]["select"]
    assert select["options"] == ["load_up", "critical_peak", "grid_emergency"]
    assert select["translation_key"] == "event"


async def test_thermostat_is_refused(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """A device without a CTA-2045 port (the thermostat, type 242), named by its device or by
    one of its entities: a translated ServiceValidationError, nothing sent (not even to the
    water heater named beside it)."""
    thermostat = _device_id(hass, THERMOSTAT)
    entity = er.async_entries_for_device(er.async_get(hass), thermostat)[0].entity_id
    for target in (
        {"device_id": thermostat},
        {ATTR_ENTITY_ID: entity},
        {"device_id": [_device_id(hass, WATER_HEATER), thermostat]},
    ):
        with pytest.raises(ServiceValidationError) as caught:
            await hass.services.async_call(
                DOMAIN, "shed_load", {**target, "duration": 60}, blocking=True
            )
        assert caught.value.translation_key == "not_supported"
        assert str(caught.value) == (
            "ct80-simulated does not take demand-response commands. Only SkyCentrics devices "
            "with a CTA-2045 port do (water heaters, EV chargers, pool pumps, plugs, SkyBox "
            "gateways); thermostats and the parts a gateway measures do not"
        )  # Home Assistant drops a message's final period
    assert simulator.control_requests == []


async def test_other_targets_are_refused(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """An entity of another integration, an unknown device, an area without a device that
    takes commands, and an unloaded entry's device: translated errors, nothing sent."""
    hass.states.async_set("sensor.price", "0.42")
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN, "end_shed", {ATTR_ENTITY_ID: "sensor.price"}, blocking=True
        )
    assert caught.value.translation_key == "not_supported"
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(DOMAIN, "end_shed", {"device_id": "nope"}, blocking=True)
    assert caught.value.translation_key == "not_supported"
    area = ar.async_get(hass).async_create("Hall")
    dr.async_get(hass).async_update_device(_device_id(hass, THERMOSTAT), area_id=area.id)
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(DOMAIN, "end_shed", {"area_id": area.id}, blocking=True)
    assert caught.value.translation_key == "no_target"

    await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN, "end_shed", {"device_id": _device_id(hass, WATER_HEATER)}, blocking=True
        )
    assert caught.value.translation_key == "entry_not_loaded"
    assert "“fleet”, which is not loaded" in str(caught.value)
    assert simulator.control_requests == []


def test_supports_demand_response() -> None:
    """By type; a device without a known type when its readings hold the CTA-2045 family."""

    def coordinator(device_type: int | None, **families: Any) -> Any:
        return SimpleNamespace(
            device=Device(id=1, name="x", mac="", type=device_type),
            data=Snapshot(device_id=1, time=None, **families),
        )

    cta2045 = Cta2045(state=Measure(1))
    assert supports_demand_response(coordinator(107))
    assert supports_demand_response(coordinator(250))
    assert not supports_demand_response(coordinator(242, cta2045=cta2045))
    assert not supports_demand_response(coordinator(None))
    assert not supports_demand_response(coordinator(None, thermostat=Thermostat(mode=Measure(1))))
    assert supports_demand_response(coordinator(None, cta2045=cta2045))
    assert supports_demand_response(coordinator(None, cta2045=Cta2045()))  # the family, no value
    assert supports_demand_response(coordinator(9999, cta2045=cta2045))
    ct = (CtChannel("1", power_real=Measure(5)),)
    assert not supports_demand_response(coordinator(9999, ct=ct))


# --- errors ----------------------------------------------------------------------------------


async def test_refused_control_is_no_reauth(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """403 on control: a translated HomeAssistantError (from the action and the button); no
    reauth flow, the entry stays loaded and polling goes on."""
    simulator.control_forbidden.add(WATER_HEATER)
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "shed_load",
            {"device_id": _device_id(hass, WATER_HEATER), "duration": 60},
            blocking=True,
        )
    assert not isinstance(caught.value, ServiceValidationError)
    assert caught.value.translation_key == "control_refused"
    assert str(caught.value) == (
        "The SkyCentrics API refused to control water-heater-simulated (HTTP 403): these API "
        "keys may not control this device. Nothing was changed; ask SkyCentrics for keys that "
        "may control it"
    )
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            BUTTON_DOMAIN,
            SERVICE_PRESS,
            {ATTR_ENTITY_ID: _button(hass, WATER_HEATER, "load_up")},
            blocking=True,
        )
    assert caught.value.translation_key == "control_refused"
    assert len(simulator.control_requests) == 2
    await hass.async_block_till_done()
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert not _coordinator(loaded_entry, WATER_HEATER).auth_failed


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move Home Assistant's clock by ``seconds``: the polls that fall due run."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_nothing_is_sent_while_the_keys_are_refused(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Bug 4: once the API refuses the entry's keys (a poll's 401: reauth), the buttons are
    unavailable and a command raises the translated control_keys_refused error; nothing is
    sent (a press of an unavailable button does nothing)."""
    simulator.clients[CLIENT_ID] = "rotated-secret"
    await _poll(hass, freezer, 61)  # every device polls once
    assert all(_coordinator(loaded_entry, d).auth_failed for d in (WATER_HEATER, CHARGER))
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    buttons = [
        _button(hass, device, key)
        for device in (WATER_HEATER, CHARGER)
        for key in ("shed_load", "load_up", "end_shed")
    ]
    for button in buttons:
        assert hass.states.get(button).state == STATE_UNAVAILABLE, button
    requests = len(simulator.requests)
    for target in ({"device_id": _device_id(hass, WATER_HEATER)}, {ATTR_ENTITY_ID: "all"}):
        with pytest.raises(HomeAssistantError) as caught:
            await hass.services.async_call(
                DOMAIN, "shed_load", {**target, "duration": 60}, blocking=True
            )
        assert caught.value.translation_key == "control_keys_refused"
    assert str(caught.value) == (
        "The SkyCentrics API refuses the keys of water-heater-simulated's entry: nothing was "
        "sent. Re-authenticate the entry (Settings → Devices & services) first"
    )
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: buttons}, blocking=True
    )
    assert simulator.control_requests == []
    assert len(simulator.requests) == requests  # no request at all (no refresh either)


async def test_keys_refused_on_one_device_hold_for_the_entry(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """The keys are the entry's: refused on the thermostat's poll, no command goes with them
    to the water heater or the charger, which have not polled since."""
    simulator.clients[CLIENT_ID] = "rotated-secret"
    await _coordinator(loaded_entry, THERMOSTAT).async_refresh()
    await hass.async_block_till_done()
    assert _coordinator(loaded_entry, THERMOSTAT).auth_failed
    assert not _coordinator(loaded_entry, WATER_HEATER).auth_failed  # not polled yet
    buttons = [
        _button(hass, device, key)
        for device in (WATER_HEATER, CHARGER)
        for key in ("shed_load", "load_up", "end_shed")
    ]
    for button in buttons:
        assert hass.states.get(button).state == STATE_UNAVAILABLE, button
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: buttons}, blocking=True
    )
    for device in (WATER_HEATER, CHARGER):
        with pytest.raises(HomeAssistantError) as caught:
            await hass.services.async_call(
                DOMAIN, "end_shed", {"device_id": _device_id(hass, device)}, blocking=True
            )
        assert caught.value.translation_key == "control_keys_refused"
    assert simulator.control_requests == []
    assert _puts(simulator) == []


@pytest.mark.parametrize(
    ("fault", "key", "message"),
    [
        (
            faults.status(404),
            "control_not_found",
            f"The SkyCentrics API does not know device water-heater-simulated ({WATER_HEATER}): "
            "the command was not taken",
        ),
        (
            faults.status(429, retry_after=120),
            "control_rate_limited",
            "The SkyCentrics API asked to slow down: water-heater-simulated did not take the "
            "command. Try again in 120 s",
        ),
        (
            faults.status(429),
            "control_rate_limited_later",
            "The SkyCentrics API asked to slow down: water-heater-simulated did not take the "
            "command. Try again later",
        ),
        (
            faults.status(503, message="maintenance"),
            "control_failed",
            "The SkyCentrics API did not take the command for water-heater-simulated: "
            f"{HEATER_PATH}/load_shed: HTTP 503: maintenance",
        ),
        (
            [faults.drop(), faults.drop()],  # aiohttp sends a PUT again once by itself
            "control_cannot_connect",
            None,
        ),
    ],
    ids=["404", "429", "429-no-retry-after", "503", "dropped"],
)
async def test_errors_are_translated(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    fault: Any,
    key: str,
    message: str | None,
) -> None:
    """Each failure of the command: a translated HomeAssistantError, no refresh, no reauth."""
    polls = _data_requests(simulator, WATER_HEATER)
    for one in fault if isinstance(fault, list) else [fault]:
        simulator.add_fault(one)
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            BUTTON_DOMAIN,
            SERVICE_PRESS,
            {ATTR_ENTITY_ID: _button(hass, WATER_HEATER, "shed_load")},
            blocking=True,
        )
    assert caught.value.translation_key == key
    if message is not None:
        assert str(caught.value) == message
    else:
        assert str(caught.value).startswith(
            "Could not reach the SkyCentrics API to control water-heater-simulated: "
        )
    assert _data_requests(simulator, WATER_HEATER) == polls  # no refresh after a failure
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_timeout(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """No answer in time: a translated error saying the command may have been taken."""
    polls = _data_requests(simulator, CHARGER)
    loaded_entry.runtime_data.coordinators[CHARGER].client.request_timeout = 0.1
    simulator.add_fault(faults.delay(0.5))
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "start_event",
            {"device_id": _device_id(hass, CHARGER), "event": "grid_emergency", "duration": 60},
            blocking=True,
        )
    assert caught.value.translation_key == "control_timeout"
    assert str(caught.value) == (
        "The SkyCentrics API did not answer in time: ev-charger-simulated may or may not have "
        "taken the command. Check its state before sending the command again"
    )
    assert _data_requests(simulator, CHARGER) == polls  # no refresh after a failure
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    await asyncio.sleep(0.5)  # the simulator's late answer ends (no lingering task)


async def test_a_failing_device_does_not_stop_the_others(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """Two devices, the first refused: the second still gets its command; the error is raised."""
    simulator.control_forbidden.add(WATER_HEATER)
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "shed_load",
            {
                "device_id": [_device_id(hass, WATER_HEATER), _device_id(hass, CHARGER)],
                "duration": 60,
            },
            blocking=True,
        )
    assert caught.value.translation_key == "control_refused"
    assert {path for _, path, _ in simulator.control_requests} == {
        f"{HEATER_PATH}/load_shed",
        f"/api/devices/{CHARGER}/load_shed",
    }
    assert _state(loaded_entry, CHARGER) == 2


async def test_all_means_every_device_that_takes_commands(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """`entity_id: all`: the water heater and the EV charger, not the thermostat."""
    await hass.services.async_call(DOMAIN, "end_shed", {ATTR_ENTITY_ID: "all"}, blocking=True)
    assert sorted(simulator.control_requests) == [
        ("PUT", f"{HEATER_PATH}/load_shed", {"s": 0, "duration": 0}),
        ("PUT", f"/api/devices/{CHARGER}/load_shed", {"s": 0, "duration": 0}),
    ]


async def test_a_device_of_no_known_type_gets_buttons_once_it_shows_cta2045(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A device whose object has no type, and whose first answer holds no CTA-2045 field (a
    reading of its sensor list only: an answer without any reading is a failed poll), has no
    buttons; they come at the first poll whose readings show the family."""
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_DEVICES: [WATER_HEATER]}
    )
    sensor = {"id": "TANK", "name": "Tank", "type": "Temperature", "units": "F", "data": 120}
    simulator.add_fault(faults.delay(0))  # the device list, as it is
    simulator.add_fault(faults.edit_json(lambda device: {**device, "type": None}))
    simulator.add_fault(
        faults.edit_json(
            lambda data: {"device": WATER_HEATER, "time": data["time"], "sensors": [sensor]}
        )
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    assert not [
        e
        for e in er.async_entries_for_config_entry(registry, config_entry.entry_id)
        if e.domain == BUTTON_DOMAIN
    ]
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _button(hass, WATER_HEATER, "shed_load")
    freezer.tick(timedelta(seconds=61))  # later polls add nothing twice
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    buttons = [
        e
        for e in er.async_entries_for_config_entry(registry, config_entry.entry_id)
        if e.domain == BUTTON_DOMAIN
    ]
    assert len(buttons) == 3
