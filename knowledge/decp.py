"""Reading the données essentielles de la commande publique (DECP) as buyers have them.

The official format (2.0, since 1 January 2024) is JSON wrapped in
`{"marches": {"marche": [...], "contrat-concession": [...]}}`, or XML; files
seen in the wild are flat JSON lists and tabular exports (CSV with `;` or `,`,
XLSX), one row per contract *and holder*, with renamed columns, values joined
by commas, « Sans objet » for an explicit « no », « CDL » or empty cells for
missing data. Each file becomes a stream of `Contract` records holding only
what a baseline needs: holders are never read into them (a sole trader's
SIRET is personal data).

Large files are streamed (ijson's C backend, XML iterparse, calamine for
XLSX); nothing is loaded whole.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from domain.text import fold

MAX_FILE_BYTES = 2 * 1024**3  # a national extract is a few GB: what one buyer needs is far smaller
MAX_XLSX_UNCOMPRESSED = 500 * 1024**2
MAX_XLSX_RATIO = 100  # an XLSX expands ten to twenty times; a bomb, thousands of times

SOCIAL = {"clause sociale": "clause", "critere social": "critere", "marche reserve": "reserve",
          "concession reservee": "reserve"}
ENVIRONMENTAL = {"clause environnementale": "clause", "critere environnemental": "critere"}
# An explicit « no » (unknown is something else: a missing field, « CDL », an empty cell).
NO_SOCIAL = {"pas de consideration sociale", "sans objet", "aucune", "non"}
NO_ENVIRONMENTAL = {"pas de consideration environnementale", "sans objet", "aucune", "non"}


class DecpError(ValueError):
    """The file cannot give a baseline; the message says why, in French."""


class Contract(NamedTuple):
    """A named tuple, not a dataclass: a national file makes hundreds of thousands of them."""

    kind: str  # "marche" or "concession"
    buyer: str  # SIRET of the buyer (acheteur) or of the granting authority (autorité concédante)
    id: str
    date: str | None  # notification (marché) or signature (concession), AAAA-MM-JJ
    amount: float | None  # HT at notification; an accord-cadre's ceiling
    cpv: str | None  # the CPV division, two digits
    framework: bool  # an accord-cadre: its amount is a ceiling
    social: frozenset[str] | None  # kinds present; empty = explicit « no »; None = unknown
    environmental: frozenset[str] | None
    modifications: int = 0


def read_contracts(path: Path, wanted: Callable[[str], bool] | None = None) -> Iterator[Contract]:
    """Every contract of a DECP file, whatever its format; raises DecpError for what cannot be read.

    With `wanted`, a contract of another buyer comes back with its buyer only:
    a national file holds hundreds of thousands, and reading their fields
    would be most of the time spent.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise DecpError(f"Je ne trouve pas le fichier « {path} ».") from None
    if size == 0:
        raise DecpError(f"Le fichier « {path.name} » est vide.")
    if size > MAX_FILE_BYTES:
        raise DecpError(f"Le fichier « {path.name} » dépasse 2 Go : extrayez d'abord les marchés de votre structure.")
    with path.open("rb") as stream:
        head = stream.read(4096)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head[:4] == b"PK\x03\x04":
        contracts = _read_xlsx(path, size)
    elif start in (b"{", b"["):
        contracts = _read_json(path, start, wanted)
    elif start == b"<":
        contracts = _read_xml(path)
    else:
        contracts = _read_csv(path)
    yield from contracts


# -- JSON ------------------------------------------------------------------------------


