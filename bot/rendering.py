"""Message texts: jinja2 templates per language, HTML-escaped.

Code passes values, templates word them (STYLE.md, habit 6). `.html` templates are
texts for Telegram's HTML parse mode and are autoescaped; `.txt` templates are
plain texts where Telegram parses no markup (button labels, callback alerts,
topic names), so escaping them would show "&amp;" to the user.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"


def pick_language(language_code: str | None) -> str:
    """Map a Telegram `language_code` (IETF tag, e.g. "zh-hans") to ours."""
    if not language_code:
        return DEFAULT_LANGUAGE
    primary = language_code.lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


class Renderer:
    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self._env = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
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
