"""Hourly external statistics from the cloud's history, into the real recorder.

The integration talks to the simulator over a real socket; time is virtual (freezer): the
importer's waits (the pause between requests, Retry-After, the retry after a failure) are timers
(async_call_later), which the tests pass by moving the frozen clock and firing the timers.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import Callable, Iterator
import copy
from datetime import UTC, datetime, timedelta
import gc
import itertools
import logging
import sys
import time
import tracemalloc
from typing import Any
from unittest.mock import patch

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
    UnitOfPower,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance, session_scope
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import PowerConverter
from hypothesis import event, given, settings, strategies as st
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

from custom_components.skycentrics import descriptions, statistics
from custom_components.skycentrics.api import Column, History, Reading, Snapshot
from custom_components.skycentrics.api.client import HISTORY_TIMEOUT
from custom_components.skycentrics.classification import describe_reading
from custom_components.skycentrics.const import (
    CONF_HISTORY_DAYS,
    DATA_HISTORY_START,
    DOMAIN,
    HISTORY_PAUSE,
    HISTORY_RETRY,
)
from custom_components.skycentrics.coordinator import SkyCentricsCoordinator
from custom_components.skycentrics.counters import CounterGuard, SwapDetector, allowed_rise_kwh
from custom_components.skycentrics.descriptions import (
    CloudStatistic,
    SkyCentricsSensorEntityDescription,
)
from custom_components.skycentrics.diagnostics import async_get_config_entry_diagnostics
from skycentrics_simulator import (
    FLEET_WATER_HEATER_ID,
    SEED_DEVICE_ID,
    Fault,
    Handler,
    Simulator,
    faults,
)

from .common import CLIENT_ID, CLIENT_SECRET, setup_fleet

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
    METER: descriptions.statistic_id(
        SEED_DEVICE_ID, METER
    ),  # 0.2.0: PREFIX + "e30a_3_kwh_energy_3ph_total"
}
LEGACY_METER = PREFIX + "e30a_3_kwh_energy_3ph_total"
METER_POWER = "E30A_3_kW:_3ph_Total"
LEGACY_METER_POWER = PREFIX + "e30a_3_kw_3ph_total"
PV_1_POWER = PREFIX + "solar_inverter_1_active_power"
SOC = PREFIX + "bess_state_of_charge"
HOUR = timedelta(hours=1)
NOW = datetime(2026, 10, 20, 12, 30, tzinfo=UTC)  # set-up time of most tests
WH = 0.0005  # kWh: "to the Wh"

BATTERY_POWER = "sensor.ssb_001_pae_replacement_battery_charge_discharge_power"
PV_1_ENTITY = "sensor.ssb_001_pae_replacement_pv_inverter_1_lifetime_energy_produced"


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


class Waits(list[float]):
    """Every wait the importer asked for (its async_call_later), in seconds, in order; ``due``:
    when the pending one ends (None: none pending)."""

    def __init__(self, clock: FrozenDateTimeFactory) -> None:
        """Waits on this frozen clock."""
        super().__init__()
        self.clock = clock
        self.due: datetime | None = None


_following: Waits | None = None  # the `waits` fixture's: `_settle` lets them pass


@pytest.fixture
def waits(frozen: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch) -> Waits:
    """Every wait of the importer (the pause, a Retry-After, the retry after a failure): each
    is recorded, and `_settle` passes it (the clock moved to its end, the timers fired)."""
    found = Waits(frozen)
    real = statistics.async_call_later

    def _call_later(
        hass: HomeAssistant, delay: float, action: Callable[[datetime], None]
    ) -> CALLBACK_TYPE:
        found.append(delay)
        due = found.due = dt_util.utcnow() + timedelta(seconds=delay)

        @callback
        def _run(now: datetime) -> None:
            if found.due == due:
                found.due = None
            action(now)

        cancel = real(hass, delay, _run)

        @callback
        def _cancel() -> None:
            if found.due == due:
                found.due = None
            cancel()

        return _cancel

    monkeypatch.setattr(statistics, "async_call_later", _call_later)
    monkeypatch.setattr(sys.modules[__name__], "_following", found)
    return found


def _history_requests(simulator: Simulator) -> list[str]:
    return [path for _, path, _ in simulator.requests if "?b=" in path]


async def _settle(hass: HomeAssistant, *, follow: bool = True) -> None:
    """Let the import (a background task) finish, and the recorder write what it got; with
    the `waits` fixture (and ``follow``), pass each wait the importer starts, until none is
    pending."""
    for _ in range(10_000):
        await hass.async_block_till_done(wait_background_tasks=True)
        await async_wait_recording_done(hass)
        waits = _following
        if not follow or waits is None or waits.due is None:
            return
        waits.clock.tick(max(waits.due - dt_util.utcnow(), timedelta(0)))
        async_fire_time_changed(hass)
    raise AssertionError("the import never stops waiting")


async def _setup(
    hass: HomeAssistant, entry: MockConfigEntry, *, follow: bool = True, **options: Any
) -> SkyCentricsCoordinator:
    if options:
        hass.config_entries.async_update_entry(entry, options=options)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await _settle(hass, follow=follow)
    return _coordinator(entry)


def _coordinator(entry: MockConfigEntry) -> SkyCentricsCoordinator:
    (coordinator,) = entry.runtime_data.coordinators.values()
    assert isinstance(coordinator, SkyCentricsCoordinator)
    return coordinator


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 60) -> None:
    """Move the clock (a poll, and whatever import is due, run) without passing later waits."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await _settle(hass, follow=False)


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


async def _metadata(hass: HomeAssistant) -> dict[str, tuple[int, StatisticMetaData]]:
    return await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_source=DOMAIN)
    )


def _hours(first: datetime, count: int) -> list[datetime]:
    return [first + n * HOUR for n in range(count)]


def _kwh(simulator: Simulator, sensor_id: str, when: datetime) -> float:
    return simulator.counter_kwh(SEED_DEVICE_ID, sensor_id, when)