def _read_json(path: Path, start: bytes, wanted: Callable[[str], bool] | None) -> Iterator[Contract]:
    import ijson

    too_deep, concessions = _scan(path)
    if too_deep:
        raise DecpError(f"Le fichier JSON imbrique plus de {MAX_DEPTH} niveaux : ce n'est pas un fichier DECP.")
    try:
        if start == b"[":
            yield from _records(_items(path, "item"), "marche", wanted)
            return
        shape = _json_shape(path)
        if shape == "1.x":
            raise DecpError(FORMAT_1)
        if shape == "flat-object":
            raise DecpError("Ce fichier JSON ne contient pas de marchés au format DECP (clé « marches » absente).")
        yield from _records(_items(path, "marches.marche.item"), "marche", wanted)
        # A second pass for concessions, only when the file names them at all.
        if concessions:
            yield from _records(_items(path, "marches.contrat-concession.item"), "concession", wanted)
    except ijson.common.IncompleteJSONError as error:
        raise DecpError(f"Le fichier JSON est tronqué ou mal formé ({_short(error)}) : téléchargez-le de nouveau.") from None
    except ijson.common.JSONError as error:
        raise DecpError(f"Le fichier JSON est mal formé ({_short(error)}).") from None


def _items(path: Path, prefix: str) -> Iterator[dict]:
    import ijson

    with path.open("rb") as stream:
        yield from ijson.items(stream, prefix, use_float=True)


MAX_DEPTH = 64  # a DECP record nests six levels; a parser fed thousands builds gigabytes of paths
BRACKETS_ONLY = bytes(b for b in range(256) if b not in b"[]{}")
OPEN_THEN_CLOSE = re.compile(rb"[\[{][^\]}]*[\]}]")
CONCESSIONS = b'"contrat-concession"'


def _scan(path: Path, chunk: int = 16 * 1024**2) -> tuple[bool, bool]:
    """One read before any parser: (nests deeper than MAX_DEPTH, names concessions).

    For the depth, each chunk is cut down to its brackets (at C speed);
    matched pairs are removed level by level, as many levels as the depth
    already reached allows (usually six passes); a structure still there is
    too deep. Brackets inside strings count too (a DECP text never holds
    dozens unmatched), and a file that hides its depth behind them meets the
    memory limit of `spaser-bot decp`. At a chunk's edge the limit may be
    passed by a few levels unseen: what matters is that thousands never are.
    """
    depth, concessions, previous = 0, False, b""
    with path.open("rb") as stream:
        while block := stream.read(chunk):
            if not concessions:
                edge = previous[-len(CONCESSIONS):] + block[: len(CONCESSIONS)]
                concessions = CONCESSIONS in block or CONCESSIONS in edge
            previous = block
            reduced = block.translate(None, BRACKETS_ONLY)
            for _ in range(MAX_DEPTH - depth):  # one level of innermost pairs per pass
                shorter = reduced.replace(b"[]", b"").replace(b"{}", b"")
                if len(shorter) == len(reduced):
                    break
                reduced = shorter
            if OPEN_THEN_CLOSE.search(reduced):
                return True, concessions
            openings = reduced.lstrip(b"]}")
            depth = max(0, depth - (len(reduced) - len(openings))) + len(openings)
            if depth > MAX_DEPTH:
                return True, concessions
    return False, concessions


def _json_shape(path: Path) -> str:
    """Where the contracts are: under marches.marche (2.0), a list under marches (1.x), or nowhere."""
    import ijson

    with path.open("rb") as stream:
        for prefix, event, _ in ijson.parse(stream, use_float=True):
            if prefix == "marches" and event == "start_map":
                return "2.0"
            if prefix == "marches" and event == "start_array":
                return "1.x"
            if prefix == "" and event == "end_map":
                break
    return "flat-object"


FORMAT_1 = (
    "Ce fichier est au format DECP 1.x (marchés notifiés avant 2024) : il ne contient pas les champs "
    "« considérations sociales » et « considérations environnementales ». Aucun état des lieux ne peut en "
    "être tiré ; prenez les données publiées depuis le 1er janvier 2024 (format 2.0)."
)


# Where a marché and a concession keep the same facts: (party, date, amount).
FIELDS = {
    "marche": ("acheteur", "dateNotification", "montant"),
    "concession": ("autoriteConcedante", "dateSignature", "valeurGlobale"),
}


