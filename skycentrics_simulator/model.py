"""Deterministic model of the sensor values: a pure function of time.

Every value is computed from the reading's Unix time alone (and the device's index), so a test can
ask for the value at any instant and get the same answer the server sends. The model is anchored on
the guide's payload: at the seed's reading time (`SEED_EPOCH`) the seed device's PV powers,
lifetime counters, voltages, frequency, light levels and meter readings equal the guide's values.

- Local solar time is UTC-8 (PAE Living Building, US West) with no daylight saving.
- PV power (inverters, breaker) follows a half-sine from 05:00 to 20:00 local time, 0 at night.
- The battery cycles once a day between 20 % and 80 % state of charge: it charges from 06:00 to
  18:00 local time and discharges overnight; its power is the derivative of the stored energy.
- The E30A_3 meter sees a building load from 06:00 to 17:00 local time, 0 outside.
- Lifetime counters are the seed values plus the exact integral of the matching power since the
  seed epoch (never below 0), so they never decrease as time goes on.
- With `swapped_counters`, the battery's lifetime counters (`SWAPPED_COUNTERS`) are what the
  guide's values really are: a 32-bit register of whole kWh read with its two 16-bit words
  swapped (338,624,512 = 5,167 x 65,536 is 5,167 kWh). The register counts the same kWh as
  above, from 5,167 and 10,374 kWh at the seed epoch, so the value moves by 65,536 per kWh
  (`swap_words`, `unswap_words`). Past 65,535 kWh the register's high word counts too: the
  value falls from 4,294,901,760 to 1 (65,536 kWh) and is a multiple of 65,536 no more. The
  model's registers pass it about 2026-07-24 (discharge) and 2026-08-27 (charge).
- Voltages, frequency and the shed-table load wobble slightly around the seed values.
- Everything else (states, alarms, setpoints, dimmer levels, `active`/`inactive`) keeps its seed
  value.
"""

from __future__ import annotations

from collections.abc import Mapping
import math
from typing import Any
import zlib

from .seed import SEED_EPOCH

DAY = 86400
"""Seconds in a day."""

SOLAR_UTC_OFFSET = -8 * 3600
"""Fixed local solar time offset from UTC, in seconds (UTC-8)."""

PV_START_HOUR = 5.0
PV_END_HOUR = 20.0
LOAD_START_HOUR = 6.0
LOAD_END_HOUR = 17.0
LOAD_PEAK_KW = 18.0
BESS_CYCLE_START_HOUR = 6.0
SOC_MIN = 20.0
SOC_MAX = 80.0

PV_1 = "SOLAR_INVERTER_1_ACTIVE_POWER"
PV_2 = "SOLAR_INVERTER_2_ACTIVE_POWER"
PV_BREAKER = "SOLAR_INVERTER_BREAKER_ACTIVE_POWER"
PV_1_ENERGY = "SOLAR_INVERTER_1_ENERGY"
PV_2_ENERGY = "SOLAR_INVERTER_2_ENERGY"
SOC = "BESS_STATE_OF_CHARGE"
BESS_AVAILABLE_CHARGE = "BESS_AVAILABLE_CHARGE_CAPACITY"
BESS_AVAILABLE_DISCHARGE = "BESS_AVAILABLE_DISCHARGE_CAPACITY"
BESS_CHARGE_COUNTER = "BESS_LIFETIME_CHARGE_COUNTER"
BESS_DISCHARGE_COUNTER = "BESS_LIFETIME_DISCHARGE_COUNTER"
BESS_VOLTAGE = "BESS_SYSTEM_AVERAGE_VOLTAGE"
BESS_CURRENT = "BESS_SYSTEM_AVERAGE_CURRENT"
BESS_POWER = "BESS_PCS_CHARGE_DISCHARGE_REAL_POWER"
METER_ENERGY = "E30A_3_kWh_Energy:_3ph_Total"
METER_POWER = "E30A_3_kW:_3ph_Total"
METER_POWER_FACTOR = "E30A_3_Power_Factor:_3ph_Total"
METER_AMPS = "E30A_3_Amps:_3ph_Average_(phases_1_2_3)"
METER_FREQUENCY = "E30A_3_Frequency"
METER_VOLTS_LL = "E30A_3_VOLTS_L-L:_3ph_Ave"
METER_VOLTAGES = (
    "E30A_3_VOLTS_L-N:_3ph_Ave",
    METER_VOLTS_LL,
    "E30A_3_VOLTS_A-N",
    "E30A_3_VOLTS_B-N",
    "E30A_3_VOLTS_C-N",
    "E30A_3_VOLTS_A-B",
    "E30A_3_VOLTS_B-C",
    "E30A_3_VOLTS_A-C",
)
LUX_SENSORS = ("SSU_[0062]_AO100288_PHS", "SSU_[0062]_AO100289_PHS")
SHED_TABLE = "SSU_[0062]_AI1000425_Shedtable"

