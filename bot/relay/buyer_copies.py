"""The buyer's messages in the store's topic, headed with the buyer's first name.

In a topic everything arrives from the bot; without a name a buyer's copy
reads like one of the bot's own notices. So each one starts with a bold
"👤 Alice:" line, at the least cost in messages (a group takes about 20 a
minute):
- a text goes by sendMessage, the line over it (copyMessage cannot change a text);
- a file by copyMessage, the line over its caption; what no longer fits a
  caption follows as text, as for an agent's reply;
- an album by sendMediaGroup of its files, the line over the album's caption,
  so it stays one album (copyMessages cannot add a caption);
- a sticker or a video note has no caption: the line goes just before it.
Agents' private chats keep plain copies: their card line names the buyer. A message
whose card number was masked is carried from its stored text there too (`private_copy`),
since a copy of the buyer's original would show the number.
"""

from __future__ import annotations

from typing import Any

from bot.relay import topics
from bot.relay.desk import Desk
from bot.relay.long_texts import CAPTION_LIMIT, TEXT_LIMIT, Header, Part, headed_parts, with_header
from domain.models import MessageAttachment, OutboxMessage, Ticket, TicketMessage
from domain.services.card_masking import was_masked
from domain.services.relay import CopyRef

NO_CAPTION = frozenset({"video_note", "sticker"})  # Telegram gives these no caption
SEND_FILE = {
    "photo": "sendPhoto",
    "video": "sendVideo",
    "document": "sendDocument",
    "animation": "sendAnimation",
    "audio": "sendAudio",
    "voice": "sendVoice",
    "video_note": "sendVideoNote",
    "sticker": "sendSticker",
}


async def buyer_name(desk: Desk, ticket: Ticket) -> tuple[str | None, str | None]:
    """(first name, username) of the ticket's buyer, as Telegram last showed them; None where unknown."""
    buyer = await desk.uow.users.get(ticket.buyer_id)
    return (buyer.display_name, buyer.username) if buyer is not None else (None, None)


async def buyer_header(desk: Desk, ticket: Ticket) -> Header:
    """The line over a buyer's copy; the parts of a long one are counted."""
    lang = await topics.agents_language(desk, ticket.store_id)
    name, _ = await buyer_name(desk, ticket)

    def header(part: int, parts: int) -> str:
        if parts == 1:
            return desk.render("seller/buyer_name.txt", lang, name=name)
        return desk.render("seller/buyer_name_part.txt", lang, name=name, part=part, parts=parts)

    return header


def _entities(message: TicketMessage) -> list[dict[str, Any]]:
    return [dict(entity) for entity in message.entities or ()]


async def copy_into_topic(
    desk: Desk, ticket_message_id: int, from_chat: int, message_ids: list[int], chat_id: int, thread_id: int
) -> None:
    """The buyer's Telegram message(s) `message_ids` (one, or an album's) in the ticket's topic, under the buyer's name."""
    message = await desk.uow.tickets.get_message(ticket_message_id)
    ticket = await desk.uow.tickets.get(message.ticket_id) if message is not None else None
    if message is None or ticket is None:
        return
    header = await buyer_header(desk, ticket)
    into = Into(desk, ticket_message_id, chat_id, thread_id)
    files = sorted(message.attachments, key=lambda f: f.position)
    if len(message_ids) > 1 and len(files) == len(message_ids):
        await _album(into, header, message, files)
    elif len(message_ids) > 1:
        # Parts and files disagree (should not happen): the album as it is, unnamed, rather than not at all.
        await into.call("copyMessages", {"from_chat_id": from_chat, "message_ids": sorted(message_ids)})
    elif not files:
        await into.texts(headed_parts(header, message.text, _entities(message), first_limit=TEXT_LIMIT))
    else:
        # One file: the message's own, or an album's part that came after the album went (the last one joined).
        late = message.media_group_id is not None
        file = files[-1] if late else files[0]
        text, entities = (file.caption, []) if late else (message.text, _entities(message))
        copy = {"from_chat_id": from_chat, "message_id": message_ids[0]}
        await _file(into, header, str(file.kind), "copyMessage", copy, text, entities)


async def private_copy(
    desk: Desk, ticket_message_id: int, from_chat: int, ids: list[int]
) -> tuple[str, dict[str, Any]]:
    """The call that puts the buyer's message `ids` (one, or an album's) in an agent's private chat, as stored."""
    if len(ids) == 1:
        plain = "copyMessage", {"from_chat_id": from_chat, "message_id": ids[0]}
    else:
        plain = "copyMessages", {"from_chat_id": from_chat, "message_ids": sorted(ids)}
    message = await desk.uow.tickets.get_message(ticket_message_id)
    if message is None or not await was_masked(desk.uow, message):
        return plain
    files = sorted(message.attachments, key=lambda f: f.position)
    if not files:
        return "sendMessage", {"text": message.text, "entities": _entities(message) or None}
    if len(ids) == 1:
        late = message.media_group_id is not None  # an album's part that came after the album went
        caption, entities = (files[-1].caption, None) if late else (message.text, _entities(message) or None)
        if str(files[-1].kind) in NO_CAPTION or caption is None:
            return plain
        return "copyMessage", {**plain[1], "caption": caption, "caption_entities": entities}
    # copyMessages cannot change a caption: the album's files again, with their stored captions.
    media = [{"type": str(f.kind), "media": f.file_id, **({"caption": f.caption} if f.caption else {})} for f in files]
    return "sendMediaGroup", {"media": media}


