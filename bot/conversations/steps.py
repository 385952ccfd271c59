"""The steps every reason flow shares: describe, add photos or documents, confirm, open the ticket.

Each flow module (`contact_seller`, `change_address`, ...) has its `FlowSpec`
and the `State` enum of the steps it goes through; `flow_builder` makes its
ConversationHandler from them. These steps read the flow's spec from the
chat's draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ConversationHandler

from bot import callbacks, keyboards
from bot.context import AftersalesContext
from bot.handlers import buyer_views as views
from bot.handlers.common import answer_query
from bot.relay.incoming import incoming_files
from domain.enums import AttachmentKind, TicketReason
from domain.models import Order
from domain.results import IncomingFile
from domain.services.ticket_rules import cancel_options

FLOW_PREFIX = "flw"  # flw:done, flw:send, flw:quit, flw:why:<cancel reason>
MAX_DESCRIPTION = 2000  # long enough for any after-sales story, short enough for one topic message with its header
MAX_FILES = 10  # an album's worth
DRAFT_KEY = "draft"
SPLIT_SECONDS = 3  # a Telegram app sends the parts of a long text one right after another


class Step(IntEnum):
    PICK_CANCEL_REASON = 1
    DESCRIBE = 2
    MEDIA = 3
    CONFIRM = 4


@dataclass(frozen=True)
class ConfirmWording:
    """The templates that word a flow's last step: its two buttons, the reminder to press one, and leaving."""

    send: str = "flows/button_send.txt"
    quit: str = "flows/button_quit.txt"
    reminder: str = "flows/want_button.html"
    left: str = "flows/left.html"


@dataclass(frozen=True)
class FlowSpec:
    reason: TicketReason
    min_length: int = 2  # shorter descriptions are re-asked ("address too short")
    takes_media: bool = False
    picks_cancel_reason: bool = False
    cancel_reasons: tuple[str, ...] = field(default=())
    wording: ConfirmWording = field(default=ConfirmWording())


def _flow_button(context: AftersalesContext, lang: str, label: str, action: str, *args: object) -> InlineKeyboardButton:
    return _button(context, lang, f"flows/button_{label}.txt", action, *args)


def _button(context: AftersalesContext, lang: str, template: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        context.render(template, lang), callback_data=callbacks.encode(FLOW_PREFIX, action, *args)
    )


def draft(context: AftersalesContext) -> dict:
    return context.chat_data.setdefault(DRAFT_KEY, {})


async def ask_with_buttons(context: AftersalesContext, chat_id: int, text: str, buttons: InlineKeyboardMarkup) -> None:
    """A question with buttons; the flow's earlier question loses its buttons, so one set stands at a time."""
    current = draft(context)
    await keyboards.remove_keyboard(context, current.pop(keyboards.PENDING_KEYBOARD, None))
    sent = await context.outbox.send_message(chat_id, text, parse_mode="HTML", reply_markup=buttons)
    current[keyboards.PENDING_KEYBOARD] = sent.id


async def close_choice(context: AftersalesContext, query, lang: str, current: dict | None = None) -> None:
    """A flow's button was pressed: its message says what was chosen, and no other of the flow's buttons stands."""
    await keyboards.close_keyboard(context, query, lang)
    await drop_buttons(context, draft(context) if current is None else current, unless=query.message)


async def drop_buttons(context: AftersalesContext, current: dict | None, *, unless=None) -> None:
    """The flow moved on or ended: its pending question (if any) loses its buttons."""
    if isinstance(current, dict):
        await keyboards.remove_keyboard(context, current.pop(keyboards.PENDING_KEYBOARD, None), unless=unless)


async def begin(update: Update, context: AftersalesContext, specs: dict[str, FlowSpec]) -> int:
    """A reason button: check the order and the rule up front, then ask the flow's first question."""
    query = update.callback_query
    lang = await views.buyer_language(update, context)
    previous = context.chat_data.get(DRAFT_KEY)
    if isinstance(previous, dict) and previous.get("reason") in specs:
        # This flow again: it starts afresh (or ends), so its old question's buttons go.
        # Another flow's draft is ended, buttons and all, by `flow_builder.end_other_flows`.
        await drop_buttons(context, previous)
    decoded, order = await views.order_of_button(context, query)
    spec = specs.get(decoded.action) if decoded else None
    if spec is None or order is None:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return ConversationHandler.END
    verdict = views.reason_verdict(order, spec.reason)
    if not verdict.allowed:  # the card is older than the order's status: only fitting reasons are shown
        await views.refuse_reason(context, query, order, spec.reason.value, verdict.why, lang, on_card=True)
        return ConversationHandler.END
    await answer_query(query)
    context.chat_data[DRAFT_KEY] = {"reason": spec.reason.value, "order_id": order.id, "text": None, "files": []}
    chat_id = query.message.chat.id
    await context.outbox.send_message(
        chat_id,
        context.render(f"flows/{spec.reason.value}_intro.html", lang, order=order, **intro_values(order, spec)),
        parse_mode="HTML",
        reply_markup=_fault_instead(context, lang, order) if spec.reason == TicketReason.RETURN_REFUND else None,
    )
    if spec.picks_cancel_reason:
        rows = [[_flow_button(context, lang, f"why_{why}", "why", why)] for why in spec.cancel_reasons]
        await ask_with_buttons(
            context, chat_id, context.render("flows/pick_cancel_reason.html", lang), InlineKeyboardMarkup(rows)
        )
        return Step.PICK_CANCEL_REASON
    return Step.DESCRIBE


