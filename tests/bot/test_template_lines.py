"""Every template renders with sample values, and list entries and fields start lines.

`trim_blocks` drops the newline after a block tag; where a tag ended a line of text
(`… {% include "…" %}` or `… {% endif %}`) the next entry ran into that line
("waiting for the seller#2 ·", "Status: delivered• Desk lamp"). Each template gets
sample contexts here, one per branch worth seeing, and the rendered texts are checked
for entries and fields glued to the text before them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace as Obj

import pytest

from bot.rendering import LANGUAGES, TEMPLATES_DIR, Renderer
from domain.enums import OrderStatus
from domain.services.order_menu import order_menu

AT = datetime(2024, 3, 8, 10, 15)

ORDER = Obj(
    number="BG-1004",
    external_number="BG-1004",
    store_name="Lamp & Co",
    status="delivered",
    items=[("Desk lamp", 1), ("Bulb", 2)],
    open_tickets=[
        Obj(number=2, reason="after_sales", status="waiting_seller"),
        Obj(number=3, reason="cancel_order", status="open"),
    ],
    buyer_on_telegram=False,
)
TICKET = Obj(number=2, reason="after_sales", status="waiting_seller", order_number="BG-1004", store_name="Lamp & Co")
TIMELINE = [
    Obj(at=AT, kind="opened", by="buyer", text=None, attachments=[], to_status=None, stars=None),
    Obj(at=AT, kind="message", by="buyer", text="The lamp flickers", attachments=["photo"], to_status=None, stars=None),
    Obj(at=AT, kind="status", by="system", text=None, attachments=[], to_status="waiting_seller", stars=None),
    Obj(at=AT, kind="message", by="store", text="Sorry, we send a new one", attachments=[], to_status=None, stars=None),
    Obj(at=AT, kind="message", by="system", text="Reminder", attachments=[], to_status=None, stars=None),
    Obj(at=AT, kind="rated", by="buyer", text=None, attachments=[], to_status=None, stars=4),
]
HISTORY = [
    Obj(by="buyer", internal=False, text="The lamp flickers", files=["photo"]),
    Obj(by="agent", internal=True, text="Check the batch", files=[]),
    Obj(by="agent", internal=False, text="We send a new one", files=[]),
    Obj(by="system", internal=False, text="closed", files=[]),
]
TRANSCRIPT = Obj(
    ticket_id=41,
    number=2,
    store_name="Lamp & Co",
    order_number="BG-1004",
    status="waiting_seller",
    reason="after_sales",
    opened_at=AT.replace(tzinfo=UTC),
    requests=[
        Obj(kind="after_sales", status="awaiting_seller", what="defective", resolution_wanted="reshipment"),
        Obj(kind="cancellation", status="requested", what="changed_mind", resolution_wanted=None),
        Obj(kind="change", status="declined", what="change_address", resolution_wanted=None),
    ],
    messages=[
        Obj(
            at=AT,
            author=author,
            agent_name=name,
            text=text,
            internal=internal,
            attachments=files,
            edited=edited,
            delivery=delivery,
        )
        for author, name, text, internal, files, edited, delivery in (
            ("buyer", None, "The lamp flickers", False, ["photo", "video_note"], False, None),
            ("agent", "Karl", "// check the batch", True, [], False, None),
            ("agent", "Karl", "Pay to this card", False, [], True, "held"),
            ("agent", None, "Sorry", False, [], False, "blocked"),
            ("agent", "Karl", "We send a new one", False, [], False, "suspended"),
            ("moderator", None, None, False, ["document"], False, None),
            ("system", None, "Reminder", False, [], False, None),
        )
    ],
)
QUEUE = [
    Obj(
        ticket_id=15,
        overdue=True,
        priority=10,
        number=5,
        reason="after_sales",
        order_number="BG-1004",
        waiting_for="seller_first_response",
        due_at=AT,
    ),
    Obj(
        ticket_id=16,
        overdue=False,
        priority=20,
        number=6,
        reason="cancel_order",
        order_number=None,
        waiting_for="seller",
        due_at=None,
    ),
    Obj(
        ticket_id=17,
        overdue=False,
        priority=90,
        number=7,
        reason="contact_seller",
        order_number="BG-1005",
        waiting_for="buyer",
        due_at=AT,
    ),
]
ANSWER = dict(
    order_number="BG-1004",
    status="delivered",
    delivered_on=date(2024, 3, 6),
    estimated_delivery=date(2024, 3, 5),
    late=True,
    carrier="DHL Express",
    tracking_number="JJD000",
    tracking_url="https://track.example/JJD000",
    needs_seller=False,
    missing=[],
)


# The buyer's order card: items with prices, and the menu of every status (one international).
def CARD_ORDER(status: str) -> Obj:  # noqa: N802 - a sample's factory, named like the samples
    items = [
        Obj(title="Desk lamp", quantity=2, unit_price_minor=3499),
        Obj(title="Bulb <E27>", quantity=1, unit_price_minor=250),
    ]
    return Obj(
        external_number="BG-1004",
        status=status,
        delivered_on=date(2024, 3, 6),
        currency="EUR",
        items=items,
        total_minor=7248,
        shipping_address="Torstraße 12\n10119 Berlin",
    )


MENUS = [order_menu(status, international=status == OrderStatus.IN_TRANSIT) for status in OrderStatus]

REQUEST = Obj(
    type="defective",
    status="awaiting_seller",
    items=[Obj(title="Desk lamp", quantity=1)],
    affected_amount_minor=3499,
    currency="EUR",
    not_delivered=False,
    delivered_on=date(2024, 3, 6),
    barcode_given=True,
    resolution_wanted="reshipment",
    resolution=None,
    refund_amount_minor=None,
    reject_reason=None,
    decision_note=None,
)
DECIDED = Obj(**{**vars(REQUEST), "status": "rejected", "reject_reason": "other", "decision_note": "Used"})
OFFER = Obj(amount_minor=1750, currency="EUR")
REQUEST_DATA = {
    "resolution": "refund_only",
    "refund_amount_minor": 3499,
    "currency": "EUR",
    "decided_by": "store",
    "reject_reason": "buyer_damage",
    "note": "Scratched",
    "amount_minor": 1750,
    "carrier": "DHL",
    "tracking_number": "JD0146 0001",
    "tracking_url": "https://www.dhl.de/track?id=JD01460001",
    "late": True,
    "outcome": "overturned",
}
REQUEST_KINDS = [
    "request_approved",
    "request_rejected",
    "offer_proposed",
    "offer_withdrawn",
    "offer_expired",
    "offer_rejected",
    "reshipment_shipped",
    "request_escalated",
    "escalation_decided",
    "reshipment_overdue",
]
# A request's timeline (bot.relay.request_timelines): every kind of event and of due time.
TIMELINE_DATA = {**REQUEST_DATA, "stage": "half_time"}
TIMELINE_KINDS = ["submitted", "approved", "auto_approved", "refund_only", "rejected", "offer_proposed"]
TIMELINE_KINDS += ["offer_withdrawn", "escalated", "upheld", "overturned", "seller_reminded", "reshipped"]
TIMELINE_KINDS += ["offer_accepted", "offer_countered", "counter_rejected", "counter_expired"]
DUE_KINDS = ["seller_answer", "offer_response", "reshipment_ship_by", "escalation_window"]

OFFERS = [
    ("store", "pending", True),
    ("store", "accepted", False),
    ("store", "rejected", False),
    ("store", "countered", False),
    ("store", "withdrawn", False),
    ("store", "expired", False),
    ("buyer", "pending", True),
    ("buyer", "accepted", False),
    ("buyer", "expired", False),
]
OFFER_KINDS = ["offer_accepted", "offer_rejected", "offer_withdrawn", "offer_expired", "offer_countered"]
OFFER_KINDS += ["offer_reminder"]
OFFER_DATA = {"amount_minor": 1750, "currency": "EUR", "respond_by": AT.replace(tzinfo=UTC)}


def offer_view(side: str, status: str, open_: bool) -> Obj:
    at = AT.replace(tzinfo=UTC)
    return Obj(
        side=side,
        status=status,
        open=open_,
        store_name="Lamp & Co",
        ticket_number=2,
        order_number="BG-1004",
        items=[Obj(title="Desk lamp", quantity=1), Obj(title="Bulb", quantity=2)],
        resolution_wanted="reshipment",
        amount_minor=2500 if side == "buyer" else 1750,
        countered_minor=1750 if side == "buyer" else None,
        paid_minor=3499,
        currency="EUR",
        respond_by=at,
        answered_at=None if open_ or status == "expired" else at,
    )


# Templates with no variables render with `{}`; every other one needs an entry here.
# Change requests and cancellations (domain.services.order_changes, cancellations).
CHANGE = Obj(
    kind="change_address",
    asked="Karl-Marx-Allee 90, Berlin",
    status="requested",
    actions=frozenset({"apply", "decline"}),
    item_title="Desk lamp",
    decision_reason="Already packed",
)
CANCELLATION = Obj(reason="found_cheaper", status="requested", path="seller_decides", decision_reason="Made to order")
CHANGE_DATA = {"order_number": "BG-1004", "asked": "Karl-Marx-Allee 90", "item_title": "Desk lamp", "note": "Sorry"}

CASE = Obj(
    case_id=3,
    status="held",
    source="screen",
    rules=("payment_details",),
    store_name="Lamp & Co",
    ticket_id=7,
    ticket_number=2,
    hits=({"rule": "payment_details", "start": 10, "end": 21},),
    for_edit=True,
    previous_text="Your lamp ships tomorrow.",
    context=(Obj(author="buyer", text="Where is it?", files=1), Obj(author="agent", text="Soon", files=0)),
    strikes=1,
    strike_threshold=3,
    suspended=False,
    penalty=None,
    reviewer_name=None,
    reviewed_at=None,
)
CASE_DECIDED = Obj(
    **{**vars(CASE), "status": "confirmed", "penalty": "strike", "reviewer_name": "Jo", "reviewed_at": AT},
)
CASE_DECIDED.for_edit, CASE_DECIDED.suspended, CASE_DECIDED.hits, CASE_DECIDED.context = False, True, (), ()


SAMPLES: dict[str, list[dict]] = {
    # order events (domain.services.order_events)
    "buyer/order_event_out_of_stock.html": [
        {"store_name": "Shop", "data": {"order_id": 1, "order_number": "BG-1", "event_id": 1, "note": "Back in May"}}
    ],
    "buyer/order_event_shipment_overdue.html": [
        {"store_name": "Shop", "data": {"order_id": 1, "order_number": "BG-1", "event_id": 1, "ship_by": "2026-11-20"}}
    ],
    "buyer/order_event_seller_unresponsive.html": [
        {"store_name": "Shop", "data": {"order_id": 1, "order_number": "BG-1", "event_id": 1}}
    ],
    "buyer/order_event_customs_hold.html": [
        {
            "store_name": "Shop",
            "data": {"order_id": 1, "order_number": "BG-1", "event_id": 1, "needed": "a copy of your ID"},
        }
    ],
    "buyer/order_event_incorrect_address.html": [
        {"store_name": "Shop", "address": "Main St 1", "data": {"order_id": 1, "order_number": "BG-1", "event_id": 1}}
    ],
    "buyer/order_event_shipped.html": [
        {
            "store_name": "Shop",
            "data": {
                "order_id": 1,
                "order_number": "BG-1",
                "event_id": 1,
                "carrier": "DHL",
                "tracking_number": "J1",
                "tracking_url": "https://t.example/J1",
            },
        }
    ],
    "buyer/order_event_delivered.html": [
        {"store_name": "Shop", "data": {"order_id": 1, "order_number": "BG-1", "event_id": 1, "date": "2026-11-20"}}
    ],
    "buyer/order_event_button.txt": [{"choice": c} for c in ("refund", "wait", "confirm", "correct")],
    "buyer/order_event_answer.html": [
        {"choice": c, "order_number": "BG-1", "address": "Main St 1"}
        for c in ("refund", "wait", "confirm", "ask", "correct")
    ],
    "buyer/order_event_refused.txt": [
        {"why": w} for w in ("already_answered", "already_shipped", "bad_address", "forbidden")
    ],
    "seller/order_event_store.html": [
        {"kind": "order_event_shipment_reminder", "data": {"order_number": "BG-1", "ship_by": "2026-11-20", "days": 2}},
        {"kind": "order_event_unreachable", "data": {"order_number": "BG-1", "event": "out_of_stock"}},
        *(
            {"kind": "order_event_answered", "data": {"order_number": "BG-1", "choice": c, "address": "Main St 1"}}
            for c in ("refund", "wait", "confirm", "correct")
        ),
    ],
    "common/chosen_line.txt": [{"chosen": "Damaged item"}],
    "buyer/also_buyer.html": [{"orders": 0}, {"orders": 1}, {"orders": 3}],
    "buyer/claim_ask_contact.html": [{"number": "BG-1004"}],
    "buyer/claim_bound.html": [{"number": "BG-1004"}],
    "buyer/card_masked.html": [{"count": 1}, {"count": 2}],
    "buyer/claim_no_match.html": [{"attempts_left": 2}, {"attempts_left": 1}, {"attempts_left": 0}],
    "buyer/claim_rate_limited.html": [{"retry_after": AT}],
    "buyer/help_topic_button.txt": [
        {"topic": t}
        for t in (
            "defect",
            "no_changes",
            "refund_time",
            "missing_parts",
            "get_help",
            "returns",
            "checkout",
            "case_order",
            "other",
        )
    ],
    "buyer/language_button.txt": [{"code": "en"}, {"code": "zh"}],
    "buyer/link_bound.html": [{"number": "BG-1004"}],
    "buyer/order_answer.html": [
        {"reason": "order_status", "answer": Obj(**ANSWER)},
        {"reason": "shipping_eta", "answer": Obj(**{**ANSWER, "late": False, "tracking_url": None})},
        {
            "reason": "order_status",
            "answer": Obj(
                **{
                    **ANSWER,
                    "status": "in_transit",
                    "delivered_on": None,
                    "carrier": None,
                    "tracking_number": None,
                    "tracking_url": None,
                    "needs_seller": True,
                    "missing": ["tracking_number", "estimated_delivery", "tracking_url"],
                }
            ),
        },
        {
            "reason": "shipping_eta",
            "answer": Obj(
                **{
                    **ANSWER,
                    "estimated_delivery": None,
                    "carrier": "DHL Express",
                    "tracking_number": None,
                    "tracking_url": None,
                    "needs_seller": True,
                    "missing": ["tracking_number"],
                }
            ),
        },
    ],
    "buyer/order_button.txt": [{"order": ORDER}],
    "buyer/menu_line.html": [{"line": line} for menu in MENUS for line in menu.lines],
    "buyer/order_menu.html": [
        {"order": CARD_ORDER(status=m.status), "store_name": "Lamp & Co", "menu": m} for m in MENUS
    ],
    "buyer/reason_gone.txt": [
        {"reason": "change_address", "why": "already_shipped", "refreshed": True},
        {"reason": "order_status", "why": "order_cancelled", "refreshed": False},
    ],
    "buyer/order_status_name.txt": [
        {"status": s} for s in ("confirmed", "shipped", "in_transit", "delivered", "cancelled", "lost")
    ],
    "buyer/orders.html": [{"count": 1}, {"count": 3}],
    "buyer/reason_name.txt": [{"reason": "after_sales"}, {"reason": "cancel_order"}, {"reason": "other"}],
    "buyer/reason_button.txt": [{"reason": "after_sales"}],
    "buyer/refused.html": [{"why": "already_shipped"}],
    "buyer/ticket_button.txt": [
        {"ticket": TICKET, "several_stores": False},
        {"ticket": TICKET, "several_stores": True},
    ],
    "buyer/ticket_opened.html": [{"created": True, "ticket": TICKET}, {"created": False, "ticket": TICKET}],
    "buyer/ticket_refused.txt": [{"why": "already_closed"}],
    "buyer/ticket_status_name.txt": [
        {"status": s} for s in ("open", "waiting_seller", "waiting_buyer", "closed", "odd")
    ],
    "buyer/ticket_timeline.html": [
        {"ticket": TICKET, "entries": TIMELINE, "request_part": None},
        {"ticket": TICKET, "entries": TIMELINE[:1], "request_part": None},
        {"ticket": TICKET, "entries": TIMELINE[:1], "request_part": "<b>📋 Request #2</b> · approved"},
    ],
    "common/request_timeline.html": [
        {
            "view": Obj(**{**vars(REQUEST), "ticket_number": 2}),
            "side": side,
            "entries": [
                Obj(at=AT.replace(tzinfo=UTC), kind=kind, by="store", agent_name="Anna", data=TIMELINE_DATA)
                for kind in TIMELINE_KINDS
            ],
            "dues": [Obj(kind="seller_answer", at=None, hours=40)]
            + [Obj(kind=kind, at=AT.replace(tzinfo=UTC), hours=23) for kind in DUE_KINDS],
        }
        for side in ("buyer", "store")
    ],
    "buyer/tickets.html": [
        {
            "tickets": [TICKET, Obj(number=3, reason="cancel_order", status="closed", order_number="BG-1005")],
            "several_stores": False,
        },
        {
            "tickets": [TICKET, Obj(number=2, reason="other", status="open", order_number="K-9", store_name="Kettles")],
            "several_stores": True,
        },
        {"tickets": [], "several_stores": False},
    ],
    "buyer/welcome.html": [{"first_name": "Bob"}],
    "buyer/why.txt": [{"why": w} for w in ("order_cancelled", "already_delivered", "not_shipped_yet", "other")],
    "commands/description.txt": [
        {"command": c, "audience": a}
        for c in ("start", "help", "orders", "order", "link", "ticket", "flag", "unsuspend", "report", "other")
        for a in ("buyer", "agent", "moderator")
    ],
    "common/hello.html": [{"first_name": "Bob"}],
    "flows/ask_media.html": [{"max_files": 5}],
    "flows/cancel_order_intro.html": [
        {"order": ORDER, "path": p} for p in ("seller_decides", "interception", "not_refundable")
    ],
    "flows/change_address_intro.html": [{"order": ORDER}],
    "flows/change_size_colour_intro.html": [{"order": ORDER}],
    "flows/confirm.html": [
        {"reason": "after_sales", "text": "The lamp flickers", "files": 2},
        {"reason": "contact_seller", "text": "Hi", "files": 0},
    ],
    "flows/contact_seller_intro.html": [{"order": ORDER}],
    "flows/description_invalid.html": [
        {"problem": "too_short", "reason": "change_address", "length": 3, "min_length": 10, "max_length": 900},
        {"problem": "too_short", "reason": "after_sales", "length": 3, "min_length": 10, "max_length": 900},
        {"problem": "too_long", "reason": "after_sales", "length": 1000, "min_length": 10, "max_length": 900},
    ],
    "flows/media_received.html": [{"count": 1}, {"count": 3}],
    "flows/request_intro.html": [{"order": ORDER}],
    "flows/request_type_name.txt": [{"type": t} for t in ("defective", "damaged", "wrong_item", "missing_items")],
    "flows/request_ask_items.html": [{"more": False}, {"more": True}],
    "flows/request_item_button.txt": [{"title": "Desk lamp", "quantity": 1}, {"title": "Bulb", "quantity": 2}],
    "flows/request_ask_quantity.html": [{"title": "Desk lamp", "quantity": 3}],
    "flows/request_quantity_button.txt": [{"quantity": 2}],
    "flows/request_want_quantity.html": [{}, {"quantity": 3}],
    "flows/request_ask_description.html": [
        {"type": t} for t in ("defective", "damaged", "wrong_item", "missing_items")
    ],
    "flows/request_example.txt": [{"type": "defective"}, {"type": "missing_items"}],
    "flows/request_description_invalid.html": [
        {"why": w, "type": "defective", "length": 1200}
        for w in ("description_too_short", "description_too_vague", "description_too_long")
    ],
    "flows/request_ask_delivery.html": [{"example": "19/11/2026"}],
    "flows/request_day_button.txt": [{"which": w, "day": "Fri 20 Nov"} for w in ("today", "yesterday", "date")],
    "flows/request_delivery_invalid.html": [
        {"why": "delivery_date_in_future", "example": "19/11/2026", "earliest": None},
        {"why": "delivery_date_before_order", "example": "19/11/2026", "earliest": "10 Nov 2026"},
        {"why": "unreadable", "example": "19/11/2026", "earliest": None},
    ],
    "flows/request_want_picture.html": [{"what": "screenshot"}, {"what": "barcode"}],
    "flows/request_ask_fault.html": [{"required": True, "max_files": 10}, {"required": False, "max_files": 10}],
    "flows/request_want_fault.html": [{"why": "missing"}, {"why": "kind"}],
    "flows/request_resolution_name.txt": [
        {"resolution": r} for r in ("reshipment", "exchange", "return_refund", "refund_only")
    ],
    "flows/request_ask_resolution.html": [{"type": "defective"}],
    "flows/request_summary.html": [
        {
            "order": ORDER,
            "type": "defective",
            "items": [("Desk lamp", 1), ("Bulb", 2)],
            "description": "The switch clicks but the lamp stays dark",
            "delivered_on": delivered_on,
            "screenshot": delivered_on is not None,
            "fault": 2,
            "barcode": barcode,
            "resolution": "exchange",
        }
        for delivered_on, barcode in (("20 Nov 2026", True), (None, False))
    ],
    "flows/request_edit_button.txt": [
        {"field": f}
        for f in ("type", "items", "description", "delivery", "screenshot", "fault", "barcode", "resolution")
    ],
    "flows/request_refused.html": [{"why": w} for w in ("request_exists", "order_gone", "not_delivered_yet")],
    "buyer/request_submitted.html": [
        {
            "number": 3,
            "order_number": "BG-1004",
            "type": "damaged",
            "resolution": "exchange",
            "store_name": "Lamp & Co",
            "due": datetime(2024, 3, 10, 10, 15, tzinfo=UTC),
            "hours": 48,
        }
    ],
    "flows/remove_product_intro.html": [{"order": ORDER}],
    "flows/return_refund_intro.html": [{"order": ORDER}],
    "flows/too_many_files.html": [{"max_files": 5}],
    "moderator/help.html": [{"where": "private"}, {"where": "group"}],
    "seller/agent_help.html": [
        {
            "where": "private",
            "stores": [Obj(name="Lamp & Co", has_group=True), Obj(name="Bulbs", has_group=False)],
            "store_name": None,
        },
        {"where": "private", "stores": [Obj(name="Bulbs", has_group=False)], "store_name": None},
        {"where": "group", "stores": [], "store_name": "Lamp & Co"},
        {"where": "group", "stores": [], "store_name": None},
    ],
    "seller/agent_joined.html": [{"store_name": "Lamp & Co"}],
    "seller/buyer_wrote.html": [{"text": "Hello", "name": "Alice"}, {"text": "Hello", "name": None}],
    "seller/buyer_name.txt": [{"name": "Alice"}, {"name": None}],
    "seller/buyer_name_part.txt": [{"name": "Alice", "part": 1, "parts": 2}],
    "seller/closed_buyer.html": [{"number": 4, "store_name": "Lamp & Co", "closed_by": c} for c in ("store", "system")],
    "seller/closed_store.html": [
        {"number": 4, "closed_by": c, "reason": r}
        for c, r in (("buyer", None), ("system", "never_used"), ("system", "silence"), ("store", None))
    ],
    "seller/first_response_overdue.html": [{"number": 4, "due": AT}],
    "seller/first_response_reminder.html": [{"number": 4, "due": AT}],
    "seller/group_linked.html": [{"store_name": "Lamp & Co"}],
    "seller/history.html": [
        {"number": 4, "entries": HISTORY, "recreated": True},
        {"number": 4, "entries": HISTORY[:1], "recreated": False},
    ],
    "seller/notify_copy.html": [{"agent": "Ann", "text": "Your parcel left"}],
    "seller/notify_sent.html": [{"number": 4}],
    "seller/order_card.html": [
        {"order": ORDER},
        {"order": Obj(**{**vars(ORDER), "open_tickets": [], "buyer_on_telegram": True})},
        {"order": Obj(**{**vars(ORDER), "open_tickets": [], "buyer_on_telegram": False})},
        {"order": Obj(**{**vars(ORDER), "buyer_on_telegram": True})},
    ],
    "seller/outreach_opened.txt": [
        {"created": c, "number": 4, "where": w} for c in (True, False) for w in ("topic", "card")
    ],
    "seller/outreach_refused.html": [
        {"why": w, "order_number": "BG-1004", "stores": ["Lamp & Co", "Bulbs"]}
        for w in ("no_order", "buyer_not_on_telegram", "ambiguous_order", "other")
    ],
    "seller/outreach_refused.txt": [{"why": "no_order"}],
    "seller/private_from_buyer.html": [{"number": 4, "name": "Alice"}, {"number": 4, "name": None}],
    "seller/queue.html": [
        {"store_name": "Lamp & Co", "items": QUEUE, "links": {15: "https://t.me/c/100/4"}},
        {"store_name": "Lamp & Co", "items": [], "links": {}},
    ],
    "seller/rate_ask.html": [{"number": 4}],
    "seller/rated_buyer.html": [{"stars": 4}],
    "seller/rated_store.html": [{"number": 4, "stars": 4}],
    "seller/rating_refused.txt": [{"why": "already_closed"}],
    "seller/refused.html": [{"why": "already_closed"}],
    "seller/refused.txt": [{"why": "already_closed"}, {"why": "ticket_closed"}],
    "seller/close_where.html": [{"number": None}, {"number": "12"}],
    "seller/store_header.txt": [
        {"store_name": "Lamp & Co", "tag": None},
        {"store_name": "Lamp & Co", "tag": Obj(number=4, order_number="BG-1004")},
    ],
    "seller/store_header_part.txt": [
        {"store_name": "Lamp & Co", "tag": None, "part": 1, "parts": 2},
        {"store_name": "Lamp & Co", "tag": Obj(number=4, order_number=None), "part": 1, "parts": 2},
    ],
    "seller/request_card.html": [
        {
            "view": REQUEST,
            "purposes": ["fault_evidence"],
            "seller_files": 0,
            "due_kind": "seller_answer",
            "due_at": AT,
            "hours": 47,
            "offer": None,
            "reshipment": None,
        },
        {
            "view": DECIDED,
            "purposes": [],
            "seller_files": 1,
            "due_kind": None,
            "due_at": None,
            "hours": None,
            "offer": OFFER,
            "reshipment": None,
        },
    ]
    + [
        {
            "view": Obj(**{**vars(REQUEST), "status": "approved", "resolution": "reshipment"}),
            "purposes": [],
            "seller_files": 0,
            "due_kind": "reshipment_ship_by" if status != "shipped" else None,
            "due_at": AT if status != "shipped" else None,
            "hours": 30,
            "offer": None,
            "reshipment": Obj(status=status, carrier="DHL", tracking_number="00340434161234567890", tracking_url=url),
        }
        for status, url in (("awaiting_shipment", None), ("overdue", None), ("shipped", "https://dhl.de/t?id=1"))
    ],
    "seller/request_button.txt": [
        {"what": w, "reason": "other", "amount": 1750, "view": REQUEST}
        for w in (
            "approve",
            "reject",
            "refund_only",
            "partial_refund",
            "withdraw_offer",
            "mark_reshipped",
            "reason",
            "amount",
            "back",
        )
    ],
    "seller/request_file.txt": [{"purpose": "barcode", "number": 2}],
    "seller/request_prompt.html": [
        {"asks": "reject", "number": 2, "view": REQUEST, "reason": "barcode_mismatch", "evidence": True},
        {"asks": "amount", "number": 2, "view": REQUEST},
        {"asks": "reshipped", "number": 2, "view": REQUEST},
    ],
    "seller/request_refused.txt": [
        {"why": w} for w in ("note_missing", "amount_over_cap", "tracking_unreadable", "tracking_url_invalid", "x")
    ],
    "seller/request_line.html": [{"kind": k, "number": 2, "data": REQUEST_DATA} for k in REQUEST_KINDS]
    + [{"kind": "request_approved", "number": 2, "data": {**REQUEST_DATA, "decided_by": "system", "auto": True}}],
    "buyer/request_decided.html": [
        {"kind": k, "number": 2, "store_name": "Lamp & Co", "data": REQUEST_DATA} for k in REQUEST_KINDS
    ]
    + [
        {
            "kind": "request_approved",
            "number": 2,
            "store_name": "Lamp & Co",
            "data": {**REQUEST_DATA, "decided_by": "system", "auto": True},
        },
        {
            "kind": "reshipment_shipped",
            "number": 2,
            "store_name": "Lamp & Co",
            "data": {**REQUEST_DATA, "tracking_url": None},
        },
    ],
    "moderator/escalation_button.txt": [{"what": w} for w in ("uphold", "overturn", "escalate")],
    "moderator/case_card.html": [
        {"view": CASE, "pieces": [("Send your ", None), ("card number", "payment_details")], "cut": False},
        {"view": CASE_DECIDED, "pieces": [], "cut": True},
    ],
    "moderator/case_button.txt": [{"decision": d} for d in ("release", "block", "warn", "strike", "dismiss")],
    "moderator/case_done.txt": [{"decision": d} for d in ("release", "block", "warn", "strike", "dismiss")],
    "moderator/case_refused.txt": [
        {"why": "not_moderator"},
        {"why": "case_decided", "by": "Jo", "at": AT},
        {"why": "not_for_case"},
    ],
    "moderator/flag_answer.html": [
        {"why": w, "case_id": 3} for w in ("usage", "flagged", "already", "not_store_message")
    ],
    "moderator/unsuspend_answer.html": [
        {"why": "usage"},
        {"why": "no_store", "store": "Lamp & Co"},
        {"why": "not_suspended", "store": "Lamp & Co"},
        {"why": "lifted", "store": "Lamp & Co", "kept": 3, "held": 1},
        {"why": "lifted", "store": "Lamp & Co", "kept": 0, "held": 0},
    ],
    "buyer/report_answer.txt": [
        {"why": w} for w in ("reported", "already", "usage", "not_delivered", "not_store_message")
    ],
    "seller/held.html": [
        {"why": why, "edit": edit} for why in ("review", "suspended", "blocked") for edit in (False, True)
    ],
    "seller/moderation_outcome.html": [
        {"decision": d, "was": was, "edit": False, "excerpt": "Pay me", "strikes": 1, "threshold": 3}
        for was, decisions in (("held", ("release", "block", "warn", "strike")), ("open", ("warn", "strike")))
        for d in decisions
    ],
    "seller/messaging_suspended.html": [{"strikes": 3}],
    "seller/messaging_restored.html": [{"kept": 0}, {"kept": 2}],
    "moderator/escalation_card.html": [
        {
            "view": REQUEST,
            "number": 2,
            "order_number": "BG-1004",
            "store_name": "Lamp & Co",
            "buyer_files": 3,
            "seller_files": 1,
            "note": note,
            "outcome": outcome,
        }
        for note, outcome in (("It is broken", None), (None, "upheld"), (None, "overturned"))
    ],
    "moderator/refused.txt": [{"why": w} for w in ("not_moderator", "not_buyer", "already_escalated", "other")],
    "moderator/reshipment_overdue.html": [
        {"number": 2, "order_number": "BG-1004", "store_name": "Lamp & Co", "ship_by": AT}
    ],
    "moderator/ticket_answer.html": [
        {"why": w, "ticket_id": 41, "store": "Lamp & Co", "number": 2}
        for w in ("not_moderator", "no_ticket", "no_store", "no_number", "usage")
    ],
    "moderator/transcript.html": [{"t": TRANSCRIPT, "part": 1}, {"t": TRANSCRIPT, "part": 2}],
    "moderator/transcript_message.html": [
        {"m": message, "text": message.text, "continued": continued}
        for message in TRANSCRIPT.messages
        for continued in (False, True)
    ],
    "seller/request_reminder.html": [
        {"number": 2, "stage": stage, "due": AT, "hours": 24} for stage in ("half_time", "two_hours")
    ],
    "seller/ticket_card.html": [
        {
            "number": 4,
            "reason": "after_sales",
            "status": "open",
            "order_number": "BG-1004",
            "items": ORDER.items,
            "buyer_language": "en",
            "first_message": "The lamp flickers",
            "buyer_name": "Alice",
            "buyer_username": "alice_b",
        },
        {
            "number": 4,
            "reason": "contact_seller",
            "status": "waiting_buyer",
            "order_number": None,
            "items": [],
            "buyer_language": "zh",
            "first_message": None,
            "buyer_name": None,
            "buyer_username": None,
        },
    ],
    "seller/topic_title.txt": [
        {"number": 4, "reason": "after_sales", "status": "open", "due": AT},
        {"number": 4, "reason": "after_sales", "status": "closed", "due": None},
    ],
    "seller/undelivered.html": [{"blocked": True}, {"blocked": False}],
    "seller/change_card.html": [
        {"change": CHANGE, "cancellation": None},
        {"change": Obj(**{**vars(CHANGE), "status": "applied", "kind": "remove_product"}), "cancellation": None},
        {"change": Obj(**{**vars(CHANGE), "actions": frozenset({"decline"})}), "cancellation": None},
    ]
    + [
        {"change": None, "cancellation": Obj(**{**vars(CANCELLATION), "status": s, "path": p})}
        for s, p in (
            ("requested", "seller_decides"),
            ("requested", "not_refundable"),
            ("intercepting", "interception"),
            ("rejected", "seller_decides"),
            ("interception_failed", "interception"),
        )
    ],
    "seller/change_button.txt": [
        {"what": w, "title": "Desk lamp", "quantity": 2}
        for w in ("apply", "decline", "approve", "reject", "intercepted", "interception_failed", "item", "back")
    ],
    "seller/change_line.html": [
        {"kind": k, "number": 2, "data": {**CHANGE_DATA, "outcome": o}}
        for k, o in (
            ("change_decided", "applied"),
            ("change_decided", "declined"),
            ("cancellation_decided", "approved"),
            ("cancellation_decided", "rejected"),
            ("cancellation_decided", "intercepted"),
            ("cancellation_decided", "interception_failed"),
        )
    ],
    "buyer/change_decided.html": [
        {"kind": k, "number": 2, "store_name": "Lamp & Co", "data": {**CHANGE_DATA, "outcome": o, "change": c}}
        for k, o, c in (
            ("change_decided", "applied", "change_address"),
            ("change_decided", "applied", "remove_product"),
            ("change_decided", "declined", "change_address"),
            ("cancellation_decided", "approved", None),
            ("cancellation_decided", "rejected", None),
            ("cancellation_decided", "intercepted", None),
            ("cancellation_decided", "interception_failed", None),
        )
    ],
    "seller/change_refused.txt": [{"why": w} for w in ("already_decided", "only_item", "note_required", "x")],
    "seller/change_prompt.html": [{"number": 2}],
    # negotiation cards (domain.services.offer_views)
    "buyer/offer_card.html": [
        {"view": offer_view(side, status, open_), "zone": "Europe/Berlin", "hours": 23}
        for side, status, open_ in OFFERS
    ],
    "seller/offer_card.html": [
        {"view": offer_view(side, status, open_), "zone": "Asia/Shanghai", "hours": 23}
        for side, status, open_ in OFFERS
    ],
    "buyer/offer_line.html": [
        {"kind": k, "number": 2, "data": {**OFFER_DATA, "side": side}, "store_name": "Lamp & Co", "zone": "UTC"}
        for k in OFFER_KINDS
        for side in ("store", "buyer")
    ],
    "seller/offer_line.html": [
        {"kind": k, "number": 2, "data": {**OFFER_DATA, "side": side}, "zone": "UTC"}
        for k in OFFER_KINDS
        for side in ("store", "buyer")
    ],
    "common/offer_button.txt": [
        {"what": w, "amount": 1750, "currency": "EUR"} for w in ("accept", "reject", "counter", "withdraw", "amount")
    ],
    "common/offer_refused.txt": [
        {"why": w, "at": AT.replace(tzinfo=UTC), "expired_at": AT.replace(tzinfo=UTC), "zone": "Europe/Berlin"}
        for w in ("offer_accepted", "offer_rejected", "offer_expired", "stale", "counter_used", "forbidden", "x")
    ],
    "common/offer_done.txt": [{"what": w} for w in ("accepted", "rejected", "withdrawn")],
    "flows/counter_ask.html": [{"view": offer_view("store", "pending", True), "example": "€26.00"}],
    "flows/counter_invalid.html": [
        {"view": offer_view("store", "pending", True), "example": "€26.00", "why": w}
        for w in ("counter_too_low", "counter_over_cap", "amount_unreadable")
    ],
    "flows/counter_left.html": [{"open": True}, {"open": False}],
}

# Where a new entry or field begins, and the text that may stand before it on its
# line; anything else before it means two lines ran together.
FIELDS = "Status|Order|Carrier|Estimated delivery|Buyer|Buyer's language|Open tickets|状态|订单|承运商|预计送达|买家|买家语言|待处理工单"
GLUED = {
    "a bullet": re.compile(r"[^\n]•"),
    "a ticket number": re.compile(r"\w#\d"),
    "a history entry": re.compile(r"[^\n](?:👤|🏪|⚙️) "),
    "a timeline entry": re.compile(r"[^\s(（]\d\d(?: \w{3} |-\d\d )\d\d:\d\d"),
    "a field": re.compile(rf"[^\n\s>](?:{FIELDS})[:：]"),
    "a link": re.compile(r"[^\n\s]<a href"),  # a newline eaten before a link leaves it glued to a word
    "a sentence": re.compile(r"[a-z][A-Z]|[a-z][\u4e00-\u9fff]|</code>(?:<a|\w)"),
}
# Button labels and menu descriptions are one line, where "订单：" is just a word.
LINE_CHECKS_FOR_LABELS = {what for what in GLUED if what != "a field"}


def template_names() -> list[str]:
    root = TEMPLATES_DIR / "en"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def rendered_samples():
    """(template, lang, text) for every template, language and sample context."""
    renderer = Renderer()
    for name in template_names():
        if name == "seller/labels.txt":  # macros only, imported by the cards
            continue
        for lang in LANGUAGES:
            for values in SAMPLES.get(name, [{}]):
                yield name, lang, renderer.render(name, lang, **values)


def test_every_template_renders_with_its_samples():
    assert sum(1 for _ in rendered_samples()) > 2 * len(SAMPLES)


@pytest.mark.parametrize("name", template_names())
def test_entries_and_fields_start_their_own_lines(name):
    renderer = Renderer()
    for lang in LANGUAGES:
        for values in SAMPLES.get(name, [{}]) if name != "seller/labels.txt" else []:
            text = renderer.render(name, lang, **values)
            for what, pattern in GLUED.items():
                if name.endswith(".txt") and what not in LINE_CHECKS_FOR_LABELS:
                    continue
                glued = pattern.search(text)
                assert glued is None, f"{lang}/{name}: {what} runs into the text before it:\n{text}"
