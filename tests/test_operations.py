"""What the people who run the assistant do: own the content, name animators, try it as several people."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.console import Console, console_user_id
from bot.runtime import build_assistant
from knowledge import content
from tests.support.cli import spaser_bot


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
    assert settings.is_admin_identity("telegram", "12") and settings.is_admin_identity("telegram", "77")
    assert settings.is_admin_identity("console", "camille") and not settings.is_admin_identity("console", "bob")
    assert settings.is_admin_identity("matrix", "@a:agent.tchap.gouv.fr")
    assert not settings.is_admin_identity("matrix", "12") and not settings.is_admin_identity("telegram", "13")
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


def test_config_check_says_what_the_bot_will_do(tmp_path, content_folder):
    config = write_config(tmp_path, content_dir=str(content_folder), admins='[5, "console:camille"]',
                          logging=f"{{file: {tmp_path / 'logs' / 'bot.log'}}}")
    result = spaser_bot("config", "check", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "— valide." in out.splitlines()[0]
    assert "Telegram : pas de jeton" in out
    assert f"Contenu lu dans le dossier {content_folder}" in out
    assert "Animateurs : Telegram 5 ; autres canaux console:camille" in out
    assert "créée au premier démarrage" in out
    assert f"fichier {tmp_path / 'logs' / 'bot.log'}" in out
    assert "À compléter : privacy.controller, privacy.contact" in out

    bad = spaser_bot("config", "check", "--config", str(write_config(tmp_path, timezone="Lune/Mer")), cwd=tmp_path)
    assert bad.returncode == 2 and "timezone" in bad.stderr


def test_backup_is_a_checked_copy_taken_while_the_database_is_in_use_and_never_overwrites(tmp_path):
    import sqlite3

    from storage import Storage

    db_path = tmp_path / "spaser.db"
    config = write_config(tmp_path, storage=f"{{path: {db_path}}}")
    storage = Storage.open(db_path)  # the running bot holds it open, with its write-ahead log
    try:
        storage.db.execute("INSERT INTO meta (key, value) VALUES ('marque', 'avant la sauvegarde')")
        storage.db.conn.commit()
        result = spaser_bot("backup", "--config", str(config), str(tmp_path / "sauv" / "copie.db"), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "écrite et vérifiée" in result.stdout and "arrêtez le bot" in result.stdout
        copy = sqlite3.connect(tmp_path / "sauv" / "copie.db")
        assert copy.execute("SELECT value FROM meta WHERE key = 'marque'").fetchone() == ("avant la sauvegarde",)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copy.close()
        again = spaser_bot("backup", "--config", str(config), str(tmp_path / "sauv" / "copie.db"), cwd=tmp_path)
        assert again.returncode == 1 and "existe déjà" in again.stderr
    finally:
        storage.close()
    missing = spaser_bot("backup", "--config", str(write_config(tmp_path, storage="{path: nulle.db}")), "x.db", cwd=tmp_path)
    assert missing.returncode == 1 and "Aucune base à sauvegarder" in missing.stderr


def test_an_upgrade_keeps_a_copy_of_the_database_before_migrating(tmp_path):
    import sqlite3

    import sqlite_utils

    from storage.db import migrations, open_database

    path = tmp_path / "spaser.db"
    # As the previous version left it: every migration but the last one applied.
    last = migrations.pending(sqlite_utils.Database(memory=True))[-1].name
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before=last)
    old["meta"].insert({"key": "marque", "value": "ancienne version"})
    old.close()

    db = open_database(path)
    db.close()
    copies = list(tmp_path.glob(f"spaser.avant-{last}-*.db"))
    assert len(copies) == 1
    copy = sqlite3.connect(copies[0])
    assert copy.execute("SELECT value FROM meta WHERE key = 'marque'").fetchone() == ("ancienne version",)
    assert copy.execute("SELECT COUNT(*) FROM _sqlite_migrations WHERE name = ?", [last]).fetchone() == (0,)
    copy.close()
    open_database(path).close()  # nothing pending: no second copy
    assert len(list(tmp_path.glob("spaser.avant-*"))) == 1


def test_registre_is_filled_from_the_configuration(tmp_path):
    config = write_config(tmp_path, privacy='{controller: "Ville de Poitiers", contact: "dpo@poitiers.fr", retention_days: 180}',
                          admins='[5]')
    result = spaser_bot("registre", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "**Responsable du traitement** : Ville de Poitiers" in result.stdout
    assert "dpo@poitiers.fr" in result.stdout and "180 jours" in result.stdout
    assert "telegram:5" in result.stdout
    (tmp_path / "ailleurs").mkdir()
    unset = spaser_bot("registre", cwd=tmp_path / "ailleurs")  # no config.yaml there
    assert "[à renseigner : clé privacy.controller]" in unset.stdout


def test_cli_speaks_french_and_explains_file_errors(tmp_path):
    help_text = spaser_bot("broadcast", "--help", cwd=tmp_path).stdout
    assert help_text.startswith("usage : ") and "afficher cette aide et quitter" in help_text
    wrong = spaser_bot("broadcast", "--topic", "x", cwd=tmp_path)
    assert wrong.returncode == 2 and "erreur : argument --topic : choix invalide" in wrong.stderr
    missing = spaser_bot("broadcast", "--text-file", "absent.txt", cwd=tmp_path)
    assert missing.returncode == 2 and "fichier introuvable" in missing.stderr and "FileNotFoundError" not in missing.stderr


def test_broadcast_status_shows_the_local_time_typed(tmp_path):
    (tmp_path / "annonce.txt").write_text("Webinaire SPASER", encoding="utf-8")
    queued = spaser_bot("broadcast", "--text-file", "annonce.txt", "--at", "12/03/2027 14h30", cwd=tmp_path)
    assert queued.returncode == 0, queued.stderr
    status = spaser_bot("broadcast", "--status", cwd=tmp_path).stdout
    assert "[programmée]" in status and "prévue le 12/03/2027 à 14h30 (Europe/Paris)" in status
