"""The buyer's tickets: /tickets, a ticket's timeline, closing it, and free text outside any flow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.context import AftersalesContext
from bot.handlers import changes
from bot.handlers.buyer_views import buyer_language
from bot.handlers.common import answer_query
from bot.keyboards import close_keyboard
from bot.relay import Desk, deliver_ticket_notices, relay_buyer_message
from bot.relay.card_warning import warn_card_masked
from bot.relay.incoming import incoming_files
from bot.relay.outgoing import forward_to_store
from bot.relay.request_timelines import timeline_text
from bot.relay.topics import local_time
from domain.errors import DomainError
from domain.results import TicketSummary, Viewer
from domain.services.albums import (
    ALBUM_WAIT,
    album_ticket,
    hold_for_routing,
    record_buyer_album_part,
    release_for_routing,
)
from domain.services.cancellations import can_withdraw, cancellation_of_ticket, withdraw_cancellation
from domain.services.refusals import Refused
from domain.services.relay import record_buyer_message, route_free_text
from domain.services.requests import request_view
from domain.services.tickets import buyer_tickets, close_ticket, ticket_timeline

TICKET_PREFIX = "btk"  # btk:view:<id>, btk:close:<id>, btk:to:<id> (send the replied-to message there)
WITHDRAW = "wc"  # btk:wc:<ticket id>: withdraw the ticket's cancellation while it waits for the store


def several_stores(tickets: Sequence[TicketSummary]) -> bool:
    """Numbers count per store: beside tickets of several stores the store's name tells two #1s apart."""
    return len({ticket.store_id for ticket in tickets}) > 1


def _button(text: str, action: str, ticket_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.encode(TICKET_PREFIX, action, ticket_id))


async def list_tickets(update: Update, context: AftersalesContext) -> None:
    lang = await buyer_language(update, context)
    tickets = await buyer_tickets(context.uow, update.effective_user.id)
    several = several_stores(tickets)
    rows = [
        [
            _button(
                context.render("buyer/ticket_button.txt", lang, ticket=t, several_stores=several), "view", t.ticket_id
            )
        ]
        for t in tickets
    ]
    await context.outbox.send_message(
        update.effective_chat.id,
        context.render("buyer/tickets.html", lang, tickets=tickets, several_stores=several),
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
    )


def _ticket_id(update: Update) -> tuple[str, int]:
    decoded = callbacks.decode(update.callback_query.data or "")
    if decoded is None or not decoded.args or not decoded.args[0].isdigit():
        return "", 0
    return decoded.action, int(decoded.args[0])


async def press_ticket(update: Update, context: AftersalesContext) -> None:
    query = update.callback_query
    lang = await buyer_language(update, context)
    action, ticket_id = _ticket_id(update)
    try:
        if action == "view":
            await show_timeline(context, query.message.chat.id, query.from_user.id, ticket_id, lang)
        elif action == "close":
            await close_by_buyer(context, query.from_user.id, ticket_id)
        elif action == WITHDRAW:
            await withdraw_by_buyer(context, query.from_user.id, ticket_id)
        elif action == "to" and query.message.reply_to_message is not None:
            for message in await _with_rest_of_album(context, query.message.reply_to_message):
                await pass_on(context, ticket_id, message, lang)
        else:
            raise DomainError("unknown ticket button")
    except Refused as refusal:
        await answer_query(query, context.render("buyer/ticket_refused.txt", lang, why=refusal.why), show_alert=True)
        return
    except DomainError:  # not the presser's ticket, or gone: the button is stale for them
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return
    await answer_query(query)
    await close_keyboard(context, query, lang)  # a ticket picked, closed or sent to: the choice is made


