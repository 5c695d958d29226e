"""The same scenarios through both messengers: Telegram's fake Bot API server, and Tchap on a local Synapse.

A scenario is written once, as a person goes: type a line, choose among what
is offered. Each messenger has its driver: on Telegram a choice is a button
pressed; on Tchap it is a number typed or a reaction tapped, in turn, and
commands are written with « ! ».
"""

from __future__ import annotations

import itertools

import pytest

from tests.support.telegram import ask, buttons, tap

PERSON = 4343
YES = ("Des objectifs sur quelques familles d'achats", "Pour la plupart des actions", "Elle conseille les services",
       "La plupart des acheteurs", "Un·e élu·e référent·e identifié·e", "Ils valident les orientations",
       "Une cartographie réalisée", "Des indicateurs suivis chaque année")


class OnTelegram:
    def __init__(self, fake):
        self.fake = fake
        self.shown: dict | None = None  # the last message with buttons

    async def say(self, text: str, messages: int = 1) -> str:
        """Type a line; the text of the last of the `messages` it gets in answer."""
        got = await ask(self.fake, text, PERSON, expect=messages)
        return self._seen(got)

    async def choose(self, label: str) -> str:
        messages = await tap(self.fake, self.shown, label, user=PERSON)
        return self._seen(messages)

    def labels(self) -> list[str]:
        return [b["text"] for b in buttons(self.shown)]

    def _seen(self, messages: list[dict]) -> str:
        for message in messages:
            if buttons(message):
                self.shown = message
        return messages[-1]["text"]


class OnTchap:
    def __init__(self, agent):
        self.agent = agent
        self.shown = None
        self.ways = itertools.cycle(["number", "reaction"])

    async def say(self, text: str, messages: int = 1) -> str:
        from tests.support.matrix_agent import texts
        from tests.support.tchap import last_text

        if text.startswith("/"):
            text = "!" + text[1:]
        got = await self.agent.exchange(text, until=lambda got: len(texts(got)) >= messages)
        return self._seen(last_text(got))

    async def choose(self, label: str) -> str:
        from tests.support.tchap import pick

        return self._seen(await pick(self.agent, self.shown, label, next(self.ways)))

    def labels(self) -> list[str]:
        from tests.support.tchap import choices

        return list(choices(self.shown))

    def _seen(self, message) -> str:
        from tests.support.tchap import choices

        if choices(message):
            self.shown = message
        return message.body


@pytest.fixture(params=["telegram", "tchap"])
async def person(request, fake, start_bot, tchap):
    if request.param == "telegram":
        await start_bot()
        yield OnTelegram(fake)
        return
    from tests.support.tchap import meet

    session = await tchap()
    await meet(session.agent, session.bot_id)
    yield OnTchap(session.agent)


@pytest.mark.slow
async def test_a_person_completes_the_profile_and_asks_a_question(person):
    await person.say("/profil")
    await person.choose("Commune")
    await person.say("Ville de Quimper")
    await person.choose("Bretagne")
    await person.say("72,5")
    await person.choose("Non, aucun")
    await person.say("2026")
    step = await person.say("2030")
    if "SIRET" in step:
        await person.say("/passer")
    done = await person.choose("Valider")
    assert "Le SPASER est obligatoire pour vous" in done and "L2111-3" in done
    answer = await person.say("combien de pages fait un spaser ?")
    assert "pages" in answer


@pytest.mark.slow
async def test_a_person_goes_back_and_cancels_a_dialog(person):
    await person.say("/profil")
    await person.choose("Commune")
    step = await person.choose("Retour")
    assert "Quel type de structure" in step
    await person.choose("Intercommunalité")
    cancelled = await person.say("/annuler")
    assert "est interrompu" in cancelled and "reprendre" in cancelled
    assert "pages" in await person.say("combien de pages fait un spaser ?")


@pytest.mark.slow
async def test_a_person_runs_the_self_diagnosis(person):
    await person.say("/diagnostic")
    for _ in range(10):
        labels = person.labels()
        await person.choose(next(label for label in labels if label.startswith("Oui") or label in YES))
    result = await person.choose("Valider")
    assert "Profil : Intermédiaire" in result


@pytest.mark.slow
async def test_a_person_asks_for_a_named_scheme_and_opens_its_card(person):
    # the base's answer, then the directory's offer
    shown = await person.say("Où trouver le SPASER de la Ville de Lyon ?", messages=2)
    assert "annuaire des SPASER publiés" in shown
    assert any("Ville de Lyon" in label for label in person.labels())
    card = await person.choose("🔎 Ville de Lyon")
    assert "30 septembre 2021" in card
