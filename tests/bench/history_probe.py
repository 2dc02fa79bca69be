"""One measurement of the history benchmark, in a process of its own (run by bench_history.py).

    python -m tests.bench.history_probe MODE URL CLIENT_ID SECRET DAYS [SENSOR_ID ...]

MODE `client`: fetch and parse DAYS whole days of the seed device's history through the real
client (`async_get_history`, one day at a time, each day dropped before the next), while a
probe task sleeps 5 ms at a time and records how late it wakes (the event-loop stall).
SENSOR_IDs, if given, are passed as ``sensor_ids``. MODE `columns`: the same through
`async_get_history_columns` (what the statistics importer reads).

SKYCENTRICS_LOOP_PROBE=0: without the probe task (`LOOP_PROBE`): CPU figures only (the wall
time then includes each day's floor, `DayFloors`).

MODE `orjson` or `json` (the floors): fetch the same days' bodies with a plain signed GET (not
timed), then time only the gunzip and a bare ``orjson.loads`` (or the standard library's
``json.loads``) of each day, one day at a time. Their stall is what they alone would do to an
event loop they ran on.

Prints one JSON object: cpu_s (process CPU time, every thread; in `client` and `columns` the
CPU of the days' requests alone), floor_cpu_s (those modes, without the loop probe: the floor
of the same answers, measured as they come: `DayFloors`), wall_s, peak_mib (largest
growth of the resident memory over the measure, sampled at every wake-up of the probe from
/proc/self/statm: ru_maxrss would keep the peak of the imports), stall_ms (longest lateness of
the probe), stall_not_gc_ms (longest lateness less the garbage collector's pauses within it:
what the code itself held the loop for, or waited for the GIL, or the machine for a core),
held_ms (most CPU the event loop's thread used between two wake-ups of the probe, less the
garbage collector's pauses in that thread: what code running on the loop held it for, alone),
gc_ms (longest pause of the garbage collector),
gc_full (full collections), days, records, readings, json_bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import gc
import json
import os
import sys
import threading
import time
from typing import Any, Concatenate

import aiohttp
import orjson
from yarl import URL

from custom_components.skycentrics.api import SkyCentricsClient, client as client_module
from custom_components.skycentrics.api.history import gunzip
from custom_components.skycentrics.api.signing import TOKEN_HEADER, api_token, http_date
from skycentrics_simulator import SEED_DEVICE_ID

PROBE_INTERVAL = 0.005
"""Seconds the probe task sleeps between two wake-ups."""

LOOP_PROBE = os.environ.get("SKYCENTRICS_LOOP_PROBE", "1") != "0"
"""Whether `Probe` watches the loop. It costs CPU of its own on the loop (about 40 ms a second
inside Home Assistant), counted in what it runs beside: bench_history.py measures CPU with it
off (SKYCENTRICS_LOOP_PROBE=0: no stall, loop-held, GC or memory figures), those with it on."""


class Probe:
    """Longest event-loop stall (lateness of a 5 ms sleep) and garbage-collector pause."""

    def __init__(self) -> None:
        self.stall = 0.0
        self.stall_not_gc = 0.0
        self.held = 0.0
        self.gc_on_loop = 0.0  # pauses of the collector in the loop's thread, in all
        self._loop_thread = threading.get_ident()
        self.gc_pause = 0.0
        self.gc_total = 0.0
        self.gc_full = 0
        self.wakeups = 0
        self.rss_start = self.rss_peak = _rss_mib()
        self._gc_start: float | None = None
        self._task: asyncio.Task[None] | None = None
        self._woke = asyncio.Event()  # set on every wake-up of the probe

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
            return
        assert self._gc_start is not None
        pause = time.perf_counter() - self._gc_start
        self._gc_start = None
        self.gc_pause = max(self.gc_pause, pause)
        self.gc_total += pause
        if threading.get_ident() == self._loop_thread:
            self.gc_on_loop += pause
        self.gc_full += info["generation"] == 2

    def _collecting_since(self, moment: float, now: float) -> float:
        """Seconds since ``moment`` of a collection not yet reported as ended (its end is
        reported by Python code, before which the loop may well get the GIL back)."""
        started = self._gc_start
        return 0.0 if started is None else now - max(started, moment)

    async def _run(self) -> None:
        while True:
            before, collected = time.perf_counter(), self.gc_total
            cpu, on_loop = time.thread_time(), self.gc_on_loop
            await asyncio.sleep(PROBE_INTERVAL)
            now = time.perf_counter()
            self.held = max(self.held, time.thread_time() - cpu - (self.gc_on_loop - on_loop))
            late = now - before - PROBE_INTERVAL
            in_gc = self.gc_total - collected + self._collecting_since(before, now)
            self.stall = max(self.stall, late)
            self.stall_not_gc = max(self.stall_not_gc, late - in_gc)
            self.rss_peak = max(self.rss_peak, _rss_mib())
            self.wakeups += 1
            self._woke.set()

    def start(self) -> None:
        """Start watching the loop and the garbage collector (in a running loop), unless
        `LOOP_PROBE` is off."""
        if not LOOP_PROBE:
            return
        self._loop_thread = threading.get_ident()
        gc.callbacks.append(self._on_gc)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict[str, float]:
        """Let the probe wake once more (a stall just before is measured), then stop; return
        what it measured (peak memory, stalls, garbage collections; nothing when it was off)."""
        if self._task is None:
            return {}
        self._woke.clear()
        await self._woke.wait()
        gc.callbacks.remove(self._on_gc)
        assert self._task is not None
        self._task.cancel()
        return {
            "peak_mib": self.rss_peak - self.rss_start,
            "stall_ms": self.stall * 1000,
            "stall_not_gc_ms": self.stall_not_gc * 1000,
            "held_ms": self.held * 1000,
            "gc_ms": self.gc_pause * 1000,
            "gc_full": self.gc_full,
        }


class DayFloors:
    """The floor of each history answer the client decodes, measured in the worker thread that
    has just decoded it, right after it: the same bytes at the same minute (this machine's speed
    drifts by a fifth from one minute to the next; measured after the days, the floor moved the
    ratio by as much). Only without the loop probe (`LOOP_PROBE`: the CPU run, the only one
    whose CPU figures the bench takes): a floor's whole day of decoded JSON would spoil the
    memory and stall figures of the other.

    Made before the measure: ``patch`` (setattr, or pytest's monkeypatch.setattr) puts it in
    the client module's decode_history and decode_history_columns."""

    def __init__(self, patch: Callable[[object, str, object], None] = setattr) -> None:
        self.seconds = 0.0  # thread CPU of the floors so far, inside the caller's CPU window
        if not LOOP_PROBE:
            for name in ("decode_history", "decode_history_columns"):
                patch(client_module, name, self._then_floor(getattr(client_module, name)))

    def figures(self) -> dict[str, float]:
        """``floor_cpu_s`` for the probe's figures (none with the loop probe)."""
        return {} if LOOP_PROBE else {"floor_cpu_s": self.seconds}

    def _then_floor[**P, T](self, decode: Callable[Concatenate[bytes, P], T]) -> Callable[..., T]:
        def decode_then_floor(body: bytes, *args: P.args, **kwargs: P.kwargs) -> T:
            result = decode(body, *args, **kwargs)
            start = time.thread_time()
            orjson.loads(gunzip(body))
            self.seconds += time.thread_time() - start
            return result

        return decode_then_floor


def days_before_today(count: int) -> list[datetime]:
    """The last `count` whole UTC days before today."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return [today - timedelta(days=count - n) for n in range(count)]


_STATM = os.open("/proc/self/statm", os.O_RDONLY)  # read at every wake-up: kept open
_PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2**20


def _rss_mib() -> float:
    """The process's resident memory now, in MiB (Linux)."""
    return int(os.pread(_STATM, 256, 0).split()[1]) * _PAGE_MIB


async def _client(
    url: str, client_id: str, secret: str, days: int, ids: list[str], columns: bool = False
) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        client = SkyCentricsClient(client_id, secret, session, url=url)
        first = days_before_today(days)[0]
        sensor_ids = frozenset(ids) if ids else None
        # Warm-up: the connection, the worker thread, lazily imported modules.
        await client.async_get_history(
            SEED_DEVICE_ID, first, first + timedelta(hours=1), sensor_ids=sensor_ids
        )
        floors = DayFloors()
        gc.collect()
        records = readings = 0
        probe = Probe()
        probe.start()
        cpu, wall = 0.0, time.perf_counter()
        for day in days_before_today(days):
            start = time.process_time()
            span = (SEED_DEVICE_ID, day, day + timedelta(days=1))
            if columns:
                history = await client.async_get_history_columns(*span, sensor_ids=sensor_ids)
                snapshots = history.records
                readings += sum(len(column.values) for column in history.columns.values())
                del history
            else:
                snapshots = await client.async_get_history(*span, sensor_ids=sensor_ids)
                readings += sum(len(s.readings) for s in snapshots)
            probe.rss_peak = max(probe.rss_peak, _rss_mib())  # the day, parsed
            records += len(snapshots)
            del snapshots  # the importer holds one day at a time
            cpu += time.process_time() - start
        wall = time.perf_counter() - wall
        measured = await probe.stop()
        return {
            "cpu_s": cpu - floors.seconds,
            **floors.figures(),
            "wall_s": wall,
            **measured,
            "days": days,
            "records": records,
            "readings": readings,
        }


async def _get(
    session: aiohttp.ClientSession, url: str, client_id: str, secret: str, path: str
) -> bytes:
    date = http_date()
    headers = {
        "Accept": "application/gzip",
        "Date": date,
        TOKEN_HEADER: api_token(client_id, secret, f"GET {path} HTTP/1.1", date),
    }
    async with session.get(URL(url + path, encoded=True), headers=headers) as response:
        assert response.status == 200, response.status
        return await response.read()


async def _floor(url: str, client_id: str, secret: str, days: int, loads: Any) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        cpu = 0.0
        size = records = 0
        gc.collect()
        probe = Probe()
        probe.start()
        for day in days_before_today(days):
            b, e = f"{day:%Y-%m-%dT%H:%M:%S}", f"{day + timedelta(days=1):%Y-%m-%dT%H:%M:%S}"
            path = f"/api/devices/{SEED_DEVICE_ID}/data?b={b}&e={e}&g=1"
            packed = await _get(session, url, client_id, secret, path)
            start = time.process_time()
            body = gunzip(packed)
            decoded = loads(body)  # on the event loop, on purpose: what it does to it
            cpu += time.process_time() - start
            size += len(body)
            probe.rss_peak = max(probe.rss_peak, _rss_mib())  # the day, decoded
            records += len(decoded)
            del decoded, body, packed
            await asyncio.sleep(0.02)  # let the probe see the stall
        measured = await probe.stop()
        return {
            "cpu_s": cpu,
            **measured,
            "days": days,
            "records": records,
            "json_bytes": size,
        }


FLOORS = {"orjson": orjson.loads, "json": json.loads}


def main(argv: list[str]) -> None:
    """Run one measurement and print its figures as JSON."""
    mode, url, client_id, secret, days, *ids = argv
    if mode in {"client", "columns"}:
        result = asyncio.run(_client(url, client_id, secret, int(days), ids, mode == "columns"))
    elif mode in FLOORS:
        result = asyncio.run(_floor(url, client_id, secret, int(days), FLOORS[mode]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
