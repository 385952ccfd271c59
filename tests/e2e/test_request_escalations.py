"""A rejected request escalated by the buyer, decided by the platform's moderators in their group.

The bot has a moderators' group (Jo sits in it; AFTERSALES_MODERATORS_CHAT_ID), as in test_roles.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHOTO
from tests.e2e.seller_side import Shop, buyer_has_started_the_bot, make_shop
from tests.e2e.test_request_decisions import submit
from tests.e2e.test_roles import Moderators, moderators  # noqa: F401 - the fixture, used by name


@pytest.fixture
def bot_settings(moderators: Moderators) -> dict[str, object]:  # noqa: F811
    return {"moderators_chat_id": moderators.chat_id}


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    shop = await make_shop(chat, bot_app, with_group=True)
    await buyer_has_started_the_bot(shop)
    return shop


async def rejected_and_escalated(shop: Shop, bot_app, moderators: Moderators):  # noqa: F811
    """Rejected by the store (a reason, a note), escalated by the buyer: the moderators' card."""
    _, card, _ = await submit(shop, bot_app)
    await card.press("❌ Reject")
    reasons = await shop.agent.expect_edit(card)
    await reasons.press("Photos do not show the fault")
    prompt = await shop.agent.expect(contains="Rejecting #1", chat=shop.group, thread=card.thread_id)
    await shop.agent._media(  # the note as the caption of the store's own photo, a reply to the prompt
        "photo",
        [(PHOTO, "photo.jpg")],
        "The lamp in the photos is lit and looks fine.",
        shop.group,
        card.thread_id,
        reply_to_message_id=str(prompt.message_id),
    )
    rejection = await shop.buyer.expect(contains="rejected your request #1")
    assert rejection.buttons == [["⚖️ Escalate to the platform"]]
    assert (await shop.buyer.expect(contains="#1 · store's evidence"))["photo"]
    await shop.agent.expect_edit(card)
    await shop.agent.expect(contains="❌ Request #1 rejected", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()

    await rejection.press("⚖️ Escalate to the platform")
    assert "✔️" in (await shop.buyer.expect_edit(rejection)).text
    await shop.buyer.expect(contains="is with the platform's moderators now")
    await shop.agent.expect_edit(card)
    await shop.agent.expect(contains="escalated the rejection of #1", chat=shop.group, thread=card.thread_id)
    jo = await shop.agent.client.person(moderators.jo)
    escalated = await jo.expect(contains="⚖️ Escalated request #1", chat=moderators.chat_id)
    assert "Berlin Gadgets · order W-1" in escalated.text
    assert "Rejected: Photos do not show the fault · The lamp in the photos is lit" in escalated.text
    assert "Evidence: buyer 4 file(s), store 1 file(s)" in escalated.text
    assert escalated.buttons == [["✔️ Uphold the rejection", "↩️ Overturn: approve"]]
    # Under the card both sides' evidence: the buyer's album, then the store's photo.
    album = await jo.expect_album(chat=moderators.chat_id)
    assert [m.text for m in album] == ["#1 · shipping status", "#1 · fault", "#1 · fault", "#1 · barcode"]
    assert all(m["photo"] for m in album)
    store_photo = await jo.expect(contains="#1 · store's evidence", chat=moderators.chat_id)
    assert store_photo["photo"] and store_photo.text == "#1 · store's evidence"
    await shop.agent.client.assert_quiet()
    return card, jo, escalated


async def test_the_moderators_uphold_the_rejection(shop, bot_app, moderators):  # noqa: F811
    card, jo, escalated = await rejected_and_escalated(shop, bot_app, moderators)
    await escalated.press("✔️ Uphold the rejection")
    assert "upheld Berlin Gadgets's rejection of your request #1" in (await shop.buyer.expect(contains="⚖️")).text
    await shop.agent.expect_edit(card)
    await shop.agent.expect(
        contains="The moderators upheld the rejection of #1", chat=shop.group, thread=card.thread_id
    )
    decided = await jo.expect_edit(escalated)
    assert "✔️ Upheld: the rejection stands." in decided.text and decided.buttons == []
    await shop.agent.client.assert_quiet()


async def test_the_moderators_overturn_the_rejection(shop, bot_app, moderators):  # noqa: F811
    card, jo, escalated = await rejected_and_escalated(shop, bot_app, moderators)
    await escalated.press("↩️ Overturn: approve")
    told = await shop.buyer.expect(contains="⚖️")
    assert "overturned Berlin Gadgets's rejection of your request #1: approved, reshipment." in told.text
    assert "Decided: reshipment" in (await shop.agent.expect_edit(card)).text
    await shop.agent.expect(contains="overturned the rejection of #1", chat=shop.group, thread=card.thread_id)
    decided = await jo.expect_edit(escalated)
    assert "✔️ Overturned" in decided.text and decided.buttons == []
    await shop.agent.client.assert_quiet()
    async with bot_app.deps.uow_factory() as uow:
        assert str((await uow.requests.by_ticket(1)).status) == "approved"
