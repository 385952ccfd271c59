"""Which process sends an outbox row: the one holding its lease (``lease_owner`` until ``lease_until``).

A row is leased to the process that records it (``Outbox``), so its own
sender sends it; the sender renews its leases while it runs and gives them
up when it stops. Another process's sender claims a row only when its lease
ran out (its holder died) or it never had one, with a conditional UPDATE:
two senders on one database never both take a row.

The owner names the process. By default it is the host and the working
directory, so a bot restarted in place (after a crash too) takes its rows
back at once; two processes on one host in one directory need
``AFTERSALES_INSTANCE`` to tell them apart (the pipeline's ``owner``).
"""

from __future__ import annotations

import contextvars
import hashlib
import os
import socket
from datetime import timedelta

LEASE = timedelta(seconds=30)
RENEW_EVERY = 10.0  # seconds: a third of the lease, so one late renewal loses nothing

_owner: str | None = None
# The owner of the pipeline whose task records a row (set for its tasks by ``UpdatePipeline.start``):
# two pipelines in one process (tests) lease as two processes would.
_pipeline_owner: contextvars.ContextVar[str | None] = contextvars.ContextVar("lease_owner", default=None)


def default_owner() -> str:
    place = hashlib.sha256(os.getcwd().encode()).hexdigest()[:8]
    return f"{socket.gethostname()[:48]}:{place}"


def owner() -> str:
    """This process's name on its leases."""
    global _owner
    if _owner is None:
        _owner = default_owner()
    return _owner


def recording_owner() -> str:
    """Whose lease a row recorded now gets: the pipeline's running this task, else the process's."""
    return _pipeline_owner.get() or owner()


def context_of(name: str) -> contextvars.Context:
    """A context for a pipeline's tasks: the rows they record are leased to ``name``."""
    context = contextvars.copy_context()
    context.run(_pipeline_owner.set, name)
    return context