def _records(items: Iterable[dict], kind: str, wanted: Callable[[str], bool] | None = None) -> Iterator[Contract]:
    checked = False
    for item in items:
        if not isinstance(item, dict):
            continue
        if not checked:  # the format shows in the first record
            if "_type" in item or ("titulaires" in item and _is_format_1(item)):
                raise DecpError(FORMAT_1)
            checked = True
        this = "concession" if kind == "concession" or "autoriteConcedante" in item else "marche"
        if wanted is not None:
            party = item.get(FIELDS[this][0])
            buyer = party.get("id") if isinstance(party, dict) else party
            if type(buyer) is not str:
                buyer = _text(buyer)
            if not wanted(buyer):
                yield Contract(this, buyer, "", None, None, None, False, None, None)
                continue
        yield _contract(item, this)


def _is_format_1(item: dict) -> bool:
    """1.x lists holders with their name and has no considerations; 2.0 never names them."""
    holders = item.get("titulaires")
    first = holders[0] if isinstance(holders, list) and holders else None
    return isinstance(first, dict) and "denominationSociale" in first and "considerationsSociales" not in item


def _contract(item: dict, kind: str) -> Contract:
    """A record of the official format (JSON, or XML read into its shape); a concession has no CPV nor ceiling."""
    party, day, amount = FIELDS[kind]
    marche = kind == "marche"
    return Contract(
        kind=kind,
        buyer=_text(_inner(item.get(party), "id")),
        id=_text(item.get("id")),
        date=_date(item.get(day)),
        amount=_amount(item.get(amount)),
        cpv=_cpv(item.get("codeCPV")) if marche else None,
        framework=marche and _framework(item.get("techniques"), item.get("nature")),
        social=_considerations(item.get("considerationsSociales", MISSING), SOCIAL, NO_SOCIAL),
        environmental=_considerations(item.get("considerationsEnvironnementales", MISSING), ENVIRONMENTAL, NO_ENVIRONMENTAL),
        modifications=_count(item.get("modifications")),
    )


# -- XML -------------------------------------------------------------------------------


def _read_xml(path: Path) -> Iterator[Contract]:
    from xml.etree.ElementTree import ParseError, iterparse

    try:
        with path.open("rb") as stream:
            for _, element in iterparse(stream, events=("end",)):
                tag = element.tag.rsplit("}", 1)[-1]
                if tag not in ("marche", "contrat-concession"):
                    continue
                item = _xml_item(element)
                element.clear()
                if "_type" in item:
                    raise DecpError(FORMAT_1)
                yield _contract(item, "concession" if tag == "contrat-concession" else "marche")
    except ParseError as error:
        raise DecpError(f"Le fichier XML est tronqué ou mal formé ({_short(error)}).") from None


def _xml_item(element) -> dict:
    """The few fields a baseline reads, in the shape of the JSON format."""
    def child(name):
        found = element.find(name)
        return found.text if found is not None else None

    def values(path):
        found = element.find(path.split("/")[0])
        if found is None:
            return MISSING
        return [e.text or "" for e in found.findall(path.split("/")[1])]

    item = {
        "id": child("id"), "dateNotification": child("dateNotification"), "montant": child("montant"),
        "codeCPV": child("codeCPV"), "nature": child("nature"), "dateSignature": child("dateSignature"),
        "valeurGlobale": child("valeurGlobale"),
        "acheteur": {"id": child("acheteur/id")}, "autoriteConcedante": {"id": child("autoriteConcedante/id")},
        "techniques": {"technique": values("techniques/technique")},
        "modifications": element.findall("modifications/modification"),
    }
    social = values("considerationsSociales/considerationSociale")
    environmental = values("considerationsEnvironnementales/considerationEnvironnementale")
    if social is not MISSING:
        item["considerationsSociales"] = social
    if environmental is not MISSING:
        item["considerationsEnvironnementales"] = environmental
    if element.find("_type") is not None:
        item["_type"] = child("_type")
    return item


# -- CSV and XLSX ------------------------------------------------------------------------

