"""Time to generate the starter SPASER (Markdown and DOCX) for a full workspace.

A workspace with a complete profile, 50 mapped actors and 30 indicators,
6 axes. Target: both formats in under 150 ms median. The ODT and PDF made by
LibreOffice are measured apart (they follow the DOCX, in the background).

Run: python benchmarks/outline.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.features.plan import generate  # noqa: E402
from bot.features import required_steps  # noqa: E402
from dialogs.checks import load_checked_dialogs  # noqa: E402
from storage.rows import Actor, Indicator, Workspace  # noqa: E402

RUNS = 30
THEMES = ["environnement", "social", "economique", "gouvernance"]


def workspace(actor_count: int = 50, indicator_count: int = 30) -> tuple[Workspace, list[Actor], list[Indicator]]:
    profile = Workspace(
        id=1, name="Métropole d'essai", structure_type="metropole", region="bretagne", purchases_meur=420.0,
        existing_spaser="adopte", existing_years="2020-2024", period_start=2025, period_end=2030, profile_done=True,
    )
    actors = [
        Actor(id=n, workspace_id=1, name=f"Structure partenaire n° {n}", typology="ess_thematique", role="consultation",
              involvement="atelier", themes=tuple(THEMES[n % 4 : n % 4 + 2]), contact=f"contact{n}@exemple.fr",
              description="Réseau d'acteurs du territoire")
        for n in range(1, actor_count + 1)
    ]
    indicators = [
        Indicator(id=n, workspace_id=1, theme=THEMES[n % 4], indicator=f"Indicateur de suivi n° {n}", unit="contrats",
                  target="30 %", target_year=2028, priority=1 + n % 3, referent="Direction des achats",
                  objective=f"Objectif opérationnel n° {n}", schemes=("PCAET",))
        for n in range(1, indicator_count + 1)
    ]
    return profile, actors, indicators


def main() -> None:
    dialogs = load_checked_dialogs(required_steps())
    profile, actors, indicators = workspace()
    axes = [(c.value, c.label) for c in dialogs["plan"].step("axes").choices[:6]]
    generate(dialogs, profile, actors, indicators, axes)  # warm-up: templates and styles loaded once
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        markdown, docx = generate(dialogs, profile, actors, indicators, axes)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    print(f"Plan SPASER : 50 acteurs, 30 indicateurs, 6 axes — {RUNS} générations (Markdown + DOCX)")
    print(f"Taille : Markdown {len(markdown) / 1024:.0f} Kio, DOCX {len(docx) / 1024:.0f} Kio")
    print(
        f"Durée : médiane {statistics.median(timings):.0f} ms, p95 {timings[int(RUNS * 0.95) - 1]:.0f} ms, "
        f"max {timings[-1]:.0f} ms (cible < 150 ms)"
    )
    # The largest workspace there can be (500 actors, 200 indicators): how long one /plan holds the bot.
    profile, actors, indicators = workspace(500, 200)
    largest = []
    for _ in range(5):
        start = time.perf_counter()
        markdown, docx = generate(dialogs, profile, actors, indicators, axes)
        largest.append((time.perf_counter() - start) * 1000)
    print(f"Espace au plafond (500 acteurs, 200 indicateurs) : médiane {statistics.median(largest):.0f} ms, "
          f"Markdown {len(markdown) / 1024:.0f} Kio, DOCX {len(docx) / 1024:.0f} Kio")
    convert_timings()


def convert_timings() -> None:
    """ODT and PDF through LibreOffice, apart (run in the background, after the DOCX is sent)."""
    from bot import office

    if not office.available():
        print("ODT et PDF : LibreOffice absent, non mesuré (apt install libreoffice-writer-nogui)")
        return
    dialogs = load_checked_dialogs(required_steps())
    profile, actors, indicators = workspace()
    axes = [(c.value, c.label) for c in dialogs["plan"].step("axes").choices[:6]]
    _, docx = generate(dialogs, profile, actors, indicators, axes)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        files = office.convert(docx)
        timings.append((time.perf_counter() - start) * 1000)
    print(f"ODT + PDF (LibreOffice, sommaire rempli) : première {timings[0]:.0f} ms (profil créé), "
          f"puis {statistics.median(timings[1:]):.0f} ms ; PDF {len(files['pdf']) / 1024:.0f} Kio, "
          f"ODT {len(files['odt']) / 1024:.0f} Kio")


if __name__ == "__main__":
    main()
