"""`aftersales run` with no token: the sandbox, demo people and data, the bot, a URL.

Runs the real console entry point as a newcomer would (`make run` calls it),
then chats with the bot as a demo buyer through the printed address.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from sandbox.client import SandboxClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_offline(
    workdir: Path, port: int, *, extra_env: dict[str, str] | None = None
) -> tuple[asyncio.subprocess.Process, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AFTERSALES_", "TELEGRAM_"))}
    env["AFTERSALES_SANDBOX_PORT"] = str(port)
    env.update(extra_env or {})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
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


async def stop(process: asyncio.subprocess.Process, sig: signal.Signals = signal.SIGINT) -> tuple[int, str]:
    """Stop the bot as Ctrl-C (or a service manager) does; returns its exit status and what it printed after the URL."""
    process.send_signal(sig)
    async with asyncio.timeout(30):
        rest, _ = await process.communicate()
    return process.returncode, rest.decode(errors="replace")


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
        assert (await stop(process))[0] == 0
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
        assert (await stop(process))[0] == 0


# Loaded by the bot's interpreter (PYTHONPATH): a task dropped while pending is only reported
# when the garbage collector destroys it, which an idle bot may do minutes later or never
# before it exits; collecting often makes it show within the test.
GC_HOOK = """\
import gc, threading, time

def _collect():
    while True:
        time.sleep(0.2)
        gc.collect()

threading.Thread(target=_collect, name="test-gc", daemon=True).start()
"""


async def drop_websocket(port: int, person_id: int) -> None:
    """Open a person's live feed as the web chat does, then vanish without a closing handshake (a closed laptop)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /control/people/{person_id}/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    await asyncio.sleep(0.3)  # the handler is waiting for events and for the client
    writer.transport.abort()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
async def test_offline_run_stops_cleanly_after_idling_with_web_chats(tmp_path, sig):
    """Dropped and open web chats, a message, some idling, a stop: not one task is left pending, nothing at ERROR."""
    hook = tmp_path / "gc_hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(GC_HOOK)
    python_path = os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))
    port, ops_port = free_port(), free_port()
    env = {"PYTHONPATH": python_path, "AFTERSALES_HTTP_PORT": str(ops_port), "AFTERSALES_LOG_FORMAT": "json"}
    process, url = await start_offline(tmp_path, port, extra_env=env)
    try:
        async with SandboxClient(url.rstrip("/")) as sandbox, aiohttp.ClientSession() as http:
            people = await sandbox.call("GET", "/people")
            for person in people:
                await drop_websocket(port, person["id"])
            # One web chat stays open through the stop: the sandbox closes it on the way out.
            open_chat = await http.ws_connect(f"{url}control/people/{people[0]['id']}/ws")
            anna = await sandbox.person(next(p["id"] for p in people if p["label"] == "Buyer · Anna Schmidt"))
            await anna.send("/start")
            await anna.expect(contains="Hello, Anna", timeout=15)
            # The operator's endpoints answer beside it (and stop with it).
            async with http.get(f"http://127.0.0.1:{ops_port}/readyz") as ready:
                assert (ready.status, (await ready.json())["ok"]) == (200, True)
            async with http.get(f"http://127.0.0.1:{ops_port}/metrics") as scraped:
                assert 'aftersales_updates_total{outcome="handled",type="message"}' in await scraped.text()
            await asyncio.sleep(2)  # idle: the poller's long polls, the sweeper's rounds, the collector
            status, printed = await stop(process, sig)
            await open_chat.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert "Task was destroyed but it is pending" not in printed, printed
    logged = [json.loads(line) for line in printed.splitlines() if line.startswith("{")]  # one event a line
    assert "Application.stop() complete" in [line["message"] for line in logged], printed
    assert not [line for line in logged if line["level"] in ("ERROR", "CRITICAL")], printed
    assert "Traceback" not in printed, printed
    assert status == 0, printed
