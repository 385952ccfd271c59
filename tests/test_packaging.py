"""The project installs whole: a wheel, installed into a fresh venv, runs the bot.

An editable checkout reads every file from the repository, so only a real
wheel shows what an installed bot lacks (the message texts once did). The
wheel is built once for this module, offline, with the test venv's setuptools.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from bot.rendering import default_renderer
from domain.storage.migrate import head_revision

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "domain", "sandbox")
# What a build never needs; the copy stays small and carries no stale build output.
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    "sandbox-files",
    "*.sqlite3",
    "*.whl",
)

# Run by the fresh venv's python, from a directory outside the checkout.
PROBE = """
import asyncio, json
import bot, domain, sandbox
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from bot.rendering import default_renderer
from sandbox.spec import load_spec
from sandbox.webchat import setup_webchat

async def webchat():
    app = web.Application()
    setup_webchat(app, server=None)
    async with TestClient(TestServer(app)) as client:
        page = await client.get("/")
        responses = [page] + [await client.get(f"/static/{name}") for name in ("app.js", "webchat.css")]
        return {"statuses": [r.status for r in responses], "page": await page.text()}

print(json.dumps({
    "modules": [m.__file__ for m in (bot, domain, sandbox)],
    "texts": {lang: default_renderer().render("common/error.txt", lang) for lang in ("en", "zh")},
    "spec_has_send_message": load_spec().method("sendMessage") is not None,
    "webchat": asyncio.run(webchat()),
}))
"""


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `command` with no PYTHONPATH and no bot settings from the caller's environment."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "TELEGRAM_BOT_TOKEN") and not k.startswith("AFTERSALES_")
    }
    result = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a copy: an in-tree build writes build/ and *.egg-info into the
    # checkout, where someone's `pip install -e .` may be writing too. Symlinks
    # stay symlinks (bot/templates is one), as in the checkout.
    source = tmp_path_factory.mktemp("source") / "aftersales"
    shutil.copytree(REPO, source, symlinks=True, ignore=NOT_SOURCES)
    dist = tmp_path_factory.mktemp("dist")
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--disable-pip-version-check",
        "--quiet",
        "--wheel-dir",
        dist,
        source,
        cwd=dist,
    )
    (built,) = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A venv holding our package from the wheel only; its dependencies are the test venv's.

    Installing the real dependencies would need the network and a minute; a
    `.pth` line naming the test venv's site-packages lends them instead. Such a
    directory is only appended to sys.path, its own `.pth` files are not run,
    so the editable install's finder there never maps `bot` to the checkout;
    and it comes after the fresh site-packages, so the wheel's copy wins.
    """
    venv = tmp_path_factory.mktemp("venv") / "fresh"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    where = json.loads(
        run(python, "-c", "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))", cwd=venv).stdout
    )
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--disable-pip-version-check",
        "--quiet",
        wheel,
        cwd=venv,
    )
    lent = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    Path(where["purelib"], "_test_venv_dependencies.pth").write_text("\n".join(lent) + "\n", encoding="utf-8")
    return {"root": venv, "python": python, "scripts": Path(where["scripts"])}


def runtime_files() -> set[str]:
    """Every file of our packages and every message text, named as the wheel must name them."""
    names = {
        f"bot/templates/{p.relative_to(REPO / 'templates').as_posix()}"
        for p in (REPO / "templates").rglob("*")
        if p.is_file()
    }
    for package in PACKAGES:
        for directory, subdirectories, files in os.walk(REPO / package):
            subdirectories[:] = [d for d in subdirectories if d != "__pycache__" and not d.startswith(".")]
            relative = Path(directory).relative_to(REPO)
            # Docs (sandbox/CONTROL_API.md) are for readers of the repository, not for the bot.
            names |= {
                (relative / f).as_posix() for f in files if not f.endswith((".pyc", ".md")) and not f.startswith(".")
            }
    return names


def test_wheel_carries_every_runtime_file(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    expected = runtime_files()
    assert {
        "bot/templates/en/common/error.txt",
        "domain/storage/migrations/env.py",
        "sandbox/botapi_spec.json",
        "sandbox/webchat/static/app.js",
    } <= expected
    assert sorted(expected - shipped) == []


def test_console_script_of_the_wheel_runs(fresh_venv: dict[str, Path], tmp_path: Path) -> None:
    result = run(fresh_venv["scripts"] / "aftersales", "--help", cwd=tmp_path)
    assert "  run " in result.stdout and "  db " in result.stdout


def test_installed_bot_migrates_a_database_to_the_newest_schema(fresh_venv: dict[str, Path], tmp_path: Path) -> None:
    result = run(fresh_venv["scripts"] / "aftersales", "db", "upgrade", cwd=tmp_path)
    assert result.stdout.strip() == f"database is at revision {head_revision()}"


def test_installed_bot_renders_texts_and_serves_the_sandbox(fresh_venv: dict[str, Path], tmp_path: Path) -> None:
    probe = json.loads(run(fresh_venv["python"], "-c", PROBE, cwd=tmp_path).stdout)
    for module in probe["modules"]:
        assert Path(module).resolve().is_relative_to(fresh_venv["root"].resolve()), module
    assert probe["texts"] == {lang: default_renderer().render("common/error.txt", lang) for lang in ("en", "zh")}
    assert probe["texts"]["en"].startswith("Sorry, something went wrong")
    assert probe["spec_has_send_message"]
    assert probe["webchat"]["statuses"] == [200, 200, 200]
    assert "/static/app.js" in probe["webchat"]["page"]
