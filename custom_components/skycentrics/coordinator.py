"""One DataUpdateCoordinator per SkyCentrics device: it polls the signed /data endpoint, decides
once what each reading becomes (classification.py, families.py), and judges the device's
lifetime counters for every snapshot the polls and the cloud's history bring (counters.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import math
from statistics import median_low
from typing import Any, Final

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform, UnitOfPower
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import PowerConverter

from .api import (
    Device,
    History,
    SkyCentricsAuthenticationError,
    SkyCentricsClient,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    Snapshot,
)
from .classification import describe_reading, reading_key
from .const import (
    CONF_SWAPPED_COUNTERS,
    DATA_KEPT_STATISTIC_IDS,
    DOMAIN,
    LOGGER,
    MAX_RETRY_AFTER,
    MAX_USABLE_RETRY_AFTER,
)
from .counters import (
    CounterGuard,
    SwapDetector,
    allowed_rise_kwh,
    swapped_placeholders,
    unswap_words,
)
from .descriptions import (
    Described,
    SkyCentricsSensorEntityDescription,
    slug,
    statistic_id,
    to_number,
    unique_id,
    value_in_unit,
)
from .families import describe_families

GRACE_POLLS: Final = 3  # failed polls during which entities keep their last good value
STALE_POLLS: Final = 3  # poll intervals without a newer reading before the data is stale
MIN_STALE_AGE: Final = timedelta(minutes=5)
CLOCK_ISSUE_SECONDS: Final = 30  # a clock further off than this gets a repair issue
SWAPPED_ISSUE: Final = "swapped_counter"
IMPLAUSIBLE_ISSUE: Final = "implausible_counter"


@dataclass(slots=True)
class SkyCentricsRuntimeData:
    """What a loaded config entry holds: one coordinator per device (they share the client)."""

    coordinators: dict[int, SkyCentricsCoordinator] = field(default_factory=dict)


type SkyCentricsConfigEntry = ConfigEntry[SkyCentricsRuntimeData]


def counter_key(device_id: int, key: str) -> str:
    """How the options and the repair issues name one device's counter."""
    return f"{device_id}_{key}"


@dataclass(slots=True)
class Counter:
    """One lifetime counter: its scale, the swapped signature in its values, and the guard whose
    last accepted value (in the description's unit) the entity shows."""

    description: SkyCentricsSensorEntityDescription
    swapped: bool  # decoded with its two 16-bit words swapped (the user's choice)
    guard: CounterGuard
    detector: SwapDetector = field(default_factory=SwapDetector)
    reported: float | None = None  # the latest poll's value as reported
    implausible: dict[str, str] | None = None  # the implausible issue's numbers, while open


