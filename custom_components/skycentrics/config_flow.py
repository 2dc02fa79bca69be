"""Config flow: API keys and URL, the devices to add, reauth, reconfigure and options.

Every field is checked before any request (`_check_fields`, `_parse_device_ids`), every request's
failure becomes the form's errors in one place (`_async_request`), and a device that another
entry of this integration holds is never offered nor added twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
import math
import re
from typing import Any, Final
from urllib.parse import urlsplit

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICE_ID,
    CONF_DEVICES,
    CONF_SCAN_INTERVAL,
    CONF_URL,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from .api import (
    DEFAULT_URL,
    Device,
    SkyCentricsAuthenticationError,
    SkyCentricsClient,
    SkyCentricsConnectionError,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    SkyCentricsUrlError,
    normalize_url,
)
from .const import (
    CONF_COMMAND_DURATION,
    CONF_HISTORY_DAYS,
    DEFAULT_COMMAND_DURATION_MINUTES,
    DEFAULT_HISTORY_DAYS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_COMMAND_DURATION_MINUTES,
    MAX_HISTORY_DAYS,
    MAX_SCAN_INTERVAL_SECONDS,
    MIN_COMMAND_DURATION_MINUTES,
    MIN_SCAN_INTERVAL_SECONDS,
)
from .coordinator import SkyCentricsConfigEntry
from .repairs import counter_options_data, counter_options_schema

MAX_KEY_LENGTH: Final = 512
"""Longest client id accepted (real ones have 20 to 40 characters)."""

MAX_SECRET_BYTES: Final = 4096
"""Longest secret accepted, in UTF-8 bytes (the bytes it is signed with)."""

# Control characters (C0, DEL, C1) and lone surrogates (no UTF-8 holds them).
_NOT_IN_SECRET: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

MAX_URL_LENGTH: Final = 2048

MAX_DEVICE_ID: Final = 2**63 - 1
"""Device ids are int64, as the API's device objects hold them (api/models.py)."""

_DEVICE_ID: Final = re.compile(r"[0-9]{1,19}")  # ASCII digits: str.isdigit() also takes "①"
_ID_SPLIT: Final = re.compile(r"[\s,;]+")
_API_PATH: Final = "/api"  # pasted with the address; the client adds it to every request

_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))

USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_CLIENT_ID): TextSelector(),
        vol.Required(CONF_CLIENT_SECRET): _SECRET,
        vol.Required(CONF_URL, default=DEFAULT_URL): _URL,
    }
)
REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_CLIENT_SECRET): _SECRET})
RECONFIGURE_SCHEMA = vol.Schema({vol.Required(CONF_URL): _URL})
# The URL too, so that a wrong one can be corrected here (left out: the one of the first step).
DEVICE_ID_SCHEMA = vol.Schema(
    {vol.Required(CONF_DEVICE_ID): TextSelector(), vol.Optional(CONF_URL): _URL}
)


class _FieldError(ValueError):
    """A form field that cannot be used; the message is its error key."""


def _clean_key(value: object, error: str, forbidden: str = "") -> str:
    """A client id, stripped: 1 to MAX_KEY_LENGTH printable ASCII characters, none of
    ``forbidden``. No control character, CR or LF: the client id goes into a header."""
    text = value.strip() if isinstance(value, str) else ""
    usable = 0 < len(text) <= MAX_KEY_LENGTH and text.isascii() and text.isprintable()
    if not usable or any(char in text for char in forbidden):
        raise _FieldError(error)
    return text


def _clean_secret(value: object) -> str:
    """A client secret, stripped: any text of 1 to MAX_SECRET_BYTES bytes in UTF-8 without
    control characters (it is only signed, as UTF-8, as scripts/create_api_token.py does)."""
    text = value.strip() if isinstance(value, str) else ""
    if _NOT_IN_SECRET.search(text) or not 0 < len(text.encode()) <= MAX_SECRET_BYTES:
        raise _FieldError("invalid_client_secret")
    return text


