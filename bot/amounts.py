"""Reading an amount someone typed ("12.50", "12,50 €", "¥1,200") in their language, as minor units."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import NumberFormatError, parse_decimal

from domain.errors import InvalidInput
from domain.services import money
from domain.services.refusals import Refused

CURRENCY_SIGNS = "€$¥£ "


def parse_amount(text: str, lang: str, currency: str) -> int:
    """Minor units of `currency`; Refused("amount_unreadable") for anything that is not such an amount."""
    cleaned = (text or "").strip().strip(CURRENCY_SIGNS).removesuffix(currency).removeprefix(currency).strip()
    try:
        amount = Decimal(parse_decimal(cleaned, locale=lang, strict=False))
        return money.to_minor(amount, currency)
    except (NumberFormatError, InvalidInput, ArithmeticError) as error:
        raise Refused("amount_unreadable") from error
