"""One DataUpdateCoordinator per SkyCentrics device: polls the signed /data endpoint."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import math
from statistics import median_low
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import PowerConverter

from .api import (
    Device,
    SkyCentricsAuthenticationError,
    SkyCentricsClient,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    Snapshot,
)
from .classification import to_number
from .const import (
    CONF_HISTORY_DAYS,
    DEFAULT_HISTORY_DAYS,
    DOMAIN,
    LOGGER,
    MAX_RETRY_AFTER,
    MAX_USABLE_RETRY_AFTER,
    POWER_UNITS,
)
from .counter import allowed_rise_kwh
from .repairs import CounterScales
from .statistics import HistoryImporter

GRACE_POLLS: Final = 3  # failed polls during which entities keep their last good value
STALE_POLLS: Final = 3  # poll intervals without a newer reading before the data is stale
MIN_STALE_AGE: Final = timedelta(minutes=5)
CLOCK_ISSUE_SECONDS: Final = 30  # a clock further off than this gets a repair issue


@dataclass(slots=True)
class SkyCentricsRuntimeData:
    """What a loaded config entry holds: one coordinator per device (they share the client)."""

    coordinators: dict[int, SkyCentricsCoordinator] = field(default_factory=dict)


type SkyCentricsConfigEntry = ConfigEntry[SkyCentricsRuntimeData]


class SkyCentricsCoordinator(DataUpdateCoordinator[Snapshot]):
    """Fetch the device object once, then the latest readings, one request per poll.

    A flaky cloud does not flap entities: after a failed poll they keep the last good readings
    for ``GRACE_POLLS`` polls, then become unavailable (one warning; one info line when the
    device answers again). Bad keys raise ConfigEntryAuthFailed (reauth; polling stops and the
    entities become unavailable); 429 backs off for the server's Retry-After, held within [poll
    interval, 1 hour]; a device the API no longer knows gets a repair issue.
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
        self._device_gone: bool | None = None  # what the device's repair issue says
        # What the clock repair issue last said (None: no issue), once it was checked.
        self._clock_checked = False
        self._clock_placeholders: dict[str, str] | None = None
        # When most readings were taken (the median reading time of a poll), the newest seen.
        self.latest_reading: datetime | None = None
        self._advanced_at: datetime | None = None  # when latest_reading last moved forward
        self._reported_stale = False
        # The largest |power| (kW) any power reading of this device reported since set-up (in
        # the polls and in the history the statistics import).
        self.max_power_kw: float | None = None
        # Hourly statistics: the polls' readings feed them, the cloud's history fills the gaps.
        self.history = HistoryImporter(
            hass, self, int(entry.options.get(CONF_HISTORY_DAYS, DEFAULT_HISTORY_DAYS))
        )
        # Lifetime counters: the chosen scale (word-swapped ones decoded), their repair issues.
        self.scales = CounterScales(hass, self)

    @property
    def available(self) -> bool:
        """Whether entities show the readings (through the grace period after failures)."""
        return (
            self.data is not None
            and not self.unreachable
            and not self.auth_failed
            and self.failures <= GRACE_POLLS
        )

    @property
    def stale(self) -> bool:
        """Whether the readings' own times stopped advancing for several poll intervals.

        Also while polling has stopped because the API refused the keys.
        """
        if self.auth_failed:
            return True
        if self._advanced_at is None or self.update_interval is None:
            return False
        limit = max(self.update_interval * STALE_POLLS, MIN_STALE_AGE)
        return dt_util.utcnow() - self._advanced_at > limit

    async def _async_setup(self) -> None:
        """Fetch the device object (name, MAC, type) before the first poll."""
        self.device = await self._call(self.client.async_get_device(self.device_id))
        self.name = f"SkyCentrics {self.device.name}"

    async def _async_update_data(self) -> Snapshot:
        """Fetch one snapshot; ride out transient failures with the last good one."""
        try:
            snapshot = self.scales.decode(
                await self._call(self.client.async_get_data(self.device_id)), "poll"
            )
        except ConfigEntryAuthFailed:
            # Home Assistant stops polling and starts a reauth flow: the values are not current.
            self.auth_failed = True
            self.history.async_poll_failed()
            self.async_update_listeners()
            raise
        except UpdateFailed as err:
            if self.data is None:
                raise  # nothing to keep showing: set-up retries later
            self.last_exception = err  # why polls fail, also in the grace period (diagnostics)
            self.failures += 1
            self.history.async_poll_failed()
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
        self.auth_failed = False
        self._track_reading_time(snapshot)
        self.track_power(snapshot)
        self.history.async_poll_succeeded(snapshot)
        stale = self.stale
        if recovered or stale != self._reported_stale:
            self.async_update_listeners()  # the snapshot may be unchanged: say so anyway
        self._reported_stale = stale
        return snapshot

    def _track_reading_time(self, snapshot: Snapshot) -> None:
        """Follow when most readings were taken: the median reading time, not the newest.

        One sensor with a clock far ahead (or stuck) neither hides nor causes staleness.
        """
        times = [r.time for r in snapshot.readings.values() if r.time is not None]
        typical = median_low(times) if times else snapshot.time
        if typical is not None and (self.latest_reading is None or typical > self.latest_reading):
            self.latest_reading = typical
            self._advanced_at = dt_util.utcnow()
        elif self._advanced_at is None:
            self._advanced_at = dt_util.utcnow()

    def track_power(self, snapshot: Snapshot) -> None:
        """Remember the largest |power| the device's power readings (W, kW) reported."""
        for reading in snapshot.readings.values():
            unit = POWER_UNITS.get(reading.units.lower())
            if unit is None or (number := to_number(reading.value)) is None:
                continue
            power = PowerConverter.convert(abs(number), unit, UnitOfPower.KILO_WATT)
            if self.max_power_kw is None or power > self.max_power_kw:
                self.max_power_kw = power

    def allowed_rise_kwh(self, since: datetime | None, until: datetime) -> float:
        """The most energy (kWh) a counter of this device may plausibly add between two readings.

        counter.py's rule with this device's largest power and its poll interval: what the live
        sensors and the hourly statistics both judge counters by.
        """
        return allowed_rise_kwh(self.max_power_kw, self._interval_seconds, since, until)

    @property
    def _interval_seconds(self) -> float:
        return self.update_interval.total_seconds() if self.update_interval else 0.0

    def backoff_seconds(self, retry_after: float | None) -> float:
        """The wait before the next poll after a 429: within [poll interval, MAX_RETRY_AFTER].

        A missing or unusable Retry-After (not finite, negative, over a day) waits one interval.
        """
        interval = self._interval_seconds
        usable = MAX_USABLE_RETRY_AFTER.total_seconds()
        if retry_after is None or not math.isfinite(retry_after) or not 0 <= retry_after <= usable:
            return interval
        return max(interval, min(retry_after, MAX_RETRY_AFTER.total_seconds()))

    def _async_device_issue(self, gone: bool) -> None:
        """Raise (or clear) the repair issue for a device the API no longer knows, when that
        changed (a start clears one left from before)."""
        if gone == self._device_gone:
            return
        self._device_gone = gone
        issue_id = f"device_not_found_{self.device_id}"
        if gone:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="device_not_found",
                translation_placeholders={"device": self.name, "device_id": str(self.device_id)},
            )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    def _async_clock_issue(self) -> None:
        """Tell the user when this computer's clock is off (the API refuses wrong times);
        the repair issue is created or deleted only when what it says changes."""
        offset = self.client.observed_offset.total_seconds()
        placeholders = (
            {
                "offset": f"{abs(offset):.0f}",
                "direction": "behind" if offset > 0 else "ahead of",
            }
            if abs(offset) > CLOCK_ISSUE_SECONDS
            else None
        )
        if self._clock_checked and placeholders == self._clock_placeholders:
            return
        self._clock_checked, self._clock_placeholders = True, placeholders
        if placeholders is None:
            ir.async_delete_issue(self.hass, DOMAIN, "clock_skew")
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            "clock_skew",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="clock_skew",
            translation_placeholders=placeholders,
        )

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
