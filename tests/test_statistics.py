"""Hourly external statistics: the cloud's history and the polls, into the real recorder.

The integration talks to the simulator over a real socket; time is virtual (freezer): the
importer's pauses and Retry-After waits move the frozen clock instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
import gc
import itertools
import logging
import time
import tracemalloc
from typing import Any

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.energy.data import async_get_manager as async_get_energy_manager
from homeassistant.components.energy.validate import async_validate as async_validate_energy
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.db_schema import Statistics, StatisticsMeta
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    VALID_STATISTIC_ID,
    async_add_external_statistics,
    get_metadata,
    statistics_during_period,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICES,
    CONF_SCAN_INTERVAL,
    CONF_URL,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance, session_scope
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import EnergyConverter
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import RecorderInstanceContextManager
import yarl
import yarl._parse
import yarl._url

from custom_components.skycentrics import statistics
from custom_components.skycentrics.api import Reading
from custom_components.skycentrics.api.client import HISTORY_TIMEOUT
from custom_components.skycentrics.const import CONF_HISTORY_DAYS, DOMAIN, HISTORY_PAUSE
from custom_components.skycentrics.coordinator import SkyCentricsCoordinator
from custom_components.skycentrics.counter import CounterGuard
from custom_components.skycentrics.diagnostics import async_get_config_entry_diagnostics
from custom_components.skycentrics.statistics import HistoryImporter
from skycentrics_simulator import SEED_DEVICE_ID, Fault, Handler, Simulator, faults

from .common import CLIENT_ID, CLIENT_SECRET

PREFIX = f"skycentrics:{SEED_DEVICE_ID}_"
PV_1 = "SOLAR_INVERTER_1_ENERGY"
PV_2 = "SOLAR_INVERTER_2_ENERGY"
CHARGED = "BESS_LIFETIME_CHARGE_COUNTER"
DISCHARGED = "BESS_LIFETIME_DISCHARGE_COUNTER"
METER = "E30A_3_kWh_Energy:_3ph_Total"
COUNTERS = {
    PV_1: PREFIX + "solar_inverter_1_energy",
    PV_2: PREFIX + "solar_inverter_2_energy",
    CHARGED: PREFIX + "bess_lifetime_charge_counter",
    DISCHARGED: PREFIX + "bess_lifetime_discharge_counter",
    METER: PREFIX + "e30a_3_kwh_energy_3ph_total",
}
PV_1_POWER = PREFIX + "solar_inverter_1_active_power"
SOC = PREFIX + "bess_state_of_charge"
HOUR = timedelta(hours=1)
NOW = datetime(2026, 10, 20, 12, 30, tzinfo=UTC)  # set-up time of most tests
WH = 0.0005  # kWh: "to the Wh"

BATTERY_POWER = "sensor.ssb_001_pae_replacement_battery_charge_discharge_power"


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: RecorderInstanceContextManager) -> None:
    """The recorder's database is prepared before Home Assistant starts (what `recorder_mock`
    needs; the autouse fixture that enables custom integrations asks for `hass` first)."""


@pytest.fixture
def frozen(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """The clock at NOW, before the recorder and Home Assistant start."""
    freezer.move_to(NOW)
    return freezer


@pytest.fixture
def waits(frozen: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait of the importer (pause, Retry-After), in seconds: each moves the clock."""
    waited: list[float] = []

    async def _wait(seconds: float) -> None:
        waited.append(seconds)
        frozen.tick(timedelta(seconds=seconds))

    monkeypatch.setattr(statistics, "async_wait", _wait)
    return waited


def _history_requests(simulator: Simulator) -> list[str]:
    return [path for _, path, _ in simulator.requests if "?b=" in path]


async def _settle(hass: HomeAssistant) -> None:
    """Let the import (a background task) finish, and the recorder write what it got."""
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


async def _setup(hass: HomeAssistant, entry: MockConfigEntry, **options: Any) -> HistoryImporter:
    if options:
        hass.config_entries.async_update_entry(entry, options=options)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await _settle(hass)
    return _coordinator(entry).history


def _coordinator(entry: MockConfigEntry) -> SkyCentricsCoordinator:
    (coordinator,) = entry.runtime_data.coordinators.values()
    assert isinstance(coordinator, SkyCentricsCoordinator)
    return coordinator


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 60) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await _settle(hass)


async def _rows(
    hass: HomeAssistant, statistic_id: str, start: datetime | None = None
) -> list[dict[str, Any]]:
    """Every hourly row of a statistic (from ``start``), start as an aware datetime."""
    found = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        start or datetime(2000, 1, 1, tzinfo=UTC),
        None,
        {statistic_id},
        "hour",
        None,
        {"state", "sum", "mean", "min", "max"},
    )
    return [
        {**row, "start": datetime.fromtimestamp(row["start"], UTC)}
        for row in found.get(statistic_id, [])
    ]


def _hours(first: datetime, count: int) -> list[datetime]:
    return [first + n * HOUR for n in range(count)]


def _kwh(simulator: Simulator, sensor_id: str, when: datetime) -> float:
    return simulator.counter_kwh(SEED_DEVICE_ID, sensor_id, when)


def _changes(rows: list[dict[str, Any]]) -> Iterator[tuple[datetime, float]]:
    """Each hour's energy: its sum minus the sum of the hour before."""
    for before, row in itertools.pairwise(rows):
        yield row["start"], row["sum"] - before["sum"]


# --- statistic ids and hours (no Home Assistant) ---------------------------------------------


