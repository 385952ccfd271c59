import pytest
from hypothesis import given, strategies as st

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
