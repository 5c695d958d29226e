"""The starter SPASER outline: what the workspace entered, in its place, in Markdown and DOCX."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest

from docx import Document as DocxDocument

from bot.features.plan import generate
from storage.rows import Actor, Indicator, Workspace, from_plain
from tests.support.chat import Chat
from tests.support.workspace import add_actor, fill_profile, make_plan


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
    assert "le SPASER est obligatoire pour la Ville de Quimper" in markdown
    social = markdown.split("### Axe 1 — Une commande publique sociale")[1].split("### Axe 2")[0]
    assert "Maison de l'emploi" in social and "Nombre d'heures d'insertion" in social
    assert "- Doubler les heures d'insertion\n" in social
    assert "Agence locale" not in social  # an environment actor is not in the social axis
    ecological = markdown.split("### Axe 2 — Une commande publique écologiquement responsable")[1].split("### Axe 3")[0]
    assert "Agence locale de l'énergie" in ecological
    assert ("- **Part des achats issus du réemploi** (Environnement) — exprimé en : Nombre de contrats ; "
            "cible : 30 % en 2028 ; référent : Direction des achats ; priorité 2 · nécessaire mais secondaire.") in ecological
    for name in ("Maison de l'emploi", "Agence locale de l'énergie", "Nombre d'heures d'insertion",
                 "Part des achats issus du réemploi", "Doubler les heures d'insertion"):
        assert markdown.count(name) == 1, name  # each actor and indicator once, in its place
    steering = markdown.split("## 3. Suivre et piloter")[1].split("## 4. Annexes")[0]
    assert "(2 au total)" in steering and "publiés tous les deux ans" in steering
    assert "1 à 2 fois par an" in steering and "3 à 4 fois par an" in steering
    assert "### Adoption et publication" in steering and "### Révision et mise à jour" in steering
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
    assert assistant.services.storage.outlines.count(workspace.id) == 1
    assert "Réponse actuelle" not in chat.say("/plan")
    assert "2 : Verte et sobre" in chat.press("Valider la sélection")  # the earlier rename is offered again
    assert assistant.services.storage.outlines.last_axes(workspace.id)[1][1] == "Verte et sobre"


def test_a_rename_with_a_bad_number_is_refused_when_typed(chat):
    chat.say("/plan")
    chat.press("Valider la sélection")
    text = chat.say("9 : Trop loin")
    assert "de 1 à 3" in text and "Voulez-vous renommer un axe" in text
    text = chat.say("1 : Une commande publique inclusive")
    assert "Une commande publique inclusive" in text and "Voulez-vous renommer un axe" not in text.split("\n")[0]


def test_generate_directly_escapes_table_cells(assistant):
    dialogs = assistant.services.dialogs
    actors = [Actor(id=1, workspace_id=1, name="A | B", typology="elu", role="consultation", involvement="autre",
                    themes=("social",))]
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


def _typed_value(step, n: int):
    """A value for any step of a definition, distinct per field, as the dialog would store it."""
    if step.kind == "choice":
        return step.choices[n % len(step.choices)].value
    if step.kind == "multi":
        return [c.value for c in step.choices[:2]]
    if step.kind == "list":
        return [f"liste-{step.id.replace('_', '')}-a", f"liste-{step.id.replace('_', '')}-b"]
    if step.kind == "number":
        return int(step.min or 0) + 7 if step.integer else float(step.min or 0) + 7.5
    if step.kind == "yesno":
        return True
    return f"texte-{step.id.replace('_', '')}-{n}"


# Choices the document words as a sentence rather than by their label.
WORDED = {("profil", "existing_spaser"): "succède au précédent SPASER"}


def test_every_stored_field_of_a_filled_workspace_appears_in_the_document(assistant):
    """Derived from the dialog definitions: a field added to a dialog must find its place in the document."""
    from dialogs.inputs import format_value

    dialogs = assistant.services.dialogs
    profile = {s.id: _typed_value(s, 0) for s in dialogs["profil"].steps}
    profile["purchases_meur"], profile["period_start"], profile["period_end"] = 120, 2026, 2031
    profile["existing_spaser"] = "adopte"  # the step on its years is asked only then
    actors = [{s.id: _typed_value(s, n) for s in dialogs["acteur"].steps} for n in (1, 2)]
    indicators = [{s.id: _typed_value(s, n) for s in dialogs["indicateur"].steps} for n in (1, 2)]

    # A field of a dialog that its record lacks fails here, as it would fail to be stored.
    markdown, _ = generate(
        dialogs, Workspace(id=1, **profile),
        [from_plain(Actor, {"id": n, "workspace_id": 1, **values}) for n, values in enumerate(actors, 1)],
        [from_plain(Indicator, {"id": n, "workspace_id": 1, **values}) for n, values in enumerate(indicators, 1)],
        [("social", "Social"), ("ecologique", "Écologie"), ("economie_responsable", "Économie")],
    )
    missing = []
    for dialog_id, rows in (("profil", [profile]), ("acteur", actors), ("indicateur", indicators)):
        for row in rows:
            for step in dialogs[dialog_id].steps:
                value = row[step.id]
                if step.id == "priority":
                    value = str(value)
                shown = WORDED.get((dialog_id, step.id)) or format_value(step, value)
                if str(shown) not in markdown and not (step.kind == "number" and str(row[step.id]) in markdown):
                    missing.append(f"{dialog_id}.{step.id} = {shown!r}")
                elif step.kind == "text" and step.id != "name" and markdown.count(str(shown)) != 1:
                    # names designate (the structure in sentences, an actor in the internal annex); the rest, once
                    missing.append(f"{dialog_id}.{step.id} appears {markdown.count(str(shown))} times")
    assert missing == [], "\n".join(missing)


def test_rows_go_where_their_words_and_themes_say_and_moves_are_kept(chat, assistant):
    fill_profile(chat)
    add_actor(chat, "Fédération du bâtiment", ("Économique",))
    add_actor(chat, "Conseil de développement", ("Gouvernance",))
    add_indicator(chat, "Environnement", "Part des achats issus du réemploi", "1")
    chat.say("/plan")
    assert "Gouvernance et suivi" not in " ".join(chat.labels)  # not an axis any more
    for axis in ("Une commande publique sociale", "Une commande publique écologiquement responsable"):
        chat.press(axis)  # untick two of the three classic axes
    chat.press("Alimentation durable")
    chat.press("Économie circulaire")
    chat.press("Valider la sélection")
    chat.say("/passer")  # renames
    text = chat.text
    # axes are numbered in the order of the choices: 1 économie responsable, 2 alimentation, 3 économie circulaire;
    # rows as the map lists them (by typology and name)
    assert "A2 Fédération du bâtiment → axe 1" in text  # économique: the economic axis, not « alimentation »
    assert "A1 Conseil de développement → suivi" in text
    assert "I1 Part des achats issus du réemploi → axe 3" in text  # « réemploi » names the circular economy
    refused = chat.say("A9 : 1")
    assert "A1 à A2" in refused and "I1 à I1" in refused
    chat.say("A2 : 2")
    chat.press("Non, c'est tout")
    chat.say("/passer")  # diagnostic annex: left out
    chat.press("Valider")
    markdown = next(d for d in chat.documents if d.filename.endswith(".md")).content.decode("utf-8")
    food = markdown.split("### Axe 2 — Alimentation durable, bio et circuits courts")[1].split("### Axe 3")[0]
    assert "Fédération du bâtiment" in food and "loi EGalim" in food and "20 % de produits biologiques" in food
    steering = markdown.split("## 3. Suivre et piloter")[1]
    assert "Conseil de développement" in steering.split("### Adoption")[0]
    workspace = assistant.services.storage.workspaces.of_user(42)
    stored = {a.name: a.axis for a in assistant.services.storage.actors.list(workspace.id)}
    assert stored["Fédération du bâtiment"] == "alimentation"
    chat.say("/plan")
    chat.press("Valider la sélection")
    chat.say("/passer")  # renames; then the moves step shows the place kept from last time
    assert "A2 Fédération du bâtiment → axe 2" in chat.text


def test_legal_parts_french_articles_and_an_internal_annex_only_when_asked(chat, assistant):
    fill_profile(chat, ["Département", "Département de la Gironde", "Nouvelle-Aquitaine", "120", "Non, aucun",
                        "2026", "2031"])
    add_indicator(chat, "Social", "Nombre d'heures d'insertion", "1")
    chat.say("/diagnostic")
    for _ in range(10):
        chat.press(chat.labels[0])
    chat.press("Valider")
    markdown, _ = make_plan(chat)
    assert "le SPASER est obligatoire pour le Département de la Gironde" in markdown
    assert "entreprises solidaires d'utilité sociale (ESUS)" in markdown and "L. 3332-17-1" in markdown
    assert "personnes défavorisées" in markdown and "publiés tous les deux ans" in markdown
    assert "mise en ligne sur le site internet du Département de la Gironde" in markdown
    assert "À rédiger par l'élu·e" in markdown and "Repère national" in markdown
    assert "Autodiagnostic" not in markdown.split("## 4. Annexes")[1] and "/100" not in markdown
    with_annex, _ = make_plan(chat, annex=True)
    annex = with_annex.split("### Autodiagnostic de maturité (usage interne)")[1]
    assert "/100" in annex and "À retirer avant publication" in annex
    assert "/100" not in with_annex.split("## 4. Annexes")[0]


def test_a_typed_label_with_commas_is_one_choice_and_a_refusal_quotes_the_text_once(chat):
    chat.say("/plan")
    text = chat.say("Alimentation durable, bio et circuits courts")
    assert "✅ Alimentation durable, bio et circuits courts" in " ".join(chat.labels), text
    chat.press("Valider la sélection")
    chat.say("/passer")  # renames
    chat.say("l'axe 2 s'il vous plaît")
    html = " ".join(r.html for r in chat.replies)
    assert "« l&#39;axe 2 s&#39;il vous plaît »" in html  # escaped once for Telegram's HTML, not twice
    assert "&amp;" not in html
