"""Card numbers in a buyer's words masked for the seller (issue #20): what is masked, how, and what is left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.moderation.masking import Masked, mask_card_numbers

LABELLED = Path(__file__).resolve().parents[1] / "data" / "moderation_labelled.jsonl"


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("my card is 4111 1111 1111 1111 please refund", "my card is •••• •••• •••• 1111 please refund"),
        ("4111-1111-1111-1111", "••••-••••-••••-1111"),
        ("5555.5555.5555.4444", "••••.••••.••••.4444"),
        ("card 4242424242424242", "card ••••••••••••4242"),
        ("Amex 3782 822463 10005?", "Amex •••• •••••• •0005?"),  # Amex's 4-6-5 groups keep their shape
        ("UnionPay 6244 2597 2486 2261 295", "UnionPay •••• •••• •••• •••1 295"),  # 19 digits, last four "1 295"
        ("４１１１ １１１１ １１１１ １１１１", "•••• •••• •••• １１１１"),  # full-width
        ("بطاقتي ٤١١١١١١١١١١١١١١١", "بطاقتي ••••••••••••١١١١"),  # Arabic-Indic digits
        ("4\u200b111 1111 1111 1111", "•\u200b••• •••• •••• 1111"),  # a zero-width space stays where it was
        ("card #4111111111111111", "card #••••••••••••1111"),  # "#" labels orders, but a card word is nearer
        ("for order 12345 my card is 4111 1111 1111 1111", "for order 12345 my card is •••• •••• •••• 1111"),
        ("4111 1111 1111 1111 12/27 123", "•••• •••• •••• 1111 12/27 123"),  # expiry and CVV are not a card
        ("refund to 4111 1111 1111 1111", "refund to •••• •••• •••• 1111"),  # "ref" labels, "refund" does not
    ],
)
def test_a_card_number_keeps_its_shape_and_last_four_digits(text, masked):
    assert mask_card_numbers(text) == Masked(masked, 1)


def test_two_cards_in_one_message_are_both_masked():
    got = mask_card_numbers("old 4111 1111 1111 1111, new 5555 5555 5555 4444")
    assert got == Masked("old •••• •••• •••• 1111, new •••• •••• •••• 4444", 2)


def test_digits_written_as_words_are_masked_word_by_word():
    text = "four one one one one one one one one one one one one one one one"
    got = mask_card_numbers(text)
    assert got.count == 1 and got.text == "•••• ••• ••• ••• ••• ••• ••• ••• ••• ••• ••• ••• one one one one"


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # fails Luhn
        "4111 1111 1111",  # too short
        "41111111111111111111",  # 20 digits in one piece: no card is that long
        "1111 1111 1111 1117",  # no issuer starts with 1
        "4444 4444 4444 4444",  # one digit repeated
        "Order 4111111111111111 is late",  # labelled as the order's number
        "tracking 4539 1488 0343 6467",
        "My locker pin 4539148803436467",
        "call me on +62 812 3456 7890 1",  # a phone number: the same digits without "+" pass Luhn
        "The phone's IMEI is 352099001761481",  # Luhn valid, but 15 digits that are not Amex
        "The barcode on the box is 5901234123457",  # EAN-13, not a 13-digit Visa
        "IMEI 4539 1488 0343 6467",
        "ref 4539148803436467",
        "Ref: 4539148803436467",
        "reference 4539148803436467",
        "заказа 4539148803436467",  # an inflected label still labels
        "",
    ],
)
def test_what_is_not_a_card_number_is_left_as_it_is(text):
    assert mask_card_numbers(text) == Masked(text, 0)


def test_no_text_is_no_text():
    assert mask_card_numbers(None) == Masked(None, 0)


def test_the_orders_own_numbers_are_never_masked():
    text = "my order 4539-1488-0343-6467 was charged to 4111 1111 1111 1111"
    got = mask_card_numbers(text.replace("order", "parcel for"), keep=("4539148803436467",))
    assert got.text == "my parcel for 4539-1488-0343-6467 was charged to •••• •••• •••• 1111"


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1111",
        "４１１１ １１１１ １１１１ １１１１ 😀 and 5555 5555 5555 4444",
        "𝟒𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏",  # mathematical digits take two UTF-16 units each: two "•" each
        "💳 4111 1111 1111 1111 👍",
    ],
)
def test_the_length_in_utf16_units_stays_so_entities_stay_aligned(text):
    got = mask_card_numbers(text)
    assert got.count >= 1 and got.text != text
    assert utf16(got.text) == utf16(text)
    # What is not a digit stays in place, unit for unit.
    original, masked = text.encode("utf-16-le"), got.text.encode("utf-16-le")
    for k in range(0, len(original), 2):
        if masked[k : k + 2] != original[k : k + 2]:
            assert masked[k : k + 2] == "•".encode("utf-16-le")


def test_the_labelled_sets_texts_without_a_card_number_are_untouched():
    """The screen's labelled set (seller messages, with hard negatives: tracking and order numbers, IMEIs, barcodes,
    IBANs, phone numbers, locker codes): only texts that name a card number change, each keeping its last four."""
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    masked = {}
    for row in rows:
        got = mask_card_numbers(row["text"])
        assert utf16(got.text) == utf16(row["text"])
        if got.count:
            masked[row["text"]] = row
    assert len(masked) >= 15  # the set quotes cards in many forms
    for text, row in masked.items():
        assert row["labels"], f"a legitimate message was masked: {text}"
        assert "luhn valid" in row["note"].lower() or "card" in row["note"].lower(), row
    legitimate = [r for r in rows if not r["labels"]]
    assert len(legitimate) > 100 and not any(r["text"] in masked for r in legitimate)