# Column names seen in exports, folded (lower case, no accents, letters and digits only).
COLUMNS = {
    "buyer": ("acheteurid", "idacheteur", "acheteursiret", "siretacheteur", "acheteur"),
    "authority": ("autoriteconcedanteid", "idautoriteconcedante", "autoriteconcedante"),
    "id": ("id", "idmarche", "identifiantmarche", "identifiant", "numeromarche", "idcontrat"),
    "date": ("datenotification", "datesignature"),
    "amount": ("montant", "montantht", "valeurglobale"),
    "cpv": ("codecpv", "cpv"),
    "techniques": ("techniques", "technique", "techniquesachat"),
    "nature": ("nature", "naturemarche"),
    "social": ("considerationssociales", "considerationsociale", "considerationssocialesconsiderationsociale"),
    "environmental": ("considerationsenvironnementales", "considerationenvironnementale",
                      "considerationsenvironnementalesconsiderationenvironnementale"),
}


def _read_csv(path: Path) -> Iterator[Contract]:
    with path.open("rb") as binary:
        sample = binary.read(65536)
    utf16 = sample.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in sample[:4096] and not utf16:
        raise DecpError(f"« {path.name} » n'est ni un fichier DECP (JSON, XML) ni un tableau (CSV, XLSX).")
    encoding = "utf-16" if utf16 else "utf-8-sig"
    try:
        sample.decode(encoding)
    except UnicodeDecodeError:
        encoding = "cp1252"
    text_sample = sample.decode(encoding, errors="replace")
    first = text_sample.splitlines()[0] if text_sample.strip() else ""
    delimiter = max((";", ",", "\t"), key=first.count)
    with path.open("r", encoding=encoding, errors="replace", newline="") as text:
        try:
            yield from _rows(csv.reader(text, delimiter=delimiter), path.name)
        except csv.Error as error:
            raise DecpError(f"Le fichier CSV est mal formé ({_short(error)}).") from None


def _read_xlsx(path: Path, size: int) -> Iterator[Contract]:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise DecpError(f"« {path.name} » n'est pas un classeur XLSX lisible.") from None
    if unpacked > MAX_XLSX_UNCOMPRESSED or unpacked > MAX_XLSX_RATIO * size + 10 * 1024**2:
        raise DecpError(f"« {path.name} » se décompresse en {unpacked // 1024**2} Mo : ce n'est pas un export DECP ordinaire.")
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception as error:  # calamine raises its own types for every kind of broken file
        raise DecpError(f"« {path.name} » n'est pas un classeur XLSX lisible ({_short(error)}).") from None
    yield from _rows(([_cell(v) for v in row] for row in rows), path.name)


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return "" if value is None else str(value)


def _rows(rows: Iterator[list[str]], name: str) -> Iterator[Contract]:
    header = next(rows, None)
    if not header:
        raise DecpError(f"Le fichier « {name} » est vide.")
    columns = [_fold_name(h) for h in header]
    found = {key: next((columns.index(c) for c in names if c in columns), None) for key, names in COLUMNS.items()}
    buyer = found["buyer"] if found["buyer"] is not None else found["authority"]
    concessions = found["buyer"] is None and found["authority"] is not None
    if buyer is None or found["id"] is None or found["date"] is None:
        raise DecpError(
            f"« {name} » ne ressemble pas à un export DECP : il faut au moins les colonnes de l'acheteur "
            "(acheteur.id), de l'identifiant du marché (id) et de la date de notification."
        )
    if found["social"] is None and found["environmental"] is None:
        raise DecpError(
            f"« {name} » n'a pas de colonnes « considérations sociales » ni « considérations environnementales » : "
            "c'est un export au format 1.x (avant 2024) ou un export partiel. Aucun état des lieux ne peut en être tiré."
        )

    def get(row: list[str], key: str) -> str | None:
        index = found[key]
        return row[index] if index is not None and index < len(row) else None

    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        social = get(row, "social")
        environmental = get(row, "environmental")
        yield Contract(
            kind="concession" if concessions else "marche",
            buyer=_text(get(row, "buyer")),
            id=_text(get(row, "id")),
            date=_date(get(row, "date")),
            amount=_amount(get(row, "amount")),
            cpv=_cpv(get(row, "cpv")),
            framework=_framework(get(row, "techniques"), get(row, "nature")),
            social=_considerations(MISSING if found["social"] is None else social, SOCIAL, NO_SOCIAL),
            environmental=_considerations(
                MISSING if found["environmental"] is None else environmental, ENVIRONMENTAL, NO_ENVIRONMENTAL),
        )