def test_statistic_ids() -> None:
    """``skycentrics:<device>_<slug>``: valid for the recorder; a shared slug gets a stable
    hash; a sensor id without letters or digits gets the hash alone."""
    ids = statistics.StatisticIds(SEED_DEVICE_ID)
    assert ids.get(PV_1) == COUNTERS[PV_1]
    assert ids.get(METER) == COUNTERS[METER]
    assert ids.get("SSU_[0062]_AO1000425_ShReq") == PREFIX + "ssu_0062_ao1000425_shreq"
    assert ids.get("__A--B__") == PREFIX + "a_b"
    clash = ids.get("A_B")
    assert clash == PREFIX + "a_b_" + statistics.short_hash("A_B")
    assert ids.get("A_B") == clash  # asked again: the same
    assert statistics.StatisticIds(SEED_DEVICE_ID).get("A_B") == PREFIX + "a_b"  # alone: plain
    assert ids.get("!!!") == PREFIX + statistics.short_hash("!!!")
    for statistic_id in [*ids._ids.values(), *COUNTERS.values()]:
        assert VALID_STATISTIC_ID.match(statistic_id), statistic_id


def _series(kind: statistics.CloudStatistic, unit: str = "kWh") -> statistics.Series:
    return statistics.Series(
        sensor_id="X",
        statistic_id=PREFIX + "x",
        kind=kind,
        unit=unit,
        converter=None,
        description=None,  # type: ignore[arg-type]  # not used by rows
    )


def _allowed(_since: datetime | None, _until: datetime) -> float:
    return 50.0  # kWh: a generous allowance (the rule itself: test_counters.py)


T0 = datetime(2026, 10, 20, 10, tzinfo=UTC)


def test_an_hour_holds_the_readings_of_its_own_time() -> None:
    """10:59:59 is in the 10:00 hour, 11:00:00 in the 11:00 hour; each hour holds the increase
    between the last readings before its start and its end; the first hour counts from its first
    reading."""
    series = _series(statistics.CloudStatistic.SUM)
    readings = [
        (T0 + timedelta(minutes=5), 100.0),
        (T0 + timedelta(minutes=59, seconds=59), 103.0),
        (T0 + HOUR, 104.0),
        (T0 + HOUR + timedelta(minutes=30), 110.0),
    ]
    hours = statistics.group_hours(list(reversed(readings)))
    assert list(hours) == [T0, T0 + HOUR]
    first = series.row(T0, hours[T0], _allowed)
    second = series.row(T0 + HOUR, hours[T0 + HOUR], _allowed)
    empty = series.row(T0 + 2 * HOUR, [], _allowed)
    assert first == {"start": T0, "state": 103.0, "sum": 3.0}
    assert second == {"start": T0 + HOUR, "state": 110.0, "sum": 10.0}
    assert empty == {"start": T0 + 2 * HOUR, "state": 110.0, "sum": 10.0}  # no readings: 0


def test_drops_resets_and_glitches_are_not_counted() -> None:
    """A glitch to 0, a glitch high, a drop and a reset: no hour negative, none inflated; the
    sum follows the accepted values (the live sensor's rule)."""
    series = _series(statistics.CloudStatistic.SUM)
    minute = timedelta(minutes=1)
    values = [100.0, 101.0, 0.0, 102.0, 9999.0, 103.0, 50.0, 104.0, 0.0, 1.0, 2.0]
    readings = [(T0 + n * minute, v) for n, v in enumerate(values)]
    row = series.row(T0, readings, lambda _since, _until: 1.5)
    assert row == {"start": T0, "state": 104.0, "sum": 4.0}  # 100 -> 104, nothing else
    assert series.rejected == 6  # 0, 9999, 50, then 0, 1, 2 (after the reset: below 104)
    later = series.row(T0 + HOUR, [(T0 + HOUR, 3.0)], _allowed)  # the reset counter: 0
    assert later == {"start": T0 + HOUR, "state": 104.0, "sum": 4.0}


def test_values_in_the_statistics_unit() -> None:
    """A reading's value in the statistic's unit: converted from another unit of its kind;
    none for no number, or a unit that cannot be converted."""
    series = statistics.Series(
        sensor_id=PV_1,
        statistic_id=COUNTERS[PV_1],
        kind=statistics.CloudStatistic.SUM,
        unit="kWh",
        converter=EnergyConverter,
        description=None,  # type: ignore[arg-type]  # not used for values
    )

    def _reading(value: Any, units: str) -> Reading:
        return Reading(PV_1, PV_1, "Energy", units, value, T0)

    assert series.value(_reading(2.5, "kWh")) == 2.5
    assert series.value(_reading("2500", "Wh")) == 2.5
    assert series.value(_reading(None, "kWh")) is None
    assert series.value(_reading("n/a", "kWh")) is None
    assert series.value(_reading(2.5, "V")) is None  # not an energy: no statistic's unit
    series.converter = None
    assert series.value(_reading(2500, "Wh")) is None


def test_a_counter_guard_without_an_energy_unit_bounds_no_rise() -> None:
    """The rule bounds a rise only in an energy unit; a drop is refused in any unit."""
    guard = CounterGuard(None)
    assert guard.judge(1.0, T0, _allowed) is None
    assert guard.judge(1e9, T0, _allowed) is None
    assert guard.judge(5.0, T0, _allowed) == "a drop"


async def test_the_wait_is_asyncio_sleep() -> None:
    """What the tests replace: asyncio's sleep (here of nothing)."""
    await statistics.async_wait(0)


def test_means() -> None:
    """Mean (of the readings), min and max; no row for an hour without readings."""
    series = _series(statistics.CloudStatistic.MEAN, "kW")
    readings = [(T0 + timedelta(minutes=n), v) for n, v in enumerate([1.0, 2.0, 6.0])]
    assert series.row(T0, readings, _allowed) == {"start": T0, "mean": 3.0, "min": 1.0, "max": 6.0}
    assert series.row(T0 + HOUR, [], _allowed) is None


