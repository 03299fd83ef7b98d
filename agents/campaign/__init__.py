"""Campaigns (DESIGN.md §3): the strategy of a sequence of impressions of one product to one
user — engagement reward, story stage escalation, the exploration policy over creative
hypotheses, and the intervention budget."""

from .strategy import (
    DIMENSIONS,
    STAGES,
    TONE_LADDER,
    CreativePolicy,
    arms_for,
    decide_intervention,
    engagement,
    interest_level,
    next_stage,
    product_facets,
)

__all__ = [
    "DIMENSIONS", "STAGES", "TONE_LADDER", "CreativePolicy", "arms_for", "decide_intervention",
    "engagement", "interest_level", "next_stage", "product_facets",
]
