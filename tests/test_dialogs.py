"""The guided dialogs as a person goes through them: profile, map, grid, navigation, restarts."""

from __future__ import annotations

import pytest
from tests.support.chat import Chat
from tests.support.workspace import HEADER, PROFILE, add_actor, fill_profile, workbook


def test_profile_completed_says_compulsory_and_stores_the_workspace(assistant, chat):
    text = fill_profile(chat)
    assert "Le SPASER est obligatoire pour vous" in text and "L2111-3" in text
    workspace = assistant.services.storage.workspaces.of_user(42)
    assert workspace.name == "Ville de Quimper"
    assert workspace.purchases_meur == 72.5 and workspace.region == "bretagne"
    assert (workspace.period_start, workspace.period_end) == (2026, 2030)


def test_profile_below_threshold_is_voluntary(chat):
    answers = list(PROFILE)
    answers[3] = "50"
    assert "n'est pas obligatoire" in fill_profile(chat, answers)


@pytest.mark.parametrize("typed", ["beaucoup", "-5", "1e308", "12 abc", "∞"])
def test_bad_numbers_are_refused_and_the_step_stays(chat, typed):
    chat.say("/profil")
    chat.press("Commune")
    chat.say("Ville")
    chat.press("Bretagne")
    text = chat.say(typed)
    assert "⚠️" in text and "montant total annuel" in text
    assert "Traceback" not in text


def test_a_very_long_answer_is_capped_with_a_clear_message(assistant, chat):
    chat.say("/profil")
    chat.press("Commune")
    text = chat.say("x" * 10_000)
    assert "dépassait 120 caractères" in text
    session = assistant.engine.pending(42)
    assert len(assistant.services.storage.dialogs.answers(session.id)["name"]) == 120


def test_back_skip_and_conditions(chat):
    chat.say("/profil")
    chat.press("Commune")
    chat.say("Ville")
    assert "nom de votre structure" in chat.press("Retour")  # back on the previous step, answer kept
    assert "Réponse actuelle : Ville" in chat.text
    chat.press("Garder la réponse actuelle")
    chat.press("Bretagne")
    chat.say("10")
    assert "Passer" not in chat.labels  # a required step cannot be skipped
    assert "ne peut pas être passée" in chat.say("/passer")
    chat.press("Oui, adopté")  # only then is the years step asked
    assert "Quelles années couvre" in chat.text
    assert "partir de quelle année" in chat.say("/passer")


def test_cancel_keeps_answers_and_offers_resume_or_restart(make_assistant):
    chat = Chat(make_assistant())
    chat.say("/profil")
    chat.press("Commune")
    chat.say("Ville de Brest")
    assert "interrompu" in chat.say("/annuler")
    chat.say("/profil")
    assert any("Reprendre" in label for label in chat.labels)
    chat.press("Reprendre")
    assert "Dans quelle région" in chat.text
    chat.say("/annuler")
    chat.say("/profil")
    chat.press("Recommencer")
    assert "Quel type de structure" in chat.text
    assert "Réponse actuelle" not in chat.text


def test_restart_mid_dialog_resumes_at_the_same_step(make_assistant):
    first = Chat(make_assistant())
    first.say("/profil")
    first.press("Département")
    first.say("Finistère")
    # The process dies; a new one opens the same database.
    second = Chat(make_assistant())
    text = second.say("/start")
    assert "Mon profil" in text and any("Reprendre" in label for label in second.labels)
    second.press("Reprendre")
    assert "Dans quelle région" in second.text
    second.press("Bretagne")
    second.say("120")
    second.press("Non, aucun")
    second.say("2025")
    second.say("2029")
    summary = second.say("/passer")  # SIRET
    assert "Département" in summary and "Finistère" in summary


def test_old_step_buttons_expire_and_show_the_current_step(chat):
    chat.say("/profil")
    old = chat.button("Commune").payload
    chat.press_payload(old)
    text = chat.press_payload(old)  # a double tap
    assert "n'est plus actif" in text and "nom de votre structure" in text


