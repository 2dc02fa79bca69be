"""Hourly external statistics of every device, from the cloud's history (opower's shape).

What a reading gets (its description's ``statistic``; ids: descriptions.statistic_id):

- a lifetime energy counter: the energy of each hour (has_sum), named as its entity: THE series
  of the Energy dashboard (the entity itself has no state class, so the recorder makes none);
- a power or a state of charge: the hourly mean, min and max, named "<entity> (cloud history)".

Rows are hours in UTC; an hour holds the readings whose own time is in [start, start + 1 h).
Energy: (last accepted value before the hour's end) - (last accepted value before its start),
accepted by counters.py's rule, the very one the live entity shows by, with the device's power
(so no hour is negative, and no glitch is counted); an hour without readings holds 0, and the
first hour with readings after a gap holds the gap's energy. Mean, min, max: of the readings.

Each statistic continues from its last row (get_last_statistics: the sum, and the counter's
last accepted value as the baseline); what is missing is read from the cloud's history, a day
per request, HISTORY_PAUSE apart, once an hour ended HISTORY_SETTLE ago, and added with
async_add_external_statistics. A statistic without rows starts ``history_days`` back, or at the
device's history start (``history_days`` before it was added, stored in the entry) when its
counter's scale changed; at most MAX_HISTORY_DAYS ago. The importer looks after each poll that
brings new readings, and when a wait (a pause, a Retry-After) ends.

Before the first poll (``async_prepare``): a counter whose scale the user changed (swapped
halves, repairs.py), or whose start energy_preferences.py moved back (DATA_REIMPORT), has its
statistic cleared, so that it is imported again from the history start (a new scale is then
recorded as applied); each counter's last row becomes the baseline the coordinator judges the
polls by. A statistic keeps the id 0.2.0 gave it (coordinator.statistic_id).
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import math
import operator
from typing import Any, Final

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
    get_metadata,
)
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.const import ATTR_FRIENDLY_NAME
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .api import (
    History,
    ReadingValue,
    SkyCentricsAuthenticationError,
    SkyCentricsConnectionError,
    SkyCentricsError,
    SkyCentricsRateLimitError,
)
from .const import (
    CONF_HISTORY_DAYS,
    CONF_SWAPPED_COUNTERS,
    DATA_APPLIED_SWAPPED,
    DATA_HISTORY_START,
    DATA_REIMPORT,
    DEFAULT_HISTORY_DAYS,
    DOMAIN,
    HISTORY_ATTEMPTS,
    HISTORY_PAUSE,
    HISTORY_RETRY,
    HISTORY_SETTLE,
    LOGGER,
    MAX_HISTORY_DAYS,
)
from .coordinator import SkyCentricsCoordinator
from .counters import CounterGuard
from .descriptions import (
    CloudStatistic,
    SkyCentricsSensorEntityDescription,
    device_name,
    unique_id,
    value_in_unit,
)

HOUR: Final = timedelta(hours=1)
DAY: Final = timedelta(days=1)  # one history request
MEAN_SUFFIX: Final = " (cloud history)"
POWER: Final = SensorDeviceClass.POWER


def hour_start(when: datetime) -> datetime:
    """The start of the UTC hour ``when`` is in."""
    return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(slots=True, eq=False)
class Series:
    """One statistic and what it needs to go on hour after hour."""

    key: str
    description: SkyCentricsSensorEntityDescription
    statistic_id: str
    unit: str | None  # the statistic's own unit (an older one of the same kind is kept)
    next_hour: datetime  # the first hour not in the statistic
    sum: float = 0.0  # SUM: the sum of the last row
    guard: CounterGuard = field(init=False)  # SUM: the baseline (the last accepted value)

    def __post_init__(self) -> None:
        """The guard judges in the statistic's unit."""
        self.guard = CounterGuard(self.unit)

    @property
    def kind(self) -> CloudStatistic | None:
        """SUM or MEAN."""
        return self.description.statistic

    def row(
        self,
        start: datetime,
        times: list[datetime],
        numbers: list[float],
        coordinator: SkyCentricsCoordinator,
    ) -> StatisticData | None:
        """The row of the hour starting at ``start`` from its readings in time order (their
        times and numbers; none: no row): a mean's; a counter's accepted at once when they can
        be, else one by one."""
        if self.kind is CloudStatistic.MEAN:
            if not numbers:
                return None
            mean = math.fsum(numbers) / len(numbers)
            return StatisticData(start=start, mean=mean, min=min(numbers), max=max(numbers))
        guard, allowed = self.guard, coordinator.allowed_rise_kwh
        before = guard.last  # None: the statistic starts with its first reading
        if guard.accept_all(times, numbers, allowed):
            before = numbers[0] if before is None else before
        else:
            for when, value in zip(times, numbers, strict=True):
                if guard.judge(value, when, allowed) is None and before is None:
                    before = guard.last
        if guard.last is None or before is None:
            return None  # no reading yet
        self.sum += guard.last - before  # never negative: the guard accepts no drop
        return StatisticData(start=start, state=guard.last, sum=self.sum)

    def plain_column(
        self, coordinator: SkyCentricsCoordinator, history: History
    ) -> tuple[list[datetime], list[float]] | None:
        """A column whose readings are its numbers as they are: one units text, in the unit of
        the description and of the statistic, numbers only, in time order, a counter's not
        swapped, its swapped signature broken; None otherwise (then `points` and `number`)."""
        sensor_id = coordinator.described[self.key].sensor_id
        counter = coordinator.counters.get(self.key)
        if (
            self.kind is None
            or (counter is not None and (counter.swapped or not counter.detector.broken))
            or sensor_id is None
            or (column := history.columns.get(sensor_id)) is None
            or (plain := column.plain()) is None
            or self.unit != self.description.native_unit_of_measurement
            or self.description.unit_of(plain[0]) != self.unit
            or None in column.times
        ):
            return None
        times: list[datetime] = column.times  # type: ignore[assignment]  # no None: checked
        if not all(map(operator.le, times[:-1], times[1:], strict=True)):
            return None
        return times, plain[1]

    def column_rows(
        self,
        coordinator: SkyCentricsCoordinator,
        column: tuple[list[datetime], list[float]],
        start: datetime,
        end: datetime,
    ) -> list[StatisticData]:
        """The rows of the hours in [start, end) from a `plain_column`, an hour at a slice."""
        times, numbers = column
        rows: list[StatisticData] = []
        hour = max(start, self.next_hour)
        while hour < end:
            first, after = bisect_left(times, hour), bisect_left(times, hour + HOUR)
            if row := self.row(hour, times[first:after], numbers[first:after], coordinator):
                rows.append(row)
            hour += HOUR
        return rows

    def points(
        self, coordinator: SkyCentricsCoordinator, history: History
    ) -> Iterable[tuple[ReadingValue, str, datetime | None]]:
        """This statistic's readings in a range of history: (value, units, time), records in
        time order. A reading of the sensor list from its column, a family's from each record
        (a reading without a time takes its record's)."""
        sensor_id = coordinator.described[self.key].sensor_id
        if sensor_id is not None:
            if (column := history.columns.get(sensor_id)) is None:
                return ()
            units = [labels[3] for labels in column.labels]
            return zip(column.values, units, column.times, strict=True)
        value_fn = self.description.value_fn
        return [
            (point.value, point.units, point.time or record.time)
            for record in history.records
            if (point := value_fn(record)) is not None
        ]

    def number(
        self, coordinator: SkyCentricsCoordinator, value: ReadingValue, units: str
    ) -> float | None:
        """A reading's value in the statistic's unit; a counter's decoded in its chosen scale.
        None without a number (or in a unit of another kind)."""
        description = self.description
        if self.kind is CloudStatistic.SUM:
            number = coordinator.counter_value(self.key, value, units, "history")
        else:
            number = value_in_unit(description, value, units)
        own = description.native_unit_of_measurement
        if number is not None and self.unit != own:
            converter = UNIT_CONVERTERS[description.device_class]
            number = converter.convert(number, own, self.unit)
        return number


