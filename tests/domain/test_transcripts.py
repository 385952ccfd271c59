"""A ticket's transcript for moderators: who said what and when, notes, files, edits; only for moderators."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.enums import AttachmentKind, Role, TicketReason
from domain.errors import InvalidInput, NotFound
from domain.models import TicketMessage
from domain.results import IncomingFile
from domain.services.refusals import Forbidden
from domain.services.relay import record_agent_message, record_buyer_message
from domain.services.tickets import open_ticket
from domain.services.transcripts import TicketRef, moderator_transcript

MODERATOR = 4001  # a seat in the moderators' group, as Telegram says


@pytest.fixture
async def talk(act, clock, shop):
    """A question on D-1, the agent's note and answer, the buyer's photo; the answer later edited."""
    opened = await act(
        open_ticket, clock, shop.buyer, shop.orders["D-1"], TicketReason.CONTACT_SELLER, "Where <is> it?"
    )
    ticket_id = opened.ticket.ticket_id
    clock.advance(timedelta(minutes=5))
    await act(record_agent_message, clock, ticket_id, shop.agent, "// ask the warehouse")
    clock.advance(timedelta(minutes=1))
    answer = await act(record_agent_message, clock, ticket_id, shop.agent, "It ships today")
    clock.advance(timedelta(minutes=1))
    photo = IncomingFile(AttachmentKind.PHOTO, "file-box", "unique-box")
    await act(record_buyer_message, clock, ticket_id, "the box", None, [photo], buyer_telegram_id=shop.buyer)
    return opened, answer


async def _edit(uow_factory, clock, message_id: int) -> None:
    async with uow_factory() as uow:
        message = await uow.session.get(TicketMessage, message_id)
        message.text, message.edited_at = "It ships tomorrow", clock.now()
        await uow.commit()


async def test_the_transcript_has_every_message_in_order_with_its_author_and_marks(
    uow_factory, clock, shop, talk
) -> None:
    opened, answer = talk
    await _edit(uow_factory, clock, answer.message_id)
    async with uow_factory() as uow:
        transcript = await moderator_transcript(
            uow, MODERATOR, TicketRef(ticket_id=opened.ticket.ticket_id), in_moderators_group=True
        )
    assert (transcript.store_name, transcript.number, transcript.order_number) == ("Berlin Gadgets", 1, "D-1")
    assert (transcript.status, transcript.reason) == ("waiting_seller", "contact_seller")
    assert transcript.requests == ()
    lines = [(m.author, m.agent_name, m.text, m.internal, m.attachments, m.edited) for m in transcript.messages]
    assert lines == [
        ("buyer", None, "Where <is> it?", False, (), False),
        ("agent", "Max Agent", "// ask the warehouse", True, (), False),
        ("agent", "Max Agent", "It ships tomorrow", False, (), True),
        ("buyer", None, "the box", False, ("photo",), False),
    ]
    times = [m.at for m in transcript.messages]
    assert times == sorted(times) and times[1] - times[0] == timedelta(minutes=5)
    assert {m.delivery for m in transcript.messages} == {None}


async def test_a_store_and_its_own_number_name_the_same_ticket(uow_factory, shop, talk) -> None:
    opened, _ = talk
    async with uow_factory() as uow:
        by_name = await moderator_transcript(
            uow, MODERATOR, TicketRef(store="Berlin Gadgets", number=1), in_moderators_group=True
        )
        by_store_id = await moderator_transcript(
            uow, MODERATOR, TicketRef(store=str(shop.store_id), number=1), in_moderators_group=True
        )
    assert by_name.ticket_id == by_store_id.ticket_id == opened.ticket.ticket_id


async def test_an_after_sales_request_is_in_the_header(uow_factory, submitted) -> None:
    async with uow_factory() as uow:
        transcript = await moderator_transcript(
            uow, MODERATOR, TicketRef(ticket_id=submitted.ticket_id), in_moderators_group=True
        )
    assert [(r.kind, r.status, r.what, r.resolution_wanted) for r in transcript.requests] == [
        ("after_sales", "awaiting_seller", "defective", "reshipment")
    ]


async def test_unknown_tickets_and_stores_are_not_found(uow_factory, shop, talk) -> None:
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await moderator_transcript(uow, MODERATOR, TicketRef(ticket_id=999), in_moderators_group=True)
        with pytest.raises(NotFound) as other_number:
            await moderator_transcript(
                uow, MODERATOR, TicketRef(store="Berlin Gadgets", number=7), in_moderators_group=True
            )
        with pytest.raises(NotFound) as no_store:
            await moderator_transcript(uow, MODERATOR, TicketRef(store="Nowhere", number=1), in_moderators_group=True)
        with pytest.raises(InvalidInput):
            await moderator_transcript(uow, MODERATOR, None, in_moderators_group=True)
    assert other_number.value.details["store_found"] is True and no_store.value.details["store_found"] is False


async def test_only_a_moderator_reads_a_transcript_and_others_learn_nothing(uow_factory, shop, talk) -> None:
    opened, _ = talk
    async with uow_factory() as uow:
        for who in (shop.buyer, shop.agent, 5555):
            with pytest.raises(Forbidden):
                await moderator_transcript(uow, who, TicketRef(ticket_id=opened.ticket.ticket_id))
            with pytest.raises(Forbidden):  # not "no such ticket": a refusal before anything is looked up
                await moderator_transcript(uow, who, TicketRef(ticket_id=999))
        user = await uow.users.by_telegram_id(shop.stranger)
        user.role = Role.MODERATOR  # the role on the user counts as much as a seat in the group
        await uow.commit()
    async with uow_factory() as uow:
        transcript = await moderator_transcript(uow, shop.stranger, TicketRef(ticket_id=opened.ticket.ticket_id))
    assert len(transcript.messages) == 4


@pytest.mark.skipif(not hasattr(TicketMessage, "delivery"), reason="ticket_messages.delivery has not landed yet")
async def test_what_moderation_did_with_a_message_is_in_the_transcript(uow_factory, talk) -> None:
    opened, answer = talk
    async with uow_factory() as uow:
        message = await uow.session.get(TicketMessage, answer.message_id)
        message.delivery = "held"
        await uow.commit()
    async with uow_factory() as uow:
        transcript = await moderator_transcript(
            uow, MODERATOR, TicketRef(ticket_id=opened.ticket.ticket_id), in_moderators_group=True
        )
    assert [m.delivery for m in transcript.messages] == [None, None, "held", None]
