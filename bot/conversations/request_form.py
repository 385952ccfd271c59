"""The after-sales request form (reason "after_sales"): a guided form instead of one free text.

type → items (and how many) → description → delivery date or "not delivered" →
shipping-status screenshot (only when delivered) → photos or videos of the
fault → barcode photo or "no barcode" → resolution → summary, to send or to
change one answer. The domain's `request_rules` decide every re-ask;
`submit_request` checks the whole form again on sending.

The draft (chat_data["draft"], durable like the other flows) holds the answers
as JSON-friendly values. After each answer the form asks the first step whose
answer is missing (`next_step`): on the first pass that is the next step;
after "change" from the summary it is the summary again, or a step the change
made necessary (a type that needs photos, a delivery date that needs a
screenshot, a resolution the new type does not offer).
"""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime, timedelta
from enum import IntEnum

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, get_date_format, parse_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.context import AftersalesContext
from bot.conversations import steps
from bot.conversations.drafts import all_handlers, make_durable
from bot.conversations.flow_builder import NAME_PREFIX, Leaving, end_other_flows, leaving_commands, other_command
from bot.handlers import buyer_views as views
from bot.handlers.common import answer_query
from bot.relay.announce import announce_ticket
from bot.relay.desk import Desk
from bot.relay.incoming import incoming_files
from bot.relay.notices import deliver_notices
from bot.relay.topics import local_time
from domain.enums import AttachmentKind, RequestType, Resolution, TicketReason
from domain.models import Order, Store
from domain.results import IncomingFile, Notice
from domain.services.refusals import Refused
from domain.services.request_rules import (
    FAULT_KINDS,
    MAX_FAULT_FILES,
    PICTURE_KINDS,
    RequestDraft,
    check_delivery,
    check_description,
    earliest_delivery,
    evidence_required,
    resolutions_for,
    store_today,
)
from domain.services.requests import submit_request

REASON = TicketReason.AFTER_SALES
NAME = f"{NAME_PREFIX}request_form"
PREFIX = "rqf"  # rqf:type:<type>, rqf:item:<id>, rqf:qty:<n>, rqf:items_done, rqf:day:<yyyymmdd>, rqf:nodel, ...
DAYS_BACK = range(2, 7)  # "a few days back": a button per day, 2 to 6 days ago
MAX_QUANTITY_BUTTONS = 10
FIELDS = ("type", "items", "description", "delivery", "screenshot", "fault", "barcode", "resolution")


class FormStep(IntEnum):
    # From 10: a draft of the old report-problem flow (steps 1-4) never passes for one of these.
    CHOOSE_TYPE = 10
    CHOOSE_ITEMS = 11
    CHOOSE_QUANTITY = 12
    DESCRIBE = 13
    DELIVERY_DATE = 14
    SHIPPING_SCREENSHOT = 15
    FAULT_MEDIA = 16
    BARCODE = 17
    RESOLUTION = 18
    SUMMARY = 19


def form(context: AftersalesContext) -> dict:
    return steps.draft(context)


def _button(
    context: AftersalesContext, lang: str, template: str, action: str, *args: object, **values
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        context.render(template, lang, **values), callback_data=callbacks.encode(PREFIX, action, *args)
    )


def _args(update: Update) -> tuple[str, ...]:
    decoded = callbacks.decode(update.callback_query.data or "")
    return decoded.args if decoded else ()


async def _say(context: AftersalesContext, chat_id: int, template: str, lang: str, **values) -> None:
    await context.outbox.send_message(chat_id, context.render(template, lang, **values), parse_mode="HTML")


async def _stale(update: Update, context: AftersalesContext, lang: str, state: int) -> int:
    await answer_query(update.callback_query, context.render("common/stale_button.txt", lang), show_alert=True)
    return state


async def _pressed(update: Update, context: AftersalesContext, lang: str) -> None:
    """A fitting button: answered, its message says what was chosen, no other question's buttons stand."""
    await answer_query(update.callback_query)
    await steps.close_choice(context, update.callback_query, lang)


async def _order(context: AftersalesContext) -> tuple[Order | None, Store | None]:
    order = await context.uow.orders.get(form(context).get("order_id") or 0)
    store = await context.uow.stores.get(order.store_id) if order is not None else None
    return order, store


