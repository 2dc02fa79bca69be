"""Devices that join and leave the account while Home Assistant runs (devices.py), against the
simulator over a real socket: the list read every DEVICE_LIST_INTERVAL, the discovery flow that
offers a device to an entry of chosen devices, and the rule by which a device leaves."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_IGNORE,
    SOURCE_INTEGRATION_DISCOVERY,
    ConfigEntryState,
)
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_DEVICES, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.skycentrics.const import (
    DATA_ALL_DEVICES,
    DATA_MISSING_SINCE,
    DATA_NOT_CHOSEN,
    DEVICE_LIST_INTERVAL,
    DOMAIN,
)
from skycentrics_simulator import (
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    SEED_DEVICE_ID,
    Fault,
    Handler,
    Simulator,
    faults,
)

from .common import CLIENT_ID, CLIENT_SECRET
from .test_config_flow import _texts

SECOND = SEED_DEVICE_ID + 1
NEW = FLEET_WATER_HEATER_ID  # added to the account while Home Assistant runs
LATER = FLEET_THERMOSTAT_ID  # added after NEW
LIST = "/api/devices/"
EVERY_DEVICE = {DATA_ALL_DEVICES: True, DATA_NOT_CHOSEN: []}
CHOSEN_DEVICES = {DATA_ALL_DEVICES: False, DATA_NOT_CHOSEN: []}


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """The simulator with two devices (the seed device and SECOND) on the account."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, device_count=2) as sim:
        yield sim


def _on_list(fault: Fault) -> Fault:
    """``fault`` for the device list only; every other request is served as usual."""

    async def on_list(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == LIST:
            return await fault(request, handler)
        return await handler(request)

    return on_list


async def _setup(
    hass: HomeAssistant, simulator: Simulator, devices: list[int], **data: Any
) -> MockConfigEntry:
    """An entry of ``devices`` (and the flags in ``data``), set up; its list read done."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id=CLIENT_ID,
        data={
            CONF_CLIENT_ID: CLIENT_ID,
            CONF_CLIENT_SECRET: CLIENT_SECRET,
            CONF_URL: simulator.url,
            CONF_DEVICES: devices,
            **data,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


async def _wait(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delay: timedelta) -> None:
    freezer.tick(delay)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _next_list_read(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    await _wait(hass, freezer, DEVICE_LIST_INTERVAL)


def _list_reads(simulator: Simulator) -> int:
    return sum(1 for _, path, _ in simulator.requests if path == LIST)


def _registered(hass: HomeAssistant, entry: MockConfigEntry, device_id: int) -> tuple[int, int]:
    """How many devices and entities of ``device_id`` (a gateway and its parts) the registries
    hold for the entry."""
    devices = [
        device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if any(key.split("_")[0] == str(device_id) for _, key in device.identifiers)
    ]
    entities = [
        entity
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if entity.unique_id.startswith((f"{device_id}_", f"{device_id}|"))
    ]
    return len(devices), len(entities)


def _offers(hass: HomeAssistant) -> list[Any]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]


def _state_of(hass: HomeAssistant, device_id: int) -> Any:
    """The state of the device's state-of-charge sensor (None: no such entity)."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{device_id}_BESS_STATE_OF_CHARGE"
    )
    return hass.states.get(entity_id) if entity_id else None


# --- joining ---------------------------------------------------------------------------------


async def test_a_new_device_joins_an_entry_of_every_device(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """An entry made with every listed device takes in a device added to the account while
    Home Assistant runs, at the next list read, with its devices and entities: nothing asked,
    nothing reloaded by hand."""
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID, SECOND], **EVERY_DEVICE)
    assert _list_reads(simulator) == 1  # at set-up
    simulator.add_fleet_device(NEW)
    await _wait(hass, freezer, DEVICE_LIST_INTERVAL - timedelta(minutes=1))
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID, SECOND]  # the list is not read yet
    assert _registered(hass, entry, NEW) == (0, 0)
    await _wait(hass, freezer, timedelta(minutes=1))
    assert _list_reads(simulator) == 3  # and once more by the reload's set-up
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID, SECOND, NEW]
    assert set(entry.runtime_data.coordinators) == {SEED_DEVICE_ID, SECOND, NEW}
    devices, entities = _registered(hass, entry, NEW)
    assert devices == 1
    assert entities > 0
    assert _registered(hass, entry, SECOND) == (6, 70)  # the others as they were
    assert _state_of(hass, SECOND).state not in {"unavailable", "unknown"}
    assert _offers(hass) == []


