"""The runner and what is no failure of an update: a lost race, and a look-up made outside the transaction."""

from __future__ import annotations

import pytest
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.pipeline.lookups import lookup
from domain.errors import ConcurrentChange, DomainError
from domain.storage.conflicts import CONFLICT_RETRIES
from domain.storage.repositories.pipeline import DONE, PARKED


def racing(calls: list[int], losses: int):
    """Records a message, then loses a compare-and-set on its first `losses` tries (inside a polite catch-all)."""

    async def handle(update: Update, context) -> None:
        calls.append(1)
        chat = update.effective_chat.id
        await context.outbox.send_message(chat, f"try {len(calls)}")
        try:
            if len(calls) <= losses:
                raise ConcurrentChange("ticket", 1)
        except DomainError:  # what handlers do with business errors; a lost race must not end here
            await context.outbox.send_message(chat, "swallowed")
            raise ApplicationHandlerStop from None
        await context.outbox.send_message(chat, "done")
        raise ApplicationHandlerStop

    return MessageHandler(filters.TEXT & ~filters.COMMAND, handle)


async def test_a_lost_race_is_rolled_back_whole_and_handled_again_without_counting_a_failure(
    bot_factory, client, probe, wait_until
):
    calls: list[int] = []
    bot = bot_factory([racing(calls, losses=2)])
    await bot.start()
    alice = await client.user("Alice")
    await alice.send("hi")
    await alice.expect(contains="try 3")
    await alice.expect(contains="done")
    assert await probe.texts(alice) == ["try 3", "done"]  # the lost tries said nothing
    [row] = await probe.inbox()
    assert row.status == DONE and row.attempts == 0 and row.last_error is None
    assert len(calls) == 3


async def test_a_race_lost_again_and_again_is_parked_with_one_apology(bot_factory, client, probe, wait_until):
    calls: list[int] = []
    bot = bot_factory([racing(calls, losses=1000)], retry_delays=(0.05, 0.1))
    await bot.start()
    alice = await client.user("Alice")
    await alice.send("hi")

    async def parked() -> bool:
        return any(row.status == PARKED for row in await probe.inbox())

    await wait_until(parked, what="the update to be parked")
    [row] = await probe.inbox()
    assert row.attempts == 3 and "ConcurrentChange" in row.last_error
    assert len(calls) == CONFLICT_RETRIES + 3  # quick retries first, then the usual attempts
    await alice.expect(contains="Sorry, something went wrong")
    assert len(await probe.texts(alice)) == 1


def asking_telegram(fetches: list[str], seen: list[object], fails: bool):
    async def fetch() -> str:
        fetches.append("fetch")
        if fails:
            raise BadRequest("Chat not found")
        return "an administrator"

    async def handle(update: Update, context) -> None:
        try:
            seen.append(await lookup(("member", update.effective_chat.id), fetch))
        except BadRequest as error:
            seen.append(error)
        await context.outbox.send_message(update.effective_chat.id, f"looked up: {seen[-1]}")
        raise ApplicationHandlerStop

    return MessageHandler(filters.TEXT & ~filters.COMMAND, handle)


@pytest.mark.parametrize(
    ("fails", "said"),
    [(False, "looked up: an administrator"), (True, "looked up: Chat not found")],
    ids=["answered", "refused"],
)
async def test_a_look_up_is_made_once_outside_the_transaction_and_costs_no_attempt(
    bot_factory, client, probe, fails, said
):
    """What Telegram answered, or the error it gave (the handler's to word), reaches the handler's second try."""
    fetches: list[str] = []
    seen: list[object] = []
    bot = bot_factory([asking_telegram(fetches, seen, fails=fails)])
    await bot.start()
    alice = await client.user("Alice")
    await alice.send("hi")
    await alice.expect(contains=said)
    assert fetches == ["fetch"]  # the first try stopped at the question; the second got the answer
    assert isinstance(seen[0], BadRequest) if fails else seen == ["an administrator"]
    [row] = await probe.inbox()
    assert row.status == DONE and row.attempts == 0
