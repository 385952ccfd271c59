"""Creating stores, letting agents and support groups join them, and where their money decisions are posted."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from domain.clock import Clock
from domain.enums import InviteKind, Role
from domain.errors import AlreadyExists, InvalidCode, InvalidInput, NotFound
from domain.models import InviteCode, Store, StoreAgent, StoreSupportGroup
from domain.services.checks import check_country, check_currency, check_timezone
from domain.services.codes import AGENT_CODE_PREFIX, GROUP_CODE_PREFIX, hash_code, new_code, strip_prefix
from domain.services.webhook_signing import new_secret
from domain.storage.uow import UnitOfWork

AGENT_INVITE_TTL = timedelta(days=7)
GROUP_LINK_TTL = timedelta(days=1)


async def add_store(
    uow: UnitOfWork,
    clock: Clock,
    *,
    name: str,
    timezone: str,
    country: str,
    currency: str = "EUR",
    actor: str = "operator",
) -> Store:
    name = name.strip()
    if not name:
        raise InvalidInput("a store needs a name")
    if len(name) > 120:
        raise InvalidInput("a store name has at most 120 characters")
    if await uow.stores.by_name(name) is not None:
        raise AlreadyExists(f"a store named {name!r} exists already")
    now = clock.now()
    store = uow.stores.add(
        Store(
            name=name,
            timezone=check_timezone(timezone),
            country=check_country(country),
            default_currency=check_currency(currency),
            created_at=now,
        )
    )
    await uow.flush()
    uow.audit.record(
        "store.created",
        subject_type="store",
        subject_id=store.id,
        actor=actor,
        at=now,
        data={"name": name, "timezone": store.timezone, "country": store.country},
    )
    return store


async def _require_store(uow: UnitOfWork, store_id: int) -> Store:
    store = await uow.stores.get(store_id)
    if store is None:
        raise NotFound(f"no store with id {store_id}")
    return store


async def _issue_code(
    uow: UnitOfWork, clock: Clock, store_id: int, kind: InviteKind, ttl: timedelta, actor: str
) -> str:
    await _require_store(uow, store_id)
    code = new_code()
    now = clock.now()
    invite = uow.stores.add_code(
        InviteCode(
            kind=kind,
            store_id=store_id,
            code_hash=hash_code(code),
            created_by=actor,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    await uow.flush()
    uow.audit.record(
        f"{kind.value}_code.issued",
        subject_type="store",
        subject_id=store_id,
        actor=actor,
        at=now,
        data={"code_id": invite.id, "expires_at": invite.expires_at.isoformat()},
    )
    return code


async def invite_agent(
    uow: UnitOfWork, clock: Clock, store_id: int, *, ttl: timedelta = AGENT_INVITE_TTL, actor: str = "operator"
) -> str:
    """A one-time code (without its "a_" prefix) an agent sends the bot (`/start a_<code>`) to join the store."""
    return await _issue_code(uow, clock, store_id, InviteKind.AGENT, ttl, actor)


async def create_group_link_code(
    uow: UnitOfWork, clock: Clock, store_id: int, *, ttl: timedelta = GROUP_LINK_TTL, actor: str = "operator"
) -> str:
    """A one-time code (without its "g_" prefix) an admin posts in a support group (`/link g_<code>`)."""
    return await _issue_code(uow, clock, store_id, InviteKind.GROUP, ttl, actor)


async def redeem_agent_invite(
    uow: UnitOfWork, clock: Clock, code: str, telegram_user_id: int, name: str, *, language: str | None = None
) -> StoreAgent:
    """Make the Telegram user an agent of the code's store; the code then stops working."""
    now = clock.now()
    code_hash = hash_code(strip_prefix(code, AGENT_CODE_PREFIX))
    invite = await uow.stores.use_code(InviteKind.AGENT, code_hash, at=now, used_by=telegram_user_id)
    if invite is None:
        raise InvalidCode("this invite code is unknown, used or expired")
    user = await uow.users.get_or_create(telegram_user_id, at=now, display_name=name, language=language)
    if user.role == Role.BUYER:
        user.role = Role.AGENT  # a moderator stays a moderator
    agent = await uow.stores.agent(invite.store_id, user.id)
    if agent is None:
        agent = uow.stores.add_agent(
            StoreAgent(
                store_id=invite.store_id, user_id=user.id, display_name=name or str(telegram_user_id), joined_at=now
            )
        )
    else:
        agent.active = True  # a returning agent is reactivated
        agent.display_name = name or agent.display_name
    await uow.flush()
    uow.audit.record(
        "agent.joined",
        subject_type="store",
        subject_id=invite.store_id,
        actor=f"user:{user.id}",
        at=now,
        data={"agent_id": agent.id, "code_id": invite.id},
    )
    return agent


