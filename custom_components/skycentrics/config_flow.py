"""Config flow: API keys and URL, the devices to add, reauth, reconfigure, a device offered to
an entry (devices.py) and options.

The typed fields are checked by one schema (`_FIELDS`) before any request, a request's failure
becomes the form's errors in one place (`_async_devices`), and a device that another entry of
this integration holds is never offered nor added twice.
"""

from __future__ import annotations

from collections.abc import Mapping
import math
import re
from typing import Any, Final
from urllib.parse import urlsplit

from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICE_ID,
    CONF_DEVICES,
    CONF_NAME,
    CONF_SCAN_INTERVAL,
    CONF_URL,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers import issue_registry as ir, selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import DiscoveryInfoType
import probatio as vol

from .api import (
    DEFAULT_URL,
    Device,
    SkyCentricsAuthenticationError,
    SkyCentricsClient,
    SkyCentricsConnectionError,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    normalize_url,
)
from .const import (
    CONF_COMMAND_DURATION,
    CONF_HISTORY_DAYS,
    CONF_REPORTED_COUNTERS,
    CONF_SWAPPED_COUNTERS,
    DATA_ALL_DEVICES,
    DATA_NOT_CHOSEN,
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
from .coordinator import SWAPPED_ISSUE, SkyCentricsConfigEntry, counter_key
from .repairs import merged_choices

MAX_CLIENT_ID_LENGTH: Final = 512  # real ones have 20 to 40 characters
MAX_SECRET_BYTES: Final = 4096  # in UTF-8, the bytes the secret is signed with
MAX_URL_LENGTH: Final = 2048
MAX_DEVICE_ID: Final = 2**63 - 1  # int64, as the API's device objects hold them

_SECRET = selector.TextSelector({"type": selector.TextSelectorType.PASSWORD})
_URL = selector.TextSelector({"type": selector.TextSelectorType.URL})
USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_CLIENT_ID): selector.TextSelector(),
        vol.Required(CONF_CLIENT_SECRET): _SECRET,
        vol.Required(CONF_URL, default=DEFAULT_URL): _URL,
    }
)
REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_CLIENT_SECRET): _SECRET})
RECONFIGURE_SCHEMA = vol.Schema({vol.Required(CONF_URL): _URL})
# The URL too, so that a wrong one can be corrected here (left out: the one of the first step).
DEVICE_ID_SCHEMA = vol.Schema(
    {vol.Required(CONF_DEVICE_ID): selector.TextSelector(), vol.Optional(CONF_URL): _URL}
)


def _api_url(url: str) -> str:
    """What normalize_url takes (https, or http to a loopback host; no user, query or fragment),
    with a port from 0 to 65535, without a path but a trailing ``/api`` (the endpoint users
    paste), which is dropped. Raises Invalid with the error key."""
    try:
        parts = urlsplit(url := normalize_url(url))
        _ = parts.port  # ValueError unless a number from 0 to 65535
    except ValueError as err:  # the URL parsers' too (a malformed IPv6 address)
        raise vol.Invalid("invalid_url") from err
    if parts.path.lower() == "/api":
        return url.removesuffix(parts.path)
    if parts.path:
        raise vol.Invalid("url_has_path")
    return url


# The rules of the typed fields (stripped first), and the error key (msg) of a value that breaks
# one. A client id goes into a header as CLIENT_ID:SIGNATURE: no space or colon. A secret is only
# signed, as UTF-8: any text but control characters and lone surrogates (UTF-8 has none).
_FIELDS: Final = vol.Schema(
    {
        vol.Optional(CONF_CLIENT_ID): vol.All(
            vol.Strip,
            vol.Length(min=1, max=MAX_CLIENT_ID_LENGTH),
            vol.PrintableASCII(),
            vol.Match(r"[^ :]*\Z"),
            msg="invalid_client_id",
        ),
        vol.Optional(CONF_CLIENT_SECRET): vol.All(
            vol.Strip,
            vol.ByteLength(min=1, max=MAX_SECRET_BYTES),
            vol.Match(r"[^\x00-\x1f\x7f-\x9f\ud800-\udfff]*\Z"),
            msg="invalid_client_secret",
        ),
        vol.Optional(CONF_URL): vol.All(
            vol.Strip,
            vol.Length(min=1, max=MAX_URL_LENGTH, msg="invalid_url"),
            vol.Check(lambda url: url.isprintable() and " " not in url, msg="invalid_url"),
            _api_url,
        ),
        # "1592651608", "1, 2": 1 to 19 ASCII digits each (isdigit() takes "①"), int64.
        vol.Optional(CONF_DEVICE_ID): vol.All(
            re.compile(r"[^\s,;]+").findall,
            vol.Length(min=1),
            [vol.All(vol.Match(r"[0-9]{1,19}\Z"), vol.Coerce(int), vol.Range(max=MAX_DEVICE_ID))],
            vol.Dedupe(),
            msg="invalid_device_id",
        ),
    },
    extra=vol.REMOVE_EXTRA,
)


