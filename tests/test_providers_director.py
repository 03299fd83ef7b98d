"""LLM-backed Director steps driven by a fake tool-calling chat model (no network)."""

from __future__ import annotations

import pytest

from agents import llm_dispatch
from agents.director import llm as director_llm
from agents.director.llm import StepFallback
from nextads.catalog import get_demo_product, get_demo_user
from nextads.schemas import RevisionDirective, ServingContext
from nextads.settings import get_settings
from providers_fixtures import (  # noqa: F401 - settings is a fixture
    GROUNDING, MATCH, PROFILE, STORYBOARD, FakeToolChatModel, settings, tool_reply,
)

CONTEXT = ServingContext(duration_s=9, resolution=(144, 256), fps=8)


@pytest.fixture
def maya():
    return get_demo_user("maya")


@pytest.fixture
def tent():
    return get_demo_product("summitra-tent")


def fake(*replies):
    return FakeToolChatModel(responses=list(replies))


def _profile(maya):
    return director_llm.model_user(maya, model=fake(tool_reply("ProfileProposal", PROFILE)))


def test_model_user_keeps_privacy_and_real_evidence(settings, maya):
    model = fake(tool_reply("ProfileProposal", PROFILE))
    profile = director_llm.model_user(maya, exclude_topics=["fandom"], model=model)
    assert profile.source == "llm" and profile.user_id == "maya"
    topics = [i.topic for i in profile.interests]
    assert topics == ["hiking and camping"]  # the sensitive one withheld, the excluded one dropped
    assert profile.withheld_sensitive == ["health"]  # the category only, never the evidence
    assert "depression" not in profile.model_dump_json().lower()
    assert profile.interests[0].evidence == ["maya-01", "maya-04"]  # invented id removed
    assert profile.decision_tendencies == ["quality_oriented"]
    assert profile.visual.palette == ["#2f6b3b", "#e9a23b"]
    # maya-05 has no image: only pictured items become visual elements
    assert [e.item_id for e in profile.visual.elements] == ["maya-01", "maya-06"]
    # the request carried history in <history> tags and images as data-URI blocks
    human = model.seen[0][-1].content
    assert "<history>" in human[0]["text"] and "Sunrise on Eagle Ridge" in human[0]["text"]
    images = [b for b in human if b["type"] == "image_url"]
    assert 0 < len(images) <= settings.llm_max_images
    assert images[0]["image_url"]["url"].startswith("data:image/jpeg;base64,")


def test_match_product_applies_competitor_rule_and_threshold(settings, maya, tent):
    profile = _profile(maya)
    assert "Pinecrest Gear fandom" in [i.topic for i in profile.interests]
    match = director_llm.match_product(profile, tent, threshold=0.35, model=fake(tool_reply("MatchProposal", MATCH)))
    assert match.source == "llm" and not match.generic
    assert "Pinecrest Gear fandom" in match.excluded_interests  # a competitor-centred interest never bridges
    assert match.chosen_interest == "hiking and camping"
    assert [f.facet for f in match.facets] == ["packed weight of only 1.4 kg", "price"]  # invented facet dropped
    low = director_llm.match_product(profile, tent, threshold=0.9, model=fake(tool_reply("MatchProposal", MATCH)))
    assert low.generic and low.chosen_interest is None


def test_write_storyboard_keeps_grammar_claims_and_timing(settings, maya, tent):
    profile = _profile(maya)
    match = director_llm.match_product(profile, tent, threshold=0.35, model=fake(tool_reply("MatchProposal", MATCH)))
    board = director_llm.write_storyboard(profile, tent, match, CONTEXT, model=fake(tool_reply("StoryboardProposal", STORYBOARD)))
    assert board.source == "llm"
    assert abs(sum(s.duration_s for s in board.scenes) - CONTEXT.duration_s) < 1e-6
    assert board.scenes[0].purpose == "hook" and board.scenes[-1].purpose == "cta"
    facts = {*tent.selling_points, *tent.facts}
    assert all(c in facts for s in board.scenes for c in s.claims)
    assert board.scenes[2].claims == ["waterproofing"]
    assert board.scenes[2].narration == ""  # names a competitor and an unverified number
    assert board.scenes[2].on_screen_text == "3,000 mm waterproof fly"  # a verified number stays
    assert board.scenes[1].asset_refs == ["lifestyle"]
    assert all(len(s.on_screen_text.split()) <= 8 and len(s.narration.split()) <= 16 for s in board.scenes)


