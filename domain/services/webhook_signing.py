"""Signing money webhooks so the marketplace can tell they are ours and fresh (Stripe's scheme).

The header is ``Aftersales-Signature: t=<unix seconds>,v1=<hex>``, where the
hex is the HMAC-SHA256, keyed with the store's secret, of ``"<t>."`` followed
by the raw body bytes. The timestamp is signed too, so a captured request
cannot be replayed later than the receiver's tolerance allows.

Pure functions: the caller passes the time (the domain never reads the clock).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

SIGNATURE_HEADER = "Aftersales-Signature"
SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE = 300  # seconds a signature stays acceptable either side of the receiver's clock


def new_secret() -> str:
    """A fresh signing secret for a store's endpoint."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Aftersales-Signature`` header value for `body` sent at `timestamp` (unix seconds)."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: datetime | int, tolerance: int = DEFAULT_TOLERANCE) -> bool:
    """Whether `header` signs exactly `body` with `secret`, at a time within `tolerance` seconds of `now`.

    Several ``v1`` values are accepted (one per secret while a secret is being
    changed); anything malformed is simply not a valid signature.
    """
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    current = int(now.timestamp()) if isinstance(now, datetime) else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, signature) for signature in signatures)
