"""The installed `spaser-bot` command, run as a person would run it."""

from __future__ import annotations

import json

import pytest
from tests.support.cli import ROOT, spaser_bot


def test_console_through_a_pipe_prints_the_answer(tmp_path):
    result = spaser_bot("console", stdin="combien de pages fait un spaser ?\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Bonjour" in result.stdout  # welcome first: line one is not a command
    assert "petite trentaine de pages" in result.stdout
    assert (tmp_path / "data" / "spaser.db").is_file()


def test_console_buttons_by_number_and_label_and_no_welcome_before_a_command(tmp_path):
    script = "/faq\n1\nquelle difference entre spar et spaser ?\n"
    result = spaser_bot("console", stdin=script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Bonjour" not in result.stdout.split("Parcourir la FAQ")[0]
    assert "[1] Cadre juridique et obligations" in result.stdout
    assert "choisissez une question" in result.stdout  # "1" chose the first topic
    assert "Quelle différence entre SPAR et SPASER" in result.stdout


def test_console_resumes_with_the_same_user_on_a_second_run(tmp_path):
    spaser_bot("console", stdin="/start\n", cwd=tmp_path)
    second = spaser_bot("console", stdin="/start\n", cwd=tmp_path)
    assert "Bon retour" in second.stdout


def test_console_handles_hostile_lines_without_traceback(tmp_path):
    lines = "\n".join(["", "🙂🙂", "<script>x</script>", "\x01\x02", "a" * 10_000, "/", "/inconnue"]) + "\n"
    result = spaser_bot("console", stdin=lines, cwd=tmp_path)
    assert result.returncode == 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "Je ne connais pas la commande /inconnue" in result.stdout


def test_ask_json_follows_the_contract(tmp_path):
    result = spaser_bot(
        "ask", "--json", "combien de pages fait un spaser ?", "quel temps fera-t-il demain", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert set(first) == {"question", "answer_id", "score", "answer", "sources", "suggestions"}
    assert first["answer_id"] == "nombre-pages" and first["answer"] and first["sources"]
    assert "Source" not in first["answer"]
    assert 0 <= first["score"] <= 100
    assert second["answer_id"] is None and second["answer"] is None
    assert all(set(s) == {"id", "question"} for s in second["suggestions"])
    assert not (tmp_path / "data").exists(), "ask must write nothing"


def test_ask_reads_questions_from_stdin(tmp_path):
    result = spaser_bot("ask", "--json", stdin="seuil du spaser\n\nqu'est-ce qu'une esus\n", cwd=tmp_path)
    ids = [json.loads(line)["answer_id"] for line in result.stdout.splitlines()]
    assert ids == ["seuil-obligation", "esus"]


def test_kb_check_passes(tmp_path):
    result = spaser_bot("kb", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "valide" in result.stdout


def test_bad_config_is_a_clear_error(tmp_path):
    (tmp_path / "config.yaml").write_text("stockage: {}\n", encoding="utf-8")
    result = spaser_bot("console", stdin="", cwd=tmp_path)
    assert result.returncode != 0
    assert "clé inconnue « stockage »" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["console", "run", "ask", "kb check"])
def test_every_cli_command_is_documented_in_the_readme(command):
    assert f"spaser-bot {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_stats_command_prints_figures_from_the_database(tmp_path):
    from storage import Storage

    db = tmp_path / "s.db"
    storage = Storage.open(db)
    storage.users.touch(5, "Lou", "fr")
    storage.questions.record_question(5, 5, "combien de pages", "nombre-pages", 90.0, "answered")
    storage.close()
    (tmp_path / "config.yaml").write_text(f"storage:\n  path: {db}\n", encoding="utf-8")
    result = spaser_bot("stats", cwd=tmp_path)
    assert result.returncode == 0
    assert "Utilisateurs : 1" in result.stdout and "Questions : 1" in result.stdout and "répondues 100 %" in result.stdout


def test_tchap_without_an_account_or_without_access_stops_with_a_clear_message(tmp_path):
    from tests.support.cli import spaser_bot

    alone = spaser_bot("run", "--canal", "tchap", cwd=tmp_path)
    assert alone.returncode == 2 and "Pas de compte Tchap configuré" in alone.stderr and "Traceback" not in alone.stderr
    config = tmp_path / "config.yaml"
    config.write_text("matrix:\n  homeserver: http://127.0.0.1:9\n  user_id: '@assistant:agent.tchap.gouv.fr'\n"
                      f"  store_path: {tmp_path / 'store'}\nstorage:\n  path: {tmp_path / 'b.db'}\n", encoding="utf-8")
    no_access = spaser_bot("run", "--config", str(config), cwd=tmp_path)
    assert no_access.returncode == 2 and "SPASER_MATRIX_PASSWORD" in no_access.stderr
    refused = spaser_bot("run", "--config", str(config), cwd=tmp_path, env_extra={"SPASER_MATRIX_PASSWORD": "x"})
    assert refused.returncode == 2 and "ne répond pas" in refused.stderr and "Traceback" not in refused.stderr