async def test_a_new_device_is_offered_to_an_entry_of_chosen_devices(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """An entry of chosen devices: a device that joins the account is offered once (a
    discovery naming it and the entry); confirming adds it to the entry, which reloads with
    it."""
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID, SECOND], **CHOSEN_DEVICES)
    simulator.add_fleet_device(NEW)
    await _next_list_read(hass, freezer)
    (offer,) = _offers(hass)
    assert offer["step_id"] == "discovery_confirm"
    assert offer["context"]["title_placeholders"] == {"name": "water-heater-simulated"}
    assert offer["context"]["unique_id"] == f"{CLIENT_ID}:{NEW}"
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID, SECOND]  # nothing without the user
    await _next_list_read(hass, freezer)
    assert [flow["flow_id"] for flow in _offers(hass)] == [offer["flow_id"]]  # offered once

    result = await hass.config_entries.flow.async_configure(offer["flow_id"])
    assert result["type"] is FlowResultType.FORM  # the form again, as the user opens it
    (text,) = _texts(result)
    assert f"water-heater-simulated ({NEW})" in text
    assert "“Home”" in text
    result = await hass.config_entries.flow.async_configure(offer["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "device_added"
    _texts(result)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID, SECOND, NEW]
    assert set(entry.runtime_data.coordinators) == {SEED_DEVICE_ID, SECOND, NEW}
    assert _registered(hass, entry, NEW)[0] == 1
    await _next_list_read(hass, freezer)
    assert _offers(hass) == []


async def test_an_entry_of_an_older_version_counts_as_chosen_devices(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """An entry without the flag (made by an older version): the devices its first list read
    finds are taken for left out (not offered, not added); a device added later is offered."""
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID])
    assert entry.data[DATA_ALL_DEVICES] is False
    assert entry.data[DATA_NOT_CHOSEN] == [SECOND]
    assert _offers(hass) == []
    simulator.add_fleet_device(NEW)
    await _next_list_read(hass, freezer)
    assert [flow["context"]["unique_id"] for flow in _offers(hass)] == [f"{CLIENT_ID}:{NEW}"]
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID]


async def test_a_device_left_out_is_not_offered(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A device the user left out when choosing is neither offered nor taken in; one that
    another entry holds neither."""
    entry = await _setup(
        hass, simulator, [SEED_DEVICE_ID], **{DATA_ALL_DEVICES: False, DATA_NOT_CHOSEN: [SECOND]}
    )
    simulator.add_fleet_device(NEW)
    other = MockConfigEntry(domain=DOMAIN, unique_id="other", data={CONF_DEVICES: [NEW]})
    other.add_to_hass(hass)
    await _next_list_read(hass, freezer)
    assert _offers(hass) == []
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID]


async def test_an_ignored_offer_is_not_made_again(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Ignoring the offer (as the frontend does) declines the device for this entry: it is
    not offered again, not added; another device still is offered."""
    assert await async_setup_component(hass, "config", {})
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID], **CHOSEN_DEVICES)
    (offer,) = _offers(hass)  # offered at set-up: the account has it and no entry does
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "config_entries/ignore_flow", "flow_id": offer["flow_id"], "title": "Second"}
    )
    assert (await client.receive_json())["success"]
    await hass.async_block_till_done()
    assert _offers(hass) == []
    (ignored,) = hass.config_entries.async_entries(DOMAIN, include_ignore=True)[1:]
    assert (ignored.source, ignored.unique_id) == (SOURCE_IGNORE, f"{CLIENT_ID}:{SECOND}")
    simulator.add_fleet_device(NEW)
    await _next_list_read(hass, freezer)
    assert [flow["context"]["unique_id"] for flow in _offers(hass)] == [f"{CLIENT_ID}:{NEW}"]
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID]


async def test_an_offer_goes_with_its_entry(hass: HomeAssistant, simulator: Simulator) -> None:
    """Removing the entry withdraws the devices offered to it."""
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID], **CHOSEN_DEVICES)
    assert len(_offers(hass)) == 1
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert _offers(hass) == []


