"""A buyer's baseline from their DECP: how many contracts, for how much, carry social and environmental considerations.

By count *and* by amount, per year of notification, by kind of consideration,
by kind of purchase; unknowns stay unknown. Only aggregates leave this module:
no contract, and no holder, is kept.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from knowledge.decp import Contract, DecpError

SOCIAL_KINDS = ("clause", "critere", "reserve")
ENVIRONMENTAL_KINDS = ("clause", "critere")
PURCHASE_KINDS = ("travaux", "fournitures", "services", "inconnu")
OBLIGATION_FROM = "2026-08-21"

# Dated references, each with its source (FACTS.md, verified 2026-11-23).
REFERENCES = [
    {
        "id": "pnad-2025",
        "label": "Cibles du PNAD 2022-2025 (plan national terminé fin 2025) : d'ici 2025, 30 % des contrats notifiés "
                 "dans l'année avec au moins une considération sociale, 100 % avec au moins une considération "
                 "environnementale. Des objectifs nationaux, pas une obligation juridique.",
        "social": 0.30, "environmental": 1.0, "years": (2022, 2025),
        "source": "Plan national pour des achats durables 2022-2025 (15 mars 2022)",
    },
    {
        "id": "climat-resilience-2026",
        "label": "Obligation légale en vigueur depuis le 21 août 2026 : au moins un critère d'attribution qui prend "
                 "en compte les caractéristiques environnementales de l'offre, et des conditions d'exécution "
                 "environnementales, pour tous les marchés (loi Climat et résilience, art. 35 ; articles L2152-7 "
                 "et L2112-2 du code de la commande publique). Seuls les marchés notifiés depuis cette date y sont "
                 "comparés : un taux de 2024 ou 2025 n'est pas un manquement.",
        "environmental": 1.0, "from": OBLIGATION_FROM,
        "source": "Loi n° 2021-1104 du 22 août 2021, art. 35 ; décret n° 2022-767",
    },
]

COVERAGE = [
    "Seuls les marchés de 40 000 € HT ou plus sont publiés dans les DECP : les plus petits n'y sont pas.",
    "Les considérations sociales et environnementales ne sont publiées que depuis le 1er janvier 2024 (format 2.0).",
    "Montants HT à la notification ; pour un accord-cadre, c'est son montant maximum (un plafond), pas la dépense réelle.",
    "Une considération absente ou illisible dans le fichier est comptée « inconnue », jamais « non ».",
]


def parse_buyers(values: Iterable[str]) -> list[str]:
    """SIRET (14 digits) or SIREN (9 digits, all its establishments); spaces allowed."""
    buyers = []
    for value in values:
        digits = re.sub(r"[\s.]", "", value)
        if not digits.isdigit() or len(digits) not in (9, 14):
            raise DecpError(f"« {value} » n'est ni un SIRET (14 chiffres) ni un SIREN (9 chiffres).")
        buyers.append(digits)
    return buyers


def purchase_kind(cpv: str | None) -> str:
    """Travaux (division 45), fournitures (03–44, 48), services (50–98)."""
    if cpv is None or not cpv.isdigit():
        return "inconnu"
    division = int(cpv)
    if division == 45:
        return "travaux"
    if 3 <= division <= 44 or division == 48:
        return "fournitures"
    if 50 <= division <= 98:
        return "services"
    return "inconnu"


@dataclass
class Tally:
    contracts: int = 0
    amount: float = 0.0

    def add(self, contract: Contract) -> None:
        self.contracts += 1
        self.amount += contract.amount or 0.0

    def as_dict(self) -> dict:
        return {"contracts": self.contracts, "amount": round(self.amount, 2)}


@dataclass
class Year:
    all: Tally = field(default_factory=Tally)
    social: Tally = field(default_factory=Tally)
    environmental: Tally = field(default_factory=Tally)
    both: Tally = field(default_factory=Tally)
    at_least_one: Tally = field(default_factory=Tally)
    social_kinds: dict = field(default_factory=lambda: {k: Tally() for k in SOCIAL_KINDS})
    environmental_kinds: dict = field(default_factory=lambda: {k: Tally() for k in ENVIRONMENTAL_KINDS})
    unknown_social: int = 0
    unknown_environmental: int = 0
    framework: Tally = field(default_factory=Tally)
    no_amount: int = 0
    modified: int = 0
    purchase: dict = field(default_factory=lambda: {k: [Tally(), Tally(), Tally()] for k in PURCHASE_KINDS})
    divisions: dict = field(default_factory=dict)

    def add(self, c: Contract) -> None:
        self.all.add(c)
        social, environmental = bool(c.social), bool(c.environmental)
        if c.social is None:
            self.unknown_social += 1
        if c.environmental is None:
            self.unknown_environmental += 1
        if social:
            self.social.add(c)
            for kind in c.social:
                self.social_kinds[kind].add(c)
        if environmental:
            self.environmental.add(c)
            for kind in c.environmental:
                self.environmental_kinds[kind].add(c)
        if social and environmental:
            self.both.add(c)
        if social or environmental:
            self.at_least_one.add(c)
        if c.framework:
            self.framework.add(c)
        if c.amount is None:
            self.no_amount += 1
        if c.modifications:
            self.modified += 1
        tallies = self.purchase[purchase_kind(c.cpv)]
        tallies[0].add(c)
        if social:
            tallies[1].add(c)
        if environmental:
            tallies[2].add(c)
        if c.cpv is not None:
            self.divisions.setdefault(c.cpv, Tally()).add(c)

    def as_dict(self, year: int, partial: bool) -> dict:
        def share(part: Tally) -> dict:
            return {
                **part.as_dict(),
                "share_of_contracts": _ratio(part.contracts, self.all.contracts),
                "share_of_amount": _ratio(part.amount, self.all.amount),
            }

        return {
            "year": year,
            "partial": partial,
            "contracts": self.all.contracts,
            "amount": round(self.all.amount, 2),
            "social": {**share(self.social), "by_kind": {k: t.as_dict() for k, t in self.social_kinds.items()}},
            "environmental": {
                **share(self.environmental), "by_kind": {k: t.as_dict() for k, t in self.environmental_kinds.items()},
            },
            "both": share(self.both),
            "at_least_one": share(self.at_least_one),
            "unknown": {"social": self.unknown_social, "environmental": self.unknown_environmental},
            "by_kind_of_purchase": {
                kind: {**t[0].as_dict(), "social": t[1].as_dict(), "environmental": t[2].as_dict()}
                for kind, t in self.purchase.items() if t[0].contracts
            },
            "by_cpv_division": {d: t.as_dict() for d, t in sorted(self.divisions.items())},
            "framework_share": _ratio(self.framework.amount, self.all.amount),
            "without_amount": self.no_amount,
            "modified": self.modified,
        }


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def selector(buyers: list[str]):
    """What the reader needs to skip other buyers' contracts without reading them (called for each one)."""
    sirets = frozenset(b for b in buyers if len(b) == 14)
    sirens = tuple(b for b in buyers if len(b) == 9)

    def wanted(buyer: str) -> bool:
        if " " in buyer or "\u00a0" in buyer:
            buyer = re.sub(r"\s", "", buyer)
        return buyer in sirets or (bool(sirens) and buyer.startswith(sirens))

    return wanted


