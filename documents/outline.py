"""The starter SPASER outline: the workspace's answers laid out as seed 000 describes.

One sandboxed Jinja2 template writes the outline in Markdown; the DOCX is
built from that same Markdown (headings as real Word heading styles, tables
as Word tables, a table-of-contents field), so both formats always say the
same thing. Whatever a user typed is escaped for Markdown, so `<`, `&`, `{{`
or `|` appear literally in both.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import yaml
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from dialogs.definitions import Dialog
from dialogs.inputs import format_value
from knowledge.content import current
from domain.text import clean_text, fold
from domain.rules import COMPULSORY_THRESHOLD_MEUR, is_compulsory
from storage.rows import Actor, Indicator, Record, Workspace

# The outline's template stays where the package data has always been.
TEMPLATES = Path(__file__).resolve().parent.parent / "dialogs" / "templates"
THEME_OF_CLASSIC_AXIS = {"environnement": "ecologique", "social": "social", "economique": "economie_responsable", "gouvernance": "gouvernance"}
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
TOC_MARK = "[[TOC]]"


@dataclass(frozen=True)
class Axis:
    id: str
    themes: tuple[str, ...]
    odd: tuple[str, ...]
    actions: tuple[str, ...]
    keywords: tuple[str, ...] = ()  # words of an actor or an indicator that place it here
    reminder: str = ""  # a rule the fiche-action recalls (EGalim in the food axis)


def axes() -> dict[str, Axis]:
    path = current().outline / "axes.yaml"
    return _axes(path, path.stat().st_mtime_ns)  # an edited file is read again


@lru_cache(maxsize=4)
def _axes(path: Path, version: int) -> dict[str, Axis]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        item["id"]: Axis(item["id"], tuple(item["themes"]), tuple(item.get("odd") or ()), tuple(item.get("actions") or ()),
                         tuple(item.get("keywords") or ()), str(item.get("reminder") or "").strip())
        for item in data
    }


def lexicon() -> tuple[tuple[str, str], ...]:
    path = current().outline / "lexicon.yaml"
    return _lexicon(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _lexicon(path: Path, version: int) -> tuple[tuple[str, str], ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(sorted(((str(k), str(v)) for k, v in data.items()), key=lambda kv: kv[0].casefold()))


CLASSIC_AXES = ("social", "ecologique", "economie_responsable")
FOLLOW_UP = "suivi"  # the « Suivre et piloter » part: governance is not an axis
MOVE = re.compile(r"^\s*([AaIi])\s*(\d+)\s*[:=\-–—>]+\s*(\d+|suivi)\s*$", re.IGNORECASE)


def suggested_axes(indicators: list[Indicator]) -> list[str]:
    """Pre-select axes from the grid: the classic axis of each theme that has indicators,
    most important first (priority 1 counts most); the three classic axes when the grid is empty.
    Governance indicators go to the follow-up part, not to an axis."""
    weight: dict[str, float] = {}
    for row in indicators:
        axis = THEME_OF_CLASSIC_AXIS.get(row.theme or "")
        if axis in CLASSIC_AXES:
            weight[axis] = weight.get(axis, 0) + {1: 3, 2: 2, 3: 1}.get(row.priority or 3, 1)
    chosen = sorted(weight, key=lambda a: -weight[a])
    for axis in CLASSIC_AXES:
        if len(chosen) >= 3:
            break
        if axis not in chosen:
            chosen.append(axis)
    return chosen[:6]


def row_themes(row: Record) -> set[str]:
    """An indicator has one theme, an actor several."""
    if isinstance(row, Indicator):
        return {row.theme} if row.theme else set()
    return set(row.themes)


def row_text(row: Record) -> str:
    if isinstance(row, Indicator):
        words = (row.sub_theme, row.objective, row.indicator)
    else:
        words = (row.name, row.description)
    return fold(" ".join(str(w or "") for w in words))


def default_place(row: Record, chosen: list[str], known: dict[str, Axis] | None = None) -> str | None:
    """The axis a row goes under until the person says otherwise.

    Words of the row that name a thematic axis win (« repas bio » → alimentation);
    then the chosen axis whose themes the row's themes cover best (a building
    federation, « économique », goes to the economic axis before « alimentation
    durable », which is also half economic); governance rows go to the
    follow-up part; a row that fits nothing waits to be placed.
    """
    known = known or axes()
    text = row_text(row)
    for axis_id in chosen:
        pattern = _axis_words(known[axis_id].keywords)
        if pattern is not None and pattern.search(text):
            return axis_id
    themes = row_themes(row)
    best, score = None, 0.0
    for axis_id in chosen:
        axis_themes = set(known[axis_id].themes)
        fit = len(themes & axis_themes) / len(axis_themes)
        if fit > score:
            best, score = axis_id, fit
    if best is not None:
        return best
    return FOLLOW_UP if "gouvernance" in themes else None


@lru_cache(maxsize=256)
def _keyword(word: str) -> str:
    """« déchet* » matches any word starting so (« circuit* court* » too); other keywords, whole words."""
    prefix = word.endswith("*")
    pattern = re.escape(fold(word.rstrip("*"))).replace(re.escape("*"), r"\w*")
    return r"\b" + pattern + ("" if prefix else r"\b")


@lru_cache(maxsize=64)
def _axis_words(keywords: tuple[str, ...]) -> re.Pattern | None:
    """An axis's keywords as one compiled pattern: rows are many, axes few."""
    return re.compile("|".join(_keyword(k) for k in keywords)) if keywords else None


