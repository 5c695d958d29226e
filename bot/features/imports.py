"""Files sent back: an edited export of the map or the grid, recognised by its columns.

In Telegram the person simply sends the file; in the console, `/importer
chemin/du/fichier`. A DECP file given to `/importer` goes where `/referentiel`
would take it.
"""

from __future__ import annotations

from bot.features.base import Command, Feature
from bot.features.referentiel import ReferentielFeature
from bot.features.workspace_lists import WorkspaceList
from bot.received_files import read_console_file, read_table
from bot.rendering import message
from bot.replies import Document, Event, Reply
from knowledge.decp import looks_like_decp, read_upload


class ImportsFeature(Feature):
    def __init__(self, features):
        self.lists = [f for f in features if isinstance(f, WorkspaceList)]
        self.referentiel = next(f for f in features if isinstance(f, ReferentielFeature))

    def commands(self) -> tuple[Command, ...]:
        return (Command("importer", "importer un tableau (CSV ou XLSX) exporté puis modifié", self.import_command),)

    def receive_file(self, event: Event, document: Document) -> list[Reply] | None:
        return self.import_table(event, document.filename, document.content, document.table)

    def import_command(self, event: Event) -> list[Reply]:
        """In a messenger: send the file. At this machine (the console): `/importer chemin/du/fichier.csv`."""
        if not event.capabilities.local:
            return [Reply(message("import_how"))]
        found = read_console_file(event.args)
        if isinstance(found, str):
            return [Reply(message("import_path_problem", problem=found))]
        if looks_like_decp(*found):  # a DECP file given to /importer: what /referentiel does
            return self.referentiel.receive(event, found[0], read_upload(*found))
        return self.import_table(event, *found)

    def import_table(self, event: Event, filename: str, content: bytes,
                     table: list[list[str]] | str | None = None) -> list[Reply]:
        """Read the spreadsheet (unless the adapter did), recognise which list it is, and ask for confirmation."""
        if table is None:
            table = read_table(filename, content)
        if isinstance(table, str):
            return [Reply(message("import_refused", reason=table))]
        best = max(self.lists, key=lambda f: f.overlap(table), default=None)
        if best is None or best.overlap(table) == 0:
            return [Reply(message("import_refused", reason="Je ne reconnais ni une cartographie ni une grille d'indicateurs exportée par l'assistant."))]
        return best.prepare_import(event, table)
