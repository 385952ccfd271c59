"""Repositories: the queries services need, one class per area, all on the unit of work's session."""

from domain.storage.repositories.operations import (
    AuditRepository,
    DeadlineRepository,
    ModerationRepository,
    OutboxRepository,
)
from domain.storage.repositories.orders import OrderRepository
from domain.storage.repositories.people import UserRepository
from domain.storage.repositories.requests import RequestRepository
from domain.storage.repositories.stores import StoreRepository
from domain.storage.repositories.tickets import TicketRepository
from domain.storage.repositories.webhooks import WebhookRepository

__all__ = [
    "AuditRepository",
    "DeadlineRepository",
    "ModerationRepository",
    "OrderRepository",
    "OutboxRepository",
    "RequestRepository",
    "StoreRepository",
    "TicketRepository",
    "UserRepository",
    "WebhookRepository",
]