def placements(rows: list[Record], chosen: list[str]) -> list[str | None]:
    """Where each row stands: its stored axis while that axis is chosen (or the follow-up part), else its default."""
    known = axes()  # read once for all the rows
    return [r.axis if r.axis in (*chosen, FOLLOW_UP) else default_place(r, chosen, known) for r in rows]


def parse_move(text: str, actors: int, indicators: int, axes_count: int) -> tuple[str, int, str | int] | None:
    """« A2 : 3 » → ("A", 2, 3); « i4 : suivi » → ("I", 4, "suivi"); None if it does not read or points nowhere."""
    match = MOVE.match(text)
    if not match:
        return None
    kind, number, target = match.group(1).upper(), int(match.group(2)), match.group(3).lower()
    if not 1 <= number <= (actors if kind == "A" else indicators):
        return None
    if target != FOLLOW_UP:
        target = int(target)
        if not 1 <= target <= axes_count:
            return None
    return kind, number, target


def md(value) -> str:
    """Escape Markdown so a user's text is shown, never interpreted."""
    text = " ".join(clean_text(str(value if value is not None else "")).split())
    text = MD_SPECIAL.sub(r"\\\1", text)
    text = re.sub(r"^([-+])(\s)", r"\\\1\2", text)
    return re.sub(r"^(\d+)\.(\s)", r"\1\\.\2", text)


def cell(value) -> str:
    text = md(value)
    return text if text else "—"


@lru_cache(maxsize=1)
def _template():
    env = SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,  # Markdown, escaped by the `md` and `cell` filters
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md
    env.filters["cell"] = cell
    return env.get_template("outline.md.j2")


