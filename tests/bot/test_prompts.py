"""Which prompt an agent's reply answers, decided before any look-up where Telegram's message says enough."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from telegram import Chat, ForumTopicCreated, Message, User

from bot.relay.prompts import asked_by

BOT = User(7, "Aftersales", is_bot=True)
AGENT = User(11, "Agent", is_bot=False)
GROUP = Chat(-100500, Chat.SUPERGROUP, is_forum=True)
WHEN = datetime(2026, 12, 7, tzinfo=UTC)


class _Session:
    """Records look-ups; answers with the row it was given."""

    def __init__(self, row=None):
        self.row, self.looked_up = row, 0

    async def scalar(self, statement):
        self.looked_up += 1
        return self.row


def _context(session: _Session) -> SimpleNamespace:
    return SimpleNamespace(bot=SimpleNamespace(id=BOT.id), uow=SimpleNamespace(session=session))


def _agent_reply_to(replied: Message) -> Message:
    return Message(90, WHEN, GROUP, from_user=AGENT, text="ok", message_thread_id=40, reply_to_message=replied)


async def test_a_message_in_a_topic_replies_to_its_creation_message_which_is_never_a_prompt() -> None:
    created = Message(
        40, WHEN, GROUP, from_user=BOT, forum_topic_created=ForumTopicCreated("#7", 0x6FB9F0), message_thread_id=40
    )
    session = _Session(row=SimpleNamespace(on_result_args={"prompt": {"kind": "amount"}}))
    assert await asked_by(_context(session), _agent_reply_to(created), "prompt") is None
    assert session.looked_up == 0


async def test_a_reply_to_the_bots_message_reads_what_that_message_asked_for() -> None:
    prompt = Message(55, WHEN, GROUP, from_user=BOT, text="How much?", message_thread_id=40)
    session = _Session(row=SimpleNamespace(on_result_args={"prompt": {"kind": "amount"}}))
    assert await asked_by(_context(session), _agent_reply_to(prompt), "prompt") == {"kind": "amount"}
    assert session.looked_up == 1


async def test_a_reply_to_a_colleague_is_no_answer_to_a_prompt() -> None:
    colleague = Message(56, WHEN, GROUP, from_user=User(12, "Colleague", is_bot=False), text="hm", message_thread_id=40)
    session = _Session()
    assert await asked_by(_context(session), _agent_reply_to(colleague), "prompt") is None
    assert session.looked_up == 0
