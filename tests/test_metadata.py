"""manifest.json, hacs.json, translations and icons agree with the code (what hassfest checks)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion, AwesomeVersionException, AwesomeVersionStrategy
import homeassistant.components
import pytest
import voluptuous as vol

from custom_components.skycentrics.classification import NAMES, RULES
from custom_components.skycentrics.descriptions import SkyCentricsBinarySensorEntityDescription
from custom_components.skycentrics.families import CT, CTA2045, THERMOSTAT

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "skycentrics"
README = ROOT / "README.md"


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_manifest() -> None:
    """Our choices: a cloud-polling hub set up in the UI, no requirements, x.y.z versions (the
    rules hassfest and HACS apply: test_manifest_passes_hassfest_and_hacs)."""
    manifest = _json(INTEGRATION / "manifest.json")
    assert manifest["domain"] == "skycentrics"
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "cloud_polling"
    assert manifest["integration_type"] == "hub"
    assert manifest["requirements"] == []
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["loggers"] == ["custom_components.skycentrics"]


def test_hacs() -> None:
    """hacs.json names the integration and the Home Assistant release the tests ran on."""
    hacs = _json(ROOT / "hacs.json")
    assert hacs["name"] == "SkyCentrics"
    requirements = (ROOT / "requirements_test.txt").read_text()
    assert "pytest-homeassistant-custom-component==0.13.375" in requirements
    assert hacs["homeassistant"] == "2026.10.4"  # what 0.13.375 brings
    # Installed from the release's asset (scripts/release builds it): HACS and the Marketplace
    # of Home Assistant 2026.11 download releases/download/<tag>/<filename>, a .zip, and unpack
    # it into custom_components/<domain> (hacs/integration at 3249355704d1,
    # custom_components/hacs/repositories/base.py: should_try_releases, download_zip_files;
    # homeassistant/components/marketplace/repositories/base.py: the same names). Neither
    # has an asset for the default branch: it is not offered.
    assert hacs["zip_release"] is True
    assert hacs["filename"] == "skycentrics.zip"
    assert hacs["hide_default_branch"] is True


# The rules of hassfest's CUSTOM_INTEGRATION_MANIFEST_SCHEMA and validate_manifest
# (home-assistant/core, script/hassfest/manifest.py at 7d56dcb02e6c; hassfest is not in the
# homeassistant wheel), and of HACS' INTEGRATION_MANIFEST_JSON_SCHEMA and
# HACS_MANIFEST_JSON_SCHEMA (hacs/integration, custom_components/hacs/utils/validate.py at
# 07a8c70cc862). Value checks of keys we do not use (zeroconf, dhcp...) are left out.
HASSFEST_KEYS = {"domain", "name", "codeowners", "documentation", "issue_tracker", "version"}
HASSFEST_KEYS |= {"integration_type", "config_flow", "iot_class", "loggers", "quality_scale"}
HASSFEST_KEYS |= {"requirements", "dependencies", "after_dependencies", "disabled"}
HASSFEST_KEYS |= {"single_config_entry", "import_executor"}
HASSFEST_KEYS |= {"mqtt", "zeroconf", "ssdp", "bluetooth", "homekit", "dhcp", "usb"}
# hassfest: the schema's, version and iot_class (validate_manifest); HACS: issue_tracker too.
MANIFEST_REQUIRED = ("domain", "name", "documentation", "codeowners", "version", "iot_class")
MANIFEST_REQUIRED += ("issue_tracker",)
INTEGRATION_TYPES = {"device", "entity", "hardware", "helper", "hub", "service", "system"}
IOT_CLASSES = {"assumed_state", "calculated", "cloud_polling", "cloud_push"}
IOT_CLASSES |= {"local_polling", "local_push"}
# homeassistant/loader.py blocks a custom integration whose version fits none of these.
VERSION_STRATEGIES = [
    AwesomeVersionStrategy.CALVER,
    AwesomeVersionStrategy.SEMVER,
    AwesomeVersionStrategy.SIMPLEVER,
    AwesomeVersionStrategy.BUILDVER,
    AwesomeVersionStrategy.PEP440,
]
HACS_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "content_in_root": bool,
    "zip_release": bool,
    "filename": str,
    "hide_default_branch": bool,
    "country": (str, list),
    "homeassistant": str,
    "hacs": str,
    "render_readme": bool,
    "persistent_directory": str,
}


def _manifest_problems(manifest: dict[str, Any]) -> list[str]:
    """What hassfest, HACS or Home Assistant's loader would reject in a manifest."""
    problems = [f"unknown key {key}" for key in manifest if key not in HASSFEST_KEYS]
    problems += [f"missing {key}" for key in MANIFEST_REQUIRED if not manifest.get(key)]
    keys = list(manifest)
    if keys[:2] != ["domain", "name"] or keys[2:] != sorted(keys[2:]):
        problems.append("keys not sorted: domain, name, then alphabetical")
    for key in ("documentation", "issue_tracker"):
        try:
            vol.Url()(manifest.get(key))
        except vol.Invalid:
            problems.append(f"{key} is not a URL")
    if not str(manifest.get("documentation")).startswith("https://"):
        problems.append("documentation is not https")
    if manifest.get("integration_type", "hub") not in INTEGRATION_TYPES:
        problems.append("integration_type")
    if manifest.get("iot_class") not in IOT_CLASSES:
        problems.append("iot_class")
    try:
        AwesomeVersion(manifest.get("version"), ensure_strategy=VERSION_STRATEGIES)
    except AwesomeVersionException:
        problems.append("version refused by the loader")
    for logger in manifest.get("loggers", []):
        try:
            importlib.import_module(logger)
        except ImportError:
            problems.append(f"logger {logger} names no module")
    core = Path(homeassistant.components.__file__).parent
    if (core / str(manifest.get("domain"))).exists():
        problems.append("domain collides with a built-in integration")
    return problems


