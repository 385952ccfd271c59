"""The sandbox's answer delay: every Bot API answer held back, as a network's round trip would, the call's effect not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from sandbox.server import SandboxServer
from sandbox.world import Bot, Chat
from tests.sandbox.conftest import RawApi

DELAY = 0.3  # long enough that a loaded machine's scheduling cannot pass for it


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """Replaces the conftest's server, so that `bot` and `api` talk to a delayed one."""
    async with SandboxServer(host="127.0.0.1", port=0, strict=True, answer_delay=DELAY) as delayed:
        yield delayed
    assert delayed.violations == []


@pytest.fixture
def chat(server: SandboxServer, bot: Bot) -> Chat:
    buyer = server.world.add_person("Alice")
    return server.world.private_chat(buyer.id, bot.id, create=True)


def bot_texts(chat: Chat, bot: Bot) -> list[str]:
    return [message.text for message in chat.messages.values() if message.sender_id == bot.id]


async def test_the_message_is_sent_at_once_and_answered_after_the_delay(api: RawApi, chat: Chat, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    call = asyncio.create_task(api.ok("sendMessage", chat_id=chat.person_id, text="on its way"))
    while not bot_texts(chat, bot):
        assert not call.done(), "the answer came before the message was in the chat"
        await asyncio.sleep(0.005)
    in_chat = loop.time() - started
    assert not call.done()
    sent = await call
    answered = loop.time() - started
    assert sent["text"] == "on its way"
    assert in_chat < DELAY <= answered


async def test_a_refusal_is_delayed_too(api: RawApi) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, body = await api("sendMessage", chat_id=123456789, text="to nobody")
    assert loop.time() - started >= DELAY
    assert (status, body["description"]) == (400, "Bad Request: chat not found")


async def test_concurrent_calls_wait_side_by_side(api: RawApi, chat: Chat, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(api.ok("sendMessage", chat_id=chat.person_id, text=f"number {n}") for n in range(10)))
    took = loop.time() - started
    # One after another would take 10 × DELAY.
    assert DELAY <= took < 3 * DELAY
    assert sorted(bot_texts(chat, bot)) == sorted(f"number {n}" for n in range(10))


@pytest.mark.parametrize("delay", [-0.05, float("nan")])
def test_a_negative_delay_is_refused(delay: float) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        SandboxServer(port=0, answer_delay=delay)