def test_summary_edit_changes_one_answer(assistant, chat):
    fill_profile(chat)
    chat.say("/profil")  # an existing profile opens on its summary
    assert "récapitulatif" in chat.text
    chat.press("Nom")
    chat.say("Quimper Bretagne Occidentale")
    assert "récapitulatif" in chat.text
    chat.press("Valider")
    assert assistant.services.storage.workspaces.of_user(42).name == "Quimper Bretagne Occidentale"


def test_a_question_during_a_dialog_is_answered_then_the_step_shown_again(chat):
    chat.say("/profil")
    chat.press("Commune")
    text = chat.say("combien de pages fait un spaser ?")
    assert "trentaine de pages" in text
    assert "nom de votre structure" in text
    text = chat.say("/aide")
    assert "nom de votre structure" in text


def test_stakeholder_map_add_edit_delete(assistant, chat):
    assert "CRESS Bretagne" in add_actor(chat, "CRESS Bretagne", ("Social", "Économique"))
    row = assistant.services.storage.actors.list(assistant.services.storage.workspaces.of_user(42).id)[0]
    assert row.themes == ("social", "economique") and row.added_by == 42
    stored = assistant.services.storage.db.execute("SELECT themes FROM actors WHERE id = ?", [row.id]).fetchone()[0]
    assert stored == "social;economique"  # the list's format in SQLite, known to storage alone
    chat.say("/cartographie")
    chat.press("CRESS Bretagne")
    chat.press("Modifier")
    chat.press("Structure")
    chat.say("CRESS de Bretagne")
    chat.press("Valider")
    chat.say("/cartographie")
    assert "CRESS de Bretagne" in chat.text
    chat.press("CRESS de Bretagne")
    chat.press("Supprimer")
    chat.press("Oui, supprimer")
    assert "Aucun acteur" in chat.text


def test_bad_contact_is_refused(chat):
    chat.say("/cartographie")
    chat.press("Ajouter un")
    chat.press("Élu")
    chat.say("Adjointe aux achats")
    chat.say("/passer")
    assert "ne ressemble ni" in chat.say("appelez-moi")
    assert "Quel rôle" in chat.say("+33 6 12 34 56 78")


def test_indicator_from_the_library_with_schemes_list(assistant, chat):
    chat.say("/indicateurs")
    chat.press("Ajouter un")
    chat.press("Social")
    chat.say("insertion")
    chat.say("PCAET")
    assert "En ajouter un autre" in chat.text
    chat.say("budget vert")
    chat.press("Non, c'est tout")
    chat.say("/passer")
    chat.say("/passer")
    chat.press("Nombre d'heures d'insertion")
    chat.press("Nombre de contrats")
    chat.say("80 000 heures")
    chat.say("2028")
    chat.say("Direction de la commande publique")
    text = chat.press("1 · au cœur")
    assert "récapitulatif" in text and "PCAET ; budget vert" in text
    chat.press("Valider")
    row = assistant.services.storage.indicators.list(assistant.services.storage.workspaces.of_user(42).id)[0]
    assert row.indicator == "Nombre d'heures d'insertion" and row.priority == 1 and row.target_year == 2028
    assert "priorité 1" in chat.say("/avancement")


def test_colleague_joins_and_sees_the_same_map(make_assistant):
    assistant = make_assistant()
    lead, colleague = Chat(assistant, 1, "Alix"), Chat(assistant, 2, "Sam")
    fill_profile(lead)
    text = lead.say("/inviter")
    code = text.split("Code d'invitation")[1].split(":")[1].split()[0]
    assert "Bienvenue" in colleague.say(f"/rejoindre {code}")
    assert "déjà servi" in Chat(assistant, 3).say(f"/rejoindre {code}")
    add_actor(colleague, "Maison de l'emploi")
    assert "Maison de l'emploi" in lead.say("/cartographie")
    lead.press("Maison de l'emploi")
    assert "Ajouté par Sam" in lead.text
    assert "Alix" in colleague.say("/espace") and "Sam" in colleague.text


