"""The operator's counts (``/metrics``): each backlog counts its own rows and nothing else."""

from __future__ import annotations

from datetime import timedelta

from domain.enums import DeadlineKind, TicketReason
from domain.models import Deadline, InboxUpdate, OutboxMessage
from domain.services.operations_report import operations_report
from domain.services.tickets import close_ticket, open_ticket


def _outbox(now, **fields) -> OutboxMessage:
    return OutboxMessage(chat_id=1, method="sendMessage", payload={}, created_at=now, next_attempt_at=now, **fields)


async def test_each_backlog_counts_only_what_waits_in_it(uow_factory, clock, shop) -> None:
    now = clock.now()
    async with uow_factory() as uow:
        first = await open_ticket(uow, clock, shop.buyer, shop.orders["C-1"], TicketReason.CONTACT_SELLER, "hi")
        await open_ticket(uow, clock, shop.buyer, shop.orders["S-1"], TicketReason.SHIPPING_ETA, "when?")
        await uow.commit()
    async with uow_factory() as uow:
        await close_ticket(uow, clock, first.ticket.ticket_id, "buyer", shop.buyer)
        for update_id, status in ((1, "pending"), (2, "pending"), (3, "done"), (4, "parked")):
            uow.session.add(
                InboxUpdate(update_id=update_id, payload={}, conversation_key="c", status=status, received_at=now)
            )
        uow.session.add_all(
            [
                _outbox(now),
                _outbox(now, sent_at=now),
                _outbox(now, failed_at=now, last_error="Forbidden: bot was blocked by the user"),
            ]
        )
        for subject_id, due, fields in (
            (1, now - timedelta(minutes=1), {}),  # due
            (2, now + timedelta(days=1), {}),  # pending, not due
            (3, now - timedelta(minutes=1), {"fired_at": now}),
            (4, now - timedelta(minutes=1), {"cancelled_at": now}),
            (5, now - timedelta(minutes=1), {"parked_at": now, "attempts": 5}),
        ):
            uow.session.add(
                Deadline(
                    kind=DeadlineKind.ALBUM_FLUSH,
                    subject_type="message",
                    subject_id=subject_id,
                    due_at=due,
                    created_at=now,
                    next_attempt_at=due,
                    **fields,
                )
            )
        await uow.commit()
    async with uow_factory.reading() as uow:
        report = await operations_report(uow, now)
    assert (report.inbox_pending, report.inbox_parked) == (2, 1)
    assert (report.outbox_unsent, report.outbox_failed) == (1, 1)
    assert (report.deadlines_due, report.deadlines_parked) == (1, 1)
    # One ticket closed, one waiting for the seller; every open status is reported, zero or not.
    assert report.open_tickets == {"open": 0, "waiting_seller": 1, "waiting_buyer": 0}
    assert (report.pending_offers, report.moderation_holds, report.webhooks_pending) == (0, 0, 0)
