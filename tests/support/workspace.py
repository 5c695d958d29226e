"""A workspace filled in as a person would: the profile, actors, a diagnostic, a plan."""

from __future__ import annotations

from tests.support.chat import Chat

DIAGNOSTIC_STEPS = [
    "politique_formalisee", "politique_durable", "strategie_plan", "strategie_pilotes", "organisation_position",
    "organisation_formation", "proces_sensibilisation", "proces_implication", "impact_cartographie", "impact_indicateurs",
]

PROFILE = ["Commune", "Ville de Quimper", "Bretagne", "72,5", "Non, aucun", "2026", "2030"]


def fill_profile(chat: Chat, answers=PROFILE) -> str:
    chat.say("/profil")
    for answer in answers:
        if any(answer == label for label in chat.labels):
            chat.press(answer)
        else:
            chat.say(answer)
    if "SIRET" in chat.text:  # the last step, optional
        chat.say("/passer")
    return chat.press("Valider")


def add_actor(chat: Chat, name: str, themes=("Social",)) -> str:
    chat.say("/cartographie")
    chat.press("Ajouter un")
    chat.press("Facilitateur des clauses sociales")
    chat.say(name)
    chat.say("/passer")  # description
    chat.say("/passer")  # contact
    chat.press("Consultation")
    chat.press("Atelier de travail")
    for theme in themes:
        chat.press(theme)
    chat.press("Valider la sélection")
    chat.say("/passer")  # comment
    return chat.press("Valider")


HEADER = "N°;Typologie;Structure;Description;Contact;Rôle;Forme de sollicitation;Thèmes;Commentaire\r\n"


def make_plan(chat: Chat, renames=(), moves=(), annex: bool | None = None) -> tuple[str, bytes]:
    chat.say("/plan")
    chat.press("Valider la sélection")
    for items in (renames, moves):
        for item in items:
            chat.say(item)
        if items:
            chat.press("Non, c'est tout")
        else:
            chat.say("/passer")
    if annex is None:
        chat.say("/passer")
    else:
        chat.press("Oui" if annex else "Non")
    chat.press("Valider")
    documents = {d.filename.rsplit(".", 1)[1]: d.content for d in chat.documents}
    return documents["md"].decode("utf-8"), documents["docx"]


def answer_diagnostic(chat: Chat, level: int) -> str:
    chat.say("/diagnostic")
    for _ in DIAGNOSTIC_STEPS:
        chat.say(str(level))
    return chat.press("Valider")


def workbook(sheet_rows: str) -> bytes:
    """A minimal XLSX whose only sheet holds `sheet_rows`, written by hand as an attacker would."""
    import io
    import zipfile

    ns = "http://schemas.openxmlformats.org"
    parts = {
        "[Content_Types].xml": f'<?xml version="1.0"?><Types xmlns="{ns}/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
        f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>'
        f"{sheet_rows}</sheetData></worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()