def test_export_edit_import_round_trip_csv_and_xlsx(assistant, chat):
    add_actor(chat, "CRESS Bretagne")
    chat.say("/cartographie")
    chat.press("CSV")
    csv_bytes = chat.documents[0].content
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and b";" in csv_bytes
    edited = csv_bytes.decode("utf-8-sig").replace("CRESS Bretagne", "CRESS Bretagne (siège)")
    edited += ";Fédération professionnelle;FFB Bretagne;;;Partenariat;Envoi de contenus;Économique;\r\n"
    edited += ";Inconnu;X;;;Partenariat;Envoi de contenus;Social;\r\n"
    text = chat.send_file("carto.csv", edited.encode("utf-8-sig"))
    assert "1 ligne à ajouter" in text and "1 ligne à mettre à jour" in text and "1 ligne refusée" in text
    chat.press("Importer")
    names = {r.name for r in assistant.services.storage.actors.list(assistant.services.storage.workspaces.of_user(42).id)}
    assert names == {"CRESS Bretagne (siège)", "FFB Bretagne"}
    chat.say("/cartographie")
    chat.press("XLSX")
    from openpyxl import load_workbook
    import io

    book = load_workbook(io.BytesIO(chat.documents[0].content))
    sheet = book.active
    assert [c.value for c in sheet[1]][:3] == ["N°", "Typologie", "Structure"]
    sheet.cell(2, 3).value = "Renommée"
    out = io.BytesIO()
    book.save(out)
    chat.send_file("carto.xlsx", out.getvalue())
    chat.press("Importer")
    names = {r.name for r in assistant.services.storage.actors.list(assistant.services.storage.workspaces.of_user(42).id)}
    assert "Renommée" in names and len(names) == 2


@pytest.mark.parametrize(
    "filename, content, expected",
    [
        ("x.csv", "a;b;c\r\n1;2;3\r\n".encode(), "Je ne reconnais ni une cartographie"),
        ("x.csv", "Structure;Rôle\r\nX;Consultation\r\n".encode(), "Colonnes manquantes"),
        ("x.pdf", b"%PDF-1.4", "Seuls les fichiers"),
        ("x.xlsx", b"PK\x03\x04 not really a zip", "classeur XLSX lisible"),
        ("x.csv", b"\x00\x01\x02binary", "pas un tableau"),
        (
            "x.csv",
            ("N°;Typologie;Structure;Description;Contact;Rôle;Forme de sollicitation;Thèmes;Commentaire\r\n"
             + "\r\n".join(";Élu·e;x;;;Consultation;Autre;Social;" for _ in range(100_000))).encode(),
            "Le fichier dépasse 2 Mo",
        ),
        (
            "x.csv",
            ("N°;Typologie;Structure;Description;Contact;Rôle;Forme de sollicitation;Thèmes;Commentaire\r\n"
             + "\r\n".join(";Élu·e;x;;;Consultation;Autre;Social;" for _ in range(3000))).encode(),
            "plus de 2000 lignes",
        ),
    ],
)
def test_hostile_imports_are_refused_and_change_nothing(chat, filename, content, expected):
    assert expected in chat.send_file(filename, content)
    assert "Rien n'a été modifié" in chat.text


def test_formulas_in_an_import_are_refused(chat):
    header = "N°;Typologie;Structure;Description;Contact;Rôle;Forme de sollicitation;Thèmes;Commentaire\r\n"
    row = ';Élu·e;=HYPERLINK("http://x");;;Consultation;Autre;Social;\r\n'
    text = chat.send_file("x.csv", (header + row).encode())
    assert "formules ne sont pas acceptées" in text


def test_exported_user_text_cannot_run_as_a_formula(assistant, chat):
    add_actor(chat, "=1+1")
    chat.say("/cartographie")
    chat.press("CSV")
    assert b";'=1+1;" in chat.documents[0].content


