"""Brand images: the files in custom_components/skycentrics/brand, and Home Assistant serving them.

Since 2026.3 Home Assistant serves a custom integration's own `brand/` folder through its brands
component at /api/brands/integration/<domain>/<image>, ahead of the brands CDN. The frontend asks
for `<dark_?><icon|logo|icon@2x|logo@2x>.png` there with `?token=` (a short-lived token from the
`brands/access_token` websocket command), since an <img> cannot send an Authorization header.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
import struct

from homeassistant.components.brands.const import ALLOWED_IMAGES
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component
from PIL import Image, ImageStat
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import (  # type: ignore[import-untyped]
    AiohttpClientMocker,
)
from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.skycentrics.const import DOMAIN

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / "skycentrics" / "brand"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# What we ship. There is no dark_icon: the sky-blue tile reads on light and dark themes, and
# Home Assistant falls back from dark_icon(@2x) to icon(@2x). The logos carry the name in
# lettering, dark on the light logo and light on the dark one.
SHIPPED = {
    "icon.png",
    "icon@2x.png",
    "logo.png",
    "logo@2x.png",
    "dark_logo.png",
    "dark_logo@2x.png",
}
# Each image the frontend may ask for, and the file Home Assistant must answer it with.
SERVED_AS = {
    "icon.png": "icon.png",  # integration cards, the config flow's "Name and assign" step
    "icon@2x.png": "icon@2x.png",  # the integration page's header
    "dark_icon.png": "icon.png",
    "dark_icon@2x.png": "icon@2x.png",
    "logo.png": "logo.png",  # the device page
    "logo@2x.png": "logo@2x.png",
    "dark_logo.png": "dark_logo.png",
    "dark_logo@2x.png": "dark_logo@2x.png",
}


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG signature and IHDR chunk (which must come first)."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    length, chunk = struct.unpack(">I4s", head[8:16])
    assert (length, chunk) == (13, b"IHDR"), path.name
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_brand_folder_holds_what_home_assistant_serves() -> None:
    """Exactly the shipped files, each a name the brands component accepts (case and all)."""
    names = {path.name for path in BRAND.iterdir()}
    assert names == SHIPPED
    assert names <= ALLOWED_IMAGES
    assert set(SERVED_AS) == ALLOWED_IMAGES


@pytest.mark.parametrize(("name", "size"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_icons_are_square_and_trimmed(name: str, size: int) -> None:
    """Icons: the brands guidelines' sizes, square, with no empty margin around the tile."""
    assert _png_size(BRAND / name) == (size, size)
    with Image.open(BRAND / name) as image:
        image.load()
        assert image.format == "PNG"
        rgba = image.convert("RGBA")
    assert rgba.getchannel("A").getbbox() == (0, 0, size, size)
    assert rgba.getpixel((size // 2, size // 2)) != rgba.getpixel((0, 0))  # drawn, not blank


@pytest.mark.parametrize("prefix", ["", "dark_"])
def test_logos_are_landscape_and_trimmed(prefix: str) -> None:
    """Logos: landscape, shortest side 128-256 (256-512 for @2x), @2x twice the size, trimmed."""
    width, height = _png_size(BRAND / f"{prefix}logo.png")
    width2, height2 = _png_size(BRAND / f"{prefix}logo@2x.png")
    assert width > 2 * height  # the mark with the name beside it
    assert 128 <= height <= 256
    assert height2 == 2 * height
    assert abs(width2 - 2 * width) <= 2
    for name in (f"{prefix}logo.png", f"{prefix}logo@2x.png"):
        with Image.open(BRAND / name) as image:
            alpha = image.convert("RGBA").getchannel("A")
        assert alpha.getbbox() == (0, 0, *alpha.size), name


def test_light_and_dark_logos_differ() -> None:
    """The dark logo is not a copy: its lettering is light."""
    assert (BRAND / "logo.png").read_bytes() != (BRAND / "dark_logo.png").read_bytes()

    def mean_lettering_luma(name: str) -> float:
        with Image.open(BRAND / name) as image:
            rgba = image.convert("RGBA")
        # the right half is all lettering (the mark is at the left)
        half = rgba.crop((rgba.width // 2, 0, rgba.width, rgba.height))
        opaque = half.getchannel("A").point(lambda a: 255 if a == 255 else 0)
        return float(ImageStat.Stat(half.convert("L"), mask=opaque).mean[0])

    assert mean_lettering_luma("logo.png") < 100 < mean_lettering_luma("dark_logo.png")


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_files_are_small(name: str) -> None:
    """Optimised: palette PNGs of a few dozen kilobytes at most."""
    assert (BRAND / name).stat().st_size < 64 * 1024


async def test_home_assistant_serves_our_images_to_the_frontend(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Each image, asked for as the frontend asks (token in the query, no Authorization header),
    answers 200 with our bytes, from the brand folder and never from the brands CDN."""
    assert await async_setup_component(hass, "http", {"http": {}})
    assert await async_setup_component(hass, "brands", {})
    integration = await async_get_integration(hass, DOMAIN)
    assert not integration.is_built_in
    assert integration.has_branding

    websocket = await hass_ws_client(hass)
    await websocket.send_json_auto_id({"type": "brands/access_token"})
    answer = await websocket.receive_json()
    assert answer["success"], answer
    token = answer["result"]["token"]

    client = await hass_client_no_auth()
    for image, served in SERVED_AS.items():
        response = await client.get(f"/api/brands/integration/{DOMAIN}/{image}?token={token}")
        assert response.status == HTTPStatus.OK, image
        assert response.content_type == "image/png", image
        assert await response.read() == (BRAND / served).read_bytes(), image
    assert aioclient_mock.call_count == 0  # nothing fetched from brands.home-assistant.io

    # Without the token (an expired one, or none) the same address is refused, which is why
    # the frontend's URL carries it.
    response = await client.get(f"/api/brands/integration/{DOMAIN}/icon.png")
    assert response.status == HTTPStatus.FORBIDDEN
    response = await client.get(f"/api/brands/integration/{DOMAIN}/icon.png?token=stale")
    assert response.status == HTTPStatus.FORBIDDEN
