"""The chat-like test client: handles on existing people, reading order, failures that explain."""

from __future__ import annotations

import pytest

from sandbox.client import ControlError, SandboxClient
from sandbox.server import SandboxServer


async def test_handle_on_existing_person_and_reading_order(api, server: SandboxServer, sandbox: SandboxClient) -> None:
    made = server.world.add_person("Carol", language_code="de", label="Buyer · Carol")
    carol = await sandbox.person(made.id)
    assert carol.info["label"] == "Buyer · Carol"
    await carol.send("/start")
    for text in ("one", "two", "three"):
        await api.ok("sendMessage", chat_id=carol.id, text=text)
    assert (await carol.expect(contains="two")).text == "two"
    # "one" was passed over on the way to "two": reading goes on after it.
    assert (await carol.expect()).text == "three"
    with pytest.raises(AssertionError, match="what arrived: \\[\\]"):
        await carol.expect(timeout=0.2)


async def test_control_errors_raise(sandbox: SandboxClient) -> None:
    with pytest.raises(ControlError, match="no person with id 1"):
        await sandbox.person(1)
    buyer = await sandbox.user("Dan")
    await buyer.block()
    with pytest.raises(ControlError, match="has blocked this bot"):
        await buyer.send("hello?")
