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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.const import UnitOfEnergy
from homeassistant.util.unit_conversion import EnergyConverter

from .const import (
    COUNTER_MIN_RATE_KW,
    COUNTER_MIN_RISE_KWH,
    COUNTER_NO_POWER_RATE_KW,
    COUNTER_POWER_FACTOR,
)

type AllowedRise = Callable[[datetime | None, datetime], float]
"""(time of the last accepted reading, time of this one) -> the most kWh it may add."""


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
    last: float | None = None  # the last accepted value, in ``unit``
    last_time: datetime | None = None  # its reading time
    rejecting: bool = False  # the last reading judged was not accepted

    def judge(self, value: float | None, when: datetime, allowed_kwh: AllowedRise) -> str | None:
        """Accept ``value`` read at ``when`` (None is returned) or say why it is not plausible.

        The first value is accepted as it is; nothing to judge before it (a missing value then
        is no problem either).
        """
        if self.last is None:
            if value is not None:
                self.last, self.last_time = float(value), when
            return None
        problem = "no value" if value is None else self._implausible(value, when, allowed_kwh)
        if value is not None and problem is None:
            self.last, self.last_time, self.rejecting = float(value), when, False
            return None
        self.rejecting = True
        return problem

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
        return f"a rise of more than the {allowed:.6g} {unit} the device could have delivered"
