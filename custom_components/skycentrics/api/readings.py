"""One reading, and the rules each value from the cloud passes before Home Assistant sees it
(`Reading` says what they guarantee). A value that breaks a rule is None for that reading only,
with one warning per device, sensor and kind of problem (`ProblemLog`), never one per poll.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set as AbstractSet
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import itertools
import logging
import math
import re
from typing import Any, Final, NamedTuple

from .decode import INT64_MAX, INT64_MIN, REPLACEMENT, replace_surrogates

_LOGGER = logging.getLogger(__name__)

type ReadingValue = int | float | str | None

MAX_INT_DIGITS: Final = 19
"""Longest id given as text: int64 has at most 19 digits."""

MAX_MAGNITUDE: Final = 1e15
"""Largest absolute value of a reading: far beyond any meter (1e15 Wh is a petawatt-hour), and
well inside what a float holds exactly and what every JSON encoder takes."""

MAX_TEXT: Final = 255
"""Longest name, type or text value: Home Assistant's own limit for a state."""

MAX_UNITS: Final = 32
"""Longest unit: far above any real one ("kWh", "var", "luxes")."""

MAX_SENSOR_ID_LENGTH: Final = 255
"""Longest sensor id, as `MAX_TEXT` (the seed's longest: 41)."""

MAX_READINGS: Final = 10_000
"""Readings read from one answer: Home Assistant takes at most 10,000 enabled entities per
config entry, so more could never be shown (the rest of the answer is dropped, one warning)."""

EARLIEST_TIME: Final = datetime(2000, 1, 1, tzinfo=UTC)
"""Older reading times are placeholders (0, 1) or garbage: no time."""

_EARLIEST_SECONDS: Final = EARLIEST_TIME.timestamp()

MAX_FUTURE: Final = timedelta(days=1)
"""How far ahead of our clock a reading time may be (a device clock somewhat ahead)."""

MAX_PROBLEMS: Final = 1_000

_BAD_CHARACTERS: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # names, units, ids


class Reading(NamedTuple):
    """One sensor reading of a snapshot, with the time it was recorded (a named tuple: made at
    a third of a frozen dataclass's cost). What the parser guarantees (at most `MAX_READINGS`
    readings per answer; a history's `Column` holds the same, checked the same way):

    - ``id``: the sensor's own id: 1 to `MAX_SENSOR_ID_LENGTH` characters of any script,
      ``|`` included, without control characters (C0, DEL, C1) or lone surrogates, not all
      blank (a sensor whose id breaks this rule is dropped, with a logged reason).
    - ``value``: None, an int or a finite float within ±`MAX_MAGNITUDE` (JSON true/false are
      read as 1/0), or a text of at most `MAX_TEXT` characters (lone surrogates replaced by
      U+FFFD) whose number, if it reads as one, is within the same bounds. Anything else is
      None, logged once.
    - ``name``, ``type``, ``units``: valid Unicode (a lone surrogate or a control character is
      replaced by U+FFFD), at most `MAX_TEXT` / `MAX_TEXT` / `MAX_UNITS` characters.
    - ``time``: None or inside [`EARLIEST_TIME`, now + `MAX_FUTURE`] (else the answer's time).
    """

    id: str
    name: str
    type: str
    units: str
    value: ReadingValue
    time: datetime | None


