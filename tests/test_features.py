"""Features declare what they do; the router, /aide and the README's table read the same declarations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.config import Settings, StorageSettings
from bot.features import FEATURES, required_steps
from bot.features.base import Buttons, Command, Feature, MenuButton
from bot.replies import Button, Event, Reply
from bot.router import Assistant, Services
from dialogs.definitions import load_dialogs
from dialogs.engine import Hooks
from storage import Storage
from tests.support.chat import Chat

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> dict[str, bool]:
    """The chat commands of the README's table: name → reserved to animators."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("Dans la conversation (console et Telegram) :", 1)[1].split("\n\n", 2)[1]
    found: dict[str, bool] = {}
    for line in table.splitlines()[2:]:
        first = line.split("|")[1]
        for name in re.findall(r"`/([a-z]+)", first):
            found[name] = "(animateurs)" in first
    return found


def test_the_readme_table_lists_every_declared_command_and_no_other(assistant):
    declared = {c.name: c.admin for c in assistant.commands.values()}
    assert readme_commands() == declared


def test_help_lists_the_declarations_in_the_order_of_the_features(make_assistant):
    assistant = make_assistant(admins=[7])
    person = Chat(assistant, 42).say("/aide")
    names = re.findall(r"^/([a-z]+)", person, flags=re.M)
    assert names == [c.name for c in assistant.catalogue.listed(admin=False)]
    assert "nonrepondues" not in names and "retour" not in names
    animator = re.findall(r"^/([a-z]+)", Chat(assistant, 7).say("/aide"), flags=re.M)
    assert animator == [c.name for c in assistant.catalogue.listed(admin=True)] and "nonrepondues" in animator


def test_every_dialog_a_feature_runs_declares_the_steps_it_stores(assistant):
    assert set(assistant.engine.hooks) <= set(required_steps())


class Survey(Feature):
    """The toy feature of the README: one command, one button, one dialog."""

    needs = {"sondage": ("avis",)}

    def __init__(self, storage, engine):
        self.storage = storage
        self.engine = engine

    def commands(self) -> tuple[Command, ...]:
        return (Command("sondage", "donner votre avis sur l'assistant", lambda event: self.engine.open(event, "sondage")),)

    def buttons(self) -> tuple[Buttons, ...]:
        return (Buttons("sdg", lambda event, value: [Reply(f"Merci pour le {value} !")]),)

    def menu(self) -> tuple[MenuButton, ...]:
        return (MenuButton("🗳 Sondage", "sondage"),)

    def dialogs(self) -> dict[str, Hooks]:
        return {"sondage": Hooks(start=self.start, finish=self.finish, command="sondage")}

    def start(self, event: Event) -> list[Reply]:
        return self.engine.begin(event, "sondage")

    def finish(self, event, session, answers: dict) -> list[Reply]:
        return [Reply(f"Avis enregistré : {answers['avis']}", ((Button("👍", "sdg:pouce"),),))]


SURVEY = """id: sondage
title: Sondage
summary: false
steps:
  - id: avis
    label: Avis
    question: Que pensez-vous de l'assistant ?
    kind: text
"""


@pytest.fixture
def with_survey(tmp_path, kb, matcher):
    folder = tmp_path / "definitions"
    shutil.copytree(ROOT / "dialogs" / "definitions", folder)
    (folder / "sondage.yaml").write_text(SURVEY, encoding="utf-8")
    storage = Storage.open(str(tmp_path / "toy.db"))
    services = Services(settings=Settings(storage=StorageSettings(path=str(tmp_path / "toy.db"))), storage=storage,
                        kb=kb, matcher=matcher, dialogs=load_dialogs(folder))
    yield Assistant(services, FEATURES + (Survey,))
    storage.close()


def test_a_new_feature_is_one_module_and_one_line(with_survey):
    chat = Chat(with_survey)
    assert "/sondage — donner votre avis" in chat.say("/aide")
    assert "🗳 Sondage" in chat.labels  # its menu button, after the others
    assert "Que pensez-vous de l'assistant ?" in chat.say("/sondage")
    assert "Avis enregistré : très utile" in chat.say("très utile")
    assert chat.press("👍") == "Merci pour le pouce !"
    chat.say("/start")
    assert "Que pensez-vous" in chat.press("🗳 Sondage")


def test_two_features_cannot_claim_the_same_command(assistant):
    class Again(Survey):
        def commands(self):
            return (Command("aide", "encore", lambda event: []),)

        def dialogs(self):
            return {}

    with pytest.raises(ValueError, match="/aide"):
        Assistant(assistant.services, FEATURES + (Again,))
