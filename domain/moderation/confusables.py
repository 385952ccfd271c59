"""Letters that look Latin but are not: Cyrillic and Greek homoglyphs, and digits/symbols written for letters.

A hand-picked subset of Unicode's confusables (UTS #39) for the letters that spell watched words; lowercase,
because the screen matches casefolded text.
"""

from __future__ import annotations

HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԛ": "q", "ԝ": "w", "һ": "h",
    "ӏ": "l", "ԁ": "d", "ɡ": "g", "ց": "g", "ո": "n", "ս": "u", "ᴠ": "v", "ʏ": "y",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ϲ": "c", "ℓ": "l",
}  # fmt: skip

# Inside a word that is mostly letters ("paypa1", "0tp", "c4rd"), these stand for letters.
LEETSPEAK: dict[str, str] = {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "|": "l"}
