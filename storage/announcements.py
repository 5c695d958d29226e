"""Subscriptions, broadcasts and their deliveries, reminders — the announcements' storage.

A broadcast's recipients are written as delivery rows, all of them, before
the first message goes out; each success is recorded as it happens. After
a crash, whatever is still `pending` is sent: nobody is skipped, and only
messages that were in flight at the crash can arrive twice.
"""

from __future__ import annotations

import sqlite_utils

from domain.rules import ANNOUNCEMENT_TOPICS
from domain.clock import now_iso
from domain.statuses import BroadcastStatus, DeliveryStatus
from storage.rows import Broadcast, Delivery, Reminder, from_row, stored_list
from storage.privacy import ERASURE_HOOKS
from storage.retention import PURGE_HOOKS

TOPICS = tuple(ANNOUNCEMENT_TOPICS)
FINAL = (BroadcastStatus.DONE, BroadcastStatus.CANCELLED)


class Announcements:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    # -- subscriptions ------------------------------------------------------------

    def subscription(self, user_id: int) -> list[str] | None:
        """The topics someone follows; None if they were never asked."""
        row = self.db.execute("SELECT topics FROM subscriptions WHERE user_id = ?", [user_id]).fetchone()
        return None if row is None else list(stored_list(row[0]))

    def subscribe(self, user_id: int, topics: list[str]) -> None:
        now = now_iso()
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO subscriptions (user_id, topics, asked_at, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET topics = excluded.topics, updated_at = excluded.updated_at",
                [user_id, ";".join(t for t in TOPICS if t in topics), now, now],
            )

    def recipients_of(self, broadcast: Broadcast) -> list[int]:
        """Who a broadcast goes to, from its stored audience (the preview counts the same people)."""
        return self.recipients(list(broadcast.topics), list(broadcast.structure_types), list(broadcast.regions))

    def recipients(self, topics: list[str], structure_types: list[str], regions: list[str]) -> list[int]:
        """Subscribed to one of the topics, not blocked, and matching the profile filters if any."""
        sql = (
            "SELECT s.user_id FROM subscriptions s JOIN users u ON u.id = s.user_id "
            "LEFT JOIN members m ON m.user_id = s.user_id LEFT JOIN workspaces w ON w.id = m.workspace_id "
            "WHERE u.blocked = 0 AND s.user_id != 0 AND ("
            + " OR ".join("(';' || s.topics || ';') LIKE ?" for _ in topics)
            + ")"
        )
        params: list = [f"%;{t};%" for t in topics]
        if structure_types:
            sql += f" AND w.structure_type IN ({', '.join('?' for _ in structure_types)})"
            params += structure_types
        if regions:
            sql += f" AND w.region IN ({', '.join('?' for _ in regions)})"
            params += regions
        if not topics:
            return []
        return [r[0] for r in self.db.execute(sql + " ORDER BY s.user_id", params).fetchall()]

    # -- broadcasts -----------------------------------------------------------------

    def create(self, author_id: int | None, kind: str, title: str, body: str, topics: list[str], *,
               link: str | None = None, starts_at: str | None = None, structure_types=(), regions=(),
               status: BroadcastStatus = BroadcastStatus.DRAFT, scheduled_at: str | None = None) -> int:
        with self.db.atomic():
            cur = self.db.execute(
                "INSERT INTO broadcasts (author_id, kind, title, starts_at, link, body, topics, structure_types, regions, "
                "status, scheduled_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [author_id, kind, title, starts_at, link, body, ";".join(topics), ";".join(structure_types),
                 ";".join(regions), status, scheduled_at, now_iso()],
            )
        return cur.lastrowid

    def get(self, broadcast_id: int) -> Broadcast | None:
        rows = list(self.db.query("SELECT * FROM broadcasts WHERE id = ?", [broadcast_id]))
        return _broadcast(rows[0]) if rows else None

    def recent(self, limit: int = 8) -> list[Broadcast]:
        """The latest broadcasts past their draft, with their progress (`total`, `sent`)."""
        return [_broadcast(row) for row in self.db.query(
            "SELECT b.*, "
            "(SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id) AS total, "
            "(SELECT COUNT(*) FROM deliveries d WHERE d.broadcast_id = b.id AND d.status = ?) AS sent "
            "FROM broadcasts b WHERE b.status != ? ORDER BY b.id DESC LIMIT ?",
            [DeliveryStatus.SENT, BroadcastStatus.DRAFT, limit])]

    def queue(self, broadcast_id: int, scheduled_at: str) -> bool:
        with self.db.atomic():
            cur = self.db.execute(
                "UPDATE broadcasts SET status = ?, scheduled_at = ? WHERE id = ? AND status IN (?, ?)",
                [BroadcastStatus.QUEUED, scheduled_at, broadcast_id, BroadcastStatus.DRAFT, BroadcastStatus.QUEUED],
            )
        return cur.rowcount == 1

    def cancel(self, broadcast_id: int) -> bool:
        """Cancel a scheduled broadcast or stop one in progress: pending deliveries are dropped."""
        with self.db.atomic():
            cur = self.db.execute(
                "UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ? AND status NOT IN (?, ?)",
                [BroadcastStatus.CANCELLED, now_iso(), broadcast_id, *FINAL],
            )
            self.db.execute(
                "UPDATE deliveries SET status = ? WHERE broadcast_id = ? AND status = ?",
                [DeliveryStatus.CANCELLED, broadcast_id, DeliveryStatus.PENDING],
            )
        return cur.rowcount == 1

    def status(self, broadcast_id: int) -> BroadcastStatus | None:
        row = self.db.execute("SELECT status FROM broadcasts WHERE id = ?", [broadcast_id]).fetchone()
        return BroadcastStatus(row[0]) if row else None

    def due(self, now: str) -> list[Broadcast]:
        """Broadcasts to work on: in progress (a restart resumes them), or queued and due."""
        return [_broadcast(row) for row in self.db.query(
            "SELECT * FROM broadcasts WHERE status = ? OR (status = ? AND scheduled_at <= ?) ORDER BY id",
            [BroadcastStatus.SENDING, BroadcastStatus.QUEUED, now])]

    def start(self, broadcast: Broadcast) -> int:
        """Write one delivery row per recipient, then mark the broadcast as sending; returns the count."""
        recipients = self.recipients_of(broadcast)
        with self.db.atomic():
            self.db.conn.executemany(
                "INSERT INTO deliveries (broadcast_id, user_id, status, attempts) VALUES (?, ?, ?, 0) "
                "ON CONFLICT(broadcast_id, user_id) DO NOTHING",
                [(broadcast.id, user_id, DeliveryStatus.PENDING) for user_id in recipients],
            )
            self.db.execute(
                "UPDATE broadcasts SET status = ?, started_at = COALESCE(started_at, ?) WHERE id = ? AND status = ?",
                [BroadcastStatus.SENDING, now_iso(), broadcast.id, BroadcastStatus.QUEUED],
            )
        return len(recipients)

    def was_sent_to(self, broadcast_id: int, user_id: int) -> bool:
        """Whether this person received this announcement: only they may ask for its reminder."""
        row = self.db.execute(
            "SELECT 1 FROM deliveries WHERE broadcast_id = ? AND user_id = ? AND status = ?",
            [broadcast_id, user_id, DeliveryStatus.SENT],
        ).fetchone()
        return row is not None

    def claim(self, delivery_id: int) -> bool:
        """Take a pending delivery for sending; False if it is no longer pending (sent, cancelled, taken)."""
        with self.db.atomic():
            cur = self.db.execute(
                "UPDATE deliveries SET status = ? WHERE id = ? AND status = ?",
                [DeliveryStatus.SENDING, delivery_id, DeliveryStatus.PENDING],
            )
        return cur.rowcount == 1

    def release(self, delivery_id: int) -> None:
        """A claimed delivery that must wait (flood control, network): pending again, its sent parts kept."""
        with self.db.atomic():
            self.db.execute("UPDATE deliveries SET status = ? WHERE id = ? AND status = ?",
                            [DeliveryStatus.PENDING, delivery_id, DeliveryStatus.SENDING])

    def part_sent(self, delivery_id: int, parts: int) -> None:
        """Written after each part reaches Telegram: after a crash, only the part in flight can come twice."""
        with self.db.atomic():
            self.db.execute("UPDATE deliveries SET parts_sent = ? WHERE id = ?", [parts, delivery_id])

    def reclaim(self, broadcast_id: int) -> int:
        """At the start of a send: deliveries claimed by a process that died go back to pending.

        Only one bot runs on a database (the file lock), so a claim older than this
        send can only be a dead process's.
        """
        with self.db.atomic():
            return self.db.execute(
                "UPDATE deliveries SET status = ? WHERE broadcast_id = ? AND status = ?",
                [DeliveryStatus.PENDING, broadcast_id, DeliveryStatus.SENDING],
            ).rowcount

    def pending(self, broadcast_id: int, limit: int) -> list[Delivery]:
        return [from_row(Delivery, row, status=DeliveryStatus(row["status"])) for row in self.db.query(
            "SELECT * FROM deliveries WHERE broadcast_id = ? AND status = ? ORDER BY id LIMIT ?",
            [broadcast_id, DeliveryStatus.PENDING, limit])]

    def record(self, delivery_id: int, status: DeliveryStatus, error: str | None = None) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ?, "
                "sent_at = CASE WHEN ? = ? THEN ? ELSE sent_at END WHERE id = ?",
                [status, error, status, DeliveryStatus.SENT, now_iso(), delivery_id],
            )

    def retry_later(self, delivery_id: int, error: str) -> int:
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ? WHERE id = ?", [error, delivery_id]
            )
        return self.db.execute("SELECT attempts FROM deliveries WHERE id = ?", [delivery_id]).fetchone()[0]

    def finish(self, broadcast_id: int) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ? AND status = ?",
                [BroadcastStatus.DONE, now_iso(), broadcast_id, BroadcastStatus.SENDING],
            )

    def counts(self, broadcast_id: int) -> dict[str, int]:
        return dict(self.db.execute(
            "SELECT status, COUNT(*) FROM deliveries WHERE broadcast_id = ? GROUP BY status", [broadcast_id]).fetchall())

    def unreported(self) -> list[Broadcast]:
        return [_broadcast(row) for row in self.db.query(
            "SELECT * FROM broadcasts WHERE status IN (?, ?) AND reported = 0 AND started_at IS NOT NULL", list(FINAL))]

    def mark_reported(self, broadcast_id: int) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE broadcasts SET reported = 1 WHERE id = ?", [broadcast_id])

    # -- reminders ------------------------------------------------------------------

    def add_reminders(self, broadcast_id: int, user_id: int, times: list[tuple[str, str]]) -> int:
        with self.db.atomic():
            added = 0
            for label, at in times:
                added += self.db.execute(
                    "INSERT INTO reminders (broadcast_id, user_id, remind_at, label) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(broadcast_id, user_id, label) DO NOTHING",
                    [broadcast_id, user_id, at, label],
                ).rowcount
        return added

    def due_reminders(self, now: str, limit: int = 100) -> list[Reminder]:
        return [from_row(Reminder, row, broadcast_status=BroadcastStatus(row["broadcast_status"])) for row in self.db.query(
            "SELECT r.*, b.title, b.starts_at, b.link, b.status AS broadcast_status FROM reminders r "
            "JOIN broadcasts b ON b.id = r.broadcast_id WHERE r.sent_at IS NULL AND r.remind_at <= ? "
            "ORDER BY r.remind_at LIMIT ?", [now, limit])]

    def reminder_sent(self, reminder_id: int) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE reminders SET sent_at = ? WHERE id = ?", [now_iso(), reminder_id])