async def show_timeline(context: AftersalesContext, chat_id: int, buyer_id: int, ticket_id: int, lang: str) -> None:
    timeline = await ticket_timeline(context.uow, ticket_id, Viewer("buyer", buyer_id))
    closable = timeline.ticket.status != "closed"
    cancellation = await cancellation_of_ticket(context.uow, ticket_id) if closable else None
    rows = [[_button(context.render("buyer/button_close_ticket.txt", lang), "close", ticket_id)]]
    if cancellation is not None and can_withdraw(cancellation):
        rows.insert(0, [_button(context.render("buyer/button_withdraw_cancellation.txt", lang), WITHDRAW, ticket_id)])
    # The store's clock, named: the buyer's own zone is unknown to the bot, and bare times read as the reader's.
    entries = [replace(entry, at=local_time(entry.at, timeline.ticket.store_timezone)) for entry in timeline.entries]
    request = await context.uow.requests.by_ticket(ticket_id)
    request_part = None
    if request is not None:  # an after-sales request: its status, its timeline and what is due next
        now = context.deps.clock.now()
        view = await request_view(context.uow, request.id, Viewer("buyer", buyer_id), now=now)
        request_part = timeline_text(context.render, lang, view, "buyer", timeline.ticket.store_timezone, now)
    await context.outbox.send_message(
        chat_id,
        context.render(
            "buyer/ticket_timeline.html", lang, ticket=timeline.ticket, entries=entries, request_part=request_part
        ),
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup(rows) if closable else None,
    )


async def withdraw_by_buyer(context: AftersalesContext, buyer_id: int, ticket_id: int) -> None:
    """The store's cards lose their Approve and Reject, a line tells the store, the buyer is told."""
    cancellation = await cancellation_of_ticket(context.uow, ticket_id)
    ticket = await context.uow.tickets.get(ticket_id)
    if cancellation is None or ticket is None:
        raise DomainError("no cancellation on this ticket")
    done = await withdraw_cancellation(context.uow, context.deps.clock, cancellation.id, buyer_id)
    await changes.deliver(Desk.of(context), ticket, done.notices)


async def close_by_buyer(context: AftersalesContext, buyer_id: int, ticket_id: int) -> None:
    """The seller side words the closing and asks for the 1-5 rating (its rating buttons)."""
    closed = await close_ticket(context.uow, context.deps.clock, ticket_id, "buyer", buyer_id)
    await deliver_ticket_notices(context, closed.notices)


async def pass_on(context: AftersalesContext, ticket_id: int, message, lang: str) -> None:
    """Record the buyer's message on the ticket and copy it to the store."""
    if message.media_group_id is not None:
        masked_cards = await pass_on_album_part(context, ticket_id, message)
        await warn_card_masked(Desk.of(context), message.chat.id, lang, masked_cards, message.message_id)
        return
    text = message.text if message.text is not None else message.caption
    # Its formatting too: the topic gets it again as text under the buyer's name (bot.relay.buyer_copies).
    entities = [e.to_dict() for e in (message.entities if message.text is not None else message.caption_entities)]
    recorded = await record_buyer_message(
        context.uow,
        context.deps.clock,
        ticket_id,
        text,
        entities,
        incoming_files(message),
        buyer_telegram_id=message.chat.id,
    )
    await relay_buyer_message(context, ticket_id, recorded, message)
    await warn_card_masked(Desk.of(context), message.chat.id, lang, recorded.masked_cards, message.message_id)


async def pass_on_album_part(context: AftersalesContext, ticket_id: int, message) -> int:
    """One part of an album: kept with its album, which the timer sweeper passes on whole (`albums`).

    Returns the card numbers its caption had (hidden), for the buyer's warning.
    """
    part = await record_buyer_album_part(
        context.uow,
        context.deps.clock,
        ticket_id,
        message.media_group_id,
        message.chat.id,
        message.message_id,
        message.caption,
        [e.to_dict() for e in message.caption_entities],
        incoming_files(message),
        buyer_telegram_id=message.chat.id,
    )
    if not part.late:
        context.application.wake_timers_in(ALBUM_WAIT.total_seconds() + 0.1)
    else:
        ticket = await context.uow.tickets.get(part.ticket_id)
        await forward_to_store(Desk.of(context), ticket, part.ticket_message_id, message.chat.id, [message.message_id])
    return part.masked_cards


