"""README's Installation through the Marketplace, word for word, in a real Home Assistant 2026.11+.

The names README's Marketplace steps give are read out of README.md and clicked in a browser, up
to the GitHub connection (GitHub is out of reach here): Settings, the Marketplace, its first-run
warning, the "Add from link" dialog with the repository, and the GitHub connection the
Marketplace asks for before it adds a custom repository. Then README's My Home Assistant link,
opened on this Home Assistant (``/_my_redirect/<name>?<params>`` is handled by the frontend
itself), lands on the Marketplace's add-repository step for this repository. Every bold name of
those steps, also the ones past GitHub, is one of the frontend's (or the Marketplace's) English
strings. With ``SKYCENTRICS_UPDATE_SCREENSHOTS=1`` the dialog's screenshot goes to docs/images/.

Skipped on a Home Assistant without the Marketplace (before 2026.11: the pinned release).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
import json
import os
from pathlib import Path
import re
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError, Locator, Page, expect
import pytest

from .browser import PAGE_TEXT, logged_in_page, screenshot
from .conftest import HA_PYTHON, PASSWORD, ROOT, USERNAME, Stack, ha_version

DOCS_IMAGES = ROOT / "docs" / "images"
UPDATE_DOCS = os.environ.get("SKYCENTRICS_UPDATE_SCREENSHOTS") == "1"
MANIFEST = ROOT / "custom_components" / "skycentrics" / "manifest.json"
# README's Marketplace steps, whitespace folded; each group is a name the frontend shows.
STEPS = re.compile(
    r"1\. Go to \*\*(?P<settings>[^*]+)\*\* → \*\*(?P<marketplace>[^*]+)\*\*\. The first time, it"
    r" shows \*\*(?P<warning>[^*]+)\*\*: check \*\*(?P<agree>[^*]+)\*\* and select"
    r" \*\*(?P<accept>[^*]+)\*\*\. "
    r"2\. Select \*\*(?P<add_from_link>[^*]+)\*\* \(top right\)\. In \*\*(?P<dialog>[^*]+)\*\*,"
    r" enter `(?P<url>[^`]+)` as \*\*(?P<link>[^*]+)\*\* and select \*\*(?P<add>[^*]+)\*\*\."
    r" The Marketplace tells the type on its own; should it ask for \*\*(?P<type_label>[^*]+)\*\*,"
    r" choose \*\*(?P<type>[^*]+)\*\* and select \*\*(?P=add)\*\* again\. "
    r"(?:!\[[^\]]*\]\([^)]*\) )?"  # the screenshot
    r"3\. Without a GitHub connection, \*\*(?P<connect>[^*]+)\*\* opens first: select"
    r" \*\*(?P<connect_continue>[^*]+)\*\*, open (?P<device_url>\S+), "
)
MY_LINK = re.compile(
    r"\[[^\]]+\]\((?P<link>https://my\.home-assistant\.io/redirect/[^)]+)\) \(My Home Assistant\):"
    r" it asks to \*\*(?P<add_title>[^*]+)\*\* for this repository \(select \*\*(?P<add>[^*]+)\*\*,"
    r" then go on with step 4\)\. Without a GitHub connection it opens \*\*(?P<connect>[^*]+)\*\*"
    r" instead"
)


def _version(version: str) -> tuple[int, int]:
    year, month = version.split(".")[:2]
    return int(year), int(month)


pytestmark = pytest.mark.skipif(
    _version(ha_version()) < (2026, 11), reason="no Marketplace before Home Assistant 2026.11"
)


def _marketplace_section() -> str:
    """README's Marketplace route, its whitespace (line breaks) folded."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Home Assistant 2026.11 and newer: the Marketplace", 1)[1]
    return " ".join(section.split("\n### ", 1)[0].split())


def _readme(pattern: re.Pattern[str]) -> dict[str, str]:
    match = pattern.search(_marketplace_section())
    assert match, f"README's Marketplace steps no longer read as {pattern.pattern!r}"
    return match.groupdict()


def _dialog(page: Page, title: str) -> Locator:
    """Wait for the dialog titled ``title``; return its element with the slotted content and
    buttons (the element with the dialog role, in its shadow root, holds neither, and a config
    flow's carries no name)."""
    dialog = page.locator("ha-dialog").filter(has=page.get_by_text(title, exact=True))
    expect(dialog.get_by_role("dialog")).to_be_visible()
    return dialog