# --- the cloud's history at set-up -------------------------------------------------------------


async def test_seven_days_at_set_up(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set-up imports the last 7 days (the default) in the background, a day per request with
    a pause between them: every hour of every counter, sums equal to the simulator's counter
    increase to the Wh; power and state of charge get hourly mean/min/max."""
    started = time.process_time()
    importer = await _setup(hass, config_entry)
    elapsed = time.process_time() - started
    assert config_entry.state is ConfigEntryState.LOADED
    first = NOW.replace(minute=30 - 30) - timedelta(days=7)  # 2026-10-13 12:00
    requests = _history_requests(simulator)
    assert len(requests) == 7
    assert requests[0].endswith("?b=2026-10-13T12:00:00&e=2026-10-14T12:00:00&g=1")
    assert waits == [HISTORY_PAUSE.total_seconds()] * 6
    for sensor_id, statistic_id in COUNTERS.items():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(first, 7 * 24), sensor_id
        # The first hour counts from its first reading (12:00:00); the last reading of the
        # last hour was taken at 11:59:00.
        expected = _kwh(simulator, sensor_id, first + 7 * 24 * HOUR - timedelta(minutes=1))
        expected -= _kwh(simulator, sensor_id, first)
        assert rows[-1]["sum"] == pytest.approx(expected, abs=WH), sensor_id
        for start, change in _changes(rows):
            real = _kwh(simulator, sensor_id, start + HOUR - timedelta(minutes=1))
            real -= _kwh(simulator, sensor_id, start - timedelta(minutes=1))
            assert change == pytest.approx(real, abs=WH), (sensor_id, start)
    power = await _rows(hass, PV_1_POWER)
    assert len(power) == 7 * 24
    assert {row["min"] for row in power} >= {0.0}
    assert max(row["max"] for row in power) > 10
    soc = await _rows(hass, SOC)
    assert all(20 <= row["min"] <= row["mean"] <= row["max"] <= 80 for row in soc)
    days = [r for r in caplog.records if r.levelno == logging.INFO and "history" in r.msg]
    assert len(days) == 7
    assert days[0].getMessage() == (
        "SkyCentrics ssb-001-pae-replacement: imported 24 hour(s) of the cloud's history, "
        "2026-10-13 12:00 to 2026-10-14 12:00 UTC (15 statistics)"
    )
    assert not importer.running
    print(f"7 days imported in {elapsed:.2f} s of CPU")


async def test_metadata_names_units_and_kinds(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
) -> None:
    """What the Energy dashboard's picker shows: the entity's friendly name, kWh, a sum; powers
    and the state of charge as "(cloud history)" means. An entity the user disabled (no state
    to read its name from) gives the same name."""
    registry = er.async_get(hass)
    for sensor_id in (PV_2, "SOLAR_INVERTER_BREAKER_ACTIVE_POWER"):
        registry.async_get_or_create(
            "sensor",
            DOMAIN,
            f"{SEED_DEVICE_ID}_{sensor_id}",
            config_entry=config_entry,
            disabled_by=er.RegistryEntryDisabler.USER,
        )
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 1})
    metadata = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_source="skycentrics")
    )
    names = {statistic_id: meta["name"] for statistic_id, (_, meta) in metadata.items()}
    assert names[COUNTERS[PV_1]] == "ssb-001-pae-replacement PV inverter 1 Lifetime energy produced"
    assert names[COUNTERS[PV_2]] == "ssb-001-pae-replacement PV inverter 2 Lifetime energy produced"
    assert names[COUNTERS[CHARGED]] == "ssb-001-pae-replacement Battery Lifetime energy charged"
    assert (
        names[COUNTERS[DISCHARGED]] == "ssb-001-pae-replacement Battery Lifetime energy discharged"
    )
    assert names[COUNTERS[METER]] == "ssb-001-pae-replacement Meter E30A_3 Energy"
    assert names[PV_1_POWER] == "ssb-001-pae-replacement PV inverter 1 Power (cloud history)"
    assert names[SOC] == "ssb-001-pae-replacement Battery State of charge (cloud history)"
    breaker = PREFIX + "solar_inverter_breaker_active_power"  # the gateway's own
    assert names[breaker] == "ssb-001-pae-replacement PV breaker power (cloud history)"
    for statistic_id in COUNTERS.values():
        _, meta = metadata[statistic_id]
        assert meta["has_sum"] is True
        assert meta["mean_type"] == 0
        assert meta["unit_class"] == "energy"
        assert meta["unit_of_measurement"] == "kWh"
    _, power = metadata[PV_1_POWER]
    assert (power["has_sum"], power["mean_type"], power["unit_class"]) == (False, 1, "power")
    assert power["unit_of_measurement"] == "kW"
    _, soc = metadata[SOC]
    assert (soc["unit_class"], soc["unit_of_measurement"]) == (None, "%")
    assert len(metadata) == 15


async def test_the_energy_dashboard_takes_the_statistics(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
) -> None:
    """What README tells to pick: solar from both inverters' energy statistics (with their
    power entities), the battery's discharged/charged statistics (with its power and state of
    charge entities). The Energy dashboard finds no issue."""
    assert await async_setup_component(hass, "energy", {})
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 1})
    manager = await async_get_energy_manager(hass)
    await manager.async_update(
        {
            "energy_sources": [
                {
                    "type": "solar",
                    "stat_energy_from": COUNTERS[PV_1],
                    "stat_rate": "sensor.ssb_001_pae_replacement_pv_inverter_1_power",
                    "config_entry_solar_forecast": None,
                },
                {
                    "type": "solar",
                    "stat_energy_from": COUNTERS[PV_2],
                    "stat_rate": "sensor.ssb_001_pae_replacement_pv_inverter_2_power",
                    "config_entry_solar_forecast": None,
                },
                {
                    "type": "battery",
                    "stat_energy_from": COUNTERS[DISCHARGED],
                    "stat_energy_to": COUNTERS[CHARGED],
                    "power_config": {"stat_rate_inverted": BATTERY_POWER},
                    "stat_soc": "sensor.ssb_001_pae_replacement_battery_state_of_charge",
                },
            ],
        }
    )
    validation = (await async_validate_energy(hass)).as_dict()
    assert validation["energy_sources"] == [[], [], []]


# --- the polls --------------------------------------------------------------------------------


def _live_kwh(simulator: Simulator, sensor_id: str, hour_end: datetime) -> float:
    """The counter in the last live reading taken before ``hour_end`` (readings at :46)."""
    return _kwh(simulator, sensor_id, datetime.fromtimestamp(simulator.reading_time(hour_end), UTC))


async def _poll_until(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, until: datetime, every: float = 60
) -> None:
    while datetime.now(UTC) + timedelta(seconds=every) <= until:
        await _poll(hass, freezer, every)


async def test_hours_the_polls_cover_need_no_history(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
) -> None:
    """With no history to import (history_days 0), the hours the polls cover come from the
    polls alone: not one history request. A failed poll inside an hour: that hour, and it alone,
    is asked from the history once it is over. (Polls every 2 minutes from 12:30: one at every
    full hour, which sees the reading of hh:59:46.)"""
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 0, CONF_SCAN_INTERVAL: 120})
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 13, 30, tzinfo=UTC), 120)
    await _coordinator(config_entry).async_refresh()  # the same readings again: kept once
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 15, 10, tzinfo=UTC), 120)
    assert _history_requests(simulator) == []
    # The polls started at 12:30: 12:00 is not covered (and not imported: no history wanted).
    for sensor_id, statistic_id in COUNTERS.items():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(T0 + 3 * HOUR, 2), sensor_id
        for row in rows:
            assert row["state"] == _live_kwh(simulator, sensor_id, row["start"] + HOUR)
        expected = _live_kwh(simulator, sensor_id, T0 + 5 * HOUR)
        expected -= _live_kwh(simulator, sensor_id, T0 + 3 * HOUR)
        assert rows[-1]["sum"] == pytest.approx(expected, abs=WH), sensor_id
    # A failed poll at 15:30: the 15:00 hour is asked from the history (after 16:05).
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 15, 30, tzinfo=UTC), 120)
    simulator.add_fault(faults.status(503))
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 17, 10, tzinfo=UTC), 120)
    assert _history_requests(simulator) == [
        f"/api/devices/{SEED_DEVICE_ID}/data?b=2026-10-20T15:00:00&e=2026-10-20T16:00:00&g=1"
    ]
    for sensor_id, statistic_id in COUNTERS.items():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(T0 + 3 * HOUR, 4), sensor_id
        # 15:00 from the history (readings at :00), 16:00 from the polls again (:46).
        assert rows[2]["state"] == _kwh(simulator, sensor_id, T0 + 6 * HOUR - timedelta(minutes=1))
        assert rows[3]["state"] == _live_kwh(simulator, sensor_id, T0 + 7 * HOUR)
        expected = _live_kwh(simulator, sensor_id, T0 + 7 * HOUR)
        expected -= _live_kwh(simulator, sensor_id, T0 + 3 * HOUR)
        assert rows[-1]["sum"] == pytest.approx(expected, abs=WH), sensor_id


# --- outages, restarts, time zones --------------------------------------------------------------


async def _restart(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory, down: timedelta
) -> HistoryImporter:
    """Stop the integration (as Home Assistant stopping would), move the clock, start again."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await _settle(hass)
    freezer.tick(down)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await _settle(hass)
    return _coordinator(entry).history


