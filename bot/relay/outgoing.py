"""Carrying messages across: the buyer's into the store's topic (or agents' chats), the agents' to the buyer.

Every call goes through the outbox; the Telegram message ids of the copies
come back through the ``copy_sent`` / ``buyer_copy_sent`` result hooks,
which record them (``record_copy``) for reply routing and edits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from telegram import Message

from bot import topics
from bot.relay.desk import Desk
from bot.rendering import pick_language
from domain.enums import AuthorRole, CopyRole
from domain.models import Ticket, TicketMessage
from domain.services.albums import album_pending
from domain.services.relay import EditResult, RecordedMessage, record_copy


def utf16_len(text: str) -> int:
    """Telegram counts entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def shift_entities(entities: Sequence[Mapping[str, Any]], by: int) -> list[dict[str, Any]]:
    return [{**entity, "offset": entity["offset"] + by} for entity in entities]


def with_store_header(header: str, text: str | None, entities: Sequence[Mapping[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The agent's text under a bold store-name line, the agent's own formatting kept."""
    prefix = header + "\n"
    bold = {"type": "bold", "offset": 0, "length": utf16_len(header)}
    return prefix + (text or ""), [bold, *shift_entities(entities, utf16_len(prefix))]


async def relay_buyer_message(context: Any, ticket_id: int, recorded: RecordedMessage, message: Message | Sequence[Message]) -> None:
    """Copy what the buyer sent (one message, or an album's messages) to the store's side of the ticket."""
    messages = [message] if isinstance(message, Message) else list(message)
    await relay_buyer_messages(Desk.of(context), ticket_id, recorded.message_id, messages)


async def relay_buyer_messages(desk: Desk, ticket_id: int, ticket_message_id: int, messages: Sequence[Message]) -> None:
    ticket = await desk.uow.tickets.get(ticket_id)
    if ticket is None or not messages:
        return
    for sent in messages:
        await record_copy(desk.uow, desk.clock, ticket_message_id, sent.chat_id, sent.message_id, role=CopyRole.ORIGINAL)
    await forward_to_store(desk, ticket, ticket_message_id, messages[0].chat_id, [m.message_id for m in messages])


async def forward_to_store(desk: Desk, ticket: Ticket, ticket_message_id: int, from_chat: int, ids: list[int]) -> None:
    """The buyer's Telegram messages `ids` copied into the ticket's topic, or to its agents without a group."""
    group = await topics.group_of(desk, ticket)
    if group is None:
        group = await desk.uow.stores.least_busy_group(ticket.store_id)
        if group is None:
            await copy_to_agents_by_ids(desk, ticket, ticket_message_id, from_chat, ids)
            return
        await topics.create_topic(desk, ticket, group)  # linked after the ticket opened: it gets a topic now
        return
    if ticket.topic_id is None:
        return  # the topic is being made; its result hook copies what waited
    await copy_into_topic(desk, ticket_message_id, from_chat, ids, group.chat_id, ticket.topic_id)
    await topics.refresh_topic(desk, ticket)


async def copy_into_topic(
    desk: Desk, ticket_message_id: int, from_chat: int, message_ids: list[int], chat_id: int, thread_id: int
) -> None:
    args = {"ticket_message_id": ticket_message_id, "thread_id": thread_id, "ticket_chat": chat_id}
    if len(message_ids) == 1:
        await desk.outbox.call(
            "copyMessage",
            {"chat_id": chat_id, "message_thread_id": thread_id, "from_chat_id": from_chat, "message_id": message_ids[0]},
            on_result="copy_sent",
            on_result_args=args,
        )
    else:
        # An album stays an album: copyMessages keeps the media group together.
        await desk.outbox.call(
            "copyMessages",
            {"chat_id": chat_id, "message_thread_id": thread_id, "from_chat_id": from_chat, "message_ids": sorted(message_ids)},
            on_result="copy_sent",
            on_result_args=args,
        )


async def copy_to_agents_by_ids(desk: Desk, ticket: Ticket, ticket_message_id: int, from_chat: int, ids: list[int]) -> None:
    """Private mode: each active agent gets the buyer's message; replying to it answers the buyer."""
    for agent in await desk.uow.stores.agents(ticket.store_id):
        user = await desk.uow.users.get(agent.user_id)
        if user is None:
            continue
        lang = pick_language(user.language)
        await desk.outbox.send_message(
            user.telegram_id, desk.render("seller/private_from_buyer.html", lang, number=ticket.number), parse_mode="HTML"
        )
        method, params = (
            ("copyMessage", {"message_id": ids[0]}) if len(ids) == 1 else ("copyMessages", {"message_ids": sorted(ids)})
        )
        await desk.outbox.call(
            method,
            {"chat_id": user.telegram_id, "from_chat_id": from_chat, **params},
            on_result="copy_sent",
            on_result_args={"ticket_message_id": ticket_message_id},
        )


_SEND_FILE = {
    "photo": "sendPhoto", "video": "sendVideo", "document": "sendDocument", "animation": "sendAnimation",
    "audio": "sendAudio", "voice": "sendVoice", "video_note": "sendVideoNote", "sticker": "sendSticker",
}
_NO_CAPTION = {"video_note", "sticker"}


async def send_files_into_topic(desk: Desk, message: TicketMessage, chat_id: int, thread_id: int) -> None:
    """Files a flow collected (no Telegram message to copy): sent again by their file ids."""
    for file in message.attachments:
        kind = str(file.kind)
        params: dict[str, Any] = {"chat_id": chat_id, "message_thread_id": thread_id, kind: file.file_id}
        if file.caption and kind not in _NO_CAPTION:
            params["caption"] = file.caption[:1024]
        await desk.outbox.call(
            _SEND_FILE[kind], params, on_result="copy_sent",
            on_result_args={"ticket_message_id": message.id, "thread_id": thread_id},
        )


async def copy_waiting_messages(desk: Desk, ticket: Ticket, chat_id: int, thread_id: int) -> None:
    """Buyer messages not yet in this topic (they came while it was made): copied, or their files sent."""
    for message in await desk.uow.tickets.messages(ticket.id):
        if message.author_role != AuthorRole.BUYER:
            continue
        if any(c.chat_id == chat_id for c in message.copies):
            continue  # already in this group (an earlier topic's copies are in the history instead)
        if message.media_group_id is not None and await album_pending(desk.uow, message.id):
            continue  # an album still gathering its parts: its flush copies it whole
        originals = [c for c in message.copies if c.role == CopyRole.ORIGINAL]
        if not originals:
            if message.attachments:
                await send_files_into_topic(desk, message, chat_id, thread_id)
            continue
        await copy_into_topic(
            desk, message.id, originals[0].chat_id, [c.telegram_message_id for c in originals], chat_id, thread_id
        )


async def relay_recorded_text(desk: Desk, ticket: Ticket, ticket_message_id: int) -> None:
    """A buyer message recorded without a Telegram original (typed in a flow): posted as text."""
    message = await desk.uow.tickets.get_message(ticket_message_id)
    group = await topics.group_of(desk, ticket)
    if message is None or group is None or ticket.topic_id is None or not message.text:
        return
    lang = await topics.agents_language(desk, ticket.store_id)
    await desk.outbox.send_message(
        group.chat_id,
        desk.render("seller/buyer_wrote.html", lang, text=message.text),
        parse_mode="HTML",
        message_thread_id=ticket.topic_id,
        on_result="copy_sent",
        on_result_args={"ticket_message_id": message.id, "thread_id": ticket.topic_id},
    )


async def send_agent_reply(
    desk: Desk, recorded: RecordedMessage, source: Message, *, text_only: tuple[str, list[dict[str, Any]]] | None = None
) -> None:
    """The agent's message reaches the buyer from the bot, headed with the store's name only.

    ``text_only``: send this text and entities instead of the source's content
    (a command's argument); ``source`` is still where a failure is reported.
    """
    buyer = await desk.uow.users.by_telegram_id(recorded.buyer_telegram_id)
    lang = pick_language(buyer.language if buyer else None)
    header = desk.render("seller/store_header.txt", lang, store_name=recorded.store_name)
    report_to = {
        "ticket_message_id": recorded.message_id,
        "report_chat": source.chat_id,
        "report_thread": source.message_thread_id if source.is_topic_message else None,
        "report_reply_to": source.message_id,
    }
    if text_only is not None or source.text is not None:
        body, body_entities = text_only or (source.text, [e.to_dict() for e in source.entities])
        text, entities = with_store_header(header, body, body_entities)
        await desk.outbox.call(
            "sendMessage",
            {"chat_id": recorded.buyer_telegram_id, "text": text, "entities": entities or None},
            on_result="buyer_copy_sent",
            on_result_args=report_to,
        )
        return
    if source.sticker is not None or source.video_note is not None:
        # These carry no caption in Telegram; the store's name is the chat the buyer is in.
        await desk.outbox.call(
            "copyMessage",
            {"chat_id": recorded.buyer_telegram_id, "from_chat_id": source.chat_id, "message_id": source.message_id},
            on_result="buyer_copy_sent",
            on_result_args=report_to,
        )
        return
    caption, entities = with_store_header(header, source.caption, [e.to_dict() for e in source.caption_entities])
    await desk.outbox.call(
        "copyMessage",
        {
            "chat_id": recorded.buyer_telegram_id,
            "from_chat_id": source.chat_id,
            "message_id": source.message_id,
            "caption": caption[:1024],
            "caption_entities": [e for e in entities if e["offset"] + e["length"] <= utf16_len(caption[:1024])],
        },
        on_result="buyer_copy_sent",
        on_result_args=report_to,
    )


async def carry_edit(desk: Desk, edit: EditResult, edited: Message, store_name: str) -> None:
    """An edited message: the bot's copies of it elsewhere change too (never the buyer's copy of a note)."""
    if edit.internal:
        return
    is_text = edited.text is not None
    raw_entities = [e.to_dict() for e in (edited.entities if is_text else edited.caption_entities)]
    for copy in edit.copies_to_update:
        text, entities = edit.text or "", raw_entities
        if copy.author == AuthorRole.AGENT:
            buyer = await desk.uow.users.by_telegram_id(copy.chat_id)
            lang = pick_language(buyer.language if buyer else None)
            text, entities = with_store_header(desk.render("seller/store_header.txt", lang, store_name=store_name), edit.text, raw_entities)
        if is_text:
            await desk.outbox.call(
                "editMessageText",
                {"chat_id": copy.chat_id, "message_id": copy.message_id, "text": text, "entities": entities or None},
            )
        else:
            await desk.outbox.call(
                "editMessageCaption",
                {"chat_id": copy.chat_id, "message_id": copy.message_id, "caption": text[:1024], "caption_entities": entities or None},
            )
