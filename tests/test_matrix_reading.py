"""What a line or a reaction in a Tchap room means (pure functions of bot.matrix.reading)."""

from __future__ import annotations

from bot.matrix.reading import chosen, command_of, may_choose, needs_keycaps, reacted

ANSWER = [("Quel modèle de SPASER ?", "faq:modele"), ("👍 Oui", "fb:7:1"), ("👎 Non", "fb:7:0")]
STEP = [("Commune", "d:commune"), ("Département", "d:departement"), ("Région", "d:region")]


def test_commands_with_either_prefix_and_the_two_bare_words():
    assert command_of("!profil") == ("profil", "")
    assert command_of("/exemples  nantes ") == ("exemples", "nantes")
    assert command_of("Aide ?") == ("aide", "")
    assert command_of("menu") == ("start", "")
    assert command_of("aide pour les indicateurs") is None  # a question, not a command


def test_a_keycap_picks_by_number_and_one_past_the_choices_picks_nothing():
    assert reacted("2️⃣", STEP) == "d:departement"
    assert reacted("3⃣", STEP) == "d:region"  # without the variation selector
    assert reacted("4️⃣", STEP) is None


def test_thumbs_give_the_feedback_whatever_the_skin_tone_and_other_emoji_mean_nothing():
    assert reacted("👍", ANSWER) == "fb:7:1"
    assert reacted("👎🏿", ANSWER) == "fb:7:0"
    assert reacted("👍️", ANSWER) == "fb:7:1"
    assert reacted("🎉", ANSWER) is None
    assert reacted("👍", STEP) is None  # a 👍 on a step is not an answer to it
    assert may_choose("👍🏿") and may_choose("2️⃣") and not may_choose("🎉")


def test_keycaps_go_under_steps_and_menus_not_under_answers():
    assert needs_keycaps(STEP)
    assert not needs_keycaps(ANSWER)
    assert not needs_keycaps([])


def test_a_typed_number_or_label_picks_among_the_choices_shown_but_a_step_reads_its_own():
    themes = [("Cadre juridique", "theme:cadre"), ("Indicateurs, suivi", "theme:suivi")]
    assert chosen("2", themes) == "theme:suivi"
    assert chosen("cadre juridique", themes) == "theme:cadre"
    assert chosen("combien de pages ?", themes) is None
    assert chosen("2", STEP) is None  # the dialog engine reads numbers and refuses an older step's
