"""What the seller side does with Telegram's answers, and with sends that failed.

The sender (``bot.pipeline.sender``) runs these in its own transaction after
a call: result hooks by the name an outbox row carries, the failure hook for
every row that could not be sent. ``seller_pipeline_options`` hands them, and
the ticket timers, to ``UpdatePipeline``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.relay import moderation_cards, offer_cards, topics
from bot.relay.desk import Desk
from bot.relay.notices import deliver_notices
from bot.relay.order_notices import deliver_order_notices
from bot.relay.outgoing import copy_to_agents_by_ids, copy_waiting_messages, forward_to_store
from bot.relay.reactions import MARK_WHEN_SENT, mark_delivered
from bot.rendering import Renderer
from domain.clock import Clock
from domain.enums import AuthorRole, CopyRole, DeadlineKind
from domain.errors import InvalidInput
from domain.models import Deadline, OutboxMessage
from domain.models.integration import OutboxPriority
from domain.services import order_events, request_timers, ticket_timers
from domain.services.albums import album_originals
from domain.services.relay import record_copy
from domain.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

THREAD_GONE = "message thread not found"


def _message_ids(result: Any) -> list[int]:
    """copyMessage answers one MessageId, copyMessages a list, sendMessage a Message."""
    if isinstance(result, list):
        return [item["message_id"] for item in result if isinstance(item, dict)]
    if isinstance(result, dict) and "message_id" in result:
        return [result["message_id"]]
    return []


class SellerHooks:
    def __init__(self, renderer: Renderer, clock: Clock, moderators_chat_id: int | None = None) -> None:
        self._renderer = renderer
        self._clock = clock
        self._moderators_chat_id = moderators_chat_id

    def _desk(self, uow: UnitOfWork, priority: OutboxPriority | None = None) -> Desk:
        return Desk.for_hook(uow, self._renderer, self._clock, self._moderators_chat_id, priority)

    def result_hooks(self) -> dict[str, Any]:
        return {
            "topic_created": self.topic_created,
            "card_sent": self.card_sent,
            "copy_sent": self.copy_sent,
            "buyer_copy_sent": self.copy_sent,
            offer_cards.CARD_SENT: self.offer_card_sent,
            moderation_cards.CARD_SENT: self.moderation_card_sent,
        }

    async def moderation_card_sent(self, uow: UnitOfWork, row: OutboxMessage, result: Any) -> None:
        if isinstance(result, dict) and "message_id" in result:
            args = row.on_result_args or {}
            await moderation_cards.card_sent(self._desk(uow), args["case_id"], row.chat_id, result["message_id"])

    async def offer_card_sent(self, uow: UnitOfWork, row: OutboxMessage, result: Any) -> None:
        args = row.on_result_args or {}
        if isinstance(result, dict) and "message_id" in result:
            shown = offer_cards.fingerprint(row.payload.get("text", ""), row.payload.get("reply_markup"))
            await offer_cards.card_sent(
                self._desk(uow), args["offer_id"], args["audience"], row.chat_id, result["message_id"], shown
            )

    async def topic_created(self, uow: UnitOfWork, row: OutboxMessage, result: Any) -> None:
        args = row.on_result_args or {}
        desk = self._desk(uow)
        made = await topics.on_topic_created(
            desk,
            args["ticket_id"],
            result["message_thread_id"],
            result.get("name", ""),
            recreated=bool(args.get("recreated")),
        )
        if made is not None:  # then the buyer's messages that came meanwhile (or made it be made again)
            ticket, group = made
            await copy_waiting_messages(desk, ticket, group.chat_id, result["message_thread_id"])

    async def card_sent(self, uow: UnitOfWork, row: OutboxMessage, result: Any) -> None:
        ticket = await uow.tickets.get((row.on_result_args or {})["ticket_id"])
        if ticket is not None:
            ticket.header_message_id = result["message_id"]

    async def copy_sent(self, uow: UnitOfWork, row: OutboxMessage, result: Any) -> None:
        args = row.on_result_args or {}
        role = CopyRole(args.get("role", CopyRole.COPY))
        for message_id in _message_ids(result):
            try:
                await record_copy(
                    uow,
                    self._clock,
                    args["ticket_message_id"],
                    row.chat_id,
                    message_id,
                    role=role,
                    thread_id=row.payload.get("message_thread_id"),
                )
            except InvalidInput:
                log.warning("copy %s/%s not recorded: the ticket message is gone", row.chat_id, message_id)
        if args.get(MARK_WHEN_SENT) and args.get("report_chat") is not None:
            # The buyer has the agent's whole message now: the agent sees it on their own message.
            await mark_delivered(self._desk(uow), args["report_chat"], args["report_reply_to"])

    async def send_failed(self, uow: UnitOfWork, row: OutboxMessage, error: str) -> None:
        """A reply the buyer will not get is told to the agent; a deleted topic is made again."""
        args = row.on_result_args or {}
        desk = self._desk(uow)
        if row.on_result == "buyer_copy_sent" and args.get("report_chat") is not None:
            if not await self._follows_a_reported_failure(uow, row):
                await self._report_undelivered(desk, row, args, error)
        elif row.on_result == "topic_created":
            await self._without_topic(desk, row, error)
        elif THREAD_GONE in error.lower() and row.payload.get("message_thread_id") is not None:
            await self._remake_topic(desk, row.chat_id, row.payload["message_thread_id"])

    async def _follows_a_reported_failure(self, uow: UnitOfWork, row: OutboxMessage) -> bool:
        """A later part of a long reply, not sent because an earlier part failed: that one told the agent."""
        if row.after_id is None:
            return False
        before = await uow.session.get(OutboxMessage, row.after_id)
        return before is not None and before.failed_at is not None and before.on_result == "buyer_copy_sent"

    async def _without_topic(self, desk: Desk, row: OutboxMessage, error: str) -> None:
        """The group refused a topic (rights taken away, topics turned off, bot removed).

        The group stops taking tickets until it is linked again, and this
        ticket goes to the agents' private chats rather than nowhere.
        """
        ticket = await desk.uow.tickets.get((row.on_result_args or {}).get("ticket_id"))
        group = await desk.uow.stores.group_by_chat(row.chat_id)
        if group is not None:
            group.active = False
            log.warning("support group %s no longer takes tickets: %s", row.chat_id, error)
        if ticket is None:
            return
        ticket.support_group_id, ticket.topic_id = None, None
        await topics.send_private_cards(desk, ticket)
        for message in await desk.uow.tickets.messages(ticket.id):
            originals = [c for c in message.copies if c.role == CopyRole.ORIGINAL]
            if message.author_role == AuthorRole.BUYER and originals and len(message.copies) == len(originals):
                await copy_to_agents_by_ids(
                    desk, ticket, message.id, originals[0].chat_id, [c.telegram_message_id for c in originals]
                )

    async def _report_undelivered(self, desk: Desk, row: OutboxMessage, args: Mapping[str, Any], error: str) -> None:
        message = await desk.uow.tickets.get_message(args["ticket_message_id"])
        ticket = await desk.uow.tickets.get(message.ticket_id) if message else None
        lang = await topics.agents_language(desk, ticket.store_id) if ticket else "en"
        blocked = "forbidden" in error.lower() and "block" in error.lower()
        thread = args.get("report_thread")
        if ticket is not None and thread is not None and ticket.topic_id != thread:
            thread = ticket.topic_id  # the topic was made again meanwhile
        await desk.outbox.send_message(
            args["report_chat"],
            desk.render("seller/undelivered.html", lang, blocked=blocked),
            parse_mode="HTML",
            message_thread_id=thread,
            reply_parameters={"message_id": args["report_reply_to"], "allow_sending_without_reply": True},
        )

    async def _remake_topic(self, desk: Desk, chat_id: int, thread_id: int) -> None:
        ticket = await desk.uow.tickets.by_topic(chat_id, thread_id)
        if ticket is None:
            return  # already made again (several sends failed at once) or not a ticket's topic
        group = await topics.group_of(desk, ticket)
        if group is not None:
            await topics.create_topic(desk, ticket, group, recreated=True)

    async def fire_ticket_deadline(self, uow: UnitOfWork, deadline: Deadline) -> None:
        """First-response reminders and auto-close, claimed by the sweeper; their notices told here."""
        notices = await ticket_timers.fire_claimed(uow, deadline, self._clock)
        await deliver_notices(self._desk(uow, OutboxPriority.AUTOMATIC), notices)

    async def fire_request_deadline(self, uow: UnitOfWork, deadline: Deadline) -> None:
        """A request's answer deadline, an offer's expiry, a missed ship-by: told to all whom they concern.

        Each notice that changes the request refreshes its cards; the moderators' notices go with them.
        """
        notices = await request_timers.fire_claimed(uow, deadline, self._clock)
        await deliver_notices(self._desk(uow, OutboxPriority.AUTOMATIC), notices, to=("buyer", "store", "moderators"))

    async def fire_order_deadline(self, uow: UnitOfWork, deadline: Deadline) -> None:
        """An order event to tell (recorded by the CLI or the API), or a shipment overdue by 2 or 4 days."""
        notices = await order_events.fire_claimed(uow, deadline, self._clock)
        await deliver_order_notices(self._desk(uow, OutboxPriority.AUTOMATIC), notices)

    async def flush_album(self, uow: UnitOfWork, deadline: Deadline) -> None:
        """A buyer's album has had time to arrive whole: its parts go to the store together."""
        message = await uow.tickets.get_message(deadline.subject_id)
        ticket = await uow.tickets.get(message.ticket_id) if message else None
        found = await album_originals(uow, deadline.subject_id)
        if ticket is None or found is None:
            return
        from_chat, ids = found
        await forward_to_store(self._desk(uow), ticket, deadline.subject_id, from_chat, ids)

    def deadline_handlers(self) -> dict[DeadlineKind, Any]:
        return {
            DeadlineKind.FIRST_RESPONSE: self.fire_ticket_deadline,
            DeadlineKind.AUTO_CLOSE: self.fire_ticket_deadline,
            DeadlineKind.ALBUM_FLUSH: self.flush_album,
            **dict.fromkeys(request_timers.KINDS, self.fire_request_deadline),
            **dict.fromkeys(order_events.KINDS, self.fire_order_deadline),
        }


def seller_pipeline_options(renderer: Renderer, clock: Clock, moderators_chat_id: int | None = None) -> dict[str, Any]:
    """``UpdatePipeline`` keyword arguments that plug the seller side in."""
    hooks = SellerHooks(renderer, clock, moderators_chat_id)
    return {
        "result_hooks": hooks.result_hooks(),
        "on_send_failure": hooks.send_failed,
        "deadline_handlers": hooks.deadline_handlers(),
    }