# -- values ------------------------------------------------------------------------------

MISSING = object()
DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
FRENCH_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


def _fold_name(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(str(text)))


def _considerations(raw, real: dict[str, str], none: set[str]) -> frozenset[str] | None:
    """Kinds present; empty when the only answer is an explicit « no »; None when unknown.

    A real consideration counts even beside « Pas de … »; a missing field, an
    empty list, « CDL » or an unknown value is unknown, never « no ».
    """
    if raw is MISSING or raw is None:
        return None
    if isinstance(raw, dict):
        raw = next(iter(raw.values()), None)
    if isinstance(raw, str):
        values = re.split(r"[,;|]", raw)
    elif isinstance(raw, list):
        values = [v for v in raw if isinstance(v, str)]
    else:
        return None
    kinds, said_no = set(), False
    for value in values:
        key = " ".join(fold(value).split()).strip(" .")
        if key in real:
            kinds.add(real[key])
        elif key in none:
            said_no = True
    if kinds:
        return frozenset(kinds)
    return frozenset() if said_no else None


def _inner(value, key: str):
    return value.get(key) if isinstance(value, dict) else value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> str | None:
    if not isinstance(value, str):
        return None
    found = DATE.match(value.strip())
    if found:
        return "-".join(found.groups())
    found = FRENCH_DATE.match(value.strip())
    if found:
        day, month, year = found.groups()
        return f"{year}-{month}-{day}"
    return None


def _amount(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value >= 0 else None
    if isinstance(value, str):
        text = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("€", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
        return number if number >= 0 else None
    return None


def _cpv(value) -> str | None:
    digits = re.match(r"\s*(\d{2})", str(value)) if value is not None else None
    return digits.group(1) if digits else None


def _framework(techniques, nature) -> bool:
    values = _inner(techniques, "technique") if isinstance(techniques, dict) else techniques
    text = " ".join(values) if isinstance(values, list) else str(values or "")
    return "accord-cadre" in fold(text) or "accord-cadre" in fold(str(nature or ""))


def _count(modifications) -> int:
    return len(modifications) if isinstance(modifications, list) else 0


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:120] if str(error) else error.__class__.__name__


# -- a file sent in a conversation ------------------------------------------------------

# Telegram lets a bot download files of up to 20 MB; the console takes the same.
MAX_CHAT_BYTES = 20 * 1024**2


def looks_like_decp(filename: str, content: bytes, header: list[str] | None = None) -> bool:
    """A DECP file rather than an export of the map or the grid (those are CSV or XLSX with our own headings).

    JSON and XML are DECP; a table is DECP when its first row names DECP columns
    (`header`, already read for an XLSX; the first line for a CSV).
    """
    start = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start in (b"{", b"[", b"<") or filename.lower().endswith((".json", ".xml")):
        return True
    if header is None and content[:4] != b"PK\x03\x04":
        first = content[:8192].decode("utf-8", errors="replace").splitlines()[:1]
        header = re.split(r"[;,\t]", first[0]) if first else []
    folded = {re.sub(r"[^a-z0-9]", "", fold(cell)) for cell in header or ()}
    wanted = set(COLUMNS["date"]) | set(COLUMNS["social"]) | set(COLUMNS["environmental"]) | {"acheteurid", "idacheteur"}
    return len(folded & wanted) >= 2


def read_upload(filename: str, content: bytes) -> list[Contract] | str:
    """Every contract of a file sent in a conversation, or the French reason it cannot be read.

    Safe to run in a worker thread: the adapter reads here, off the event loop,
    and the core only filters and counts.
    """
    import tempfile

    if len(content) > MAX_CHAT_BYTES:
        return f"le fichier dépasse {MAX_CHAT_BYTES // 1024**2} Mo"
    suffix = Path(filename).suffix.lower()[:8] if Path(filename).suffix else ""
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(content)
        handle.flush()
        try:
            return list(read_contracts(Path(handle.name)))
        except DecpError as error:
            return str(error).replace(Path(handle.name).name, filename)
