"""Used keyboards go away: a pressed choice is shown where its buttons were, and a question that no longer
stands (the flow moved on, was left or ended) loses its buttons; a button on an old message gets an alert."""

from __future__ import annotations

import asyncio

import aiohttp
from sqlalchemy import select

from domain.models import OutboxMessage
from tests.e2e.conftest import bind, open_menu

SEND = "📨 Send to the seller"
ADDRESS = "Karl-Marx-Allee 1, 10178 Berlin, Germany"


async def sent_recorded(bot_app, message, timeout: float = 5) -> None:
    """The bot learns a sent message's id just after Telegram shows it; a person never answers that fast."""
    chat_id = message.person.id  # a private chat is the person's id to the bot (the person sees the bot's)
    query = select(OutboxMessage.id).where(
        OutboxMessage.chat_id == chat_id, OutboxMessage.telegram_message_id == message.message_id
    )
    async with asyncio.timeout(timeout):
        while True:
            async with bot_app.deps.uow_factory.reading() as uow:
                if await uow.session.scalar(query) is not None:
                    return
            await asyncio.sleep(0.05)


async def summary_to_send(bot_app, shop, buyer, number: str = "W-1"):
    """A change-of-address flow up to its last question; the order's menu and the summary with Send and Cancel."""
    await bind(bot_app, shop, buyer, number)
    menu = await open_menu(buyer, number)
    await menu.press("Change the shipping address")
    await buyer.expect(contains="Send the full new address")
    await buyer.send(ADDRESS)
    confirm = await buyer.expect(contains="Ready to send")
    assert confirm.buttons == [[SEND, "✖️ Cancel"]]
    await sent_recorded(bot_app, confirm)
    return menu, confirm


async def test_a_picked_cancel_reason_takes_the_place_of_its_buttons(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Cancel the order")
    await buyer.expect(contains="It has not shipped yet")
    pick = await buyer.expect(contains="Why do you want to cancel?")
    await pick.press("Wrong address")
    closed = await buyer.expect_edit(pick)
    assert closed.text == "Why do you want to cancel?\n\n✔️ Wrong address" and closed.buttons == []
    await buyer.expect(contains="Anything the seller should know?")
    await buyer.expect_nothing_more()


async def test_the_sent_summary_keeps_its_words_and_formatting_and_says_it_was_sent(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    _, confirm = await summary_to_send(bot_app, shop, buyer)
    await confirm.press(SEND)
    closed = await buyer.expect_edit(confirm)
    assert closed.text == f"{confirm.text}\n\n✔️ {SEND}" and closed.buttons == []
    assert closed["html"].startswith("<b>Ready to send</b>") and ADDRESS in closed.text
    await buyer.expect(contains="Ticket #1 is open")
    await shop.agent.expect(contains=ADDRESS)
    await buyer.expect_nothing_more()


async def test_done_after_photos_is_shown_and_only_the_latest_done_was_pressable(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-5")
    menu = await open_menu(buyer, "W-5")
    await menu.press("Return, exchange or refund")  # a flow with the shared photos step
    await buyer.expect(contains="What would you like, and why?")
    await buyer.send("The lamp arrived with a cracked base")
    ask = await buyer.expect(contains="Send photos")
    await sent_recorded(bot_app, ask)
    await buyer.send_document(b"%PDF-1.4 receipt", "receipt.pdf")
    got = await buyer.expect(contains="Got it (1)")
    gone = await buyer.expect_edit(ask)  # the earlier Done: its question moved on
    assert gone.buttons == [] and gone.text == ask.text
    await got.press("✅ Done")
    assert (await buyer.expect_edit(got)).text == f"{got.text}\n\n✔️ ✅ Done"
    confirm = await buyer.expect(contains="Ready to send")
    assert "📎 1 file" in confirm.text
    await buyer.expect_nothing_more()


async def test_cancel_typed_at_the_summary_takes_its_buttons_away(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    _, confirm = await summary_to_send(bot_app, shop, buyer)
    await buyer.send("/cancel")
    await buyer.expect(contains="Nothing was sent to the seller")
    gone = await buyer.expect_edit(confirm)
    assert gone.buttons == [] and gone.text == confirm.text  # nothing was chosen: the words stay as they were
    await buyer.expect_nothing_more()


async def test_typing_at_the_summary_keeps_its_buttons(chat, shop, bot_app):
    """The question still stands: the reminder points at the buttons, which still work."""
    buyer = await chat.user("Alice", lang="en")
    _, confirm = await summary_to_send(bot_app, shop, buyer)
    await buyer.send("ok")
    await buyer.expect(contains="Please press")
    await buyer.expect_nothing_more()
    await confirm.press("✖️ Cancel")
    assert (await buyer.expect_edit(confirm)).text.endswith("\n\n✔️ ✖️ Cancel")
    await buyer.expect(contains="Nothing was sent to the seller")
    await buyer.expect_nothing_more()


async def test_a_command_or_another_reason_mid_flow_takes_the_summarys_buttons_away(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    menu, confirm = await summary_to_send(bot_app, shop, buyer)
    await buyer.send("/start")
    await buyer.expect(contains="Hello, Alice")
    await buyer.expect(contains="Your orders (1)")
    assert (await buyer.expect_edit(confirm)).buttons == []

    await menu.press("Change the shipping address")
    await buyer.expect(contains="Send the full new address")
    await buyer.send(ADDRESS)
    second = await buyer.expect(contains="Ready to send")
    await sent_recorded(bot_app, second)
    await menu.press("Change size or colour")  # another flow: the first one ends, its summary with it
    await buyer.expect(contains="which size or colour")
    assert (await buyer.expect_edit(second)).buttons == []
    await buyer.expect_nothing_more()


async def test_a_flow_left_idle_takes_its_buttons_away(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    _, confirm = await summary_to_send(bot_app, shop, buyer)
    bot_app.deps.clock.advance(minutes=bot_app.deps.settings.flow_idle_minutes + 1)
    await buyer.expect(contains="closed it", timeout=12)  # the timer sweeper runs every few seconds
    assert (await buyer.expect_edit(confirm)).buttons == []
    await buyer.expect_nothing_more()


async def test_buttons_left_on_messages_from_before_get_an_alert_and_stay(chat, shop, bot_app, sandbox, bot_token):
    """Messages an earlier version left with buttons: a flow's Send with no flow, a ticket that is not there."""
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    await buyer.send("/orders")
    await buyer.expect(contains="Your orders")
    keyboard = [
        [{"text": "📨 Send to the seller", "callback_data": "flw:send"}],
        [{"text": "#9 · Contact the seller", "callback_data": "btk:view:999"}],
    ]
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{sandbox.bot_api_base_url}{bot_token}/sendMessage",
            json={"chat_id": buyer.id, "text": "Old summary", "reply_markup": {"inline_keyboard": keyboard}},
        ) as response:
            assert (await response.json())["ok"] is True
    old = await buyer.expect(contains="Old summary")
    for button in ("📨 Send to the seller", "#9 · Contact the seller"):
        answer = await old.press(button)
        assert answer["show_alert"] is True and "no longer valid" in answer["text"]
    await buyer.expect_nothing_more()  # no edit: a stale press changes nothing
