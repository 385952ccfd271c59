"""The order menu: which reasons each order status offers, and the lines that replace the others."""

from __future__ import annotations

import pytest

from domain.enums import ORDER_CHANGE_REASONS, OrderStatus, TicketReason
from domain.models import Order
from domain.services.order_menu import MenuLine, order_menu
from domain.services.ticket_rules import reason_allowed

S, R = OrderStatus, TicketReason
CHANGES = (R.REMOVE_PRODUCT, R.CHANGE_SIZE_COLOUR, R.CHANGE_ADDRESS)

OFFERED = {
    S.CONFIRMED: (*CHANGES, R.ORDER_STATUS, R.SHIPPING_ETA, R.CANCEL_ORDER, R.CONTACT_SELLER),
    S.SHIPPED: (R.ORDER_STATUS, R.SHIPPING_ETA, R.CANCEL_ORDER, R.CONTACT_SELLER),
    S.IN_TRANSIT: (R.ORDER_STATUS, R.SHIPPING_ETA, R.CANCEL_ORDER, R.CONTACT_SELLER),
    S.DELIVERED: (R.ORDER_STATUS, R.AFTER_SALES, R.RETURN_REFUND, R.CONTACT_SELLER),
    S.CANCELLED: (R.ORDER_STATUS, R.CONTACT_SELLER),
}

# Which reasons a line stands for, when it says they are not offered.
TOPIC_REASONS = {
    "changes": set(ORDER_CHANGE_REASONS),
    "cancel": {R.CANCEL_ORDER},
    "after_delivery": {R.AFTER_SALES, R.RETURN_REFUND},
    "order": set(R),
}


@pytest.mark.parametrize("international", [False, True])
@pytest.mark.parametrize("status", list(S))
def test_each_status_offers_exactly_its_reasons_in_the_products_order(status, international) -> None:
    menu = order_menu(status, international=international)
    assert menu.offered == OFFERED[status]
    assert {reason for reason, _ in menu.not_offered} == set(R) - set(OFFERED[status])
    assert R.CONTACT_SELLER in menu.offered and R.ORDER_STATUS in menu.offered  # never taken away


@pytest.mark.parametrize(
    ("status", "lines"),
    [
        (S.CONFIRMED, [("changes", "possible"), ("after_delivery", "not_delivered_yet")]),
        (S.SHIPPED, [("changes", "already_shipped"), ("after_delivery", "not_delivered_yet")]),
        (S.IN_TRANSIT, [("changes", "already_shipped"), ("after_delivery", "not_delivered_yet")]),
        (S.DELIVERED, [("changes", "already_delivered"), ("cancel", "already_delivered")]),
        (S.CANCELLED, [("order", "order_cancelled")]),
    ],
)
def test_the_lines_say_why_up_front(status, lines) -> None:
    assert order_menu(status, international=False).lines == tuple(MenuLine(*line) for line in lines)


@pytest.mark.parametrize("status", [S.SHIPPED, S.IN_TRANSIT])
def test_an_international_parcel_on_its_way_warns_that_cancelling_is_not_refunded(status) -> None:
    international = order_menu(status, international=True)
    assert international.lines[-1] == MenuLine("cancel", "international_in_transit")
    assert R.CANCEL_ORDER in international.offered  # it may still be submitted, knowingly
    assert MenuLine("cancel", "international_in_transit") not in order_menu(status, international=False).lines


@pytest.mark.parametrize("status", [S.CONFIRMED, S.DELIVERED, S.CANCELLED])
def test_no_warning_where_no_parcel_is_on_its_way(status) -> None:
    assert order_menu(status, international=True) == order_menu(status, international=False)


@pytest.mark.parametrize("status", list(S))
def test_every_reason_taken_away_is_explained_by_a_line(status) -> None:
    menu = order_menu(status, international=False)
    explained = set().union(*(TOPIC_REASONS[line.topic] for line in menu.lines if line.why != "possible"))
    missing = {reason for reason, _ in menu.not_offered} - explained
    # Delivered: the card's status gives the delivery date and "Order status" the tracking; no line needed.
    assert missing == ({R.SHIPPING_ETA} if status == S.DELIVERED else set())
    for line in menu.lines:
        if line.topic != "order" and line.why not in ("possible", "international_in_transit"):
            assert TOPIC_REASONS[line.topic] & {reason for reason, _ in menu.not_offered}, line


@pytest.mark.parametrize(
    ("status", "reason", "why"),
    [
        (S.CONFIRMED, R.AFTER_SALES, "not_shipped_yet"),
        (S.CONFIRMED, R.RETURN_REFUND, "cancel_instead"),
        (S.SHIPPED, R.CHANGE_ADDRESS, "already_shipped"),
        (S.IN_TRANSIT, R.AFTER_SALES, "not_delivered_yet"),
        (S.SHIPPED, R.RETURN_REFUND, "not_delivered_yet"),
        (S.DELIVERED, R.CANCEL_ORDER, "already_delivered"),
        (S.DELIVERED, R.REMOVE_PRODUCT, "already_delivered"),
        (S.DELIVERED, R.SHIPPING_ETA, "already_delivered"),
        (S.CANCELLED, R.CANCEL_ORDER, "order_cancelled"),
        (S.CANCELLED, R.SHIPPING_ETA, "order_cancelled"),
    ],
)
def test_a_reason_not_offered_has_a_stable_why(status, reason, why) -> None:
    verdict = order_menu(status, international=False).verdict(reason)
    assert (verdict.allowed, verdict.why) == (False, why)
    assert order_menu(status.value, international=False).verdict(reason.value) == verdict  # plain strings too


def test_an_unknown_status_or_reason_is_an_error_not_a_menu() -> None:
    with pytest.raises(ValueError):
        order_menu("lost", international=False)
    with pytest.raises(ValueError):
        order_menu(S.CONFIRMED, international=False).verdict("teleport")


@pytest.mark.parametrize("international", [False, True])
@pytest.mark.parametrize("status", list(S))
def test_opening_a_ticket_follows_the_menu(status, international) -> None:
    order = Order(id=1, external_number="N-1", status=status, international=international)
    menu = order_menu(status, international=international)
    for reason in R:
        assert reason_allowed(order, reason) == menu.verdict(reason), reason
