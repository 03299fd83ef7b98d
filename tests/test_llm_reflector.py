"""The Reflector's LLM attribution, and the creative loop with LLM-backed Verifier and Reflector.

A fake tool-calling model answers each structured-output schema from its own queue of
recorded replies (no network). The loop tests run the real Verifier (measured checks,
compliance, decision) on tiny synthetic creatives; the Director and Producer are small
fakes returning a fixed plan and video.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver

import agents.director.grounding
import agents.director.llm
import agents.director.matching
import agents.director.profile
import agents.director.storyboard
import graphs.pcg as pcg
from agents import llm_dispatch, reflector, reflector_llm
from agents.director.llm import StepFallback
from graphs.runner import run_record
from nextads.schemas import Evidence, Finding, MatchResult, RevisionDirective, UserData, Verdict
from nextads.settings import get_settings
from providers_fixtures import FakeToolChatModel, tool_reply
from verifier_fixtures import make_plan, make_product, render_ad


class ServiceUnavailable(Exception):
    """What a provider SDK raises on a 503."""

    status_code = 503


class RoutedFake(FakeToolChatModel):
    """Answers each schema from its own queue; a schema without replies gets a 503."""

    replies: dict[str, list[Any]] = {}
    bound: str = ""

    def bind_tools(self, tools: Any, **kwargs: Any) -> RoutedFake:
        tool = tools[0]
        # A shallow copy: the queues and the request log stay shared with the original.
        return self.model_copy(update={"bound": getattr(tool, "__name__", None) or tool["function"]["name"]})

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[override]
        self.seen.append([self.bound, *messages])
        queue = self.replies.get(self.bound) or []
        if not queue:
            raise ServiceUnavailable(f"503: no recorded reply for {self.bound}")
        return ChatResult(generations=[ChatGeneration(message=queue.pop(0))])

    def asked(self) -> list[str]:
        return [m[0] for m in self.seen]


def routed(**replies: list[dict[str, Any]]) -> RoutedFake:
    queues = {name: [tool_reply(name, r) for r in recorded] for name, recorded in replies.items()}
    return RoutedFake(responses=[], seen=[], replies=queues)


@pytest.fixture
def llm(monkeypatch):
    """Settings with an LLM configured; returns a setter for the model every call gets."""
    monkeypatch.setenv("NEXTADS_LLM", "openai:gpt-4o")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("NEXTADS_LLM_RETRIES", "1")
    monkeypatch.setenv("NEXTADS_LLM_BACKOFF_S", "0")
    get_settings.cache_clear()

    def use(model: RoutedFake) -> RoutedFake:
        monkeypatch.setattr(llm_dispatch, "chat_model_for", lambda spec: model)
        return model

    yield use
    get_settings.cache_clear()


PRIVACY = Finding(check="compliance.privacy", track="compliance", passed=False, severity="major",
                  message="implies a skin condition", evidence=[Evidence(scene_index=0, text="Dry skin")])
PERSONAL = Finding(check="utility.personalization.judged", track="utility", passed=False, severity="minor",
                   message="the hook ignores the viewer", evidence=[Evidence(scene_index=0, start_s=0.0, end_s=2.0)])
QUALITY = Finding(check="utility.quality.judged", track="utility", passed=False, severity="major",
                  message="smeared label", evidence=[Evidence(scene_index=1, start_s=2.0, end_s=4.0)])


def _verdict(*findings: Finding) -> Verdict:
    return Verdict(decision="revise", utility=0.55, compliance_passed=not any(f.track == "compliance" for f in findings),
                   findings=list(findings))


def test_valid_directives_are_kept_and_checked(llm):
    plan = make_plan()
    model = llm(routed(AttributionProposal=[{"directives": [
        {"target": "write_storyboard", "findings": ["utility.personalization.judged"], "scope": [0, 7],
         "instruction": "open on the viewer's evening skincare routine", "reason": "generic hook",
         "remove_text": ["Long day?", "a phrase the storyboard never had"], "hook_type": "pov", "edit": "trim",
         "exclude_interests": ["skincare", "astrology"]},
        {"target": "producer", "findings": ["utility.quality.judged"], "scope": [1], "time_range": [2.0, 40.0],
         "instruction": "re-render the bottle close-up", "exclude_topics": ["skin"]},
        {"target": "match_product", "findings": ["utility.nonexistent"], "instruction": "repairs nothing reported"},
    ]}]))
    verdict = _verdict(PERSONAL, QUALITY, PRIVACY)
    issued, fallbacks = reflector_llm.attribute(verdict, plan, history=[])
    assert fallbacks == [] and model.asked() == ["AttributionProposal"]
    # the compliance failure the model left out still gets a directive, and comes first
    assert [d.source for d in issued] == ["offline", "llm", "llm"]
    assert issued[0] == reflector.directive_for(PRIVACY, plan, [])
    story, render = issued[1], issued[2]
    assert (story.target, story.level, story.scope, story.edit) == ("write_storyboard", "plan", [0], None)
    assert story.remove_text == ["Long day?"] and story.hook_type == "pov"
    assert story.exclude_interests == ["skincare"]
    assert story.reason.startswith("utility.personalization.judged: ")
    assert story.cost == reflector.STAGE_COST["write_storyboard"]
    assert (render.target, render.level, render.edit, render.scope) == ("producer", "execution", "rerender", [1])
    assert render.time_range == (2.0, 4.0)  # an overrunning range is replaced by the evidence
    assert render.exclude_topics == []  # only a profile rebuild drops topics
    assert render.cost == round(reflector.STAGE_COST["producer"] / 3, 3)  # its share of the scenes
    # the request named the failed checks and the scenes
    prompt = model.seen[0][-1].content
    assert "utility.quality.judged" in prompt and "Long day?" in prompt


def test_a_target_already_tried_for_the_same_check_is_escalated(llm):
    plan = make_plan()
    tried = RevisionDirective(target="producer", level="execution", scope=[1], instruction="re-render",
                              reason="utility.quality.judged: smeared label", source="llm")
    llm(routed(AttributionProposal=[{"directives": [
        {"target": "producer", "findings": ["utility.quality.judged"], "scope": [1], "instruction": "again"}]}]))
    issued, _ = reflector_llm.attribute(_verdict(QUALITY), plan, history=[tried])
    assert [(d.target, d.level, d.edit) for d in issued] == [("ground_assets", "plan", None)]


@pytest.mark.parametrize("reply", [
    {"directives": [{"target": "renderer", "findings": ["utility.quality.judged"], "instruction": "x"}]},
    {"directives": [{"target": "producer", "findings": ["not.a.failed.check"], "instruction": "x"}]},
], ids=["invalid_target", "repairs_nothing"])
def test_invalid_attribution_falls_back_to_offline_and_is_recorded(llm, reply):
    plan = make_plan()
    model = llm(routed(AttributionProposal=[reply, reply]))
    verdict = _verdict(QUALITY, PRIVACY)
    issued, fallbacks = reflector_llm.attribute(verdict, plan, history=[])
    assert issued == reflector.reflect(verdict, plan, history=[])
    assert [f["step"] for f in fallbacks] == ["reflect"] and fallbacks[0]["fallback"] == "offline"
    assert fallbacks[0]["model"] == "openai:gpt-4o"
    with pytest.raises(StepFallback):
        reflector_llm.reflect(verdict, plan, model=routed(AttributionProposal=[reply]))
    # a schema violation is retried once; a post-check failure is not a transport fault
    assert len(model.seen) == (2 if "renderer" in str(reply) else 1)


def test_offline_settings_keep_the_offline_reflector():
    get_settings.cache_clear()
    plan = make_plan()
    verdict = _verdict(QUALITY)
    assert reflector_llm.attribute(verdict, plan) == (reflector.reflect(verdict, plan), [])


# ------------------------------------------------------------------- the creative loop


class Loop:
    """Fake Director steps (offline and LLM) returning a fixed plan, and a fake Producer."""

    def __init__(self, plan, creative):
        self.plan, self.creative = plan, creative
        self.calls: list[str] = []
        self.produce_directives: list[RevisionDirective | None] = []

    def model_user(self, user, exclude_topics=(), model=None):
        self.calls.append("model_user")
        return self.plan.profile

    def match_product(self, profile, product, threshold, exclude_interests=(), exclude_facets=(), model=None):
        self.calls.append("match_product")
        if profile.generic:
            return MatchResult(compatibility=0.0, threshold=threshold, generic=True)
        return self.plan.match

    def write_storyboard(self, profile, product, match, context, previous=None, directive=None, model=None):
        self.calls.append("write_storyboard" + ("(rev)" if previous else ""))
        return self.plan.storyboard

    def ground_assets(self, storyboard, product, profile, context, work_dir, start_frame=None, model=None):
        self.calls.append("ground_assets")
        return self.plan.grounding

    def produce(self, plan, product, work_dir, previous=None, directive=None):
        self.calls.append("produce")
        self.produce_directives.append(directive)
        return self.creative


@pytest.fixture
def run_loop(tmp_path, monkeypatch):
    product = make_product(tmp_path)

    def _run(*, label: bool = True, max_rounds: int = 2, llm_director: bool = True):
        plan = make_plan()
        loop = Loop(plan, render_ad(tmp_path, product, label=label, tag=label, name=f"ad-{label}.mp4"))
        for module in (agents.director.profile, agents.director.matching, agents.director.storyboard,
                       agents.director.grounding):
            for step in ("model_user", "match_product", "write_storyboard", "ground_assets"):
                if hasattr(module, step):
                    monkeypatch.setattr(module, step, getattr(loop, step))
        if llm_director:  # the Director's LLM steps succeed (only Verifier and Reflector are under test)
            for step in ("model_user", "match_product", "write_storyboard", "ground_assets"):
                monkeypatch.setattr(agents.director.llm, step, getattr(loop, step))
        monkeypatch.setattr(pcg.producer, "produce", loop.produce)
        graph = pcg.build_graph(checkpointer=InMemorySaver())
        inputs = {"task": "pcg", "user": UserData(user_id="u1").model_dump(mode="json"),
                  "product": product.model_dump(mode="json"), "context": plan.context.model_dump(mode="json"),
                  "work_dir": str(tmp_path / "work"), "max_rounds": max_rounds, "generic": False}
        config = {"configurable": {"thread_id": "t"}}
        graph.invoke(inputs, config)
        return loop, graph.get_state(config).values

    return _run


def test_judged_revision_is_routed_by_the_llm_reflector_and_finalized(llm, run_loop):
    failing = {"personalization": 0.3, "product_alignment": 0.9, "context_alignment": 0.9, "findings": [
        {"check": "personalization", "passed": False, "severity": "minor", "message": "the hook ignores the viewer",
         "evidence": [{"scene_index": 0, "text": "Long day?"}]}]}
    passing = {"personalization": 0.9, "product_alignment": 0.9, "context_alignment": 0.9, "findings": [
        {"check": "personalization", "passed": True, "message": "the routine is the story"}]}
    model = llm(routed(
        JudgedReview=[failing, passing],
        AttributionProposal=[{"directives": [
            {"target": "write_storyboard", "findings": ["utility.personalization.judged"], "scope": [0],
             "instruction": "open on the viewer's evening routine", "reason": "generic hook",
             "remove_text": ["Long day?"], "hook_type": "scenario"}]}],
    ))
    loop, values = run_loop()
    assert model.asked() == ["JudgedReview", "AttributionProposal", "JudgedReview"]
    first, second = (c["verdict"] for c in values["candidates"])
    assert first["decision"] == "revise" and first["source"] == "offline+llm"
    judged = [f for f in first["findings"] if f["check"] == "utility.personalization.judged"]
    assert judged and judged[0]["evidence"][0]["scene_index"] == 0
    assert any(f["track"] == "compliance" for f in first["findings"])  # the offline compliance checks ran
    d = values["directives"][0]
    assert (d["target"], d["scope"], d["source"], d["remove_text"]) == ("write_storyboard", [0], "llm", ["Long day?"])
    # the storyboard step re-ran as a scoped revision, then the Producer and the Verifier
    assert loop.calls[5:] == ["write_storyboard(rev)", "ground_assets", "produce"]
    assert second["decision"] == "accept"
    out = values["outcome"]
    assert out["finalized"] and out["decision"] == "accept" and out["round"] == 1
    assert out["provenance"]["backends"]["verifier"] == "offline+llm"
    assert values.get("fallbacks", []) == []


def test_every_llm_call_failing_still_verifies_offline_and_finalizes_only_compliant(llm, run_loop):
    model = llm(routed())  # every request answered with a 503
    loop, values = run_loop(label=True, llm_director=False)
    steps = [f["step"] for f in values["fallbacks"]]
    # (grounding without user cues has nothing for the VLM to rank: no call, no fallback)
    assert steps == ["model_user", "match_product", "write_storyboard", "verify.judged"]
    assert len(model.seen) == 2 * len(steps)  # every step retried once, then offline
    verdict = values["outcome"]["verdict"]
    assert values["outcome"]["finalized"] and verdict["source"] == "offline" and verdict["compliance_passed"]
    assert any(f["track"] == "compliance" for f in verdict["findings"])
    record = run_record(values, thread_id="t", resumed=False, wall_s=0.0)
    assert record["fallbacks"] == values["fallbacks"]


def test_every_llm_call_failing_never_finalizes_a_noncompliant_creative(llm, run_loop):
    llm(routed())
    loop, values = run_loop(label=False, max_rounds=1, llm_director=False)
    assert values["outcome"]["finalized"] is False and "video_path" not in values["outcome"]
    assert values["fallback"] is True  # the generic pass was tried too
    verdicts = [c["verdict"] for c in values["candidates"]]
    assert len(verdicts) == 3  # round 0, round 1, the generic pass: every creative verified
    for v in verdicts:
        assert v["source"] == "offline" and not v["compliance_passed"]
        assert any("label" in f["check"] and not f["passed"] for f in v["findings"])
    steps = {f["step"] for f in values["fallbacks"]}
    assert {"model_user", "match_product", "write_storyboard", "verify.judged", "reflect"} <= steps
