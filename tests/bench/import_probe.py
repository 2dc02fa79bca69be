"""The whole history import, measured in a process of its own (run by bench_history.py).

    python -m pytest -p no:cacheprovider -q -s -o python_files=import_probe.py \
        tests/bench/import_probe.py   # with SKYCENTRICS_PROBE=URL,CLIENT_ID,SECRET,DAYS

Home Assistant (the test harness's, with the real recorder on SQLite on disk) sets up the
seed device against the simulator with ``history_days`` DAYS, and the statistics importer
imports them (measured from its start, once the entry is set up) with no pause between the
requests: every day fetched, decoded, checked, aggregated to hours and handed to the recorder
(`HistoryImporter._async_import`), the rows written.
Prints one JSON line: cpu_s (process CPU over the import, every thread, the recorder's
database writes excepted: recorder_cpu_s), floor_cpu_s, wall_s, peak_mib, the event-loop stalls
as history_probe.py measures them, days (requests), hours, records.
floor_cpu_s (without the loop probe): the floor of each day's very answer, measured as the
import goes (`DayFloors`, left out of cpu_s).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
import logging
import os
import time

from homeassistant.components.recorder import Recorder
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_DEVICES, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import RecorderInstanceContextManager

from custom_components.skycentrics import statistics
from custom_components.skycentrics.const import CONF_HISTORY_DAYS, DOMAIN, HISTORY_SETTLE
from skycentrics_simulator import SEED_DEVICE_ID

from .history_probe import DayFloors, Probe


@pytest.fixture
def persistent_database() -> bool:
    """The recorder's database on disk, as in Home Assistant (in memory, a year of rows would
    count as the import's memory)."""
    return True


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: RecorderInstanceContextManager) -> None:
    """The recorder's database is prepared before Home Assistant starts."""


def _thread_cpu(prefix: str) -> float:
    """CPU seconds of this process's threads whose name starts with ``prefix`` (Linux)."""
    total = 0
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm", encoding="utf-8") as comm:
                if not comm.read().startswith(prefix):
                    continue
            with open(f"/proc/self/task/{tid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # the thread ended
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


async def test_import(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    socket_enabled: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Import DAYS days of the seed device's history; print the figures."""
    url, client_id, secret, days = os.environ["SKYCENTRICS_PROBE"].split(",")
    for logger in ("sqlalchemy.engine", "homeassistant.components.recorder"):
        logging.getLogger(logger).setLevel(logging.ERROR)  # the harness logs every statement
    hass.loop.set_debug(False)  # as Home Assistant runs its loop
    monkeypatch.setattr(statistics, "HISTORY_PAUSE", timedelta(0))
    records = 0
    real_import = statistics.HistoryImporter._async_import

    async def _import(importer: statistics.HistoryImporter, *args: object) -> None:
        nonlocal records
        records += len(args[2].records)  # type: ignore[attr-defined]
        await real_import(importer, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(statistics.HistoryImporter, "_async_import", _import)
    floors = DayFloors(monkeypatch.setattr)
    importers: list[statistics.HistoryImporter] = []  # started once set up: only the import
    real_start = statistics.HistoryImporter.async_start

    def _defer(importer: statistics.HistoryImporter) -> None:
        importers.append(importer)

    monkeypatch.setattr(statistics.HistoryImporter, "async_start", _defer)
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            CONF_CLIENT_ID: client_id,
            CONF_CLIENT_SECRET: secret,
            CONF_URL: url,
            CONF_DEVICES: [SEED_DEVICE_ID],
        },
        options={CONF_HISTORY_DAYS: int(days)},
    )
    entry.add_to_hass(hass)
    settled = statistics.hour_start(dt_util.utcnow() - HISTORY_SETTLE).isoformat()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (coordinator,) = entry.runtime_data.coordinators.values()
    probe = Probe()
    probe.start()
    cpu, wall, recorder = time.process_time(), time.perf_counter(), _thread_cpu("Recorder")
    for importer in importers:
        real_start(importer)
    status = coordinator.history_status
    while (status["next_hour"] or "") < settled:  # ISO times in UTC: ordered as text
        assert status["last_error"] is None, status["last_error"]
        await asyncio.sleep(0.05)
    await hass.async_block_till_done()
    await hass.async_add_executor_job(recorder_mock.block_till_done)
    recorder = _thread_cpu("Recorder") - recorder
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    measured = await probe.stop()
    assert await hass.config_entries.async_unload(entry.entry_id)
    figures = {
        "cpu_s": cpu - recorder - floors.seconds,
        **floors.figures(),
        "recorder_cpu_s": recorder,
        "wall_s": wall,
        **measured,
        "days": status["history_requests"],
        "hours": status["hours_imported"],
        "records": records,
    }
    print("\nPROBE " + json.dumps(figures))
