"""The assistant's features, in the order /aide lists their commands and the main menu shows their buttons.

Adding a feature: write its module (see `base.py` for what it may declare)
and add its class to `FEATURES`. Nothing else is edited: the router, /aide,
Telegram's command list and the check of the dialog files read the declarations.
"""

from __future__ import annotations

from bot.features.admin import AdminFeature
from bot.features.announcements import AnnouncementsFeature
from bot.features.base import Feature
from bot.features.diagnostic import DiagnosticFeature
from bot.features.dialog_navigation import DialogNavigationFeature
from bot.features.examples import ExamplesFeature
from bot.features.faq import FaqFeature
from bot.features.imports import ImportsFeature
from bot.features.indicator_grid import IndicatorGridFeature
from bot.features.linking import LinkingFeature
from bot.features.plan import PlanFeature
from bot.features.privacy import PrivacyFeature
from bot.features.profile import ProfileFeature
from bot.features.referentiel import ReferentielFeature
from bot.features.stakeholder_map import StakeholderMapFeature
from bot.features.welcome import WelcomeFeature
from bot.features.workspace import WorkspaceFeature

FEATURES: tuple[type[Feature], ...] = (
    WelcomeFeature,
    FaqFeature,
    ProfileFeature,
    StakeholderMapFeature,
    IndicatorGridFeature,
    PlanFeature,
    DiagnosticFeature,
    ExamplesFeature,
    WorkspaceFeature,
    ReferentielFeature,
    ImportsFeature,
    AnnouncementsFeature,
    LinkingFeature,
    PrivacyFeature,
    AdminFeature,
    DialogNavigationFeature,
)


def required_steps(features: tuple[type[Feature], ...] = FEATURES) -> dict[str, tuple[str, ...]]:
    """Per dialog, the steps the features store: checked against the dialog files at start and by `kb check`."""
    needs: dict[str, tuple[str, ...]] = {}
    for feature in features:
        for dialog_id, steps in feature.needs.items():
            needs[dialog_id] = tuple(dict.fromkeys(needs.get(dialog_id, ()) + tuple(steps)))
    return needs
