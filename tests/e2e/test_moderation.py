"""Moderation end to end: the store's words screened before the buyer sees them, moderators' cards, reports, strikes.

A store with a forum group (Karl answers in the ticket's topic), a buyer with
a ticket open, and the moderators' group where Jo sits
(AFTERSALES_MODERATORS_CHAT_ID), as in test_roles.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHOTO
from tests.e2e.seller_side import Shop, copy_recorded, make_shop, open_in_topic
from tests.e2e.test_roles import Moderators, moderators  # noqa: F401 - the fixture, used by name

PAYMENT_ASK = "Please send me your card number and CVV so I can refund you faster."
HELD_LINE = "This message is held for the platform's moderators to review"


@pytest.fixture
def bot_settings(moderators: Moderators) -> dict[str, object]:  # noqa: F811
    return {"moderators_chat_id": moderators.chat_id}


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    return await make_shop(chat, bot_app, with_group=True)


async def _jo(shop: Shop, moderators: Moderators):  # noqa: F811
    return await shop.agent.client.person(moderators.jo)


async def _held(shop: Shop, moderators: Moderators, thread: int, text: str = PAYMENT_ASK):  # noqa: F811
    """Karl writes `text` in the topic: he is told it is held, Jo gets the card, the buyer nothing."""
    await shop.agent.send(text, chat=shop.group, thread=thread)
    told = await shop.agent.expect(contains=HELD_LINE, chat=shop.group, thread=thread)
    assert "may not ask for payment details" in told.text
    jo = await _jo(shop, moderators)
    card = await jo.expect(contains="🛑 Held for review", chat=moderators.chat_id)
    await shop.agent.client.assert_quiet()  # the buyer got nothing
    return jo, card


async def test_a_payment_request_is_held_then_released_by_a_moderator(shop, moderators):  # noqa: F811
    thread = await open_in_topic(shop)
    jo, card = await _held(shop, moderators, thread)
    assert "Store: Berlin Gadgets · ticket 1 (#1) · strikes 0 of 3" in card.text
    assert "Rules: payment details" in card.text
    assert "Where is my lamp?" in card.text  # the ticket's messages before it, for context
    marked = [e for e in card["entities"] if e["type"] == "underline"]
    evidence = [card.text[e["offset"] : e["offset"] + e["length"]] for e in marked]  # ASCII text: offsets are indices
    assert any("card number" in piece for piece in evidence) and any("CVV" in piece for piece in evidence)
    assert card.buttons == [["✅ Release", "⛔ Block"], ["⚠️ Confirm and warn", "🟥 Confirm and strike"]]

    answer = await card.press("✅ Release")
    assert answer["text"] == "Released: the buyer gets the message."
    decided = await jo.expect_edit(card)
    assert "✅ Released by Jo" in decided.text and decided.buttons == []
    delivered = await shop.buyer.expect(contains="card number and CVV")
    assert delivered.text == f"🏪 Berlin Gadgets\n{PAYMENT_ASK}"
    assert delivered.buttons == [["⚠️ Report"]]
    await shop.agent.expect(contains="The moderators released your message", chat=shop.group, thread=thread)
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)  # answered: the buyer's turn now
    # A second press of a decided card: refused with what was decided (the card has no buttons, so forge it).
    await shop.agent.client.assert_quiet()


async def test_a_payment_request_held_and_blocked_never_reaches_the_buyer(shop, moderators):  # noqa: F811
    thread = await open_in_topic(shop)
    jo, card = await _held(shop, moderators, thread, "Pay me directly by bank transfer, not through the app.")
    assert "Rules: payment outside the platform" in card.text
    assert (await card.press("⛔ Block"))["text"] == "Blocked: the buyer never gets it."
    assert "⛔ Blocked by Jo" in (await jo.expect_edit(card)).text
    told = await shop.agent.expect(contains="The moderators blocked your message", chat=shop.group, thread=thread)
    assert "Pay me directly" in told.text
    await shop.agent.client.assert_quiet()
    history = await shop.buyer.client.call("GET", f"/people/{shop.buyer.id}/chats/{shop.bot_id}/messages")
    assert not any("bank transfer" in (m["text"] or "") for m in history)


async def test_an_edit_into_a_payment_request_is_held_and_the_buyer_keeps_the_old_text(
    shop,
    bot_app,
    moderators,  # noqa: F811
):
    thread = await open_in_topic(shop)
    mine = await shop.agent.send("Your lamp ships tomorrow.", chat=shop.group, thread=thread)
    delivered = await shop.buyer.expect(contains="Your lamp ships tomorrow.")
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)
    await copy_recorded(bot_app, mine)
    await shop.agent.edit(mine, "Your lamp ships tomorrow. Pay the shipping to my PayPal karl@example.com first.")
    told = await shop.agent.expect(contains="This edit is held", chat=shop.group, thread=thread)
    assert "the buyer still sees the earlier text" in told.text
    jo = await _jo(shop, moderators)
    card = await jo.expect(contains="🛑 Held for review", chat=moderators.chat_id)
    assert "An edit of a delivered message; the buyer still sees: Your lamp ships tomorrow." in card.text
    await shop.agent.client.assert_quiet()  # the buyer's copy was not edited

    await card.press("🟥 Confirm and strike")
    assert "🟥 Confirmed with a strike by Jo" in (await jo.expect_edit(card)).text
    told = await shop.agent.expect(contains="The moderators blocked your edit", chat=shop.group, thread=thread)
    assert "The store got a strike: 1 of 3" in told.text
    await shop.agent.client.assert_quiet()
    view = await shop.buyer.client.call("GET", f"/people/{shop.buyer.id}/chats/{shop.bot_id}/messages")
    assert [m["text"] for m in view if m["message_id"] == delivered.message_id] == [delivered.text]
    async with bot_app.deps.uow_factory() as uow:
        ticket = (await uow.tickets.for_buyer((await uow.users.by_telegram_id(shop.buyer.id)).id))[0]
        texts = [m.text for m in await uow.tickets.messages(ticket.id)]
    assert "Your lamp ships tomorrow." in texts and not any("PayPal" in (t or "") for t in texts)


async def test_a_caption_is_screened_and_a_released_photo_reaches_the_buyer(shop, moderators):  # noqa: F811
    thread = await open_in_topic(shop)
    await shop.agent.send_photo(
        PHOTO, caption="Transfer the refund fee to IBAN DE89 3704 0044 0532 0130 00", chat=shop.group, thread=thread
    )
    await shop.agent.expect(contains=HELD_LINE, chat=shop.group, thread=thread)
    jo = await _jo(shop, moderators)
    card = await jo.expect(contains="🛑 Held for review", chat=moderators.chat_id)
    assert "DE89 3704 0044 0532 0130 00" in card.text
    await shop.agent.client.assert_quiet()
    await card.press("✅ Release")
    await jo.expect_edit(card)
    photo = await shop.buyer.expect(contains="IBAN DE89")
    assert photo["photo"] and photo.text.startswith("🏪 Berlin Gadgets\n") and photo.buttons == [["⚠️ Report"]]
    await shop.agent.expect(contains="The moderators released your message", chat=shop.group, thread=thread)
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)
    await shop.agent.client.assert_quiet()


async def test_disrespect_is_delivered_flagged_and_dismissed(shop, moderators):  # noqa: F811
    thread = await open_in_topic(shop)
    await shop.agent.send("You idiot, read the description before you write.", chat=shop.group, thread=thread)
    delivered = await shop.buyer.expect(contains="read the description")
    assert delivered.buttons == [["⚠️ Report"]]
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)
    jo = await _jo(shop, moderators)
    card = await jo.expect(contains="🚩 Delivered and flagged", chat=moderators.chat_id)
    assert "Rules: disrespect" in card.text
    assert card.buttons == [["⚠️ Confirm and warn", "🟥 Confirm and strike"], ["✖️ Dismiss"]]
    assert (await card.press("✖️ Dismiss"))["text"] == "Dismissed."
    assert "✖️ Dismissed by Jo" in (await jo.expect_edit(card)).text
    await shop.agent.client.assert_quiet()  # a dismissed flag is nothing to the store


async def test_a_buyer_reports_a_store_message_by_button_and_by_reply(shop, bot_app, moderators):  # noqa: F811
    thread = await open_in_topic(shop)
    await shop.agent.send("We do not refund opened items.", chat=shop.group, thread=thread)
    delivered = await shop.buyer.expect(contains="We do not refund opened items.")
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)
    await copy_recorded(bot_app, delivered)
    answer = await delivered.press("⚠️ Report")
    assert answer["show_alert"] and answer["text"] == "Thank you. The platform's moderators will look at this message."
    jo = await _jo(shop, moderators)
    card = await jo.expect(contains="📣 Reported by the buyer", chat=moderators.chat_id)
    assert "We do not refund opened items." in card.text and "Where is my lamp?" in card.text
    assert card.buttons == [["⚠️ Confirm and warn", "🟥 Confirm and strike"], ["✖️ Dismiss"]]
    again = await delivered.press("⚠️ Report")
    assert again["text"] == "You reported this message already; the moderators have it."
    await shop.buyer.reply(delivered, "/report")
    assert "You reported this message already" in (await shop.buyer.expect(contains="already")).text
    await shop.buyer.send("/report")
    assert "reply /report to it" in (await shop.buyer.expect(contains="To report")).text

    await card.press("⚠️ Confirm and warn")
    assert "⚠️ Confirmed with a warning by Jo" in (await jo.expect_edit(card)).text
    told = await shop.agent.expect(contains="The moderators reviewed your message", chat=shop.group, thread=thread)
    assert "This is a warning to the store" in told.text and "We do not refund opened items." in told.text
    await shop.agent.client.assert_quiet()


async def test_a_moderator_flags_a_store_message_by_replying_flag(shop, sandbox, bot_app, moderators):  # noqa: F811
    sandbox.world.groups[shop.group].member_ids.append(moderators.jo)  # Jo sits in the store's group too
    jo = await _jo(shop, moderators)
    await jo.send("/start")  # so the bot may write to Jo in private
    await jo.expect(contains="moderator")
    await shop.agent.client.assert_quiet()
    thread = await open_in_topic(shop)
    mine = await shop.agent.send("Leave a 5-star review and I will think about it.", chat=shop.group, thread=thread)
    await shop.buyer.expect(contains="5-star review")
    await shop.agent.expect_topic("🔵 #1", chat=shop.group, thread=thread)
    await copy_recorded(bot_app, mine)
    await jo.skip()  # the topic's card and title, which Jo sees as a member of the group
    await jo.reply(mine, "/flag")
    card = await jo.expect(contains="🚩 Flagged by a moderator", chat=moderators.chat_id)
    assert "5-star review" in card.text
    said = await jo.expect(contains="🚩 Flagged: case")
    assert said.chat_id > 0  # in Jo's private chat, not the store's topic
    await shop.agent.client.assert_quiet()  # Karl (and Jo, in the topic) read nothing of it


async def test_strikes_suspend_the_store_and_nothing_written_meanwhile_is_lost(shop, moderators):  # noqa: F811
    thread = await open_in_topic(shop)
    for strike in (1, 2, 3):
        jo, card = await _held(shop, moderators, thread, f"Send the CVV of your card, attempt {strike}.")
        await card.press("🟥 Confirm and strike")
        await jo.expect_edit(card)
        told = await shop.agent.expect(contains="The moderators blocked your message", chat=shop.group, thread=thread)
        assert f"The store got a strike: {strike} of 3" in told.text
    suspended = await shop.agent.expect(contains="messaging to buyers is suspended", chat=shop.group)
    assert suspended.thread_id is None and "after 3 confirmed strikes" in suspended.text
    await shop.agent.client.assert_quiet()

    await shop.agent.send("Sorry for the wait: your refund is on its way.", chat=shop.group, thread=thread)
    kept = await shop.agent.expect(contains="suspended by the platform's moderators", chat=shop.group, thread=thread)
    assert "This message is kept" in kept.text
    await shop.agent.client.assert_quiet()  # the buyer got nothing yet

    await jo.send("/unsuspend Berlin Gadgets", chat=moderators.chat_id)
    lifted = await jo.expect(contains="may write to buyers again", chat=moderators.chat_id)
    assert "1 message(s) written meanwhile: 1 sent now" in lifted.text
    assert (
        "1 message(s) written meanwhile go on now"
        in (await shop.agent.expect(contains="Your store may write to buyers again", chat=shop.group)).text
    )
    assert (await shop.buyer.expect(contains="your refund is on its way")).text.startswith("🏪 Berlin Gadgets\n")
    await jo.send("/unsuspend Berlin Gadgets", chat=moderators.chat_id)
    assert "is not suspended" in (await jo.expect(contains="not suspended", chat=moderators.chat_id)).text
    await shop.agent.client.assert_quiet()


async def test_only_moderators_decide_a_case(shop, sandbox, bot_app, bot_token, moderators):  # noqa: F811
    """The operator moved the moderators' group: Sam, in the old one only, is no moderator now."""
    thread = await open_in_topic(shop)
    jo, card = await _held(shop, moderators, thread)
    sam = sandbox.world.add_person("Sam", "en")
    sandbox.world.groups[moderators.chat_id].member_ids.append(sam.id)
    new_group = sandbox.world.add_group(
        "Moderators (new)", is_forum=False, member_ids=[moderators.jo], admin_bot_ids=[int(bot_token.split(":")[0])]
    )
    settings = bot_app.deps.settings.model_copy(update={"moderators_chat_id": new_group.id})
    object.__setattr__(bot_app.deps, "settings", settings)  # as after a restart with the new setting
    sam_person = await shop.agent.client.person(sam.id)
    seen = await sam_person._view_of(card)
    from sandbox.client import Msg

    answer = await Msg(seen, sam_person).press("✅ Release")
    assert answer["show_alert"] and answer["text"] == "Only the platform's moderators decide on moderation cases."
    await shop.agent.client.assert_quiet()  # nothing released, the card unchanged
