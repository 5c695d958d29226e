"""Where the running assistant reads its content: the installed copy, or a folder the operator owns.

With `pip install .`, the answers, dialogs and outline texts are package data:
an animator who edits the checkout changes nothing the bot reads. So the
configuration may name a content folder (`content_dir`), made once by
`spaser-bot content init DIR` from the installed copy; every loader then reads
there, and every command that reads content says which folder it used. One
process serves one configuration: the folder is chosen once at start (`use`)
and the loaders ask `current()` each time they read.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

# The project's top-level packages sit side by side, installed or checked out.
INSTALLED = Path(__file__).resolve().parents[1]

# What a content folder holds, in the same layout as the installed copy.
# Folders are copied whole; the code needs every one of these to exist.
LAYOUT = (
    "knowledge/faq",
    "knowledge/synonyms.yaml",
    "knowledge/allowed_urls.yaml",
    "knowledge/examples.yaml",
    "knowledge/out_of_scope.yaml",
    "dialogs/definitions",
    "dialogs/diagnostic/profiles.yaml",
    "dialogs/outline/axes.yaml",
    "dialogs/outline/lexicon.yaml",
)


class ContentError(Exception):
    """A content folder that cannot be made or used, worded for the operator."""


@dataclass(frozen=True)
class Content:
    root: Path
    installed: bool

    @property
    def knowledge(self) -> Path:
        return self.root / "knowledge"

    @property
    def examples(self) -> Path:
        return self.root / "knowledge" / "examples.yaml"

    @property
    def definitions(self) -> Path:
        return self.root / "dialogs" / "definitions"

    @property
    def profiles(self) -> Path:
        return self.root / "dialogs" / "diagnostic" / "profiles.yaml"

    @property
    def outline(self) -> Path:
        return self.root / "dialogs" / "outline"

    def describe(self) -> str:
        """The first line of every command that reads content."""
        if self.installed:
            return (f"Contenu lu dans la copie installée avec le logiciel ({self.root}) ; "
                    "pour le modifier : spaser-bot content init DOSSIER, puis content_dir dans la configuration.")
        return f"Contenu lu dans le dossier {self.root} (clé content_dir)."

    def inside_installation(self) -> bool:
        """Installed by pip into site-packages (not an editable checkout): edits there are lost at the next upgrade."""
        return any(part in ("site-packages", "dist-packages") for part in self.root.parts)

    def missing(self) -> list[str]:
        """Paths (relative) the installed version has and this folder lacks: a folder made by an older version."""
        if self.installed:
            return []
        found = []
        for relative in LAYOUT:
            source, here = INSTALLED / relative, self.root / relative
            if source.is_dir():
                if not here.is_dir():
                    found.append(relative)
                    continue
                found += [f"{relative}/{p.name}" for p in sorted(source.glob("*.yaml")) if not (here / p.name).exists()]
            elif not here.is_file():
                found.append(relative)
        return found

    def outdated(self) -> list[str]:
        """`missing()` as sentences that say what to do."""
        return [
            f"{self.root / name}{'/ (dossier entier)' if (INSTALLED / name).is_dir() else ''} : absent de ce dossier "
            f"de contenu, ajouté par une version plus récente du logiciel ; copiez-le depuis {INSTALLED / name} puis "
            "adaptez-le."
            for name in self.missing()
        ]


_current = Content(INSTALLED, installed=True)


def current() -> Content:
    return _current


def use(directory: str | Path | None) -> Content:
    """Read content from `directory` from now on (None: the installed copy)."""
    global _current
    if directory is None:
        _current = Content(INSTALLED, installed=True)
        return _current
    root = Path(directory).expanduser().resolve()
    if not root.is_dir():
        raise ContentError(
            f"le dossier de contenu {root} (clé content_dir) n'existe pas ; créez-le avec « spaser-bot content init {directory} »."
        )
    _current = Content(root, installed=root == INSTALLED)
    return _current


def init(directory: str | Path) -> Content:
    """Copy the installed content into a new folder; never over an existing one."""
    root = Path(directory).expanduser().resolve()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ContentError(f"{root} existe déjà et n'est pas vide : choisissez un nouveau dossier (rien n'a été copié).")
    try:
        for relative in LAYOUT:
            source, target = INSTALLED / relative, root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(source, target)
    except OSError as exc:
        raise ContentError(f"copie impossible vers {root} : {exc.strerror or exc}") from None
    return Content(root, installed=False)