def _changes(rows: list[dict[str, Any]]) -> Iterator[tuple[datetime, float]]:
    """Each hour's energy: its sum minus the sum of the hour before."""
    for before, row in itertools.pairwise(rows):
        yield row["start"], row["sum"] - before["sum"]


def _assert_hours_exact(simulator: Simulator, sensor_id: str, rows: list[dict[str, Any]]) -> None:
    """Every hour after the first holds the counter's increase over its own time: from the
    last reading before it (hh-1:59) to its own last one (hh:59), to the Wh."""
    for start, change in _changes(rows):
        real = _kwh(simulator, sensor_id, start + HOUR - timedelta(minutes=1))
        real -= _kwh(simulator, sensor_id, start - timedelta(minutes=1))
        assert change == pytest.approx(real, abs=WH), (sensor_id, start)


# --- statistic ids and hours (no Home Assistant) ---------------------------------------------


def test_statistic_ids() -> None:
    """``skycentrics:<device>_<slug>``, valid for the recorder, a function of the device and the
    key alone: the plain slug for a sensor id in its upper-case slug form and for a family's
    key; any other id adds 8 hex digits of its SHA-256, so ids that share a slug differ."""
    assert descriptions.statistic_id(SEED_DEVICE_ID, PV_1) == COUNTERS[PV_1]
    assert descriptions.statistic_id(SEED_DEVICE_ID, "cta2045|commodity_0_cumulative") == (
        PREFIX + "cta2045_commodity_0_cumulative"
    )
    meter = descriptions.statistic_id(SEED_DEVICE_ID, METER)
    assert meter.startswith(LEGACY_METER + "_")
    assert len(meter) == len(LEGACY_METER) + 9
    clash = descriptions.statistic_id(SEED_DEVICE_ID, "A-B")
    assert clash.startswith(PREFIX + "a_b_")
    assert (
        descriptions.statistic_id(SEED_DEVICE_ID, "A_B") == PREFIX + "a_b"
    )  # in upper-case slug form
    assert descriptions.statistic_id(SEED_DEVICE_ID, "A-B") == clash  # asked again: the same
    assert descriptions.statistic_id(SEED_DEVICE_ID, "a_b") not in (clash, PREFIX + "a_b")
    odd = ["!!!", "Température", "温度", "CT_1_POWER", "ct|1|power_real", "A||B", "__A--B__"]
    ids = [descriptions.statistic_id(SEED_DEVICE_ID, key) for key in odd]
    assert len(set(ids)) == len(ids)
    assert descriptions.statistic_id(7, PV_1) == "skycentrics:7_solar_inverter_1_energy"
    for found in [*ids, *COUNTERS.values(), clash]:
        assert VALID_STATISTIC_ID.match(found), found


def _description(sensor_id: str, kind: str, units: str) -> SkyCentricsSensorEntityDescription:
    """The description the classification gives such a reading (its value plays no part)."""
    (description,) = describe_reading(Reading(sensor_id, sensor_id, kind, units, 0, None)).sensors
    return description


def _series(sensor_id: str = PV_1, kind: str = "Energy", units: str = "kWh") -> statistics.Series:
    description = _description(sensor_id, kind, units)
    return statistics.Series(
        sensor_id, description, descriptions.statistic_id(SEED_DEVICE_ID, sensor_id), units, T0
    )


class _Rule:
    """What an hour's row asks of the coordinator: the counters' allowance (the rule itself:
    test_counters.py)."""

    def __init__(self, kwh: float = 50.0) -> None:
        self.kwh = kwh

    def allowed_rise_kwh(self, _since: datetime | None, _until: datetime) -> float:
        return self.kwh


T0 = datetime(2026, 10, 20, 10, tzinfo=UTC)


def _row(
    series: statistics.Series,
    start: datetime,
    values: list[tuple[datetime, float]],
    rule: _Rule | None = None,
) -> StatisticData | None:
    times, numbers = [when for when, _ in values], [number for _, number in values]
    return series.row(start, times, numbers, rule or _Rule())  # type: ignore[arg-type]


def test_an_hour_holds_the_readings_of_its_own_time() -> None:
    """10:59:59 is in the 10:00 hour, 11:00:00 in the 11:00 hour; each hour holds the increase
    between the last readings before its start and its end; the first hour counts from its first
    reading; an hour without readings holds 0."""
    series = _series()
    readings = [
        (T0 + timedelta(minutes=5), 100.0),
        (T0 + timedelta(minutes=59, seconds=59), 103.0),
        (T0 + HOUR, 104.0),
        (T0 + HOUR + timedelta(minutes=30), 110.0),
    ]
    assert [statistics.hour_start(when) for when, _ in readings] == [T0, T0, T0 + HOUR, T0 + HOUR]
    first = _row(series, T0, readings[:2])
    second = _row(series, T0 + HOUR, readings[2:])
    empty = _row(series, T0 + 2 * HOUR, [])
    assert first == {"start": T0, "state": 103.0, "sum": 3.0}
    assert second == {"start": T0 + HOUR, "state": 110.0, "sum": 10.0}
    assert empty == {"start": T0 + 2 * HOUR, "state": 110.0, "sum": 10.0}  # no readings: 0
    assert _row(_series(), T0, []) is None  # a statistic starts with its first reading


def test_drops_resets_and_glitches_are_not_counted() -> None:
    """A glitch to 0, a glitch high, a drop and a reset: no hour negative, none inflated; the
    sum follows the accepted values (the live sensor's rule)."""
    series = _series()
    minute = timedelta(minutes=1)
    values = [100.0, 101.0, 0.0, 102.0, 9999.0, 103.0, 50.0, 104.0, 0.0, 1.0, 2.0]
    readings = [(T0 + n * minute, v) for n, v in enumerate(values)]
    row = _row(series, T0, readings, _Rule(1.5))
    assert row == {"start": T0, "state": 104.0, "sum": 4.0}  # 100 -> 104, nothing else
    # After the reset (0, 1, 2: below 104) the guard still refuses, holding 104 from 10:07.
    assert series.guard.rejecting
    assert (series.guard.last, series.guard.last_time) == (104.0, T0 + 7 * minute)
    later = _row(series, T0 + HOUR, [(T0 + HOUR, 3.0)])  # the reset counter: 0
    assert later == {"start": T0 + HOUR, "state": 104.0, "sum": 4.0}