def _clean_url(value: object) -> str:
    """The API base URL, without a path: a trailing ``/api`` (the endpoint users paste) is
    dropped, any other path is refused.

    What normalize_url takes (https, or http to a loopback host; no user name, query or
    fragment), without control characters or spaces, with a valid port. Whatever the URL
    parsers raise (a malformed IPv6 address, a port out of range) makes it unusable too.
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_URL_LENGTH or not text.isprintable() or " " in text:
        raise _FieldError("invalid_url")
    try:
        url = normalize_url(text)
        parts = urlsplit(url)
        _ = parts.port  # ValueError when it is no number from 0 to 65535
    except Exception as err:  # any exception of the parsers: a URL they cannot use
        raise _FieldError("invalid_url") from err
    if parts.path.lower() == _API_PATH:
        return url[: -len(_API_PATH)]
    if parts.path:
        raise _FieldError("url_has_path")
    return url


_CLEANERS: Final[dict[str, Callable[[object], str]]] = {
    # No space or colon in a client id: the API's token is ``CLIENT_ID:SIGNATURE``.
    CONF_CLIENT_ID: partial(_clean_key, error="invalid_client_id", forbidden=" :"),
    CONF_CLIENT_SECRET: _clean_secret,
    CONF_URL: _clean_url,
}


def _check_fields(user_input: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The client id, secret and URL found in ``user_input``, cleaned; and the error of each
    one that is unusable. Other keys (an entry's devices) are left out."""
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field, cleaner in _CLEANERS.items():
        if field not in user_input:
            continue
        try:
            clean[field] = cleaner(user_input[field])
        except _FieldError as err:
            errors[field] = str(err)
    return clean, errors


def _parse_device_ids(value: object) -> list[int]:
    """Parse one or more device ids ("1592651608", "1, 2"); empty if any is not a device id.

    A device id is 1 to 19 ASCII digits, at most MAX_DEVICE_ID (int64).
    """
    text = value.strip() if isinstance(value, str) else ""
    parts = [part for part in _ID_SPLIT.split(text) if part]
    if not parts or not all(_DEVICE_ID.fullmatch(part) for part in parts):
        return []
    device_ids = [int(part) for part in parts]
    if any(device_id > MAX_DEVICE_ID for device_id in device_ids):
        return []
    return list(dict.fromkeys(device_ids))


def _device_ids_of(entry: ConfigEntry) -> set[int]:
    """The device ids an entry holds."""
    held: set[int] = set()
    for device_id in entry.data.get(CONF_DEVICES, []):
        try:
            held.add(int(device_id))
        except TypeError, ValueError:
            continue
    return held


async def _list_devices(client: SkyCentricsClient) -> list[Device] | None:
    """The devices the keys may read; None when the API gives no list: these keys may not list
    (403) or there is no list at this URL (404). The user types the device ids then."""
    try:
        return await client.async_get_devices()
    except SkyCentricsNotFoundError:
        return None
    except SkyCentricsAuthenticationError as err:
        if err.status != 403:
            raise
        return None


async def _get_device(client: SkyCentricsClient, device_id: int) -> Device | None:
    """The device ``device_id``; None when the API does not know it (404)."""
    try:
        return await client.async_get_device(device_id)
    except SkyCentricsNotFoundError:
        return None