def _check(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields of ``user_input`` that _FIELDS knows, clean; or the error of each bad one."""
    try:
        return _FIELDS(dict(user_input)), {}
    except vol.MultipleInvalid as err:
        return {}, {str(error.path[0]): error.msg for error in err.errors}


def _multi_select(options: list[selector.SelectOptionDict]) -> selector.SelectSelector:
    mode = selector.SelectSelectorMode.LIST
    return selector.SelectSelector({"options": options, "multiple": True, "mode": mode})


class SkyCentricsConfigFlow(ConfigFlow, domain=DOMAIN):
    """Handle a config flow for SkyCentrics."""

    VERSION = 1
    MINOR_VERSION = 2  # 1.2: namespaced unique ids (async_migrate_entry in __init__.py)

    def __init__(self) -> None:
        """Start with no keys and no devices."""
        self._data: dict[str, str] = {}  # the clean client id, secret and URL
        self._devices: dict[int, Device] = {}  # the devices the devices step offers
        self._current: list[int] = []  # reconfiguring: the entry's devices
        self._offer: tuple[int, str] = (0, "")  # discovery: the device offered (id, name)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: SkyCentricsConfigEntry) -> SkyCentricsOptionsFlow:
        """Return the options flow."""
        return SkyCentricsOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the API keys and URL, and check them against the API."""
        errors: dict[str, str] = {}
        if user_input is not None:
            devices, errors = await self._async_validate(user_input)
            if not errors:
                return await self._async_choose_devices(devices)
        return self._async_show_keys_form(user_input, errors)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the API URL and the devices of the entry (the keys stay)."""
        entry = self._get_reconfigure_entry()
        self._current = list(entry.data[CONF_DEVICES])
        errors: dict[str, str] = {}
        if user_input is not None:
            devices, errors = await self._async_validate({**entry.data, **user_input})
            if not errors:
                return await self._async_choose_devices(devices)
        return self._async_show_keys_form(user_input or entry.data, errors)

    def _async_show_keys_form(
        self, suggested: Mapping[str, Any] | None, errors: dict[str, str]
    ) -> ConfigFlowResult:
        """The form of the keys and URL (user), or of the URL (reconfigure: the keys stay)."""
        if self.source == SOURCE_RECONFIGURE:
            return self.async_show_form(
                step_id="reconfigure",
                data_schema=self.add_suggested_values_to_schema(RECONFIGURE_SCHEMA, suggested),
                errors=errors,
                description_placeholders={
                    "client_id": self._get_reconfigure_entry().data[CONF_CLIENT_ID]
                },
            )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, suggested),
            errors=errors,
        )

    async def _async_validate(
        self, user_input: Mapping[str, Any]
    ) -> tuple[list[Device] | None, dict[str, str]]:
        """Check the keys and URL (kept in ``_data``), then list the devices (_async_devices).
        A new entry's client id must not be set up yet: else the flow aborts, before a request."""
        data, errors = _check(user_input)
        if errors:
            return None, errors
        self._data = data
        if self.source == SOURCE_USER:
            await self.async_set_unique_id(client_id := data[CONF_CLIENT_ID])
            holder = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, client_id)
            self._abort_if_unique_id_configured(
                description_placeholders={
                    "client_id": client_id,
                    "entry": holder.title if holder is not None else "",
                }
            )
        return await self._async_devices(data)

    async def _async_devices(
        self, data: Mapping[str, str], device_ids: list[int] | None = None
    ) -> tuple[list[Device] | None, dict[str, str]]:
        """List the devices the keys of ``data`` may read, or read those of ``device_ids`` in
        order up to the first one the API does not know (404): (the devices, {}), or (None,
        errors). None without errors: no list (403: these keys may not list; 404: none here)."""
        devices: list[Device] = []
        try:
            session = async_get_clientsession(self.hass)
            client = SkyCentricsClient(
                data[CONF_CLIENT_ID], data[CONF_CLIENT_SECRET], session, url=data[CONF_URL]
            )
            if device_ids is None:
                return await client.async_get_devices(), {}
            for device_id in device_ids:
                devices.append(await client.async_get_device(device_id))
        except SkyCentricsNotFoundError:
            pass
        except SkyCentricsAuthenticationError as err:
            if device_ids is not None or err.status != 403:
                return None, self._keys_refused()
        except SkyCentricsConnectionError:
            return None, {"base": "cannot_connect"}
        except SkyCentricsError as err:
            LOGGER.warning("The SkyCentrics API gave an unusable answer: %s", err)
            return None, {"base": "invalid_response"}
        except Exception:
            LOGGER.exception("Unexpected error while talking to the SkyCentrics API")
            return None, {"base": "unknown"}
        return (None if device_ids is None else devices), {}

    def _keys_refused(self) -> dict[str, str]:
        """The error for keys the API refuses, as the form with them says it."""
        if self.source == SOURCE_REAUTH:  # the secret is the one field of its form
            return {CONF_CLIENT_SECRET: "invalid_secret"}
        if self.source == SOURCE_RECONFIGURE:  # the keys stay: the URL may be the wrong one
            return {"base": "invalid_auth_reconfigure"}
        if self.source == SOURCE_INTEGRATION_DISCOVERY:  # a device offered: no keys to edit
            return {"base": "invalid_auth_entry"}
        return {"base": "invalid_auth"}

    def _held(self) -> dict[int, str]:
        """The devices the other entries of this integration hold: id -> the entry's title."""
        return {
            int(device_id): entry.title
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            if entry.entry_id != self.context.get("entry_id")  # reconfiguring: not its own
            for device_id in entry.data.get(CONF_DEVICES, [])
        }

    def _holders(self, devices: list[Device]) -> str:
        """The titles of the other entries that hold any of ``devices``; empty if none does."""
        held = self._held()
        return ", ".join(sorted({held[device.id] for device in devices if device.id in held}))

    async def _async_choose_devices(self, devices: list[Device] | None) -> ConfigFlowResult:
        """Go on with the listed devices, less those another entry holds. None listed: type the
        ids. All held: abort. One left (a new entry): take it. Else, and reconfiguring: pick."""
        if not devices:
            return await self.async_step_device_id()
        held = self._held()
        self._devices = {device.id: device for device in devices if device.id not in held}
        if not self._devices:
            entries = self._holders(devices)
            raise AbortFlow("all_devices_held", description_placeholders={"entries": entries})
        if len(self._devices) == 1 and self.source != SOURCE_RECONFIGURE:
            return self._async_finish(list(self._devices.values()))
        return await self.async_step_devices()

    async def async_step_devices(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user pick the devices to add."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if chosen := [self._devices[int(d)] for d in user_input[CONF_DEVICES]]:
                return self._async_finish(chosen)
            errors["base"] = "no_devices_selected"
        ticked = [str(d) for d in self._devices if not self._current or d in self._current]
        options = [
            selector.SelectOptionDict(value=str(d.id), label=f"{d.name} ({d.id})")
            for d in self._devices.values()
        ]
        schema = vol.Schema({vol.Required(CONF_DEVICES, default=ticked): _multi_select(options)})
        return self.async_show_form(step_id="devices", data_schema=schema, errors=errors)

    async def async_step_device_id(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """No device list: the user types the device ids, and may correct the URL here. Keys
        the API refuses send the user back to the form that has them (user), or the URL
        (reconfigure): this form cannot fix them."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            fields, errors = _check({CONF_URL: self._data[CONF_URL], **user_input})
            ids: list[int] = fields.get(CONF_DEVICE_ID, [])
            held = self._held()
            if taken := [device_id for device_id in ids if device_id in held]:
                errors[CONF_DEVICE_ID] = "device_already_configured"
                placeholders = {"device_id": str(taken[0]), "entry": held[taken[0]]}
            elif not errors:
                data = {**self._data, CONF_URL: fields[CONF_URL]}
                devices, errors = await self._async_devices(data, ids)
                if errors == self._keys_refused():
                    keys = {CONF_CLIENT_ID: data[CONF_CLIENT_ID], CONF_URL: data[CONF_URL]}
                    return self._async_show_keys_form(keys, errors)
                if devices is not None and len(devices) < len(ids):  # read in order
                    errors = {CONF_DEVICE_ID: "device_not_found"}
                    placeholders = {"device_id": str(ids[len(devices)])}
                elif devices is not None:
                    self._data = data
                    return self._async_finish(devices)
        suggested = user_input or {
            CONF_DEVICE_ID: ", ".join(str(d) for d in self._current),
            CONF_URL: self._data[CONF_URL],
        }
        return self.async_show_form(
            step_id="device_id",
            data_schema=self.add_suggested_values_to_schema(DEVICE_ID_SCHEMA, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _async_finish(self, devices: list[Device]) -> ConfigFlowResult:
        """Create the entry, or update it when reconfiguring; never with a device held twice
        (another flow may have added one since it was offered)."""
        if holders := self._holders(devices):
            raise AbortFlow("device_taken_meanwhile", description_placeholders={"entries": holders})
        device_ids = [device.id for device in devices]
        # Every listed device taken (none listed: typed ids): devices added later join by
        # themselves; else they are offered, but for those left out here (devices.py).
        chosen = {
            CONF_DEVICES: device_ids,
            DATA_ALL_DEVICES: bool(self._devices) and self._devices.keys() <= set(device_ids),
            DATA_NOT_CHOSEN: sorted(self._devices.keys() - set(device_ids)),
        }
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(),
                data_updates={CONF_URL: self._data[CONF_URL], **chosen},
            )
        title = devices[0].name if len(devices) == 1 else f"SkyCentrics ({len(devices)} devices)"
        return self.async_create_entry(title=title, data={**self._data, **chosen})

    async def async_step_integration_discovery(
        self, discovery_info: DiscoveryInfoType
    ) -> ConfigFlowResult:
        """A device the account lists and no entry holds, offered to the entry of chosen
        devices in the context (devices.py): once per entry (its client id) and device, and
        not again once the user ignores it."""
        entry = self._get_offer_entry()
        self._offer = (int(discovery_info[CONF_DEVICE_ID]), str(discovery_info[CONF_NAME]))
        await self.async_set_unique_id(f"{entry.data[CONF_CLIENT_ID]}:{self._offer[0]}")
        self._abort_if_unique_id_configured(error="device_ignored")
        self.context["title_placeholders"] = {"name": self._offer[1]}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask whether to add the offered device to its entry; read it, then add it and reload
        the entry."""
        entry = self._get_offer_entry()
        device_id, name = self._offer
        errors: dict[str, str] = {}
        if user_input is not None:
            devices, errors = await self._async_devices(entry.data, [device_id])
            if devices == []:  # 404: gone since it was offered
                raise AbortFlow("device_gone", description_placeholders={"name": name})
            if devices:
                if holders := self._holders(devices):
                    raise AbortFlow(
                        "device_taken_meanwhile", description_placeholders={"entries": holders}
                    )
                current = [int(d) for d in entry.data[CONF_DEVICES] if int(d) != device_id]
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_DEVICES: [*current, device_id]}, reason="device_added"
                )
        return self.async_show_form(
            step_id="discovery_confirm",
            errors=errors,
            description_placeholders={
                "name": name,
                "device_id": str(device_id),
                "entry": entry.title,
                "client_id": entry.data[CONF_CLIENT_ID],
            },
        )

    def _get_offer_entry(self) -> SkyCentricsConfigEntry:
        """The entry a device is offered to; the flow ends if it was removed meanwhile."""
        entry = self.hass.config_entries.async_get_entry(self.context.get("entry_id", ""))
        if entry is None:
            raise AbortFlow("entry_removed")
        return entry

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The API refused the keys: ask for a new secret."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new secret by reading a device of the entry, then reload the entry. A 404
        for that device proves the secret too (the API answers 401 before it looks for the
        device): refusing a good secret because the device is gone would leave no way out."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            secret, errors = _check(user_input)
            if not errors:
                data = {**entry.data, **secret}
                _, errors = await self._async_devices(data, entry.data[CONF_DEVICES][:1])
            if not errors:
                return self.async_update_reload_and_abort(entry, data_updates=secret)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={"name": entry.title, "client_id": entry.data[CONF_CLIENT_ID]},
        )


