"""One SQLite file, opened in WAL mode, brought up to date before anything runs.

Migrations are ordered, named and transactional (sqlite-utils `Migrations`):
a new schema change is a new function appended at the end, never an edit of
an applied one.
"""

from __future__ import annotations

import itertools
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations
from sqlite_utils.db import dedupe_keys

migrations = Migrations("spaser")
INCREMENTAL = 2  # PRAGMA auto_vacuum value
WAL_LIMIT_BYTES = 4 * 1024 * 1024  # the write-ahead log is cut back to this after a checkpoint


@migrations()
def m001_users(db: sqlite_utils.Database) -> None:
    db["users"].create(
        {
            "id": int,
            "display_name": str,
            "language": str,
            "first_seen": str,
            "last_seen": str,
            "blocked": int,
        },
        pk="id",
        not_null={"first_seen", "last_seen"},
        defaults={"blocked": 0},
    )


@migrations()
def m002_questions_and_feedback(db: sqlite_utils.Database) -> None:
    db["questions"].create(
        {
            "id": int,
            "asked_at": str,
            "user_id": int,
            "chat_id": int,
            "text": str,
            "entry_id": str,
            "score": float,
            "outcome": str,
        },
        pk="id",
        not_null={"asked_at", "text", "outcome"},
    )
    db["questions"].create_index(["user_id"])
    db["questions"].create_index(["asked_at"])
    db["feedback"].create(
        {
            "id": int,
            "given_at": str,
            "user_id": int,
            "question_id": int,
            "entry_id": str,
            "helpful": int,
        },
        pk="id",
        not_null={"given_at", "helpful"},
    )
    # One vote per person and question: a second tap changes the vote.
    db["feedback"].create_index(["user_id", "question_id"], unique=True)


