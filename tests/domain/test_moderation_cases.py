"""Moderation cases: what the checkpoint does to an agent's message, and a moderator's decision, once.

The screen's own verdicts are tested in test_moderation_screen.py; here the
services around it: a held message does not count as the store's answer
until released, an edit is screened like a new message, a case is decided
once however many moderators press, strikes within the window suspend the
store's messaging once, and lifting the suspension screens what was kept.
Races run on both databases (SQLite queues the writers, PostgreSQL overlaps
them and the loser retries); the overlapping ones are PostgreSQL only.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from domain.enums import CopyRole, FlagStatus, TicketReason, TicketStatus
from domain.errors import ConcurrentChange
from domain.models import ModerationFlag, Strike
from domain.services.moderation_cases import (
    Moderator,
    case_view,
    decide_case,
    flag_message,
    report_message,
    unsuspend,
)
from domain.services.refusals import Forbidden, Refused
from domain.services.relay import (
    record_agent_message,
    record_copy,
    record_edit,
    released_edit,
    seller_message,
)
from domain.services.tickets import open_ticket

PAYMENT = "Sorry for the wait. Please send me your card number and CVV for the refund."
CLEAN = "Your lamp ships tomorrow, tracking follows."
RUDE = "You are an idiot, read the listing."
MIA = Moderator(4001, "Mia Mod", is_moderator=True)
OLE = Moderator(4002, "Ole Mod", is_moderator=True)
NILS = Moderator(4003, "Nils", is_moderator=False)  # not in the moderators' group (any more)
STORE_GROUP = -100500  # the store's group, where the agent's own message (the original) lives


async def _ticket(act, clock, shop, number: str = "C-1") -> int:
    opened = await act(open_ticket, clock, shop.buyer, shop.orders[number], TicketReason.CONTACT_SELLER, "hi")
    return opened.ticket.ticket_id


async def _reply(act, clock, shop, ticket_id: int, text: str, *, original: int | None = None):
    """An agent's reply; `original`: the Telegram message id of the agent's own message, so it can be edited."""
    reply = await act(record_agent_message, clock, ticket_id, shop.agent, text)
    if original is not None:
        await act(record_copy, clock, reply.message_id, STORE_GROUP, original, role=CopyRole.ORIGINAL)
    return reply


async def _case(uow_factory, case_id: int) -> ModerationFlag:
    async with uow_factory() as uow:
        return await uow.moderation.get_flag(case_id)


async def _message(uow_factory, message_id: int):
    async with uow_factory() as uow:
        return await uow.tickets.get_message(message_id)


async def _ticket_row(uow_factory, ticket_id: int):
    async with uow_factory() as uow:
        return await uow.tickets.get(ticket_id)


async def _cases_of(uow_factory, message_id: int) -> list[ModerationFlag]:
    async with uow_factory() as uow:
        query = select(ModerationFlag).where(ModerationFlag.message_id == message_id).order_by(ModerationFlag.id)
        return list((await uow.session.scalars(query)).all())


async def _events(uow_factory, subject_type: str, subject_id: int, event_type: str | None = None):
    async with uow_factory() as uow:
        events = await uow.audit.for_subject(subject_type, subject_id)
    return [e for e in events if event_type is None or e.event_type == event_type]


async def _strikes(uow_factory) -> list[Strike]:
    async with uow_factory() as uow:
        return list((await uow.session.scalars(select(Strike).order_by(Strike.id))).all())


async def _settle(*calls):
    return await asyncio.gather(*calls, return_exceptions=True)


def _postgres_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): two cannot hold the same read")


# --- the checkpoint on a reply ---------------------------------------------------------------------------------------


async def test_a_clean_reply_is_delivered_and_opens_no_case(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, CLEAN)
    assert reply.passage.action == "deliver" and reply.passage.case_id is None and reply.passage.reaches_buyer
    assert reply.first_response and [n.kind for n in reply.notices] == ["agent_reply"]
    assert (await _message(uow_factory, reply.message_id)).delivery is None
    assert await _cases_of(uow_factory, reply.message_id) == []


async def test_a_request_for_card_details_is_held_and_is_not_the_store_s_answer(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, PAYMENT)
    passage = reply.passage
    assert (passage.action, passage.why, passage.rules, passage.opened) == (
        "hold",
        "review",
        ("payment_details",),
        True,
    )
    assert not passage.reaches_buyer and reply.notices == () and not reply.first_response
    assert reply.status == TicketStatus.WAITING_SELLER  # still the store's turn: the buyer got nothing
    ticket = await _ticket_row(uow_factory, ticket_id)
    assert ticket.first_responded_at is None and ticket.status == TicketStatus.WAITING_SELLER
    assert (await _message(uow_factory, reply.message_id)).delivery == "held"

    (case,) = await _cases_of(uow_factory, reply.message_id)
    assert case.id == passage.case_id
    assert (case.status, case.source, case.rule, case.for_edit) == (FlagStatus.HELD, "screen", "payment_details", False)
    assert (case.store_id, case.ticket_id, case.matched_text) == (shop.store_id, ticket_id, PAYMENT)
    assert [h["rule"] for h in case.hits] == ["payment_details"]
    for hit in case.hits:  # the card underlines the evidence in the text the agent wrote
        assert PAYMENT[hit["start"] : hit["end"]] == hit["evidence"] and "card number" in hit["evidence"]
    (held,) = await _events(uow_factory, "flag", case.id)
    assert (held.event_type, held.actor, held.at) == ("moderation.held", "screen", clock.now())
    assert held.data == {
        "message_id": reply.message_id,
        "ticket_id": ticket_id,
        "rules": ["payment_details"],
        "edit": False,
    }


async def test_releasing_a_held_reply_makes_it_the_store_s_first_answer(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, PAYMENT)
    clock.advance(minutes=20)
    decided = await act(decide_case, clock, reply.passage.case_id, "release", MIA)
    assert (decided.decision, decided.was, decided.released) == ("release", "held", True)
    assert decided.ticket_message_id == reply.message_id and decided.strike_count == 0
    assert (decided.view.status, decided.view.reviewer_name, decided.view.reviewed_at) == (
        "released",
        "Mia Mod",
        clock.now(),
    )
    ticket = await _ticket_row(uow_factory, ticket_id)
    assert ticket.first_responded_at == clock.now() and ticket.status == TicketStatus.WAITING_BUYER
    assert (await _message(uow_factory, reply.message_id)).delivery is None
    async with uow_factory() as uow:
        to_send = await seller_message(uow, reply.message_id)  # what the bot now sends the buyer
    assert (to_send.text, to_send.kind, to_send.buyer_telegram_id) == (PAYMENT, "text", shop.buyer)
    assert "Max Agent" not in repr(to_send)


async def test_a_blocked_reply_stays_undelivered_and_so_does_its_edit(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, PAYMENT, original=501)
    decided = await act(decide_case, clock, reply.passage.case_id, "block", MIA)
    assert (decided.view.status, decided.released) == ("blocked", False)
    assert (await _message(uow_factory, reply.message_id)).delivery == "blocked"
    assert (await _ticket_row(uow_factory, ticket_id)).first_responded_at is None

    edit = await act(record_edit, clock, STORE_GROUP, 501, CLEAN)  # a blocked message cannot be edited through
    assert (edit.passage.action, edit.passage.why, edit.passage.case_id) == ("hold", "blocked", None)
    assert (await _message(uow_factory, reply.message_id)).delivery == "blocked"
    assert [c.id for c in await _cases_of(uow_factory, reply.message_id)] == [reply.passage.case_id]


async def test_disrespect_is_delivered_and_flagged_for_review(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, RUDE)
    assert (reply.passage.action, reply.passage.rules, reply.passage.reaches_buyer) == ("flag", ("disrespect",), True)
    assert reply.first_response and [n.kind for n in reply.notices] == ["agent_reply"]
    assert (await _message(uow_factory, reply.message_id)).delivery is None
    (case,) = await _cases_of(uow_factory, reply.message_id)
    assert (case.status, case.severity, case.rule) == (FlagStatus.OPEN, "flag", "disrespect")
    assert [e.event_type for e in await _events(uow_factory, "flag", case.id)] == ["moderation.flagged"]


async def test_an_internal_note_is_not_screened(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    note = await _reply(act, clock, shop, ticket_id, "// " + PAYMENT)
    assert note.internal and note.passage.action == "deliver"
    assert await _cases_of(uow_factory, note.message_id) == []


# --- edits -----------------------------------------------------------------------------------------------------------


async def test_an_edit_into_a_card_request_is_held_and_blocking_it_restores_the_text(
    act, clock, shop, uow_factory
) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, CLEAN, original=501)
    clock.advance(minutes=5)
    edit = await act(record_edit, clock, STORE_GROUP, 501, PAYMENT)
    assert (edit.passage.action, edit.passage.why, edit.passage.opened) == ("hold", "review", True)
    assert edit.text_before == CLEAN
    message = await _message(uow_factory, reply.message_id)
    assert message.delivery is None  # the buyer still has the first text: the message itself is delivered
    case = await _case(uow_factory, edit.passage.case_id)
    assert (case.status, case.for_edit, case.previous_text, case.matched_text) == (
        FlagStatus.HELD,
        True,
        CLEAN,
        PAYMENT,
    )
    (held,) = await _events(uow_factory, "flag", case.id)
    assert held.event_type == "moderation.held" and held.data["edit"] is True
    async with uow_factory() as uow:
        view = await case_view(uow, case.id, clock)
    assert (view.for_edit, view.previous_text, view.text) == (True, CLEAN, PAYMENT)

    other_request = "Pay me directly to my PayPal, it's cheaper."
    again = await act(record_edit, clock, STORE_GROUP, 501, other_request)  # the same case, the buyer's text kept
    assert (again.passage.action, again.passage.case_id, again.passage.opened) == ("hold", case.id, False)
    (case,) = await _cases_of(uow_factory, reply.message_id)
    assert (case.previous_text, case.matched_text) == (CLEAN, other_request)

    decided = await act(decide_case, clock, case.id, "block", MIA)
    assert decided.view.status == "blocked" and not decided.released
    message = await _message(uow_factory, reply.message_id)
    assert (message.text, message.delivery) == (CLEAN, None)  # the record says what the buyer has


async def test_a_released_edit_changes_the_buyer_s_copies(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, CLEAN, original=501)
    await act(record_copy, clock, reply.message_id, shop.buyer, 9001)  # the buyer's copy
    edit = await act(record_edit, clock, STORE_GROUP, 501, PAYMENT)
    first_response = (await _ticket_row(uow_factory, ticket_id)).first_responded_at
    clock.advance(minutes=30)
    decided = await act(decide_case, clock, edit.passage.case_id, "release", MIA)
    assert decided.released
    async with uow_factory() as uow:
        carried = await released_edit(uow, reply.message_id, CLEAN)
    assert (carried.text, carried.text_before) == (PAYMENT, CLEAN)
    assert [(c.chat_id, c.message_id) for c in carried.copies_to_update] == [(shop.buyer, 9001)]
    message = await _message(uow_factory, reply.message_id)
    assert (message.text, message.delivery) == (PAYMENT, None)
    assert (await _ticket_row(uow_factory, ticket_id)).first_responded_at == first_response  # an edit answers nothing


async def test_editing_a_held_reply_again_updates_its_case(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, PAYMENT, original=501)
    other_request = "Pay me directly to my PayPal, it's cheaper."
    edit = await act(record_edit, clock, STORE_GROUP, 501, other_request)
    assert (edit.passage.action, edit.passage.case_id, edit.passage.opened) == ("hold", reply.passage.case_id, False)
    assert edit.passage.rules == ("off_platform_payment",)
    (case,) = await _cases_of(uow_factory, reply.message_id)
    assert (case.status, case.matched_text, case.for_edit) == (FlagStatus.HELD, other_request, False)
    assert [h["rule"] for h in case.hits] == ["off_platform_payment"]
    assert (await _message(uow_factory, reply.message_id)).delivery == "held"

    cleaned = await act(record_edit, clock, STORE_GROUP, 501, CLEAN)  # still waits: a moderator lets it go
    assert (cleaned.passage.action, cleaned.passage.case_id, cleaned.passage.changed) == ("hold", case.id, True)
    (case,) = await _cases_of(uow_factory, reply.message_id)
    assert (case.matched_text, case.hits) == (CLEAN, [])
    same = await act(record_edit, clock, STORE_GROUP, 501, CLEAN)  # the same text again: its card stays as it is
    assert (same.passage.case_id, same.passage.changed) == (case.id, False)


async def test_a_held_reply_edited_while_suspended_stays_with_its_moderator(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    held = await _reply(act, clock, shop, ticket_id, PAYMENT, original=511)
    for case_id in await _rude_cases(act, clock, shop, ticket_id, 3):
        await act(decide_case, clock, case_id, "strike", MIA)
    edit = await act(record_edit, clock, STORE_GROUP, 511, CLEAN)
    assert (edit.passage.why, edit.passage.case_id) == ("review", held.passage.case_id)
    assert (await _message(uow_factory, held.message_id)).delivery == "held"
    lifted = await act(unsuspend, clock, str(shop.store_id), OLE)
    assert held.message_id not in [message_id for message_id, _ in lifted.passages]  # not sent behind the card
    assert [c.id for c in await _cases_of(uow_factory, held.message_id)] == [held.passage.case_id]


# --- decisions -------------------------------------------------------------------------------------------------------


async def test_a_second_decision_is_refused_naming_who_decided(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, PAYMENT)
    clock.advance(minutes=3)
    decided_at = clock.now()
    await act(decide_case, clock, reply.passage.case_id, "release", MIA)
    clock.advance(minutes=1)
    with pytest.raises(Refused) as refused:
        await act(decide_case, clock, reply.passage.case_id, "block", OLE)
    assert refused.value.why == "case_decided"
    details = refused.value.details
    assert (details["status"], details["by"], details["at"]) == ("released", "Mia Mod", decided_at)
    assert (await _message(uow_factory, reply.message_id)).delivery is None
    with pytest.raises(Refused) as refused:
        await act(decide_case, clock, 999999, "block", OLE)
    assert refused.value.why == "no_case"


async def test_two_moderators_pressing_at_once_decide_once(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, PAYMENT)
    case_id = reply.passage.case_id
    results = await _settle(
        act(decide_case, clock, case_id, "strike", MIA), act(decide_case, clock, case_id, "strike", OLE)
    )
    refusals = [r for r in results if isinstance(r, Refused)]
    (won,) = [r for r in results if not isinstance(r, BaseException)]
    assert [r.why for r in refusals] == ["case_decided"], results
    assert refusals[0].details["by"] == won.view.reviewer_name
    assert [(s.flag_id, s.store_id) for s in await _strikes(uow_factory)] == [(case_id, shop.store_id)]
    changes = await _events(uow_factory, "flag", case_id, "flag.status_changed")
    assert [(e.data["from"], e.data["to"]) for e in changes] == [("held", "confirmed")]


async def test_the_second_of_two_overlapping_decisions_loses_and_then_is_refused(
    act, clock, shop, uow_factory, database_url
) -> None:
    _postgres_only(database_url)
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, PAYMENT)
    case_id = reply.passage.case_id
    async with uow_factory() as first, uow_factory() as second:
        await decide_case(first, clock, case_id, "strike", MIA)
        racing = asyncio.ensure_future(decide_case(second, clock, case_id, "strike", OLE))
        await asyncio.sleep(0.3)
        assert not racing.done()  # it read "held" and now waits on the case's row
        await first.commit()
        with pytest.raises(ConcurrentChange):
            await racing
    with pytest.raises(Refused) as refused:  # the runner's retry, on fresh data
        await act(decide_case, clock, case_id, "strike", OLE)
    assert (refused.value.why, refused.value.details["by"]) == ("case_decided", "Mia Mod")
    assert len(await _strikes(uow_factory)) == 1


async def test_a_case_gives_one_strike_whoever_writes_it(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, RUDE)
    await act(decide_case, clock, reply.passage.case_id, "strike", MIA)
    async with uow_factory() as uow:
        uow.moderation.add_strike(
            Strike(store_id=shop.store_id, flag_id=reply.passage.case_id, reason="again", created_at=clock.now())
        )
        with pytest.raises(IntegrityError):
            await uow.flush()


async def test_only_moderators_decide_flag_and_lift(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, PAYMENT)
    with pytest.raises(Forbidden):
        await act(decide_case, clock, reply.passage.case_id, "release", NILS)
    with pytest.raises(Forbidden):
        await act(flag_message, clock, reply.message_id, NILS)
    with pytest.raises(Forbidden):
        await act(unsuspend, clock, "Berlin Gadgets", NILS)
    case = await _case(uow_factory, reply.passage.case_id)
    assert case.status == FlagStatus.HELD and case.reviewed_by is None
    assert (await _message(uow_factory, reply.message_id)).delivery == "held"


async def test_a_decision_must_fit_the_case(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    held = await _reply(act, clock, shop, ticket_id, PAYMENT)
    flagged = await _reply(act, clock, shop, ticket_id, RUDE)
    for case_id, decision in ((held.passage.case_id, "dismiss"), (flagged.passage.case_id, "release")):
        with pytest.raises(Refused) as refused:
            await act(decide_case, clock, case_id, decision, MIA)
        assert refused.value.why == "not_for_case"
    assert (await _case(uow_factory, held.passage.case_id)).status == FlagStatus.HELD
    assert (await _case(uow_factory, flagged.passage.case_id)).status == FlagStatus.OPEN


async def test_a_warning_on_a_held_reply_blocks_it_and_gives_no_strike(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, PAYMENT)
    decided = await act(decide_case, clock, reply.passage.case_id, "warn", MIA)
    assert (decided.view.status, decided.view.penalty, decided.strike_count) == ("confirmed", "warning", 0)
    assert (await _message(uow_factory, reply.message_id)).delivery == "blocked"
    assert await _strikes(uow_factory) == []


async def test_every_decision_is_audited_with_the_moderator_and_the_time(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    replies = [await _reply(act, clock, shop, ticket_id, text) for text in (PAYMENT, PAYMENT, RUDE, RUDE)]
    moves = [("release", "held", "released"), ("block", "held", "blocked"), ("dismiss", "open", "dismissed"),
             ("warn", "open", "confirmed")]  # fmt: skip
    for reply, (decision, was, now_is) in zip(replies, moves, strict=True):
        clock.advance(minutes=7)
        await act(decide_case, clock, reply.passage.case_id, decision, OLE)
        (event,) = await _events(uow_factory, "flag", reply.passage.case_id, "flag.status_changed")
        assert (event.actor, event.at) == ("moderator:4002", clock.now())
        assert event.data == {
            "from": was,
            "to": now_is,
            "reason": decision,
            "decision": decision,
            "moderator": "Ole Mod",
        }
        case = await _case(uow_factory, reply.passage.case_id)
        assert (case.reviewed_by, case.reviewer_name, case.reviewed_at) == ("moderator:4002", "Ole Mod", clock.now())


# --- strikes and suspension ------------------------------------------------------------------------------------------


async def _rude_cases(act, clock, shop, ticket_id: int, count: int) -> list[int]:
    return [(await _reply(act, clock, shop, ticket_id, RUDE)).passage.case_id for _ in range(count)]


async def test_three_strikes_within_the_window_suspend_the_store_once(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    cases = await _rude_cases(act, clock, shop, ticket_id, 4)
    decided = []
    for case_id in cases:
        clock.advance(hours=1)
        decided.append(await act(decide_case, clock, case_id, "strike", MIA))
    assert [(d.strike_count, d.suspended_now) for d in decided] == [(1, False), (2, False), (3, True), (4, False)]
    assert decided[2].view.suspended and decided[2].view.strikes == 3 and decided[2].view.strike_threshold == 3
    async with uow_factory() as uow:
        store = await uow.stores.get(shop.store_id)
    assert store.messaging_suspended_at == decided[2].view.reviewed_at  # the third strike's time, not the fourth's
    (suspended,) = await _events(uow_factory, "store", shop.store_id, "store.messaging_suspended")
    assert (suspended.actor, suspended.at) == ("moderator:4001", decided[2].view.reviewed_at)
    assert suspended.data == {"strikes": 3, "threshold": 3, "window_days": 30}


async def test_strikes_older_than_the_window_do_not_count(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    cases = await _rude_cases(act, clock, shop, ticket_id, 5)
    for case_id in cases[:2]:
        await act(decide_case, clock, case_id, "strike", MIA)
    clock.advance(days=30, seconds=1)  # both strikes just left the 30-day window
    third = await act(decide_case, clock, cases[2], "strike", MIA)
    assert (third.strike_count, third.suspended_now, third.view.suspended) == (1, False, False)
    clock.advance(days=29)  # the third is still within the window
    assert [(await act(decide_case, clock, case_id, "strike", MIA)).suspended_now for case_id in cases[3:]] == [
        False,
        True,
    ]


async def test_a_suspended_store_s_replies_are_kept_and_screened_when_lifted(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    for case_id in await _rude_cases(act, clock, shop, ticket_id, 3):
        await act(decide_case, clock, case_id, "strike", MIA)
    kept = [await _reply(act, clock, shop, ticket_id, text) for text in (CLEAN, PAYMENT)]
    for reply in kept:
        assert (reply.passage.action, reply.passage.why, reply.passage.case_id) == ("hold", "suspended", None)
        assert reply.notices == ()
        assert (await _message(uow_factory, reply.message_id)).delivery == "suspended"
        assert await _cases_of(uow_factory, reply.message_id) == []  # not screened while kept

    clock.advance(hours=2)
    lifted = await act(unsuspend, clock, str(shop.store_id), OLE)
    assert lifted.store_name == "Berlin Gadgets"
    (clean_id, delivered), (payment_id, held) = lifted.passages
    assert (clean_id, delivered.action) == (kept[0].message_id, "deliver")
    assert (payment_id, held.action, held.why, held.opened) == (kept[1].message_id, "hold", "review", True)
    assert (await _message(uow_factory, clean_id)).delivery is None
    assert (await _message(uow_factory, payment_id)).delivery == "held"
    (case,) = await _cases_of(uow_factory, payment_id)
    assert (case.id, case.status, case.rule) == (held.case_id, FlagStatus.HELD, "payment_details")
    ticket = await _ticket_row(uow_factory, ticket_id)
    assert (ticket.last_agent_message_at, ticket.status) == (clock.now(), TicketStatus.WAITING_BUYER)
    async with uow_factory() as uow:
        assert (await uow.stores.get(shop.store_id)).messaging_suspended_at is None
    (restored,) = await _events(uow_factory, "store", shop.store_id, "store.messaging_restored")
    assert (restored.actor, restored.at) == ("moderator:4002", clock.now())

    with pytest.raises(Refused) as refused:
        await act(unsuspend, clock, "Berlin Gadgets", OLE)
    assert (refused.value.why, refused.value.details["store"]) == ("not_suspended", "Berlin Gadgets")
    with pytest.raises(Refused) as refused:
        await act(unsuspend, clock, "No Such Shop", OLE)
    assert refused.value.why == "no_store"


async def test_an_edit_the_buyer_never_gets_leaves_the_record_as_the_buyer_has_it(
    act, clock, shop, uow_factory
) -> None:
    ticket_id = await _ticket(act, clock, shop)
    delivered = await _reply(act, clock, shop, ticket_id, CLEAN, original=601)
    blocked = await _reply(act, clock, shop, ticket_id, PAYMENT, original=602)
    await act(decide_case, clock, blocked.passage.case_id, "block", MIA)
    edit = await act(record_edit, clock, STORE_GROUP, 602, "Never mind, all is fine.")
    assert edit.passage.why == "blocked" and (await _message(uow_factory, blocked.message_id)).text == PAYMENT
    for case_id in await _rude_cases(act, clock, shop, ticket_id, 3):
        await act(decide_case, clock, case_id, "strike", MIA)
    edit = await act(record_edit, clock, STORE_GROUP, 601, "Your lamp ships next week.")
    assert (edit.passage.action, edit.passage.why) == ("hold", "suspended")
    message = await _message(uow_factory, delivered.message_id)
    assert (message.text, message.delivery) == (CLEAN, None)  # the buyer still has CLEAN, so does the record
    (attempt, *_) = [
        e
        for e in await _events(uow_factory, "ticket", ticket_id, "ticket_message.edited")
        if e.data["message_id"] == delivered.message_id
    ]
    assert attempt.data["new_text"] == "Your lamp ships next week."  # what the agent tried is in the audit trail


async def test_two_strikes_at_once_that_reach_the_threshold_suspend(
    act, clock, shop, uow_factory, database_url
) -> None:
    """Each counts the strikes it can see: two overlapping ones must not each count one short."""
    _postgres_only(database_url)
    ticket_id = await _ticket(act, clock, shop)
    cases = await _rude_cases(act, clock, shop, ticket_id, 3)
    await act(decide_case, clock, cases[0], "strike", MIA)
    async with uow_factory() as first, uow_factory() as second:
        one = await decide_case(first, clock, cases[1], "strike", MIA)
        racing = asyncio.ensure_future(decide_case(second, clock, cases[2], "strike", OLE))
        await asyncio.sleep(0.3)
        assert not racing.done()  # it waits to count until the first strike is committed
        await first.commit()
        other = await racing
        await second.commit()
    assert sorted([one.suspended_now, other.suspended_now]) == [False, True]
    async with uow_factory() as uow:
        assert (await uow.stores.get(shop.store_id)).messaging_suspended_at is not None
    assert len(await _events(uow_factory, "store", shop.store_id, "store.messaging_suspended")) == 1


# --- buyers' reports and moderators' flags ---------------------------------------------------------------------------


async def test_a_buyer_reports_a_message_once_while_the_case_is_open(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, CLEAN)
    case_id, already = await act(report_message, clock, reply.message_id, shop.buyer)
    again, already_again = await act(report_message, clock, reply.message_id, shop.buyer)
    assert (already, again, already_again) == (False, case_id, True)
    case = await _case(uow_factory, case_id)
    assert (case.source, case.status, case.rule, case.matched_text) == (
        "buyer_report",
        FlagStatus.OPEN,
        "buyer_report",
        CLEAN,
    )
    async with uow_factory() as uow:
        buyer = await uow.users.by_telegram_id(shop.buyer)
    assert case.reported_by_user_id == buyer.id
    (reported,) = await _events(uow_factory, "flag", case_id)
    assert (reported.event_type, reported.actor) == ("moderation.reported", f"buyer:{buyer.id}")

    await act(decide_case, clock, case_id, "dismiss", MIA)
    reopened, already = await act(report_message, clock, reply.message_id, shop.buyer)  # a decided case is closed
    assert reopened != case_id and not already


async def test_a_report_must_be_of_a_delivered_store_message_in_the_buyer_s_own_ticket(
    act, clock, shop, uow_factory
) -> None:
    ticket_id = await _ticket(act, clock, shop)
    held = await _reply(act, clock, shop, ticket_id, PAYMENT)
    delivered = await _reply(act, clock, shop, ticket_id, CLEAN)
    note = await _reply(act, clock, shop, ticket_id, "// the buyer is upset")
    with pytest.raises(Refused) as refused:
        await act(report_message, clock, held.message_id, shop.buyer)
    assert refused.value.why == "not_delivered"
    with pytest.raises(Refused) as refused:
        await act(report_message, clock, note.message_id, shop.buyer)
    assert refused.value.why == "not_store_message"
    async with uow_factory() as uow:
        (buyer_message, *_) = await uow.tickets.messages(ticket_id)
    with pytest.raises(Refused) as refused:  # the buyer's own "hi"
        await act(report_message, clock, buyer_message.id, shop.buyer)
    assert refused.value.why == "not_store_message"
    with pytest.raises(Forbidden):
        await act(report_message, clock, delivered.message_id, shop.stranger)
    assert await _cases_of(uow_factory, delivered.message_id) == []


async def test_a_moderator_flags_a_message_once_while_open(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, CLEAN)
    reported, _ = await act(report_message, clock, reply.message_id, shop.buyer)
    flagged, already = await act(flag_message, clock, reply.message_id, MIA)
    assert flagged != reported and not already  # a buyer's report and a moderator's flag are separate cases
    assert await act(flag_message, clock, reply.message_id, OLE) == (flagged, True)
    (event,) = await _events(uow_factory, "flag", flagged)
    assert (event.event_type, event.actor) == ("moderation.flagged_by_moderator", "moderator:4001")
    decided = await act(decide_case, clock, flagged, "strike", OLE)
    assert (decided.was, decided.view.status, decided.view.penalty, decided.strike_count) == (
        "open",
        "confirmed",
        "strike",
        1,
    )
    assert (await _message(uow_factory, reply.message_id)).delivery is None  # it was delivered: it stays so


async def test_two_reports_pressed_at_once_open_one_case(act, clock, shop, uow_factory) -> None:
    ticket_id = await _ticket(act, clock, shop)
    reply = await _reply(act, clock, shop, ticket_id, CLEAN)
    results = await _settle(*(act(report_message, clock, reply.message_id, shop.buyer) for _ in range(2)))
    assert sorted(already for _, already in results) == [False, True], results
    assert len({case_id for case_id, _ in results}) == 1
    async with uow_factory() as uow:
        count = await uow.session.scalar(select(func.count()).select_from(ModerationFlag))
    assert count == 1