def build_context(
    dialogs: dict[str, Dialog], workspace: Workspace | None, actors: list[Actor], indicators: list[Indicator],
    chosen: list[tuple[str, str]], today: date | None = None, diagnostic: dict | None = None,
    baseline: dict | None = None,
) -> dict:
    """Everything the template needs, as plain labelled values.

    Each actor and indicator is placed once: under its axis, in the follow-up
    part, or among the rows still to place; every field typed appears once.
    """
    profile, actor_dialog, indicator_dialog = dialogs["profil"], dialogs["acteur"], dialogs["indicateur"]

    def label(dialog: Dialog, field: str, value) -> str:
        if value in (None, ""):
            return ""
        step = dialog.step(field)
        if field == "priority":
            value = str(value)
        return format_value(step, value)

    ws = workspace or Workspace(id=0)
    purchases = ws.purchases_meur
    start, end = ws.period_start, ws.period_end
    name = " ".join(clean_text(str(ws.name or "")).split())
    ws_view = {
        "name": name,
        "siret": ws.siret or "",
        "the": the(name) if name else "votre structure",
        "of": of(name) if name else "de votre structure",
        "period": f"{start}–{end}" if start and end else "",
        "type_label": label(profile, "structure_type", ws.structure_type),
        "region_label": label(profile, "region", ws.region),
        "purchases": label(profile, "purchases_meur", purchases) if purchases is not None else "",
        "verdict": "" if purchases is None else ("compulsory" if is_compulsory(purchases) else "voluntary"),
        "threshold": COMPULSORY_THRESHOLD_MEUR,
        "existing": ws.existing_spaser or "",
        "existing_label": label(profile, "existing_spaser", ws.existing_spaser),
        "existing_years": ws.existing_years or "",
    }
    actor_rows = [
        {
            "ref": f"A{n}",
            "name": a.name,
            "typology": label(actor_dialog, "typology", a.typology),
            "description": a.description or "",
            "role": label(actor_dialog, "role", a.role),
            "involvement": label(actor_dialog, "involvement", a.involvement),
            "themes": label(actor_dialog, "themes", a.themes),
            "contact": a.contact or "",
            "comment": a.comment or "",
        }
        for n, a in enumerate(actors, 1)
    ]
    indicator_rows = [
        {
            "ref": f"I{n}",
            "theme": label(indicator_dialog, "theme", i.theme),
            "sub_theme": i.sub_theme or "",
            "schemes": label(indicator_dialog, "schemes", i.schemes),
            "objective": i.objective or "",
            "purchasing_link": i.purchasing_link or "",
            "indicator": i.indicator,
            "unit": label(indicator_dialog, "unit", i.unit),
            "target": _target(i.target, i.target_year),
            "priority": label(indicator_dialog, "priority", i.priority),
            "referent": i.referent or "",
            "baseline": (f"{i.baseline_value} en {i.baseline_year} ({i.baseline_source or 'source à préciser'})"
                         if i.baseline_value else ""),
        }
        for n, i in enumerate(indicators, 1)
    ]
    chosen = [(axis_id, axis_name) for axis_id, axis_name in chosen if axis_id in axes() and axis_id != "gouvernance"]
    ids = [axis_id for axis_id, _ in chosen]
    actor_places = placements(actors, ids)
    indicator_places = placements(indicators, ids)

    def placed(rows: list[dict], places: list[str | None], where: str | None) -> list[dict]:
        return [r for r, p in zip(rows, places) if p == where]

    library = indicator_dialog.step("indicator")
    axis_views = []
    for number, (axis_id, axis_name) in enumerate(chosen, 1):
        axis = axes()[axis_id]
        mine = sorted(placed(indicator_rows, indicator_places, axis_id), key=_by_priority)
        examples = library.suggestions_for({"theme": axis.themes[0]})
        axis_views.append(
            {
                "number": number,
                "name": axis_name,
                "odd": axis.odd,
                "actions": axis.actions,
                "reminder": axis.reminder,
                "actors": placed(actor_rows, actor_places, axis_id),
                "indicators": mine,
                "objectives": [i for i in mine if i["objective"]],
                "example": examples[0] if examples else "",
            }
        )
    governance = axes().get("gouvernance")
    return {
        "ws": ws_view,
        "axes": axis_views,
        "follow_up": {
            "actors": placed(actor_rows, actor_places, FOLLOW_UP),
            "indicators": sorted(placed(indicator_rows, indicator_places, FOLLOW_UP), key=_by_priority),
            "actions": governance.actions if governance else (),
        },
        "unplaced": {
            "actors": placed(actor_rows, actor_places, None),
            "indicators": placed(indicator_rows, indicator_places, None),
        },
        "internal": [a for a in actor_rows if a["contact"] or a["comment"]],
        "indicator_count": len(indicator_rows),
        "lexicon": lexicon(),
        "diagnostic": diagnostic,
        "baseline": baseline,
        "today": french_date(today or date.today()),
    }


