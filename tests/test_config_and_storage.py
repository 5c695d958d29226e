"""Settings loading and the SQLite layer."""

from __future__ import annotations

import sqlite3

import pytest

from bot.config import ConfigError, load_settings
from storage import Storage
from storage.db import migrations


def write(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.storage.path == "data/spaser.db"
    assert settings.broadcast.rate_per_second == 25
    assert settings.telegram.webhook is None


def test_example_config_loads(monkeypatch):
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "config.example.yaml"
    settings = load_settings(example)
    assert settings.timezone == "Europe/Paris"


@pytest.mark.parametrize(
    "text, message",
    [
        ("telegram:\n  tokn: x\n", "telegram.tokn"),
        ("storage:\n  path: [1, 2]\n", "storage.path"),
        ("admins: 12\n", "admins"),
        ("admins: [abc]\n", "admins[0]"),
        ("broadcast:\n  rate_per_second: vite\n", "broadcast.rate_per_second"),
        ("faq: [\n", "YAML"),
        ("- 1\n- 2\n", "racine"),
        ('telegram:\n  base_url: "ftp://127.0.0.1:1/"\n', "telegram.base_url"),
        ("telegram:\n  webhook:\n    port: 99999\n", "telegram.webhook.port"),
        ("telegram:\n  webhook:\n    secret_token: 'a b'\n", "telegram.webhook.secret_token"),
        ("timezone: Mars/Olympus\n", "timezone"),
        ("broadcast:\n  rate_per_second: 0\n", "broadcast.rate_per_second"),
        ("broadcast:\n  rate_per_second: -5\n", "broadcast.rate_per_second"),
        ("broadcast:\n  rate_per_second: .nan\n", "broadcast.rate_per_second"),
        ("privacy:\n  retention_days: 0\n", "privacy.retention_days"),
        ("privacy:\n  retention_days: -1\n", "privacy.retention_days"),
        ("faq:\n  answer_threshold: 500\n", "faq.answer_threshold"),
        ("faq:\n  answer_threshold: 40\n  suggest_threshold: 60\n", "faq.suggest_threshold"),
    ],
)
def test_bad_config_names_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text))
    assert message in str(err.value)


def test_environment_token_wins(tmp_path, monkeypatch):
    settings = load_settings(write(tmp_path, "telegram:\n  token: from-file\n"))
    monkeypatch.setenv("SPASER_BOT_TOKEN", "from-env")
    assert settings.token() == "from-env"


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="introuvable"):
        load_settings(tmp_path / "absent.yaml")


def test_database_is_wal_migrated_and_reopens(tmp_path):
    path = tmp_path / "sub" / "spaser.db"
    storage = Storage.open(path)
    assert storage.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [m.name for m in migrations.pending(storage.db)] == []
    assert storage.users.touch(7, "Alix", "fr") is True
    storage.close()
    again = Storage.open(path)
    assert again.users.touch(7, "Alix", "fr") is False
    assert again.users.get(7).first_seen <= again.users.get(7).last_seen
    again.close()


def test_blocked_user_is_unblocked_when_they_come_back(tmp_path):
    storage = Storage.open(tmp_path / "db.sqlite")
    storage.users.touch(1, "A", None)
    storage.users.mark_blocked(1)
    assert storage.users.get(1).blocked
    storage.users.touch(1, None, None)
    assert not storage.users.get(1).blocked and storage.users.get(1).display_name == "A"
    storage.close()


def test_feedback_on_unknown_question_is_refused(tmp_path):
    storage = Storage.open(tmp_path / "db.sqlite")
    assert storage.questions.record_feedback(1, 999, True) is False
    storage.close()


def test_a_failed_migration_leaves_nothing_half_done(tmp_path):
    from sqlite_utils import Database, Migrations

    broken = Migrations("broken")

    @broken()
    def create_then_fail(db):
        db["half"].create({"id": int}, pk="id")
        raise RuntimeError("boom")

    db = Database(tmp_path / "m.db")
    with pytest.raises(RuntimeError):
        broken.apply(db)
    assert "half" not in db.table_names()
    assert isinstance(db.conn, sqlite3.Connection)


def test_expired_imports_give_their_space_back_to_the_disk(tmp_path, clock):
    from pathlib import Path

    storage = Storage.open(tmp_path / "s.db")
    rows = {"added": [{"name": "x" * 1000, "description": "d" * 1000} for _ in range(400)], "updated": [], "conflicts": []}
    for user in range(10):
        storage.imports.stage(user, 1, "a", rows)
    storage.freed.release()

    def on_disk() -> int:
        return sum(p.stat().st_size for p in Path(tmp_path).glob("s.db*"))

    staged = on_disk()
    clock.advance(hours=1, minutes=1)
    assert storage.imports.purge_expired() == 10
    assert on_disk() < staged / 5
    storage.close()


def test_a_database_from_before_incremental_vacuum_is_converted_once(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE legacy (x)")
    conn.commit()
    conn.close()
    storage = Storage.open(path)
    assert storage.db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    assert "legacy" in storage.db.table_names()
    storage.close()
