"""The repair fix flows: a lifetime counter whose halves look swapped (below); Energy
preferences that name 0.1.0's counter entities (energy_preferences.py).

The coordinator raises ``swapped_counter_<device>_<key>`` (fixable) when a counter's values carry
the signature of a 32-bit register read with its two 16-bit words swapped (counters.py). Its fix
flow lets the user decode the counter with the words swapped, or keep it as reported; either
choice is stored in the entry's options (``swapped_counters`` / ``reported_counters``: lists of
``<device>_<key>``), as the options form stores it. A changed scale reloads the entry, which
imports the counter's statistic again in the new scale (statistics.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import CONF_REPORTED_COUNTERS, CONF_SWAPPED_COUNTERS, DOMAIN
from .coordinator import SWAPPED_ISSUE
from .energy_preferences import ISSUE as ENERGY_ISSUE, EnergyPreferencesFlow


def merged_choices(options: Mapping[str, Any], choices: Mapping[str, bool]) -> dict[str, list[str]]:
    """The two option lists after choosing (key -> True: decode swapped, False: as reported)."""
    swapped = {str(key) for key in options.get(CONF_SWAPPED_COUNTERS, [])}
    reported = {str(key) for key in options.get(CONF_REPORTED_COUNTERS, [])}
    for key, decode in choices.items():
        (swapped if decode else reported).add(key)
        (reported if decode else swapped).discard(key)
    return {CONF_SWAPPED_COUNTERS: sorted(swapped), CONF_REPORTED_COUNTERS: sorted(reported)}


@callback
def async_choose(hass: HomeAssistant, entry: ConfigEntry, choices: Mapping[str, bool]) -> None:
    """Store a choice of scale (key -> decode swapped) in the options; reload the entry when a
    counter's scale changes."""
    before = set(entry.options.get(CONF_SWAPPED_COUNTERS, []))
    lists = merged_choices(entry.options, choices)
    hass.config_entries.async_update_entry(entry, options={**entry.options, **lists})
    for key in choices:
        ir.async_delete_issue(hass, DOMAIN, f"{SWAPPED_ISSUE}_{key}")
    if set(lists[CONF_SWAPPED_COUNTERS]) != before:
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The fix flow of a swapped counter issue, or of Energy preferences that name 0.1.0's
    counter entities (energy_preferences.py)."""
    if issue_id.startswith(ENERGY_ISSUE):
        return EnergyPreferencesFlow(data or {})
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
