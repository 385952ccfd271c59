"""Two people acting on one ticket at the same moment, on SQLite and PostgreSQL.

A lost compare-and-set must roll the loser's whole update back and handle it
again on fresh data, never be answered as a business error with half its
changes committed. To make the race certain rather than likely, both
transactions are held just before their status update until the other one
has arrived too (`Meeting`); on PostgreSQL one of them then loses. SQLite
lets one writer at a time in, so there the second simply runs after the
first: the outcome the people see must be the same.
"""

from __future__ import annotations

import asyncio

import pytest

import domain.states
from domain.storage.conflicts import is_conflict
from sandbox.client import Msg
from tests.e2e.conftest import make_choice
from tests.e2e.seller_side import Shop, make_shop, open_in_topic, see_the_topic_closed


class Meeting:
    """The first two status updates wait (at most `patience` s) until both have arrived; the first writes first."""

    def __init__(self, parties: int = 2, patience: float = 1.0) -> None:
        self.parties, self.patience = parties, patience
        self.armed = False  # set by the test just before the race: the setup's updates run free
        self.arrived = 0
        self.lost = 0
        self._all_here = asyncio.Event()

    async def meet(self) -> None:
        if not self.armed or self.arrived >= self.parties:
            return  # the retries run free
        self.arrived += 1
        order = self.arrived
        if order == self.parties:
            self._all_here.set()
        try:
            async with asyncio.timeout(self.patience):
                await self._all_here.wait()
        except TimeoutError:
            pass  # SQLite: the other one waits for this one's write lock
        if order > 1:
            await asyncio.sleep(0.2)  # on PostgreSQL it then waits for the first one's row lock, and loses

    async def first_arrived(self, timeout: float = 5) -> None:
        async with asyncio.timeout(timeout):
            while self.arrived < 1:
                await asyncio.sleep(0.01)


@pytest.fixture
def bot_app(bot_on_both_databases):
    return bot_on_both_databases


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    return await make_shop(chat, bot_app, with_group=True, colleagues=("Mia",))


def meet_before(monkeypatch, owner: object, name: str) -> Meeting:
    """Hold calls of `owner.name` at a `Meeting`; count the ones that lost their race."""
    meeting = Meeting()
    original = getattr(owner, name)

    async def meet_then_call(*args, **kwargs):
        await meeting.meet()
        try:
            return await original(*args, **kwargs)
        except Exception as error:
            if is_conflict(error):
                meeting.lost += 1
            raise

    monkeypatch.setattr(owner, name, meet_then_call)
    return meeting


@pytest.fixture
def meeting(monkeypatch) -> Meeting:
    """At the status update (a compare-and-set)."""
    return meet_before(monkeypatch, domain.states, "_compare_and_set")


async def test_two_agents_replying_at_once_both_reach_the_buyer_once(shop, meeting, database_url):
    thread = await open_in_topic(shop)
    karl, mia = shop.agent, shop.colleagues[0]
    meeting.armed = True
    await asyncio.gather(
        karl.send("I will check the warehouse.", chat=shop.group, thread=thread),
        mia.send("It ships tomorrow.", chat=shop.group, thread=thread),
    )
    first = await shop.buyer.expect(contains="🏪 Berlin Gadgets")
    second = await shop.buyer.expect(contains="🏪 Berlin Gadgets")
    assert sorted(m.text.splitlines()[1] for m in (first, second)) == [
        "I will check the warehouse.",
        "It ships tomorrow.",
    ]
    if database_url.startswith("postgresql"):
        assert meeting.lost == 1  # the race really happened, and its loser was handled again
    await karl.expect_topic("🔵 #1", chat=shop.group, thread=thread)  # now the buyer's turn
    # Neither agent is told "not delivered" (the chat fixture fails on any message nobody expected).
    assert await messages_seen_by_colleague(mia) == ["Ticket #1 · Question for the seller"]


