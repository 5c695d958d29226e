"""SQLite storage behind intention-named methods; callers never see table names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from storage.db import open_database
from storage.questions import QuestionLog
from storage.users import Users


@dataclass
class Storage:
    db: sqlite_utils.Database
    users: Users
    questions: QuestionLog

    @classmethod
    def open(cls, path: str | Path) -> "Storage":
        db = open_database(path)
        return cls(db=db, users=Users(db), questions=QuestionLog(db))

    def close(self) -> None:
        self.db.close()
