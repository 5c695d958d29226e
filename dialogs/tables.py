"""The stakeholder map and the indicator grid as spreadsheets, out and back in.

Exports are what French office suites open cleanly: CSV in UTF-8 with a BOM
and `;` separators, and XLSX with a header row. An edited file of the same
shape comes back as rows to add or update, each refused row with its reason.
Files are hostile until proven otherwise: size and row limits, no formulas
(a cell starting with = + - @ is written as text on export and refused on
import), and any parsing failure becomes a French message.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from xml.etree import ElementTree
from dataclasses import dataclass, field

from dialogs.definitions import Dialog, Step
from dialogs.inputs import InputError, is_contact, parse_number
from domain.text import clean_text, fold
from storage.rows import Record

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 50
# An exported map or grid takes a few megabytes once unzipped; a bomb takes hundreds.
MAX_UNCOMPRESSED_BYTES = 10 * MAX_FILE_BYTES
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ID_COLUMN = "N°"  # the row's number in the list on screen
# Which row and which version of it the file was exported from: an import
# updates a row only through it, and sees when a colleague changed it since.
REF_COLUMN = "Réf. (ne pas modifier)"
REF = re.compile(r"R(\d{1,12})v(\d{1,9})", re.IGNORECASE)
# A cell may start with + or - when it is a number or a phone number (« -5 », « +33 1 23 45 67 89 »).
SIGNED_NUMBER = re.compile(r"[+-]\s?\d[\d\s.,]*")


class TableError(ValueError):
    """The file as a whole cannot be read; the message says why, in French."""


@dataclass(frozen=True)
class Column:
    field: str  # column of the table in storage, and step of the dialog
    header: str


@dataclass
class ImportPlan:
    added: list[dict] = field(default_factory=list)
    updated: list[tuple[int, int, dict]] = field(default_factory=list)  # (row id, version exported, values)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def columns_of(dialog: Dialog) -> list[Column]:
    return [Column(step.id, step.label) for step in dialog.steps]


def cell_text(step: Step, value) -> str:
    """A stored value as a spreadsheet cell: labels, not internal codes.

    Cleaned again on the way out, so that text stored before cleaning existed
    can never break an export.
    """
    return clean_text(_cell_text(step, value))


def _cell_text(step: Step, value) -> str:
    if value is None or value == "":
        return ""
    if step.kind == "choice":
        choice = step.choice(str(value))
        return choice.label if choice else str(value)
    if step.kind == "multi":
        values = [value] if isinstance(value, str) else value
        return ", ".join(step.choice(v).label if step.choice(v) else v for v in values if v)
    if isinstance(value, (list, tuple)):  # the items of a list step, as an import reads them back
        return "; ".join(value)
    return str(value)


def _safe(text: str) -> str:
    """Keep a spreadsheet from running user text as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def reference(row: Record) -> str:
    return f"R{row.id}v{row.version or 1}"


