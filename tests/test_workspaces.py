"""Workspaces: invitation codes, joining, leaving and removing members."""

from __future__ import annotations

from storage import Storage


def test_invite_codes_are_one_time_and_expire(tmp_path, clock):
    storage = Storage.open(tmp_path / "w.db")
    workspace = storage.workspaces.ensure(1)
    code, _ = storage.workspaces.create_invite(workspace.id, 1)
    assert storage.workspaces.join(2, code.lower())[0] == "joined"  # case does not matter
    assert storage.workspaces.join(2, code)[0] == "already"
    assert storage.workspaces.join(3, code)[0] == "used"
    assert storage.workspaces.join(3, "NOPE1234")[0] == "unknown"
    code, _ = storage.workspaces.create_invite(workspace.id, 1)
    clock.advance(days=6, hours=23)
    assert storage.workspaces.join(3, "NOPE1234")[0] == "unknown"  # (the code itself stays untried)
    clock.advance(hours=2)  # seven days and one hour: past its week
    assert storage.workspaces.join(3, code)[0] == "expired"
    storage.close()


def test_a_member_elsewhere_must_leave_first_and_what_they_added_stays(tmp_path):
    storage = Storage.open(tmp_path / "w.db")
    first = storage.workspaces.ensure(1)
    other = storage.workspaces.ensure(2)
    storage.actors.add(other.id, 2, {"name": "CRESS"})
    code, _ = storage.workspaces.create_invite(first.id, 1)
    assert storage.workspaces.join(2, code)[0] == "member_elsewhere"
    assert storage.workspaces.leave(2)
    assert storage.workspaces.join(2, code)[0] == "joined"
    storage.actors.add(first.id, 2, {"name": "CCI"})
    assert storage.workspaces.leave(2)
    assert [a.name for a in storage.actors.list(first.id)] == ["CCI"]
    storage.close()


def test_only_the_creator_removes_and_the_creator_role_passes_on(tmp_path):
    storage = Storage.open(tmp_path / "w.db")
    workspace = storage.workspaces.ensure(1)
    for user in (2, 3):
        code, _ = storage.workspaces.create_invite(workspace.id, 1)
        storage.workspaces.join(user, code)
    assert not storage.workspaces.remove(2, 3)  # a member cannot remove
    assert storage.workspaces.remove(1, 3)
    assert storage.workspaces.leave(1)
    assert storage.workspaces.of_user(2).role == "creator"
    storage.close()