def _by_priority(row: dict):
    return (str(row.get("priority") or 9), row["ref"])


def _target(target, year) -> str:
    """« 30 % en 2028 », « 30 % », « en 2028 » or nothing; a target that already says its year keeps it once."""
    target = " ".join(str(target or "").split())
    if target and year:
        return target if str(year) in target else f"{target} en {year}"
    return target or (f"en {year}" if year else "")


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def french_date(day: date) -> str:
    """« 1er décembre 2026 », « 23 novembre 2026 »."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


# The noun a structure's name starts with says its article: « la Ville de
# Poitiers », « le Département de la Gironde », « l'Eurométropole de
# Strasbourg »; a name that starts otherwise (« Nantes Métropole ») takes none.
ARTICLES = {
    "la": ("ville", "commune", "region", "metropole", "communaute", "collectivite", "prefecture", "direction",
           "chambre", "mairie", "caisse", "regie", "societe"),
    "le": ("departement", "conseil", "syndicat", "centre", "groupement", "ministere", "service", "sdis", "chu",
           "pole", "territoire", "siaap", "sedif", "sdea"),
    "l'": ("etablissement", "eurometropole", "agglomeration", "office", "universite", "hopital", "agence",
           "assistance", "epci", "ept", "institut"),
}


def the(name: str) -> str:
    """The name with its article, as a sentence uses it (« pour la Ville de Poitiers »)."""
    first = fold(name.split()[0]) if name.split() else ""
    if first in ("la", "le", "les", "l") or first.startswith("l'"):
        return name
    for article, nouns in ARTICLES.items():
        if first in nouns:
            return f"{article}{'' if article.endswith(chr(39)) else ' '}{name}"
    return name


def of(name: str) -> str:
    """« de la Ville de Poitiers », « du Département de la Gironde », « d'Angers », « de Nantes Métropole »."""
    named = the(name)
    if named.startswith("le "):
        return "du " + named[3:]
    if named.startswith("les "):
        return "des " + named[4:]
    if named is name and fold(name[:1]) in "aeiouyh":
        return "d'" + name
    return "de " + named


def render_markdown(context: dict) -> str:
    text = _template().render(**context)
    headings = [
        (len(m.group(1)), m.group(2)) for m in re.finditer(r"^(##|###) (.+)$", text, flags=re.MULTILINE)
        if m.group(2) != "Sommaire"
    ]
    toc = "\n".join(("  " if level == 3 else "") + f"- {title}" for level, title in headings)
    return re.sub(r"\n{3,}", "\n\n", text.replace(TOC_MARK, toc))


# -- DOCX ---------------------------------------------------------------------------

INLINE = re.compile(r"\*\*(.+?)\*\*|(?<![\\*])\*(?!\*)(.+?)(?<!\\)\*")
UNESCAPE = re.compile(r"\\([\\`*_\[\]<>#|~+\-.])")


TEXT_WIDTH_TWIPS = 9070  # A4 less two 25 mm margins
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FONT = "Arial"  # Windows has it; Linux maps it to the metric-compatible Liberation Sans
LANGUAGE = "fr-FR"


@dataclass(frozen=True)
class DocumentInfo:
    """What the file says of itself (File › Properties) and what its cover and footer show."""

    title: str
    author: str
    subject: str
    day: date


