import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks

part = st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True)


@given(prefix=part, action=part, args=st.lists(part, max_size=4))
def test_encode_then_decode_gives_back_the_parts(prefix, action, args):
    data = callbacks.encode(prefix, action, *args)
    assert callbacks.decode(data) == callbacks.Callback(prefix, action, tuple(args))


def test_callback_data_over_64_bytes_is_refused():
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.encode("off", "acc", "9" * 60)


def test_separator_inside_a_part_is_refused():
    with pytest.raises(ValueError):
        callbacks.encode("off", "a:b")


@pytest.mark.parametrize("data", ["", "nocolon", "off::1", "off:acc:<b>", "x" * 70])
def test_data_we_never_made_decodes_to_none(data):
    assert callbacks.decode(data) is None


def test_pattern_matches_only_its_prefix():
    import re

    assert re.match(callbacks.pattern("hlp"), "hlp:orders")
    assert not re.match(callbacks.pattern("hlp"), "hlpx:orders")


def test_each_button_prefix_has_exactly_one_handler():
    """Two audiences using one prefix would send one's presses to the other's handler."""
    import re

    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ConversationHandler

    from bot.app import register_handlers

    application = ApplicationBuilder().token("1:test").updater(None).build()
    register_handlers(application)

    def callback_handlers(handlers):
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                yield from callback_handlers(handler.entry_points + handler.fallbacks)
                for state in handler.states.values():
                    yield from callback_handlers(state)
            elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
                yield handler

    owners: dict[str, list[set[str]]] = {}
    for handlers in application.handlers.values():
        for top in handlers:
            # One conversation using a prefix in several states is still one owner.
            patterns: dict[str, set[str]] = {}
            for h in callback_handlers([top]):
                patterns.setdefault(re.match(r"\^(\w+)", h.pattern.pattern).group(1), set()).add(h.pattern.pattern)
            for prefix, found in patterns.items():
                owners.setdefault(prefix, []).append(found)
    assert len(owners) > 5
    # Owners may share a prefix only with narrower patterns (e.g. one reason each), never a catch-all.
    clashes = [
        prefix
        for prefix, sets in owners.items()
        if len(sets) > 1 and any(callbacks.pattern(prefix) in found for found in sets)
    ]
    assert not clashes, owners
