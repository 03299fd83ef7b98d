"""Reflector on PCI plans: a bad integration moves the point; a theme failure re-centres the bridge."""

from __future__ import annotations

import pytest

from agents import reflector_llm
from agents.director.matching import match_product
from agents.director.profile import model_user
from agents.director.storyboard import HOST_FRAME_REF, write_storyboard
from agents.reflector import STAGE_COST, STAGES, combine, directive_for, feedback_directives, reflect
from nextads.catalog import get_demo_product, get_demo_user
from nextads.schemas import (
    CreativePlan,
    Evidence,
    Feedback,
    Finding,
    Grounding,
    HostSummary,
    IntegrationDecision,
    ServingContext,
    Shot,
    Verdict,
)

CONTEXT = ServingContext(aspect_ratio="16:9", resolution=(320, 180), fps=12, duration_s=8)
HOST = HostSummary(video_path="/host.mp4", width=320, height=180, fps=12.0, duration_s=15.0, frames=180,
                   topic="mountain hiking trip", shots=[Shot(index=i, start_s=2.5 * i, end_s=2.5 * (i + 1))
                                                        for i in range(6)])
POINT = 7.5


@pytest.fixture(scope="module")
def parts():
    profile = model_user(get_demo_user("maya"))
    product = get_demo_product("summitra-tent")
    return profile, product, match_product(profile, product, threshold=0.35)


def make_plan(parts, *, point: float = POINT, excluded: tuple[float, ...] = (), pci: bool = True) -> CreativePlan:
    profile, product, match = parts
    integration = IntegrationDecision(point_s=point, frame_index=round(point * 12) - 1, kind="shot_boundary",
                                      rationale="calm shot boundary", excluded_points=list(excluded))
    board = write_storyboard(profile, product, match, CONTEXT, host=HOST if pci else None,
                             integration=integration if pci else None)
    return CreativePlan(task="pci" if pci else "pcg", user_id=profile.user_id, product_id=product.product_id,
                        context=CONTEXT, profile=profile, match=match, storyboard=board, grounding=Grounding(),
                        host=HOST if pci else None, integration=integration if pci else None)


def failed(check: str, message: str = "", **evidence) -> Finding:
    return Finding(check=check, track="utility", passed=False, severity="major", message=message,
                   evidence=[Evidence(**evidence)] if evidence else [])


def test_stages_put_decide_integration_between_profile_and_matching():
    assert STAGES.index("model_user") < STAGES.index("decide_integration") < STAGES.index("match_product")
    assert STAGE_COST["write_storyboard"] < STAGE_COST["decide_integration"] < STAGE_COST["model_user"]


def test_a_bad_integration_verdict_moves_the_point(parts):
    plan = make_plan(parts)
    verdict = Verdict(decision="revise", utility=0.5, compliance_passed=True, findings=[
        failed("utility.integration_disruption", "the cut lands on the host's climax", start_s=7.0, end_s=8.0)])
    (d,) = reflect(verdict, plan)
    assert (d.target, d.level) == ("decide_integration", "plan")
    assert d.exclude_points == [POINT] and "away from 7.5s" in d.instruction
    assert d.reason.startswith("utility.integration_disruption: the cut lands on the host's climax")
    assert d.cost == STAGE_COST["decide_integration"] and d.scope == [] and d.time_range is None


def test_a_discontinuity_also_moves_the_point_even_under_a_generic_check_name(parts):
    # "context" and "quality" would hit the generic routes: the integration route comes first.
    d = directive_for(failed("utility.context.integration_continuity_quality"), make_plan(parts))
    assert d.target == "decide_integration" and d.exclude_points == [POINT]


def test_a_point_that_fails_again_is_moved_again_never_back(parts):
    first = directive_for(failed("utility.integration_disruption"), make_plan(parts))
    moved = make_plan(parts, point=11.0, excluded=(POINT,))
    second = directive_for(failed("utility.integration_disruption"), moved, [first])
    assert second.target == "decide_integration"  # retried, not escalated: its inputs changed
    assert second.exclude_points == [11.0, POINT]


