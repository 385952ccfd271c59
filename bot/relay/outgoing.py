"""Carrying messages across: the buyer's into the store's topic (or agents' chats), the agents' to the buyer.

Every call goes through the outbox; the Telegram message ids of the copies
come back through the ``copy_sent`` / ``buyer_copy_sent`` result hooks,
which record them (``record_copy``) for reply routing and edits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from telegram import Message

from bot.relay import topics
from bot.relay.agents import agent_chats
from bot.relay.buyer_copies import (
    buyer_name,
    copy_into_topic,
    edit_named_copies,
    private_copy,
    send_files_into_topic,
)
from bot.relay.desk import Desk
from bot.relay.long_texts import CAPTION_LIMIT, TEXT_LIMIT, Header, Part, headed_parts, with_header
from bot.relay.moderation_cards import report_markup
from bot.relay.reactions import MARK_WHEN_SENT
from bot.rendering import pick_language
from domain.enums import AuthorRole, CopyRole
from domain.models import OutboxMessage, Ticket
from domain.results import TicketTag
from domain.services.albums import album_pending
from domain.services.relay import CopyRef, EditResult, RecordedMessage, SellerMessage, record_copy


async def relay_buyer_message(
    context: Any, ticket_id: int, recorded: RecordedMessage, message: Message | Sequence[Message]
) -> None:
    """Copy what the buyer sent (one message, or an album's messages) to the store's side of the ticket."""
    messages = [message] if isinstance(message, Message) else list(message)
    await relay_buyer_messages(
        Desk.of(context), ticket_id, recorded.message_id, messages, retitle=recorded.status_changed
    )


async def relay_buyer_messages(
    desk: Desk, ticket_id: int, ticket_message_id: int, messages: Sequence[Message], *, retitle: bool = True
) -> None:
    ticket = await desk.uow.tickets.get(ticket_id)
    if ticket is None or not messages:
        return
    for sent in messages:
        await record_copy(
            desk.uow, desk.clock, ticket_message_id, sent.chat_id, sent.message_id, role=CopyRole.ORIGINAL
        )
    await forward_to_store(
        desk, ticket, ticket_message_id, messages[0].chat_id, [m.message_id for m in messages], retitle=retitle
    )


async def forward_to_store(
    desk: Desk, ticket: Ticket, ticket_message_id: int, from_chat: int, ids: list[int], *, retitle: bool = True
) -> None:
    """The buyer's Telegram messages `ids` copied into the ticket's topic, or to its agents without a group.

    ``retitle``: the topic's title may have changed (its status or next deadline did); else it is not recomputed.
    """
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
    if retitle:
        await topics.refresh_topic(desk, ticket)


async def copy_to_agents_by_ids(
    desk: Desk, ticket: Ticket, ticket_message_id: int, from_chat: int, ids: list[int]
) -> None:
    """Private mode: each active agent gets the buyer's message; replying to it answers the buyer."""
    name, _ = await buyer_name(desk, ticket)
    method, params = await private_copy(desk, ticket_message_id, from_chat, ids)
    for agent in await agent_chats(desk, ticket.store_id):
        await desk.outbox.send_message(
            agent.chat_id,
            desk.render("seller/private_from_buyer.html", agent.lang, number=ticket.number, name=name),
            parse_mode="HTML",
        )
        await desk.outbox.call(
            method,
            {"chat_id": agent.chat_id, **params},
            on_result="copy_sent",
            on_result_args={"ticket_message_id": ticket_message_id},
        )


async def copy_waiting_messages(desk: Desk, ticket: Ticket, chat_id: int, thread_id: int) -> None:
    """Buyer messages not yet in this topic (they came while it was made, or made it be made again): copied, or their files sent."""
    for message in await desk.uow.tickets.messages(ticket.id):
        if not topics.waits_for_topic(message, chat_id):
            continue
        if message.media_group_id is not None and await album_pending(desk.uow, message.id):
            continue  # an album still gathering its parts: its flush copies it whole
        originals = [c for c in message.copies if c.role == CopyRole.ORIGINAL]
        if not originals:
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
    name, _ = await buyer_name(desk, ticket)
    await desk.outbox.send_message(
        group.chat_id,
        desk.render("seller/buyer_wrote.html", lang, text=message.text, name=name),
        parse_mode="HTML",
        message_thread_id=ticket.topic_id,
        on_result="copy_sent",
        on_result_args={"ticket_message_id": message.id, "thread_id": ticket.topic_id},
    )


def store_header(desk: Desk, lang: str, store_name: str, tag: TicketTag | None = None) -> Header:
    """The store's name over an agent's message; the parts of a long one are counted, so none seems missing.

    ``tag``: the ticket's number and order, for a buyer with several tickets open.
    """

    def header(part: int, parts: int) -> str:
        if parts == 1:
            return desk.render("seller/store_header.txt", lang, store_name=store_name, tag=tag)
        return desk.render("seller/store_header_part.txt", lang, store_name=store_name, tag=tag, part=part, parts=parts)

    return header


async def _buyer_language(desk: Desk, buyer_telegram_id: int) -> str:
    buyer = await desk.uow.users.by_telegram_id(buyer_telegram_id)
    return pick_language(buyer.language if buyer else None)


@dataclass(frozen=True)
class SellerSource:
    """What an agent wrote, as it is sent on: the agent's Telegram message, or the stored one later."""

    kind: Literal["text", "file", "bare"]  # bare: a sticker or a video note, which carry no caption
    text: str | None
    entities: list[dict[str, Any]]
    chat_id: int | None  # the agent's message: copied for a file, and where a failure is told
    message_id: int | None
    thread_id: int | None

    @classmethod
    def of(cls, message: Message, text_only: tuple[str, list[dict[str, Any]]] | None = None) -> SellerSource:
        """``text_only``: a command's argument, sent instead of the message's content."""
        where = {
            "chat_id": message.chat_id,
            "message_id": message.message_id,
            "thread_id": message.message_thread_id if message.is_topic_message else None,
        }
        if text_only is not None:
            return cls("text", text_only[0], text_only[1], **where)
        if message.text is not None:
            return cls("text", message.text, [e.to_dict() for e in message.entities], **where)
        if message.sticker is not None or message.video_note is not None:
            return cls("bare", None, [], **where)
        return cls("file", message.caption, [e.to_dict() for e in message.caption_entities], **where)

    @classmethod
    def stored(cls, message: SellerMessage) -> SellerSource:
        return cls(
            message.kind,
            message.text,
            [dict(e) for e in message.entities],
            message.original_chat_id,
            message.original_message_id,
            message.original_thread_id,
        )


async def send_agent_reply(
    desk: Desk, recorded: RecordedMessage, source: Message, *, text_only: tuple[str, list[dict[str, Any]]] | None = None
) -> None:
    """The agent's message, as the checkpoint let it pass, reaches the buyer from the bot."""
    if not recorded.passage.reaches_buyer:
        raise ValueError(f"ticket message {recorded.message_id} was not let through to the buyer")
    await send_to_buyer(
        desk,
        recorded.message_id,
        recorded.buyer_telegram_id,
        recorded.store_name,
        recorded.ticket_tag,
        SellerSource.of(source, text_only),
    )


async def send_stored_to_buyer(desk: Desk, message: SellerMessage) -> None:
    """An agent's message the buyer gets later: a moderator released it, or the store's suspension ended."""
    await send_to_buyer(
        desk,
        message.ticket_message_id,
        message.buyer_telegram_id,
        message.store_name,
        message.ticket_tag,
        SellerSource.stored(message),
    )


async def send_to_buyer(
    desk: Desk,
    ticket_message_id: int,
    buyer_chat: int,
    store_name: str,
    tag: TicketTag | None,
    source: SellerSource,
) -> None:
    """The store's message reaches the buyer from the bot, headed with the store's name only.

    The header must not push it over Telegram's limits: a longer text goes in
    parts, a caption's overflow follows the file as text. The first part
    carries the Report button.
    """
    lang = await _buyer_language(desk, buyer_chat)
    header = store_header(desk, lang, store_name, tag)
    report_to = {
        "ticket_message_id": ticket_message_id,
        "report_chat": source.chat_id,
        "report_thread": source.thread_id,
        "report_reply_to": source.message_id,
    }
    markup = report_markup(desk, lang, ticket_message_id)
    if source.kind == "text":
        await send_parts(
            desk,
            buyer_chat,
            headed_parts(header, source.text, source.entities, first_limit=TEXT_LIMIT),
            report_to,
            mark_last=True,
            first_markup=markup,
        )
        return
    if source.kind == "bare":
        # These carry no caption in Telegram; the store's name is the chat the buyer is in.
        await desk.outbox.call(
            "copyMessage",
            {
                "chat_id": buyer_chat,
                "from_chat_id": source.chat_id,
                "message_id": source.message_id,
                "reply_markup": markup,
            },
            on_result="buyer_copy_sent",
            on_result_args={**report_to, MARK_WHEN_SENT: True},
        )
        return
    parts = headed_parts(header, source.text, source.entities, first_limit=CAPTION_LIMIT)
    copied = await desk.outbox.call(
        "copyMessage",
        {
            "chat_id": buyer_chat,
            "from_chat_id": source.chat_id,
            "message_id": source.message_id,
            "caption": parts[0].text,
            "caption_entities": parts[0].entities,
            "reply_markup": markup,
        },
        on_result="buyer_copy_sent",
        on_result_args={**report_to, MARK_WHEN_SENT: True} if len(parts) == 1 else report_to,
    )
    await send_parts(desk, buyer_chat, parts[1:], report_to, after=copied, mark_last=True)


async def send_parts(
    desk: Desk,
    chat_id: int,
    parts: Sequence[Part],
    report_to: dict[str, Any],
    *,
    after: OutboxMessage | None = None,
    mark_last: bool = False,
    first_markup: dict[str, Any] | None = None,
    **params: Any,
) -> OutboxMessage | None:
    """Each part a message to the buyer, in order, each recorded as a copy (a reply to any part routes).

    A part waits for the one before: if that one fails, the rest are not
    sent as a torn-off tail, and the agent hears of it once (``SellerHooks``).
    ``mark_last``: once the last part is sent, the agent's message gets 👌 (``bot.relay.reactions``).
    """
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        after = await desk.outbox.call(
            "sendMessage",
            {
                "chat_id": chat_id,
                "text": part.text,
                "entities": part.entities or None,
                "reply_markup": first_markup if index == 0 else None,
                **params,
            },
            after=after,
            on_result="buyer_copy_sent",
            on_result_args={**report_to, MARK_WHEN_SENT: True} if mark_last and last else report_to,
        )
    return after


async def carry_edit(desk: Desk, edit: EditResult, edited: Message | SellerSource, store_name: str) -> None:
    """An edited message: the bot's copies of it elsewhere change too (never the buyer's copy of a note).

    An agent's edit arrives here only if the checkpoint let it pass (or a moderator released it).
    """
    if edit.internal:
        return
    if not edit.passage.reaches_buyer:
        raise ValueError(f"the edit of ticket message {edit.ticket_message_id} was not let through")
    source = edited if isinstance(edited, SellerSource) else SellerSource.of(edited)
    is_text = source.kind == "text"
    raw_entities = source.entities
    at_buyer: dict[int, list[CopyRef]] = {}
    in_topics: dict[tuple[int, int], list[CopyRef]] = {}
    for copy in edit.copies_to_update:
        if copy.author == AuthorRole.AGENT:
            at_buyer.setdefault(copy.chat_id, []).append(copy)
        elif copy.thread_id is not None:
            in_topics.setdefault((copy.chat_id, copy.thread_id), []).append(copy)  # under the buyer's name
        else:
            # A buyer's message copied as it is: the same length as the edited original, so it fits too.
            await _edit_copy(desk, copy, Part(edit.text or "", raw_entities), as_text=is_text)
    for copies in in_topics.values():
        await edit_named_copies(
            desk,
            edit.ticket_id,
            edit.ticket_message_id,
            sorted(copies, key=lambda c: c.message_id),
            edit.text,
            raw_entities,
            is_text=is_text,
            text_before=edit.text_before,
        )
    for copies in at_buyer.values():
        await _edit_parts(desk, edit, source, sorted(copies, key=lambda c: c.message_id), store_name)


async def _edit_copy(
    desk: Desk, copy: CopyRef, part: Part, *, as_text: bool, markup: dict[str, Any] | None = None
) -> OutboxMessage:
    """``markup``: the buttons the copy keeps (an edit without them would take them away)."""
    where = {"chat_id": copy.chat_id, "message_id": copy.message_id, "reply_markup": markup}
    if as_text:
        return await desk.outbox.call(
            "editMessageText", {**where, "text": part.text, "entities": part.entities or None}
        )
    return await desk.outbox.call(
        "editMessageCaption", {**where, "caption": part.text, "caption_entities": part.entities or None}
    )


async def _edit_parts(
    desk: Desk, edit: EditResult, source: SellerSource, copies: list[CopyRef], store_name: str
) -> None:
    """The buyer's copies of an agent's message (its parts, in order) edited to the new text's parts.

    A part the edit left as it was is not touched: Telegram refuses an edit
    that changes nothing. More parts than before: the new ones follow as
    replies to the last; fewer: a part left over says it was removed. The
    first part keeps its Report button.
    """
    buyer_chat = copies[0].chat_id
    lang = await _buyer_language(desk, buyer_chat)
    header = store_header(desk, lang, store_name, edit.ticket_tag)
    on_file = source.kind != "text"  # then the first copy is the file and its caption, the others texts
    first_limit = CAPTION_LIMIT if on_file else TEXT_LIMIT
    new = headed_parts(header, edit.text, source.entities, first_limit=first_limit)
    removed = with_header(header(1, 1), desk.render("seller/store_part_removed.txt", lang))
    old = headed_parts(header, edit.text_before, (), first_limit=first_limit)
    only_formatting = edit.text_before == edit.text  # then any part may have changed: all are edited
    markup = report_markup(desk, lang, edit.ticket_message_id)
    last_edit = None
    for index, copy in enumerate(copies):
        part = new[index] if index < len(new) else removed
        was = old[index] if index < len(old) else removed
        if was.text == part.text and (not only_formatting or index >= len(new)):
            continue
        last_edit = await _edit_copy(
            desk, copy, part, as_text=not (on_file and index == 0), markup=markup if index == 0 else None
        )
    report_to = {
        "ticket_message_id": edit.ticket_message_id,
        "report_chat": source.chat_id,
        "report_thread": source.thread_id,
        "report_reply_to": source.message_id,
    }
    await send_parts(
        desk,
        buyer_chat,
        new[len(copies) :],
        report_to,
        after=last_edit,
        reply_parameters={"message_id": copies[-1].message_id, "allow_sending_without_reply": True},
    )