def _number_box(low: int, high: int, unit: str) -> selector.NumberSelector:
    """Whole numbers from ``low`` to ``high``: the frontend bounds the box; the selector
    refuses a value outside with its own (untranslated) error."""
    mode = selector.NumberSelectorMode.BOX
    return selector.NumberSelector(
        {"min": low, "max": high, "step": 1, "unit_of_measurement": unit, "mode": mode}
    )


# Only the poll interval is required; the others, left out, keep their stored value.
OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SCAN_INTERVAL): _number_box(
            MIN_SCAN_INTERVAL_SECONDS, MAX_SCAN_INTERVAL_SECONDS, "s"
        ),
        vol.Optional(CONF_HISTORY_DAYS): _number_box(0, MAX_HISTORY_DAYS, "d"),
        vol.Optional(CONF_COMMAND_DURATION): _number_box(
            MIN_COMMAND_DURATION_MINUTES, MAX_COMMAND_DURATION_MINUTES, "min"
        ),
    }
)
OPTION_DEFAULTS: Final = {
    CONF_SCAN_INTERVAL: int(DEFAULT_SCAN_INTERVAL.total_seconds()),
    CONF_HISTORY_DAYS: DEFAULT_HISTORY_DAYS,
    CONF_COMMAND_DURATION: DEFAULT_COMMAND_DURATION_MINUTES,
}


