"""The typed records storage hands out: one frozen dataclass per kind of row.

Callers read attributes, never column names in strings, and cannot change a
record behind storage's back: a change is a storage call. Columns added by a
later migration arrive with a default, so a record can be built from any row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from domain.statuses import BroadcastStatus, DeliveryStatus, DialogStatus

T = TypeVar("T")


def stored_list(text: str | None) -> tuple[str, ...]:
    """A list as storage writes it, « a;b » (empty: none), read back."""
    return tuple(v.strip() for v in (text or "").split(";") if v.strip())


def from_plain(cls: type[T], values: dict) -> T:
    """A record from its values as JSON gives them back (a document's recipe): its tuples came back as lists."""
    return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in values.items()})


def from_row(cls: type[T], row: dict, **computed: Any) -> T:
    """A record from a row: known columns only, `computed` for what storage decodes itself."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    values = {k: v for k, v in row.items() if k in names}
    values.update(computed)
    return cls(**values)


@dataclass(frozen=True)
class Session:
    """Where a person stands in a dialog; `turn` grows at every move (older buttons are recognised by it)."""

    id: int
    user_id: int
    workspace_id: int | None
    dialog: str
    status: DialogStatus
    step: str
    turn: int
    target_id: int | None
    editing: bool
    updated_at: str = ""  # the last move: a person back after a pause is reminded where they were


@dataclass(frozen=True)
class User:
    id: int
    display_name: str | None = None
    language: str | None = None
    first_seen: str = ""
    last_seen: str = ""
    blocked: bool = False
    muted: bool = False
    erasure_notice_at: str | None = None


@dataclass(frozen=True)
class Workspace:
    """A structure's workspace with its profile; `role` is the reader's own when read for a person."""

    id: int
    name: str | None = None
    structure_type: str | None = None
    region: str | None = None
    purchases_meur: float | None = None
    existing_spaser: str | None = None
    existing_years: str | None = None
    period_start: int | None = None
    period_end: int | None = None
    siret: str | None = None
    profile_done: bool = False
    created_by: int | None = None
    created_at: str = ""
    updated_at: str = ""
    role: str | None = None


@dataclass(frozen=True)
class Member:
    user_id: int
    role: str
    joined_at: str
    display_name: str | None = None


@dataclass(frozen=True)
class Actor:
    """A stakeholder of the map. `axis`: where the plan places it (None: from its themes)."""

    id: int
    workspace_id: int
    name: str
    typology: str | None = None
    description: str | None = None
    contact: str | None = None
    role: str | None = None
    involvement: str | None = None
    themes: tuple[str, ...] = ()
    comment: str | None = None
    axis: str | None = None
    added_by: int | None = None
    created_at: str = ""
    updated_at: str = ""
    version: int = 1


@dataclass(frozen=True)
class Indicator:
    """A line of the indicator grid; the baseline columns are filled by /referentiel, not by the dialog."""

    id: int
    workspace_id: int
    indicator: str
    theme: str | None = None
    sub_theme: str | None = None
    schemes: tuple[str, ...] = ()
    objective: str | None = None
    purchasing_link: str | None = None
    unit: str | None = None
    target: str | None = None
    target_year: int | None = None
    referent: str | None = None
    priority: int | None = None
    axis: str | None = None
    baseline_value: str | None = None
    baseline_year: int | None = None
    baseline_source: str | None = None
    added_by: int | None = None
    created_at: str = ""
    updated_at: str = ""
    version: int = 1


Record = Actor | Indicator


@dataclass(frozen=True)
class PendingImport:
    """An import waiting for its confirmation; `rows` is the plan as staged (added, updated, conflicts)."""

    id: int
    user_id: int
    workspace_id: int
    kind: str
    rows: dict
    created_at: str


@dataclass(frozen=True)
class Diagnostic:
    id: int
    workspace_id: int
    user_id: int | None
    created_at: str
    overall: float
    profile: str
    rubrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Baseline:
    """A workspace's DECP figures as computed (knowledge.baseline), with where they came from."""

    buyer: str
    file: str
    received_on: str
    figures: dict


@dataclass(frozen=True)
class Question:
    id: int
    asked_at: str
    user_id: int | None
    chat_id: int | None
    text: str
    entry_id: str | None
    score: float | None
    outcome: str


@dataclass(frozen=True)
class Feedback:
    id: int
    given_at: str
    user_id: int
    question_id: int
    entry_id: str | None
    helpful: bool


@dataclass(frozen=True)
class Variant:
    """A paraphrase attached to an entry; `source_user_id`: whose words it still is, until rewritten."""

    id: int
    entry_id: str
    text: str
    added_by: int | None = None
    created_at: str = ""
    exported_at: str | None = None
    source_user_id: int | None = None
    edited: bool = False


@dataclass(frozen=True)
class Broadcast:
    """An announcement. `total` and `sent` are filled where progress is read (the animators' list)."""

    id: int
    kind: str
    status: BroadcastStatus
    created_at: str
    author_id: int | None = None
    title: str | None = None
    starts_at: str | None = None
    link: str | None = None
    body: str | None = None
    topics: tuple[str, ...] = ()
    structure_types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    scheduled_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    reported: bool = False
    total: int = 0
    sent: int = 0


@dataclass(frozen=True)
class Delivery:
    id: int
    broadcast_id: int
    user_id: int
    status: DeliveryStatus
    attempts: int = 0
    parts_sent: int = 0
    last_error: str | None = None
    sent_at: str | None = None


@dataclass(frozen=True)
class Reminder:
    """A reminder due, with what it recalls of its broadcast."""

    id: int
    broadcast_id: int
    user_id: int
    remind_at: str
    label: str
    title: str | None
    starts_at: str | None
    link: str | None
    broadcast_status: BroadcastStatus
    sent_at: str | None = None


@dataclass(frozen=True)
class DialogFunnel:
    dialog: str
    started: int
    completed: int
    cancelled: int


@dataclass(frozen=True)
class Statistics:
    """The figures of /stats and `spaser-bot stats`."""

    users: int
    active_7: int
    active_30: int
    questions: int
    answered: int
    suggested: int
    not_covered: int
    helpful: int
    unhelpful: int
    top_entries: list[tuple[str, int]]
    funnel: list[DialogFunnel]
    outlines: int
    workspaces: int
    broadcasts: int
    flood_dropped: int