def _fault_instead(context: AftersalesContext, lang: str, order: Order) -> InlineKeyboardMarkup:
    """A return for a fault is an after-sales request (evidence, the seller's deadline): one press starts that form.

    The button is the order card's own "Report a problem", so the request form
    takes it and this flow ends as any flow does when another begins.
    """
    text = context.render("flows/button_fault_instead.txt", lang)
    data = callbacks.encode(views.REASON_PREFIX, TicketReason.AFTER_SALES.value, order.id)
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]])


def intro_values(order: Order, spec: FlowSpec) -> dict:
    """What a flow's first message must say up front (a cancellation: how it would go)."""
    if spec.reason == TicketReason.CANCEL_ORDER:
        options = cancel_options(order)
        return {"path": options.path, "why": options.why}
    return {}


def _spec(context: AftersalesContext, specs: dict[str, FlowSpec]) -> FlowSpec | None:
    return specs.get(draft(context).get("reason", ""))


async def pick_cancel_reason(update: Update, context: AftersalesContext, specs: dict[str, FlowSpec]) -> int:
    query = update.callback_query
    lang = await views.buyer_language(update, context)
    decoded = callbacks.decode(query.data or "")
    spec = _spec(context, specs)
    why = decoded.args[0] if decoded and decoded.args else ""
    if spec is None or why not in spec.cancel_reasons:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return Step.PICK_CANCEL_REASON
    await answer_query(query)
    await close_choice(context, query, lang)
    draft(context)["cancel_reason"] = why
    await context.outbox.send_message(
        query.message.chat.id, context.render("flows/ask_cancel_details.html", lang), parse_mode="HTML"
    )
    return Step.DESCRIBE


async def take_description(update: Update, context: AftersalesContext, specs: dict[str, FlowSpec]) -> int:
    message = update.effective_message
    lang = await views.buyer_language(update, context)
    spec = _spec(context, specs)
    if spec is None:
        return ConversationHandler.END
    if rest_of_a_long_text(context, message):
        return Step.DESCRIBE
    text = (message.text or "").strip()
    problem = "too_short" if len(text) < spec.min_length else "too_long" if len(text) > MAX_DESCRIPTION else None
    if problem == "too_long":
        draft(context)["too_long"] = [message.message_id, int(message.date.timestamp())]  # see rest_of_a_long_text
    if problem:
        await context.outbox.send_message(
            message.chat.id,
            context.render(
                "flows/description_invalid.html",
                lang,
                problem=problem,
                reason=spec.reason.value,
                min_length=spec.min_length,
                max_length=MAX_DESCRIPTION,
                length=len(text),
            ),
            parse_mode="HTML",
        )
        return Step.DESCRIBE
    why = draft(context).get("cancel_reason")
    # The reason as the buyer picked it, in words: the buyer confirms this text and the seller reads it.
    draft(context)["text"] = (
        text if why is None else f"{context.render(f'flows/button_why_{why}.txt', lang).strip()}: {text}"
    )
    if spec.takes_media:
        await ask_for_media(context, message.chat.id, lang)
        return Step.MEDIA
    return await ask_to_confirm(context, spec, message.chat.id, lang)


def rest_of_a_long_text(context: AftersalesContext, message: Message) -> bool:
    """Whether `message` is the next part of a text already refused as too long.

    Telegram apps send a text over 4096 characters as several messages right
    after one another; the first was answered "too long", and the rest must
    not pass for the buyer's answer. A part comes next, with nothing in
    between (not even that answer), within seconds. A busy bot's private-chat
    message ids may skip; then the part is taken as an answer and the buyer
    sees it in the confirmation.
    """
    current = draft(context)
    refused_id, refused_at = current.pop("too_long", None) or (None, None)
    at = int(message.date.timestamp())
    follows = refused_id is not None and message.message_id == refused_id + 1 and at - refused_at <= SPLIT_SECONDS
    if follows:
        current["too_long"] = [message.message_id, at]  # a text over 8192 characters has a third part
    return follows


