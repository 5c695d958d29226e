"""`/indicateurs`: the grid of indicators the SPASER will be followed with."""

from __future__ import annotations

from bot.features.workspace_lists import Collection, WorkspaceList
from storage.records import INDICATOR_FIELDS

INDICATORS = Collection(
    key="i", dialog="indicateur", command="indicateurs", help="la grille d'indicateurs",
    menu_label="📊 Grille d'indicateurs", records="indicators", title="Grille d'indicateurs",
    noun="indicateur", title_field="indicator", list_fields=("theme", "priority"),
    int_fields=("priority", "target_year"),
)


class IndicatorGridFeature(WorkspaceList):
    spec = INDICATORS
    needs = {"indicateur": INDICATOR_FIELDS}
