"""Telegram's HTML parse mode, ported from tdlib (td/telegram/MessageEntity.cpp).

``parse_html`` follows td's ``parse_html`` step by step so that both the
result and the error wording (with UTF-8 *byte* offsets) match what Telegram
answers; ``fix_text`` then does what td's ``fix_formatted_text`` does to every
outgoing text (control characters, trimming). Entity offsets and lengths are
in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

Entity = dict[str, Any]

SUPPORTED_TAGS = frozenset(
    "a b strong i em s strike del u ins tg-spoiler tg-emoji tg-time span pre code blockquote".split()
)
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
}
# td sorts entities by offset, then longer first, then by this priority
# (MessageEntity::get_type_priority); the Bot API keeps that order.
_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "cashtag": 50,
    "phone_number": 50,
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
    "expandable_blockquote": 0,
    "date_time": 30,
}


class EntityParseError(ValueError):
    """Telegram's own reason, answered as "Bad Request: can't parse entities: <detail>"."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _is_space(char: str) -> bool:
    # td's is_space; "\0" stands for the end of the C string.
    return char in " \t\r\n\0\v"


def _ascii_lower(text: str) -> str:
    return text.translate(_LOWER)


_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def sort_key(entity: Entity) -> tuple[int, int, int]:
    return entity["offset"], -entity["length"], _PRIORITY.get(entity["type"], 50)


def _decode_entity(text: str, pos: int) -> tuple[int, int]:
    """td's decode_html_entity: (code point or 0, position after it)."""
    end = pos + 1
    value = 0
    at = lambda k: text[k] if k < len(text) else "\0"  # noqa: E731 - C-string peek
    if at(pos + 1) == "#":
        end += 1
        if at(pos + 2) == "x":
            end += 1
            while at(end) in "0123456789abcdefABCDEF":
                value = value * 16 + int(at(end), 16)
                end += 1
        else:
            while at(end).isascii() and at(end).isdigit():
                value = value * 10 + int(at(end))
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while at(end).isascii() and at(end).isalpha():
            end += 1
        value = {"lt": 0x3C, "gt": 0x3E, "amp": 0x26, "quot": 0x22}.get(text[pos + 1 : end], 0)
        if value == 0:
            return 0, pos
    return value, end + 1 if at(end) == ";" else end


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Plain text and Bot API entities, exactly as Telegram parses HTML."""
    raw, entities = _parse_html_raw(text)
    return fix_text(raw, entities)


def _parse_html_raw(text: str) -> tuple[str, list[Entity]]:
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def byte_offset(k: int) -> int:
        return len(text[:k].encode("utf-8", "surrogatepass"))

    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    # (tag, argument, unix date, utf16 offset, index into out)
    stack: list[tuple[str, str, int, int, int]] = []
    i = 0
    while i < n:
        char = text[i]
        if char == "&":
            code, after = _decode_entity(text, i)
            if code:
                decoded = chr(code)
                out.append(decoded)
                utf16 += _units(decoded)
                i = after
                continue
        if char != "<":
            out.append(char)
            utf16 += _units(char)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != "/":
            while not _is_space(at(i)) and at(i) != ">":
                i += 1
            if at(i) == "\0":
                raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            tag = _ascii_lower(text[begin + 1 : i])
            if tag not in SUPPORTED_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}')
            argument, date, i = _parse_attributes(text, tag, begin, i, byte_offset)
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}')
            stack.append((tag, argument, date, utf16, len(out)))
        else:
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            while not _is_space(at(i)) and at(i) != ">":
                i += 1
            end_tag = _ascii_lower(text[begin + 2 : i])
            while _is_space(at(i)) and at(i) != "\0":
                i += 1
            if at(i) != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            tag, argument, date, offset, out_begin = stack[-1]
            if end_tag and end_tag != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {byte_offset(begin)}, expected "</{tag}>", found "</{end_tag}>"'
                )
            if utf16 > offset:
                inner = "".join(out[out_begin:])
                _close_entity(entities, tag, argument, date, offset, utf16 - offset, inner)
            stack.pop()
        i += 1  # past ">"
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    if any(0xD800 <= ord(char) <= 0xDFFF for char in out):
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
            "surrogate code units"
        )
    for entity in entities:
        # A language on a code outside pre is dropped (td clears it).
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=sort_key)
    return "".join(out), entities


def _parse_attributes(text: str, tag: str, begin: int, i: int, byte_offset) -> tuple[str, int, int]:
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    argument = ""
    date = 0
    while at(i) != ">":
        while at(i) != "\0" and _is_space(at(i)):
            i += 1
        if at(i) == ">":
            break
        name_begin = i
        while not _is_space(at(i)) and at(i) not in "=>/\"'":
            i += 1
        name = text[name_begin:i]
        if not name:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(begin)}')
        while at(i) != "\0" and _is_space(at(i)):
            i += 1
        if at(i) != "=":
            if at(i) == "\0":
                raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}')
            if tag == "blockquote" and name == "expandable":
                argument = "1"
            continue
        i += 1
        while at(i) != "\0" and _is_space(at(i)):
            i += 1
        if at(i) == "\0":
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}')
        if at(i) not in "'\"":
            # An unquoted name token: letters, digits, periods, hyphens; case-insensitive.
            token_begin = i
            while _is_ascii_alnum(at(i)) or at(i) in ".-":
                i += 1
            value = _ascii_lower(text[token_begin:i])
            if not _is_space(at(i)) and at(i) != ">":
                raise EntityParseError(f"Unexpected end of name token at byte offset {byte_offset(token_begin)}")
        else:
            quote = at(i)
            i += 1
            chars: list[str] = []
            while at(i) != quote and at(i) != "\0":
                if at(i) == "&":
                    code, after = _decode_entity(text, i)
                    if code:
                        chars.append(chr(code))
                        i = after
                        continue
                chars.append(at(i))
                i += 1
            if at(i) == quote:
                i += 1
            value = "".join(chars)
        if at(i) == "\0":
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
        elif tag == "blockquote" and name == "expandable":
            argument = "1"
        elif tag == "tg-time" and name == "unix":
            date = _to_int(value)
        elif tag == "tg-time" and name == "format":
            argument = value
    return argument, date, i


def _to_int(text: str) -> int:
    match = re.match(r"-?\d+", text)
    return int(match.group()) if match else 0


def _close_entity(
    entities: list[Entity], tag: str, argument: str, date: int, offset: int, length: int, inner: str
) -> None:
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if tag in _SIMPLE_TAGS or tag == "span":
        entities.append({"type": _SIMPLE_TAGS.get(tag, "spoiler"), "offset": offset, "length": length})
    elif tag == "tg-emoji":
        if not re.fullmatch(r"-?\d+", argument) or int(argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(
            {"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": str(int(argument))}
        )
    elif tag == "tg-time":
        if date > 0:
            entity = {"type": "date_time", "offset": offset, "length": length, "unix_time": date}
            if argument:
                entity["date_time_format"] = argument
            entities.append(entity)
    elif tag == "a":
        url = argument or inner
        user_id = link_user_id(url)
        if user_id is not None:
            entities.append({"type": "text_mention", "offset": offset, "length": length, "user": {"id": user_id}})
        else:
            checked = checked_link(url)
            if checked:
                entities.append({"type": "text_link", "offset": offset, "length": length, "url": checked})
    elif tag == "pre":
        if same_span and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        if same_span and last["type"] == "pre" and argument:
            last["language"] = argument
        else:
            entity = {"type": "code", "offset": offset, "length": length}
            if argument:
                entity["language"] = argument  # kept only if an enclosing pre claims it
            entities.append(entity)
    elif tag == "blockquote":
        entities.append(
            {"type": "expandable_blockquote" if argument else "blockquote", "offset": offset, "length": length}
        )


def link_user_id(url: str) -> int | None:
    """The user id of a tg://user?id=N link (td LinkManager::get_link_user_id)."""
    lower = url.lower()
    if not lower.startswith("tg:"):
        return None
    rest = lower[3:]
    if rest.startswith("//"):
        rest = rest[2:]
    if not rest.startswith("user") or (len(rest) > 4 and rest[4] not in "/?#"):
        return None
    rest = rest[4:]
    if rest.startswith("/"):
        rest = rest[1:]
    if not rest.startswith("?"):
        return None
    for parameter in rest[1:].split("#", 1)[0].split("&"):
        key, _, value = parameter.partition("=")
        if key == "id":
            if not re.fullmatch(r"-?\d+", value):
                return None
            user_id = int(value)
            # td's UserId::is_valid: 0 < id < 2^40
            return user_id if 0 < user_id < (1 << 40) else None
    return None


