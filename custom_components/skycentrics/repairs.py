"""Lifetime counters that cannot be right: their repair issues, and the choice of scale.

Two issues per lifetime counter (the classification's ``counter`` flag), never both at once:

- ``swapped_counter_<device>_<sensor>`` (fixable): the counter's values carry the signature of
  a 32-bit register read with its two 16-bit words swapped (counter.py's ``SwapDetector``: two
  distinct values in a row differ by a whole multiple of 65,536, and nothing breaks it; seen in
  the polls or in the history the statistics import, whichever shows it first). Its fix flow
  lets the user decode the counter with the words swapped, or keep it as reported. Either
  choice is stored in the entry's options (``swapped_counters`` / ``reported_counters``: lists
  of ``<device>_<sensor>``), so the issue is not raised again for that counter; the options
  flow offers the same choice for every lifetime counter (saving it settles those it changes,
  and those with an open issue).
- ``implausible_counter_<device>_<sensor>`` (not fixable): the hourly statistics' counter guard
  (counter.py, the live sensor's rule) refused a rise as more than the device could have
  delivered; cleared once the guard accepts a reading again. A counter with the swapped
  signature gets the swapped issue instead (or none, once kept as reported by a choice).

Decoding happens in one place, ``CounterScales.decode``, which the coordinator runs on every
poll's snapshot and the importer on every history record before anyone else reads them: the
live entities and the hourly statistics see the same values. A value that cannot be un-swapped
(not a whole number in [0, 2^32)) becomes unknown. When a counter's scale changes, the entry
reloads; the entity does not restore its guard's old value (``rescaled``) and the importer
clears the counter's statistic and imports it again from the cloud's history, from the first
hour it held (statistics.py), then records the scale applied in the entry's data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_FRIENDLY_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api import Reading, Snapshot
from .classification import sensor_description, to_number
from .const import (
    CONF_REPORTED_COUNTERS,
    CONF_SWAPPED_COUNTERS,
    DATA_APPLIED_SWAPPED,
    DOMAIN,
    LOGGER,
)
from .counter import WORD, CounterGuard, SwapDetector, unswap_words

if TYPE_CHECKING:
    from .coordinator import SkyCentricsCoordinator

SWAPPED_ISSUE = "swapped_counter"
IMPLAUSIBLE_ISSUE = "implausible_counter"


def counter_key(device_id: int, sensor_id: str) -> str:
    """How the options name one device's counter: ``<device id>_<sensor id>``."""
    return f"{device_id}_{sensor_id}"


def _issue_id(kind: str, device_id: int, sensor_id: str) -> str:
    return f"{kind}_{counter_key(device_id, sensor_id)}"


def is_counter(sensor_id: str, kind: str, units: str) -> bool:
    """Whether a reading with this id, type and units is a lifetime counter (its value plays
    no part, as in the classification)."""
    description = sensor_description(sensor_id, kind, units)
    return description is not None and description.counter


