"""The one dialog engine: every guided, multi-step flow of the assistant runs on it.

A dialog is a YAML definition (dialogs/definitions/); a session is one person
going through it, stored in SQLite at every step. The engine decides which
step comes next (conditions on earlier answers), validates what is typed,
offers « ◀ Retour », « Passer » and « Annuler » on every step, ends with a
summary where each answer can be changed, and hands the validated answers to
the feature that started the dialog.

The engine shows nothing itself: it returns views (dialogs/views.py) that a
channel renders, and takes typed actions that a channel decodes. Choices carry
the session and its turn; one from an older turn is refused politely and the
current step shown again, so a double tap or an old message can never answer
the wrong question. What a feature's hooks return passes through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from dialogs.definitions import Dialog, Step
from dialogs.inputs import (
    InputError,
    format_value,
    parse_date,
    parse_datetime,
    parse_id,
    parse_number,
    parse_text,
    parse_yesno,
)
from dialogs.views import Act, Action, Choice, View, lead, notice
from domain import clock
from domain.statuses import DialogStatus
from domain.text import fold, label_key
from storage.dialogs import DialogSessions
from storage.rows import Session
from storage.faults import crash_point

SUMMARY = "__summary__"
MORE = "more:"  # « ajouter un autre ? » after an item of a list step
# A typed label this close to a button label (rapidfuzz ratio) chooses it.
TYPO_SCORE = 85
# Past this, or after a restart, a person's next message is not taken as an answer unless it plainly is one.
PAUSE = timedelta(minutes=30)
WHICH = "_which"  # draft key: the numeric step asked which of a number or a button was meant
TYPED_KINDS = ("number", "date", "datetime", "yesno")  # steps whose typed answer is parsed, not free text
QUESTION_WORDS = ("comment", "pourquoi", "quand", "quel", "quelle", "quels", "quelles", "qui", "combien", "est-ce", "c'est quoi", "que ", "qu'est")


class Person(Protocol):
    """Whoever acts: the channel's event; the engine reads whose sessions, and hands it to the hooks."""

    user_id: int


Out = Any  # a View, a Notice, or whatever a feature's hook returned (passed through)


class StillOpen(Exception):
    """Raised by a finish hook that cannot do its work (a full list): the dialog stays open at its summary."""

    def __init__(self, note: str):
        super().__init__(note)
        self.note = note


@dataclass(frozen=True)
class Hooks:
    """What a feature provides for its dialog: how to (re)start it and what validation does."""

    start: Callable[[Person], list]
    finish: Callable[[Person, Session, dict], list]
    command: str  # the command that opens it, named in messages
    # How to come back to it, when the command alone does not (« /cartographie, puis ➕ Ajouter un acteur »).
    resume: str | None = None
    # Checks across answers before validation (a period that ends before it
    # starts, a move to an axis that does not exist); a French message sends
    # the person back to the step or the summary. The session says whose data.
    check: Callable[[dict, Session], str | None] | None = None
    # What the person needs in view to answer a step, computed from their data
    # (at /plan, where each actor and indicator currently stands), as the channel shows it.
    context: Callable[[Session, str, dict], Any] | None = None


