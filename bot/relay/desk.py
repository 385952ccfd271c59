"""What the seller side needs to act: the unit of work, the outbox, the renderer and the clock.

Handlers get these from their context; result and failure hooks (which run in
the sender's own transaction, outside any update) build them from the
sender's unit of work. Either way the seller code below takes one `Desk`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.pipeline.outbox import Outbox
from bot.rendering import Renderer
from domain.clock import Clock
from domain.models.integration import OutboxPriority

if TYPE_CHECKING:
    from telegram import Message

    from bot.context import AftersalesContext
    from domain.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Desk:
    uow: UnitOfWork
    outbox: Outbox
    renderer: Renderer
    clock: Clock
    moderators_chat_id: int | None = None  # where escalations go (settings); None: no moderators' group

    @classmethod
    def of(cls, context: AftersalesContext) -> Desk:
        deps = context.deps
        return cls(context.uow, context.outbox, deps.renderer, deps.clock, deps.settings.moderators_chat_id)

    @classmethod
    def for_hook(
        cls,
        uow: UnitOfWork,
        renderer: Renderer,
        clock: Clock,
        moderators_chat_id: int | None = None,
        priority: OutboxPriority | None = None,
    ) -> Desk:
        return cls(uow, Outbox(uow, clock, priority=priority), renderer, clock, moderators_chat_id)

    def render(self, template: str, lang: str, /, **values: object) -> str:
        return self.renderer.render(template, lang, **values)


class _WithOutbox(Protocol):
    outbox: Outbox


async def answer_in_place(where: _WithOutbox, message: Message, text: str) -> None:
    """A reply where the command was typed: the same chat and, in a forum, the same topic (a context or a desk)."""
    await where.outbox.send_message(
        message.chat_id,
        text,
        parse_mode="HTML",
        message_thread_id=message.message_thread_id if message.is_topic_message else None,
    )
