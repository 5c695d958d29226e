"""`/referentiel`: the buyer's own DECP file becomes their état des lieux, their grid's baselines and the plan's key figures.

The file is read by the channel adapter, off the event loop (`knowledge.decp.read_upload`);
here its contracts are filtered by the SIRET of the profile and counted. Only
aggregates are kept, with the file's name and the day it came: no contract, no
holder. A file that gives nothing (another buyer's, a format 1.x file, a
truncated one) changes nothing already stored.
"""

from __future__ import annotations

from collections import Counter
from bot.documents_out import deferred
from bot.features.base import Buttons, Command, Feature
from bot.features.workspace_lists import LIMITS
from documents.decp_report import euros, export_bytes, number, percent
from bot.rendering import message
from bot.replies import Button, Document, Event, Reply
from documents.outline import french_date
from knowledge.baseline import compute
from bot.received_files import read_console_file
from knowledge.decp import MAX_CHAT_BYTES, Contract, DecpError, read_upload
from storage.rows import Baseline, Workspace

# The grid lines a baseline fills in: (theme, part, measure, indicator, unit).
SUGGESTED = (
    ("social", "social", "share_of_contracts",
     "Part des marchés avec au moins une considération sociale, en nombre (DECP)", "contrats"),
    ("social", "social", "share_of_amount",
     "Part des marchés avec au moins une considération sociale, en montant (DECP)", "valeur"),
    ("environnement", "environmental", "share_of_contracts",
     "Part des marchés avec au moins une considération environnementale, en nombre (DECP)", "contrats"),
    ("environnement", "environmental", "share_of_amount",
     "Part des marchés avec au moins une considération environnementale, en montant (DECP)", "valeur"),
)