def read_sensors(  # noqa: PLR0917 (the parts of one answer)
    sensors: list[Any],
    device_id: int,
    problems: ProblemLog,
    checks: Checks,
    default_time: datetime | None,
    wanted: AbstractSet[str] | None,
    into: dict[str, Column] | None = None,
    record: int = 0,
) -> dict[str, Reading]:
    """Read a ``sensors`` list into readings by their ids, at most `MAX_READINGS`.

    A sensor without a usable time of its own takes ``default_time``. With ``wanted``, only the
    sensors with those ids are read (the others are not even checked). A sensor that cannot be
    read (not an object, an unusable or duplicate id) is skipped. With ``into`` (a history's
    columns), each reading is added to its sensor's `Column` as one of record ``record``, and
    the dict returned is empty.
    """
    if len(sensors) > MAX_READINGS:
        problems.warn(
            (device_id, "too many sensors"),
            "Device %s: the answer lists %d sensors, only the first %d are read",
            device_id,
            len(sensors),
            MAX_READINGS,
        )
    # Written out in this loop (no call per reading: a day of history is 86,400 of them);
    # labels and times through `checks`.
    known_labels, known_times = checks.labels, checks.times
    readings: dict[str, Reading] = {}
    at = None if wanted is None else checks.wanted_at(sensors, wanted)
    items: Iterable[tuple[int, Any]] = enumerate(itertools.islice(sensors, MAX_READINGS))
    if at is not None:
        items = zip(at, map(sensors.__getitem__, at), strict=True)
        wanted = None  # dicts with a wanted id only: none to leave out
    for index, item in items:
        if type(item) is not dict and not isinstance(item, Mapping):  # dict first: no ABC
            if wanted is None:
                _skip_sensor(problems, device_id, index, f"not a JSON object: {kind_of(item)}")
            continue
        get = item.get
        sensor_id = get("id")
        if wanted is not None and (type(sensor_id) is not str or sensor_id not in wanted):
            continue
        labels = (sensor_id, get("name"), get("type"), get("units"))
        try:  # checked before?
            found = known_labels[labels]
        except KeyError, TypeError:
            found = checks.labels_of(*labels)
        if isinstance(found, str):  # why the id is unusable
            _skip_sensor(problems, device_id, index, found)
            continue
        sensor_id, name, kind, units = found
        if (
            sensor_id in readings
            if into is None
            else (column := into.get(sensor_id)) is not None and column.records[-1] == record
        ):
            _skip_sensor(problems, device_id, index, f"duplicate id {sensor_id!r}")
            continue
        value = get("data")
        # The common case first: a float or an int within bounds (NaN fails the comparison;
        # a bool is neither type and goes the long way, to become 1 or 0).
        if not (
            (type(value) is float or type(value) is int)
            and -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE
        ):
            value, problem = _parse_value(value)
            if problem is not None:
                problems.warn(
                    (device_id, sensor_id, problem),
                    "Device %s: sensor %r: %s; read as no value",
                    device_id,
                    sensor_id,
                    problem,
                )
        raw_time = get("time")
        try:
            reading_time = known_times[raw_time]
        except KeyError, TypeError:
            reading_time = checks.time_of(raw_time)
        when = default_time if reading_time is None else reading_time
        if into is None:
            readings[sensor_id] = new_reading(Reading, (sensor_id, name, kind, units, value, when))
            continue
        if column is None:
            column = into[sensor_id] = Column()
        column.records.append(record)
        column.labels.append(found)
        column.values.append(value)
        column.times.append(when)
    return readings


@dataclass(slots=True)
class Column:
    """One sensor's readings across the records of a history answer, as parallel lists: no
    object per reading (a day of the importer's 17 sensors is 24,480 of them, and as many
    objects would also wake the garbage collector a dozen times). ``records``: each reading's
    record (an index); ``labels``: (id, name, type, units) as `Reading` has them checked."""

    records: list[int] = field(default_factory=list)
    labels: list[tuple[str, str, str, str]] = field(default_factory=list)
    values: list[ReadingValue] = field(default_factory=list)
    times: list[datetime | None] = field(default_factory=list)

    def plain(self) -> tuple[str, list[float]] | None:
        """The units text and the numbers of a column of numbers only (no text, no null)
        under one label; None otherwise (then it is read reading by reading)."""
        labels = self.labels
        if labels.count(labels[0]) != len(labels) or not _NUMBERS.issuperset(
            map(type, self.values)
        ):
            return None
        return labels[0][3], self.values  # type: ignore[return-value]  # numbers: checked


_NUMBERS: Final = frozenset({float, int})  # a bool is neither: it is read as 1 or 0

new_reading: Final = tuple.__new__
"""`Reading` made without its keyword-taking ``__new__``: the history's hot loop."""

type Labels = dict[tuple[object, ...], tuple[str, str, str, str] | str]

