"""Which failures mean "another transaction got there first": roll back, retry on fresh data.

A lost compare-and-set raises `domain.errors.Conflict` itself. PostgreSQL
reports the other races as errors: two transactions inserting the same
unique row (two agents answering at once both schedule the ticket's
auto-close: `uq_deadlines_one_live`), a serialization failure, a deadlock.
SQLite lets one writer in at a time, so there a unique violation is a real
fault, never a race.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from domain.errors import Conflict

# How often a unit of work that lost a race is run again at once, before it counts as a failed try
# (the update runner, the sender's hooks and the timer sweeper alike).
CONFLICT_RETRIES = 5

# unique_violation, serialization_failure, deadlock_detected
_RACE_SQLSTATES = frozenset({"23505", "40001", "40P01"})


def is_conflict(error: BaseException | None) -> bool:
    if isinstance(error, Conflict):
        return True
    if isinstance(error, DBAPIError):
        return getattr(error.orig, "sqlstate", None) in _RACE_SQLSTATES
    return False
