"""Lifetime counters that cannot be right: the word-swapped battery counters and their fixable
repair (decode or keep as reported), and the implausible-rise issue.

The integration talks to the simulator over real sockets, with the real recorder; time is
virtual (freezer), as in test_statistics.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import itertools
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICES,
    CONF_SCAN_INTERVAL,
    CONF_URL,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.skycentrics.const import (
    CONF_HISTORY_DAYS,
    CONF_REPORTED_COUNTERS,
    CONF_SWAPPED_COUNTERS,
    DATA_APPLIED_SWAPPED,
    DATA_HISTORY_START,
    DOMAIN,
)
from custom_components.skycentrics.counters import WORD, SwapDetector, unswap_words
from skycentrics_simulator import SEED_DEVICE_ID, Simulator
from skycentrics_simulator.__main__ import parse_args, pin_to_seed
from skycentrics_simulator.model import swap_words

from .common import CLIENT_ID, CLIENT_SECRET
from .test_statistics import (
    COUNTERS,
    PV_1,
    WH,
    _coordinator,
    _hours,
    _kwh,
    _poll,
    _poll_until,
    _rows,
    _settle,
    frozen,  # noqa: F401  # fixtures
    mock_recorder_before_hass,  # noqa: F401
    waits,  # noqa: F401
)

CHARGED = "BESS_LIFETIME_CHARGE_COUNTER"
DISCHARGED = "BESS_LIFETIME_DISCHARGE_COUNTER"
BATTERY = (CHARGED, DISCHARGED)
ORDINARY = ("SOLAR_INVERTER_1_ENERGY", "SOLAR_INVERTER_2_ENERGY", "E30A_3_kWh_Energy:_3ph_Total")


def _key(sensor_id: str) -> str:
    return f"{SEED_DEVICE_ID}_{sensor_id}"


def _issue(hass: HomeAssistant, kind: str, sensor_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{kind}_{_key(sensor_id)}")


def _our_issues(hass: HomeAssistant) -> set[str]:
    return {
        issue_id
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue.active
    }


def _entity_id(hass: HomeAssistant, sensor_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, _key(sensor_id))
    assert entity_id is not None
    return entity_id


def _changes(rows: list[dict[str, Any]]) -> list[tuple[datetime, float]]:
    return [(b["start"], b["sum"] - a["sum"]) for a, b in itertools.pairwise(rows)]


def _assert_true_kwh(simulator: Simulator, sensor_id: str, rows: list[dict[str, Any]]) -> None:
    """Every hour's energy is the simulator's true kWh increase, to the Wh."""
    first = rows[0]["start"]
    last_reading = rows[-1]["start"] + timedelta(minutes=59)
    expected = _kwh(simulator, sensor_id, last_reading) - _kwh(simulator, sensor_id, first)
    assert rows[-1]["sum"] == pytest.approx(expected, abs=WH), sensor_id
    for start, change in _changes(rows):
        real = _kwh(simulator, sensor_id, start + timedelta(minutes=59))
        real -= _kwh(simulator, sensor_id, start - timedelta(minutes=1))
        assert change == pytest.approx(real, abs=WH), (sensor_id, start)


def make_static(simulator: Simulator) -> None:
    """What `--static --swapped-counters` serves: the guide's values from now on; before, the
    battery counters' past climbs to them as word-swapped registers (65,536 per kWh)."""
    assert parse_args(["--static", "--swapped-counters"]).swapped_counters
    assert not parse_args(["--static"]).swapped_counters
    simulator.swapped_counters = True
    pin_to_seed(simulator, since=simulator.reading_time())


async def _static_setup(
    hass: HomeAssistant, simulator: Simulator, entry: MockConfigEntry
) -> list[dict[str, Any]]:
    """`--static --swapped-counters`: the guide's values now, a moving past; 2 days of it."""
    make_static(simulator)
    assert await async_setup_component(hass, "repairs", {})
    hass.config_entries.async_update_entry(entry, options={CONF_HISTORY_DAYS: 2})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await _settle(hass)
    return await _rows(hass, COUNTERS[CHARGED])