def _hacs_problems(hacs: dict[str, Any]) -> list[str]:
    """What HACS would reject in hacs.json."""
    problems = [] if "name" in hacs else ["missing name"]
    for key, value in hacs.items():
        if key not in HACS_KEYS:
            problems.append(f"unknown key {key}")
        elif not isinstance(value, HACS_KEYS[key]):
            problems.append(f"{key} has the wrong type")
    return problems


def test_manifest_passes_hassfest_and_hacs() -> None:
    """Our manifest.json breaks none of the rules."""
    assert _manifest_problems(_json(INTEGRATION / "manifest.json")) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"homeassistant": "2026.1.0"}, "unknown key homeassistant"),
        ({"issue_tracker": None}, "missing issue_tracker"),
        ({"version": "latest"}, "version refused by the loader"),
        ({"documentation": "http://example.com"}, "documentation is not https"),
        ({"issue_tracker": "not a url"}, "issue_tracker is not a URL"),
        ({"iot_class": "cloud"}, "iot_class"),
        ({"integration_type": "bridge"}, "integration_type"),
        (
            {"loggers": ["custom_components.skycentric"]},
            "logger custom_components.skycentric names no module",
        ),
        ({"domain": "sensor"}, "domain collides with a built-in integration"),
        ({"aaa": 1}, "keys not sorted: domain, name, then alphabetical"),
    ],
)
def test_manifest_rules_catch(change: dict[str, Any], problem: str) -> None:
    """Each rule finds what it is for."""
    manifest = _json(INTEGRATION / "manifest.json") | change
    assert problem in _manifest_problems(manifest)