def _number(value: float) -> str:
    """A number as the issue texts show it: 338,624,512 (at most 3 decimals)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3f}".rstrip("0")


def _time(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when is not None else "(unknown)"


def _keys(options: Mapping[str, Any], option: str) -> set[str]:
    return {str(key) for key in options.get(option, [])}


def settled(options: Mapping[str, Any], key: str) -> bool:
    """Whether the user chose a scale for this counter (either one)."""
    return key in _keys(options, CONF_SWAPPED_COUNTERS) | _keys(options, CONF_REPORTED_COUNTERS)


def merged_choices(options: Mapping[str, Any], choices: Mapping[str, bool]) -> dict[str, list[str]]:
    """The two option lists after choosing (key -> True: decode swapped, False: as reported)."""
    swapped = _keys(options, CONF_SWAPPED_COUNTERS)
    reported = _keys(options, CONF_REPORTED_COUNTERS)
    for key, decode in choices.items():
        (swapped if decode else reported).add(key)
        (reported if decode else swapped).discard(key)
    return {CONF_SWAPPED_COUNTERS: sorted(swapped), CONF_REPORTED_COUNTERS: sorted(reported)}


@callback
def async_choose(hass: HomeAssistant, entry: ConfigEntry, choices: Mapping[str, bool]) -> None:
    """Store a choice of scale (key -> decode swapped) in the options; reload the entry when a
    counter's scale changes (it re-imports that counter's statistic: see the module)."""
    before = _keys(entry.options, CONF_SWAPPED_COUNTERS)
    lists = merged_choices(entry.options, choices)
    hass.config_entries.async_update_entry(entry, options={**entry.options, **lists})
    for key in choices:
        ir.async_delete_issue(hass, DOMAIN, f"{SWAPPED_ISSUE}_{key}")
    if set(lists[CONF_SWAPPED_COUNTERS]) != before:
        hass.config_entries.async_schedule_reload(entry.entry_id)


class CounterScales:
    """One device's lifetime counters: decoding, the swapped signature, and the issues."""

    def __init__(self, hass: HomeAssistant, coordinator: SkyCentricsCoordinator) -> None:
        """Read the choices of this device's counters from the entry."""
        self.hass = hass
        self.coordinator = coordinator
        self.device_id = coordinator.device_id
        entry = coordinator.config_entry
        self._prefix = f"{self.device_id}_"
        # Sensor ids decoded with their words swapped.
        self.swapped = frozenset(self._own(_keys(entry.options, CONF_SWAPPED_COUNTERS)))
        applied = frozenset(self._own(_keys(entry.data, DATA_APPLIED_SWAPPED)))
        # Counters whose scale differs from the one their statistic and restored state are
        # in: the entity restores no old value, the importer imports the statistic again.
        self.rescaled = self.swapped ^ applied
        self.pending = set(self.rescaled)  # statistics still to import again (statistics.py)
        self.detectors: dict[str, SwapDetector] = {}
        self._implausible: dict[str, dict[str, str]] = {}  # sensor id -> placeholders
        self._raised: dict[str, str | None] = {}  # sensor id -> the issue raised now
        for key in _keys(entry.options, CONF_SWAPPED_COUNTERS) | _keys(
            entry.options, CONF_REPORTED_COUNTERS
        ):
            if key.startswith(self._prefix):  # a choice settles the swapped issue
                ir.async_delete_issue(hass, DOMAIN, f"{SWAPPED_ISSUE}_{key}")

    @callback
    def async_applied(self) -> None:
        """This device's counter statistics (and states) are in the chosen scale now."""
        self.pending.clear()
        entry = self.coordinator.config_entry
        stored = _keys(entry.data, DATA_APPLIED_SWAPPED)
        applied = {key for key in stored if not key.startswith(self._prefix)}
        applied |= {counter_key(self.device_id, sensor_id) for sensor_id in self.swapped}
        if applied != stored:
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, DATA_APPLIED_SWAPPED: sorted(applied)}
            )

    def _own(self, keys: Iterable[str]) -> set[str]:
        return {key.removeprefix(self._prefix) for key in keys if key.startswith(self._prefix)}

    # -- the one place values are decoded -------------------------------------------------------

    def decode(self, snapshot: Snapshot, source: str) -> Snapshot:
        """The snapshot with the chosen counters un-swapped; the signature watched on the
        values as reported. ``source``: "poll" or "history" (each in time order)."""
        readings: dict[str, Reading] | None = None
        for sensor_id, reading in snapshot.readings.items():
            if not is_counter(reading.id, reading.type, reading.units):
                continue
            number = to_number(reading.value)
            detector = self.detectors.get(sensor_id)
            if detector is None:
                detector = self.detectors[sensor_id] = SwapDetector()
            held = detector.holds
            detector.observe(number, source)
            if detector.holds != held:
                self._async_update_issue(sensor_id, reading if source == "poll" else None)
            if sensor_id in self.swapped:
                if readings is None:
                    readings = dict(snapshot.readings)
                decoded = unswap_words(number) if number is not None else None
                readings[sensor_id] = replace(reading, value=decoded)
        return snapshot if readings is None else replace(snapshot, readings=readings)

    # -- what the hourly statistics' guard found -----------------------------------------------

    @callback
    def async_judged(self, sensor_id: str, guard: CounterGuard) -> None:
        """The importer's guard of a counter after a batch of hours: raise the implausible
        issue while it refuses a rise, clear it once it accepts a reading again."""
        refused = guard.refused if guard.rejecting else None
        if refused is None or guard.last is None:
            if self._implausible.pop(sensor_id, None) is not None:
                self._async_update_issue(sensor_id, None)
            return
        if sensor_id in self._implausible:
            return
        value, when, allowed = refused
        unit = guard.unit or ""
        self._implausible[sensor_id] = {
            "last": _number(guard.last),
            "since": _time(guard.last_time),
            "value": _number(value),
            "at": _time(when),
            "rise": _number(value - guard.last),
            "allowed": _number(allowed),
            "unit": unit,
        }
        LOGGER.warning(
            "%s: counter %s rose from %s to %s %s, more than the %s %s the device could have "
            "delivered: not counted until a plausible reading",
            self.coordinator.name,
            sensor_id,
            guard.last,
            value,
            unit,
            _number(allowed),
            unit,
        )
        self._async_update_issue(sensor_id, None)

    # -- issues -----------------------------------------------------------------------------------

    def name(self, sensor_id: str, reading: Reading | None) -> str:
        """The counter's entity name as the user sees it; the reading's own name without one."""
        entity_id = self.coordinator.history.entity_ids.get(sensor_id)
        state = self.hass.states.get(entity_id) if entity_id else None
        if state is not None and (name := state.attributes.get(ATTR_FRIENDLY_NAME)):
            return str(name)
        return reading.name if reading is not None and reading.name else sensor_id

    @callback
    def _async_update_issue(self, sensor_id: str, reading: Reading | None) -> None:
        key = counter_key(self.device_id, sensor_id)
        detector = self.detectors.get(sensor_id)
        options = self.coordinator.config_entry.options
        wanted: str | None = None
        if sensor_id not in self.swapped and detector is not None and detector.holds:
            wanted = None if settled(options, key) else SWAPPED_ISSUE
        elif sensor_id in self._implausible:
            wanted = IMPLAUSIBLE_ISSUE
        if self._raised.get(sensor_id) == wanted:
            return
        self._raised[sensor_id] = wanted
        for kind in (SWAPPED_ISSUE, IMPLAUSIBLE_ISSUE):
            if kind != wanted:
                ir.async_delete_issue(self.hass, DOMAIN, _issue_id(kind, self.device_id, sensor_id))
        if wanted is None:
            return
        placeholders = {
            "device": self.coordinator.name,
            "sensor": self.name(sensor_id, reading),
            "sensor_id": sensor_id,
        }
        if wanted == IMPLAUSIBLE_ISSUE:
            placeholders |= self._implausible[sensor_id]
        else:
            # The value the entity shows now (the history's are older), else the one seen.
            assert detector is not None
            assert detector.value is not None
            if reading is None and self.coordinator.data is not None:
                reading = self.coordinator.data.readings.get(sensor_id)
            value = to_number(reading.value) if reading is not None else None
            if value is None or unswap_words(value) is None:
                value = detector.value
            placeholders |= _swapped_placeholders(value, reading)
            LOGGER.warning(
                "%s: counter %s reads %s, which looks like a register read with its two "
                "16-bit words swapped (a repair issue offers to decode it)",
                self.coordinator.name,
                sensor_id,
                placeholders["value"],
            )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            _issue_id(wanted, self.device_id, sensor_id),
            is_fixable=wanted == SWAPPED_ISSUE,
            severity=ir.IssueSeverity.WARNING,
            translation_key=wanted,
            translation_placeholders=placeholders,
            data={"entry_id": self.coordinator.config_entry.entry_id, "key": key}
            if wanted == SWAPPED_ISSUE
            else None,
        )


