"""The plausibility rule of lifetime energy counters: one place for the live sensor and the
hourly statistics imported from the cloud's history.

A counter's reading is accepted when it is plausible after the last accepted one (the rule and
its constants are in const.py):

- a drop (also a reset, or a glitch to 0 after a non-zero value) is not accepted;
- a rise of more than the device could have delivered since the last accepted reading is not
  accepted: at most ``allowed_rise_kwh`` (converted to the counter's unit);
- a reading without a value is not accepted either.

What is not accepted leaves the last accepted value standing: the live sensor keeps showing it,
and an hour of the imported statistics counts nothing for it (so no hour is ever negative, and a
glitch is never counted as energy). As time passes the allowance grows, so a real jump is
accepted late, never lost; a real reset is followed once the counter passes its old value.

Word-swapped registers: some gateways read a 32-bit counter register of whole kWh with its two
16-bit words swapped, so the value moves by 65,536 per kWh (338,624,512 = 5,167 x 65,536 is
5,167 kWh). ``SwapDetector`` recognises that signature in a counter's values, ``unswap_words``
decodes one value: (low word << 16) | high word, NOT a division by 65,536 (past 65,535 kWh the
low word is no longer 0).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
import operator
from typing import Final

from homeassistant.const import UnitOfEnergy
from homeassistant.util.unit_conversion import EnergyConverter

from .const import (
    COUNTER_MIN_RATE_KW,
    COUNTER_MIN_RISE_KWH,
    COUNTER_NO_POWER_RATE_KW,
    COUNTER_POWER_FACTOR,
)

WORD: Final = 65536  # one 16-bit word: what a word-swapped register moves by per unit
REGISTER_END: Final = 1 << 32  # a 32-bit register holds [0, REGISTER_END)

type AllowedRise = Callable[[datetime | None, datetime], float]
"""(time of the last accepted reading, time of this one) -> the most kWh it may add; with no
last time, the least it gives for any (`CounterGuard.accept_all` relies on it)."""


def allowed_rise_kwh(
    max_power_kw: float | None, min_seconds: float, since: datetime | None, until: datetime
) -> float:
    """The most energy (kWh) a counter may plausibly add between two readings.

    max(COUNTER_MIN_RISE_KWH, rate x hours): the rate from the largest |power| (kW) the device
    reported (``max_power_kw``, None when it never reported one), the hours between the two
    reading times, at least ``min_seconds`` (one poll interval).
    """
    seconds = min_seconds
    if since is not None:
        seconds = max(seconds, (until - since).total_seconds())
    if max_power_kw is None:
        rate = COUNTER_NO_POWER_RATE_KW
    else:
        rate = max(COUNTER_MIN_RATE_KW, COUNTER_POWER_FACTOR * max_power_kw)
    return max(COUNTER_MIN_RISE_KWH, rate * seconds / 3600)


@dataclass(slots=True)
class CounterGuard:
    """The last accepted value of one lifetime counter, and the judge of the next reading.

    ``unit`` is the counter's unit: a rise is bounded only for an energy unit (Wh, kWh...).
    """

    unit: str | None
    last: float | None = None  # the last accepted value, in ``unit`` (an int stays one)
    last_time: datetime | None = None  # its reading time
    rejecting: bool = False  # the last reading judged was not accepted
    # The last reading judged, when it was not accepted as a rise beyond the allowance: (its
    # value, its time, the allowance in ``unit``); None after any other judgement.
    refused: tuple[float, datetime, float] | None = None

    def judge(self, value: float | None, when: datetime, allowed_kwh: AllowedRise) -> str | None:
        """Accept ``value`` read at ``when`` (None is returned) or say why it is not plausible.

        The first value is accepted as it is; nothing to judge before it (a missing value then
        is no problem either).
        """
        self.refused = None
        if self.last is None:
            if value is not None:
                self.last, self.last_time = value, when
            return None
        if value == self.last:  # no change: a rise of 0 is always plausible (and quick)
            self.last, self.last_time, self.rejecting = value, when, False
            return None
        problem = "no value" if value is None else self._implausible(value, when, allowed_kwh)
        if value is not None and problem is None:
            self.last, self.last_time, self.rejecting = value, when, False
            return None
        self.rejecting = True
        return problem

    def accept_all(
        self, times: list[datetime], numbers: list[float], allowed_kwh: AllowedRise
    ) -> bool:
        """Accept readings in time order at once when `judge` would accept each in turn (the
        state is then what it leaves); else change nothing and return False.

        None drops, and none rises by more than the allowance of the shortest time between
        two readings, which every later allowance is at least: then each is accepted, and the
        next is judged from it. A day of a counter's readings without a step per reading.
        """
        if not numbers:
            return False
        run = numbers if self.last is None else [self.last, *numbers]
        rises = list(map(operator.sub, run[1:], run[:-1], strict=True))
        if rises:
            if min(rises) < 0:
                return False
            if self.unit in EnergyConverter.VALID_UNITS and max(rises) > EnergyConverter.convert(
                allowed_kwh(None, times[0]), UnitOfEnergy.KILO_WATT_HOUR, self.unit
            ):
                return False
        self.last, self.last_time = numbers[-1], times[-1]
        self.rejecting, self.refused = False, None
        return True

    def _implausible(self, value: float, when: datetime, allowed_kwh: AllowedRise) -> str | None:
        """Say why the counter cannot have gone from the last accepted value to ``value``."""
        assert self.last is not None
        if value < self.last:
            return "a drop"
        unit = self.unit
        if unit not in EnergyConverter.VALID_UNITS:
            return None
        allowed = EnergyConverter.convert(
            allowed_kwh(self.last_time, when), UnitOfEnergy.KILO_WATT_HOUR, unit
        )
        if value - self.last <= allowed:
            return None
        self.refused = (value, when, allowed)
        return f"a rise of more than the {allowed:.6g} {unit} the device could have delivered"

    def refused_numbers(self) -> dict[str, str] | None:
        """The implausible issue's numbers while the last reading judged stands refused as a
        rise beyond the allowance; None otherwise."""
        if not self.rejecting or self.refused is None or self.last is None:
            return None
        value, when, allowed = self.refused
        return {
            "last": _number(self.last),
            "since": _time(self.last_time),
            "value": _number(value),
            "at": _time(when),
            "rise": _number(value - self.last),
            "allowed": _number(allowed),
            "unit": self.unit or "",
        }


def unswap_words(value: float | None) -> int | None:
    """The register a word-swapped reading was read from: (low word << 16) | high word.

    338,624,512 -> 5,167; 65,537 (the register at 65,537 kWh) -> 65,537... None (unknown, never
    a wrong number) for a value that is not a whole number in [0, 2^32).
    """
    if value is None or not float(value).is_integer() or not 0 <= value < REGISTER_END:
        return None
    number = int(value)
    return ((number & 0xFFFF) << 16) | (number >> 16)


@dataclass(slots=True)
class SwapDetector:
    """Whether one lifetime counter's values look like a word-swapped register.

    The signature: two distinct values in a row (0 and missing values are skipped, glitches
    as the guard sees them) differ by a whole multiple of 65,536, and no pair of distinct
    values in a row breaks it. A single value, however round, is never enough: an ordinary
    counter may sit on a multiple of 65,536 once, but then moves by less. A pair breaks the
    signature when a value is not a whole number in [0, 2^32), or when it differs by anything
    else, except the one step where the register passes a multiple of 65,536 kWh (the
    un-swapped values rise by less than 65,536 there; an ordinary whole-number counter's
    un-swapped values jump by 65,536 or more, or fall). Once broken, it stays broken.

    Values come from separate sources (the polls, the history the importer reads: each in
    time order, but not in order with each other), so each source has its own last value.
    """

    confirmed: bool = False
    broken: bool = False
    value: float | None = None  # a value that confirmed the signature (for the text)
    _last: dict[str, float] | None = None

    @property
    def holds(self) -> bool:
        """Whether the signature was seen and never broken."""
        return self.confirmed and not self.broken

    def observe(self, value: float | None, source: str) -> None:
        """Take the next value of one source."""
        if self.broken or value is None or value <= 0:
            return
        if unswap_words(value) is None:
            self.broken = True
            return
        if self._last is None:
            self._last = {}
        last = self._last.get(source)
        self._last[source] = value
        if last is None or last == value:
            return
        if (value - last) % WORD == 0:
            self.confirmed = True
            self.value = value
            return
        before, after = unswap_words(last), unswap_words(value)
        assert before is not None
        assert after is not None
        if not 0 < after - before < WORD:
            self.broken = True


def swapped_placeholders(value: float, unit: str | None) -> Mapping[str, str]:
    """The numbers of the swapped issue: 338,624,512 = 5,167 x 65,536 -> 5,167."""
    number = int(value)
    high, low = divmod(number, 65536)
    decoded = unswap_words(value)
    return {
        "value": f"{number:,}",
        "multiple": f"{high:,} x 65,536" + (f" + {low:,}" if low else ""),
        "decoded": f"{decoded:,}" if decoded is not None else "?",
        "unit": unit or "",
    }


def _number(value: float) -> str:
    """A number as the issue texts show it: 338,624,512 (at most 3 decimals)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3f}".rstrip("0")


def _time(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when is not None else "(unknown)"
