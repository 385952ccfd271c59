"""An agent's message on a ticket (in its topic, or a reply to a private card): recorded, then sent to the buyer."""

from __future__ import annotations

from telegram import Message

from bot.relay import topics
from bot.relay.checkpoint_replies import after_checkpoint
from bot.relay.desk import Desk, answer_in_place
from bot.relay.incoming import incoming_files
from bot.relay.outgoing import send_agent_reply
from bot.relay.reactions import mark_note
from bot.rendering import pick_language
from domain.enums import CopyRole
from domain.errors import DomainError
from domain.services.refusals import Forbidden, Refused
from domain.services.relay import record_agent_message, record_copy


async def pass_on_agent_message(desk: Desk, message: Message, ticket_id: int) -> bool:
    """Record an agent's message and send it to the buyer (a `//` note stays); False if not an agent."""
    lang = pick_language(message.from_user.language_code if message.from_user else None)
    try:
        recorded = await record_agent_message(
            desk.uow,
            desk.clock,
            ticket_id,
            message.from_user.id,
            message.text if message.text is not None else message.caption,
            [e.to_dict() for e in (message.entities if message.text is not None else message.caption_entities)],
            incoming_files(message),
        )
    except Forbidden:
        return False
    except Refused as refusal:
        await answer_in_place(desk, message, desk.render("seller/refused.html", lang, why=refusal.why))
        return True
    except DomainError:
        await answer_in_place(desk, message, desk.render("seller/unsendable.html", lang))
        return True
    await record_copy(
        desk.uow,
        desk.clock,
        recorded.message_id,
        message.chat_id,
        message.message_id,
        role=CopyRole.ORIGINAL,
        thread_id=message.message_thread_id if message.is_topic_message else None,
    )
    if recorded.internal:
        await mark_note(desk, message.chat_id, message.message_id)  # a note looks like a reply: ✍ says it stayed
        return True  # an agents' note: kept on the ticket, never sent
    await after_checkpoint(desk, recorded.passage, message, lang)
    if recorded.passage.reaches_buyer:
        await send_agent_reply(desk, recorded, message)
    ticket = await desk.uow.tickets.get(ticket_id)
    if ticket is not None:
        await topics.refresh_topic(desk, ticket)
    return True
