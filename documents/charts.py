"""The baseline as a picture: shares of contracts with social and environmental considerations, per year.

matplotlib's object API (no pyplot state), so a chart can be drawn in a worker
thread; PNG at a size Telegram shows without shrinking the text away.
"""

from __future__ import annotations

import io

SERIES = (
    ("social", "share_of_contracts", "Sociale, en nombre de marchés", "#1f6f8b"),
    ("social", "share_of_amount", "Sociale, en montant", "#7fb7c9"),
    ("environmental", "share_of_contracts", "Environnementale, en nombre de marchés", "#3b7d3b"),
    ("environmental", "share_of_amount", "Environnementale, en montant", "#9ccc8c"),
)


def render_chart(recipe: dict) -> bytes:
    """The chart from its recipe (bot.documents_out): the years' figures and the title."""
    return baseline_chart(recipe["years"], recipe["title"])


def baseline_chart(years: list[dict], title: str) -> bytes:
    """Grouped bars per year; a year in progress is labelled « partielle »; unknown shares are left out."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figure = Figure(figsize=(8, 5), dpi=120)
    axes = figure.add_subplot()
    labels = [f"{y['year']}" + ("\n(partielle)" if y.get("partial") else "") for y in years]
    width = 0.8 / len(SERIES)
    for index, (part, measure, label, colour) in enumerate(SERIES):
        positions = [n + (index - (len(SERIES) - 1) / 2) * width for n in range(len(years))]
        values = [(y[part][measure] or 0) * 100 for y in years]
        bars = axes.bar(positions, values, width, label=label, color=colour)
        for bar, year in zip(bars, years):
            if year[part][measure] is None:
                bar.set_hatch("//")
    axes.set_xticks(range(len(years)), labels)
    axes.set_ylim(0, 100)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0f} %"))
    axes.set_ylabel("Part des marchés avec au moins une considération")
    axes.set_title(title, fontsize=11)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
