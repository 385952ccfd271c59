"""The store's side of an after-sales request, end to end: its card and evidence in the topic, the decisions.

The buyer's form is built elsewhere; here the request is made by the domain's
`submit_request`, with photos the buyer really sent, and announced as the form does.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.pipeline.outbox import Outbox
from bot.relay.announce import announce
from bot.relay.desk import Desk
from domain.enums import AttachmentKind, OrderStatus
from domain.results import IncomingFile
from domain.services.orders import import_orders
from domain.services.requests import RequestDraft, submit_request
from tests.e2e.conftest import PHOTO, order_row
from tests.e2e.seller_side import Shop, buyer_has_started_the_bot, make_shop


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    shop = await make_shop(chat, bot_app, with_group=True)
    await buyer_has_started_the_bot(shop)
    return shop


async def _photo(shop: Shop) -> IncomingFile:
    sent = await shop.buyer.send_photo(PHOTO)
    return IncomingFile(AttachmentKind.PHOTO, sent["photo"]["file_id"])


async def submit(shop: Shop, bot_app, *, barcode: bool = True):
    """A defective-lamp request (one of two lamps, a reshipment wanted): shipping screenshot, two fault photos, barcode."""
    screenshot = await _photo(shop)
    faults = (await _photo(shop), await _photo(shop))
    code = await _photo(shop) if barcode else None
    await buyer_has_started_the_bot(shop)  # answered after the photos: they were handled (no ticket to go to)
    deps = bot_app.deps
    async with deps.uow_factory() as uow:
        order = await uow.orders.get(shop.order_id)
        row = order_row("W-1", OrderStatus.DELIVERED, delivered_on=date(2026, 11, 21))
        await import_orders(uow, deps.clock, order.store_id, [row])
        order = await uow.orders.get(shop.order_id)
        draft = RequestDraft(
            type="defective",
            items=((order.items[0].id, 1),),
            description="The lamp flickers and then goes dark after a minute.",
            resolution="reshipment",
            delivered_on=date(2026, 11, 21),
            shipping_screenshot=screenshot,
            fault_files=faults,
            barcode=code,
            no_barcode=not barcode,
        )
        submitted = await submit_request(uow, deps.clock, shop.buyer.id, shop.order_id, draft)
        await announce(Desk(uow, Outbox(uow, deps.clock), deps.renderer, deps.clock), submitted.opened)
        await uow.commit()
    thread = (await shop.agent.expect_event("topic"))["topic"]["thread_id"]
    card = await shop.agent.expect(contains="Ticket #1", chat=shop.group, thread=thread)
    album = await shop.agent.expect_album(chat=shop.group, thread=thread)
    return submitted, card, album


async def test_the_card_shows_the_request_and_its_evidence_follows_as_an_album(shop, bot_app):
    _, card, album = await submit(shop, bot_app)
    text = card.text
    assert "📋 Defective item · waiting for the store's decision" in text
    assert "• Desk lamp × 1" in text
    assert "Value: €34.99" in text
    assert "Delivered: 21 Nov 2026" in text
    assert "Barcode: given" in text
    assert "Evidence: barcode, fault, shipping status" in text
    assert "Wanted: reshipment" in text
    assert "Answer by: 24 Nov 12:00 UTC (in 48 h)" in text
    assert text.count("The lamp flickers") == 1
    assert card.buttons == [
        ["✅ Approve", "❌ Reject"],
        ["💶 Refund only", "➗ Partial refund"],
        ["📜 Timeline"],
        ["✅ Close ticket"],
    ]
    assert len(album) == 4 and all(m["photo"] for m in album)
    assert [m.text for m in album] == ["#1 · shipping status", "#1 · fault", "#1 · fault", "#1 · barcode"]
    await shop.agent.client.assert_quiet()


async def test_approve_tells_both_sides_and_the_card_loses_its_decisions(shop, bot_app):
    _, card, _ = await submit(shop, bot_app)
    await card.press("✅ Approve")
    told = await shop.buyer.expect(contains="approved your request #1")
    assert "Berlin Gadgets approved your request #1: reshipment." in told.text
    edited = await shop.agent.expect_edit(card)
    assert "📋 Defective item · approved" in edited.text and "Decided: reshipment" in edited.text
    assert edited.buttons == [
        ["📦 Mark as shipped"],
        ["📜 Timeline"],
        ["✅ Close ticket"],
    ]  # the replacement is to ship now
    await shop.agent.expect(contains="✅ Request #1 approved: reshipment.", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()


async def test_refund_only_is_approved_at_once(shop, bot_app):
    _, card, _ = await submit(shop, bot_app)
    await card.press("💶 Refund only")
    assert "refund only, €34.99." in (await shop.buyer.expect(contains="approved your request #1")).text
    assert "Decided: refund only · €34.99" in (await shop.agent.expect_edit(card)).text
    await shop.agent.expect(
        contains="Request #1 approved: refund only, €34.99.", chat=shop.group, thread=card.thread_id
    )
    await shop.agent.client.assert_quiet()


async def test_a_rejection_note_asking_for_payment_details_is_not_sent_and_asked_again(shop, bot_app):
    _, card, _ = await submit(shop, bot_app)
    await card.press("❌ Reject")
    reasons = await shop.agent.expect_edit(card)
    await reasons.press("Photos do not show the fault")
    prompt = await shop.agent.expect(contains="Rejecting #1", chat=shop.group, thread=card.thread_id)
    await shop.agent.reply(prompt, "Send me your card number and CVV and I will refund you myself.")
    refused = await shop.agent.expect(contains="not sent that note", chat=shop.group, thread=card.thread_id)
    assert "may not ask for payment details" in refused.text
    await shop.agent.client.assert_quiet()  # the buyer heard nothing, the request is still undecided
    await shop.agent.reply(prompt, "The lamp in the photos is lit and looks fine.")
    told = await shop.buyer.expect(contains="rejected your request #1")
    assert "looks fine" in told.text and "CVV" not in told.text
    await shop.agent.expect_edit(card)
    await shop.agent.expect(contains="❌ Request #1 rejected", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()


async def test_reject_with_a_reason_and_a_note_given_as_a_reply(shop, bot_app):
    _, card, _ = await submit(shop, bot_app)
    await card.press("❌ Reject")
    reasons = await shop.agent.expect_edit(card)
    assert reasons.buttons[0] == ["Photos do not show the fault"]
    assert ["No barcode given"] not in reasons.buttons  # the buyer gave one
    await reasons.press("Photos do not show the fault")
    prompt = await shop.agent.expect(contains="Rejecting #1", chat=shop.group, thread=card.thread_id)
    await shop.agent.reply(prompt, "The lamp in the photos is lit and looks fine.")
    told = await shop.buyer.expect(contains="rejected your request #1")
    assert "Photos do not show the fault" in told.text and "looks fine" in told.text
    edited = await shop.agent.expect_edit(card)
    assert "Rejected: Photos do not show the fault" in edited.text
    await shop.agent.expect(contains="❌ Request #1 rejected", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    # The note went to the buyer as the decision, not as a chat message too.
    history = await shop.buyer.client.call("GET", f"/people/{shop.buyer.id}/chats/{shop.bot_id}/messages")
    assert sum("looks fine" in (m["text"] or "") for m in history) == 1


async def test_a_reason_that_needs_evidence_asks_for_a_photo(shop, bot_app):
    _, card, _ = await submit(shop, bot_app)
    await card.press("❌ Reject")
    reasons = await shop.agent.expect_edit(card)
    await reasons.press("Barcode does not match")
    prompt = await shop.agent.expect(contains="this reason needs your evidence", chat=shop.group, thread=card.thread_id)
    await shop.agent.reply(prompt, "Wrong barcode")
    await shop.agent.expect(
        contains="needs your evidence: reply to the prompt with a photo", chat=shop.group, thread=card.thread_id
    )
    await shop.buyer.client.assert_quiet()
    await shop.agent._media(  # a photo as a reply: the client's send_photo does not reply
        "photo",
        [(PHOTO, "photo.jpg")],
        "Our shipped barcode ends in 4411",
        shop.group,
        card.thread_id,
        reply_to_message_id=str(prompt.message_id),
    )
    assert "Barcode does not match" in (await shop.buyer.expect(contains="rejected your request #1")).text
    evidence = await shop.buyer.expect(contains="#1 · store's evidence")  # the store's photo follows its rejection
    assert evidence["photo"] and evidence.text == "#1 · store's evidence"
    assert "1 file(s)" in (await shop.agent.expect_edit(card)).text
    await shop.agent.expect(contains="rejected", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()


async def test_a_partial_refund_offer_is_recorded_shown_and_withdrawn(shop, bot_app):
    _, card, _ = await submit(shop, bot_app)
    await card.press("➗ Partial refund")
    amounts = await shop.agent.expect_edit(card)
    assert amounts.buttons[0] == ["€7.00", "€17.50", "€27.99"] or len(amounts.buttons[0]) == 3
    await amounts.press(amounts.buttons[0][1])
    buyer_card = await shop.buyer.expect(contains="offers a partial refund")
    assert "Offered: €17.50" in buyer_card.text and buyer_card.buttons == [["✅ Accept", "❌ Reject"]]
    offered = await shop.agent.expect_edit(card)
    assert "Offer: " in offered.text and "offer pending" in offered.text
    assert offered.buttons == [["↩️ Withdraw offer"], ["📜 Timeline"], ["✅ Close ticket"]]
    store_card = await shop.agent.expect(
        contains="Partial refund offered: €17.50", chat=shop.group, thread=card.thread_id
    )
    assert store_card.buttons == [["↩️ Withdraw offer"]]
    await offered.press("↩️ Withdraw offer")
    withdrawn = await shop.buyer.expect_edit(buyer_card)
    assert "withdrew this offer" in withdrawn.text and not withdrawn.buttons
    await shop.buyer.expect(contains="withdrew its offer")
    back = await shop.agent.expect_edit(card)
    assert back.buttons[0] == ["✅ Approve", "❌ Reject"]
    assert not (await shop.agent.expect_edit(store_card)).buttons
    await shop.agent.expect(contains="was withdrawn", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    await shop.buyer.client.assert_quiet()


async def test_a_typed_amount_is_read_in_the_agents_language(shop, bot_app):
    _, card, _ = await submit(shop, bot_app)
    await card.press("➗ Partial refund")
    amounts = await shop.agent.expect_edit(card)
    await amounts.press("⌨️ Type an amount")
    prompt = await shop.agent.expect(contains="reply to this message", chat=shop.group, thread=card.thread_id)
    await shop.agent.reply(prompt, "forty")
    await shop.agent.expect(contains="That is not an amount", chat=shop.group, thread=card.thread_id)
    await shop.agent.reply(prompt, "€99")
    await shop.agent.expect(contains="more than was paid", chat=shop.group, thread=card.thread_id)
    await shop.agent.reply(prompt, "12.50")
    assert "€12.50" in (await shop.buyer.expect(contains="partial refund")).text
    assert "Offer: €12.50" in (await shop.agent.expect_edit(card)).text
    await shop.agent.expect(contains="Partial refund offered: €12.50", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()


async def test_a_non_agent_press_gets_an_alert_and_changes_nothing(chat, bot_app):
    shop = await make_shop(chat, bot_app, with_group=True, colleagues=("Eve",))
    await buyer_has_started_the_bot(shop)
    _, card, _ = await submit(shop, bot_app)
    eve = shop.colleagues[0]
    async with bot_app.deps.uow_factory() as uow:  # Eve left the store but is still in its group
        store_agents = await uow.stores.agents(1, active_only=False)
        for agent in store_agents:
            if agent.display_name == "Eve":
                agent.active = False
        await uow.commit()
    await eve.expect_event("topic")  # Eve is still in the group: she sees what it sees
    await eve.expect(contains="Ticket #1", chat=shop.group, thread=card.thread_id)
    await eve.expect_album(chat=shop.group, thread=card.thread_id)
    answer = await eve.press(card, "✅ Approve")
    assert answer["show_alert"] is True and "Only the store's agents" in answer["text"]
    await shop.buyer.client.assert_quiet()
    async with bot_app.deps.uow_factory() as uow:
        assert str((await uow.requests.by_ticket(1)).status) == "awaiting_seller"
