"""Payment identifiers validated by their own rules, so a tracking number is not mistaken for a card.

Cards pass Luhn (python-stdnum) and start like an issuer's number; IBANs pass their ISO 7064 checksum
(python-stdnum); Bitcoin addresses their base58check or bech32 checksum (python-stdnum); Ethereum and Tron
addresses are recognised by format; phone numbers by `phonenumbers`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers
from stdnum import bitcoin, iban, luhn

_CARD_LENGTHS = range(13, 20)
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
_ETH = re.compile(r"0x[0-9a-fA-F]{40}")
_TRON = re.compile(r"T[1-9A-HJ-NP-Za-km-z]{33}")


def card_number_in(groups: list[str]) -> str | None:
    """A card number made of consecutive digit groups ("4111 1111 1111 1111"), if any window of them is one."""
    window = card_groups(groups)
    return None if window is None else "".join(groups[window[0] : window[1]])


def is_card_number(digits: str) -> bool:
    # Issuers' numbers start with 2-6 (Mastercard, Visa, Amex, Discover, UnionPay, JCB, Mir); not all one digit.
    return digits[0] in "23456" and len(set(digits)) > 2 and luhn.is_valid(digits)


def card_groups(
    groups: list[str], start: int = 0, *, valid: Callable[[str], bool] = is_card_number
) -> tuple[int, int] | None:
    """The first window `groups[first:end]` (from `start` on) whose digits make a card number, as (first, end)."""
    for first in range(start, len(groups)):
        digits = ""
        for end in range(first, len(groups)):
            digits += groups[end]
            if len(digits) > 19:
                break
            if len(digits) in _CARD_LENGTHS and valid(digits):
                return first, end + 1
    return None


def could_be_card_number(digits: str) -> bool:
    """A card number a buyer may type, for masking: looser than `is_card_number` (a test number like 4111 1111 1111
    1111 counts) and stricter by length, since only Visa issued 13 digits and only Amex 15 (an EAN barcode, an IMEI)."""
    if len(digits) == 13 and digits[0] != "4" or len(digits) == 15 and digits[:2] not in ("34", "37"):
        return False
    return len(digits) in _CARD_LENGTHS and digits[0] in "23456" and len(set(digits)) > 1 and luhn.is_valid(digits)


def is_iban(candidate: str) -> bool:
    return iban.is_valid(_NOT_ALNUM.sub("", candidate).upper())


def is_crypto_address(candidate: str) -> bool:
    """`candidate` as written (case matters for base58): a Bitcoin, Ethereum or Tron address."""
    address = _NOT_ALNUM.sub("", candidate)
    if _ETH.fullmatch(address) or _TRON.fullmatch(address):
        return True
    return bitcoin.is_valid(address)


def is_phone_number(candidate: str) -> bool:
    """An international number that could be dialled, or a national one of a plausible length."""
    digits = re.sub(r"\D", "", candidate)
    if candidate.lstrip().startswith("+"):
        try:
            return phonenumbers.is_possible_number(phonenumbers.parse(candidate))
        except phonenumbers.NumberParseException:
            return False
    return 8 <= len(digits) <= 13
