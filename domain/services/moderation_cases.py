"""Moderation cases: reports, moderators' flags and decisions, strikes and suspension.

A case is opened by the screen (`checkpoint`), by a buyer's report or by a
moderator's flag, and decided once by a moderator: every decision is a
compare-and-set on the case's status, audited with who and when. A strike
that brings the store to its threshold within its window suspends the
store's messaging; lifting it passes what was kept meanwhile through the
checkpoint again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from domain.clock import Clock
from domain.enums import AuthorRole, FlagStatus, ModerationRule, Severity
from domain.models import ModerationFlag, Store, Strike, TicketMessage
from domain.services.checkpoint import BLOCKED, Passage, pass_seller_text
from domain.services.refusals import Forbidden, Refused
from domain.services.relay import store_answered
from domain.services.ticket_access import require_buyer_of, require_store, require_ticket
from domain.states import transition
from domain.storage.uow import UnitOfWork

Decision = Literal["release", "block", "warn", "strike", "dismiss"]
DECISIONS: dict[str, Decision] = {"rl": "release", "bl": "block", "cw": "warn", "cs": "strike", "dm": "dismiss"}
CONTEXT_MESSAGES = 4  # the messages before the case's one on its card


@dataclass(frozen=True)
class Moderator:
    telegram_id: int
    name: str
    is_moderator: bool  # a member of the moderators' group, as Telegram said just before

    @property
    def actor(self) -> str:
        return f"moderator:{self.telegram_id}"


@dataclass(frozen=True)
class ContextLine:
    author: str  # "buyer", "agent", "system"
    text: str | None
    files: int


@dataclass(frozen=True)
class CaseView:
    """What a moderator's card shows of a case."""

    case_id: int
    status: str
    source: str
    rules: tuple[str, ...]
    store_id: int
    store_name: str
    ticket_id: int
    ticket_number: int
    text: str
    hits: tuple[dict[str, Any], ...]
    for_edit: bool
    previous_text: str | None
    context: tuple[ContextLine, ...]
    strikes: int  # within the store's window
    strike_threshold: int
    suspended: bool
    penalty: str | None = None
    reviewer_name: str | None = None
    reviewed_at: datetime | None = None
    card_chat_id: int | None = None
    card_message_id: int | None = None


@dataclass(frozen=True)
class CaseDecided:
    view: CaseView
    decision: Decision
    was: str  # "held" or "open": what the case was before this decision
    released: bool = False  # the held message (or edit) goes to the buyer now
    ticket_message_id: int = 0
    strike_count: int = 0
    suspended_now: bool = False  # this strike suspended the store's messaging


@dataclass(frozen=True)
class Unsuspended:
    store_id: int
    store_name: str
    passages: tuple[tuple[int, Passage], ...] = field(default_factory=tuple)  # (ticket message id, passage)


def _strike_window_start(store: Store, now: datetime) -> datetime:
    return now - timedelta(days=store.strike_window_days)


async def case_view(uow: UnitOfWork, case_id: int, clock: Clock) -> CaseView:
    case = await uow.moderation.get_flag(case_id)
    if case is None:
        raise Refused("no_case", f"no moderation case {case_id}")
    message = await uow.tickets.get_message(case.message_id)
    ticket = await require_ticket(uow, message.ticket_id if message else (case.ticket_id or 0))
    store = await require_store(uow, case.store_id)
    context = [
        ContextLine(str(m.author_role), m.text, len(m.attachments))
        for m in await uow.moderation.recent_messages(ticket.id, case.message_id, limit=CONTEXT_MESSAGES)
        if not m.internal and (m.text or m.attachments)
    ]
    hits = tuple(case.hits or ())
    return CaseView(
        case_id=case.id,
        status=str(case.status),
        source=case.source,
        rules=tuple(dict.fromkeys(h["rule"] for h in hits)) or (str(case.rule),),
        store_id=store.id,
        store_name=store.name,
        ticket_id=ticket.id,
        ticket_number=ticket.number,
        text=case.matched_text or "",
        hits=hits,
        for_edit=case.for_edit,
        previous_text=case.previous_text,
        context=tuple(context),
        strikes=await uow.moderation.strike_count(store.id, since=_strike_window_start(store, clock.now())),
        strike_threshold=store.strike_threshold,
        suspended=store.messaging_suspended_at is not None,
        penalty=case.penalty,
        reviewer_name=case.reviewer_name,
        reviewed_at=case.reviewed_at,
        card_chat_id=case.card_chat_id,
        card_message_id=case.card_message_id,
    )


