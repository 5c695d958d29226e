"""What the people who run the assistant do: own the content, name animators, try it as several people."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.console import Console, console_user_id
from bot.replies import Event
from bot.runtime import build_assistant
from knowledge import content
from tests.test_cli import spaser_bot


@pytest.fixture
def content_folder(tmp_path):
    """A content folder made like an operator would, the installed copy back in use afterwards."""
    folder = content.init(tmp_path / "contenu").root
    yield folder
    content.use(None)


def write_config(tmp_path: Path, **lines: str) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("".join(f"{k}: {v}\n" for k, v in lines.items()), encoding="utf-8")
    return config


def test_content_init_copies_everything_the_bot_reads_and_never_overwrites(tmp_path, content_folder):
    assert (content_folder / "knowledge" / "faq").is_dir()
    assert (content_folder / "dialogs" / "definitions" / "profil.yaml").is_file()
    assert (content_folder / "dialogs" / "outline" / "axes.yaml").is_file()
    assert content.Content(content_folder, installed=False).missing() == []
    with pytest.raises(content.ContentError, match="n'est pas vide"):
        content.init(content_folder)


def test_kb_check_names_the_folder_and_catches_a_file_broken_there(tmp_path, content_folder):
    config = write_config(tmp_path, content_dir=str(content_folder))
    good = spaser_bot("kb", "check", "--config", str(config), cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert good.stdout.splitlines()[0] == f"Contenu lu dans le dossier {content_folder} (clé content_dir)."

    faq = content_folder / "knowledge" / "faq" / "03-elaboration.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("    answer: |", "    answr: |", 1), encoding="utf-8")
    broken = spaser_bot("kb", "check", "--config", str(config), cwd=tmp_path)
    assert broken.returncode == 1
    assert str(content_folder) in broken.stdout.splitlines()[0]
    assert "03-elaboration.yaml" in broken.stderr and "answr" in broken.stderr


def test_a_folder_made_by_an_older_version_is_reported_naming_the_file(tmp_path, content_folder):
    (content_folder / "dialogs" / "definitions" / "rattachement.yaml").unlink()
    config = write_config(tmp_path, content_dir=str(content_folder))
    check = spaser_bot("kb", "check", "--config", str(config), cwd=tmp_path)
    assert check.returncode == 1
    assert "rattachement.yaml : absent de ce dossier de contenu" in check.stderr
    console = spaser_bot("console", "--config", str(config), stdin="bonjour\n", cwd=tmp_path)
    assert console.returncode == 1
    assert "rattachement.yaml" in console.stderr and "Traceback" not in console.stderr


def test_a_missing_content_folder_is_a_configuration_error(tmp_path):
    config = write_config(tmp_path, content_dir=str(tmp_path / "nulle-part"))
    result = spaser_bot("kb", "check", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "content init" in result.stderr


def test_an_edited_answer_is_served_after_recharger(tmp_path, content_folder):
    settings = load_settings(write_config(tmp_path, content_dir=str(content_folder),
                                          storage=f"{{path: {tmp_path / 'db.sqlite'}}}"))
    content.use(settings.content_dir)
    assistant = build_assistant(settings)
    console = Console(assistant, out=open(tmp_path / "out.txt", "w", encoding="utf-8"))
    try:
        def ask(text):
            return " ".join(r.html for r in assistant.handle(console.event_for(text)))

        assert "6 mois et 2 ans" in ask("combien de temps pour rédiger un spaser")
        faq = content_folder / "knowledge" / "faq" / "03-elaboration.yaml"
        faq.write_text(faq.read_text(encoding="utf-8").replace("entre 6 mois et 2 ans", "entre six mois et deux ans", 1),
                       encoding="utf-8")
        reloaded = ask("/recharger")
        assert str(content_folder) in reloaded and "Base rechargée" in reloaded
        assert "six mois et deux ans" in ask("combien de temps pour rédiger un spaser")
    finally:
        console.out.close()
        assistant.services.storage.close()


def test_admins_take_channel_qualified_ids(tmp_path):
    settings = load_settings(write_config(tmp_path, admins='[12, "telegram:77", "console:camille", "matrix:@a:agent.tchap.gouv.fr"]'))
    assert settings.admins == (12, 77)
    assert settings.is_named_admin("console", "camille") and not settings.is_named_admin("console", "bob")
    with pytest.raises(ConfigError, match=r"admins\[0\]"):
        load_settings(write_config(tmp_path, admins='["slack:x"]'))
    with pytest.raises(ConfigError, match=r"admins\[0\]"):
        load_settings(write_config(tmp_path, admins="[abc]"))


def test_console_users_are_separate_people_and_animators_only_if_configured(tmp_path):
    config = write_config(tmp_path, admins='["console:camille"]')
    assert console_user_id("Camille") == console_user_id(" camille ") < 0
    assert console_user_id("camille") != console_user_id("bob")

    owner = spaser_bot("console", "--config", str(config), stdin="/stats\n", cwd=tmp_path)
    camille = spaser_bot("console", "--config", str(config), "--user", "camille", stdin="/stats\n", cwd=tmp_path)
    bob = spaser_bot("console", "--config", str(config), "--user", "bob", stdin="/stats\n", cwd=tmp_path)
    assert "Statistiques" in owner.stdout and "Statistiques" in camille.stdout
    assert "Statistiques" not in bob.stdout and "pas disponible" in bob.stdout

    # An invitation from one console person, accepted by another: one shared workspace.
    invite = spaser_bot("console", "--config", str(config), "--user", "camille", stdin="/inviter\n", cwd=tmp_path)
    code = re.search(r"/rejoindre (\w+)", invite.stdout)
    assert code, invite.stdout
    code = code.group(1)
    joined = spaser_bot("console", "--config", str(config), "--user", "bob", stdin=f"/rejoindre {code}\n", cwd=tmp_path)
    assert "Bienvenue dans l'espace" in joined.stdout, joined.stdout
