"""One person on Telegram and on Tchap: /lier makes them one user, with one workspace and both subscriptions."""

from __future__ import annotations

import json
import re
from bot.matrix import MATRIX
from tests.support.chat import Chat
from tests.support.workspace import fill_profile

AGENT = "@camille.martin:agent.tchap.gouv.fr"


def code_in(text: str) -> str:
    return re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", text).group(1)


def on_tchap(assistant) -> Chat:
    return Chat(assistant, user_id=None, capabilities=MATRIX, address=AGENT)


def subscribe(chat: Chat, topic: str) -> None:
    chat.say("/abonnements")
    chat.press(topic)
    chat.press("Valider la sélection")


def test_a_code_given_on_telegram_and_typed_on_tchap_makes_one_person_with_one_workspace(assistant, chat):
    storage = assistant.services.storage
    fill_profile(chat)
    subscribe(chat, "Webinaires")
    tchap = on_tchap(assistant)
    tchap.say("bonjour")
    subscribe(tchap, "Nouvelles ressources")
    [(agent_id,)] = storage.db.execute("SELECT user_id FROM identities WHERE channel = 'matrix'").fetchall()
    assert agent_id != 42 and storage.workspaces.of_user(agent_id) is None

    given = chat.say("/lier")
    code = code_in(given)
    assert "!lier" in given and "/lier" in given  # how to type it on each messenger
    done = tchap.say(f"/lier {code.lower()}")  # typed as it comes: case and dash do not matter
    assert "Comptes reliés" in done and "Ville de Quimper" in done and "2 thèmes" in done
    # The same event offered again (a crash before it was acknowledged): its replies again, no second merge.
    assert tchap.offer_again() == done
    assert storage.db.execute("SELECT DISTINCT user_id FROM identities").fetchall() == [(42,)]
    assert storage.users.get(agent_id) is None
    assert sorted(storage.announcements.subscription(42)) == ["ressources", "webinaires"]
    # From Tchap now: the same workspace, and the questions asked on both sides in one history.
    assert "Ville de Quimper" in tchap.say("/avancement")
    tchap.say("combien de pages fait un spaser ?")
    exported = json.loads(next(r.document for r in (tchap.say("/mesdonnees") and tchap.replies) if r.document).content)
    assert sorted(i["channel"] for i in exported["identites"]) == ["matrix", "telegram"]
    # The code worked once.
    assert "n'existe pas ou a expiré" in tchap.say(f"/lier {code}")


def test_erasure_after_linking_covers_both_accounts(assistant, chat):
    storage = assistant.services.storage
    chat.say("bonjour")
    tchap = on_tchap(assistant)
    tchap.say("bonjour")
    tchap.say(f"/lier {code_in(chat.say('/lier'))}")
    chat.say("/oublier")
    chat.press("Oui")
    assert storage.db.execute("SELECT COUNT(*) FROM identities").fetchone() == (0,)
    assert storage.db.execute("SELECT COUNT(*) FROM users").fetchone() == (0,)


def test_refusals_say_why_and_change_nothing(assistant, chat, clock):
    storage = assistant.services.storage
    tchap = on_tchap(assistant)
    tchap.say("bonjour")
    assert "n'existe pas ou a expiré" in tchap.say("/lier ABCD-EFGH")
    code = code_in(chat.say("/lier"))
    assert "donné ici même" in chat.say(f"/lier {code}")
    other = Chat(assistant, user_id=43)
    assert "même messagerie" in other.say(f"/lier {code}")
    clock.advance(minutes=16)
    assert "n'existe pas ou a expiré" in tchap.say(f"/lier {code}")
    assert storage.db.execute("SELECT COUNT(DISTINCT user_id) FROM identities").fetchone() == (3,)


def test_two_filled_workspaces_are_not_merged_behind_the_persons_back(assistant, chat):
    fill_profile(chat)
    tchap = on_tchap(assistant)
    tchap.say("bonjour")
    fill_profile(tchap, ["Département", "Département du Finistère", "Bretagne", "300", "Non, aucun", "2026", "2030"])
    refused = tchap.say(f"/lier {code_in(chat.say('/lier'))}")
    assert "chacun un espace de travail rempli" in refused and "!inviter" in refused
    assert assistant.services.storage.db.execute("SELECT COUNT(DISTINCT user_id) FROM identities").fetchone() == (2,)


def test_a_code_is_never_given_in_a_group(assistant):
    from bot.replies import Event
    from bot.telegram import TELEGRAM

    replies = assistant.handle(Event(user_id=7, chat_id=-100, chat_type="group", command="lier", event_id="g1",
                                     capabilities=TELEGRAM))
    assert "conversation privée" in replies[0].html
    assert assistant.services.storage.db.execute("SELECT COUNT(*) FROM link_codes").fetchone() == (0,)
