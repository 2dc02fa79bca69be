"""Parsing of device objects and snapshots: tolerant, typed, timestamps kept."""

from __future__ import annotations

from datetime import UTC, datetime
import logging
from typing import Any

import pytest

from custom_components.skycentrics.api import Device, SkyCentricsResponseError, Snapshot, readings
from custom_components.skycentrics.api.models import parse_devices
from skycentrics_simulator import load_seed_payload

DEVICE = {
    "id": 1592651608,
    "user": 18355,
    "group": 5077,
    "type": 250,
    "client": 0,
    "mac": "2ccf676dadbb",
    "name": "ssb-001-pae-replacement",
}


def test_device_from_guide() -> None:
    """The guide's device object, unknown fields ignored."""
    device = Device.from_dict({**DEVICE, "firmware": "9.9", "extra": [1]})
    assert device == Device(
        id=1592651608,
        name="ssb-001-pae-replacement",
        mac="2ccf676dadbb",
        type=250,
        user=18355,
        group=5077,
        client=0,
    )


def test_device_without_name_or_mac() -> None:
    """Missing optional fields get defaults; a string id is accepted."""
    device = Device.from_dict({"id": "42"})
    assert (device.id, device.name, device.mac, device.type) == (42, "SkyBox 42", "", None)


@pytest.mark.parametrize("raw", [None, [], "x", {"name": "no id"}, {"id": True}, {"id": "a"}])
def test_bad_device(raw: Any) -> None:
    """A device object without a usable id is a bad response."""
    with pytest.raises(SkyCentricsResponseError):
        Device.from_dict(raw)


def test_device_list_skips_bad_entries(caplog: pytest.LogCaptureFixture) -> None:
    """One bad entry is skipped with a logged reason; the rest stays."""
    devices = parse_devices([DEVICE, {"name": "broken"}, {"id": 7, "name": "seven"}])
    assert [d.id for d in devices] == [1592651608, 7]
    assert "Skipping device 1 of the device list" in caplog.text
    assert [d.id for d in parse_devices({"devices": [DEVICE]})] == [1592651608]
    with pytest.raises(SkyCentricsResponseError):
        parse_devices({"error": "nope"})


def test_seed_snapshot() -> None:
    """All 60 readings of the guide's payload, each with its own timestamp and type."""
    snapshot = Snapshot.from_dict(load_seed_payload())
    assert snapshot.device_id == 1592651608
    assert snapshot.time == datetime(2025, 7, 31, 1, 37, 47, tzinfo=UTC)
    assert len(snapshot.readings) == 60
    soc = snapshot.readings["BESS_STATE_OF_CHARGE"]
    assert (soc.value, soc.type, soc.units) == (30.0, "Charge", "%")
    assert soc.time == datetime.fromtimestamp(1753925866, UTC)
    assert snapshot.readings["BESS_SYSTEM_STATE"].value == 11
    assert isinstance(snapshot.readings["BESS_SYSTEM_STATE"].value, int)
    assert snapshot.readings["SSU_[0062]_BV420_ZStat"].value == "active"
    amps = snapshot.readings["E30A_3_Amps:_3ph_Average_(phases_1_2_3)"]
    assert amps.name == "E30A_3 Amps: 3ph Average (phases 1 2 3)"


def test_snapshot_tolerates_bad_sensors(caplog: pytest.LogCaptureFixture) -> None:
    """Malformed sensors are skipped with a reason; odd values become None; the rest stays."""
    caplog.set_level(logging.WARNING)
    raw = {
        "device": 5,
        "ct": [],
        "time": "2025-07-31 01:37:47Z",
        "unknown_field": {"x": 1},
        "sensors": [
            {"id": "A", "name": "A", "type": "Power", "units": "kW", "data": 1.5, "time": 1.75e9},
            "not an object",
            {"name": "no id"},
            {"id": "", "data": 1},
            {"id": "A", "data": 2},  # duplicate
            {"id": "B", "data": None},
            {"id": "C", "data": {"nested": 1}, "time": "garbage"},
            {"id": "D", "data": True, "time": 1e30},
            {"id": "E", "data": "12.5", "units": None, "type": 7},
        ],
    }
    snapshot = Snapshot.from_dict(raw, 5)
    assert list(snapshot.readings) == ["A", "B", "C", "D", "E"]
    assert snapshot.readings["A"].value == 1.5
    assert snapshot.readings["A"].time == datetime.fromtimestamp(1.75e9, UTC)
    assert snapshot.readings["B"].value is None
    assert snapshot.readings["C"].value is None
    assert snapshot.readings["C"].time == snapshot.time  # falls back to the snapshot's time
    assert snapshot.readings["D"].value == 1
    assert snapshot.readings["D"].time == snapshot.time
    assert (snapshot.readings["E"].units, snapshot.readings["E"].type) == ("", "")
    assert snapshot.readings["E"].name == "E"
    assert caplog.text.count("skipping sensor") == 4
    assert "duplicate id 'A'" in caplog.text


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "not a JSON object"),
        ({"device": 6, "sensors": []}, "for device 6, not 5"),
    ],
)
def test_unusable_snapshot(raw: Any, message: str) -> None:
    """A snapshot that is unusable as a whole is a bad response with a clear reason."""
    with pytest.raises(SkyCentricsResponseError, match=message):
        Snapshot.from_dict(raw, 5)