async def test_agent_and_buyer_closing_at_once_close_it_once_and_the_buyer_is_told_it_is_closed(
    shop, meeting, database_url
):
    thread, card, timeline = await both_close_buttons(shop)

    # The agent's press reaches its status update first; the buyer's comes while it is held there.
    agent_answer, buyer_answer = await press_in_order(
        meeting, card, "✅ Close ticket", timeline, "✅ Close this ticket"
    )
    assert agent_answer["text"] is None

    # Handled again on fresh data, the buyer's press finds the ticket closed (not "this button is no longer valid").
    assert buyer_answer["text"] == "this ticket is closed already"
    await shop.buyer.expect(contains="ticket #1 with Berlin Gadgets is closed")
    await shop.buyer.expect(contains="Rate it from 1 to 5")
    await shop.agent.expect(contains="Ticket #1 is closed", chat=shop.group, thread=thread)
    if database_url.startswith("postgresql"):
        assert meeting.lost == 1
    await see_the_topic_closed(shop, thread, card)
    mia = shop.colleagues[0]
    assert await messages_seen_by_colleague(mia) == ["Ticket #1 · Question for the seller", "✅ Ticket #1 is closed."]


async def test_buyer_and_agent_closing_at_once_the_agent_is_told_by_an_alert_not_in_the_topic(
    shop, meeting, database_url
):
    thread, card, timeline = await both_close_buttons(shop)

    # This time the buyer's press gets there first.
    buyer_answer, agent_answer = await press_in_order(
        meeting, timeline, "✅ Close this ticket", card, "✅ Close ticket"
    )
    assert buyer_answer["text"] is None
    assert (await shop.buyer.expect_edit(timeline)).text.endswith("✔️ ✅ Close this ticket")  # the buyer's choice took

    # The agent's press, handled again, finds the ticket closed: an alert for the presser alone.
    assert agent_answer["text"] == "This ticket is closed already." and agent_answer["show_alert"] is True
    await shop.buyer.expect(contains="ticket #1 with Berlin Gadgets is closed")
    await shop.buyer.expect(contains="Rate it from 1 to 5")
    await shop.agent.expect(contains="Ticket #1 is closed by the buyer", chat=shop.group, thread=thread)
    if database_url.startswith("postgresql"):
        assert meeting.lost == 1
    await see_the_topic_closed(shop, thread, card)
    mia = shop.colleagues[0]
    assert await messages_seen_by_colleague(mia) == [
        "Ticket #1 · Question for the seller",
        "✅ Ticket #1 is closed by the buyer.",
    ]


async def both_close_buttons(shop: Shop) -> tuple[int, Msg, Msg]:
    """A ticket in its topic; the card with the agents' close button, the buyer's timeline with theirs."""
    thread = await open_in_topic(shop)
    history = await shop.agent.client.call(
        "GET", f"/people/{shop.agent.id}/chats/{shop.group}/messages", params={"thread_id": thread}
    )
    card = Msg(next(m for m in history if m["from"]["is_bot"] and "Ticket #1" in (m["text"] or "")), shop.agent)
    await shop.buyer.send("/tickets")
    listing = await shop.buyer.expect(contains="#1")
    await make_choice(listing, listing.buttons[0][0])
    timeline = await shop.buyer.expect(contains="Where is my lamp?")
    return thread, card, timeline


async def press_in_order(meeting: Meeting, first: Msg, first_button: str, then: Msg, then_button: str):
    """`first`'s press reaches its status update and is held there while `then`'s is made; both answers."""
    meeting.armed = True
    first_press = asyncio.ensure_future(first.press(first_button))
    await meeting.first_arrived()
    then_answer = await then.press(then_button)
    return await first_press, then_answer


async def messages_seen_by_colleague(colleague) -> list[str]:
    """The first lines of the bot's messages a second agent saw in the group (the topic's changes aside)."""
    seen = await colleague.skip(within=0.3)
    return [event["message"]["text"].splitlines()[0] for event in seen if event["type"] == "message"]