async def want_text(update: Update, context: AftersalesContext) -> int:
    """A sticker, photo or anything else where words are wanted."""
    lang = await views.buyer_language(update, context)
    await context.outbox.send_message(
        update.effective_chat.id, context.render("flows/want_text.html", lang), parse_mode="HTML"
    )
    return Step.DESCRIBE


def _done_button(context: AftersalesContext, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_flow_button(context, lang, "done", "done")]])


async def ask_for_media(context: AftersalesContext, chat_id: int, lang: str) -> None:
    await ask_with_buttons(
        context, chat_id, context.render("flows/ask_media.html", lang, max_files=MAX_FILES), _done_button(context, lang)
    )


async def take_media(update: Update, context: AftersalesContext) -> int:
    message = update.effective_message
    lang = await views.buyer_language(update, context)
    files = draft(context).setdefault("files", [])
    incoming = incoming_files(message)
    if len(files) + len(incoming) > MAX_FILES:
        await context.outbox.send_message(
            message.chat.id, context.render("flows/too_many_files.html", lang, max_files=MAX_FILES), parse_mode="HTML"
        )
        return Step.MEDIA
    files.extend([str(f.kind), f.file_id, f.file_unique_id] for f in incoming)  # JSON-friendly: the draft may be stored
    await ask_with_buttons(
        context,
        message.chat.id,
        context.render("flows/media_received.html", lang, count=len(files)),
        _done_button(context, lang),
    )
    return Step.MEDIA


async def want_media(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    await ask_with_buttons(
        context, update.effective_chat.id, context.render("flows/want_media.html", lang), _done_button(context, lang)
    )
    return Step.MEDIA


async def media_done(update: Update, context: AftersalesContext, specs: dict[str, FlowSpec]) -> int:
    await answer_query(update.callback_query)
    spec = _spec(context, specs)
    if spec is None:
        return ConversationHandler.END
    lang = await views.buyer_language(update, context)
    await close_choice(context, update.callback_query, lang)
    return await ask_to_confirm(context, spec, update.effective_chat.id, lang)


async def ask_to_confirm(context: AftersalesContext, spec: FlowSpec, chat_id: int, lang: str) -> int:
    current, wording = draft(context), spec.wording
    await ask_with_buttons(
        context,
        chat_id,
        context.render(
            "flows/confirm.html", lang, reason=current["reason"], text=current["text"], files=len(current["files"])
        ),
        InlineKeyboardMarkup(
            [[_button(context, lang, wording.send, "send"), _button(context, lang, wording.quit, "quit")]]
        ),
    )
    return Step.CONFIRM


async def want_button(update: Update, context: AftersalesContext, specs: dict[str, FlowSpec]) -> int:
    lang = await views.buyer_language(update, context)
    wording = spec.wording if (spec := _spec(context, specs)) else ConfirmWording()
    await context.outbox.send_message(
        update.effective_chat.id, context.render(wording.reminder, lang), parse_mode="HTML"
    )
    return Step.CONFIRM


async def submit(update: Update, context: AftersalesContext) -> int:
    """Send: open the ticket with the description and files, hand it to the seller side."""
    query = update.callback_query
    lang = await views.buyer_language(update, context)
    current = context.chat_data.pop(DRAFT_KEY, None)
    if not current:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return ConversationHandler.END
    await answer_query(query)
    await close_choice(context, query, lang, current)
    files = tuple(IncomingFile(AttachmentKind(kind), file_id, unique) for kind, file_id, unique in current["files"])
    await views.open_and_announce(
        context,
        query.message.chat.id,
        query.from_user.id,
        current["order_id"],
        current["reason"],
        lang,
        current["text"],
        files,
        cancel_reason=current.get("cancel_reason"),
    )
    return ConversationHandler.END


async def quit_flow(update: Update, context: AftersalesContext, specs: dict[str, FlowSpec]) -> int:
    """/cancel or the Cancel button: leave the flow, nothing is sent to the seller."""
    lang = await views.buyer_language(update, context)
    if update.callback_query is not None:
        await answer_query(update.callback_query)
        await close_choice(context, update.callback_query, lang)
    else:
        await drop_buttons(context, context.chat_data.get(DRAFT_KEY))
    wording = spec.wording if (spec := _spec(context, specs)) else ConfirmWording()
    context.chat_data.pop(DRAFT_KEY, None)
    await context.outbox.send_message(update.effective_chat.id, context.render(wording.left, lang), parse_mode="HTML")
    return ConversationHandler.END