async def test_values_in_the_statistics_unit(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """A history's readings of a statistic (value, units, time), and each value in the
    statistic's unit: converted from another unit of its kind, and to the unit a statistic was
    kept in; none for no number or a unit that cannot be converted."""
    coordinator = _coordinator(loaded_entry)
    (description,) = coordinator.described[PV_1].sensors
    series = statistics.Series(PV_1, description, COUNTERS[PV_1], "kWh", T0)
    at = T0 + timedelta(minutes=1)
    column = Column([0, 1], [(PV_1, PV_1, "Energy", "kWh")] * 2, [2.5, "2500"], [at, None])
    history = History([Snapshot(SEED_DEVICE_ID, at), Snapshot(SEED_DEVICE_ID, at)], {PV_1: column})
    assert list(series.points(coordinator, history)) == [(2.5, "kWh", at), ("2500", "kWh", None)]
    assert list(series.points(coordinator, History([], {}))) == []  # no reading
    assert series.number(coordinator, 2.5, "kWh") == 2.5
    assert series.number(coordinator, "2500", "Wh") == 2.5
    assert series.number(coordinator, None, "kWh") is None
    assert series.number(coordinator, "n/a", "kWh") is None
    assert series.number(coordinator, 2.5, "V") is None  # not an energy
    series.unit = "Wh"  # a statistic kept in Wh goes on in Wh
    assert series.number(coordinator, 2.5, "kWh") == 2500.0
    power = statistics.Series(
        "SOLAR_INVERTER_1_ACTIVE_POWER",
        coordinator.described["SOLAR_INVERTER_1_ACTIVE_POWER"].sensors[0],
        PV_1_POWER,
        "W",
        T0,
    )
    assert power.number(coordinator, 1.5, "kW") == 1500.0


async def test_a_plain_mean_column_gives_the_rows_of_the_reading_by_reading_path(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """A mean whose column is plain numbers in its own unit is read by slices of the column:
    the very rows of the reading-by-reading path; a text, another units text or readings out
    of time order send it that path."""
    coordinator = _coordinator(loaded_entry)
    key = "SOLAR_INVERTER_1_ACTIVE_POWER"
    (description,) = coordinator.described[key].sensors
    reading = coordinator.data.readings[key]
    labels = (key, reading.name, reading.type, reading.units)
    times = [T0 - HOUR + timedelta(seconds=37 * n) for n in range(400)]
    values: list[Any] = [(-1) ** n * (n % 97) * 1.25 + (n % 3) for n in range(400)]
    series = statistics.Series(
        key, description, PV_1_POWER, description.native_unit_of_measurement, T0
    )
    importer = statistics.HistoryImporter(hass, coordinator)

    def history(values: list[Any], times: list[datetime], units: str = reading.units) -> History:
        column = Column(
            list(range(len(values))), [(*labels[:3], units)] * len(values), values, times
        )
        return History([Snapshot(SEED_DEVICE_ID, when) for when in times], {key: column})

    plain = series.plain_column(coordinator, history(values, times))
    assert plain is not None
    rows = series.column_rows(coordinator, plain, T0, T0 + 3 * HOUR)
    assert [row["start"] for row in rows] == [T0, T0 + HOUR, T0 + 2 * HOUR]
    assert rows == importer._rows(series, history(values, times), T0, T0 + 3 * HOUR, {})
    assert series.plain_column(coordinator, history([*values[:-1], "7"], times)) is None
    assert (
        series.plain_column(
            coordinator, history(values, times, "W" if reading.units != "W" else "kW")
        )
        is None
    )
    assert series.plain_column(coordinator, history(values, times[::-1])) is None
    # The device's largest power: the largest |value| of a plain column, or reading by reading.
    kw = PowerConverter.get_unit_ratio(
        description.native_unit_of_measurement, UnitOfPower.KILO_WATT
    )
    for column, largest in ((values, max(map(abs, values))), ([*values[:-1], "500"], 500)):
        coordinator.max_power_kw = None
        await coordinator.async_observe_history_power(history(column, times))
        assert coordinator.max_power_kw == pytest.approx(largest / kw)


async def test_a_plain_counter_column_gives_the_rows_of_the_reading_by_reading_path(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """A counter's plain column (not swapped, its swapped signature broken) is read by slices:
    the very rows and baseline of the reading-by-reading path, through a rise beyond the
    allowance and a drop; while its signature still needs watching, or when it is decoded
    swapped, reading by reading."""
    coordinator = _coordinator(loaded_entry)
    (description,) = coordinator.described[PV_1].sensors
    reading = coordinator.data.readings[PV_1]
    labels = (PV_1, reading.name, reading.type, reading.units)
    times = [T0 - HOUR + timedelta(seconds=41 * n) for n in range(300)]
    values: list[Any] = [1000 + 0.01 * n for n in range(300)]
    values[120] += 500  # beyond the allowance: refused, the hour judged one by one
    values[200] -= 1  # a drop
    column = Column(list(range(300)), [labels] * 300, values, times)
    history = History([Snapshot(SEED_DEVICE_ID, when) for when in times], {PV_1: column})
    counter = coordinator.counters[PV_1]
    counter.detector = SwapDetector()
    assert _counter_series(description).plain_column(coordinator, history) is None  # watched
    counter.detector.broken = True
    importer = statistics.HistoryImporter(hass, coordinator)
    by_slices, one_by_one = _counter_series(description), _counter_series(description)
    plain = by_slices.plain_column(coordinator, history)
    assert plain is not None
    rows = by_slices.column_rows(coordinator, plain, T0, T0 + 3 * HOUR)
    assert [row["start"] for row in rows] == [T0, T0 + HOUR, T0 + 2 * HOUR]
    assert rows == importer._rows(one_by_one, history, T0, T0 + 3 * HOUR, {})
    assert by_slices.guard == one_by_one.guard
    counter.swapped = True
    assert _counter_series(description).plain_column(coordinator, history) is None


def _counter_series(description: Any) -> statistics.Series:
    return statistics.Series(PV_1, description, COUNTERS[PV_1], "kWh", T0)


class _Allowance:
    """The coordinator's allowance: the rule of counters.py with a device's figures."""

    def __init__(self, max_power_kw: float | None, min_seconds: float) -> None:
        self.max_power_kw, self.min_seconds = max_power_kw, min_seconds

    def allowed_rise_kwh(self, since: datetime | None, until: datetime) -> float:
        return allowed_rise_kwh(self.max_power_kw, self.min_seconds, since, until)


@settings(max_examples=400, deadline=None)
@given(
    unit=st.sampled_from(["kWh", "Wh", "MWh", None]),
    last=st.none() | st.integers(0, 10**9) | st.floats(0, 1e9),
    rejecting=st.booleans(),
    steps=st.lists(
        st.tuples(  # seconds since the last reading, rise in kWh (around the allowances)
            st.sampled_from([0, 30, 60]) | st.integers(0, 4 * 3600),
            st.integers(-3, 40) | st.floats(-1, 5) | st.just(0) | st.floats(0, 1e-3),
        ),
        max_size=40,
    ),
    hours=st.integers(1, 3),
    max_power_kw=st.none() | st.floats(0, 100),
    min_seconds=st.sampled_from([30.0, 60.0, 300.0]),
)
def test_a_counter_hour_accepted_at_once_is_the_hour_judged_one_by_one(
    unit: str | None,
    last: float | None,
    rejecting: bool,
    steps: list[tuple[int, float]],
    hours: int,
    max_power_kw: float | None,
    min_seconds: float,
) -> None:
    """`CounterGuard.accept_all` (a counter's hour at once) leaves the rows and the guard
    exactly as judging each reading in turn does, or changes nothing: whatever the rises,
    drops, gaps, the unit, the last accepted value and the device's allowance."""
    rule = _Allowance(max_power_kw, min_seconds)
    at, value = T0, 100.0 if last is None else last
    times, numbers = [], []
    scale = {"Wh": 1000, "MWh": 0.001}.get(unit or "", 1)  # the rises in the counter's unit
    for gap, rise in steps:
        at, value = at + timedelta(seconds=gap), value + rise * scale
        times.append(at)
        numbers.append(value)
    at_once, one_by_one = _series(), _series()
    for series in (at_once, one_by_one):  # no last value: never rejecting
        series.guard = CounterGuard(unit, last, T0, rejecting and last is not None)
    for n in range(hours):
        hour = T0 + n * HOUR
        first, after = bisect_left(times, hour), bisect_left(times, hour + HOUR)
        hour_times, hour_numbers = times[first:after], numbers[first:after]
        guard = copy.copy(at_once.guard)
        accepted = guard.accept_all(hour_times, hour_numbers, rule.allowed_rise_kwh)
        if not accepted:
            assert guard == at_once.guard  # refused (or nothing to accept): nothing changed
        event(f"{len(hour_numbers) > 1} readings, accepted at once: {accepted}")
        row = at_once.row(hour, hour_times, hour_numbers, rule)  # type: ignore[arg-type]
        with patch.object(CounterGuard, "accept_all", return_value=False):
            judged = one_by_one.row(hour, hour_times, hour_numbers, rule)  # type: ignore[arg-type]
        assert row == judged
        assert at_once.guard == one_by_one.guard
        assert at_once.sum == one_by_one.sum


def test_a_counter_guard_without_an_energy_unit_bounds_no_rise() -> None:
    """The rule bounds a rise only in an energy unit; a drop is refused in any unit."""
    guard = CounterGuard(None)
    assert guard.judge(1.0, T0, _Rule().allowed_rise_kwh) is None
    assert guard.judge(1e9, T0, _Rule().allowed_rise_kwh) is None
    assert guard.judge(5.0, T0, _Rule().allowed_rise_kwh) == "a drop"


def test_means() -> None:
    """Mean (of the readings), min and max; no row for an hour without readings."""
    series = _series("SOLAR_INVERTER_1_ACTIVE_POWER", "Power", "kW")
    assert series.kind is CloudStatistic.MEAN
    readings = [(T0 + timedelta(minutes=n), v) for n, v in enumerate([1.0, 2.0, 6.0])]
    assert _row(series, T0, readings) == {"start": T0, "mean": 3.0, "min": 1.0, "max": 6.0}
    assert _row(series, T0 + HOUR, []) is None


# --- the cloud's history at set-up -------------------------------------------------------------


async def test_seven_days_at_set_up(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set-up imports the last 7 days (the default) in the background, a day per request with
    a pause after each: every hour of every counter, sums equal to the simulator's counter
    increase to the Wh; power and state of charge get hourly mean/min/max. The device's history
    start is stored in the entry."""
    started = time.process_time()
    coordinator = await _setup(hass, config_entry)
    elapsed = time.process_time() - started
    assert config_entry.state is ConfigEntryState.LOADED
    first = NOW.replace(minute=0) - timedelta(days=7)  # 2026-10-13 12:00
    assert config_entry.data[DATA_HISTORY_START] == {str(SEED_DEVICE_ID): first.isoformat()}
    requests = _history_requests(simulator)
    assert len(requests) == 7
    assert requests[0].endswith("?b=2026-10-13T12:00:00&e=2026-10-14T12:00:00&g=1")
    assert waits == [HISTORY_PAUSE.total_seconds()] * 7
    for sensor_id, statistic_id in COUNTERS.items():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(first, 7 * 24), sensor_id
        # The first hour counts from its first reading (12:00:00); the last reading of the
        # last hour was taken at 11:59:00.
        expected = _kwh(simulator, sensor_id, first + 7 * 24 * HOUR - timedelta(minutes=1))
        expected -= _kwh(simulator, sensor_id, first)
        assert rows[-1]["sum"] == pytest.approx(expected, abs=WH), sensor_id
        _assert_hours_exact(simulator, sensor_id, rows)
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
    status = coordinator.history_status
    assert status["statistics"] == 15
    assert status["hours_imported"] == 7 * 24
    assert status["history_requests"] == 7
    assert status["imported_from"] == first.isoformat()
    assert status["next_hour"] == (first + 7 * 24 * HOUR).isoformat()
    print(f"7 days imported in {elapsed:.2f} s of CPU")


async def test_a_fleet_device_s_statistics_come_from_its_records(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    socket_enabled: None,
    waits: Waits,
) -> None:
    """A CTA-2045 water heater has no sensor list: its power and energy are fields of its
    payload, found in each history record. Each gets its hourly rows for the 7 days, and its
    largest power counts for its energy counter's rule."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, fleet=True) as fleet:
        entry = await setup_fleet(hass, fleet.url, [FLEET_WATER_HEATER_ID])
        await _settle(hass)
        (coordinator,) = entry.runtime_data.coordinators.values()
        kinds = {
            key: description.statistic
            for key, described in coordinator.described.items()
            for description in described.sensors
            if description.statistic is not None
        }
        assert set(kinds.values()) == {CloudStatistic.MEAN, CloudStatistic.SUM}
        for key, kind in kinds.items():
            rows = await _rows(hass, coordinator.statistic_id(key))
            assert len(rows) == 7 * 24, key
            if kind is CloudStatistic.MEAN:
                assert all(row["min"] <= row["mean"] <= row["max"] for row in rows), key
            else:
                assert rows[-1]["sum"] > rows[0]["sum"] >= 0, key
        assert coordinator.max_power_kw is not None
        assert coordinator.max_power_kw > 0
        await hass.config_entries.async_unload(entry.entry_id)


async def test_metadata_names_units_and_kinds(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
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
    metadata = await _metadata(hass)
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
    waits: Waits,
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


# --- hour after hour -----------------------------------------------------------------------------


async def _poll_until(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, until: datetime, every: float = 60
) -> None:
    while datetime.now(UTC) + timedelta(seconds=every) <= until:
        await _poll(hass, freezer, every)


def _hour_request(begin: datetime, end: datetime) -> str:
    return (
        f"/api/devices/{SEED_DEVICE_ID}/data?b={begin:%Y-%m-%dT%H:%M:%S}"
        f"&e={end:%Y-%m-%dT%H:%M:%S}&g=1"
    )


async def test_every_hour_comes_from_the_history_once_it_settled(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
) -> None:
    """With no days of history to import (history_days 0) the statistics start with the hour
    of set-up; each hour is asked from the history once it ended 5 minutes ago (one request an
    hour while the polls go on), its energy the counter's increase to the Wh. A failed poll
    changes nothing. (Polls every 2 minutes from 12:30.)"""
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 0, CONF_SCAN_INTERVAL: 120})
    assert _history_requests(simulator) == []  # 12:00 is not over
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 13, 4, tzinfo=UTC), 120)
    assert _history_requests(simulator) == []  # over, but only just: not yet settled
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 13, 30, tzinfo=UTC), 120)
    await _coordinator(config_entry).async_refresh()  # the same readings again: nothing
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 15, 30, tzinfo=UTC), 120)
    simulator.add_fault(faults.status(503))
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 17, 10, tzinfo=UTC), 120)
    assert _history_requests(simulator) == [
        _hour_request(start, start + HOUR) for start in _hours(T0 + 2 * HOUR, 5)
    ]
    for sensor_id, statistic_id in COUNTERS.items():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(T0 + 2 * HOUR, 5), sensor_id
        for row in rows:
            assert row["state"] == _kwh(simulator, sensor_id, row["start"] + HOUR - HOUR / 60)
        expected = _kwh(simulator, sensor_id, T0 + 7 * HOUR - HOUR / 60)
        expected -= _kwh(simulator, sensor_id, T0 + 2 * HOUR)
        assert rows[-1]["sum"] == pytest.approx(expected, abs=WH), sensor_id
        _assert_hours_exact(simulator, sensor_id, rows)


