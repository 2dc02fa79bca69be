"""A headless Chromium, driven by Playwright, that looks at the end-to-end Home Assistant.

No browser is downloaded: Playwright's driver launches the system's Chromium (Debian's, inside
the private root that scripts/setup builds). Playwright gives every launch a new, empty profile
directory and removes it at the end. The machine has no network besides package registries, so
Chromium's background traffic (updates, sync, QUIC probes) is turned off.

Playwright's CSS and text selectors pierce the open shadow roots of Home Assistant's frontend, so
``page.locator("ha-device-entities-card hui-generic-entity-row")`` finds rows nested several
custom elements deep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
import re

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# Milliseconds Playwright waits for an element or a navigation (a page renders in 1 to 3 s).
TIMEOUT_MS = 20_000
# Home Assistant's state translations for binary sensors of these device classes (English).
BINARY_STATES = {
    "problem": {"off": "OK", "on": "Problem"},
    "power": {"off": "Off", "on": "On"},  # a CTA-2045 relay
    None: {"off": "Off", "on": "On"},
}

# The page's visible text, one piece a line, read through every shadow root (innerText stops at
# them): what a failed test's report saves next to its screenshot.
PAGE_TEXT = """() => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.textContent.trim();
      if (text) out.push(text);
      return;
    }
    if (node.nodeType === Node.ELEMENT_NODE && ["STYLE", "SCRIPT"].includes(node.tagName)) return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(document.body);
  return out;
}"""


@contextmanager
def chromium() -> Iterator[Browser]:
    """Launch the system's Chromium (headless); close it, and Playwright's driver, at the end."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_FLAGS)
        )
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser: Browser) -> BrowserContext:
    """A fresh context (no cookies, no stored tokens) with a fixed size, locale and time zone."""
    context = browser.new_context(
        viewport=VIEWPORT,
        locale="en-US",
        timezone_id="America/Los_Angeles",  # Home Assistant's, as scripts/ha_harness.py sets it
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return context


def log_in(page: Page, ha_url: str, username: str, password: str) -> None:
    """Open Home Assistant, let it redirect to its login page, log in, wait for the sidebar."""
    page.goto(ha_url)
    page.wait_for_url(re.compile(r"/auth/authorize\?"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/auth/" not in url and "auth_callback" not in url)
    expect(page.locator("ha-sidebar")).to_be_visible()


@contextmanager
def logged_in_page(
    ha_url: str,
    username: str,
    password: str,
    *,
    viewport: ViewportSize | None = None,
    on_failure: Callable[[Page], None] | None = None,
) -> Iterator[Page]:
    """A page of a fresh browser context (``viewport``: another size), logged in; when the
    block (or the log-in) fails, ``on_failure`` gets the page first (to save it)."""
    with chromium() as browser:
        context = new_context(browser)
        page = context.new_page()
        if viewport is not None:
            page.set_viewport_size(viewport)
        try:
            log_in(page, ha_url, username, password)
            yield page
        except Exception:
            if on_failure is not None:
                on_failure(page)
            raise
        finally:
            context.close()


def screenshot(page: Page, path: Path) -> None:
    """Save what the viewport shows, with animations finished and no blinking caret."""
    page.screenshot(path=path, animations="disabled", caret="hide")


def state_pattern(
    state: str,
    *,
    domain: str,
    precision: int | None = None,
    unit: str | None = None,
    device_class: str | None = None,
) -> re.Pattern[str] | None:
    """How Home Assistant's frontend (English, en-US numbers) shows a state, as a pattern.

    Numbers get thousands separators and ``precision`` decimals (the entity's display
    precision); the unit follows after a space, or none before ``%``: the pattern accepts
    either spacing. ``None`` when the rendering is not certain (e.g. a number with decimals and
    no display precision, where the frontend's own rounding applies), so callers skip those.
    """
    if domain == "button" and state != "unavailable":
        return re.compile(r"\bPress\b")  # a button's row shows its Press button, not a state
    if state in {"unknown", "unavailable"}:
        return re.compile(re.escape(state.capitalize()))
    if domain == "binary_sensor":
        shown = BINARY_STATES.get(device_class)
        return re.compile(re.escape(shown[state])) if shown and state in shown else None
    try:
        value = float(state)
    except ValueError:
        return None
    if precision is not None:
        number = f"{value:,.{precision}f}"
    elif value.is_integer():
        number = f"{int(value):,}"
    else:
        return None
    if not unit:
        return re.compile(rf"(?<![\d.,-]){re.escape(number)}(?![\d.,])")
    return re.compile(rf"(?<![\d.,-]){re.escape(number)}\s?{re.escape(unit)}")