def compute(contracts: Iterable[Contract], buyers: list[str], sources: list[str], today: date | None = None) -> dict:
    """The baseline of `buyers` (SIRETs or SIRENs); raises DecpError when the files hold none of their contracts."""
    today = today or date.today()
    years: dict[str, dict[int, Year]] = {"marche": {}, "concession": {}}
    seen: set[tuple] = set()
    others: Counter = Counter()
    undated = {"marche": 0, "concession": 0}
    since = Year()  # marchés notified since the legal obligation
    total = 0
    wanted = selector(buyers)
    for contract in contracts:
        total += 1
        buyer = contract.buyer
        if not wanted(buyer):
            if len(others) < 100_000:
                others[buyer] += 1
            continue
        buyer = re.sub(r"\s", "", buyer)
        # One row per contract and holder in tabular exports: each contract once.
        key = (contract.kind, buyer, contract.id or f"?{total}")
        if key in seen:
            continue
        seen.add(key)
        if contract.date is None:
            undated[contract.kind] += 1
            continue
        year = int(contract.date[:4])
        years[contract.kind].setdefault(year, Year()).add(contract)
        if contract.kind == "marche" and contract.date >= OBLIGATION_FROM:
            since.add(contract)
    if total == 0:
        raise DecpError("Le fichier ne contient aucun marché.")
    if not seen:
        found = ", ".join(f"{siret} ({count})" for siret, count in others.most_common(10) if siret)
        raise DecpError(
            f"Aucun marché de {', '.join(buyers)} dans ce fichier ({total} marchés d'autres acheteurs). "
            f"Acheteurs les plus présents : {found or 'aucun identifiant lisible'}."
        )
    result_years = _years(years["marche"], today)
    return {
        "acheteur": buyers[0] if len(buyers) == 1 else buyers,
        "source": sources,
        "computed_on": today.isoformat(),
        "years": result_years,
        "undated": undated["marche"],
        "concessions": {"years": _years(years["concession"], today), "undated": undated["concession"]},
        "references": [_reference(r, result_years, since) for r in REFERENCES],
        "coverage": COVERAGE + ([f"L'année {today.year} est en cours : ses chiffres sont partiels."]
                                if today.year in {y["year"] for y in result_years} else []),
    }


def _years(by_year: dict[int, Year], today: date) -> list[dict]:
    result = []
    previous = None
    for year in sorted(by_year):
        data = by_year[year].as_dict(year, partial=year >= today.year)
        if previous is not None and previous["year"] == year - 1:
            data["change"] = {
                "contracts": data["contracts"] - previous["contracts"],
                "amount": round(data["amount"] - previous["amount"], 2),
                "social_points": _points(data["social"], previous["social"]),
                "environmental_points": _points(data["environmental"], previous["environmental"]),
            }
        else:
            data["change"] = None
        result.append(data)
        previous = data
    return result


def _points(now: dict, before: dict) -> float | None:
    if now["share_of_contracts"] is None or before["share_of_contracts"] is None:
        return None
    return round((now["share_of_contracts"] - before["share_of_contracts"]) * 100, 1)


def _reference(reference: dict, years: list[dict], since: Year) -> dict:
    """The distance to a reference, in points, only for the contracts it applies to."""
    distances = []
    if "years" in reference:
        periods = [(str(y["year"]), y) for y in years if reference["years"][0] <= y["year"] <= reference["years"][1]]
    else:
        periods = [(f"depuis le {reference['from']}", since.as_dict(0, partial=True))] if since.all.contracts else []
    for period, data in periods:
        entry = {"period": period, "contracts": data["contracts"]}
        for part in ("social", "environmental"):
            if part in reference and data[part]["share_of_contracts"] is not None:
                entry[part] = round((data[part]["share_of_contracts"] - reference[part]) * 100, 1)
        distances.append(entry)
    return {
        "id": reference["id"], "label": reference["label"], "source": reference["source"],
        "targets": {k: reference[k] for k in ("social", "environmental") if k in reference},
        "distance_points": distances,
    }
