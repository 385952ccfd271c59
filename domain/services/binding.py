"""Binding a Telegram account to orders: by the marketplace's signed deep link, or by number plus contact.

Deep-link token (`/start o_<token>`): one version byte, the store and order
ids as 8-byte unsigned integers, an optional expiry (Unix seconds, 0 = none)
and the first 12 bytes (96 bits) of HMAC-SHA256 over all of it, base64url:
33 bytes make exactly 44 characters with no padding bits, 46 with the prefix,
well inside Telegram's 64-character `/start` limit. Forging one means guessing
a 96-bit MAC; the ids in it are not secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from domain.clock import Clock, to_utc
from domain.enums import BindingSource, OrderStatus
from domain.errors import InvalidCode, InvalidInput
from domain.models import User
from domain.services.checks import normalise_email, normalise_phone
from domain.storage.uow import UnitOfWork

ORDER_LINK_PREFIX = "o_"
_VERSION = 1
_LAYOUT = struct.Struct(">BQQI")  # version, store id, order id, expiry
_MAC_BYTES = 12
_DOMAIN = b"aftersales/order-link"  # so a MAC made for something else under the same secret never verifies here
_TOKEN_SHAPE = re.compile(r"o_[A-Za-z0-9_-]{44}")
_MAX_ID = 2**64 - 1
MIN_SECRET_BYTES = 16

# Number-plus-contact claims can be guessed at; this many wrong answers per hour stops a user.
MAX_FAILED_CLAIMS_PER_HOUR = 5
_CLAIM_WINDOW = timedelta(hours=1)
_CLAIM_FAILED_EVENT = "order.claim_failed"


def _mac(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, _DOMAIN + body, hashlib.sha256).digest()[:_MAC_BYTES]


def _check_secret(secret: bytes) -> None:
    if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the link secret must be at least {MIN_SECRET_BYTES} bytes")


def make_order_link_token(secret: bytes, store_id: int, order_id: int, *, expires_at: datetime | None = None) -> str:
    """The `/start` payload (with its "o_" prefix) that binds whoever opens it to the order."""
    _check_secret(secret)
    for name, value in (("store_id", store_id), ("order_id", order_id)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _MAX_ID:
            raise InvalidInput(f"{name} must be a positive 64-bit integer, got {value!r}")
    expiry = 0 if expires_at is None else int(to_utc(expires_at, "expires_at").timestamp())
    if not 0 <= expiry < 2**32:
        raise InvalidInput("expires_at is out of range")
    body = _LAYOUT.pack(_VERSION, store_id, order_id, expiry)
    encoded = base64.urlsafe_b64encode(body + _mac(secret, body)).decode().rstrip("=")
    return ORDER_LINK_PREFIX + encoded


def verify_order_link_token(secret: bytes, token: str, *, now: datetime | None = None) -> tuple[int, int]:
    """(store_id, order_id) of a genuine token, else InvalidCode.

    A token with an expiry is refused once `now` reaches it, and refused when
    no `now` is given, since its age cannot be checked then.
    """
    _check_secret(secret)
    token = token.strip() if isinstance(token, str) else ""
    if not _TOKEN_SHAPE.fullmatch(token):
        raise InvalidCode("not an order link")
    try:
        raw = base64.urlsafe_b64decode(token[len(ORDER_LINK_PREFIX) :])
    except (binascii.Error, ValueError):
        raise InvalidCode("not an order link") from None
    body, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, body)):
        raise InvalidCode("this order link is not genuine")
    version, store_id, order_id, expiry = _LAYOUT.unpack(body)
    if version != _VERSION:
        raise InvalidCode("this order link is of an unknown version")
    if expiry:
        if now is None or to_utc(now, "now").timestamp() >= expiry:
            raise InvalidCode("this order link has expired")
    return store_id, order_id


@dataclass(frozen=True)
class BindResult:
    order_id: int
    store_id: int
    order_number: str
    newly_bound: bool  # False when the user had this order already


ClaimOutcome = Literal["bound", "no_match", "rate_limited"]


@dataclass(frozen=True)
class ClaimResult:
    """A claim's outcome. Not an exception: a wrong answer is recorded and must be committed to count."""

    outcome: ClaimOutcome
    order_ids: tuple[int, ...] = ()
    attempts_left: int = 0  # wrong answers still allowed this hour
    retry_after: datetime | None = None  # with rate_limited: when the next claim is accepted


@dataclass(frozen=True)
class OrderSummary:
    order_id: int
    store_id: int
    store_name: str
    number: str
    status: OrderStatus
    currency: str
    total_minor: int
    international: bool
    placed_at: datetime | None


async def _buyer(uow: UnitOfWork, clock: Clock, telegram_user_id: int, name: str | None, language: str | None) -> User:
    return await uow.users.get_or_create(telegram_user_id, at=clock.now(), display_name=name, language=language)


