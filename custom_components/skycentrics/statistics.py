"""Hourly external statistics of every device: the cloud's history, then the polls.

What each reading gets (the classification's ``statistic``):

- a lifetime energy counter: ``skycentrics:<device id>_<slug of the sensor id>``, has_sum, the
  entity's unit, named as the entity ("PV inverter 1 Lifetime energy produced"): THE series of
  the Energy dashboard (the entity itself has no state class, so the recorder makes none);
- a power or a state of charge: the same kind of id, the hourly mean, min and max, named
  "<entity name> (cloud history)" (the entity keeps its own statistics as well).

Rows are hours in UTC (start = the hour's start), so no time zone or daylight saving change can
shift, skip or repeat one. An hour holds the readings whose own time is in [start, start + 1 h):
a reading at 10:59:59 is in the 10:00 hour, one at 11:00:00 in the 11:00 hour.

- Energy: (last accepted value with time < hour end) - (last accepted value with time < hour
  start). Accepted: counter.py's plausibility rule, the very one the live sensor applies (a drop,
  a reset, a glitch to 0 or a glitch high is not accepted, so no hour is negative and no glitch
  is counted). The sums telescope: over any range they add up to the counter's accepted
  increase. An hour without readings holds 0; the first hour with readings after a gap holds the
  gap's energy. The first hour of a new statistic counts from its first reading.
- Mean, min, max: of the readings in the hour (the arithmetic mean of the readings, one a minute
  in the history and one a poll from the polls: not weighted by time). No readings, no row.

Where hours come from (one importer per device, hours strictly in order; the statistics of the
sensors the device reports now):

- Set-up with no statistics yet: the last ``history_days`` days (option, default 7) from the
  history, one day per request, HISTORY_PAUSE apart, in the background (an energy statistic
  without any row, e.g. a new counter, gets them too; the others skip the hours they have).
  With history_days 0, the statistics start with the first hour the polls cover.
- Then the polls. An hour is *covered by the polls* when (1) an unbroken run of successful polls
  (no failed poll in between) started before the hour began: its first poll brought readings
  taken before the hour's start; (2) a poll of that run brought readings taken in the hour; and
  (3) a poll of that run brought readings taken at or after the hour's end (the device's median
  reading time, as the coordinator follows it, reached the hour's end). A covered hour is made
  from the readings the polls brought: no history request.
- Every other hour (HA was stopped, polls failed, the run started inside the hour, the cloud sent
  no reading of the hour) is asked from the history once it ended HISTORY_SETTLE ago.
- After a restart, each statistic continues from its last row (get_last_statistics): its sum,
  and its ``state`` (the counter's last accepted value before the next hour) as the baseline;
  nothing else is stored, so the recorder's rows are the one truth. The guard's clock restarts at
  that hour (the last accepted reading's own time is not kept). Hours already in a statistic are
  never imported again (importing an hour twice would write the same row and sum anyway).
- Catching up goes back MAX_HISTORY_DAYS at most; a statistic whose last row is older starts
  again from its first reading after that (the energy of hours never imported is in no hour).
- The readings are in the scale the user chose for each counter (repairs.py: the coordinator's
  ``scales.decode`` runs on the polls' snapshots and on every history record, before anything
  here reads them). When a counter's scale changed since its statistic was imported, set-up
  clears that statistic and imports it again from the cloud's history, from the first hour it
  held (its sum starting again at 0), like a new statistic; then the scale applied is recorded.
  The importer's counter guard also tells repairs.py when it refuses a rise (and when it
  accepts again), for the implausible-rise issue.
- A 429 waits for the Retry-After (held within [poll interval, 1 hour]) and continues; other
  failures are tried again HISTORY_RETRY later (a range the cloud refuses HISTORY_ATTEMPTS
  times in a row is imported without readings). Unloading the entry cancels the import.

Memory: one day of history at a time (only the sensors with a statistic, and the powers, are
read from it; the recorder writes a day before the next is asked), a few hours of poll readings
(LIVE_BUFFER_HOURS), and per statistic its sum and baseline: bounded whatever the range.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import math
import re
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.recorder.db_schema import Statistics, StatisticsMeta
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
from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.const import ATTR_FRIENDLY_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.recorder import get_instance, session_scope
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import BaseUnitConverter
from sqlalchemy import func

from .api import (
    Reading,
    SkyCentricsAuthenticationError,
    SkyCentricsConnectionError,
    SkyCentricsError,
    SkyCentricsRateLimitError,
    SkyCentricsTimeoutError,
    Snapshot,
)
from .classification import (
    CloudStatistic,
    SkyCentricsSensorEntityDescription,
    component_of,
    device_name,
    sensor_description,
    to_number,
)
from .const import (
    DOMAIN,
    HISTORY_ATTEMPTS,
    HISTORY_PAUSE,
    HISTORY_RETRY,
    HISTORY_SETTLE,
    LIVE_BUFFER_HOURS,
    LOGGER,
    MAX_HISTORY_DAYS,
    POWER_UNITS,
)
from .counter import AllowedRise, CounterGuard

if TYPE_CHECKING:
    from .coordinator import SkyCentricsCoordinator

HOUR: Final = timedelta(hours=1)
HISTORY_SPAN: Final = timedelta(days=1)  # one history request: one day at most
MEAN_SUFFIX: Final = " (cloud history)"
_NOT_SLUG: Final = re.compile(r"[^a-z0-9]+")


async def async_wait(seconds: float) -> None:
    """Wait between requests, or for a Retry-After (the tests move their virtual clock)."""
    await asyncio.sleep(seconds)


def hour_start(when: datetime) -> datetime:
    """The start of the UTC hour ``when`` is in."""
    return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


# --- Statistic ids ----------------------------------------------------------------------------


def slug(text: str) -> str:
    """Lowercase letters and digits, every other run of characters one ``_``, none at the ends."""
    return _NOT_SLUG.sub("_", text.lower()).strip("_")


def short_hash(text: str) -> str:
    """Eight hex digits, always the same for the same text."""
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class StatisticIds:
    """The statistic id of each sensor of one device: ``skycentrics:<device id>_<slug>``.

    Two sensor ids with the same slug (``A-B`` and ``A_B``): the one given an id first keeps the
    plain slug, the other gets ``_<short hash of its sensor id>``. The importer asks for the
    sensors of the first poll in sorted order, so the ids are the same on every start as long as
    the device reports the same sensors. Every id matches the recorder's VALID_STATISTIC_ID.
    """

    def __init__(self, device_id: int) -> None:
        """Ids for one device."""
        self._prefix = f"{DOMAIN}:{slug(str(device_id)) or 'device'}_"
        self._ids: dict[str, str] = {}
        self._taken: set[str] = set()

    def get(self, sensor_id: str) -> str:
        """Return the sensor's statistic id (the same for the importer's whole life)."""
        if (known := self._ids.get(sensor_id)) is not None:
            return known
        object_slug = slug(sensor_id)
        if not object_slug or object_slug in self._taken:
            object_slug = f"{object_slug}_{short_hash(sensor_id)}".lstrip("_")
        self._taken.add(object_slug)
        self._ids[sensor_id] = statistic_id = self._prefix + object_slug
        return statistic_id


# --- Hours ------------------------------------------------------------------------------------

type Values = list[tuple[datetime, float]]  # (reading time, value in the statistic's unit)


@dataclass(slots=True, eq=False)
class Series:
    """One statistic and what it needs to go on hour after hour."""

    sensor_id: str
    statistic_id: str
    kind: CloudStatistic
    unit: str | None
    converter: type[BaseUnitConverter] | None
    description: SkyCentricsSensorEntityDescription
    next_hour: datetime | None = None  # the first hour not in the statistic (None: no row yet)
    sum: float = 0.0  # SUM: the sum of the last row
    guard: CounterGuard = field(init=False)  # SUM: the baseline (the last accepted value)
    rejected: int = 0  # SUM: readings the guard did not accept (for the log)

    def __post_init__(self) -> None:
        """The guard judges in the statistic's unit."""
        self.guard = CounterGuard(self.unit)

    def row(self, start: datetime, values: Values, allowed: AllowedRise) -> StatisticData | None:
        """The row of the hour starting at ``start`` from its readings (sorted by time)."""
        if self.kind is CloudStatistic.MEAN:
            return mean_row(start, values)
        return self._sum_row(start, values, allowed)

    def _sum_row(
        self, start: datetime, values: Values, allowed: AllowedRise
    ) -> StatisticData | None:
        guard = self.guard
        before = guard.last  # None: the statistic starts with its first reading
        for when, value in values:
            if guard.judge(value, when, allowed) is not None:
                self.rejected += 1
            elif before is None:
                before = guard.last
        if guard.last is None or before is None:
            return None  # no reading yet
        self.sum += guard.last - before  # never negative: the guard accepts no drop
        return StatisticData(start=start, state=guard.last, sum=self.sum)

    def value(self, reading: Reading) -> float | None:
        """The reading's value in the statistic's unit; None when it has none or cannot be."""
        number = to_number(reading.value)
        if number is None:
            return None
        unit = unit_of(reading.id, reading.type, reading.units)
        if unit == self.unit:
            return float(number)
        converter = self.converter
        if converter is None or unit not in converter.VALID_UNITS:
            return None
        return converter.convert(float(number), unit, self.unit)