@migrations()
def m003_workspaces_and_dialogs(db: sqlite_utils.Database) -> None:
    """A structure's shared workspace, its members and what they enter; dialog sessions."""
    db["workspaces"].create(
        {
            "id": int,
            "name": str,
            "structure_type": str,
            "region": str,
            "purchases_meur": float,
            "existing_spaser": str,
            "existing_years": str,
            "period_start": int,
            "period_end": int,
            "profile_done": int,
            "created_by": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"created_at", "updated_at"},
        defaults={"profile_done": 0},
    )
    db["members"].create(
        {"workspace_id": int, "user_id": int, "role": str, "joined_at": str},
        pk=("workspace_id", "user_id"),
        foreign_keys=[("workspace_id", "workspaces", "id")],
        not_null={"role", "joined_at"},
    )
    # One workspace per person: every command knows which structure it is about.
    db["members"].create_index(["user_id"], unique=True)
    db["invites"].create(
        {
            "code": str,
            "workspace_id": int,
            "created_by": int,
            "created_at": str,
            "expires_at": str,
            "used_by": int,
            "used_at": str,
        },
        pk="code",
        foreign_keys=[("workspace_id", "workspaces", "id")],
        not_null={"created_at", "expires_at"},
    )
    common = {"id": int, "workspace_id": int}
    audit = {"added_by": int, "created_at": str, "updated_at": str}
    db["actors"].create(
        {
            **common,
            "typology": str,
            "name": str,
            "description": str,
            "contact": str,
            "role": str,
            "involvement": str,
            "themes": str,
            "comment": str,
            **audit,
        },
        pk="id",
        foreign_keys=[("workspace_id", "workspaces", "id")],
        not_null={"name", "created_at", "updated_at"},
    )
    db["actors"].create_index(["workspace_id"])
    db["indicators"].create(
        {
            **common,
            "theme": str,
            "sub_theme": str,
            "schemes": str,
            "objective": str,
            "purchasing_link": str,
            "indicator": str,
            "unit": str,
            "target": str,
            "target_year": int,
            "referent": str,
            "priority": int,
            **audit,
        },
        pk="id",
        foreign_keys=[("workspace_id", "workspaces", "id")],
        not_null={"indicator", "created_at", "updated_at"},
    )
    db["indicators"].create_index(["workspace_id"])
    db["dialog_sessions"].create(
        {
            "id": int,
            "user_id": int,
            "workspace_id": int,
            "dialog": str,
            "status": str,
            "step": str,
            "turn": int,
            "target_id": int,
            "editing": int,
            "started_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"user_id", "dialog", "status", "step", "turn", "started_at", "updated_at"},
        defaults={"turn": 0, "editing": 0},
    )
    db["dialog_sessions"].create_index(["user_id", "status"])
    db["dialog_answers"].create(
        {"session_id": int, "step": str, "value": str, "answered_at": str},
        pk=("session_id", "step"),
        foreign_keys=[("session_id", "dialog_sessions", "id")],
        not_null={"value", "answered_at"},
    )
    db["pending_imports"].create(
        {"id": int, "user_id": int, "workspace_id": int, "kind": str, "rows": str, "created_at": str},
        pk="id",
        not_null={"kind", "rows", "created_at"},
    )


@migrations()
def m004_outlines(db: sqlite_utils.Database) -> None:
    """Every outline generated: statistics count them, /plan remembers the chosen axes."""
    db["outlines"].create(
        {"id": int, "workspace_id": int, "user_id": int, "axes": str, "created_at": str, "actors": int, "indicators": int},
        pk="id",
        not_null={"axes", "created_at"},
    )
    db["outlines"].create_index(["workspace_id"])


@migrations()
def m005_diagnostics(db: sqlite_utils.Database) -> None:
    """Each maturity self-diagnosis taken, with its scores, kept to show progress."""
    db["diagnostics"].create(
        {
            "id": int,
            "workspace_id": int,
            "user_id": int,
            "created_at": str,
            "politique": float,
            "strategie": float,
            "organisation": float,
            "proces": float,
            "impact": float,
            "overall": float,
            "profile": str,
        },
        pk="id",
        not_null={"created_at", "overall", "profile"},
    )
    db["diagnostics"].create_index(["workspace_id"])


@migrations()
def m006_review_and_retention(db: sqlite_utils.Database) -> None:
    """Paraphrases attached by animators, reviewed questions, and what retention needs."""
    db["variants"].create(
        {"id": int, "entry_id": str, "text": str, "added_by": int, "created_at": str, "exported_at": str},
        pk="id",
        not_null={"entry_id", "text", "created_at"},
    )
    db["variants"].create_index(["entry_id", "text"], unique=True)
    db["reviewed_questions"].create(
        {"key": str, "action": str, "entry_id": str, "reviewed_by": int, "reviewed_at": str},
        pk="key",
        not_null={"action", "reviewed_at"},
    )
    db["users"].add_column("erasure_notice_at", str)
    db["meta"].create({"key": str, "value": str}, pk="key")


@migrations()
def m007_announcements(db: sqlite_utils.Database) -> None:
    """Subscriptions, broadcasts, one delivery row per recipient, and webinar reminders."""
    db["subscriptions"].create(
        {"user_id": int, "topics": str, "asked_at": str, "updated_at": str},
        pk="user_id",
        not_null={"topics", "updated_at"},
    )
    db["broadcasts"].create(
        {
            "id": int,
            "author_id": int,
            "kind": str,  # webinaire, ressource, texte
            "title": str,
            "starts_at": str,  # webinars: ISO date-time with offset
            "link": str,
            "body": str,
            "topics": str,
            "structure_types": str,
            "regions": str,
            "status": str,  # draft, queued, sending, done, cancelled
            "scheduled_at": str,
            "created_at": str,
            "started_at": str,
            "finished_at": str,
            "file_id": str,  # the .ics once Telegram has it, reused for every other recipient
            "reported": int,
        },
        pk="id",
        not_null={"kind", "status", "created_at"},
        defaults={"reported": 0},
    )
    db["broadcasts"].create_index(["status"])
    db["deliveries"].create(
        {
            "id": int,
            "broadcast_id": int,
            "user_id": int,
            "status": str,  # pending, sending, sent, blocked, failed, cancelled
            "attempts": int,
            "last_error": str,
            "sent_at": str,
        },
        pk="id",
        foreign_keys=[("broadcast_id", "broadcasts", "id")],
        not_null={"status"},
        defaults={"attempts": 0},
    )
    db["deliveries"].create_index(["broadcast_id", "user_id"], unique=True)
    db["deliveries"].create_index(["broadcast_id", "status"])
    db["reminders"].create(
        {"id": int, "broadcast_id": int, "user_id": int, "remind_at": str, "label": str, "sent_at": str},
        pk="id",
        not_null={"remind_at", "label"},
    )
    db["reminders"].create_index(["broadcast_id", "user_id", "label"], unique=True)
    db["reminders"].create_index(["remind_at"])


@migrations()
def m008_paraphrase_provenance(db: sqlite_utils.Database) -> None:
    """Whose question a paraphrase was, and whether an animator rewrote it: unedited, it is that person's words."""
    db["variants"].add_column("source_user_id", int)
    db["variants"].add_column("edited", int, not_null_default=0)


@migrations()
def m009_muted_users(db: sqlite_utils.Database) -> None:
    """Animators may mute an abusive user: their messages are ignored until unmuted."""
    db["users"].add_column("muted", int, not_null_default=0)


@migrations()
def m010_applied_events(db: sqlite_utils.Database) -> None:
    """Each applied event, so that one offered again after a crash is not applied twice."""
    db["applied_events"].create(
        {"channel": str, "event_id": str, "user_id": int, "applied_at": str, "replies": str},
        pk=("channel", "event_id"),
        not_null={"applied_at", "replies"},
    )
    db["applied_events"].create_index(["applied_at"])
    db["applied_events"].create_index(["user_id"])


@migrations()
def m011_record_versions(db: sqlite_utils.Database) -> None:
    """A counter per mapped actor and indicator, raised at each change, so an import sees a colleague's newer edit."""
    db["actors"].add_column("version", int, not_null_default=1)
    db["indicators"].add_column("version", int, not_null_default=1)


@migrations()
def m012_delivery_parts(db: sqlite_utils.Database) -> None:
    """How many parts of an announcement each recipient already has: a resumed send starts after them."""
    db["deliveries"].add_column("parts_sent", int, not_null_default=0)


@migrations()
def m013_record_axis(db: sqlite_utils.Database) -> None:
    """The axis of the plan each actor and indicator belongs to, as the person chose it at /plan
    (an axis id, « suivi » for the follow-up part); empty: placed from its themes."""
    db["actors"].add_column("axis", str)
    db["indicators"].add_column("axis", str)


@migrations()
def m014_decp_baseline(db: sqlite_utils.Database) -> None:
    """The structure's SIRET in its profile; the baseline computed from its DECP (aggregates only, one per
    workspace); and an indicator's starting value, year and source when taken from that baseline."""
    db["workspaces"].add_column("siret", str)
    db["baselines"].create(
        {"workspace_id": int, "buyer": str, "source": str, "received_on": str, "computed_by": int, "data": str},
        pk="workspace_id",
        not_null={"buyer", "source", "received_on", "data"},
    )
    for column in ("baseline_value", "baseline_year", "baseline_source"):
        db["indicators"].add_column(column, int if column == "baseline_year" else str)


@migrations()
def m015_identities(db: sqlite_utils.Database) -> None:
    """Who a person is on each channel: (channel, address as text) → the internal user.

    A Matrix id (« @agent:agent.tchap.gouv.fr ») is not a number; the people
    already here keep their id and so all their data: a Telegram user is
    « telegram, <their id> », the console's owner « console, '' » and a named
    console person « console, <their name> ».
    """
    db["identities"].create(
        {"channel": str, "address": str, "user_id": int, "created_at": str},
        pk=("channel", "address"),
        not_null={"user_id", "created_at"},
    )
    db["identities"].create_index(["user_id"])
    for user_id, name, first_seen in db.execute("SELECT id, display_name, first_seen FROM users").fetchall():
        if user_id > 0:
            channel, address = "telegram", str(user_id)
        else:
            channel, address = "console", "" if user_id == 0 else " ".join((name or "").casefold().split())
        db.execute(
            "INSERT INTO identities (channel, address, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [channel, address, user_id, first_seen],
        )



@migrations()
def m016_conversations(db: sqlite_utils.Database) -> None:
    """What a messenger without buttons needs to remember across restarts.

    Where a channel's reading of its events stands (a Matrix sync token),
    saved once the events before it are applied; the choices each message
    showed, so that a reaction on it or a number typed after it means the
    same after a restart; and each person's direct room, to write to them.
    """
    db["channel_cursors"].create({"channel": str, "position": str, "saved_at": str}, pk="channel")
    db["shown_choices"].create(
        {"channel": str, "message_id": str, "conversation": str, "buttons": str, "shown_at": str},
        pk=("channel", "message_id"),
        not_null={"conversation", "buttons", "shown_at"},
    )
    db["shown_choices"].create_index(["channel", "conversation", "shown_at"])
    db["direct_rooms"].create(
        {"channel": str, "address": str, "room": str, "user_id": int, "created_at": str},
        pk=("channel", "address"),
        not_null={"room", "user_id", "created_at"},
    )
    db["direct_rooms"].create_index(["user_id"])


@migrations()
def m017_link_codes(db: sqlite_utils.Database) -> None:
    """One-time codes that link a person's accounts on two channels (« /lier »)."""
    db["link_codes"].create(
        {"code": str, "user_id": int, "channel": str, "created_at": str, "expires_at": str},
        pk="code",
        not_null={"user_id", "channel", "created_at", "expires_at"},
    )
    db["link_codes"].create_index(["user_id"])


@migrations()
def m018_spoke_privately(db: sqlite_utils.Database) -> None:
    """When a person first wrote to the assistant in private on a messenger without /start (Tchap):
    what the welcome asks once (the announcements' opt-in) is asked then, even if they first met the
    assistant in a shared room. Those already here count as asked (at their first contact, or on
    Telegram by /start); a link of two accounts keeps the date either had."""
    db["users"].add_column("spoke_privately_at", str)
    db.execute("UPDATE users SET spoke_privately_at = first_seen")


@migrations()
def m019_undelivered_replies(db: sqlite_utils.Database) -> None:
    """Where an applied event's replies go, and whether they are still to be sent.

    Once an update is applied, Telegram no longer offers it, and its replies
    may not be out yet: a crash in between must not lose them, so they are
    sent when the bot starts again. Events applied before this version were answered.
    """
    db["applied_events"].add_column("chat", str)
    db["applied_events"].add_column("undelivered", int, not_null_default=0)
    db.execute("CREATE INDEX applied_events_undelivered ON applied_events (channel) WHERE undelivered = 1")


@migrations()
def m020_received_batches(db: sqlite_utils.Database) -> None:
    """Updates as received, kept until applied: Telegram is told to forget them once they are written here."""
    db["received_batches"].create({"channel": str, "last_id": int, "body": str, "received_at": str},
                                  not_null={"channel", "last_id", "body", "received_at"})
    db["received_batches"].create_index(["channel", "last_id"])


class Database(sqlite_utils.Database):
    """sqlite-utils' database, with less bookkeeping around each statement.

    Every storage method opens an atomic block, and inside an event's
    transaction each one is a savepoint: sqlite-utils names them from the
    system's random source, a system call each, which showed under load.
    A counter names them as uniquely within the connection. And `query()`
    wraps every statement in a savepoint of its own, in case it writes: our
    queries are SELECTs, which run as they are (two statements fewer each).
    """

    _savepoints = itertools.count()

    def query(self, sql: str, params=None):
        if not sql.lstrip()[:6].upper() == "SELECT":
            return super().query(sql, params)
        cursor = self.conn.execute(sql, params if params is not None else ())
        keys = dedupe_keys(d[0] for d in cursor.description)  # as sqlite-utils names repeated columns
        return (dict(zip(keys, row)) for row in cursor)

    def change(self, sql: str, params=None):
        """One writing statement, atomic on its own.

        Inside a transaction a failed statement undoes itself alone, so the
        savepoint `atomic()` would open around it (two statements more, on
        every event) buys nothing; outside one, it commits as `atomic()` does.
        """
        if self.conn.in_transaction:
            return self.conn.execute(sql, params if params is not None else ())
        with self.atomic():
            return self.conn.execute(sql, params if params is not None else ())

    @contextmanager
    def atomic(self):
        if not self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        savepoint = f"spaser_{next(self._savepoints)}"
        self.conn.execute(f"SAVEPOINT {savepoint};")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:  # an error may have ended the whole transaction already
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint};")
                self.conn.execute(f"RELEASE SAVEPOINT {savepoint};")
            raise
        else:
            self.conn.execute(f"RELEASE SAVEPOINT {savepoint};")


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database file at `path`."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    db.execute("PRAGMA busy_timeout = 5000")
    pending = migrations.pending(db) if str(path) != ":memory:" and db.table_names() else []
    if pending:
        # An upgrade: keep the database as it was, to roll back to with the
        # previous version of the software.
        backup(db, upgrade_backup_path(Path(path), pending[0].name))
    if db.execute("PRAGMA auto_vacuum").fetchone()[0] != INCREMENTAL:
        # Freed pages can be given back (staged imports weigh megabytes); an
        # existing file needs one VACUUM for the mode to take effect.
        db.execute(f"PRAGMA auto_vacuum = {INCREMENTAL}")
        if db.table_names():
            db.execute("VACUUM")
    if str(path) != ":memory:":
        db.enable_wal()
        db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
        # WAL makes NORMAL durable against process crashes; only a power cut
        # could lose the very last transactions.
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    # Erased rows are overwritten on disk, not merely unlinked (/oublier).
    db.execute("PRAGMA secure_delete = ON")
    migrations.apply(db)
    return db


