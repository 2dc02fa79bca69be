"""Coordinator error mapping, with faults served by the simulator."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.skycentrics.const import DOMAIN
from custom_components.skycentrics.coordinator import GRACE_POLLS, SkyCentricsCoordinator
from skycentrics_simulator import SEED_DEVICE_ID, Simulator, faults

from .common import CLIENT_ID


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 61) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def _state(
    hass: HomeAssistant, entity_id: str = "sensor.ssb_001_pae_replacement_battery_state_of_charge"
) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def _coordinator(entry: MockConfigEntry) -> SkyCentricsCoordinator:
    (coordinator,) = entry.runtime_data.coordinators.values()
    assert isinstance(coordinator, SkyCentricsCoordinator)
    return coordinator


def _data_statuses(simulator: Simulator) -> list[int]:
    return [status for _, path, status in simulator.requests if path.endswith("/data")]


async def test_rate_limit_backs_off_for_retry_after(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """429: the next poll waits for the server's Retry-After, not the poll interval."""
    simulator.add_fault(faults.status(429, retry_after=300))
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


# The entry polls every 60 s; virtual time starts at 12:00:00 and the first 429 comes at
# 12:01:00, the second one after the first wait (an HTTP-date is then reached: one interval).
RETRY_AFTER = [
    pytest.param(None, 60, 60, id="absent"),
    pytest.param("0", 60, 60, id="zero"),
    pytest.param("-30", 60, 60, id="negative"),
    pytest.param("NaN", 60, 60, id="nan"),
    pytest.param("1e12", 60, 60, id="1e12"),
    pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", 60, 60, id="past-date"),
    pytest.param("30", 60, 60, id="below-the-interval"),
    pytest.param("120", 120, 120, id="120"),
    pytest.param("Mon, 01 Jun 2026 12:11:00 GMT", 600, 60, id="date-in-10-min"),
    pytest.param("7200", 3600, 3600, id="2-hours"),
]


@pytest.mark.parametrize(("retry_after", "wait", "then"), RETRY_AFTER)
async def test_retry_after_is_held_within_interval_and_an_hour(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    retry_after: str | None,
    wait: int,
    then: int,
) -> None:
    """429: the next poll comes exactly after Retry-After held within [poll interval, 1 hour];
    a missing or unusable one (0, negative, NaN, absurd, past) waits one poll interval."""
    freezer.move_to("2026-06-01T12:00:00+00:00")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    simulator.add_fault(faults.status(429, retry_after=retry_after), times=2)
    await _poll(hass, freezer, 60)
    assert _data_statuses(simulator) == [200, 429]
    coordinator = _coordinator(config_entry)
    assert isinstance(coordinator.last_exception, UpdateFailed)
    assert coordinator.last_exception.retry_after == wait
    # The second answer is a 429 too, then the API answers again.
    for status, seconds in ((429, wait), (200, then)):
        served = len(_data_statuses(simulator))
        await _poll(hass, freezer, seconds - 1)
        assert len(_data_statuses(simulator)) == served  # not a second early
        await _poll(hass, freezer, 1)
        assert _data_statuses(simulator)[served:] == [status]  # on the second
    assert _data_statuses(simulator) == [200, 429, 429, 200]
    assert _state(hass) != STATE_UNAVAILABLE


async def test_persistent_rate_limit_polls_at_most_once_an_interval(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An hour of 429s with Retry-After 0, watched every 5 s: at most one request a minute."""
    simulator.add_fault(faults.status(429, retry_after=0), times=1000)
    served = len(simulator.requests)
    for _ in range(720):
        await _poll(hass, freezer, 5)
    assert 59 <= len(simulator.requests) - served <= 61
    assert not hass.config_entries.flow.async_progress()


async def test_revoked_keys_make_entities_unavailable(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 401 from the API: reauth starts and polling stops, so the entities no longer show the
    last values as current: unavailable, and "Readings stale" says Problem, until new keys."""
    stale = "binary_sensor.ssb_001_pae_replacement_readings_stale"
    assert _state(hass, stale) == "off"
    simulator.clients[CLIENT_ID] = "rotated-secret"  # the old secret is revoked
    await _poll(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert _state(hass) == STATE_UNAVAILABLE
    assert (
        _state(hass, "sensor.ssb_001_pae_replacement_pv_inverter_1_lifetime_energy_produced")
        == STATE_UNAVAILABLE
    )
    assert _state(hass, stale) == STATE_ON
    served = len(simulator.requests)
    for _ in range(5):  # polling has stopped; nothing changes
        await _poll(hass, freezer)
    assert len(simulator.requests) == served
    assert _state(hass) == STATE_UNAVAILABLE
    assert _state(hass, stale) == STATE_ON
    # The new secret: the reauth flow reloads the entry and the values are back.
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"client_secret": "rotated-secret"}
    )
    await hass.async_block_till_done()
    assert result["type"] == "abort"
    assert result["reason"] == "reauth_successful"
    assert _state(hass) != STATE_UNAVAILABLE
    assert _state(hass, stale) == "off"


@pytest.mark.parametrize("status", [401, 403])
async def test_proxy_html_page_is_not_a_reauth(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,  # before set-up: no timer of it is overdue at the 1st poll
    loaded_entry: MockConfigEntry,
    status: int,
) -> None:
    """A 401/403 HTML page from a proxy in front of the API is a flaky cloud, not bad keys: no
    reauth; the values ride out the grace period as for any failed poll."""
    good = _state(hass)
    simulator.add_fault(faults.html(status), times=GRACE_POLLS)
    for _ in range(GRACE_POLLS):
        await _poll(hass, freezer)
        assert _state(hass) == good
    assert _data_statuses(simulator)[-GRACE_POLLS:] == [status] * GRACE_POLLS
    assert not hass.config_entries.flow.async_progress()
    assert _coordinator(loaded_entry).failures == GRACE_POLLS
    await _poll(hass, freezer)
    assert _coordinator(loaded_entry).failures == 0
    assert not hass.config_entries.flow.async_progress()


async def test_device_gone_is_a_repair_issue(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """404 for the device: a repair issue and unavailable entities; both go when it is back."""
    simulator.add_fault(faults.status(404))
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
