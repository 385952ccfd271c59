"""A chat's rows go lowest (priority, id) first, and one slow chat never holds the others' rows back.

The sender runs against a stand-in for the Bot API that records what it was
asked to send, on the real database (``uow_factory``).
"""

from __future__ import annotations

import asyncio
import time

from bot.pipeline.outbox import Outbox
from bot.pipeline.ratelimit import SendLimiter
from bot.pipeline.sender import OutboxSender
from domain.clock import SystemClock
from domain.models.integration import OutboxPriority

PERSON, AUTOMATIC = OutboxPriority.PERSON, OutboxPriority.AUTOMATIC
GROUP = -100_123


class TelegramStandIn:
    """Records each send; a chat named in ``hold`` waits for ``release`` before its first send is answered."""

    def __init__(self, hold: int | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.hold, self.release = hold, asyncio.Event()

    async def do_api_request(self, method, api_kwargs):
        if api_kwargs["chat_id"] == self.hold and not self.release.is_set():
            await self.release.wait()
        self.sent.append((api_kwargs["chat_id"], api_kwargs["text"]))
        return {"message_id": len(self.sent)}

    def texts(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


async def record(uow_factory, rows, *, sender: OutboxSender | None = None):
    """Commit (chat, text, priority[, after index]) rows in one transaction; offer them to ``sender``."""
    clock = SystemClock()
    async with uow_factory() as uow:
        outbox, recorded = Outbox(uow, clock), []
        for chat_id, text, priority, *after in rows:
            after_row = recorded[after[0]] if after else None
            recorded.append(await outbox.send_message(chat_id, text, priority=priority, after=after_row))
        await uow.commit()
    if sender is not None:
        sender.offer(uow.outbox_rows)


async def until(check, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def make_sender(bot, uow_factory, **options) -> OutboxSender:
    return OutboxSender(bot, uow_factory, SystemClock(), poll_interval=0.05, **options)


async def running(sender: OutboxSender):
    return asyncio.create_task(sender.run())


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_persons_row_goes_before_automatic_ones_read_from_the_table(uow_factory):
    await record(
        uow_factory,
        [(1, "reminder", AUTOMATIC), (1, "buyer wrote", PERSON), (1, "order shipped", AUTOMATIC), (1, "agent", PERSON)],
    )
    bot = TelegramStandIn()
    task = await running(make_sender(bot, uow_factory, max_in_flight=4))
    try:
        await until(lambda: len(bot.sent) == 4)
    finally:
        await stop(task)
    assert bot.texts(1) == ["buyer wrote", "agent", "reminder", "order shipped"]


async def test_a_chats_queued_automatic_row_goes_after_a_persons_row_queued_behind_it(uow_factory):
    bot = TelegramStandIn(hold=1)
    sender = make_sender(bot, uow_factory, max_in_flight=4)
    task = await running(sender)
    try:
        await record(uow_factory, [(1, "first", PERSON)], sender=sender)
        await asyncio.sleep(0.1)  # "first" is being sent: the chat's next is not chosen yet
        await record(uow_factory, [(1, "reminder", AUTOMATIC)], sender=sender)
        await record(uow_factory, [(1, "buyer wrote", PERSON)], sender=sender)
        await asyncio.sleep(0.1)
        bot.release.set()
        await until(lambda: len(bot.sent) == 3)
    finally:
        await stop(task)
    assert bot.texts(1) == ["first", "buyer wrote", "reminder"]


async def test_a_row_that_follows_an_automatic_one_still_goes_after_it(uow_factory):
    await record(uow_factory, [(1, "card", AUTOMATIC), (1, "reply to the card", PERSON, 0), (1, "buyer", PERSON)])
    bot = TelegramStandIn()
    task = await running(make_sender(bot, uow_factory, max_in_flight=4))
    try:
        await until(lambda: len(bot.sent) == 3)
    finally:
        await stop(task)
    texts = bot.texts(1)
    assert sorted(texts) == ["buyer", "card", "reply to the card"]
    assert texts.index("card") < texts.index("reply to the card")


async def test_one_slow_group_does_not_starve_private_chats(uow_factory):
    """40 rows for a group allowed one a minute, then one for each of five buyers: the buyers do not wait."""
    await record(uow_factory, [(GROUP, f"group {n}", AUTOMATIC) for n in range(40)])
    await record(uow_factory, [(buyer, "notice", AUTOMATIC) for buyer in range(1, 6)])
    bot = TelegramStandIn()
    # A window of 32 rows: were the group's rows all taken, no buyer's would be read for minutes.
    sender = make_sender(bot, uow_factory, max_in_flight=2, limiter=SendLimiter(group_per_minute=1))
    task = await running(sender)
    try:
        await until(lambda: len(bot.sent) == 6, timeout=3)
    finally:
        await stop(task)
    assert sorted(chat for chat, _ in bot.sent) == [GROUP, 1, 2, 3, 4, 5]