def mean_row(start: datetime, values: Values) -> StatisticData | None:
    """Mean (arithmetic, of the readings), min and max of an hour; None without readings."""
    if not values:
        return None
    numbers = [value for _, value in values]
    return StatisticData(
        start=start, mean=math.fsum(numbers) / len(numbers), min=min(numbers), max=max(numbers)
    )


def statistic_description(
    sensor_id: str, kind: str, units: str
) -> SkyCentricsSensorEntityDescription | None:
    """The sensor description of a reading with this id, type and units, if it gets a
    statistic (the value plays no part)."""
    description = sensor_description(sensor_id, kind, units)
    return description if description is not None and description.statistic else None


def unit_of(sensor_id: str, kind: str, units: str) -> str | None:
    """The unit the classification gives a reading with these units (None: no statistic)."""
    description = statistic_description(sensor_id, kind, units)
    return description.native_unit_of_measurement if description else None


def group_hours(values: Values) -> dict[datetime, Values]:
    """Readings (any order) by the UTC hour their own time is in, each hour sorted by time."""
    hours: dict[datetime, Values] = {}
    for item in sorted(values, key=lambda item: item[0]):
        hours.setdefault(hour_start(item[0]), []).append(item)
    return hours


# --- The importer -----------------------------------------------------------------------------