def test_off_theme_segment_rewrites_the_bridge_and_keeps_the_frame(parts):
    plan = make_plan(parts)
    d = directive_for(failed("utility.integration_theme", "segment ignores the host topic"), plan)
    assert d.target == "write_storyboard" and d.scope == [0, 1] and d.exclude_points == []
    profile, product, match = parts
    after = write_storyboard(profile, product, match, CONTEXT, previous=plan.storyboard, directive=d, host=HOST,
                             integration=plan.integration)
    before = plan.storyboard
    assert after.scenes[2:] == before.scenes[2:]  # only the bridge changed
    assert after.scenes[0].asset_refs[0] == HOST_FRAME_REF and after.scenes[-1].asset_refs == [HOST_FRAME_REF]
    assert (after.scenes[0].narration, after.scenes[1].narration) != (before.scenes[0].narration,
                                                                     before.scenes[1].narration)
    assert "mountain hiking trip" in " ".join(s.narration for s in after.scenes[:2])


def test_standalone_ads_never_route_to_the_integration_point(parts):
    pcg = make_plan(parts, pci=False)
    assert directive_for(failed("utility.integration_disruption"), pcg).target != "decide_integration"
    # Escalation passes over the PCI-only stage: matching failed twice → the profile.
    trademark = Finding(check="compliance.rights.trademark", track="compliance", passed=False, severity="major")
    first = directive_for(trademark, pcg)
    assert first.target == "match_product"
    assert directive_for(trademark, pcg, [first]).target == "model_user"


def test_combine_keeps_and_merges_excluded_points(parts):
    plan = make_plan(parts)
    move = directive_for(failed("utility.integration_disruption"), plan)
    theme = directive_for(failed("utility.integration_theme"), plan)
    merged = combine([theme, move])
    assert merged.target == "decide_integration" and merged.exclude_points == [POINT]
    again = combine([move, move.model_copy(update={"exclude_points": [3.0, POINT]})])
    assert again.exclude_points == [POINT, 3.0]


def test_no_cta_to_strengthen_in_a_segment(parts):
    plan = make_plan(parts)
    assert feedback_directives(Feedback(impression_id="i", watch_time_s=8.0), plan) == []


def test_llm_reflector_may_move_the_point_only_in_pci(parts):
    check = "utility.integration_disruption"
    proposal = reflector_llm.AttributionProposal(directives=[reflector_llm.DirectiveProposal(
        target="decide_integration", findings=[check], scope=[1, 2], time_range=[1.0, 2.0],
        instruction="pick a calmer moment")])
    verdict = Verdict(decision="revise", utility=0.5, compliance_passed=True, findings=[failed(check)])
    (d,) = reflector_llm.directives_from_proposal(proposal, verdict, make_plan(parts))
    assert d.target == "decide_integration" and d.exclude_points == [POINT]
    assert d.scope == [] and d.time_range is None and d.cost == STAGE_COST["decide_integration"]
    with pytest.raises(reflector_llm.StepFallback):  # nothing valid left for a standalone ad
        reflector_llm.directives_from_proposal(proposal, verdict, make_plan(parts, pci=False))


def test_a_surviving_theme_miss_moves_the_point_instead_of_rebuilding_the_user(parts):
    """The host's topic is not the user's: after one storyboard rewrite, try another moment."""
    plan = make_plan(parts)
    miss = failed("utility.integration_theme", "theme similarity 0.05")
    first = directive_for(miss, plan)
    assert first.target == "write_storyboard"
    second = directive_for(miss, plan, [first])
    assert second.target == "decide_integration" and plan.integration.point_s in second.exclude_points


def test_theme_evidence_on_the_integrated_clock_still_rewrites_the_bridge(parts):
    """The theme finding's evidence is the segment's span in the integrated video (host time):
    mapped onto the segment's own scenes it would name the last one; the bridge is rewritten."""
    from nextads.schemas import Evidence

    plan = make_plan(parts)
    miss = failed("utility.integration_theme", "theme similarity 0.24").model_copy(update={"evidence": [
        Evidence(scene_index=None, start_s=4.0, end_s=4.0 + plan.storyboard.target_duration_s, text="host topic")]})
    d = directive_for(miss, plan)
    assert d.target == "write_storyboard" and d.scope == [0, 1]
