"""Updates of our own, through the inbox: work that must run in a conversation's order.

A timer that changes a chat's conversation (a flow left idle ends) must not
touch it from the sweeper's task while the runner may be handling that chat's
next message. So the sweeper stores an ``InternalUpdate`` in the inbox under
the conversation's key, in the deadline's transaction; the runner hands it to
``Application.process_update`` in order with the chat's other updates, where an
``InternalUpdateHandler`` of its kind takes it (python-telegram-bot dispatches
any object, as its custom-webhook example does).

Their inbox ids are negative (Telegram's are positive): ``-deadline id`` makes
a second store of the same timer a no-op.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram.ext import BaseHandler

from bot.pipeline.inbox import key_text
from domain.storage.repositories.pipeline import PENDING, InboxRepository

ENVELOPE = "aftersales_internal"


@dataclass(frozen=True)
class InternalUpdate:
    update_id: int
    kind: str
    chat_id: int
    user_id: int
    data: Mapping[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "update_id": self.update_id,
            ENVELOPE: {"kind": self.kind, "chat_id": self.chat_id, "user_id": self.user_id, "data": dict(self.data)},
        }


def from_payload(payload: Mapping[str, Any]) -> InternalUpdate | None:
    """The internal update a stored payload holds, or None for a Telegram update."""
    body = payload.get(ENVELOPE)
    if not isinstance(body, Mapping):
        return None
    return InternalUpdate(payload["update_id"], body["kind"], body["chat_id"], body["user_id"], body.get("data") or {})


async def store_internal(inbox: InboxRepository, update: InternalUpdate, *, at: datetime) -> bool:
    """Queue ``update`` for the runner in the caller's transaction; False if it was queued already."""
    row = {
        "update_id": update.update_id,
        "payload": update.payload(),
        "conversation_key": key_text((update.chat_id, update.user_id)),
        "status": PENDING,
        "last_error": None,
    }
    return bool(await inbox.store_many([row], at=at))


class InternalUpdateHandler(BaseHandler[Any, Any, None]):
    """Takes the internal updates of one ``kind``."""

    def __init__(self, kind: str, callback: Callable[[InternalUpdate, Any], Awaitable[None]]) -> None:
        super().__init__(callback)
        self.kind = kind

    def check_update(self, update: object) -> bool:
        return isinstance(update, InternalUpdate) and update.kind == self.kind


def conversation_of(update: object) -> tuple[int, int] | None:
    """(chat id, user id) of a Telegram update or an internal one; None if it lacks either."""
    if isinstance(update, InternalUpdate):
        return update.chat_id, update.user_id
    chat, user = getattr(update, "effective_chat", None), getattr(update, "effective_user", None)
    if chat is None or user is None:
        return None
    return chat.id, user.id
