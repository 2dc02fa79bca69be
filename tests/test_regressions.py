"""Behaviour bugs found while making every reading one path (issue 16): each test here failed
on 0.2.0 (51c5329) and passes since its fix. They go through Home Assistant and the simulator
only, never through the integration's internals."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import get_last_statistics, list_statistic_ids
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.helpers.recorder import get_instance
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import RecorderInstanceContextManager

from custom_components.skycentrics.const import DOMAIN
from skycentrics_simulator import FLEET_WATER_HEATER_ID, SEED_DEVICE_ID, Simulator, faults

from .common import CLIENT_ID, CLIENT_SECRET

OTHER_ID = "b3FbCz7EdQzHTaUlsqXE"
OTHER_SECRET = "other-secret-do-not-log"
SOC = "sensor.ssb_001_pae_replacement_battery_state_of_charge"
NOW = datetime(2026, 10, 20, 12, 30, tzinfo=UTC)


def _entry(
    hass: HomeAssistant, sim: Simulator, devices: list[int], **kwargs: Any
) -> MockConfigEntry:
    client_id, secret = kwargs.pop("keys", (CLIENT_ID, CLIENT_SECRET))
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"entry {devices}",
        unique_id=client_id,
        data={
            "client_id": client_id,
            "client_secret": secret,
            "url": sim.url,
            "devices": devices,
        },
        **kwargs,
    )
    entry.add_to_hass(hass)
    return entry


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up the entry (setting up the integration sets up every entry added before)."""
    if entry.state is not ConfigEntryState.LOADED:
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 61) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def two_keys(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """The simulator with two devices and two pairs of keys, each reading one device."""
    async with Simulator(
        clients={CLIENT_ID: CLIENT_SECRET, OTHER_ID: OTHER_SECRET}, device_count=2
    ) as sim:
        sim.readable_by = {CLIENT_ID: {SEED_DEVICE_ID}, OTHER_ID: {SEED_DEVICE_ID + 1}}
        yield sim


# --- bug 3: removing an entry deletes only its own issues --------------------------------------


async def test_removing_an_entry_keeps_the_other_entrys_issues(
    hass: HomeAssistant, two_keys: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """An issue of the second entry whose id holds the first entry's device id survives the
    first entry's removal (0.2.0 searched the device ids anywhere in the issue ids)."""
    first = _entry(hass, two_keys, [SEED_DEVICE_ID])
    second = _entry(hass, two_keys, [SEED_DEVICE_ID + 1], keys=(OTHER_ID, OTHER_SECRET))
    sensor = f"METER_{SEED_DEVICE_ID}_ENERGY"  # a sensor id that holds the other device's id
    two_keys.add_sensor(
        SEED_DEVICE_ID + 1,
        {"id": sensor, "name": sensor, "type": "Energy", "units": "kWh", "data": 5.0},
    )
    await _set_up(hass, first)
    await _set_up(hass, second)
    # Now in a unit of another kind: a repair issue of the second entry.
    two_keys.remove_sensor(SEED_DEVICE_ID + 1, sensor)
    two_keys.add_sensor(
        SEED_DEVICE_ID + 1,
        {"id": sensor, "name": sensor, "type": "Energy", "units": "V", "data": 5.0},
    )
    await _poll(hass, freezer)
    issues = {issue_id for domain, issue_id in ir.async_get(hass).issues if domain == DOMAIN}
    (own,) = [issue for issue in issues if sensor in issue]
    assert str(SEED_DEVICE_ID) in own.removeprefix(f"unit_changed_{SEED_DEVICE_ID + 1}")

    assert await hass.config_entries.async_remove(first.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, own) is not None


# --- bug 4: no command with keys the API refuses ------------------------------------------------


async def test_buttons_are_unavailable_while_the_keys_are_refused(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    """Once the API refuses the keys (reauth), the buttons are unavailable and a press sends
    nothing (0.2.0 sent the command and reported that the keys may not control the device)."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, fleet=True) as sim:
        entry = _entry(hass, sim, [FLEET_WATER_HEATER_ID])
        await _set_up(hass, entry)
        button = er.async_get(hass).async_get_entity_id(
            "button", DOMAIN, f"{FLEET_WATER_HEATER_ID}|shed_load"
        )
        assert button is not None
        sim.clients[CLIENT_ID] = "rotated-secret"  # the API refuses the keys from now on
        await _poll(hass, freezer)
        state = hass.states.get(button)
        assert state is not None
        assert state.state == STATE_UNAVAILABLE
        # Home Assistant presses no unavailable button; the integration's action refuses.
        await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
        with pytest.raises(HomeAssistantError, match=r"[Rr]e-authenticate"):
            await hass.services.async_call(
                DOMAIN, "shed_load", {"entity_id": button, "duration": 60}, blocking=True
            )
        assert sim.control_requests == []


# --- bug 5: one clock issue for every entry -----------------------------------------------------


async def test_the_clock_issue_stays_while_any_entry_sees_the_clock_off(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    """Two entries on two servers: one server's clock is 10 minutes ahead. The other entry's
    polls, which see no offset, must not take the issue away (0.2.0 deleted it, and the first
    entry, which remembered having raised it, never raised it again)."""
    freezer.move_to(NOW)
    ahead = Simulator(
        clients={CLIENT_ID: CLIENT_SECRET},
        clock=lambda: datetime.now(UTC) + timedelta(minutes=10),
        date_tolerance=3600,
    )
    right = Simulator(clients={OTHER_ID: OTHER_SECRET})
    async with ahead, right:
        await _set_up(hass, _entry(hass, ahead, [SEED_DEVICE_ID]))
        assert ir.async_get(hass).async_get_issue(DOMAIN, "clock_skew") is not None
        await _set_up(hass, _entry(hass, right, [SEED_DEVICE_ID], keys=(OTHER_ID, OTHER_SECRET)))
        for _ in range(3):
            await _poll(hass, freezer)
            assert ir.async_get(hass).async_get_issue(DOMAIN, "clock_skew") is not None


# --- bug 6: one Home Assistant device per SkyCentrics device -----------------------------------


@pytest.mark.parametrize("mac", ["2ccf676dadbb", "000000000000", "ff:ff:ff:ff:ff:ff"])
async def test_devices_that_share_a_mac_stay_apart(
    hass: HomeAssistant, socket_enabled: None, mac: str
) -> None:
    """Two devices whose objects carry the same MAC (or a placeholder) are two Home Assistant
    devices with their own entities (0.2.0 made the MAC a connection, and the device registry
    merged them into one)."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, device_count=2) as sim:
        for device in sim.devices.values():
            device["mac"] = mac
        entry = _entry(hass, sim, [SEED_DEVICE_ID, SEED_DEVICE_ID + 1])
        await _set_up(hass, entry)
        registry = dr.async_get(hass)
        first = registry.async_get_device_by_identifier(
            (DOMAIN, str(SEED_DEVICE_ID)), entry.entry_id
        )
        second = registry.async_get_device_by_identifier(
            (DOMAIN, str(SEED_DEVICE_ID + 1)), entry.entry_id
        )
        assert first is not None
        assert second is not None
        assert first.id != second.id
        assert first.name == "ssb-001-pae-replacement"
        assert second.name == "ssb-002-simulated"


# --- bug 7: an answer without any reading is a failed poll ------------------------------------


@pytest.mark.parametrize("answer", [{}, {"sensors": []}, {"sensors": None}, {"sensors": {}}])
async def test_an_answer_without_readings_is_a_failed_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,  # before set-up: no timer of it is overdue at the 1st poll
    loaded_entry: MockConfigEntry,
    answer: dict[str, Any],
) -> None:
    """The entities keep their last values for the grace polls, then become unavailable, as
    for a timeout (0.2.0 made every entity unavailable at once); a sensor missing from an
    otherwise normal answer is still unavailable at once."""
    before = hass.states.get(SOC)
    assert before is not None
    assert before.state != STATE_UNAVAILABLE
    simulator.add_fault(faults.edit_json(lambda _answer: {"device": SEED_DEVICE_ID} | answer), 3)
    for _ in range(3):
        await _poll(hass, freezer)
        state = hass.states.get(SOC)
        assert state is not None
        assert state.state == before.state
    simulator.add_fault(faults.edit_json(lambda _answer: {"device": SEED_DEVICE_ID} | answer))
    await _poll(hass, freezer)
    state = hass.states.get(SOC)
    assert state is not None
    assert state.state == STATE_UNAVAILABLE
    await _poll(hass, freezer)  # answers again
    simulator.remove_sensor(SEED_DEVICE_ID, "BESS_STATE_OF_CHARGE")
    await _poll(hass, freezer)
    state = hass.states.get(SOC)
    assert state is not None
    assert state.state == STATE_UNAVAILABLE


# --- bugs 1 and 2: statistics with the real recorder ------------------------------------------


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: RecorderInstanceContextManager) -> None:
    """The recorder's database is prepared before Home Assistant starts."""


async def _import(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the history import run to its end (each pause between two requests passes)."""
    for _ in range(20):
        await hass.async_block_till_done(wait_background_tasks=True)
        await async_wait_recording_done(hass)
        freezer.tick(timedelta(seconds=6))
        async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


async def _last(hass: HomeAssistant, statistic_id: str) -> dict[str, Any] | None:
    rows = await get_instance(hass).async_add_executor_job(
        get_last_statistics, hass, 1, statistic_id, False, {"state", "sum", "mean"}
    )
    return dict(rows[statistic_id][0]) if rows.get(statistic_id) else None


async def _statistic_ids(hass: HomeAssistant) -> set[str]:
    found = await get_instance(hass).async_add_executor_job(list_statistic_ids, hass)
    return {row["statistic_id"] for row in found}


@pytest.mark.usefixtures("recorder_mock")
async def test_statistic_ids_do_not_swap_when_a_colliding_sensor_appears(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    """``LOAD_1`` has a statistic; ``LOAD-1``, whose slug is the same and which sorts first,
    appears later. After a restart each statistic still holds its own sensor's readings
    (0.2.0 gave the plain id to whichever sorted first, so the two series swapped)."""
    freezer.move_to(NOW)
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}) as sim:
        sim.add_sensor(
            SEED_DEVICE_ID,
            {"id": "LOAD_1", "name": "LOAD_1", "type": "Power", "units": "kW", "data": 1.0},
        )
        entry = _entry(hass, sim, [SEED_DEVICE_ID], options={"history_days": 1})
        await _set_up(hass, entry)
        await _import(hass, freezer)
        own = f"{DOMAIN}:{SEED_DEVICE_ID}_load_1"
        assert own in await _statistic_ids(hass)
        sim.add_sensor(
            SEED_DEVICE_ID,
            {"id": "LOAD-1", "name": "LOAD-1", "type": "Power", "units": "kW", "data": 9.0},
        )
        for _ in range(3):
            await _poll(hass, freezer, 3600)
            await _import(hass, freezer)
        assert await hass.config_entries.async_reload(entry.entry_id)
        for _ in range(2):
            await _poll(hass, freezer, 3600)
            await _import(hass, freezer)
        ids = {i for i in await _statistic_ids(hass) if i.startswith(f"{own}")}
        assert len(ids) == 2
        for statistic_id in ids:
            last = await _last(hass, statistic_id)
            assert last is not None
            assert last["mean"] == (1.0 if statistic_id == own else 9.0), statistic_id


@pytest.mark.usefixtures("recorder_mock")
async def test_a_rescaled_counter_missing_from_the_first_poll_is_imported_again(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> None:
    """The user decodes a word-swapped counter; the poll right after the reload lacks it. Its
    statistic must still be imported again in the new scale (0.2.0 left it in the old one and
    recorded the new scale as applied: every decoded reading then looked like a drop)."""
    freezer.move_to(NOW)
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}) as sim:
        sim.swapped_counters = True
        entry = _entry(hass, sim, [SEED_DEVICE_ID], options={"history_days": 1})
        await _set_up(hass, entry)
        await _import(hass, freezer)
        statistic_id = f"{DOMAIN}:{SEED_DEVICE_ID}_bess_lifetime_charge_counter"
        swapped = await _last(hass, statistic_id)
        assert swapped is not None
        assert swapped["state"] > 65536

        removed = next(
            s for s in sim.sensors(SEED_DEVICE_ID) if s["id"] == "BESS_LIFETIME_CHARGE_COUNTER"
        )
        sim.remove_sensor(SEED_DEVICE_ID, "BESS_LIFETIME_CHARGE_COUNTER")
        hass.config_entries.async_update_entry(
            entry,
            options={
                **entry.options,
                "swapped_counters": [f"{SEED_DEVICE_ID}_BESS_LIFETIME_CHARGE_COUNTER"],
            },
        )
        assert await hass.config_entries.async_reload(entry.entry_id)
        await _import(hass, freezer)
        sim.add_sensor(SEED_DEVICE_ID, removed)
        await _poll(hass, freezer)
        await _import(hass, freezer)
        await _poll(hass, freezer, 3600)
        await _import(hass, freezer)
        decoded = await _last(hass, statistic_id)
        assert decoded is not None
        truth = sim.counter_kwh(
            SEED_DEVICE_ID,
            "BESS_LIFETIME_CHARGE_COUNTER",
            datetime.fromtimestamp(decoded["start"], UTC) + timedelta(hours=1),
        )
        assert decoded["state"] < 65536
        assert abs(decoded["state"] - truth) <= 1
