"""A DECP baseline told in French, and exported as a table.

The figures come from knowledge.baseline; this module only words them
(« 1 234 contrats », « 12,5 % ») and writes the CSV or XLSX a buyer asks for.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from dialogs.inputs import format_day

KIND_LABELS = {"clause": "clause", "critere": "critère", "reserve": "marché réservé"}


def number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def euros(value: float) -> str:
    return f"{number(value)} € HT"


def percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.1f}".replace(".", ",") + " %"


def points(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}".replace(".", ",") + " points"


def as_text(result: dict) -> str:
    buyers = result["acheteur"] if isinstance(result["acheteur"], list) else [result["acheteur"]]
    lines = [f"État des lieux DECP — acheteur {', '.join(buyers)} (calculé le {format_day(result['computed_on'])})",
             f"Source : {', '.join(result['source'])}", ""]
    if not result["years"]:
        lines.append("Aucun marché daté pour cet acheteur.")
    for year in result["years"]:
        lines += _year_lines(year)
    if result["undated"]:
        lines.append(f"{number(result['undated'])} marché(s) sans date de notification lisible, non comptés.")
    concessions = result["concessions"]["years"]
    if concessions:
        lines.append("Concessions (à part) :")
        for year in concessions:
            lines.append(
                f"  {year['year']} : {number(year['contracts'])} contrat(s), {euros(year['amount'])} ; "
                f"sociale {percent(year['social']['share_of_contracts'])}, "
                f"environnementale {percent(year['environmental']['share_of_contracts'])}"
            )
        lines.append("")
    lines.append("Repères :")
    for reference in result["references"]:
        lines.append(f"- {reference['label']} ({reference['source']})")
        for distance in reference["distance_points"]:
            parts = [f"{_part(k)} {points(distance[k])}" for k in ("social", "environmental") if k in distance]
            lines.append(f"    {distance['period']} ({number(distance['contracts'])} marchés) : écart à la cible "
                         + ", ".join(parts))
        if not reference["distance_points"]:
            lines.append("    Aucun marché de la période concernée dans ce fichier.")
    lines += ["", "Ce que ces chiffres ne couvrent pas :"] + [f"- {note}" for note in result["coverage"]]
    return "\n".join(lines)


def _year_lines(year: dict) -> list[str]:
    head = f"{year['year']}" + (" (année en cours, partielle)" if year["partial"] else "")
    lines = [f"{head} : {number(year['contracts'])} marché(s), {euros(year['amount'])}"]
    for key, label in (("social", "au moins une considération sociale"),
                       ("environmental", "au moins une considération environnementale"),
                       ("both", "les deux"), ("at_least_one", "l'une ou l'autre")):
        part = year[key]
        line = (f"  {label} : {number(part['contracts'])} ({percent(part['share_of_contracts'])} des marchés), "
                f"{euros(part['amount'])} ({percent(part['share_of_amount'])} du montant)")
        if "by_kind" in part:
            kinds = ", ".join(f"{KIND_LABELS[k]} {number(v['contracts'])}" for k, v in part["by_kind"].items())
            line += f" — dont {kinds}"
        lines.append(line)
    unknown = year["unknown"]
    if unknown["social"] or unknown["environmental"]:
        lines.append(f"  inconnu (champ absent ou illisible) : social {number(unknown['social'])}, "
                     f"environnemental {number(unknown['environmental'])}")
    kinds = ", ".join(f"{k} {number(v['contracts'])}" for k, v in year["by_kind_of_purchase"].items())
    lines.append(f"  par nature d'achat (code CPV) : {kinds}")
    if year["framework_share"]:
        lines.append(f"  part du montant qui est un plafond d'accord-cadre : {percent(year['framework_share'])}")
    if year["without_amount"]:
        lines.append(f"  {number(year['without_amount'])} marché(s) sans montant lisible (comptés, sans montant)")
    if year["modified"]:
        lines.append(f"  {number(year['modified'])} marché(s) modifié(s) depuis : montants de la notification retenus")
    change = year.get("change")
    if change:
        lines.append(f"  par rapport à {year['year'] - 1} : {change['contracts']:+d} marché(s), social "
                     f"{points(change['social_points'])}, environnemental {points(change['environmental_points'])}")
    return lines + [""]


def _part(key: str) -> str:
    return "social" if key == "social" else "environnemental"


HEADERS = ["Année", "Marchés", "Montant HT (€)", "Avec considération sociale", "Montant social (€)", "Part sociale",
           "Avec considération environnementale", "Montant environnemental (€)", "Part environnementale",
           "Les deux", "L'une ou l'autre", "Social inconnu", "Environnemental inconnu",
           "Part du montant en accords-cadres", "Année partielle"]


def table(result: dict) -> list[list]:
    rows = [HEADERS]
    for y in result["years"]:
        rows.append([
            y["year"], y["contracts"], y["amount"], y["social"]["contracts"], y["social"]["amount"],
            y["social"]["share_of_contracts"], y["environmental"]["contracts"], y["environmental"]["amount"],
            y["environmental"]["share_of_contracts"], y["both"]["contracts"], y["at_least_one"]["contracts"],
            y["unknown"]["social"], y["unknown"]["environmental"], y["framework_share"], "oui" if y["partial"] else "non",
        ])
    return rows


def export(result: dict, path: Path) -> None:
    """CSV (French Excel: `;`, UTF-8 with BOM) or XLSX, by the file's extension."""
    path.write_bytes(export_bytes(result, "xlsx" if path.suffix.lower() == ".xlsx" else "csv"))


def export_bytes(result: dict, fmt: str) -> bytes:
    """The figures per year as a table, in memory: « xlsx » or « csv »."""
    rows = table(result)
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "État des lieux DECP"
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([str(v).replace(".", ",") if isinstance(v, float) else ("" if v is None else v) for v in row])
    return out.getvalue().encode("utf-8-sig")
