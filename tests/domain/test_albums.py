"""A buyer's album: its parts kept as one ticket message, passed on together once, a late part on its own."""

from __future__ import annotations

import asyncio

from domain.enums import AttachmentKind, AttachmentPurpose, DeadlineKind, TicketReason
from domain.results import IncomingFile
from domain.services.albums import SUBJECT, album_originals, album_pending, album_ticket, record_buyer_album_part
from domain.services.tickets import open_ticket


def photo(n: int) -> list[IncomingFile]:
    return [IncomingFile(AttachmentKind.PHOTO, f"file-{n}", f"unique-{n}", None, AttachmentPurpose.GENERAL)]


async def _part(uow, clock, shop, ticket_id, n, caption=None):
    return await record_buyer_album_part(
        uow, clock, ticket_id, "album-1", shop.buyer, 100 + n, caption, None, photo(n), buyer_telegram_id=shop.buyer
    )


async def test_parts_join_one_message_and_the_flush_comes_once(uow_factory, clock, shop) -> None:
    async with uow_factory() as uow:
        opened = await open_ticket(uow, clock, shop.buyer, shop.orders["D-1"], TicketReason.CONTACT_SELLER, "hi")
        ticket_id = opened.ticket.ticket_id
        first = await _part(uow, clock, shop, ticket_id, 1)
        second = await _part(uow, clock, shop, ticket_id, 2, caption="the dent")
        third = await _part(uow, clock, shop, ticket_id, 3, caption="ignored: one album, one text")
        await uow.commit()
    assert first.first and not second.first and not third.first and not (first.late or second.late or third.late)
    assert first.ticket_message_id == second.ticket_message_id == third.ticket_message_id
    async with uow_factory() as uow:
        message = await uow.tickets.get_message(first.ticket_message_id)
        assert message.text == "the dent"
        assert [a.file_id for a in message.attachments] == ["file-1", "file-2", "file-3"]
        assert await album_originals(uow, message.id) == (shop.buyer, [101, 102, 103])
        assert await album_ticket(uow, shop.buyer, "album-1") == ticket_id
        assert await album_ticket(uow, shop.buyer + 1, "album-1") is None
        assert await album_pending(uow, message.id)
        clock.advance(seconds=1)
        due = [d for d in await uow.deadlines.due(clock.now()) if d.kind == DeadlineKind.ALBUM_FLUSH]
        assert [(d.subject_type, d.subject_id) for d in due] == [(SUBJECT, message.id)]
        assert await uow.deadlines.claim(due[0].id, at=clock.now())
        assert not await uow.deadlines.claim(due[0].id, at=clock.now())  # exactly once
        late = await _part(uow, clock, shop, ticket_id, 4)
        assert late.late and not late.first and not await album_pending(uow, message.id)


async def test_each_part_gives_the_album_another_moment(uow_factory, clock, shop) -> None:
    async with uow_factory() as uow:
        opened = await open_ticket(uow, clock, shop.buyer, shop.orders["D-1"], TicketReason.CONTACT_SELLER, "hi")
        first = await _part(uow, clock, shop, opened.ticket.ticket_id, 1)
        await uow.commit()
    clock.advance(seconds=0.8)
    async with uow_factory() as uow:
        await _part(uow, clock, shop, opened.ticket.ticket_id, 2)
        await uow.commit()
    clock.advance(seconds=0.5)  # 1.3 s after the first part, 0.5 s after the second
    async with uow_factory() as uow:
        live = await uow.deadlines.live(DeadlineKind.ALBUM_FLUSH, SUBJECT, first.ticket_message_id)
        assert live is not None and not await uow.deadlines.claim(live.id, at=clock.now())  # not due yet
        clock.advance(seconds=0.5)
        assert await uow.deadlines.claim(live.id, at=clock.now())


async def test_a_part_racing_the_flush_is_in_it_or_goes_alone(uow_factory, clock, shop) -> None:
    """The flush claims the deadline and reads the parts in one transaction; a part arriving meanwhile
    must not join an album that has been read already (it would reach nobody)."""
    async with uow_factory() as uow:
        opened = await open_ticket(uow, clock, shop.buyer, shop.orders["D-1"], TicketReason.CONTACT_SELLER, "hi")
        first = await _part(uow, clock, shop, opened.ticket.ticket_id, 1)
        await uow.commit()
    clock.advance(seconds=2)
    async with uow_factory() as flush:
        live = await flush.deadlines.live(DeadlineKind.ALBUM_FLUSH, SUBJECT, first.ticket_message_id)
        assert await flush.deadlines.claim(live.id, at=clock.now())
        _chat, flushed = await album_originals(flush, first.ticket_message_id)

        async def late_part():
            async with uow_factory() as uow:
                part = await _part(uow, clock, shop, opened.ticket.ticket_id, 2)
                await uow.commit()
                return part

        racing = asyncio.create_task(late_part())
        await asyncio.sleep(0.3)  # the part's transaction waits for the flush's
        await flush.commit()
    part = await racing
    assert flushed == [101] and part.late


async def test_editing_one_photos_caption_edits_only_that_photos_copy(uow_factory, clock, shop) -> None:
    from domain.enums import CopyRole
    from domain.services.relay import record_copy, record_edit

    async with uow_factory() as uow:
        opened = await open_ticket(uow, clock, shop.buyer, shop.orders["D-1"], TicketReason.CONTACT_SELLER, "hi")
        for n in (1, 2, 3):
            part = await _part(uow, clock, shop, opened.ticket.ticket_id, n)
        for copy_id in (503, 501, 502):  # recorded in any order; Telegram numbered them in album order
            await record_copy(uow, clock, part.ticket_message_id, -100, copy_id, role=CopyRole.COPY, thread_id=7)
        edit = await record_edit(uow, clock, shop.buyer, 102, "the second photo, closer")
    assert [(c.chat_id, c.message_id) for c in edit.copies_to_update] == [(-100, 502)]
