"""Errors the domain raises; each has a stable `code` the bot maps to a polite message."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every business-rule error. `code` is stable; the message is for logs and operators."""

    code = "domain_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.details = details


class NotFound(DomainError):
    code = "not_found"


class AlreadyExists(DomainError):
    code = "already_exists"


class InvalidInput(DomainError):
    code = "invalid_input"


class IllegalTransition(DomainError):
    """A status change the state table does not allow (e.g. closing a closed ticket)."""

    code = "illegal_transition"

    def __init__(self, subject: str, from_status: str, to_status: str) -> None:
        super().__init__(
            f"{subject} cannot go from {from_status!r} to {to_status!r}",
            subject=subject,
            from_status=from_status,
            to_status=to_status,
        )
        self.subject = subject
        self.from_status = from_status
        self.to_status = to_status


class InvalidCode(DomainError):
    """An invite or link code that is unknown, used or expired (deliberately not saying which)."""

    code = "invalid_code"


class OrderFileError(DomainError):
    """A bad row in an order import file; `line` is 1-based in the file as given."""

    code = "order_file_error"

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}", line=line, problem=problem)
        self.line = line
        self.problem = problem


class Conflict(Exception):
    """Not a business error: another transaction got there first; the whole unit of work must retry.

    Deliberately not a `DomainError`, so a handler that turns domain errors
    into polite answers cannot swallow it and commit the rest of its
    transaction: it reaches the update runner, which rolls everything back
    and handles the update again on fresh data (STYLE.md, habit 12).
    """

    code = "conflict"


class ConcurrentChange(Conflict):
    """Another transaction changed the same record's status first; retry on fresh data."""

    code = "concurrent_change"

    def __init__(self, subject: str, subject_id: int) -> None:
        super().__init__(f"{subject} {subject_id} was changed meanwhile")
        self.subject = subject
        self.subject_id = subject_id
        self.details = {"subject": subject, "subject_id": subject_id}
