"""The starter SPASER outline: what the workspace entered, in its place, in Markdown and DOCX."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest

from docx import Document as DocxDocument

from bot.plan import generate
from tests.conftest import Chat
from tests.test_dialogs import add_actor, fill_profile


def make_plan(chat: Chat, renames=()) -> tuple[str, bytes]:
    chat.say("/plan")
    chat.press("Valider la sélection")
    for rename in renames:
        chat.say(rename)
    if renames:
        chat.press("Non, c'est tout")
    else:
        chat.say("/passer")
    chat.press("Valider")
    documents = {d.filename.rsplit(".", 1)[1]: d.content for d in chat.documents}
    return documents["md"].decode("utf-8"), documents["docx"]


def add_indicator(chat: Chat, theme: str, example: str, priority: str, objective: str = "") -> None:
    chat.say("/indicateurs")
    chat.press("Ajouter un")
    chat.press(theme)
    chat.say("/passer")  # sub-theme
    chat.say("/passer")  # schemes
    chat.say(objective) if objective else chat.say("/passer")
    chat.say("/passer")  # link with purchasing
    chat.press(example)
    chat.press("Nombre de contrats")
    chat.say("30 %")
    chat.say("2028")
    chat.say("Direction des achats")
    chat.press(f"{priority} ·")
    chat.press("Valider")


def test_full_workspace_every_name_indicator_and_priority_in_place(chat):
    fill_profile(chat)
    add_actor(chat, "Maison de l'emploi", ("Social",))
    add_actor(chat, "Agence locale de l'énergie", ("Environnement",))
    add_indicator(chat, "Social", "Nombre d'heures d'insertion", "1", "Doubler les heures d'insertion")
    add_indicator(chat, "Environnement", "Part des achats issus du réemploi", "2")
    markdown, docx = make_plan(chat)
    assert "SPASER — Ville de Quimper" in markdown and "2026–2030" in markdown
    assert "le SPASER est obligatoire pour Ville de Quimper" in markdown
    social = markdown.split("### Axe 1 — Une commande publique sociale")[1].split("### Axe 2")[0]
    assert "Maison de l'emploi" in social and "Nombre d'heures d'insertion" in social
    assert "Doubler les heures d'insertion (cible : 30 % en 2028)" in social
    assert "Agence locale" not in social  # an environment actor is not in the social axis
    ecological = markdown.split("### Axe 2 — Une commande publique écologiquement responsable")[1].split("### Axe 3")[0]
    assert "Agence locale de l'énergie" in ecological and "| Part des achats issus du réemploi | Nombre de contrats | 30 % en 2028 | 2 |" in ecological
    annexes = markdown.split("## 4. Annexes")[1]
    assert "Maison de l'emploi" in annexes and "Agence locale de l'énergie" in annexes
    steering = markdown.split("## 3. Suivre et piloter")[1].split("## 4. Annexes")[0]
    assert "| Social | Nombre d'heures d'insertion | Nombre de contrats | 30 % en 2028 | 1 | Direction des achats |" in steering
    assert "1 à 2 fois par an" in steering and "3 à 4 fois par an" in steering
    assert "None" not in markdown and "{{" not in markdown


def test_empty_workspace_gives_guidance_and_suggestions_never_empty_headings(chat):
    markdown, _ = make_plan(chat)
    assert "Renseignez-le avec /profil" in markdown
    assert "Ajoutez-les avec /cartographie" in markdown and "Ajoutez ses indicateurs avec /indicateurs" in markdown
    assert "proposition à adapter" in markdown
    assert "None" not in markdown
    # every heading has content: text of its own, or sub-headings
    headings = list(re.finditer(r"^(#{1,4}) .+$", markdown, flags=re.MULTILINE))
    for here, after in zip(headings, headings[1:] + [None]):
        if after is not None and len(after.group(1)) > len(here.group(1)):
            continue
        body = markdown[here.end() : after.start() if after else len(markdown)]
        assert body.strip(), f"empty section {here.group(0)!r}"


def test_hostile_text_appears_literally_in_both_formats(chat, assistant):
    hostile = "Ville <b>&amp; {{ 7*7 }} {% if %} \"x\" | 🚀"
    fill_profile(chat, ["Commune", hostile, "Bretagne", "10", "Non, aucun", "2026", "2030"])
    markdown, docx = make_plan(chat, renames=["1 : Axe *gras* _x_ # {{ y }}"])
    text = "\n".join(p.text for p in DocxDocument(io.BytesIO(docx)).paragraphs)
    assert hostile in text
    assert "Axe *gras* _x_ # {{ y }}" in text
    assert "49" not in text.split("Ville")[1][:40]  # {{ 7*7 }} was not evaluated


def test_docx_has_word_headings_tables_and_a_toc_field(chat):
    fill_profile(chat)
    add_actor(chat, "CRESS Bretagne", ("Social", "Économique"))
    _, docx = make_plan(chat)
    document = DocxDocument(io.BytesIO(docx))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert ("Title", "SPASER — Ville de Quimper") in headings
    assert ("Heading 1", "2. Le plan d'action") in headings
    assert ("Heading 2", "Axe 1 — Une commande publique sociale") in headings
    assert ("Heading 3", "Acteurs") in headings
    assert document.tables and document.tables[0].cell(0, 0).text == "Structure"
    assert any("CRESS Bretagne" in c.text for t in document.tables for row in t.rows for c in row.cells)
    body = document.element.body.xml
    assert 'TOC \\o "1-3"' in body and 'w:fldCharType="begin"' in body


def test_docx_is_a4_french_with_its_properties_page_numbers_and_a_cover_page(chat):
    import zipfile
    from datetime import date

    fill_profile(chat)
    add_actor(chat, "CRESS Bretagne", ("Social",))
    _, docx = make_plan(chat)
    document = DocxDocument(io.BytesIO(docx))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    core = document.core_properties
    assert core.title.startswith("SPASER — Ville de Quimper") and core.author == "Ville de Quimper"
    assert core.subject and "python-docx" not in (core.comments + core.keywords + core.author)
    assert core.created.date() == date.today() and core.language == "fr-FR"
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        styles = archive.read("word/styles.xml").decode()
        body = archive.read("word/document.xml").decode()
        footers = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("word/footer"))
    assert 'w:lang w:val="fr-FR"' in styles and "en-US" not in styles
    assert " PAGE " in footers and " NUMPAGES " in footers and "sur" in footers
    assert body.count('w:type="page"') >= 2  # the cover, then the contents, each on its own page
    assert "<w:cantSplit/>" in body and "<w:tblHeader/>" in body
    paragraphs = [p.text for p in document.paragraphs]
    assert any(t.startswith("Version de travail du ") for t in paragraphs[: paragraphs.index("Sommaire")])


def test_generation_is_recorded_and_axes_remembered(chat, assistant):
    make_plan(chat, renames=["2 : Verte et sobre"])
    workspace = assistant.services.storage.workspaces.of_user(42)
    assert assistant.services.storage.outlines.count(workspace["id"]) == 1
    assert "Réponse actuelle" not in chat.say("/plan")
    assert "2 : Verte et sobre" in chat.press("Valider la sélection")  # the earlier rename is offered again
    assert assistant.services.storage.outlines.last_axes(workspace["id"])[1][1] == "Verte et sobre"


def test_a_rename_with_a_bad_number_is_refused_when_typed(chat):
    chat.say("/plan")
    chat.press("Valider la sélection")
    text = chat.say("9 : Trop loin")
    assert "de 1 à 4" in text and "Voulez-vous renommer un axe" in text
    text = chat.say("1 : Une commande publique inclusive")
    assert "Une commande publique inclusive" in text and "Voulez-vous renommer un axe" not in text.split("\n")[0]


def test_generate_directly_escapes_table_cells(assistant):
    dialogs = assistant.services.dialogs
    actors = [{"id": 1, "name": "A | B", "typology": "elu", "role": "consultation", "involvement": "autre",
               "themes": "social", "contact": None}]
    markdown, docx = generate(dialogs, None, actors, [], [("social", "Social")])
    assert "A \\| B" in markdown
    document = DocxDocument(io.BytesIO(docx))
    assert any(c.text == "A | B" for t in document.tables for row in t.rows for c in row.cells)


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler-utils are not installed (apt install libreoffice-writer-nogui poppler-utils)")
def test_libreoffice_makes_an_odt_and_a_tagged_pdf_with_its_contents_filled(chat, tmp_path, monkeypatch):
    from bot import office

    monkeypatch.delenv("SPASER_SOFFICE")
    fill_profile(chat)
    add_actor(chat, "CRESS Bretagne", ("Social",))
    _, docx = make_plan(chat)
    files = office.convert(docx)
    assert files["odt"].startswith(b"PK") and b"application/vnd.oasis.opendocument.text" in files["odt"][:200]
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(files["pdf"])
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 5 and re.search(r"Tagged:\s+yes", info) and "A4" in info
    contents = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True).stdout
    listed = re.findall(r"^(.+?)\.{3,}\s*(\d+)$", contents, flags=re.MULTILINE)
    titles = [title for title, _ in listed]
    assert "2. Le plan d'action" in titles and "Sommaire" not in titles  # filled, page numbers included
    assert all(1 < int(page) <= pages for _, page in listed)
    assert f"page 2 sur {pages}" in contents


def test_without_libreoffice_the_plan_says_so_in_one_line(chat):
    make_plan(chat)
    assert "LibreOffice n'est pas installé" in chat.text
    assert sorted(d.filename.rsplit(".", 1)[1] for d in chat.documents) == ["docx", "md"]


def test_a_conversion_that_hangs_is_killed_at_its_timeout(tmp_path, monkeypatch):
    import time

    from bot import office

    hanging = tmp_path / "soffice"
    hanging.write_text("#!/bin/sh\nsleep 60\n")
    hanging.chmod(0o755)
    monkeypatch.setenv("SPASER_SOFFICE", str(hanging))
    monkeypatch.setattr(office, "_profile", None)
    start = time.monotonic()
    with pytest.raises(office.OfficeError, match="n'a pas fini en 1 s"):
        office.convert(b"PK", timeout=1)
    assert time.monotonic() - start < 10
    assert subprocess.run(["pgrep", "-f", str(hanging)], capture_output=True).returncode == 1  # none left
