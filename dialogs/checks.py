"""`spaser-bot kb check` for the dialog files, and the start-up check of the same.

Beyond the files' own consistency, the features need their dialogs and the
steps whose answers they store (the profile's columns, an actor's, an
indicator's): removing one of those from a YAML file must fail here, not in
front of a user.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dialogs.definitions import DefinitionError, Dialog, load_dialogs


Required = Mapping[str, tuple[str, ...]]


def missing_steps(dialogs: dict[str, Dialog], required: Required) -> list[str]:
    """`required`: per dialog, the steps the features store (they declare them)."""
    problems = []
    for dialog_id, fields in required.items():
        dialog = dialogs.get(dialog_id)
        if dialog is None:
            problems.append(f"dialogs/definitions : le dialogue « {dialog_id} » est nécessaire et manque")
            continue
        for field in fields:
            if dialog.step(field) is None:
                problems.append(f"dialogs/definitions/{dialog_id}.yaml : l'étape « {field} » est nécessaire et manque")
    return problems


def companion_problems(dialogs: dict[str, Dialog]) -> list[str]:
    """The data files that go with the dialogs: diagnostic profiles, examples of SPASER."""
    from dialogs.diagnostic import check_settings
    from knowledge.examples import check_examples

    problems = []
    if "diagnostic" in dialogs:
        problems += check_settings([s.id for s in dialogs["diagnostic"].steps])
    if "profil" in dialogs and dialogs["profil"].step("structure_type") and dialogs["profil"].step("region"):
        types = {c.value for c in dialogs["profil"].step("structure_type").choices}
        regions = {c.value for c in dialogs["profil"].step("region").choices}
        problems += check_examples(types, regions)
    return problems


def load_checked_dialogs(required: Required, folder: Path | None = None) -> dict[str, Dialog]:
    dialogs = load_dialogs(folder)
    problems = missing_steps(dialogs, required)
    if not problems:
        problems = companion_problems(dialogs)
    if problems:
        raise DefinitionError(problems)
    return dialogs


def check_dialogs(required: Required, folder: Path | None = None) -> tuple[list[str], str]:
    """Return (problems, summary); no problems means every dialog can run."""
    try:
        dialogs = load_checked_dialogs(required, folder)
    except DefinitionError as exc:
        return exc.problems, ""
    from knowledge.examples import load_examples

    steps = sum(len(d.steps) for d in dialogs.values())
    return [], (
        f"Dialogues valides : {len(dialogs)} dialogues, {steps} étapes ; "
        f"autodiagnostic et {len(load_examples())} exemples de SPASER publiés valides."
    )