def to_csv(dialog: Dialog, rows: list[Record]) -> bytes:
    """`rows` in the order of the list on screen, so that N° is the number shown there."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([ID_COLUMN] + [c.header for c in columns_of(dialog)] + [REF_COLUMN])
    for number, row in enumerate(rows, start=1):
        writer.writerow([number] + [_safe(cell_text(s, getattr(row, s.id))) for s in dialog.steps] + [reference(row)])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(dialog: Dialog, rows: list[Record], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([ID_COLUMN] + [c.header for c in columns_of(dialog)] + [REF_COLUMN])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=1):
        sheet.append([number] + [cell_text(s, getattr(row, s.id)) or None for s in dialog.steps] + [reference(row)])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even if it starts with =
    sheet.freeze_panes = "A2"
    for index, step in enumerate(dialog.steps, start=2):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = 18 if step.kind != "text" else 32
    sheet.column_dimensions[sheet.cell(1, len(dialog.steps) + 2).column_letter].width = 22
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_rows(filename: str, content: bytes) -> list[list[str]]:
    """The cells of a CSV or XLSX file as text, header first."""
    if len(content) > MAX_FILE_BYTES:
        raise TableError(f"Le fichier dépasse {MAX_FILE_BYTES // (1024 * 1024)} Mo.")
    name = filename.lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return _read_xlsx(content)
    if name.endswith((".csv", ".txt")) or not name:
        return _read_csv(content)
    raise TableError("Seuls les fichiers .csv et .xlsx exportés par l'assistant peuvent être importés.")


def _read_csv(content: bytes) -> list[list[str]]:
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):  # « Texte Unicode » of office suites
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError:
            raise TableError("Ce fichier CSV en UTF-16 est endommagé : enregistrez-le en CSV UTF-8.") from None
    elif b"\x00" in content[:4096]:
        raise TableError("Ce fichier n'est pas un tableau CSV lisible.")
    else:
        # UTF-8 first; then Windows-1252, the usual French export; Latin-1 decodes the rest.
        for encoding in ("utf-8-sig", "cp1252", "latin-1"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    text = text.lstrip("\ufeff").replace("\x00", " ")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    rows = []
    try:
        for index, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
            if index > MAX_ROWS:
                raise TableError(f"Le fichier compte plus de {MAX_ROWS} lignes : importez-le en plusieurs fois.")
            rows.append(row)
    except csv.Error:
        raise TableError(
            f"Le fichier CSV est mal formé vers la ligne {len(rows) + 1} (guillemet non fermé ou cellule trop longue)."
        ) from None
    return rows


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                raise TableError("Ce classeur est anormalement volumineux une fois décompressé.")
            for info in archive.infolist():
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with archive.open(info) as sheet:
                        _check_sheet_bounds(sheet)
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except TableError:
        raise
    except Exception:
        raise TableError("Ce fichier n'est pas un classeur XLSX lisible.") from None
    if not book.worksheets:
        book.close()
        raise TableError("Ce classeur ne contient aucune feuille.")
    sheet = book.worksheets[0]
    rows: list[list[str]] = []
    for index, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)):
        if index > MAX_ROWS:
            book.close()
            raise TableError(f"Le fichier compte plus de {MAX_ROWS} lignes : importez-le en plusieurs fois.")
        rows.append(["" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)) for v in values])
    book.close()
    return rows


def _check_sheet_bounds(stream) -> None:
    """Count rows and cells while streaming the sheet's XML, before any parser builds them.

    A few hundred kilobytes can declare millions of cells, or one cell in the
    last column (XFD) that a reader pads with sixteen thousand empty ones.
    """
    rows = 0
    cells = 0
    try:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            tag = element.tag.rsplit("}", 1)[-1]
            if event == "start" and tag == "row":
                rows += 1
                cells = 0
                if rows > MAX_ROWS + 1:
                    raise TableError(f"Le fichier compte plus de {MAX_ROWS} lignes : importez-le en plusieurs fois.")
            elif event == "start" and tag == "c":
                cells += 1
                reference = element.get("r") or ""
                letters = reference.rstrip("0123456789")
                if cells > MAX_COLUMNS or (letters and _column_index(letters) > MAX_COLUMNS):
                    raise TableError(f"Le classeur a des cellules au-delà de la colonne {MAX_COLUMNS} : "
                                     "partez d'un fichier exporté par l'assistant.")
            elif event == "end" and tag in ("row", "c"):
                element.clear()
    except ElementTree.ParseError:
        raise TableError("Ce fichier n'est pas un classeur XLSX lisible.") from None


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper()[:4]:
        if not "A" <= letter <= "Z":
            return 0
        index = index * 26 + ord(letter) - 64
    return index


def plan_import(dialog: Dialog, rows: list[list[str]], existing_ids: set[int]) -> ImportPlan:
    """Match the header to the dialog's columns, then check every row as the dialog would.

    A row with a reference updates that row; a row without one is an addition,
    unless it has a N° (a row of the list whose reference was lost): it is
    refused rather than added a second time.
    """
    if not rows:
        raise TableError("Le fichier est vide.")
    header = [fold(h).strip() for h in rows[0]]
    wanted = {fold(c.header): c for c in columns_of(dialog)}
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in wanted:
            positions[wanted[name].field] = index
    missing = [c.header for c in columns_of(dialog) if c.field not in positions]
    if missing:
        raise TableError(
            "Colonnes manquantes : " + ", ".join(missing) + ". Partez d'un fichier exporté par l'assistant."
        )
    if fold(ID_COLUMN) not in header:
        raise TableError(
            f"La colonne « {ID_COLUMN} » manque : sans elle, je ne sais pas quelles lignes existent déjà et "
            "j'ajouterais chaque ligne une seconde fois. Partez d'un fichier exporté par l'assistant, "
            "et laissez la colonne « N° » vide pour les lignes nouvelles."
        )
    id_position = header.index(fold(ID_COLUMN))
    ref_position = header.index(fold(REF_COLUMN)) if fold(REF_COLUMN) in header else None
    plan = ImportPlan()
    seen: set[int] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            values = {s.id: _value(s, _cell(row, positions[s.id])) for s in dialog.steps}
        except InputError as error:
            plan.rejected.append((line, str(error)))
            continue
        number = _cell(row, id_position).strip()
        ref = _cell(row, ref_position).strip()
        if not ref:
            if number:
                plan.rejected.append((line, f"n° {number[:20]} sans sa référence (colonne « {REF_COLUMN} ») : "
                                            "videz le n° pour l'ajouter comme nouvelle ligne"))
                continue
            plan.added.append(values)
            continue
        found = REF.fullmatch(ref)
        if found is None or int(found.group(1)) not in existing_ids:
            plan.rejected.append((line, f"référence « {ref[:20]} » inconnue dans votre espace (ligne supprimée depuis ?)"))
            continue
        record_id = int(found.group(1))
        if record_id in seen:
            plan.rejected.append((line, f"référence « {ref[:20]} » en double dans le fichier"))
            continue
        seen.add(record_id)
        plan.updated.append((record_id, int(found.group(2)), values))
    return plan


def _cell(row: list[str], position: int | None) -> str:
    return row[position] if position is not None and position < len(row) else ""


def _value(step: Step, raw: str):
    text = clean_text(raw).strip()
    if text.startswith("'") and text[1:2] in FORMULA_START:
        text = text[1:]  # our own export's protection
    elif text.startswith(("=", "@")) or (text.startswith(("+", "-")) and not SIGNED_NUMBER.fullmatch(text)):
        raise InputError(f"{step.label} : les formules ne sont pas acceptées (cellule commençant par « {text[0]} »)")
    if not text:
        if not step.optional:
            raise InputError(f"{step.label} : valeur obligatoire manquante")
        return None
    if len(text) > step.max_length:
        raise InputError(f"{step.label} : plus de {step.max_length} caractères")
    if step.kind == "choice":
        choice = _choice(step, text)
        if choice is None:
            raise InputError(f"{step.label} : « {text[:40]} » n'est pas une valeur possible")
        return choice
    if step.kind == "multi":
        values = []
        for part in (p.strip() for p in text.replace(";", ",").split(",")):
            if part:
                choice = _choice(step, part)
                if choice is None:
                    raise InputError(f"{step.label} : « {part[:40]} » n'est pas une valeur possible")
                values.append(choice)
        return values
    if step.kind == "number":
        try:
            return parse_number(text, step)
        except InputError as error:
            raise InputError(f"{step.label} : {error}") from None
    if step.kind == "list":
        return [p.strip() for p in text.split(";") if p.strip()][: step.max_items]
    if step.validate == "contact" and not is_contact(text):
        raise InputError(f"{step.label} : « {text[:40]} » n'est ni un e-mail, ni un téléphone, ni un site web")
    return text


def _choice(step: Step, text: str) -> str | None:
    key = fold(text).strip()
    for choice in step.choices:
        if key in (fold(choice.label), fold(choice.value)):
            return choice.value
    return None
