"""Text as people type it, made comparable: one folding for matching, labels, imports and storage."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ELISION = re.compile(r"\b(?:l|d|qu|j|n|s|c|m|t|jusqu|lorsqu|puisqu|quoiqu)['’`]", re.IGNORECASE)
NON_WORD = re.compile(r"[^\w\s]|_", re.UNICODE)
SPACES = re.compile(r"\s+")
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": "'", "`": "'"})
# Invisible characters (zero-width, soft hyphen, bidi embeddings and
# overrides, BOM) are removed: they change how text reads without being seen.
INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Other control characters break spreadsheets and documents: a space instead.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def clean_text(text: str) -> str:
    """Text as typed or imported, safe to store, export and print: the same cleaning everywhere."""
    return CONTROL.sub(" ", INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))


# The accents of Latin letters once decomposed (the combining marks of U+0300–U+036F): dropped in one
# pass, the common case; any other combining mark goes through the slower test below.
COMMON_MARKS = dict.fromkeys(c for c in range(0x300, 0x370) if unicodedata.combining(chr(c)))


def fold(text: str) -> str:
    """Casefold, fold accents and ligatures; keep everything else."""
    text = text.casefold().translate(LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text).translate(COMMON_MARKS)
    if decomposed.isascii():
        return decomposed
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(name: str) -> str:
    """A name as people type it in different ways: « Camille  Martin » and « camille martin » are one."""
    return " ".join(name.casefold().split())


@lru_cache(maxsize=64)
def simplify(text: str) -> str:
    """Fold, drop elisions and punctuation, collapse spaces.

    Answering a question simplifies it, its sentences and its parts at several
    independent steps (greeting test, reported speech, matching, the threshold
    cues, two questions in one): the last results are kept, so that each text is
    simplified once a question."""
    text = ELISION.sub(" ", fold(text))
    text = NON_WORD.sub(" ", text)
    return SPACES.sub(" ", text).strip()


def label_key(text: str) -> str:
    """Compare labels without case, accents, emoji or punctuation: « ✅ Valider » is « valider »."""
    return " ".join(re.sub(r"[^\w\s'’-]", " ", fold(text)).split()).strip(" ?!.")
