"""A change request or a cancellation on the seller side: its lines on the ticket's card and its decision buttons.

As with after-sales requests (`request_cards`), the buttons are the actions the
domain's view says may be taken now (`change_view`, `cancellation_view`), so no
business rule lives in the keyboard. `topics.card_text` and `card_markup` add
these to the ticket's card in the topic and in agents' private chats.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot import callbacks
from bot.relay.desk import Desk
from domain.models import Ticket
from domain.services.cancellations import CancellationView, cancellation_of_ticket, cancellation_view
from domain.services.order_changes import ChangeView, change_of_ticket, change_view

PREFIX = "chg"  # callback data: chg:<action>:<change or cancellation id>[:<order item id>]
CHANGE_CODES = {"apply": "ap", "decline": "dc"}  # chg:it:<change id>:<item id> picks the item, chg:bk goes back
CANCEL_CODES = {"approve": "ca", "reject": "cr", "intercepted": "ci", "interception_failed": "cf"}


async def views_of(desk: Desk, ticket: Ticket) -> tuple[ChangeView | None, CancellationView | None]:
    change = await change_of_ticket(desk.uow, ticket.id)
    if change is not None:
        return await change_view(desk.uow, change.id), None
    cancellation = await cancellation_of_ticket(desk.uow, ticket.id)
    if cancellation is not None:
        return None, await cancellation_view(desk.uow, cancellation.id)
    return None, None


async def card_part(desk: Desk, ticket: Ticket, lang: str) -> str | None:
    """The change's or cancellation's lines of the card; None for a ticket with neither."""
    change, cancellation = await views_of(desk, ticket)
    if change is None and cancellation is None:
        return None
    return desk.render("seller/change_card.html", lang, change=change, cancellation=cancellation).strip()


def _button(desk: Desk, lang: str, what: str, data: str, **values: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(desk.render("seller/change_button.txt", lang, what=what, **values), callback_data=data)


async def decision_rows(desk: Desk, ticket: Ticket, lang: str) -> list[list[InlineKeyboardButton]]:
    change, cancellation = await views_of(desk, ticket)
    if change is not None:
        codes, subject_id, actions = CHANGE_CODES, change.change_id, change.actions
    elif cancellation is not None:
        codes, subject_id, actions = CANCEL_CODES, cancellation.cancellation_id, cancellation.actions
    else:
        return []
    row = [
        _button(desk, lang, action, callbacks.encode(PREFIX, code, subject_id))
        for action, code in codes.items()
        if action in actions
    ]
    return [row] if row else []


def item_rows(desk: Desk, lang: str, view: ChangeView) -> list[list[InlineKeyboardButton]]:
    """Apply on an order of several items: which one, then back to the decisions."""
    rows = [
        [
            _button(
                desk,
                lang,
                "item",
                callbacks.encode(PREFIX, "it", view.change_id, item_id),
                title=title,
                quantity=quantity,
            )
        ]
        for item_id, title, quantity in view.items
    ]
    rows.append([_button(desk, lang, "back", callbacks.encode(PREFIX, "bk", view.change_id))])
    return rows
