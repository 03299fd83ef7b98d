"""Reflector: attribution, minimal directives, escalation, and feedback interpretation."""

from __future__ import annotations

from agents.reflector import combine, directive_for, feedback_directives, reflect
from nextads.schemas import (
    CreativePlan,
    Evidence,
    Feedback,
    Finding,
    Grounding,
    Interest,
    MatchResult,
    Scene,
    ServingContext,
    Storyboard,
    UserProfile,
    Verdict,
)


def _plan() -> CreativePlan:
    purposes = ["hook", "body", "body", "proof", "body", "cta"]
    scenes = [Scene(index=i, start_s=2.5 * i, duration_s=2.5, purpose=p, visual="v", on_screen_text=f"s{i}")
              for i, p in enumerate(purposes)]
    profile = UserProfile(user_id="u", interests=[Interest(topic="cola fandom", weight=0.7, keywords=["colara"])])
    return CreativePlan(
        user_id="u", product_id="p", context=ServingContext(), profile=profile,
        match=MatchResult(compatibility=0.7, threshold=0.35, chosen_interest="cola fandom"),
        storyboard=Storyboard(scenes=scenes, target_duration_s=15.0, hook_type="question"), grounding=Grounding(),
    )


def test_skip_inside_the_hook_rewrites_only_the_hook():
    (d,) = feedback_directives(Feedback(impression_id="i1", watch_time_s=2.8, skip_time_s=2.8), _plan())
    assert d.target == "write_storyboard" and d.scope == [0] and d.time_range == (0.0, 3.0)
    assert d.hook_type and d.hook_type != "question" and d.source == "feedback" and 0 < d.confidence < 1


def test_watched_to_the_end_without_click_strengthens_the_cta():
    (d,) = feedback_directives(Feedback(impression_id="i1", watch_time_s=15.0), _plan())
    assert d.scope == [5] and "call to action" in d.instruction


def test_time_ranges_become_producer_edits_of_those_scenes_only():
    f = Finding(check="utility.motion_smoothness", track="utility", passed=False, severity="minor",
                evidence=[Evidence(start_s=2.0, end_s=4.8), Evidence(start_s=5.0, end_s=7.4)])
    d = directive_for(f, _plan())
    assert (d.target, d.level, d.edit, d.scope) == ("producer", "execution", "rerender", [0, 1, 2])
    assert d.cost < 0.2  # three of six scenes: cheaper than a full re-render


def test_competitor_text_excludes_the_interest_that_carried_it():
    f = Finding(check="compliance.rights.trademark", track="compliance", passed=False, severity="major",
                evidence=[Evidence(scene_index=1, text="Colara")])
    d = directive_for(f, _plan())
    assert d.target == "match_product" and d.exclude_interests == ["cola fandom"] and d.remove_text == ["Colara"]


def test_compliance_first_and_combined_at_the_most_upstream_stage():
    v = Verdict(decision="revise", utility=0.6, compliance_passed=False, findings=[
        Finding(check="utility.aesthetic_quality", track="utility", passed=False, severity="minor",
                evidence=[Evidence(scene_index=4)]),
        Finding(check="compliance.deceptive_claims", track="compliance", passed=False, severity="major",
                evidence=[Evidence(scene_index=3, text="guaranteed results")]),
    ])
    ds = reflect(v, _plan())
    assert [d.target for d in ds] == ["write_storyboard", "producer"]
    merged = combine(ds)
    assert merged.target == "write_storyboard" and merged.scope == [3, 4]
    assert merged.remove_text == ["guaranteed results"]