# --- outages, restarts, time zones --------------------------------------------------------------


async def _restart(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory, down: timedelta
) -> SkyCentricsCoordinator:
    """Stop the integration (as Home Assistant stopping would), move the clock, start again."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await _settle(hass)
    freezer.tick(down)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await _settle(hass)
    return _coordinator(entry)


async def test_two_days_down_are_filled_from_the_history(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
) -> None:
    """Home Assistant stopped for two days: on start, exactly the missing hours are asked from
    the history (a day per request), the sums go on from the last row; every hour holds the
    energy of its own time, and the total is the counter's real increase."""
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 1, CONF_SCAN_INTERVAL: 300})
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 14, 10, tzinfo=UTC), 300)
    before = len(_history_requests(simulator))
    assert before == 3  # the day, then the 12:00 and 13:00 hours
    await _restart(hass, config_entry, frozen, timedelta(days=2))
    await _poll_until(hass, frozen, datetime(2026, 10, 22, 16, 10, tzinfo=UTC), 300)
    assert _history_requests(simulator)[before:] == [
        _hour_request(datetime.fromisoformat(b), datetime.fromisoformat(e))
        for b, e in (
            ("2026-10-20T14:00:00", "2026-10-21T14:00:00"),
            ("2026-10-21T14:00:00", "2026-10-22T14:00:00"),
            ("2026-10-22T14:00:00", "2026-10-22T15:00:00"),
            ("2026-10-22T15:00:00", "2026-10-22T16:00:00"),
        )
    ]
    first = datetime(2026, 10, 19, 12, tzinfo=UTC)
    down_from = datetime(2026, 10, 20, 14, tzinfo=UTC)
    down_until = datetime(2026, 10, 22, 14, tzinfo=UTC)
    for sensor_id, statistic_id in COUNTERS.items():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(first, 3 * 24 + 4), sensor_id
        _assert_hours_exact(simulator, sensor_id, rows)
        by_start = {row["start"]: row for row in rows}
        total = by_start[down_until - HOUR]["sum"] - by_start[down_from - HOUR]["sum"]
        real = _kwh(simulator, sensor_id, down_until - timedelta(minutes=1))
        real -= _kwh(simulator, sensor_id, down_from - timedelta(minutes=1))
        assert total == pytest.approx(real, abs=WH), sensor_id