def _swapped_placeholders(value: float, reading: Reading | None) -> dict[str, str]:
    """The numbers of the swapped issue: 338,624,512 = 5,167 x 65,536 -> 5,167."""
    number = int(value)
    high, low = divmod(number, WORD)
    multiple = f"{high:,} x {WORD:,}" + (f" + {low:,}" if low else "")
    decoded = unswap_words(value)
    return {
        "value": f"{number:,}",
        "multiple": multiple,
        "decoded": f"{decoded:,}" if decoded is not None else "?",
        "unit": reading.units if reading is not None else "",
    }


# --- the fix flow -------------------------------------------------------------------------------


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The fix flow of a swapped counter issue."""
    return SwappedCounterFlow(issue_id, data or {})


class SwappedCounterFlow(RepairsFlow):
    """Decode a word-swapped counter, or keep it as reported (stored in the options)."""

    def __init__(self, issue_id: str, data: Mapping[str, Any]) -> None:
        """The issue's counter and entry."""
        self._issue_id = issue_id
        self._entry_id = str(data.get("entry_id", ""))
        self._key = str(data.get("key", ""))

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Explain, with the numbers, and offer the two choices."""
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self._issue_id)
        return self.async_show_menu(
            step_id="init",
            menu_options=["swapped", "reported"],
            description_placeholders=dict(issue.translation_placeholders or {}) if issue else {},
        )

    async def async_step_swapped(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Decode the counter with its two words swapped."""
        return self._async_choose(decode=True)

    async def async_step_reported(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Keep the counter as reported."""
        return self._async_choose(decode=False)

    def _async_choose(self, *, decode: bool) -> RepairsFlowResult:
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        async_choose(self.hass, entry, {self._key: decode})
        return self.async_create_entry(data={})
