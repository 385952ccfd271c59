"""The update path's pure-asyncio building blocks.

- ``keys``: the ordering key of an update (ConversationHandler's chat and user).
- ``scheduler``: ``KeyedScheduler``, bounded concurrency with FIFO order per key.
- ``ratelimit``: ``SendLimiter``, Telegram's send limits and ``retry_after``.
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