def checked_link(url: str) -> str:
    """A simplified td LinkManager::get_checked_link: the normalized URL, or "" if unusable."""
    if not url or any(_is_space(c) and c != "\0" for c in url):
        return ""
    lower = url.lower()
    if lower.startswith("tg:"):
        rest = url[3:].removeprefix("//")
        host, sep, tail = rest.partition("?")
        if not host or not all(_is_ascii_alnum(c) or c in "-_" for c in host.rstrip("/")):
            return ""
        return f"tg://{host.rstrip('/')}" + (f"?{tail}" if sep else "")
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    path = parts.path or "/"
    result = f"{parts.scheme.lower()}://{parts.netloc}{path}"
    if parts.query:
        result += f"?{parts.query}"
    if parts.fragment:
        result += f"#{parts.fragment}"
    return result


# --- td's fix_formatted_text: clean control characters, trim ---------------

_DROPPED = frozenset("\r\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u0333\u033f\u030a")


def fix_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Clean and trim a text as Telegram does before sending, moving entities along.

    Control characters other than a newline become spaces; "\\r", bidi
    controls U+2028-U+202E and a few combining marks are dropped; trailing
    spaces/newlines are cut, leading ones too unless an entity starts there.
    """
    chars: list[str] = []
    # new UTF-16 offset for every old UTF-16 offset (both halves of a pair map alike)
    offset_map: list[int] = []
    new_units = 0
    for char in text:
        units = _units(char)
        offset_map.extend([new_units] * units)
        if char in _DROPPED:
            continue
        if ord(char) < 32 and char != "\n":
            char = " "
        chars.append(char)
        new_units += units
    offset_map.append(new_units)
    cleaned = "".join(chars)

    moved: list[Entity] = []
    for entity in entities:
        start = offset_map[min(entity["offset"], len(offset_map) - 1)]
        end = offset_map[min(entity["offset"] + entity["length"], len(offset_map) - 1)]
        if end > start:
            moved.append({**entity, "offset": start, "length": end - start})

    body = cleaned.rstrip(" \n")
    body_units = utf16_len(body)
    kept = []
    for entity in moved:
        if entity["offset"] >= body_units:
            continue
        if entity["offset"] + entity["length"] > body_units:
            entity = {**entity, "length": body_units - entity["offset"]}
        kept.append(entity)

    first_entity = min((e["offset"] for e in kept), default=body_units)
    lead = 0
    while lead < first_entity and lead < len(body) and body[lead] in " \n":
        lead += 1
    body = body[lead:]
    for entity in kept:
        entity["offset"] -= lead
    return body, merge_splittable(kept)


_SPLITTABLE = ("bold", "italic", "underline", "strikethrough", "spoiler")


def merge_splittable(entities: list[Entity]) -> list[Entity]:
    """Join touching or overlapping entities of one splittable type, as td's fix_entities does."""
    others = [e for e in entities if e["type"] not in _SPLITTABLE]
    merged: list[Entity] = []
    for kind in _SPLITTABLE:
        spans = sorted((e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] == kind)
        joined: list[list[int]] = []
        for start, end in spans:
            if joined and start <= joined[-1][1]:
                joined[-1][1] = max(joined[-1][1], end)
            else:
                joined.append([start, end])
        merged += [{"type": kind, "offset": start, "length": end - start} for start, end in joined]
    return sorted(others + merged, key=sort_key)


