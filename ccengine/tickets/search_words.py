"""Pure rules of the advanced ticket search: folding, words and their forms.

The index holds each ticket's text folded as the customer directory folds names
(``customers.rules.fold``: no case, no diacritics, "ł" → "l"), so "zolc" finds
"Żółć". Stock PostgreSQL ships no Polish dictionary and SQLite none at all, so
word forms come from a light stemmer shared by both: a word loses one common
Polish inflection ending and is then matched as a prefix ("faktury" and
"fakturą" both search "faktur*", which finds "faktura"). It is recall-first:
alternating stems ("drukarka" / "drukarce") are not joined.
"""

from __future__ import annotations

import re

from ccengine.customers.rules import fold

MAX_WORDS = 10  # each word is one index probe; a pasted paragraph is refused
MIN_STEM = 4  # shorter stems match half the vocabulary as prefixes
# Folded Polish inflection endings, longest first (a word loses at most one).
ENDINGS = ("owie", "ami", "ach", "ego", "emu", "ych", "ymi", "imi", "iej", "ow", "om",
           "ie", "ia", "ii", "ej", "ym", "im", "a", "e", "i", "o", "u", "y")
_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script; the index splits alike


def index_words(text: str) -> list[str]:
    """The folded words of ``text`` as the index tokenises them."""
    return _WORD.findall(fold(text))


def stem(word: str) -> str:
    """``word`` (folded) without one inflection ending, kept at ``MIN_STEM`` letters or
    more; numbers and short words stay whole."""
    if not word.isalpha():
        return word
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def search_stems(text: str | None) -> tuple[str, ...]:
    """The prefixes a search for ``text`` looks up, each of which must match a word
    of the ticket (duplicates dropped, order kept)."""
    return tuple(dict.fromkeys(stem(word) for word in index_words(text or "")))


def too_many(text: str | None) -> bool:
    return len(index_words(text or "")) > MAX_WORDS
