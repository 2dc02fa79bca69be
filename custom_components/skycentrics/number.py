"""A plug's power level (0-100 %) as a number, where the plug (types 2-4) reports one: set
with ``power_level``; the number shows the level as the plug reports it."""

from __future__ import annotations

from homeassistant.components.number import (
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import control
from .api.control import MAX_LEVEL
from .const import DOMAIN
from .coordinator import SkyCentricsConfigEntry
from .descriptions import to_number
from .entity import SkyCentricsPlugEntity, async_add_device_entities
from .services import device_label

PARALLEL_UPDATES = 1  # settings one at a time

POWER_LEVEL = NumberEntityDescription(
    key="power_level",
    translation_key="power_level",
    native_min_value=0,
    native_max_value=MAX_LEVEL,
    native_step=1,
    native_unit_of_measurement=PERCENTAGE,
    mode=NumberMode.SLIDER,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the power level of each plug that reports one."""
    async_add_device_entities(
        entry,
        async_add_entities,
        SkyCentricsPlugEntity.supported(POWER_LEVEL.key),
        lambda coordinator: [SkyCentricsPowerLevel(coordinator, POWER_LEVEL)],
    )


class SkyCentricsPowerLevel(SkyCentricsPlugEntity, NumberEntity):
    """A plug's power level in whole percent."""

    def _compute(self) -> float | None:
        level = self.field
        return to_number(level.value) if level is not None else None

    @property
    def native_value(self) -> float | None:
        """The level the plug reports."""
        return self._value  # type: ignore[no-any-return]

    async def async_set_native_value(self, value: float) -> None:
        """Send the level: a whole percent (Home Assistant checked the range); anything else
        is a translated ServiceValidationError, nothing sent."""
        if not float(value).is_integer():  # a fraction (or NaN, which passes the range check)
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="level_not_whole",
                translation_placeholders={
                    "device": device_label(self.hass, self.coordinator),
                    "value": f"{value:g}",
                },
            )
        await self.async_send(control.level("power_level", int(value)))