class DialogEngine:
    def __init__(self, dialogs: dict[str, Dialog], sessions: DialogSessions, timezone: str = "Europe/Paris"):
        self.dialogs = dialogs
        self.sessions = sessions
        self.timezone = ZoneInfo(timezone)
        self.hooks: dict[str, Hooks] = {}
        self.started = clock.now().replace(microsecond=0)  # stored times have whole seconds

    def register(self, dialog_id: str, hooks: Hooks) -> None:
        if dialog_id not in self.dialogs:
            raise KeyError(f"no dialog definition for {dialog_id!r}")
        self.hooks[dialog_id] = hooks

    # -- starting -----------------------------------------------------------------

    def begin(
        self,
        event: Person,
        dialog_id: str,
        *,
        workspace_id: int | None = None,
        answers: dict | None = None,
        target_id: int | None = None,
        at_summary: bool = False,
    ) -> list[Out]:
        """Start a dialog; with `at_summary`, open straight on the summary of `answers` (editing)."""
        dialog = self.dialogs[dialog_id]
        header: list[str] = []
        previous = self.sessions.active(event.user_id)
        if previous is not None and previous.dialog != dialog_id:
            other = self.dialogs.get(previous.dialog)
            if other is not None and not other.passive:
                header.append(lead("dialog_set_aside", title=other.title, command=self._command(previous)))
        answers = dict(answers or {})
        first = SUMMARY if at_summary else self._next(dialog, answers, None)
        session = self.sessions.start(event.user_id, workspace_id, dialog_id, first, target_id, answers)
        if not at_summary and dialog.intro:
            header.append(lead("dialog_intro", title=dialog.title, intro=dialog.intro))
        return header + self.show(session)

    def open(self, event: Person, dialog_id: str) -> list[Out]:
        """What a command opening a dialog does: offer to resume an unfinished one, else start it."""
        offer = self.offer_resume(event, dialog_id)
        return offer if offer is not None else self.hooks[dialog_id].start(event)

    def offer_resume(self, event: Person, dialog_id: str) -> list[Out] | None:
        """If this dialog was left unfinished, offer « Reprendre » or « Recommencer »."""
        session = self.sessions.active(event.user_id)
        if session is None or session.dialog != dialog_id:
            session = self.sessions.unfinished(event.user_id, dialog_id)
        if session is None:
            return None
        dialog = self.dialogs[dialog_id]
        answered = len([k for k, v in self.sessions.answers(session.id).items() if dialog.step(k)])
        choices = (Choice("▶️ Reprendre", Action(Act.RESUME)), Choice("🔄 Recommencer", Action(Act.RESTART)))
        return [View(session.id, None, "dialog_resume_offer", {"title": dialog.title, "answered": answered},
                     rows=(choices,))]

    def pending(self, user_id: int) -> Session | None:
        """The dialog that holds the person's typed text, if any (a passive one never does)."""
        session = self.sessions.active(user_id)
        return None if session is None or self.is_passive(session) else session

    def is_passive(self, session: Session) -> bool:
        return bool(self.dialogs.get(session.dialog) and self.dialogs[session.dialog].passive)

    # -- showing ------------------------------------------------------------------

    def show(self, session: Session, *, note: str | None = None, edit: bool = False) -> list[Out]:
        dialog = self.dialogs[session.dialog]
        answers = self.sessions.answers(session.id)
        if session.step == SUMMARY:
            return [self._summary(session, dialog, answers, note)]
        if session.step.startswith(MORE):
            step = dialog.step(session.step[len(MORE):])
            items = answers.get(step.id) or []
            values = {"item": items[-1] if items else "", "count": len(items), "label": step.label}
            yes_no = (Choice("✅ Oui", Action(Act.YES)), Choice("Non, c'est tout", Action(Act.NO)))
            return [View(session.id, session.turn, "dialog_more", values, rows=(yes_no,),
                         navigation=self._nav(step, back=False))]
        step = dialog.step(session.step)
        if step.kind == "number" and answers.get(WHICH):
            return [self._which_prompt(session, dialog, step, answers)]
        applicable = self._applicable(dialog, answers)
        position = next((i for i, s in enumerate(applicable, 1) if s.id == step.id), 1)
        current = answers.get(step.id)
        options: list[Choice] = []
        rows: list[tuple[Choice, ...]] = []
        if step.kind == "choice":
            options = [Choice(c.label, Action(Act.CHOOSE, i)) for i, c in enumerate(step.choices)]
        elif step.kind == "multi":
            selected = set(current or [])
            options = [
                Choice(("✅ " if c.value in selected else "▫️ ") + c.label, Action(Act.TOGGLE, i))
                for i, c in enumerate(step.choices)
            ]
            rows.append((Choice(f"Valider la sélection ({len(selected)})", Action(Act.CONFIRM)),))
        elif step.kind == "yesno":
            rows.append((Choice("Oui", Action(Act.YES)), Choice("Non", Action(Act.NO))))
        elif step.kind == "list" and current:
            rows.append((Choice("Terminer la liste", Action(Act.NO)),))
        for index, suggestion in enumerate(step.suggestions_for(answers)):
            rows.append((Choice(suggestion, Action(Act.SUGGESTION, index)),))
        if step.kind in ("text", "number", "date", "datetime") and current not in (None, ""):
            rows.append((Choice("Garder la réponse actuelle", Action(Act.KEEP)),))
        hooks = self.hooks.get(session.dialog)
        context = hooks.context(session, step.id, answers) if hooks and hooks.context else None
        values = {
            "context": context,
            "title": dialog.title,
            "position": position,
            "total": len(applicable),
            "step": step,
            "current": format_value(step, current) if current not in (None, "", []) and step.kind != "multi" else None,
        }
        navigation = self._nav(step, back=position > 1 or session.editing)
        return [View(session.id, session.turn, "dialog_step", values, note=note, options=tuple(options),
                     rows=tuple(rows), navigation=navigation, edit=edit)]

    def _summary(self, session: Session, dialog: Dialog, answers: dict, note: str | None) -> View:
        items = [(s, format_value(s, answers.get(s.id))) for s in self._applicable(dialog, answers)]
        edits = tuple(Choice(f"✏️ {s.label}", Action(Act.EDIT, dialog.index(s.id))) for s, _ in items)
        finish = (Choice("✅ Valider", Action(Act.VALIDATE)), Choice("Annuler", Action(Act.CANCEL)))
        return View(session.id, session.turn, "dialog_summary", {"title": dialog.title, "items": items}, note=note,
                    options=edits, rows=(finish,))

    # -- input --------------------------------------------------------------------

    def on_text(self, event: Person, session: Session, text: str) -> list[Out] | None:
        """Typed text as the answer to the current step; None if it is not one (a question, say)."""
        dialog = self.dialogs[session.dialog]
        typed = self._typed_buttons(event, session, dialog, text)
        if typed is not None:
            return typed
        if session.step == SUMMARY:
            return None
        if session.step.startswith(MORE):
            step = dialog.step(session.step[len(MORE):])
            try:
                yes = parse_yesno(text)
            except InputError:
                return self._add_item(event, session, dialog, step, text)
            return self._more(event, session, dialog, step, yes)
        step = dialog.step(session.step)
        self._forget_which(session)  # a typed value answers the question asked
        try:
            if step.kind == "text":
                value, shortened = parse_text(text, step)
                note = notice("dialog_shortened", limit=step.max_length) if shortened else None
                return self._advance(event, session, dialog, step, value, note=note, echo=True)
            if step.kind in TYPED_KINDS:
                return self._advance(event, session, dialog, step, self._parse(step, text), echo=True)
            if step.kind == "list":
                return self._add_item(event, session, dialog, step, text)
            if step.kind in ("choice", "multi"):
                return None  # neither a number nor a label of its buttons
        except InputError as error:
            if looks_like_question(text):
                return None
            return self.show(session, note=str(error))
        return None

    def after_a_pause(self, session: Session, sent_at: datetime | None = None) -> bool:
        """Whether the person left the step a while ago, or the bot restarted since.

        When the messenger says when the message was sent (`sent_at`), that alone decides: a
        restart of the bot is no pause for the person, who typed their answer right after the step.
        """
        if not session.updated_at:
            return False
        moved = datetime.fromisoformat(session.updated_at)
        if sent_at is not None:
            return sent_at - moved > PAUSE
        return moved < self.started or clock.now() - moved > PAUSE

    def takes_any_text(self, session: Session) -> bool:
        if session.step == SUMMARY:
            return False
        name = session.step[len(MORE):] if session.step.startswith(MORE) else session.step
        return self.dialogs[session.dialog].step(name).kind in ("text", "list")

    def plainly_answers(self, session: Session, text: str) -> bool:
        """Whether typed text is unmistakably an answer to the step (a button, a number, a date…).

        After a pause or a restart, anything else (« bonjour ») is not taken as an answer.
        """
        dialog = self.dialogs[session.dialog]
        if self._resolve(session, dialog, text) is not None:
            return True
        step = _plain_step(session, dialog)
        if step is None or step.kind not in TYPED_KINDS:
            return False
        try:
            self._parse(step, text)
        except InputError:
            return False
        return True

    def _parse(self, step: Step, text: str):
        """A typed number, date, date and time, or yes/no; InputError says what is wrong."""
        if step.kind == "number":
            return parse_number(text, step)
        if step.kind == "date":
            return parse_date(text)
        if step.kind == "datetime":
            return parse_datetime(text, self.timezone, future=step.future)
        return parse_yesno(text)

    def _forget_which(self, session: Session) -> None:
        if self.sessions.answers(session.id).get(WHICH):
            self.sessions.put(session, WHICH, None)

    def _resolve(self, session: Session, dialog: Dialog, text: str) -> list[Choice] | None:
        """The choices typed text names: « 2 », « 6,7 », « nouvelle aquitaine », « oui ».

        Numbers count the choices of the step's view from 1. Labels forgive case,
        accents, hyphens and, where the step offers only choices, small typos.
        """
        buttons = self.show(session)[-1].choices()
        step = _plain_step(session, dialog)
        only_buttons = step is None or step.kind in ("choice", "multi", "yesno")
        parts = [text.strip()]
        if step is not None and step.kind == "multi" and _label_match(text.strip(), buttons, fuzzy=False) is None:
            # « 6,7 » or « Social, Économique » — but « Alimentation durable, bio et
            # circuits courts » is one label with commas in it.
            parts = [p.strip() for p in re.split(r"[,;]", text)]
        found = []
        for part in parts:
            if not part:
                continue
            number = parse_id(part)
            if number is not None:
                if not 1 <= number <= len(buttons):
                    return None
                button = buttons[number - 1]
                if not only_buttons and button.action.act.navigates:
                    return None  # « 3 » at a free-text step is an answer, never « Annuler »
                found.append(button)
                continue
            match = _label_match(part, buttons, fuzzy=only_buttons)
            if match is None and step is None and _is_yes(part):
                match = next((b for b in buttons if b.action.act in (Act.VALIDATE, Act.YES)), None)
            if match is None:
                return None
            found.append(match)
        return found or None

    def _typed_buttons(self, event: Person, session: Session, dialog: Dialog, text: str) -> list[Out] | None:
        found = self._resolve(session, dialog, text)
        if not found:
            return None
        step = _plain_step(session, dialog)
        number = parse_id(text.strip())
        asked = bool(self.sessions.answers(session.id).get(WHICH))
        if step is not None and step.kind == "number" and number is not None and not asked:
            return self._which_was_meant(session, step, text.strip(), found[0])
        if step is not None and step.kind == "multi" and len(found) > 1:
            if not all(choice.action.act is Act.TOGGLE for choice in found):
                return self.show(session, note=notice("dialog_multi_parts"))
            # « 6,7 » does what « 6 » then « 7 » would, stored in one write
            selected = list(self.sessions.answers(session.id).get(step.id) or [])
            for choice in found:
                selected = _toggled(step, selected, choice.action.index)
            self.sessions.put(session, step.id, selected)
            return self.show(session, edit=True)
        label, action = found[0].label, found[0].action
        replies = self._act(event, session, action)
        if step is not None and step.kind in ("choice", "yesno") and action.act in (Act.CHOOSE, Act.YES, Act.NO):
            replies = [lead("dialog_saved", label=step.label, value=label), *replies]
        if step is not None and step.kind == "text" and action.act is Act.SUGGESTION and number is not None:
            return [lead("dialog_example_taken", number=number, label=label), *replies]
        return replies

    def _which_was_meant(self, session: Session, step: Step, typed: str, button: Choice) -> list[Out]:
        """At a numeric step that also has buttons, « 1 » could be either: ask, and remember it was asked,
        so that the next « 1 » or « 2 » counts the buttons of that question."""
        try:
            parse_number(typed, step)
        except InputError:
            return self.show(session, note=notice("dialog_use_button", label=button.label))
        action = button.action
        self.sessions.put(session, WHICH, {"typed": typed, "label": button.label,
                                           "act": action.act.value, "index": action.index})
        return self.show(session)

    def _which_prompt(self, session: Session, dialog: Dialog, step: Step, answers: dict) -> View:
        which = answers[WHICH]
        value = format_value(step, parse_number(which["typed"], step))
        rows = (
            (Choice(f"Enregistrer {value}", Action(Act.NUMBER, value=which["typed"])),),
            (Choice(which["label"], Action(Act(which["act"]), which.get("index"))),),
        )
        values = {"typed": which["typed"], "value": value, "label": which["label"]}
        return View(session.id, session.turn, "dialog_which", values, rows=rows, navigation=self._nav(step, back=False))

    def on_choice(self, event: Person, session_id: int | None, turn: int | None, action: Action | None) -> list[Out]:
        """A choice pressed on a view; None for what a channel could not decode (an old or forged payload)."""
        if action is not None and action.act in (Act.RESUME, Act.RESTART):
            return self._on_resume(event, session_id, action.act is Act.RESTART)
        session = self.sessions.get(session_id) if session_id is not None else None
        if session is None or session.user_id != event.user_id:
            return self.expired(event)
        if session.status != DialogStatus.ACTIVE or session.turn != turn:
            dialog = self.dialogs.get(session.dialog)
            hooks = self.hooks.get(session.dialog)
            if dialog is not None and dialog.passive and hooks is not None:
                return hooks.start(event)  # a choice that works on any old message: open it afresh
            return self.expired(event)
        if action is None:
            return self.expired(event)
        return self._act(event, session, action)

    def expired(self, event: Person) -> list[Out]:
        current = self.sessions.active(event.user_id)
        return [lead("button_expired") if current is not None else notice("button_expired"),
                *(self.show(current) if current is not None else [])]

    def navigate(self, event: Person, action: Action) -> list[Out]:
        """/retour, /passer, /annuler typed as commands."""
        session = self.sessions.active(event.user_id)
        if session is None:
            return [notice("no_dialog")]
        return self._act(event, session, action)

    def _act(self, event: Person, session: Session, action: Action) -> list[Out]:
        dialog = self.dialogs[session.dialog]
        self._forget_which(session)
        act, index = action.act, action.index
        if act is Act.CANCEL:
            self.sessions.finish(session, DialogStatus.CANCELLED)
            return [notice("dialog_cancelled", title=dialog.title, command=self._command(session))]
        if act is Act.BACK:
            return self._back(session, dialog)
        if session.step == SUMMARY:
            if act is Act.VALIDATE:
                return self._finish(event, session, dialog)
            if act is Act.EDIT and index is not None and 0 <= index < len(dialog.steps):
                target = dialog.steps[index]
                return self.show(self.sessions.move(session, target.id, editing=True))
            if act is Act.SKIP:
                return self.show(session, note=notice("dialog_cannot_skip"))
            return self.expired(event)
        if session.step.startswith(MORE):
            step = dialog.step(session.step[len(MORE):])
            if act in (Act.YES, Act.NO):
                return self._more(event, session, dialog, step, act is Act.YES)
            if act is Act.SKIP:
                return self._advance(event, session, dialog, step, self.sessions.answers(session.id).get(step.id))
            return self.expired(event)
        step = dialog.step(session.step)
        if act is Act.SKIP:
            if not step.optional:
                return self.show(session, note=notice("dialog_cannot_skip"))
            return self._advance(event, session, dialog, step, None)
        if act is Act.SUGGESTION and index is not None:
            suggestions = step.suggestions_for(self.sessions.answers(session.id))
            if 0 <= index < len(suggestions):
                return self._advance(event, session, dialog, step, suggestions[index])
        if act is Act.KEEP:
            return self._advance(event, session, dialog, step, self.sessions.answers(session.id).get(step.id))
        if act is Act.NUMBER and step.kind == "number":  # « Enregistrer 1 M€ HT » after « which was meant? »
            try:
                return self._advance(event, session, dialog, step, parse_number(action.value or "", step), echo=True)
            except InputError as error:
                return self.show(session, note=str(error))
        if step.kind == "choice" and act is Act.CHOOSE and index is not None and 0 <= index < len(step.choices):
            return self._advance(event, session, dialog, step, step.choices[index].value)
        if step.kind == "yesno" and act in (Act.YES, Act.NO):
            return self._advance(event, session, dialog, step, act is Act.YES)
        if step.kind == "list" and act is Act.NO:
            return self._advance(event, session, dialog, step, self.sessions.answers(session.id).get(step.id))
        if step.kind == "multi":
            selected = list(self.sessions.answers(session.id).get(step.id) or [])
            if act is Act.TOGGLE and index is not None and 0 <= index < len(step.choices):
                self.sessions.put(session, step.id, _toggled(step, selected, index))
                return self.show(session, edit=True)
            if act is Act.CONFIRM:
                return self._confirm_multi(event, session, dialog, step, selected)
        return self.expired(event)

    def _on_resume(self, event: Person, session_id: int | None, restart: bool) -> list[Out]:
        session = self.sessions.get(session_id) if session_id is not None else None
        if session is None or session.user_id != event.user_id or session.status not in (DialogStatus.ACTIVE, DialogStatus.CANCELLED):
            return self.expired(event)
        hooks = self.hooks.get(session.dialog)
        if restart and hooks is not None:
            self.sessions.clear(session)
            return hooks.start(event)
        return self.show(self.sessions.resume(session) if session.status != DialogStatus.ACTIVE else session)

    # -- moving -------------------------------------------------------------------

    def _advance(self, event: Person, session: Session, dialog: Dialog, step: Step, value, note=None,
                 echo: bool = False) -> list[Out]:
        """Store the answer and move on; `echo` says back what was stored, in its stored form."""
        replies = self._store_and_move(event, session, dialog, step, value, note)
        if echo and value not in (None, "", []):
            saved = lead("dialog_saved", label=step.label, value=format_value(step, value))
            refused = replies and isinstance(replies[0], View) and replies[0].note is not None
            if not refused:  # a step shown again with a note did not take the answer
                replies = [saved, *replies]
        return replies

    def _store_and_move(self, event: Person, session: Session, dialog: Dialog, step: Step, value, note) -> list[Out]:
        answers = self.sessions.answers(session.id)
        hooks = self.hooks.get(dialog.id)
        if hooks is not None and hooks.check is not None:
            # Checks across answers at the step itself (an end year before the start year).
            problem = hooks.check({**answers, step.id: value}, session)
            if problem:
                return self.show(session, note=problem)
        answers[step.id] = value
        if session.editing:
            missing = next((s for s in self._applicable(dialog, answers) if s.id not in answers), None)
            target = missing.id if missing else SUMMARY
        else:
            target = self._next(dialog, answers, step.id)
        if target is None:  # no summary: validating the last step completes the dialog
            self.sessions.put(session, step.id, value)
            return self._finish(event, session, dialog)
        moved = self.sessions.move(session, target, answer=(step.id, value), editing=session.editing and target != SUMMARY)
        return self.show(moved, note=note)

    def _add_item(self, event: Person, session: Session, dialog: Dialog, step: Step, text: str) -> list[Out]:
        try:
            item, _ = parse_text(text, step)
        except InputError as error:
            return self.show(session, note=str(error))
        answers = self.sessions.answers(session.id)
        items = list(answers.get(step.id) or []) + [item]
        hooks = self.hooks.get(dialog.id)
        problem = hooks.check({**answers, step.id: items}, session) if hooks is not None and hooks.check is not None else None
        if problem:  # each item is checked when typed, not at the summary
            back = self.sessions.move(session, step.id) if session.step.startswith(MORE) else session
            return self.show(back, note=problem)
        if len(items) >= step.max_items:
            return self._advance(event, session, dialog, step, items)
        return self.show(self.sessions.move(session, MORE + step.id, answer=(step.id, items)))

    def _more(self, event: Person, session: Session, dialog: Dialog, step: Step, yes: bool) -> list[Out]:
        items = self.sessions.answers(session.id).get(step.id) or []
        if yes and len(items) < step.max_items:
            return self.show(self.sessions.move(session, step.id))
        return self._advance(event, session, dialog, step, items)

    def _confirm_multi(self, event, session, dialog, step, values) -> list[Out]:
        if not values and not step.optional:
            return self.show(session, note=notice("dialog_choose_one"))
        low, high = int(step.min or 0), int(step.max or len(step.choices))
        if values and not low <= len(values) <= high:
            self.sessions.put(session, step.id, values)
            return self.show(session, note=notice("dialog_choose_count", low=low, high=high, count=len(values)))
        return self._advance(event, session, dialog, step, values)

    def _back(self, session: Session, dialog: Dialog) -> list[Out]:
        answers = self.sessions.answers(session.id)
        applicable = self._applicable(dialog, answers)
        current = session.step[len(MORE):] if session.step.startswith(MORE) else session.step
        if current == SUMMARY:
            target = applicable[-1].id
        else:
            ids = [s.id for s in applicable]
            index = ids.index(current) if current in ids else 0
            if index == 0:
                return self.show(session, note=notice("dialog_first_step"))
            target = ids[index - 1]
        return self.show(self.sessions.move(session, target, editing=False))

    def _finish(self, event: Person, session: Session, dialog: Dialog) -> list[Out]:
        answers = self.sessions.answers(session.id)
        kept = {s.id: answers.get(s.id) for s in self._applicable(dialog, answers)}
        hooks = self.hooks.get(dialog.id)
        problem = hooks.check(kept, session) if hooks is not None and hooks.check is not None else None
        if problem:
            moved = self.sessions.move(session, SUMMARY, editing=False) if session.step != SUMMARY else session
            return self.show(moved, note=problem)
        if hooks is None:
            self.sessions.finish(session, DialogStatus.COMPLETED)
            return [notice("dialog_done", title=dialog.title)]
        try:
            with self.sessions.completing(session):
                replies = hooks.finish(event, session, kept)
                crash_point("dialog-finished")
        except StillOpen as refusal:
            moved = self.sessions.move(session, SUMMARY, editing=False) if session.step != SUMMARY else session
            return self.show(moved, note=refusal.note)
        return replies

    # -- helpers ------------------------------------------------------------------

    def _applicable(self, dialog: Dialog, answers: dict) -> list[Step]:
        return [s for s in dialog.steps if _holds(s, answers)]

    def _next(self, dialog: Dialog, answers: dict, after: str | None) -> str | None:
        """The next applicable step after `after`; SUMMARY (or None without summary) at the end."""
        start = 0 if after is None else dialog.index(after) + 1
        for step in dialog.steps[start:]:
            if _holds(step, answers):
                return step.id
        return SUMMARY if dialog.summary else None

    def _command(self, session: Session) -> str:
        """What to type to come back: « /profil », or the way through a list."""
        hooks = self.hooks.get(session.dialog)
        if hooks is None:
            return "/start"
        return hooks.resume or f"/{hooks.command}"

    @staticmethod
    def _nav(step: Step, back: bool) -> tuple[Choice, ...]:
        row = []
        if back:
            row.append(Choice("◀ Retour", Action(Act.BACK)))
        if step.optional:
            row.append(Choice("Passer", Action(Act.SKIP)))
        row.append(Choice("Annuler", Action(Act.CANCEL)))
        return tuple(row)