def markdown_to_docx(markdown: str, info: DocumentInfo | None = None) -> bytes:
    """Our outline's Markdown as a Word document an administration can circulate.

    A4, French text (no spelling marks on every word in French Word and
    LibreOffice), its own properties, a cover on its own page, the contents on
    the next, « page X sur Y » in the footer, headings in the navigation pane,
    table rows that never split across pages.
    """
    from docx import Document
    from docx.shared import Pt

    info = info or DocumentInfo("SPASER", "Assistant SPASER", SUBJECT, date.today())
    document = Document()
    _page_setup(document)
    _french_styles(document)
    document.styles["Normal"].font.size = Pt(11)
    _properties(document, info)
    _footer(document)
    _update_fields_on_open(document)
    parts: list[str] = []  # the body as WordprocessingML, parsed once: python-docx builds it node by node, slowly
    lines = markdown.splitlines()
    index = 0
    first_heading = True
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        if line.startswith("## Sommaire"):
            parts.append(PAGE_BREAK)  # the cover stands on its own page
            parts.append(_paragraph_xml("Sommaire", "TOCHeading", plain=True))  # a heading the contents do not list
            parts.append(TOC)
            parts.append(PAGE_BREAK)
            index += 1
            while index < len(lines) and (not lines[index].strip() or lines[index].lstrip().startswith("- ")):
                index += 1  # the Markdown list of headings: Word builds its own
            continue
        heading = re.match(r"^(#{1,4}) (.+)$", line)
        if heading:
            level = len(heading.group(1))
            style = "Title" if level == 1 and first_heading else f"Heading{min(level - 1, 3) or 1}"
            first_heading = first_heading and level != 1
            parts.append(_paragraph_xml(heading.group(2), style, plain=True))
            index += 1
            continue
        if line.startswith("|"):
            block = []
            while index < len(lines) and lines[index].startswith("|"):
                block.append(lines[index])
                index += 1
            parts.append(_table_xml(block))
            parts.append("<w:p/>")
            continue
        if line.startswith("> "):
            parts.append(_paragraph_xml(line[2:], italic=True))
        elif re.match(r"^\s*- ", line):
            parts.append(_paragraph_xml(line.strip()[2:], "ListBullet2" if line.startswith("  ") else "ListBullet"))
        else:
            parts.append(_paragraph_xml(line))
        index += 1
    _append_body(document, parts)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _append_body(document, parts: list[str]) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    fragment = parse_xml(f'<w:body {nsdecls("w")}>' + "".join(parts) + "</w:body>")
    end = document.element.body.sectPr  # the section properties stay last
    for element in list(fragment):
        end.addprevious(element)


def _paragraph_xml(text: str, style: str | None = None, *, italic: bool = False, plain: bool = False) -> str:
    """A paragraph with a built-in style, by id; **bold** and *italic* as runs unless `plain`."""
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    runs = _run_xml(_plain(text), False, italic) if plain else _runs_xml(text, italic)
    return f"<w:p>{properties}{runs}</w:p>"


def _runs_xml(text: str, italic: bool = False) -> str:
    runs, position = [], 0
    for match in INLINE.finditer(text):
        if match.start() > position:
            runs.append(_run_xml(_plain(text[position : match.start()]), False, italic))
        if match.group(1) is not None:
            runs.append(_run_xml(_plain(match.group(1)), True, italic))
        else:
            runs.append(_run_xml(_plain(match.group(2)), False, True))
        position = match.end()
    if position < len(text):
        runs.append(_run_xml(_plain(text[position:]), False, italic))
    return "".join(runs)


def _run_xml(text: str, bold: bool, italic: bool) -> str:
    properties = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    properties = f"<w:rPr>{properties}</w:rPr>" if properties else ""
    return f'<w:r>{properties}<w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r>'


def _split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [_plain(c.strip()) for c in cells]


