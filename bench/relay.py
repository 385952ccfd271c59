"""The relay scenario's setup and its finish line: buyers with open tickets whose topics exist.

The people and the forum group are made in the sandbox's world, the store,
orders, bindings and tickets through the domain's own services (as the e2e
tests do), all before the bot starts. A warm-up then lets the bot make every
ticket's topic the way it does in production: each buyer writes once, and the
warm-up ends when every topic exists and holds that first copy. What is timed
afterwards is the steady state: buyers writing into tickets whose topics exist.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import date

from domain.clock import SystemClock
from domain.enums import BindingSource, OrderStatus
from domain.services.order_files import ItemRow, OrderRow
from domain.services.orders import import_orders
from domain.services.stores import (
    add_store,
    create_group_link_code,
    invite_agent,
    redeem_agent_invite,
    redeem_group_link_code,
)
from domain.services.tickets import open_ticket
from domain.storage.engine import create_engine
from domain.storage.uow import UnitOfWorkFactory
from sandbox.world import Chat, World
from sandbox.world.models import Bot, Person

WARM_UP_SECONDS = int(os.environ.get("BENCH_WARM_UP_SECONDS", "120"))  # a stuck warm-up says why


def _said(text: str) -> str:
    """What the buyer wrote, without the "👤 <name>:" line a topic copy starts with (agents see who wrote)."""
    first, newline, rest = text.partition("\n")
    return rest if newline and first.startswith("👤") else text.removeprefix("👤 ").partition(": ")[2] or text


def _order(number: str) -> OrderRow:
    return OrderRow(
        line=0,
        number=number,
        buyer_name="Bench Buyer",
        phone=None,
        email=None,
        currency="EUR",
        status=OrderStatus.SHIPPED,
        shipping_address="Torstraße 12, Berlin",
        carrier="DHL",
        tracking_number="TRK1",
        estimated_delivery=date(2026, 11, 25),
        international=False,
        delivered_on=None,
        items=(ItemRow("LAMP-1", "Desk lamp", 1, 3499),),
    )


@dataclass
class RelayScene:
    world: World
    bot: Bot
    people: list[Person]
    chats: list[Chat]
    group: Chat
    agent: Person
    threads: dict[int, int] = field(default_factory=dict)  # buyer id -> their ticket's topic, known after the warm-up
    _scanned: int = 1  # the group's next message id to look at
    _seen: set[str] = field(default_factory=set)  # texts copied into the right topic
    _answers_scanned: dict[int, int] = field(default_factory=dict)  # buyer chat -> next message id to look at
    _answers_seen: set[str] = field(default_factory=set)  # agents' answers that reached their buyer

    @classmethod
    def build(cls, world: World, bot: Bot, buyers: int) -> RelayScene:
        agent = world.add_person("Agent")
        group = world.add_group("Bench support", is_forum=True, member_ids=[agent.id], admin_bot_ids=[bot.id])
        people = [world.add_person(f"Buyer {i}") for i in range(buyers)]
        chats = [world.private_chat(person.id, bot.id, create=True) for person in people]
        return cls(world, bot, people, chats, group, agent)

    async def seed(self, database_url: str) -> None:
        """One store with its agent and forum group; each buyer bound to an order with one open ticket."""
        clock = SystemClock()
        engine = create_engine(database_url)
        try:
            async with UnitOfWorkFactory(engine)() as uow:
                store = await add_store(uow, clock, name="Bench Gadgets", timezone="UTC", country="DE")
                numbers = [f"B-{i}" for i in range(len(self.people))]
                await import_orders(uow, clock, store.id, [_order(number) for number in numbers])
                code = await invite_agent(uow, clock, store.id)
                await redeem_agent_invite(uow, clock, code, self.agent.id, "Agent", language="en")
                code = await create_group_link_code(uow, clock, store.id)
                await redeem_group_link_code(uow, clock, code, self.group.group_id, self.group.title)
                for person, number in zip(self.people, numbers):
                    order = await uow.orders.by_number(store.id, number)
                    user = await uow.users.get_or_create(
                        person.id, at=clock.now(), display_name=person.first_name, language="en"
                    )
                    await uow.users.bind_order(user.id, order.id, source=BindingSource.DEMO, at=clock.now())
                    await open_ticket(uow, clock, person.id, order.id, "contact_seller", "Where is my lamp?")
                await uow.commit()
        finally:
            await engine.dispose()

    def post_round(self, text: str) -> None:
        """Each buyer writes `text` plus their id, outside any flow: free text for their one open ticket."""
        for person, chat in zip(self.people, self.chats):
            self.world.post(chat, person.id, text=f"{text} from {person.id}", entities=[])

    def _scan(self) -> list:
        """The group's messages since the last look (the world appends and never reuses ids)."""
        new = []
        while self._scanned < self.group.next_message_id:
            message = self.group.messages.get(self._scanned)
            self._scanned += 1
            if message is not None and message.sender_id == self.bot.id and message.text:
                new.append(message)
        return new

    async def warm_up(self) -> None:
        """Each buyer writes once; done when every ticket's topic exists and holds that message."""
        self.post_round("warm-up")
        expected = {f"warm-up from {person.id}": person.id for person in self.people}
        seen: list[str] = []
        try:
            async with asyncio.timeout(WARM_UP_SECONDS):
                while len(self.threads) < len(self.people):
                    for message in self._scan():
                        said = _said(message.text)
                        seen.append(message.text)
                        if said in expected and message.thread_id is not None:
                            self.threads[expected[said]] = message.thread_id
                    await asyncio.sleep(0.05)
        except TimeoutError:
            raise RuntimeError(
                f"warm-up: {len(self.threads)} of {len(self.people)} topics in {WARM_UP_SECONDS} s; "
                f"the bot wrote in the group: {seen[:5]!r}"
            ) from None
        live = [topic for topic in self.group.topics.values() if not topic.deleted]
        if len(live) != len(self.people) or len(set(self.threads.values())) != len(self.people):
            raise RuntimeError(f"the warm-up made {len(live)} topics for {len(self.people)} tickets")

    def answer_round(self, text: str) -> None:
        """The agent answers in each buyer's topic: `text` plus the buyer's id, which the buyer gets."""
        for person in self.people:
            thread = self.threads[person.id]
            self.world.post(self.group, self.agent.id, text=f"{text} to {person.id}", entities=[], thread_id=thread)

    def answered(self, text: str) -> int:
        """How many of the agent's answers starting with `text` have reached their own buyer's chat so far."""
        for person, chat in zip(self.people, self.chats):
            scanned = self._answers_scanned.get(chat.id, 1)
            while scanned < chat.next_message_id:
                message = chat.messages.get(scanned)
                scanned += 1
                said = message.text or "" if message is not None and message.sender_id == self.bot.id else ""
                if text in said and said.rstrip().endswith(f" to {person.id}"):
                    self._answers_seen.add(said)
            self._answers_scanned[chat.id] = scanned
        return len(self._answers_seen)

    def copied(self) -> int:
        """How many distinct buyer messages have reached their own ticket's topic so far."""
        for message in self._scan():
            said = _said(message.text)
            _, _, buyer = said.rpartition(" from ")
            if not said.startswith("warm-up") and buyer.isdigit() and self.threads.get(int(buyer)) == message.thread_id:
                self._seen.add(message.text)
        return len(self._seen)
