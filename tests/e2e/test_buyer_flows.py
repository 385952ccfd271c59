"""Each ticket reason walked through to its ticket, and what the flows re-ask when the answer is no answer:
a sticker, a photo or a text longer than Telegram lets one message be."""

from __future__ import annotations

from tests.e2e.conftest import PHOTO, ask_to_cancel, bind, make_choice, open_menu

SEND = "📨 Send to the seller"
SEND_CANCELLATION = "📨 Send the cancellation request"
KEEP_ORDER = "↩️ Keep my order, discard this request"


async def listed_tickets(buyer) -> str:
    await buyer.send("/tickets")
    return (await buyer.expect(contains="Your tickets")).text


async def sent_by_bot(chat, buyer, contains: str) -> list[str]:
    """Every bot message in the buyer's chat so far that contains `contains`."""
    shown = await chat.call("GET", f"/people/{buyer.id}/chats/{buyer.default_chat}/messages")
    return [m["text"] for m in shown if m["from"]["is_bot"] and contains in (m["text"] or "")]


# --- every reason, whole flows ---------------------------------------------------------------


async def test_contact_the_seller(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-2")
    menu = await open_menu(buyer, "W-2")  # shipped: changes are over, a question never is
    await menu.press("Contact the seller")
    await buyer.expect(contains="What would you like to ask?")
    await buyer.send("Is the lamp's bulb included?")
    confirm = await buyer.expect(contains="Ready to send")
    assert "Contact the seller" in confirm.text and "Is the lamp's bulb included?" in confirm.text
    await make_choice(confirm, SEND)
    await buyer.expect(contains="Ticket #1 is open (Contact the seller, order W-2)")
    card = await shop.agent.expect(contains="Is the lamp's bulb included?")
    assert "W-2" in card.text
    assert "#1 · Contact the seller · order W-2 · waiting for the seller" in await listed_tickets(buyer)


async def test_change_size_or_colour_before_shipment(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Change size or colour")
    await buyer.expect(contains="Which item, and which size or colour do you want instead?")
    await buyer.send("XL")
    await buyer.expect(contains="please write at least 3 characters")
    await buyer.send("Both desk lamps in black instead of white")
    confirm = await buyer.expect(contains="Ready to send")
    await make_choice(confirm, SEND)
    await buyer.expect(contains="Ticket #1 is open (Change size or colour, order W-1)")
    await shop.agent.expect(contains="in black instead of white")
    assert "#1 · Change size or colour · order W-1" in await listed_tickets(buyer)


async def test_remove_a_product_before_shipment(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Remove a product")
    await buyer.expect(contains="Which product should be removed?")
    await buyer.send("One of the two desk lamps, please")
    confirm = await buyer.expect(contains="Ready to send")
    assert "Remove a product" in confirm.text
    await make_choice(confirm, SEND)
    await buyer.expect(contains="Ticket #1 is open (Remove a product, order W-1)")
    await shop.agent.expect(contains="One of the two desk lamps")
    assert "#1 · Remove a product · order W-1" in await listed_tickets(buyer)


async def test_order_status_is_answered_and_the_seller_can_still_be_asked(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-5")
    menu = await open_menu(buyer, "W-5")
    await menu.press("Order status")
    answer = await buyer.expect(contains="Status: delivered on 2026-11-20")
    await make_choice(answer, "💬 Ask the seller")
    await buyer.expect(contains="Ticket #1 is open (Order status, order W-5)")
    await shop.agent.expect(contains="Ticket #1")
    assert "#1 · Order status · order W-5" in await listed_tickets(buyer)


async def test_cancel_a_domestic_order_before_shipment(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Cancel the order")
    await buyer.expect(contains="It has not shipped yet: the seller approves or declines the cancellation")
    pick = await buyer.expect(contains="Why do you want to cancel?")
    assert [row[0] for row in pick.buttons] == [
        "I changed my mind",
        "Ordered by mistake",
        "Found it cheaper",
        "Delivery is too slow",
        "Wrong address",
        "Other",
    ]
    await make_choice(pick, "I changed my mind")
    await buyer.expect(contains="Anything the seller should know?")
    await buyer.send("I bought a floor lamp instead")
    confirm = await buyer.expect(contains="Ready to send")  # no photos asked: a change of mind needs no proof
    assert "I changed my mind: I bought a floor lamp instead" in confirm.text  # the reason in words, not a code
    assert "Send this cancellation request to the seller?" in confirm.text
    assert confirm.buttons == [[SEND_CANCELLATION, KEEP_ORDER]]  # no "Cancel" beside a cancellation
    await make_choice(confirm, SEND_CANCELLATION)
    await buyer.expect(contains="Ticket #1 is open (Cancel the order, order W-1)")
    await shop.agent.expect(contains="I changed my mind: I bought a floor lamp instead")
    assert "#1 · Cancel the order · order W-1" in await listed_tickets(buyer)


async def test_cancel_a_domestic_parcel_on_its_way_is_an_interception(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-2")
    menu = await open_menu(buyer, "W-2")
    confirm = await ask_to_cancel(
        buyer,
        menu,
        notice="the seller will try to stop the parcel. You are refunded only if that succeeds",
        reason="Delivery is too slow",
        details="I need it before Friday",
    )
    await make_choice(confirm, SEND_CANCELLATION)
    await buyer.expect(contains="Ticket #1 is open (Cancel the order, order W-2)")
    await shop.agent.expect(contains="Delivery is too slow: I need it before Friday")


async def test_keeping_the_order_discards_the_cancellation_request(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    confirm = await ask_to_cancel(
        buyer, menu, notice="It has not shipped yet", reason="Ordered by mistake", details="Wrong colour picked"
    )
    await buyer.send("hmm")
    await buyer.expect(contains="Please press Send the cancellation request or Keep my order above")
    await make_choice(confirm, KEEP_ORDER)
    await buyer.expect(contains="your order stays as it is: no cancellation request was sent")
    await buyer.send("/tickets")
    await buyer.expect(contains="You have no tickets yet")


async def test_a_cancellation_request_in_chinese(chat, shop, bot_app):
    buyer = await chat.user("李伟", lang="zh-hans")
    await bind(bot_app, shop, buyer, "W-1", lang="zh")
    menu = await open_menu(buyer, "W-1")
    await menu.press("取消订单")
    await buyer.expect(contains="订单尚未发货")
    pick = await buyer.expect(contains="请选择取消原因")
    await make_choice(pick, pick.buttons[0][0])
    await buyer.expect(contains="还有什么需要告诉卖家的吗")
    await buyer.send("买错了")
    confirm = await buyer.expect(contains="即将发送")
    assert "确认向卖家发送取消申请吗？" in confirm.text
    assert confirm.buttons == [["📨 发送取消申请", "↩️ 保留订单，放弃此申请"]]
    await make_choice(confirm, "📨 发送取消申请")
    await buyer.expect(contains="工单 #1 已创建")
    await shop.agent.expect(contains="买错了")


async def test_return_exchange_or_refund_after_delivery(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-5")
    menu = await open_menu(buyer, "W-5")
    await menu.press("Return, exchange or refund")
    intro = await buyer.expect(contains="What would you like, and why?")
    assert intro.buttons == [["🛠 It is defective, damaged, wrong or incomplete"]]  # that is a problem report
    await buyer.send("Refund")
    await buyer.expect(contains="please write at least 10 characters")
    await buyer.send("The colour is not what the photos showed; I want to return both for a refund")
    ask = await buyer.expect(contains="Send photos")
    await buyer.send_sticker("🙁")  # a sticker is no evidence
    again = await buyer.expect(contains="Please send a photo, video or document")
    assert (await buyer.expect_edit(ask)).buttons == []  # one Done button stands at a time: the latest
    await buyer.send_photo(PHOTO, caption="next to the product photo")
    got = await buyer.expect(contains="Got it (1)")
    assert (await buyer.expect_edit(again)).buttons == []
    await make_choice(got, "✅ Done")
    confirm = await buyer.expect(contains="Ready to send")
    assert "📎 1 file\n" in confirm.text and "Return, exchange or refund" in confirm.text
    await make_choice(confirm, SEND)
    await buyer.expect(contains="Ticket #1 is open (Return, exchange or refund, order W-5)")
    await shop.agent.expect(contains="return both for a refund")
    assert "#1 · Return, exchange or refund · order W-5" in await listed_tickets(buyer)


async def test_a_return_for_a_fault_becomes_a_problem_report(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-5")
    menu = await open_menu(buyer, "W-5")
    await menu.press("Return, exchange or refund")
    intro = await buyer.expect(contains="What would you like, and why?")
    await intro.press("🛠 It is defective, damaged, wrong or incomplete")
    await buyer.expect(contains="Report a problem with the item for order W-5")  # the request form, from its start
    kinds = await buyer.expect(contains="What is wrong?")
    assert kinds.buttons
    await buyer.send("It is broken")  # typed where a type is asked: the form (not the return flow) asks again
    await buyer.expect(contains="Please press one of the buttons above")
    await buyer.send("/tickets")  # leaves the form; neither flow opened a ticket
    await buyer.expect(contains="You have no tickets yet")
    assert (await buyer.expect_edit(kinds)).buttons == []  # the form's pending question closes as it ends


# --- answers that are no answer: re-asked, and the flow goes on at the same step --------------


async def test_a_sticker_for_an_address_is_re_asked(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Change the shipping address")
    await buyer.expect(contains="Send the full new address")
    await buyer.send_sticker("🏠")
    await buyer.expect(contains="Please answer in words (a text message)")
    await buyer.send("Karl-Marx-Allee 1, 10178 Berlin, Germany")
    confirm = await buyer.expect(contains="Ready to send")
    assert "Karl-Marx-Allee 1" in confirm.text


async def test_a_photo_for_a_question_is_re_asked(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Remove a product")
    await buyer.expect(contains="Which product should be removed?")
    await buyer.send_photo(PHOTO, caption="this one")
    await buyer.expect(contains="Please answer in words (a text message)")
    await buyer.send("The second desk lamp")
    confirm = await buyer.expect(contains="Ready to send")
    await make_choice(confirm, SEND)
    await buyer.expect(contains="Ticket #1 is open (Remove a product, order W-1)")
    await shop.agent.expect(contains="The second desk lamp")


async def test_a_5000_character_text_is_re_asked_once_and_its_rest_is_no_answer(chat, shop, bot_app):
    """A Telegram app sends 5,000 characters as two messages (4096 + 904): the second must not pass for the answer."""
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-2")
    menu = await open_menu(buyer, "W-2")
    await menu.press("Contact the seller")
    await buyer.expect(contains="What would you like to ask?")
    first = await buyer.send("x" * 5000)
    assert len(first.text) == 4096  # the rest arrives as a message of its own
    await buyer.expect(contains="That is too long (4096 characters). Please keep it under 2000 characters.")
    await buyer.send("Does the lamp come with a bulb?")
    confirm = await buyer.expect(contains="Ready to send")
    assert "Does the lamp come with a bulb?" in confirm.text and "xxx" not in confirm.text
    assert len(await sent_by_bot(chat, buyer, "too long")) == 1
    assert len(await sent_by_bot(chat, buyer, "Ready to send")) == 1
    await make_choice(confirm, SEND)
    await buyer.expect(contains="Ticket #1 is open (Contact the seller, order W-2)")
    await shop.agent.expect(contains="Does the lamp come with a bulb?")