async def record_card(uow: UnitOfWork, case_id: int, chat_id: int, message_id: int) -> None:
    """Where the moderators' card of the case is, so a decision edits it."""
    case = await uow.moderation.get_flag(case_id)
    if case is not None:
        case.card_chat_id, case.card_message_id = chat_id, message_id


async def _delivered_agent_message(uow: UnitOfWork, ticket_message_id: int) -> TicketMessage:
    message = await uow.tickets.get_message(ticket_message_id)
    if message is None or message.author_role != AuthorRole.AGENT or message.internal:
        raise Refused("not_store_message", "only the store's messages can be reported")
    if message.delivery is not None:
        raise Refused("not_delivered", "this message has not reached the buyer")
    return message


async def _open_report(
    uow: UnitOfWork, clock: Clock, message: TicketMessage, source: str, actor: str, user_id: int | None
) -> tuple[int, bool]:
    """A report or flag of `message`: (case id, whether it was open already)."""
    existing = await uow.moderation.open_report(message.id, source)
    if existing is not None:
        return existing.id, True
    ticket = await require_ticket(uow, message.ticket_id)
    now = clock.now()
    case = uow.moderation.add_flag(
        ModerationFlag(
            message_id=message.id,
            store_id=ticket.store_id,
            ticket_id=ticket.id,
            source=source,
            rule=ModerationRule.BUYER_REPORT,
            severity=Severity.FLAG,
            status=FlagStatus.OPEN,
            matched_text=message.text,
            hits=[],
            reported_by_user_id=user_id,
            created_at=now,
        )
    )
    await uow.flush()
    uow.audit.record(
        "moderation.reported" if source == "buyer_report" else "moderation.flagged_by_moderator",
        subject_type="flag",
        subject_id=case.id,
        actor=actor,
        at=now,
        data={"message_id": message.id, "ticket_id": ticket.id},
    )
    return case.id, False


async def report_message(
    uow: UnitOfWork, clock: Clock, ticket_message_id: int, buyer_telegram_id: int
) -> tuple[int, bool]:
    """A buyer reports a store's message they received: a case for the moderators, once while open."""
    message = await _delivered_agent_message(uow, ticket_message_id)
    ticket = await require_ticket(uow, message.ticket_id)
    buyer = await require_buyer_of(uow, ticket, buyer_telegram_id)
    return await _open_report(uow, clock, message, "buyer_report", f"buyer:{buyer.id}", buyer.id)


async def flag_message(uow: UnitOfWork, clock: Clock, ticket_message_id: int, moderator: Moderator) -> tuple[int, bool]:
    """A moderator flags a store's message (replying /flag to any copy of it)."""
    if not moderator.is_moderator:
        raise Forbidden("only moderators flag messages")
    message = await uow.tickets.get_message(ticket_message_id)
    if message is None or message.author_role != AuthorRole.AGENT or message.internal:
        raise Refused("not_store_message", "only the store's messages to buyers can be flagged")
    return await _open_report(uow, clock, message, "moderator", moderator.actor, None)


_TARGET = {
    ("held", "release"): FlagStatus.RELEASED,
    ("held", "block"): FlagStatus.BLOCKED,
    ("held", "warn"): FlagStatus.CONFIRMED,
    ("held", "strike"): FlagStatus.CONFIRMED,
    ("open", "warn"): FlagStatus.CONFIRMED,
    ("open", "strike"): FlagStatus.CONFIRMED,
    ("open", "dismiss"): FlagStatus.DISMISSED,
}


