"""Every text exists in every language and renders as valid Telegram HTML."""

from pathlib import Path

import pytest

from bot.rendering import LANGUAGES, TEMPLATES_DIR, Renderer, pick_language


def template_names(lang: str) -> set[str]:
    root = TEMPLATES_DIR / lang
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_every_language_has_the_same_templates():
    english = template_names("en")
    assert english, "no templates found"
    for lang in LANGUAGES:
        assert template_names(lang) == english, lang


@pytest.mark.parametrize(
    ("code", "lang"),
    [("en", "en"), ("en-GB", "en"), ("zh-hans", "zh"), ("zh_CN", "zh"), ("de", "en"), (None, "en")],
)
def test_telegram_language_code_picks_our_language(code, lang):
    assert pick_language(code) == lang


def test_html_templates_escape_values():
    text = Renderer().render("buyer/welcome.html", "en", first_name="<Bob & Co>")
    assert "&lt;Bob &amp; Co&gt;" in text
    assert "<Bob" not in text


def test_plain_text_templates_are_not_escaped(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "label.txt").write_text("{{ name }}")
    assert Renderer(tmp_path).render("label.txt", "en", name="A & B") == "A & B"


def test_missing_translation_falls_back_to_english(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "zh").mkdir()
    (tmp_path / "en" / "only.html").write_text("hello")
    assert Renderer(tmp_path).render("only.html", "zh") == "hello"
