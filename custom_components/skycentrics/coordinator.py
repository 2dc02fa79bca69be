"""One DataUpdateCoordinator per SkyCentrics device: polls the signed /data endpoint."""

from __future__ import annotations

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
    """Fetch the latest readings of one device, one request per poll."""

    config_entry: SkyCentricsConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SkyCentricsConfigEntry,
        client: SkyCentricsClient,
        device: Device,
        update_interval: timedelta,
    ) -> None:
        """Set up polling of one device."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"SkyCentrics {device.name}",
            update_interval=update_interval,
            always_update=False,
        )
        self.client = client
        self.device = device

    async def _async_update_data(self) -> Snapshot:
        """Fetch one snapshot, mapping client errors to Home Assistant's."""
        try:
            return await self.client.async_get_data(self.device.id)
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
                translation_placeholders={"device": self.device.name},
            ) from err
        except SkyCentricsError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"device": self.device.name, "error": str(err)},
            ) from err
