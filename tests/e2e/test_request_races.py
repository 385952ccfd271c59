"""Two agents deciding one after-sales request at the same moment, on SQLite and PostgreSQL.

As in test_races: both presses are held just before their status update until
the other has arrived too; on PostgreSQL the second then loses its
compare-and-set and is handled again on fresh data, where it finds the request
decided. Either way the people see the same: one approval, one alert.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.seller_side import Shop, buyer_has_started_the_bot, make_shop
from tests.e2e.test_races import meeting  # noqa: F401 - the fixture, used by name
from tests.e2e.test_request_decisions import submit


@pytest.fixture
def bot_app(bot_on_both_databases):
    return bot_on_both_databases


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    shop = await make_shop(chat, bot_app, with_group=True, colleagues=("Mia",))
    await buyer_has_started_the_bot(shop)
    return shop


async def test_two_agents_approving_at_once_approve_once(shop, bot_app, meeting, database_url):  # noqa: F811
    _, card, _ = await submit(shop, bot_app)
    karl, mia = shop.agent, shop.colleagues[0]
    meeting.armed = True
    answers = await asyncio.gather(karl.press(card, "✅ Approve"), mia.press(card, "✅ Approve"))

    alerts = [a for a in answers if a and a.get("text")]
    assert len(alerts) == 1, answers  # both presses answered: one silently (it approved), one with an alert
    assert alerts[0]["show_alert"] is True and alerts[0]["text"] == "This request has been decided already."
    if database_url.startswith("postgresql"):
        assert meeting.lost == 1  # the race really happened, and its loser was handled again
    told = await shop.buyer.expect(contains="approved your request #1")
    assert "Berlin Gadgets approved your request #1: reshipment." in told.text
    edited = await karl.expect_edit(card)
    assert "📋 Defective item · approved" in edited.text and edited.buttons[-1] == ["✅ Close ticket"]
    assert not {"✅ Approve", "❌ Reject"} & {b for row in edited.buttons for b in row}  # no decision left to make
    await karl.expect(contains="✅ Request #1 approved: reshipment.", chat=shop.group, thread=card.thread_id)
    async with bot_app.deps.uow_factory() as uow:
        assert str((await uow.requests.by_ticket(1)).status) == "approved"
    # Mia, in the same group, saw the card edited once and the one line (besides the card, its album, the topic).
    seen = await mia.skip(within=0.3)
    edits = [e for e in seen if e["type"] == "edit"]
    lines = [
        e["message"]["text"] for e in seen if e["type"] == "message" and "Request #1" in (e["message"]["text"] or "")
    ]
    assert len(edits) == 1 and "· approved" in edits[0]["message"]["text"]
    assert lines == ["✅ Request #1 approved: reshipment."]
    await shop.buyer.client.assert_quiet()  # the buyer told once, the card edited once, nothing else
