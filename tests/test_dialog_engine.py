"""The dialog engine on its own: views and typed actions, no channel, no markup."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.dialog_screens import _button, decode
from dialogs.definitions import load_dialogs
from dialogs.engine import DialogEngine
from dialogs.views import Act, Action, Choice, Notice, View
from storage import Storage


@dataclass(frozen=True)
class Person:
    user_id: int


@pytest.fixture
def engine(tmp_path):
    storage = Storage.open(str(tmp_path / "engine.db"))
    yield DialogEngine(load_dialogs(), storage.dialogs)
    storage.close()


def test_a_step_is_a_view_with_typed_choices(engine):
    outs = engine.begin(Person(7), "profil")
    view = outs[-1]
    assert isinstance(view, View) and view.template == "dialog_step"
    assert view.values["step"].id == "structure_type" and view.values["position"] == 1
    assert all(isinstance(c, Choice) for c in view.choices())
    assert {c.action.act for c in view.options} == {Act.CHOOSE}
    assert [c.action.act for c in view.navigation] == [Act.CANCEL]
    # The intro is a notice said in the same message as the step.
    assert isinstance(outs[0], Notice) and outs[0].lead and outs[0].key == "dialog_intro"


def test_typed_actions_move_the_session_and_refuse_an_old_turn(engine):
    person = Person(7)
    first = engine.begin(person, "profil")[-1]
    moved = engine.on_choice(person, first.session, first.turn, Action(Act.CHOOSE, 0))
    step = next(o for o in moved if isinstance(o, View))
    assert step.values["step"].id == "name" and step.turn == first.turn + 1
    # The same choice again, from the older view: refused, and the current step shown.
    again = engine.on_choice(person, first.session, first.turn, Action(Act.CHOOSE, 1))
    assert isinstance(again[0], Notice) and again[0].key == "button_expired"
    assert again[-1].values["step"].id == "name"
    # Someone else cannot act on this session.
    assert engine.on_choice(Person(8), first.session, step.turn, Action(Act.CANCEL))[0].key == "button_expired"


def test_typed_text_naming_a_choice_is_that_choice(engine):
    person = Person(7)
    view = engine.begin(person, "profil")[-1]
    label = view.options[1].label
    outs = engine.on_text(person, engine.sessions.active(7), label.lower())
    saved = outs[0]
    assert isinstance(saved, Notice) and saved.key == "dialog_saved" and saved.values["value"] == label


@pytest.mark.parametrize("action", [
    Action(Act.CHOOSE, 3), Action(Act.TOGGLE, 0), Action(Act.EDIT, 12), Action(Act.SUGGESTION, 1),
    Action(Act.NUMBER, value="1 000"), *(Action(a) for a in (Act.CONFIRM, Act.YES, Act.NO, Act.SKIP, Act.BACK,
                                                           Act.CANCEL, Act.VALIDATE, Act.KEEP)),
])
def test_every_action_survives_its_button_payload(action):
    button = _button(View(5, 9, "dialog_step", {}), Choice("x", action))
    assert len(button.payload.encode()) <= 64  # Telegram's limit for callback data
    assert decode(button.payload) == (5, 9, action)


def test_resume_offers_work_on_any_later_turn():
    for act, code in ((Act.RESUME, "r"), (Act.RESTART, "n")):
        button = _button(View(5, None, "dialog_resume_offer", {}), Choice("x", Action(act)))
        assert button.payload == f"dr:5:{code}" and decode(button.payload) == (5, None, Action(act))


@pytest.mark.parametrize("payload", ["d:5:9:zz", "d:5:9:c", "d:5:9:r", "d:x:9:y", "d:5::y"])
def test_payloads_that_say_nothing_decode_to_nothing(payload):
    session, turn, action = decode(payload)
    assert action is None or turn is None or session is None
