"""Announcements in chat: subscribing, composing a broadcast (admins), reminders.

Sending is the broadcaster's job (bot/broadcaster.py), in the Telegram bot
only; here is what people and animators do with their thumbs.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.access import Access
from domain.rules import ANNOUNCEMENT_TOPICS
from domain.statuses import BroadcastStatus
from bot.features.base import Buttons, Command, Feature
from bot.rendering import message, split_html
from bot.replies import Button, Document, Event, Reply
from dialogs.engine import Hooks
from dialogs.inputs import format_moment, parse_id
from domain.clock import now_iso
from storage.rows import Session
from storage.rows import Broadcast
from domain import clock



class AnnouncementsFeature(Feature):
    needs = {
        "abonnements": ("topics",),
        "annonce": ("kind", "title", "starts_at", "link", "body", "topics", "structure_types", "regions"),
        "programmation": ("at",),
    }

    def __init__(self, storage, engine, access: Access, settings):
        self.storage = storage
        self.timezone = ZoneInfo(settings.timezone)
        self.store = storage.announcements
        self.engine = engine
        self.access = access

    def commands(self) -> tuple[Command, ...]:
        return (
            Command("abonnements", "les annonces que vous recevez (webinaires, ressources…)", self.start_subscription),
            Command("annonce", "annoncer un webinaire ou une ressource aux abonnés", self.list, admin=True),
        )

    def buttons(self) -> tuple[Buttons, ...]:
        return (
            Buttons("bc", self.on_button),
            Buttons("sub", lambda event, value: self.unsubscribe(event)),
            Buttons("rem", self.remind_me),
        )

    def dialogs(self) -> dict[str, Hooks]:
        return {
            "abonnements": Hooks(start=self.start_subscription, finish=self.finish_subscription, command="abonnements"),
            "annonce": Hooks(start=self.start_compose, finish=self.finish_compose, command="annonce"),
            "programmation": Hooks(start=self.list, finish=self.finish_schedule, command="annonce"),
        }

    def on_start(self, event: Event) -> list[Reply]:
        return self.opt_in_if_never_asked(event)

    # -- subscriptions ------------------------------------------------------------------

    def opt_in_if_never_asked(self, event: Event) -> list[Reply]:
        """The first /start asks once, in its own message, without blocking anything — where announcements can reach."""
        if not event.capabilities.announcements or self.store.subscription(event.user_id) is not None:
            return []
        if self.engine.sessions.active(event.user_id) is not None:
            return []  # never push aside something the person is doing
        self.store.subscribe(event.user_id, [])  # asked: default no
        return self.engine.begin(event, "abonnements")

    def start_subscription(self, event: Event) -> list[Reply]:
        if not event.capabilities.announcements:
            return [Reply(message("subscriptions_console"))]
        current = self.store.subscription(event.user_id) or []
        return self.engine.begin(event, "abonnements", answers={"topics": current})

    def finish_subscription(self, event: Event, session: Session, answers: dict) -> list[Reply]:
        topics = answers.get("topics") or []
        self.store.subscribe(event.user_id, topics)
        return [Reply(message("subscribed", topics=[ANNOUNCEMENT_TOPICS[t] for t in topics if t in ANNOUNCEMENT_TOPICS]))]

    def unsubscribe(self, event: Event) -> list[Reply]:
        self.store.subscribe(event.user_id, [])
        return [Reply(message("unsubscribed"))]

    # -- composing (admins) ---------------------------------------------------------------

    def list(self, event: Event) -> list[Reply]:
        broadcasts = self.store.recent()
        rows = [(Button("✍️ Nouvelle annonce", "bc:new"),)]
        rows += [
            (Button(f"⏹ Annuler n° {b.id}", f"bc:x:{b.id}"),) for b in broadcasts if b.status in (BroadcastStatus.QUEUED, BroadcastStatus.SENDING)
        ]
        tz = self.timezone
        view = [
            (b, format_moment(datetime.fromisoformat(b.scheduled_at).astimezone(tz).isoformat()) if b.scheduled_at else "")
            for b in broadcasts
        ]
        return [Reply(message("broadcasts", broadcasts=view), tuple(rows))]

    def start_compose(self, event: Event) -> list[Reply]:
        return self.engine.begin(event, "annonce")

    def finish_compose(self, event: Event, session: Session, answers: dict) -> list[Reply]:
        broadcast_id = self.store.create(
            event.user_id, answers["kind"], answers["title"], answers["body"], answers.get("topics") or [],
            link=answers.get("link"), starts_at=answers.get("starts_at"),
            structure_types=answers.get("structure_types") or [], regions=answers.get("regions") or [],
        )
        return self.preview(broadcast_id)

    def preview(self, broadcast_id: int) -> list[Reply]:
        broadcast = self.store.get(broadcast_id)
        count = len(self.store.recipients_of(broadcast))
        shown = announcement_reply(broadcast)
        controls = (
            (Button("📤 Envoyer maintenant", f"bc:go:{broadcast_id}"), Button("🕒 Programmer", f"bc:at:{broadcast_id}")),
            (Button("🗑 Abandonner", f"bc:x:{broadcast_id}"),),
        )
        parts = len(split_html(shown.html))
        return [Reply(message("broadcast_preview_intro", count=count, parts=parts)), shown,
                Reply(message("broadcast_preview_outro", count=count), controls)]

    def finish_schedule(self, event: Event, session: Session, answers: dict) -> list[Reply]:
        broadcast_id = session.target_id
        if broadcast_id is None or not self.store.queue(broadcast_id, _utc(answers["at"])):
            return [Reply(message("broadcast_not_editable"))]
        return [Reply(message("broadcast_scheduled", id=broadcast_id, when=format_moment(answers["at"])))]

    def on_button(self, event: Event, value: str) -> list[Reply]:
        if not self.access.is_admin(event):
            return [Reply(message("admin_only"))]
        action, _, arg = value.partition(":")
        if action == "new":
            return self.start_compose(event)
        broadcast = self.store.get(bid) if (bid := parse_id(arg)) is not None else None
        if broadcast is None:
            return [Reply(message("unknown_button"))]
        if action == "go":
            if not self.store.queue(broadcast.id, now_iso()):
                return [Reply(message("broadcast_not_editable"))]
            # Say what really happens: who can receive it, and which process sends it.
            recipients = len(self.store.recipients_of(broadcast))
            return [Reply(message("broadcast_queued", id=broadcast.id, recipients=recipients,
                                  console=not event.capabilities.announcements))]
        if action == "at":
            if broadcast.status != BroadcastStatus.DRAFT:
                return [Reply(message("broadcast_not_editable"))]
            return self.engine.begin(event, "programmation", target_id=broadcast.id)
        if action == "x":
            stopped = self.store.cancel(broadcast.id)
            return [Reply(message("broadcast_cancelled" if stopped else "broadcast_not_editable", id=broadcast.id))]
        return [Reply(message("unknown_button"))]

    # -- reminders ------------------------------------------------------------------------

    def remind_me(self, event: Event, value: str) -> list[Reply]:
        broadcast = self.store.get(bid) if (bid := parse_id(value)) is not None else None
        # A draft or someone else's announcement is answered like an unknown one: nothing leaks.
        if broadcast is None or not self.store.was_sent_to(broadcast.id, event.user_id):
            return [Reply(message("unknown_button"))]
        if not broadcast.starts_at or broadcast.status == BroadcastStatus.CANCELLED:
            return [Reply(message("reminder_impossible"))]
        starts = datetime.fromisoformat(broadcast.starts_at)
        now = clock.now()
        times = [(label, (starts - delta).astimezone(timezone.utc).isoformat(timespec="seconds"))
                 for label, delta in (("veille", timedelta(days=1)), ("heure", timedelta(hours=1)))
                 if starts - delta > now]
        if not times:
            return [Reply(message("reminder_impossible"))]
        self.store.add_reminders(broadcast.id, event.user_id, times)
        return [Reply(message("reminder_set", labels=[label for label, _ in times]))]


def announcement_reply(broadcast: Broadcast) -> Reply:
    """The announcement exactly as recipients see it: text, one-tap unsubscribe, .ics for a webinar."""
    html = message("announcement", b=broadcast, when=format_moment(broadcast.starts_at) if broadcast.starts_at else "")
    buttons: list[tuple[Button, ...]] = []
    document = None
    if broadcast.kind == "webinaire" and broadcast.starts_at:
        buttons.append((Button("⏰ Me le rappeler", f"rem:{broadcast.id}"),))
        document = Document(f"webinaire-{broadcast.id}.ics", ics(broadcast), caption="Ajoutez-le à votre agenda.")
    buttons.append((Button("🔕 Me désabonner", "sub:off"),))
    return Reply(html, tuple(buttons), document=document)


def ics(broadcast: Broadcast) -> bytes:
    """A one-event calendar (RFC 5545); the hour is indicative: webinars rarely announce an end."""
    start = datetime.fromisoformat(broadcast.starts_at).astimezone(timezone.utc)
    end = start + timedelta(hours=1)

    def text(value: str) -> str:
        return (value or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")

    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Assistant SPASER//FR", "CALSCALE:GREGORIAN", "BEGIN:VEVENT",
        f"UID:webinaire-{broadcast.id}@assistant-spaser",
        f"DTSTAMP:{clock.now():%Y%m%dT%H%M%SZ}",
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}", f"DTEND:{end:%Y%m%dT%H%M%SZ}",
        f"SUMMARY:{text(broadcast.title)}",
        f"DESCRIPTION:{text((broadcast.body or '') + ' ' + (broadcast.link or ''))}",
    ]
    if broadcast.link:
        lines.append(f"URL:{broadcast.link}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a leading space (RFC 5545, 3.1)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _utc(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(timezone.utc).isoformat(timespec="seconds")
