"""Dependencies handed to handlers through a typed accessor (STYLE.md, habit 8).

The clock, the unit-of-work factory, the settings and the renderer are built
once and hung on our Application subclass, never in ``bot_data`` (which
persistence copies and stores).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.pipeline.outbox import Outbox, UpdateAttempt, current_attempt
from bot.rendering import Renderer, pick_language
from bot.settings import Settings
from domain.clock import Clock

if TYPE_CHECKING:
    from domain.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    renderer: Renderer
    uow_factory: Any = None  # domain.storage unit-of-work factory; None in bare tests


class AftersalesApplication(Application):
    __slots__ = ("deps", "timer_wake", "metrics")

    def __init__(self, *, deps: Deps, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deps = deps
        # Set by the update pipeline: makes the timer sweeper look again soon (else it polls).
        self.timer_wake: Callable[[float], object] | None = None
        self.metrics: Any = None  # the pipeline's (bot.pipeline.metrics.Metrics), for /metrics

    def wake_timers_in(self, seconds: float) -> None:
        """A deadline due in `seconds` was just scheduled; without a pipeline the sweeper's poll finds it."""
        if self.timer_wake is not None:
            self.timer_wake(seconds)


class AftersalesContext(CallbackContext[ExtBot, dict, dict, dict]):
    @property
    def deps(self) -> Deps:
        application = self.application
        assert isinstance(application, AftersalesApplication)
        return application.deps

    @property
    def attempt(self) -> UpdateAttempt | None:
        """The update runner's try at this update; None when the update came another way."""
        return current_attempt()

    @property
    def uow(self) -> UnitOfWork:
        """This update's unit of work; the runner commits it once, handlers never do."""
        return self._require_attempt().uow

    @property
    def outbox(self) -> Outbox:
        """Records messages in this update's transaction; they are sent after its commit."""
        return self._require_attempt().outbox

    def _require_attempt(self) -> UpdateAttempt:
        attempt = current_attempt()
        if attempt is None:
            raise RuntimeError("no unit of work: this update is not being handled by the update runner")
        return attempt

    def render(self, template: str, lang: str, /, **values: object) -> str:
        return self.deps.renderer.render(template, lang, **values)


def language_of(update: Any) -> str:
    user = getattr(update, "effective_user", None)
    return pick_language(getattr(user, "language_code", None))
