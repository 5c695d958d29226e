"""The rows a workspace builds up: mapped actors and indicators, one row each.

Both tables behave the same (list, add, update, delete within a workspace, who
added what), so one class serves both with the list of its columns.
"""

from __future__ import annotations

import json
from datetime import timedelta

import sqlite_utils

from domain.clock import iso, now, now_iso
from storage.db import FreedPages
from storage.rows import PendingImport, Record, from_row, stored_list

IMPORT_LIFETIME = timedelta(hours=1)
# Columns holding several values: lists for everyone else, « a;b » in SQLite — a format only this module knows.
LIST_FIELDS = frozenset({"themes", "schemes"})

ACTOR_FIELDS = ("typology", "name", "description", "contact", "role", "involvement", "themes", "comment")
INDICATOR_FIELDS = (
    "theme",
    "sub_theme",
    "schemes",
    "objective",
    "purchasing_link",
    "indicator",
    "unit",
    "target",
    "target_year",
    "referent",
    "priority",
)


class Records:
    def __init__(self, db: sqlite_utils.Database, table: str, record: type[Record], fields: tuple[str, ...], order: str):
        self.db = db
        self.table = table
        self.record = record
        self.fields = fields
        self.order = order

    def values(self, record: Record) -> dict:
        """What a person entered in a row, by field (a dialog's answers start from it)."""
        return {f: getattr(record, f) for f in self.fields}

    def list(self, workspace_id: int, limit: int | None = None, offset: int = 0) -> list[Record]:
        sql = f"SELECT * FROM {self.table} WHERE workspace_id = ? ORDER BY {self.order}, id"
        params: list = [workspace_id]
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [self._decoded(row) for row in self.db.query(sql, params)]

    def count(self, workspace_id: int) -> int:
        return self.db.execute(f"SELECT COUNT(*) FROM {self.table} WHERE workspace_id = ?", [workspace_id]).fetchone()[0]

    def get(self, workspace_id: int, record_id: int) -> Record | None:
        rows = list(
            self.db.query(f"SELECT * FROM {self.table} WHERE workspace_id = ? AND id = ?", [workspace_id, record_id])
        )
        return self._decoded(rows[0]) if rows else None

    def add(self, workspace_id: int, user_id: int | None, values: dict) -> int:
        with self.db.atomic():
            return self._insert(workspace_id, user_id, values)

    def update(self, workspace_id: int, record_id: int, values: dict) -> bool:
        with self.db.atomic():
            return self._update(workspace_id, record_id, values)

    def delete(self, workspace_id: int, record_id: int) -> bool:
        with self.db.atomic():
            cur = self.db.execute(f"DELETE FROM {self.table} WHERE workspace_id = ? AND id = ?", [workspace_id, record_id])
        return cur.rowcount == 1

    def place(self, workspace_id: int, record_id: int, axis: str | None) -> bool:
        """Where the row stands in the plan (an axis id, « suivi »); None: from its themes again."""
        with self.db.atomic():
            cur = self.db.execute(
                f"UPDATE {self.table} SET axis = ?, updated_at = ?, version = version + 1 "
                "WHERE workspace_id = ? AND id = ? AND axis IS NOT ?",
                [axis, now_iso(), workspace_id, record_id, axis],
            )
        return cur.rowcount == 1

    def set_baseline(self, workspace_id: int, record_id: int, value: str, year: int, source: str) -> None:
        """An indicator's starting point, taken from the DECP baseline (not a field of the dialog)."""
        with self.db.atomic():
            self.db.execute(
                f"UPDATE {self.table} SET baseline_value = ?, baseline_year = ?, baseline_source = ?, updated_at = ?, "
                "version = version + 1 WHERE workspace_id = ? AND id = ?",
                [value, year, source, now_iso(), workspace_id, record_id],
            )

    def apply_import(
        self, workspace_id: int, user_id: int, added: list[dict], updated: list[tuple[int, int, dict]]
    ) -> tuple[int, list[int]]:
        """All of an import or none of it; a row changed since the version the file was read against is left alone.

        Returns how many rows were updated, and the ids of those left alone.
        """
        stale = []
        with self.db.atomic():
            for values in added:
                self._insert(workspace_id, user_id, values)
            for record_id, version, values in updated:
                if not self._update(workspace_id, record_id, values, version=version):
                    stale.append(record_id)
        return len(updated) - len(stale), stale

    def _insert(self, workspace_id: int, user_id: int | None, values: dict) -> int:
        now = now_iso()
        columns = ", ".join(self.fields)
        marks = ", ".join("?" for _ in self.fields)
        cur = self.db.execute(
            f"INSERT INTO {self.table} (workspace_id, {columns}, added_by, created_at, updated_at) "
            f"VALUES (?, {marks}, ?, ?, ?)",
            [workspace_id, *(_encoded(f, values.get(f)) for f in self.fields), user_id, now, now],
        )
        return cur.lastrowid

    def _update(self, workspace_id: int, record_id: int, values: dict, version: int | None = None) -> bool:
        """With `version`, only if the row is still at that version (nobody changed it meanwhile)."""
        assignments = ", ".join(f"{f} = ?" for f in self.fields)
        sql = (f"UPDATE {self.table} SET {assignments}, updated_at = ?, version = version + 1 "
               "WHERE workspace_id = ? AND id = ?")
        params = [*(_encoded(f, values.get(f)) for f in self.fields), now_iso(), workspace_id, record_id]
        if version is not None:
            sql += " AND version = ?"
            params.append(version)
        return self.db.execute(sql, params).rowcount == 1


    def _decoded(self, row: dict) -> Record:
        lists = {field: stored_list(row[field]) for field in LIST_FIELDS & row.keys()}
        return from_row(self.record, row, **lists)


