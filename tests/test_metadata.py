"""manifest.json, hacs.json, translations and icons agree with the code (what hassfest checks)."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

from custom_components.skycentrics.classification import NAMES, RULES
from custom_components.skycentrics.descriptions import SkyCentricsBinarySensorEntityDescription
from custom_components.skycentrics.families import CT, CTA2045, THERMOSTAT

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "skycentrics"


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_manifest() -> None:
    """Keys sorted the hassfest way, everything HACS and hassfest ask for, no requirements."""
    manifest = _json(INTEGRATION / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "skycentrics"
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "cloud_polling"
    assert manifest["integration_type"] == "hub"
    assert manifest["requirements"] == []
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["codeowners"]


def test_hacs() -> None:
    """hacs.json names the integration and the Home Assistant release the tests ran on."""
    hacs = _json(ROOT / "hacs.json")
    assert hacs["name"] == "SkyCentrics"
    requirements = (ROOT / "requirements_test.txt").read_text()
    assert "pytest-homeassistant-custom-component==0.13.375" in requirements
    assert hacs["homeassistant"] == "2026.10.4"  # what 0.13.375 brings


README = ROOT / "README.md"
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