async def _fix(hass: HomeAssistant, sensor_id: str, choice: str) -> dict[str, Any]:
    """Run the swapped issue's fix flow through Home Assistant's repairs flow manager."""
    manager = repairs_flow_manager(hass)
    assert manager is not None
    issue_id = f"swapped_counter_{_key(sensor_id)}"
    result: Any = await manager.async_init(DOMAIN, context={"issue_id": issue_id})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["swapped", "reported"]
    shown = dict(result["description_placeholders"])
    result = await manager.async_configure(result["flow_id"], {"next_step_id": choice})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await _settle(hass)
    return shown


# --- decoding and the signature (no Home Assistant) --------------------------------------------


def test_unswap_words() -> None:
    """(low word << 16) | high word, also past 65,535 kWh (not a division by 65,536); what
    cannot be a 32-bit register is unknown."""
    assert unswap_words(338_624_512) == 5167
    assert unswap_words(679_870_464.0) == 10374
    assert unswap_words(swap_words(70_000)) == 70_000  # low word 1: not a multiple
    assert swap_words(70_000) % WORD != 0
    assert unswap_words(0) == 0
    for bad in (1.5, -65536, 2**32, None):
        assert unswap_words(bad) is None, bad


def _detect(*values: float | None, source: str = "poll") -> SwapDetector:
    detector = SwapDetector()
    for value in values:
        detector.observe(value, source)
    return detector


def test_the_swapped_signature() -> None:
    """Two distinct values in a row a multiple of 65,536 apart; one value is not enough;
    ordinary counters (decimals, whole kWh moving by 1, sitting on a multiple once) never."""
    assert not _detect(338_624_512, 338_624_512).holds  # one value, however round
    assert _detect(338_624_512, 338_624_512 + WORD).holds
    assert _detect(None, 0, 338_624_512, 0, 338_624_512 + 3 * WORD).holds  # glitches skipped
    past = [swap_words(kwh) for kwh in (65_534, 65_535, 65_536, 65_537)]  # the high word counts
    assert _detect(*past).holds
    assert not _detect(190_025.0, 190_025.4, 190_026.1).holds  # PV inverter, kWh with decimals
    assert not _detect(1000, 1001, 1002).holds  # whole kWh
    assert not _detect(WORD, WORD + 1, WORD + 2).holds  # an ordinary counter on a multiple once
    broken = _detect(338_624_512, 338_624_512 + WORD, 338_624_512 + WORD + 1)
    assert broken.confirmed
    assert not broken.holds
    # The polls and the history are each in order, not with each other.
    detector = _detect(338_624_512)
    detector.observe(338_624_512 - 100 * WORD, "history")
    detector.observe(338_624_512 - 99 * WORD, "history")
    assert detector.holds


async def test_static_battery_history_moves_by_65536_per_kwh() -> None:
    """`--static --swapped-counters`: /data shows the guide's values; the battery counters' past is
    the word-swapped register moving by 65,536 per kWh up to them, the PV counters' by kWh."""
    at = datetime(2026, 10, 20, 12, 30, tzinfo=UTC)
    simulator = Simulator(clients={}, clock=lambda: at)
    make_static(simulator)
    assert simulator.swapped_counters
    now = simulator.reading_time()
    assert simulator.counter_value(SEED_DEVICE_ID, CHARGED, now) == 338_624_512
    assert simulator.counter_kwh(SEED_DEVICE_ID, CHARGED, now) == 5167
    past = [
        simulator.counter_value(SEED_DEVICE_ID, CHARGED, now - minutes * 60)
        for minutes in range(24 * 60, 0, -1)
    ]
    assert all(value % WORD == 0 for value in past)
    assert {b - a for a, b in itertools.pairwise(past)} == {0, WORD}
    assert 5167 - 500 < past[0] / WORD < 5167 - 10  # a day of charging
    pv = [simulator.counter_value(SEED_DEVICE_ID, PV_1, now - hours * 3600) for hours in (20, 16)]
    assert 10 < pv[1] - pv[0] < 1000  # kWh as they are (a morning of sun)


