"""Reading what a person sends: a spreadsheet in a chat, a path typed in the console."""

from __future__ import annotations

from pathlib import Path

from dialogs.tables import MAX_FILE_BYTES, TableError, read_rows


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
