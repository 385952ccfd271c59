"""Payment identifiers validated by their own rules, so a tracking number is not mistaken for a card.

Cards pass Luhn (python-stdnum) and start like an issuer's number; IBANs pass their ISO 7064 checksum
(python-stdnum); Bitcoin addresses their base58check or bech32 checksum (python-stdnum); Ethereum and Tron
addresses are recognised by format; phone numbers by `phonenumbers`.
"""

from __future__ import annotations

import re

import phonenumbers
from stdnum import bitcoin, iban, luhn

_CARD_LENGTHS = range(13, 20)
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
_ETH = re.compile(r"0x[0-9a-fA-F]{40}")
_TRON = re.compile(r"T[1-9A-HJ-NP-Za-km-z]{33}")


def card_number_in(groups: list[str]) -> str | None:
    """A card number made of consecutive digit groups ("4111 1111 1111 1111"), if any window of them is one."""
    for first in range(len(groups)):
        digits = ""
        for group in groups[first:]:
            digits += group
            if len(digits) > 19:
                break
            if len(digits) in _CARD_LENGTHS and is_card_number(digits):
                return digits
    return None


def is_card_number(digits: str) -> bool:
    # Issuers' numbers start with 2-6 (Mastercard, Visa, Amex, Discover, UnionPay, JCB, Mir); not all one digit.
    return digits[0] in "23456" and len(set(digits)) > 2 and luhn.is_valid(digits)


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