# --- Home Assistant ------------------------------------------------------------------------------


async def test_static_swapped_counters_get_a_fixable_issue(
    frozen: FrozenDateTimeFactory,  # noqa: F811
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],  # noqa: F811
) -> None:
    """`--static --swapped-counters`: the battery counters get the swapped issue, with the
    numbers (the live value, the guide's), seen in the imported history (the live value does
    not move); the PV and meter counters get none, and the battery's refused rises raise no
    second (implausible) issue."""
    await _static_setup(hass, simulator, config_entry)
    for sensor_id, value, multiple, decoded in (
        (CHARGED, "338,624,512", "5,167 x 65,536", "5,167"),
        (DISCHARGED, "679,870,464", "10,374 x 65,536", "10,374"),
    ):
        issue = _issue(hass, "swapped_counter", sensor_id)
        assert issue is not None, sensor_id
        assert issue.is_fixable
        assert issue.severity is ir.IssueSeverity.WARNING
        assert issue.translation_key == "swapped_counter"
        placeholders = issue.translation_placeholders or {}
        assert placeholders["value"] == value
        assert placeholders["multiple"] == multiple
        assert placeholders["decoded"] == decoded
        assert placeholders["unit"] == "kWh"
        assert placeholders["sensor"].startswith("ssb-001-pae-replacement Battery Lifetime energy")
        assert issue.data == {"entry_id": config_entry.entry_id, "key": _key(sensor_id)}
    assert _our_issues(hass) == {f"swapped_counter_{_key(s)}" for s in BATTERY}
    # The other counters: no signature.
    for sensor_id in ORDINARY:
        assert not _coordinator(config_entry).counters[sensor_id].detector.holds, sensor_id


async def test_decode_swapped_re_imports_the_history(
    frozen: FrozenDateTimeFactory,  # noqa: F811
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],  # noqa: F811
) -> None:
    """Choosing "decode": stored in the options, the issue gone and not raised again; the
    entity shows the un-swapped kWh (no old value restored over it); the statistic is cleared
    and imported again over the same hours, every hour's energy the simulator's true kWh to
    the Wh; the other counters' statistics are left alone."""
    before = await _static_setup(hass, simulator, config_entry)
    pv_before = await _rows(hass, COUNTERS[PV_1])
    entity_id = _entity_id(hass, CHARGED)
    assert float(hass.states.get(entity_id).state) == 338_624_512  # type: ignore[union-attr]
    requests = len([p for _, p, _ in simulator.requests if "?b=" in p])
    shown = await _fix(hass, CHARGED, "swapped")
    assert shown["decoded"] == "5,167"
    assert config_entry.options[CONF_SWAPPED_COUNTERS] == [_key(CHARGED)]
    assert config_entry.options[CONF_REPORTED_COUNTERS] == []
    assert config_entry.options[CONF_HISTORY_DAYS] == 2  # the other options kept
    assert config_entry.state is ConfigEntryState.LOADED  # reloaded
    assert config_entry.data[DATA_APPLIED_SWAPPED] == [_key(CHARGED)]
    assert _issue(hass, "swapped_counter", CHARGED) is None
    assert _issue(hass, "swapped_counter", DISCHARGED) is not None  # still to choose
    assert float(hass.states.get(entity_id).state) == 5167  # type: ignore[union-attr]
    # Imported again from the cloud's history: the same hours, in kWh.
    assert len([p for _, p, _ in simulator.requests if "?b=" in p]) > requests
    after = await _rows(hass, COUNTERS[CHARGED])
    assert [row["start"] for row in after][: len(before)] == [row["start"] for row in before]
    assert after[0]["start"] == _hours(before[0]["start"], 1)[0]
    assert after[-1]["state"] < 6000  # kWh, not 65,536ths
    _assert_true_kwh(simulator, CHARGED, after)
    assert await _rows(hass, COUNTERS[PV_1]) == pv_before
    # More polls: the choice holds, no issue for the decoded counter, the entity in kWh.
    await _poll_until(hass, frozen, datetime.now(UTC) + timedelta(minutes=10))
    assert _issue(hass, "swapped_counter", CHARGED) is None
    assert _issue(hass, "implausible_counter", CHARGED) is None
    assert float(hass.states.get(entity_id).state) == 5167  # type: ignore[union-attr]
    # A value that cannot be un-swapped is no value, never a wrong number: the last one stays.
    coordinator = _coordinator(config_entry)
    simulator.set_value(SEED_DEVICE_ID, CHARGED, 1.5)
    await coordinator.async_refresh()
    assert coordinator.data.readings[CHARGED].value == 1.5  # as reported
    assert coordinator.counter_value(CHARGED, 1.5, "kWh", "poll") is None
    assert coordinator.counters[CHARGED].guard.rejecting
    assert float(hass.states.get(entity_id).state) == 5167  # type: ignore[union-attr]


