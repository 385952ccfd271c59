"""A chat's rows go lowest (priority, id) first, and one slow chat never holds the others' rows back.

A chat with more rows offered than the sender hands out at once keeps the
rest in memory (its spill), in the same order, without reading them back.

The sender runs against a stand-in for the Bot API that records what it was
asked to send, on the real database (``uow_factory``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.pipeline.outbox import Outbox
from bot.pipeline.ratelimit import SendLimiter
from bot.pipeline.sender import CHAT_ROWS_KNOWN, OutboxSender
from domain.clock import SystemClock
from domain.models.integration import OutboxPriority
from domain.storage.repositories.pipeline import OutboxSendingRepository

PERSON, AUTOMATIC = OutboxPriority.PERSON, OutboxPriority.AUTOMATIC
GROUP = -100_123


class TelegramStandIn:
    """Records each send; sends ``hold`` names (a chat, or a test of the call) wait for ``release``."""

    def __init__(self, hold: int | Callable[[dict], bool] | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.threads: list[int | None] = []  # the forum topic of each send
        self.hold = (lambda kwargs: kwargs["chat_id"] == hold) if isinstance(hold, int) else hold
        self.release = asyncio.Event()

    async def do_api_request(self, method, api_kwargs):
        if self.hold is not None and self.hold(api_kwargs) and not self.release.is_set():
            await self.release.wait()
        self.sent.append((api_kwargs["chat_id"], api_kwargs["text"]))
        self.threads.append(api_kwargs.get("message_thread_id"))
        return {"message_id": len(self.sent)}

    def texts(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


async def record(uow_factory, rows, *, sender: OutboxSender | None = None, after=None, thread=None):
    """Commit (chat, text, priority[, after index]) rows in one transaction; offer them to ``sender``.

    ``after``: a row of an earlier transaction that the first row follows; ``thread``: their forum topic.
    Returns the rows recorded.
    """
    clock = SystemClock()
    async with uow_factory() as uow:
        outbox, recorded = Outbox(uow, clock), []
        for chat_id, text, priority, *index in rows:
            after_row = recorded[index[0]] if index else (after if not recorded else None)
            recorded.append(
                await outbox.send_message(chat_id, text, priority=priority, after=after_row, message_thread_id=thread)
            )
        await uow.commit()
    if sender is not None:
        sender.offer(uow.outbox_rows)
    return recorded


async def until(check, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def make_sender(bot, uow_factory, poll_interval: float = 0.05, **options) -> OutboxSender:
    return OutboxSender(bot, uow_factory, SystemClock(), poll_interval=poll_interval, **options)


async def running(sender: OutboxSender):
    return asyncio.create_task(sender.run())


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_persons_row_goes_before_automatic_ones_read_from_the_table(uow_factory):
    await record(
        uow_factory,
        [(1, "reminder", AUTOMATIC), (1, "buyer wrote", PERSON), (1, "order shipped", AUTOMATIC), (1, "agent", PERSON)],
    )
    bot = TelegramStandIn()
    task = await running(make_sender(bot, uow_factory, max_in_flight=4))
    try:
        await until(lambda: len(bot.sent) == 4)
    finally:
        await stop(task)
    assert bot.texts(1) == ["buyer wrote", "agent", "reminder", "order shipped"]


async def test_a_chats_queued_automatic_row_goes_after_a_persons_row_queued_behind_it(uow_factory):
    bot = TelegramStandIn(hold=1)
    sender = make_sender(bot, uow_factory, max_in_flight=4)
    task = await running(sender)
    try:
        await record(uow_factory, [(1, "first", PERSON)], sender=sender)
        await asyncio.sleep(0.1)  # "first" is being sent: the chat's next is not chosen yet
        await record(uow_factory, [(1, "reminder", AUTOMATIC)], sender=sender)
        await record(uow_factory, [(1, "buyer wrote", PERSON)], sender=sender)
        await asyncio.sleep(0.1)
        bot.release.set()
        await until(lambda: len(bot.sent) == 3)
    finally:
        await stop(task)
    assert bot.texts(1) == ["first", "buyer wrote", "reminder"]


async def test_a_row_that_follows_an_automatic_one_still_goes_after_it(uow_factory):
    await record(uow_factory, [(1, "card", AUTOMATIC), (1, "reply to the card", PERSON, 0), (1, "buyer", PERSON)])
    bot = TelegramStandIn()
    task = await running(make_sender(bot, uow_factory, max_in_flight=4))
    try:
        await until(lambda: len(bot.sent) == 3)
    finally:
        await stop(task)
    texts = bot.texts(1)
    assert sorted(texts) == ["buyer", "card", "reply to the card"]
    assert texts.index("card") < texts.index("reply to the card")


async def test_one_slow_group_does_not_starve_private_chats(uow_factory):
    """40 rows for a group allowed one a minute, then one for each of five buyers: the buyers do not wait."""
    await record(uow_factory, [(GROUP, f"group {n}", AUTOMATIC) for n in range(40)])
    await record(uow_factory, [(buyer, "notice", AUTOMATIC) for buyer in range(1, 6)])
    bot = TelegramStandIn()
    # A window of 32 rows: were the group's rows all taken, no buyer's would be read for minutes.
    sender = make_sender(bot, uow_factory, max_in_flight=2, limiter=SendLimiter(group_per_minute=1))
    task = await running(sender)
    try:
        await until(lambda: len(bot.sent) == 6, timeout=3)
    finally:
        await stop(task)
    assert sorted(chat for chat, _ in bot.sent) == [GROUP, 1, 2, 3, 4, 5]


class TableReads:
    """Counts the sender's reads of unsent rows (the repository is the real one)."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        unsent = OutboxSendingRepository.unsent

        async def counted(repository, **kwargs):
            self.count += 1
            return await unsent(repository, **kwargs)

        monkeypatch.setattr(OutboxSendingRepository, "unsent", counted)


