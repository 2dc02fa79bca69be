"""Energy dashboard choices that still name 0.1.0's counter entities: one fixable repair.

0.1.0's lifetime energy counters were ``total_increasing`` entities: the recorder kept their
statistics, and users picked those entities in the Energy dashboard. Since 0.2.0 a counter's
hourly statistic is external (statistics.py) and its entity keeps none, so such a choice stops
growing (energy/validate: ``entity_unexpected_state_class``). After set-up, and whenever the
Energy preferences change, the choices that name a counter entity of an entry raise the issue
``energy_preferences_<entry>``. Its fix flow, once the user confirms, replaces each with the
counter's statistic (coordinator.statistic_id) and changes nothing else. A grid choice priced
per kWh (an entity or a number, without a cost statistic) stays: Home Assistant prices no
external statistic.

The old statistics stay in the recorder, readable under the entities' ids. Where one reaches
further back than its device's history start, the start moves back to its first hour (at most
MAX_HISTORY_DAYS ago) and the moved counters are imported again from the cloud from then
(statistics.py, DATA_REIMPORT), so the dashboard keeps the days before the upgrade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.components.energy.data import async_get_manager
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
import probatio as vol

from .const import DATA_HISTORY_START, DATA_REIMPORT, DOMAIN, LOGGER, MAX_HISTORY_DAYS
from .coordinator import SkyCentricsConfigEntry, counter_key
from .descriptions import CloudStatistic, unique_id

ISSUE: Final = "energy_preferences"
LISTS: Final = ("energy_sources", "device_consumption", "device_consumption_water")
# The keys of a choice that name an energy statistic; for a priced one, its cost statistic and
# prices (a price without a cost statistic keeps the choice on its entity).
STATISTIC_KEYS: Final = (
    "stat_energy_from",
    "stat_energy_to",
    "stat_consumption",
    "included_in_stat",
)
PRICES: Final = {
    "stat_energy_from": ("stat_cost", "entity_energy_price", "number_energy_price"),
    "stat_energy_to": (
        "stat_compensation",
        "entity_energy_price_export",
        "number_energy_price_export",
    ),
}
_LISTENING: HassKey[bool] = HassKey(f"{DOMAIN}_energy_preferences")

type Preferences = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Move:
    """A counter entity of 0.1.0 and the statistic that replaces it."""

    entity_id: str
    statistic_id: str
    device_id: int
    key: str


def counter_moves(hass: HomeAssistant, entry: SkyCentricsConfigEntry) -> dict[str, Move]:
    """Each counter entity of a loaded entry, by entity id, with its hourly statistic."""
    registry = er.async_get(hass)
    moves: dict[str, Move] = {}
    for device_id, coordinator in entry.runtime_data.coordinators.items():
        for key, described in coordinator.described.items():
            if not any(d.statistic is CloudStatistic.SUM for d in described.sensors):
                continue
            entity_id = registry.async_get_entity_id(
                Platform.SENSOR, DOMAIN, unique_id(device_id, key)
            )
            if entity_id is not None:
                moves[entity_id] = Move(entity_id, coordinator.statistic_id(key), device_id, key)
    return moves


def moved(prefs: Preferences, moves: Mapping[str, Move]) -> tuple[dict[str, Any], list[Move]]:
    """The preferences' lists with every choice of a counter entity moved to its statistic
    (priced grid choices excepted), and the moves made."""
    lists: dict[str, Any] = {}
    made: list[Move] = []
    for name in LISTS:
        if name not in prefs:
            continue
        lists[name] = []
        for old in prefs[name] or []:
            choice = dict(old)
            for key in STATISTIC_KEYS:
                if (move := moves.get(choice.get(key) or "")) is None or _priced(choice, key):
                    continue
                choice[key] = move.statistic_id
                if key != "included_in_stat":
                    made.append(move)
            lists[name].append(choice)
    return lists, made


def _priced(choice: Mapping[str, Any], key: str) -> bool:
    if key not in PRICES:
        return False
    cost, *prices = PRICES[key]
    return choice.get(cost) is None and any(choice.get(price) is not None for price in prices)


async def async_check(hass: HomeAssistant, entry: SkyCentricsConfigEntry) -> None:
    """Raise the entry's issue when the Energy preferences name its counter entities, else
    delete it; from then on, look again whenever the preferences change. At the end of the
    entry's set-up (its entities are registered)."""
    manager = await async_get_manager(hass)
    if not hass.data.get(_LISTENING):
        hass.data[_LISTENING] = True

        async def _async_changed() -> None:
            for loaded in hass.config_entries.async_loaded_entries(DOMAIN):
                await async_check(hass, loaded)

        manager.async_listen_updates(_async_changed)
    _, made = moved(manager.data or {}, counter_moves(hass, entry))
    issue_id = f"{ISSUE}_{entry.entry_id}"
    if not made:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    names = []
    for move in dict.fromkeys(made):
        state = hass.states.get(move.entity_id)
        name = state.attributes.get("friendly_name") if state else None
        names.append(f"- {name or move.entity_id} ({move.entity_id} → {move.statistic_id})")
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        data={"entry_id": entry.entry_id},
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE,
        translation_placeholders={"title": entry.title, "choices": "\n".join(names)},
    )