LIFETIME_COUNTERS = (
    BESS_CHARGE_COUNTER,
    BESS_DISCHARGE_COUNTER,
    PV_1_ENERGY,
    PV_2_ENERGY,
    METER_ENERGY,
)
"""Sensors whose value never decreases as time goes on."""

SWAPPED_COUNTERS = (BESS_CHARGE_COUNTER, BESS_DISCHARGE_COUNTER)
"""Counters that `swapped_counters` sends as a word-swapped 32-bit register of whole kWh."""

WORD = 65536
"""One 16-bit word: what a word-swapped register moves by per unit (kWh)."""


def swap_words(value: int) -> int:
    """Swap the two 16-bit words of a 32-bit register (5,167 -> 338,624,512)."""
    value &= 0xFFFFFFFF
    return ((value & 0xFFFF) << 16) | (value >> 16)


def unswap_words(value: float) -> int:
    """The register a word-swapped value was read from (338,624,512 -> 5,167)."""
    return swap_words(int(value))


def local_solar_hour(t: float) -> float:
    """Return the hour of the day (0 <= h < 24) in local solar time (UTC-8) at Unix time `t`."""
    return ((t + SOLAR_UTC_OFFSET) % DAY) / 3600.0


def _window_shape(t: float, start: float, end: float) -> float:
    """Half-sine between the local hours `start` and `end`, 0 outside; peak 1 in the middle."""
    hour = local_solar_hour(t)
    if start < hour < end:
        return math.sin(math.pi * (hour - start) / (end - start))
    return 0.0


def _window_hours(t: float, start: float, end: float) -> float:
    """Integral of `_window_shape` from the Unix epoch to `t`, in hours (non-decreasing in `t`)."""
    local = t + SOLAR_UTC_OFFSET
    day = math.floor(local / DAY)
    hour = (local - day * DAY) / 3600.0
    length = end - start
    full = 2.0 * length / math.pi
    if hour <= start:
        part = 0.0
    elif hour >= end:
        part = full
    else:
        part = length / math.pi * (1.0 - math.cos(math.pi * (hour - start) / length))
    return day * full + part


def pv_shape(t: float) -> float:
    """Relative PV output at Unix time `t`: 0 at night, 1 at local solar 12:30."""
    return _window_shape(t, PV_START_HOUR, PV_END_HOUR)


def _jitter(key: str, t: float) -> float:
    """Smooth deterministic wobble in [-1, 1], 0 at `SEED_EPOCH`, different for every key."""
    h = zlib.crc32(key.encode())
    p1 = 311 + h % 577
    p2 = 97 + (h >> 12) % 113
    d = t - SEED_EPOCH
    return 0.6 * math.sin(2 * math.pi * d / p1) + 0.4 * math.sin(2 * math.pi * d / p2)