class FreedPages:
    """Rows deleted in bulk (an erasure, expired imports): their pages leave the files once committed.

    An erasure must not stay readable in the write-ahead log, and megabytes of
    staged imports must not stay in the file. Neither can be done inside a
    transaction: marked there, it is done when `Storage.transaction` commits.
    """

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.due = False

    def mark(self) -> None:
        self.due = True
        self.release()

    def release(self) -> None:
        """Give the pages back and copy the log into the file; waits while a transaction is open."""
        if not self.due or self.db.conn.in_transaction:
            return
        # One page per step, and a cursor steps only once over a statement without columns:
        # executescript steps it to the end.
        self.db.conn.executescript("PRAGMA incremental_vacuum;")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.due = False


def upgrade_backup_path(path: Path, first_pending: str) -> Path:
    """« spaser.db » → « spaser.avant-m013_x-20261202T181500.db », beside it."""
    from datetime import datetime

    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    return path.with_name(f"{path.stem}.avant-{first_pending}-{stamp}{path.suffix or '.db'}")


def backup(db: sqlite_utils.Database, target: Path) -> Path:
    """A consistent copy of a live database (SQLite's online backup), checked before it is trusted.

    Writers may go on meanwhile; the copy is the database as of one moment.
    An existing file is never overwritten: a backup must not destroy another.
    """
    import sqlite3

    target = Path(target)
    if target.exists():
        raise FileExistsError(f"{target} existe déjà")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partiel")
    partial.unlink(missing_ok=True)
    copy = sqlite3.connect(partial)
    try:
        db.conn.backup(copy)
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise sqlite3.DatabaseError(f"la copie ne passe pas le contrôle d'intégrité : {verdict}")
    partial.rename(target)  # only a whole, checked copy bears the name asked for
    return target


def open_read_only(path: str | Path) -> sqlite_utils.Database | None:
    """Open an existing database without writing to it; None if there is none."""
    path = Path(path)
    if not path.is_file():
        return None
    import sqlite3

    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    return sqlite_utils.Database(conn)


def cannot_write(error: sqlite3.OperationalError) -> bool:
    """A full disk, a read-only file or a locked database: the operator's problem, not the person's."""
    text = str(error).lower()
    return any(sign in text for sign in ("disk is full", "readonly", "read-only", "disk i/o", "locked"))