async def send_files_into_topic(desk: Desk, message: TicketMessage, chat_id: int, thread_id: int) -> None:
    """Files a flow collected (no Telegram message to copy): sent again by their file ids, each under the buyer's name."""
    ticket = await desk.uow.tickets.get(message.ticket_id)
    if ticket is None:
        return
    header = await buyer_header(desk, ticket)
    into = Into(desk, message.id, chat_id, thread_id)
    for file in sorted(message.attachments, key=lambda f: f.position):
        kind = str(file.kind)
        await _file(into, header, kind, SEND_FILE[kind], {kind: file.file_id}, file.caption, [])


async def _file(
    into: Into,
    header: Header,
    kind: str,
    method: str,
    params: dict[str, Any],
    text: str | None,
    entities: list[dict[str, Any]],
) -> None:
    if kind in NO_CAPTION:
        line = await into.texts([with_header(header(1, 1), "")])
        await into.call(method, params, after=line)
        return
    parts = headed_parts(header, text, entities, first_limit=CAPTION_LIMIT)
    sent = await into.call(method, {**params, "caption": parts[0].text, "caption_entities": parts[0].entities})
    await into.texts(parts[1:], after=sent)


async def _album(into: Into, header: Header, message: TicketMessage, files: list[MessageAttachment]) -> None:
    """The album's files as one album again; the line goes over the caption Telegram shows (the first one)."""
    captioned = next((index for index, file in enumerate(files) if file.caption and file.caption.strip()), 0)
    parts = headed_parts(header, message.text, _entities(message), first_limit=CAPTION_LIMIT)
    media = []
    for index, file in enumerate(files):
        item: dict[str, Any] = {"type": str(file.kind), "media": file.file_id}
        if index == captioned:
            item.update(caption=parts[0].text, caption_entities=parts[0].entities)
        elif file.caption:
            item["caption"] = file.caption
        media.append(item)
    sent = await into.call("sendMediaGroup", {"media": media})
    await into.texts(parts[1:], after=sent)


class Into:
    """Sends into one ticket's topic, each message recorded as a copy of the ticket message (replies and edits find it)."""

    def __init__(self, desk: Desk, ticket_message_id: int, chat_id: int, thread_id: int) -> None:
        self.desk, self.chat_id, self.thread_id = desk, chat_id, thread_id
        self.args = {"ticket_message_id": ticket_message_id, "thread_id": thread_id, "ticket_chat": chat_id}

    async def call(self, method: str, params: dict[str, Any], *, after: OutboxMessage | None = None) -> OutboxMessage:
        return await self.desk.outbox.call(
            method,
            {"chat_id": self.chat_id, "message_thread_id": self.thread_id, **params},
            after=after,
            on_result="copy_sent",
            on_result_args=self.args,
        )

    async def texts(
        self, parts: list[Part], *, after: OutboxMessage | None = None, **params: Any
    ) -> OutboxMessage | None:
        for part in parts:
            after = await self.call(
                "sendMessage", {"text": part.text, "entities": part.entities or None, **params}, after=after
            )
        return after


async def edit_named_copies(
    desk: Desk,
    ticket_id: int,
    ticket_message_id: int,
    copies: list[CopyRef],
    text: str | None,
    entities: list[dict[str, Any]],
    *,
    is_text: bool,
    text_before: str | None,
) -> None:
    """The buyer edited a message: its copies in one topic (its parts, in order) edited to the new text, name line kept.

    A part the edit left as it was is not touched (Telegram refuses an edit
    that changes nothing). More parts than before: the new ones follow, as
    replies to the last; fewer: a part left over says it was removed.
    """
    ticket = await desk.uow.tickets.get(ticket_id)
    if ticket is None:
        return
    header = await buyer_header(desk, ticket)
    first_limit = TEXT_LIMIT if is_text else CAPTION_LIMIT
    new = headed_parts(header, text, entities, first_limit=first_limit)
    removed = with_header(
        header(1, 1), desk.render("seller/store_part_removed.txt", await topics.agents_language(desk, ticket.store_id))
    )
    old = headed_parts(header, text_before, (), first_limit=first_limit) if text_before is not None else None
    only_formatting = text_before == text  # then any part may have changed: all are edited
    for index, copy in enumerate(copies):
        part = new[index] if index < len(new) else removed
        if old is not None:
            was = old[index] if index < len(old) else removed
            if was.text == part.text and (not only_formatting or index >= len(new)):
                continue
        where = {"chat_id": copy.chat_id, "message_id": copy.message_id}
        if is_text or index > 0:
            await desk.outbox.call("editMessageText", {**where, "text": part.text, "entities": part.entities or None})
        else:
            await desk.outbox.call(
                "editMessageCaption", {**where, "caption": part.text, "caption_entities": part.entities or None}
            )
    if len(new) > len(copies) and copies[-1].thread_id is not None:
        into = Into(desk, ticket_message_id, copies[-1].chat_id, copies[-1].thread_id)
        await into.texts(
            new[len(copies) :],
            reply_parameters={"message_id": copies[-1].message_id, "allow_sending_without_reply": True},
        )
