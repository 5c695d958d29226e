"""Who must adopt a SPASER: the rule, in one place.

Art. L2111-3 and D2111-3 of the code de la commande publique: every buyer
subject to the code (all of them since the loi Industrie verte, in force on
25 October 2023) whose total annual purchases exceed 50 M€ HT; the threshold
was lowered from 100 M€ HT on 1 January 2023 (décret n° 2022-767).
"""

from __future__ import annotations

COMPULSORY_THRESHOLD_MEUR = 50


def is_compulsory(purchases_meur: float) -> bool:
    """« Supérieur à 50 millions » : exactly 50 M€ HT is not above the threshold."""
    return purchases_meur > COMPULSORY_THRESHOLD_MEUR
