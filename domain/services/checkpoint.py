"""The one way a seller's words reach a buyer: screened first, then delivered, held or delivered and flagged.

Replies, `/notify`, captions and edits of delivered messages all pass
`pass_seller_text`; the bot writes an outbox row to the buyer only when the
passage says so (`Passage.reaches_buyer`). A held message waits for a
moderator (`moderation_cases`); while the store's messaging is suspended
what its agents write is kept, unscreened until the suspension is lifted,
and never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from domain.clock import Clock
from domain.enums import FlagStatus, ModerationRule, OrderStatus, Severity
from domain.models import ModerationFlag, Store, Ticket, TicketMessage
from domain.moderation import OrderFacts, Verdict, screen
from domain.services.refusals import Refused
from domain.storage.uow import UnitOfWork

HELD, BLOCKED, SUSPENDED = "held", "blocked", "suspended"  # ticket_messages.delivery


@dataclass(frozen=True)
class Passage:
    """What becomes of a seller's message: `deliver`, `flag` (delivered, reviewed later) or `hold`.

    `why` says why a hold: "review" (a moderator decides), "suspended" (the
    store may not write to buyers now) or "blocked" (an edit of a blocked message).
    """

    action: Literal["deliver", "flag", "hold"]
    case_id: int | None = None
    why: Literal["review", "suspended", "blocked"] | None = None
    rules: tuple[str, ...] = ()
    opened: bool = False  # this passage opened the case (its card is to be sent); else it updated a held one
    held_edit: bool = False  # the case holds an edit: the buyer has the message as it was before
    changed: bool = True  # a held case's text changed with this edit (else its card shows it already)

    @property
    def reaches_buyer(self) -> bool:
        return self.action != "hold"


DELIVER = Passage("deliver")


async def order_facts(uow: UnitOfWork, ticket: Ticket, store: Store, clock: Clock) -> OrderFacts | None:
    """The order's tracking data and the store's today, so a delivery claim can be checked against them."""
    # Three columns, not the order with its items: every agent's message with a digit in it asks.
    order = await uow.orders.tracking_of(ticket.order_id) if ticket.order_id is not None else None
    if order is None:
        return None
    tracking_number, status, eta = order
    return OrderFacts(
        has_tracking=bool(tracking_number),
        delivered=status == OrderStatus.DELIVERED,
        eta=eta,
        today=clock.now().astimezone(ZoneInfo(store.timezone)).date(),
    )


def hits_of(verdict: Verdict) -> list[dict[str, Any]]:
    return [{"rule": h.rule, "evidence": h.evidence, "start": h.start, "end": h.end} for h in verdict.hits]


async def pass_seller_text(
    uow: UnitOfWork,
    clock: Clock,
    store: Store,
    ticket: Ticket,
    message: TicketMessage,
    text: str | None,
    *,
    previous_text: str | None = None,
    for_edit: bool = False,
) -> Passage:
    """Screen what an agent wrote (a new message, or `for_edit` the new text of one) and say where it goes.

    A hold or a flag opens a moderation case in this transaction; the
    message's `delivery` says a buyer has not got it.
    """
    now = clock.now()
    if message.delivery == BLOCKED:
        return Passage("hold", why="blocked")
    # The message, or an earlier edit of it, may wait for a moderator already (a new message cannot). It
    # stays with the moderator whatever else happens meanwhile, a suspension included.
    held_case = await uow.moderation.open_screen_case(message.id) if for_edit or message.delivery == HELD else None
    if held_case is not None:
        verdict = screen(text or "", facts=await order_facts(uow, ticket, store, clock)) if text else Verdict("allow")
        changed = held_case.matched_text != text
        # Edited while held: the moderator sees what the agent wants sent now.
        held_case.matched_text, held_case.hits = text, hits_of(verdict)
        return Passage(
            "hold", held_case.id, why="review", rules=verdict.rules, held_edit=held_case.for_edit, changed=changed
        )
    if store.messaging_suspended_at is not None and (not for_edit or message.delivery == SUSPENDED):
        message.delivery = SUSPENDED
        return Passage("hold", why="suspended")
    if store.messaging_suspended_at is not None:
        return Passage("hold", why="suspended")  # a delivered message's edit: the buyer keeps what they have
    if message.delivery == SUSPENDED:
        message.delivery = None  # kept while suspended, screened now that it may go
    verdict = screen(text or "", facts=await order_facts(uow, ticket, store, clock)) if text else Verdict("allow")
    if verdict.action == "allow":
        return DELIVER
    hold = verdict.action == "hold"
    case = uow.moderation.add_flag(
        ModerationFlag(
            message_id=message.id,
            store_id=store.id,
            ticket_id=ticket.id,
            source="screen",
            rule=ModerationRule(verdict.rules[0]),
            severity=Severity.HOLD if hold else Severity.FLAG,
            status=FlagStatus.HELD if hold else FlagStatus.OPEN,
            matched_text=text,
            hits=hits_of(verdict),
            for_edit=for_edit,
            previous_text=previous_text if for_edit else None,
            created_at=now,
        )
    )
    if hold and not for_edit:
        message.delivery = HELD
    await uow.flush()
    uow.audit.record(
        "moderation.held" if hold else "moderation.flagged",
        subject_type="flag",
        subject_id=case.id,
        actor="screen",
        at=now,
        data={"message_id": message.id, "ticket_id": ticket.id, "rules": list(verdict.rules), "edit": for_edit},
    )
    return Passage(
        "hold" if hold else "flag",
        case.id,
        why="review" if hold else None,
        rules=verdict.rules,
        opened=True,
        held_edit=hold and for_edit,
    )


def screen_note(note: str | None) -> str | None:
    """A note for the buyer written with a decision (a rejection's reason, say): screened as any seller text.

    The decision waits on it, so a note that would be held is refused at once
    (the agent writes it again) rather than held for a moderator; a lesser hit
    passes, since the decision itself is the store's to make.
    """
    if note and screen(note).action == "hold":
        raise Refused("note_held", "sellers may not ask for payment details or payment outside the platform")
    return note
