"""What the stakeholder map and the indicator grid share: a list of rows a workspace builds up.

Both work the same way, so one class serves both (`stakeholder_map.py` and
`indicator_grid.py` say what differs): a paginated list, a card per row with
« Modifier » and « Supprimer », adding through the row's dialog (« ajouter un
autre ? » at the end), exports to CSV and XLSX, and imports of an edited
export after a confirmation showing the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.features.base import Buttons, Command, Feature, MenuButton
from bot.rendering import message
from bot.documents_out import deferred, definitions
from bot.replies import Button, Event, Reply
from dialogs.engine import Hooks, StillOpen
from dialogs.inputs import format_value, parse_id
from dialogs.tables import TableError, cell_text, plan_import, to_csv, to_xlsx
from domain.clock import now_iso
from storage.faults import crash_point
from storage.records import Records
from storage.rows import Actor, Indicator, Record, Session, from_plain

PAGE_SIZE = 8
MANY_INDICATORS = 30  # FACTS §5: « une trentaine au plus »
# Far above real use (a map of 50 actors, a grid of 30 indicators), low enough that
# one workspace cannot make every list, export and /plan slow for the others.
LIMITS = {"a": 500, "i": 200}


@dataclass(frozen=True)
class Collection:
    key: str  # one letter in button payloads
    dialog: str
    command: str
    help: str  # French, for /aide
    menu_label: str
    records: str  # attribute of Storage
    title: str
    noun: str  # « acteur », « indicateur »
    title_field: str
    list_fields: tuple[str, ...]  # shown on each line of the list
    int_fields: tuple[str, ...]


class WorkspaceList(Feature):
    spec: ClassVar[Collection]

    def __init__(self, storage, engine):
        self.storage = storage
        self.engine = engine
        self.dialog = self.engine.dialogs[self.spec.dialog]

    def commands(self) -> tuple[Command, ...]:
        return (Command(self.spec.command, self.spec.help, self.open),)

    def menu(self) -> tuple[MenuButton, ...]:
        return (MenuButton(self.spec.menu_label, self.spec.command),)

    def buttons(self) -> tuple[Buttons, ...]:
        return (Buttons(f"col:{self.spec.key}", self._on_button),)

    def dialogs(self) -> dict[str, Hooks]:
        resume = f"/{self.spec.command}, puis « ➕ Ajouter un {self.spec.noun} »"
        return {self.spec.dialog: Hooks(start=self.start_add, finish=self.finish, command=self.spec.command, resume=resume)}

    def _on_button(self, event: Event, value: str) -> list[Reply]:
        action, _, arg = value.partition(":")
        return self.on_button(event, action, arg)

    def overlap(self, table: list[list[str]]) -> int:
        """How many column names of an imported table are this list's: which list a file is an export of."""
        header = {h.strip().casefold() for h in (table[0] if table else [])}
        return len({s.label.casefold() for s in self.dialog.steps} & header)

    @property
    def records(self) -> Records:
        return getattr(self.storage, self.spec.records)

    # -- rows <-> answers -----------------------------------------------------------

    def to_answers(self, row: dict) -> dict:
        """A row's values (`Records.values`) as the dialog's answers: lists as lists, choices as text."""
        answers = {}
        for step in self.dialog.steps:
            if step.id not in row:
                continue
            value = row[step.id]
            if isinstance(value, tuple):
                value = list(value)
            if value is None or value == []:
                answers[step.id] = None  # seen and left empty: the summary shows it as such
                continue
            if step.id in self.spec.int_fields and step.kind == "choice":
                value = str(value)
            answers[step.id] = value
        return answers

    def to_row(self, answers: dict) -> dict:
        row = {}
        for step in self.dialog.steps:
            value = answers.get(step.id)
            if isinstance(value, list):
                value = list(value) or None  # storage keeps lists in its own format
            elif step.id in self.spec.int_fields and value is not None:
                value = int(value)
            row[step.id] = value
        return row

    def label_of(self, row: Record | dict) -> str:
        """A stored row, or the values about to be stored."""
        value = row.get(self.spec.title_field) if isinstance(row, dict) else getattr(row, self.spec.title_field)
        return str(value or "—")

    # -- list and cards -------------------------------------------------------------

    def open(self, event: Event) -> list[Reply]:
        return self.page(event, 0)

    def page(self, event: Event, number: int) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        total = self.records.count(workspace.id) if workspace else 0
        pages = max(1, -(-total // PAGE_SIZE))
        number = min(max(number, 0), pages - 1)
        rows = self.records.list(workspace.id, PAGE_SIZE, number * PAGE_SIZE) if workspace else []
        k = self.spec.key
        lines = [
            (number * PAGE_SIZE + i + 1, self.label_of(r), " · ".join(self._show(f, getattr(r, f)) for f in self.spec.list_fields))
            for i, r in enumerate(rows)
        ]
        buttons: list[tuple[Button, ...]] = [(Button(f"➕ Ajouter un {self.spec.noun}", f"col:{k}:add"),)]
        buttons += [(Button(f"{n}. {label}", f"col:{k}:o:{r.id}"),) for (n, label, _), r in zip(lines, rows)]
        nav = []
        if number > 0:
            nav.append(Button("◀ Précédents", f"col:{k}:p:{number - 1}"))
        if number < pages - 1:
            nav.append(Button("Suivants ▶", f"col:{k}:p:{number + 1}"))
        if nav:
            buttons.append(tuple(nav))
        if total:
            buttons.append((Button("⬇️ CSV", f"col:{k}:csv"), Button("⬇️ XLSX", f"col:{k}:xlsx")))
        html = message(
            "collection_page", title=self.spec.title, lines=lines, total=total, page=number + 1, pages=pages,
            noun=self.spec.noun, command=self.spec.command, many=self.spec.key == "i" and total > MANY_INDICATORS,
        )
        return [Reply(html, tuple(buttons))]

    def card(self, event: Event, row: Record) -> list[Reply]:
        k = self.spec.key
        values = self.records.values(row)
        items = [(s.label, self._show(s.id, values.get(s.id))) for s in self.dialog.steps]
        if isinstance(row, Indicator) and row.baseline_value:  # set by /referentiel, not a step of the dialog
            items.append(("Valeur de départ", f"{row.baseline_value} en {row.baseline_year} ({row.baseline_source})"))
        author = self._author(row.added_by)
        html = message("collection_card", title=self.label_of(row), items=items, author=author)
        buttons = (
            (Button("✏️ Modifier", f"col:{k}:e:{row.id}"), Button("🗑 Supprimer", f"col:{k}:d:{row.id}")),
            (Button("◀ Retour à la liste", f"col:{k}:p:0"),),
        )
        return [Reply(html, buttons)]

    def _show(self, field: str, value) -> str:
        step = self.dialog.step(field)
        if step is None:
            return str(value or "—")
        answers = self.to_answers({field: value})
        return format_value(step, answers.get(field))

    def _author(self, user_id: int | None) -> str:
        if user_id is None:
            return "membre parti"
        user = self.storage.users.get(user_id)
        return (user.display_name if user else None) or f"membre {user_id}"

    # -- buttons ----------------------------------------------------------------------

    def on_button(self, event: Event, action: str, arg: str) -> list[Reply]:
        if action == "p":
            return self.page(event, parse_id(arg) or 0)
        if action == "add":
            return self.engine.open(event, self.spec.dialog)
        if action in ("csv", "xlsx"):
            return self.export(event, action)
        if action == "imp":
            return self.confirm_import(event, arg)
        workspace = self.storage.workspaces.of_user(event.user_id)
        record_id, _, confirmed = arg.partition(":")
        row = self.records.get(workspace.id, rid) if workspace and (rid := parse_id(record_id)) is not None else None
        if row is None:
            return [Reply(message("record_gone", noun=self.spec.noun))] + self.page(event, 0)
        if action == "o":
            return self.card(event, row)
        if action == "e":
            return self.engine.begin(
                event, self.spec.dialog, workspace_id=workspace.id, answers=self.to_answers(self.records.values(row)),
                target_id=row.id, at_summary=True,
            )
        if action == "d":
            if confirmed != "ok":
                k = self.spec.key
                buttons = ((Button("Oui, supprimer", f"col:{k}:d:{row.id}:ok"), Button("Non", f"col:{k}:o:{row.id}")),)
                return [Reply(message("delete_confirm", label=self.label_of(row)), buttons)]
            self.records.delete(workspace.id, row.id)
            return [Reply(message("deleted", label=self.label_of(row)))] + self.page(event, 0)
        return [Reply(message("unknown_button"))]

    # -- the dialog -------------------------------------------------------------------

    def full(self, workspace_id: int, adding: int = 1) -> bool:
        return self.records.count(workspace_id) + adding > LIMITS[self.spec.key]

    def start_add(self, event: Event) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        if workspace and self.full(workspace.id):
            return [Reply(message("collection_full", noun=self.spec.noun, limit=LIMITS[self.spec.key]))]
        return self.engine.begin(event, self.spec.dialog, workspace_id=workspace.id if workspace else None)

    def finish(self, event: Event, session: Session, answers: dict) -> list[Reply]:
        workspace = self.storage.workspaces.ensure(event.user_id)
        row = self.to_row(answers)
        again = False
        if session.target_id is not None and self.records.update(workspace.id, session.target_id, row):
            updated = True
        else:
            again = session.target_id is not None  # deleted by a colleague meanwhile: keep the work
            if self.full(workspace.id):
                raise StillOpen(message("collection_full", noun=self.spec.noun, limit=LIMITS[self.spec.key]))
            self.records.add(workspace.id, event.user_id, row)
            updated = False
        total = self.records.count(workspace.id)
        k = self.spec.key
        buttons = (
            (Button(f"➕ Ajouter un autre {self.spec.noun}", f"col:{k}:add"),),
            (Button("📋 Voir la liste", f"col:{k}:p:0"), Button("📈 Avancement", "menu:avancement")),
        )
        html = message(
            "record_saved", noun=self.spec.noun, label=self.label_of(row), updated=updated, again=again,
            total=total, many=self.spec.key == "i" and total > MANY_INDICATORS,
        )
        return [Reply(html, buttons)]

    # -- exports and imports ------------------------------------------------------------

    def export(self, event: Event, fmt: str) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        rows = self.records.list(workspace.id) if workspace else []
        if not rows:
            return [Reply(message("nothing_to_export", noun=self.spec.noun, command=self.spec.command))]
        stamp = now_iso()[:10]
        base = f"{self.spec.command}-{stamp}"
        # Read here; written by the channel in the documents' process (a workbook of 500 rows takes a while).
        recipe = {"dialog": self.spec.dialog, "format": fmt, "title": self.spec.title,
                  "record": type(rows[0]).__name__, "rows": [vars(r) for r in rows]}
        document = deferred(f"{base}.{fmt}", "table", recipe, caption=f"{self.spec.title} ({fmt.upper()})")
        html = message("exported", count=len(rows), title=self.spec.title, console=event.capabilities.local)
        return [Reply(html, document=document)]

    def prepare_import(self, event: Event, table: list[list[str]]) -> list[Reply]:
        workspace = self.storage.workspaces.ensure(event.user_id)
        current = {r.id: r for r in self.records.list(workspace.id)}
        try:
            plan = plan_import(self.dialog, table, set(current))
        except TableError as error:
            return [Reply(message("import_refused", reason=str(error)))]
        updated, conflicts, unchanged = [], [], 0
        for record_id, version, values in plan.updated:
            row, now = self.to_row(values), current[record_id]
            differences = [s for s in self.dialog.steps if _shown(row.get(s.id)) != _shown(getattr(now, s.id))]
            if not differences:
                unchanged += 1  # the same as today: nothing to do, nothing to count
            elif now.version == version:
                updated.append([record_id, version, row])
            else:  # a colleague changed it since the export: never overwritten without a choice
                conflicts.append((now, row, differences))
        if not plan.added and not updated and not conflicts:
            return [Reply(message(
                "import_nothing", rejected=plan.rejected[:10], rejected_count=len(plan.rejected), unchanged=unchanged,
            ))]
        if self.full(workspace.id, len(plan.added)):
            return [Reply(message("collection_full", noun=self.spec.noun, limit=LIMITS[self.spec.key]))]
        rows = {
            "added": [self.to_row(v) for v in plan.added],
            "updated": updated,
            "conflicts": [[now.id, now.version, row] for now, row, _ in conflicts],
        }
        pending = self.storage.imports.stage(event.user_id, workspace.id, self.spec.key, rows)
        k = self.spec.key
        if conflicts:
            buttons = (
                (Button("✅ Importer, garder l'actuel", f"col:{k}:imp:{pending}:ok"),),
                (Button("📝 Importer, prendre mon fichier", f"col:{k}:imp:{pending}:mine"),),
                (Button("Annuler", f"col:{k}:imp:{pending}:no"),),
            )
        else:
            buttons = ((Button("✅ Importer", f"col:{k}:imp:{pending}:ok"), Button("Annuler", f"col:{k}:imp:{pending}:no")),)
        shown = [
            (self.label_of(now), [(s.label, cell_text(s, row.get(s.id)), cell_text(s, getattr(now, s.id))) for s in diff[:4]])
            for now, row, diff in conflicts[:5]
        ]
        html = message(
            "import_preview", title=self.spec.title, added=len(plan.added), updated=len(updated), unchanged=unchanged,
            conflicts=shown, conflict_count=len(conflicts), rejected=plan.rejected[:10], rejected_count=len(plan.rejected),
        )
        return [Reply(html, buttons)]

    def confirm_import(self, event: Event, arg: str) -> list[Reply]:
        pending_id, _, choice = arg.partition(":")
        pending = self.storage.imports.take(pid, event.user_id) if (pid := parse_id(pending_id)) is not None else None
        if pending is None or "conflicts" not in pending.rows:  # gone, or staged by an older version
            return [Reply(message("button_expired"))]
        workspace = self.storage.workspaces.of_user(event.user_id)
        if choice not in ("ok", "mine"):
            return [Reply(message("import_cancelled"))]
        if workspace is None or workspace.id != pending.workspace_id:
            return [Reply(message("import_refused", reason="Vous n'êtes plus membre de cet espace."))]
        rows = pending.rows
        updates = [tuple(u) for u in rows["updated"]]
        if choice == "mine":  # chosen against the version shown as « actuellement »
            updates += [tuple(c) for c in rows["conflicts"]]
        if self.full(workspace.id, len(rows["added"])):  # colleagues may have added rows meanwhile
            return [Reply(message("collection_full", noun=self.spec.noun, limit=LIMITS[self.spec.key]))]
        count, stale = self.records.apply_import(workspace.id, event.user_id, rows["added"], updates)
        crash_point("import-applied")
        kept = len(rows["conflicts"]) if choice == "ok" else 0
        html = message("imported", added=len(rows["added"]), updated=count, kept=kept, stale=len(stale))
        return [Reply(html)] + self.page(event, 0)


def render_table(recipe: dict) -> bytes:
    """An export from its recipe (see `WorkspaceList.export`): the rows as the list shows them, in CSV or XLSX."""
    record = {"Actor": Actor, "Indicator": Indicator}[recipe["record"]]
    rows = [from_plain(record, row) for row in recipe["rows"]]
    dialog = definitions()[recipe["dialog"]]
    return to_csv(dialog, rows) if recipe["format"] == "csv" else to_xlsx(dialog, rows, recipe["title"])


def _shown(value) -> str:
    """A value as compared between a file and the database: empty is empty, numbers as text, lists item by item."""
    if isinstance(value, (list, tuple)):
        return ";".join(str(v).strip() for v in value)
    return "" if value is None else str(value).strip()
