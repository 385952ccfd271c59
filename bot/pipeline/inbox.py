"""Storing received updates in the inbox table before Telegram is told we have them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.pipeline.keys import ConversationKey, key_from_raw
from domain.clock import Clock
from domain.storage.repositories.pipeline import PARKED, PENDING, InboxRepository
from domain.storage.uow import UnitOfWorkFactory


def key_text(key: ConversationKey) -> str:
    """The scheduler key as stored: "chat:user" (empty for a missing half) or "update:<id>"."""
    if len(key) == 3:
        return f"update:{key[2]}"
    chat_id, user_id = key[0], key[1]
    return f"{'' if chat_id is None else chat_id}:{'' if user_id is None else user_id}"


async def store_updates(uow_factory: UnitOfWorkFactory, clock: Clock, updates: Iterable[Mapping[str, Any]]) -> int:
    """Store raw updates in one transaction and commit; returns how many were new.

    A redelivered update (same update_id, same content) is dropped. Telegram
    reuses ids after starting them afresh, so a different update under a done
    update's id replaces that old row. One that
    is not a well-formed update is stored parked, with the reason, rather than
    lost: the batch still commits and the poller moves on.
    """
    stored = 0
    async with uow_factory() as uow:
        inbox = InboxRepository(uow.session)
        now = clock.now()
        for raw in updates:
            payload = dict(raw)
            try:
                key = key_text(key_from_raw(payload))
                status, error = PENDING, None
            except ValueError as problem:
                key, status, error = f"update:{payload.get('update_id')}", PARKED, f"malformed update: {problem}"
            update_id = payload["update_id"]
            if await inbox.store(update_id, payload, key, at=now, status=status, error=error):
                stored += 1
            elif await inbox.replace_reused_id(update_id, payload, key, at=now, status=status, error=error):
                stored += 1
        await uow.commit()
    return stored
