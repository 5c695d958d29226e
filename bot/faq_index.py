"""The index the FAQ answers from: the base, the animators' paraphrases and the configured thresholds."""

from __future__ import annotations

from bot.config import FaqSettings
from knowledge.loader import KnowledgeBase
from knowledge.matcher import Matcher


def build_matcher(kb: KnowledgeBase, extra_variants, faq: FaqSettings) -> Matcher:
    return Matcher(kb, extra_variants=extra_variants, answer_threshold=faq.answer_threshold,
                   suggest_threshold=faq.suggest_threshold)
