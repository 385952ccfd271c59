"""The durable update path against the sandbox: inbox, runner, outbox, sender, restarts."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import subprocess
import sys
from pathlib import Path

from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.pipeline.inbox import store_updates
from bot.pipeline.outbox import Outbox
from domain.clock import SystemClock
from domain.models import InboxUpdate
from domain.storage.repositories.pipeline import DONE, PARKED, PENDING, InboxRepository

CONSOLE_SCRIPT = Path(sys.executable).parent / "aftersales"


async def echo(update: Update, context) -> None:
    await context.outbox.send_message(update.effective_chat.id, f"echo: {update.message.text}")
    raise ApplicationHandlerStop  # the project's own handlers (later groups) stay out of these tests


ECHO = MessageHandler(filters.TEXT & ~filters.COMMAND, echo)


async def ignore(update: Update, context) -> None:
    raise ApplicationHandlerStop


# For tests about the outbox alone: the buyer's first "hi" gets no answer of the project's.
IGNORE_TEXT = MessageHandler(filters.TEXT & ~filters.COMMAND, ignore)


def failing_on_boom(calls: list[str], healed: list[bool]):
    """Echoes, except that "boom" fails after recording a message, until ``healed`` holds True."""

    async def handle(update: Update, context) -> None:
        text = update.message.text
        calls.append(text)
        if text == "boom" and not healed:
            await context.outbox.send_message(update.effective_chat.id, "must never be sent")
            raise RuntimeError("the handler broke")
        await context.outbox.send_message(update.effective_chat.id, f"echo: {text}")
        raise ApplicationHandlerStop

    return MessageHandler(filters.TEXT & ~filters.COMMAND, handle)


async def aftersales(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The console script, in a thread: the bot under test keeps running meanwhile."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_") and k != "TELEGRAM_BOT_TOKEN"}
    env["AFTERSALES_DATABASE_URL"] = database_url
    command = [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.exists() else [sys.executable, "-m", "bot.cli"]
    return await asyncio.to_thread(
        subprocess.run, [*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


async def test_a_message_is_stored_handled_and_answered_after_the_commit(bot_factory, client, probe, wait_until):
    bot = bot_factory([ECHO])
    await bot.start()
    alice = await client.user("Alice")
    await alice.send("hello")
    answer = await alice.expect(contains="echo: hello")

    async def marked_sent() -> bool:  # the mark commits just after Telegram's answer
        return all(row.sent_at is not None for row in await probe.outbox())

    await wait_until(marked_sent, what="the outbox row to be marked sent")

    [row] = await probe.inbox()
    assert row.status == DONE and row.attempts == 0 and row.payload["message"]["text"] == "hello"
    assert row.conversation_key == f"{alice.id}:{alice.id}"
    [sent] = await probe.outbox()
    assert sent.update_id == row.update_id and sent.sent_at is not None
    assert sent.telegram_message_id == answer.message_id


async def test_the_same_update_twice_has_one_effect(bot_factory, client, probe, uow_factory, wait_until):
    alice = await client.user("Alice")
    await alice.send("once")
    # What a poller killed between its commit and the next getUpdates sees after the restart:
    # Telegram delivers the same batch again.
    bot = bot_factory([ECHO])
    await bot.start()
    await alice.expect(contains="echo: once")
    [row] = await probe.inbox()
    clock = SystemClock()
    assert await store_updates(uow_factory, clock, [row.payload]) == 0
    assert await store_updates(uow_factory, clock, [row.payload, row.payload]) == 0
    await asyncio.sleep(0.5)  # time enough for a second handling to show
    assert await probe.texts(alice) == ["echo: once"]
    assert len(await probe.inbox()) == 1 and len(await probe.outbox()) == 1


async def test_a_batch_with_a_duplicate_inside_stores_it_once(uow_factory):
    raw = {
        "update_id": 77,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "A"},
            "text": "x",
        },
    }
    assert await store_updates(uow_factory, SystemClock(), [raw, raw]) == 1


async def test_a_malformed_update_is_parked_with_the_reason_not_lost(uow_factory):
    assert await store_updates(uow_factory, SystemClock(), [{"update_id": 9, "message": {"chat": {"id": "x"}}}]) == 1
    async with uow_factory() as uow:
        row = await InboxRepository(uow.session).get(9)
    assert row.status == PARKED and "malformed update" in row.last_error


async def test_a_failing_handler_is_retried_then_parked_and_other_chats_go_on(
    bot_factory, client, probe, database_url, tmp_path, wait_until
):
    calls: list[str] = []
    healed: list[bool] = []
    bot = bot_factory([failing_on_boom(calls, healed)], retry_delays=(0.05, 0.1))
    await bot.start()
    alice, bob = await client.user("Alice"), await client.user("Bob")
    await alice.send("boom")
    await bob.send("fine")
    await bob.expect(contains="echo: fine")

    async def parked() -> bool:
        return any(row.status == PARKED for row in await probe.inbox())

    await wait_until(parked, what="the failing update to be parked")
    assert calls.count("boom") == 3  # the first try and two retries
    [row] = [row for row in await probe.inbox() if row.status == PARKED]
    assert row.attempts == 3 and "RuntimeError: the handler broke" in row.last_error
    # The user is told once, politely; the failed tries' own messages never leave.
    await alice.expect(contains="")
    assert all("never" not in text for text in await probe.texts(alice))
    assert len(await probe.texts(alice)) == 1
    assert all(sent.payload["text"] != "must never be sent" for sent in await probe.outbox())
    # The conversation is not stuck behind the parked update.
    await alice.send("still there?")
    await alice.expect(contains="echo: still there?")

    listing = await aftersales("inbox", database_url=database_url, cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert f"{row.update_id}\t{alice.id}:{alice.id}\tattempts 3\tRuntimeError: the handler broke" in listing.stdout

    healed.append(True)
    retried = await aftersales("inbox", "retry", str(row.update_id), database_url=database_url, cwd=tmp_path)
    assert retried.returncode == 0, retried.stderr
    await alice.expect(contains="echo: boom")
    assert (await_status := {r.update_id: r.status for r in await probe.inbox()})[row.update_id] == DONE, await_status
    again = await aftersales("inbox", "retry", str(row.update_id), database_url=database_url, cwd=tmp_path)
    assert again.returncode == 1 and "is not parked" in again.stderr
    assert (await aftersales("inbox", database_url=database_url, cwd=tmp_path)).stdout.strip() == "no parked updates"


async def test_unsent_outbox_rows_go_out_once_after_a_restart(bot_factory, client, probe, uow_factory, wait_until):
    alice = await client.user("Alice")
    await alice.send("hi")  # Telegram lets a bot write only to people who wrote first
    remembered: list[int] = []

    async def remember(uow, row, result) -> None:
        remembered.append(result["message_id"])

    # Committed before a crash, never sent: the next start sends them, in order, after their dependency.
    async with uow_factory() as uow:
        outbox = Outbox(uow, SystemClock())
        first = await outbox.send_message(alice.id, "one")
        await outbox.send_message(alice.id, "two", after=first, on_result="remember")
        await outbox.send_message(alice.id, "three")
        await uow.commit()

    for _ in range(2):  # the second start must send nothing again
        bot = bot_factory([IGNORE_TEXT], result_hooks={"remember": remember})
        await bot.start()

        async def all_sent() -> bool:
            return all(row.sent_at is not None for row in await probe.outbox())

        await wait_until(all_sent, what="the outbox to be sent")
        await asyncio.sleep(0.3)
        await bot.stop()
    assert await probe.texts(alice) == ["one", "two", "three"]
    rows = await probe.outbox()
    assert remembered == [rows[1].telegram_message_id]


async def test_a_refused_send_is_recorded_and_handed_to_the_failure_hook(
    bot_factory, client, probe, uow_factory, wait_until
):
    alice = await client.user("Alice")
    await alice.send("hi")
    await alice.block()
    failures: list[tuple[int, str]] = []

    async def on_send_failure(uow, row, error: str) -> None:
        failures.append((row.chat_id, error))

    async with uow_factory() as uow:
        first = await Outbox(uow, SystemClock()).send_message(alice.id, "are you there?")
        await Outbox(uow, SystemClock()).send_message(alice.id, "and this?", after=first)
        await uow.commit()
    bot = bot_factory([IGNORE_TEXT], on_send_failure=on_send_failure)
    await bot.start()

    async def failed() -> bool:
        return all(row.failed_at is not None for row in await probe.outbox())

    await wait_until(failed, what="both rows to fail")
    first_row, second_row = await probe.outbox()
    assert "Forbidden" in first_row.last_error and "blocked" in first_row.last_error
    assert f"outbox row {first_row.id} it follows failed" in second_row.last_error
    assert [chat for chat, _ in failures] == [alice.id, alice.id]


async def test_each_chat_keeps_its_order_under_concurrency(bot_factory, client, probe):
    rng = random.Random(7)

    async def slow_echo(update: Update, context) -> None:
        await asyncio.sleep(rng.uniform(0, 0.02))  # handlers of different chats overlap and overtake
        await context.outbox.send_message(update.effective_chat.id, f"echo: {update.message.text}")
        raise ApplicationHandlerStop

    bot = bot_factory([MessageHandler(filters.TEXT, slow_echo)], concurrent_updates=4, max_in_flight_sends=3)
    await bot.start()
    buyers = [await client.user(f"Buyer {n}") for n in range(6)]

    async def chat(buyer) -> None:
        for n in range(8):
            await buyer.send(f"{n}")

    await asyncio.gather(*(chat(buyer) for buyer in buyers))
    for buyer in buyers:
        for n in range(8):
            await buyer.expect(contains=f"echo: {n}", timeout=15)  # the next one must be this one: in order
        assert await probe.texts(buyer) == [f"echo: {n}" for n in range(8)]


async def test_a_replayed_button_press_is_not_a_failure(bot_factory, client, probe, uow_factory, wait_until):
    bot = bot_factory([])
    await bot.start()
    alice = await client.user("Alice")
    await alice.send("/start")
    greeting = await alice.expect(contains="Hello")
    await greeting.press("❓ Help")
    await alice.expect(contains="How I can help")
    press = [row for row in await probe.inbox() if "callback_query" in row.payload][0]
    # A crash before the commit would hand the runner the same press again; its answer is refused.
    async with uow_factory() as uow:
        await uow.session.execute(
            InboxUpdate.__table__.update().where(InboxUpdate.update_id == press.update_id).values(status=PENDING)
        )
        await uow.commit()

    async def handled_again() -> bool:
        return len([t for t in await probe.texts(alice) if "How I can help" in t]) == 2

    await wait_until(handled_again, what="the replayed press to be handled")
    replayed = {row.update_id: row for row in await probe.inbox()}[press.update_id]
    assert replayed.status == DONE and replayed.attempts == 0


async def test_an_update_id_telegram_reuses_after_a_reset_is_a_new_update(uow_factory):
    def text_update(text: str) -> dict:
        return {
            "update_id": 100_000_001,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5, "type": "private"},
                "from": {"id": 5, "is_bot": False, "first_name": "A"},
                "text": text,
            },
        }

    clock = SystemClock()
    assert await store_updates(uow_factory, clock, [text_update("before the reset")]) == 1
    # Still pending: the same id with other content is not taken for the old update's replacement.
    assert await store_updates(uow_factory, clock, [text_update("after the reset")]) == 0
    async with uow_factory() as uow:
        assert await InboxRepository(uow.session).mark_done(100_000_001, at=clock.now())
        await uow.commit()
    assert await store_updates(uow_factory, clock, [text_update("after the reset")]) == 1
    assert await store_updates(uow_factory, clock, [text_update("after the reset")]) == 0
    async with uow_factory() as uow:
        row = await InboxRepository(uow.session).get(100_000_001)
    assert row.status == PENDING and row.payload["message"]["text"] == "after the reset"


async def test_telegrams_429_is_obeyed_and_the_chat_order_kept(
    bot_factory, client, probe, sandbox, uow_factory, wait_until, caplog
):
    caplog.set_level(logging.INFO, logger="bot.pipeline.sender")
    sandbox.rate_limiter.enabled = True  # Telegram's flood limits: a burst of 3, then 1/s per private chat
    alice = await client.user("Alice")
    await alice.send("hi")
    async with uow_factory() as uow:
        outbox = Outbox(uow, SystemClock())
        for n in range(6):
            await outbox.send_message(alice.id, f"notice {n}")
        await uow.commit()
    # Our own limiter lets everything through at once, so only Telegram's retry_after paces the sends.
    bot = bot_factory([IGNORE_TEXT])
    await bot.start()

    async def all_sent() -> bool:
        return all(row.sent_at is not None for row in await probe.outbox())

    await wait_until(all_sent, timeout=15, what="the sends to get past the 429s")
    assert await probe.texts(alice) == [f"notice {n}" for n in range(6)]
    assert all(row.failed_at is None for row in await probe.outbox())
    assert any("Telegram asks to wait" in record.message for record in caplog.records)
