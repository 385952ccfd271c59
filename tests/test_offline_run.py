"""`aftersales run` with no token: the sandbox, demo people and data, the bot, a URL.

Runs the real console entry point as a newcomer would (`make run` calls it),
then chats with the bot as a demo buyer through the printed address.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from sandbox.client import SandboxClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_offline(workdir: Path, port: int) -> tuple[asyncio.subprocess.Process, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AFTERSALES_", "TELEGRAM_"))}
    env["AFTERSALES_SANDBOX_PORT"] = str(port)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        cwd=workdir, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    seen = []
    async with asyncio.timeout(60):
        while True:
            line = (await process.stdout.readline()).decode()
            if not line:
                raise AssertionError("run ended before printing a URL:\n" + "".join(seen))
            seen.append(line)
            match = re.search(r"Open the web chat: (http://\S+)", line)
            if match:
                return process, match.group(1)


async def stop(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGINT)
    async with asyncio.timeout(30):
        await process.communicate()
    return process.returncode


async def test_newcomer_chats_with_the_bot_offline_and_can_restart(tmp_path):
    port = free_port()
    process, url = await start_offline(tmp_path, port)
    try:
        assert url == f"http://127.0.0.1:{port}/"
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as page:
                assert page.status == 200
                assert "<html" in (await page.text()).lower()
        async with SandboxClient(url.rstrip("/")) as sandbox:
            people = await sandbox.call("GET", "/people")
            labels = [p["label"] for p in people]
            assert any(label.startswith("Buyer") for label in labels)
            assert any(label.startswith("Agent") for label in labels)
            assert any(label.startswith("Moderator") for label in labels)
            anna = await sandbox.person(next(p["id"] for p in people if p["label"] == "Buyer · Anna Schmidt"))
            await anna.send("/start")
            greeting = await anna.expect(contains="Hello, Anna", timeout=15)
            # Demo buyers were bound to their demo orders (claimed by number and phone).
            orders = await anna.expect(contains="Your orders", timeout=15)
            assert any("BG-1001" in label for row in orders.buttons for label in row), orders.buttons
            await greeting.press("❓ Help")
            await anna.expect(contains="How I can help", timeout=15)
            assert await sandbox.violations() == []
    finally:
        assert await stop(process) == 0
    assert (tmp_path / "aftersales.sqlite3").exists()

    # The same directory again: the database is reused, demo data re-seeded, the bot answers.
    process, url = await start_offline(tmp_path, port)
    try:
        async with SandboxClient(url.rstrip("/")) as sandbox:
            people = await sandbox.call("GET", "/people")
            li = await sandbox.person(next(p["id"] for p in people if p["label"] == "Buyer · Li Wei"))
            await li.send("/start")
            await li.expect(contains="您好", timeout=15)
    finally:
        assert await stop(process) == 0
