"""Fixtures shared by the tests."""

from __future__ import annotations

# Import the project's package before pytest-homeassistant-custom-component's own
# `custom_components` can shadow it (Home Assistant would say "Integration not found").
import custom_components.skycentrics  # noqa: F401  # isort: skip

import pytest


@pytest.fixture(autouse=True)
def _enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom integrations in every test that has a `hass`."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")