def test_no_sensor_list_is_an_empty_snapshot(caplog: pytest.LogCaptureFixture) -> None:
    """Issue 11: an answer without a sensor list (a device of another kind, or a sensor list
    that is not one) is an empty snapshot, not an error; a sensor list that is not a list is
    logged (see test_families.py for the other payload families)."""
    caplog.set_level(logging.WARNING)
    assert Snapshot.from_dict({"device": 5}, 5) == Snapshot(5, None, {})
    assert caplog.records == []
    assert Snapshot.from_dict({"device": 5, "sensors": {}}, 5) == Snapshot(5, None, {})
    assert "the sensor list is a dict, not a list" in caplog.text
    # No family either: an empty "ct" (as the seed sends it), CT channels without a field, or
    # a family's malformed field.
    for other in (
        {"ct": []},
        {"ct": [], "sensors": None},
        {"ct": [{"id": 1}, {"id": 2, "power": {}}]},
        {"thermostat": 5},
        {"hold_mode": 3},
    ):
        snapshot = Snapshot.from_dict({"device": 5, **other}, 5)
        assert snapshot == Snapshot(5, None, {}), other
        assert snapshot.families_empty


def test_snapshot_device_id() -> None:
    """The device id comes from the caller, or from the answer; one of them is needed."""
    assert Snapshot.from_dict({"sensors": []}, 9).device_id == 9
    assert Snapshot.from_dict({"device": 3, "sensors": []}).device_id == 3
    with pytest.raises(SkyCentricsResponseError, match="names no device"):
        Snapshot.from_dict({"sensors": []})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-07-31T01:37:47", datetime(2025, 7, 31, 1, 37, 47, tzinfo=UTC)),
        ("2025-07-31T03:37:47+02:00", datetime(2025, 7, 31, 1, 37, 47, tzinfo=UTC)),
        ("yesterday", None),
        (float("nan"), None),
        (None, None),
        (True, None),
    ],
)
def test_snapshot_time_forms(raw: Any, expected: datetime | None) -> None:
    """The top-level time is read in its ISO forms; anything else is no time."""
    assert Snapshot.from_dict({"device": 1, "sensors": [], "time": raw}).time == expected


def test_label_checks_are_remembered_across_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A poll repeats the labels of the poll before: with the client's ``labels``, each
    distinct (id, name, type, units) is checked once, however many answers; at most
    MAX_LABELS are remembered; a refused id is refused again from memory."""
    checked: list[tuple[object, ...]] = []
    real = readings._check_labels

    def counting(*labels: object) -> tuple[str, str, str, str] | str:
        checked.append(labels)
        return real(*labels)

    monkeypatch.setattr(readings, "_check_labels", counting)
    sensors = [
        {"id": "A", "name": " a ", "type": "Power", "units": "kW", "data": 1.5},
        {"id": "B\x00", "name": "b", "type": "Power", "units": "kW", "data": 2},
    ]
    answer = {"device": 7, "time": 1_760_000_000, "sensors": sensors}
    labels: readings.Labels = {}
    for _ in range(3):
        snapshot = Snapshot.from_dict(answer, 7, labels=labels)
        assert list(snapshot.readings) == ["A"]
        assert snapshot.readings["A"].name == "a"
    assert len(checked) == 2
    monkeypatch.setattr(readings, "MAX_LABELS", 3)
    renamed = [dict(sensors[0], id=f"A{n}") for n in range(10)]
    Snapshot.from_dict({**answer, "sensors": renamed}, 7, labels=labels)
    assert len(labels) <= 3