async def bind_by_token(
    uow: UnitOfWork,
    clock: Clock,
    secret: bytes,
    token: str,
    telegram_user_id: int,
    name: str | None = None,
    language: str | None = None,
) -> BindResult:
    """Bind the user to the token's order; InvalidCode for a forged, expired or stale link."""
    now = clock.now()
    store_id, order_id = verify_order_link_token(secret, token, now=now)
    order = await uow.orders.get(order_id)
    if order is None or order.store_id != store_id:
        raise InvalidCode("this order link points to no order")
    user = await _buyer(uow, clock, telegram_user_id, name, language)
    newly_bound = await uow.users.bind_order(user.id, order.id, source=BindingSource.DEEP_LINK, at=now)
    if newly_bound:
        uow.audit.record(
            "order.bound",
            subject_type="order",
            subject_id=order.id,
            actor=f"buyer:{user.id}",
            at=now,
            data={"user_id": user.id, "source": BindingSource.DEEP_LINK.value},
        )
    return BindResult(order.id, order.store_id, order.external_number, newly_bound)


def _parse_contact(contact: str) -> tuple[str | None, str | None, BindingSource]:
    """(phone, e-mail, source), normalised exactly as the order import stores them."""
    contact = (contact or "").strip()
    if not contact:
        raise InvalidInput("give the phone number or e-mail address on the order")
    if "@" in contact:
        return None, normalise_email(contact), BindingSource.EMAIL
    return normalise_phone(contact), None, BindingSource.PHONE


async def claim_order(
    uow: UnitOfWork,
    clock: Clock,
    telegram_user_id: int,
    order_number: str,
    contact: str,
    *,
    name: str | None = None,
    language: str | None = None,
) -> ClaimResult:
    """Bind the user to the order(s) with this number whose phone or e-mail matches `contact`.

    Wrong answers are audited (`order.claim_failed` on the user) and counted
    from the database, so the limit holds across restarts and processes; the
    caller must commit a `no_match` result for it to count. A malformed
    contact raises InvalidInput and is not counted: it tests no guess.
    """
    now = clock.now()
    number = (order_number or "").strip().lstrip("#")
    if not number or len(number) > 64:
        raise InvalidInput("give the order number as the marketplace shows it")
    phone, email, source = _parse_contact(contact)
    user = await _buyer(uow, clock, telegram_user_id, name, language)
    failures = await uow.audit.times_since(_CLAIM_FAILED_EVENT, "user", user.id, since=now - _CLAIM_WINDOW)
    if len(failures) >= MAX_FAILED_CLAIMS_PER_HOUR:
        # The oldest failure in the window leaving it frees one attempt.
        retry = failures[len(failures) - MAX_FAILED_CLAIMS_PER_HOUR] + _CLAIM_WINDOW
        return ClaimResult("rate_limited", retry_after=retry)
    orders = await uow.orders.find_by_contact(number, phone=phone, email=email)
    if not orders:
        uow.audit.record(
            _CLAIM_FAILED_EVENT,
            subject_type="user",
            subject_id=user.id,
            actor=f"buyer:{user.id}",
            at=now,
            data={"order_number": number, "by": source.value},
        )
        return ClaimResult("no_match", attempts_left=MAX_FAILED_CLAIMS_PER_HOUR - len(failures) - 1)
    for order in orders:
        if await uow.users.bind_order(user.id, order.id, source=source, at=now):
            uow.audit.record(
                "order.bound",
                subject_type="order",
                subject_id=order.id,
                actor=f"buyer:{user.id}",
                at=now,
                data={"user_id": user.id, "source": source.value},
            )
    return ClaimResult(
        "bound",
        order_ids=tuple(order.id for order in orders),
        attempts_left=MAX_FAILED_CLAIMS_PER_HOUR - len(failures),
    )


async def buyer_orders(uow: UnitOfWork, telegram_user_id: int) -> tuple[OrderSummary, ...]:
    """The orders the user may open tickets on, newest first; none for an unknown user."""
    user = await uow.users.by_telegram_id(telegram_user_id)
    if user is None:
        return ()
    orders = await uow.users.bound_orders(user.id)
    names = await _store_names(uow, {order.store_id for order in orders})
    return tuple(
        OrderSummary(
            order_id=order.id,
            store_id=order.store_id,
            store_name=names[order.store_id],
            number=order.external_number,
            status=OrderStatus(order.status),
            currency=order.currency,
            total_minor=order.total_minor,
            international=order.international,
            placed_at=order.placed_at,
        )
        for order in orders
    )


async def _store_names(uow: UnitOfWork, store_ids: set[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for store_id in sorted(store_ids):
        store = await uow.stores.get(store_id)
        names[store_id] = store.name if store else ""
    return names
