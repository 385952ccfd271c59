"""The two practices that hold a message: asking for payment details, and asking to pay outside the platform."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from domain.moderation import patterns as p
from domain.moderation.scan import Scan, Span, joined
from domain.moderation.validators import card_number_in, is_crypto_address, is_iban, is_phone_number

# How far apart the two halves of a request may be ("send me" ... "your card number").
_ASK_WINDOW = 60
_PAY_WINDOW = 80


def payment_details(scan: Scan) -> Iterator[Span]:
    """An ask aimed at the buyer's card, account or one-time code, not negated, not about the app's own checkout."""
    cached = scan.memo.get("payment_details")
    if cached is None:
        cached = scan.memo["payment_details"] = list(_payment_details(scan))
    return iter(cached)


def _payment_details(scan: Scan) -> Iterator[Span]:
    for secret in scan.find(p.SECRET):
        if scan.in_clause(secret, p.LOCKER) and not scan.near(secret, p.STRONG_SECRET, 0):
            continue
        listed = scan.near(secret, p.SECRET, 40)
        first = min(listed)
        asks = [a for a in scan.near(secret, p.ASK, _ASK_WINDOW) if a[1] <= secret[0] or secret[1] <= a[0]]
        if _in_app(scan, secret) and (not asks or scan.near(secret, p.ENTER, _ASK_WINDOW)):
            continue
        if asks:
            if not scan.negated(min(asks[0], first)):
                yield joined(asks[0], secret)
            continue
        # A list of secrets needs no verb ("card number, expiry and CVV please"), nor a question about a strong one.
        distinct = {scan.text.latin[a:b] for a, b in listed}
        question = "?" in scan.clause_text(secret) or "？" in scan.clause_text(secret)
        strong = scan.near(secret, p.STRONG_SECRET, 0)
        if (len(distinct) >= 2 or (question and strong)) and not scan.negated(first):
            yield joined(*listed)


def code_passed_on(scan: Scan) -> Iterator[Span]:
    """A one-time code or password named in one sentence and asked for in the next ("Send it to me")."""
    strong = scan.find(p.STRONG_SECRET)
    if not strong:
        return
    for ask in scan.find(p.PRONOUN_ASK):
        if not scan.negated(ask) and not scan.negated(strong[0]) and not scan.in_clause(strong[0], p.LOCKER):
            yield joined(strong[0], ask)
            return


def card_numbers(scan: Scan) -> list[Span]:
    """Digit runs that are card numbers (Luhn, issuer prefix), next to payment words, not labelled as an order."""
    if not (scan.find(p.PAY) or scan.find(p.CHANNEL) or scan.find(p.WEAK_CHANNEL) or scan.find(p.SECRET)):
        return []
    found = []
    for m in p.DIGIT_RUN.finditer(scan.text.plain):
        groups = p.DIGIT_GROUP.findall(m.group())
        if sum(map(len, groups)) >= 13 and card_number_in(groups) and not _labelled(scan, m.start()):
            found.append(m.span())
    return found


def off_platform_payment(scan: Scan) -> Iterator[Span]:
    yield from _outside(scan)
    # A payment service named in an ask for its password is the buyer's account, not where to pay.
    details = list(payment_details(scan))
    for span in [*_pay_to_seller(scan), *_channel_with_address(scan)]:
        if not any(d[0] < span[1] and span[0] < d[1] for d in details):
            yield span
    yield from _payment_identifiers(scan)
    yield from _chat_moved(scan)


def _in_app(scan: Scan, span: Span) -> bool:
    """The app's own checkout is meant, in the same part of the sentence ("pay with PayPal at checkout")."""
    part = scan.segment(span[0])
    return any(scan.segment(s[0]) == part and not scan.negated(s) for s in scan.find(p.IN_APP))


def _outside(scan: Scan) -> Iterator[Span]:
    for span in scan.find(p.OUTSIDE):
        if not scan.negated(span):
            yield span


def _pays(scan: Scan) -> list[Span]:
    """Pay words, except those inside a channel's name ("pay" in "PayPal", "支付" in "微信支付")."""
    channels = scan.find(p.CHANNEL)
    return [s for s in scan.find(p.PAY) if not any(c[0] <= s[0] and s[1] <= c[1] for c in channels)]


