"""The vocabulary of the business: every status, reason and kind as a `StrEnum`.

Values are what the database stores, so renaming a value needs a migration.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Role(StrEnum):
    BUYER = "buyer"
    AGENT = "agent"
    MODERATOR = "moderator"


class OrderStatus(StrEnum):
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class BindingSource(StrEnum):
    DEEP_LINK = "deep_link"
    PHONE = "phone"
    EMAIL = "email"
    DEMO = "demo"


class OrderEventKind(StrEnum):
    """Order problems the marketplace pushes (docs/business-rules.md#order-problems)."""

    OUT_OF_STOCK = "out_of_stock"
    SHIPMENT_OVERDUE = "shipment_overdue"
    SELLER_UNRESPONSIVE = "seller_unresponsive"
    CUSTOMS_HOLD = "customs_hold"
    INCORRECT_ADDRESS = "incorrect_address"
    STATUS_CHANGED = "status_changed"
    SHIPPED = "shipped"  # carrier and tracking: the order moves to shipped
    DELIVERED = "delivered"  # the date: the order moves to delivered


class TicketReason(StrEnum):
    """The nine buyer-side reasons, in the menu's order (docs/business-rules.md#ticket-reasons)."""

    REMOVE_PRODUCT = "remove_product"
    CHANGE_SIZE_COLOUR = "change_size_colour"
    CHANGE_ADDRESS = "change_address"
    ORDER_STATUS = "order_status"
    SHIPPING_ETA = "shipping_eta"
    AFTER_SALES = "after_sales"
    RETURN_REFUND = "return_refund"
    CANCEL_ORDER = "cancel_order"
    CONTACT_SELLER = "contact_seller"


# Reasons 1-3 change the order and are possible only before shipment.
ORDER_CHANGE_REASONS = frozenset(
    {TicketReason.REMOVE_PRODUCT, TicketReason.CHANGE_SIZE_COLOUR, TicketReason.CHANGE_ADDRESS}
)


class TicketStatus(StrEnum):
    OPEN = "open"
    WAITING_SELLER = "waiting_seller"
    WAITING_BUYER = "waiting_buyer"
    CLOSED = "closed"


class TicketPriority(IntEnum):
    """Lower sorts first in the agents' queue; ties go by age."""

    QUALITY_VERIFICATION = 10
    URGENT_CLARIFICATION = 20
    NORMAL = 50


class OpenedBy(StrEnum):
    BUYER = "buyer"
    AGENT = "agent"
    SYSTEM = "system"


class AuthorRole(StrEnum):
    BUYER = "buyer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"
    MODERATOR = "moderator"


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    DOCUMENT = "document"
    ANIMATION = "animation"
    AUDIO = "audio"
    VOICE = "voice"
    VIDEO_NOTE = "video_note"
    STICKER = "sticker"


class AttachmentPurpose(StrEnum):
    """Why a file was sent, so a request's evidence can be checked and shown."""

    GENERAL = "general"
    FAULT_EVIDENCE = "fault_evidence"
    SHIPPING_STATUS = "shipping_status"
    BARCODE = "barcode"
    CANCELLATION_PROOF = "cancellation_proof"
    SELLER_EVIDENCE = "seller_evidence"  # what a seller's rejection rests on (a photo, a tracking record)


class CopyRole(StrEnum):
    ORIGINAL = "original"  # the message as its author sent it
    COPY = "copy"  # what the bot posted elsewhere (topic, buyer chat, agent DM)
    CARD = "card"  # a card the bot rendered about it (e.g. a moderator card)


class RequestType(StrEnum):
    DEFECTIVE = "defective"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    MISSING_ITEMS = "missing_items"


# Types that need at least one photo or video of the fault.
EVIDENCE_REQUIRED_TYPES = frozenset({RequestType.DEFECTIVE, RequestType.DAMAGED, RequestType.WRONG_ITEM})


class Resolution(StrEnum):
    RESHIPMENT = "reshipment"
    REFUND_ONLY = "refund_only"
    RETURN_REFUND = "return_refund"
    EXCHANGE = "exchange"
    PARTIAL_REFUND = "partial_refund"  # only ever a seller's alternative, never asked by the buyer


BUYER_RESOLUTIONS = (Resolution.RESHIPMENT, Resolution.REFUND_ONLY, Resolution.RETURN_REFUND, Resolution.EXCHANGE)


class RequestStatus(StrEnum):
    AWAITING_SELLER = "awaiting_seller"
    OFFER_PENDING = "offer_pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    PARTIALLY_REFUNDED = "partially_refunded"
    WITHDRAWN = "withdrawn"
    ESCALATED = "escalated"  # a rejection the buyer took to the moderators


class RejectReason(StrEnum):
    """Why a seller rejects a request; which fit which type: `domain.services.request_rules`."""

    PHOTOS_DO_NOT_SHOW_FAULT = "photos_do_not_show_fault"
    BUYER_DAMAGE = "buyer_damage"  # used or damaged by the buyer
    OUTSIDE_RETURN_WINDOW = "outside_return_window"
    BARCODE_MISMATCH = "barcode_mismatch"
    NO_BARCODE = "no_barcode"  # the buyer gave none and was warned
    SHIPPED_COMPLETE = "shipped_complete"  # missing items: the parcel left complete (packing photo, weight)
    OTHER = "other"


class EscalationOutcome(StrEnum):
    UPHELD = "upheld"  # the rejection stands
    OVERTURNED = "overturned"  # the request is approved


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    COUNTERED = "countered"  # the buyer answered with a counter-offer, now pending with the store


class ReshipmentStatus(StrEnum):
    AWAITING_SHIPMENT = "awaiting_shipment"
    OVERDUE = "overdue"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


class CancellationReason(StrEnum):
    CHANGED_MIND = "changed_mind"
    ORDERED_BY_MISTAKE = "ordered_by_mistake"
    FOUND_CHEAPER = "found_cheaper"
    DELIVERY_TOO_SLOW = "delivery_too_slow"
    WRONG_ADDRESS = "wrong_address"
    OTHER = "other"


class CancellationStatus(StrEnum):
    REQUESTED = "requested"  # not shipped: the seller approves or rejects
    INTERCEPTING = "intercepting"  # domestic, in transit: the seller tries to intercept
    APPROVED = "approved"
    REJECTED = "rejected"
    INTERCEPTED = "intercepted"
    INTERCEPTION_FAILED = "interception_failed"
    WITHDRAWN = "withdrawn"


class ChangeStatus(StrEnum):
    """A request to change the order before shipment (address, size or colour, a product removed)."""

    REQUESTED = "requested"
    APPLIED = "applied"
    DECLINED = "declined"


class DeadlineKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    SELLER_ANSWER = "seller_answer"
    OFFER_RESPONSE = "offer_response"
    RESHIPMENT_SHIP_BY = "reshipment_ship_by"
    AUTO_CLOSE = "auto_close"
    SHIPMENT_REMINDER = "shipment_reminder"
    SHIPMENT_REFUND_OFFER = "shipment_refund_offer"
    FLOW_IDLE = "flow_idle"  # a buyer's half-finished flow, ended after the idle time
    ALBUM_FLUSH = "album_flush"  # an album's parts have come in: pass them on together
    ORDER_EVENT = "order_event"  # a pushed order event for the bot to tell (due at once: an outbox for the CLI)


class ModerationRule(StrEnum):
    """The prohibited practices (docs/business-rules.md#moderation), plus a buyer's report."""

    PAYMENT_DETAILS = "payment_details"
    OFF_PLATFORM_PAYMENT = "off_platform_payment"
    FALSE_INFORMATION = "false_information"
    DISRESPECT = "disrespect"
    BUYER_REPORT = "buyer_report"


class Severity(StrEnum):
    HOLD = "hold"  # held until a moderator releases or blocks it
    FLAG = "flag"  # delivered, then reviewed


class FlagStatus(StrEnum):
    HELD = "held"
    OPEN = "open"
    RELEASED = "released"
    BLOCKED = "blocked"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class InviteKind(StrEnum):
    AGENT = "agent"
    GROUP = "group"
