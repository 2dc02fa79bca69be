"""Fault injection against the simulator over real sockets: what the integration does with each.

Each test drives one fault with `skycentrics_simulator.faults` (or the simulator's clock and
readings) and asserts the entity states, the log lines and the flows that result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import json
import logging
from typing import Any
from unittest.mock import patch

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.skycentrics.const import CONF_HISTORY_DAYS, DOMAIN
from custom_components.skycentrics.coordinator import GRACE_POLLS
from skycentrics_simulator import SEED_DEVICE_ID, Fault, Handler, Simulator, faults

from .common import CLIENT_ID
from .test_statistics import (
    COUNTERS,
    PV_1,
    _kwh,
    _rows,
    _settle,
    frozen,  # noqa: F401  # fixtures
    mock_recorder_before_hass,  # noqa: F401
    waits,  # noqa: F401
)

SOC = "sensor.ssb_001_pae_replacement_battery_state_of_charge"
COUNTER = "sensor.ssb_001_pae_replacement_pv_inverter_1_lifetime_energy_produced"


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 61) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def _state(hass: HomeAssistant, entity_id: str = SOC) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == level and r.name.startswith("custom_components.skycentrics")
    ]


TRANSIENT: dict[str, Fault] = {
    "500": faults.status(500),
    "502": faults.status(502),
    "503": faults.status(503),
    "html": faults.html(),
    "invalid_json": faults.invalid_json(),
    "truncated_json": faults.truncated_json(),
    "oversized": faults.oversized(5 * 1024 * 1024),
    "dropped": faults.drop(),
}


@pytest.mark.parametrize("fault", list(TRANSIENT))
async def test_transient_fault_rides_out_the_grace_period(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    """Last good values for GRACE_POLLS failed polls, then unavailable; one warning, one info."""
    caplog.set_level(logging.DEBUG)
    good = _state(hass)
    simulator.add_fault(TRANSIENT[fault], times=100)  # a client may retry a dropped request
    for _ in range(GRACE_POLLS):
        await _poll(hass, freezer)
        assert _state(hass) == good
    assert _records(caplog, logging.WARNING) == []
    await _poll(hass, freezer)
    assert _state(hass) == STATE_UNAVAILABLE
    await _poll(hass, freezer)  # still failing: no second warning
    warnings = _records(caplog, logging.WARNING)
    assert len(warnings) == 1
    assert "unavailable after 4 failed poll(s)" in warnings[0]
    simulator.faults.clear()
    await _poll(hass, freezer)
    assert _state(hass) != STATE_UNAVAILABLE
    assert _records(caplog, logging.INFO) == ["SkyCentrics ssb-001-pae-replacement answers again"]
    assert not hass.config_entries.flow.async_progress()
    ours = [r for r in caplog.records if not r.name.startswith("aiohttp")]  # not the server's
    assert not [r for r in ours if r.exc_info and r.levelno >= logging.INFO]


async def test_timeout_is_transient(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """A server slower than the client's timeout: a transient failure, values kept."""
    (coordinator,) = loaded_entry.runtime_data.coordinators.values()
    coordinator.client.request_timeout = 0.2
    simulator.add_fault(faults.delay(0.5))
    good = _state(hass)
    await coordinator.async_refresh()
    assert coordinator.failures == 1
    assert _state(hass) == good
    await asyncio.sleep(0.5)  # let the slow answer end before the test does
    await coordinator.async_refresh()
    assert coordinator.failures == 0


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_fault_starts_reauth(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    status: int,
) -> None:
    """A 401/403 that stays with the clocks in agreement is a credential problem: reauth."""
    simulator.add_fault(faults.status(status))
    await _poll(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_rate_limit_keeps_values_and_backs_off(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """429: values stay (grace period), the next poll waits for Retry-After."""
    good = _state(hass)
    simulator.add_fault(faults.status(429, retry_after=600))
    await _poll(hass, freezer)
    assert _state(hass) == good
    served = len(simulator.requests)
    await _poll(hass, freezer, 300)
    assert len(simulator.requests) == served
    await _poll(hass, freezer, 320)
    assert len(simulator.requests) == served + 1


async def test_server_clock_offset(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The server's clock runs 10 minutes ahead: re-signed, no reauth, a repair issue that
    goes away once the clocks agree."""
    now = datetime.now(UTC)
    simulator.clock = lambda: datetime.now(UTC) + timedelta(minutes=10)
    await _poll(hass, freezer)
    assert _state(hass) != STATE_UNAVAILABLE
    assert not hass.config_entries.flow.async_progress()
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "clock_skew")
    assert issue is not None
    assert issue.translation_placeholders == {"offset": "600", "direction": "behind"}
    statuses = [r[2] for r in simulator.requests if r[1].endswith("/data")]
    assert statuses[-2:] == [401, 200]
    updates = async_capture_events(hass, ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED)
    with patch.object(ir, "async_delete_issue", wraps=ir.async_delete_issue) as delete:
        await _poll(hass, freezer)  # the same offset: the issue is left as it is
        assert (updates, delete.call_count) == ([], 0)
    simulator.clock = None
    await _poll(hass, freezer)
    assert ir.async_get(hass).async_get_issue(DOMAIN, "clock_skew") is None
    assert datetime.now(UTC) > now


async def test_real_credential_change_starts_reauth_even_with_skew(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Clock off and secret rotated: the retry with the right time is refused too -> reauth."""
    simulator.clock = lambda: datetime.now(UTC) - timedelta(minutes=30)
    simulator.clients[CLIENT_ID] = "rotated"
    await _poll(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


@pytest.mark.parametrize(
    ("value", "state"),
    [
        (None, STATE_UNKNOWN),
        (float("nan"), STATE_UNKNOWN),
        ("n/a", STATE_UNKNOWN),
        ("41.5", "41.5"),
    ],
)
async def test_bad_value_makes_one_entity_unknown(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    value: object,
    state: str,
) -> None:
    """null, NaN or text in a numeric sensor: that entity unknown (logged once), others fine."""
    simulator.set_value(SEED_DEVICE_ID, "BESS_STATE_OF_CHARGE", value)
    simulator.set_value(SEED_DEVICE_ID, "BESS_SYSTEM_AVERAGE_VOLTAGE", 512.5)
    await _poll(hass, freezer)
    await _poll(hass, freezer)
    assert _state(hass) == state
    voltage = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{SEED_DEVICE_ID}_BESS_SYSTEM_AVERAGE_VOLTAGE"
    )
    assert voltage is not None
    assert _state(hass, voltage) == "512.5"
    logged = [m for m in _records(caplog, logging.WARNING) if "not a usable value" in m]
    # NaN arrives as null (the parser drops non-finite numbers); text is logged once.
    assert len(logged) == (1 if value == "n/a" else 0)


async def test_sensors_disappear_and_appear(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A gone sensor's entity is unavailable; a new one gets an entity; the rest stay."""
    simulator.remove_sensor(SEED_DEVICE_ID, "BESS_STATE_OF_CHARGE")
    simulator.add_sensor(
        SEED_DEVICE_ID,
        {
            "id": "BESS_TEMPERATURE",
            "name": "BESS_TEMPERATURE",
            "type": "Temp",
            "units": "C",
            "data": 21,
        },
    )
    await _poll(hass, freezer)
    assert _state(hass) == STATE_UNAVAILABLE
    new = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{SEED_DEVICE_ID}_BESS_TEMPERATURE"
    )
    assert new is not None
    assert _state(hass, new) == "21"
    assert _state(hass, COUNTER) != STATE_UNAVAILABLE


@pytest.mark.parametrize("bad", [800000.0, 0, 0.0])
async def test_counter_going_backwards_is_not_passed_on(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    bad: float,
) -> None:
    """A lifetime counter that drops or reads 0 keeps its last good value; then goes on."""
    # From set-up on (a counter may not leap from its seed value to 900000 in one poll).
    simulator.set_value(SEED_DEVICE_ID, "SOLAR_INVERTER_1_ENERGY", 900000.0)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await _poll(hass, freezer)
    assert _state(hass, COUNTER) == "900000.0"
    simulator.set_value(SEED_DEVICE_ID, "SOLAR_INVERTER_1_ENERGY", bad)
    await _poll(hass, freezer)
    assert _state(hass, COUNTER) == "900000.0"
    assert any("went from 900000.0 to" in m for m in _records(caplog, logging.WARNING))
    simulator.set_value(SEED_DEVICE_ID, "SOLAR_INVERTER_1_ENERGY", 900001.5)
    await _poll(hass, freezer)
    assert _state(hass, COUNTER) == "900001.5"


async def test_counter_guard_survives_a_restart(
    frozen: FrozenDateTimeFactory,  # noqa: F811
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],  # noqa: F811
) -> None:
    """The last good counter value is restored, from its statistic's last row: a 0 right after
    a restart is not passed on."""
    hass.config_entries.async_update_entry(config_entry, options={CONF_HISTORY_DAYS: 1})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await _settle(hass)
    (*_, last) = await _rows(hass, COUNTERS[PV_1])
    assert last["state"] == _kwh(simulator, PV_1, datetime(2026, 10, 20, 11, 59, tzinfo=UTC))
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    simulator.set_value(SEED_DEVICE_ID, PV_1, 0)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await _settle(hass)
    assert float(_state(hass, COUNTER)) == last["state"]


async def test_stale_readings(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Readings whose own times stop advancing: "Readings stale" turns on after a few polls,
    "Last reading" shows the newest one; both recover when the times move again."""
    stale = "binary_sensor.ssb_001_pae_replacement_readings_stale"
    last = "sensor.ssb_001_pae_replacement_last_reading"
    registry = er.async_get(hass)
    assert registry.async_get(last).disabled_by is er.RegistryEntryDisabler.INTEGRATION  # type: ignore[union-attr]
    registry.async_update_entity(last, disabled_by=None)  # opt in, as a user would
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert _state(hass, stale) == "off"
    await _poll(hass, freezer)
    old = simulator.snapshot(SEED_DEVICE_ID)
    simulator.add_fault(faults.replay(old), times=6)
    await _poll(hass, freezer)
    newest = _state(hass, last)
    assert datetime.fromisoformat(newest) == datetime.fromtimestamp(old["sensors"][0]["time"], UTC)
    for _ in range(5):
        await _poll(hass, freezer)
    assert _state(hass, stale) == "on"
    assert _state(hass, last) == newest
    assert _state(hass) != STATE_UNAVAILABLE  # the values themselves are still shown
    await _poll(hass, freezer)
    assert _state(hass, stale) == "off"
    assert _state(hass, last) != newest


STALE = "binary_sensor.ssb_001_pae_replacement_readings_stale"
ODD_ONE = "BESS_STATE_OF_CHARGE"  # the one sensor whose time is off


def _reading_times(times: Callable[[str, int], int]) -> Fault:
    """Answer normally, each sensor's time replaced by ``times(sensor id, its served time)``."""

    async def fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        assert isinstance(response, web.Response)
        assert isinstance(response.body, bytes)
        payload: dict[str, Any] = json.loads(response.body)
        for sensor in payload["sensors"]:
            sensor["time"] = times(sensor["id"], sensor["time"])
        return web.json_response(payload)

    return fault


async def test_one_sensor_ahead_does_not_hide_staleness(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """All readings but one stop advancing; the one is 12 hours ahead and moves on: stale."""
    stuck = simulator.reading_time()
    ahead = 12 * 3600
    simulator.add_fault(
        _reading_times(lambda sid, t: t + ahead if sid == ODD_ONE else stuck), times=10
    )
    for _ in range(7):  # more than 5 minutes
        await _poll(hass, freezer)
    assert _state(hass, STALE) == "on"
    (coordinator,) = loaded_entry.runtime_data.coordinators.values()
    assert coordinator.latest_reading == datetime.fromtimestamp(stuck, UTC)


async def test_one_sensor_ahead_does_not_cause_staleness(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One reading stuck 12 hours ahead while the others advance: not stale."""
    stuck_ahead = simulator.reading_time() + 12 * 3600
    simulator.add_fault(
        _reading_times(lambda sid, t: stuck_ahead if sid == ODD_ONE else t), times=10
    )
    for _ in range(8):
        await _poll(hass, freezer)
        assert _state(hass, STALE) == "off"
    (coordinator,) = loaded_entry.runtime_data.coordinators.values()
    assert coordinator.latest_reading == datetime.fromtimestamp(simulator.reading_time(), UTC)


async def test_one_sensor_stuck_behind_is_not_staleness(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One reading stuck a day behind while the others advance: not stale."""
    behind = simulator.reading_time() - 86400
    simulator.add_fault(_reading_times(lambda sid, t: behind if sid == ODD_ONE else t), times=10)
    for _ in range(8):
        await _poll(hass, freezer)
        assert _state(hass, STALE) == "off"
