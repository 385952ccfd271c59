"""Order status, ETA and tracking answered from the order's data; the seller only when data is missing."""

from __future__ import annotations

from datetime import date

import pytest

from domain.enums import OrderStatus
from domain.models import Order
from domain.services.order_answers import eta_answer, order_status_answer, tracking_url


def _order(status: OrderStatus, **fields) -> Order:
    values = dict(
        id=1,
        external_number="N-1",
        status=status,
        international=False,
        carrier=None,
        tracking_number=None,
        tracking_url=None,
        estimated_delivery=None,
        delivered_on=None,
        shipped_at=None,
    )
    values.update(fields)
    return Order(**values)


@pytest.mark.parametrize(
    ("carrier", "expected"),
    [
        ("DHL", "https://www.dhl.com/global-en/home/tracking.html?tracking-id=AB%2012"),
        ("dhl express", "https://www.dhl.com/global-en/home/tracking.html?tracking-id=AB%2012"),
        ("UPS", "https://www.ups.com/track?tracknum=AB%2012"),
        ("FedEx", "https://www.fedex.com/fedextrack/?trknbr=AB%2012"),
        ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels=AB%2012"),
        ("China Post", "https://t.17track.net/en#nums=AB%2012"),
        ("SF Express", "https://www.sf-express.com/we/ow/chn/en/waybill/waybill-detail/AB%2012"),
        ("顺丰", "https://www.sf-express.com/we/ow/chn/en/waybill/waybill-detail/AB%2012"),
        ("4PX", "https://track.4px.com/#/result/0/AB%2012"),
        ("Cainiao", "https://global.cainiao.com/newDetail.htm?mailNoList=AB%2012"),
        ("Hermes Pigeon Post", None),
        (None, None),
    ],
)
def test_tracking_url_table(carrier, expected) -> None:
    assert tracking_url(carrier, "AB 12") == expected


def test_tracking_number_cannot_inject_into_the_url() -> None:
    assert tracking_url("UPS", "1&x=<script>") == "https://www.ups.com/track?tracknum=1%26x%3D%3Cscript%3E"
    assert tracking_url("UPS", "  ") is None


def test_shipped_order_with_tracking_answers_both_questions() -> None:
    order = _order(OrderStatus.IN_TRANSIT, carrier="FedEx", tracking_number="F1", estimated_delivery=date(2026, 3, 9))
    status, eta = order_status_answer(order), eta_answer(order, today=date(2026, 3, 2))
    assert (status.needs_seller, eta.needs_seller, eta.late) == (False, False, False)
    assert eta.tracking_url == "https://www.fedex.com/fedextrack/?trknbr=F1" and eta.estimated_delivery == date(
        2026, 3, 9
    )


def test_marketplace_link_wins_over_the_table() -> None:
    order = _order(
        OrderStatus.SHIPPED,
        carrier="Obscure",
        tracking_number="Z",
        tracking_url="https://m.example/t/Z",
        estimated_delivery=date(2026, 3, 9),
    )
    answer = eta_answer(order)
    assert answer.tracking_url == "https://m.example/t/Z" and not answer.needs_seller


@pytest.mark.parametrize(
    ("order", "missing"),
    [
        (_order(OrderStatus.CONFIRMED), ("estimated_delivery",)),
        (_order(OrderStatus.SHIPPED, carrier="DHL", tracking_number="D1"), ("estimated_delivery",)),
        (_order(OrderStatus.SHIPPED, estimated_delivery=date(2026, 3, 9)), ("tracking_number",)),
        (
            _order(OrderStatus.SHIPPED, carrier="Obscure", tracking_number="Z", estimated_delivery=date(2026, 3, 9)),
            ("tracking_url",),
        ),
    ],
)
def test_eta_needs_the_seller_when_data_is_missing(order, missing) -> None:
    answer = eta_answer(order)
    assert answer.needs_seller and answer.missing == missing


def test_status_needs_the_seller_only_for_a_shipment_without_tracking() -> None:
    assert not order_status_answer(_order(OrderStatus.CONFIRMED)).needs_seller
    assert order_status_answer(_order(OrderStatus.SHIPPED)).missing == ("tracking_number",)
    delivered = order_status_answer(_order(OrderStatus.DELIVERED, delivered_on=date(2026, 2, 27)))
    assert not delivered.needs_seller and delivered.delivered_on == date(2026, 2, 27)
    assert not eta_answer(_order(OrderStatus.DELIVERED, delivered_on=date(2026, 2, 27))).needs_seller


def test_a_passed_estimate_is_late_until_delivered() -> None:
    late = _order(OrderStatus.IN_TRANSIT, carrier="DHL", tracking_number="D", estimated_delivery=date(2026, 3, 1))
    assert eta_answer(late, today=date(2026, 3, 2)).late
    assert not eta_answer(late, today=date(2026, 3, 1)).late
    done = _order(OrderStatus.DELIVERED, estimated_delivery=date(2026, 3, 1), delivered_on=date(2026, 3, 3))
    assert not eta_answer(done, today=date(2026, 3, 5)).late


async def test_answers_from_stored_orders(uow_factory, shop) -> None:
    async with uow_factory() as uow:
        shipped = await uow.orders.get(shop.orders["S-1"])
        confirmed = await uow.orders.get(shop.orders["C-1"])
    answer = order_status_answer(shipped)
    assert (answer.status, answer.carrier, answer.tracking_number) == (OrderStatus.SHIPPED, "DHL", "TRK1")
    assert answer.tracking_url.endswith("tracking-id=TRK1") and not answer.needs_seller
    assert eta_answer(confirmed).needs_seller  # imported without an estimated delivery