async def _started(bot, uow_factory, monkeypatch):
    """A sender that reads only when told (no interval look during a test), after its start-up read."""
    reads = TableReads(monkeypatch)
    unlimited = SendLimiter(overall_per_second=10_000, private_per_second=10_000, private_burst=10_000)
    sender = make_sender(bot, uow_factory, poll_interval=60, max_in_flight=4, limiter=unlimited)
    task = await running(sender)
    await until(lambda: reads.count >= 1)
    await asyncio.sleep(0.05)
    assert reads.count == 1
    return sender, task, reads


async def test_a_burst_into_one_chat_goes_out_in_order_without_reading_it_back(uow_factory, monkeypatch):
    bot = TelegramStandIn(hold=1)
    sender, task, reads = await _started(bot, uow_factory, monkeypatch)
    burst = [f"message {n}" for n in range(4 * CHAT_ROWS_KNOWN)]
    try:
        for text in burst:  # one transaction each, as one update each
            await record(uow_factory, [(1, text, PERSON)], sender=sender)
        await asyncio.sleep(0.1)
        bot.release.set()
        await until(lambda: len(bot.sent) == len(burst))
        await asyncio.sleep(0.1)  # anything sent twice would arrive now
    finally:
        await stop(task)
    assert bot.texts(1) == burst
    assert reads.count == 1  # the start-up read only: the spill came from memory


async def test_a_spilled_persons_words_go_before_automatic_rows_offered_earlier(uow_factory, monkeypatch):
    bot = TelegramStandIn(hold=1)
    sender, task, _ = await _started(bot, uow_factory, monkeypatch)
    automatic = [f"reminder {n}" for n in range(CHAT_ROWS_KNOWN + 2)]
    persons = [f"buyer {n}" for n in range(5)]
    try:
        await record(uow_factory, [(1, "first", PERSON)], sender=sender)
        await asyncio.sleep(0.05)
        for text in automatic:
            await record(uow_factory, [(1, text, AUTOMATIC)], sender=sender)
        for text in persons:
            await record(uow_factory, [(1, text, PERSON)], sender=sender)
        await asyncio.sleep(0.1)
        bot.release.set()
        await until(lambda: len(bot.sent) == 1 + len(automatic) + len(persons))
        await asyncio.sleep(0.1)
    finally:
        await stop(task)
    texts = bot.texts(1)
    assert [text for text in texts if text.startswith("buyer")] == persons
    assert [text for text in texts if text.startswith("reminder")] == automatic
    # The rows beyond the first CHAT_ROWS_KNOWN waited in the spill: the buyer's before the reminders there.
    assert texts.index(persons[-1]) < texts.index(automatic[CHAT_ROWS_KNOWN - 1])