async def test_two_days_down_are_filled_from_the_history(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
) -> None:
    """Home Assistant stopped for two days: on start, exactly the missing hours are asked from
    the history (a day per request), the sums go on from the last row; no hour holds more than
    the energy of its own time, and the total is the counter's real increase."""
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 1, CONF_SCAN_INTERVAL: 300})
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 14, 10, tzinfo=UTC), 300)
    before = len(_history_requests(simulator))
    assert before == 2  # the day, then the 12:00 hour (the polls began at 12:30)
    await _restart(hass, config_entry, frozen, timedelta(days=2))
    await _poll_until(hass, frozen, datetime(2026, 10, 22, 16, 10, tzinfo=UTC), 300)
    assert _history_requests(simulator)[before:] == [
        f"/api/devices/{SEED_DEVICE_ID}/data?b={b}&e={e}&g=1"
        for b, e in (
            ("2026-10-20T14:00:00", "2026-10-21T14:00:00"),
            ("2026-10-21T14:00:00", "2026-10-22T14:00:00"),
            ("2026-10-22T14:00:00", "2026-10-22T15:00:00"),  # polls began at 14:10
        )
    ]
    first = datetime(2026, 10, 19, 12, tzinfo=UTC)
    down_from = datetime(2026, 10, 20, 14, tzinfo=UTC)
    down_until = datetime(2026, 10, 22, 14, tzinfo=UTC)
    for sensor_id, statistic_id in COUNTERS.items():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(first, 3 * 24 + 4), sensor_id
        for start, change in _changes(rows):
            real = _kwh(simulator, sensor_id, start + HOUR)
            real -= _kwh(simulator, sensor_id, start - timedelta(minutes=1))
            assert -1e-9 <= change <= real + WH, (sensor_id, start)
        by_start = {row["start"]: row for row in rows}
        total = by_start[down_until - HOUR]["sum"] - by_start[down_from - HOUR]["sum"]
        real = _kwh(simulator, sensor_id, down_until - timedelta(minutes=1))
        real -= _live_kwh(simulator, sensor_id, down_from)
        assert total == pytest.approx(real, abs=WH), sensor_id