class SkyCentricsCoordinator(DataUpdateCoordinator[Snapshot]):
    """Fetch the device object once, then the latest readings, one request per poll.

    A flaky cloud does not flap entities: after a failed poll they keep the last good readings
    for ``GRACE_POLLS`` polls, then become unavailable (one warning; one info line when the
    device answers again). An answer without any reading is a failed poll too. Bad keys raise
    ConfigEntryAuthFailed (reauth); 429 backs off for the server's Retry-After, held within
    [poll interval, 1 hour]; a device the API no longer knows gets a repair issue.
    """

    config_entry: SkyCentricsConfigEntry
    device: Device  # fetched by the first refresh (_async_setup)

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SkyCentricsConfigEntry,
        client: SkyCentricsClient,
        device_id: int,
        update_interval: timedelta,
    ) -> None:
        """Set up polling of one device."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"SkyCentrics device {device_id}",
            update_interval=update_interval,
            always_update=False,
        )
        self.client = client
        self.device_id = device_id
        self.failures = 0  # failed polls in a row
        self.unreachable = False  # failures outlasted the grace period, or the device is gone
        self.auth_failed = False  # the API refused the keys: polling stopped until reauth
        # When most readings were taken (the median reading time of a poll), the newest seen.
        self.latest_reading: datetime | None = None
        self._advanced_at: datetime | None = None  # when latest_reading last moved forward
        self._reported_stale = False
        # What each reading becomes, by key (decided when the reading is first seen).
        self.described: dict[str, Described] = {}
        self._seen: set[str] = set()  # sensor ids of the list described already
        # The largest |power| (kW) any power reading reported since set-up (polls and history).
        self.max_power_kw: float | None = None
        # The power readings, each with the ratio of its unit to kW and its sensor id (None: a
        # family's field).
        self._powers: list[tuple[SkyCentricsSensorEntityDescription, float, str | None]] = []
        self.counters: dict[str, Counter] = {}
        swapped = {str(key) for key in entry.options.get(CONF_SWAPPED_COUNTERS, [])}
        self._swapped = {key for key in swapped if key.startswith(f"{device_id}_")}
        # Each counter's last accepted value, its time and the statistic's unit, read from its
        # statistic's last row before the first poll (statistics.py): the one place a counter
        # is restored from. And the device's statistics that exist (ids), read then too.
        self.baselines: dict[str, tuple[float, datetime, str | None]] = {}
        self.existing_statistics: set[str] = set()
        self._statistic_ids: dict[str, str] = {}  # key -> statistic id, once decided
        self.history_status: dict[str, Any] = {}  # where the hourly statistics stand

    @property
    def available(self) -> bool:
        """Whether entities show the readings (through the grace period after failures)."""
        return (
            self.data is not None
            and not self.unreachable
            and not self.auth_failed
            and self.failures <= GRACE_POLLS
        )

    def _async_keys_refused(self, refused: bool) -> None:
        """Record whether the API refused the keys; the entry's devices share them, so all
        their entities are told when this changes (their buttons send with these keys)."""
        if refused != self.auth_failed:
            self.auth_failed = refused
            runtime_data = getattr(self.config_entry, "runtime_data", None)  # None in set-up
            for coordinator in runtime_data.coordinators.values() if runtime_data else (self,):
                coordinator.async_update_listeners()

    @property
    def stale(self) -> bool:
        """Whether the readings' own times stopped advancing for several poll intervals (also
        while polling has stopped because the API refused the keys)."""
        if self.auth_failed:
            return True
        if self._advanced_at is None or self.update_interval is None:
            return False
        limit = max(self.update_interval * STALE_POLLS, MIN_STALE_AGE)
        return dt_util.utcnow() - self._advanced_at > limit

    @property
    def interval_seconds(self) -> float:
        """The poll interval in seconds."""
        return self.update_interval.total_seconds() if self.update_interval else 0.0

    async def _async_setup(self) -> None:
        """Fetch the device object (name, MAC, type) before the first poll."""
        self.device = await self._call(self.client.async_get_device(self.device_id))
        self.name = f"SkyCentrics {self.device.name}"

    async def _async_update_data(self) -> Snapshot:
        """Fetch one snapshot; ride out transient failures with the last good one."""
        try:
            snapshot = await self._call(self.client.async_get_data(self.device_id))
            if not snapshot.readings and snapshot.families_empty:
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="no_readings",
                    translation_placeholders={"device": self.name},
                )
        except ConfigEntryAuthFailed:
            # Home Assistant stops polling and starts a reauth flow: the values are not current.
            self._async_keys_refused(True)
            raise
        except UpdateFailed as err:
            if self.data is None:
                raise  # nothing to keep showing: set-up retries later
            self.last_exception = err  # why polls fail, also in the grace period (diagnostics)
            self.failures += 1
            gone = err.translation_key == "device_not_found"
            self._async_device_issue(gone)
            if (gone or self.failures > GRACE_POLLS) and not self.unreachable:
                LOGGER.warning(
                    "%s is unavailable after %d failed poll(s): %s", self.name, self.failures, err
                )
                self.unreachable = True
                self.async_update_listeners()
            else:
                LOGGER.debug("Poll %d of %s failed: %s", self.failures, self.name, err)
            if err.retry_after is not None:
                raise  # Home Assistant waits for Retry-After before the next poll
            return self.data
        if self.unreachable:
            LOGGER.info("%s answers again", self.name)
        self._async_device_issue(False)
        recovered = self.unreachable or self.failures > 0 or self.auth_failed
        self.failures = 0
        self.unreachable = False
        self._async_keys_refused(False)
        self._describe(snapshot)
        self._track_reading_time(snapshot)
        self.observe_power(snapshot)
        self._judge_counters(snapshot)
        stale = self.stale
        if recovered or stale != self._reported_stale:
            self.async_update_listeners()  # the snapshot may be unchanged: say so anyway
        self._reported_stale = stale
        return snapshot

    # --- what each reading becomes ----------------------------------------------------------

    def _describe(self, snapshot: Snapshot) -> None:
        """Describe the readings seen for the first time (a reading's entity keeps the platform
        it is registered in)."""
        new: dict[str, Described] = {}
        if snapshot.readings.keys() - self._seen:
            registry = er.async_get(self.hass)
            for sensor_id in snapshot.readings.keys() - self._seen:
                self._seen.add(sensor_id)
                key = reading_key(sensor_id)
                uid = unique_id(self.device_id, key)
                platforms = (Platform.BINARY_SENSOR, Platform.SENSOR)
                registered = next(
                    (p for p in platforms if registry.async_get_entity_id(p, DOMAIN, uid)), None
                )
                new[key] = describe_reading(snapshot.readings[sensor_id], registered)
        if not snapshot.families_empty:
            new |= {
                key: described
                for key, described in describe_families(snapshot).items()
                if key not in self.described
            }
        for key, described in new.items():
            self.described[key] = described
            for description in described.sensors:
                if description.device_class is SensorDeviceClass.POWER:
                    unit = description.native_unit_of_measurement
                    ratio = PowerConverter.get_unit_ratio(unit, UnitOfPower.KILO_WATT)
                    self._powers.append((description, ratio, described.sensor_id))
                if description.counter:
                    self.counters[key] = self._counter(key, description)

    def _counter(self, key: str, description: SkyCentricsSensorEntityDescription) -> Counter:
        counter = Counter(
            description,
            counter_key(self.device_id, key) in self._swapped,
            CounterGuard(description.native_unit_of_measurement),
        )
        if baseline := self.baselines.pop(self.statistic_id(key), None):
            value, when, unit = baseline
            own = description.native_unit_of_measurement
            converter = UNIT_CONVERTERS.get(description.device_class)
            if unit != own and converter and {unit, own} <= converter.VALID_UNITS:
                value, unit = converter.convert(value, unit, own), own  # a statistic kept in Wh
            if unit == own:  # not one of another kind
                counter.guard.last, counter.guard.last_time = value, when
        return counter

    def statistic_id(self, key: str) -> str:
        """The hourly statistic of a reading: descriptions.statistic_id, except that a
        statistic 0.2.0 gave the plain slug of the key (its rule then) keeps its id: existing
        installs, and the Energy dashboards that name their statistics, are unchanged. Such a
        key is remembered in the entry's data (kept from then on, whatever exists)."""
        if (found := self._statistic_ids.get(key)) is None:
            kept = self.config_entry.data.get(DATA_KEPT_STATISTIC_IDS, [])
            found = statistic_id(self.device_id, key)
            legacy = f"{DOMAIN}:{self.device_id}_{slug(key)}"
            name = counter_key(self.device_id, key)
            if name in kept or (
                found not in self.existing_statistics
                and legacy in self.existing_statistics
                and legacy not in self._statistic_ids.values()
            ):
                found = legacy
                if name not in kept:
                    self.hass.config_entries.async_update_entry(
                        self.config_entry,
                        data={**self.config_entry.data, DATA_KEPT_STATISTIC_IDS: [*kept, name]},
                    )
            self._statistic_ids[key] = found
        return found

    def _track_reading_time(self, snapshot: Snapshot) -> None:
        """Follow when most readings were taken: the median reading time, not the newest, so
        that one sensor with a clock far ahead (or stuck) neither hides nor causes staleness."""
        times = [r.time for r in snapshot.readings.values() if r.time is not None]
        typical = median_low(times) if times else snapshot.time
        if typical is not None and (self.latest_reading is None or typical > self.latest_reading):
            self.latest_reading = typical
            self._advanced_at = dt_util.utcnow()
        elif self._advanced_at is None:
            self._advanced_at = dt_util.utcnow()

    def observe_power(self, snapshot: Snapshot) -> None:
        """Remember the largest |power| the device's power readings reported (a poll's, or a
        history record's): the counters' plausibility rule goes by it."""
        for description, ratio, _ in self._powers:
            if (point := description.value_fn(snapshot)) is not None:
                self._observe_power(description, ratio, point.value, point.units)

    async def async_observe_history_power(self, history: History) -> None:
        """`observe_power` of a range of history: its records' families, its sensors' columns
        (the event loop gets a turn after each)."""
        for record in history.records:
            if not record.families_empty:
                self.observe_power(record)
        for description, ratio, sensor_id in self._powers:
            if sensor_id is None or (column := history.columns.get(sensor_id)) is None:
                continue
            await asyncio.sleep(0)
            if plain := column.plain():  # the largest |power|: the largest |value| converted
                units, numbers = plain
                self._observe_power(description, ratio, max(map(abs, numbers)), units)
                continue
            for value, labels in zip(column.values, column.labels, strict=True):
                self._observe_power(description, ratio, value, labels[3])

    def _observe_power(
        self, description: SkyCentricsSensorEntityDescription, ratio: float, value: Any, units: str
    ) -> None:
        if (power := value_in_unit(description, value, units)) is None:
            return
        kw = abs(power) / ratio
        if self.max_power_kw is None or kw > self.max_power_kw:
            self.max_power_kw = kw

    # --- lifetime counters ------------------------------------------------------------------

    def allowed_rise_kwh(self, since: datetime | None, until: datetime) -> float:
        """The most energy (kWh) a counter of this device may add between two readings."""
        return allowed_rise_kwh(self.max_power_kw, self.interval_seconds, since, until)

    def counter_value(self, key: str, value: object, units: str, source: str) -> float | None:
        """A counter's reading in its entity's unit, decoded in the chosen scale (None: no
        number, a value that cannot be a register, or a unit of another kind). The swapped
        signature is watched on the values as reported; ``source``: "poll" or "history"."""
        counter = self.counters[key]
        number = to_number(value)  # type: ignore[arg-type]
        if source == "poll":
            counter.reported = number
        held = counter.detector.holds
        counter.detector.observe(number, source)
        if counter.detector.holds != held:
            self._async_counter_issue(key)
        if counter.swapped:
            number = unswap_words(number)
        return value_in_unit(counter.description, number, units)

    def _judge_counters(self, snapshot: Snapshot) -> None:
        """Judge each counter's reading of a poll: the entity shows the last accepted value."""
        for key, counter in self.counters.items():
            point = counter.description.value_fn(snapshot)
            if point is None:
                continue
            value = self.counter_value(key, point.value, point.units, "poll")
            guard, last = counter.guard, counter.guard.last
            was_rejecting = guard.rejecting
            problem = guard.judge(value, point.time or dt_util.utcnow(), self.allowed_rise_kwh)
            if problem is not None and not was_rejecting:
                LOGGER.warning(
                    "%s: counter %s went from %s to %s (%s); keeping %s until a plausible reading",
                    self.name,
                    key,
                    last,
                    value,
                    problem,
                    last,
                )

    @callback
    def async_counter_judged(self, key: str, guard: CounterGuard) -> None:
        """The hourly statistics' guard of a counter after a batch of hours: the implausible
        issue is open while it refuses a rise, and closes once it accepts again."""
        counter = self.counters[key]
        numbers = guard.refused_numbers()
        if numbers is not None:
            if counter.implausible is not None:
                return
            LOGGER.warning(
                "%s: counter %s rose from %s to %s %s, more than the %s the device could have "
                "delivered: not counted until a plausible reading",
                self.name,
                key,
                numbers["last"],
                numbers["value"],
                guard.unit,
                numbers["allowed"],
            )
        if numbers != counter.implausible:
            counter.implausible = numbers
            self._async_counter_issue(key)

    @callback
    def _async_counter_issue(self, key: str) -> None:
        """The counter's issue: while its values carry the swapped signature (not decoded),
        the swapped issue (fixable) until a scale is chosen, and no other (the rises refused are
        the signature's); else implausible while the statistics refuse a rise; else none."""
        counter = self.counters[key]
        name = counter_key(self.device_id, key)
        options = self.config_entry.options
        chosen = any(name in options.get(option, []) for option in _SCALE_OPTIONS)
        placeholders = {"device": self.name, "sensor": self.entity_name(key), "sensor_id": key}
        signature = counter.detector.holds and not counter.swapped
        swapped = signature and not chosen
        if swapped:
            # The value the entity reads now (the history's are older), else the one seen.
            value = counter.reported
            if value is None or unswap_words(value) is None:
                value = counter.detector.value
            assert value is not None
            placeholders |= swapped_placeholders(
                value, counter.description.native_unit_of_measurement
            )
        self.async_set_issue(
            f"{SWAPPED_ISSUE}_{name}", SWAPPED_ISSUE, placeholders if swapped else None, name
        )
        implausible = None if signature or counter.implausible is None else placeholders
        self.async_set_issue(
            f"{IMPLAUSIBLE_ISSUE}_{name}",
            IMPLAUSIBLE_ISSUE,
            None if implausible is None else implausible | (counter.implausible or {}),
        )

    def entity_name(self, key: str) -> str:
        """A reading's entity name as the user sees it (its key without an entity)."""
        entity_id = er.async_get(self.hass).async_get_entity_id(
            Platform.SENSOR, DOMAIN, unique_id(self.device_id, key)
        )
        state = self.hass.states.get(entity_id) if entity_id else None
        return str(state.attributes.get("friendly_name", key)) if state else key

    # --- repair issues ----------------------------------------------------------------------

    @callback
    def async_set_issue(
        self,
        issue_id: str,
        translation_key: str,
        placeholders: dict[str, str] | None,
        counter: str | None = None,
    ) -> None:
        """Raise an issue of this entry (None: delete it), only when what it says changes. A
        counter's swapped issue is fixable (repairs.py), its data naming the counter."""
        registry = ir.async_get(self.hass)
        issue = registry.async_get_issue(DOMAIN, issue_id)
        if placeholders is None:
            if issue is not None:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        if issue is not None and issue.translation_placeholders == placeholders:
            return
        if translation_key == SWAPPED_ISSUE:
            LOGGER.warning(
                "%s: counter %s reads %s, which looks like a register read with its two "
                "16-bit words swapped (a repair issue offers to decode it)",
                self.name,
                placeholders["sensor_id"],
                placeholders["value"],
            )
        data: dict[str, str | int | float | None] = {"entry_id": self.config_entry.entry_id}
        if counter is not None:
            data["key"] = counter
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            data=data,
            is_fixable=counter is not None,
            severity=ir.IssueSeverity.ERROR
            if translation_key == "device_not_found"
            else ir.IssueSeverity.WARNING,
            translation_key=translation_key,
            translation_placeholders=placeholders,
        )

    def _async_device_issue(self, gone: bool) -> None:
        """The repair issue for a device the API no longer knows."""
        self.async_set_issue(
            f"device_not_found_{self.device_id}",
            "device_not_found",
            {"device": self.name, "device_id": str(self.device_id)} if gone else None,
        )

    def _async_clock_issue(self) -> None:
        """Tell the user when this computer's clock is off (the API refuses wrong times). One
        issue, judged on what every loaded entry's client last saw, this one's included."""
        clients = {self.client} | {
            coordinator.client
            for entry in self.hass.config_entries.async_loaded_entries(DOMAIN)
            for coordinator in entry.runtime_data.coordinators.values()
        }
        offset = max((c.observed_offset.total_seconds() for c in clients), key=abs)
        placeholders = {
            "offset": f"{abs(offset):.0f}",
            "direction": "behind" if offset > 0 else "ahead of",
        }
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, "clock_skew")
        if abs(offset) <= CLOCK_ISSUE_SECONDS:
            if issue is not None:
                ir.async_delete_issue(self.hass, DOMAIN, "clock_skew")
        elif issue is None or issue.translation_placeholders != placeholders:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                "clock_skew",
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="clock_skew",
                translation_placeholders=placeholders,
            )

    # --- requests ---------------------------------------------------------------------------

    def backoff_seconds(self, retry_after: float | None) -> float:
        """The wait before the next request after a 429: within [poll interval,
        MAX_RETRY_AFTER]; a missing or unusable Retry-After (not finite, negative, over a day)
        waits one interval."""
        interval = self.interval_seconds
        usable = MAX_USABLE_RETRY_AFTER.total_seconds()
        if retry_after is None or not math.isfinite(retry_after) or not 0 <= retry_after <= usable:
            return interval
        return max(interval, min(retry_after, MAX_RETRY_AFTER.total_seconds()))

    async def _call[T](self, request: Awaitable[T]) -> T:
        """Await one client request, mapping its errors to Home Assistant's."""
        try:
            return await request
        except SkyCentricsAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"error": str(err)},
            ) from err
        except SkyCentricsRateLimitError as err:
            retry_after = self.backoff_seconds(err.retry_after)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"retry_after": f"{retry_after:g}"},
                retry_after=retry_after,
            ) from err
        except SkyCentricsNotFoundError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="device_not_found",
                translation_placeholders={"device": str(self.device_id)},
            ) from err
        except SkyCentricsError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"device": self.name, "error": str(err)},
            ) from err
        finally:
            self._async_clock_issue()


_SCALE_OPTIONS: Final = (CONF_SWAPPED_COUNTERS, "reported_counters")
