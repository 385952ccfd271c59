"""The sender and the calls whose loss harms no one (a reaction), and album parameters for python-telegram-bot."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from telegram import InputMediaDocument, InputMediaPhoto
from telegram.error import TimedOut

from bot.pipeline.outbox import Outbox
from bot.pipeline.sender import OutboxSender, _api_kwargs
from domain.clock import SystemClock
from domain.models import OutboxMessage


async def test_a_reaction_gives_up_when_the_network_stays_down_and_the_chat_goes_on(uow_factory):
    calls: list[str] = []

    class FlakyTelegram:
        async def do_api_request(self, method, api_kwargs):
            calls.append(method)
            if method == "setMessageReaction":
                raise TimedOut()
            return {"message_id": 7}

    clock = SystemClock()
    delays = (0.01, 0.01)
    sender = OutboxSender(
        FlakyTelegram(), uow_factory, clock, max_in_flight=2, poll_interval=0.05, network_retry_delays=delays
    )
    async with uow_factory() as uow:
        outbox = Outbox(uow, clock)
        reaction = {"chat_id": -5, "message_id": 3, "reaction": [{"type": "emoji", "emoji": "👌"}]}
        await outbox.call("setMessageReaction", reaction)
        await outbox.send_message(-5, "the buyer's next message")  # same chat, queued behind the reaction
        await uow.commit()
    task = asyncio.create_task(sender.run())
    try:
        for _ in range(200):
            if "sendMessage" in calls:
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert calls == ["setMessageReaction"] * (len(delays) + 1) + ["sendMessage"]
    async with uow_factory() as uow:
        rows = {row.method: row for row in (await uow.session.execute(select(OutboxMessage))).scalars()}
    assert rows["setMessageReaction"].failed_at is not None and "TimedOut" in rows["setMessageReaction"].last_error
    assert rows["sendMessage"].sent_at is not None


def test_an_albums_stored_media_become_input_media_again():
    payload = {
        "chat_id": -5,
        "media": [
            {
                "type": "photo",
                "media": "F1",
                "caption": "👤 Alice:\nboxed",
                "caption_entities": [{"type": "bold", "offset": 0, "length": 9}],
            },
            {"type": "document", "media": "F2"},
        ],
    }
    kwargs = _api_kwargs(payload)
    first, second = kwargs["media"]
    assert isinstance(first, InputMediaPhoto) and first.media == "F1" and first.caption == "👤 Alice:\nboxed"
    assert first.caption_entities[0].type == "bold" and first.caption_entities[0].length == 9
    assert isinstance(second, InputMediaDocument) and second.caption is None
    assert payload["media"][1] == {"type": "document", "media": "F2"}  # the stored row is left as it was
    assert _api_kwargs({"chat_id": 1, "text": "hi"}) == {"chat_id": 1, "text": "hi"}


async def test_a_row_our_code_cannot_send_fails_once_and_the_chat_goes_on(uow_factory):
    calls: list[str] = []

    class BrokenRequest:
        async def do_api_request(self, method, api_kwargs):
            calls.append(method)
            if method == "sendMediaGroup":
                raise AttributeError(
                    "'dict' object has no attribute '_unfrozen'"
                )  # a bug of ours, not Telegram's answer
            return {"message_id": 7}

    clock = SystemClock()
    sender = OutboxSender(BrokenRequest(), uow_factory, clock, max_in_flight=2, poll_interval=0.02)
    async with uow_factory() as uow:
        outbox = Outbox(uow, clock)
        await outbox.call("sendMediaGroup", {"chat_id": -5, "media": []})
        await outbox.send_message(-5, "the next message")
        await uow.commit()
    task = asyncio.create_task(sender.run())
    try:
        for _ in range(200):
            if "sendMessage" in calls:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # several polls: a row left unsent would be tried again in them
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert calls == ["sendMediaGroup", "sendMessage"]
    async with uow_factory() as uow:
        rows = {row.method: row for row in (await uow.session.execute(select(OutboxMessage))).scalars()}
    assert rows["sendMediaGroup"].failed_at is not None and "AttributeError" in rows["sendMediaGroup"].last_error
    assert rows["sendMessage"].sent_at is not None
