"""SkyCentrics cloud API client. No Home Assistant here."""

from .client import (
    DEFAULT_URL,
    HISTORY_SPAN,
    MAX_CONTROL_DURATION,
    MIN_CONTROL_DURATION,
    DemandResponseEvent,
    SkyCentricsClient,
    normalize_url,
)
from .decode import json_safe
from .device_types import CTA2045_TYPES, DEVICE_MODELS
from .exceptions import (
    SkyCentricsAuthenticationError,
    SkyCentricsConnectionError,
    SkyCentricsControlRefusedError,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    SkyCentricsResponseError,
    SkyCentricsTimeoutError,
    SkyCentricsUrlError,
)
from .families import Cta2045, CtChannel, Measure, Thermostat
from .history import History
from .models import Device, Snapshot
from .readings import Column, Reading, ReadingValue

__all__ = [
    "CTA2045_TYPES",
    "DEFAULT_URL",
    "DEVICE_MODELS",
    "HISTORY_SPAN",
    "MAX_CONTROL_DURATION",
    "MIN_CONTROL_DURATION",
    "Column",
    "CtChannel",
    "Cta2045",
    "DemandResponseEvent",
    "Device",
    "History",
    "Measure",
    "Reading",
    "ReadingValue",
    "SkyCentricsAuthenticationError",
    "SkyCentricsClient",
    "SkyCentricsConnectionError",
    "SkyCentricsControlRefusedError",
    "SkyCentricsError",
    "SkyCentricsNotFoundError",
    "SkyCentricsRateLimitError",
    "SkyCentricsResponseError",
    "SkyCentricsTimeoutError",
    "SkyCentricsUrlError",
    "Snapshot",
    "Thermostat",
    "json_safe",
    "normalize_url",
]