def test_hacs_json_passes_hacs() -> None:
    """hacs.json has a name and only keys HACS allows for an integration, of their types."""
    hacs = _json(ROOT / "hacs.json")
    assert _hacs_problems(hacs) == []
    assert _hacs_problems({k: v for k, v in hacs.items() if k != "name"}) == ["missing name"]
    assert _hacs_problems(hacs | {"domains": ["sensor"]}) == ["unknown key domains"]
    assert _hacs_problems(hacs | {"render_readme": "yes"}) == ["render_readme has the wrong type"]


def test_license_is_mit() -> None:
    """A license HACS and users can recognise, named in the README."""
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")
    assert "[MIT](LICENSE)" in README.read_text()


# "Home Assistant 2026.10.4 or newer" (the words may wrap onto the next line).
_MINIMUM_HA = re.compile(r"Home\s+Assistant\s+(\d{4}\.\d{1,2}(?:\.\d+)?)\s+or\s+newer")


def test_readme_names_the_hacs_minimum() -> None:
    """The README's minimum Home Assistant version is hacs.json's, to the patch release."""
    minimum = _json(ROOT / "hacs.json")["homeassistant"]
    stated = _MINIMUM_HA.findall(README.read_text())
    assert stated, 'README.md says nowhere "Home Assistant <version> or newer"'
    assert set(stated) == {minimum}, f"README.md says {stated}, hacs.json says {minimum}"


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_every_friendly_name_is_translated() -> None:
    """Each translation key of the name table has English text with the same placeholders."""
    entity = _json(INTEGRATION / "translations" / "en.json")["entity"]
    alarm_rule = next(rule for rule in RULES if rule.name == "alarm")
    for name in NAMES:
        groups = set(name.pattern.groupindex)
        key = name.translation_key
        texts = [entity[p][key]["name"] for p in ("sensor", "binary_sensor") if key in entity[p]]
        assert texts, key
        assert all(_placeholders(text) == groups for text in texts), key
        if alarm_rule.id_pattern and alarm_rule.id_pattern.search(name.pattern.pattern):
            problem = entity["binary_sensor"][f"{key}_problem"]["name"]
            assert _placeholders(problem) == groups, key


def test_every_family_field_is_translated() -> None:
    """Each description of a payload family (families.py) has English text in its platform,
    with the placeholders it fills (a CT channel's ``ct``, given per channel)."""
    entity = _json(INTEGRATION / "translations" / "en.json")["entity"]
    described = [(d, set(d.translation_placeholders or {})) for d in (*CTA2045, *THERMOSTAT)]
    described += [(description, {"ct"}) for description in CT.values()]
    for description, placeholders in described:
        binary = isinstance(description, SkyCentricsBinarySensorEntityDescription)
        key = description.translation_key
        assert key is not None
        text = entity["binary_sensor" if binary else "sensor"][key]["name"]
        assert _placeholders(text) == placeholders, key


def test_icons_refer_to_translated_entities() -> None:
    """Every icon belongs to an entity translation key."""
    icons = _json(INTEGRATION / "icons.json")["entity"]
    entity = _json(INTEGRATION / "translations" / "en.json")["entity"]
    for platform, keys in icons.items():
        assert set(keys) <= set(entity[platform]), platform


def test_config_flow_texts() -> None:
    """Every step and error the flows use has text."""
    texts = _json(INTEGRATION / "translations" / "en.json")
    config = texts["config"]
    source = (INTEGRATION / "config_flow.py").read_text()
    steps = set(re.findall(r'step_id="(\w+)"', source))
    assert steps <= set(config["step"]) | set(texts["options"]["step"])
    # Set (errors[...] = "x"), returned ({"base": "x"}, {CONF_URL: "x"}) or a field rule's
    # (msg="x", Invalid("x")); equal, so that a pattern that stops finding them fails.
    pattern = r'(?:errors\[[^\]]+\] = |(?:"base"|CONF_\w+): |msg=|Invalid\()"(\w+)"'
    errors = set(re.findall(pattern, source))
    assert errors == set(config["error"])
    for step in config["step"].values():
        assert set(step.get("data", {})) == set(step.get("data_description", {}))
