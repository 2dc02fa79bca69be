"""Buttons of the devices that take demand-response commands (CTA-2045): shed load, load up,
back to normal. Thin: the command is sent by services.async_send_command, as the actions do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.device_types import DEVICE_MODELS
from .const import CONF_COMMAND_DURATION, DEFAULT_COMMAND_DURATION_MINUTES
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator
from .entity import SkyCentricsEntity, async_add_device_entities
from .services import Command, async_send_command, keys_refused, supports_demand_response

PARALLEL_UPDATES = 1  # commands one at a time


@dataclass(frozen=True, kw_only=True)
class SkyCentricsButtonEntityDescription(ButtonEntityDescription):
    """A button and the command it sends (given the option's duration in seconds)."""

    command: Callable[[int], Command]


BUTTONS: tuple[SkyCentricsButtonEntityDescription, ...] = (
    SkyCentricsButtonEntityDescription(
        key="shed_load",
        translation_key="shed_load",
        command=lambda seconds: Command("shed", None, seconds),
    ),
    SkyCentricsButtonEntityDescription(
        key="load_up",
        translation_key="load_up",
        command=lambda seconds: Command("event", "LU", seconds),
    ),
    SkyCentricsButtonEntityDescription(
        key="end_shed",
        translation_key="end_shed",
        command=lambda _seconds: Command("end_shed"),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of each device that takes demand-response commands.

    A device known by its type gets them now (or never); one of no known type once its
    readings show the CTA-2045 family (supports_demand_response), checked on each poll.
    """
    seconds = 60 * int(entry.options.get(CONF_COMMAND_DURATION, DEFAULT_COMMAND_DURATION_MINUTES))

    def _supported(coordinator: SkyCentricsCoordinator) -> bool | None:
        if supports_demand_response(coordinator):
            return True
        return False if coordinator.device.type in DEVICE_MODELS else None

    async_add_device_entities(
        entry,
        async_add_entities,
        _supported,
        lambda coordinator: (
            SkyCentricsButton(coordinator, description, seconds) for description in BUTTONS
        ),
    )


class SkyCentricsButton(SkyCentricsEntity, ButtonEntity):
    """Sends one demand-response command to its device when pressed, and nothing otherwise."""

    entity_description: SkyCentricsButtonEntityDescription

    def __init__(
        self,
        coordinator: SkyCentricsCoordinator,
        description: SkyCentricsButtonEntityDescription,
        seconds: int,
    ) -> None:
        """Bind the button to its device; ``seconds``: how long a shed or load-up lasts."""
        super().__init__(coordinator, description)
        self._seconds = seconds

    @property
    def available(self) -> bool:
        """Unavailable while the API refuses the entry's keys (no command is sent with them)."""
        return super().available and not keys_refused(self.coordinator)

    async def async_press(self) -> None:
        """Send the command (errors: translated HomeAssistantError), then refresh the device."""
        await async_send_command(
            self.hass, self.coordinator, self.entity_description.command(self._seconds)
        )
