"""Reading what a person sends: a file in a chat, a path typed in the console."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from bot.rendering import message
from bot.replies import Document, Event, Reply
from dialogs.tables import MAX_FILE_BYTES, TableError, read_rows
from knowledge.decp import looks_like_decp, read_upload


def read_table(filename: str, content: bytes) -> list[list[str]] | str:
    """The rows of a spreadsheet, or the French reason it cannot be read; safe to run in a worker thread."""
    try:
        return read_rows(filename, content)
    except TableError as error:
        return str(error)


def read_console_file(args: str, limit: int = MAX_FILE_BYTES) -> tuple[str, bytes] | str:
    """The console has no attachments: `/importer chemin/du/fichier.csv`; « usage », « too_big » or « not_found »."""
    path = Path(args.strip().strip("\"'")).expanduser()
    if not args.strip():
        return "usage"
    try:
        if path.stat().st_size > limit:
            return "too_big"
        return path.name, path.read_bytes()
    except OSError:
        return "not_found"


async def received_file_event(event: Event, filename: str, content: bytes) -> Event | Reply:
    """A file sent in a chat, read off the event loop and the core: a DECP file into its contracts, a
    spreadsheet into its rows; or the refusal to send back when it can be neither."""
    table = None
    decp = looks_like_decp(filename, content)
    if not decp and len(content) <= MAX_FILE_BYTES:
        table = await asyncio.to_thread(read_table, filename, content)
        decp = looks_like_decp(filename, content, table[0] if isinstance(table, list) and table else None)
    elif not decp and content[:4] == b"PK\x03\x04":
        decp = True  # a workbook over 2 MB can only be a DECP export
    if decp:
        contracts = await asyncio.to_thread(read_upload, filename, content)
        return replace(event, document=Document(filename, b"", contracts=contracts))
    if len(content) > MAX_FILE_BYTES:
        return Reply(message("import_refused", reason="le fichier dépasse 2 Mo."))
    return replace(event, document=Document(filename, content, table=table))