class ReferentielFeature(Feature):
    def __init__(self, storage):
        self.storage = storage

    def commands(self) -> tuple[Command, ...]:
        return (Command("referentiel", "l'état des lieux de vos marchés à partir de vos données DECP", self.open),)

    def buttons(self) -> tuple[Buttons, ...]:
        return (Buttons("ref", self.on_button),)

    def receive_file(self, event: Event, document: Document) -> list[Reply] | None:
        if document.contracts is None:
            return None  # not a DECP file: a table for the imports
        return self.receive(event, document.filename, document.contracts)

    # -- entry points ---------------------------------------------------------

    def open(self, event: Event) -> list[Reply]:
        """How to get the file, or (console) the file read from the path typed after the command."""
        if event.capabilities.local and event.args.strip():
            return self.receive(event, *self._console_file(event.args))
        workspace = self.storage.workspaces.of_user(event.user_id)
        siret = workspace.siret if workspace else None
        baseline = self.storage.baselines.get(workspace.id) if workspace else None
        html = message("referentiel_how", siret=siret, console=event.capabilities.local,
                       limit=MAX_CHAT_BYTES // 1024**2,
                       baseline=_summary_view(baseline) if baseline else None)
        return [Reply(html, self._buttons(baseline) if baseline else ())]

    def receive(self, event: Event, filename: str, contracts: list[Contract] | str) -> list[Reply]:
        """A DECP file arrived (already read): compute, keep the aggregates, show them."""
        if isinstance(contracts, str):
            return [Reply(message("referentiel_refused", reason=contracts))]
        workspace = self.storage.workspaces.of_user(event.user_id)
        siret = workspace.siret if workspace else None
        if not siret:
            present = Counter(c.buyer for c in contracts if c.buyer).most_common(3)
            return [Reply(message("referentiel_no_siret", present=present))]
        try:
            result = compute(contracts, [siret], [filename])
        except DecpError as error:
            return [Reply(message("referentiel_refused", reason=str(error)))]
        figures = {key: result[key] for key in ("years", "undated", "concessions", "references", "coverage", "computed_on")}
        self.storage.baselines.save(workspace.id, event.user_id, siret, filename, figures)
        baseline = self.storage.baselines.get(workspace.id)
        view = _summary_view(baseline)
        replies = [Reply(message("referentiel_done", view=view), self._buttons(baseline))]
        if result["years"]:  # drawn by the channel, in the documents' process
            chart = deferred("etat-des-lieux-decp.png", "chart",
                             {"years": result["years"], "title": f"{workspace.name or siret} — marchés notifiés (DECP)"},
                             caption="Part des marchés avec une considération, par année", picture=True)
            replies.append(Reply("", document=chart))
        return replies

    def on_button(self, event: Event, value: str) -> list[Reply]:
        workspace = self.storage.workspaces.of_user(event.user_id)
        baseline = self.storage.baselines.get(workspace.id) if workspace else None
        if baseline is None:
            return [Reply(message("referentiel_none"))]
        if value == "grid":
            return self.accept(workspace, baseline, event.user_id)
        if value in ("xlsx", "csv"):
            return [Reply(message("referentiel_export", fmt=value.upper()),
                          document=Document(f"etat-des-lieux-decp.{value}", export_bytes(baseline.figures, value)))]
        return [Reply(message("unknown_button"))]

    # -- the grid -------------------------------------------------------------

    def suggestions(self, baseline: Baseline) -> list[dict]:
        """The grid lines the baseline fills in, with the value of the last full year (else the last one)."""
        year = _reference_year(baseline.figures)
        if year is None:
            return []
        source = f"DECP, fichier {baseline.file} reçu le {french_date(_day(baseline.received_on))}"
        return [
            {"theme": theme, "indicator": label, "unit": unit, "baseline_value": percent(year[part][measure]),
             "baseline_year": year["year"], "baseline_source": source}
            for theme, part, measure, label, unit in SUGGESTED if year[part][measure] is not None
        ]

    def accept(self, workspace: Workspace, baseline: Baseline, user_id: int) -> list[Reply]:
        """Add the suggested lines (or update the starting point of those already there); one transaction."""
        indicators = self.storage.indicators
        existing = {row.indicator: row for row in indicators.list(workspace.id)}
        lines = self.suggestions(baseline)
        added = updated = 0
        with self.storage.transaction():
            for line in lines:
                row = existing.get(line["indicator"])
                if row is None:
                    if indicators.count(workspace.id) >= LIMITS["i"]:
                        break
                    record_id = indicators.add(workspace.id, user_id, {
                        "theme": line["theme"], "indicator": line["indicator"], "unit": line["unit"], "priority": 2,
                        "referent": None, "target": None, "target_year": None})
                    added += 1
                else:
                    record_id = row.id
                    updated += 1
                indicators.set_baseline(workspace.id, record_id, line["baseline_value"], line["baseline_year"],
                                        line["baseline_source"])
        return [Reply(message("referentiel_grid", added=added, updated=updated, lines=lines),
                      ((Button("📊 Voir ma grille", "menu:indicateurs"), Button("📄 Mon plan", "menu:plan")),))]

    # -- helpers --------------------------------------------------------------

    def _buttons(self, baseline: Baseline) -> tuple[tuple[Button, ...], ...]:
        rows = []
        if self.suggestions(baseline):
            rows.append((Button("➕ Ajouter ces indicateurs à ma grille", "ref:grid"),))
        rows.append((Button("⬇️ Export XLSX", "ref:xlsx"), Button("⬇️ Export CSV", "ref:csv")))
        return tuple(rows)

    @staticmethod
    def _console_file(args: str) -> tuple[str, list[Contract] | str]:
        found = read_console_file(args, MAX_CHAT_BYTES)
        if found == "too_big":
            return "", (f"le fichier dépasse {MAX_CHAT_BYTES // 1024**2} Mo ; pour un fichier plus gros, "
                        "utilisez « spaser-bot decp baseline » en ligne de commande")
        if isinstance(found, str):
            return "", f"je ne trouve pas le fichier « {args.strip()[:200]} »"
        return found[0], read_upload(*found)


def _reference_year(figures: dict) -> dict | None:
    """The last full year with contracts, else the last year."""
    years = [y for y in figures.get("years") or [] if y["contracts"]]
    full = [y for y in years if not y.get("partial")]
    return (full or years or [None])[-1]


def _day(iso: str):
    from datetime import date

    return date.fromisoformat(iso)


def baseline_for_outline(baseline: Baseline | None) -> dict | None:
    """What /plan writes in the état des lieux: the figures per year and where they come from."""
    return _summary_view(baseline) if baseline and baseline.figures.get("years") else None


def _summary_view(baseline: Baseline) -> dict:
    """The figures as the messages and the plan word them."""
    years = [
        {
            "year": y["year"], "partial": y.get("partial"), "contracts": number(y["contracts"]),
            "amount": euros(y["amount"]),
            "social_count": percent(y["social"]["share_of_contracts"]),
            "social_amount": percent(y["social"]["share_of_amount"]),
            "environmental_count": percent(y["environmental"]["share_of_contracts"]),
            "environmental_amount": percent(y["environmental"]["share_of_amount"]),
            "unknown": y["unknown"]["social"] + y["unknown"]["environmental"],
        }
        for y in baseline.figures.get("years") or []
    ]
    return {"years": years, "file": baseline.file, "buyer": baseline.buyer,
            "received_on": french_date(_day(baseline.received_on))}
