"""Housekeeping deletes finished rows past the retention, oldest first, and nothing that still matters."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from domain.enums import DeadlineKind
from domain.models import Deadline, InboxUpdate, OutboundWebhook, OutboxMessage
from domain.services.housekeeping import TABLES, prune

RETENTION = timedelta(days=30)


async def seed_every_table(uow_factory, now) -> None:
    """Per table: two finished long ago, one finished lately, and old rows that are not finished."""
    old, recent = now - RETENTION - timedelta(days=1), now - timedelta(days=1)
    async with uow_factory() as uow:
        add = uow.session.add
        for update_id, status, done_at in (
            (1, "done", old), (2, "done", old), (3, "done", recent), (4, "pending", None), (5, "parked", None)
        ):  # fmt: skip
            add(
                InboxUpdate(
                    update_id=update_id,
                    payload={},
                    conversation_key="c",
                    status=status,
                    received_at=old,
                    done_at=done_at,
                )
            )
        for sent_at, failed_at in ((old, None), (old, None), (recent, None), (None, None), (None, old)):
            add(OutboxMessage(chat_id=1, method="sendMessage", payload={}, created_at=old, next_attempt_at=old,
                              sent_at=sent_at, failed_at=failed_at))  # fmt: skip
        for subject_id, fields in enumerate(
            ({"fired_at": old}, {"cancelled_at": old}, {"fired_at": recent}, {}, {"parked_at": old, "attempts": 5})
        ):
            add(Deadline(kind=DeadlineKind.ALBUM_FLUSH, subject_type="message", subject_id=subject_id, due_at=old,
                         created_at=old, next_attempt_at=old, **fields))  # fmt: skip
        for key, status, delivered_at in (
            ("a", "delivered", old), ("b", "delivered", old), ("c", "delivered", recent), ("d", "pending", None),
            ("e", "parked", None),
        ):  # fmt: skip
            add(OutboundWebhook(idempotency_key=key, event_type="refund.approved", payload={}, status=status,
                                created_at=old, next_attempt_at=old, delivered_at=delivered_at))  # fmt: skip
        await uow.commit()


async def rows_left(uow_factory) -> dict[str, int]:
    async with uow_factory.reading() as uow:
        return {
            model.__tablename__: await uow.session.scalar(select(func.count()).select_from(model))
            for model in (InboxUpdate, OutboxMessage, Deadline, OutboundWebhook)
        }


async def test_only_rows_finished_before_the_cutoff_go_a_batch_at_a_time(uow_factory, clock) -> None:
    now = clock.now()
    await seed_every_table(uow_factory, now)
    for table in TABLES:
        async with uow_factory() as uow:
            first = await prune(uow, table, now - RETENTION, limit=1)
            second = await prune(uow, table, now - RETENTION, limit=5)
            third = await prune(uow, table, now - RETENTION, limit=5)
            await uow.commit()
        assert (first, second, third) == (1, 1, 0), table
    # Of five rows each: the lately finished one and the two unfinished (pending, parked or failed) stay.
    assert await rows_left(uow_factory) == dict.fromkeys(TABLES, 3)