@dataclass(slots=True)
class _LiveHour:
    """The readings the polls brought for one hour, and whether they cover it."""

    readings: dict[str, list[Reading]] = field(default_factory=dict)
    covered: bool = False


@dataclass(slots=True)
class HistoryStatus:
    """What the diagnostics show about the import."""

    first_hour: datetime | None = None  # the first hour imported since set-up
    hours_from_history: int = 0
    hours_from_polls: int = 0
    history_requests: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None


class HistoryImporter:
    """Hourly statistics of one device (see the module's docstring)."""

    def __init__(
        self, hass: HomeAssistant, coordinator: SkyCentricsCoordinator, history_days: int
    ) -> None:
        """Import for one device; nothing runs before ``async_start``."""
        self.hass = hass
        self.coordinator = coordinator
        self.history_days = history_days
        # Without the recorder there is nowhere to put statistics.
        self.enabled = "recorder" in hass.config.components
        self.status = HistoryStatus()
        self.entity_ids: dict[str, str] = {}  # sensor id -> its entity (for the name)
        self._ids = StatisticIds(coordinator.device_id)
        self._series: dict[str, Series] = {}
        self._next_hour: datetime | None = None  # the first hour not imported yet
        self._loaded = False
        self._started = False
        self._task: asyncio.Task[None] | None = None
        self._again = False  # a poll came while the task ran: look again before ending
        self._retry_at: datetime | None = None
        self._attempts = 0  # refused answers in a row for the range at _next_hour
        self._last_request: float | None = None  # when the last history request ended (loop)
        self._names: dict[str, str] = {}  # translation key -> English text (fallback names)
        # The polls: the run of successful polls, and the readings it brought.
        self._run_start: datetime | None = None  # median reading time of the run's first poll
        self._live: dict[datetime, _LiveHour] = {}
        self._buffered_until: dict[str, datetime] = {}  # sensor id -> newest reading buffered

    # -- the polls (called by the coordinator) --------------------------------------------------

    @callback
    def async_poll_succeeded(self, snapshot: Snapshot) -> None:
        """Keep the poll's readings of statistics, close the hours it completes, go on."""
        reached = self.coordinator.latest_reading
        if not self.enabled or reached is None:
            return
        if self._run_start is None:
            self._run_start = reached
        oldest = hour_start(self._run_start)
        if self._next_hour is not None:
            oldest = max(oldest, self._next_hour)
        # A sensor whose clock is hours ahead of the device's: its readings wait for nothing.
        newest = hour_start(reached) + 2 * HOUR
        for reading in snapshot.readings.values():
            when = reading.time
            if when is None or not oldest <= when < newest:
                continue
            if (
                reading.id not in self._series
                and statistic_description(reading.id, reading.type, reading.units) is None
            ):
                continue
            buffered = self._buffered_until.get(reading.id)
            if buffered is not None and when <= buffered:
                continue  # the same reading again
            self._buffered_until[reading.id] = when
            hour = self._live.setdefault(hour_start(when), _LiveHour())
            hour.readings.setdefault(reading.id, []).append(reading)
        for start, hour in self._live.items():
            if self._run_start < start and start + HOUR <= reached:
                hour.covered = True
        while len(self._live) > LIVE_BUFFER_HOURS:
            del self._live[min(self._live)]  # the history will have it
        self._async_kick()

    @callback
    def async_poll_failed(self) -> None:
        """A failed poll ends the run: the hours it had not completed are not covered."""
        if not self.enabled:
            return
        self._run_start = None
        for start in [start for start, hour in self._live.items() if not hour.covered]:
            del self._live[start]
        self._async_kick()

    # -- the task -------------------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Start importing (after set-up: the background task never delays it)."""
        if not self.enabled:
            LOGGER.debug("%s: no recorder, no hourly statistics", self.coordinator.name)
            self.coordinator.scales.async_applied()  # no statistic to import again
            return
        self._started = True
        self._async_kick()

    @callback
    def async_stop(self) -> None:
        """Stop: no new task (unloading the entry cancels the running one)."""
        self._started = False

    @property
    def running(self) -> bool:
        """Whether the import task is running."""
        return self._task is not None and not self._task.done()

    @callback
    def _async_kick(self) -> None:
        if not self._started:
            return
        if self.running:
            self._again = True
            return
        entry = self.coordinator.config_entry
        self._task = entry.async_create_background_task(
            self.hass, self._async_run(), f"{self.coordinator.name} hourly statistics"
        )

    async def _async_run(self) -> None:
        """Import every hour that can be imported now, then end (a poll starts it again)."""
        try:
            if not self._loaded:
                await self._async_load()
            while True:
                self._again = False
                if not await self._async_step() and not self._again:
                    return
        except Exception as err:  # a bug must not end the polls: logged, tried on the next poll
            LOGGER.exception("%s: hourly statistics failed", self.coordinator.name)
            self._error(f"{type(err).__name__}: {err}")
            # What was made in memory may not have reached the recorder: start again from the
            # statistics' last rows.
            self._loaded = False
            self._series.clear()
            self._next_hour = None

    async def _async_load(self) -> None:
        """Find where each statistic ends, and so the first hour to import."""
        data = self.coordinator.data
        readings = sorted(data.readings.values(), key=lambda r: r.id) if data else []
        again = await self._async_clear_rescaled(readings)
        await self._async_add_series(readings)
        for sensor_id, first in again.items():
            if (cleared := self._series.get(sensor_id)) is not None and cleared.next_hour is None:
                cleared.next_hour = first  # imported again from the first hour it held
        # The energy statistics lead (the others follow them): from the earliest hour one of
        # them misses. One without any row yet (new, or its first rows were lost) gets the
        # history_days days of history; the others skip the hours they have.
        series = [s for s in self._series.values() if s.kind is CloudStatistic.SUM] or list(
            self._series.values()
        )
        ends = [s.next_hour for s in series if s.next_hour is not None]
        this_hour = hour_start(dt_util.utcnow())
        if self.history_days > 0 and len(ends) < len(series):
            ends.append(this_hour - timedelta(days=self.history_days))
        start = min(ends) if ends else None  # None: from the first hour the polls cover
        if start is not None:
            start = max(start, this_hour - timedelta(days=MAX_HISTORY_DAYS))
        self._next_hour = start
        self._loaded = True
        LOGGER.debug(
            "%s: %d hourly statistics, importing from %s",
            self.coordinator.name,
            len(self._series),
            start or "the first hour the polls cover",
        )

    async def _async_clear_rescaled(self, readings: list[Reading]) -> dict[str, datetime]:
        """Clear the statistics of counters whose scale changed (repairs.py); return the first
        hour each held: they are imported again from there, in the new scale."""
        scales = self.coordinator.scales
        if not scales.pending:
            return {}
        ids: dict[str, str] = {}
        for reading in readings:  # ids taken in _async_add_series' order (stable ids)
            if reading.id in self._series or not statistic_description(
                reading.id, reading.type, reading.units
            ):
                continue
            statistic_id = self._ids.get(reading.id)
            if reading.id in scales.pending:
                ids[reading.id] = statistic_id
        instance = get_instance(self.hass)
        firsts = await instance.async_add_executor_job(_first_hours, self.hass, list(ids.values()))
        if ids:
            instance.async_clear_statistics(list(ids.values()))
            await instance.async_block_till_done()
            LOGGER.info(
                "%s: the scale of %s changed: their statistics are imported again from %s",
                self.coordinator.name,
                ", ".join(sorted(ids)),
                ", ".join(_iso(firsts.get(i)) or "(none)" for i in ids.values()),
            )
        scales.async_applied()
        return {sid: firsts[i] for sid, i in ids.items() if i in firsts}

    async def _async_step(self) -> bool:
        """Import the next hour(s); False when nothing can be imported now."""
        start = self._next_hour
        if start is None:
            covered = [s for s, hour in self._live.items() if hour.covered]
            if not covered:
                return False
            start = self._next_hour = min(covered)
            await self._async_import_live_before(start)
        live = self._live.get(start)
        if live is not None and live.covered:
            await self._async_import_live(start, live)
            return True
        now = dt_util.utcnow()
        if self._retry_at is not None and now < self._retry_at:
            return False
        settled = hour_start(now - HISTORY_SETTLE)
        if start >= settled:
            return False  # the hour is not over (or only just): its readings may still come
        end = min(
            start + HISTORY_SPAN,
            settled,
            *(s for s, hour in self._live.items() if hour.covered and s > start),
        )
        return await self._async_import_history(start, end)

    # -- importing --------------------------------------------------------------------------------

    async def _async_import_live(self, start: datetime, live: _LiveHour) -> None:
        """Import one hour the polls covered."""
        await self._async_add_series(readings[-1] for readings in live.readings.values())
        self._write(self._rows(start, start + HOUR, live.readings))
        self._done(start + HOUR)
        self.status.hours_from_polls += 1
        LOGGER.debug("%s: hour %s imported from the polls", self.coordinator.name, start)

    async def _async_import_live_before(self, start: datetime) -> None:
        """The statistics' baselines from the readings the polls brought before ``start``.

        Without history (history_days 0) the first imported hour is the first covered one; the
        readings before it make its baseline, as if imported, without rows.
        """
        for hour in sorted(s for s in self._live if s < start):
            readings = self._live.pop(hour).readings
            await self._async_add_series(r[-1] for r in readings.values())
            fresh = [series for series in self._series.values() if series.next_hour is None]
            self._rows(hour, hour + HOUR, readings)
            for series in fresh:
                series.sum = 0.0  # the baseline only: the sums start at ``start``

    async def _async_import_history(self, start: datetime, end: datetime) -> bool:
        """Import [start, end) (at most a day) from the history; False: try again later."""
        coordinator = self.coordinator
        loop = self.hass.loop
        if self._last_request is not None:  # a polite pace: HISTORY_PAUSE between requests
            pause = self._last_request + HISTORY_PAUSE.total_seconds() - loop.time()
            if pause > 0:
                await async_wait(pause)
        self.status.history_requests += 1
        try:
            snapshots = await coordinator.client.async_get_history(
                coordinator.device_id, start, end, sensor_ids=self._history_sensor_ids()
            )
        except SkyCentricsRateLimitError as err:
            wait = coordinator.backoff_seconds(err.retry_after)
            self._error(f"rate limited (HTTP 429): waiting {wait:g} s")
            LOGGER.info(
                "%s: the cloud asks to wait %g s before more history", coordinator.name, wait
            )
            await async_wait(wait)
            self._last_request = None  # that wait was the pause
            return True
        except (
            SkyCentricsConnectionError,
            SkyCentricsTimeoutError,
            SkyCentricsAuthenticationError,
        ) as err:
            return self._retry_later(start, end, err)  # not the range's fault: tried again
        except SkyCentricsError as err:
            self._attempts += 1
            if self._attempts < HISTORY_ATTEMPTS:
                return self._retry_later(start, end, err)
            LOGGER.warning(
                "%s: the cloud refused the history from %s to %s %d times (%s); these hours "
                "are imported without readings (their energy is counted in the first hour "
                "with readings after them)",
                coordinator.name,
                start,
                end,
                self._attempts,
                err,
            )
            snapshots = []
        self._last_request = loop.time()
        self._attempts = 0
        self._retry_at = None
        readings: dict[str, list[Reading]] = {}
        for raw in snapshots:
            snapshot = coordinator.scales.decode(raw, "history")  # the chosen scale
            coordinator.track_power(snapshot)  # the guard's rate: any power the device reported
            for reading in snapshot.readings.values():
                when = reading.time
                if when is None or not start <= when < end:
                    continue
                if reading.id in self._series or statistic_description(
                    reading.id, reading.type, reading.units
                ):
                    readings.setdefault(reading.id, []).append(reading)
        del snapshots
        await self._async_add_series(r[-1] for r in readings.values())
        rows = self._rows(start, end, readings)
        self._write(rows)
        del readings
        # One day in the recorder's queue at a time, however many days there are to import.
        await get_instance(self.hass).async_block_till_done()
        hours = round((end - start) / HOUR)
        self._done(end)
        self.status.hours_from_history += hours
        LOGGER.info(
            "%s: imported %d hour(s) of the cloud's history, %s to %s UTC (%d statistics)",
            coordinator.name,
            hours,
            start.strftime("%Y-%m-%d %H:%M"),
            end.strftime("%Y-%m-%d %H:%M"),
            len(rows),
        )
        return True

    def _history_sensor_ids(self) -> set[str]:
        """The sensors read from the history: those with a statistic, and the powers (the
        counter rule's rate comes from the largest power), of the device's latest readings."""
        wanted = set(self._series)
        if (data := self.coordinator.data) is not None:
            for reading in data.readings.values():
                if reading.units.lower() in POWER_UNITS or statistic_description(
                    reading.id, reading.type, reading.units
                ):
                    wanted.add(reading.id)
        return wanted

    def _retry_later(self, start: datetime, end: datetime, err: SkyCentricsError) -> bool:
        self._retry_at = dt_util.utcnow() + HISTORY_RETRY
        self._error(f"{type(err).__name__}: {err}")
        LOGGER.debug(
            "%s: history from %s to %s failed (%s); trying again at %s",
            self.coordinator.name,
            start,
            end,
            err,
            self._retry_at,
        )
        return False

    def _error(self, text: str) -> None:
        self.status.last_error = text
        self.status.last_error_at = dt_util.utcnow()

    def _done(self, end: datetime) -> None:
        """Hours before ``end`` are imported."""
        if self.status.first_hour is None:
            self.status.first_hour = self._next_hour
        self._next_hour = end
        for start in [start for start in self._live if start < end]:
            del self._live[start]

    def _rows(
        self, start: datetime, end: datetime, readings: Mapping[str, Iterable[Reading]]
    ) -> dict[str, list[StatisticData]]:
        """The rows of the hours in [start, end) of every statistic, by statistic id.

        A statistic that has an hour already skips it; one whose last row is older than
        ``start`` (hours that could not be imported) starts again from its next reading.
        """
        by_hour: dict[str, dict[datetime, Values]] = {}
        for sensor_id, sensor_readings in readings.items():
            if (series := self._series.get(sensor_id)) is None:
                continue
            values = [
                (r.time, value)
                for r in sensor_readings
                if r.time is not None and (value := series.value(r)) is not None
            ]
            by_hour[sensor_id] = group_hours(values)
        allowed = self.coordinator.allowed_rise_kwh
        rows: dict[str, list[StatisticData]] = {}
        hour = start
        while hour < end:
            for series in self._series.values():
                if series.next_hour is not None and hour < series.next_hour:
                    continue  # already in the statistic
                if series.next_hour is not None and series.next_hour < hour:
                    series.guard = CounterGuard(series.unit)  # a gap no one imported
                values = by_hour.get(series.sensor_id, {}).get(hour, [])
                row = series.row(hour, values, allowed)
                series.next_hour = hour + HOUR
                if row is not None:
                    rows.setdefault(series.statistic_id, []).append(row)
            hour += HOUR
        for series in self._series.values():
            if series.kind is CloudStatistic.SUM:
                self.coordinator.scales.async_judged(series.sensor_id, series.guard)
            if series.rejected:
                LOGGER.debug(
                    "%s: %d reading(s) of counter %s not counted (not plausible)",
                    self.coordinator.name,
                    series.rejected,
                    series.sensor_id,
                )
                series.rejected = 0
        return rows

    def _write(self, rows: Mapping[str, list[StatisticData]]) -> None:
        by_id = {series.statistic_id: series for series in self._series.values()}
        for statistic_id, data in rows.items():
            async_add_external_statistics(self.hass, self._metadata(by_id[statistic_id]), data)

    def _metadata(self, series: Series) -> StatisticMetaData:
        converter = series.converter
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
        """The entity's friendly name as the user sees it; made up like it without one."""
        entity_id = self.entity_ids.get(series.sensor_id)
        state = self.hass.states.get(entity_id) if entity_id else None
        if state is not None and (name := state.attributes.get(ATTR_FRIENDLY_NAME)):
            return str(name)
        description = series.description
        own = description.name if isinstance(description.name, str) else series.sensor_id
        if description.translation_key:
            text = self._names.get(description.translation_key, own)
            own = text.format_map(dict(description.translation_placeholders or {}))
        device = device_name(self.coordinator.device.name, component_of(series.sensor_id))
        return f"{device} {own}"

    # -- statistics --------------------------------------------------------------------------------

    async def _async_add_series(self, readings: Iterable[Reading]) -> None:
        """Create the statistics of readings that have none yet, each from its last row."""
        new: list[Series] = []
        for reading in readings:
            if reading.id in self._series:
                continue
            description = statistic_description(reading.id, reading.type, reading.units)
            if description is None or description.statistic is None:
                continue
            new.append(
                Series(
                    sensor_id=reading.id,
                    statistic_id=self._ids.get(reading.id),
                    kind=description.statistic,
                    unit=description.native_unit_of_measurement,
                    converter=UNIT_CONVERTERS.get(description.device_class),
                    description=description,
                )
            )
        if not new:
            return
        if not self._names:
            await self._async_load_names()
        last = await get_instance(self.hass).async_add_executor_job(
            _last_rows, self.hass, [series.statistic_id for series in new]
        )
        for series in new:
            unit, row = last[series.statistic_id]
            converter = series.converter
            if unit != series.unit and converter is not None and unit in converter.VALID_UNITS:
                series.unit = unit  # the statistic goes on in its own unit
                series.guard = CounterGuard(unit)
            if row is not None and row.get("start") is not None:
                series.next_hour = dt_util.utc_from_timestamp(row["start"]) + HOUR
                if series.kind is CloudStatistic.SUM and row.get("state") is not None:
                    series.sum = row.get("sum") or 0.0
                    series.guard.last = row["state"]
                    series.guard.last_time = series.next_hour
            self._series[series.sensor_id] = series

    async def _async_load_names(self) -> None:
        prefix = f"component.{DOMAIN}.entity.sensor."
        texts = await async_get_translations(
            self.hass, self.hass.config.language, "entity", {DOMAIN}
        )
        self._names = {
            key.removeprefix(prefix).removesuffix(".name"): text
            for key, text in texts.items()
            if key.startswith(prefix) and key.endswith(".name")
        }
        self._names.setdefault("", "")  # loaded, even when there is no text at all

    # -- diagnostics ---------------------------------------------------------------------------

    def diagnostics(self) -> dict[str, Any]:
        """Where the import stands."""
        status = self.status
        return {
            "enabled": self.enabled,
            "history_days": self.history_days,
            "running": self.running,
            "statistics": len(self._series),
            "imported_from": _iso(status.first_hour),
            "imported_until": _iso(self._next_hour if status.first_hour else None),
            "next_hour": _iso(self._next_hour),
            "hours_from_history": status.hours_from_history,
            "hours_from_polls": status.hours_from_polls,
            "history_requests": status.history_requests,
            "covered_hours_waiting": sum(hour.covered for hour in self._live.values()),
            "retry_at": _iso(self._retry_at),
            "last_error": status.last_error,
            "last_error_at": _iso(status.last_error_at),
        }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _last_rows(
    hass: HomeAssistant, statistic_ids: list[str]
) -> dict[str, tuple[str | None, Mapping[str, Any] | None]]:
    """Each statistic's unit and last row (None: none yet). In the recorder's executor."""
    metadata = get_metadata(hass, statistic_ids=set(statistic_ids))
    result: dict[str, tuple[str | None, Mapping[str, Any] | None]] = {}
    for statistic_id in statistic_ids:
        unit = (
            metadata[statistic_id][1]["unit_of_measurement"] if statistic_id in metadata else None
        )
        rows = get_last_statistics(hass, 1, statistic_id, False, {"state", "sum"})
        result[statistic_id] = (unit, rows[statistic_id][0] if rows.get(statistic_id) else None)
    return result


def _first_hours(hass: HomeAssistant, statistic_ids: list[str]) -> dict[str, datetime]:
    """The first hour of each statistic that has rows. In the recorder's executor."""
    if not statistic_ids:
        return {}
    with session_scope(hass=hass, read_only=True) as session:
        rows = (
            session.query(StatisticsMeta.statistic_id, func.min(Statistics.start_ts))
            .join(Statistics, Statistics.metadata_id == StatisticsMeta.id)
            .filter(StatisticsMeta.statistic_id.in_(statistic_ids))
            .group_by(StatisticsMeta.statistic_id)
            .all()
        )
    return {str(sid): dt_util.utc_from_timestamp(start) for sid, start in rows if start is not None}
