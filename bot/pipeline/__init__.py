"""The update path's pure-asyncio building blocks.

- ``keys``: the ordering key of an update (ConversationHandler's chat and user).
- ``scheduler``: ``KeyedScheduler``, bounded concurrency with FIFO order per key.
- ``ratelimit``: ``SendLimiter``, Telegram's send limits and ``retry_after``.

The durable update path built on them (import the modules directly; they
need the database and ``bot.context``):
- ``poller``: getUpdates, each batch committed to the inbox before it is confirmed.
- ``inbox``: storing raw updates, duplicates dropped.
- ``runner``: one transaction per update, retries, parking.
- ``outbox``: ``context.outbox``, messages recorded in the update's transaction.
- ``sender``: sends committed outbox rows, in order per chat.
- ``timers``: fires due deadlines exactly once.
- ``leases``: which process sends an outbox row; ``leadership``: which process polls (PostgreSQL).
- ``housekeeping``: finished rows deleted past the retention.
- ``metrics`` and ``ops``: Prometheus counters, ``/healthz``, ``/readyz``, ``/metrics``.
- ``service``: ``UpdatePipeline`` / ``pipeline_for(application)``, all of it started and stopped together.
"""

from bot.pipeline.keys import ConversationKey, conversation_key, key_from_raw
from bot.pipeline.ratelimit import SendLimiter
from bot.pipeline.scheduler import KeyedScheduler, SchedulerClosed

__all__ = [
    "ConversationKey",
    "KeyedScheduler",
    "SchedulerClosed",
    "SendLimiter",
    "conversation_key",
    "key_from_raw",
]
