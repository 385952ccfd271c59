"""Money in after-sales decisions: minor units at the currency's precision, the refund cap, suggestions.

Amounts are integers of the currency's minor unit (cents, fen; yen have
none), as order items are stored, so sums and caps are exact. Babel says how
many decimals a currency has; the bot formats and parses amounts in the
reader's locale with Babel too, and converts here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from babel.numbers import get_currency_precision, is_currency

from domain.errors import InvalidInput
from domain.results import Verdict

OK = Verdict(True)


def currency_precision(currency: str) -> int:
    """Digits after the decimal point (EUR 2, JPY 0, KWD 3): what one minor unit is."""
    if not isinstance(currency, str) or not is_currency(currency.upper()):
        raise InvalidInput(f"unknown currency {currency!r}")
    return int(get_currency_precision(currency.upper()))


def to_minor(amount: Decimal, currency: str) -> int:
    """A typed amount (12.50 EUR) in minor units (1250); finer than the currency goes is refused."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidInput("an amount is a finite Decimal")
    scaled = amount.scaleb(currency_precision(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidInput(f"{amount} has more decimals than {currency.upper()} has")
    return int(scaled)


def to_major(amount_minor: int, currency: str) -> Decimal:
    """Minor units as the currency's amount (1250 -> Decimal("12.50")), for Babel to format."""
    if not _is_int(amount_minor):
        raise InvalidInput("an amount in minor units is an int")
    precision = currency_precision(currency)
    return Decimal(amount_minor).scaleb(-precision).quantize(Decimal(1).scaleb(-precision))


def check_partial_refund(amount_minor: int, cap_minor: int) -> Verdict:
    """A partial refund: more than nothing, less than everything paid for the affected items.

    Why codes: amount_not_positive, amount_over_cap, amount_is_full_refund (the whole amount is
    "refund only", which is approved at once rather than offered).
    """
    if not _is_int(amount_minor):
        raise InvalidInput("an amount in minor units is an int")
    if amount_minor <= 0:
        return Verdict(False, "amount_not_positive")
    if amount_minor > cap_minor:
        return Verdict(False, "amount_over_cap")
    if amount_minor == cap_minor:
        return Verdict(False, "amount_is_full_refund")
    return OK


DEFAULT_REFUND_SUGGESTIONS = (20, 50, 80)


def suggested_refunds(cap_minor: int, percents: Sequence[int] | None = None) -> tuple[int, ...]:
    """The store's suggested partial refunds (default 20, 50 and 80 %) of the cap, in minor units.

    Rounded half up to a whole minor unit; a percentage outside 1-99 (a bad setting) and one that
    rounds to nothing or to the full amount are left out, so each suggestion passes
    `check_partial_refund`.
    """
    amounts: list[int] = []
    for percent in percents or DEFAULT_REFUND_SUGGESTIONS:
        if not _is_int(percent) or not 1 <= percent <= 99:
            continue
        amount = (cap_minor * percent + 50) // 100
        if 0 < amount < cap_minor and amount not in amounts:
            amounts.append(amount)
    return tuple(sorted(amounts))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