async def test_a_row_following_one_the_sender_was_not_told_of_is_read_in_order(uow_factory, monkeypatch):
    bot = TelegramStandIn(hold=1)
    sender, task, reads = await _started(bot, uow_factory, monkeypatch)
    early = [f"message {n}" for n in range(CHAT_ROWS_KNOWN + 4)]
    try:
        for text in early:
            await record(uow_factory, [(1, text, PERSON)], sender=sender)
        # Committed elsewhere (another process, the command line): nobody offers it.
        (card,) = await record(uow_factory, [(1, "card", PERSON)])
        await record(uow_factory, [(1, "reply to the card", PERSON)], sender=sender, after=card)
        await record(uow_factory, [(1, "later", PERSON)], sender=sender)
        await asyncio.sleep(0.1)
        bot.release.set()
        await until(lambda: len(bot.sent) == len(early) + 3)
        await asyncio.sleep(0.1)
    finally:
        await stop(task)
    assert bot.texts(1) == [*early, "card", "reply to the card", "later"]
    assert reads.count > 1  # the spill was left to the table, which knew the card


async def test_a_row_offered_twice_into_a_spill_is_sent_once(uow_factory, monkeypatch):
    bot = TelegramStandIn(hold=1)
    sender, task, _ = await _started(bot, uow_factory, monkeypatch)
    texts = [f"message {n}" for n in range(3 * CHAT_ROWS_KNOWN)]
    try:
        rows = [row for text in texts for row in await record(uow_factory, [(1, text, PERSON)], sender=sender)]
        sender.offer(rows)  # a hook's rows offered again, say
        await asyncio.sleep(0.1)
        bot.release.set()
        await until(lambda: len(bot.sent) == len(texts))
        await asyncio.sleep(0.2)
    finally:
        await stop(task)
    assert bot.texts(1) == texts


async def test_a_groups_topics_send_side_by_side_each_in_its_order(uow_factory):
    """A topic whose send hangs holds up its own messages only, not the group's other topics."""
    bot = TelegramStandIn(hold=lambda kwargs: kwargs.get("message_thread_id") == 10)
    sender = make_sender(bot, uow_factory, max_in_flight=4, limiter=SendLimiter(group_per_minute=100))
    task = await running(sender)
    try:
        await record(uow_factory, [(GROUP, f"topic 10 #{n}", PERSON) for n in range(3)], sender=sender, thread=10)
        for thread in (11, 12):
            rows = [(GROUP, f"topic {thread} #{n}", PERSON) for n in range(3)]
            await record(uow_factory, rows, sender=sender, thread=thread)
        await until(lambda: len(bot.sent) == 6)  # topics 11 and 12, while topic 10's first is held
        assert set(bot.threads) == {11, 12}
        bot.release.set()
        await until(lambda: len(bot.sent) == 9)
        await asyncio.sleep(0.1)
    finally:
        await stop(task)
    for thread in (10, 11, 12):
        sent = [text for (_, text), at in zip(bot.sent, bot.threads, strict=True) if at == thread]
        assert sent == [f"topic {thread} #{n}" for n in range(3)]


async def test_a_group_at_its_limit_holds_one_sender_whatever_its_topics(uow_factory):
    """Two senders hang on private chats; of the other two, a throttled group takes one, so a buyer gets the other."""
    bot = TelegramStandIn(hold=lambda kwargs: kwargs["chat_id"] in (1, 2))
    sender = make_sender(bot, uow_factory, max_in_flight=4, limiter=SendLimiter(group_per_minute=1))
    task = await running(sender)
    try:
        await record(uow_factory, [(1, "held", PERSON), (2, "held", PERSON)], sender=sender)
        for thread in (10, 11, 12):
            await record(uow_factory, [(GROUP, f"topic {thread}", PERSON)], sender=sender, thread=thread)
        await until(lambda: bot.texts(GROUP))  # the group's one message this minute
        await record(uow_factory, [(3, "notice", PERSON)], sender=sender)
        await until(lambda: bot.texts(3) == ["notice"], timeout=3)
    finally:
        bot.release.set()
        await stop(task)
    assert bot.texts(GROUP) == ["topic 10"]
