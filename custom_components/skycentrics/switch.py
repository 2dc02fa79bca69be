"""The relay of a plug (types 2-4) as a switch, once the plug reports its relay: on and off
are ``relay`` settings; the switch shows the relay as the plug reports it."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.components.switch.const import SwitchDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import control
from .coordinator import SkyCentricsConfigEntry
from .descriptions import to_bool
from .entity import SkyCentricsPlugEntity, async_add_device_entities

PARALLEL_UPDATES = 1  # settings one at a time

RELAY = SwitchEntityDescription(key="relay", name=None, device_class=SwitchDeviceClass.OUTLET)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the relay switch of each plug."""
    async_add_device_entities(
        entry,
        async_add_entities,
        SkyCentricsPlugEntity.supported(RELAY.key),
        lambda coordinator: [SkyCentricsRelaySwitch(coordinator, RELAY)],
    )


class SkyCentricsRelaySwitch(SkyCentricsPlugEntity, SwitchEntity):
    """A plug's relay; unknown while it reports a value that is not on or off."""

    def _compute(self) -> bool | None:
        relay = self.field
        return to_bool(relay.value) if relay is not None else None

    @property
    def is_on(self) -> bool | None:
        """Whether the relay is closed, as the plug reports it."""
        return self._value  # type: ignore[no-any-return]

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Close the relay."""
        await self.async_send(control.relay(True))

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Open the relay."""
        await self.async_send(control.relay(False))
