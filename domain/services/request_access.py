"""Finding an after-sales request with what surrounds it, and checking who may act on it.

The store's active agents decide, the ticket's buyer escalates, a moderator
(the moderator role, or a seat in the moderators' group, which only Telegram
knows: the caller asks it and passes `in_moderators_group`) settles an
escalation. Everyone else is `Forbidden`, never told whose request it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.enums import RequestStatus, Role
from domain.errors import NotFound
from domain.models import AfterSalesRequest, Store, Ticket, User
from domain.results import Audience, Notice
from domain.services.refusals import Forbidden, Refused
from domain.services.ticket_access import require_agent_of, require_buyer_of, require_store, require_ticket
from domain.storage.uow import UnitOfWork

SYSTEM = "system"


@dataclass
class RequestCase:
    """A request with its ticket and store: what every decision and notice needs."""

    request: AfterSalesRequest
    ticket: Ticket
    store: Store
    buyer_telegram_id: int | None
    order_number: str | None

    def notice(self, kind: str, to: Audience, **data: object) -> Notice:
        base = {"request_id": self.request.id, "number": self.ticket.number, "order_number": self.order_number}
        return Notice(kind, to, self.ticket.id, self.store.id, self.buyer_telegram_id, {**base, **data})

    def notices(self, kind: str, *audiences: Audience, **data: object) -> list[Notice]:
        return [self.notice(kind, to, **data) for to in audiences]


async def load_case(uow: UnitOfWork, request_id: int) -> RequestCase:
    request = await uow.requests.get(request_id)
    if request is None:
        raise NotFound(f"no after-sales request with id {request_id}")
    ticket = await require_ticket(uow, request.ticket_id)
    store = await require_store(uow, ticket.store_id)
    buyer = await uow.users.get(ticket.buyer_id)
    return RequestCase(
        request, ticket, store, buyer.telegram_id if buyer else None, await uow.orders.number_of(request.order_id)
    )


async def agent_actor(uow: UnitOfWork, case: RequestCase, telegram_id: int) -> str:
    """ "agent:<user id>" for an active agent of the request's store; Forbidden for anyone else."""
    user, _agent = await require_agent_of(uow, case.store.id, telegram_id)
    return f"agent:{user.id}"


async def buyer_actor(uow: UnitOfWork, case: RequestCase, telegram_id: int) -> str:
    user = await require_buyer_of(uow, case.ticket, telegram_id)
    return f"buyer:{user.id}"


async def require_moderator(uow: UnitOfWork, telegram_id: int, *, in_moderators_group: bool) -> User | None:
    """The moderator's user (None if they never wrote to the bot); Forbidden for anyone else."""
    user = await uow.users.by_telegram_id(telegram_id)
    if not (in_moderators_group or (user is not None and user.role == Role.MODERATOR)):
        raise Forbidden("only a moderator decides an escalation")
    return user


async def moderator_actor(uow: UnitOfWork, telegram_id: int, *, in_moderators_group: bool, now: datetime) -> str:
    user = await require_moderator(uow, telegram_id, in_moderators_group=in_moderators_group)
    if user is None:  # a member of the moderators' group who never wrote to the bot
        user = await uow.users.get_or_create(telegram_id, at=now)
    return f"moderator:{user.id}"


def require_status(request: AfterSalesRequest, *allowed: RequestStatus) -> None:
    """Refused with a why the bot words: offer_pending, escalated, already_decided, not_rejected."""
    status = RequestStatus(request.status)
    if status in allowed:
        return
    if status == RequestStatus.OFFER_PENDING:
        raise Refused("offer_pending", "a partial refund is waiting for the buyer", status=status.value)
    if status == RequestStatus.ESCALATED:
        raise Refused("escalated", "the moderators are deciding this request", status=status.value)
    if allowed == (RequestStatus.REJECTED,):
        raise Refused("not_rejected", "only a rejected request is escalated", status=status.value)
    raise Refused("already_decided", "this request has been decided", status=status.value)


def side_of(actor: str) -> str:
    """How an audit actor shows to a reader: "store" for an agent (never the agent's name to a buyer)."""
    return {"buyer": "buyer", "agent": "store", "moderator": "moderators"}.get(actor.split(":", 1)[0], SYSTEM)
