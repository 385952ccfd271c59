"""Every line and refusal the order menu can produce has its own words in every language, never the fallback."""

from __future__ import annotations

from types import SimpleNamespace as Obj

import pytest

from bot.rendering import LANGUAGES, Renderer
from domain.services.order_menu import INTERNATIONAL_ON_THE_WAY, LINES, NOT_OFFERED

FALLBACKS = {"en": "this is not possible for this order now", "zh": "该订单目前无法进行此操作"}
ALL_LINES = sorted({*(line for lines in LINES.values() for line in lines), INTERNATIONAL_ON_THE_WAY}, key=repr)
ALL_REFUSALS = sorted({(reason.value, why) for refused in NOT_OFFERED.values() for reason, why in refused.items()})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_line_is_worded_and_distinct(lang) -> None:
    renderer = Renderer()
    texts = [renderer.render("buyer/menu_line.html", lang, line=line) for line in ALL_LINES]
    assert all(FALLBACKS[lang] not in text for text in texts), texts
    assert len(set(texts)) == len(texts)  # no two lines say the same


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("reason", "why"), ALL_REFUSALS)
def test_each_refusal_of_a_stale_button_names_the_reason_and_why(lang, reason, why) -> None:
    renderer = Renderer()
    alert = renderer.render("buyer/reason_gone.txt", lang, reason=reason, why=why, refreshed=True)
    assert FALLBACKS[lang] not in alert
    assert renderer.render("buyer/reason_name.txt", lang, reason=reason) in alert
    assert len(alert) <= 200  # Telegram's limit for a callback answer's text


def test_a_line_the_templates_do_not_know_still_reads() -> None:
    text = Renderer().render("buyer/menu_line.html", "en", line=Obj(topic="cancel", why="something_new"))
    assert text == "⛔ This is not possible for this order now."