async def test_resumes_after_a_restart_and_imports_nothing_twice(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
) -> None:
    """Restarting at once asks for nothing; a statistic that lost its last day (rows not
    written before a crash) gets exactly those rows again, the others are left alone: every
    row of every statistic is what it was."""
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 2})
    every = [*COUNTERS.values(), PV_1_POWER, SOC]
    imported = {statistic_id: await _rows(hass, statistic_id) for statistic_id in every}
    requests = len(_history_requests(simulator))
    await _restart(hass, config_entry, frozen, timedelta(0))
    assert len(_history_requests(simulator)) == requests
    lost_from = NOW.replace(minute=0) - timedelta(days=1)
    await get_instance(hass).async_add_executor_job(_delete_rows, hass, COUNTERS[PV_1], lost_from)
    assert len(await _rows(hass, COUNTERS[PV_1])) == 24
    await _restart(hass, config_entry, frozen, timedelta(0))
    assert _history_requests(simulator)[requests:] == [
        f"/api/devices/{SEED_DEVICE_ID}/data?b=2026-10-19T12:00:00&e=2026-10-20T12:00:00&g=1"
    ]
    for statistic_id in every:
        assert await _rows(hass, statistic_id) == imported[statistic_id], statistic_id


def _delete_rows(hass: HomeAssistant, statistic_id: str, since: datetime) -> None:
    with session_scope(hass=hass) as session:
        (meta_id,) = (
            session.query(StatisticsMeta.id)
            .filter(StatisticsMeta.statistic_id == statistic_id)
            .one()
        )
        session.query(Statistics).filter(
            Statistics.metadata_id == meta_id, Statistics.start_ts >= since.timestamp()
        ).delete()


async def test_daylight_saving_ends(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
) -> None:
    """Europe/Berlin, the night summer time ends (2026-10-25, 03:00 CEST -> 02:00 CET): every
    UTC hour once, none missing; the local day of 25 hours holds the counter's increase over
    those 25 hours."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    frozen.move_to(datetime(2026, 10, 26, 6, 30, tzinfo=UTC))
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 3})
    first = datetime(2026, 10, 23, 6, tzinfo=UTC)
    rows = await _rows(hass, COUNTERS[PV_1])
    starts = [row["start"] for row in rows]
    assert starts == _hours(first, 3 * 24)
    assert len(set(starts)) == len(starts)
    local = [start.astimezone(dt_util.get_default_time_zone()) for start in starts]
    assert [t.hour for t in local].count(2) == 4  # 02:00 twice on the 25th (CEST, CET)
    midnight = datetime(2026, 10, 25, tzinfo=dt_util.get_default_time_zone())
    day = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        midnight,
        midnight + timedelta(days=1),
        {COUNTERS[PV_1]},
        "day",
        None,
        {"change"},
    )
    row = day[COUNTERS[PV_1]][0]
    assert datetime.fromtimestamp(row["start"], UTC) == midnight
    assert datetime.fromtimestamp(row["end"], UTC) - midnight == timedelta(hours=25)
    # Readings on the UTC minute: the last before local midnight at 23:59.
    end = midnight + timedelta(days=1)
    real = _kwh(simulator, PV_1, end - timedelta(minutes=1))
    real -= _kwh(simulator, PV_1, midnight - timedelta(minutes=1))
    assert row["change"] == pytest.approx(real, abs=WH)


async def _add_row(
    hass: HomeAssistant, statistic_id: str, unit: str, start: datetime, **row: float
) -> None:
    """A statistic as an earlier run (or version) left it: one row."""
    async_add_external_statistics(
        hass,
        StatisticMetaData(
            mean_type=StatisticMeanType.NONE,
            has_sum=True,
            name="Left from before",
            source=DOMAIN,
            statistic_id=statistic_id,
            unit_class="energy",
            unit_of_measurement=unit,
        ),
        [StatisticData(start=start, **row)],  # type: ignore[typeddict-item]
    )
    await async_wait_recording_done(hass)


async def test_a_statistic_goes_on_in_its_own_unit(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
) -> None:
    """A statistic kept in Wh (its last row from an earlier run) goes on in Wh from that row:
    its sum and its baseline, the kWh readings converted; the hours after it come from the
    history (other statistics, which had no row, start with those hours)."""
    last = T0  # 10:00: the next hour to import is 11:00
    state_wh = _kwh(simulator, PV_1, last + HOUR - timedelta(minutes=1)) * 1000
    await _add_row(hass, COUNTERS[PV_1], "Wh", last, state=state_wh, sum=5000.0)
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 0})
    assert _history_requests(simulator) == [
        f"/api/devices/{SEED_DEVICE_ID}/data?b=2026-10-20T11:00:00&e=2026-10-20T12:00:00&g=1"
    ]
    rows = await _rows(hass, COUNTERS[PV_1])
    assert [row["start"] for row in rows] == [last, last + HOUR]
    (_, meta), *_ = (
        await get_instance(hass).async_add_executor_job(
            lambda: get_metadata(hass, statistic_ids={COUNTERS[PV_1]})
        )
    ).values()
    assert meta["unit_of_measurement"] == "Wh"
    assert meta["name"] == "ssb-001-pae-replacement PV inverter 1 Lifetime energy produced"
    energy_wh = _hour_kwh(simulator, last + HOUR) * 1000
    assert rows[1]["sum"] == pytest.approx(5000.0 + energy_wh, abs=0.5)
    assert rows[1]["state"] == pytest.approx(state_wh + energy_wh, abs=0.5)
    assert [row["start"] for row in await _rows(hass, COUNTERS[PV_2])] == [last + HOUR]


async def test_a_gap_beyond_a_year_is_not_put_in_one_hour(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Catching up goes back MAX_HISTORY_DAYS at most (here made 1): a statistic whose last row
    is older starts again from its first reading after that, its sum going on; the energy of
    the hours never imported is counted in no hour."""
    monkeypatch.setattr(statistics, "MAX_HISTORY_DAYS", 1)
    old = T0 - timedelta(days=3)
    state = _kwh(simulator, PV_1, old + HOUR - timedelta(minutes=1))
    await _add_row(hass, COUNTERS[PV_1], "kWh", old, state=state, sum=100.0)
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 0})
    first = NOW.replace(minute=0) - timedelta(days=1)
    assert _history_requests(simulator)[0].endswith(
        "?b=2026-10-19T12:00:00&e=2026-10-20T12:00:00&g=1"
    )
    rows = await _rows(hass, COUNTERS[PV_1])
    assert [row["start"] for row in rows] == [old, *_hours(first, 24)]
    first_hour = _kwh(simulator, PV_1, first + HOUR - HOUR / 60) - _kwh(simulator, PV_1, first)
    assert rows[1]["sum"] == pytest.approx(100.0 + first_hour, abs=WH)