async def test_a_new_scale_is_imported_again_from_the_stored_history_start(
    frozen: FrozenDateTimeFactory,  # noqa: F811
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],  # noqa: F811
) -> None:
    """A day after set-up, decoding a counter clears its statistic before the first poll and
    imports it again from the device's history start stored at set-up (two days before it), not
    from two days before now; the other statistics keep their rows."""
    before = await _static_setup(hass, simulator, config_entry)
    start = config_entry.data[DATA_HISTORY_START][str(SEED_DEVICE_ID)]
    assert before[0]["start"].isoformat() == start
    await _poll(hass, frozen, 86400)  # a day later: that day imported too
    await _settle(hass)
    pv_before = await _rows(hass, COUNTERS[PV_1])
    assert len(pv_before) == 3 * 24
    await _fix(hass, CHARGED, "swapped")
    after = await _rows(hass, COUNTERS[CHARGED])
    assert [row["start"] for row in after] == _hours(before[0]["start"], 3 * 24)
    assert after[-1]["state"] < 6000  # kWh, not 65,536ths
    _assert_true_kwh(simulator, CHARGED, after)
    assert config_entry.data[DATA_HISTORY_START] == {str(SEED_DEVICE_ID): start}
    assert await _rows(hass, COUNTERS[PV_1]) == pv_before


async def test_keep_as_reported_changes_nothing(
    frozen: FrozenDateTimeFactory,  # noqa: F811
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],  # noqa: F811
) -> None:
    """Choosing "keep as reported": stored, the issue gone for good (also after a reload that
    sees the signature again; no implausible issue instead), values and sums as before."""
    before = await _static_setup(hass, simulator, config_entry)
    entity_id = _entity_id(hass, CHARGED)
    await _fix(hass, CHARGED, "reported")
    assert config_entry.options[CONF_REPORTED_COUNTERS] == [_key(CHARGED)]
    assert config_entry.options[CONF_SWAPPED_COUNTERS] == []
    assert _issue(hass, "swapped_counter", CHARGED) is None
    assert DATA_APPLIED_SWAPPED not in config_entry.data  # nothing decoded, nothing to apply
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await _settle(hass)
    await _poll_until(hass, frozen, datetime.now(UTC) + timedelta(minutes=5))
    assert _issue(hass, "swapped_counter", CHARGED) is None
    assert _issue(hass, "implausible_counter", CHARGED) is None
    # Restored from its statistic's last row (before the reload, the entity showed its first
    # poll's 338,624,512): its rises as reported, 65,536 a kWh, are refused by the live guard
    # as by the statistic's, so the two agree.
    assert float(hass.states.get(entity_id).state) == before[-1]["state"]  # type: ignore[union-attr]
    after = await _rows(hass, COUNTERS[CHARGED])
    assert after[: len(before)] == before