async def _order_still_there(context: AftersalesContext, chat_id: int, lang: str) -> tuple[Order, Store] | None:
    """The form's order and its store; None, with the buyer told, when the order is gone meanwhile."""
    order, store = await _order(context)
    if order is None or store is None:
        await _say(context, chat_id, "flows/request_refused.html", lang, why="order_gone")
        return None
    return order, store


def _file(value: list | None) -> IncomingFile | None:
    return IncomingFile(AttachmentKind(value[0]), value[1], value[2]) if value else None


def _stored(file: IncomingFile) -> list:
    return [str(file.kind), file.file_id, file.file_unique_id]  # JSON-friendly: the draft may be stored


# --- which step comes next ---------------------------------------------------------------------


def next_step(current: dict) -> FormStep:
    """The first step whose answer is missing (or no longer fits an answer changed since)."""
    kind = current.get("type")
    if kind is None:
        return FormStep.CHOOSE_TYPE
    if not current.get("items") or current.get("picking_items"):
        return FormStep.CHOOSE_ITEMS
    if current.get("description") is None:
        return FormStep.DESCRIBE
    if current.get("delivered_on") is None and not current.get("not_delivered"):
        return FormStep.DELIVERY_DATE
    if not current.get("not_delivered") and current.get("screenshot") is None:
        return FormStep.SHIPPING_SCREENSHOT
    if not current.get("fault_done") or (evidence_required(kind) and not current.get("fault")):
        return FormStep.FAULT_MEDIA
    if current.get("barcode") is None and not current.get("no_barcode"):
        return FormStep.BARCODE
    if current.get("resolution") not in [str(r) for r in resolutions_for(kind)]:
        return FormStep.RESOLUTION
    return FormStep.SUMMARY


async def ask_next(context: AftersalesContext, chat_id: int, lang: str) -> int:
    step = next_step(form(context))
    ask = {
        FormStep.CHOOSE_TYPE: ask_type,
        FormStep.CHOOSE_ITEMS: ask_items,
        FormStep.DESCRIBE: ask_description,
        FormStep.DELIVERY_DATE: ask_delivery_date,
        FormStep.SHIPPING_SCREENSHOT: ask_shipping_screenshot,
        FormStep.FAULT_MEDIA: ask_fault_media,
        FormStep.BARCODE: ask_barcode,
        FormStep.RESOLUTION: ask_resolution,
        FormStep.SUMMARY: show_summary,
    }[step]
    return await ask(context, chat_id, lang)


# --- start and type ----------------------------------------------------------------------------


async def begin(update: Update, context: AftersalesContext) -> int:
    """The reason button on the order's menu: check the order still fits, then ask the type."""
    query = update.callback_query
    lang = await views.buyer_language(update, context)
    previous = context.chat_data.get(steps.DRAFT_KEY)
    if isinstance(previous, dict) and previous.get("form") == "request":
        await steps.drop_buttons(context, previous)  # this form again: it starts afresh
    decoded, order = await views.order_of_button(context, query)
    if decoded is None or decoded.action != REASON.value or order is None:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return ConversationHandler.END
    verdict = views.reason_verdict(order, REASON.value)
    if not verdict.allowed:
        await views.refuse_reason(context, query, order, REASON.value, verdict.why, lang, on_card=True)
        return ConversationHandler.END
    await answer_query(query)
    await end_other_flows(update, context, keep=NAME)
    context.chat_data[steps.DRAFT_KEY] = {
        "form": "request",
        "reason": REASON.value,
        "order_id": order.id,
        "fault": [],
        "locale": str(_babel_locale(update, lang)),  # how the buyer writes dates, for the example and for reading one
    }
    await _say(context, query.message.chat.id, "flows/request_intro.html", lang, order=order)
    return await ask_type(context, query.message.chat.id, lang)


async def ask_type(context: AftersalesContext, chat_id: int, lang: str) -> int:
    rows = [
        [_button(context, lang, "flows/request_type_name.txt", "type", kind, type=kind.value)] for kind in RequestType
    ]
    await steps.ask_with_buttons(
        context, chat_id, context.render("flows/request_ask_type.html", lang), InlineKeyboardMarkup(rows)
    )
    return FormStep.CHOOSE_TYPE


