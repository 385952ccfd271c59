"""The buyer's after-sales request form, end to end: each type with its evidence rules, re-asks, the summary.

The shop's order W-5 was delivered on 20 Nov 2026 (2 × Desk lamp at €34.99); the
test clock stands at Sunday 22 Nov 2026, 12:00 UTC, and the store is on UTC.
"""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import select

from bot.conversations.request_form import FormStep
from domain.enums import AttachmentPurpose, BindingSource, OrderStatus, RequestType, Resolution
from domain.models import AfterSalesRequest, ConversationDraft, OutboxMessage
from domain.results import Viewer
from domain.services.orders import import_orders
from domain.services.requests import request_view
from domain.services.stores import add_store
from domain.storage.migrate import upgrade
from sandbox.client import SandboxClient
from tests.e2e.conftest import PHOTO, bind, make_choice, open_menu, order_row

DEFECTIVE = "🔧 Defective (does not work properly)"
DAMAGED = "💥 Damaged or broken"
WRONG = "🔄 Wrong item"
MISSING = "📦 Missing items or parts"
SEND = "📨 Send to the seller"
DONE = "✅ Done"
DESCRIPTION = "The switch clicks but the lamp stays dark"


async def sent_recorded(bot_app, message, timeout: float = 5) -> None:
    """The bot learns a sent message's id just after Telegram shows it; a person never answers that fast.

    Only then can a typed answer take the buttons off the question it answers.
    """
    query = select(OutboxMessage.id).where(
        OutboxMessage.chat_id == message.person.id, OutboxMessage.telegram_message_id == message.message_id
    )
    async with asyncio.timeout(timeout):
        while True:
            async with bot_app.deps.uow_factory.reading() as uow:
                if await uow.session.scalar(query) is not None:
                    return
            await asyncio.sleep(0.05)


async def start_form(bot_app, shop, buyer, kind: str, *, quantity: str | None = "1"):
    """The order's menu, "Report a problem", the type, the lamp (and how many): the description is asked."""
    await bind(bot_app, shop, buyer, "W-5")
    menu = await open_menu(buyer, "W-5")
    await menu.press("Report a problem with the item")
    await buyer.expect(contains="Report a problem with the item for order W-5")
    await make_choice(await buyer.expect(contains="What is wrong?"), kind)
    items = await buyer.expect(contains="Which item is affected?")
    assert items.buttons == [["Desk lamp (×2)"]]
    await make_choice(items, "Desk lamp (×2)")
    how_many = await buyer.expect(contains="You ordered 2 × Desk lamp. How many are affected?")
    assert how_many.buttons == [["1", "2"]]
    await make_choice(how_many, quantity)
    return await buyer.expect(contains="Describe exactly what is wrong")


async def photo_then_done(bot_app, buyer, ask):
    """One photo at the fault step, then Done; the barcode is asked."""
    await sent_recorded(bot_app, ask)
    await buyer.send_photo(PHOTO)
    got = await buyer.expect(contains="Got it (1)")
    assert (await buyer.expect_edit(ask)).buttons == []
    await make_choice(got, DONE)
    return await buyer.expect(contains="Please send a photo of the barcode")


async def barcode_photo(bot_app, buyer, ask):
    await sent_recorded(bot_app, ask)
    await buyer.send_photo(PHOTO)
    assert (await buyer.expect_edit(ask)).buttons == []
    return await buyer.expect(contains="What would you like the seller to do?")


async def send_and_confirm(shop, buyer, summary, kind_label: str):
    await make_choice(summary, SEND)
    sent = await buyer.expect(contains="Request #1 sent")
    assert f"({kind_label}, order W-5)" in sent.text
    assert "Berlin Gadgets answers by 24 Nov 2026, 12:00 UTC (in 48 h)" in sent.text
    return sent


async def store_gets(shop, words: str, *evidence: str) -> None:
    """The store's agent gets the request (its description) and then each piece of evidence, in order."""
    await shop.agent.expect(contains=words)
    for purpose in evidence:
        await shop.agent.expect(contains=f"#1 · {purpose}")


async def the_request(bot_app, shop, buyer):
    """The request as its buyer sees it, from the database: the only one the test made."""
    async with bot_app.deps.uow_factory.reading() as uow:
        request = await uow.session.scalar(select(AfterSalesRequest))
        assert request is not None and request.order_id == shop.orders["W-5"]
        return await request_view(uow, request.id, Viewer("buyer", buyer.id))


