"""Reasons 4-5 (order status, shipping ETA and tracking) answered at once from the order's own data.

A ticket is opened only when the data is missing (`needs_seller`) or the
buyer still wants the seller; the bot decides which from this result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from domain.enums import OrderStatus
from domain.models import Order

# Carriers' public tracking pages, keyed by a normalised carrier name (see `_carrier_key`).
# Patterns as published by the carriers (China Post via 17TRACK, which its own site lacks a
# linkable search for); an unknown carrier gets no link rather than a guessed one.
TRACKING_URLS: dict[str, str] = {
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={number}",
    "ups": "https://www.ups.com/track?tracknum={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "chinapost": "https://t.17track.net/en#nums={number}",
    "sfexpress": "https://www.sf-express.com/we/ow/chn/en/waybill/waybill-detail/{number}",
    "4px": "https://track.4px.com/#/result/0/{number}",
    "cainiao": "https://global.cainiao.com/newDetail.htm?mailNoList={number}",
}
_ALIASES = {
    "dhlexpress": "dhl",
    "federalexpress": "fedex",
    "unitedstatespostalservice": "usps",
    "chinapostairmail": "chinapost",
    "chinapostregisteredairmail": "chinapost",
    "中国邮政": "chinapost",
    "sf": "sfexpress",
    "shunfeng": "sfexpress",
    "顺丰": "sfexpress",
    "顺丰速运": "sfexpress",
    "4pxexpress": "4px",
    "递四方": "4px",
    "cainiaosuperecono": "cainiao",
    "aliexpressstandardshipping": "cainiao",
    "菜鸟": "cainiao",
}

_ON_THE_WAY = frozenset({OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT})


def _carrier_key(carrier: str) -> str:
    key = "".join(ch for ch in carrier.casefold() if ch.isalnum())
    return _ALIASES.get(key, key)


def tracking_url(carrier: str | None, tracking_number: str | None) -> str | None:
    """The carrier's tracking page for the number; None for an unknown carrier or no number."""
    if not carrier or not tracking_number or not tracking_number.strip():
        return None
    pattern = TRACKING_URLS.get(_carrier_key(carrier))
    if pattern is None:
        return None
    return pattern.format(number=quote(tracking_number.strip(), safe=""))


@dataclass(frozen=True)
class OrderAnswer:
    order_id: int
    order_number: str
    status: OrderStatus
    international: bool
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    estimated_delivery: date | None
    delivered_on: date | None
    shipped_at: datetime | None
    late: bool  # the estimated delivery has passed and the parcel is not delivered
    needs_seller: bool  # the data cannot answer the question; the seller must
    missing: tuple[str, ...]  # which fields are missing, e.g. ("tracking_number",)


def _answer(order: Order, missing: list[str], today: date | None) -> OrderAnswer:
    status = OrderStatus(order.status)
    late = bool(
        today
        and order.estimated_delivery
        and status in _ON_THE_WAY | {OrderStatus.CONFIRMED}
        and order.estimated_delivery < today
    )
    return OrderAnswer(
        order_id=order.id,
        order_number=order.external_number,
        status=status,
        international=order.international,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        # A link the marketplace gave wins over the one built from the table.
        tracking_url=order.tracking_url or tracking_url(order.carrier, order.tracking_number),
        estimated_delivery=order.estimated_delivery,
        delivered_on=order.delivered_on,
        shipped_at=order.shipped_at,
        late=late,
        needs_seller=bool(missing),
        missing=tuple(missing),
    )


def order_status_answer(order: Order, *, today: date | None = None) -> OrderAnswer:
    """Reason 4: the status always answers, unless a shipped order has no tracking number."""
    missing = []
    if OrderStatus(order.status) in _ON_THE_WAY and not order.tracking_number:
        missing.append("tracking_number")
    return _answer(order, missing, today)


def eta_answer(order: Order, *, today: date | None = None) -> OrderAnswer:
    """Reason 5: an estimated delivery date and, once shipped, a way to track the parcel."""
    status = OrderStatus(order.status)
    missing = []
    if status in _ON_THE_WAY | {OrderStatus.CONFIRMED} and order.estimated_delivery is None:
        missing.append("estimated_delivery")
    if status in _ON_THE_WAY:
        if not order.tracking_number:
            missing.append("tracking_number")
        elif not (order.tracking_url or tracking_url(order.carrier, order.tracking_number)):
            missing.append("tracking_url")
    return _answer(order, missing, today)