def _english_strings() -> set[str]:
    """Every English string of the frontend the harness runs, and the Marketplace's own."""
    where = subprocess.run(  # noqa: S603
        [
            HA_PYTHON,
            "-c",
            "import hass_frontend, homeassistant as h; "
            "print(hass_frontend.where()); print(h.__path__[0])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    translations = Path(where[0], "static", "translations")
    files = [*translations.glob("en-*.json"), *translations.glob("*/en-*.json")]
    files = [f for f in files if not f.name.startswith("en-GB")]
    files.append(Path(where[1], "components", "marketplace", "translations", "en.json"))
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, str):
            found.add(value.replace("\xa0", " "))

    for file in files:
        walk(json.loads(file.read_text()))
    return found


def _outside_playwright[T](call: Callable[..., T], *args: Any) -> T:
    """Run a ``stack`` call in a worker thread (Playwright's sync API holds this one's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call, *args).result()


@pytest.fixture(scope="module")
def page(stack: Stack) -> Iterator[Page]:
    """A fresh browser page, logged in as the owner; saved to the artifacts if a test fails."""
    with logged_in_page(stack.ha_url, USERNAME, PASSWORD) as the_page:
        yield the_page


@pytest.fixture(autouse=True)
def _save_on_failure(request: pytest.FixtureRequest, page: Page, stack: Stack) -> Iterator[None]:
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        with suppress(PlaywrightError):
            screenshot(page, stack.artifacts / f"FAILED-{request.node.name}.png")
            text = f"{page.url}\n\n" + "\n".join(page.evaluate(PAGE_TEXT))
            (stack.artifacts / f"FAILED-{request.node.name}.txt").write_text(text)


def test_readme_names_are_the_frontends() -> None:
    """Every bold name of README's Marketplace route is one of the frontend's English strings
    (or the Marketplace's), so steps past GitHub, which no test can click here, use them too."""
    strings = _english_strings()
    names = set(re.findall(r"\*\*([^*]+)\*\*", _marketplace_section()))
    ours = {json.loads((ROOT / "hacs.json").read_text())["name"]}
    assert names - ours, "no names found"
    assert names - ours <= strings, sorted(names - ours - strings)


def test_marketplace_steps_up_to_github(page: Page, stack: Stack) -> None:
    """Settings → Marketplace, the warning, Add from link with README's URL, Add: the
    Marketplace (set up on its own, no step for the user) asks to connect GitHub."""
    names = _readme(STEPS)
    assert names["url"] == json.loads(MANIFEST.read_text())["documentation"]
    entries = _outside_playwright(stack.rest, "GET", "/api/config/config_entries/entry")
    assert [(e["source"], e["state"]) for e in entries if e["domain"] == "marketplace"] == [
        ("system", "loaded")
    ]

    page.locator("ha-sidebar").get_by_text(names["settings"], exact=True).click()
    page.wait_for_url(re.compile(r"/config/dashboard$"))
    page.get_by_role("link", name=re.compile(rf"^{re.escape(names['marketplace'])}\b")).click()
    page.wait_for_url(re.compile(r"/marketplace\b"))

    warning = _dialog(page, names["warning"])
    accept = warning.get_by_role("button", name=names["accept"], exact=True)
    expect(accept).to_be_disabled()
    warning.get_by_text(names["agree"], exact=True).click()
    accept.click()
    expect(warning).to_have_count(0)

    # Without the internet the catalog is empty, and Browse (the first tab) shows that in place
    # of its toolbar; Discover keeps the same toolbar.
    page.get_by_role("link", name="Discover", exact=True).click()  # tabs.discover
    # A toolbar button: its role carries no name, its text does.
    exact = re.compile(rf"^\s*{re.escape(names['add_from_link'])}\s*$")
    page.locator("ha-button").filter(has_text=exact).click()
    dialog = _dialog(page, names["dialog"])
    dialog.get_by_role("textbox", name=names["link"], exact=True).fill(names["url"])
    # Type shows only once the Marketplace (through GitHub) could not tell the type itself.
    expect(dialog.get_by_role("combobox", name=names["type_label"])).to_have_count(0)
    path = stack.artifacts / "marketplace-add-from-link.png"
    screenshot(page, path)
    if UPDATE_DOCS:
        shutil.copyfile(path, DOCS_IMAGES / path.name)
    dialog.get_by_role("button", name=names["add"], exact=True).click()

    connect = _dialog(page, names["connect"])
    expect(
        connect.get_by_role("button", name=names["connect_continue"], exact=True)
    ).to_be_visible()
    assert names["device_url"] == "https://github.com/login/device"  # aiogithubapi's, the flow's


def test_my_link_opens_the_add_repository_step(page: Page, stack: Stack) -> None:
    """README's My Home Assistant link, opened here, lands on the Marketplace's step that adds
    this repository: without GitHub, the connection it needs first, naming the repository."""
    names = _readme(MY_LINK)
    link = urlsplit(names["link"])
    redirect = link.path.removeprefix("/redirect/").strip("/")
    page.goto(f"{stack.ha_url}/_my_redirect/{redirect}?{link.query}")
    page.wait_for_url(re.compile(r"/marketplace/repository\?"))
    assert urlsplit(page.url).query == link.query  # the repository, as the link names it
    _dialog(page, names["connect"])
    repository = "skycentrics-ha/skycentrics-homeassistant"
    expect(page.get_by_text(re.compile(re.escape(repository)))).to_be_visible()