class SensorModel:
    """Computes modelled sensor values from the seed payload's values.

    Args:
        seed_values: sensor id -> `data` of the seed payload (the anchor of the model).
    """

    def __init__(self, seed_values: Mapping[str, Any]) -> None:
        """Derive the model's constants (PV peaks, battery size, ...) from the seed values."""
        self.seed_values = dict(seed_values)
        seed_shape = pv_shape(SEED_EPOCH)
        self.pv_peak_1 = float(seed_values[PV_1]) / seed_shape
        self.pv_peak_2 = float(seed_values[PV_2]) / seed_shape
        pv_sum = float(seed_values[PV_1]) + float(seed_values[PV_2])
        self.breaker_ratio = float(seed_values[PV_BREAKER]) / pv_sum
        self.lux_peaks = {sid: float(seed_values[sid]) / seed_shape for sid in LUX_SENSORS}
        self.bess_capacity = float(seed_values[BESS_AVAILABLE_CHARGE]) + float(
            seed_values[BESS_AVAILABLE_DISCHARGE]
        )

    @staticmethod
    def scale(device_index: int) -> float:
        """PV and load size of a device relative to the seed device (index 0)."""
        return 1.0 - 0.1 * min(device_index, 5)

    def _bess(self, t: float) -> tuple[float, float, float, float]:
        """Battery state at `t`: (state of charge %, power kW (+ charging), charged, discharged).

        The last two are the energy (kWh) charged and discharged since the Unix epoch.
        """
        cycle = (SOC_MAX - SOC_MIN) * self.bess_capacity / 100.0
        local = t + SOLAR_UTC_OFFSET - BESS_CYCLE_START_HOUR * 3600
        n = math.floor(local / DAY)
        hours = (local - n * DAY) / 3600.0
        angle = 2 * math.pi * hours / 24.0
        mid = (SOC_MAX + SOC_MIN) / 2
        amp = (SOC_MAX - SOC_MIN) / 2
        soc = mid - amp * math.cos(angle)
        power = self.bess_capacity / 100.0 * amp * (2 * math.pi / 24.0) * math.sin(angle)
        if hours < 12.0:
            charged = n * cycle + (soc - SOC_MIN) * self.bess_capacity / 100.0
            discharged = n * cycle
        else:
            charged = (n + 1) * cycle
            discharged = n * cycle + (SOC_MAX - soc) * self.bess_capacity / 100.0
        return soc, power, charged, discharged

    def values(
        self, t: float, device_index: int = 0, *, swapped_counters: bool = False
    ) -> dict[str, Any]:
        """Return the modelled (unrounded) values at Unix time `t` for one device.

        Sensors missing from the result keep their seed value. With `swapped_counters`, the
        `SWAPPED_COUNTERS` are word-swapped registers of whole kWh (see the module's docstring).
        """
        seed = self.seed_values
        scale = self.scale(device_index)
        shift = device_index * 7919.0
        out: dict[str, Any] = {}

        def wobble(sensor_id: str) -> float:
            return _jitter(f"{device_index}:{sensor_id}", t + shift)

        def counter(sensor_id: str, growth: float) -> float:
            if swapped_counters and sensor_id in SWAPPED_COUNTERS:
                kwh = max(0.0, unswap_words(seed[sensor_id]) + growth)
                return float(swap_words(math.floor(kwh)))
            return max(0.0, float(seed[sensor_id]) + growth)

        # PV
        shape = pv_shape(t)
        pv1 = self.pv_peak_1 * scale * shape
        pv2 = self.pv_peak_2 * scale * shape
        out[PV_1] = pv1
        out[PV_2] = pv2
        out[PV_BREAKER] = (pv1 + pv2) * self.breaker_ratio
        sun_hours = _window_hours(t, PV_START_HOUR, PV_END_HOUR) - _window_hours(
            SEED_EPOCH, PV_START_HOUR, PV_END_HOUR
        )
        out[PV_1_ENERGY] = counter(PV_1_ENERGY, self.pv_peak_1 * scale * sun_hours)
        out[PV_2_ENERGY] = counter(PV_2_ENERGY, self.pv_peak_2 * scale * sun_hours)
        for sid, peak in self.lux_peaks.items():
            out[sid] = peak * shape

        # Battery
        soc, power, charged, discharged = self._bess(t)
        _, _, charged_0, discharged_0 = self._bess(SEED_EPOCH)
        volts = float(seed[BESS_VOLTAGE]) * (1 + 0.004 * wobble(BESS_VOLTAGE))
        out[SOC] = soc
        out[BESS_AVAILABLE_DISCHARGE] = self.bess_capacity * soc / 100.0
        out[BESS_AVAILABLE_CHARGE] = self.bess_capacity * (100.0 - soc) / 100.0
        out[BESS_POWER] = power
        out[BESS_VOLTAGE] = volts
        out[BESS_CURRENT] = power * 1000.0 / volts
        out[BESS_CHARGE_COUNTER] = counter(BESS_CHARGE_COUNTER, charged - charged_0)
        out[BESS_DISCHARGE_COUNTER] = counter(BESS_DISCHARGE_COUNTER, discharged - discharged_0)

        # E30A_3 meter: grid voltages, frequency and the building load
        for sid in METER_VOLTAGES:
            out[sid] = float(seed[sid]) * (1 + 0.003 * wobble(sid))
        out[METER_FREQUENCY] = float(seed[METER_FREQUENCY]) + 0.02 * wobble(METER_FREQUENCY)
        load = LOAD_PEAK_KW * scale * _window_shape(t, LOAD_START_HOUR, LOAD_END_HOUR)
        load_hours = _window_hours(t, LOAD_START_HOUR, LOAD_END_HOUR) - _window_hours(
            SEED_EPOCH, LOAD_START_HOUR, LOAD_END_HOUR
        )
        out[METER_POWER] = load
        out[METER_ENERGY] = counter(METER_ENERGY, LOAD_PEAK_KW * scale * load_hours)
        if load >= 0.005:
            power_factor = 0.93 + 0.02 * wobble(METER_POWER_FACTOR)
            out[METER_POWER_FACTOR] = power_factor
            volts_ll = out[METER_VOLTS_LL]
            out[METER_AMPS] = load * 1000.0 / (math.sqrt(3) * volts_ll * power_factor)
        else:
            out[METER_POWER_FACTOR] = 0.0
            out[METER_AMPS] = 0.0

        out[SHED_TABLE] = float(seed[SHED_TABLE]) * (1 + 0.05 * wobble(SHED_TABLE))
        return {sid: value for sid, value in out.items() if sid in seed}


def like_seed(value: Any, seed_value: Any) -> Any:
    """Give a modelled value the JSON type of its seed value (int stays int, float 2 decimals)."""
    if isinstance(seed_value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(seed_value, int):
        return round(value)
    if isinstance(seed_value, float):
        rounded = round(float(value), 2)
        return 0.0 if rounded == 0 else rounded  # no "-0.0"
    return value
