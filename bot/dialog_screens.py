"""The dialog engine as features and the router use it: its views rendered as replies,
its choices encoded as button payloads and decoded back.

The engine (dialogs/engine.py) knows no channel: it returns views and notices
and takes typed actions. Here a view becomes a message of `templates/` with
buttons laid out for a chat; what a feature's hook returned passes through.
Payloads keep the form they always had, so buttons of messages sent before
an upgrade still work: `d:<session>:<turn>:<action>` on a step,
`dr:<session>:r|n` on a resume offer.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.rendering import message
from bot.replies import Button, Event, Reply
from dialogs.engine import DialogEngine, Hooks
from dialogs.inputs import parse_id
from dialogs.views import Act, Action, Choice, Notice, View
from storage.rows import Session

# Views whose template shows a note (a refusal, a warning) above the step.
WITH_NOTE = {"dialog_step", "dialog_summary"}
# Acts with an index or a value in their payload: « c3 », « e0 », « =1 000 ».
INDEXED = {Act.CHOOSE, Act.TOGGLE, Act.EDIT, Act.SUGGESTION}
SIMPLE = {a.value: a for a in Act if a not in INDEXED and a not in (Act.NUMBER, Act.RESUME, Act.RESTART)}
NAVIGATION = {"b": Act.BACK, "s": Act.SKIP, "x": Act.CANCEL}


class DialogScreens:
    def __init__(self, engine: DialogEngine):
        self.engine = engine
        self.dialogs = engine.dialogs
        self.sessions = engine.sessions
        self.hooks = engine.hooks

    def register(self, dialog_id: str, hooks: Hooks) -> None:
        self.engine.register(dialog_id, hooks)

    # -- what features call ------------------------------------------------------

    def begin(self, event: Event, dialog_id: str, **options) -> list[Reply]:
        return render(self.engine.begin(event, dialog_id, **options))

    def open(self, event: Event, dialog_id: str) -> list[Reply]:
        return render(self.engine.open(event, dialog_id))

    def pending(self, user_id: int) -> Session | None:
        return self.engine.pending(user_id)

    def is_passive(self, session: Session) -> bool:
        return self.engine.is_passive(session)

    # -- what the router calls -----------------------------------------------------

    def show(self, session: Session) -> list[Reply]:
        return render(self.engine.show(session))

    def on_text(self, event: Event, session: Session, text: str) -> list[Reply] | None:
        outs = self.engine.on_text(event, session, text)
        return None if outs is None else render(outs)

    def on_button(self, event: Event, payload: str) -> list[Reply]:
        session_id, turn, action = decode(payload)
        return render(self.engine.on_choice(event, session_id, turn, action))

    def navigate(self, event: Event, code: str) -> list[Reply]:
        """/retour, /passer, /annuler: « b », « s », « x »."""
        return render(self.engine.navigate(event, Action(NAVIGATION[code])))

    def plainly_answers(self, session: Session, text: str) -> bool:
        return self.engine.plainly_answers(session, text)

    def after_a_pause(self, session: Session, sent_at: datetime | None = None) -> bool:
        return self.engine.after_a_pause(session, sent_at)

    def takes_any_text(self, session: Session) -> bool:
        return self.engine.takes_any_text(session)


def render(outs: list) -> list[Reply]:
    """Views and notices as replies; a lead notice joins the message that follows it."""
    replies: list[Reply] = []
    leads: list[str] = []
    for out in outs:
        if isinstance(out, Notice) and out.lead:
            leads.append(message(out.key, **out.values))
            continue
        reply = _reply(out)
        if leads:
            reply = replace(reply, html="\n\n".join([*leads, reply.html]))
            leads = []
        replies.append(reply)
    return replies + [Reply(h) for h in leads]


def prefixed(header: list[str], replies: list[Reply]) -> list[Reply]:
    """Put short lead-in texts in the same message as what follows: one message per turn
    where possible, since Telegram allows about one message per second in a chat."""
    if not header or not replies:
        return [Reply(h) for h in header] + replies
    first = replies[0]
    return [replace(first, html="\n\n".join([*header, first.html]))] + replies[1:]


def _reply(out) -> Reply:
    if isinstance(out, Reply):
        return out  # a feature's own reply, from its hook
    if isinstance(out, Notice):
        return Reply(message(out.key, **out.values))
    if isinstance(out, View):
        values = dict(out.values)
        if out.template in WITH_NOTE:
            values["note"] = message(out.note.key, **out.note.values) if isinstance(out.note, Notice) else out.note
        rows = [*_pairs([_button(out, c) for c in out.options])]
        rows += [tuple(_button(out, c) for c in row) for row in out.rows]
        if out.navigation:
            rows.append(tuple(_button(out, c) for c in out.navigation))
        return Reply(message(out.template, **values), tuple(rows), edit=out.edit)
    raise TypeError(f"nothing to show for {out!r}")


def _pairs(buttons: list[Button]) -> list[tuple[Button, ...]]:
    """Two buttons per row when labels are short, one per row otherwise."""
    if all(len(b.label) <= 22 for b in buttons):
        return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    return [(b,) for b in buttons]


def _button(view: View, choice: Choice) -> Button:
    action = choice.action
    if action.act in (Act.RESUME, Act.RESTART):
        return Button(choice.label, f"dr:{view.session}:{'r' if action.act is Act.RESUME else 'n'}")
    if action.act in INDEXED:
        code = f"{action.act.value}{action.index}"
    elif action.act is Act.NUMBER:
        code = f"={action.value}"
    else:
        code = action.act.value
    return Button(choice.label, f"d:{view.session}:{view.turn}:{code}")


def decode(payload: str) -> tuple[int | None, int | None, Action | None]:
    """(session, turn, action) of a payload; None where it does not say (an old or forged one)."""
    kind, _, rest = payload.partition(":")
    if kind == "dr":
        session_id, _, choice = rest.partition(":")
        act = {"r": Act.RESUME, "n": Act.RESTART}.get(choice, Act.RESUME)
        return parse_id(session_id), None, Action(act)
    session_id, _, rest = rest.partition(":")
    turn, _, code = rest.partition(":")
    return parse_id(session_id), parse_id(turn), _action(code)


def _action(code: str) -> Action | None:
    if code.startswith("="):
        return Action(Act.NUMBER, value=code[1:])
    if code in SIMPLE:
        return Action(SIMPLE[code])
    for act in INDEXED:
        if code.startswith(act.value) and (index := parse_id(code[1:])) is not None:
            return Action(act, index)
    return None