MAX_LABELS: Final = 4 * MAX_READINGS
"""Label checks remembered across answers (`Checks`): beyond, they are forgotten at once (a
cloud that invents new labels on every poll cannot grow them)."""


class Checks:
    """The label and time checks of one answer, each done once per distinct input.

    A history day repeats the same sensors (id, name, type, units) in every record and one time
    per record: 1,440 records of 60 readings need 60 label checks and 1,440 time checks, not
    86,400 of each; and a poll repeats the labels of the poll before. The checks are pure
    functions of their input, so a remembered result is the result; an input that cannot be a
    dict key (a list as a name) is checked every time. Times are checked against ``latest``, so
    they are remembered for one answer; labels in ``labels``, which the client keeps across its
    answers (at most `MAX_LABELS`).
    """

    __slots__ = ("_at", "_ids", "_wanted", "labels", "latest", "times")

    def __init__(self, latest: datetime, labels: Labels | None = None) -> None:
        self.latest = latest  # the latest usable time
        self.labels: Labels = {} if labels is None else labels
        self.times: dict[object, datetime | None] = {}
        self._ids: list[object] = []
        self._wanted: AbstractSet[str] = frozenset()
        self._at: list[int] = []

    def wanted_at(self, sensors: list[Any], wanted: AbstractSet[str]) -> list[int] | None:
        """The places in ``sensors`` whose id is a wanted text: the only ones `read_sensors`
        reads with ``wanted``. None when one is not a dict, or there are too many.

        A history repeats its sensor list in every record: the ids are compared with the last
        record's (no hashing) and the places worked out again only when they differ.
        """
        try:
            ids = list(map(dict.get, sensors, _ID_KEY, strict=False))  # repeat: endless
        except TypeError:  # not a dict
            return None
        if ids == self._ids and wanted is self._wanted:
            return self._at
        if len(ids) > MAX_READINGS:
            return None
        self._ids, self._wanted = ids, wanted
        self._at = [n for n, found in enumerate(ids) if type(found) is str and found in wanted]
        return self._at

    def labels_of(
        self, sensor_id: object, name: object, kind: object, units: object
    ) -> tuple[str, str, str, str] | str:
        """Return (id, name, type, units) checked, or why the id is unusable.

        Remembered under the four raw values, only for a text id: an id that is not text is
        refused naming its type, and 1 and true, equal as keys, must not share a result.
        """
        found = _check_labels(sensor_id, name, kind, units)
        if type(sensor_id) is str:
            if len(self.labels) >= MAX_LABELS:
                self.labels.clear()
            with contextlib.suppress(TypeError):  # unhashable: not remembered
                self.labels[sensor_id, name, kind, units] = found
        return found

    def time_of(self, raw: object) -> datetime | None:
        found = _parse_time(raw, self.latest)
        with contextlib.suppress(TypeError):  # unhashable: not remembered
            self.times[raw] = found
        return found


_ID_KEY: Final = itertools.repeat("id")


def _check_labels(
    sensor_id: object, name: object, kind: object, units: object
) -> tuple[str, str, str, str] | str:
    """A sensor's (id, name, type, units) checked, or why its id is unusable."""
    if not isinstance(sensor_id, str):
        return f"no usable id: {kind_of(sensor_id)}"
    if (
        not 0 < len(sensor_id) <= MAX_SENSOR_ID_LENGTH
        or sensor_id.isspace()
        or _BAD_CHARACTERS.search(sensor_id)
    ):
        return (
            f"unusable id {shorten(sensor_id)}: not 1-{MAX_SENSOR_ID_LENGTH} characters "
            "without control characters"
        )
    name = clean_text(" ".join(name.split()), MAX_TEXT) if isinstance(name, str) else ""
    return sensor_id, name or sensor_id, clean_text(kind, MAX_TEXT), clean_text(units, MAX_UNITS)


def _skip_sensor(problems: ProblemLog, device_id: int, index: int, reason: str) -> None:
    problems.warn(
        (device_id, index, reason), "Device %s: skipping sensor %d: %s", device_id, index, reason
    )


