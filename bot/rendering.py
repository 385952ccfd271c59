"""Message texts: jinja2 templates per language, HTML-escaped.

Code passes values, templates word them (STYLE.md, habit 6). `.html` templates are
texts for Telegram's HTML parse mode and are autoescaped; `.txt` templates are
plain texts where Telegram parses no markup (button labels, callback alerts,
topic names), so escaping them would show "&amp;" to the user.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
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

    def render(self, template: str, lang: str, /, **values: object) -> str:
        """Render `templates/<lang>/<template>`; English when a translation is missing."""
        compiled = self._env.get_or_select_template(
            [f"{lang}/{template}", f"{DEFAULT_LANGUAGE}/{template}"]
        )
        return compiled.render(lang=lang, **values).strip()


@lru_cache(maxsize=1)
def default_renderer() -> Renderer:
    return Renderer()
