"""The Verifier's judged checks driven by a fake tool-calling VLM (no network).

The judged findings are added to the measured ones (which always run), evidence stays
localized, the same decision applies; a malformed reply falls back to the measured checks
alone and the fallback is recorded on the verdict.
"""

from __future__ import annotations

import pytest

from agents import llm_dispatch
from agents.verifier import llm as verifier_llm
from agents.verifier import verify
from nextads.settings import get_settings
from providers_fixtures import FakeToolChatModel, tool_reply
from verifier_fixtures import make_plan, make_product, render_ad

# A recorded judgement: personalization misses in the hook, an invented scene index, and a
# "critical" visual complaint that a VLM alone may not turn into a rejection.
REVIEW = {
    "personalization": 0.2, "product_alignment": 0.9, "context_alignment": 0.8,
    "findings": [
        {"check": "personalization", "passed": False, "severity": "minor", "score": 0.2,
         "message": "the hook does not show the viewer's skincare routine",
         "evidence": [{"scene_index": 0, "text": "Long day?"}, {"scene_index": 9, "text": ""}]},
        {"check": "product_identity", "passed": True, "severity": "info", "score": 0.9, "message": "matches"},
        {"check": "visual_quality", "passed": False, "severity": "critical", "message": "smeared bottle label",
         "evidence": [{"scene_index": 1, "asset_id": "hero"}, {"scene_index": 1, "asset_id": "not-an-asset"}]},
        {"check": "privacy", "passed": True, "message": "nothing sensitive"},
    ],
}
CLEAN = {"personalization": 0.9, "product_alignment": 0.9, "context_alignment": 0.9,
         "findings": [{"check": c, "passed": True, "message": "ok"}
                      for c in ("personalization", "product_identity", "brand_elements", "safety", "privacy")]}


@pytest.fixture
def llm(monkeypatch):
    """Settings with an LLM configured; returns a setter for the fake model every call gets."""
    monkeypatch.setenv("NEXTADS_LLM", "openai:gpt-4o")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("NEXTADS_LLM_RETRIES", "1")
    monkeypatch.setenv("NEXTADS_LLM_BACKOFF_S", "0")
    get_settings.cache_clear()

    def use(*replies):
        model = FakeToolChatModel(responses=list(replies))
        model.seen = []  # the class default is shared between instances
        monkeypatch.setattr(llm_dispatch, "chat_model_for", lambda spec: model)
        return model

    yield use
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    return make_product(tmp_path_factory.mktemp("product"))


@pytest.fixture(scope="module")
def good_ad(tmp_path_factory, product):
    return render_ad(tmp_path_factory.mktemp("ad"), product)


@pytest.fixture(scope="module")
def unlabelled_ad(tmp_path_factory, product):
    return render_ad(tmp_path_factory.mktemp("ad"), product, label=False, tag=False)


@pytest.fixture(scope="module")
def offline_verdicts(product, good_ad, unlabelled_ad):
    """The measured-only verdicts (no LLM configured), for comparison."""
    get_settings.cache_clear()
    assert get_settings().llm == "offline"
    return {"good": verify(make_plan(), good_ad, product, None),
            "unlabelled": verify(make_plan(), unlabelled_ad, product, None)}