def _pay_to_seller(scan: Scan) -> Iterator[Span]:
    platform = bool(scan.find(p.PLATFORM))
    for pay in _pays(scan):
        if scan.negated(pay) or _in_app(scan, pay):
            continue
        direct = scan.near(pay, p.DIRECT, 40)
        seller = direct or scan.near(pay, p.SELLER_SIDE, 40)
        channels = [c for c in scan.near(pay, p.CHANNEL, _PAY_WINDOW) if not scan.negated(c) and c != pay]
        links = [m.span() for m in p.URL.finditer(scan.text.plain) if scan.clause(m.start()) == scan.clause(pay[0])]
        if channels and (seller or not platform):
            yield joined(pay, min(channels, key=lambda c: abs(c[0] - pay[0])))
        elif direct:
            yield joined(pay, direct[0])
        elif links and not scan.in_clause(pay, p.COURIER):
            yield joined(pay, links[0])
        elif seller and not platform and (weak := scan.near(pay, p.WEAK_CHANNEL, _PAY_WINDOW)):
            yield joined(pay, weak[0])


def _channel_with_address(scan: Scan) -> Iterator[Span]:
    """A payment service named with the seller's handle, number or "my": "Venmo @lisa-deals", "my Revolut"."""
    channels = scan.find(p.CHANNEL)
    addresses = _contacts(scan) if channels else []
    for channel in channels:
        if scan.negated(channel) or _in_app(scan, channel):
            continue
        near = [a for a in addresses if a[0] - channel[1] <= 30 and channel[0] - a[1] <= 30]
        # "my Revolut", "Zelle me", "paypal.me": the seller's own account.
        mine = [s for s in scan.near(channel, p.SELLER_SIDE, 12) if s[1] <= channel[0] or s[0] <= channel[1] + 1]
        asked = [a for a in scan.near(channel, p.ASK, 25) if a[1] <= channel[0]]
        if near or mine or (asked and not scan.find(p.PLATFORM) and not scan.negated(asked[0])):
            yield joined(channel, (near or mine or asked)[0])


def _payment_identifiers(scan: Scan) -> Iterator[Span]:
    """A valid IBAN or crypto address from the seller, or a card number offered to pay to."""
    text = scan.text
    for m in p.IBAN_CANDIDATE.finditer(text.plain):
        # The candidate may run on into the next word ("... 1332 y"): try it shorter, group by group.
        for end in sorted({g.end() for g in p.IBAN_GROUP.finditer(m.group())}, reverse=True):
            if end >= 15 and is_iban(m.group()[:end]):
                yield m.start(), m.start() + end
                break
    for m in p.CRYPTO_CANDIDATE.finditer(text.original):
        if is_crypto_address(m.group()):
            yield bisect_left(text.starts, m.start()), bisect_left(text.starts, m.end())
    if not list(payment_details(scan)):
        yield from card_numbers(scan)


def _labelled(scan: Scan, start: int) -> bool:
    """The number is introduced as an order, tracking or pickup number."""
    return any(start - 30 <= s[1] <= start for s in scan.find(p.NUMBER_LABEL))


def _contacts(scan: Scan) -> list[Span]:
    """Handles, e-mail addresses and phone numbers in the message (found once per message)."""
    found = scan.memo.get("contacts")
    if found is None:
        text = scan.text.plain
        found = scan.memo["contacts"] = [
            *(m.span() for m in p.HANDLE.finditer(text)),
            *(m.span() for m in p.EMAIL.finditer(text)),
            *(m.span() for m in p.PHONE_CANDIDATE.finditer(text) if is_phone_number(m.group())),
        ]
    return found


def _chat_moved(scan: Scan) -> Iterator[Span]:
    """Moving the conversation to a messaging app: the app named with a contact ask, a number or a handle."""
    apps = scan.find(p.APP)
    every_app = apps + scan.find(p.AMBIGUOUS_APP)
    contacts = _contacts(scan) if every_app else []
    for app in every_app:
        if scan.negated(app) or scan.in_clause(app, p.COURIER):
            continue
        near = [c for c in contacts if c[0] - app[1] <= 30 and app[0] - c[1] <= 30]
        if not near and app in apps:
            near = scan.near(app, p.CONTACT, 40)
        elif not near:
            near = [c for c in scan.near(app, p.CONTACT, 12) if c[1] <= app[0]]
        if near:
            yield joined(app, near[0])