class SkyCentricsOptionsFlow(OptionsFlowWithReload):
    """Options: the poll interval, the days of history the hourly statistics start with, how
    long the buttons' commands last, and the scale of word-swapped lifetime counters (the
    choice the swapped counter issue's fix flow in repairs.py offers)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the numbers (stored whole) and, when there is a choice, the counters' scale."""
        options = self.config_entry.options
        offered, asked = self._counters()
        given = user_input or {}
        numbers = {key: given[key] for key in OPTION_DEFAULTS if key in given}
        # The selector takes "nan" (NaN is outside no range).
        errors = {key: "not_a_number" for key, value in numbers.items() if math.isnan(value)}
        if user_input is not None and not errors:
            data = {**options, **{key: round(value) for key, value in numbers.items()}}
            if CONF_SWAPPED_COUNTERS in user_input:
                data |= self._settle(offered, asked, set(user_input[CONF_SWAPPED_COUNTERS]))
            return self.async_create_entry(data=data)
        suggested = {key: options.get(key, default) for key, default in OPTION_DEFAULTS.items()}
        suggested |= {key: value for key, value in numbers.items() if key not in errors}
        schema = OPTIONS_SCHEMA.extend(self._counter_field(offered, asked))
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )

    def _counters(self) -> tuple[dict[str, str], set[str]]:
        """The entry's lifetime counters (key -> label: the entity's name; sorted by label;
        none while the entry is not loaded), and those with an open swapped issue."""
        entry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return {}, set()
        coordinators = entry.runtime_data.coordinators.values()
        offered: dict[str, str] = {}
        for coordinator in coordinators:
            for key in coordinator.counters:
                label = coordinator.entity_name(key)
                if len(coordinators) > 1:
                    label = f"{label} ({coordinator.device.name})"
                offered[counter_key(coordinator.device_id, key)] = label
        registry = ir.async_get(self.hass)
        asked = {
            key
            for key in offered
            if (issue := registry.async_get_issue(DOMAIN, f"{SWAPPED_ISSUE}_{key}"))
            and issue.active
        }
        return dict(sorted(offered.items(), key=lambda item: item[1])), asked

    def _counter_field(self, offered: dict[str, str], asked: set[str]) -> dict[vol.Marker, Any]:
        """The counters to decode with their words swapped (ticked; default: the stored choice,
        else as reported), once there is something to choose: a counter with a stored choice,
        an open swapped issue, or the swapped signature seen (no other user needs it)."""
        entry = self.config_entry
        if not offered:  # not loaded: no runtime data
            return {}
        decoded = entry.options.get(CONF_SWAPPED_COUNTERS, [])
        chosen = {*decoded, *entry.options.get(CONF_REPORTED_COUNTERS, [])}
        seen = {
            counter_key(coordinator.device_id, key)
            for coordinator in entry.runtime_data.coordinators.values()
            for key, counter in coordinator.counters.items()
            if counter.detector.holds
        }
        if not set(offered) & (chosen | seen | asked):
            return {}
        options = [selector.SelectOptionDict(value=k, label=v) for k, v in offered.items()]
        ticked = [key for key in offered if key in decoded]
        return {vol.Optional(CONF_SWAPPED_COUNTERS, default=ticked): _multi_select(options)}

    def _settle(
        self, offered: dict[str, str], asked: set[str], ticked: set[str]
    ) -> dict[str, list[str]]:
        """The options' counter lists after the form ({}: unchanged). Saving settles the
        counters whose box changed and those with an open swapped issue (the user saw the
        question); the others stay as they were (a choice, or none yet)."""
        options = self.config_entry.options
        decoded = set(options.get(CONF_SWAPPED_COUNTERS, []))
        choices = {
            key: key in ticked
            for key in offered
            if (key in ticked) != (key in decoded) or key in asked
        }
        for key in choices:
            ir.async_delete_issue(self.hass, DOMAIN, f"{SWAPPED_ISSUE}_{key}")
        return merged_choices(options, choices) if choices else {}
