"""Utility track, decision logic and verify() end to end, on tiny synthetic creatives."""

from __future__ import annotations

from datetime import date

import pytest

from agents.verifier import verify
from agents.verifier.decision import aggregate_utility, decide, make_verdict
from agents.verifier.utility import (
    check_brand_elements,
    check_claims,
    check_context_alignment,
    check_personalization,
    check_product_visibility,
    check_video_quality,
    numbers_in,
)
from nextads.schemas import Evidence, Finding
from nextads.settings import get_settings
from tools.media.probe import probe
from tools.quality import ClipQuality
from verifier_fixtures import make_plan, make_product, pink_noise, render_ad, scene


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    return make_product(tmp_path_factory.mktemp("product"))


@pytest.fixture(scope="module")
def good_ad(tmp_path_factory, product):
    return render_ad(tmp_path_factory.mktemp("ad"), product)


def test_numbers_and_units_are_parsed():
    assert numbers_in("Only $29 for 30 ml, 24小时保湿, 5,000 fans") == [
        (29.0, "usd", "$29"), (30.0, "ml", "30 ml"), (24.0, "h", "24小时"), (5000.0, "", "5,000")]


def test_unsupported_number_claim_is_found_with_its_scene(product):
    plan = make_plan(scenes=[
        scene(0, 0.0, 3.0, "hook", narration="Hydration for 24 hours"),
        scene(1, 3.0, 3.0, "proof", text="Now 50% off, only $19"),
    ])
    f = check_claims(plan, product)
    assert not f.passed and f.severity == "major"
    assert {(e.scene_index, e.text) for e in f.evidence} == {(1, "50%"), (1, "$19")}
    assert f.evidence[0].start_s == 3.0 and f.evidence[0].end_s == 6.0
    assert check_claims(make_plan(), product).passed  # "$29", "24 hours", "24-hour" are facts


def test_number_with_the_wrong_unit_is_unsupported(product):
    plan = make_plan(scenes=[scene(0, 0.0, 6.0, "body", narration="Hydrates for 24 days")])
    assert not check_claims(plan, product).passed


def test_stated_claim_must_be_a_fact_or_selling_point(product):
    plan = make_plan(scenes=[scene(0, 0.0, 6.0, "proof", claims=["Cures eczema overnight"])])
    f = check_claims(plan, product)
    assert not f.passed and f.evidence[0].text == "Cures eczema overnight" and f.evidence[0].scene_index == 0


def test_product_visibility_and_logo(tmp_path, product, good_ad):
    plan = make_plan()
    info = probe(good_ad.video_path)
    assert check_product_visibility(plan, good_ad, product, info).passed
    assert check_brand_elements(plan, good_ad, product, info).passed
    hidden = render_ad(tmp_path, product, show_hero=False, show_logo=False, name="hidden.mp4")
    info = probe(hidden.video_path)
    vis = check_product_visibility(plan, hidden, product, info)
    assert not vis.passed and vis.score == 0.0
    assert [(e.scene_index, e.asset_id, e.start_s, e.end_s) for e in vis.evidence] == [(1, "hero", 2.0, 4.0)]
    logo = check_brand_elements(plan, hidden, product, info)
    assert not logo.passed and logo.evidence[0].scene_index == 2


def test_context_alignment(good_ad):
    info = probe(good_ad.video_path)
    assert check_context_alignment(make_plan(), good_ad, info).passed
    longer = make_plan(scenes=[scene(0, 0.0, 4.0, "hook"), scene(1, 4.0, 4.0, "cta")], duration=8.0)
    f = check_context_alignment(longer, good_ad, info)
    assert not f.passed and f.severity == "major" and "duration" in f.message


def _clip(i, motion, **kw):
    base = dict(ms=0.99, dynamic=motion > 0.5, motion=motion, iq=0.6, aq=0.6)
    base.update(kw)
    return ClipQuality(start_s=2.0 * i, end_s=2.0 * (i + 1), span_index=i, **base)


def test_static_scene_with_camera_motion_is_minor():
    plan = make_plan()  # scene 0 pans, scene 1 pushes in, scene 2 is static
    report = check_video_quality(plan, [_clip(0, 0.6), _clip(1, 0.0), _clip(2, 0.0)])
    dd = next(f for f in report.findings if f.check == "utility.dynamic_degree")
    assert not dd.passed and dd.severity == "minor"
    assert [(e.scene_index, e.start_s, e.end_s) for e in dd.evidence] == [(1, 2.0, 4.0)]


def test_low_quality_points_at_the_worst_clip():
    report = check_video_quality(make_plan(), [_clip(0, 0.6, iq=0.1), _clip(1, 0.6, iq=0.02), _clip(2, 0.6, iq=0.1)])
    iq = next(f for f in report.findings if f.check == "utility.imaging_quality")
    assert not iq.passed and iq.evidence[0].scene_index == 1
    assert report.scores["quality"] == pytest.approx((report.scores["MS*"] + report.scores["IQ*"] + report.scores["AQ*"]) / 3)