async def test_resumes_after_a_restart_and_imports_nothing_twice(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
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
    waits: Waits,
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


def _live_kwh(simulator: Simulator, sensor_id: str, at: datetime = NOW) -> float:
    """The counter in the latest reading the live endpoint shows at ``at``."""
    return _kwh(simulator, sensor_id, datetime.fromtimestamp(simulator.reading_time(at), UTC))


async def test_a_statistic_goes_on_in_its_own_unit(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
) -> None:
    """A statistic kept in Wh (its last row from an earlier run) goes on in Wh from that row:
    its sum and its baseline, the kWh readings converted; the hours after it come from the
    history (the other statistics, which have no row, start at the device's history start).
    The live entity, restored from that row, shows its kWh (the Wh baseline converted)."""
    last = T0  # 10:00: the next hour to import is 11:00
    state_wh = _kwh(simulator, PV_1, last + HOUR - timedelta(minutes=1)) * 1000
    await _add_row(hass, COUNTERS[PV_1], "Wh", last, state=state_wh, sum=5000.0)
    coordinator = await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 0})
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
    assert await _rows(hass, COUNTERS[PV_2]) == []  # from 12:00, once that hour is over
    assert coordinator.counters[PV_1].guard.unit == "kWh"
    assert float(hass.states.get(PV_1_ENTITY).state) == _live_kwh(simulator, PV_1)  # type: ignore[union-attr]