def test_storyboard_revision_rewrites_only_its_scenes(settings, maya, tent):
    profile = _profile(maya)
    match = director_llm.match_product(profile, tent, threshold=0.35, model=fake(tool_reply("MatchProposal", MATCH)))
    board = director_llm.write_storyboard(profile, tent, match, CONTEXT, model=fake(tool_reply("StoryboardProposal", STORYBOARD)))
    directive = RevisionDirective(target="write_storyboard", level="plan", scope=[1], instruction="shorter caption",
                                  reason="caption too long")
    rewrite = {**STORYBOARD, "scenes": [{**STORYBOARD["scenes"][1], "on_screen_text": "Up in three minutes"},
                                        {**STORYBOARD["scenes"][3], "index": 3, "on_screen_text": "changed"}]}
    revised = director_llm.write_storyboard(profile, tent, match, CONTEXT, previous=board, directive=directive,
                                            model=fake(tool_reply("StoryboardProposal", rewrite)))
    assert revised.scenes[1].on_screen_text == "Up in three minutes"
    assert [s.model_dump() for i, s in enumerate(revised.scenes) if i != 1] == \
        [s.model_dump() for i, s in enumerate(board.scenes) if i != 1]


def test_ground_assets_ranks_cues_and_keeps_offline_binding(settings, maya, tent, tmp_path):
    profile = _profile(maya)
    match = director_llm.match_product(profile, tent, threshold=0.35, model=fake(tool_reply("MatchProposal", MATCH)))
    board = director_llm.write_storyboard(profile, tent, match, CONTEXT, model=fake(tool_reply("StoryboardProposal", STORYBOARD)))
    model = fake(tool_reply("GroundingProposal", GROUNDING))
    g = director_llm.ground_assets(board, tent, profile, CONTEXT, tmp_path, model=model)
    assert g.source == "llm" and g.collage_path and g.bindings
    assert [c.id for c in g.cues][:2] == ["1", "0"]
    sent = [b for b in model.seen[0][-1].content if b["type"] == "image_url"]
    assert len(sent) == 1 + len(g.cues)  # the collage and every cue


def test_malformed_reply_retries_then_raises_fallback(settings, maya):
    bad = tool_reply("ProfileProposal", {"interests": [{"topic": "x", "weight": 7}]})  # weight out of range
    model = fake(bad, bad)
    with pytest.raises(StepFallback) as info:
        director_llm.model_user(maya, model=model)
    assert info.value.marker["step"] == "model_user" and info.value.marker["attempts"] == 2
    assert len(model.seen) == 2  # one retry (NEXTADS_LLM_RETRIES=1)


def test_dispatch_falls_back_to_offline_and_records_it(settings, maya, monkeypatch):
    from agents.director.profile import model_user as offline_model_user

    bad = tool_reply("ProfileProposal", {"style": {"tone": "sarcastic"}})
    monkeypatch.setenv("NEXTADS_LLM", "openai:gpt-4o")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    get_settings.cache_clear()
    monkeypatch.setattr(llm_dispatch, "chat_model_for", lambda spec: fake(bad, bad))
    profile, fallbacks = llm_dispatch.model_user(maya)
    assert profile.source == "offline"
    assert profile == offline_model_user(maya)
    assert len(fallbacks) == 1
    assert fallbacks[0]["step"] == "model_user" and fallbacks[0]["model"] == "openai:gpt-4o"
    assert "ValidationError" in fallbacks[0]["reason"] or "Malformed" in fallbacks[0]["reason"]


def test_director_graph_records_fallbacks_in_state_and_run_record(settings, maya, tent, monkeypatch, tmp_path):
    from graphs.director import build_director
    from graphs.runner import run_record

    monkeypatch.setenv("NEXTADS_LLM", "openai:gpt-4o")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    get_settings.cache_clear()
    replies = [tool_reply("ProfileProposal", PROFILE), tool_reply("MatchProposal", MATCH),
               tool_reply("StoryboardProposal", {"scenes": "not a list"}), tool_reply("StoryboardProposal", {}),
               tool_reply("GroundingProposal", GROUNDING)]
    model = fake(*replies)
    monkeypatch.setattr(llm_dispatch, "chat_model_for", lambda spec: model)
    state = {"task": "pcg", "user": maya.model_dump(mode="json"), "product": tent.model_dump(mode="json"),
             "context": CONTEXT.model_dump(mode="json"), "work_dir": str(tmp_path), "max_rounds": 0, "generic": False}
    values = build_director().invoke(state)
    assert values["profile"]["source"] == "llm" and values["match"]["source"] == "llm"
    assert values["storyboard"]["source"] == "offline"  # malformed twice: offline storyboard
    assert values["grounding"]["source"] == "llm"
    assert [f["step"] for f in values["fallbacks"]] == ["write_storyboard"]
    record = run_record(values, thread_id="t", resumed=False, wall_s=0.0)
    assert record["fallbacks"] == values["fallbacks"]
    assert record["backends"]["llm"] == "openai:gpt-4o"
