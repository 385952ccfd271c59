"""No Bot API call while the calling task holds a write unit of work open.

On SQLite a write unit of work holds the one write lock from its start to its
end; a Telegram call made inside it (a button's answer, `getChatMember`, the
apology for a failed update) stalls every other writer for as long as
Telegram takes. Here every call the bot makes is watched, and the calls that
handlers used to make inside their transaction are slowed by 1 s: none may
run while its task has a write unit of work open, and each press is answered
once (the shared fixtures count the answers per press in the sandbox).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

import pytest
from telegram.request import HTTPXRequest

import bot.handlers.buyer_views
from domain.services.stores import create_group_link_code
from domain.storage.uow import UnitOfWork
from tests.e2e.conftest import bind, open_menu

STALLED = {"answerCallbackQuery", "getChatMember"}  # Telegram taking its time
STALL_SECONDS = 1.0


@dataclass
class Watch:
    writing: Counter = field(default_factory=Counter)  # task -> write units of work it has open
    inside: list[str] = field(default_factory=list)  # Bot API methods called from such a task
    calls: list[str] = field(default_factory=list)


@pytest.fixture
def watch(monkeypatch) -> Watch:
    watch = Watch()
    enter, leave, do_request = UnitOfWork.__aenter__, UnitOfWork.__aexit__, HTTPXRequest.do_request

    async def watched_enter(self):
        entered = await enter(self)
        if self.writes:
            watch.writing[asyncio.current_task()] += 1
        return entered

    async def watched_leave(self, *exc_info):
        try:
            return await leave(self, *exc_info)
        finally:
            if self.writes:
                watch.writing[asyncio.current_task()] -= 1

    async def slow_telegram(self, url, *args, **kwargs):
        method = url.rsplit("/", 1)[-1]
        watch.calls.append(method)
        if watch.writing[asyncio.current_task()] > 0:
            watch.inside.append(method)
        if method in STALLED:
            await asyncio.sleep(STALL_SECONDS)
        return await do_request(self, url, *args, **kwargs)

    monkeypatch.setattr(UnitOfWork, "__aenter__", watched_enter)
    monkeypatch.setattr(UnitOfWork, "__aexit__", watched_leave)
    monkeypatch.setattr(HTTPXRequest, "do_request", slow_telegram)
    return watch


async def test_button_answers_wait_for_the_commit(chat, shop, bot_app, watch):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-2")
    menu = await open_menu(buyer, "W-2")
    answer = await menu.press("Order status")
    assert answer is not None  # answered, once (the fixtures fail on a second answer)
    await buyer.expect(contains="W-2")
    assert watch.calls.count("answerCallbackQuery") == 2
    assert watch.inside == []


async def test_get_chat_member_is_asked_before_the_transaction(chat, shop, bot_app, watch):
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        code = await create_group_link_code(uow, deps.clock, shop.store_id)
        await uow.commit()
    admin = await chat.user("Karl", lang="en")
    group = await chat.group("Berlin Gadgets support", members=[admin], forum=True)
    await admin.send(f"/link g_{code}", chat=group)
    await admin.expect(contains="now answers tickets of Berlin Gadgets", chat=group)
    assert "getChatMember" in watch.calls
    assert watch.inside == []


async def test_a_given_up_update_apologises_after_its_rollback(chat, shop, bot_app, watch, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("the orders view is broken")

    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-2")
    await buyer.send("/orders")
    orders = await buyer.expect(contains="Your orders")
    monkeypatch.setattr(bot.handlers.buyer_views, "send_orders", broken)
    monkeypatch.setattr(bot.handlers.buyer_views, "send_order_menu", broken)

    # A press: every try fails; after the last one the press is answered once, with the apology.
    answer = await orders.press(orders.buttons[0][0], wait=10)
    assert answer["text"] == "Sorry, something went wrong on our side. Please try again in a moment."
    assert answer["show_alert"] is True
    # A message: the apology arrives once, after the last try, through the outbox.
    await buyer.send("/orders")
    await buyer.expect(contains="Sorry, something went wrong", timeout=10)
    assert watch.inside == []