async def test_a_gap_beyond_a_year_is_not_put_in_one_hour(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
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
    _assert_hours_exact(simulator, PV_1, rows[1:])


async def test_the_history_down_for_hours_while_the_polls_go_on(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
) -> None:
    """The history cannot be reached for 8 hours while the polls go on: tried again every 10
    minutes, nothing imported meanwhile; when the history answers again, every hour is there,
    in order, a day per request at most, the sums exact."""
    dropped = _history_only(*[faults.drop()] * 200)  # connections lost
    simulator.add_fault(dropped, times=10_000)
    coordinator = await _setup(
        hass, config_entry, follow=False, **{CONF_HISTORY_DAYS: 1, CONF_SCAN_INTERVAL: 300}
    )
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 20, 30, tzinfo=UTC), 300)
    assert set(waits) == {HISTORY_RETRY.total_seconds()}
    assert len(waits) == 1 + 8 * 6  # at 12:30, then every 10 minutes to 20:30
    assert coordinator.history_status["last_error"].startswith("SkyCentricsConnectionError")
    assert coordinator.last_update_success  # the polls went on
    assert not await _rows(hass, COUNTERS[PV_1])
    simulator.faults.clear()
    before = len(_history_requests(simulator))
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 21, 10, tzinfo=UTC), 300)
    assert _history_requests(simulator)[before:] == [
        f"/api/devices/{SEED_DEVICE_ID}/data?b={b}&e={e}&g=1"
        for b, e in (
            ("2026-10-19T12:00:00", "2026-10-20T12:00:00"),
            ("2026-10-20T12:00:00", "2026-10-20T20:00:00"),
            ("2026-10-20T20:00:00", "2026-10-20T21:00:00"),
        )
    ]
    first = datetime(2026, 10, 19, 12, tzinfo=UTC)
    for sensor_id, statistic_id in COUNTERS.items():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(first, 33), sensor_id
        expected = _kwh(simulator, sensor_id, first + 33 * HOUR - HOUR / 60)
        expected -= _kwh(simulator, sensor_id, first)
        assert rows[-1]["sum"] == pytest.approx(expected, abs=WH), sensor_id
        _assert_hours_exact(simulator, sensor_id, rows)


async def test_a_bug_while_importing_starts_again_from_the_recorder(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
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
    coordinator = await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 1})
    assert "hourly statistics failed" in caplog.text
    assert coordinator.history_status["last_error"] == "RuntimeError: boom"
    assert len(await _metadata(hass)) == 2  # from the third statistic on: not written
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
    waits: Waits,
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
    waits: Waits,
) -> None:
    """A 429 during the backfill: the importer waits the Retry-After (held within [poll
    interval, 1 hour]), asks for the same day again and goes on; every hour is there."""
    rate_limited = _history_only(
        faults.status(429, retry_after=120), faults.status(429, retry_after=86000)
    )
    simulator.add_fault(rate_limited, times=50)  # one fault per request: the others pass
    coordinator = await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 2})
    # Then the days, a pause after each (and, the clock being an hour later, the 12:00 hour).
    assert waits == [120.0, 3600.0, *[HISTORY_PAUSE.total_seconds()] * 3]
    requests = [(path, status) for _, path, status in simulator.requests if "?b=" in path]
    day_1 = f"/api/devices/{SEED_DEVICE_ID}/data?b=2026-10-18T12:00:00&e=2026-10-19T12:00:00&g=1"
    assert requests[:3] == [(day_1, 429), (day_1, 429), (day_1, 200)]
    assert len(requests) == 5
    assert all(status == 200 for _, status in requests[3:])
    assert coordinator.history_status["last_error"] == "rate limited (HTTP 429): waiting 3600 s"
    for statistic_id in COUNTERS.values():
        rows = await _rows(hass, statistic_id)
        assert [row["start"] for row in rows] == _hours(datetime(2026, 10, 18, 12, tzinfo=UTC), 49)


