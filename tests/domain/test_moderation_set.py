"""The labelled moderation set (issue #20) is sound, the scorer counts right, and the screen meets its targets.

The set's own checks run always; the screen's figures only once `domain.moderation.screen` exists.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

# bench/ is not an installed package; `python -m bench` finds it from the repository root, so the test does too
# (appended, so nothing installed is shadowed).
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.append(ROOT)
from bench.moderation import DEFAULT_SET, load_set, score  # noqa: E402

LANGUAGES = {"en", "zh", "th", "ms", "id", "vi", "es", "pt", "ru", "ar"}
MINIMUM = {"payment_details": 120, "off_platform_payment": 120, "disrespect": 50, "false_information": 20}
SEPARATORS = re.compile(r"[\s.\-\u200b-\u200d\u2060\ufeff]")
# A digit run not glued to letters (so not part of a hex crypto address or an IBAN), single separators allowed.
DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\d(?:[\s.\-\u200b-\u200d\u2060\ufeff]?\d){12,}(?![0-9A-Za-z])")
IBAN_CANDIDATE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}")
IBAN_WRITTEN = re.compile(r"[A-Z]{2}\d{2}(?:[\s.\-]?[A-Z0-9]){11,30}")  # as printed, grouped or dotted


@pytest.fixture(scope="module")
def rows():
    return load_set(DEFAULT_SET)


def ascii_digits(text: str) -> str:
    """NFKC (full-width forms) and every script's decimal digits (Arabic-Indic, Thai) as ASCII."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch for ch in text)


def luhn_valid(number: str) -> bool:
    try:
        from stdnum import luhn
    except ImportError:
        digits = [int(d) for d in reversed(number)]
        total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
        return total % 10 == 0
    return luhn.is_valid(number)


def iban_valid(value: str) -> bool:
    try:
        from stdnum import iban
    except ImportError:
        rearranged = value[4:] + value[:4]
        return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1
    return iban.is_valid(value)


def test_every_line_is_a_json_object_with_the_fields():
    lines = DEFAULT_SET.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 400
    for number, line in enumerate(lines, start=1):
        item = json.loads(line)
        assert {"text", "lang", "labels", "note"} <= set(item), f"line {number}"
        assert set(item) <= {"text", "lang", "labels", "note", "facts"}, f"line {number}"
        assert item["note"].strip(), f"line {number} says nothing about what it tests"


def test_every_language_and_mixes_of_two_are_present(rows):
    seen = Counter(part for row in rows for part in row.lang.split("+"))
    assert set(seen) == LANGUAGES, set(seen) ^ LANGUAGES
    assert all(count >= 30 for count in seen.values()), seen
    mixed = [row for row in rows if "+" in row.lang]
    assert len(mixed) >= 20
    assert all(len(row.lang.split("+")) == 2 for row in mixed)


def test_each_rule_has_its_minimum_and_legitimate_lines_are_plenty(rows):
    counts = Counter(label for row in rows for label in row.labels)
    for rule, minimum in MINIMUM.items():
        assert counts[rule] >= minimum, (rule, counts[rule])
    assert sum(1 for row in rows if row.legitimate) >= 150


def test_each_rule_is_labelled_in_every_language(rows):
    for rule in ("payment_details", "off_platform_payment", "disrespect"):
        langs = {part for row in rows if rule in row.labels for part in row.lang.split("+")}
        assert langs == LANGUAGES, (rule, LANGUAGES - langs)


def test_no_text_appears_twice(rows):
    repeated = [text for text, count in Counter(row.text for row in rows).items() if count > 1]
    assert not repeated


def test_obfuscations_are_in_the_positive_lines(rows):
    positives = [row.text for row in rows if row.labels & {"payment_details", "off_platform_payment"}]
    invisible = [t for t in positives if any(unicodedata.category(ch) == "Cf" for ch in t)]
    full_width = [t for t in positives if any("\uff01" <= ch <= "\uff5e" for ch in t)]
    homoglyph = [t for t in positives if re.search(r"[a-zA-Z][\u0400-\u04ff\u0370-\u03ff]|[\u0400-\u04ff][a-zA-Z]", t)]
    assert len(invisible) >= 5 and len(full_width) >= 5 and len(homoglyph) >= 8