async def async_move(hass: HomeAssistant, entry: SkyCentricsConfigEntry) -> list[Move]:
    """Move the Energy preferences' counter entities to their statistics; where an old
    statistic starts before its device's history start, import those counters again from
    its first hour (the entry reloads). Return the moves made."""
    manager = await async_get_manager(hass)
    lists, made = moved(manager.data or {}, counter_moves(hass, entry))
    if not made:
        return made
    oldest = dt_util.utcnow() - timedelta(days=MAX_HISTORY_DAYS)
    first = await get_instance(hass).async_add_executor_job(
        _first_hours, hass, {move.entity_id for move in made}, oldest
    )
    await manager.async_update(lists)  # type: ignore[arg-type]
    LOGGER.info(
        "%s: the Energy dashboard now uses %s",
        entry.title,
        ", ".join(f"{m.statistic_id} instead of {m.entity_id}" for m in made),
    )
    stored = entry.data.get(DATA_HISTORY_START, {})
    starts, again = dict(stored), set(entry.data.get(DATA_REIMPORT, []))
    for move in made:
        device, since = str(move.device_id), first.get(move.entity_id)
        if since is None or device not in stored:
            continue  # no old rows; or the device's start is decided at its first import
        if since < datetime.fromisoformat(stored[device]):
            starts[device] = min(since, datetime.fromisoformat(starts[device])).isoformat()
            again.add(counter_key(move.device_id, move.key))
    if again != set(entry.data.get(DATA_REIMPORT, [])):
        hass.config_entries.async_update_entry(
            entry,
            data={**entry.data, DATA_HISTORY_START: starts, DATA_REIMPORT: sorted(again)},
        )
        hass.config_entries.async_schedule_reload(entry.entry_id)
    return made


def _first_hours(hass: HomeAssistant, ids: set[str], oldest: datetime) -> dict[str, datetime]:
    """The first hour of each statistic since ``oldest``. In the recorder's executor."""
    rows = statistics_during_period(hass, oldest, None, ids, "hour", None, {"sum"})
    return {
        sid: dt_util.utc_from_timestamp(found[0]["start"]) for sid, found in rows.items() if found
    }


class EnergyPreferencesFlow(RepairsFlow):
    """Move the Energy dashboard's counter entities to their statistics, once confirmed."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        """The issue's entry."""
        self._entry_id = str(data.get("entry_id", ""))

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Ask first."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Say what moves; move it when the user confirms."""
        entry: SkyCentricsConfigEntry | None = self.hass.config_entries.async_get_entry(
            self._entry_id
        )
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        if user_input is None:
            issue = ir.async_get(self.hass).async_get_issue(DOMAIN, f"{ISSUE}_{self._entry_id}")
            return self.async_show_form(
                step_id="confirm",
                data_schema=vol.Schema({}),
                description_placeholders=dict(issue.translation_placeholders or {})
                if issue
                else {"title": entry.title, "choices": ""},
            )
        await async_move(self.hass, entry)
        return self.async_create_entry(data={})
