"""A buyer's album: its parts kept as one ticket message, passed on together once, a late part on its own."""

from __future__ import annotations

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
