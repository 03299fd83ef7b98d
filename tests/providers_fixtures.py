"""Fakes for the provider tests: a tool-calling chat model replying with recorded outputs."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage

_ids = itertools.count()


def tool_reply(name: str, args: dict[str, Any]) -> AIMessage:
    """An assistant message that calls function ``name`` with ``args`` (a structured output)."""
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}"}])


class FakeToolChatModel(FakeMessagesListChatModel):
    """Replies with the next recorded message; ``bind_tools`` keeps the model itself so
    ``with_structured_output(method="function_calling")`` works; remembers what it was sent."""

    seen: list[list[Any]] = []
    model_name: str = "fake-tool-model"

    def bind_tools(self, tools: Any, **kwargs: Any) -> FakeToolChatModel:
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[override]
        self.seen.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


# Recorded structured outputs for demo:maya × demo:summitra-tent.
PROFILE = {
    "summary": "Outdoor lover who hikes, camps and trail-runs in the mountains.",
    "interests": [
        {"topic": "hiking and camping", "weight": 0.9, "tier": "strong", "keywords": ["trail", "camp", "ridge"],
         "summary": "multi-day hikes and lake camps", "evidence": ["maya-01", "maya-04", "not-an-id"]},
        {"topic": "Pinecrest Gear fandom", "weight": 0.5, "tier": "medium", "keywords": ["Pinecrest Gear", "rain shell"],
         "summary": "loves Pinecrest Gear shells", "evidence": ["maya-08"]},
        {"topic": "depression recovery", "weight": 0.4, "tier": "weak", "keywords": ["therapy", "depression"],
         "summary": "talks about therapy", "evidence": ["maya-02"]},
    ],
    "style": {"tone": "warm", "narrative_form": "day_in_life", "pacing": "medium", "information_density": "medium"},
    "implicit_needs": ["lighter pack for long loops"],
    "decision_tendencies": ["quality_oriented", "not_a_tendency"],
    "palette": ["#2f6b3b", "green", "#e9a23b"],
    "warmth": "warm", "lighting": "bright", "texture": "detailed", "artistic_style": "natural",
    "preferred_items": ["maya-01", "maya-05", "maya-06"],
    "mentioned_brands": ["Pinecrest Gear"],
    "withheld_sensitive": [],
}
MATCH = {
    "facets": [{"facet": "packed weight of only 1.4 kg", "score": 0.9, "reason": "light pack"},
               {"facet": "made up facet", "score": 0.99, "reason": "invented"},
               {"facet": "price", "score": 0.3, "reason": "value"}],
    "interests": [{"topic": "hiking and camping", "score": 0.85, "scenario": "pitching camp on a ridge before dusk"},
                  {"topic": "Pinecrest Gear fandom", "score": 0.95, "scenario": "a Pinecrest Gear weekend"}],
    "compatibility": 0.82, "chosen_interest": "Pinecrest Gear fandom", "chosen_facet": "packed weight of only 1.4 kg",
    "bridge": "Ridge campers need a tent that packs light.", "rationale": "outdoor user, outdoor product",
}
STORYBOARD = {
    "hook_type": "scenario", "narrative_form": "day_in_life", "cta": "Find your ridge with Summitra", "title": "Ridge nights",
    "scenes": [
        {"index": 0, "duration_s": 2.5, "purpose": "body", "visual": "hiker on a misty ridge at sunrise", "camera": "push_in",
         "narration": "Sunrise on the ridge, and your whole camp on your back.", "on_screen_text": "Your ridge awaits",
         "asset_refs": ["cue:0", "collage"], "transition": "cut", "claims": []},
        {"index": 1, "duration_s": 2.0, "purpose": "body", "visual": "tent pitched in minutes by a lake", "camera": "pan_left",
         "narration": "It pitches in about three minutes.", "on_screen_text": "Pitches in about three minutes",
         "asset_refs": ["lifestyle", "not-an-asset"], "transition": "fade", "claims": ["pitches in about three minutes"]},
        {"index": 2, "duration_s": 2.0, "purpose": "proof", "visual": "tent close-up in rain", "camera": "static",
         "narration": "Lighter than Trailmark at 0.9 kg!", "on_screen_text": "3,000 mm waterproof fly",
         "asset_refs": ["hero"], "transition": "cut", "claims": ["waterproofing", "best tent ever"]},
        {"index": 3, "duration_s": 2.0, "purpose": "body", "visual": "logo end card", "camera": "static",
         "narration": "Summitra. Go further tonight and every night after that on every trail you love.",
         "on_screen_text": "Find your ridge today with Summitra tents now", "asset_refs": ["logo"], "transition": "fade",
         "claims": []},
    ],
}
GROUNDING = {"cue_ids": ["1", "0"], "rationale": "the frost image matches the calm tone"}
RECORDED = {"ProfileProposal": PROFILE, "MatchProposal": MATCH, "StoryboardProposal": STORYBOARD,
            "GroundingProposal": GROUNDING}


@pytest.fixture
def settings(monkeypatch):
    """Settings with one quick retry (no backoff), fresh for the test and after it."""
    from nextads import settings as s

    monkeypatch.setenv("NEXTADS_LLM_RETRIES", "1")
    monkeypatch.setenv("NEXTADS_LLM_BACKOFF_S", "0")
    s.get_settings.cache_clear()
    yield s.get_settings()
    s.get_settings.cache_clear()