async def decide_case(
    uow: UnitOfWork, clock: Clock, case_id: int, decision: Decision, moderator: Moderator
) -> CaseDecided:
    """A moderator's press on a case's card, once: the loser of a race is refused with what was decided."""
    if not moderator.is_moderator:
        raise Forbidden("only moderators decide moderation cases")
    now = clock.now()
    case = await uow.moderation.get_flag(case_id)
    if case is None:
        raise Refused("no_case", f"no moderation case {case_id}")
    status = str(case.status)
    if status not in ("held", "open"):
        raise Refused(
            "case_decided", "this case was decided already", status=status, by=case.reviewer_name, at=case.reviewed_at
        )
    target = _TARGET.get((status, decision))
    if target is None:
        raise Refused("not_for_case", f"{decision} does not apply to a {status} case")
    penalty = {"warn": "warning", "strike": "strike"}.get(decision)
    await transition(
        uow,
        case,
        target,
        actor=moderator.actor,
        reason=decision,
        at=now,
        data={"decision": decision, "moderator": moderator.name},
    )
    case.penalty, case.reviewed_by, case.reviewer_name, case.reviewed_at = penalty, moderator.actor, moderator.name, now
    message = await uow.tickets.get_message(case.message_id)
    released = False
    if status == "held" and message is not None:
        if decision == "release":
            released = True
            if not case.for_edit:
                message.delivery = None
                ticket = await require_ticket(uow, message.ticket_id)
                await store_answered(
                    uow, ticket, await require_store(uow, ticket.store_id), message.author_user_id, now
                )
        elif case.for_edit:
            message.text = case.previous_text  # the buyer kept the text before the edit: so does the record
            message.entities = None
        else:
            message.delivery = BLOCKED
    store = await require_store(uow, case.store_id)
    strike_count, suspended_now = 0, False
    if decision == "strike":
        # Two strikes at once on different cases would each count the other's as missing and neither
        # suspend: the store's row lock makes the second count after the first commits.
        await uow.session.execute(select(Store.id).where(Store.id == store.id).with_for_update())
        uow.moderation.add_strike(
            Strike(store_id=store.id, flag_id=case.id, given_by_user_id=None, reason=str(case.rule), created_at=now)
        )
        await uow.flush()
        strike_count = await uow.moderation.strike_count(store.id, since=_strike_window_start(store, now))
        if strike_count >= store.strike_threshold:
            suspended_now = await _suspend(uow, store, now, moderator.actor, strike_count)
    await uow.flush()
    return CaseDecided(
        view=await case_view(uow, case.id, clock),
        decision=decision,
        was=status,
        released=released,
        ticket_message_id=case.message_id,
        strike_count=strike_count,
        suspended_now=suspended_now,
    )


async def _set_suspended(uow: UnitOfWork, store: Store, since: datetime | None) -> bool:
    """Suspend (`since`) or lift (None) the store's messaging as a compare-and-set; False if it was so already."""
    was = Store.messaging_suspended_at.is_(None) if since is not None else Store.messaging_suspended_at.is_not(None)
    result = await uow.session.execute(
        update(Store)
        .where(Store.id == store.id, was)
        .values(messaging_suspended_at=since)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(store, "messaging_suspended_at", since)
    return True


async def _suspend(uow: UnitOfWork, store: Store, now: datetime, actor: str, strikes: int) -> bool:
    if not await _set_suspended(uow, store, now):
        return False  # suspended already
    uow.audit.record(
        "store.messaging_suspended",
        subject_type="store",
        subject_id=store.id,
        actor=actor,
        at=now,
        data={"strikes": strikes, "threshold": store.strike_threshold, "window_days": store.strike_window_days},
    )
    return True


async def find_store(uow: UnitOfWork, reference: str) -> Store:
    """A store named by its id or its name."""
    reference = reference.strip()
    store = await uow.stores.by_name_or_id(reference)
    if store is None:
        raise Refused("no_store", f"no store {reference!r}")
    return store


async def unsuspend(uow: UnitOfWork, clock: Clock, store_reference: str, moderator: Moderator) -> Unsuspended:
    """Lift a suspension; what the agents wrote meanwhile is screened now and goes on (or is held for review)."""
    if not moderator.is_moderator:
        raise Forbidden("only moderators lift a suspension")
    now = clock.now()
    store = await find_store(uow, store_reference)
    if not await _set_suspended(uow, store, None):
        raise Refused("not_suspended", f"{store.name}'s messaging is not suspended", store=store.name)
    uow.audit.record(
        "store.messaging_restored", subject_type="store", subject_id=store.id, actor=moderator.actor, at=now, data={}
    )
    passages = []
    for message in await uow.moderation.kept_while_suspended(store.id):
        ticket = await require_ticket(uow, message.ticket_id)
        passage = await pass_seller_text(uow, clock, store, ticket, message, message.text)
        if passage.reaches_buyer:
            await store_answered(uow, ticket, store, message.author_user_id, now)
        passages.append((message.id, passage))
    await uow.flush()
    return Unsuspended(store.id, store.name, tuple(passages))
