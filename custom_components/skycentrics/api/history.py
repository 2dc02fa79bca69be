"""History (``/data?b=&e=&g=1``): a day's answer, gzip or plain, into records, each read by
the very parser of ``/data`` (`models.parse_snapshot`); see `decode_history`, `parse_history`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Set as AbstractSet
from datetime import UTC, datetime
import json
import re
from typing import Final
import zlib

from .decode import decode_json, may_escape_surrogates, text_of
from .exceptions import SkyCentricsResponseError
from .models import Snapshot, parse_snapshot
from .readings import MAX_FUTURE, Checks, ProblemLog, as_int, kind_of, shorten

MAX_HISTORY_BYTES: Final = 64 * 1024 * 1024
"""Largest day of history, as JSON after gunzip: a day of 60 sensors every minute is about
11 MB, so this leaves room for about 350 sensors, and bounds what a gzip bomb can inflate to."""

GZIP_MAGIC: Final = b"\x1f\x8b"  # no JSON text starts with them

_RECORD_DECODER: Final = json.JSONDecoder()
"""History's records, decoded one at a time (see `decode_history`): integers in C, not through
the hooks of `decode_json`'s tolerant path (a day holds 110,000 of them). What the hooks guard
against comes out the same: a literal of more than 4,300 digits makes it fail (the whole answer
then goes through `decode_json`); an integer beyond int64 or a NaN is refused as a value, a time
or an id anyway, and the raw record is not kept."""


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

    The records are decoded one at a time (`_stream`) and parsed at once, so a day's decoded JSON
    never exists whole: against orjson.loads of the whole day (`scripts/bench -k history`, 30
    days), 34 MiB of peak memory instead of 75, a longest stall of the event loop (outside
    garbage collection) of 20-37 ms instead of 84, about the same CPU. What streaming cannot do
    exactly as `decode_json` + `parse_history` would (a lone surrogate, nesting too deep, a
    duplicate key, a lone record, invalid JSON, an integer of more than 4,300 digits) is done by
    them instead, and the warnings of the attempt are dropped. (An integer beyond int64 is
    refused in both, worded "number beyond" here, "not a finite number" there.)
    """
    if body.startswith(GZIP_MAGIC):
        body = gunzip(body, limit)
    elif len(body) > limit:
        raise SkyCentricsResponseError(f"the answer exceeds {limit} bytes")
    if problems is None:
        problems = ProblemLog()
    if not may_escape_surrogates(body):
        held = _HeldProblems()
        try:
            members, keyed = _stream(text_of(body))
            snapshots = _parse_records(members, keyed, device_id, held, sensor_ids)
        except _NotStreamableError, ValueError, RecursionError, IndexError:
            pass  # the whole answer at once, below, decides (and repairs what it can)
        else:
            held.replay(problems)
            return snapshots
    return parse_history(decode_json(body), device_id, problems, sensor_ids)


class _NotStreamableError(Exception):
    """The answer needs `decode_json` and `parse_history` on the whole of it."""


_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_RECORD_KEYS: Final = frozenset({"sensors", "device"})
"""Keys of a lone record (`parse_history`), never of an object keyed by record time."""


def _skip(text: str, at: int) -> int:
    """The index of the first character at or after ``at`` that is not JSON whitespace."""
    found = _WHITESPACE.match(text, at)
    return found.end() if found else at


def _stream(text: str) -> tuple[Iterator[tuple[object, object]], bool]:
    """The (index or key, value) pairs of a top-level JSON list or object, each decoded when it
    is reached, and whether they are keyed. Raises ValueError (not JSON), IndexError (cut short)
    or `_NotStreamableError` on the way."""
    scan = _RECORD_DECODER.raw_decode
    start = _skip(text, 0)
    opener = text[start]
    if opener not in "[{":
        raise _NotStreamableError
    keyed = opener == "{"
    closer = "}" if keyed else "]"

    def members() -> Iterator[tuple[object, object]]:
        seen: set[object] = set()
        at = _skip(text, start + 1)
        index = 0
        if text[at] == closer:
            at += 1
        else:
            while True:
                key: object = index
                if keyed:
                    if text[at] != '"':
                        raise _NotStreamableError
                    key, at = scan(text, at)
                    if key in seen or key in _RECORD_KEYS:  # a dict keeps one; a lone record
                        raise _NotStreamableError
                    seen.add(key)
                    at = _skip(text, at)
                    if text[at] != ":":
                        raise _NotStreamableError
                    at = _skip(text, at + 1)
                value, at = scan(text, at)
                yield key, value
                index += 1
                at = _skip(text, at)
                if text[at] == ",":
                    at = _skip(text, at + 1)
                elif text[at] == closer:
                    at += 1
                    break
                else:
                    raise _NotStreamableError
        if _skip(text, at) != len(text):
            raise _NotStreamableError  # something after the answer

    return members(), keyed


def parse_history(
    raw: object,
    device_id: int,
    problems: ProblemLog | None = None,
    sensor_ids: AbstractSet[str] | None = None,
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
    sensors is 86,400 readings, of 5 counters 7,200. Raises SkyCentricsResponseError only when
    the answer is neither a list nor an object.
    """
    if problems is None:
        problems = ProblemLog()
    if isinstance(raw, list):
        return _parse_records(enumerate(raw), False, device_id, problems, sensor_ids)
    if isinstance(raw, Mapping):
        if isinstance(raw.get("sensors"), list) or "device" in raw:  # a lone record
            return _parse_records([(0, raw)], False, device_id, problems, sensor_ids)
        return _parse_records(raw.items(), True, device_id, problems, sensor_ids)
    raise SkyCentricsResponseError(f"history answer is not a JSON list: {kind_of(raw)}")


def _parse_records(
    items: Iterable[tuple[object, object]],
    keyed: bool,
    device_id: int,
    problems: ProblemLog,
    sensor_ids: AbstractSet[str] | None = None,
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
            )
            if snapshot.time is None:
                times = [r.time for r in snapshot.readings.values() if r.time is not None]
                if not times:
                    raise SkyCentricsResponseError("the record has no time")
                snapshot = Snapshot(device_id, max(times), snapshot.readings)
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
    snapshots.sort(key=_snapshot_time)
    return snapshots


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
