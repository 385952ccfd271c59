"""Every ORM model, importable from one place; importing this registers the whole schema."""

from domain.models.audit import AuditEvent
from domain.models.base import Base
from domain.models.changes import ChangeRequest
from domain.models.drafts import ConversationDraft
from domain.models.integration import InboxUpdate, OutboundWebhook, OutboxMessage
from domain.models.moderation import ModerationFlag, Strike
from domain.models.orders import Order, OrderBinding, OrderEvent, OrderItem
from domain.models.requests import (
    AfterSalesRequest,
    Cancellation,
    Offer,
    OfferCard,
    RequestFile,
    RequestItem,
    Reshipment,
)
from domain.models.scheduling import Deadline
from domain.models.stores import InviteCode, Store, StoreAgent, StoreSupportGroup
from domain.models.tickets import MessageAttachment, MessageCopy, Ticket, TicketMessage, UnroutedAlbumPart
from domain.models.users import User

__all__ = [
    "AfterSalesRequest",
    "AuditEvent",
    "Base",
    "Cancellation",
    "ChangeRequest",
    "ConversationDraft",
    "Deadline",
    "InviteCode",
    "MessageAttachment",
    "MessageCopy",
    "UnroutedAlbumPart",
    "ModerationFlag",
    "Offer",
    "OfferCard",
    "Order",
    "OrderBinding",
    "OrderEvent",
    "OrderItem",
    "OutboundWebhook",
    "InboxUpdate",
    "OutboxMessage",
    "RequestFile",
    "RequestItem",
    "Reshipment",
    "Store",
    "StoreAgent",
    "StoreSupportGroup",
    "Strike",
    "Ticket",
    "TicketMessage",
    "User",
]