async def test_an_offer_to_an_entry_that_is_gone(hass: HomeAssistant) -> None:
    """An offer whose entry was removed before the flow started ends at once."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY, "entry_id": "removed"},
        data={"device_id": SECOND, "name": "ssb-002-simulated"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_removed"
    _texts(result)


async def test_an_offer_confirmed_too_late(hass: HomeAssistant, simulator: Simulator) -> None:
    """Confirmed after the keys were refused: the form says so and can be sent again; after
    another entry took the device, or the account dropped it: nothing is added."""
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID], **CHOSEN_DEVICES)
    (offer,) = _offers(hass)
    simulator.clients[CLIENT_ID] = "rotated"
    result = await hass.config_entries.flow.async_configure(offer["flow_id"], {})
    assert result["errors"] == {"base": "invalid_auth_entry"}
    assert CLIENT_ID in _texts(result)[1]
    simulator.clients[CLIENT_ID] = CLIENT_SECRET
    other = MockConfigEntry(domain=DOMAIN, title="Other", data={CONF_DEVICES: [SECOND]})
    other.add_to_hass(hass)
    result = await hass.config_entries.flow.async_configure(offer["flow_id"], {})
    assert result["reason"] == "device_taken_meanwhile"
    assert "(Other)" in _texts(result)[0]
    assert await hass.config_entries.async_remove(other.entry_id)
    assert await hass.config_entries.async_reload(entry.entry_id)  # offered again
    await hass.async_block_till_done(wait_background_tasks=True)
    (offer,) = _offers(hass)
    simulator.remove_device(SECOND)
    result = await hass.config_entries.flow.async_configure(offer["flow_id"], {})
    assert result["reason"] == "device_gone"
    assert "ssb-002-simulated" in _texts(result)[0]
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID]


# --- leaving ---------------------------------------------------------------------------------


async def test_a_device_the_api_no_longer_knows_leaves(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """Not listed and 404 for its readings: the device leaves at that list read, with its
    devices, its entities and its repair issues (not another entry's, nor one of no device);
    the other device stays as it was."""
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID, SECOND], **EVERY_DEVICE)
    simulator.remove_device(SECOND)
    await _wait(hass, freezer, timedelta(seconds=61))  # a poll: the repair issue
    issues = ir.async_get(hass)
    assert issues.async_get_issue(DOMAIN, f"device_not_found_{SECOND}") is not None
    kept = {"other entry": f"unit_changed_{SECOND}_X", entry.entry_id: "unit_changed_x_y"}
    for entry_id, issue_id in kept.items():
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            data={"entry_id": entry_id},
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="unit_changed",
        )
    await _next_list_read(hass, freezer)
    assert all(issues.async_get_issue(DOMAIN, issue_id) for issue_id in kept.values())
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID]
    assert entry.data.get(DATA_MISSING_SINCE, {}) == {}
    assert set(entry.runtime_data.coordinators) == {SEED_DEVICE_ID}
    assert _registered(hass, entry, SECOND) == (0, 0)
    assert _state_of(hass, SECOND) is None
    assert issues.async_get_issue(DOMAIN, f"device_not_found_{SECOND}") is None
    assert _registered(hass, entry, SEED_DEVICE_ID) == (6, 70)
    assert _state_of(hass, SEED_DEVICE_ID).state not in {"unavailable", "unknown"}


async def test_a_device_gone_while_home_assistant_was_stopped_is_not_set_up(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Set-up reads the list first: a device that left the account meanwhile (not listed,
    404) leaves before it is set up; one that joined (an entry of every device) is set up
    with the others; no reload."""
    simulator.remove_device(SECOND)
    simulator.add_fleet_device(NEW)
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID, SECOND], **EVERY_DEVICE)
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID, NEW]
    assert set(entry.runtime_data.coordinators) == {SEED_DEVICE_ID, NEW}
    assert _list_reads(simulator) == 1
    assert [path for _, path, _ in simulator.requests].count(f"/api/devices/{SECOND}/data") == 1