def _holds(step: Step, answers: dict) -> bool:
    for key, wanted in step.when.items():
        value = answers.get(key)
        if isinstance(value, list):
            if not any(v in wanted for v in value):
                return False
        elif value not in wanted:
            return False
    return True


def _toggled(step: Step, selected: list[str], index: int) -> list[str]:
    """The selection with choice `index` ticked or unticked, in the order of the choices."""
    value = step.choices[index].value
    selected = [v for v in selected if v != value] if value in selected else selected + [value]
    order = [c.value for c in step.choices]
    return sorted(selected, key=order.index)


def _plain_step(session: Session, dialog: Dialog) -> Step | None:
    """The step a session is on, or None at the summary and at « en ajouter un autre ? »."""
    if session.step == SUMMARY or session.step.startswith(MORE):
        return None
    return dialog.step(session.step)


def _label_match(typed: str, buttons: list[Choice], fuzzy: bool) -> Choice | None:
    key = label_key(typed)
    if not key:
        return None
    keys = [label_key(b.label) for b in buttons]
    exact = [b for b, k in zip(buttons, keys) if k == key]
    if exact:
        return exact[0]
    if not fuzzy or len(key) < 3:
        return None
    starting = [b for b, k in zip(buttons, keys) if k.startswith(key)]
    if len({b.action for b in starting}) == 1:
        return starting[0]
    # small typos: « comune », « nouvelle aquitaine », « co construction »
    scored = sorted(((fuzz.ratio(key.replace("-", " "), k.replace("-", " ")), b) for b, k in zip(buttons, keys)),
                    key=lambda x: -x[0])
    if scored and scored[0][0] >= TYPO_SCORE and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 5):
        return scored[0][1]
    return None


def _is_yes(text: str) -> bool:
    """At a summary or « en ajouter un autre ? », a yes word confirms."""
    try:
        return parse_yesno(text)
    except InputError:
        return False


def looks_like_question(text: str) -> bool:
    t = fold(text).strip()
    return t.endswith("?") or t.startswith(QUESTION_WORDS)