class HistoryImporter:
    """Hourly statistics of one device (see the module)."""

    def __init__(self, hass: HomeAssistant, coordinator: SkyCentricsCoordinator) -> None:
        """Import for one device; nothing runs before ``async_prepare``."""
        self.hass = hass
        self.coordinator = coordinator
        self.entry = coordinator.config_entry
        self.device_id = coordinator.device_id
        self.enabled = "recorder" in hass.config.components  # nowhere to put them otherwise
        self._series: dict[str, Series] = {}
        self._start = hour_start(dt_util.utcnow())  # the device's history start
        self._rescaled: set[str] = set()  # keys whose statistic was cleared (async_prepare)
        self._wait_until: datetime | None = None  # no request before (pause, 429, retry)
        self._wake: CALLBACK_TYPE | None = None
        self._attempts = 0  # refused answers in a row for the range at hand
        self._running = False
        self._again = False
        self.status = coordinator.history_status
        self.status.update(
            enabled=self.enabled,
            statistics=0,
            history_requests=0,
            hours_imported=0,
            imported_from=None,  # the device's history start (async_prepare)
            next_hour=None,  # the first hour after the last range imported
            last_error=None,
            last_error_at=None,
        )

    # --- before the first poll ----------------------------------------------------------------

    async def async_prepare(self) -> None:
        """Apply changed counter scales and counters to import again (DATA_REIMPORT), find the
        history start and the counters' baselines."""
        entry, device = self.entry, str(self.device_id)
        own = f"{device}_"
        chosen = {
            str(k) for k in entry.options.get(CONF_SWAPPED_COUNTERS, []) if str(k).startswith(own)
        }
        applied = {
            str(k) for k in entry.data.get(DATA_APPLIED_SWAPPED, []) if str(k).startswith(own)
        }
        again = {str(k) for k in entry.data.get(DATA_REIMPORT, []) if str(k).startswith(own)}
        data: dict[str, Any] = {}
        if self.enabled:
            await self._async_prepare_statistics((chosen ^ applied) | again, data)
        if again:  # read only now, as below
            data[DATA_REIMPORT] = [
                k for k in entry.data.get(DATA_REIMPORT, []) if not str(k).startswith(own)
            ]
        if chosen != applied:
            # Read only now: the entry's other devices prepare at the same time.
            others = {
                str(k)
                for k in entry.data.get(DATA_APPLIED_SWAPPED, [])
                if not str(k).startswith(own)
            }
            data[DATA_APPLIED_SWAPPED] = sorted(chosen | others)
        if data:
            self.hass.config_entries.async_update_entry(entry, data={**entry.data, **data})

    async def _async_prepare_statistics(self, rescaled: set[str], data: dict[str, Any]) -> None:
        """Read the counters' baselines and the device's statistics, clear those of the
        ``rescaled`` counters, and find the history start (a new one is put in ``data``)."""
        entry, device = self.entry, str(self.device_id)
        instance = get_instance(self.hass)
        coordinator = self.coordinator
        baselines, existing = await instance.async_add_executor_job(self._baselines)
        coordinator.baselines, coordinator.existing_statistics = baselines, existing
        self._rescaled = {key.removeprefix(f"{device}_") for key in rescaled}
        if cleared := sorted(coordinator.statistic_id(key) for key in self._rescaled):
            instance.async_clear_statistics(cleared)
            await instance.async_block_till_done()
            for statistic in cleared:
                baselines.pop(statistic, None)
            LOGGER.info(
                "%s: counters imported again from the history start: %s", coordinator.name, cleared
            )
        starts = dict(entry.data.get(DATA_HISTORY_START, {}))
        if device not in starts:
            days = int(entry.options.get(CONF_HISTORY_DAYS, DEFAULT_HISTORY_DAYS))
            # An entry of 0.2.0 has statistics: they began when it was added.
            since = entry.created_at if existing else dt_util.utcnow()
            starts[device] = hour_start(since - timedelta(days=days)).isoformat()
            data[DATA_HISTORY_START] = starts
        self._start = max(
            datetime.fromisoformat(starts[device]),
            hour_start(dt_util.utcnow()) - timedelta(days=MAX_HISTORY_DAYS),
        )
        self.status["imported_from"] = self._start.isoformat()

    def _baselines(self) -> tuple[dict[str, tuple[float, datetime, str | None]], set[str]]:
        """Each counter statistic's last accepted value, when (the end of its last row) and its
        unit; and the device's statistics. In the recorder's executor."""
        prefix = f"{DOMAIN}:{self.device_id}_"
        metadata = get_metadata(self.hass, statistic_source=DOMAIN)
        ours = {sid for sid in metadata if sid.startswith(prefix)}
        baselines: dict[str, tuple[float, datetime, str | None]] = {}
        for sid in ours:
            if not metadata[sid][1]["has_sum"]:
                continue
            rows = get_last_statistics(self.hass, 1, sid, False, {"state"}).get(sid)
            if rows and (state := rows[0].get("state")) is not None:
                end = dt_util.utc_from_timestamp(rows[0]["start"]) + HOUR
                baselines[sid] = (state, end, metadata[sid][1]["unit_of_measurement"])
        return baselines, ours

    # --- the task -----------------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Import after every poll what can be imported (and stop with the entry)."""
        if not self.enabled:
            return
        self.entry.async_on_unload(self.coordinator.async_add_listener(self._kick))
        self.entry.async_on_unload(self._stop)
        self._kick()

    @callback
    def _stop(self) -> None:
        if self._wake is not None:
            self._wake()

    @callback
    def _kick(self, _now: datetime | None = None) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        self.entry.async_create_background_task(
            self.hass, self._async_run(), f"{self.coordinator.name} hourly statistics"
        )

    @callback
    def _wait(self, seconds: float) -> None:
        """No request before ``seconds`` from now; then look again."""
        self._wait_until = dt_util.utcnow() + timedelta(seconds=seconds)
        if self._wake is not None:
            self._wake()
        self._wake = async_call_later(self.hass, seconds, self._kick)

    async def _async_run(self) -> None:
        """Import the next range if one can be imported now (a poll or a wait's end runs it
        again)."""
        try:
            while True:
                self._again = False
                await self._async_add_series()
                if not await self._async_step() and not self._again:
                    return
        except Exception as err:  # a bug must not end the polls: logged, tried on the next poll
            LOGGER.exception("%s: hourly statistics failed", self.coordinator.name)
            self._error(f"{type(err).__name__}: {err}")
            self._series.clear()  # start again from the statistics' last rows
        finally:
            self._running = False

    async def _async_step(self) -> bool:
        """Import one range; False when nothing can be imported now."""
        if not self._series:
            return False
        now = dt_util.utcnow()
        if self._wait_until is not None and now < self._wait_until:
            return False
        start = min(series.next_hour for series in self._series.values())
        settled = hour_start(now - HISTORY_SETTLE)
        if start >= settled:
            return False  # the hour is not over (or only just): its readings may still come
        end = min(start + DAY, settled)
        try:
            self.status["history_requests"] += 1
            history = await self.coordinator.client.async_get_history_columns(
                self.device_id, start, end, sensor_ids=self._sensor_ids()
            )
        except SkyCentricsRateLimitError as err:
            wait = self.coordinator.backoff_seconds(err.retry_after)
            self._error(f"rate limited (HTTP 429): waiting {wait:g} s")
            self._wait(wait)
            return False
        except (SkyCentricsConnectionError, SkyCentricsAuthenticationError) as err:
            return self._retry_later(err)  # not the range's fault: tried again
        except SkyCentricsError as err:
            self._attempts += 1
            if self._attempts < HISTORY_ATTEMPTS:
                return self._retry_later(err)
            LOGGER.warning(
                "%s: the cloud refused the history from %s to %s %d times (%s); these hours "
                "are imported without readings (their energy is counted in the first hour "
                "with readings after them)",
                self.coordinator.name,
                start,
                end,
                self._attempts,
                err,
            )
            history = History([], {})
        self._attempts = 0
        await self._async_import(start, end, history)
        del history
        await get_instance(self.hass).async_block_till_done()  # one day queued at a time
        self._wait(HISTORY_PAUSE.total_seconds())
        return False

    def _sensor_ids(self) -> set[str]:
        """The sensors of the list a history record keeps: those with a statistic, and the
        powers (the counters' rule goes by the largest power)."""
        return {
            described.sensor_id
            for described in self.coordinator.described.values()
            if described.sensor_id is not None
            and any(d.statistic or d.device_class is POWER for d in described.sensors)
        }

    def _retry_later(self, err: SkyCentricsError) -> bool:
        self._error(f"{type(err).__name__}: {err}")
        LOGGER.debug("%s: history request failed (%s)", self.coordinator.name, err)
        self._wait(HISTORY_RETRY.total_seconds())
        return False

    def _error(self, text: str) -> None:
        self.status["last_error"] = text
        self.status["last_error_at"] = dt_util.utcnow().isoformat()

    # --- importing ----------------------------------------------------------------------------

    async def _async_import(self, start: datetime, end: datetime, history: History) -> None:
        """Add the rows of the hours in [start, end) of every statistic that lacks them. The
        event loop gets a turn before each statistic and each power's column (a day of
        per-minute records: a few ms at a time)."""
        coordinator = self.coordinator
        await coordinator.async_observe_history_power(history)
        hour_of: dict[datetime, datetime] = {}  # a reading time -> the start of its hour
        written = 0
        for key, series in self._series.items():
            await asyncio.sleep(0)
            if plain := series.plain_column(coordinator, history):
                rows = series.column_rows(coordinator, plain, start, end)
            else:
                rows = self._rows(series, history, start, end, hour_of)
            series.next_hour = max(series.next_hour, end)
            if series.kind is CloudStatistic.SUM:
                coordinator.async_counter_judged(key, series.guard)
            if rows:
                async_add_external_statistics(self.hass, self._metadata(series), rows)
                written += 1
        hours = round((end - start) / HOUR)
        self.status["hours_imported"] += hours
        self.status["next_hour"] = end.isoformat()
        LOGGER.info(
            "%s: imported %d hour(s) of the cloud's history, %s to %s UTC (%d statistics)",
            coordinator.name,
            hours,
            start.strftime("%Y-%m-%d %H:%M"),
            end.strftime("%Y-%m-%d %H:%M"),
            written,
        )

    def _rows(
        self,
        series: Series,
        history: History,
        start: datetime,
        end: datetime,
        hour_of: dict[datetime, datetime],
    ) -> list[StatisticData]:
        """A statistic's rows of the hours in [start, end), reading by reading."""
        coordinator = self.coordinator
        values: dict[datetime, list[tuple[datetime, float]]] = {}  # hour: (time, number)
        for value, units, when in series.points(coordinator, history):
            if when is None or (number := series.number(coordinator, value, units)) is None:
                continue
            if start <= when < end:
                if (hour := hour_of.get(when)) is None:
                    hour = hour_of[when] = hour_start(when)
                values.setdefault(hour, []).append((when, number))
        rows: list[StatisticData] = []
        hour = max(start, series.next_hour)
        while hour < end:
            in_hour = sorted(values.get(hour, []), key=lambda item: item[0])
            times, numbers = [when for when, _ in in_hour], [number for _, number in in_hour]
            if row := series.row(hour, times, numbers, coordinator):
                rows.append(row)
            hour += HOUR
        return rows

    def _metadata(self, series: Series) -> StatisticMetaData:
        converter = UNIT_CONVERTERS.get(series.description.device_class)
        is_sum = series.kind is CloudStatistic.SUM
        name = self._name(series)
        return StatisticMetaData(
            mean_type=StatisticMeanType.NONE if is_sum else StatisticMeanType.ARITHMETIC,
            has_sum=is_sum,
            name=name if is_sum else name + MEAN_SUFFIX,
            source=DOMAIN,
            statistic_id=series.statistic_id,
            unit_class=converter.UNIT_CLASS if converter else None,
            unit_of_measurement=series.unit,
        )

    def _name(self, series: Series) -> str:
        """The entity's friendly name as the user sees it; its parts' names without a state."""
        registry = er.async_get(self.hass)
        entity_id = registry.async_get_entity_id(
            "sensor", DOMAIN, unique_id(self.device_id, series.key)
        )
        state = self.hass.states.get(entity_id) if entity_id else None
        if state is not None and (name := state.attributes.get(ATTR_FRIENDLY_NAME)):
            return str(name)
        entity = registry.async_get(entity_id) if entity_id else None
        own = (entity.name or entity.original_name) if entity else None
        part = self.coordinator.described[series.key].part
        return f"{device_name(self.coordinator.device.name, part)} {own or series.key}"

    # --- statistics -----------------------------------------------------------------------------

    async def _async_add_series(self) -> None:
        """Take in the statistics of readings described since, each from its last row; one
        without rows from the device's history start when its scale changed (its statistic
        was cleared), else at most ``history_days`` back (a sensor the device shows later)."""
        new = [
            (key, description)
            for key, described in self.coordinator.described.items()
            if key not in self._series
            for description in described.sensors
            if description.statistic is not None
        ]
        if not new:
            return
        ids = {key: self.coordinator.statistic_id(key) for key, _ in new}
        last = await get_instance(self.hass).async_add_executor_job(
            self._last_rows, list(ids.values())
        )
        now = hour_start(dt_util.utcnow())
        days = int(self.entry.options.get(CONF_HISTORY_DAYS, DEFAULT_HISTORY_DAYS))
        oldest = now - timedelta(days=MAX_HISTORY_DAYS)
        for key, description in new:
            unit, row = last[ids[key]]
            converter = UNIT_CONVERTERS.get(description.device_class)
            own = description.native_unit_of_measurement
            if unit != own and not (
                converter and unit in converter.VALID_UNITS and own in converter.VALID_UNITS
            ):
                unit = own  # a new statistic, or one in a unit of another kind
            start = self._start
            if key not in self._rescaled:
                start = max(start, now - timedelta(days=days))
            series = Series(key, description, ids[key], unit, start)
            if row is not None:
                series.next_hour = dt_util.utc_from_timestamp(row["start"]) + HOUR
                series.sum = row.get("sum") or 0.0
                if series.next_hour < oldest:  # beyond the catch-up: from its next reading
                    series.next_hour = oldest
                elif series.kind is CloudStatistic.SUM and row.get("state") is not None:
                    series.guard.last, series.guard.last_time = row["state"], series.next_hour
            self._series[key] = series
        self.status["statistics"] = len(self._series)

    def _last_rows(self, ids: list[str]) -> dict[str, tuple[str | None, dict[str, Any] | None]]:
        """Each statistic's unit and last row (None: none). In the recorder's executor."""
        metadata = get_metadata(self.hass, statistic_ids=set(ids))
        result: dict[str, tuple[str | None, dict[str, Any] | None]] = {}
        for sid in ids:
            unit = metadata[sid][1]["unit_of_measurement"] if sid in metadata else None
            rows = get_last_statistics(self.hass, 1, sid, False, {"state", "sum"}).get(sid)
            result[sid] = (unit, dict(rows[0]) if rows else None)
        return result