async def test_a_device_missing_from_the_list_that_answers_leaves_after_a_day(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A device the list misses but that still answers stays until every list read for a
    day has missed it; a list that holds it again starts the day over."""
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID, SECOND], **EVERY_DEVICE)
    without_second = faults.edit_json(lambda devices: [d for d in devices if d["id"] != SECOND])
    simulator.add_fault(_on_list(without_second), times=10**6)
    await _next_list_read(hass, freezer)  # missed for the first time
    first = entry.data[DATA_MISSING_SINCE][str(SECOND)]
    await _next_list_read(hass, freezer)
    assert entry.data[DATA_MISSING_SINCE] == {str(SECOND): first}
    simulator.faults.clear()
    await _next_list_read(hass, freezer)  # listed again
    assert entry.data[DATA_MISSING_SINCE] == {}
    simulator.add_fault(_on_list(without_second), times=10**6)
    for _ in range(4):  # missed for 0, 6, 12, 18 hours
        await _next_list_read(hass, freezer)
        assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID, SECOND]
    assert _state_of(hass, SECOND).state not in {"unavailable", "unknown"}
    await _next_list_read(hass, freezer)  # 24 hours
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID]
    assert entry.data[DATA_MISSING_SINCE] == {}
    assert _registered(hass, entry, SECOND) == (0, 0)
    simulator.faults.clear()


async def test_a_device_whose_readings_fail_is_not_taken_for_gone(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """Missed by the list, and its readings fail otherwise than with a 404: the device stays
    (missing since then); the next list read that gets the 404 takes it out."""
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID, SECOND], **EVERY_DEVICE)
    simulator.remove_device(SECOND)

    async def readings_fail(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == f"/api/devices/{SECOND}/data":
            return web.json_response({"error": {"message": "injected"}}, status=500)
        return await handler(request)

    simulator.add_fault(readings_fail, times=10**6)
    await _next_list_read(hass, freezer)
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID, SECOND]
    assert set(entry.data[DATA_MISSING_SINCE]) == {str(SECOND)}
    simulator.faults.clear()
    await _next_list_read(hass, freezer)
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID]


async def test_the_last_device_stays(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """An entry's last device does not leave by itself (its repair issue says it is gone),
    though the list holds others (left out here)."""
    entry = await _setup(
        hass, simulator, [SEED_DEVICE_ID], **{DATA_ALL_DEVICES: False, DATA_NOT_CHOSEN: [SECOND]}
    )
    simulator.remove_device(SEED_DEVICE_ID)
    await _next_list_read(hass, freezer)
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID]
    assert _registered(hass, entry, SEED_DEVICE_ID) == (6, 70)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"device_not_found_{SEED_DEVICE_ID}")
    assert issue is not None


# --- a list that cannot be read, unloading ---------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(faults.status(500), id="500"),
        pytest.param(faults.status(401, message="Invalid signature"), id="401"),
        pytest.param(faults.status(403, message="No permission"), id="403"),
        pytest.param(faults.status(404, message="Not found"), id="404"),
        pytest.param(faults.status(429, retry_after=60), id="429"),
        pytest.param(faults.html(), id="html"),
        pytest.param(faults.drop(), id="dropped"),
        pytest.param(faults.edit_json(lambda devices: []), id="empty"),
        pytest.param(faults.edit_json(lambda devices: {"detail": "x"}), id="not-a-list"),
    ],
)
async def test_a_list_read_that_fails_changes_nothing(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory, fault: Fault
) -> None:
    """A list that cannot be read, or is empty: no device joins or leaves, nothing is
    recorded as missing, no reauth (the keys still read the devices); the next good read
    applies both."""
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID, SECOND], **EVERY_DEVICE)
    simulator.add_fleet_device(NEW)
    simulator.remove_device(SECOND)
    data = dict(entry.data)
    simulator.add_fault(_on_list(fault), times=10**6)
    await _next_list_read(hass, freezer)
    await _next_list_read(hass, freezer)
    assert entry.data == data
    assert entry.state is ConfigEntryState.LOADED
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    simulator.faults.clear()
    await _next_list_read(hass, freezer)
    assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID, NEW]
    assert set(entry.runtime_data.coordinators) == {SEED_DEVICE_ID, NEW}


async def test_unload_stops_the_list_reads(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """Unloading the entry cancels the list's timer."""
    entry = await _setup(hass, simulator, [SEED_DEVICE_ID, SECOND], **EVERY_DEVICE)
    await _next_list_read(hass, freezer)
    assert _list_reads(simulator) == 2
    assert await hass.config_entries.async_unload(entry.entry_id)
    await _next_list_read(hass, freezer)
    await _next_list_read(hass, freezer)
    assert _list_reads(simulator) == 2