async def test_options_show_and_change_the_choice(
    frozen: FrozenDateTimeFactory,  # noqa: F811
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],  # noqa: F811
) -> None:
    """The options offer every lifetime counter once one looks swapped (default: as
    reported); ticking one decodes it (its issue settled, the other's too: it was shown),
    the form then shows the stored choice, and unticking it goes back, re-importing again."""
    before = await _static_setup(hass, simulator, config_entry)
    result: Any = await hass.config_entries.options.async_init(config_entry.entry_id)
    field = {str(k): k for k in result["data_schema"].schema}[CONF_SWAPPED_COUNTERS]
    assert field.default() == []
    offered = result["data_schema"].schema[field].config["options"]
    assert {o["value"] for o in offered} == {_key(s) for s in (*BATTERY, *ORDINARY)}
    assert {o["label"] for o in offered} >= {
        "ssb-001-pae-replacement Battery Lifetime energy charged",
        "ssb-001-pae-replacement Battery Lifetime energy discharged",
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_SWAPPED_COUNTERS: [_key(CHARGED)]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await _settle(hass)
    assert config_entry.options[CONF_SWAPPED_COUNTERS] == [_key(CHARGED)]
    assert config_entry.options[CONF_REPORTED_COUNTERS] == [_key(DISCHARGED)]  # asked: settled
    assert _our_issues(hass) == set()
    entity_id = _entity_id(hass, CHARGED)
    assert float(hass.states.get(entity_id).state) == 5167  # type: ignore[union-attr]
    _assert_true_kwh(simulator, CHARGED, await _rows(hass, COUNTERS[CHARGED]))
    # The form shows the stored choice; unticking goes back to the values as reported.
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    field = {str(k): k for k in result["data_schema"].schema}[CONF_SWAPPED_COUNTERS]
    assert field.default() == [_key(CHARGED)]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_SWAPPED_COUNTERS: []}
    )
    await _settle(hass)
    assert config_entry.options[CONF_SWAPPED_COUNTERS] == []
    assert config_entry.options[CONF_REPORTED_COUNTERS] == [_key(CHARGED), _key(DISCHARGED)]
    assert config_entry.data[DATA_APPLIED_SWAPPED] == []
    assert float(hass.states.get(entity_id).state) == 338_624_512  # type: ignore[union-attr]
    after = await _rows(hass, COUNTERS[CHARGED])
    assert [row["start"] for row in after][: len(before)] == [row["start"] for row in before]
    assert after[: len(before)] == before  # as reported again: the very rows of the first import
    assert _our_issues(hass) == set()


