"""Binding a Telegram account to orders: signed deep links, and order number plus contact."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidCode, InvalidInput
from domain.services.binding import (
    MAX_FAILED_CLAIMS_PER_HOUR,
    bind_by_token,
    buyer_orders,
    claim_order,
    make_order_link_token,
    verify_order_link_token,
)

SECRET = b"s" * 32
OTHER_SECRET = b"t" * 32
PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
ids = st.integers(min_value=1, max_value=2**63)


@settings(max_examples=200, deadline=None)
@given(store_id=ids, order_id=ids)
def test_token_fits_telegram_start_payload_and_round_trips(store_id: int, order_id: int) -> None:
    token = make_order_link_token(SECRET, store_id, order_id)
    assert PAYLOAD.fullmatch(token) and token.startswith("o_")
    assert verify_order_link_token(SECRET, token) == (store_id, order_id)


def test_token_with_expiry_still_fits(clock) -> None:
    token = make_order_link_token(SECRET, 2**63, 2**63, expires_at=clock.now() + timedelta(days=3650))
    assert PAYLOAD.fullmatch(token)


def test_tampering_with_any_character_is_refused() -> None:
    token = make_order_link_token(SECRET, 7, 4242)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for position in range(len(token)):
        for replacement in alphabet:
            if replacement == token[position]:
                continue
            forged = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(InvalidCode):
                verify_order_link_token(SECRET, forged)


@pytest.mark.parametrize("bad", ["", "o_", "o_short", "x_" + "A" * 44, "o_" + "A" * 43 + "!", "o_" + "A" * 45])
def test_malformed_tokens_are_refused(bad: str) -> None:
    with pytest.raises(InvalidCode):
        verify_order_link_token(SECRET, bad)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(InvalidCode):
        verify_order_link_token(SECRET, make_order_link_token(OTHER_SECRET, 1, 2))


def test_expired_token_is_refused_and_unexpired_accepted(clock) -> None:
    token = make_order_link_token(SECRET, 1, 2, expires_at=clock.now() + timedelta(hours=1))
    assert verify_order_link_token(SECRET, token, now=clock.now()) == (1, 2)
    with pytest.raises(InvalidCode):
        verify_order_link_token(SECRET, token, now=clock.now() + timedelta(hours=1))
    with pytest.raises(InvalidCode):
        verify_order_link_token(SECRET, token)  # an expiring token cannot be checked without a time


def test_weak_secret_and_bad_ids_are_refused() -> None:
    with pytest.raises(ValueError):
        make_order_link_token(b"short", 1, 2)
    for bad in (0, -1, 2**64, True):
        with pytest.raises(InvalidInput):
            make_order_link_token(SECRET, bad, 2)


async def test_bind_by_token_binds_once(uow_factory, clock, shop) -> None:
    order_id = shop.orders["C-1"]
    token = make_order_link_token(SECRET, shop.store_id, order_id)
    async with uow_factory() as uow:
        first = await bind_by_token(uow, clock, SECRET, token, 5555, "Newcomer", "zh")
        again = await bind_by_token(uow, clock, SECRET, token, 5555, "Newcomer", "zh")
        await uow.commit()
    assert (first.order_id, first.order_number, first.newly_bound) == (order_id, "C-1", True)
    assert again.newly_bound is False
    async with uow_factory() as uow:
        orders = await buyer_orders(uow, 5555)
        user = await uow.users.by_telegram_id(5555)
    assert [o.number for o in orders] == ["C-1"] and orders[0].store_name == "Berlin Gadgets"
    assert user.language == "zh"


async def test_token_for_an_order_of_another_store_is_refused(uow_factory, clock, shop) -> None:
    token = make_order_link_token(SECRET, shop.other_store_id, shop.orders["C-1"])
    async with uow_factory() as uow:
        with pytest.raises(InvalidCode):
            await bind_by_token(uow, clock, SECRET, token, 5555)


@pytest.mark.parametrize("contact", ["+49 151 2345-6789", "ANNA@Example.com "])
async def test_claim_by_number_and_normalised_contact(uow_factory, clock, shop, contact) -> None:
    async with uow_factory() as uow:
        result = await claim_order(uow, clock, 5555, "#S-1", contact)
        await uow.commit()
    assert result.outcome == "bound" and result.order_ids == (shop.orders["S-1"],)
    async with uow_factory() as uow:
        assert [o.number for o in await buyer_orders(uow, 5555)] == ["S-1"]


async def test_wrong_contact_binds_nothing_and_counts(uow_factory, clock, shop) -> None:
    async with uow_factory() as uow:
        result = await claim_order(uow, clock, 5555, "S-1", "+49 151 0000000")
        await uow.commit()
    assert result.outcome == "no_match" and result.attempts_left == MAX_FAILED_CLAIMS_PER_HOUR - 1
    async with uow_factory() as uow:
        assert await buyer_orders(uow, 5555) == ()


async def test_too_many_failed_claims_are_refused_until_the_hour_passes(uow_factory, clock, shop) -> None:
    for _ in range(MAX_FAILED_CLAIMS_PER_HOUR):
        clock.advance(minutes=5)
        async with uow_factory() as uow:
            assert (await claim_order(uow, clock, 5555, "S-1", "wrong@example.com")).outcome == "no_match"
            await uow.commit()
    first_failure = clock.now() - timedelta(minutes=5 * (MAX_FAILED_CLAIMS_PER_HOUR - 1))
    async with uow_factory() as uow:
        # Even the right contact is refused now: otherwise the limit would still leak which guess is right.
        refused = await claim_order(uow, clock, 5555, "S-1", "anna@example.com")
        other_user = await claim_order(uow, clock, 6666, "S-1", "anna@example.com")
    assert refused.outcome == "rate_limited" and refused.retry_after == first_failure + timedelta(hours=1)
    assert other_user.outcome == "bound"  # the limit is per user
    clock.set(refused.retry_after)
    async with uow_factory() as uow:
        assert (await claim_order(uow, clock, 5555, "S-1", "anna@example.com")).outcome == "bound"


@pytest.mark.parametrize("contact", ["", "12", "not an email@"])
async def test_malformed_contact_is_invalid_input(uow_factory, clock, shop, contact) -> None:
    async with uow_factory() as uow:
        with pytest.raises(InvalidInput):
            await claim_order(uow, clock, 5555, "S-1", contact)


async def test_unknown_user_has_no_orders(uow_factory, shop) -> None:
    async with uow_factory() as uow:
        assert await buyer_orders(uow, 999999) == ()
