"""The opt-in fleet (`Simulator(fleet=True)`, `--fleet`): devices other than the Super SkyBox.

Every payload is a pure function of the reading's Unix time, of the demand-response commands
the device was given (`Command`) and of the settings it took (`settings.Change`), so `/data` and
history agree, and a test can ask for the value at any instant. Shapes follow SkyCentrics' public
PHP SDK (`WaterHeaterData`, `ChargerData`, `CTThermostatData`, `SkySnapData`); the values are
made up but plausible.

- Water heater (type 107, AO Smith heat pump): a tank of `TANK_WH` that hot-water draws empty at
  `DRAW_W`; the heat pump (`ELECTRIC_W` from the grid, `HEAT_W` into the water) starts when the
  tank can take `START_WH` and stops when it is full. `commodities` 0 (electricity consumed: W,
  lifetime Wh), 6 (total storage capacity: `TANK_WH`) and 7 (present storage capacity: what the
  tank can take now, falling as it heats); `commodity` is the code-0 entry again (the SDK shows
  both). The water temperature follows the stored energy.
- EV charger (type 110, ClipperCreek): plugged in every day from 18:00 to 07:00 local time
  (UTC-8, as `model`); charges `SESSION_WH` at `CHARGE_W`, then waits (state idle).
- Thermostat (type 242, Radio Thermostat CT80): a room that drifts with the day (`ambient`)
  unless the mode holds it: heat keeps it at the heat setpoint at least, cool at the cool
  setpoint at most; it moves toward that at `ROOM_RATE_F_PER_S`. Settings (written codes ->
  readings, as the Radio Thermostat API has them: inferred): ``temp_setpoint`` -> ``setpoint``
  [heat, cool]; ``thermostat_mode`` 0 off / 3 cool / 4 heat / 8 fan -> ``thermostat.mode`` 0 /
  2 / 1 / 0 (fan: ``fan.mode`` 2); ``fan_mode`` 0 auto / 3 low / 5 high -> ``fan.mode`` 0 auto
  / 2 on (low and high read alike: nothing public tells them apart in a reading);
  ``hold_mode`` -> ``thermostat.hold`` 0/1 (no schedule to hold against: no other effect).
  ``thermostat.state`` 1 heating / 2 cooling / 0 idle; ``fan.state`` 1 while it heats, cools or
  the fan is on. Before any setting: cool, 68/76 F, fan auto, no hold. No demand response.
- Plug (type 3, SkyPlug): CTA-2045-style ``relay``, ``power``, ``power_level`` and commodity 0;
  a `PLUG_W` load at level 100, n % of it at level n, nothing with the relay open. ``relay``
  ``{"d": 0 | 1}`` switches it; ``power_level`` and ``dimmer`` ``{"d": n}`` both set its one
  level (the SDK's plug data has one such field). Takes demand-response commands without effect.
- Super SkyBox (type 250): the guide's 60 sensors plus `CT_CHANNELS` filled `ct` channels.

Demand response (water heater, EV charger): a shed, CPE or GE makes ``state`` 2 (running
curtailed) with the relay open (power 0, no heating or charging); LU makes ``state`` 3 (running
heightened): the water heater heats until full, then keeps it full; the charger charges as
usual. A command lasts its duration; a new command replaces the one in force; ``load_shed``
``{"s": 0}`` ends the one in force at once. The device reports at once when a command starts or
ends (`report_time`), as well as on the usual minute grid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
import itertools
import math
from typing import Any, Literal

from .model import DAY, SOLAR_UTC_OFFSET, _jitter, _window_shape
from .seed import SEED_EPOCH
from .settings import Change, in_force

type CommandKind = Literal["shed", "LU", "CPE", "GE"]

CURTAILING: frozenset[str] = frozenset({"shed", "CPE", "GE"})
"""Commands that curtail the load (state 2, relay open)."""

STATE_IDLE_NORMAL = 0
STATE_RUNNING_NORMAL = 1
STATE_RUNNING_CURTAILED = 2
STATE_RUNNING_HEIGHTENED = 3


@dataclass(slots=True)
class Command:
    """A demand-response command in force from ``start`` until ``end`` (Unix seconds; None:
    until ended by another command or ``{"s": 0}``)."""

    kind: CommandKind
    start: int
    end: int | None

    def active(self, t: float) -> bool:
        """Whether the command is in force at ``t``."""
        return self.start <= t and (self.end is None or t < self.end)


def command_at(commands: Sequence[Command], t: float) -> Command | None:
    """The command in force at ``t`` (the latest one started), or None."""
    for command in reversed(commands):
        if command.active(t):
            return command
    return None


def report_time(moments: Iterable[int | None], grid_time: int, now: float) -> int:
    """The time of the latest report at ``now``: the grid's, or a moment since when the device
    reported at once (a command's start or end, a setting's change)."""
    latest = grid_time
    for moment in moments:
        if moment is not None and latest < moment <= now:
            latest = moment
    return latest


def _segments(
    commands: Sequence[Command], begin: float, end: float
) -> list[tuple[float, float, str | None]]:
    """[begin, end) cut at every command boundary: (start, stop, kind in force or None)."""
    cuts = {begin, end}
    for command in commands:
        for moment in (command.start, command.end):
            if moment is not None and begin < moment < end:
                cuts.add(moment)
    points = sorted(cuts)
    out: list[tuple[float, float, str | None]] = []
    for a, b in itertools.pairwise(points):
        in_force = command_at(commands, a)
        out.append((a, b, in_force.kind if in_force is not None else None))
    return out


# --- water heater ----------------------------------------------------------------------------

TANK_WH = 4800.0
"""Energy the tank takes from cold to its setpoint (CTA-2045 commodity 6)."""
START_WH = 1700.0
"""The heat pump starts when the tank can take this much (the water has cooled by about 14 F)."""
DRAW_W = 300.0
"""Mean hot-water use, as thermal power drawn from the tank (7.2 kWh a day)."""
HEAT_W = 3000.0
"""Thermal power the heat pump puts into the water."""
ELECTRIC_W = 1000.0
"""Electric power of the heat pump (the CTA-2045 ``power`` and commodity 0's instantaneous)."""
ENERGY_AT_SEED_WH = 2_345_678.0
"""Commodity 0's lifetime counter at the seed's reading time."""
SETPOINT_F = 125
SPAN_F = 40.0
"""Water temperature: the setpoint when full, SPAN_F below it when the tank can take TANK_WH."""

_IDLE_S = START_WH / DRAW_W * 3600.0
_HEATING_S = START_WH / (HEAT_W - DRAW_W) * 3600.0
_CYCLE_S = _IDLE_S + _HEATING_S
_CYCLE_WH = ELECTRIC_W * _HEATING_S / 3600.0


@dataclass(slots=True)
class TankState:
    """What the tank can take (Wh), whether it heats, and the electricity used so far (Wh)."""

    deficit: float
    heating: bool
    energy: float


def _tank_baseline(t: float) -> TankState:
    """The tank with no command ever: one cycle every `_CYCLE_S`, full at the seed time."""
    cycles, phase = divmod(t - SEED_EPOCH, _CYCLE_S)
    if phase < _IDLE_S:
        state = TankState(DRAW_W * phase / 3600.0, False, 0.0)
    else:
        heat = phase - _IDLE_S
        state = TankState(START_WH - (HEAT_W - DRAW_W) * heat / 3600.0, True, 0.0)
        state.energy = ELECTRIC_W * heat / 3600.0
    state.energy += ENERGY_AT_SEED_WH + cycles * _CYCLE_WH
    return state


def _tank_normal(state: TankState, seconds: float) -> None:
    """Run the thermostat for ``seconds`` from ``state`` (in place)."""
    while seconds > 0:
        if state.heating:
            to_full = state.deficit / (HEAT_W - DRAW_W) * 3600.0
            step = min(seconds, to_full)
            state.deficit -= (HEAT_W - DRAW_W) * step / 3600.0
            state.energy += ELECTRIC_W * step / 3600.0
            if step >= to_full:
                state.deficit, state.heating = 0.0, False
        else:
            if state.deficit >= START_WH:
                state.heating = True
                continue
            to_start = (START_WH - state.deficit) / DRAW_W * 3600.0
            step = min(seconds, to_start)
            state.deficit += DRAW_W * step / 3600.0
            if step >= to_start:
                state.deficit, state.heating = START_WH, True
        seconds -= step
        if seconds > _CYCLE_S and state.deficit == 0.0 and not state.heating:
            whole = seconds // _CYCLE_S  # a whole number of cycles at once
            state.energy += whole * _CYCLE_WH
            seconds -= whole * _CYCLE_S


def _tank_command(state: TankState, kind: str, seconds: float) -> None:
    """``seconds`` under a command (in place): curtailed, nothing heats; LU heats until full,
    then keeps the tank full (heating as much as is drawn)."""
    if kind in CURTAILING:
        state.deficit = min(TANK_WH, state.deficit + DRAW_W * seconds / 3600.0)
        return
    to_full = state.deficit / (HEAT_W - DRAW_W) * 3600.0
    step = min(seconds, to_full)
    state.deficit -= (HEAT_W - DRAW_W) * step / 3600.0
    state.energy += ELECTRIC_W * step / 3600.0
    if seconds > to_full:
        state.deficit = 0.0
        state.energy += ELECTRIC_W * DRAW_W / HEAT_W * (seconds - to_full) / 3600.0
    state.heating = False  # after LU the thermostat starts afresh


def tank_state(commands: Sequence[Command], t: float) -> TankState:
    """The tank at ``t``, commands included."""
    first = min((c.start for c in commands), default=None)
    if first is None or t <= first:
        return _tank_baseline(t)
    state = _tank_baseline(first)
    for a, b, kind in _segments(commands, first, t):
        if kind is None:
            _tank_normal(state, b - a)
        else:
            _tank_command(state, kind, b - a)
    return state


def water_heater_payload(device_id: int, t: int, commands: Sequence[Command]) -> dict[str, Any]:
    """The `/data` of the water heater for a reading at ``t``, without ``time``."""
    state = tank_state(commands, t)
    command = command_at(commands, t)
    kind = command.kind if command is not None else None
    if kind in CURTAILING:
        relay, power, code = 0, 0.0, STATE_RUNNING_CURTAILED
    elif kind == "LU":
        power = ELECTRIC_W if state.deficit > 0 else ELECTRIC_W * DRAW_W / HEAT_W
        relay, code = 1, STATE_RUNNING_HEIGHTENED
    elif state.heating:
        relay, power, code = 1, ELECTRIC_W, STATE_RUNNING_NORMAL
    else:
        relay, power, code = 0, 0.0, STATE_IDLE_NORMAL
    consumed = _commodity(0, "Electricity Consumed", round(power), round(max(0.0, state.energy)))
    return {
        "device": device_id,
        "relay": relay,
        "override": 0,
        "power": round(power, 1),
        "state": code,
        "hold_mode": {"data": 0},
        "setpoint": {"data": [SETPOINT_F, SETPOINT_F], "units": "F"},
        "offset": {"data": 0, "units": "F"},
        "temperature": {
            "data": [round(SETPOINT_F - SPAN_F * state.deficit / TANK_WH)],
            "device": 0,
            "units": "F",
        },
        "commodity": consumed,
        "commodities": [
            consumed,
            _commodity(6, "Total Energy Storage/Take Capacity", 0, round(TANK_WH)),
            _commodity(7, "Present Energy Storage/Take Capacity", 0, round(state.deficit)),
        ],
    }


def _commodity(code: int, name: str, instantaneous: int, cumulative: int) -> dict[str, Any]:
    return {
        "code": code,
        "cumulative": cumulative,
        "estimated": 0,
        "instantaneous": instantaneous,
        "name": name,
        "units": "W & W-hr",
    }


# --- EV charger ------------------------------------------------------------------------------

PLUG_IN_HOUR = 18.0
"""Local (UTC-8) hour the car is plugged in; it leaves `PLUGGED_S` later."""
PLUGGED_S = 13 * 3600.0
SESSION_WH = 16_000.0
"""Energy a session needs."""
CHARGE_W = 7_200.0
"""Charging power (30 A at 240 V)."""
CHARGER_AT_SEED_WH = 5_432_100.0
"""Commodity 0's lifetime counter at the seed's reading time."""


def _session(t: float) -> tuple[int, float]:
    """The index of the session started last before ``t`` and the seconds since its start."""
    local = t + SOLAR_UTC_OFFSET - PLUG_IN_HOUR * 3600.0
    index = math.floor(local / DAY)
    return index, local - index * DAY


def _session_start(index: int) -> float:
    return index * DAY + PLUG_IN_HOUR * 3600.0 - SOLAR_UTC_OFFSET


def _delivered(commands: Sequence[Command], index: int, until: float) -> float:
    """Energy session ``index`` delivered from its start until ``until`` (at most its end)."""
    start = _session_start(index)
    stop = min(until, start + PLUGGED_S)
    delivered = 0.0
    for a, b, kind in _segments(commands, start, stop) if stop > start else []:
        if kind not in CURTAILING:
            delivered = min(SESSION_WH, delivered + CHARGE_W * (b - a) / 3600.0)
    return delivered


def _undisturbed(since: float) -> float:
    """Energy a session without commands delivered ``since`` seconds after its start."""
    return min(SESSION_WH, CHARGE_W * min(since, PLUGGED_S) / 3600.0)


def charger_energy(commands: Sequence[Command], t: float) -> tuple[float, float, float]:
    """(lifetime Wh, Wh delivered in the current session, seconds since it started) at ``t``.

    Every session delivers `SESSION_WH` unless a command cut it short: the lifetime counter is
    the seed's value, plus a full session per session since the seed's, less what commands cut
    from earlier sessions, with the current session's actual delivery.
    """
    index, since = _session(t)
    anchor, at_seed = _session(SEED_EPOCH)
    energy = CHARGER_AT_SEED_WH + (index - anchor) * SESSION_WH - _undisturbed(at_seed)
    cut: set[int] = set()
    for command in commands:
        last = min(t, command.end if command.end is not None else t)
        cut.update(range(_session(command.start)[0], _session(last)[0] + 1))
    for session in cut:
        if session < index:
            energy -= SESSION_WH - _delivered(commands, session, math.inf)
    delivered = _delivered(commands, index, t)
    return max(0.0, energy + delivered), delivered, since


def charger_payload(device_id: int, t: int, commands: Sequence[Command]) -> dict[str, Any]:
    """The `/data` of the EV charger for a reading at ``t``, without ``time``."""
    energy, delivered, since = charger_energy(commands, t)
    command = command_at(commands, t)
    kind = command.kind if command is not None else None
    charging = since < PLUGGED_S and delivered < SESSION_WH
    if kind in CURTAILING:
        relay, power, code = 0, 0, STATE_RUNNING_CURTAILED
    elif charging:
        relay, power = 1, round(CHARGE_W)
        code = STATE_RUNNING_HEIGHTENED if kind == "LU" else STATE_RUNNING_NORMAL
    else:
        relay, power = 0, 0
        code = STATE_RUNNING_HEIGHTENED if kind == "LU" else STATE_IDLE_NORMAL
    consumed = _commodity(0, "Electricity Consumed", power, round(energy))
    return {
        "device": device_id,
        "relay": relay,
        "override": 0,
        "state": code,
        "commodity": consumed,
        "commodities": [consumed],
    }


# --- thermostat ------------------------------------------------------------------------------

HEAT_SETPOINT_F = 68
COOL_SETPOINT_F = 76
ROOM_RATE_F_PER_S = 4.0 / 3600.0
"""How fast the room moves toward what the mode makes of it (heating, cooling or drifting)."""

MODE_OFF, MODE_COOL, MODE_HEAT, MODE_FAN = 0, 3, 4, 8
"""``thermostat_mode`` as written."""
FAN_AUTO = 0

THERMOSTAT_DEFAULTS: dict[str, Any] = {
    "temp_setpoint": (HEAT_SETPOINT_F, COOL_SETPOINT_F),
    "thermostat_mode": MODE_COOL,
    "fan_mode": FAN_AUTO,
    "hold_mode": 0,
}
"""The thermostat's settings before any change."""

_READ_MODE = {MODE_OFF: 0, MODE_COOL: 2, MODE_HEAT: 1, MODE_FAN: 0}
"""Written mode -> ``thermostat.mode`` as read (0 off, 1 heat, 2 cool; fan reads off)."""


def ambient(t: float) -> float:
    """What the room drifts to with no heating or cooling: warm afternoons, cool nights."""
    hour = ((t + SOLAR_UTC_OFFSET) % DAY) / 3600.0
    return 75.0 + 3.0 * math.sin(2 * math.pi * (hour - 9.0) / 24.0)


def _target(settings: Mapping[str, Any], t: float) -> float:
    """Where the mode takes the room at ``t``: the heat setpoint at least (heat), the cool
    setpoint at most (cool), else the ambient."""
    heat: int
    cool: int
    heat, cool = settings["temp_setpoint"]
    mode = settings["thermostat_mode"]
    if mode == MODE_HEAT:
        return max(ambient(t), heat)
    if mode == MODE_COOL:
        return min(ambient(t), cool)
    return ambient(t)


def room_temperature(changes: Sequence[Change], t: float) -> float:
    """The room at ``t``: it moves toward `_target` at `ROOM_RATE_F_PER_S` and then follows it
    (the ambient moves slower than that rate). Before the first change, at the target of the
    default settings (cooling to 76 F on warm afternoons)."""
    first = changes[0].time if changes else None
    if first is None or t <= first:
        return _target(THERMOSTAT_DEFAULTS, t)
    room = _target(THERMOSTAT_DEFAULTS, first)
    cuts = sorted({c.time for c in changes if first < c.time < t} | {first, t})
    for a, b in itertools.pairwise(cuts):
        settings = in_force(changes, a, THERMOSTAT_DEFAULTS)
        gap = _target(settings, a) - room
        ramp = room + math.copysign(ROOM_RATE_F_PER_S * (b - a), gap)
        end = _target(settings, b)
        room = end if gap == 0 or math.copysign(1.0, gap) * (end - ramp) <= 0 else ramp
    return room


def thermostat_payload(device_id: int, t: int, changes: Sequence[Change]) -> dict[str, Any]:
    """The `/data` of the Radio Thermostat CT80 for a reading at ``t``, without ``time``."""
    settings = in_force(changes, t, THERMOSTAT_DEFAULTS)
    heat, cool = settings["temp_setpoint"]
    mode = settings["thermostat_mode"]
    room = room_temperature(changes, t)
    state = 0
    if mode == MODE_HEAT and room <= heat + 1e-6:
        state = 1
    elif mode == MODE_COOL and room >= cool - 1e-6:
        state = 2
    fan_on = mode == MODE_FAN or settings["fan_mode"] != FAN_AUTO
    measured = round((room + 0.3 * _jitter("room", t)) * 2) / 2  # to half a degree
    return {
        "device": device_id,
        "temperature": {"data": [measured], "units": "F"},
        "thermostat": {"mode": _READ_MODE[mode], "state": state, "hold": settings["hold_mode"]},
        "fan": {"mode": 2 if fan_on else 0, "state": 1 if fan_on or state else 0},
        "humidity": {"data": [round(48 + 6 * _jitter("humidity", t))], "units": "%"},
        "setpoint": {"data": [heat, cool], "units": "F"},
    }


# --- plug ------------------------------------------------------------------------------------

PLUG_W = 120.0
"""The plug's load at power level 100 (a fan, say); at level n it draws n % of it."""
PLUG_AT_SEED_WH = 876_543.0
"""Commodity 0's lifetime counter at the seed's reading time."""

PLUG_DEFAULTS: dict[str, Any] = {"relay": 1, "power_level": 100}


def _plug_watts(settings: Mapping[str, Any]) -> float:
    return PLUG_W * settings["power_level"] / 100.0 if settings["relay"] else 0.0


def plug_energy(changes: Sequence[Change], t: float) -> float:
    """The plug's lifetime counter (Wh) at ``t``: what it drew since the seed's reading time."""
    first = changes[0].time if changes else None
    if first is None or t <= first:
        return max(0.0, PLUG_AT_SEED_WH + _plug_watts(PLUG_DEFAULTS) * (t - SEED_EPOCH) / 3600)
    energy = plug_energy((), first)
    cuts = sorted({c.time for c in changes if first < c.time < t} | {first, t})
    for a, b in itertools.pairwise(cuts):
        energy += _plug_watts(in_force(changes, a, PLUG_DEFAULTS)) * (b - a) / 3600.0
    return energy


def plug_payload(device_id: int, t: int, changes: Sequence[Change]) -> dict[str, Any]:
    """The `/data` of the SkyPlug for a reading at ``t``, without ``time``."""
    settings = in_force(changes, t, PLUG_DEFAULTS)
    watts = _plug_watts(settings)
    consumed = _commodity(0, "Electricity Consumed", round(watts), round(plug_energy(changes, t)))
    return {
        "device": device_id,
        "relay": settings["relay"],
        "power": round(watts, 1),
        "power_level": settings["power_level"],
        "commodity": consumed,
        "commodities": [consumed],
    }


# --- CT channels of the second Super SkyBox ----------------------------------------------------

CT_CHANNELS: tuple[tuple[int, int, float, float], ...] = (
    # (id, rating A, base load W, daytime load W)
    (1, 200, 900.0, 5200.0),
    (2, 200, 700.0, 4300.0),
    (3, 100, 150.0, 2400.0),
    (4, 50, 60.0, 800.0),
)


def ct_channels(t: int) -> list[dict[str, Any]]:
    """The filled ``ct`` list at ``t``: loads that follow the working day, 120 V circuits."""
    day = _window_shape(t, 6.0, 22.0)
    channels = []
    for ct_id, rating, base, peak in CT_CHANNELS:
        real = base + peak * day + 40.0 * _jitter(f"ct{ct_id}", t)
        factor = 0.95 + 0.03 * _jitter(f"pf{ct_id}", t)
        volts = 120.0 * (1 + 0.01 * _jitter(f"v{ct_id}", t))
        apparent = real / factor
        channels.append(
            {
                "current": round(apparent / volts, 2),
                "id": ct_id,
                "power": {"apparent": round(apparent, 1), "real": round(real, 1)},
                "power_factor": round(factor, 3),
                "rating": rating,
                "voltage": round(volts, 1),
            }
        )
    return channels