def test_adding_while_an_addition_is_unfinished_offers_to_resume_it(chat):
    chat.say("/indicateurs")
    chat.press("Ajouter un")
    chat.press("Social")
    chat.say("/indicateurs")
    chat.press("Ajouter un")
    assert "Vous avez commencé « Un indicateur »" in chat.text
    chat.press("Reprendre")
    assert "sous-thématique" in chat.text
    chat.say("/annuler")
    chat.say("/indicateurs")
    chat.press("Ajouter un")
    chat.press("Recommencer")
    assert "Quel thème" in chat.text


def test_a_free_text_answer_starting_like_a_question_stays_an_answer(assistant, chat):
    chat.say("/cartographie")
    chat.press("Ajouter un")
    chat.press("Facilitateur des clauses sociales")
    chat.say("Comment associer les acteurs du territoire")  # a name, not a question: no « ? »
    assert "que fait cette structure" in chat.text


def test_a_group_question_never_touches_a_private_dialog(assistant, chat, event):
    chat.say("/profil")
    chat.press("Commune")  # waiting for the name, in private
    replies = assistant.handle(event("Ville de Groix", chat_type="group"))
    text = " ".join(r.html for r in replies)
    assert "nom de votre structure" not in text  # no dialog step shown in the group
    session = assistant.engine.pending(42)
    assert "name" not in assistant.services.storage.dialogs.answers(session.id)


@pytest.mark.parametrize("cell", ["+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd", "=1+1"])
def test_formulas_starting_with_any_sign_are_refused(chat, cell):
    text = chat.send_file("x.csv", (HEADER + f";Élu·e;{cell};;;Consultation;Autre;Social;\r\n").encode())
    assert "formules ne sont pas acceptées" in text and "rien n'a été modifié" in text


def test_a_phone_number_with_a_plus_is_not_a_formula(chat):
    text = chat.send_file("x.csv", (HEADER + ";Élu·e;Mairie;;+33 1 23 45 67 89;Consultation;Autre;Social;\r\n").encode())
    assert "1 ligne à ajouter" in text


def test_control_and_invisible_characters_from_an_import_are_cleaned_and_never_break_exports(assistant, chat):
    name = "CRESS\x01 Bre\u200btagne\x0b\u202e"
    filler = "".join(f";Élu·e;Structure {i};;;Consultation;Autre;Social;\r\n" for i in range(80))  # NUL after byte 4,096
    text = chat.send_file("x.csv", (HEADER + filler + f";Élu·e;{name};desc\x00ription;;Consultation;Autre;Social;\r\n").encode())
    assert "81 lignes à ajouter" in text
    chat.press("Importer")
    workspace = assistant.services.storage.workspaces.of_user(42).id
    actor = next(a for a in assistant.services.storage.actors.list(workspace) if a.name.startswith("CRESS"))
    assert actor.name == "CRESS  Bretagne" and actor.description == "desc ription"
    # text stored before this cleaning existed must not break exports either
    assistant.services.storage.db.execute("UPDATE actors SET comment = ? WHERE id = ?", ["vieux\x01texte\x0b", actor.id])
    chat.say("/cartographie")
    chat.press("XLSX")
    chat.say("/cartographie")
    chat.press("CSV")
    assert b"\x01" not in chat.documents[-1].content


@pytest.mark.parametrize(
    "content",
    [
        (HEADER + ";Élu·e;Caf\x81\x8d\x8f\x90\x9d;;;Consultation;Autre;Social;\r\n").encode("latin-1"),
        (HEADER + ";Élu·e;Café;;;Consultation;Autre;Social;\r\n").encode("utf-16"),
        (HEADER + ";Élu·e;Café;;;Consultation;Autre;Social;\r\n").encode("cp1252"),
    ],
)
def test_latin1_windows_and_utf16_csv_are_read(chat, content):
    assert "1 ligne à ajouter" in chat.send_file("x.csv", content)