def test_card_numbers_in_the_set_pass_luhn(rows):
    checked = 0
    for row in rows:
        if not row.labels & {"payment_details", "off_platform_payment"}:
            continue
        for run in DIGIT_RUN.findall(IBAN_WRITTEN.sub(" ", ascii_digits(row.text))):
            digits = SEPARATORS.sub("", run)
            # Card numbers are 13 to 19 digits and start 2-6 (Mir, Visa, Mastercard, Amex, JCB, UnionPay, Discover).
            if 13 <= len(digits) <= 19 and digits[0] in "23456":
                assert luhn_valid(digits), (row.line, digits)
                checked += 1
    assert checked >= 15


def test_ibans_in_the_set_have_valid_checksums(rows):
    checked = 0
    for row in rows:
        if "iban" not in row.note.lower():
            continue
        for candidate in IBAN_CANDIDATE.findall(SEPARATORS.sub("", ascii_digits(row.text))):
            assert iban_valid(candidate), (row.line, candidate)
            checked += 1
    assert checked >= 10


def test_delivery_claims_carry_the_facts_they_are_judged_on(rows):
    claims = [row for row in rows if "false_information" in row.labels]
    assert all(row.facts is not None for row in claims)
    assert any(row.facts is not None for row in rows if row.legitimate), "consistent claims must be there too"


def test_load_set_names_the_bad_line(tmp_path):
    path = tmp_path / "set.jsonl"
    good = json.dumps({"text": "hi", "lang": "en", "labels": [], "note": "greeting"})
    path.write_text(good + "\n" + json.dumps({"text": "x", "lang": "en", "labels": ["spam"], "note": "n"}) + "\n")
    with pytest.raises(ValueError, match="line 2: 'labels'"):
        load_set(path)
    path.write_text(good + "\n{not json\n")
    with pytest.raises(ValueError, match="line 2: not JSON"):
        load_set(path)


def test_score_counts_hits_misses_and_holds(tmp_path):
    lines = [
        {"text": "send your CVV", "lang": "en", "labels": ["payment_details"], "note": "caught"},
        {"text": "card number please", "lang": "en", "labels": ["payment_details"], "note": "missed"},
        {"text": "we never ask for a CVV", "lang": "en", "labels": [], "note": "false alarm, held"},
        {"text": "thanks", "lang": "en", "labels": [], "note": "clean"},
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))

    def cvv_screen(text, *, lang=None, facts=None):
        hits = (SimpleNamespace(rule="payment_details", evidence="CVV"),) if "CVV" in text else ()
        return SimpleNamespace(action="hold" if hits else "allow", hits=hits)

    result = score(cvv_screen, load_set(path), repeats=2)
    payment = result.rules["payment_details"]
    assert (payment.labelled, payment.true_positives, payment.false_positives) == (2, 1, 1)
    assert payment.recall == 0.5 and payment.precision == 0.5
    assert result.rules["disrespect"].recall is None
    assert [row.note for row in result.legit_held] == ["false alarm, held"]
    assert [row.note for row in result.hold_rule_not_held] == ["missed"]
    assert [(row.note, rule) for row, rule in result.misses] == [("missed", "payment_details")]
    assert result.cpu_us_per_message >= 0


@pytest.fixture(scope="module")
def screened(rows):
    screen = pytest.importorskip("domain.moderation.screen").screen
    return score(screen, rows, repeats=1)


def test_the_screen_holds_no_legitimate_message(screened):
    assert [(row.line, row.text) for row in screened.legit_held] == []


@pytest.mark.parametrize(
    ("rule", "target"), [("payment_details", 0.97), ("off_platform_payment", 0.97), ("disrespect", 0.9)]
)
def test_the_screen_reaches_its_recall_target(screened, rule, target):
    missed = [(row.line, row.text) for row, missed_rule in screened.misses if missed_rule == rule]
    assert screened.rules[rule].recall >= target, missed
