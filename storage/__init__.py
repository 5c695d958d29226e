"""SQLite storage behind intention-named methods; callers never see table names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from storage.announcements import Announcements
from storage.db import open_database
from storage.diagnostics import Diagnostics
from storage.dialogs import DialogSessions
from storage.outlines import Outlines
from storage.privacy import Privacy
from storage.questions import QuestionLog
from storage.review import Review
from storage.records import ACTOR_FIELDS, INDICATOR_FIELDS, PendingImports, Records
from storage.stats import Counters
from storage.users import Users
from storage.workspaces import Workspaces


@dataclass
class Storage:
    db: sqlite_utils.Database
    users: Users
    questions: QuestionLog
    workspaces: Workspaces
    actors: Records
    indicators: Records
    dialogs: DialogSessions
    outlines: Outlines
    diagnostics: Diagnostics
    review: Review
    privacy: Privacy
    announcements: Announcements
    imports: PendingImports
    stats: Counters

    @classmethod
    def open(cls, path: str | Path) -> "Storage":
        db = open_database(path)
        return cls(
            db=db,
            users=Users(db),
            questions=QuestionLog(db),
            workspaces=Workspaces(db),
            actors=Records(db, "actors", ACTOR_FIELDS, order="lower(name)"),
            indicators=Records(db, "indicators", INDICATOR_FIELDS, order="theme, priority"),
            dialogs=DialogSessions(db),
            outlines=Outlines(db),
            diagnostics=Diagnostics(db),
            review=Review(db),
            privacy=Privacy(db),
            announcements=Announcements(db),
            imports=PendingImports(db),
            stats=Counters(db),
        )

    def close(self) -> None:
        self.db.close()
