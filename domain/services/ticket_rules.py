"""What a buyer may ask about an order in its current state (docs/business-rules.md#ticket-reasons and #cancellations).

Pure functions of the order, so the bot can tell the buyer up front, before
any ticket exists, and `open_ticket` enforces the very same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from domain.enums import ORDER_CHANGE_REASONS, OrderStatus, TicketPriority, TicketReason
from domain.models import Order
from domain.results import Verdict
from domain.services.order_menu import order_menu

_NOT_SHIPPED = frozenset({OrderStatus.CONFIRMED})
_ON_THE_WAY = frozenset({OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT})


def change_allowed(order: Order) -> Verdict:
    """Reasons 1-3 (remove a product, size/colour, address): only before shipment."""
    status = OrderStatus(order.status)
    if status in _NOT_SHIPPED:
        return Verdict(True)
    if status == OrderStatus.CANCELLED:
        return Verdict(False, "order_cancelled")
    if status == OrderStatus.DELIVERED:
        return Verdict(False, "already_delivered")
    return Verdict(False, "already_shipped")


CancelPath = Literal["seller_decides", "interception", "not_refundable", "return_instead", "closed"]


@dataclass(frozen=True)
class CancelOptions:
    """How a cancellation of this order would go, told to the buyer before they submit.

    `can_submit` False means the buyer is pointed elsewhere (a return, nothing);
    `refundable` is None when it depends on the outcome (an interception).
    """

    path: CancelPath
    can_submit: bool
    refundable: bool | None
    why: str | None = None


def cancel_options(order: Order) -> CancelOptions:
    status = OrderStatus(order.status)
    if status in _NOT_SHIPPED:
        return CancelOptions("seller_decides", can_submit=True, refundable=True)
    if status in _ON_THE_WAY:
        if order.international:
            # Told before submitting: it cannot be intercepted and will not be refunded.
            return CancelOptions("not_refundable", can_submit=True, refundable=False, why="international_in_transit")
        return CancelOptions("interception", can_submit=True, refundable=None, why="refunded_if_intercepted")
    if status == OrderStatus.DELIVERED:
        return CancelOptions("return_instead", can_submit=False, refundable=None, why="already_delivered")
    return CancelOptions("closed", can_submit=False, refundable=False, why="order_cancelled")


def reason_allowed(order: Order, reason: TicketReason) -> Verdict:
    """Whether a ticket for `reason` may be opened on the order now; the why is a stable code.

    The order's menu decides (`order_menu`), so what the card offers and what is accepted are one rule.
    """
    return order_menu(order.status, international=order.international).verdict(reason)


def priority_for(order: Order | None, reason: TicketReason) -> TicketPriority:
    """Quality complaints need verification first; changes and cancellations race the shipment."""
    if reason == TicketReason.AFTER_SALES:
        return TicketPriority.QUALITY_VERIFICATION
    not_shipped = order is not None and OrderStatus(order.status) in _NOT_SHIPPED
    if not_shipped and (reason in ORDER_CHANGE_REASONS or reason == TicketReason.CANCEL_ORDER):
        return TicketPriority.URGENT_CLARIFICATION
    return TicketPriority.NORMAL
