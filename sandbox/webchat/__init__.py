"""The sandbox's web chat: a Telegram-like client page over the control API.

The page is static HTML plus plain JavaScript (no build step, nothing from a
CDN: the sandbox runs offline). Everything it shows comes from the control
API (`/control/...`), so this module only serves the page and its assets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from sandbox.world import Chat, WorldError
from sandbox.world.commands import shown_commands

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

_ENV_KEY = web.AppKey("webchat_env", jinja2.Environment)


def setup_webchat(app: web.Application, server: Any) -> None:
    """Add `GET /` (the chat page) and `/static/...` (its CSS and JS) to `app`.

    `server` is the `SandboxServer`; everything else the page shows comes
    from the control API, called from the browser.
    """
    app[_ENV_KEY] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    app.router.add_get("/", _page)
    app.router.add_get("/static/{name}", _static_file)
    app.router.add_get("/webchat/bots/{bot_id}/commands", _bot_commands(server))


async def _page(request: web.Request) -> web.Response:
    template = request.app[_ENV_KEY].get_template("index.html")
    body = template.render(title="Aftersales sandbox · Telegram")
    return web.Response(
        text=body,
        content_type="text/html",
        headers={"Cache-Control": "no-store"},
    )


async def _static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    # Only plain file names directly in static/: no way to climb out of it.
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise web.HTTPNotFound(text="no such file")
    # Revalidate every time: the assets change while someone edits them, and
    # ES module imports carry no version to bust a cache with.
    return web.FileResponse(path, headers={"Cache-Control": "no-cache"})


def _bot_commands(server: Any):
    """The commands a bot's menu shows, for the composer's "/" menu.

    With `person_id` and `chat_id` (the chat as the person sees it), the list
    a Telegram client would show that person there (sandbox.world.commands);
    without them, the default scope's list. The control API does not list
    them, so they are read from the world here.
    """

    async def handler(request: web.Request) -> web.Response:
        try:
            bot_id = int(request.match_info["bot_id"])
            person_id = _optional_int(request.query.get("person_id"))
            chat_id = _optional_int(request.query.get("chat_id"))
        except ValueError:
            return web.json_response(
                {"ok": False, "error": "bot_id, person_id and chat_id must be integers"}, status=400
            )
        world = server.world
        bot = world.bots.get(bot_id)
        if bot is None:
            return web.json_response({"ok": False, "error": f"no bot with id {bot_id}"}, status=404)
        if person_id is None or chat_id is None:
            return web.json_response({"ok": True, "result": bot.commands.get(("default", None, None, ""), [])})
        try:
            person = world.person(person_id)
            # Looking must not open a private chat (that would let the bot write first).
            chat = (
                world.private_chat(person.id, chat_id) or Chat(kind="private", person_id=person.id, bot_id=chat_id)
                if chat_id in world.bots
                else world.chat_for_person(person, chat_id)
            )
        except WorldError as error:
            return web.json_response({"ok": False, "error": str(error)}, status=404)
        if bot.id not in chat.bot_ids:
            return web.json_response({"ok": True, "result": []})  # a client shows only the chat's bots
        # The sandbox's people are plain members of their groups (getChatMember says so).
        return web.json_response({"ok": True, "result": shown_commands(bot, chat, person, is_admin=False)})

    return handler


def _optional_int(value: str | None) -> int | None:
    return None if value in (None, "") else int(value)
