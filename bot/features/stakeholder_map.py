"""`/cartographie`: the map of the territory's stakeholders (who buys, who supplies, who supports)."""

from __future__ import annotations

from bot.features.workspace_lists import Collection, WorkspaceList
from storage.records import ACTOR_FIELDS

ACTORS = Collection(
    key="a", dialog="acteur", command="cartographie", help="la cartographie des acteurs du territoire",
    menu_label="🗺 Cartographie des acteurs", records="actors", title="Cartographie des acteurs",
    noun="acteur", title_field="name", list_fields=("typology", "role"),
    int_fields=(),
)


class StakeholderMapFeature(WorkspaceList):
    spec = ACTORS
    needs = {"acteur": ACTOR_FIELDS}
