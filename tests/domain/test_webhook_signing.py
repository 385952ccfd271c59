"""The money webhooks' signature: Stripe's scheme, checked against an HMAC computed here."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from domain.services.webhook_signing import new_secret, sign, verify

SECRET = "whsec_test-secret"
BODY = '{"id":"refund.approved:request:12","amount":{"minor":3499,"currency":"EUR"},"note":"Straße"}'.encode()
T = 1_772_442_000  # 2026-03-02 09:00 UTC


def expected_header(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def test_the_header_is_t_and_the_hex_hmac_of_t_dot_body():
    assert sign(SECRET, T, BODY) == expected_header(SECRET, T, BODY)
    # A fixed vector too, so a change to both the code and the helper above cannot pass unnoticed.
    assert sign("whsec_abc", 1_700_000_000, b"{}") == (
        "t=1700000000,v1=" + hmac.new(b"whsec_abc", b"1700000000.{}", hashlib.sha256).hexdigest()
    )
    assert sign("whsec_abc", 1_700_000_000, b"{}") != sign("whsec_abd", 1_700_000_000, b"{}")


def test_a_signature_verifies_and_any_tampering_does_not():
    header = sign(SECRET, T, BODY)
    assert verify(SECRET, header, BODY, now=T)
    assert not verify(SECRET, header, BODY.replace(b"3499", b"9999"), now=T)  # the amount changed
    assert not verify(SECRET, header, BODY + b" ", now=T)  # even a byte of whitespace
    assert not verify("whsec_other", header, BODY, now=T)
    later = header.replace(f"t={T}", f"t={T + 1}")  # the timestamp is signed too
    assert not verify(SECRET, later, BODY, now=T + 1)
    flipped = header[:-1] + ("0" if header[-1] != "0" else "1")
    assert not verify(SECRET, flipped, BODY, now=T)


def test_malformed_headers_are_not_valid():
    for header in ("", "garbage", f"t={T}", "v1=abc", f"t=soon,v1={'0' * 64}", f"v1={'0' * 64},t="):
        assert not verify(SECRET, header, BODY, now=T), header


def test_a_signature_is_accepted_within_the_tolerance_only():
    header = sign(SECRET, T, BODY)
    assert verify(SECRET, header, BODY, now=T + 300)
    assert verify(SECRET, header, BODY, now=T - 300)
    assert not verify(SECRET, header, BODY, now=T + 301)  # a replayed capture
    assert not verify(SECRET, header, BODY, now=T - 301)
    assert verify(SECRET, header, BODY, now=T + 3600, tolerance=3600)
    assert verify(SECRET, header, BODY, now=datetime.fromtimestamp(T + 10, UTC))


def test_one_of_several_signatures_may_match_while_a_secret_is_changed():
    header = sign(SECRET, T, BODY) + "," + sign("whsec_new", T, BODY).split(",")[1]
    assert verify(SECRET, header, BODY, now=T)
    assert verify("whsec_new", header, BODY, now=T)
    assert not verify("whsec_third", header, BODY, now=T)


def test_new_secrets_are_prefixed_and_unguessable():
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(s.startswith("whsec_") and len(s) >= 6 + 43 for s in secrets)
