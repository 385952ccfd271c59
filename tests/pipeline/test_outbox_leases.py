"""Two senders on one database send each row once: a row is sent by the process holding its lease.

Each sender runs with its own owner name (as two bot processes would) against
a stand-in for the Bot API that records what it was asked to send.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.pipeline.ratelimit import SendLimiter
from bot.pipeline.sender import OutboxSender
from domain.clock import SystemClock
from domain.models import OutboxMessage
from tests.pipeline.test_outbox_priority import TelegramStandIn, running, stop, until

UNLIMITED = dict(overall_per_second=10_000, private_per_second=10_000, private_burst=10_000)


def _sender(bot, uow_factory, owner: str) -> OutboxSender:
    return OutboxSender(
        bot,
        uow_factory,
        SystemClock(),
        max_in_flight=4,
        poll_interval=0.05,
        limiter=SendLimiter(**UNLIMITED),
        owner=owner,
    )


async def _rows(uow_factory, texts_by_chat: dict[int, list[str]], **lease) -> None:
    """Rows as a process or a tool of another version would leave them (committed, never offered)."""
    clock = SystemClock()
    now = clock.now()
    async with uow_factory() as uow:
        for chat_id, texts in texts_by_chat.items():
            for text in texts:
                uow.session.add(
                    OutboxMessage(
                        chat_id=chat_id,
                        method="sendMessage",
                        payload={"chat_id": chat_id, "text": text},
                        created_at=now,
                        next_attempt_at=now,
                        **lease,
                    )
                )
        await uow.commit()


async def test_two_senders_send_fifty_unleased_rows_once_each_a_chat_from_one_of_them(uow_factory) -> None:
    texts = {chat: [f"{chat}/{n}" for n in range(5)] for chat in range(1, 11)}
    await _rows(uow_factory, texts)
    first, second = TelegramStandIn(), TelegramStandIn()
    tasks = [
        await running(_sender(first, uow_factory, "process-a")),
        await running(_sender(second, uow_factory, "process-b")),
    ]
    try:
        await until(lambda: len(first.sent) + len(second.sent) >= 50)
        await asyncio.sleep(0.3)  # a second send of any row would arrive now
    finally:
        for task in tasks:
            await stop(task)
    sent = first.sent + second.sent
    assert sorted(sent) == sorted((chat, text) for chat, chat_texts in texts.items() for text in chat_texts)
    for chat, chat_texts in texts.items():
        # A chat's rows came from one of the two, in order.
        by_first, by_second = first.texts(chat), second.texts(chat)
        assert chat_texts in (by_first, by_second) or not (by_first and by_second), (chat, by_first, by_second)
    async with uow_factory.reading() as uow:
        owners = set((await uow.session.scalars(select(OutboxMessage.lease_owner))).all())
    assert owners <= {"process-a", "process-b"}


async def test_a_row_another_live_process_holds_is_left_to_it_and_taken_once_its_lease_ran_out(uow_factory) -> None:
    now = SystemClock().now()
    await _rows(uow_factory, {1: ["held"]}, lease_owner="alive", lease_until=now + timedelta(hours=1))
    await _rows(uow_factory, {2: ["orphan"]}, lease_owner="dead", lease_until=now - timedelta(seconds=1))
    bot = TelegramStandIn()
    task = await running(_sender(bot, uow_factory, "me"))
    try:
        await until(lambda: bot.texts(2) == ["orphan"])
        await asyncio.sleep(0.3)
    finally:
        await stop(task)
    assert bot.sent == [(2, "orphan")]  # the held row stays its holder's


async def test_a_stopped_sender_gives_its_rows_up_at_once(uow_factory) -> None:
    now = SystemClock().now()
    await _rows(uow_factory, {1: ["left over"]}, lease_owner="stopping", lease_until=now + timedelta(hours=1))
    stopping = _sender(TelegramStandIn(), uow_factory, "stopping")
    await stopping.release_leases()
    bot = TelegramStandIn()
    task = await running(_sender(bot, uow_factory, "next"))
    try:
        await until(lambda: bot.sent == [(1, "left over")])
    finally:
        await stop(task)


async def test_a_row_is_leased_to_the_process_that_records_it(uow_factory) -> None:
    from bot.pipeline import leases
    from bot.pipeline.outbox import Outbox

    clock = SystemClock()
    async with uow_factory() as uow:
        row = await Outbox(uow, clock).send_message(1, "hello")
        await uow.commit()
    async with uow_factory.reading() as uow:
        stored = await uow.session.get(OutboxMessage, row.id)
    assert stored.lease_owner == leases.owner()
    assert stored.lease_until > clock.now() + leases.LEASE - timedelta(seconds=5)
