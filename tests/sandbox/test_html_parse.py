"""Telegram's HTML parse mode: results, UTF-16 offsets and td's exact error wording."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.html_parse import (
    EntityParseError,
    auto_entities,
    entities_to_html,
    fix_text,
    parse_html,
    utf16_len,
)


def bold(offset, length):
    return {"type": "bold", "offset": offset, "length": length}


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("1<2", "Unclosed start tag at byte offset 1"),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<a href="x', "Unclosed start tag at byte offset 0"),
        ("<b x", 'Unclosed start tag "b" at byte offset 0'),
        ("<span>s</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
        ("<a href=x/y>z</a>", "Unexpected end of name token at byte offset 8"),
        # byte offsets count UTF-8 bytes: "é" is two
        ("é<x>", 'Unsupported start tag "x" at byte offset 2'),
        (
            "&#xD83D;",
            "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
            "surrogate code units",
        ),
    ],
)
def test_errors_use_telegrams_wording(html, detail):
    with pytest.raises(EntityParseError) as caught:
        parse_html(html)
    assert caught.value.detail == detail


def test_supported_tags_and_aliases():
    text, entities = parse_html(
        "<b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins> <s>s</s> <strike>t</strike> "
        '<del>d</del> <tg-spoiler>p</tg-spoiler> <span class="tg-spoiler">q</span> <code>c</code>'
    )
    assert text == "b s i e u n s t d p q c"
    assert [e["type"] for e in entities] == [
        "bold",
        "bold",
        "italic",
        "italic",
        "underline",
        "underline",
        "strikethrough",
        "strikethrough",
        "strikethrough",
        "spoiler",
        "spoiler",
        "code",
    ]
    assert [e["offset"] for e in entities] == list(range(0, 24, 2))


def test_touching_entities_of_one_kind_merge():
    assert parse_html("<b>a</b><strong>b</strong>") == ("ab", [bold(0, 2)])


def test_nested_entity_offsets_and_order():
    text, entities = parse_html("<b>bold <i>both</i></b> <u>x</u>")
    assert text == "bold both x"
    assert entities == [
        bold(0, 9),
        {"type": "italic", "offset": 5, "length": 4},
        {"type": "underline", "offset": 10, "length": 1},
    ]


def test_offsets_are_utf16_code_units():
    text, entities = parse_html("😀 <b>😀x</b> <i>é</i>")
    assert text == "😀 😀x é"
    assert entities == [bold(3, 3), {"type": "italic", "offset": 7, "length": 1}]
    assert utf16_len("😀") == 2 and utf16_len("é") == 1


def test_html_entities_are_decoded_and_unknown_ampersands_kept():
    text, entities = parse_html("&lt;b&gt; &amp; &quot;q&quot; &#128512; &#x41; AT&T &nbsp;")
    assert text == '<b> & "q" 😀 A AT&T &nbsp;'
    assert entities == []


def test_pre_with_language_and_plain_code():
    text, entities = parse_html('<pre><code class="language-python">x = 1</code></pre> <code>y</code>')
    assert text == "x = 1 y"
    assert entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "code", "offset": 6, "length": 1},
    ]


def test_links_mentions_blockquotes_custom_emoji():
    text, entities = parse_html(
        '<a href="https://example.com">site</a> <a href="tg://user?id=42">Bob</a> '
        "<blockquote>q</blockquote><blockquote expandable>e</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    assert text == "site Bob qe👍"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://example.com/"},
        {"type": "text_mention", "offset": 5, "length": 3, "user": {"id": 42}},
        {"type": "blockquote", "offset": 9, "length": 1},
        {"type": "expandable_blockquote", "offset": 10, "length": 1},
        {"type": "custom_emoji", "offset": 11, "length": 2, "custom_emoji_id": "5368324170671202286"},
    ]


def test_tags_are_case_insensitive_and_empty_entities_dropped():
    assert parse_html("<B>x</B><i></i>") == ("x", [bold(0, 1)])


def test_text_is_trimmed_and_entities_moved():
    assert parse_html("\n  <b>hi</b> there \n ") == ("hi there", [bold(0, 2)])
    assert parse_html("<b>hi   </b>") == ("hi", [bold(0, 2)])


def test_fix_text_cleans_control_characters():
    assert fix_text("a\tb\r\nc", []) == ("a b\nc", [])
    text, entities = fix_text("a\r\rbc", [bold(3, 1)])
    assert text == "abc" and entities == [bold(1, 1)]


def test_entities_to_html_escapes_everything():
    html = entities_to_html('<script>alert("x")</script> & more', [bold(0, 8)])
    assert html == "<b>&lt;script&gt;</b>alert(&quot;x&quot;)&lt;/script&gt; &amp; more"
    unsafe_link = entities_to_html(
        "click", [{"type": "text_link", "offset": 0, "length": 5, "url": "javascript:alert(1)"}]
    )
    assert "javascript" not in unsafe_link


def test_entities_to_html_handles_overlap_and_surrogates():
    html = entities_to_html("😀ab", [bold(0, 3), {"type": "italic", "offset": 2, "length": 2}])
    assert html == "<b>😀<i>a</i></b><i>b</i>"
    assert parse_html(html) == ("😀ab", [bold(0, 3), {"type": "italic", "offset": 2, "length": 2}])


def test_auto_entities():
    entities = auto_entities("/start@shop_bot hi @alice_w see https://x.org/a. #deal")
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bot_command", 0, 15),
        ("mention", 19, 8),
        ("url", 32, 15),
        ("hashtag", 49, 5),
    ]


_plain = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"),
        blacklist_characters="\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u0333\u033f\u030a",
    ),
    max_size=60,
).map(lambda s: s.strip(" \n"))


@given(_plain)
def test_plain_text_round_trips_through_safe_html(text):
    html = entities_to_html(text, [])
    assert "<" not in html and ">" not in html
    assert parse_html(html) == (text, [])


@given(_plain.filter(lambda s: len(s) >= 2), st.data())
def test_nested_entities_round_trip(text, data):
    size = utf16_len(text)
    outer_start = data.draw(st.integers(0, size - 1))
    outer_end = data.draw(st.integers(outer_start + 1, size))
    inner_start = data.draw(st.integers(outer_start, outer_end - 1))
    inner_end = data.draw(st.integers(inner_start + 1, outer_end))
    units = text.encode("utf-16-le")

    # keep entity edges off the middle of a surrogate pair
    def splits_pair(k: int) -> bool:
        return k < size and 0xDC00 <= int.from_bytes(units[2 * k : 2 * k + 2], "little") <= 0xDFFF

    if any(splits_pair(k) for k in (outer_start, outer_end, inner_start, inner_end)):
        return
    entities = [
        bold(outer_start, outer_end - outer_start),
        {"type": "italic", "offset": inner_start, "length": inner_end - inner_start},
    ]
    parsed_text, parsed = parse_html(entities_to_html(text, entities))
    assert parsed_text == text
    assert sorted(parsed, key=lambda e: e["type"]) == sorted(
        [e for e in entities if e["length"] > 0], key=lambda e: e["type"]
    )
