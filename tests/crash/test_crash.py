"""Kill the bot with SIGKILL at random moments while buyers write; nothing is lost or done twice.

The bot (``crash_bot.py``, the project's app with a three-step test
conversation) runs as a subprocess against a sandbox in this process. Buyers
keep writing while it is killed and restarted; afterwards every message is
stored exactly once, at the right step of its buyer's conversation, and
answered; repeated answers are bounded by kills × sends in flight.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path

from domain.storage.migrate import upgrade
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer

BOT_SCRIPT = Path(__file__).resolve().parent / "crash_bot.py"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7100000001:crash-test-token"
SEED = 20261122
BUYERS = 20
MESSAGES_EACH = 15
KILLS = 5
STEPS = 3
IN_FLIGHT_SENDS = 4  # crash_bot.IN_FLIGHT_SENDS


async def start_bot(api_url: str, database_url: str, log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AFTERSALES_", "TELEGRAM_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BOT_SCRIPT),
        TOKEN,
        api_url,
        database_url,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=log.open("ab"),
    )
    async with asyncio.timeout(30):
        line = await process.stdout.readline()
    assert line.startswith(b"ready"), f"the bot did not start: {line!r}"
    return process


async def kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def test_killed_and_restarted_bot_loses_nothing_and_repeats_little(tmp_path):
    rng = random.Random(SEED)
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'crash.sqlite3'}"
    await upgrade(database_url)
    server = SandboxServer(host="127.0.0.1", port=0, strict=True)
    await server.start()
    server.world.add_bot(token=TOKEN, username="crash_test_bot", first_name="Crash")
    process = None
    try:
        async with SandboxClient(server.url) as client:
            buyers = [await client.user(f"Buyer {n}") for n in range(BUYERS)]
            process = await start_bot(server.bot_api_base_url, database_url, tmp_path / "bot.log")

            async def write(buyer, pause_rng: random.Random) -> None:
                for n in range(MESSAGES_EACH):
                    await buyer.send(f"m{n}")
                    await asyncio.sleep(pause_rng.uniform(0, 0.6))

            writers = asyncio.gather(*(write(b, random.Random(rng.random())) for b in buyers))
            for _ in range(KILLS):
                await asyncio.sleep(rng.uniform(0.3, 1.5))
                await kill(process)
                await asyncio.sleep(rng.uniform(0, 0.3))
                process = await start_bot(server.bot_api_base_url, database_url, tmp_path / "bot.log")
            await writers

            async def answers(buyer) -> list[str]:
                messages = await client.call(
                    "GET", f"/people/{buyer.id}/chats/{buyer.default_chat}/messages", params={"limit": 1000}
                )
                return [m["text"] for m in messages if m["from"]["is_bot"]]

            expected = {b.id: [f"step {n % STEPS}: m{n}" for n in range(MESSAGES_EACH)] for b in buyers}
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while True:
                got = {b.id: await answers(b) for b in buyers}
                missing = {
                    i: sorted(set(expected[i]) - set(got[i])) for i in expected if set(expected[i]) - set(got[i])
                }
                if not missing:
                    break
                assert loop.time() < deadline, f"unanswered after 30 s: {missing}"
                await asyncio.sleep(0.2)
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(20):
                await process.wait()
            process = None
    finally:
        if process is not None:
            await kill(process)
        await server.stop()

    # Every message stored exactly once, at the step its place in the conversation gives it.
    with sqlite3.connect(tmp_path / "crash.sqlite3") as db:
        stored = db.execute("SELECT buyer_id, text, step FROM crash_messages ORDER BY id").fetchall()
        parked = db.execute("SELECT count(*) FROM inbox_updates WHERE status != 'done'").fetchone()[0]
    assert len(stored) == BUYERS * MESSAGES_EACH
    assert Counter((buyer, text) for buyer, text, _ in stored).most_common(1)[0][1] == 1
    assert all(step == int(text[1:]) % STEPS for _, text, step in stored)
    assert parked == 0
    # Every answer right and in order per buyer; repeats only from kills between a send and its mark.
    duplicates = 0
    for buyer_id, texts in got.items():
        first_seen = list(dict.fromkeys(texts))
        assert first_seen == expected[buyer_id], (buyer_id, texts)
        duplicates += len(texts) - len(first_seen)
    assert duplicates <= KILLS * IN_FLIGHT_SENDS, duplicates
    assert server.violations == [], server.violations
