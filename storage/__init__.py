"""SQLite storage behind intention-named methods; callers never see table names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from storage.announcements import Announcements
from storage.baselines import Baselines
from storage.conversations import Conversations
from storage.db import FreedPages, open_database
from storage.diagnostics import Diagnostics
from storage.dialogs import DialogSessions
from storage.events import AppliedEvents
from storage.faults import crash_point
from storage.identities import Identities
from storage.linking import Linking
from storage.outlines import Outlines
from storage.privacy import Privacy
from storage.questions import QuestionLog
from storage.received import ReceivedBatches
from storage.review import Review
from storage.rows import Actor, Indicator
from storage.records import ACTOR_FIELDS, INDICATOR_FIELDS, PendingImports, Records
from storage.stats import Counters
from storage.users import Users
from storage.workspaces import Workspaces


@dataclass
class Storage:
    db: sqlite_utils.Database
    users: Users
    identities: Identities
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
    events: AppliedEvents
    received: ReceivedBatches
    baselines: Baselines
    conversations: Conversations
    linking: Linking
    freed: FreedPages  # shared by erasure and imports: given back when an event commits

    @classmethod
    def open(cls, path: str | Path) -> "Storage":
        db = open_database(path)
        freed = FreedPages(db)
        return cls(
            db=db,
            users=Users(db),
            identities=Identities(db),
            questions=QuestionLog(db),
            workspaces=Workspaces(db),
            actors=Records(db, "actors", Actor, ACTOR_FIELDS, order="lower(name)"),
            indicators=Records(db, "indicators", Indicator, INDICATOR_FIELDS, order="theme, priority"),
            dialogs=DialogSessions(db),
            outlines=Outlines(db),
            diagnostics=Diagnostics(db),
            review=Review(db),
            privacy=Privacy(db, freed),
            announcements=Announcements(db),
            imports=PendingImports(db, freed),
            stats=Counters(db),
            events=AppliedEvents(db),
            received=ReceivedBatches(db),
            baselines=Baselines(db),
            conversations=Conversations(db),
            linking=Linking(db),
            freed=freed,
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One event, one transaction: everything it changes commits together, or nothing does.

        Storage methods open their own blocks with `db.atomic()`; inside this one
        they become savepoints, so a step that fails alone (a question log on a
        full disk) is undone alone while the rest of the event goes on.
        """
        with self.db.atomic():
            yield
        crash_point("event-committed")
        self.freed.release()

    def close(self) -> None:
        self.db.close()
