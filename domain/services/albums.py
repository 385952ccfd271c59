"""A buyer's album: its parts come as separate messages, are kept as one ticket message and passed on together.

Telegram delivers an album as one update per part, a few milliseconds
apart, with no count of how many follow. The first part records the ticket
message and schedules an ALBUM_FLUSH deadline a moment later; each part that
follows joins that message and pushes the deadline back. When it fires the
bot copies all parts at once (copyMessages keeps them an album). A part that
comes after the flush is passed on alone; pushing back and firing are both
conditional UPDATEs of the deadline row, so a part is in the flush or late,
never neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from domain.clock import Clock
from domain.enums import CopyRole, DeadlineKind
from domain.models import MessageAttachment, TicketMessage
from domain.results import IncomingFile
from domain.services.card_masking import mask_buyer_words, note_masked
from domain.services.relay import RecordedMessage, record_buyer_message, record_copy
from domain.services.ticket_access import require_buyer_of, require_ticket
from domain.storage.uow import UnitOfWork

ALBUM_WAIT = timedelta(seconds=1)  # Telegram sends an album's parts within a fraction of a second
SUBJECT = "ticket_message"


@dataclass(frozen=True)
class AlbumPart:
    ticket_message_id: int
    ticket_id: int
    first: bool  # this part started the album (and its flush deadline)
    late: bool  # the album was passed on already: send this part by itself
    recorded: RecordedMessage | None  # for the first part: what `record_buyer_message` returned
    masked_cards: int = 0  # card numbers this part's caption had, hidden: the buyer is warned (once per album)


async def record_buyer_album_part(
    uow: UnitOfWork,
    clock: Clock,
    ticket_id: int,
    media_group_id: str,
    chat_id: int,
    telegram_message_id: int,
    caption: str | None,
    entities: Sequence[Mapping[str, Any]] | None,
    attachments: Sequence[IncomingFile],
    *,
    buyer_telegram_id: int,
) -> AlbumPart:
    now = clock.now()
    ticket = await require_ticket(uow, ticket_id)
    await require_buyer_of(uow, ticket, buyer_telegram_id)
    message = await uow.tickets.album_message(ticket.id, media_group_id)
    if message is None:
        recorded = await record_buyer_message(uow, clock, ticket.id, caption, entities, attachments)
        message = await uow.tickets.get_message(recorded.message_id)
        assert message is not None
        message.media_group_id = media_group_id
        await record_copy(uow, clock, message.id, chat_id, telegram_message_id, role=CopyRole.ORIGINAL)
        await uow.deadlines.schedule(DeadlineKind.ALBUM_FLUSH, SUBJECT, message.id, due_at=now + ALBUM_WAIT, at=now)
        return AlbumPart(
            message.id, ticket.id, first=True, late=False, recorded=recorded, masked_cards=recorded.masked_cards
        )
    # Each part gives the album another moment (a slow upload is not cut in two). When the flush
    # has fired already, this part goes on by itself.
    late = not await uow.deadlines.push_back(DeadlineKind.ALBUM_FLUSH, SUBJECT, message.id, due_at=now + ALBUM_WAIT)
    masked = await mask_buyer_words(uow, ticket, caption, attachments)  # as the first part's, never stored
    _join(message, masked.text, entities, masked.attachments)
    await record_copy(uow, clock, message.id, chat_id, telegram_message_id, role=CopyRole.ORIGINAL)
    warn = await note_masked(uow, message, masked.count, actor=f"buyer:{ticket.buyer_id}", at=now)
    return AlbumPart(message.id, ticket.id, first=False, late=late, recorded=None, masked_cards=warn)


def _join(
    message: TicketMessage,
    caption: str | None,
    entities: Sequence[Mapping[str, Any]] | None,
    attachments: Sequence[IncomingFile],
) -> None:
    """One album, one text: the first caption any part carries (Telegram shows it under the album)."""
    if caption and caption.strip() and not message.text:
        message.text = caption
        message.entities = [dict(entity) for entity in entities] if entities else None
    start = len(message.attachments)
    for offset, file in enumerate(attachments):
        message.attachments.append(
            MessageAttachment(
                position=start + offset,
                kind=file.kind,
                purpose=file.purpose,
                file_id=file.file_id,
                file_unique_id=file.file_unique_id,
                caption=file.caption,
            )
        )


async def album_ticket(uow: UnitOfWork, chat_id: int, media_group_id: str) -> int | None:
    """The ticket an earlier part of this album (sent in this chat) went to."""
    message = await uow.tickets.album_in_chat(chat_id, media_group_id)
    return message.ticket_id if message else None


async def album_originals(uow: UnitOfWork, ticket_message_id: int) -> tuple[int, list[int]] | None:
    """The buyer's chat and the album's Telegram message ids, in order; None when the message is gone."""
    message = await uow.tickets.get_message(ticket_message_id)
    if message is None:
        return None
    originals = sorted((c for c in message.copies if c.role == CopyRole.ORIGINAL), key=lambda c: c.telegram_message_id)
    if not originals:
        return None
    return originals[0].chat_id, [c.telegram_message_id for c in originals]


async def album_pending(uow: UnitOfWork, ticket_message_id: int) -> bool:
    """The album is still gathering parts: whoever would copy it now leaves it to the flush."""
    return await uow.deadlines.live(DeadlineKind.ALBUM_FLUSH, SUBJECT, ticket_message_id) is not None


async def hold_for_routing(
    uow: UnitOfWork, clock: Clock, chat_id: int, media_group_id: str, telegram_message_id: int, message: dict[str, Any]
) -> bool:
    """Keep an album part until the buyer says which ticket the album is for; True for its first part (ask once)."""
    await uow.tickets.hold_album_part(chat_id, media_group_id, telegram_message_id, message, at=clock.now())
    held = await uow.tickets.held_album(chat_id, media_group_id)
    return held[0].telegram_message_id == telegram_message_id


async def release_for_routing(uow: UnitOfWork, chat_id: int, media_group_id: str) -> list[dict[str, Any]]:
    """The held parts of the album, in order, no longer held (the caller passes them on in this transaction)."""
    parts = [part.message for part in await uow.tickets.held_album(chat_id, media_group_id)]
    await uow.tickets.release_album(chat_id, media_group_id)
    return parts
