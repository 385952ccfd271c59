"""A buyer's card number never reaches the store: masked before the buyer's words are stored, so no copy has it.

The order's own numbers (its marketplace number, its tracking number) are never taken for a card. Each
masking is an audit event with the count, never the number; the buyer is warned once per message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from domain.models import Ticket, TicketMessage
from domain.moderation.masking import Masked, mask_card_numbers
from domain.results import IncomingFile
from domain.storage.uow import UnitOfWork

EVENT = "ticket_message.card_masked"


@dataclass(frozen=True)
class MaskedWords:
    text: str | None
    attachments: tuple[IncomingFile, ...]
    count: int  # card numbers hidden in the text and the files' captions


async def mask_buyer_words(
    uow: UnitOfWork, ticket: Ticket, text: str | None, attachments: Sequence[IncomingFile]
) -> MaskedWords:
    """The buyer's text and captions with card numbers masked (a file's caption is often the text itself: counted once)."""
    if not any(mask_card_numbers(words).count for words in (text, *(file.caption for file in attachments))):
        return MaskedWords(text, tuple(attachments), 0)  # nearly every message: no need to read the order
    keep = await order_numbers(uow, ticket)
    masked_text = mask_card_numbers(text, keep)
    count = masked_text.count
    files = []
    for file in attachments:
        caption = mask_card_numbers(file.caption, keep)
        if caption.count and file.caption != text:
            count += caption.count
        files.append(replace(file, caption=caption.text) if caption.count else file)
    return MaskedWords(masked_text.text, tuple(files), count)


async def mask_buyer_text(uow: UnitOfWork, ticket_id: int, text: str | None) -> Masked:
    """One caption or edited text of the buyer's, masked."""
    if not mask_card_numbers(text).count:
        return Masked(text, 0)
    ticket = await uow.tickets.get(ticket_id)
    return mask_card_numbers(text, await order_numbers(uow, ticket) if ticket else ())


async def order_numbers(uow: UnitOfWork, ticket: Ticket) -> tuple[str, ...]:
    order = await uow.orders.get(ticket.order_id) if ticket.order_id is not None else None
    if order is None:
        return ()
    return tuple(number for number in (order.external_number, order.tracking_number) if number)


async def note_masked(uow: UnitOfWork, message: TicketMessage, count: int, *, actor: str, at: datetime) -> int:
    """Audit the masking; the count the buyer is to be warned of (0 when this message warned them already)."""
    if not count:
        return 0
    warned = await was_masked(uow, message)
    uow.audit.record(
        EVENT,
        subject_type="ticket",
        subject_id=message.ticket_id,
        actor=actor,
        at=at,
        data={"message_id": message.id, "count": count},
    )
    return 0 if warned else count


async def was_masked(uow: UnitOfWork, message: TicketMessage) -> bool:
    """A card number was hidden in this message: a copy of the buyer's Telegram original would show it."""
    return any(
        event.event_type == EVENT and (event.data or {}).get("message_id") == message.id
        for event in await uow.audit.for_subject("ticket", message.ticket_id)
    )