async def test_unload_stops_the_backfill_and_set_up_resumes_it(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unloading during the pause after the first day ends the import at once (no more
    requests, no error), as does unloading while a day is being read (that day not written);
    the next set-up goes on with the next day not imported."""
    hass.config_entries.async_update_entry(config_entry, options={CONF_HISTORY_DAYS: 3})
    await _setup(hass, config_entry, follow=False)
    assert len(_history_requests(simulator)) == 1
    assert waits == [HISTORY_PAUSE.total_seconds()]
    assert waits.due is not None  # the pause
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert waits.due is None  # its timer cancelled
    await _poll(hass, frozen, HISTORY_PAUSE.total_seconds() * 10)
    assert len(_history_requests(simulator)) == 1
    assert len(await _rows(hass, COUNTERS[PV_1])) == 24
    # The second day's answer held back: unloading while it is read.
    asked, answer, answered = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def _held(request: web.Request, handler: Handler) -> web.StreamResponse:
        asked.set()
        try:
            await answer.wait()
            return web.Response(status=503)
        finally:
            answered.set()

    simulator.add_fault(_history_only(_held), times=50)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await asked.wait()
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    answer.set()
    await answered.wait()
    await _settle(hass)
    assert len(_history_requests(simulator)) == 2
    assert len(await _rows(hass, COUNTERS[PV_1])) == 24
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await _settle(hass)
    requests = _history_requests(simulator)
    assert len(requests) == 4
    assert "b=2026-10-18T12:00:00&e=2026-10-19T12:00:00" in requests[1]
    assert requests[2] == requests[1]
    assert "b=2026-10-19T12:00:00&e=2026-10-20T12:00:00" in requests[3]
    assert len(await _rows(hass, COUNTERS[PV_1])) == 3 * 24


async def test_without_the_recorder_nothing_is_imported(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """No recorder (it is not set up): no statistics, no history request, no history start
    stored."""
    status = _coordinator(loaded_entry).history_status
    assert status["enabled"] is False
    assert status["statistics"] == 0
    assert _history_requests(simulator) == []
    assert DATA_HISTORY_START not in loaded_entry.data


async def test_failed_history_requests_and_diagnostics(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed history request is tried again 10 minutes later (the polls go on meanwhile);
    the diagnostics say where the import stands and why it last failed. A range the cloud
    refuses 5 times in a row is imported without readings, with a warning."""
    # A dropped connection (aiohttp tries a GET once more: dropped again), then 5 refusals.
    refusals = [faults.status(500)] * 5
    simulator.add_fault(_history_only(faults.drop(), faults.drop(), *refusals), times=200)
    await _setup(hass, config_entry, follow=False, **{CONF_HISTORY_DAYS: 1})
    history = (await async_get_config_entry_diagnostics(hass, config_entry))["devices"][0][
        "history"
    ]
    assert history["enabled"] is True
    assert history["history_requests"] == 1
    assert history["last_error"].startswith("SkyCentricsConnectionError: ")
    assert history["last_error_at"] == NOW.isoformat()
    assert history["imported_from"] == "2026-10-19T12:00:00+00:00"
    assert history["hours_imported"] == 0
    assert waits == [HISTORY_RETRY.total_seconds()]
    await _poll_until(hass, frozen, NOW + HISTORY_RETRY - timedelta(seconds=30))
    assert len(_history_requests(simulator)) == 2  # the one request: dropped twice
    assert not await _rows(hass, COUNTERS[PV_1])
    polls = len([p for _, p, _ in simulator.requests if p.endswith("/data")])
    await _settle(hass)  # every wait passed
    assert len([p for _, p, _ in simulator.requests if p.endswith("/data")]) > polls
    # The day: 2 dropped, 5 refused (so imported without readings); then, by now (13:20), the
    # 12:00 hour.
    assert waits == [HISTORY_RETRY.total_seconds()] * 5 + [HISTORY_PAUSE.total_seconds()] * 2
    requests = _history_requests(simulator)
    assert len(requests) == 8
    assert len(set(requests[:7])) == 1
    assert "b=2026-10-20T12:00:00&e=2026-10-20T13:00:00" in requests[7]
    (warning,) = [r for r in caplog.records if "refused the history" in r.getMessage()]
    assert warning.levelno == logging.WARNING
    history = _coordinator(config_entry).history_status
    assert history["last_error"].startswith("SkyCentricsResponseError: ")
    assert history["history_requests"] == 7
    assert history["hours_imported"] == 25
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 14, 10, tzinfo=UTC))
    # No reading of the refused day: no row for it (a statistic starts with a reading).
    rows = await _rows(hass, COUNTERS[PV_1])
    assert [row["start"] for row in rows] == _hours(T0 + 2 * HOUR, 2)  # 12:00, 13:00
    assert history["hours_imported"] == 26
    assert history["next_hour"] == "2026-10-20T14:00:00+00:00"


# --- 0.2.0's statistic ids -----------------------------------------------------------------------


