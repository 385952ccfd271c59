"""What an operator watches: the backlogs of the update path and the business waiting on people, as counts.

Read in one short read-only unit of work each time metrics are scraped
(``/metrics``); every count is one indexed or bounded query, so a scrape
never holds the relay up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from domain.enums import FlagStatus, OfferStatus, TicketStatus
from domain.models import Deadline, InboxUpdate, ModerationFlag, Offer, OutboundWebhook, OutboxMessage, Ticket
from domain.storage.uow import UnitOfWork


@dataclass(frozen=True)
class OperationsReport:
    inbox_pending: int
    inbox_parked: int
    outbox_unsent: int
    outbox_failed: int
    deadlines_due: int
    deadlines_parked: int
    webhooks_pending: int
    webhooks_parked: int
    open_tickets: dict[str, int]  # by status, every open status present
    pending_offers: int
    moderation_holds: int


async def operations_report(uow: UnitOfWork, now: datetime) -> OperationsReport:
    session = uow.session

    async def count(entity, *conditions) -> int:
        return int(await session.scalar(select(func.count()).select_from(entity).where(*conditions)) or 0)

    by_status = dict(
        (
            await session.execute(
                select(Ticket.status, func.count()).where(Ticket.status != TicketStatus.CLOSED).group_by(Ticket.status)
            )
        ).all()
    )
    live = (Deadline.fired_at.is_(None), Deadline.cancelled_at.is_(None))
    return OperationsReport(
        inbox_pending=await count(InboxUpdate, InboxUpdate.status == "pending"),
        inbox_parked=await count(InboxUpdate, InboxUpdate.status == "parked"),
        outbox_unsent=await count(OutboxMessage, OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)),
        outbox_failed=await count(OutboxMessage, OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_not(None)),
        deadlines_due=await count(Deadline, Deadline.due_at <= now, *live, Deadline.parked_at.is_(None)),
        deadlines_parked=await count(Deadline, Deadline.parked_at.is_not(None), *live),
        webhooks_pending=await count(OutboundWebhook, OutboundWebhook.status == "pending"),
        webhooks_parked=await count(OutboundWebhook, OutboundWebhook.status == "parked"),
        open_tickets={
            status.value: int(by_status.get(status, 0)) for status in TicketStatus if status != TicketStatus.CLOSED
        },
        pending_offers=await count(Offer, Offer.status.in_([OfferStatus.PENDING, OfferStatus.COUNTERED])),
        moderation_holds=await count(ModerationFlag, ModerationFlag.status == FlagStatus.HELD),
    )
