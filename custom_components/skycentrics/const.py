"""Constants of the SkyCentrics integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "skycentrics"
LOGGER = logging.getLogger(__package__)

MANUFACTURER: Final = "SkyCentrics"

DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=60)
MIN_SCAN_INTERVAL_SECONDS: Final = 30
MAX_SCAN_INTERVAL_SECONDS: Final = 3600
# A device that cannot be read at set-up is tried again after one poll interval, then after
# twice as long each time, up to this.
MAX_DEVICE_RETRY: Final = timedelta(minutes=30)

# The account's device list (devices.py): read at set-up and every DEVICE_LIST_INTERVAL (one
# request). A device that appears joins an entry made with every listed device, and is offered
# (a discovery) to an entry of chosen devices. A device of the entry that the list no longer
# holds leaves at once if the API answers 404 for it, else once every list read for
# DEVICE_GONE_AFTER has missed it. A list that cannot be read, or is empty, changes nothing.
DEVICE_LIST_INTERVAL: Final = timedelta(hours=6)
DEVICE_GONE_AFTER: Final = timedelta(hours=24)
# Entry data: whether the user took every device the list offered, the listed devices the user
# left out (never offered), and when each of the entry's devices was first missing from the list
# (ISO). An entry made by an older version has neither: its first list read sets them (chosen
# devices; the others it lists are taken for left out).
DATA_ALL_DEVICES: Final = "all_devices"
DATA_NOT_CHOSEN: Final = "not_chosen"
DATA_MISSING_SINCE: Final = "missing_since"

# A 429's Retry-After is honoured within [poll interval, MAX_RETRY_AFTER]; a missing or unusable
# one (not a finite number of seconds from 0 to a day) means: wait one poll interval.
MAX_RETRY_AFTER: Final = timedelta(hours=1)
MAX_USABLE_RETRY_AFTER: Final = timedelta(days=1)

# Lifetime energy counters (the descriptions' counter flag): how far one may rise between two
# accepted readings (counters.py's rule, for the live entity and the hourly statistics alike).
#   allowed rise (kWh) = max(COUNTER_MIN_RISE_KWH, rate (kW) x hours)
#   rate  = max(COUNTER_MIN_RATE_KW, COUNTER_POWER_FACTOR x the largest |power| (kW) any power
#           reading of the device reported since set-up);
#           COUNTER_NO_POWER_RATE_KW when the device never reported a power reading
#   hours = reading time of this reading - reading time of the last accepted one, at least one
#           poll interval
# A rise beyond that, a drop, or a 0 after a non-zero value is not shown: the entity keeps its
# last accepted value. As time passes the allowance grows, so a real jump is shown late, not never.
COUNTER_POWER_FACTOR: Final = 10.0
COUNTER_MIN_RATE_KW: Final = 10.0
COUNTER_NO_POWER_RATE_KW: Final = 1000.0
COUNTER_MIN_RISE_KWH: Final = 1.0

# Word-swapped lifetime counters (counters.py, repairs.py). Options: the counters ("<device id>_
# <key>") decoded with their two 16-bit words swapped, and those kept as reported by a
# choice (the others: as reported, no choice made yet).
CONF_SWAPPED_COUNTERS: Final = "swapped_counters"
CONF_REPORTED_COUNTERS: Final = "reported_counters"
# Entry data: the decoded counters the statistics are in (the choice last applied); a counter
# whose choice differs from it has its statistic imported again.
DATA_APPLIED_SWAPPED: Final = "applied_swapped_counters"

# Hourly statistics (statistics.py), from the cloud's history.
CONF_HISTORY_DAYS: Final = "history_days"
# Entry data: each device's history start (the first hour of its statistics), by device id;
# the readings ("<device id>_<key>") whose statistic keeps the id 0.2.0 gave it.
DATA_HISTORY_START: Final = "history_start"
DATA_KEPT_STATISTIC_IDS: Final = "kept_statistic_ids"
# Entry data: counters ("<device id>_<key>") whose statistic is imported again from the device's
# history start at the next set-up (energy_preferences.py moved their start back).
DATA_REIMPORT: Final = "reimport_counters"
DEFAULT_HISTORY_DAYS: Final = 7  # days of history imported when the statistics are created
MAX_HISTORY_DAYS: Final = 365  # the option's maximum, and the longest catch-up after an outage
HISTORY_PAUSE: Final = timedelta(seconds=5)  # between two history requests of one device
# An hour is asked from the history once it ended this long ago (the cloud has all of it).
HISTORY_SETTLE: Final = timedelta(minutes=5)
# After a failed history request, the next try waits this long (a 429 waits its Retry-After).
HISTORY_RETRY: Final = timedelta(minutes=10)
# A range the cloud refuses (an error answer, not a lost connection) this many times in a row is
# imported without readings: its energy is counted in the first hour with readings after it.
HISTORY_ATTEMPTS: Final = 5

# Demand response (services.py, button.py): how long the buttons' shed and load-up last.
CONF_COMMAND_DURATION: Final = "command_duration"
DEFAULT_COMMAND_DURATION_MINUTES: Final = 60
MIN_COMMAND_DURATION_MINUTES: Final = 1
MAX_COMMAND_DURATION_MINUTES: Final = 1440  # a day: the API's longest event or shed