async def test_the_history_down_for_hours_while_the_polls_go_on(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
) -> None:
    """The history cannot be reached for 8 hours while the polls go on: the polls' readings
    wait in memory, 6 hours at most (the current one included; the older ones are asked from
    the history later); when the history answers again, every hour is there, in order, the
    sums exact."""
    dropped = _history_only(*[faults.drop()] * 200)  # connections lost: tried every 10 minutes
    simulator.add_fault(dropped, times=10_000)
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 1, CONF_SCAN_INTERVAL: 300})
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 20, 30, tzinfo=UTC), 300)
    importer = _coordinator(config_entry).history
    assert importer.diagnostics()["covered_hours_waiting"] == 5  # 15:00 to 19:00 (and 20:00)
    assert not await _rows(hass, COUNTERS[PV_1])
    simulator.faults.clear()
    before = len(_history_requests(simulator))
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 21, 10, tzinfo=UTC), 300)
    assert _history_requests(simulator)[before:] == [
        f"/api/devices/{SEED_DEVICE_ID}/data?b={b}&e={e}&g=1"
        for b, e in (
            ("2026-10-19T12:00:00", "2026-10-20T12:00:00"),
            ("2026-10-20T12:00:00", "2026-10-20T15:00:00"),  # 15:00 to 21:00: the polls'
        )
    ]
    first = datetime(2026, 10, 19, 12, tzinfo=UTC)
    for sensor_id, statistic_id in COUNTERS.items():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(first, 33), sensor_id
        expected = _live_kwh(simulator, sensor_id, first + 33 * HOUR) - _kwh(
            simulator, sensor_id, first
        )
        assert rows[-1]["sum"] == pytest.approx(expected, abs=WH), sensor_id


async def test_a_bug_while_importing_starts_again_from_the_recorder(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unexpected error while importing is logged (the polls go on) and shown in the
    diagnostics; the next poll starts again from the statistics' last rows: nothing lost."""
    calls = 0
    real = statistics.async_add_external_statistics

    def _failing_once(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("boom")
        real(*args)

    monkeypatch.setattr(statistics, "async_add_external_statistics", _failing_once)
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 1})
    assert "hourly statistics failed" in caplog.text
    importer = _coordinator(config_entry).history
    assert importer.diagnostics()["last_error"] == "RuntimeError: boom"
    await _poll(hass, frozen)
    first = NOW.replace(minute=0) - timedelta(days=1)
    for sensor_id, statistic_id in COUNTERS.items():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(first, 24), sensor_id
        expected = _kwh(simulator, sensor_id, first + 24 * HOUR - HOUR / 60)
        expected -= _kwh(simulator, sensor_id, first)
        assert rows[-1]["sum"] == pytest.approx(expected, abs=WH), sensor_id


# --- what the cloud gets wrong ------------------------------------------------------------------


async def test_glitches_and_a_reset_in_the_history(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In the history: a reading of 0, a reading far too high, and the counter reset to 0 (and
    counting again from there). No hour is negative, none holds more than the energy of its own
    time, the glitches are not counted; after the reset the statistic holds (its counter is
    below the last accepted value), as the live sensor does."""
    glitch_zero = datetime(2026, 10, 19, 20, 17, tzinfo=UTC)
    glitch_high = datetime(2026, 10, 19, 21, 42, tzinfo=UTC)
    reset = datetime(2026, 10, 20, 3, 0, tzinfo=UTC)
    model = simulator._model
    values = model.values
    at_reset = values(reset.timestamp())[PV_1]

    def _glitching(t: float, device_index: int = 0, **kwargs: Any) -> dict[str, Any]:
        out = values(t, device_index, **kwargs)
        if t == glitch_zero.timestamp():
            out[PV_1] = 0.0
        elif t == glitch_high.timestamp():
            out[PV_1] += 5000.0
        elif t >= reset.timestamp():
            out[PV_1] -= at_reset
        return out

    def _stale_time(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A sensor whose time stuck a day earlier, with a value far too high: not counted."""
        (sensor,) = [s for s in records[100]["sensors"] if s["id"] == PV_1]
        sensor["time"] -= 86400
        sensor["data"] += 1000
        return records

    simulator.add_fault(_history_only(faults.edit_json(_stale_time)), times=10)
    monkeypatch.setattr(model, "values", _glitching)
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 1})
    monkeypatch.setattr(model, "values", values)  # what the counter really did, for the checks
    rows = await _rows(hass, COUNTERS[PV_1])
    assert len(rows) == 24
    for start, change in _changes(rows):
        real = _kwh(simulator, PV_1, start + HOUR) - _kwh(simulator, PV_1, start - HOUR / 60)
        assert 0 <= change <= real + WH, start
        if start < reset - HOUR:  # every hour up to the reset: exactly its energy
            assert change == pytest.approx(_hour_kwh(simulator, start), abs=WH), start
        if start >= reset:
            assert change == 0, start
    by_start = {row["start"]: row for row in rows}
    assert by_start[reset - HOUR]["state"] == _kwh(simulator, PV_1, reset - HOUR / 60)
    assert rows[-1]["state"] == by_start[reset - HOUR]["state"]


