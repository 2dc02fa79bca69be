"""History benchmark: fetch and parse 30 days of the seed device's per-minute history.

Not collected by the unit tests; `scripts/bench` runs it (`-k history` for it alone). The
simulator runs in a process of its own (`python -m skycentrics_simulator`), and so does each
measurement (`history_probe.py`), so that CPU time and peak memory are the client's alone:

- floor: a bare ``json.loads`` of each day's bytes (fetched and gunzipped beforehand, untimed);
- the real client, `async_get_history` one day at a time, every reading (60 sensors);
- the same with ``sensor_ids``: the 5 lifetime counters, what a statistics importer needs.

CPU = process CPU time over the 30 days (every thread: HTTP, gunzip, decoding, checks);
peak memory = growth of the process's peak resident set (ru_maxrss) over the measure; stall =
longest lateness of a task that sleeps 5 ms at a time on the event loop (and the part of it
that was not the garbage collector's).
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import secrets
import subprocess
import sys
from typing import Any

from skycentrics_simulator.model import LIFETIME_COUNTERS

ROOT = Path(__file__).resolve().parents[2]
DAYS = max(1, round(30 * float(os.environ.get("SKYCENTRICS_BENCH_REPS", "1"))))
"""Days fetched (30; fewer with SKYCENTRICS_BENCH_REPS below 1)."""

GOAL_RATIO = 3.0
"""CPU of the client / CPU of the floor that the client should stay under."""

GOAL_STALL_MS = 50.0
"""Longest event-loop stall the client should cause."""


@dataclass
class Row:
    """One line of the history table."""

    label: str
    figures: dict[str, Any]


HISTORY: list[Row] = []
"""The measured rows (bench_poll's report prints them too)."""


@contextlib.contextmanager
def _simulator(client_id: str, secret: str) -> Iterator[str]:
    """Run the simulator in its own process; yield its URL."""
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [
            *(sys.executable, "-m", "skycentrics_simulator", "--port", "0"),
            *("--client-id", client_id, "--client-secret", secret),
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


def _probe(mode: str, url: str, client_id: str, secret: str, *ids: str) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [
            *(sys.executable, "-m", "tests.bench.history_probe"),
            *(mode, url, client_id, secret, str(DAYS), *ids),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def history_report() -> str:
    """The history rows as Markdown ("" when none was measured)."""
    if not HISTORY:
        return ""
    floor = HISTORY[0].figures
    lines = [
        f"## History import benchmark ({floor['days']} days, one request per day)",
        "",
        "| Import | Records | Readings | CPU s | CPU ms/day | vs floor (CPU) | "
        "Peak memory MiB | Longest stall ms | of which not GC ms | Longest GC pause ms | "
        "Full GCs |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in HISTORY:
        f = row.figures
        readings = f"{f['readings']:,}" if "readings" in f else "-"
        lines.append(
            f"| {row.label} | {f['records']:,} | {readings} | {f['cpu_s']:.2f} | "
            f"{1000 * f['cpu_s'] / f['days']:.0f} | {f['cpu_s'] / floor['cpu_s']:.2f}x | "
            f"{f['peak_mib']:.0f} | {f['stall_ms']:.0f} | {f['stall_not_gc_ms']:.0f} | "
            f"{f['gc_ms']:.0f} | {f['gc_full']} |"
        )
    lines += [
        "",
        f"Floor: {floor['json_bytes'] / floor['days'] / 1e6:.1f} MB of JSON a day, "
        "`json.loads` run on the event loop (its stall is what it would do there).",
    ]
    return "\n".join(lines)


def test_history_import() -> None:
    """CPU, peak memory and event-loop stall of 30 days of history, against the floor."""
    client_id, secret = "bench", secrets.token_urlsafe(16)
    HISTORY.clear()
    with _simulator(client_id, secret) as url:
        floor = _probe("floor", url, client_id, secret)
        HISTORY.append(Row("bare `json.loads` (the floor)", floor))
        full = _probe("client", url, client_id, secret)
        HISTORY.append(Row("`async_get_history`, 60 sensors", full))
        counters = _probe("client", url, client_id, secret, *LIFETIME_COUNTERS)
        HISTORY.append(Row("`async_get_history`, `sensor_ids`: 5 counters", counters))
    print("\n\n" + history_report() + "\n")
    assert full["records"] == floor["records"] == 1440 * DAYS
    assert full["readings"] == 60 * 1440 * DAYS
    assert counters["readings"] == 5 * 1440 * DAYS
