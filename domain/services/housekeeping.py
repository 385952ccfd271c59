"""Housekeeping: the update path's finished rows are deleted once older than the retention.

What goes: inbox updates handled (``done``) before the cutoff, outbox rows
sent before it, deadlines fired or cancelled before it, money webhooks
delivered before it. What stays whatever its age: anything still to do,
anything parked or failed (an operator's to look at), and everything of the
business itself (tickets, messages, requests, offers, the audit trail).

Each call deletes at most ``limit`` rows of one table, oldest first, in the
caller's transaction: small batches, so a busy SQLite (one writer at a time)
never waits long behind housekeeping.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select

from domain.models import Deadline, InboxUpdate, OutboundWebhook, OutboxMessage
from domain.storage.uow import UnitOfWork


def _finished(cutoff: datetime) -> dict[str, tuple[Any, tuple[Any, ...]]]:
    """Per table: its key, and what makes a row finished before ``cutoff``."""
    return {
        "inbox_updates": (InboxUpdate.update_id, (InboxUpdate.status == "done", InboxUpdate.done_at < cutoff)),
        "outbox_messages": (OutboxMessage.id, (OutboxMessage.sent_at < cutoff,)),
        "deadlines": (Deadline.id, (or_(Deadline.fired_at < cutoff, Deadline.cancelled_at < cutoff),)),
        "outbound_webhooks": (
            OutboundWebhook.id,
            (OutboundWebhook.status == "delivered", OutboundWebhook.delivered_at < cutoff),
        ),
    }


TABLES = ("inbox_updates", "outbox_messages", "deadlines", "outbound_webhooks")


async def prune(uow: UnitOfWork, table: str, cutoff: datetime, *, limit: int) -> int:
    """Delete up to ``limit`` finished rows of ``table`` (one of ``TABLES``) older than ``cutoff``; how many went."""
    key, finished = _finished(cutoff)[table]
    oldest = select(key).where(*finished).order_by(key).limit(limit)
    ids = list((await uow.session.scalars(oldest)).all())
    if not ids:
        return 0
    # The conditions again: a row is deleted only as it is now, whatever happened since the look.
    statement = delete(key.class_).where(key.in_(ids), *finished).execution_options(synchronize_session=False)
    return int((await uow.session.execute(statement)).rowcount or 0)