def _hour_kwh(simulator: Simulator, start: datetime) -> float:
    """The energy of an hour as the history shows it (readings on the minute)."""
    return _kwh(simulator, PV_1, start + HOUR - HOUR / 60) - _kwh(
        simulator, PV_1, start - HOUR / 60
    )


def _history_only(*answers: Fault) -> Fault:
    """The next history requests get ``answers``, one each; other requests pass."""
    left = list(answers)

    async def _fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        if "b" in request.query and left:
            return await left.pop(0)(request, handler)
        return await handler(request)

    return _fault


async def test_rate_limited_backfill_waits_and_goes_on(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
) -> None:
    """A 429 during the backfill: the importer waits the Retry-After (held within [poll
    interval, 1 hour]), asks for the same day again and goes on; every hour is there."""
    rate_limited = _history_only(
        faults.status(429, retry_after=120), faults.status(429, retry_after=86000)
    )
    simulator.add_fault(rate_limited, times=50)  # one fault per request: the others pass
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 2})
    # Then the second day after a pause (and, the clock being an hour later, the 12:00 hour).
    assert waits == [120.0, 3600.0, HISTORY_PAUSE.total_seconds(), HISTORY_PAUSE.total_seconds()]
    requests = [(path, status) for _, path, status in simulator.requests if "?b=" in path]
    day_1 = f"/api/devices/{SEED_DEVICE_ID}/data?b=2026-10-18T12:00:00&e=2026-10-19T12:00:00&g=1"
    assert requests[:3] == [(day_1, 429), (day_1, 429), (day_1, 200)]
    assert all(status == 200 for _, status in requests[3:])
    for statistic_id in COUNTERS.values():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(datetime(2026, 10, 18, 12, tzinfo=UTC), 49)


async def test_unload_stops_the_backfill_and_set_up_resumes_it(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unloading during the pause after the first day cancels the import at once (no more
    requests, no error); the next set-up goes on with the second day."""
    paused = asyncio.Event()

    async def _wait_forever(_seconds: float) -> None:
        paused.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(statistics, "async_wait", _wait_forever)
    hass.config_entries.async_update_entry(config_entry, options={CONF_HISTORY_DAYS: 3})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await paused.wait()
    importer = _coordinator(config_entry).history
    assert importer.running
    assert len(_history_requests(simulator)) == 1
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert not importer.running
    assert len(_history_requests(simulator)) == 1
    await async_wait_recording_done(hass)
    assert len(await _rows(hass, COUNTERS[PV_1])) == 24
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    async def _no_wait(_seconds: float) -> None:
        pass

    monkeypatch.setattr(statistics, "async_wait", _no_wait)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await _settle(hass)
    requests = _history_requests(simulator)
    assert len(requests) == 3
    assert "b=2026-10-18T12:00:00" in requests[1]
    assert len(await _rows(hass, COUNTERS[PV_1])) == 3 * 24


async def test_without_the_recorder_nothing_is_imported(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """No recorder (it is not set up): no statistics, no history request."""
    importer = _coordinator(loaded_entry).history
    assert not importer.enabled
    assert not importer.running
    assert _history_requests(simulator) == []
    assert importer.diagnostics()["enabled"] is False


async def test_failed_history_requests_and_diagnostics(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed history request is tried again 10 minutes later (the polls go on meanwhile);
    the diagnostics say where the import stands and why it last failed. A range the cloud
    refuses 5 times in a row is imported without readings, with a warning."""
    # A dropped connection (aiohttp tries a GET once more: dropped again), then 5 refusals.
    refusals = [faults.status(500)] * 5
    simulator.add_fault(_history_only(faults.drop(), faults.drop(), *refusals), times=200)
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 1})
    history = (await async_get_config_entry_diagnostics(hass, config_entry))["devices"][0][
        "history"
    ]
    assert history["enabled"] is True
    assert history["history_requests"] == 1
    assert history["last_error"].startswith("SkyCentricsConnectionError: ")
    assert history["running"] is False
    assert history["retry_at"] == (NOW + timedelta(minutes=10)).isoformat()
    assert history["imported_from"] is None
    assert not await _rows(hass, COUNTERS[PV_1])
    for _ in range(6):  # a poll a minute: the next try after 10 minutes
        await _poll_until(hass, frozen, datetime.now(UTC) + timedelta(minutes=11))
    # The day: 2 dropped, 5 refused (so imported without readings); then, by now (13:36), the
    # 12:00 hour.
    requests = _history_requests(simulator)
    assert len(requests) == 8
    assert len(set(requests[:7])) == 1
    assert "b=2026-10-20T12:00:00&e=2026-10-20T13:00:00" in requests[7]
    (warning,) = [r for r in caplog.records if "refused the history" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    history = _coordinator(config_entry).history.diagnostics()
    assert history["last_error"].startswith("SkyCentricsResponseError: ")
    assert history["imported_from"] == "2026-10-19T12:00:00+00:00"
    assert history["hours_from_history"] == 25
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 14, 10, tzinfo=UTC))
    # No reading of the refused day: no row for it (a statistic starts with a reading).
    rows = await _rows(hass, COUNTERS[PV_1])
    assert [row["start"] for row in rows] == _hours(T0 + 2 * HOUR, 2)  # 12:00 history, 13:00
    history = _coordinator(config_entry).history.diagnostics()
    assert history["hours_from_polls"] == 1
    assert history["imported_until"] == "2026-10-20T14:00:00+00:00"


