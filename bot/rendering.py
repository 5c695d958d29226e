"""The one Jinja2 environment, and the conversions every channel needs.

Messages are written once, in `templates/messages.html.j2`, as Telegram-style
HTML with autoescaping on: whatever a user typed can never become markup.
The console strips the tags; Telegram gets the HTML split under its limit.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup


TEMPLATES = Path(__file__).resolve().parent / "templates"
TELEGRAM_TEXT_LIMIT = 4096
BUTTON_LABEL_LIMIT = 60
TAG = re.compile(r"</?(?:b|i|u|s|code|pre|a)(?:\s[^>]*)?>")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@lru_cache(maxsize=1)
def _messages():
    return environment().get_template("messages.html.j2").module


def message(macro: str, /, **context) -> Markup:
    """Render the message macro `macro` to HTML, with surrounding blank lines trimmed.

    The result is marked as HTML, so that a message passed into another one (a
    note shown at a dialog step) is not escaped a second time.
    """
    rendered = getattr(_messages(), macro)(**context)
    text = "\n".join(line.rstrip() for line in str(rendered).strip().splitlines())
    return Markup(re.sub(r"\n{3,}", "\n\n", text))


def escape(text: str) -> Markup:
    return Markup.escape(text)


def to_plain_text(markup: str) -> str:
    """Drop the tags and decode the entities: what a terminal should show."""
    return html.unescape(TAG.sub("", markup))


def shorten(text: str, limit: int) -> str:
    """Collapse white space and cut at `limit` characters, ending with « … »."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def button_label(text: str) -> str:
    return shorten(text, BUTTON_LABEL_LIMIT)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_html(markup: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Cut a message into parts under `limit`, on paragraph boundaries.

    Tags never span paragraphs in our templates, so cutting between
    paragraphs keeps each part valid HTML. A single paragraph that is still
    too long is flattened to escaped text and cut on spaces.
    """
    if utf16_len(markup) <= limit:
        return [markup]
    parts: list[str] = []
    current = ""
    for paragraph in markup.split("\n\n"):
        pieces = [paragraph] if utf16_len(paragraph) <= limit else _cut_paragraph(paragraph, limit)
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if utf16_len(candidate) <= limit:
                current = candidate
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _cut_paragraph(paragraph: str, limit: int) -> list[str]:
    plain = to_plain_text(paragraph)
    pieces: list[str] = []
    current = ""
    for word in re.split(r"(\s+)", plain):
        while word and utf16_len(str(escape(word))) > limit:  # one enormous word
            head, word = word[: limit // 8], word[limit // 8 :]
            if current:
                pieces.append(str(escape(current)))
                current = ""
            pieces.append(str(escape(head)))
        if utf16_len(str(escape(current + word))) > limit:
            pieces.append(str(escape(current)))
            current = word.lstrip()
        else:
            current += word
    if current.strip():
        pieces.append(str(escape(current)))
    return [p for p in pieces if p.strip()]
