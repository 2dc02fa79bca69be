"""Config flow: API keys and URL, the devices to add, reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
import re
from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICES,
    CONF_SCAN_INTERVAL,
    CONF_URL,
)
from homeassistant.core import callback
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
)
from .const import (
    CONF_DEVICE_ID,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_SCAN_INTERVAL_SECONDS,
    MIN_SCAN_INTERVAL_SECONDS,
)
from .coordinator import SkyCentricsConfigEntry

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
DEVICE_ID_SCHEMA = vol.Schema({vol.Required(CONF_DEVICE_ID): TextSelector()})

_ID_SPLIT = re.compile(r"[\s,;]+")


class _ListingRefusedError(Exception):
    """The keys may not list devices: the user types device ids instead."""


def _parse_device_ids(text: str) -> list[int] | None:
    """Parse one or more device ids ("1592651608", "1, 2"); None if any is not a number."""
    parts = [part for part in _ID_SPLIT.split(text.strip()) if part]
    if not parts or not all(part.isdigit() for part in parts):
        return None
    return list(dict.fromkeys(int(part) for part in parts))


class SkyCentricsConfigFlow(ConfigFlow, domain=DOMAIN):
    """Handle a config flow for SkyCentrics."""

    VERSION = 1
    MINOR_VERSION = 2  # 1.2: namespaced unique ids (async_migrate_entry in __init__.py)

    def __init__(self) -> None:
        """Start with nothing known."""
        self._data: dict[str, Any] = {}
        self._devices: dict[int, Device] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: SkyCentricsConfigEntry) -> SkyCentricsOptionsFlow:
        """Return the options flow."""
        return SkyCentricsOptionsFlow()

    # --- talking to the API ------------------------------------------------------------------

    def _client(self, data: Mapping[str, Any]) -> SkyCentricsClient:
        return SkyCentricsClient(
            data[CONF_CLIENT_ID],
            data[CONF_CLIENT_SECRET],
            async_get_clientsession(self.hass),
            url=data[CONF_URL],
        )

    async def _async_call[T](
        self,
        data: Mapping[str, Any],
        request: Callable[[SkyCentricsClient], Awaitable[T]],
        errors: dict[str, str],
        *,
        listing: bool = False,
    ) -> T | None:
        """Run one API request, turning failures into form errors (and ``None``).

        With ``listing``, a refused device list (403 or 404) raises _ListingRefusedError.
        """
        try:
            return await request(self._client(data))
        except SkyCentricsUrlError:
            errors[CONF_URL] = "invalid_url"
        except SkyCentricsAuthenticationError as err:
            if listing and err.status == 403:
                raise _ListingRefusedError from err
            errors["base"] = "invalid_auth"
        except SkyCentricsNotFoundError as err:
            if listing:
                raise _ListingRefusedError from err
            errors["base"] = "device_not_found"
        except SkyCentricsConnectionError:
            errors["base"] = "cannot_connect"
        except SkyCentricsError as err:
            LOGGER.warning("The SkyCentrics API gave an unusable answer: %s", err)
            errors["base"] = "invalid_response"
        except Exception:
            LOGGER.exception("Unexpected error while talking to the SkyCentrics API")
            errors["base"] = "unknown"
        return None

    async def _async_get_devices(
        self, data: Mapping[str, Any], device_ids: list[int], errors: dict[str, str]
    ) -> list[Device] | None:
        """Fetch the named devices; all must be readable."""

        async def fetch(client: SkyCentricsClient) -> list[Device]:
            return [await client.async_get_device(device_id) for device_id in device_ids]

        return await self._async_call(data, fetch, errors)

    # --- user --------------------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the API keys and URL, and check them against the API."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {
                CONF_CLIENT_ID: user_input[CONF_CLIENT_ID].strip(),
                CONF_CLIENT_SECRET: user_input[CONF_CLIENT_SECRET].strip(),
                CONF_URL: user_input[CONF_URL].strip(),
            }
            await self.async_set_unique_id(data[CONF_CLIENT_ID])
            self._abort_if_unique_id_configured()
            if (result := await self._async_list_then_choose(data, errors)) is not None:
                return result
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input),
            errors=errors,
        )

    async def _async_list_then_choose(
        self, data: dict[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult | None:
        """List the keys' devices and go on to choose them; None (and errors) on failure."""
        try:
            devices = await self._async_call(
                data, SkyCentricsClient.async_get_devices, errors, listing=True
            )
        except _ListingRefusedError:
            self._data = data
            return await self.async_step_device_id()
        if errors:
            return None
        self._data = data
        return await self._async_choose_devices(devices or [])

    async def _async_choose_devices(self, devices: list[Device]) -> ConfigFlowResult:
        """Go on with the listed devices: none -> type an id, one -> take it, more -> pick."""
        self._devices = {device.id: device for device in devices}
        if not devices:
            return await self.async_step_device_id()
        if len(devices) == 1 and self.source != SOURCE_RECONFIGURE:
            return self._async_finish(devices)
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
        """Listing is refused (or empty): the user types the device id(s)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            device_ids = _parse_device_ids(user_input[CONF_DEVICE_ID])
            if device_ids is None:
                errors[CONF_DEVICE_ID] = "invalid_device_id"
            elif devices := await self._async_get_devices(self._data, device_ids, errors):
                return self._async_finish(devices)
            if errors.get("base") == "device_not_found":
                errors = {CONF_DEVICE_ID: "device_not_found"}
        suggested = user_input or {
            CONF_DEVICE_ID: ", ".join(str(d) for d in self._current_device_ids())
        }
        return self.async_show_form(
            step_id="device_id",
            data_schema=self.add_suggested_values_to_schema(DEVICE_ID_SCHEMA, suggested),
            errors=errors,
        )

    def _current_device_ids(self) -> list[int]:
        if self.source == SOURCE_RECONFIGURE:
            return [int(d) for d in self._get_reconfigure_entry().data[CONF_DEVICES]]
        return []

    def _async_finish(self, devices: list[Device]) -> ConfigFlowResult:
        """Create the entry, or update it when reconfiguring."""
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
        """Check the new secret against a device of the entry, then reload it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_CLIENT_SECRET: user_input[CONF_CLIENT_SECRET].strip()}
            device_ids = [int(d) for d in entry.data[CONF_DEVICES]]
            if await self._async_get_devices(data, device_ids[:1], errors):
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_CLIENT_SECRET: data[CONF_CLIENT_SECRET]}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    # --- reconfigure -------------------------------------------------------------------------

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the API URL and the devices of the entry."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_URL: user_input[CONF_URL].strip()}
            if (result := await self._async_list_then_choose(data, errors)) is not None:
                return result
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA, user_input or {CONF_URL: entry.data[CONF_URL]}
            ),
            errors=errors,
        )


class SkyCentricsOptionsFlow(OptionsFlowWithReload):
    """Options: the poll interval."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the poll interval."""
        if user_input is not None:
            return self.async_create_entry(
                data={CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL])}
            )
        schema = vol.Schema(
            {
                vol.Required(CONF_SCAN_INTERVAL): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_SCAN_INTERVAL_SECONDS,
                        max=MAX_SCAN_INTERVAL_SECONDS,
                        step=1,
                        unit_of_measurement="s",
                        mode=NumberSelectorMode.BOX,
                    )
                )
            }
        )
        current = self.config_entry.options.get(
            CONF_SCAN_INTERVAL, int(DEFAULT_SCAN_INTERVAL.total_seconds())
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, {CONF_SCAN_INTERVAL: current}),
        )
