"""Message texts: jinja2 templates per language, HTML-escaped.

Code passes values, templates word them (STYLE.md, habit 6). `.html` templates are
texts for Telegram's HTML parse mode and are autoescaped; `.txt` templates are
plain texts where Telegram parses no markup (button labels, callback alerts,
topic names), so escaping them would show "&amp;" to the user.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from babel.numbers import format_currency, get_currency_precision
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.ext import Extension

# `bot/templates` is a symlink to the repository's top-level `templates/`:
# setuptools follows it, so a wheel carries the texts as `bot/templates/...`
# and a checkout and an installed package find them at the same place.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"


def pick_language(language_code: str | None) -> str:
    """Map a Telegram `language_code` (IETF tag, e.g. "zh-hans") to ours."""
    if not language_code:
        return DEFAULT_LANGUAGE
    primary = language_code.lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def format_money(minor: int, currency: str, lang: str) -> str:
    """An amount in minor units (cents, fen) as the reader's language writes it: "€69.98", "CN¥1,200.00"."""
    amount = Decimal(minor).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=lang)


@pass_context
def _money_filter(context, minor: int, currency: str) -> str:
    """`{{ item.unit_price_minor | money(order.currency) }}`, in the language being rendered."""
    return format_money(minor, currency, context["lang"])


_TAG = re.compile(r"(\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\})", re.DOTALL)


class LineBreaksAfterText(Extension):
    """`trim_blocks` for lines of tags only: a tag that ends a line of text keeps its newline.

    `trim_blocks` drops the newline after every block tag, which is right for a line
    holding only `{% for %}` or `{% endif %}` but joins two lines when a tag ends a
    line of text (`Status: {% include "..." %}`, `...{% endif %}`). Such a tag is
    written `+%}`, jinja's "keep this newline", before the template is compiled.
    """

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        pieces = _TAG.split(source)  # text, tag, text, tag, ..., text
        line_has_text = False
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                line = piece.rsplit("\n", 1)
                line_has_text = bool(line[-1].strip()) or (len(line) == 1 and line_has_text)
            elif piece.startswith("{{"):
                line_has_text = True
            elif (
                piece.startswith("{%")
                and line_has_text
                and pieces[i + 1].startswith("\n")
                and not piece.endswith(("-%}", "+%}"))
            ):
                pieces[i] = piece[:-2] + "+%}"
        return "".join(pieces)


def zone_name(at: datetime) -> str:
    """The zone of a local time as its readers write it: CET, UTC, or UTC+7 where the zone has no abbreviation.

    A deadline in the store's time shown without its zone reads as the
    reader's own time, which the chat around it shows.
    """
    name = at.tzname() or "UTC"
    if name[0] not in "+-":
        return name
    offset = at.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


@pass_context
def _when_filter(context, at: datetime, zone: str | None = None) -> str:
    """`{{ offer.respond_by | when(buyer_zone) }}`: "Mar 4, 14:02 CET" / "3月4日 14:02 CET" in the reader's
    language (Babel's patterns), on the clock of `zone` (an IANA name; the time's own zone without one)."""
    if zone:
        try:
            at = at.astimezone(ZoneInfo(zone))
        except (KeyError, ValueError):
            pass
    lang = context["lang"]
    day = format_skeleton("MMMd", at, locale=lang, fuzzy=True)
    return f"{day}{', ' if lang == 'en' else ' '}{format_skeleton('Hm', at, locale=lang, fuzzy=True)} {zone_name(at)}"


class Renderer:
    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self._env = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            extensions=[LineBreaksAfterText],
        )
        self._env.filters["money"] = _money_filter
        self._env.filters["zone"] = zone_name
        self._env.filters["when"] = _when_filter

    def render(self, template: str, lang: str, /, **values: object) -> str:
        """Render `templates/<lang>/<template>`; English when a translation is missing."""
        compiled = self._env.get_or_select_template([f"{lang}/{template}", f"{DEFAULT_LANGUAGE}/{template}"])
        return compiled.render(lang=lang, **values).strip()


@lru_cache(maxsize=1)
def default_renderer() -> Renderer:
    return Renderer()
