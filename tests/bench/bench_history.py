"""History benchmark: fetch, parse and import 30 days of the seed device's per-minute history.

Not collected by the unit tests; `scripts/bench` runs it (`-k history` for it alone). The
simulator runs in a process of its own (`python -m skycentrics_simulator`), and so does each
measurement (`history_probe.py`, `import_probe.py`), so that CPU time and peak memory are its
alone:

- the floors: the gunzip and a bare ``orjson.loads`` (Home Assistant's JSON library), or the
  standard library's ``json.loads``, of each day (fetched beforehand, untimed);
- the real client, `async_get_history` one day at a time, every reading (60 sensors);
- the same with ``sensor_ids``: the sensors the statistics importer asks for;
- `async_get_history_columns` with them: what the importer reads (the goal's row);
- the whole import: Home Assistant with the recorder imports the days as statistics
  (`HistoryImporter`: fetch, decode, check, hours, handed to the recorder), its CPU without the
  recorder thread's database writes (shown apart).

CPU = process CPU time over the days (every thread: HTTP, gunzip, decoding, checks), in a run
of its own without the task that watches the loop (its own CPU, about 40 ms a second inside Home
Assistant, is not the code's: `history_probe.LOOP_PROBE`); in the run with that task: wall
time, peak memory = largest growth of the process's resident set over the measure; stall =
longest lateness of a task that sleeps 5 ms at a time on the event loop (and the part of it
that was not the garbage collector's: on a shared machine, also the waits for the GIL and for
a core); loop held = most CPU the loop's own thread used between two wake-ups of that task,
garbage collection left out: how long code on the loop held it. SKYCENTRICS_BENCH_HISTORY_DAYS
sets the days (365: a year). The rows are measured in turn, ROUNDS times (this machine's CPU
time varies by a fifth from one minute to the next): each row shows its median round, and its
CPU against the floor (median, and the range over the rounds). A probe of the client or of the
whole import measures that floor itself, in its own process: of each answer, in the worker
thread that has just decoded it, right after it (`history_probe.DayFloors`: the same bytes at
the same minute); the json row is against the same round's floor row.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import secrets
import statistics
import subprocess
import sys
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass

from custom_components.skycentrics.api import Snapshot
from custom_components.skycentrics.classification import describe_reading
from skycentrics_simulator import SEED_DEVICE_ID, load_seed_payload

ROOT = Path(__file__).resolve().parents[2]
DAYS = int(
    os.environ.get("SKYCENTRICS_BENCH_HISTORY_DAYS")
    or max(1, round(30 * float(os.environ.get("SKYCENTRICS_BENCH_REPS", "1"))))
)
"""Days fetched (30; fewer with SKYCENTRICS_BENCH_REPS below 1; SKYCENTRICS_BENCH_HISTORY_DAYS)."""

ROUNDS = int(os.environ.get("SKYCENTRICS_BENCH_ROUNDS") or 3)
"""Rounds of every row (SKYCENTRICS_BENCH_ROUNDS)."""

GOAL_RATIO = 1.25
"""CPU of the client with the importer's sensors / CPU of gunzip + orjson.loads."""

GOAL_IMPORT_RATIO = 1.5
"""CPU of the whole import / CPU of gunzip + orjson.loads."""

GOAL_STALL_MS = 50.0
"""Longest event-loop stall the client should cause."""


@dataclass
class Row:
    """One line of the history table: its round of median CPU, and each round's CPU over the
    floor's of that round."""

    label: str
    figures: dict[str, Any]
    ratios: list[float] = field(default_factory=list)


CPU_FIGURES = ("cpu_s", "floor_cpu_s", "recorder_cpu_s")
"""Taken from a run without the loop probe (`history_probe.LOOP_PROBE`); the wall time is the
run's with it (the other also decodes each day's floor)."""

HISTORY: list[Row] = []
"""The measured rows (bench_poll's report prints them too)."""


@contextlib.contextmanager
def _simulator(client_id: str, secret: str) -> Iterator[str]:
    """Run the simulator in its own process; yield its URL."""
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [
            *(sys.executable, "-m", "skycentrics_simulator", "--port", "0"),
            f"--client-id={client_id}",
            f"--client-secret={secret}",  # "=": a secret may start with "-"
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().removeprefix("url=")
        assert url.startswith("http://127.0.0.1:"), url
        yield url
    finally:
        process.terminate()
        process.wait(30)


def _env(loop_probe: bool) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SKYCENTRICS_LOOP_PROBE": "1" if loop_probe else "0",
    }


def _probe(
    mode: str, url: str, client_id: str, secret: str, *ids: str, loop_probe: bool = True
) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [
            *(sys.executable, "-m", "tests.bench.history_probe"),
            *(mode, url, client_id, secret, str(DAYS), *ids),
        ],
        cwd=ROOT,
        env=_env(loop_probe),
        capture_output=True,
        text=True,
        timeout=7200,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _import_probe(url: str, client_id: str, secret: str, loop_probe: bool = True) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 (our own interpreter and pytest)
        [
            *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:logging"),
            *("-q", "-s", "-o", "python_files=import_probe.py", "-o", "timeout=7200"),
            *("-W", "ignore::DeprecationWarning", "tests/bench/import_probe.py"),
        ],
        cwd=ROOT,
        env={**_env(loop_probe), "SKYCENTRICS_PROBE": f"{url},{client_id},{secret},{DAYS}"},
        capture_output=True,
        text=True,
        timeout=7200,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert lines, done.stdout[-3000:]
    figures: dict[str, Any] = json.loads(lines[-1].removeprefix("PROBE "))
    return figures