def test_judged_findings_are_added_localized_and_decided(llm, product, good_ad, offline_verdicts):
    offline = offline_verdicts["good"]
    assert offline.decision == "accept" and offline.source == "offline"
    model = llm(tool_reply("JudgedReview", REVIEW))
    v = verify(make_plan(), good_ad, product, None)
    assert v.source == verifier_llm.SOURCE and v.fallbacks == []
    # every measured finding is still there, the judged ones are added
    assert [f.check for f in v.findings[: len(offline.findings)]] == [f.check for f in offline.findings]
    judged = {f.check: f for f in v.findings[len(offline.findings):]}
    assert set(judged) == {"utility.personalization.judged", "utility.product_alignment.identity.judged",
                           "utility.quality.judged", "compliance.privacy.judged"}
    pers = judged["utility.personalization.judged"]
    assert not pers.passed and pers.severity == "minor"
    assert [(e.scene_index, e.start_s, e.end_s, e.text) for e in pers.evidence] == [(0, 0.0, 2.0, "Long day?")]
    quality = judged["utility.quality.judged"]
    assert quality.severity == "major"  # a VLM's impression alone never rejects
    assert [(e.scene_index, e.asset_id) for e in quality.evidence] == [(1, "hero"), (1, None)]
    assert judged["compliance.privacy.judged"].passed and judged["compliance.privacy.judged"].severity == "info"
    # the same decision: failed judged utility findings ask for a revision, compliance still passes
    assert v.decision == "revise" and v.compliance_passed
    assert any("utility.personalization.judged" in r for r in v.reasons)
    # judged scores are blended with the measured ones and kept raw
    w = get_settings().verifier_judged_weight
    assert v.scores["judged.personalization"] == 0.2
    assert v.scores["personalization"] == pytest.approx((1 - w) * offline.scores["personalization"] + w * 0.2)
    # the request carried labelled frames of every scene as data-URI images
    content = model.seen[0][-1].content
    images = [b for b in content if b["type"] == "image_url"]
    labels = [b["text"] for b in content[1:] if b["type"] == "text"]
    assert len(images) == 6 and all(i["image_url"]["url"].startswith("data:image/jpeg;base64,") for i in images)
    assert [lab.split(":")[1].split("(")[0].strip() for lab in labels] == ["scene 0", "scene 0", "scene 1",
                                                                           "scene 1", "scene 2", "scene 2"]
    assert "Luma Glow Serum" in content[0]["text"] and "skincare" in content[0]["text"]


def test_judged_compliance_violation_blocks_acceptance(llm, product, good_ad):
    review = {**CLEAN, "findings": [*CLEAN["findings"], {
        "check": "trademark", "passed": False, "severity": "major", "message": "a GlowCo bottle in the background",
        "evidence": [{"scene_index": 2, "text": "GlowCo"}]}]}
    llm(tool_reply("JudgedReview", review))
    v = verify(make_plan(), good_ad, product, None)
    assert v.decision == "revise" and not v.compliance_passed
    bad = [f for f in v.failures if f.track == "compliance"]
    assert [f.check for f in bad] == ["compliance.trademark.judged"]
    assert bad[0].evidence[0].scene_index == 2 and bad[0].evidence[0].start_s == 4.0


def test_malformed_reply_falls_back_and_offline_compliance_still_decides(llm, product, unlabelled_ad, offline_verdicts):
    bad = tool_reply("JudgedReview", {"findings": [{"check": "vibes", "passed": "sometimes"}]})
    model = llm(bad, bad)
    v = verify(make_plan(), unlabelled_ad, product, None)
    assert len(model.seen) == 2  # one retry, then give up
    assert v.source == "offline"
    assert [f["step"] for f in v.fallbacks] == ["verify.judged"]
    assert v.fallbacks[0]["model"] == "openai:gpt-4o" and v.fallbacks[0]["fallback"] == "offline"
    # the measured checks, compliance included, ran and decided exactly as offline
    offline = offline_verdicts["unlabelled"]
    outcome = lambda verdict: [(f.check, f.passed, f.severity, f.evidence) for f in verdict.findings]  # noqa: E731
    assert outcome(v) == outcome(offline) and v.decision == offline.decision != "accept"
    assert not v.compliance_passed
    assert any(f.track == "compliance" and "label" in f.check and not f.passed for f in v.findings)


def test_generic_plan_is_not_judged_on_personalization(product):
    plan = make_plan(generic=True)
    review = verifier_llm.JudgedReview.model_validate(REVIEW)
    spans = [(s.start_s, s.end_s) for s in plan.storyboard.scenes]
    j = verifier_llm.judgement_from_review(review, plan, product, spans)
    assert "utility.personalization.judged" not in [f.check for f in j.findings]
    assert "personalization" not in j.scores and j.scores["product_alignment"] == 0.9


def test_frames_cover_every_scene_within_the_budget():
    plan = make_plan()
    spans = [(0.0, 2.0), (2.0, 4.0), (4.0, 6.0)]
    frames = verifier_llm.sample_times(plan, spans, 2)
    assert [f.scene for f in frames] == [0, 2]  # hook and CTA kept when scenes outnumber the budget
    frames = verifier_llm.sample_times(plan, spans, 7)
    assert [f.scene for f in frames] == [0, 0, 1, 1, 2, 2]
    assert all(spans[f.scene][0] < f.t_s < spans[f.scene][1] for f in frames)