async def test_a_defective_item_is_asked_for_a_photo_and_sent_with_every_answer(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await start_form(bot_app, shop, buyer, DEFECTIVE)
    await buyer.send_photo(PHOTO)  # a photo where words are wanted
    await buyer.expect(contains="Please answer in words")
    await buyer.send("broken")
    await buyer.expect(contains="That is a bit short")
    await buyer.send("It is broken and not working at all")
    vague = await buyer.expect(contains="That does not yet say what is wrong")
    assert 'For example: "The lamp does not light up after pressing ON' in vague.text
    await buyer.send(DESCRIPTION)
    when = await buyer.expect(contains="When was the parcel delivered?")
    assert when.buttons == [
        ["Today", "Yesterday"],
        ["Fri 20 Nov", "Thu 19 Nov", "Wed 18 Nov"],
        ["Tue 17 Nov", "Mon 16 Nov"],
        ["🚫 Parcel not delivered"],
    ]
    await make_choice(when, "Fri 20 Nov")
    await buyer.expect(contains="screenshot of the shipping status")
    await buyer.send("it says delivered")  # words where a screenshot is wanted
    await buyer.expect(contains="Please send the screenshot as one photo")
    await buyer.send_photo(PHOTO)
    fault = await buyer.expect(contains="Send photos or videos that show the problem (at least one")
    await fault.press(DONE)  # no photo yet: a defective item needs one
    await buyer.expect(contains="Please send at least one photo or video")
    await buyer.send_document(b"%PDF-1.4 receipt", "receipt.pdf")
    await buyer.expect(contains="Please send a photo or a video")
    barcode = await photo_then_done(bot_app, buyer, fault)
    wanted = await barcode_photo(bot_app, buyer, barcode)
    assert wanted.buttons == [
        ["📦 Send a new one"],
        ["🔄 Exchange it"],
        ["↩️ Return it for a refund"],
        ["💶 Refund without return"],
    ]
    await buyer.send("a new one please")  # words where a button is wanted
    await buyer.expect(contains="Please press one of the buttons above")
    await make_choice(wanted, "📦 Send a new one")
    summary = await buyer.expect(contains="Ready to send")
    for line in (
        f"Problem: {DEFECTIVE}",
        "Items: 1 × Desk lamp",
        f"Description: {DESCRIPTION}",
        "Delivered: Nov 20, 2026",
        "Shipping status: screenshot added",
        "Photos and videos: 1",
        "Barcode: photo added",
        "Wanted: 📦 Send a new one",
    ):
        assert line in summary.text, summary.text
    await send_and_confirm(shop, buyer, summary, DEFECTIVE)
    await store_gets(shop, DESCRIPTION, "shipping status", "fault", "barcode")
    view = await the_request(bot_app, shop, buyer)
    assert (view.type, view.resolution_wanted, view.description) == (
        RequestType.DEFECTIVE,
        Resolution.RESHIPMENT,
        DESCRIPTION,
    )
    assert (view.delivered_on, view.not_delivered, view.barcode_given) == (date(2026, 11, 20), False, True)
    assert [(item.title, item.quantity) for item in view.items] == [("Desk lamp", 1)]
    assert view.affected_amount_minor == 3499
    assert sorted(file.purpose for file in view.evidence) == sorted(
        [AttachmentPurpose.SHIPPING_STATUS, AttachmentPurpose.FAULT_EVIDENCE, AttachmentPurpose.BARCODE]
    )


async def test_a_damaged_item_with_a_typed_date_in_the_buyers_format_and_a_future_one_refused(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en-GB")  # writes day/month/year
    await start_form(bot_app, shop, buyer, DAMAGED, quantity="2")
    await buyer.send("The glass shade arrived cracked from the rim to the base")
    when = await buyer.expect(contains="type the date (for example 19/11/2026)")
    await sent_recorded(bot_app, when)
    await buyer.send("03/12/2026")  # 3 December: not yet
    await buyer.expect(contains="That date is in the future")
    await buyer.send("someday")
    await buyer.expect(contains="I could not read that date. Please type it like 19/11/2026")
    await buyer.send("20/11/2026")
    assert (await buyer.expect_edit(when)).buttons == []
    await buyer.expect(contains="screenshot of the shipping status")
    await buyer.send_photo(PHOTO)
    fault = await buyer.expect(contains="Send photos or videos that show the problem")
    barcode = await photo_then_done(bot_app, buyer, fault)
    wanted = await barcode_photo(bot_app, buyer, barcode)
    await make_choice(wanted, "↩️ Return it for a refund")
    summary = await buyer.expect(contains="Ready to send")
    assert "Items: 2 × Desk lamp" in summary.text and "Delivered: 20 Nov 2026" in summary.text
    await send_and_confirm(shop, buyer, summary, DAMAGED)
    await store_gets(shop, "cracked from the rim", "shipping status", "fault", "barcode")
    view = await the_request(bot_app, shop, buyer)
    assert (view.type, view.delivered_on, view.affected_amount_minor) == (RequestType.DAMAGED, date(2026, 11, 20), 6998)


async def test_a_wrong_item_with_a_us_date_without_year(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en-US")  # writes month/day
    await start_form(bot_app, shop, buyer, WRONG)
    await buyer.send("I ordered the black desk lamp and received a white floor lamp")
    when = await buyer.expect(contains="for example 11/19/26")
    await sent_recorded(bot_app, when)
    await buyer.send("11/21")
    assert (await buyer.expect_edit(when)).buttons == []
    await buyer.expect(contains="screenshot of the shipping status")
    await buyer.send_photo(PHOTO)
    fault = await buyer.expect(contains="Send photos or videos that show the problem")
    barcode = await photo_then_done(bot_app, buyer, fault)
    wanted = await barcode_photo(bot_app, buyer, barcode)
    assert wanted.buttons == [["🔄 Exchange it"], ["↩️ Return it for a refund"], ["💶 Refund without return"]]
    await make_choice(wanted, "🔄 Exchange it")
    summary = await buyer.expect(contains="Ready to send")
    assert "Delivered: Nov 21, 2026" in summary.text
    await send_and_confirm(shop, buyer, summary, WRONG)
    await store_gets(shop, "white floor lamp", "shipping status", "fault", "barcode")
    view = await the_request(bot_app, shop, buyer)
    assert (view.type, view.delivered_on, view.resolution_wanted) == (
        RequestType.WRONG_ITEM,
        date(2026, 11, 21),
        Resolution.EXCHANGE,
    )


async def test_missing_items_go_without_photos_not_delivered_skips_the_screenshot_and_no_barcode_warns(
    chat, shop, bot_app
):
    buyer = await chat.user("Alice", lang="en")
    await start_form(bot_app, shop, buyer, MISSING)
    await buyer.send("The box had the lamp but no power adapter and no screws")
    when = await buyer.expect(contains="When was the parcel delivered?")
    await make_choice(when, "🚫 Parcel not delivered")
    fault = await buyer.expect(contains="Send photos or videos of what arrived, if you have them")  # no screenshot
    await make_choice(fault, DONE)
    barcode = await buyer.expect(contains="Please send a photo of the barcode")
    await make_choice(barcode, "No barcode")
    await buyer.expect(contains="Without a barcode photo the seller cannot match the item")
    wanted = await buyer.expect(contains="What would you like the seller to do?")
    assert wanted.buttons == [["📦 Send a new one"], ["💶 Refund without return"]]
    await make_choice(wanted, "💶 Refund without return")
    summary = await buyer.expect(contains="Ready to send")
    assert "Delivered: not delivered" in summary.text and "Shipping status" not in summary.text
    assert "Photos and videos: 0" in summary.text and "Barcode: none (the request may be rejected)" in summary.text
    assert "✏️ Shipping status" not in [b for row in summary.buttons for b in row]  # no screenshot to change
    await send_and_confirm(shop, buyer, summary, MISSING)
    await store_gets(shop, "no power adapter")
    view = await the_request(bot_app, shop, buyer)
    assert (view.type, view.not_delivered, view.delivered_on, view.barcode_given, view.evidence) == (
        RequestType.MISSING_ITEMS,
        True,
        None,
        False,
        (),
    )
    assert view.resolution_wanted == Resolution.REFUND_ONLY


async def test_changing_one_answer_from_the_summary_keeps_the_others(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await start_form(bot_app, shop, buyer, DEFECTIVE)
    await buyer.send(DESCRIPTION)
    await make_choice(await buyer.expect(contains="When was the parcel delivered?"), "Yesterday")
    await buyer.expect(contains="screenshot of the shipping status")
    await buyer.send_photo(PHOTO)
    fault = await buyer.expect(contains="Send photos or videos that show the problem")
    barcode = await photo_then_done(bot_app, buyer, fault)
    await make_choice(barcode, "No barcode")
    await buyer.expect(contains="Without a barcode photo")
    await make_choice(await buyer.expect(contains="What would you like"), "🔄 Exchange it")
    summary = await buyer.expect(contains="Ready to send")
    assert summary.buttons[0] == [SEND] and summary.buttons[-1] == ["✖️ Cancel"]

    await make_choice(summary, "✏️ Description")
    await buyer.expect(contains="Describe exactly what is wrong")
    await buyer.send("The lamp flickers twice a second once it is warm")
    again = await buyer.expect(contains="Ready to send")  # straight back: nothing else is asked again
    assert "The lamp flickers twice a second" in again.text and DESCRIPTION not in again.text
    for kept in ("Delivered: Nov 21, 2026", "Shipping status: screenshot added", "Photos and videos: 1", "Exchange it"):
        assert kept in again.text

    # Missing items cannot be exchanged: the new type asks the resolution again, and only that.
    await make_choice(again, "✏️ Problem")
    await make_choice(await buyer.expect(contains="What is wrong?"), MISSING)
    wanted = await buyer.expect(contains="What would you like")
    assert wanted.buttons == [["📦 Send a new one"], ["💶 Refund without return"]]
    await make_choice(wanted, "📦 Send a new one")
    last = await buyer.expect(contains="Ready to send")
    assert f"Problem: {MISSING}" in last.text and "The lamp flickers" in last.text and "Nov 21, 2026" in last.text
    await send_and_confirm(shop, buyer, last, MISSING)
    await store_gets(shop, "The lamp flickers", "shipping status", "fault")
    view = await the_request(bot_app, shop, buyer)
    assert (view.type, view.resolution_wanted, view.delivered_on) == (
        RequestType.MISSING_ITEMS,
        Resolution.RESHIPMENT,
        date(2026, 11, 21),
    )
    assert view.description == "The lamp flickers twice a second once it is warm"
    assert len([f for f in view.evidence if f.purpose == AttachmentPurpose.FAULT_EVIDENCE]) == 1


async def test_cancel_mid_form_sends_nothing_and_an_old_button_is_stale(chat, shop, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await start_form(bot_app, shop, buyer, DEFECTIVE)
    await buyer.send(DESCRIPTION)
    when = await buyer.expect(contains="When was the parcel delivered?")
    await sent_recorded(bot_app, when)
    await buyer.send("/cancel")
    await buyer.expect(contains="Nothing was sent to the seller")
    assert (await buyer.expect_edit(when)).buttons == []
    async with bot_app.deps.uow_factory.reading() as uow:
        assert await uow.session.scalar(select(AfterSalesRequest)) is None


async def test_the_form_continues_at_the_same_step_after_a_restart(sandbox, start_bot, tmp_path):
    """Durable like the other flows: the answers so far and the step come back from the draft row."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'restart.sqlite3'}"
    await upgrade(database_url)
    async with SandboxClient(sandbox.url) as chat:
        buyer = await chat.user("Alice", lang="en")
        async with start_bot(database_url) as app:
            deps = app.deps
            async with deps.uow_factory() as uow:
                store = await add_store(uow, deps.clock, name="Berlin Gadgets", timezone="UTC", country="DE")
                await import_orders(uow, deps.clock, store.id, [order_row("W-5", OrderStatus.DELIVERED)])
                order = await uow.orders.by_number(store.id, "W-5")
                user = await uow.users.get_or_create(buyer.id, at=deps.clock.now(), display_name="Alice", language="en")
                await uow.users.bind_order(user.id, order.id, source=BindingSource.DEMO, at=deps.clock.now())
                await uow.commit()
            menu = await open_menu(buyer, "W-5")
            await menu.press("Report a problem with the item")
            await buyer.expect(contains="for order W-5")
            await make_choice(await buyer.expect(contains="What is wrong?"), DAMAGED)
            await make_choice(await buyer.expect(contains="Which item is affected?"), "Desk lamp (×2)")
            await make_choice(await buyer.expect(contains="How many are affected?"), "2")
            await buyer.expect(contains="Describe exactly what is wrong")

        async with start_bot(database_url) as app:
            await buyer.send("The glass shade arrived cracked from the rim to the base")
            await make_choice(await buyer.expect(contains="When was the parcel delivered?"), "🚫 Parcel not delivered")
            fault = await buyer.expect(contains="Send photos or videos that show the problem")
            async with app.deps.uow_factory.reading() as uow:
                row = await uow.session.scalar(select(ConversationDraft))
                assert row.conversation == "flow_request_form" and row.state == FormStep.FAULT_MEDIA
                value = row.data["value"]
                assert (value["type"], value["items"], value["not_delivered"]) == (
                    "damaged",
                    [[order.items[0].id, 2]],
                    True,
                )
            assert fault.buttons == [[DONE]]
            await chat.assert_quiet()
    assert sandbox.violations == [], sandbox.violations
