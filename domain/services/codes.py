"""One-time codes: random, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

# 16 random bytes: 22 URL-safe characters, unguessable, and with a 2-character
# prefix ("a_", "g_") well inside Telegram's 64-character /start payload.
CODE_BYTES = 16


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


AGENT_CODE_PREFIX = "a_"  # `/start a_<code>`
GROUP_CODE_PREFIX = "g_"  # `/link g_<code>`
_CODE_LENGTH = len(new_code())


def strip_prefix(code: str, prefix: str) -> str:
    """Accept a code with or without its prefix; a bare code may itself start with "a_", so go by length."""
    code = code.strip()
    if len(code) == _CODE_LENGTH + len(prefix) and code.startswith(prefix):
        return code[len(prefix) :]
    return code
