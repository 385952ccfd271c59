"""State machines as data: each table lists, per status, the statuses it may move to.

`transition` is the only place a status changes after creation. It checks the
table, sets the status and appends the audit event in the caller's unit of
work, so the change and its record commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from domain.enums import (
    CancellationStatus as C,
)
from domain.enums import (
    ChangeStatus as CH,
)
from domain.enums import (
    FlagStatus as F,
)
from domain.enums import (
    OfferStatus as OF,
)
from domain.enums import (
    OrderStatus as O,
)
from domain.enums import (
    RequestStatus as R,
)
from domain.enums import (
    ReshipmentStatus as RS,
)
from domain.enums import (
    TicketStatus as T,
)
from domain.errors import ConcurrentChange, IllegalTransition
from domain.models import (
    AfterSalesRequest,
    Cancellation,
    ChangeRequest,
    ModerationFlag,
    Offer,
    Order,
    Reshipment,
    Ticket,
)

if TYPE_CHECKING:
    from domain.storage.uow import UnitOfWork

ORDER_TRANSITIONS: Mapping[O, frozenset[O]] = {
    # The marketplace may report a later stage without the ones between (a missed scan).
    O.CONFIRMED: frozenset({O.SHIPPED, O.IN_TRANSIT, O.DELIVERED, O.CANCELLED}),
    O.SHIPPED: frozenset({O.IN_TRANSIT, O.DELIVERED, O.CANCELLED}),  # cancelled = intercepted
    O.IN_TRANSIT: frozenset({O.DELIVERED, O.CANCELLED}),
    O.DELIVERED: frozenset(),  # after delivery it is a return, the order stays delivered
    O.CANCELLED: frozenset(),
}

TICKET_TRANSITIONS: Mapping[T, frozenset[T]] = {
    T.OPEN: frozenset({T.WAITING_SELLER, T.WAITING_BUYER, T.CLOSED}),
    T.WAITING_SELLER: frozenset({T.WAITING_BUYER, T.CLOSED}),
    T.WAITING_BUYER: frozenset({T.WAITING_SELLER, T.CLOSED}),
    T.CLOSED: frozenset(),  # a closed ticket is rated, not reopened; a new message opens a new one
}

REQUEST_TRANSITIONS: Mapping[R, frozenset[R]] = {
    R.AWAITING_SELLER: frozenset({R.OFFER_PENDING, R.APPROVED, R.REJECTED, R.WITHDRAWN}),
    # Accept resolves; reject, expiry or withdrawal hands the request back to the seller.
    R.OFFER_PENDING: frozenset({R.PARTIALLY_REFUNDED, R.AWAITING_SELLER, R.WITHDRAWN}),
    R.APPROVED: frozenset(),
    # The buyer may take a rejection to the moderators once: they uphold it or overturn it (approved).
    R.REJECTED: frozenset({R.ESCALATED}),
    R.ESCALATED: frozenset({R.REJECTED, R.APPROVED}),
    R.PARTIALLY_REFUNDED: frozenset(),
    R.WITHDRAWN: frozenset(),
}

OFFER_TRANSITIONS: Mapping[OF, frozenset[OF]] = {
    OF.PENDING: frozenset({OF.ACCEPTED, OF.REJECTED, OF.EXPIRED, OF.WITHDRAWN, OF.COUNTERED}),
    OF.COUNTERED: frozenset(),
    OF.ACCEPTED: frozenset(),
    OF.REJECTED: frozenset(),
    OF.EXPIRED: frozenset(),
    OF.WITHDRAWN: frozenset(),
}

FLAG_TRANSITIONS: Mapping[F, frozenset[F]] = {
    # One press decides a case: a held message released, blocked, or blocked and confirmed
    # (with a warning or a strike); a delivered one confirmed or dismissed.
    F.HELD: frozenset({F.RELEASED, F.BLOCKED, F.CONFIRMED}),
    F.OPEN: frozenset({F.CONFIRMED, F.DISMISSED}),
    F.RELEASED: frozenset(),
    F.BLOCKED: frozenset(),
    F.CONFIRMED: frozenset(),
    F.DISMISSED: frozenset(),
}

RESHIPMENT_TRANSITIONS: Mapping[RS, frozenset[RS]] = {
    RS.AWAITING_SHIPMENT: frozenset({RS.SHIPPED, RS.OVERDUE}),
    RS.OVERDUE: frozenset({RS.SHIPPED}),  # escalated, but the seller can still ship
    RS.SHIPPED: frozenset({RS.DELIVERED}),
    RS.DELIVERED: frozenset(),
}

CANCELLATION_TRANSITIONS: Mapping[C, frozenset[C]] = {
    C.REQUESTED: frozenset({C.APPROVED, C.REJECTED, C.WITHDRAWN}),
    C.INTERCEPTING: frozenset({C.INTERCEPTED, C.INTERCEPTION_FAILED, C.WITHDRAWN}),
    C.APPROVED: frozenset(),
    C.REJECTED: frozenset(),
    C.INTERCEPTED: frozenset(),
    C.INTERCEPTION_FAILED: frozenset(),
    C.WITHDRAWN: frozenset(),
}

CHANGE_TRANSITIONS: Mapping[CH, frozenset[CH]] = {
    CH.REQUESTED: frozenset({CH.APPLIED, CH.DECLINED}),
    CH.APPLIED: frozenset(),
    CH.DECLINED: frozenset(),
}


@dataclass(frozen=True)
class Machine:
    subject_type: str  # also the audit trail's subject_type
    status_type: type[StrEnum]
    transitions: Mapping[Any, frozenset[Any]]


MACHINES: Mapping[type, Machine] = {
    Order: Machine("order", O, ORDER_TRANSITIONS),
    Ticket: Machine("ticket", T, TICKET_TRANSITIONS),
    AfterSalesRequest: Machine("request", R, REQUEST_TRANSITIONS),
    Offer: Machine("offer", OF, OFFER_TRANSITIONS),
    ModerationFlag: Machine("flag", F, FLAG_TRANSITIONS),
    Reshipment: Machine("reshipment", RS, RESHIPMENT_TRANSITIONS),
    Cancellation: Machine("cancellation", C, CANCELLATION_TRANSITIONS),
    ChangeRequest: Machine("change", CH, CHANGE_TRANSITIONS),
}


async def _compare_and_set(uow: UnitOfWork, entity: Any, old: StrEnum, new: StrEnum, guard: Any = None) -> None:
    """UPDATE ... WHERE status = old: of two transactions that both read `old`
    (two agents pressing at once, a deadline firing while the buyer answers),
    only one moves the row; the other gets `ConcurrentChange`, rolls back and
    retries on fresh data. The in-memory check alone cannot see the other one."""
    cls = type(entity)
    conditions = [cls.id == entity.id, cls.status == old.value]
    if guard is not None:
        conditions.append(guard)
    result = await uow.session.execute(
        update(cls).where(*conditions).values(status=new.value).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ConcurrentChange(machine_for(entity).subject_type, entity.id)
    set_committed_value(entity, "status", new)


def machine_for(entity_or_type: object) -> Machine:
    cls = entity_or_type if isinstance(entity_or_type, type) else type(entity_or_type)
    try:
        return MACHINES[cls]
    except KeyError:
        raise TypeError(f"{cls.__name__} has no state machine") from None


def can_transition(entity: Any, new_status: StrEnum) -> bool:
    machine = machine_for(entity)
    return new_status in machine.transitions[machine.status_type(entity.status)]


def allowed_next(entity: Any) -> frozenset[Any]:
    """The statuses reachable from the entity's current one, e.g. to decide which buttons to show."""
    machine = machine_for(entity)
    return machine.transitions[machine.status_type(entity.status)]