async def test_options_without_a_swapped_counter_ask_nothing(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """Ordinary counters: no issue, and the options form has no counter field."""
    result: Any = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert CONF_SWAPPED_COUNTERS not in {str(k) for k in result["data_schema"].schema}
    assert _our_issues(hass) == set()


async def test_an_implausible_rise_gets_an_issue_until_plausible_again(
    frozen: FrozenDateTimeFactory,  # noqa: F811
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    waits: list[float],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A PV counter jumps by 100 kWh at 13:52 (the device can deliver ~5 kWh a minute): when
    that hour is imported from the history (at 14:05), the hourly statistics' guard refuses it
    and a non-fixable issue says so with the numbers; once time makes the rise plausible the
    guard accepts it, and the issue goes away by itself when that hour is imported."""
    jump_at = datetime(2026, 10, 20, 13, 52, tzinfo=UTC)
    model = simulator._model
    values = model.values

    def _jumped(t: float, device_index: int = 0, **kwargs: Any) -> dict[str, Any]:
        out = values(t, device_index, **kwargs)
        if t >= jump_at.timestamp():
            out[PV_1] += 100.0
        return out

    monkeypatch.setattr(model, "values", _jumped)  # the live readings and the history alike
    hass.config_entries.async_update_entry(config_entry, options={CONF_HISTORY_DAYS: 0})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await _settle(hass)
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 14, 4, tzinfo=UTC))
    assert _issue(hass, "implausible_counter", PV_1) is None  # 13:00 not imported yet
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 14, 10, tzinfo=UTC))
    issue = _issue(hass, "implausible_counter", PV_1)
    assert issue is not None
    assert not issue.is_fixable
    placeholders = issue.translation_placeholders or {}
    assert placeholders["unit"] == "kWh"
    assert placeholders["since"] == "2026-10-20 13:51 UTC"
    assert placeholders["at"] == "2026-10-20 13:59 UTC"
    assert float(placeholders["rise"].replace(",", "")) == pytest.approx(100, abs=1)
    assert float(placeholders["allowed"].replace(",", "")) < 100
    assert (
        placeholders["sensor"] == "ssb-001-pae-replacement PV inverter 1 Lifetime energy produced"
    )
    assert issue.data == {"entry_id": config_entry.entry_id}
    assert _issue(hass, "swapped_counter", PV_1) is None
    rows = await _rows(hass, COUNTERS[PV_1])
    assert rows[-1]["state"] == _kwh(simulator, PV_1, jump_at - timedelta(minutes=1))  # held
    await _poll_until(hass, frozen, datetime(2026, 10, 20, 15, 10, tzinfo=UTC))
    assert _issue(hass, "implausible_counter", PV_1) is None
    assert _our_issues(hass) == set()
    rows = await _rows(hass, COUNTERS[PV_1])
    assert rows[-1]["state"] == _kwh(simulator, PV_1, datetime(2026, 10, 20, 14, 59, tzinfo=UTC))


async def test_seen_in_the_polls_alone(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
) -> None:
    """Without the recorder (no history read), the polls alone show the signature once the
    charging battery's counter moves: the issue names the value of the latest poll."""
    freezer.move_to(datetime(2025, 8, 1, 16, 0, tzinfo=UTC))  # 08:00 at the building: charging
    simulator.swapped_counters = True
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, "swapped_counter", CHARGED) is None  # one value: not enough
    coordinator = _coordinator(config_entry)
    for _ in range(30):
        freezer.tick(timedelta(seconds=60))
        await coordinator.async_refresh()
        if _issue(hass, "swapped_counter", CHARGED) is not None:
            break
    issue = _issue(hass, "swapped_counter", CHARGED)
    assert issue is not None
    live = coordinator.data.readings[CHARGED].value
    assert isinstance(live, int | float)
    assert live % WORD == 0
    placeholders = issue.translation_placeholders or {}
    assert placeholders["value"] == f"{int(live):,}"
    assert placeholders["decoded"] == f"{int(live) // WORD:,}"
    assert int(live) // WORD > 5167  # charged since the guide's reading
    assert _issue(hass, "swapped_counter", PV_1) is None


async def test_scales_chosen_on_two_devices_at_once_are_both_recorded(
    frozen: FrozenDateTimeFactory,  # noqa: F811
    recorder_mock: Recorder,
    hass: HomeAssistant,
    socket_enabled: None,
    waits: list[float],  # noqa: F811
) -> None:
    """Two devices of one entry, a counter of each decoded by one options change: the set-up
    (both devices at once) applies both and records both as applied, so that the next start
    clears and imports neither again."""
    chosen = [f"{device}_{CHARGED}" for device in (SEED_DEVICE_ID, SEED_DEVICE_ID + 1)]
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, device_count=2) as sim:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=CLIENT_ID,
            data={
                CONF_CLIENT_ID: CLIENT_ID,
                CONF_CLIENT_SECRET: CLIENT_SECRET,
                CONF_URL: sim.url,
                CONF_DEVICES: [SEED_DEVICE_ID, SEED_DEVICE_ID + 1],
            },
            options={CONF_HISTORY_DAYS: 1, CONF_SWAPPED_COUNTERS: chosen},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await _settle(hass)
        assert sorted(entry.data[DATA_APPLIED_SWAPPED]) == chosen
        requests = len([p for _, p, _ in sim.requests if "?b=" in p])
        assert await hass.config_entries.async_reload(entry.entry_id)
        await _settle(hass)
        assert len([p for _, p, _ in sim.requests if "?b=" in p]) == requests  # nothing again
        assert await hass.config_entries.async_unload(entry.entry_id)
