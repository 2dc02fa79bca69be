"""Constants of the SkyCentrics integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "skycentrics"
LOGGER = logging.getLogger(__package__)

MANUFACTURER: Final = "SkyCentrics"

CONF_DEVICE_ID: Final = "device_id"

DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=60)
MIN_SCAN_INTERVAL_SECONDS: Final = 30
MAX_SCAN_INTERVAL_SECONDS: Final = 3600

# Device types known from the API (the device object's "type").
MODEL_BY_TYPE: Final[dict[int, str]] = {250: "Super SkyBox"}

# A 429's Retry-After is honoured within [poll interval, MAX_RETRY_AFTER]; a missing or unusable
# one (not a finite number of seconds from 0 to a day) means: wait one poll interval.
MAX_RETRY_AFTER: Final = timedelta(hours=1)
MAX_USABLE_RETRY_AFTER: Final = timedelta(days=1)

# Lifetime energy counters (the classification's counter flag): how far one may rise between two
# accepted readings (counter.py applies the rule).
#   allowed rise (kWh) = max(COUNTER_MIN_RISE_KWH, rate (kW) x hours)
#   rate  = max(COUNTER_MIN_RATE_KW, COUNTER_POWER_FACTOR x the largest |power| (kW) any power
#           reading (unit W or kW) of the device reported since set-up);
#           COUNTER_NO_POWER_RATE_KW when the device never reported a power reading
#   hours = reading time of this reading - reading time of the last accepted one, at least one
#           poll interval
# A rise beyond that, a drop, or a 0 after a non-zero value is not shown: the entity keeps its
# last accepted value. As time passes the allowance grows, so a real jump is shown late, not never.
COUNTER_POWER_FACTOR: Final = 10.0
COUNTER_MIN_RATE_KW: Final = 10.0
COUNTER_NO_POWER_RATE_KW: Final = 1000.0
COUNTER_MIN_RISE_KWH: Final = 1.0
