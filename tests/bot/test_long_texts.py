"""A text under the store's header within Telegram's limits: one message when it fits, else parts cut well."""

from __future__ import annotations

from bot.relay.long_texts import CAPTION_LIMIT, TEXT_LIMIT, headed_parts, split, utf16_len, with_header
from bot.rendering import Renderer

SHOP = "🏪 Shop"  # two UTF-16 units in its emoji: offsets and lengths differ from code points


def header(part: int, parts: int) -> str:
    return SHOP if parts == 1 else f"{SHOP} · {part}/{parts}"


def body(part) -> str:
    return part.text.partition("\n")[2]


def entity_text(part, entity) -> str:
    units = part.text.encode("utf-16-le")
    return units[entity["offset"] * 2 : (entity["offset"] + entity["length"]) * 2].decode("utf-16-le")


def room_of(size: int):
    return lambda index: size


def test_a_text_that_fits_under_the_header_exactly_is_one_message():
    text = "a" * (TEXT_LIMIT - len(SHOP) - 1)
    (part,) = headed_parts(header, text, [], first_limit=TEXT_LIMIT)
    assert len(part.text) == TEXT_LIMIT and part == with_header(SHOP, text)
    assert part.entities == [{"type": "bold", "offset": 0, "length": utf16_len(SHOP)}]


def test_one_character_more_makes_two_parts_each_within_the_limit_and_headed():
    text = ("word " * 1000)[: TEXT_LIMIT - len(SHOP) - 1] + "s"  # one more than fits, not ending in a space
    assert len(SHOP) + 1 + len(text) == TEXT_LIMIT + 1
    parts = headed_parts(header, text, [], first_limit=TEXT_LIMIT)
    assert [p.text.partition("\n")[0] for p in parts] == [f"{SHOP} · 1/2", f"{SHOP} · 2/2"]
    assert all(len(p.text) <= TEXT_LIMIT for p in parts)
    assert " ".join(body(p) for p in parts) == text  # cut at a space, which is dropped
    assert all(
        p.entities[0] == {"type": "bold", "offset": 0, "length": utf16_len(p.text.partition("\n")[0])} for p in parts
    )


def test_a_full_agents_message_of_4096_goes_in_two_parts():
    text = ("Sentence number one. " * 200)[:TEXT_LIMIT].strip() + "."
    parts = headed_parts(header, text, [], first_limit=TEXT_LIMIT)
    assert len(parts) == 2 and all(len(p.text) <= TEXT_LIMIT for p in parts)
    assert body(parts[0]).endswith("one.")  # after a sentence, not inside one
    assert " ".join(body(p) for p in parts) == text


def test_the_cut_prefers_a_paragraph_in_the_second_half():
    first, second = "x" * 60, "y " * 30
    pieces = split(f"{first}\n\n{second}", [], room_of(80))
    assert [p.text for p in pieces] == [first, second.strip()]


def test_formatting_across_the_cut_is_split_in_two_and_moved_in_utf16_units():
    text = "😀" * 12 + " " + "ab" * 8  # the emoji take two units each
    bold = {"type": "bold", "offset": 0, "length": utf16_len(text)}
    link = {"type": "text_link", "offset": 2, "length": 30, "url": "https://example.com"}
    first, second = split(text, [bold, link], room_of(20))
    assert first.text == "😀" * 12 and second.text == "ab" * 8
    # The space at the cut (unit 24) is dropped; the second part starts at unit 25.
    assert first.entities == [{"type": "bold", "offset": 0, "length": 24}, {**link, "offset": 2, "length": 22}]
    assert second.entities == [{"type": "bold", "offset": 0, "length": 16}, {**link, "offset": 0, "length": 7}]


def test_entities_move_below_a_header_of_two_unit_emoji():
    text = "first " * 10 + "last"
    italic = {"type": "italic", "offset": text.index("last"), "length": 4}
    parts = headed_parts(header, text, [italic], first_limit=40)
    end = parts[-1]
    assert entity_text(end, end.entities[-1]) == "last" and end.entities[-1]["type"] == "italic"


def test_no_cut_inside_an_emoji_a_family_or_a_flag():
    family, flag = "👨\u200d👩\u200d👧", "🇩🇪"
    text = (family + flag) * 40  # no space anywhere: cut where one character ends
    pieces = split(text, [], room_of(33))
    assert "".join(p.text for p in pieces) == text
    for piece in pieces:
        assert len(piece.text) <= 33
        assert piece.text.replace(family, "").replace(flag, "") == ""  # whole characters only
        piece.text.encode("utf-16-le")  # never half a surrogate pair


def test_no_cut_between_a_letter_and_its_accent():
    text = "e\u0301" * 50  # é as e + combining acute
    pieces = split(text, [], room_of(25))
    assert all(p.text.startswith("e") and p.text.endswith("\u0301") for p in pieces)


def test_a_link_is_not_cut_when_a_space_before_it_will_do_even_early_in_the_part():
    url = "https://example.com/" + "a" * 10
    text = "see " * 5 + url + " ok"  # only the link crosses the second half of 40
    entity = {"type": "url", "offset": utf16_len("see " * 5), "length": len(url)}
    pieces = split(text, [entity], room_of(40))
    assert [p.text for p in pieces] == [("see " * 5).strip(), url + " ok"]
    assert [entity_text(pieces[1], e) for e in pieces[1].entities] == [url]


def test_a_link_longer_than_a_part_loses_its_entity_rather_than_point_to_half():
    url = "https://example.com/" + "a" * 80
    pieces = split(url, [{"type": "url", "offset": 0, "length": len(url)}], room_of(50))
    assert "".join(p.text for p in pieces) == url
    assert all(p.entities == [] for p in pieces)


def test_a_caption_keeps_1024_and_what_follows_as_text_may_take_4096():
    caption = "Look at this. " * 100  # 1400 characters
    parts = headed_parts(header, caption.strip(), [], first_limit=CAPTION_LIMIT)
    assert len(parts) == 2
    assert len(parts[0].text) <= CAPTION_LIMIT and len(parts[1].text) <= TEXT_LIMIT
    assert " ".join(body(p) for p in parts) == caption.strip()


def test_a_caption_of_exactly_1024_with_the_header_over_it_splits():
    caption = "Z" * CAPTION_LIMIT
    parts = headed_parts(header, caption, [], first_limit=CAPTION_LIMIT)
    assert len(parts) == 2 and len(parts[0].text) <= CAPTION_LIMIT
    assert "".join(body(p) for p in parts) == caption


def test_no_caption_is_the_header_alone():
    assert headed_parts(header, None, [], first_limit=CAPTION_LIMIT) == [with_header(SHOP, None)]


def test_chinese_without_spaces_is_cut_after_a_full_stop():
    sentence = "您的包裹已经发出，预计明天送达。"
    pieces = split(sentence * 10, [], room_of(60))
    assert all(p.text.endswith("。") for p in pieces)


def test_the_part_header_template_counts_the_parts_in_both_languages():
    renderer = Renderer()
    for lang in ("en", "zh"):
        line = renderer.render("seller/store_header_part.txt", lang, store_name="Shop", tag=None, part=1, parts=2)
        assert line.startswith("🏪 Shop") and "1/2" in line and "\n" not in line
