"""The programme's rules and lists, each written once.

Who must adopt a SPASER — art. L2111-3 and D2111-3 of the code de la commande
publique: every buyer subject to the code (all of them since the loi Industrie
verte, in force on 25 October 2023) whose total annual purchases exceed
50 M€ HT; the threshold was lowered from 100 M€ HT on 1 January 2023
(décret n° 2022-767).
"""

from __future__ import annotations

COMPULSORY_THRESHOLD_MEUR = 50
FORMER_THRESHOLD_MEUR = 100  # until 31 December 2022 (décret n° 2015-90)


def is_compulsory(purchases_meur: float) -> bool:
    """« Supérieur à 50 millions » : exactly 50 M€ HT is not above the threshold."""
    return purchases_meur > COMPULSORY_THRESHOLD_MEUR


# The profile of a structure, in the order of its dialog: the steps /profil
# stores, the columns of the workspace, the keys of the outline's context.
PROFILE_FIELDS = (
    "structure_type",
    "name",
    "region",
    "purchases_meur",
    "existing_spaser",
    "existing_years",
    "period_start",
    "period_end",
    "siret",
)

# What people subscribe to, and how the assistant names each in French.
ANNOUNCEMENT_TOPICS = {
    "webinaires": "webinaires",
    "ressources": "nouvelles ressources",
    "actualites": "actualités réglementaires",
}
