"""Routing of the creative loop: a forced verdict of each kind reaches the right node.

The agents are replaced by small fakes that record their calls, so these tests check the
graph's wiring and the Reflector's routing, not rendering.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

import agents.director.grounding
import agents.director.matching
import agents.director.profile
import agents.director.storyboard
import graphs.pcg as pcg
from nextads.schemas import (
    Creative,
    Evidence,
    Finding,
    Grounding,
    MatchResult,
    Product,
    Scene,
    ServingContext,
    Storyboard,
    UserData,
    UserProfile,
    Verdict,
)


def _storyboard(texts=("Hook", "Body", "Proof", "Buy now")) -> Storyboard:
    purposes = ["hook", "body", "proof", "cta"]
    return Storyboard(
        scenes=[Scene(index=i, start_s=3.0 * i, duration_s=3.0, purpose=purposes[i], visual="v", on_screen_text=t)
                for i, t in enumerate(texts)],
        target_duration_s=12.0,
    )


class Fakes:
    """Fake Director/Producer/Verifier steps; verdicts are scripted per call."""

    def __init__(self, verdicts: list[Verdict], tmp: Path):
        self.verdicts = list(verdicts)
        self.calls: list[str] = []
        self.tmp = tmp
        self.produce_directives: list = []
        self.profiles: list[UserProfile] = []
        self.match_kwargs: list[dict] = []

    def model_user(self, user, exclude_topics=()):
        self.calls.append("model_user")
        p = UserProfile(user_id=user.user_id, summary=f"excl={list(exclude_topics)}")
        self.profiles.append(p)
        return p

    def match_product(self, profile, product, threshold, exclude_interests=(), exclude_facets=()):
        self.calls.append("match_product")
        self.match_kwargs.append({"exclude_interests": list(exclude_interests)})
        return MatchResult(compatibility=0.8, threshold=threshold, chosen_interest="hiking", generic=profile.generic)

    def write_storyboard(self, profile, product, match, context, previous=None, directive=None):
        self.calls.append("write_storyboard" + ("(rev)" if previous else ""))
        return _storyboard()

    def ground_assets(self, storyboard, product, profile, context, work_dir):
        self.calls.append("ground_assets")
        return Grounding()

    def produce(self, plan, product, work_dir, previous=None, directive=None):
        self.calls.append("produce")
        self.produce_directives.append(directive)
        work_dir.mkdir(parents=True, exist_ok=True)
        video = work_dir / "v.mp4"
        video.write_bytes(b"fake")
        return Creative(video_path=str(video), plan_digest=plan.digest(), width=72, height=128, fps=8,
                        duration_s=12.0, frames=96)

    def verify(self, plan, creative, product, user):
        self.calls.append("verify")
        return self.verdicts.pop(0)


def _verdict(decision, *findings: Finding, compliance=True, utility=0.7) -> Verdict:
    return Verdict(decision=decision, utility=utility, compliance_passed=compliance, findings=list(findings))


@pytest.fixture
def run(tmp_path, monkeypatch):
    def _run(verdicts, max_rounds=3, generic=False):
        fakes = Fakes(verdicts, tmp_path)
        # The offline Director steps, as the LLM dispatch looks them up.
        monkeypatch.setattr(agents.director.profile, "model_user", fakes.model_user)
        monkeypatch.setattr(agents.director.matching, "match_product", fakes.match_product)
        monkeypatch.setattr(agents.director.storyboard, "write_storyboard", fakes.write_storyboard)
        monkeypatch.setattr(agents.director.grounding, "ground_assets", fakes.ground_assets)
        monkeypatch.setattr(pcg.producer, "produce", fakes.produce)
        monkeypatch.setattr(pcg.verifier, "verify", fakes.verify)
        monkeypatch.setattr(pcg, "tag_provenance", lambda src, dst, prov: shutil.copyfile(src, dst))
        store = InMemoryStore()
        graph = pcg.build_graph(checkpointer=InMemorySaver(), store=store)
        inputs = {
            "task": "pcg", "user": UserData(user_id="u1").model_dump(mode="json"),
            "product": Product(product_id="p1", name="Tent").model_dump(mode="json"),
            "context": ServingContext(duration_s=12).model_dump(mode="json"),
            "work_dir": str(tmp_path / "work"), "max_rounds": max_rounds, "generic": generic,
        }
        config = {"configurable": {"thread_id": "t"}}
        graph.invoke(inputs, config)
        values = graph.get_state(config).values
        return fakes, values, store
    return _run


DIRECTOR = ["model_user", "match_product", "write_storyboard", "ground_assets"]


def test_accept_goes_straight_to_finalize(run):
    fakes, values, store = run([_verdict("accept")])
    assert fakes.calls == [*DIRECTOR, "produce", "verify"]
    assert values["outcome"]["finalized"] and values["outcome"]["decision"] == "accept"
    assert values.get("directives", []) == []
    # The finalized creative's profile and delivered claims land in the Store.
    assert store.get(("users", "u1"), "profile") is not None
    assert store.search(("users", "u1", "deliveries"))


def test_competitor_bridge_reenters_at_matching(run):
    finding = Finding(check="compliance.trademark", track="compliance", passed=False, severity="major",
                      message="third-party brand", evidence=[Evidence(scene_index=1, text="hiking")])
    fakes, values, _ = run([_verdict("revise", finding, compliance=False), _verdict("accept")])
    assert fakes.calls == [*DIRECTOR, "produce", "verify",
                           "match_product", "write_storyboard", "ground_assets", "produce", "verify"]
    d = values["directives"][0]
    assert d["target"] == "match_product" and "hiking" in d["exclude_interests"]
    assert fakes.match_kwargs[-1]["exclude_interests"] == ["hiking"]


def test_unsupported_claim_rewrites_only_the_storyboard(run):
    finding = Finding(check="utility.claims", track="utility", passed=False, severity="major",
                      evidence=[Evidence(scene_index=2, text="50% faster")])
    fakes, values, _ = run([_verdict("revise", finding), _verdict("accept")])
    assert fakes.calls[6:] == ["write_storyboard(rev)", "ground_assets", "produce", "verify"]
    d = values["directives"][0]
    assert d["target"] == "write_storyboard" and d["scope"] == [2] and d["remove_text"] == ["50% faster"]


def test_execution_fault_goes_to_producer_edit_of_those_scenes(run):
    finding = Finding(check="utility.motion_smoothness", track="utility", passed=False, severity="minor",
                      evidence=[Evidence(start_s=2.0, end_s=4.8)])
    fakes, values, _ = run([_verdict("revise", finding), _verdict("accept")])
    assert fakes.calls[6:] == ["produce", "verify"]  # no Director step re-runs
    d = fakes.produce_directives[-1]
    assert d.target == "producer" and d.scope == [0, 1] and d.edit == "rerender"


def test_expired_licence_goes_to_grounding(run):
    finding = Finding(check="compliance.rights.licence", track="compliance", passed=False, severity="critical",
                      evidence=[Evidence(scene_index=1, asset_id="old")])
    fakes, values, _ = run([_verdict("reject", finding, compliance=False), _verdict("accept")])
    assert fakes.calls[6:] == ["ground_assets", "produce", "verify"]


def test_privacy_in_profile_rebuilds_the_profile_after_escalation(run):
    finding = Finding(check="compliance.privacy", track="compliance", passed=False, severity="major",
                      evidence=[Evidence(scene_index=0, text="acne")])
    v = lambda: _verdict("revise", finding, compliance=False)  # noqa: E731
    fakes, values, _ = run([v(), v(), v(), _verdict("accept")])
    targets = [d["target"] for d in values["directives"]]
    # Same failure survives → escalate one stage up each time, ending at model_user.
    assert targets == ["write_storyboard", "match_product", "model_user"]


def test_budget_spent_keeps_best_verified_creative(run):
    minor = Finding(check="utility.aesthetic", track="utility", passed=False, severity="minor")
    verdicts = [_verdict("revise", minor, utility=0.5), _verdict("revise", minor, utility=0.58)]
    fakes, values, _ = run(verdicts, max_rounds=1)
    out = values["outcome"]
    assert out["finalized"] and out["round"] == 1 and out["decision"] == "revise"


def test_noncompliant_to_the_end_falls_back_to_generic_and_is_never_finalized(run):
    bad = Finding(check="compliance.safety", track="compliance", passed=False, severity="critical",
                  evidence=[Evidence(scene_index=0, text="guaranteed cure")])
    verdicts = [_verdict("reject", bad, compliance=False) for _ in range(3)]
    fakes, values, _ = run(verdicts, max_rounds=1)
    assert values["fallback"] is True
    assert fakes.calls.count("verify") == 3  # round 0, round 1, generic fallback
    assert values["outcome"]["finalized"] is False
    assert "outcome" in values and "video_path" not in values["outcome"]


def test_generic_fallback_that_passes_is_finalized(run):
    bad = Finding(check="compliance.privacy", track="compliance", passed=False, severity="critical")
    fakes, values, _ = run([_verdict("reject", bad, compliance=False), _verdict("accept")], max_rounds=0)
    assert values["outcome"]["finalized"] and values["outcome"]["fallback"]
    assert values["outcome"]["plan"]["profile"]["generic"] is True