async def redeem_group_link_code(
    uow: UnitOfWork, clock: Clock, code: str, chat_id: int, title: str | None, *, is_forum: bool = True
) -> StoreSupportGroup:
    """Attach the Telegram group to the code's store; the code then stops working."""
    now = clock.now()
    existing = await uow.stores.group_by_chat(chat_id)
    code_hash = hash_code(strip_prefix(code, GROUP_CODE_PREFIX))
    invite = await uow.stores.use_code(InviteKind.GROUP, code_hash, at=now, used_by=chat_id)
    if invite is None:
        raise InvalidCode("this link code is unknown, used or expired")
    if existing is not None and existing.store_id != invite.store_id:
        raise AlreadyExists("this group is already linked to another store")
    if existing is None:
        group = uow.stores.add_group(
            StoreSupportGroup(store_id=invite.store_id, chat_id=chat_id, title=title, is_forum=is_forum, linked_at=now)
        )
    else:
        group = existing
        group.active, group.title, group.is_forum = True, title, is_forum
    await uow.flush()
    uow.audit.record(
        "group.linked",
        subject_type="store",
        subject_id=invite.store_id,
        actor=f"chat:{chat_id}",
        at=now,
        data={"group_id": group.id, "code_id": invite.id},
    )
    return group


def check_webhook_url(url: str) -> str:
    """An http(s) address with a host, as the money webhooks are posted to; anything else is refused."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"webhook URL {url!r} is not an http(s) address with a host, e.g. https://example.com/hooks")
    if len(url) > 512:
        raise InvalidInput("a webhook URL has at most 512 characters")
    return url


async def set_webhook(
    uow: UnitOfWork, clock: Clock, store_id: int, url: str, secret: str | None = None, *, actor: str = "operator"
) -> Store:
    """Post the store's money decisions to `url`, signed with `secret` (a new one when None).

    Events that waited for an endpoint go out from now on. The secret is
    never written to the audit trail.
    """
    store = await _require_store(uow, store_id)
    url = check_webhook_url(url)
    if secret is None:
        secret = new_secret()
    elif not secret.strip() or secret != secret.strip() or len(secret) > 128:
        raise InvalidInput("a webhook secret is 1 to 128 characters without leading or trailing spaces")
    store.webhook_url, store.webhook_secret = url, secret
    await uow.flush()
    uow.audit.record(
        "store.webhook_set", subject_type="store", subject_id=store.id, actor=actor, at=clock.now(), data={"url": url}
    )
    return store


MAX_OFFER_HOURS = 24 * 14  # decided by the code: a buyer's answer is never awaited for more than two weeks


async def set_negotiation(
    uow: UnitOfWork,
    clock: Clock,
    store_id: int,
    *,
    counter_offers: bool | None = None,
    offer_hours: int | None = None,
    actor: str = "operator",
) -> Store:
    """The store's negotiation rules: whether buyers may counter an offer, how long an offer waits for an answer.

    Offers already made keep the time they were given.
    """
    store = await _require_store(uow, store_id)
    if offer_hours is not None:
        if isinstance(offer_hours, bool) or not isinstance(offer_hours, int) or not 1 <= offer_hours <= MAX_OFFER_HOURS:
            raise InvalidInput(f"an offer waits 1 to {MAX_OFFER_HOURS} hours for its answer")
        store.buyer_offer_hours = offer_hours
    if counter_offers is not None:
        store.counter_offers_allowed = bool(counter_offers)
    if offer_hours is None and counter_offers is None:
        return store  # only asked what they are
    await uow.flush()
    uow.audit.record(
        "store.negotiation_set",
        subject_type="store",
        subject_id=store.id,
        actor=actor,
        at=clock.now(),
        data={"counter_offers": store.counter_offers_allowed, "offer_hours": store.buyer_offer_hours},
    )
    return store


MAX_STRIKES = 20
MAX_STRIKE_DAYS = 365


async def set_strike_rules(
    uow: UnitOfWork,
    clock: Clock,
    store_id: int,
    *,
    threshold: int | None = None,
    window_days: int | None = None,
    actor: str = "operator",
) -> Store:
    """How many confirmed strikes within how many days suspend the store's messaging (default 3 in 30)."""
    store = await _require_store(uow, store_id)
    for value, low, high, what in (
        (threshold, 1, MAX_STRIKES, f"strikes: 1 to {MAX_STRIKES}"),
        (window_days, 1, MAX_STRIKE_DAYS, f"days: 1 to {MAX_STRIKE_DAYS}"),
    ):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            raise InvalidInput(what)
    if threshold is None and window_days is None:
        return store  # only asked what they are
    if threshold is not None:
        store.strike_threshold = threshold
    if window_days is not None:
        store.strike_window_days = window_days
    await uow.flush()
    uow.audit.record(
        "store.strike_rules_set",
        subject_type="store",
        subject_id=store.id,
        actor=actor,
        at=clock.now(),
        data={"threshold": store.strike_threshold, "window_days": store.strike_window_days},
    )
    return store
