"""A flow's idle end, handled as the internal update the runner gives it (bot.conversations.drafts).

Internal updates have negative inbox ids, so when the chat's Telegram update
is pending beside one, the runner takes the idle end first. If that update
came in before the flow fell idle, the end is put off (the update may move
the flow on) and looked at again soon, never dropped: otherwise a flow the
update did not move would stay open for ever.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import build_application
from bot.context import Deps
from bot.conversations.drafts import DRAFT, FLOW_IDLE_KIND, IDLE_RECHECK
from bot.pipeline.inbox import key_text
from bot.pipeline.internal import InternalUpdate
from bot.pipeline.outbox import Outbox, UpdateAttempt, enter_attempt, leave_attempt
from bot.rendering import default_renderer
from bot.settings import load_settings
from domain.enums import DeadlineKind
from domain.models import ConversationDraft, OutboxMessage
from domain.storage.repositories.pipeline import DONE, InboxRepository

BUYER = 4242


async def handle(application, uow_factory, clock, update: InternalUpdate) -> None:
    """What the runner does with one stored update: one unit of work, committed."""
    async with uow_factory() as uow:
        token = enter_attempt(UpdateAttempt(update.update_id, uow, Outbox(uow, clock, update.update_id), final=False))
        try:
            await application.process_update(update)
        finally:
            leave_attempt(token)
        await uow.commit()


def idle_end(deadline_id: int, draft: ConversationDraft, due_at) -> InternalUpdate:
    data = {"draft_id": draft.id, "updated_at": draft.updated_at.isoformat(), "due_at": due_at.isoformat()}
    return InternalUpdate(-deadline_id, FLOW_IDLE_KIND, BUYER, BUYER, data)


async def test_an_idle_end_put_off_for_a_waiting_message_comes_back_and_ends_the_flow(
    uow_factory, clock, sandbox_server, bot_token, database_url
):
    settings = load_settings(
        telegram_bot_token=bot_token,
        telegram_api_url=sandbox_server.bot_api_base_url,
        database_url=database_url,
        _env_file=None,
    )
    application = build_application(
        Deps(settings=settings, clock=clock, renderer=default_renderer(), uow_factory=uow_factory)
    )
    async with application:  # initialised against the sandbox; no pipeline: the test plays the runner
        await idle_end_put_off_then_ended(application, uow_factory, clock)


async def idle_end_put_off_then_ended(application, uow_factory, clock) -> None:
    due_at = clock.now()
    async with uow_factory() as uow:
        draft = ConversationDraft(
            conversation="flow_change_address",
            chat_id=BUYER,
            user_id=BUYER,
            state=2,
            data={"value": {}},
            updated_at=clock.now() - timedelta(minutes=31),
        )
        uow.session.add(draft)
        # The buyer's message, received as the flow fell idle and not handled yet.
        payload = {
            "update_id": 7,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": BUYER, "type": "private"},
                "from": {"id": BUYER, "is_bot": False, "first_name": "A"},
                "text": "/x",
            },
        }
        row = {
            "update_id": 7,
            "payload": payload,
            "conversation_key": key_text((BUYER, BUYER)),
            "status": "pending",
            "last_error": None,
        }
        await InboxRepository(uow.session).store_many([row], at=due_at)
        await uow.commit()

    await handle(application, uow_factory, clock, idle_end(1, draft, due_at))
    async with uow_factory() as uow:
        assert await uow.session.get(ConversationDraft, draft.id) is not None  # put off, not ended
        recheck = await uow.deadlines.live(DeadlineKind.FLOW_IDLE, DRAFT, draft.id)
        assert recheck is not None and recheck.due_at == clock.now() + IDLE_RECHECK

    # The message was handled and did not move the flow (an unknown command keeps the step): the flow ends now.
    async with uow_factory() as uow:
        await InboxRepository(uow.session).mark_done(7, at=clock.now())
        await uow.commit()
    clock.advance(IDLE_RECHECK)
    await handle(application, uow_factory, clock, idle_end(recheck.id, draft, recheck.due_at))
    async with uow_factory() as uow:
        assert await uow.session.get(ConversationDraft, draft.id) is None
        sent = (await uow.session.scalars(select(OutboxMessage))).all()
        assert [row.chat_id for row in sent] == [BUYER] and "closed it" in sent[0].payload["text"]
        assert (await InboxRepository(uow.session).get(7)).status == DONE