# --- entities Telegram finds by itself in any text --------------------------

_AUTO_PATTERNS = (
    ("bot_command", re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("url", re.compile(r"(?<![\w@/.])(?:https?://)[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#&])#\w*[^\W\d]\w*")),
)


def auto_entities(text: str) -> list[Entity]:
    """bot_command, url, mention and hashtag entities in a plain text (an approximation of td's find_entities)."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            offset = utf16_len(text[:start])
            found.append({"type": kind, "offset": offset, "length": utf16_len(match.group())})
    found.sort(key=sort_key)
    return found


# --- display -----------------------------------------------------------------


def entities_to_html(text: str, entities: list[Entity]) -> str:
    """Safe HTML for showing a message in a web chat; every character of the text is escaped."""
    units = text.encode("utf-16-le", "surrogatepass")
    total = len(units) // 2

    def piece(start: int, end: int) -> str:
        return html.escape(units[start * 2 : end * 2].decode("utf-16-le", "surrogatepass"), quote=True)

    usable = [e for e in entities if e.get("length", 0) > 0 and 0 <= e.get("offset", -1) < total]
    usable.sort(key=sort_key)
    bounds = sorted(
        {0, total} | {e["offset"] for e in usable} | {min(e["offset"] + e["length"], total) for e in usable}
    )
    stack: list[int] = []
    parts: list[str] = []
    for start, end in zip(bounds, bounds[1:]):
        active = [k for k, e in enumerate(usable) if e["offset"] <= start and end <= e["offset"] + e["length"]]
        common = 0
        while common < len(stack) and common < len(active) and stack[common] == active[common]:
            common += 1
        for index in reversed(stack[common:]):
            parts.append(_close_tag(usable[index]))
        for index in active[common:]:
            parts.append(_open_tag(usable[index]))
        stack = active
        parts.append(piece(start, end))
    for index in reversed(stack):
        parts.append(_close_tag(usable[index]))
    return "".join(parts)


_DISPLAY = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "code": "code",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
    "spoiler": "span",
    "text_link": "a",
    "url": "a",
    "pre": "pre",
}


def _open_tag(entity: Entity) -> str:
    kind = entity["type"]
    tag = _DISPLAY.get(kind, "span")
    if kind == "spoiler":
        return '<span class="tg-spoiler">'
    if kind == "expandable_blockquote":
        return '<blockquote class="expandable">'
    if kind == "pre":
        language = entity.get("language")
        if language:
            return f'<pre><code class="language-{html.escape(language, quote=True)}">'
        return "<pre>"
    if kind == "text_link":
        url = str(entity.get("url", ""))
        if urlsplit(url).scheme.lower() in ("http", "https", "tg"):
            return f'<a href="{html.escape(url, quote=True)}" rel="noopener noreferrer" target="_blank">'
        return "<a>"
    if tag == "span":
        return f'<span class="tg-{html.escape(kind, quote=True)}">'
    return f"<{tag}>"


def _close_tag(entity: Entity) -> str:
    if entity["type"] == "pre" and entity.get("language"):
        return "</code></pre>"
    return f"</{_DISPLAY.get(entity['type'], 'span')}>"