async def choose_type(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    args = _args(update)
    if not args or args[0] not in [kind.value for kind in RequestType]:
        return await _stale(update, context, lang, FormStep.CHOOSE_TYPE)
    await _pressed(update, context, lang)
    form(context)["type"] = args[0]
    return await ask_next(context, update.effective_chat.id, lang)


# --- items and quantities ----------------------------------------------------------------------


async def ask_items(context: AftersalesContext, chat_id: int, lang: str) -> int:
    current = form(context)
    found = await _order_still_there(context, chat_id, lang)
    if found is None:
        return ConversationHandler.END
    order, _store = found
    chosen = {item_id for item_id, _qty in current.get("items", [])}
    current["picking_items"] = True
    rows = [
        [
            _button(
                context,
                lang,
                "flows/request_item_button.txt",
                "item",
                item.id,
                title=item.title,
                quantity=item.quantity,
            )
        ]
        for item in order.items
        if item.id not in chosen
    ]
    if chosen:
        rows.append([_button(context, lang, "flows/request_button_items_done.txt", "items_done")])
    await steps.ask_with_buttons(
        context,
        chat_id,
        context.render("flows/request_ask_items.html", lang, more=bool(chosen)),
        InlineKeyboardMarkup(rows),
    )
    return FormStep.CHOOSE_ITEMS


async def choose_item(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    current = form(context)
    order, _store = await _order(context)
    args = _args(update)
    item = next((i for i in order.items if args and str(i.id) == args[0]), None) if order else None
    if item is None or item.id in {item_id for item_id, _qty in current.get("items", [])}:
        return await _stale(update, context, lang, FormStep.CHOOSE_ITEMS)
    await _pressed(update, context, lang)
    if item.quantity <= 1:
        return await _add_item(context, update.effective_chat.id, lang, item.id, 1)
    current["pending_item"] = item.id
    buttons = [
        _button(context, lang, "flows/request_quantity_button.txt", "qty", n, quantity=n)
        for n in range(1, min(item.quantity, MAX_QUANTITY_BUTTONS) + 1)
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    await steps.ask_with_buttons(
        context,
        update.effective_chat.id,
        context.render("flows/request_ask_quantity.html", lang, title=item.title, quantity=item.quantity),
        InlineKeyboardMarkup(rows),
    )
    return FormStep.CHOOSE_QUANTITY


async def choose_quantity(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    args = _args(update)
    if not args or not args[0].isdigit():
        return await _stale(update, context, lang, FormStep.CHOOSE_QUANTITY)
    await _pressed(update, context, lang)
    return await _take_quantity(context, update.effective_chat.id, lang, int(args[0]))


async def type_quantity(update: Update, context: AftersalesContext) -> int:
    """A number typed where the quantity buttons stop (more than ten ordered)."""
    lang = await views.buyer_language(update, context)
    text = (update.effective_message.text or "").strip()
    if not text.isdigit():
        await _say(context, update.effective_chat.id, "flows/request_want_quantity.html", lang)
        return FormStep.CHOOSE_QUANTITY
    return await _take_quantity(context, update.effective_chat.id, lang, int(text))


async def _take_quantity(context: AftersalesContext, chat_id: int, lang: str, quantity: int) -> int:
    current = form(context)
    order, _store = await _order(context)
    item = next((i for i in order.items if i.id == current.get("pending_item")), None) if order else None
    if item is None:
        return await ask_items(context, chat_id, lang)
    if not 1 <= quantity <= item.quantity:
        await _say(context, chat_id, "flows/request_want_quantity.html", lang, quantity=item.quantity)
        return FormStep.CHOOSE_QUANTITY
    return await _add_item(context, chat_id, lang, item.id, quantity)


async def _add_item(context: AftersalesContext, chat_id: int, lang: str, item_id: int, quantity: int) -> int:
    current = form(context)
    current.pop("pending_item", None)
    current.setdefault("items", []).append([item_id, quantity])
    order, _store = await _order(context)
    chosen = {i for i, _q in current["items"]}
    if order is not None and any(item.id not in chosen for item in order.items):
        return await ask_items(context, chat_id, lang)  # more lines: another one, or "that's all"
    current.pop("picking_items", None)
    return await ask_next(context, chat_id, lang)


async def items_done(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    current = form(context)
    if not current.get("items"):
        return await _stale(update, context, lang, FormStep.CHOOSE_ITEMS)
    await _pressed(update, context, lang)
    current.pop("picking_items", None)
    return await ask_next(context, update.effective_chat.id, lang)


# --- description -------------------------------------------------------------------------------


async def ask_description(context: AftersalesContext, chat_id: int, lang: str) -> int:
    await _say(context, chat_id, "flows/request_ask_description.html", lang, type=form(context)["type"])
    return FormStep.DESCRIBE


async def take_description(update: Update, context: AftersalesContext) -> int:
    message = update.effective_message
    lang = await views.buyer_language(update, context)
    if steps.rest_of_a_long_text(context, message):
        return FormStep.DESCRIBE
    text = (message.text or "").strip()
    verdict = check_description(text)
    if not verdict.allowed:
        if verdict.why == "description_too_long":
            form(context)["too_long"] = [message.message_id, int(message.date.timestamp())]  # see rest_of_a_long_text
        await _say(
            context,
            message.chat.id,
            "flows/request_description_invalid.html",
            lang,
            why=verdict.why,
            type=form(context)["type"],
            length=len(text),
        )
        return FormStep.DESCRIBE
    form(context)["description"] = text
    return await ask_next(context, message.chat.id, lang)


# --- delivery date -----------------------------------------------------------------------------


def _babel_locale(update: Update, lang: str) -> Locale:
    """The buyer's usual date format: their Telegram app's locale ("en-GB", "de"), else the bot's language."""
    for tag in (getattr(update.effective_user, "language_code", None), lang):
        if tag:
            try:
                return Locale.parse(tag.replace("-", "_"))
            except (ValueError, UnknownLocaleError):
                continue
    return Locale.parse("en")


_NUMBERS = re.compile(r"\d+")


def read_date(text: str, locale: Locale, today: date) -> date | None:
    """A typed date in the locale's order ("03.12.2026", "12/03/2026", "2026-12-03"); without a year, this year's."""
    text = text.strip()
    numbers = _NUMBERS.findall(text)
    if not 2 <= len(numbers) <= 3 or len(text) > 20:
        return None
    if len(numbers) == 2:  # day and month only: Babel needs the year, in the place the locale writes it
        pattern = get_date_format("short", locale=locale).pattern.lower()
        text = f"{today.year}/{text}" if pattern.startswith("y") else f"{text}/{today.year}"
    try:
        parsed = parse_date(text, locale=locale, format="short")
    except (ValueError, IndexError):
        return None
    return parsed if parsed.year >= 1900 else None


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


async def ask_delivery_date(context: AftersalesContext, chat_id: int, lang: str) -> int:
    found = await _order_still_there(context, chat_id, lang)
    if found is None:
        return ConversationHandler.END
    order, store = found
    today = store_today(context.deps.clock.now(), store.timezone)
    earliest = earliest_delivery(order.placed_at, store.timezone)
    fits = [today - timedelta(days=n) for n in (0, 1, *DAYS_BACK)]
    fits = [day for day in fits if earliest is None or day >= earliest]

    def day_button(day: date) -> InlineKeyboardButton:
        which = "today" if day == today else "yesterday" if day == today - timedelta(days=1) else "date"
        label = format_date(day, "EEE d MMM" if lang == "en" else "M月d日 EEE", locale=lang)
        return _button(context, lang, "flows/request_day_button.txt", "day", _day(day), which=which, day=label)

    rows = [[day_button(day) for day in fits[:2]]]
    rows += [[day_button(day) for day in fits[2:][i : i + 3]] for i in range(0, len(fits[2:]), 3)]
    rows.append([_button(context, lang, "flows/request_button_not_delivered.txt", "nodel")])
    example = format_date(today - timedelta(days=3), "short", locale=form(context).get("locale") or lang)
    await steps.ask_with_buttons(
        context,
        chat_id,
        context.render("flows/request_ask_delivery.html", lang, example=example),
        InlineKeyboardMarkup([row for row in rows if row]),
    )
    return FormStep.DELIVERY_DATE


async def _take_delivery(
    context: AftersalesContext, chat_id: int, lang: str, day: date | None, example: str, *, pressed: bool
) -> int:
    found = await _order_still_there(context, chat_id, lang)
    if found is None:
        return ConversationHandler.END
    order, store = found
    today = store_today(context.deps.clock.now(), store.timezone)
    earliest = earliest_delivery(order.placed_at, store.timezone)
    if day is None:
        why = "unreadable"
    else:
        verdict = check_delivery(day, False, today=today, earliest=earliest)
        why = None if verdict.allowed else verdict.why
    if why is not None:
        await _say(
            context,
            chat_id,
            "flows/request_delivery_invalid.html",
            lang,
            why=why,
            example=example,
            earliest=format_date(earliest, "medium", locale=lang) if earliest else None,
        )
        if pressed:  # the pressed question lost its buttons: ask it again
            return await ask_delivery_date(context, chat_id, lang)
        return FormStep.DELIVERY_DATE
    current = form(context)
    await steps.drop_buttons(context, current)
    current["delivered_on"], current["not_delivered"] = day.isoformat(), False
    return await ask_next(context, chat_id, lang)


async def choose_day(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    args = _args(update)
    try:
        day = datetime.strptime(args[0], "%Y%m%d").date() if args else None
    except ValueError:
        day = None
    if day is None:
        return await _stale(update, context, lang, FormStep.DELIVERY_DATE)
    await _pressed(update, context, lang)
    example = format_date(day - timedelta(days=1), "short", locale=form(context).get("locale") or lang)
    return await _take_delivery(context, update.effective_chat.id, lang, day, example, pressed=True)


async def type_day(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    _order_row, store = await _order(context)
    locale = Locale.parse(form(context).get("locale") or lang)
    today = store_today(context.deps.clock.now(), store.timezone) if store else context.deps.clock.now().date()
    day = read_date(update.effective_message.text or "", locale, today)
    example = format_date(today - timedelta(days=3), "short", locale=locale)
    return await _take_delivery(context, update.effective_chat.id, lang, day, example, pressed=False)


async def not_delivered(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    await _pressed(update, context, lang)
    current = form(context)
    current["delivered_on"], current["not_delivered"], current["screenshot"] = None, True, None
    return await ask_next(context, update.effective_chat.id, lang)


async def want_delivery(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    await _say(context, update.effective_chat.id, "flows/request_want_delivery.html", lang)
    return FormStep.DELIVERY_DATE


# --- files: shipping screenshot, fault photos, barcode -----------------------------------------


async def ask_shipping_screenshot(context: AftersalesContext, chat_id: int, lang: str) -> int:
    await steps.drop_buttons(context, form(context))
    await _say(context, chat_id, "flows/request_ask_screenshot.html", lang)
    return FormStep.SHIPPING_SCREENSHOT


def _one_picture(update: Update) -> IncomingFile | None:
    files = incoming_files(update.effective_message)
    return files[0] if len(files) == 1 and files[0].kind in PICTURE_KINDS else None


async def take_shipping_screenshot(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    picture = _one_picture(update)
    if picture is None:
        await _say(context, update.effective_chat.id, "flows/request_want_picture.html", lang, what="screenshot")
        return FormStep.SHIPPING_SCREENSHOT
    form(context)["screenshot"] = _stored(picture)
    return await ask_next(context, update.effective_chat.id, lang)


def _done_keyboard(context: AftersalesContext, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(context, lang, "flows/button_done.txt", "fault_done")]])


async def ask_fault_media(context: AftersalesContext, chat_id: int, lang: str) -> int:
    current = form(context)
    current["fault"], current["fault_done"] = [], False  # asked again after "change": the new set replaces the old
    await steps.ask_with_buttons(
        context,
        chat_id,
        context.render(
            "flows/request_ask_fault.html", lang, required=evidence_required(current["type"]), max_files=MAX_FAULT_FILES
        ),
        _done_keyboard(context, lang),
    )
    return FormStep.FAULT_MEDIA


async def take_fault_media(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    chat_id = update.effective_chat.id
    files = [f for f in incoming_files(update.effective_message) if f.kind in FAULT_KINDS]
    if not files:
        await _say(context, chat_id, "flows/request_want_fault.html", lang, why="kind")
        return FormStep.FAULT_MEDIA
    stored = form(context).setdefault("fault", [])
    if len(stored) + len(files) > MAX_FAULT_FILES:
        await _say(context, chat_id, "flows/too_many_files.html", lang, max_files=MAX_FAULT_FILES)
        return FormStep.FAULT_MEDIA
    stored.extend(_stored(f) for f in files)
    await steps.ask_with_buttons(
        context,
        chat_id,
        context.render("flows/media_received.html", lang, count=len(stored)),
        _done_keyboard(context, lang),
    )
    return FormStep.FAULT_MEDIA


async def fault_done(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    current = form(context)
    if evidence_required(current.get("type", "")) and not current.get("fault"):
        await answer_query(update.callback_query)
        await _say(context, update.effective_chat.id, "flows/request_want_fault.html", lang, why="missing")
        return FormStep.FAULT_MEDIA
    await _pressed(update, context, lang)
    current["fault_done"] = True
    return await ask_next(context, update.effective_chat.id, lang)


async def want_fault_media(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    await _say(context, update.effective_chat.id, "flows/request_want_fault.html", lang, why="kind")
    return FormStep.FAULT_MEDIA


async def ask_barcode(context: AftersalesContext, chat_id: int, lang: str) -> int:
    await steps.ask_with_buttons(
        context,
        chat_id,
        context.render("flows/request_ask_barcode.html", lang),
        InlineKeyboardMarkup([[_button(context, lang, "flows/request_button_no_barcode.txt", "nobar")]]),
    )
    return FormStep.BARCODE


async def take_barcode(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    picture = _one_picture(update)
    if picture is None:
        await _say(context, update.effective_chat.id, "flows/request_want_picture.html", lang, what="barcode")
        return FormStep.BARCODE
    current = form(context)
    await steps.drop_buttons(context, current)
    current["barcode"], current["no_barcode"] = _stored(picture), False
    return await ask_next(context, update.effective_chat.id, lang)


async def no_barcode(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    await _pressed(update, context, lang)
    current = form(context)
    current["barcode"], current["no_barcode"] = None, True
    await _say(context, update.effective_chat.id, "flows/request_no_barcode_warning.html", lang)
    return await ask_next(context, update.effective_chat.id, lang)


# --- resolution, summary, send -----------------------------------------------------------------


async def ask_resolution(context: AftersalesContext, chat_id: int, lang: str) -> int:
    kind = form(context)["type"]
    rows = [
        [_button(context, lang, "flows/request_resolution_name.txt", "res", wanted, resolution=wanted.value)]
        for wanted in resolutions_for(kind)
    ]
    await steps.ask_with_buttons(
        context,
        chat_id,
        context.render("flows/request_ask_resolution.html", lang, type=kind),
        InlineKeyboardMarkup(rows),
    )
    return FormStep.RESOLUTION


async def choose_resolution(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    args = _args(update)
    offered = [str(r) for r in resolutions_for(form(context).get("type", RequestType.DEFECTIVE))]
    if not args or args[0] not in offered:
        return await _stale(update, context, lang, FormStep.RESOLUTION)
    await _pressed(update, context, lang)
    form(context)["resolution"] = args[0]
    return await ask_next(context, update.effective_chat.id, lang)


async def show_summary(context: AftersalesContext, chat_id: int, lang: str) -> int:
    current = form(context)
    found = await _order_still_there(context, chat_id, lang)
    if found is None:
        return ConversationHandler.END
    order, _store = found
    titles = {item.id: item.title for item in order.items}
    delivered = date.fromisoformat(current["delivered_on"]) if current.get("delivered_on") else None
    text = context.render(
        "flows/request_summary.html",
        lang,
        order=order,
        type=current["type"],
        items=[(titles.get(item_id, "?"), quantity) for item_id, quantity in current["items"]],
        description=current["description"],
        delivered_on=format_date(delivered, "medium", locale=current.get("locale") or lang) if delivered else None,
        screenshot=current.get("screenshot") is not None,
        fault=len(current.get("fault") or []),
        barcode=current.get("barcode") is not None,
        resolution=current["resolution"],
    )
    fields = [f for f in FIELDS if f != "screenshot" or not current.get("not_delivered")]
    edits = [_button(context, lang, "flows/request_edit_button.txt", "edit", f, field=f) for f in fields]
    rows = [[_button(context, lang, "flows/button_send.txt", "send")]]
    rows += [edits[i : i + 2] for i in range(0, len(edits), 2)]
    rows.append([_button(context, lang, "flows/button_quit.txt", "quit")])
    await steps.ask_with_buttons(context, chat_id, text, InlineKeyboardMarkup(rows))
    return FormStep.SUMMARY


async def change_answer(update: Update, context: AftersalesContext) -> int:
    """One answer asked again; the others stay, and the form comes back to the summary."""
    lang = await views.buyer_language(update, context)
    args = _args(update)
    current = form(context)
    if not args or args[0] not in FIELDS or not current.get("resolution"):
        return await _stale(update, context, lang, FormStep.SUMMARY)
    await _pressed(update, context, lang)
    chat_id = update.effective_chat.id
    field = args[0]
    if field == "type":
        return await ask_type(context, chat_id, lang)
    if field == "items":
        current["items"] = []
        return await ask_items(context, chat_id, lang)
    if field == "description":
        return await ask_description(context, chat_id, lang)
    if field == "delivery":
        return await ask_delivery_date(context, chat_id, lang)
    if field == "screenshot":
        return await ask_shipping_screenshot(context, chat_id, lang)
    if field == "fault":
        return await ask_fault_media(context, chat_id, lang)
    if field == "barcode":
        return await ask_barcode(context, chat_id, lang)
    return await ask_resolution(context, chat_id, lang)


def request_draft(current: dict) -> RequestDraft:
    return RequestDraft(
        type=RequestType(current["type"]),
        items=tuple((int(item_id), int(quantity)) for item_id, quantity in current["items"]),
        description=current["description"],
        resolution=Resolution(current["resolution"]),
        delivered_on=date.fromisoformat(current["delivered_on"]) if current.get("delivered_on") else None,
        not_delivered=bool(current.get("not_delivered")),
        shipping_screenshot=_file(current.get("screenshot")),
        fault_files=tuple(_file(f) for f in current.get("fault") or []),
        barcode=_file(current.get("barcode")),
        no_barcode=bool(current.get("no_barcode")),
    )


async def send_request(update: Update, context: AftersalesContext) -> int:
    """Send: the domain checks the whole form again and opens the ticket with the request attached."""
    query = update.callback_query
    lang = await views.buyer_language(update, context)
    current = form(context)
    if not current.get("resolution") or next_step(current) != FormStep.SUMMARY:
        return await _stale(update, context, lang, FormStep.SUMMARY)
    await _pressed(update, context, lang)
    chat_id = query.message.chat.id
    try:
        submitted = await submit_request(
            context.uow, context.deps.clock, query.from_user.id, current["order_id"], request_draft(current)
        )
    except Refused as refusal:
        await _say(context, chat_id, "flows/request_refused.html", lang, why=refusal.why)
        return ConversationHandler.END
    context.chat_data.pop(steps.DRAFT_KEY, None)
    await announce_ticket(context, submitted.opened)
    desk = Desk.of(context)
    # The store's part is worded by the seller side; the buyer's is worded here (deliver_notices has no
    # buyer wording for request_submitted), so the buyer gets exactly one confirmation.
    await deliver_notices(desk, submitted.notices, to=("store",))
    for notice in submitted.notices:
        if notice.to == "buyer" and notice.kind == "request_submitted":
            await tell_buyer_submitted(context, chat_id, notice, lang)
    return ConversationHandler.END


async def tell_buyer_submitted(context: AftersalesContext, chat_id: int, notice: Notice, lang: str) -> None:
    """ "Request #N sent; the store answers by <due> (in 48 h)": the due time on the store's clock, with its zone."""
    data = notice.data
    store = await context.uow.stores.get(notice.store_id) if notice.store_id is not None else None
    due_at: datetime = data["seller_due_at"]
    hours = max(0, round((due_at - context.deps.clock.now()).total_seconds() / 3600))
    await _say(
        context,
        chat_id,
        "buyer/request_submitted.html",
        lang,
        number=data["number"],
        order_number=data["order_number"],
        type=data["type"],
        resolution=data["resolution_wanted"],
        store_name=store.name if store else "",
        due=local_time(due_at, store) if store else due_at,
        hours=hours,
    )


async def quit_form(update: Update, context: AftersalesContext) -> int:
    """/cancel or the Cancel button: leave the form, nothing is sent to the seller."""
    lang = await views.buyer_language(update, context)
    if update.callback_query is not None:
        await _pressed(update, context, lang)
    else:
        await steps.drop_buttons(context, context.chat_data.get(steps.DRAFT_KEY))
    context.chat_data.pop(steps.DRAFT_KEY, None)
    await _say(context, update.effective_chat.id, "flows/left.html", lang)
    return ConversationHandler.END


async def want_button(update: Update, context: AftersalesContext) -> None:
    """Words or a file where a button is wanted: the question stands (None keeps the step)."""
    lang = await views.buyer_language(update, context)
    await _say(context, update.effective_chat.id, "flows/request_want_button.html", lang)


async def want_text(update: Update, context: AftersalesContext) -> None:
    lang = await views.buyer_language(update, context)
    await _say(context, update.effective_chat.id, "flows/want_text.html", lang)


async def unknown_button(update: Update, context: AftersalesContext) -> None:
    """A button of this form that does not belong to the question asked now (an older message)."""
    lang = await views.buyer_language(update, context)
    await answer_query(update.callback_query, context.render("common/stale_button.txt", lang), show_alert=True)


def _press(action: str, callback) -> CallbackQueryHandler:
    return CallbackQueryHandler(callback, pattern=rf"^{PREFIX}:{action}(:|$)")


def build(*, leaving: Leaving, persistent: bool = False) -> ConversationHandler:
    words = filters.TEXT & ~filters.COMMAND
    media = filters.PHOTO | filters.VIDEO | filters.Document.ALL
    anything = ~filters.COMMAND
    buttons_only = [MessageHandler(anything, want_button)]
    with warnings.catch_warnings():
        # per_message=False on purpose: the form follows the buyer's chat, not one message's buttons.
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[CallbackQueryHandler(begin, pattern=rf"^{views.REASON_PREFIX}:{REASON.value}:")],
            states={
                FormStep.CHOOSE_TYPE: [_press("type", choose_type), *buttons_only],
                FormStep.CHOOSE_ITEMS: [_press("item", choose_item), _press("items_done", items_done), *buttons_only],
                FormStep.CHOOSE_QUANTITY: [
                    _press("qty", choose_quantity),
                    MessageHandler(words, type_quantity),
                    *buttons_only,
                ],
                FormStep.DESCRIBE: [MessageHandler(words, take_description), MessageHandler(anything, want_text)],
                FormStep.DELIVERY_DATE: [
                    _press("day", choose_day),
                    _press("nodel", not_delivered),
                    MessageHandler(words, type_day),
                    MessageHandler(anything, want_delivery),
                ],
                FormStep.SHIPPING_SCREENSHOT: [MessageHandler(anything, take_shipping_screenshot)],
                FormStep.FAULT_MEDIA: [
                    MessageHandler(media, take_fault_media),
                    _press("fault_done", fault_done),
                    MessageHandler(anything, want_fault_media),
                ],
                FormStep.BARCODE: [_press("nobar", no_barcode), MessageHandler(anything, take_barcode)],
                FormStep.RESOLUTION: [_press("res", choose_resolution), *buttons_only],
                FormStep.SUMMARY: [_press("send", send_request), _press("edit", change_answer), *buttons_only],
            },
            fallbacks=[
                CommandHandler("cancel", quit_form),
                _press("quit", quit_form),
                CallbackQueryHandler(unknown_button, pattern=callbacks.pattern(PREFIX)),
                *leaving_commands(leaving),
                MessageHandler(filters.COMMAND, other_command),
            ],
            name=NAME,
            allow_reentry=True,  # the reason button again starts the form afresh
            per_chat=True,
            per_user=True,
            persistent=persistent,
        )
    make_durable(NAME, steps.DRAFT_KEY, all_handlers(conversation))
    return conversation