# --- a year ---------------------------------------------------------------------------------------


def _small_simulator_entry(
    hass: HomeAssistant, small: Simulator, days: int, **options: Any
) -> MockConfigEntry:
    """The seed device with only its PV inverter 1 counter, a history record an hour."""
    for sensor in small.sensors(SEED_DEVICE_ID):
        if sensor["id"] != PV_1:
            small.remove_sensor(SEED_DEVICE_ID, sensor["id"])
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=CLIENT_ID,
        data={
            CONF_CLIENT_ID: CLIENT_ID,
            CONF_CLIENT_SECRET: CLIENT_SECRET,
            CONF_URL: small.url,
            CONF_DEVICES: [SEED_DEVICE_ID],
        },
        options={CONF_HISTORY_DAYS: days, **options},
    )
    entry.add_to_hass(hass)
    return entry


def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    """The test harness keeps every log record, and some keep much: the recorder's debug lines
    hold its tasks (so the rows), SQLAlchemy logs every statement, asyncio's debug mode keeps
    tracebacks. Not what the import keeps, nor what it costs."""
    for logger in ("sqlalchemy.engine", "homeassistant.components.recorder", "asyncio"):
        caplog.set_level(logging.ERROR, logger)


async def test_a_year_of_history(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    socket_enabled: None,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """history_days 365 (the most): 365 requests, every hour of the year, the sum the counter's
    increase over the year to the Wh (a small simulator: one counter, a record an hour)."""
    _quiet(caplog)
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, history_interval=3600) as small:
        entry = _small_simulator_entry(hass, small, 365)
        started = time.process_time()
        await _setup(hass, entry)
        elapsed = time.process_time() - started
        assert len(_history_requests(small)) == 365
        assert len(waits) == 364
        assert await hass.config_entries.async_unload(entry.entry_id)
        first = NOW.replace(minute=0) - timedelta(days=365)
        rows = await _rows(hass, COUNTERS[PV_1])
        assert [row["start"] for row in rows] == _hours(first, 365 * 24)
        real = _kwh(small, PV_1, first + (365 * 24 - 1) * HOUR) - _kwh(small, PV_1, first)
        assert rows[-1]["sum"] == pytest.approx(real, abs=WH)
    print(f"365 days imported in {elapsed:.1f} s of CPU")


def _clear_url_caches() -> None:
    """yarl keeps the last 128 URLs it parsed (with what aiohttp read from them) in caches:
    bounded, but growing for the first 128 requests."""
    yarl.cache_clear()
    for cache in (
        yarl._url.pre_encoded_url,
        yarl._url.encode_url,
        yarl._url.build_pre_encoded_url,
        yarl._url.from_parts,
        yarl._parse.split_netloc,
    ):
        cache.cache_clear()


async def test_memory_does_not_grow_with_the_days(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    socket_enabled: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A long backfill (30 days, traced): what the integration's code allocated and still holds
    after the 29th day is what it held after the 9th (one day at a time, nothing kept per day);
    the whole process's traced peak stays small."""
    _quiet(caplog)
    # Allocated with the integration's code on the stack, and not by what only the tests keep
    # (captured log records: the integration's own are not made here; asyncio's debug-mode
    # tracebacks, coverage, freezegun, tracemalloc's own snapshots).
    caplog.set_level(logging.WARNING, "custom_components.skycentrics")
    ours = [
        tracemalloc.Filter(True, "*/custom_components/skycentrics/*", all_frames=True),
        *(
            tracemalloc.Filter(False, pattern)
            for pattern in (
                "*/asyncio/*",
                "*/traceback.py",
                "*/tracemalloc.py",
                "*/logging/__init__.py",
                "*/coverage/*",
                "*/freezegun/*",
            )
        ),
    ]
    held: list[int] = []  # at each pause between two requests: bytes the integration holds

    async def _wait(seconds: float) -> None:
        held.append(-1)
        if len(held) in (9, 29):
            _clear_url_caches()
            gc.collect()  # what is only waiting for the cycle collector is not held
            snapshot = tracemalloc.take_snapshot().filter_traces(ours)
            held[-1] = sum(stat.size for stat in snapshot.statistics("filename"))
        # Each pause lasts longer than a request's timeout: the timers of a request (cancelled,
        # but in the loop until their time, with what they refer to) go, as in real time.
        frozen.tick(timedelta(seconds=max(seconds, HISTORY_TIMEOUT + 5)))

    monkeypatch.setattr(statistics, "async_wait", _wait)
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, history_interval=3600) as small:
        # Polls once an hour: what polls bring is kept for a few hours (LIVE_BUFFER_HOURS).
        entry = _small_simulator_entry(hass, small, 30, **{CONF_SCAN_INTERVAL: 3600})
        tracemalloc.start(12)
        try:
            await _setup(hass, entry)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # 30 days, then (the clock an hour later) the 12:00 hour the polls did not cover.
        assert len(_history_requests(small)) == 31
        assert await hass.config_entries.async_unload(entry.entry_id)
    early, late = held[8], held[28]
    print(
        f"30 days: the integration holds {early / 1e3:.1f} kB after 9 days, "
        f"{late / 1e3:.1f} kB after 29; traced peak {peak / 1e6:.1f} MB"
    )
    # Nothing kept per day: a day of this history is about 12 kB of readings and rows, so
    # keeping them would add some 240 kB over these 20 days.
    assert late - early < 8000
    assert peak < 30e6
