"""Storing received updates in the inbox table before Telegram is told we have them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from bot.pipeline.keys import ConversationKey, key_from_raw
from domain.clock import Clock
from domain.storage.repositories.pipeline import PARKED, PENDING, InboxRepository
from domain.storage.uow import UnitOfWorkFactory

# Receives update_id → (received_at, payload) of updates about to be committed for handling.
OfferHook = Callable[[dict[int, tuple[datetime, dict[str, Any]]]], object]


def key_text(key: ConversationKey) -> str:
    """The scheduler key as stored: "chat:user" (empty for a missing half) or "update:<id>"."""
    if len(key) == 3:
        return f"update:{key[2]}"
    chat_id, user_id = key[0], key[1]
    return f"{'' if chat_id is None else chat_id}:{'' if user_id is None else user_id}"


async def store_updates(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    updates: Iterable[Mapping[str, Any]],
    *,
    offer: OfferHook | None = None,
) -> int:
    """Store raw updates in one transaction and commit; returns how many were new.

    A redelivered update (same update_id, same content) is dropped. Telegram
    reuses ids after starting them afresh, so a different update under a done
    update's id replaces that old row. One that
    is not a well-formed update is stored parked, with the reason, rather than
    lost: the batch still commits and the poller moves on.

    ``offer``, if given, is handed the updates stored for handling just
    before the commit (so before anyone can see their rows), as update_id →
    (received_at, payload): the runner takes them from memory rather than
    reading them back. If the commit fails, no row ever matches them.
    """
    rows: dict[int, dict[str, Any]] = {}
    for raw in updates:
        payload = dict(raw)
        try:
            key = key_text(key_from_raw(payload))
            status, error = PENDING, None
        except ValueError as problem:
            key, status, error = f"update:{payload.get('update_id')}", PARKED, f"malformed update: {problem}"
        # A second copy within one batch is a redelivery of the first: the first is kept.
        rows.setdefault(
            payload["update_id"],
            {
                "update_id": payload["update_id"],
                "payload": payload,
                "conversation_key": key,
                "status": status,
                "last_error": error,
            },
        )
    async with uow_factory() as uow:
        inbox = InboxRepository(uow.session)
        now = clock.now()
        stored = await inbox.store_many(list(rows.values()), at=now)
        for update_id, row in rows.items():
            if update_id not in stored and await inbox.replace_reused_id(
                update_id,
                row["payload"],
                row["conversation_key"],
                at=now,
                status=row["status"],
                error=row["last_error"],
            ):
                stored.add(update_id)
        if offer is not None:
            offer(
                {
                    update_id: (now, rows[update_id]["payload"])
                    for update_id in stored
                    if rows[update_id]["status"] == PENDING
                }
            )
        await uow.commit()
    return len(stored)
