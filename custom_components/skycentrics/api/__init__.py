"""SkyCentrics cloud API client: signing, HTTP, typed models, errors. No Home Assistant here."""

from .client import DEFAULT_URL, HISTORY_SPAN, SkyCentricsClient, is_loopback, normalize_url
from .device_types import CTA2045_OPERATIONAL_STATES, CTA2045_TYPES, DEVICE_MODELS
from .exceptions import (
    SkyCentricsAuthenticationError,
    SkyCentricsConnectionError,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    SkyCentricsResponseError,
    SkyCentricsTimeoutError,
    SkyCentricsUrlError,
)
from .models import (
    COMMODITY_READINGS,
    CT_PREFIX,
    CTA2045_PREFIX,
    THERMOSTAT_PREFIX,
    Device,
    Reading,
    ReadingValue,
    Snapshot,
    json_safe,
    parse_devices,
)

__all__ = [
    "COMMODITY_READINGS",
    "CTA2045_OPERATIONAL_STATES",
    "CTA2045_PREFIX",
    "CTA2045_TYPES",
    "CT_PREFIX",
    "DEFAULT_URL",
    "DEVICE_MODELS",
    "HISTORY_SPAN",
    "THERMOSTAT_PREFIX",
    "Device",
    "Reading",
    "ReadingValue",
    "SkyCentricsAuthenticationError",
    "SkyCentricsClient",
    "SkyCentricsConnectionError",
    "SkyCentricsError",
    "SkyCentricsNotFoundError",
    "SkyCentricsRateLimitError",
    "SkyCentricsResponseError",
    "SkyCentricsTimeoutError",
    "SkyCentricsUrlError",
    "Snapshot",
    "is_loopback",
    "json_safe",
    "normalize_url",
    "parse_devices",
]
