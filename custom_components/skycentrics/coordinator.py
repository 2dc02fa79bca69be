"""One DataUpdateCoordinator per SkyCentrics device: polls the signed /data endpoint."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    Device,
    SkyCentricsAuthenticationError,
    SkyCentricsClient,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    Snapshot,
)
from .const import DOMAIN, LOGGER


@dataclass(slots=True)
class SkyCentricsRuntimeData:
    """What a loaded config entry holds: the client and one coordinator per device."""

    client: SkyCentricsClient
    coordinators: dict[int, SkyCentricsCoordinator] = field(default_factory=dict)


type SkyCentricsConfigEntry = ConfigEntry[SkyCentricsRuntimeData]


class SkyCentricsCoordinator(DataUpdateCoordinator[Snapshot]):
    """Fetch the device object once, then the latest readings, one request per poll."""

    config_entry: SkyCentricsConfigEntry
    device: Device  # fetched by the first refresh (_async_setup)

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SkyCentricsConfigEntry,
        client: SkyCentricsClient,
        device_id: int,
        update_interval: timedelta,
    ) -> None:
        """Set up polling of one device."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"SkyCentrics device {device_id}",
            update_interval=update_interval,
            always_update=False,
        )
        self.client = client
        self.device_id = device_id

    async def _async_setup(self) -> None:
        """Fetch the device object (name, MAC, type) before the first poll."""
        self.device = await self._call(self.client.async_get_device(self.device_id))
        self.name = f"SkyCentrics {self.device.name}"

    async def _async_update_data(self) -> Snapshot:
        """Fetch one snapshot."""
        return await self._call(self.client.async_get_data(self.device_id))

    async def _call[T](self, request: Awaitable[T]) -> T:
        """Await one client request, mapping its errors to Home Assistant's."""
        try:
            return await request
        except SkyCentricsAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"error": str(err)},
            ) from err
        except SkyCentricsRateLimitError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"retry_after": f"{err.retry_after or 0:g}"},
                retry_after=err.retry_after,
            ) from err
        except SkyCentricsNotFoundError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="device_not_found",
                translation_placeholders={"device": str(self.device_id)},
            ) from err
        except SkyCentricsError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"device": self.name, "error": str(err)},
            ) from err
