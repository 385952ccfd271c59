"""The control API (sandbox/CONTROL_API.md): people act in the world through it.

Tests, the load generator and the web chat speak it; bad input gets a 4xx
`{"ok": false, "error": ...}`, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, WSMsgType, web

from sandbox.botapi.common import auto_entities
from sandbox.text_parts import MESSAGE_LIMIT, client_parts
from sandbox.world import Chat, Message, Person, WorldError
from sandbox.world.files import CAPTIONLESS, sticker_mime_type
from sandbox.world.render import message_view

if TYPE_CHECKING:
    from sandbox.server import SandboxServer

MAX_TEXT = MESSAGE_LIMIT  # Telegram's limit for a message, as for captions 1024
MAX_CAPTION = 1024
MAX_POLL_TIMEOUT = 60.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _fail(error: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status)


def _guarded(handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except WorldError as error:
            return _fail(str(error))

    return guarded


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise WorldError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise WorldError("the body must be a JSON object")
    return body


def _required(body: dict[str, Any], key: str) -> Any:
    if body.get(key) is None:
        raise WorldError(f"missing field {key!r}")
    return body[key]


def _int(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise WorldError(f"{name} must be an integer, not {value!r}") from None


# What a person can send from a Telegram app; the kinds named here go one to a message (no album).
MEDIA_KINDS = ("photo", "document", "video", "audio", "animation", "voice", "video_note", "sticker")
_ALONE = {"sticker": "sticker", "voice": "voice message", "video_note": "video message", "animation": "GIF"}


def _check_media(kind: str, uploads: list[tuple[bytes, str | None, str | None]], caption: str | None) -> None:
    """A sticker, voice or video message or GIF is one message of its own; stickers and video messages have no caption."""
    if kind not in MEDIA_KINDS:
        raise WorldError(f"kind must be one of {', '.join(MEDIA_KINDS)}")
    if not uploads or len(uploads) > 10:
        raise WorldError("send 1-10 file parts")
    label = _ALONE.get(kind)
    if label is not None and len(uploads) != 1:
        raise WorldError(f"send one {label} at a time")
    if caption is not None and kind in CAPTIONLESS:
        raise WorldError(f"a {label} has no caption")
    if kind == "sticker":
        _, filename, content_type = uploads[0]
        if sticker_mime_type(filename, content_type) is None:
            raise WorldError("a sticker is a .webp, .tgs or .webm file")


async def _end_waits(*waits: asyncio.Future[Any] | None) -> None:
    """Cancel the waits still pending and wait until they are done (their errors are of no interest)."""
    started = [wait for wait in waits if wait is not None]
    for wait in started:
        wait.cancel()
    await asyncio.gather(*started, return_exceptions=True)


class Control:
    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.world = server.world
        self._sockets: set[web.WebSocketResponse] = set()  # open ones, closed when the sandbox stops

    def person(self, request: web.Request) -> Person:
        return self.world.person(request.match_info["pid"])

    # --- accounts ----------------------------------------------------------

    async def bots(self, request: web.Request) -> web.Response:
        return _ok([bot.public() for bot in self.world.bots.values()])

    async def people(self, request: web.Request) -> web.Response:
        return _ok([person.public() for person in self.world.people.values()])

    async def add_person(self, request: web.Request) -> web.Response:
        body = await _body(request)
        first_name = str(_required(body, "first_name")).strip()
        if not first_name:
            raise WorldError("first_name must not be empty")
        person = self.world.add_person(
            first_name=first_name,
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code") or "en",
            label=body.get("label"),
        )
        return _ok(person.public())

    async def add_group(self, request: web.Request) -> web.Response:
        body = await _body(request)
        group = self.world.add_group(
            title=str(_required(body, "title")),
            is_forum=bool(body.get("is_forum", True)),
            member_ids=[_int(i, "member_ids") for i in body.get("member_ids") or []],
            admin_bot_ids=[_int(i, "admin_bot_ids") for i in body.get("admin_bot_ids") or []],
        )
        return _ok(group.public_group())

    async def block(self, request: web.Request) -> web.Response:
        person = self.person(request)
        body = await _body(request)
        bot = self.world.bots.get(_int(_required(body, "bot_id"), "bot_id"))
        if bot is None:
            raise WorldError(f"no bot with id {body['bot_id']}")
        self.world.set_blocked(person, bot, bool(body.get("blocked", True)))
        return _ok(person.public())

    # --- reading -------------------------------------------------------------

    async def chats(self, request: web.Request) -> web.Response:
        person = self.person(request)
        return _ok([self.world.chat_summary(chat) for chat in self.world.chats_of(person)])

    async def messages(self, request: web.Request) -> web.Response:
        person = self.person(request)
        chat = self.world.chat_for_person(person, request.match_info["chat_id"])
        thread_id = _int(request.query.get("thread_id"), "thread_id")
        after_id = _int(request.query.get("after_id"), "after_id") or 0
        limit = _int(request.query.get("limit"), "limit") or 100
        shown = [
            message
            for message in chat.messages.values()
            if message.message_id > after_id and ("thread_id" not in request.query or message.thread_id == thread_id)
        ]
        return _ok([message_view(self.world, chat, message) for message in shown[-limit:]])

    async def events(self, request: web.Request) -> web.Response:
        person = self.person(request)
        after = _int(request.query.get("after"), "after") or 0
        timeout = min(float(request.query.get("timeout") or 0), MAX_POLL_TIMEOUT)
        events = await person.events.wait_after(after, timeout)
        return _ok({"events": events, "last_seq": person.events.last_seq})

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        person = self.person(request)
        socket = web.WebSocketResponse(heartbeat=30)
        await socket.prepare(request)
        queue = person.events.subscribe()
        after = _int(request.query.get("after"), "after")
        self._sockets.add(socket)
        reader: asyncio.Future[Any] | None = None
        getter: asyncio.Future[dict[str, Any]] | None = None
        try:
            if after is not None:
                for event in person.events.after(after):
                    await socket.send_str(json.dumps(event))
            reader = asyncio.ensure_future(socket.receive())
            getter = asyncio.ensure_future(queue.get())
            while not socket.closed:
                done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    await socket.send_str(json.dumps(getter.result()))
                    getter = asyncio.ensure_future(queue.get())
                if reader in done:
                    if reader.result().type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
                        break
                    reader = asyncio.ensure_future(socket.receive())
        finally:
            # A client that drops the connection cancels this handler inside the wait: the two
            # waits must end with it, or they stay pending, unreferenced, until the garbage
            # collector destroys them ("Task was destroyed but it is pending!").
            await _end_waits(reader, getter)
            person.events.unsubscribe(queue)
            self._sockets.discard(socket)
        return socket

    async def close_sockets(self, app: web.Application) -> None:
        """On shutdown: say goodbye to every open WebSocket, so its handler ends rather than being cancelled."""
        for socket in list(self._sockets):
            await socket.close(code=WSCloseCode.GOING_AWAY, message=b"sandbox stopping")

    async def file(self, request: web.Request) -> web.Response:
        record = self.world.files.get(request.match_info["file_id"])
        if record is None:
            return _fail("no such file", status=404)
        return web.Response(body=record.data, content_type=record.mime_type)

    async def violations(self, request: web.Request) -> web.Response:
        if request.method == "DELETE":
            self.server.violations.clear()
        return _ok(list(self.server.violations))

    async def refusals(self, request: web.Request) -> web.Response:
        if request.method == "DELETE":
            self.server.refusals.clear()
        return _ok(list(self.server.refusals))

    async def callbacks(self, request: web.Request) -> web.Response:
        person_id = _int(request.query.get("person_id"), "person_id")
        queries = [q for q in self.world.callbacks.values() if person_id is None or q.person_id == person_id]
        return _ok([self.world.callback_view(query) for query in queries])

    # --- acting ------------------------------------------------------------------

    def _where(
        self, person: Person, chat: Chat, thread_id: int | None, reply_to: int | None
    ) -> tuple[int | None, int | None]:
        """Check a person may write at (thread, reply) in `chat`; returns them, thread taken from the reply."""
        if chat.kind == "private" and chat.bot_id in person.blocked_bot_ids:
            raise WorldError(f"{person.first_name} has blocked this bot; unblock it first")
        if reply_to is not None:
            replied = chat.messages.get(reply_to)
            if replied is None:
                raise WorldError(f"no message {reply_to} in this chat")
            thread_id = replied.thread_id if thread_id is None else thread_id
        if thread_id is not None:
            if chat.kind != "supergroup" or not chat.is_forum:
                raise WorldError("only forum groups have topics")
            topic = chat.topics.get(thread_id)
            if topic is None or topic.deleted:
                raise WorldError(f"no topic {thread_id} in this group")
            if topic.is_closed:
                raise WorldError(f"topic {topic.name!r} is closed")
        return thread_id, reply_to

    async def send(self, request: web.Request) -> web.Response:
        person = self.person(request)
        body = await _body(request)
        chat = self.world.chat_for_person(person, _required(body, "chat_id"))
        # Over 4096 characters: several messages (same thread and reply), as a Telegram app sends it.
        parts = client_parts(str(_required(body, "text")), MAX_TEXT)
        if not parts:
            raise WorldError("text must not be empty")
        thread_id, reply_to = self._where(
            person,
            chat,
            _int(body.get("thread_id"), "thread_id"),
            _int(body.get("reply_to_message_id"), "reply_to_message_id"),
        )
        sent = [
            self.world.post(
                chat, person.id, text=part, entities=auto_entities(part), thread_id=thread_id, reply_to_id=reply_to
            )
            for part in parts
        ]
        return _ok(message_view(self.world, chat, sent[0]))

    async def media(self, request: web.Request) -> web.Response:
        person = self.person(request)
        if request.content_type != "multipart/form-data":
            raise WorldError("send media as multipart/form-data")
        fields: dict[str, str] = {}
        uploads: list[tuple[bytes, str | None, str | None]] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if part.name == "file":
                uploads.append((await part.read(), part.filename, part.headers.get("Content-Type")))
            else:
                fields[part.name] = await part.text()
        kind = fields.get("kind", "")
        caption = fields.get("caption") or None
        if caption is not None and len(caption) > MAX_CAPTION:
            raise WorldError(f"caption must be at most {MAX_CAPTION} characters")
        _check_media(kind, uploads, caption)
        duration = _int(fields.get("duration"), "duration")
        chat = self.world.chat_for_person(person, _required(fields, "chat_id"))
        thread_id, reply_to = self._where(
            person,
            chat,
            _int(fields.get("thread_id"), "thread_id"),
            _int(fields.get("reply_to_message_id"), "reply_to_message_id"),
        )
        group_id = self.world.new_media_group_id() if len(uploads) > 1 else None
        sent = []
        for index, (data, filename, content_type) in enumerate(uploads):
            text = caption if index == 0 else None
            message = self.world.post(
                chat,
                person.id,
                caption=text,
                entities=auto_entities(text) if text else [],
                media_kind=kind,
                file=self.world.files.add(
                    kind,
                    data,
                    filename,
                    content_type,
                    emoji=fields.get("emoji") or None,
                    set_name=fields.get("set_name") or None,
                    duration=duration,
                    performer=fields.get("performer"),
                    title=fields.get("title"),
                ),
                media_group_id=group_id,
                thread_id=thread_id,
                reply_to_id=reply_to,
            )
            sent.append(message_view(self.world, chat, message))
        return _ok(sent)

    def _own_message(self, person: Person, body: dict[str, Any]) -> tuple[Chat, Message]:
        chat = self.world.chat_for_person(person, _required(body, "chat_id"))
        message_id = _int(_required(body, "message_id"), "message_id")
        message = chat.messages.get(message_id)
        if message is None:
            raise WorldError(f"no message {message_id} in this chat")
        return chat, message

    async def edit(self, request: web.Request) -> web.Response:
        person = self.person(request)
        body = await _body(request)
        chat, message = self._own_message(person, body)
        if message.sender_id != person.id:
            raise WorldError("a person can edit only their own messages")
        text = str(_required(body, "text"))
        if message.text is not None:
            if not text.strip() or len(text) > MAX_TEXT:
                raise WorldError(f"text must be 1-{MAX_TEXT} characters")
            message.text = text
        else:
            message.caption = text or None
        message.entities = auto_entities(text) if text else []
        self.world.edited(chat, message)
        return _ok(message_view(self.world, chat, message))

    async def press(self, request: web.Request) -> web.Response:
        person = self.person(request)
        body = await _body(request)
        chat, message = self._own_message(person, body)
        data = body.get("callback_data")
        buttons = [
            button
            for row in (message.reply_markup or {}).get("inline_keyboard", [])
            for button in row
            if "callback_data" in button
        ]
        if data is None:
            label = _required(body, "button")
            matching = [button for button in buttons if button["text"] == label]
            if not matching:
                raise WorldError(f"no button {label!r}; buttons: {[b['text'] for b in buttons]}")
            data = matching[0]["callback_data"]
        elif not any(button["callback_data"] == data for button in buttons):
            raise WorldError(f"no button with callback_data {data!r}")
        if chat.kind == "private" and chat.bot_id in person.blocked_bot_ids:
            raise WorldError(f"{person.first_name} has blocked this bot; unblock it first")
        query = self.world.press(person, chat, message, data)
        wait = float(body.get("wait", 5))
        try:
            answer = await asyncio.wait_for(asyncio.shield(query.answer), timeout=max(wait, 0))
        except TimeoutError:
            answer = None
        return _ok({"callback_query_id": query.id, "answer": answer})


def setup_control(app: web.Application, server: SandboxServer) -> None:
    control = Control(server)
    routes = [
        ("GET", "/control/bots", control.bots),
        ("GET", "/control/people", control.people),
        ("POST", "/control/people", control.add_person),
        ("POST", "/control/groups", control.add_group),
        ("GET", "/control/people/{pid}/chats", control.chats),
        ("GET", "/control/people/{pid}/chats/{chat_id}/messages", control.messages),
        ("POST", "/control/people/{pid}/messages", control.send),
        ("POST", "/control/people/{pid}/media", control.media),
        ("POST", "/control/people/{pid}/edit", control.edit),
        ("POST", "/control/people/{pid}/press", control.press),
        ("POST", "/control/people/{pid}/block", control.block),
        ("GET", "/control/people/{pid}/events", control.events),
        ("GET", "/control/people/{pid}/ws", control.websocket),
        ("GET", "/control/files/{file_id}", control.file),
        ("GET", "/control/violations", control.violations),
        ("DELETE", "/control/violations", control.violations),
        ("GET", "/control/refusals", control.refusals),
        ("DELETE", "/control/refusals", control.refusals),
        ("GET", "/control/callbacks", control.callbacks),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, _guarded(handler))
    app.on_shutdown.append(control.close_sockets)
