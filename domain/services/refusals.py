"""The two ways a ticket service says no: the rules refuse it, or this person may not do it.

(They belong beside `domain.errors`; kept here so the ticket services could be
added without touching shared modules.)
"""

from __future__ import annotations

from domain.errors import DomainError


class Refused(DomainError):
    """A business rule refuses the action; `why` is a stable code the bot words (e.g. "already_shipped")."""

    code = "refused"

    def __init__(self, why: str, message: str | None = None, **details: object) -> None:
        super().__init__(message or why, why=why, **details)
        self.why = why


class Forbidden(DomainError):
    """The person is not allowed to act on this ticket or order (not theirs, not their store's)."""

    code = "forbidden"