async def test_a_0_2_0_statistic_keeps_its_id_and_its_energy_preference(
    frozen: FrozenDateTimeFactory,
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: Waits,
) -> None:
    """0.2.0 kept the meter counter 'E30A_3_kWh_Energy:_3ph_Total' as the plain slug
    ``<device>_e30a_3_kwh_energy_3ph_total`` (the rule now gives a new install another id),
    and the Energy dashboard points at it. After set-up the statistic goes on under its id from
    its last row, the dashboard's grid source is untouched and valid, nothing is made under the
    new id; so for the meter's power (a mean). The live entity is restored from that row: a 0
    in the first poll is not shown. The id stays kept after a restart."""
    assert COUNTERS[METER] != LEGACY_METER
    state = _kwh(simulator, METER, T0 + HOUR - timedelta(minutes=1))
    await _add_row(hass, LEGACY_METER, "kWh", T0, state=state, sum=42.0)
    async_add_external_statistics(  # the meter's power: its hourly mean, min and max
        hass,
        StatisticMetaData(
            mean_type=StatisticMeanType.ARITHMETIC,
            has_sum=False,
            name="Left from before (cloud history)",
            source=DOMAIN,
            statistic_id=LEGACY_METER_POWER,
            unit_class="power",
            unit_of_measurement="kW",
        ),
        [StatisticData(start=T0, mean=2.5, min=1.0, max=4.0)],
    )
    pv_state = _kwh(simulator, PV_1, T0 + HOUR - timedelta(minutes=1))
    await _add_row(hass, COUNTERS[PV_1], "kWh", T0, state=pv_state, sum=7.0)  # its id as it was
    assert await async_setup_component(hass, "energy", {})
    manager = await async_get_energy_manager(hass)
    grid = {
        "type": "grid",
        "stat_energy_from": LEGACY_METER,
        "stat_energy_to": None,
        "stat_cost": None,
        "entity_energy_price": None,
        "number_energy_price": None,
        "stat_compensation": None,
        "entity_energy_price_export": None,
        "number_energy_price_export": None,
        "cost_adjustment_day": 0.0,
    }
    solar = {"type": "solar", "stat_energy_from": COUNTERS[PV_1]}
    await manager.async_update({"energy_sources": [grid, solar]})  # type: ignore[typeddict-item]
    prefs = copy.deepcopy(manager.data)

    def _zero_meter(answer: dict[str, Any]) -> dict[str, Any]:
        (sensor,) = [s for s in answer["sensors"] if s["id"] == METER]
        sensor["data"] = 0.0
        return answer

    simulator.add_fault(faults.delay(0), times=2)  # the device list and object, as they are
    simulator.add_fault(faults.edit_json(_zero_meter))  # the first poll: the meter reads 0
    await _setup(hass, config_entry, **{CONF_HISTORY_DAYS: 0})
    metadata = await _metadata(hass)
    assert COUNTERS[METER] not in metadata
    _, meta = metadata[LEGACY_METER]
    assert meta["name"] == "ssb-001-pae-replacement Meter E30A_3 Energy"
    rows = await _rows(hass, LEGACY_METER)
    assert [row["start"] for row in rows] == [T0, T0 + HOUR]  # 0.2.0's, then 11:00
    assert rows[0]["sum"] == 42.0
    assert rows[1]["sum"] == pytest.approx(42.0 + _hour_kwh_of(simulator, METER, T0 + HOUR))
    assert descriptions.statistic_id(SEED_DEVICE_ID, METER_POWER) not in metadata
    power = await _rows(hass, LEGACY_METER_POWER)
    kept = {"start": T0, "mean": 2.5, "min": 1.0, "max": 4.0}
    assert {kind: power[0][kind] for kind in kept} == kept
    assert [row["start"] for row in power] == [T0, T0 + HOUR]  # 0.2.0's, then 11:00
    assert manager.data == prefs
    validation = (await async_validate_energy(hass)).as_dict()
    assert validation["energy_sources"] == [[], []]
    meter = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{SEED_DEVICE_ID}_{METER}")
    assert meter is not None
    assert float(hass.states.get(meter).state) == state  # type: ignore[union-attr]
    assert f"{SEED_DEVICE_ID}_{METER}" in config_entry.data["kept_statistic_ids"]
    # Once more: the same ids, nothing imported twice.
    requests = len(_history_requests(simulator))
    await _restart(hass, config_entry, frozen, timedelta(0))
    assert len(_history_requests(simulator)) == requests
    assert await _rows(hass, LEGACY_METER) == rows
    assert COUNTERS[METER] not in await _metadata(hass)


def _hour_kwh_of(simulator: Simulator, sensor_id: str, start: datetime) -> float:
    """The energy of an hour as the history shows it (readings on the minute)."""
    return _kwh(simulator, sensor_id, start + HOUR - HOUR / 60) - _kwh(
        simulator, sensor_id, start - HOUR / 60
    )


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
    waits: Waits,
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
        assert len(waits) == 365
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
    waits: Waits,
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
    held: dict[int, int] = {}  # at the pause after day n: bytes the integration holds
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, history_interval=3600) as small:
        # Polls once an hour: each pause fires what is due, the polls too.
        entry = _small_simulator_entry(hass, small, 30, **{CONF_SCAN_INTERVAL: 3600})
        tracemalloc.start(12)
        try:
            assert await hass.config_entries.async_setup(entry.entry_id)
            await _settle(hass, follow=False)
            while waits.due is not None:
                if len(waits) in (9, 29):
                    _clear_url_caches()
                    gc.collect()  # what is only waiting for the cycle collector is not held
                    snapshot = tracemalloc.take_snapshot().filter_traces(ours)
                    held[len(waits)] = sum(s.size for s in snapshot.statistics("filename"))
                # Each pause lasts longer than a request's timeout: the timers of a request
                # (cancelled, but in the loop until their time, with what they refer to) go, as
                # in real time.
                wait = max(waits.due - dt_util.utcnow(), timedelta(seconds=HISTORY_TIMEOUT + 5))
                frozen.tick(wait)
                async_fire_time_changed(hass)
                await _settle(hass, follow=False)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # 30 days, then (the clock an hour later) the 12:00 hour.
        assert len(_history_requests(small)) == 31
        assert await hass.config_entries.async_unload(entry.entry_id)
    early, late = held[9], held[29]
    print(
        f"30 days: the integration holds {early / 1e3:.1f} kB after 9 days, "
        f"{late / 1e3:.1f} kB after 29; traced peak {peak / 1e6:.1f} MB"
    )
    # Nothing kept per day: a day of this history is about 12 kB of readings and rows, so
    # keeping them would add some 240 kB over these 20 days.
    assert late - early < 8000
    assert peak < 30e6