def _parse_value(raw: object) -> tuple[ReadingValue, str | None]:
    """Return a reading's value, or None and why it was refused (null is no problem)."""
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return int(raw), None  # JSON true/false read as 1/0, as before
    if isinstance(raw, int | float):
        problem = number_problem(raw)
        return (None, problem) if problem else (raw, None)
    if isinstance(raw, str):
        text = replace_surrogates(raw)
        problem = _text_problem(text)
        return (None, problem) if problem else (text, None)
    return None, f"a {kind_of(raw)} is not a number or a text"


def number_problem(number: float) -> str | None:
    """Why a number is not a usable value (None: it is finite and within MAX_MAGNITUDE)."""
    if isinstance(number, float) and not math.isfinite(number):
        return "not a finite number (NaN, Infinity, or an integer beyond int64)"
    if not -MAX_MAGNITUDE <= number <= MAX_MAGNITUDE:  # exact for ints of any size
        return f"number beyond ±{MAX_MAGNITUDE:g}"
    return None


def _text_problem(text: str) -> str | None:
    """Why a text is not a usable value (None: it is)."""
    if len(text) > MAX_TEXT:
        return f"text longer than {MAX_TEXT} characters"
    try:
        number = float(text)
    except ValueError:
        return None  # a word such as "active"
    problem = number_problem(number)
    return f"numeric text: {problem}" if problem else None


def clean_text(raw: object, limit: int) -> str:
    """Return a name, type, unit or message: stripped, lone surrogates and control characters
    replaced by U+FFFD, cut to ``limit`` characters; "" when ``raw`` is no text."""
    if not isinstance(raw, str):
        return ""
    return _BAD_CHARACTERS.sub(REPLACEMENT, raw.strip())[:limit]


def shorten(text: str) -> str:
    """A text for a log line: repr (escapes control characters and surrogates), cut short."""
    return repr(text[:40]) + ("..." if len(text) > 40 else "")


def kind_of(raw: object) -> str:
    return "null" if raw is None else type(raw).__name__


def _parse_time(raw: object, latest: datetime) -> datetime | None:
    """Parse Unix seconds or an ISO-like UTC text (``2025-07-31 01:37:47Z``).

    None (no time) for anything else, and for times outside [`EARLIEST_TIME`, ``latest``].
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        # Compared before converting: no overflow, whatever the size; NaN compares False.
        if not _EARLIEST_SECONDS <= raw <= latest.timestamp():
            return None
        return datetime.fromtimestamp(raw, UTC)
    if not isinstance(raw, str):
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except ValueError, OverflowError:  # "0001-01-01T00:00+01:00" overflows in astimezone
        return None
    return parsed if EARLIEST_TIME <= parsed <= latest else None


def as_int(raw: object) -> int | None:
    """Read an id or a count: a JSON integer, or text of 1 to `MAX_INT_DIGITS` ASCII digits;
    within int64. Anything else (true, "²", "-1", 1.0, 2**64...) is None."""
    if isinstance(raw, str):
        text = raw.strip()
        if not (0 < len(text) <= MAX_INT_DIGITS and text.isascii() and text.isdigit()):
            return None
        raw = int(text)
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw if INT64_MIN <= raw <= INT64_MAX else None


class ProblemLog:
    """Logs each problem with the cloud's data once: a bad value comes back on every poll, its
    warning should not. The client keeps one for its whole life (a config entry).

    A key names the device, the sensor and the kind of problem. At most `MAX_PROBLEMS` keys are
    kept (a cloud inventing new sensor ids on every poll cannot grow it); then it stays quiet.
    """

    def __init__(self) -> None:
        self._reported: set[tuple[object, ...]] = set()

    def warn(self, key: tuple[object, ...], message: str, *args: object) -> None:
        """Log ``message % args`` as a warning, unless ``key`` was reported before."""
        if key in self._reported or len(self._reported) >= MAX_PROBLEMS:
            return
        self._reported.add(key)
        self._log(key, message, args)

    def _log(self, key: tuple[object, ...], message: str, args: tuple[object, ...]) -> None:
        _LOGGER.warning(message, *args)
