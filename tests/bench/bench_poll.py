"""Performance benchmark: CPU, state writes, memory and traffic per poll (run by scripts/bench).

Not collected by the unit tests (the file name does not match `test_*.py`); `scripts/bench` runs
it with `-o python_files=bench_*.py`. Every case records its figures in `RESULTS`; the last test
prints them as a Markdown table.

The CPU per poll leaves the network out: after set-up (over a real socket), the client's
`_request` (signing, HTTP, reading the body) is replaced by a function that returns a prepared
`/data` body, so a timed poll is `coordinator.async_refresh()` (JSON decoding, `Snapshot.from_dict`,
the coordinator's checks, the entities' updates and state writes) plus
`hass.async_block_till_done()`. The RESTful integration gets the same treatment: its coordinator's
update method only stores the prepared body (decoded to text, as aiohttp's `response.text()` does).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterator
import contextlib
from dataclasses import asdict, dataclass, field
import gc
import json
import os
from pathlib import Path
import platform
import statistics
import time
import tracemalloc
from typing import Any

from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICES,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    __version__ as ha_version,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.skycentrics.const import DOMAIN
from skycentrics_simulator import Simulator
from skycentrics_simulator.server import payload_time

from ..common import CLIENT_ID, CLIENT_SECRET

BASELINE = os.environ.get("SKYCENTRICS_BENCH_BASELINE_LABEL", "")
"""Set by scripts/bench while it measures the fixed baseline (an older version's integration,
imported instead of this checkout's: tests/conftest.py); its rows are kept in BASELINE_FILE."""

BASELINE_FILE = Path(__file__).resolve().parents[2] / ".bench" / "baseline-results.json"

SLOW_FACTOR = float(os.environ.get("SKYCENTRICS_BENCH_REPS", "1"))
"""Multiplies every repetition count (e.g. 0.2 for a quick try)."""

POLL_INTERVAL = 60
"""Seconds between two readings in the prepared bodies."""

SKIPPED_CASES = {(10_000, 20): "200,000 entities: set-up alone takes minutes on 2 cores"}
# Home Assistant caps one config entry at 10,000 enabled entities (entity_platform's
# MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY): 1,000 sensors on 20 devices need two entries.
CAPPED_CASES = {(1_000, 20): "HA's cap of 10,000 enabled entities per entry: only part added"}


@dataclass
class Result:
    """Figures of one benchmark case."""

    label: str
    sensors: int
    devices: int
    entities: int = 0
    setup_s: float | None = None
    mem_per_entity: float | None = None
    cpu_ms: list[float] = field(default_factory=list)  # per poll of one device, nothing changed
    cpu_changed_ms: list[float] = field(default_factory=list)  # 10 % changed
    writes_unchanged: float | None = None
    writes_k1: float | None = None
    writes_k10: float | None = None
    reported_unchanged: float | None = None
    requests_per_poll: float | None = None
    bytes_per_poll: float | None = None
    note: str = ""


RESULTS: dict[tuple[str, int, int], Result] = {}


@pytest.fixture(autouse=True)
def _no_asyncio_debug(hass: HomeAssistant, request: pytest.FixtureRequest) -> None:
    """Time the loop as Home Assistant runs it (the test harness turns asyncio debug on). The
    baseline's run measures its polls only."""
    hass.loop.set_debug(False)
    if BASELINE and request.function.__name__ not in {"test_skycentrics_poll", "test_zz_report"}:
        pytest.skip("the baseline's run measures its polls only")


def _result(label: str, sensors: int, devices: int) -> Result:
    return RESULTS.setdefault((label, sensors, devices), Result(label, sensors, devices))


def _reps(sensors: int, devices: int, base: int = 50) -> int:
    """Polls to time: 50 for small cases, fewer for large ones (at least 5)."""
    readings = sensors * devices
    reps = base if readings <= 2_000 else max(5, base * 2_000 // readings)
    return max(3, round(reps * SLOW_FACTOR))


def _bench_sensor(i: int) -> dict[str, Any]:
    return {
        "id": f"BENCH_{i:05d}_Power",
        "name": f"Bench power {i}",
        "type": "Power",
        "units": "kW",
        "data": round(1.0 + i * 0.01, 2),
    }


@contextlib.asynccontextmanager
async def _simulator(sensors: int, devices: int) -> AsyncGenerator[Simulator]:
    sim = Simulator(
        clients={CLIENT_ID: CLIENT_SECRET}, device_count=devices, require_signature=False
    )
    for device_id in sim.devices:
        for i in range(max(0, sensors - len(sim.sensors(device_id)))):
            sim.add_sensor(device_id, _bench_sensor(i))
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


class Bodies:
    """Prepared `/data` bodies: every poll advances the reading time; `changed` values differ."""

    def __init__(self, sim: Simulator) -> None:
        """Take each device's payload as the simulator serves it now."""
        self.base = {device_id: sim.snapshot(device_id) for device_id in sim.devices}
        self.poll = 0
        self.current: dict[int, bytes] = {}

    def next(self, changed: int = 0) -> None:
        """Prepare the next poll's bodies, with `changed` numeric readings per device changed."""
        self.poll += 1
        for device_id, base in self.base.items():
            reading = int(base["sensors"][0]["time"]) + POLL_INTERVAL * self.poll
            sensors = []
            left = changed
            for original in base["sensors"]:
                sensor = dict(original, time=reading)
                data = sensor["data"]
                if left and isinstance(data, float):
                    sensor["data"] = round(data + 0.01 * self.poll, 2)
                    left -= 1
                sensors.append(sensor)
            payload = dict(base, sensors=sensors, time=payload_time(reading + 1))
            self.current[device_id] = json.dumps(payload, separators=(",", ":")).encode()


class Counter:
    """Counts state_changed (and state_reported) events on the bus."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Listen to the bus."""
        self.changed = 0
        self.reported = 0

        @callback
        def _changed(event: Event[Any]) -> None:
            self.changed += 1

        @callback
        def _reported(event: Event[Any]) -> None:
            self.reported += 1

        @callback
        def _every(event_data: Any) -> bool:
            return True

        self._unsubs = [
            hass.bus.async_listen(EVENT_STATE_CHANGED, _changed),
            hass.bus.async_listen(EVENT_STATE_REPORTED, _reported, event_filter=_every),
        ]

    def reset(self) -> None:
        """Start counting again."""
        self.changed = self.reported = 0

    def close(self) -> None:
        """Stop listening."""
        for unsub in self._unsubs:
            unsub()


async def _timed_polls(
    hass: HomeAssistant,
    bodies: Bodies,
    refresh: Callable[[], Any],
    counter: Counter,
    reps: int,
    changed: int = 0,
) -> tuple[list[float], list[int], list[int]]:
    """Run `reps` polls; return CPU ms per poll round, state changes and reports per round."""
    cpu: list[float] = []
    changes: list[int] = []
    reports: list[int] = []
    for _ in range(reps):
        bodies.next(changed)
        gc.collect()
        counter.reset()
        start = time.process_time()
        await refresh()
        await hass.async_block_till_done()
        cpu.append((time.process_time() - start) * 1000)
        changes.append(counter.changed)
        reports.append(counter.reported)
    return cpu, changes, reports


def _traffic(sim: Simulator, mark: int, polls: int) -> tuple[float, float]:
    """Requests and body bytes per poll of one device since request number `mark`."""
    requests = len(sim.requests) - mark
    size = sum(b for b in sim.response_bytes[mark:] if b > 0)
    return requests / polls, size / polls


@contextlib.contextmanager
def _traced() -> Iterator[list[int]]:
    """Trace Python allocations; yield a list that gets the net bytes allocated inside."""
    out: list[int] = []
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    try:
        yield out
    finally:
        gc.collect()
        out.append(tracemalloc.get_traced_memory()[0] - before)
        tracemalloc.stop()


# ---------------------------------------------------------------------------- SkyCentrics


async def _setup_skycentrics(hass: HomeAssistant, sim: Simulator) -> tuple[MockConfigEntry, float]:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="bench",
        unique_id=CLIENT_ID,
        data={
            CONF_CLIENT_ID: CLIENT_ID,
            CONF_CLIENT_SECRET: CLIENT_SECRET,
            CONF_URL: sim.url,
            CONF_DEVICES: list(sim.devices),
        },
        options={CONF_SCAN_INTERVAL: 86400},  # no timed poll during the benchmark
    )
    entry.add_to_hass(hass)
    start = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry, time.perf_counter() - start


def _case_id(case: tuple[int, int]) -> str:
    return f"{case[0]}x{case[1]}"


CASES = [(60, 1), (1_000, 1), (10_000, 1), (60, 20), (1_000, 20), (10_000, 20)]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
async def test_skycentrics_poll(
    hass: HomeAssistant, socket_enabled: None, case: tuple[int, int]
) -> None:
    """Set-up time, traffic, CPU and state writes per poll of the SkyCentrics integration."""
    sensors, devices = case
    result = _result(BASELINE or "SkyCentrics", sensors, devices)
    if case in SKIPPED_CASES:
        result.note = f"skipped: {SKIPPED_CASES[case]}"
        pytest.skip(result.note)
    async with _simulator(sensors, devices) as sim:
        entry, result.setup_s = await _setup_skycentrics(hass, sim)
        result.entities = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
        if case in CAPPED_CASES:
            result.note = CAPPED_CASES[case]
        coordinators = list(entry.runtime_data.coordinators.values())
        client = coordinators[0].client

        async def refresh() -> None:
            await asyncio.gather(*(c.async_refresh() for c in coordinators))

        # Traffic: a few real polls over the socket.
        mark = len(sim.requests)
        for _ in range(3):
            await refresh()
        result.requests_per_poll, result.bytes_per_poll = _traffic(sim, mark, 3 * devices)

        # CPU and state writes: the same polls without the network.
        bodies = Bodies(sim)
        by_path = {f"/api/devices/{d}/data": d for d in sim.devices}

        async def fake_request(path: str, accept: str = "application/json") -> bytes:
            return bodies.current[by_path[path]]

        client._request = fake_request  # type: ignore[method-assign]
        counter = Counter(hass)
        reps = _reps(sensors, devices)
        await _timed_polls(hass, bodies, refresh, counter, 3)  # warm-up
        cpu, changes, reports = await _timed_polls(hass, bodies, refresh, counter, reps)
        result.cpu_ms = [c / devices for c in cpu]
        result.writes_unchanged = statistics.median(changes) / devices
        result.reported_unchanged = statistics.median(reports) / devices
        few = max(3, reps // 5)
        _, changes, _ = await _timed_polls(hass, bodies, refresh, counter, few, changed=1)
        result.writes_k1 = statistics.median(changes) / devices
        tenth = max(1, sensors // 10)
        cpu, changes, _ = await _timed_polls(hass, bodies, refresh, counter, few, changed=tenth)
        result.cpu_changed_ms = [c / devices for c in cpu]
        result.writes_k10 = statistics.median(changes) / devices
        result.note = "; ".join(n for n in (f"{reps} polls timed", result.note) if n)
        counter.close()
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


@pytest.mark.parametrize("sensors", [60, 1_000, 10_000])
async def test_skycentrics_memory(hass: HomeAssistant, socket_enabled: None, sensors: int) -> None:
    """Python memory per entity after setting up one device (tracemalloc)."""
    async with _simulator(sensors, 1) as sim:
        with _traced() as allocated:
            entry, _ = await _setup_skycentrics(hass, sim)
        count = len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id))
        _result("SkyCentrics", sensors, 1).mem_per_entity = allocated[0] / count
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


# ---------------------------------------------------------------------------- RESTful


def _rest_config(sim: Simulator) -> dict[str, Any]:
    """The `rest:` YAML a user would write: one resource, one template sensor per reading."""
    resources = []
    for device_id in sim.devices:
        sensor_conf = []
        for sensor in sim.sensors(device_id):
            conf: dict[str, Any] = {
                "name": f"rest {device_id} {sensor['name']}",
                "value_template": (
                    "{{ (value_json.sensors | selectattr('id', 'eq', '"
                    + sensor["id"]
                    + "') | first).data }}"
                ),
            }
            if sensor["units"] and isinstance(sensor["data"], (int, float)):
                conf["unit_of_measurement"] = sensor["units"]
            sensor_conf.append(conf)
        resources.append(
            {
                "resource": f"{sim.url}/api/devices/{device_id}/data",
                "scan_interval": 86400,
                "timeout": 60,
                "sensor": sensor_conf,
            }
        )
    return {"rest": resources}


async def _setup_rest(hass: HomeAssistant, sim: Simulator) -> float:
    config = _rest_config(sim)
    start = time.perf_counter()
    assert await async_setup_component(hass, "rest", config)
    await hass.async_block_till_done()
    return time.perf_counter() - start


REST_CASES = [(60, 1), (1_000, 1)]


@pytest.mark.parametrize("case", REST_CASES, ids=_case_id)
async def test_rest_poll(hass: HomeAssistant, socket_enabled: None, case: tuple[int, int]) -> None:
    """The same figures for Home Assistant's RESTful integration with template sensors."""
    sensors, devices = case
    result = _result("RESTful", sensors, devices)
    async with _simulator(sensors, devices) as sim:
        result.setup_s = await _setup_rest(hass, sim)
        result.entities = len(hass.states.async_entity_ids("sensor"))
        coordinators: list[Any] = list(hass.data["rest"]["coordinator"])

        async def refresh() -> None:
            await asyncio.gather(*(c.async_refresh() for c in coordinators))

        mark = len(sim.requests)
        for _ in range(3):
            await refresh()
        result.requests_per_poll, result.bytes_per_poll = _traffic(sim, mark, 3 * devices)

        bodies = Bodies(sim)
        for device_id, coordinator in zip(sim.devices, coordinators, strict=True):

            def _make(device_id: int, coordinator: Any) -> Callable[[], Any]:
                async def fake_update() -> None:
                    coordinator.rest.data = bodies.current[device_id].decode()

                return fake_update

            coordinator.update_method = _make(device_id, coordinator)
        counter = Counter(hass)
        reps = max(3, _reps(sensors, devices, 50) // 10) if sensors > 100 else _reps(sensors, 1)
        await _timed_polls(hass, bodies, refresh, counter, 2)  # warm-up
        cpu, changes, reports = await _timed_polls(hass, bodies, refresh, counter, reps)
        result.cpu_ms = [c / devices for c in cpu]
        result.writes_unchanged = statistics.median(changes) / devices
        result.reported_unchanged = statistics.median(reports) / devices
        few = 3
        _, changes, _ = await _timed_polls(hass, bodies, refresh, counter, few, changed=1)
        result.writes_k1 = statistics.median(changes) / devices
        tenth = max(1, sensors // 10)
        cpu, changes, _ = await _timed_polls(hass, bodies, refresh, counter, few, changed=tenth)
        result.cpu_changed_ms = [c / devices for c in cpu]
        result.writes_k10 = statistics.median(changes) / devices
        result.note = f"{reps} polls timed"
        counter.close()


@pytest.mark.parametrize("sensors", [60, 1_000])
async def test_rest_memory(hass: HomeAssistant, socket_enabled: None, sensors: int) -> None:
    """Python memory per entity of the RESTful set-up (tracemalloc)."""
    async with _simulator(sensors, 1) as sim:
        with _traced() as allocated:
            await _setup_rest(hass, sim)
        count = len(hass.states.async_entity_ids("sensor"))
        _result("RESTful", sensors, 1).mem_per_entity = allocated[0] / count


# ---------------------------------------------------------------------------- report


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        v = values[0] if values else float("nan")
        return v, v, v
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return statistics.median(values), deciles[0], deciles[-1]


def _fmt(value: float | None, spec: str = ".3g") -> str:
    return "-" if value is None else format(value, spec)


def _cpu(values: list[float]) -> str:
    if not values:
        return "-"
    med, p10, p90 = _quantiles(values)
    return f"{med:.3g} ({p10:.3g}-{p90:.3g})"


def _machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo", encoding="utf-8"):  # noqa: SIM115
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"Machine: {model}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"Home Assistant {ha_version}"
    )


def _ratio(result: Result, reference: Result | None) -> str:
    if reference is None or not reference.cpu_ms or not result.cpu_ms:
        return "-"
    return f"{statistics.median(result.cpu_ms) / statistics.median(reference.cpu_ms):.2f}x"


def report() -> str:
    """The results as Markdown."""
    rest = {(r.sensors, r.devices): r for r in RESULTS.values() if r.label == "RESTful"}
    base = {(r.sensors, r.devices): r for r in RESULTS.values() if r.label.endswith(")")}
    lines = [
        "## SkyCentrics poll benchmark",
        "",
        _machine(),
        "",
        "CPU per poll = process CPU time for one device's poll, network excluded: "
        "`coordinator.async_refresh()` on a prepared `/data` body + "
        "`hass.async_block_till_done()`; median (p10-p90). With 20 devices all 20 poll "
        'together and the round\'s time is divided by 20. "Unchanged" polls bring a newer '
        'reading time and the same values; "10 % changed" changes N/10 values. '
        "State writes = `state_changed` events per device poll (`state_reported`: writes "
        "that changed nothing). Memory = tracemalloc net allocation across set-up / entities "
        "(1 device). Set-up includes the first fetch over loopback HTTP. Bytes = response "
        "body bytes per poll as sent (gzip, which the client accepts and the simulator "
        "uses, as a cloud API would).",
        "",
        "| Integration | Sensors x devices | Entities | Set-up s | Memory/entity | "
        "CPU ms/poll unchanged | CPU ms/poll 10 % changed | vs RESTful (CPU) | "
        "vs baseline (CPU) | state_changed unchanged / k=1 / k=10 % | "
        "state_reported unchanged | Requests/poll | Bytes/poll | Note |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    order = {"SkyCentrics": 0, "RESTful": 2}
    for r in sorted(RESULTS.values(), key=lambda r: (r.devices, r.sensors, order.get(r.label, 1))):
        ours = r.label == "SkyCentrics"
        ratio = _ratio(r, rest.get((r.sensors, 1))) if r.label != "RESTful" else "-"
        against = _ratio(r, base.get((r.sensors, r.devices))) if ours else "-"
        mem = "-" if r.mem_per_entity is None else f"{r.mem_per_entity / 1024:.1f} KiB"
        lines.append(
            f"| {r.label} | {r.sensors:,} x {r.devices} | {r.entities or '-'} | "
            f"{_fmt(r.setup_s)} | {mem} | {_cpu(r.cpu_ms)} | {_cpu(r.cpu_changed_ms)} | {ratio} | "
            f"{against} | "
            f"{_fmt(r.writes_unchanged, 'g')} / {_fmt(r.writes_k1, 'g')} / "
            f"{_fmt(r.writes_k10, 'g')} | {_fmt(r.reported_unchanged, 'g')} | "
            f"{_fmt(r.requests_per_poll, 'g')} | {_fmt(r.bytes_per_poll, ',.0f')} | {r.note} |"
        )
    lines.append("")
    lines.append(
        "Ratio = SkyCentrics median CPU per device poll / RESTful median CPU per poll of the same "
        "number of readings (1 device); below 1 means cheaper than the RESTful integration. "
        "vs baseline = this version's median / the fixed baseline's (its row, measured by the "
        "same benchmark code in the same `scripts/bench` run just before), so a slow creep "
        "shows."
    )
    return "\n".join(lines)


def test_zz_report(hass: HomeAssistant) -> None:
    """Print the tables (and write them to $SKYCENTRICS_BENCH_OUT if set). The baseline's run
    keeps its rows for the run that follows instead."""
    if BASELINE:
        rows = [asdict(r) for r in RESULTS.values() if r.label == BASELINE]
        BASELINE_FILE.write_text(json.dumps(rows))
        return
    if BASELINE_FILE.exists():
        for row in json.loads(BASELINE_FILE.read_text()):
            RESULTS[row["label"], row["sensors"], row["devices"]] = Result(**row)
        BASELINE_FILE.unlink()
    text = report()
    # Imported only now: the baseline version's run stops above, and its package lacks what
    # bench_history imports (the classification's describe_reading).
    from .bench_history import history_report

    if history := history_report():
        text += "\n\n" + history
    print("\n\n" + text + "\n")
    if out := os.environ.get("SKYCENTRICS_BENCH_OUT"):
        with open(out, "w", encoding="utf-8") as file:
            file.write(text + "\n")
