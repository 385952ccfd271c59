"""The buyer's side end to end: /start and order links, /claim, the order menu, instant answers,
the reason flows with validation, /tickets, free text, self-service help and /language."""

from __future__ import annotations

import pytest

from domain.services.binding import make_order_link_token
from tests.e2e.conftest import PHOTO, ask_to_cancel, bind, make_choice, open_menu
from tests.e2e.test_request_form import sent_recorded

LINK_SECRET = "a-test-secret-of-enough-bytes-0123456789"


@pytest.fixture(autouse=True)
def link_secret(monkeypatch):
    # Read by the e2e harness's load_settings, which builds the bot's settings from the environment too.
    monkeypatch.setenv("AFTERSALES_LINK_SECRET", LINK_SECRET)


# --- /start, order links, /claim -------------------------------------------------------------


async def test_an_order_link_binds_the_order_and_shows_its_menu(chat, shop):
    buyer = await chat.user("Alice", lang="en")
    token = make_order_link_token(LINK_SECRET.encode(), shop.store_id, shop.orders["W-1"])
    await buyer.send(f"/start {token}")
    await buyer.expect(contains="Order W-1 is now linked")
    menu = await buyer.expect(contains="Changes (address, size or colour, removing a product) are still possible")
    assert len([b for row in menu.buttons for b in row]) == 7  # not shipped: no problem report, no return yet

    await buyer.send("/start")
    await buyer.expect(contains="Hello, Alice")
    orders = await buyer.expect(contains="Your orders")
    assert orders.buttons == [["📦 W-1 · Berlin Gadgets"]]


async def test_a_forged_order_link_is_refused_politely(chat, shop):
    buyer = await chat.user("Mallory", lang="en")
    token = make_order_link_token(b"another-secret-of-enough-bytes!!", shop.store_id, shop.orders["W-1"])
    await buyer.send(f"/start {token}")
    await buyer.expect(contains="this order link is not valid")
    await buyer.send("/start o_garbage")
    await buyer.expect(contains="this order link is not valid")


async def test_an_order_link_in_chinese(chat, shop):
    buyer = await chat.user("李伟", lang="zh-hans")
    await buyer.send(f"/start {make_order_link_token(LINK_SECRET.encode(), shop.store_id, shop.orders['W-2'])}")
    await buyer.expect(contains="订单 W-2 已关联")
    await buyer.expect(contains="订单已无法修改（地址、尺码或颜色、删除商品）：订单已发货")


async def test_claim_reasks_counts_tries_and_binds(chat, shop):
    buyer = await chat.user("Alice", lang="en")
    await buyer.send("/claim")
    await buyer.expect(contains="order number")
    await buyer.send("W 1")
    await buyer.expect(contains="does not look like an order number")
    await buyer.send("W-1")
    await buyer.expect(contains="phone number or e-mail")
    await buyer.send("not a contact")
    await buyer.expect(contains="Please send a phone number")
    await buyer.send("bob@example.com")
    await buyer.expect(contains="You have 4 tries left")
    await buyer.send("W-1")
    await buyer.expect(contains="phone number or e-mail")
    await buyer.send("Alice@Example.com")
    await buyer.expect(contains="Order W-1 is now linked")
    orders = await buyer.expect(contains="Your orders")
    assert orders.buttons == [["📦 W-1 · Berlin Gadgets"]]


async def test_claim_in_chinese_and_cancel(chat, shop):
    buyer = await chat.user("李伟", lang="zh-hans")
    await buyer.send("/claim W-2")
    await buyer.expect(contains="手机号或邮箱")
    await buyer.send("/cancel")
    await buyer.expect(contains="已取消")


# --- the order menu and instant answers ------------------------------------------------------


