"""A store's queue as its agents read it: times in the store's zone, each ticket a link to its topic."""

from __future__ import annotations

from dataclasses import replace

from bot.relay import topics
from bot.relay.desk import Desk
from domain.services.queue import agents_queue


async def queue_text(desk: Desk, store_id: int, agent_telegram_id: int, lang: str) -> str:
    """Forbidden (from the domain) unless `agent_telegram_id` is an agent of the store."""
    store = await desk.uow.stores.get(store_id)
    items = await agents_queue(desk.uow, desk.clock, store_id, agent_telegram_id)
    if store is not None:
        items = tuple(replace(item, due_at=topics.local_time(item.due_at, store)) for item in items)
    links = {item.ticket_id: topics.topic_link(*item.topic) for item in items if item.topic is not None}
    return desk.render("seller/queue.html", lang, store_name=store.name if store else "", items=items, links=links)