def _table_xml(block: list[str]) -> str:
    """A Word table: rows that never split across pages, the header row repeated on each page."""
    header = _split_row(block[0])
    rows = [_split_row(line) for line in block[2:]]
    width = TEXT_WIDTH_TWIPS // max(len(header), 1)

    def cell(text: str, bold: bool) -> str:
        return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p>{_run_xml(text, bold, False)}</w:p></w:tc>'

    def row(values: list[str], heading: bool) -> str:
        properties = "<w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if heading else "") + "</w:trPr>"
        cells = (values + [""] * len(header))[: len(header)]
        return f"<w:tr>{properties}" + "".join(cell(v, heading) for v in cells) + "</w:tr>"

    return (
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" '
        'w:noVBand="1"/></w:tblPr><w:tblGrid>' + f'<w:gridCol w:w="{width}"/>' * len(header) + "</w:tblGrid>"
        + row(header, True) + "".join(row(r, False) for r in rows) + "</w:tbl>"
    )


def _xml_text(text: str) -> str:
    """Escaped for XML, without the characters XML cannot hold at all."""
    return escape(XML_INVALID.sub("", text))


def _plain(text: str) -> str:
    return UNESCAPE.sub(r"\1", text)


def _field_xml(instruction: str, shown: str) -> str:
    """A Word field as a run: the instruction, and what shows until the field is updated."""
    return (f'<w:r><w:fldChar w:fldCharType="begin"/><w:instrText xml:space="preserve"> {_xml_text(instruction)} '
            f'</w:instrText><w:fldChar w:fldCharType="separate"/><w:t xml:space="preserve">{_xml_text(shown)}</w:t>'
            '<w:fldChar w:fldCharType="end"/></w:r>')


PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
# A TOC field: Word fills it when the file opens (updateFields), LibreOffice when asked (bot.office).
TOC = "<w:p>" + _field_xml(
    'TOC \\o "1-3" \\h \\z \\u',
    "Table des matières : clic droit puis « Mettre à jour le champ » (Word) ou « Mettre à jour l'index » (LibreOffice).",
) + "</w:p>"
# « page X sur Y », centred, from PAGE and NUMPAGES fields.
FOOTER = ('<w:p><w:pPr><w:jc w:val="center"/></w:pPr>' + _run_xml("page ", False, False) + _field_xml("PAGE", "1")
          + _run_xml(" sur ", False, False) + _field_xml("NUMPAGES", "1") + "</w:p>")


def _update_fields_on_open(document) -> None:
    """Ask Word to refresh fields (the TOC) when the file is opened."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


SUBJECT = "Schéma de promotion des achats socialement et écologiquement responsables"


def _page_setup(document) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin = section.bottom_margin = Mm(22)


def _french_styles(document) -> None:
    """fr-FR and the default font on the document defaults and on every style that sets its own."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    targets = [run_defaults] + [style.get_or_add_rPr() for style in styles.findall(qn("w:style"))]
    for properties in targets:
        language = properties.find(qn("w:lang"))
        if language is None:
            language = OxmlElement("w:lang")
            properties.append(language)
        for attribute in ("w:val", "w:eastAsia"):
            language.set(qn(attribute), LANGUAGE)
        fonts = properties.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            properties.insert(0, fonts)
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), FONT)


def _properties(document, info: DocumentInfo) -> None:
    from datetime import datetime, time, timezone

    core = document.core_properties
    core.title = info.title
    core.author = info.author
    core.last_modified_by = info.author
    core.subject = info.subject
    core.language = LANGUAGE
    core.keywords = "SPASER; achats responsables; commande publique"
    core.comments = "Version de travail préparée avec l'Assistant SPASER."
    core.category = ""
    moment = datetime.combine(info.day, time(12, 0), tzinfo=timezone.utc)
    core.created = core.modified = moment
    printed = core._element.find("{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}lastPrinted")
    if printed is not None:  # the blank template's own date, years ago
        core._element.remove(printed)
    core.revision = 1


def _footer(document) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    for section in document.sections:
        old = section.footer.paragraphs[0]._p
        old.addnext(parse_xml(FOOTER.replace("<w:p>", f"<w:p {nsdecls('w')}>", 1)))
        old.getparent().remove(old)
