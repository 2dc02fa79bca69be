"""scripts/ha_harness.py's log gate: which reports of calls that "will stop working" are ours."""

from __future__ import annotations

import importlib.util
from pathlib import Path
import sys
from types import ModuleType


def _harness() -> ModuleType:
    """scripts/ha_harness.py, loaded by path as tests/e2e/conftest.py does."""
    if module := sys.modules.get("ha_harness"):
        return module
    path = Path(__file__).resolve().parent.parent / "scripts" / "ha_harness.py"
    spec = importlib.util.spec_from_file_location("ha_harness", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ha_harness"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


STAMP = "2026-12-06 14:53:06.123 WARNING (MainThread) [homeassistant.helpers.frame] "
REPORT = "Please create a bug report at https://github.com/skycentrics-ha/x/issues"
# The lines helpers/frame.py writes (_report_usage_integration_frame, _integration_domain,
# _no_integration with its stack) and helpers/deprecation.py (a deprecated entity property).
OURS_BY_FRAME = (
    f"{STAMP}Detected that custom integration 'skycentrics' calls async_forward_entry_setup "
    "at custom_components/skycentrics/__init__.py, line 80: await x(entry). "
    f"This will stop working in Home Assistant 2027.6, please {REPORT}"
)
OURS_BY_DOMAIN = (
    f"{STAMP}Detected that custom integration 'skycentrics' sets option flow config_entry "
    f"explicitly. This will stop working in Home Assistant 2027.1, please {REPORT}"
)
OURS_IN_A_STACK = (
    f"{STAMP}Detected code that calls x. This will stop working in Home Assistant 2027.2, "
    "please report this issue\nStack (most recent call last):\n"
    '  File "/config/custom_components/skycentrics/coordinator.py", line 9, in f\n'
    "    x()"
)
# As 2026.11.0 writes it (with the UTC offset), about our climate entity.
OURS_BY_MODULE = (
    "2026-12-06 14:57:06.991+00:00 WARNING (ImportExecutor_0) "
    "[custom_components.skycentrics.climate] custom_components.skycentrics.climate::"
    "SkyCentricsClimate provides the deprecated temperature_unit, this will stop working in "
    "Home Assistant 2027.11, use native_temperature_unit instead, please report it to the "
    "custom integration author"
)
OTHERS = (
    f"{STAMP}Detected that custom integration 'skycentrics_plus' does x at "
    "custom_components/skycentrics_plus/__init__.py, line 3: x(). "
    f"This will stop working in Home Assistant 2027.6, please {REPORT}",
    f"{STAMP}Detected that custom integration 'other' does x at "
    "custom_components/other/sensor.py, line 3: x(). "
    f"This will stop working in Home Assistant 2027.6, please {REPORT}",
    f"{STAMP}Detected that custom integration 'skycentrics' does x. Please {REPORT}",
    "2026-12-06 14:53:08.000+00:00 DEBUG (MainThread) [custom_components.skycentrics] polled",
)


def test_stop_working_reports_are_ours_only() -> None:
    """Each of our reports, whole (with its stack); not another integration's, not others."""
    ours = [OURS_BY_FRAME, OURS_BY_DOMAIN, OURS_IN_A_STACK, OURS_BY_MODULE]
    log = "\n".join([OTHERS[0], *ours[:2], OTHERS[1], ours[2], OTHERS[2], ours[3], OTHERS[3]])
    assert _harness().stop_working_reports(log + "\n") == ours


def test_a_clean_log_passes() -> None:
    """Nothing to report in a log without such lines."""
    assert _harness().stop_working_reports("\n".join(OTHERS)) == []
    assert _harness().stop_working_reports("") == []
