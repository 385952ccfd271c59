"""An after-sales request on the seller side: its card in the ticket's topic, the evidence album, the decision buttons.

The card is the ticket's header card with the request added (what, which items,
what it is worth, the evidence given, what is wanted, until when the store may
answer); the buttons are the actions `request_view` says the store may take now,
so no business rule lives in the keyboard. After each decision the card is
edited in place: its status and the buttons that remain.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton

from bot import callbacks
from bot.relay.desk import Desk
from domain.enums import AttachmentKind
from domain.models import Ticket
from domain.results import Viewer
from domain.services.refusals import Forbidden
from domain.services.request_rules import reject_reasons
from domain.services.requests import RequestView, request_view

PREFIX = "rq"  # callback data: rq:<action>:<request id>[:<argument>]
ALBUM_KINDS = frozenset({AttachmentKind.PHOTO, AttachmentKind.VIDEO})  # what sendMediaGroup mixes in one album
MAX_ALBUM = 10  # Telegram's limit of files in one media group
TIMELINE = "tl"  # rq:tl:<request id>: post the request's timeline in the topic


async def store_view(desk: Desk, ticket: Ticket) -> RequestView | None:
    """The ticket's request as its store's agents see it (the same for each of them); None without one."""
    request = await desk.uow.requests.by_ticket(ticket.id)
    if request is None:
        return None
    for user in await desk.uow.stores.agent_users(ticket.store_id):
        try:
            return await request_view(desk.uow, request.id, Viewer("agent", user.telegram_id), now=desk.clock.now())
        except Forbidden:
            continue
    return None  # a store without agents: nobody to show buttons to


def hours_left(desk: Desk, view: RequestView) -> tuple[Any, int | None]:
    """The next due time on the store's clock, and the hours until it ("in 47 h"), rounded up."""
    due = next((d for d in view.due if d.due_at is not None), None)
    if due is None:
        return None, None
    seconds = (due.due_at - desk.clock.now()).total_seconds()
    return due, max(0, math.ceil(seconds / 3600))


async def request_part(desk: Desk, ticket: Ticket, view: RequestView, lang: str, local_time) -> str:
    """The request's lines of the card; `local_time(at, store)` puts a due time on the store's clock."""
    store = await desk.uow.stores.get(ticket.store_id)
    due, hours = hours_left(desk, view)
    pending = next((o for o in view.offers if str(o.status) == "pending"), None)
    due_at = due.due_at if due else None
    if due and due.kind == "reshipment_ship_by":  # the end of a working day: its last minute, not the next midnight
        due_at -= timedelta(seconds=1)
    return desk.render(
        "seller/request_card.html",
        lang,
        view=view,
        purposes=sorted({str(f.purpose) for f in view.evidence if f.side == "buyer"}),
        seller_files=sum(1 for f in view.evidence if f.side == "seller"),
        due_kind=due.kind if due else None,
        due_at=local_time(due_at, store) if due_at and store else None,
        hours=hours,
        offer=pending,
        reshipment=view.reshipment,
    )


def _button(desk: Desk, lang: str, what: str, data: str, **values: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(desk.render("seller/request_button.txt", lang, what=what, **values), callback_data=data)


def decision_rows(desk: Desk, lang: str, view: RequestView) -> list[list[InlineKeyboardButton]]:
    """The card's decision buttons: those of `view.actions`, in a fixed order."""
    rid, actions = view.request_id, view.actions
    first = [
        _button(desk, lang, action, callbacks.encode(PREFIX, code, rid))
        for action, code in (("approve", "ok"), ("reject", "rj"))
        if action in actions
    ]
    second = [
        _button(desk, lang, action, callbacks.encode(PREFIX, code, rid))
        for action, code in (("refund_only", "ro"), ("partial_refund", "pr"))
        if action in actions
    ]
    rows = [row for row in (first, second) if row]
    pending = next((o for o in view.offers if str(o.status) == "pending"), None)
    if "withdraw_offer" in actions and pending is not None:
        rows.append([_button(desk, lang, "withdraw_offer", callbacks.encode(PREFIX, "wd", rid, pending.offer_id))])
    if "mark_reshipped" in actions:
        rows.append([_button(desk, lang, "mark_reshipped", callbacks.encode(PREFIX, "rs", rid))])
    rows.append([_button(desk, lang, "timeline", callbacks.encode(PREFIX, TIMELINE, rid))])  # whatever the status
    return rows


def reason_rows(desk: Desk, lang: str, view: RequestView) -> list[list[InlineKeyboardButton]]:
    """Reject: one button per reason the request's type allows, then back to the decisions."""
    rows = [
        [_button(desk, lang, "reason", callbacks.encode(PREFIX, "rr", view.request_id, reason.value), reason=reason)]
        for reason in reject_reasons(view.type, barcode_given=view.barcode_given)
    ]
    rows.append([_button(desk, lang, "back", callbacks.encode(PREFIX, "bk", view.request_id))])
    return rows


def amount_rows(desk: Desk, lang: str, view: RequestView) -> list[list[InlineKeyboardButton]]:
    """Partial refund: the suggested amounts, typing one, and back."""
    rid = view.request_id
    rows = [
        [
            _button(desk, lang, "amount", callbacks.encode(PREFIX, "pa", rid, amount), amount=amount, view=view)
            for amount in view.suggested_refunds
        ]
    ]
    rows.append([_button(desk, lang, "type_amount", callbacks.encode(PREFIX, "pt", rid))])
    rows.append([_button(desk, lang, "back", callbacks.encode(PREFIX, "bk", rid))])
    return [row for row in rows if row]


async def send_evidence(
    desk: Desk, ticket: Ticket, chat_id: int, thread_id: int | None, lang: str, *, after, side: str = "buyer"
):
    """One side's evidence under `after`: photos and videos as albums, other files one by one; the last row sent."""
    view = await store_view(desk, ticket)
    if view is None:
        return after
    files = [f for f in view.evidence if f.side == side]
    where = {"chat_id": chat_id, "message_thread_id": thread_id}
    media = [f for f in files if f.kind in ALBUM_KINDS]
    for start in range(0, len(media), MAX_ALBUM):
        chunk = media[start : start + MAX_ALBUM]
        items = [
            {
                "type": str(f.kind),
                "media": f.file_id,
                "caption": desk.render(
                    "seller/request_file.txt", lang, purpose=str(f.purpose), number=view.ticket_number
                ),
            }
            for f in chunk
        ]
        if len(items) == 1:  # an album has 2-10 files
            item = items[0]
            after = await desk.outbox.call(
                "sendPhoto" if item["type"] == "photo" else "sendVideo",
                {**where, item["type"]: item["media"], "caption": item["caption"]},
                after=after,
            )
        else:
            after = await desk.outbox.call("sendMediaGroup", {**where, "media": items}, after=after)
    for f in files:
        if f.kind not in ALBUM_KINDS:
            caption = desk.render("seller/request_file.txt", lang, purpose=str(f.purpose), number=view.ticket_number)
            after = await desk.outbox.call(
                "sendDocument", {**where, "document": f.file_id, "caption": caption}, after=after
            )
    return after