def _broadcast(row: dict) -> Broadcast:
    """Lists (topics, filters) decoded from « a;b », a format only storage knows."""
    return from_row(Broadcast, row, status=BroadcastStatus(row["status"]), topics=stored_list(row["topics"]),
                    structure_types=stored_list(row["structure_types"]), regions=stored_list(row["regions"]),
                    reported=bool(row["reported"]))


def _forget(db: sqlite_utils.Database, user_id: int) -> None:
    """Erasure: their subscription, deliveries and reminders go; broadcasts they wrote stay, unsigned."""
    db.execute("DELETE FROM subscriptions WHERE user_id = ?", [user_id])
    db.execute("DELETE FROM deliveries WHERE user_id = ?", [user_id])
    db.execute("DELETE FROM reminders WHERE user_id = ?", [user_id])
    db.execute("UPDATE broadcasts SET author_id = NULL WHERE author_id = ?", [user_id])


def _purge(db: sqlite_utils.Database, cutoff: str) -> int:
    """Retention: delivery records of broadcasts finished before the cutoff."""
    return db.execute(
        "DELETE FROM deliveries WHERE broadcast_id IN (SELECT id FROM broadcasts WHERE finished_at < ?)", [cutoff]
    ).rowcount


ERASURE_HOOKS.append(_forget)
PURGE_HOOKS.append(_purge)
