"""DECP files made by the project: official 2.0.3 shape (checked against the schema), and the variants seen in the wild."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

BUYER = "21860194400013"
OTHER = "21330063500017"
HOLDER = "55204599900869"  # must never appear in any output


def marche(id: str, date: str, amount: float, social=None, environmental=None, cpv="71000000-8",
           buyer: str = BUYER, framework: bool = False, **extra) -> dict:
    """One marché as the format requires it; `social`/`environmental` None leaves the field out."""
    record = {
        "id": id,
        "acheteur": {"id": buyer},
        "nature": "Marché",
        "objet": f"Marché {id}",
        "codeCPV": cpv,
        "techniques": {"technique": ["Accord-cadre"] if framework else ["Sans objet"]},
        "modalitesExecution": {"modaliteExecution": ["Bons de commande"] if framework else ["Sans objet"]},
        "marcheInnovant": False,
        "ccag": "Fournitures courantes et services",
        "offresRecues": 3,
        "attributionAvance": False,
        "typeGroupementOperateurs": "Pas de groupement",
        "procedure": "Appel d'offres ouvert",
        "lieuExecution": {"code": "86000", "typeCode": "Code postal"},
        "dureeMois": 24,
        "dateNotification": date,
        "datePublicationDonnees": date,
        "montant": amount,
        "typesPrix": {"typePrix": ["Définitif ferme"]},
        "formePrix": "Forfaitaire",
        "sousTraitanceDeclaree": False,
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": HOLDER}}],
    }
    if social is not None:
        record["considerationsSociales"] = {"considerationSociale": social}
    if environmental is not None:
        record["considerationsEnvironnementales"] = {"considerationEnvironnementale": environmental}
    record.update(extra)
    return record


def concession(id: str, date: str, value: float, buyer: str = BUYER) -> dict:
    return {
        "id": id, "autoriteConcedante": {"id": buyer}, "nature": "Concession de service", "objet": "Restauration",
        "procedure": "Procédure non négociée ouverte", "dureeMois": 60, "dateSignature": date,
        "datePublicationDonnees": date, "dateDebutExecution": date, "valeurGlobale": value,
        "montantSubventionPublique": 0,
        "concessionnaires": [{"concessionnaire": {"typeIdentifiant": "SIRET", "id": HOLDER}}],
        "considerationsSociales": {"considerationSociale": ["Concession réservée"]},
        "considerationsEnvironnementales": {"considerationEnvironnementale": ["Pas de considération environnementale"]},
    }


def hand_made() -> tuple[list[dict], list[dict]]:
    """The small file checked by hand (see the expected figures in tests/test_decp.py)."""
    marches = [
        marche("2024-001", "2024-03-12", 100_000, ["Clause sociale"], ["Pas de considération environnementale"]),
        marche("2024-002", "2024-06-30", 50_000, ["Pas de considération sociale", "Clause sociale"],
               ["Critère environnemental"], framework=True, cpv="30190000-7"),
        marche("2024-003", "2024-11-05", 200_000),  # considerations not given: unknown, not « no »
        marche("2025-001", "2025-02-01", 80_000, ["Marché réservé"], ["Clause environnementale"], cpv="45210000-2"),
        marche("2025-002", "2025-09-15", 60_000, ["Pas de considération sociale"],
               ["Pas de considération environnementale"]),
        marche("2024-001", "2024-03-12", 100_000, ["Clause sociale"], ["Pas de considération environnementale"]),
        marche("X-1", "2024-05-05", 999_999, ["Clause sociale"], ["Clause environnementale"], buyer=OTHER),
    ]
    concessions = [concession("C-2024", "2024-07-01", 1_500_000)]
    return marches, concessions


def write_json(path: Path, marches: list[dict], concessions: list[dict] = ()) -> Path:
    root = {"marches": {"marche": marches}}
    if concessions:
        root["marches"]["contrat-concession"] = list(concessions)
    path.write_text(json.dumps(root, ensure_ascii=False), encoding="utf-8")
    return path


CSV_HEADER = ["id", "acheteur.id", "titulaire.id", "dateNotification", "montant", "codeCPV", "techniques",
              "considerationsSociales", "considerationsEnvironnementales"]


def tabular_rows(marches: list[dict]) -> list[list[str]]:
    """As decp.info exports them: one row per contract *and holder*, values joined by commas, « Sans objet »."""
    rows = [CSV_HEADER]
    for m in marches:
        def joined(key, inner):
            if key not in m:
                return "CDL"
            values = m[key][inner]
            return ", ".join("Sans objet" if v.startswith("Pas de") else v for v in values)

        row = [m["id"], m["acheteur"]["id"], HOLDER, m["dateNotification"], str(m["montant"]).replace(".", ","),
               m["codeCPV"], ", ".join(m["techniques"]["technique"]),
               joined("considerationsSociales", "considerationSociale"),
               joined("considerationsEnvironnementales", "considerationEnvironnementale")]
        rows.append(row)
        rows.append(row[:2] + ["38103128500491"] + row[3:])  # a co-holder: the same contract again
    return rows


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ";") -> Path:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_xml(path: Path, marches: list[dict]) -> Path:
    from xml.sax.saxutils import escape

    parts = ["<marches>"]
    for m in marches:
        parts.append("<marche>")
        parts.append(f"<id>{escape(m['id'])}</id><acheteur><id>{m['acheteur']['id']}</id></acheteur>")
        parts.append(f"<nature>{m['nature']}</nature><codeCPV>{m['codeCPV']}</codeCPV>")
        parts.append("<techniques>" + "".join(f"<technique>{t}</technique>" for t in m["techniques"]["technique"])
                     + "</techniques>")
        parts.append(f"<titulaires><titulaire><id>{HOLDER}</id><typeIdentifiant>SIRET</typeIdentifiant></titulaire></titulaires>")
        for key, inner in (("considerationsSociales", "considerationSociale"),
                           ("considerationsEnvironnementales", "considerationEnvironnementale")):
            if key in m:
                parts.append(f"<{key}>" + "".join(f"<{inner}>{escape(v)}</{inner}>" for v in m[key][inner]) + f"</{key}>")
        parts.append(f"<dateNotification>{m['dateNotification']}</dateNotification><montant>{m['montant']}</montant>")
        parts.append("</marche>")
    parts.append("</marches>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def generated(count: int, buyers: int = 1000) -> dict:
    """`count` marchés spread over `buyers` buyers, 2024–2026, for the benchmark (one JSON object per marché)."""
    kinds_social = [["Clause sociale"], ["Critère social"], ["Pas de considération sociale"], ["Marché réservé"],
                    ["Pas de considération sociale"], ["Clause sociale", "Critère social"]]
    kinds_env = [["Clause environnementale"], ["Pas de considération environnementale"], ["Critère environnemental"]]
    cpvs = ["45210000-2", "30190000-7", "71000000-8", "90910000-9", "15800000-6"]
    return {"marches": {"marche": [
        marche(f"M{n}", f"{2024 + n % 3}-{1 + n % 12:02d}-{1 + n % 28:02d}", 40_000 + (n * 37) % 900_000,
               kinds_social[n % 6], kinds_env[n % 3], cpv=cpvs[n % 5],
               buyer=f"2186{n % buyers:06d}0001"[:14].ljust(14, "0"), framework=n % 7 == 0)
        for n in range(count)
    ]}}


SIRET = OTHER  # a SIRET with a valid check digit


def decp_file(tmp_path, buyer: str = SIRET) -> bytes:
    """Two years of a buyer's marchés: 2024 (12, a third social, half environmental) and 2025 (9)."""
    marches = [
        marche(f"A24-{n}", f"2024-03-{n + 1:02d}", 50_000 + n * 10_000,
               ["Clause sociale"] if n % 3 == 0 else ["Pas de considération sociale"],
               ["Clause environnementale"] if n % 2 == 0 else ["Pas de considération environnementale"], buyer=buyer)
        for n in range(12)
    ] + [
        marche(f"A25-{n}", f"2025-05-{n + 1:02d}", 80_000 + n * 5_000,
               ["Critère social"] if n % 2 == 0 else ["Pas de considération sociale"], ["Critère environnemental"],
               buyer=buyer)
        for n in range(9)
    ]
    return write_json(tmp_path / "decp.json", marches).read_bytes()