async def test_status_and_tracking_are_answered_at_once(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-2")
    menu = await open_menu(buyer, "W-2")
    assert (
        "Changes (address, size or colour, removing a product) are no longer possible: the order has shipped"
        in menu.text
    )
    await menu.press("Delivery estimate and tracking")
    answer = await buyer.expect(contains="Estimated delivery: 2026-11-25")
    assert "TRK1" in answer.text and answer.buttons == [["💬 Ask the seller"]]
    await make_choice(answer, "💬 Ask the seller")
    await buyer.expect(contains="Ticket #1 is open")
    card = await shop.agent.expect(contains="Ticket #")
    assert "W-2" in card.text


async def test_missing_tracking_opens_a_ticket_by_itself(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-4")
    menu = await open_menu(buyer, "W-4")
    await menu.press("Order status")
    await buyer.expect(contains="I do not have the tracking number yet")
    await buyer.expect(contains="Ticket #1 is open")
    await shop.agent.expect(contains="Ticket #1 · Order status")


# --- the reason flows ------------------------------------------------------------------------


async def test_change_address_validates_and_opens_a_ticket(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Change the shipping address")
    await buyer.expect(contains="Send the full new address")
    await buyer.send("Berlin")
    await buyer.expect(contains="That address is too short")
    await buyer.send_photo(PHOTO)
    await buyer.expect(contains="Please answer in words")
    await buyer.send("x" * 2500)
    await buyer.expect(contains="That is too long (2500 characters)")
    await buyer.send("/frobnicate")
    await buyer.expect(contains="I don't know that command")
    await buyer.send("Karl-Marx-Allee 1, 10178 Berlin, Germany")
    confirm = await buyer.expect(contains="Ready to send")
    await make_choice(confirm, "📨 Send to the seller")
    await buyer.expect(contains="Ticket #1 is open")
    card = await shop.agent.expect(contains="Karl-Marx-Allee 1")
    assert "W-1" in card.text


async def test_a_change_after_shipment_is_refused_up_front(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-2")
    menu = await open_menu(buyer, "W-2")
    assert "are no longer possible: the order has shipped" in menu.text
    assert "Change size or colour" not in [b for row in menu.buttons for b in row]  # said, not offered


async def test_report_a_problem_with_photos_in_chinese(chat, shop, bot_app):
    """The request form in Chinese: its buttons, its re-asks and the confirmation."""
    buyer = await chat.user("李伟", lang="zh-hans")
    await bind(bot_app, shop, buyer, "W-5", lang="zh")
    menu = await open_menu(buyer, "W-5")
    await menu.press("商品问题反馈")
    await buyer.expect(contains="商品问题反馈，订单 W-5")
    await make_choice(await buyer.expect(contains="出了什么问题？"), "💥 破损或损坏")
    await make_choice(await buyer.expect(contains="哪件商品有问题？"), "Desk lamp（×2）")
    await make_choice(await buyer.expect(contains="有几件有问题？"), "1")
    await buyer.expect(contains="请具体描述问题")
    await buyer.send("坏了")
    await buyer.expect(contains="内容有点短")
    await buyer.send("台灯的灯罩碎了，无法使用")
    when = await buyer.expect(contains="包裹是哪天送达的？")
    assert when.buttons[0] == ["今天", "昨天"] and when.buttons[1][0] == "11月20日 周五"
    await make_choice(when, "11月20日 周五")
    await buyer.expect(contains="请发送物流状态的截图")
    await buyer.send_photo(PHOTO)
    ask = await buyer.expect(contains="请发送能显示问题的照片或视频")
    await ask.press("✅ 完成")
    await buyer.expect(contains="请先发送至少一张能显示问题的照片或视频")
    await sent_recorded(bot_app, ask)
    await buyer.send_photo(PHOTO)
    got = await buyer.expect(contains="已收到（1）")
    assert (await buyer.expect_edit(ask)).buttons == []  # one Done button stands at a time: the latest
    await make_choice(got, "✅ 完成")
    await make_choice(await buyer.expect(contains="请发送条形码的照片"), "没有条形码")
    await buyer.expect(contains="申请可能会被拒绝")
    await make_choice(await buyer.expect(contains="您希望卖家怎么处理？"), "🔄 换货")
    confirm = await buyer.expect(contains="即将发送")
    assert "照片和视频：1" in confirm.text and "2026年11月20日" in confirm.text
    await make_choice(confirm, "📨 发送给卖家")
    await buyer.expect(contains="申请 #1 已发送（💥 破损或损坏，订单 W-5）")
    await shop.agent.expect(contains="灯罩碎了")
    await shop.agent.expect(contains="#1 · shipping status")
    await shop.agent.expect(contains="#1 · fault")


async def test_cancelling_an_international_parcel_warns_before_submitting(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-3")
    menu = await open_menu(buyer, "W-3")
    confirm = await ask_to_cancel(
        buyer, menu, notice="will not be refunded", reason="Found it cheaper", details="Saw it for less elsewhere"
    )
    await make_choice(confirm, "📨 Send the cancellation request")
    await buyer.expect(contains="Ticket #1 is open")
    await shop.agent.expect(contains="Found it cheaper: Saw it for less elsewhere")


async def test_cancel_and_commands_leave_a_flow(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Contact the seller")
    await buyer.expect(contains="What would you like to ask?")
    await buyer.send("/cancel")
    await buyer.expect(contains="Nothing was sent to the seller")
    await menu.press("Remove a product")
    await buyer.expect(contains="Which product should be removed?")
    await buyer.send("/tickets")
    await buyer.expect(contains="You have no tickets yet")
    await buyer.send("just chatting")  # outside any flow now
    await buyer.expect(contains="no open ticket")


async def test_cancel_outside_a_flow_is_answered(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await buyer.send("/cancel")
    await buyer.expect(contains="There is nothing to cancel")
    chinese = await chat.user("李伟", lang="zh-hans")
    await chinese.send("/cancel")
    answer = await chinese.expect(contains="当前没有可以取消的操作")
    assert "/start" in answer.text


# --- /tickets, free text, closing ------------------------------------------------------------


async def ask_seller(buyer, shop, number: str, question: str):
    """The ticket's card in the agent's private chat."""
    menu = await open_menu(buyer, number)
    await menu.press("Contact the seller")
    await buyer.expect(contains="What would you like to ask?")
    await buyer.send(question)
    confirm = await buyer.expect(contains="Ready to send")
    await make_choice(confirm, "📨 Send to the seller")
    await buyer.expect(contains="is open")
    return await shop.agent.expect(contains=question)  # the ticket's card


async def test_tickets_timeline_free_text_and_closing(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1", "W-2")
    card = await ask_seller(buyer, shop, "W-1", "Can you gift-wrap it?")
    await buyer.send("And add a card, please")  # the only open ticket gets it
    await shop.agent.expect(contains="New message in ticket #1")
    await shop.agent.expect(contains="And add a card")

    await ask_seller(buyer, shop, "W-2", "When will it arrive?")
    await buyer.send("Hello?")
    which = await buyer.expect(contains="Which one is this message for?")
    await make_choice(which, "#2 · Contact the seller · waiting for the seller")
    await shop.agent.expect(contains="New message in ticket #2")
    await shop.agent.expect(contains="Hello?")

    await buyer.send("/tickets")
    listing = await buyer.expect(contains="Your tickets")
    assert "#1 · Contact the seller · order W-1" in listing.text
    await make_choice(listing, "#1 · Contact the seller · waiting for the seller")
    timeline = await buyer.expect(contains="Ticket #1")
    assert "You: Can you gift-wrap it?" in timeline.text and "You: And add a card, please" in timeline.text
    await make_choice(timeline, "✅ Close this ticket")
    await buyer.expect(contains="Your ticket #1 with Berlin Gadgets is closed")  # worded by the seller side
    await shop.agent.expect(contains="Ticket #1 is closed by the buyer")
    assert card.buttons and (await shop.agent.expect_edit(card)).buttons == []  # its Close button is gone
    rating = await buyer.expect(contains="Rate it from 1 to 5 stars")
    await rating.press("⭐⭐⭐⭐")
    assert (await buyer.expect_edit(rating)).text == "Thank you for your rating: ⭐⭐⭐⭐"
    await shop.agent.expect(contains="The buyer rated ticket #1: 4 of 5")
    await buyer.send("/tickets")
    listing = await buyer.expect(contains="Your tickets")
    assert "#1 · Contact the seller · order W-1 · closed" in listing.text


# --- help and language -----------------------------------------------------------------------


async def test_self_service_answers_and_language_switch(chat, shop):
    buyer = await chat.user("Alice", lang="en")
    await buyer.send("/help")
    menu = await buyer.expect(contains="How I can help")
    assert len(menu.buttons) == 8
    await menu.press("💶 How long does a refund take?")
    await buyer.expect(contains="5–10 working days")

    await buyer.send("/language")
    languages = await buyer.expect(contains="Choose your language")
    await make_choice(languages, "🇨🇳 中文")
    await buyer.expect(contains="今后我将使用中文")
    await buyer.send("/help")
    menu = await buyer.expect(contains="我可以帮您")
    await menu.press("💶 退款需要多久？")
    await buyer.expect(contains="5–10 个工作日")


async def test_start_mid_flow_ends_it_and_greets(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Change size or colour")
    await buyer.expect(contains="which size or colour")
    await buyer.send("/start")
    await buyer.expect(contains="Hello, Alice")
    await buyer.expect(contains="Your orders (1)")
    await buyer.send("The blue one please")  # no flow any more: free text, and no ticket yet
    await buyer.expect(contains="no open ticket")


async def test_a_return_before_delivery_is_said_not_offered_in_chinese(chat, shop, bot_app):
    buyer = await chat.user("李伟", lang="zh-hans")
    await bind(bot_app, shop, buyer, "W-1", lang="zh")
    menu = await open_menu(buyer, "W-1")
    assert "退货和退款需在订单送达后申请" in menu.text
    assert "退货、换货或退款" not in [b for row in menu.buttons for b in row] and "取消订单" in menu.buttons[5]


async def test_report_a_problem_takes_the_screenshot_as_a_file_but_not_the_fault_proof(chat, shop, bot_app):
    """The request form: a shipping-status screenshot may come uncompressed; the fault is shown in photos or videos."""
    from tests.e2e.test_request_form import DESCRIPTION, start_form

    buyer = await chat.user("Alice", lang="en")
    await start_form(bot_app, shop, buyer, "🔧 Defective (does not work properly)")
    await buyer.send(DESCRIPTION)
    await make_choice(await buyer.expect(contains="When was the parcel delivered?"), "Yesterday")
    await buyer.expect(contains="screenshot of the shipping status")
    await buyer.send_document(b"%PDF-1.4 tracking", "tracking.pdf")
    await buyer.expect(contains="Send photos or videos that show the problem")
    await buyer.send_document(b"%PDF-1.4 receipt", "receipt.pdf")
    await buyer.expect(contains="Please send a photo or a video, or press Done")


async def test_a_step_rolled_back_is_retried_from_the_step_that_committed(chat, shop, bot_app):
    """A failure after the flow moved on: the transaction rolls back and so does the conversation."""
    from telegram.ext import MessageHandler, filters

    failures = []

    async def fail_once(update, context):
        if not failures:
            failures.append(update.update_id)
            raise RuntimeError("the database went away for a moment")

    # Runs after the conversation (group 0) has already moved to its next step.
    bot_app.add_handler(MessageHandler(filters.Regex("Karl-Marx"), fail_once), group=5)
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Change the shipping address")
    await buyer.expect(contains="Send the full new address")
    await buyer.send("Karl-Marx-Allee 1, 10178 Berlin, Germany")
    confirm = await buyer.expect(contains="Ready to send")
    assert failures, "the failing handler never ran"
    await make_choice(confirm, "📨 Send to the seller")
    await buyer.expect(contains="Ticket #1 is open")
    await shop.agent.expect(contains="Karl-Marx-Allee 1")
    texts = [m["text"] for m in await chat.call("GET", f"/people/{buyer.id}/chats/{buyer.default_chat}/messages")]
    assert sum("Ready to send" in (t or "") for t in texts) == 1


async def test_a_flow_left_idle_is_ended_with_a_message_and_starts_afresh(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Change the shipping address")
    await buyer.expect(contains="Send the full new address")

    bot_app.deps.clock.advance(minutes=bot_app.deps.settings.flow_idle_minutes + 1)
    await buyer.expect(contains="closed it", timeout=12)  # the timer sweeper runs every few seconds

    # The old step is gone: an address now is no answer to anything, and the flow starts again cleanly.
    await menu.press("Change the shipping address")
    await buyer.expect(contains="Send the full new address")
    await buyer.send("Karl-Marx-Allee 1, 10178 Berlin, Germany")
    await buyer.expect(contains="Ready to send")


async def test_another_reason_mid_flow_ends_the_first_flow(chat, shop, bot_app):
    """Each flow is its own conversation; a chat is in one at a time, so the next answer goes to the new one."""
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Change the shipping address")
    await buyer.expect(contains="Send the full new address")
    await menu.press("Change size or colour")
    await buyer.expect(contains="which size or colour")
    await buyer.send("The blue one, size M")
    confirm = await buyer.expect(contains="Ready to send")
    assert "The blue one, size M" in confirm.text and "size or colour" in confirm.text.lower()
    await make_choice(confirm, "📨 Send to the seller")
    await buyer.expect(contains="Ticket #1 is open")
    await shop.agent.expect(contains="The blue one, size M")
    async with bot_app.deps.uow_factory() as uow:
        from sqlalchemy import select

        from domain.models import ConversationDraft

        assert (await uow.session.scalars(select(ConversationDraft))).all() == []  # neither flow left a draft
    await buyer.send("Still there?")  # no flow catches this any more: it goes to the ticket
    await shop.agent.expect(contains="New message in ticket #1")
    await shop.agent.expect(contains="Still there?")