def test_csv_errors_are_french_and_a_workbook_without_sheets_is_refused(chat):
    huge_cell = HEADER + ';Élu·e;"' + "x" * 200_000 + '";;;Consultation;Autre;Social;\r\n'
    text = chat.send_file("x.csv", huge_cell.encode())
    assert "mal formé" in text and "field larger" not in text
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:  # a workbook whose sheets were all removed
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>')
    text = chat.send_file("x.xlsx", out.getvalue())
    assert "Désolé" not in text and ("aucune feuille" in text or "classeur XLSX lisible" in text)


def test_stored_text_with_control_characters_never_breaks_the_plan(assistant, chat):
    from tests.support.workspace import make_plan

    add_actor(chat, "CRESS Bretagne")
    workspace = assistant.services.storage.workspaces.of_user(42).id
    assistant.services.storage.db.execute("UPDATE actors SET name = ?, comment = ? WHERE workspace_id = ?",
                                          ["CRESS\x01\x0b Bretagne\u202e", "note\x00\x1f", workspace])
    markdown, docx = make_plan(chat)
    assert "CRESS" in markdown and "\x01" not in markdown and docx[:2] == b"PK"


def test_unconfirmed_imports_are_bounded_per_person_and_expire(assistant, chat, clock):
    db = assistant.services.storage.db
    row = HEADER + ";Élu·e;Structure {};{};;Consultation;Autre;Social;\r\n"
    for n in range(20):
        assert "1 ligne à ajouter" in chat.send_file("x.csv", row.format(n, "x" * 200).encode())
    assert db.execute("SELECT COUNT(*) FROM pending_imports").fetchone()[0] == 1  # each upload replaced the last
    clock.advance(hours=1, minutes=1)
    chat.press("Importer")
    assert "plus actif" in chat.text or "plus disponible" in chat.text
    workspace = assistant.services.storage.workspaces.of_user(42)
    assert workspace is None or assistant.services.storage.actors.list(workspace.id) == []


@pytest.mark.parametrize(
    "rows, expected",
    [
        ('<row r="1">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 600_000 + "</row>", "anormalement volumineux"),
        ('<row r="1">' + "<c/>" * 1_000_000 + "</row>", "au-delà de la colonne 50"),
        ("".join(f'<row r="{i}"><c r="XFD{i}" t="inlineStr"><is><t>x</t></is></c></row>' for i in range(1, 2001)),
         "au-delà de la colonne 50"),
    ],
    ids=["million-cells-row", "empty-cells-row", "column-XFD"],
)
def test_spreadsheet_bombs_are_refused_before_parsing(chat, rows, expected):
    """Small files that unfold into millions of cells (memory and time: benchmarks/imports.py)."""
    content = workbook(rows)
    assert len(content) < 300_000
    text = chat.send_file("bombe.xlsx", content)
    assert expected in text and "Rien n'a été modifié" in text


def test_a_workspace_is_capped_well_above_real_use(assistant, chat):
    add_actor(chat, "Première structure")
    storage = assistant.services.storage
    workspace = storage.workspaces.of_user(42).id
    for n in range(499):
        storage.actors.add(workspace, 42, {"typology": "elu", "name": f"S{n}", "role": "consultation",
                                           "involvement": "autre", "themes": ["social"]})
    chat.say("/cartographie")
    assert "plus de 500 lignes" in chat.press("Ajouter un")
    text = chat.send_file("x.csv", (HEADER + ";Élu·e;Encore une;;;Consultation;Autre;Social;\r\n").encode())
    assert "plus de 500 lignes" in text
    assert storage.actors.count(workspace) == 500


def test_list_answers_are_lists_out_of_storage_and_cells_in_exports(assistant):
    from dialogs.tables import to_csv

    storage = assistant.services.storage
    workspace = storage.workspaces.ensure(42).id
    storage.indicators.add(workspace, 42, {"theme": "environnement", "indicator": "Part de bio",
                                           "schemes": ["PCAET", "Plan climat"], "priority": 1})
    [row] = storage.indicators.list(workspace)
    assert row.schemes == ("PCAET", "Plan climat")
    csv = to_csv(assistant.services.dialogs["indicateur"], [row]).decode("utf-8-sig")
    assert "PCAET; Plan climat" in csv and "[" not in csv
