"""conversation_key and key_from_raw agree with python-telegram-bot, update type by type."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import ConversationHandler

from bot.pipeline.keys import conversation_key, key_from_raw

JSON = dict[str, Any]


def user(user_id: int) -> JSON:
    return {"id": user_id, "is_bot": False, "first_name": "Ann"}


def chat(chat_id: int) -> JSON:
    return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup", "title": "Shop"}


def message(chat_id: int, user_id: int | None) -> JSON:
    data: JSON = {"message_id": 7, "date": 1_700_000_000, "chat": chat(chat_id), "text": "hi"}
    if user_id is not None:
        data["from"] = user(user_id)
    return data


def member_update(chat_id: int, user_id: int) -> JSON:
    return {
        "chat": chat(chat_id),
        "from": user(user_id),
        "date": 1_700_000_000,
        "old_chat_member": {"status": "member", "user": user(user_id)},
        "new_chat_member": {"status": "left", "user": user(user_id)},
    }


BOOST_SOURCE: JSON = {"source": "premium", "user": user(5)}
POLL: JSON = {
    "id": "p1",
    "question": "Which?",
    "options": [{"text": "a", "voter_count": 0, "persistent_id": "a"}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
    "allows_revoting": False,
    "members_only": False,
}

# update field -> builder of its payload from (chat id, user id or None)
PAYLOADS: dict[str, Callable[[int, int | None], JSON]] = {
    "message": message,
    "edited_message": message,
    "channel_post": message,
    "edited_channel_post": message,
    "business_message": lambda c, u: {**message(c, u), "business_connection_id": "bc"},
    "edited_business_message": lambda c, u: {**message(c, u), "business_connection_id": "bc"},
    "guest_message": message,
    "deleted_business_messages": lambda c, u: {
        "business_connection_id": "bc",
        "chat": chat(c),
        "message_ids": [1],
    },
    "callback_query": lambda c, u: {
        "id": "cq",
        "from": user(u or 1),
        "chat_instance": "ci",
        "data": "off:acc:812",
        "message": message(c, None),
    },
    "my_chat_member": lambda c, u: member_update(c, u or 1),
    "chat_member": lambda c, u: member_update(c, u or 1),
    "chat_join_request": lambda c, u: {
        "chat": chat(c),
        "from": user(u or 1),
        "user_chat_id": u or 1,
        "date": 1_700_000_000,
    },
    "chat_boost": lambda c, u: {
        "chat": chat(c),
        "boost": {"boost_id": "b", "add_date": 1, "expiration_date": 2, "source": BOOST_SOURCE},
    },
    "removed_chat_boost": lambda c, u: {
        "chat": chat(c),
        "boost_id": "b",
        "remove_date": 1,
        "source": BOOST_SOURCE,
    },
    "message_reaction": lambda c, u: {
        "chat": chat(c),
        "message_id": 1,
        "date": 1,
        "old_reaction": [],
        "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        **({"user": user(u)} if u is not None else {"actor_chat": chat(c)}),
    },
    "message_reaction_count": lambda c, u: {
        "chat": chat(c),
        "message_id": 1,
        "date": 1,
        "reactions": [],
    },
}

# update field -> builder of a payload that carries a user but no chat
USER_ONLY_PAYLOADS: dict[str, Callable[[int], JSON]] = {
    "inline_query": lambda u: {"id": "q", "from": user(u), "query": "", "offset": ""},
    "chosen_inline_result": lambda u: {"result_id": "r", "from": user(u), "query": ""},
    "callback_query": lambda u: {
        "id": "cq",
        "from": user(u),
        "chat_instance": "ci",
        "inline_message_id": "im1",
        "data": "x",
    },
    "shipping_query": lambda u: {
        "id": "s",
        "from": user(u),
        "invoice_payload": "p",
        "shipping_address": {
            "country_code": "DE",
            "state": "",
            "city": "Berlin",
            "street_line1": "A 1",
            "street_line2": "",
            "post_code": "10115",
        },
    },
    "pre_checkout_query": lambda u: {
        "id": "pc",
        "from": user(u),
        "currency": "EUR",
        "total_amount": 100,
        "invoice_payload": "x",
    },
    "poll_answer": lambda u: {
        "poll_id": "p1",
        "user": user(u),
        "option_ids": [0],
        "option_persistent_ids": ["a"],
    },
    "business_connection": lambda u: {
        "id": "bc",
        "user": user(u),
        "user_chat_id": u,
        "date": 1,
        "is_enabled": True,
        "can_reply": True,
    },
    "purchased_paid_media": lambda u: {"from": user(u), "paid_media_payload": "x"},
    "managed_bot": lambda u: {"user": user(u), "bot": {**user(u + 1), "is_bot": True}},
}

GROUP, BUYER, OTHER = -100_123, 42, 77


def update_of(field: str, chat_id: int, user_id: int | None) -> JSON:
    return {field: PAYLOADS[field](chat_id, user_id)}


TABLE: list[tuple[str, JSON, tuple]] = [
    ("private message", {"message": message(BUYER, BUYER)}, (BUYER, BUYER)),
    ("group message", {"message": message(GROUP, BUYER)}, (GROUP, BUYER)),
    ("edited message", {"edited_message": message(GROUP, OTHER)}, (GROUP, OTHER)),
    ("channel post, no sender", {"channel_post": message(GROUP, None)}, (GROUP, None)),
    ("edited channel post", {"edited_channel_post": message(GROUP, None)}, (GROUP, None)),
    ("business message", update_of("business_message", BUYER, OTHER), (BUYER, OTHER)),
    (
        "edited business message",
        update_of("edited_business_message", BUYER, BUYER),
        (BUYER, BUYER),
    ),
    ("guest message", {"guest_message": message(GROUP, OTHER)}, (GROUP, OTHER)),
    ("deleted business msgs", update_of("deleted_business_messages", BUYER, None), (BUYER, None)),
    ("callback on a message", update_of("callback_query", GROUP, OTHER), (GROUP, OTHER)),
    (
        "callback on an inaccessible message",
        {
            "callback_query": {
                **PAYLOADS["callback_query"](GROUP, OTHER),
                "message": {"chat": chat(GROUP), "message_id": 3, "date": 0},
            }
        },
        (GROUP, OTHER),
    ),
    ("bot blocked", {"my_chat_member": member_update(BUYER, BUYER)}, (BUYER, BUYER)),
    ("chat_member", {"chat_member": member_update(GROUP, OTHER)}, (GROUP, OTHER)),
    ("join request", update_of("chat_join_request", GROUP, OTHER), (GROUP, OTHER)),
    ("chat boost", update_of("chat_boost", GROUP, None), (GROUP, None)),
    ("removed boost", update_of("removed_chat_boost", GROUP, None), (GROUP, None)),
    ("reaction", update_of("message_reaction", GROUP, OTHER), (GROUP, OTHER)),
    ("anonymous reaction", update_of("message_reaction", GROUP, None), (GROUP, None)),
    ("reaction count", update_of("message_reaction_count", GROUP, None), (GROUP, None)),
    # callback_query here is one on an inline message: a user and no chat
    *[(field, {field: build(OTHER)}, (None, OTHER)) for field, build in USER_ONLY_PAYLOADS.items()],
    ("poll", {"poll": POLL}, (None, None, 900)),
    (
        "anonymous poll answer",
        {
            "poll_answer": {
                "poll_id": "p1",
                "voter_chat": chat(GROUP),
                "option_ids": [0],
                "option_persistent_ids": ["a"],
            }
        },
        (None, None, 900),
    ),
    ("update type newer than PTB", {"future_update": {"chat": chat(GROUP)}}, (None, None, 900)),
]


def parse(data: JSON) -> Update:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # api_kwargs for the unknown update type
        return Update.de_json(data, None)


@pytest.mark.parametrize(("data", "expected"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_key_of_every_update_type(data: JSON, expected: tuple) -> None:
    raw = {"update_id": 900, **data}

    assert conversation_key(parse(raw)) == expected
    assert key_from_raw(raw) == expected


def test_table_covers_every_update_type_the_library_knows() -> None:
    covered = {field for _, data, _ in TABLE for field in data}

    assert set(Update.ALL_TYPES) <= covered


def conversation_handler() -> ConversationHandler:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTBUserWarning about per_* settings
        return ConversationHandler(entry_points=[], states={}, fallbacks=[])


@pytest.mark.parametrize(("data", "expected"), [row[1:] for row in TABLE if None not in row[2]])
def test_key_is_the_one_conversation_handler_builds(data: JSON, expected: tuple) -> None:
    update = parse({"update_id": 1, **data})

    assert conversation_key(update) == conversation_handler()._get_key(update)


ids = st.integers(min_value=1, max_value=2**52)


@st.composite
def raw_updates(draw: st.DrawFn) -> JSON:
    update_id = draw(st.integers(min_value=0, max_value=2**31))
    if draw(st.booleans()):
        field = draw(st.sampled_from(sorted(PAYLOADS)))
        chat_id = draw(ids | ids.map(lambda i: -i))
        user_id = draw(st.none() | ids)
        return {"update_id": update_id, field: PAYLOADS[field](chat_id, user_id)}
    field = draw(st.sampled_from(sorted(USER_ONLY_PAYLOADS)))
    return {"update_id": update_id, field: USER_ONLY_PAYLOADS[field](draw(ids))}


@pytest.mark.parametrize("field", sorted(PAYLOADS))
@pytest.mark.parametrize("user_id", [None, OTHER])
@pytest.mark.parametrize("chat_id", [BUYER, GROUP])
def test_raw_and_parsed_keys_agree_for_every_chat_update(field: str, user_id: int | None, chat_id: int) -> None:
    raw = {"update_id": 3, field: PAYLOADS[field](chat_id, user_id)}

    assert key_from_raw(raw) == conversation_key(parse(raw))


@given(raw_updates())
def test_raw_and_parsed_keys_agree(raw: JSON) -> None:
    assert key_from_raw(raw) == conversation_key(parse(raw))


def test_updates_without_chat_or_user_never_share_a_key() -> None:
    first = key_from_raw({"update_id": 1, "poll": POLL})
    second = key_from_raw({"update_id": 2, "poll": POLL})

    assert first != second
    assert len({first, (None, None)}) == 2


@pytest.mark.parametrize(
    "data",
    [
        [],
        {},
        {"update_id": "1"},
        {"update_id": True},
        {"update_id": 1, "message": {"chat": {"id": "x"}}},
        {"update_id": 1, "message": "hello"},
        {"update_id": 1, "inline_query": {"from": {"first_name": "no id"}}},
    ],
)
def test_malformed_raw_update_is_a_value_error(data: Any) -> None:
    with pytest.raises(ValueError, match="update|id|object"):
        key_from_raw(data)
