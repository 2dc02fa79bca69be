"""History (``/data?b=&e=&g=1``): a day's answer, gzip or plain, into records, each read by
the very parser of ``/data`` (`models.parse_snapshot`); see `decode_history`, `parse_history`.
Or into `History`: the same records, with their sensors' readings as columns
(`decode_history_columns`): what the statistics importer reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final
import zlib

import orjson

from .decode import BOM, MAX_DEPTH, check_fast, decode_json
from .exceptions import SkyCentricsResponseError
from .models import Snapshot, parse_snapshot
from .readings import MAX_FUTURE, Checks, Column, ProblemLog, as_int, kind_of, shorten

MAX_HISTORY_BYTES: Final = 64 * 1024 * 1024
"""Largest day of history, as JSON after gunzip: a day of 60 sensors every minute is about
11 MB, so this leaves room for about 350 sensors, and bounds what a gzip bomb can inflate to."""

GZIP_MAGIC: Final = b"\x1f\x8b"  # no JSON text starts with them

CHUNK_BYTES: Final = 1 << 16
"""JSON decoded at once (`_chunks`): about 8 records of 60 sensors, 0.5 MB as Python objects."""


def gunzip(body: bytes, limit: int = MAX_HISTORY_BYTES) -> bytes:
    """Decompress a gzip body (every member of it) into at most ``limit`` bytes.

    Raises SkyCentricsResponseError when it is not valid gzip, is cut short, or would inflate
    beyond ``limit`` (a gzip bomb never takes more than ``limit`` + 1 bytes of memory).
    """
    parts: list[bytes] = []
    size = 0
    data = body
    while data:
        inflater = zlib.decompressobj(wbits=31)  # gzip only
        try:
            part = inflater.decompress(data, limit - size + 1)
        except zlib.error as err:
            raise SkyCentricsResponseError(f"the answer is not valid gzip: {err}") from err
        size += len(part)
        if size > limit:
            raise SkyCentricsResponseError(f"the answer inflates beyond {limit} bytes")
        if not inflater.eof:
            raise SkyCentricsResponseError("the gzip answer is cut short")
        parts.append(part)
        data = inflater.unused_data
        if data and not data.startswith(GZIP_MAGIC):
            break  # trailing garbage after the last member: ignored, as gzip(1) does
    return b"".join(parts)


@dataclass(slots=True)
class History:
    """A history answer's records (Snapshots sorted by time, without the readings of their
    sensor lists) and those readings, by sensor id, as columns: each reading's record is an
    index into ``records``, in time order."""

    records: list[Snapshot]
    columns: dict[str, Column]


def decode_history(
    body: bytes,
    device_id: int,
    problems: ProblemLog | None = None,
    limit: int = MAX_HISTORY_BYTES,
    sensor_ids: AbstractSet[str] | None = None,
) -> list[Snapshot]:
    """Decode a history answer into records sorted by time, as `parse_history` says.

    Gunzips only a body that starts with the gzip magic bytes (into at most ``limit`` bytes): the
    server sometimes ignores ``Accept: application/gzip``, and aiohttp has already decoded a
    ``Content-Encoding: gzip``. CPU-bound: call it in a worker thread.

    The records are decoded by orjson about `CHUNK_BYTES` at a time (`_chunks`) and parsed at
    once, so a day's decoded JSON never exists whole (`scripts/bench -k history`). An answer
    that orjson refuses or would decode otherwise than `decode_json`'s tolerant path (see
    `decode.py`), and one that is not a list or a time-keyed object of records (a lone record,
    a duplicate key, trailing data, a cut that is not between records), is decoded whole by
    `decode_json` and parsed by `parse_history` instead, and the warnings of the attempt are
    dropped: the same records and warnings either way.
    """
    return _decode(body, device_id, problems, limit, sensor_ids, None)


def decode_history_columns(
    body: bytes,
    device_id: int,
    problems: ProblemLog | None = None,
    limit: int = MAX_HISTORY_BYTES,
    sensor_ids: AbstractSet[str] | None = None,
) -> History:
    """`decode_history` into `History`: the very records and readings, the same warnings."""
    columns: dict[str, Column] = {}
    return History(_decode(body, device_id, problems, limit, sensor_ids, columns), columns)


def _decode(  # noqa: PLR0917 (decode_history's arguments)
    body: bytes,
    device_id: int,
    problems: ProblemLog | None,
    limit: int,
    sensor_ids: AbstractSet[str] | None,
    into: dict[str, Column] | None,
) -> list[Snapshot]:
    if body.startswith(GZIP_MAGIC):
        body = gunzip(body, limit)
    elif len(body) > limit:
        raise SkyCentricsResponseError(f"the answer exceeds {limit} bytes")
    if problems is None:
        problems = ProblemLog()
    held = _HeldProblems()
    try:
        members, keyed = _members(body)
        snapshots = _parse_records(members, keyed, device_id, held, sensor_ids, into)
    except _NotStreamableError, ValueError:  # orjson.JSONDecodeError is a ValueError
        if into is not None:
            into.clear()  # the readings of the attempt
        return parse_history(decode_json(body), device_id, problems, sensor_ids, into)
    held.replay(problems)
    return snapshots


class _NotStreamableError(Exception):
    """The answer needs `decode_json` and `parse_history` on the whole of it."""


_JSON_SPACE: Final = b" \t\n\r"
_RECORD_KEYS: Final = frozenset({"sensors", "device"})
"""Keys of a lone record (`parse_history`), never of an object keyed by record time."""


def _members(body: bytes) -> tuple[Iterator[tuple[object, object]], bool]:
    """The (index or key, value) pairs of a top-level JSON list or object, decoded a chunk at
    a time when they are reached, and whether they are keyed. Raises ValueError (orjson refuses
    a chunk) or `_NotStreamableError` on the way."""
    text = body.removeprefix(BOM).strip(_JSON_SPACE)
    opener, closer = text[:1], text[-1:]
    if (opener, closer) not in {(b"[", b"]"), (b"{", b"}")} or len(text) < 2:
        raise _NotStreamableError
    keyed = opener == b"{"
    whole = memoryview(text)

    def members() -> Iterator[tuple[object, object]]:
        seen: set[object] = set()
        index = 0
        for start, cut in _chunks(text, 1, len(text) - 1):
            run = bytearray(whole[start - 1 : cut + 1])  # one copy, the bytes around it
            run[0], run[-1] = opener[0], closer[0]  # now the run as a list or an object
            check_fast(run)
            decoded = orjson.loads(run)
            if not keyed:
                yield from enumerate(decoded, index)
                index += len(decoded)
                continue
            if not seen.isdisjoint(decoded) or not _RECORD_KEYS.isdisjoint(decoded):
                raise _NotStreamableError  # a duplicate key (a dict keeps one); a lone record
            seen.update(decoded)
            yield from decoded.items()

    return members(), keyed


def _chunks(text: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """``text[start:end]``, the members of a list or an object, in runs of whole members of
    about `CHUNK_BYTES`, without their separating commas: each run as (start, end) in ``text``
    (a byte of ``text`` before and after it, a separator or the brackets, is never in a run).

    A run ends at a comma after as many braces have closed as opened since its start. That
    count takes braces inside strings too, so a run may end inside a string or a member: then
    orjson refuses it (ValueError). What it accepts is whole members, as JSON text is read the
    same from the start of a member whatever came before.
    """
    start = _skip_space(text, start, end)
    while start < end:
        cut = min(start + CHUNK_BYTES, end)
        depth = _depth(text, start, cut)
        while True:
            if depth == 0:
                after = _skip_space(text, cut, end)
                if after == end:
                    yield start, cut
                    return
                if text[after] == 0x2C:  # a comma
                    yield start, cut
                    start = _skip_space(text, after + 1, end)
                    if start == end:
                        raise _NotStreamableError  # a trailing comma
                    break
            found = text.find(b"}", cut, end) + 1
            if not 0 <= depth <= MAX_DEPTH or not found:
                raise _NotStreamableError
            depth += _depth(text, cut, found)
            cut = found


def _depth(text: bytes, start: int, end: int) -> int:
    """Braces opened less braces closed in ``text[start:end]`` (strings not skipped)."""
    return text.count(b"{", start, end) - text.count(b"}", start, end)


def _skip_space(text: bytes, at: int, end: int) -> int:
    """The index of the first byte at or after ``at`` that is not JSON whitespace (or end)."""
    while at < end and text[at] in _JSON_SPACE:
        at += 1
    return at


def parse_history(
    raw: object,
    device_id: int,
    problems: ProblemLog | None = None,
    sensor_ids: AbstractSet[str] | None = None,
    into: dict[str, Column] | None = None,
) -> list[Snapshot]:
    """Parse a decoded history answer into Snapshots sorted by time (raw not kept).

    The answer is a list of ``/data``-shaped records, or an object whose keys are the records'
    times (``2025-07-30T00:01:00`` or Unix seconds) and whose values are the records; a lone
    record (an object with a sensor list or a ``device`` key) is read as a one-record list. A
    record takes the time of its key when it has none of its own, then the latest of its
    readings' times. A bad sensor loses that reading; a record that cannot be parsed (not an
    object, another device), holds no readings of any family or has no time at all is skipped,
    logged once per kind of problem. With ``sensor_ids``, a record keeps only the readings with
    those ids (of any family), and the sensors not wanted are not even checked: a day of 60
    sensors is 86,400 readings, of 5 counters 7,200. With ``into``, the readings of the sensor
    lists go to those columns instead (see `History`). Raises SkyCentricsResponseError only
    when the answer is neither a list nor an object.
    """
    if problems is None:
        problems = ProblemLog()
    args = (device_id, problems, sensor_ids, into)
    if isinstance(raw, list):
        return _parse_records(enumerate(raw), False, *args)
    if isinstance(raw, Mapping):
        if isinstance(raw.get("sensors"), list) or "device" in raw:  # a lone record
            return _parse_records([(0, raw)], False, *args)
        return _parse_records(raw.items(), True, *args)
    raise SkyCentricsResponseError(f"history answer is not a JSON list: {kind_of(raw)}")


def _parse_records(  # noqa: PLR0917 (parse_history's arguments)
    items: Iterable[tuple[object, object]],
    keyed: bool,
    device_id: int,
    problems: ProblemLog,
    sensor_ids: AbstractSet[str] | None = None,
    into: dict[str, Column] | None = None,
) -> list[Snapshot]:
    checks = Checks(datetime.now(UTC) + MAX_FUTURE)
    snapshots: list[Snapshot] = []
    for key, record in items:
        try:
            key_time = _parse_key_time(key, checks) if keyed else None
            snapshot = parse_snapshot(
                record,
                device_id,
                problems,
                checks,
                default_time=key_time,
                keep_raw=False,
                wanted=sensor_ids,
                record=True,
                into=into,
                index=len(snapshots),
            )
            if snapshot.time is None:
                snapshot = _timed(snapshot, into, len(snapshots))
        except SkyCentricsResponseError as err:
            problems.warn(
                (device_id, "history record", str(err)),
                "Device %s: skipping history record %s: %s",
                device_id,
                shorten(str(key)),
                err,
            )
            continue
        snapshots.append(snapshot)
    order = sorted(range(len(snapshots)), key=lambda n: _snapshot_time(snapshots[n]))
    if into is not None and order != list(range(len(order))):
        _reorder(into, order)
    return [snapshots[n] for n in order]


def _timed(snapshot: Snapshot, into: dict[str, Column] | None, index: int) -> Snapshot:
    """A record without a time of its own takes the latest of its readings' (they have no
    other); without any, it is a SkyCentricsResponseError (and its readings leave ``into``)."""
    if into is None:
        times = [r.time for r in snapshot.readings.values() if r.time is not None]
    else:
        own = [column for column in into.values() if column.records[-1] == index]
        times = [time for column in own if (time := column.times[-1]) is not None]
        for column in own:
            if times:
                if column.times[-1] is None:
                    column.times[-1] = max(times)
                continue
            for part in (column.records, column.labels, column.values, column.times):
                del part[-1]
        for sensor_id in [sensor_id for sensor_id, column in into.items() if not column.records]:
            del into[sensor_id]
    if not times:
        raise SkyCentricsResponseError("the record has no time")
    return Snapshot(snapshot.device_id, max(times), snapshot.readings)


def _reorder(into: dict[str, Column], order: list[int]) -> None:
    """Put each column in the records' time order: record ``order[n]`` becomes record n."""
    rank = [0] * len(order)
    for new, old in enumerate(order):
        rank[old] = new
    for column in into.values():
        moved = sorted(range(len(column.records)), key=lambda k: rank[column.records[k]])
        column.records = [rank[column.records[k]] for k in moved]
        column.labels = [column.labels[k] for k in moved]
        column.values = [column.values[k] for k in moved]
        column.times = [column.times[k] for k in moved]


def _snapshot_time(snapshot: Snapshot) -> datetime:
    assert snapshot.time is not None  # parse_history keeps only records with a time
    return snapshot.time


def _parse_key_time(key: object, checks: Checks) -> datetime | None:
    """A history record's key: Unix seconds (as JSON keys are, in text) or an ISO time."""
    if isinstance(key, str) and key.isascii() and key.strip().isdigit():
        return checks.time_of(as_int(key))
    return checks.time_of(key)


class _HeldProblems(ProblemLog):
    """Problems of an attempt, logged (`replay`) only if the attempt is kept."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[tuple[object, ...], str, tuple[object, ...]]] = []

    def _log(self, key: tuple[object, ...], message: str, args: tuple[object, ...]) -> None:
        self.held.append((key, message, args))

    def replay(self, problems: ProblemLog) -> None:
        for key, message, args in self.held:
            problems.warn(key, message, *args)
