"""The lane for answering button presses: after the commit, at once, beside the outbox.

An answer is only useful now (the client shows a spinner until it comes, and
Telegram refuses answers after some seconds), so it is not stored and does not
queue behind the per-chat and per-group limits of the outbox: it goes out as
soon as the update's transaction committed. A replayed update finds the press
answered or expired: Telegram says "query is too old ...", which is no failure.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.pipeline.outbox import CallbackAnswer

log = logging.getLogger(__name__)


class CallbackAnswers:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._pending: set[asyncio.Task[None]] = set()

    def answer(self, answer: CallbackAnswer) -> None:
        """Send the answer now, without waiting for it (the caller has more to do)."""
        task = asyncio.get_running_loop().create_task(self._send(answer), name=f"answer-{answer.query_id}")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _send(self, answer: CallbackAnswer) -> None:
        try:
            await self._bot.answer_callback_query(answer.query_id, text=answer.text, show_alert=answer.show_alert)
        except BadRequest as error:
            if "query is too old" in str(error).lower():
                log.info("button press %s was answered already or expired", answer.query_id)
            else:
                log.warning("answering button press %s was refused: %s", answer.query_id, error)
        except TelegramError as error:
            log.warning("could not answer button press %s: %s", answer.query_id, error)

    async def drain(self) -> None:
        """Wait for the answers already on their way (at shutdown)."""
        if self._pending:
            await asyncio.wait(set(self._pending))