def _encoded(field: str, value):
    """A list as stored: « a;b »; nothing for an empty one."""
    if field in LIST_FIELDS and isinstance(value, (list, tuple)):
        return ";".join(v.strip() for v in value if v and v.strip()) or None
    return value


class PendingImports:
    """An import waiting for its confirmation: staged rows, taken once.

    Unconfirmed uploads must not fill the disk: a person has at most one import
    waiting (a new upload replaces it), and any import expires after an hour.
    """

    def __init__(self, db: sqlite_utils.Database, freed: FreedPages | None = None):
        self.db = db
        self.freed = freed or FreedPages(db)

    @staticmethod
    def _expiry() -> str:
        return iso(now() - IMPORT_LIFETIME)

    def stage(self, user_id: int, workspace_id: int, kind: str, rows: dict) -> int:
        with self.db.atomic():
            if self.db.execute(
                "DELETE FROM pending_imports WHERE user_id = ? OR created_at < ?", [user_id, self._expiry()]
            ).rowcount:
                self.freed.mark()
            cur = self.db.execute(
                "INSERT INTO pending_imports (user_id, workspace_id, kind, rows, created_at) VALUES (?, ?, ?, ?, ?)",
                [user_id, workspace_id, kind, json.dumps(rows, ensure_ascii=False), now_iso()],
            )
        return cur.lastrowid

    def purge_expired(self) -> int:
        """Drop expired imports and give their pages back to the file system.

        Staged rows can weigh megabytes; without `incremental_vacuum` the file
        would keep its largest size for ever (the database is in auto_vacuum
        INCREMENTAL mode, see storage.db).
        """
        with self.db.atomic():
            count = self.db.execute("DELETE FROM pending_imports WHERE created_at < ?", [self._expiry()]).rowcount
        if count:
            self.freed.mark()
        return count

    def take(self, pending_id: int, user_id: int) -> PendingImport | None:
        """The staged import (its rows decoded), removed so a second tap finds nothing."""
        with self.db.atomic():
            found = list(self.db.query(
                "SELECT * FROM pending_imports WHERE id = ? AND user_id = ? AND created_at >= ?",
                [pending_id, user_id, self._expiry()]))
            if not found:
                return None
            self.db.execute("DELETE FROM pending_imports WHERE id = ?", [pending_id])
            self.freed.mark()
        return from_row(PendingImport, found[0], rows=json.loads(found[0]["rows"]))