class SkyCentricsConfigFlow(ConfigFlow, domain=DOMAIN):
    """Handle a config flow for SkyCentrics."""

    VERSION = 1
    MINOR_VERSION = 2  # 1.2: namespaced unique ids (async_migrate_entry in __init__.py)

    def __init__(self) -> None:
        """Start with no keys and no devices."""
        self._data: dict[str, str] = {}  # the clean client id, secret and URL
        self._devices: dict[int, Device] = {}  # the devices the devices step offers

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: SkyCentricsConfigEntry) -> SkyCentricsOptionsFlow:
        """Return the options flow."""
        return SkyCentricsOptionsFlow()

    # --- validation --------------------------------------------------------------------------

    async def _async_validate(
        self, user_input: Mapping[str, Any]
    ) -> tuple[list[Device] | None, dict[str, str]]:
        """Check the keys and the URL, then list the devices the keys may read.

        Shared by the user and reconfigure steps. Every field is checked before any request,
        and a new entry's client id must not be set up yet (else the flow aborts). Returns
        (devices, {}) when listed, (None, {}) when the API gives no list (the user types the
        ids), or (None, errors). The clean keys and URL are kept in ``_data``.
        """
        data, errors = _check_fields(user_input)
        if errors:
            return None, errors
        self._data = data
        if self.source == SOURCE_USER:
            client_id = data[CONF_CLIENT_ID]
            await self.async_set_unique_id(client_id)
            holder = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, client_id)
            self._abort_if_unique_id_configured(
                description_placeholders={
                    "client_id": client_id,
                    "entry": holder.title if holder is not None else "",
                }
            )
        return await self._async_request(data, _list_devices)

    async def _async_read_devices(
        self, data: Mapping[str, str], device_ids: list[int]
    ) -> tuple[list[Device] | None, dict[str, str]]:
        """Read the devices in order, up to the first one the API does not know (404).

        Returns (the devices read, {}), or (None, errors). One client per device, as if each
        were read on its own.
        """
        devices: list[Device] = []
        for device_id in device_ids:
            device, errors = await self._async_request(
                data, partial(_get_device, device_id=device_id)
            )
            if errors:
                return None, errors
            if device is None:
                break
            devices.append(device)
        return devices, {}

    async def _async_request[T](
        self, data: Mapping[str, str], request: Callable[[SkyCentricsClient], Awaitable[T]]
    ) -> tuple[T | None, dict[str, str]]:
        """Run one request with the keys and URL of ``data``: (its answer, {}) or (None, errors)."""
        try:
            client = SkyCentricsClient(
                data[CONF_CLIENT_ID],
                data[CONF_CLIENT_SECRET],
                async_get_clientsession(self.hass),
                url=data[CONF_URL],
            )
            return await request(client), {}
        except SkyCentricsUrlError:
            return None, {CONF_URL: "invalid_url"}
        except SkyCentricsAuthenticationError:
            return None, self._keys_refused()
        except SkyCentricsConnectionError:
            return None, {"base": "cannot_connect"}
        except SkyCentricsError as err:
            LOGGER.warning("The SkyCentrics API gave an unusable answer: %s", err)
            return None, {"base": "invalid_response"}
        except Exception:
            LOGGER.exception("Unexpected error while talking to the SkyCentrics API")
            return None, {"base": "unknown"}

    def _keys_refused(self) -> dict[str, str]:
        """The error for keys the API refuses, as the form with them says it."""
        if self.source == SOURCE_REAUTH:  # the secret is the one field of its form
            return {CONF_CLIENT_SECRET: "invalid_secret"}
        if self.source == SOURCE_RECONFIGURE:  # the keys stay: the URL may be the wrong one
            return {"base": "invalid_auth_reconfigure"}
        return {"base": "invalid_auth"}

    # --- devices other entries hold ----------------------------------------------------------

    def _holder(self, device_id: int) -> ConfigEntry | None:
        """The other entry of this integration that holds ``device_id``, if any."""
        own = self._get_reconfigure_entry().entry_id if self.source == SOURCE_RECONFIGURE else None
        for entry in self.hass.config_entries.async_entries(DOMAIN):
            if entry.entry_id != own and device_id in _device_ids_of(entry):
                return entry
        return None

    def _holders(self, devices: list[Device]) -> str:
        """The titles of the other entries that hold any of ``devices``; empty if none does."""
        titles = {entry.title for device in devices if (entry := self._holder(device.id))}
        return ", ".join(sorted(titles))

    # --- user --------------------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the API keys and URL, and check them against the API."""
        errors: dict[str, str] = {}
        if user_input is not None:
            devices, errors = await self._async_validate(user_input)
            if not errors:
                return await self._async_choose_devices(devices)
        return self._async_show_user_form(user_input, errors)

    def _async_show_user_form(
        self, user_input: Mapping[str, Any] | None, errors: dict[str, str]
    ) -> ConfigFlowResult:
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input),
            errors=errors,
        )

    async def _async_choose_devices(self, devices: list[Device] | None) -> ConfigFlowResult:
        """Go on with the listed devices, less those another entry holds.

        Not listed or none listed: type the ids. All held elsewhere: abort. One left (a new
        entry): take it. Else, and always when reconfiguring: pick.
        """
        if not devices:
            return await self.async_step_device_id()
        free = [device for device in devices if self._holder(device.id) is None]
        if not free:
            raise AbortFlow(
                "all_devices_held", description_placeholders={"entries": self._holders(devices)}
            )
        self._devices = {device.id: device for device in free}
        if len(free) == 1 and self.source != SOURCE_RECONFIGURE:
            return self._async_finish(free)
        return await self.async_step_devices()

    async def async_step_devices(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user pick the devices to add."""
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen = [self._devices[int(d)] for d in user_input[CONF_DEVICES]]
            if chosen:
                return self._async_finish(chosen)
            errors["base"] = "no_devices_selected"
        current = self._current_device_ids()
        default = [str(d) for d in self._devices if not current or d in current]
        schema = vol.Schema(
            {
                vol.Required(CONF_DEVICES, default=default): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(value=str(d.id), label=f"{d.name} ({d.id})")
                            for d in self._devices.values()
                        ],
                        multiple=True,
                        mode=SelectSelectorMode.LIST,
                    )
                )
            }
        )
        return self.async_show_form(step_id="devices", data_schema=schema, errors=errors)

    async def async_step_device_id(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """No device list: the user types the device id(s), and may correct the URL here.

        Keys the API refuses send the user back to the form that has them (user), or the URL
        (reconfigure): this form cannot fix them.
        """
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            url, errors = _check_fields({CONF_URL: user_input.get(CONF_URL, self._data[CONF_URL])})
            device_ids = _parse_device_ids(user_input.get(CONF_DEVICE_ID))
            if not device_ids:
                errors[CONF_DEVICE_ID] = "invalid_device_id"
            for device_id in device_ids:
                if (holder := self._holder(device_id)) is not None:
                    errors[CONF_DEVICE_ID] = "device_already_configured"
                    placeholders = {"device_id": str(device_id), "entry": holder.title}
                    break
            if not errors:
                data = {**self._data, **url}
                devices, errors = await self._async_read_devices(data, device_ids)
                if errors == self._keys_refused():
                    return self._async_show_keys_form(errors)
                if devices is not None and len(devices) == len(device_ids):
                    self._data = data
                    return self._async_finish(devices)
                if devices is not None:  # read in order: the next one is unknown to the API
                    errors = {CONF_DEVICE_ID: "device_not_found"}
                    placeholders = {"device_id": str(device_ids[len(devices)])}
        suggested = user_input or {
            CONF_DEVICE_ID: ", ".join(str(d) for d in self._current_device_ids()),
            CONF_URL: self._data[CONF_URL],
        }
        return self.async_show_form(
            step_id="device_id",
            data_schema=self.add_suggested_values_to_schema(DEVICE_ID_SCHEMA, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _async_show_keys_form(self, errors: dict[str, str]) -> ConfigFlowResult:
        """Back to the form where the keys (or, reconfiguring, the URL) can change."""
        if self.source == SOURCE_RECONFIGURE:
            return self._async_show_reconfigure_form({CONF_URL: self._data[CONF_URL]}, errors)
        return self._async_show_user_form(
            {CONF_CLIENT_ID: self._data[CONF_CLIENT_ID], CONF_URL: self._data[CONF_URL]}, errors
        )

    def _current_device_ids(self) -> list[int]:
        if self.source == SOURCE_RECONFIGURE:
            return sorted(_device_ids_of(self._get_reconfigure_entry()))
        return []

    def _async_finish(self, devices: list[Device]) -> ConfigFlowResult:
        """Create the entry, or update it when reconfiguring; never with a device held twice
        (another flow may have added one since it was offered)."""
        if holders := self._holders(devices):
            raise AbortFlow("device_taken_meanwhile", description_placeholders={"entries": holders})
        device_ids = [device.id for device in devices]
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(),
                data_updates={CONF_URL: self._data[CONF_URL], CONF_DEVICES: device_ids},
            )
        title = devices[0].name if len(devices) == 1 else f"SkyCentrics ({len(devices)} devices)"
        return self.async_create_entry(title=title, data={**self._data, CONF_DEVICES: device_ids})

    # --- reauth ------------------------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The API refused the keys: ask for a new secret."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new secret by reading a device of the entry, then reload the entry.

        A 404 for that device proves the secret too (the API answers 401 before it looks for
        the device): refusing a good secret because the device is gone would leave no way out.
        """
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            secret, errors = _check_fields(user_input)
            if not errors:
                data = {**entry.data, **secret}
                _, errors = await self._async_read_devices(data, sorted(_device_ids_of(entry))[:1])
            if not errors:
                return self.async_update_reload_and_abort(entry, data_updates=secret)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={
                "name": entry.title,
                "client_id": str(entry.data.get(CONF_CLIENT_ID, "")),
            },
        )

    # --- reconfigure -------------------------------------------------------------------------

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the API URL and the devices of the entry (the keys stay)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            devices, errors = await self._async_validate(
                {**entry.data, CONF_URL: user_input[CONF_URL]}
            )
            if not errors:
                return await self._async_choose_devices(devices)
        return self._async_show_reconfigure_form(
            user_input or {CONF_URL: entry.data[CONF_URL]}, errors
        )

    def _async_show_reconfigure_form(
        self, user_input: Mapping[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(RECONFIGURE_SCHEMA, user_input),
            errors=errors,
            description_placeholders={"client_id": str(entry.data.get(CONF_CLIENT_ID, ""))},
        )


class _NumberBox(NumberSelector):
    """A number box the UI bounds, without the selector's own range check.

    NumberSelector refuses a value out of range with an untranslated schema error ("Value 10.0
    is too small"); this one only reads a number (anything else reads as NaN), and the options
    step checks the range with a translated error.
    """

    def __call__(self, data: Any) -> float:
        """Read a number; NaN when ``data`` is none."""
        try:
            return float(vol.Coerce(float)(data))
        except vol.Invalid:
            return math.nan


@dataclass(frozen=True, slots=True)
class _OptionNumber:
    """A whole number the options step asks for: its range, unit, default and range error.

    Only the poll interval is required; the others, left out, keep their stored value.
    """

    key: str
    low: int
    high: int
    unit: str
    default: int
    error: str  # options.error in en.json (not config.error)
    required: bool = False


_OPTION_NUMBERS: Final = (
    _OptionNumber(
        CONF_SCAN_INTERVAL,
        MIN_SCAN_INTERVAL_SECONDS,
        MAX_SCAN_INTERVAL_SECONDS,
        "s",
        int(DEFAULT_SCAN_INTERVAL.total_seconds()),
        "scan_interval_out_of_range",
        required=True,
    ),
    _OptionNumber(
        CONF_HISTORY_DAYS,
        0,
        MAX_HISTORY_DAYS,
        "d",
        DEFAULT_HISTORY_DAYS,
        "history_days_out_of_range",
    ),
    _OptionNumber(
        CONF_COMMAND_DURATION,
        MIN_COMMAND_DURATION_MINUTES,
        MAX_COMMAND_DURATION_MINUTES,
        "min",
        DEFAULT_COMMAND_DURATION_MINUTES,
        "command_duration_out_of_range",
    ),
)


class SkyCentricsOptionsFlow(OptionsFlowWithReload):
    """Options: the poll interval, the days of history the hourly statistics start with, how
    long the demand-response buttons' commands last (_OPTION_NUMBERS), and the scale of
    word-swapped counters (repairs.py)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the numbers of _OPTION_NUMBERS, each a whole number within its range."""
        errors: dict[str, str] = {}
        options = self.config_entry.options
        current: dict[str, float] = {
            number.key: options.get(number.key, number.default) for number in _OPTION_NUMBERS
        }
        if user_input is not None:
            given = {n.key: user_input[n.key] for n in _OPTION_NUMBERS if n.key in user_input}
            errors = {
                n.key: n.error
                for n in _OPTION_NUMBERS
                if n.key in given and not n.low <= given[n.key] <= n.high  # NaN: not a number
            }
            if not errors:
                data = {key: round(value) for key, value in given.items()}
                data.update(
                    {
                        n.key: options[n.key]
                        for n in _OPTION_NUMBERS
                        if n.key not in given and n.key in options
                    }
                )
                counters = counter_options_data(self.hass, self.config_entry, user_input)
                return self.async_create_entry(data={**data, **counters})
            for key, value in given.items():
                if math.isfinite(value):
                    current[key] = value
        schema = vol.Schema(
            {
                (vol.Required if n.required else vol.Optional)(n.key): _NumberBox(
                    NumberSelectorConfig(
                        min=n.low,
                        max=n.high,
                        step=1,
                        unit_of_measurement=n.unit,
                        mode=NumberSelectorMode.BOX,
                    )
                )
                for n in _OPTION_NUMBERS
            }
        )
        schema = schema.extend(counter_options_schema(self.hass, self.config_entry))
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, current),
            errors=errors,
            description_placeholders={
                "min": str(MIN_SCAN_INTERVAL_SECONDS),
                "max": str(MAX_SCAN_INTERVAL_SECONDS),
                "max_days": str(MAX_HISTORY_DAYS),
            },
        )
