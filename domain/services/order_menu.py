"""What an order's menu offers the buyer, and the short lines that say what no longer (or not yet) applies.

docs/business-rules.md (#orders-and-statuses, #ticket-reasons, #cancellations,
#after-sales-requests) as data: per order status, the reasons that do not
apply with the stable code of why (the same codes `Refused.why` carries), and
the lines the card shows instead of buttons that would only lead to a refusal.
A pure function of the status and the destination, so the buyer's card, a
button pressed on an old card and `open_ticket` (through
`ticket_rules.reason_allowed`) always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from domain.enums import ORDER_CHANGE_REASONS, OrderStatus, TicketReason
from domain.results import Verdict

S, R = OrderStatus, TicketReason

# What a line is about: the order changes (reasons 1-3), cancelling, what comes after delivery
# (an after-sales request, a return), or the whole order (a cancelled one).
LineTopic = Literal["changes", "cancel", "after_delivery", "order"]


@dataclass(frozen=True)
class MenuLine:
    """One line on the card: `topic` and the stable `why` the bot words (e.g. changes, already_shipped)."""

    topic: LineTopic
    why: str


def _changes(why: str) -> dict[TicketReason, str]:
    return dict.fromkeys(sorted(ORDER_CHANGE_REASONS), why)


_ON_THE_WAY_REFUSED = {
    **_changes("already_shipped"),
    R.AFTER_SALES: "not_delivered_yet",
    R.RETURN_REFUND: "not_delivered_yet",
}

# Per status, the reasons that do not apply and why; every reason not listed is offered.
NOT_OFFERED: dict[OrderStatus, dict[TicketReason, str]] = {
    # Nothing can be faulty before it leaves; a return is a cancellation while it has not shipped.
    S.CONFIRMED: {R.AFTER_SALES: "not_shipped_yet", R.RETURN_REFUND: "cancel_instead"},
    S.SHIPPED: _ON_THE_WAY_REFUSED,
    S.IN_TRANSIT: _ON_THE_WAY_REFUSED,
    # Delivered: a cancellation is a return instead; the status answer gives the delivery date and
    # tracking, so "delivery estimate" has nothing more to say.
    S.DELIVERED: {
        **_changes("already_delivered"),
        R.CANCEL_ORDER: "already_delivered",
        R.SHIPPING_ETA: "already_delivered",
    },
    # Closed: its status can still be asked, and the seller can always be written to.
    S.CANCELLED: {reason: "order_cancelled" for reason in R if reason not in (R.ORDER_STATUS, R.CONTACT_SELLER)},
}

# Per status, the lines the card shows: whether changes are still possible (told up front, docs/business-rules.md#ticket-reasons),
# and one line for each group of reasons that is not offered, in the menu's order.
LINES: dict[OrderStatus, tuple[MenuLine, ...]] = {
    S.CONFIRMED: (MenuLine("changes", "possible"), MenuLine("after_delivery", "not_delivered_yet")),
    S.SHIPPED: (MenuLine("changes", "already_shipped"), MenuLine("after_delivery", "not_delivered_yet")),
    S.IN_TRANSIT: (MenuLine("changes", "already_shipped"), MenuLine("after_delivery", "not_delivered_yet")),
    S.DELIVERED: (MenuLine("changes", "already_delivered"), MenuLine("cancel", "already_delivered")),
    S.CANCELLED: (MenuLine("order", "order_cancelled"),),
}

# An international parcel on its way cannot be intercepted: cancelling it is not refunded, which the
# buyer is told before submitting (docs/business-rules.md#cancellations), on the card already.
INTERNATIONAL_ON_THE_WAY = MenuLine("cancel", "international_in_transit")


@dataclass(frozen=True)
class OrderMenu:
    status: OrderStatus
    offered: tuple[TicketReason, ...]  # the buttons, in TicketReason's order (docs/business-rules.md#ticket-reasons)
    not_offered: tuple[tuple[TicketReason, str], ...]  # (reason, why) for every other reason
    lines: tuple[MenuLine, ...]

    def verdict(self, reason: TicketReason | str) -> Verdict:
        """Whether a ticket for `reason` fits the order now; the why is a stable code."""
        why = dict(self.not_offered).get(TicketReason(reason))
        return Verdict(why is None, why)


def order_menu(status: OrderStatus | str, *, international: bool) -> OrderMenu:
    """The menu of an order in `status`; `international` adds the warning that cancelling is not refunded."""
    status = OrderStatus(status)
    refused = NOT_OFFERED[status]
    lines = LINES[status]
    if international and status in (S.SHIPPED, S.IN_TRANSIT):
        lines = (*lines, INTERNATIONAL_ON_THE_WAY)
    return OrderMenu(
        status=status,
        offered=tuple(reason for reason in R if reason not in refused),
        not_offered=tuple((reason, refused[reason]) for reason in R if reason in refused),
        lines=lines,
    )
