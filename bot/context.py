"""Dependencies handed to handlers through a typed accessor (STYLE.md, habit 8).

The clock, the unit-of-work factory, the settings and the renderer are built
once and hung on our Application subclass, never in ``bot_data`` (which
persistence copies and stores).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.rendering import Renderer, pick_language
from bot.settings import Settings
from domain.clock import Clock


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    renderer: Renderer
    uow_factory: Any = None  # domain.storage unit-of-work factory; None in bare tests


class AftersalesApplication(Application):
    __slots__ = ("deps",)

    def __init__(self, *, deps: Deps, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deps = deps


class AftersalesContext(CallbackContext[ExtBot, dict, dict, dict]):
    @property
    def deps(self) -> Deps:
        application = self.application
        assert isinstance(application, AftersalesApplication)
        return application.deps

    def render(self, template: str, lang: str, /, **values: object) -> str:
        return self.deps.renderer.render(template, lang, **values)


def language_of(update: Any) -> str:
    user = getattr(update, "effective_user", None)
    return pick_language(getattr(user, "language_code", None))