def test_personalization_scores_profile_fit_and_spares_generic_plans():
    frames = [pink_noise(64, 36, seed=1)]
    fit = check_personalization(make_plan(), frames)
    off = make_plan(scenes=[scene(0, 0.0, 6.0, "body", narration="Motor oil for heavy trucks")])
    off.profile.visual.palette = ["#00ff00"]
    unfit = check_personalization(off, frames)
    assert fit.scores["personalization"] > unfit.scores["personalization"]
    generic = make_plan(generic=True, scenes=off.storyboard.scenes)
    g = check_personalization(generic, frames)
    assert g.findings[0].passed and "generic" in g.findings[0].message


# --------------------------------------------------------------------------- decision


def _f(track, passed, severity="info"):
    return Finding(check=f"{track}.x", track=track, passed=passed, severity=severity, message="m",
                   evidence=[Evidence(scene_index=1)])


def test_decision_outcomes():
    s = get_settings()
    ok = [_f("utility", True), _f("compliance", True)]
    assert decide(ok, 0.9)[0] == "accept"
    assert decide(ok, (s.accept_utility + s.reject_utility) / 2)[0] == "revise"
    assert decide(ok, s.reject_utility - 0.01)[0] == "reject"
    assert decide([*ok, _f("utility", False, "minor")], 0.9)[0] == "revise"
    assert decide([*ok, _f("compliance", False, "major")], 0.9)[0] == "revise"
    decision, reasons = decide([*ok, _f("compliance", False, "critical")], 0.9)
    assert decision == "reject" and "scenes 1" in reasons[0]


def test_verdict_aggregates_utility_and_compliance():
    scores = {"quality": 0.8, "personalization": 0.2, "product_alignment": 1.0, "context_alignment": 1.0}
    v = make_verdict([_f("compliance", False, "major")], scores)
    assert v.decision == "revise" and not v.compliance_passed
    assert v.scores["utility"] == pytest.approx(0.25 * 0.8 + 0.2 * 0.2 + 0.35 + 0.2)
    generic = aggregate_utility(scores, generic=True)
    assert generic == pytest.approx((0.25 * 0.8 + 0.35 + 0.2) / 0.8)


# --------------------------------------------------------------------------- verify()


def test_verify_accepts_a_good_creative(product, good_ad):
    v = verify(make_plan(), good_ad, product, None)
    assert v.decision == "accept", v.reasons
    assert v.compliance_passed and v.utility >= get_settings().accept_utility
    for key in ("MS*", "DD*", "IQ*", "AQ*", "personalization", "product_alignment", "context_alignment", "utility"):
        assert 0.0 <= v.scores[key] <= 1.0


def test_verify_rejects_an_expired_licence_and_revises_a_missing_product(tmp_path, good_ad):
    (tmp_path / "expired").mkdir()
    expired = make_product(tmp_path / "expired", expires=date(2025, 1, 1))
    v = verify(make_plan(), good_ad, expired, None)
    assert v.decision == "reject" and not v.compliance_passed
    assert any(f.check == "compliance.rights.licence" and f.severity == "critical" for f in v.failures)
    fresh = make_product(tmp_path)
    hidden = render_ad(tmp_path, fresh, show_hero=False, name="hidden.mp4")
    v = verify(make_plan(), hidden, fresh, None)
    assert v.decision == "revise" and v.compliance_passed
    assert [f.check for f in v.failures] == ["utility.product_visibility"]


def test_verify_rejects_an_unreadable_video(tmp_path, product, good_ad):
    broken = good_ad.model_copy(update={"video_path": str(tmp_path / "missing.mp4")})
    v = verify(make_plan(), broken, product, None)
    assert v.decision == "reject" and v.failures[0].check == "utility.video"


def test_one_colour_wordmark_logo_is_found_by_its_outline(tmp_path):
    # A wordmark cut-out (one colour on transparency, like the benchmark's placeholder logos)
    # has no texture under its mask; it is found by its outline, dark on a light card or light
    # on a dark one, and not on a card that does not show it.
    import numpy as np
    from PIL import Image

    from agents.verifier.utility import asset_visible
    from evals.bench.placeholder import render_wordmark

    logo = render_wordmark("Northwind")
    path = tmp_path / "logo.png"
    logo.save(path)
    box = logo.getbbox()
    cut = logo.crop(box).resize((120, round(120 * (box[3] - box[1]) / (box[2] - box[0]))))

    def card(background: tuple[int, int, int], ink: tuple[int, int, int] | None) -> np.ndarray:
        frame = Image.new("RGB", (180, 320), background)
        if ink is not None:
            glyphs = Image.new("RGB", cut.size, ink)
            frame.paste(glyphs, (30, 60), cut.getchannel("A"))
        return np.asarray(frame)

    assert asset_visible(card((240, 235, 230), (70, 40, 60)), str(path))
    assert asset_visible(card((20, 25, 40), (250, 250, 250)), str(path))
    assert not asset_visible(card((240, 235, 230), None), str(path))
    other = Image.new("RGB", (180, 320), (240, 235, 230))
    other.paste(Image.new("RGB", (120, 40), (70, 40, 60)), (30, 60))  # a bar, not the wordmark
    assert not asset_visible(np.asarray(other), str(path))