async def transition(
    uow: UnitOfWork,
    entity: Any,
    new_status: StrEnum,
    *,
    actor: str,
    reason: str | None = None,
    at: datetime,
    data: Mapping[str, Any] | None = None,
    guard: Any = None,
) -> None:
    """Move `entity` to `new_status` or raise `IllegalTransition`; audit it in the same transaction.

    `guard`: one more condition of the compare-and-set (an offer's `respond_by > now`), so a row
    that no longer meets it is not moved even if its status still matches (`ConcurrentChange`).
    """
    machine = machine_for(entity)
    old = machine.status_type(entity.status)
    new = machine.status_type(new_status)
    if new not in machine.transitions[old]:
        raise IllegalTransition(machine.subject_type, old.value, new.value)
    if entity.id is None:
        entity.status = new
        await uow.flush()  # the audit row needs the subject's id
    else:
        await _compare_and_set(uow, entity, old, new, guard)
    if hasattr(entity, "updated_at"):
        entity.updated_at = at
    event_data: dict[str, Any] = {"from": old.value, "to": new.value}
    if reason is not None:
        event_data["reason"] = reason
    if data:
        event_data.update(data)
    uow.audit.record(
        f"{machine.subject_type}.status_changed",
        subject_type=machine.subject_type,
        subject_id=entity.id,
        actor=actor,
        at=at,
        data=event_data,
    )