def importer_sensor_ids() -> list[str]:
    """The seed gateway's sensors the statistics importer asks for (its `_sensor_ids`: those
    with a statistic, and the powers)."""
    seed = Snapshot.from_dict(load_seed_payload(), SEED_DEVICE_ID)
    return sorted(
        reading.id
        for reading in seed.readings.values()
        if any(
            d.statistic or d.device_class is SensorDeviceClass.POWER
            for d in describe_reading(reading).sensors
        )
    )


def history_report() -> str:
    """The history rows as Markdown ("" when none was measured)."""
    if not HISTORY:
        return ""
    floor = HISTORY[0].figures
    lines = [
        f"## History import benchmark ({DAYS} days, one request per day)",
        "",
        "| Import | Records | Readings | CPU s | CPU ms/day | vs floor (CPU) | Wall s | "
        "Peak memory MiB | Longest stall ms | of which not GC ms | Loop held ms | "
        "Longest GC pause ms | Full GCs |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in HISTORY:
        f = row.figures
        readings = f"{f['readings']:,}" if "readings" in f else "-"
        wall = f"{f['wall_s']:.1f}" if "wall_s" in f else "-"
        ratios = row.ratios or [f["cpu_s"] / floor["cpu_s"]]
        ratio = f"{statistics.median(ratios):.2f}x"
        if len(ratios) > 1:
            ratio += f" ({min(ratios):.2f}-{max(ratios):.2f})"
        lines.append(
            f"| {row.label} | {f['records']:,} | {readings} | {f['cpu_s']:.2f} | "
            f"{1000 * f['cpu_s'] / DAYS:.0f} | {ratio} | {wall} | "
            f"{f['peak_mib']:.0f} | {f['stall_ms']:.0f} | {f['stall_not_gc_ms']:.0f} | "
            f"{f['held_ms']:.0f} | {f['gc_ms']:.0f} | {f['gc_full']} |"
        )
    lines += [
        "",
        f"Floors: {floor['json_bytes'] / DAYS / 1e6:.1f} MB of JSON a day, gunzipped and decoded "
        "on the event loop (their stall is what they would do there).",
    ]
    whole = [row.figures for row in HISTORY if "recorder_cpu_s" in row.figures]
    if whole:
        lines.append(
            f"The whole import: {whole[0]['hours']:,} hours in {whole[0]['days']} requests; "
            f"the recorder's own thread (the database writes) used {whole[0]['recorder_cpu_s']:.2f}"
            " s of CPU more."
        )
    return "\n".join(lines)


def test_history_import() -> None:
    """CPU, peak memory and event-loop stall of the history days, against the floors."""
    client_id, secret = "bench", secrets.token_urlsafe(16)
    ids = importer_sensor_ids()
    rows = {
        "gunzip + `orjson.loads` (the floor)": ("orjson",),
        "gunzip + `json.loads`": ("json",),
        "`async_get_history`, 60 sensors": ("client",),
        f"`async_get_history`, `sensor_ids`: the importer's {len(ids)}": ("client", *ids),
        f"`async_get_history_columns`, the importer's {len(ids)} (what it reads)": (
            "columns",
            *ids,
        ),
        "the whole import (`HistoryImporter`)": (),
    }
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in rows}
    with _simulator(client_id, secret) as url:
        for _ in range(ROUNDS):
            for label, (mode, *wanted) in ((k, v or ("import",)) for k, v in rows.items()):

                def run(loop_probe: bool, mode: str = mode, wanted: list[str] = wanted) -> Any:
                    if mode == "import":
                        return _import_probe(url, client_id, secret, loop_probe)
                    return _probe(mode, url, client_id, secret, *wanted, loop_probe=loop_probe)

                figures = run(loop_probe=True)
                if mode not in {"orjson", "json"}:  # CPU measured beside the loop probe's own
                    cpu = run(loop_probe=False)
                    figures |= {key: cpu[key] for key in CPU_FIGURES if key in cpu}
                runs[label].append(figures)
    floors = [run["cpu_s"] for run in runs["gunzip + `orjson.loads` (the floor)"]]
    HISTORY.clear()
    for label, measured in runs.items():
        median = sorted(measured, key=lambda run: run["cpu_s"])[len(measured) // 2]
        ratios = [
            run["cpu_s"] / run.get("floor_cpu_s", floor)
            for run, floor in zip(measured, floors, strict=True)
        ]
        HISTORY.append(Row(label, median, ratios))
    print("\n\n" + history_report() + "\n")
    floor, _, full, wanted, columns, whole = (row.figures for row in HISTORY)
    assert full["records"] == floor["records"] == columns["records"] == 1440 * DAYS
    assert full["readings"] == 60 * 1440 * DAYS
    assert wanted["readings"] == columns["readings"] == len(ids) * 1440 * DAYS
    # One less when started within 5 minutes after the hour, one more if an hour ends meanwhile.
    assert 24 * DAYS - 1 <= whole["hours"] <= 24 * DAYS + 1
