"""Validation of the codes the domain stores: time zones, countries, currencies, contacts."""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from babel.numbers import get_currency_precision, list_currencies

from domain.errors import InvalidInput

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_DIGITS = re.compile(r"\d{6,15}")


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)") from None
    return name


def check_country(code: str) -> str:
    normalised = code.strip().upper()
    if normalised not in holidays.list_supported_countries():
        raise InvalidInput(f"unknown country {code!r} (use an ISO 3166 code such as DE or CN)")
    return normalised


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def check_currency(code: str) -> str:
    normalised = code.strip().upper()
    if len(normalised) != 3 or normalised not in _currencies():
        raise InvalidInput(f"unknown currency {code!r} (use an ISO 4217 code such as EUR or CNY)")
    return normalised


def currency_exponent(code: str) -> int:
    """Digits after the decimal point: 2 for EUR, 0 for JPY."""
    return get_currency_precision(code)


def normalise_phone(raw: str) -> str:
    """Digits with a leading +, so "+49 (30) 1234-567" and "+4930 1234567" match."""
    digits = re.sub(r"\D", "", raw)
    if not _PHONE_DIGITS.fullmatch(digits):
        raise InvalidInput(f"phone {raw!r} is not a phone number (6 to 15 digits)")
    return "+" + digits


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInput(f"e-mail {raw!r} is not an e-mail address")
    return email
