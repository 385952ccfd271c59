"""Browser harness: the sandbox on a free port, headless Debian Chromium, and a
stand-in bot that speaks raw Bot API over HTTP (the real bot is not part of
these tests; the page is).

Chromium missing is a skip on a developer machine and a failure in CI
(AFTERSALES_TEST_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import zlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Page, async_playwright

from sandbox.server import SandboxServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path("/tmp/webchat-screenshots")
BOT_TOKEN = "123456:BROWSER-TEST-TOKEN"


class BotApiError(AssertionError):
    pass


class StandInBot:
    """Plays the bot through the sandbox's Bot API, as any HTTP client would."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, user: Any) -> None:
        self.session = session
        self.base_url = base_url
        self.user = user
        self.offset = 0

    @property
    def id(self) -> int:
        return self.user.id

    async def call(self, method: str, files: dict[str, tuple[str, bytes, str]] | None = None, **params: Any) -> Any:
        url = f"{self.base_url}{BOT_TOKEN}/{method}"
        if files:
            form = aiohttp.FormData()
            for key, value in params.items():
                form.add_field(key, value if isinstance(value, str) else json.dumps(value))
            for key, (name, data, mime) in files.items():
                form.add_field(key, data, filename=name, content_type=mime)
            response = await self.session.post(url, data=form)
        else:
            response = await self.session.post(url, json=params)
        body = await response.json()
        if not body.get("ok"):
            raise BotApiError(f"{method} failed: {body}")
        return body["result"]

    async def next_update(self, wanted: Callable[[dict[str, Any]], bool], timeout: float = 15.0) -> dict[str, Any]:
        """The first update `wanted` accepts; updates before it are consumed."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            for update in await self.call("getUpdates", offset=self.offset, timeout=1):
                self.offset = update["update_id"] + 1
                if wanted(update):
                    return update
        raise AssertionError(f"no wanted update within {timeout}s")


def png_bytes(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, built by hand so the tests need no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def server(sandbox_server: SandboxServer) -> SandboxServer:
    return sandbox_server


@pytest.fixture
async def bot(server: SandboxServer) -> AsyncIterator[StandInBot]:
    user = server.world.add_bot(token=BOT_TOKEN, username="aftersales_bot", first_name="Aftersales")
    async with aiohttp.ClientSession() as session:
        yield StandInBot(session, server.bot_api_base_url, user)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("AFTERSALES_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        await context.close()
    assert not errors, f"the page threw: {errors}"


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], Any]:
    """Saves a screenshot to /tmp (never the repository) for a human to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        await page.screenshot(path=str(path))
        return path

    return take


@pytest.fixture
def png() -> Callable[[int, int, tuple[int, int, int]], bytes]:
    return png_bytes