async def _album_ticket(context: AftersalesContext, message) -> int | None:
    """The ticket an earlier part of this album went to, so the whole album goes there."""
    if message.media_group_id is None:
        return None
    return await album_ticket(context.uow, message.chat.id, message.media_group_id)


ANSWERED_ALBUM = "answered_album"  # chat_data: the album last told "no open ticket" (only to answer once)


async def _with_rest_of_album(context: AftersalesContext, message) -> list:
    """The replied-to message, or every held part of its album."""
    if message.media_group_id is None:
        return [message]
    parts = await release_for_routing(context.uow, message.chat.id, message.media_group_id)
    return [Message.de_json(part, context.bot) for part in parts] or [message]


async def take_free_text(update: Update, context: AftersalesContext) -> None:
    """Outside any flow: the buyer's only open ticket gets it; with several, ask which; with none, offer the orders."""
    message = update.effective_message
    lang = await buyer_language(update, context)
    album_ticket_id = await _album_ticket(context, message)
    if album_ticket_id is not None:
        await pass_on(context, album_ticket_id, message, lang)
        return
    route = await route_free_text(context.uow, update.effective_user.id)
    if route.kind == "one":
        await pass_on(context, route.ticket_id, message, lang)
        return
    if route.kind == "none":
        if message.media_group_id is None or context.chat_data.get(ANSWERED_ALBUM) != message.media_group_id:
            context.chat_data[ANSWERED_ALBUM] = message.media_group_id  # one answer per album, not per photo
            await context.outbox.send_message(
                message.chat.id, context.render("buyer/no_open_ticket.html", lang), parse_mode="HTML"
            )
        return
    if message.media_group_id is not None and not await hold_for_routing(
        context.uow, context.deps.clock, message.chat.id, message.media_group_id, message.message_id, message.to_dict()
    ):
        return  # one question per album: its first part's
    several = several_stores(route.choices)
    rows = [
        [_button(context.render("buyer/ticket_button.txt", lang, ticket=t, several_stores=several), "to", t.ticket_id)]
        for t in route.choices
    ]
    # A reply to the buyer's message, so the pressed button finds what to pass on.
    await context.outbox.call(
        "sendMessage",
        {
            "chat_id": message.chat.id,
            "text": context.render("buyer/which_ticket.html", lang),
            "parse_mode": "HTML",
            "reply_parameters": {"message_id": message.message_id},
            "reply_markup": InlineKeyboardMarkup(rows),
        },
    )


def handlers() -> list:
    return [
        CommandHandler("tickets", list_tickets, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(press_ticket, pattern=callbacks.pattern(TICKET_PREFIX)),
    ]


async def refuse_unsupported(update: Update, context: AftersalesContext) -> None:
    """A location, contact, poll or dice outside a flow: say what can be passed on instead of staying silent."""
    lang = await buyer_language(update, context)
    await context.outbox.send_message(
        update.effective_chat.id, context.render("buyer/unsupported_message.html", lang), parse_mode="HTML"
    )


# What a buyer can send to the store: what Telegram can copy and the store can read.
RELAYABLE = (
    filters.TEXT
    | filters.PHOTO
    | filters.VIDEO
    | filters.Document.ALL
    | filters.ANIMATION
    | filters.AUDIO
    | filters.VOICE
    | filters.VIDEO_NOTE
    | filters.Sticker.ALL
)


def free_text_handlers() -> list:
    """Last among the buyer's handlers: whatever no flow or command took."""
    private_message = (
        filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    )
    return [
        MessageHandler(private_message & RELAYABLE, take_free_text),
        MessageHandler(private_message, refuse_unsupported),
    ]
