"""The web chat's own routes, without a browser: the page, its assets and the
bot commands the composer offers."""

from __future__ import annotations

import aiohttp


async def test_the_page_and_its_assets_are_served(server):
    async with aiohttp.ClientSession() as http:
        page = await http.get(f"{server.url}/")
        assert page.status == 200
        assert page.content_type == "text/html"
        html = await page.text()
        assert '<script type="module" src="/static/app.js">' in html
        assert 'data-testid="composer-input"' in html

        script = await http.get(f"{server.url}/static/app.js")
        assert script.status == 200
        assert "javascript" in script.content_type
        assert script.headers["Cache-Control"] == "no-cache"

        style = await http.get(f"{server.url}/static/webchat.css")
        assert style.status == 200
        assert style.content_type == "text/css"


async def test_only_files_of_the_static_folder_are_served(server):
    async with aiohttp.ClientSession() as http:
        for path in ("/static/nothing.js", "/static/..%2F__init__.py", "/static/.hidden"):
            response = await http.get(f"{server.url}{path}")
            assert response.status == 404, path


async def test_bot_commands_come_from_set_my_commands(server, bot):
    await bot.call("setMyCommands", commands=[{"command": "orders", "description": "Your orders"}])
    async with aiohttp.ClientSession() as http:
        known = await (await http.get(f"{server.url}/webchat/bots/{bot.id}/commands")).json()
        assert known == {"ok": True, "result": [{"command": "orders", "description": "Your orders"}]}
        unknown = await http.get(f"{server.url}/webchat/bots/999/commands")
        assert unknown.status == 404
        assert (await unknown.json())["error"] == "no bot with id 999"
        bad = await http.get(f"{server.url}/webchat/bots/abc/commands")
        assert bad.status == 400
