"""The Verifier's PCI integration checks (agents/verifier/integration.py) on cases with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents.director.grounding import ground_assets
from agents.director.matching import match_product
from agents.director.profile import model_user
from agents.director.storyboard import write_storyboard
from agents.verifier import integration as integ
from agents.verifier.decision import aggregate_utility
from agents.verifier.integration import check_integration
from nextads.catalog import get_demo_product, get_demo_user
from nextads.schemas import Creative, CreativePlan, HostSummary, IntegrationDecision, ServingContext, Shot
from tools.media.encode import FrameEncoder
from tools.media.probe import iter_frames, probe
from tools.media.splice import splice

SIZE = (192, 108)  # 16:9, small
FPS = 12
SHOTS = ((0.0, 2.0, "calm"), (2.0, 4.0, "busy"), (4.0, 6.0, "calm"))
HOST_S = SHOTS[-1][1]
CALM_POINT = 1.0  # inside the first calm shot
BOUNDARY_POINT = 2.0  # calm -> busy shot boundary
SEGMENT_FRAMES = 12


def host_frame(k: int) -> np.ndarray:
    """Calm shots: drifting stripes (one pixel a frame); the busy shot: fresh colour noise each frame."""
    w, h = SIZE
    t = k / FPS
    if SHOTS[1][0] <= t < SHOTS[1][1]:
        rng = np.random.default_rng(k)
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    f = np.empty((h, w, 3), np.uint8)
    tint = 0 if t < SHOTS[1][0] else 60
    f[..., 0] = 140 + 70 * ((xx + k) // 10 % 2) - tint
    f[..., 1] = 60 + (yy * 80 // h)
    f[..., 2] = 50 + tint
    return f


def encode(path: Path, frames) -> Path:
    with FrameEncoder(path, SIZE, FPS) as enc:
        for f in frames:
            enc.write(f)
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("integration")
    encode(d / "host.mp4", (host_frame(k) for k in range(int(HOST_S * FPS))))
    decoded = list(iter_frames(d / "host.mp4"))
    for point in (CALM_POINT, BOUNDARY_POINT):
        start = decoded[round(point * FPS) - 1]  # the start frame, as the host shows it
        encode(d / f"native_{point:g}.mp4", (start for _ in range(SEGMENT_FRAMES)))
    blue = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    blue[:] = (30, 60, 230)
    encode(d / "foreign.mp4", (blue for _ in range(SEGMENT_FRAMES)))
    return d


@pytest.fixture(scope="module")
def base_plan(tmp_path_factory) -> CreativePlan:
    """A real Director plan (demo user and tent) at 16:9; host and integration filled per test."""
    user, product = get_demo_user("maya"), get_demo_product("summitra-tent")
    ctx = ServingContext(aspect_ratio="16:9", duration_s=6.0, resolution=SIZE, fps=FPS, locale="en-US")
    profile = model_user(user)
    match = match_product(profile, product)
    storyboard = write_storyboard(profile, product, match, ctx)
    grounding = ground_assets(storyboard, product, profile, ctx, tmp_path_factory.mktemp("work"))
    return CreativePlan(task="pci", user_id=user.user_id, product_id=product.product_id, context=ctx,
                        profile=profile, match=match, storyboard=storyboard, grounding=grounding)


CAMPING = dict(title="Weekend camping trip in the mountains", topic="camping and hiking",
               keywords=["tent", "trail", "campfire"],
               content="A couple hikes a mountain trail and pitches a tent by the lake.")
GAME = dict(title="Mobile game pentakill highlights", topic="mobile game", keywords=["game", "kill", "hero"],
            content="Gameplay highlights of a mobile MOBA game.")


def host_summary(host_path: Path, *, energy=(0.1, 0.1, 0.9, 1.0, 0.2, 0.1), climax_s=3.0, **text) -> HostSummary:
    return HostSummary(
        video_path=str(host_path), width=SIZE[0], height=SIZE[1], fps=FPS, duration_s=HOST_S,
        frames=int(HOST_S * FPS), shots=[Shot(index=i, start_s=a, end_s=b) for i, (a, b, _) in enumerate(SHOTS)],
        energy=list(energy), climax_s=climax_s, **(text or CAMPING))


def pci_plan(plan: CreativePlan, host: HostSummary, point_s: float, kind: str) -> CreativePlan:
    decision = IntegrationDecision(point_s=point_s, frame_index=round(point_s * FPS) - 1, kind=kind,
                                   rationale="set by the test")
    return plan.model_copy(update={"host": host, "integration": decision})


def integrated_creative(media: Path, segment: str, point_s: float, tmp_path: Path) -> Creative:
    seg = media / segment
    iv = splice(media / "host.mp4", seg, point_s, tmp_path / "integrated.mp4")
    info = probe(seg)
    return Creative(video_path=str(seg), plan_digest="test", width=info.width, height=info.height, fps=FPS,
                    duration_s=info.duration_s, frames=info.frames, integrated=iv)


def by_check(findings):
    return {f.check: f for f in findings}


# --------------------------------------------------------------------------- continuity


def test_segment_that_starts_and_ends_on_the_host_frame_is_continuous(media, base_plan, tmp_path):
    plan = pci_plan(base_plan, host_summary(media / "host.mp4"), CALM_POINT, "calm")
    creative = integrated_creative(media, f"native_{CALM_POINT:g}.mp4", CALM_POINT, tmp_path)
    f = integ.check_continuity(plan, creative)
    assert f.check == "utility.integration_continuity" and f.passed, f.message
    assert f.score > 0.8


def test_segment_of_another_colour_breaks_both_joins(media, base_plan, tmp_path):
    plan = pci_plan(base_plan, host_summary(media / "host.mp4"), CALM_POINT, "calm")
    creative = integrated_creative(media, "foreign.mp4", CALM_POINT, tmp_path)
    f = integ.check_continuity(plan, creative)
    assert not f.passed and f.severity == "major" and f.score < integ.CONTINUITY_MIN
    last = len(plan.storyboard.scenes) - 1
    assert [e.scene_index for e in f.evidence] == [0, last]
    iv = creative.integrated
    start, back = f.evidence
    assert start.start_s < iv.segment_start_s < start.end_s
    assert back.start_s < iv.segment_end_s < back.end_s


def test_return_at_a_shot_boundary_is_judged_against_the_start_frame(media, base_plan, tmp_path):
    """The host cuts to a busy shot at the point; coming back there is fine when the segment
    ends on the start frame, but the same video judged as a calm point shows a jump."""
    creative = integrated_creative(media, f"native_{BOUNDARY_POINT:g}.mp4", BOUNDARY_POINT, tmp_path)
    host = host_summary(media / "host.mp4")
    at_boundary = integ.check_continuity(pci_plan(base_plan, host, BOUNDARY_POINT, "shot_boundary"), creative)
    as_calm = integ.check_continuity(pci_plan(base_plan, host, BOUNDARY_POINT, "calm"), creative)
    assert at_boundary.passed, at_boundary.message
    assert not as_calm.passed and [e.scene_index for e in as_calm.evidence] == [len(base_plan.storyboard.scenes) - 1]


def test_frame_similarity_measures():
    a = host_frame(5)
    same = integ.compare_frames(a, a)
    assert same.histogram == pytest.approx(1.0) and same.luma_jump == 0.0 and same.ssim == pytest.approx(1.0)
    noise = integ.compare_frames(a, host_frame(30))  # a busy-shot frame
    assert noise.ssim < 0.2 and noise.score < integ.CONTINUITY_MIN
    darker = integ.compare_frames(a, (a * 0.5).astype(np.uint8))
    assert darker.luma_jump > 0.1 and darker.score < same.score


# --------------------------------------------------------------------------- theme


def test_segment_about_the_host_topic_scores_higher(media, base_plan, tmp_path):
    creative = integrated_creative(media, f"native_{CALM_POINT:g}.mp4", CALM_POINT, tmp_path)
    product = get_demo_product("summitra-tent")
    camping = pci_plan(base_plan, host_summary(media / "host.mp4", **CAMPING), CALM_POINT, "calm")
    game = pci_plan(base_plan, host_summary(media / "host.mp4", **GAME), CALM_POINT, "calm")
    on_topic = integ.check_theme(camping, creative, product)
    off_topic = integ.check_theme(game, creative, product)
    assert on_topic.check == "utility.integration_theme"
    assert on_topic.score > off_topic.score + 0.3
    assert on_topic.passed and not off_topic.passed and off_topic.severity == "minor"
    assert "mobile game" in off_topic.message  # says what the host is about
    assert off_topic.evidence[0].start_s == pytest.approx(creative.integrated.segment_start_s)


# --------------------------------------------------------------------------- disruption


def test_point_inside_the_climax_fails_and_a_calm_point_passes(media, base_plan, tmp_path):
    creative = integrated_creative(media, f"native_{CALM_POINT:g}.mp4", CALM_POINT, tmp_path)
    host = host_summary(media / "host.mp4")  # busy, loud seconds 2-3, climax at 3 s
    climax = integ.check_disruption(pci_plan(base_plan, host, 3.5, "calm"), creative)
    calm = integ.check_disruption(pci_plan(base_plan, host, 5.5, "calm"), creative)
    assert not climax.passed and climax.severity == "major" and climax.score == 0.0
    assert "3.50s" in climax.message and "climax" in climax.message and climax.evidence[0].scene_index == 0
    assert calm.passed and calm.score > 0.8


def test_top_quarter_energy_fails_even_far_from_the_climax(media, base_plan, tmp_path):
    creative = integrated_creative(media, f"native_{CALM_POINT:g}.mp4", CALM_POINT, tmp_path)
    host = host_summary(media / "host.mp4", energy=(0.1, 0.8, 0.1, 0.1, 0.1, 1.0), climax_s=5.0)
    loud = integ.check_disruption(pci_plan(base_plan, host, 1.5, "calm"), creative)
    quiet = integ.check_disruption(pci_plan(base_plan, host, 2.5, "calm"), creative)
    assert not loud.passed and "top-quarter" in loud.message and "climax" not in loud.message.split(":")[0]
    assert quiet.passed
    assert loud.score < quiet.score


# --------------------------------------------------------------------------- together


def test_check_integration_scores_and_routing_names(media, base_plan, tmp_path):
    creative = integrated_creative(media, "foreign.mp4", CALM_POINT, tmp_path)
    plan = pci_plan(base_plan, host_summary(media / "host.mp4"), CALM_POINT, "calm")
    findings, scores = check_integration(plan, creative, get_demo_product("summitra-tent"))
    assert {f.check for f in findings} == {"utility.integration_continuity", "utility.integration_theme",
                                           "utility.integration_disruption"}
    assert set(scores) == {"integration_continuity", "integration_theme", "integration_disruption", "integration"}
    assert all(0.0 <= v <= 1.0 for v in scores.values())
    parts = [scores[k] for k in ("integration_continuity", "integration_theme", "integration_disruption")]
    assert scores["integration"] == pytest.approx(np.mean(parts))
    assert not by_check(findings)["utility.integration_continuity"].passed
    # Not a PCI creative: nothing to check.
    assert check_integration(plan, creative.model_copy(update={"integrated": None})) == ([], {})


def test_integration_weighs_in_only_when_present():
    pcg = {"product_alignment": 0.9, "quality": 0.7, "personalization": 0.6, "context_alignment": 1.0}
    expected = (0.9 * 0.35 + 0.7 * 0.25 + 0.6 * 0.2 + 1.0 * 0.2) / 1.0
    assert aggregate_utility(pcg) == pytest.approx(expected)  # PCG unchanged
    assert aggregate_utility({**pcg, "integration": 0.0}) < aggregate_utility(pcg)
    assert aggregate_utility({**pcg, "integration": 1.0}) > aggregate_utility(pcg)


def test_verify_adds_the_integration_checks_for_pci(media, base_plan, tmp_path):
    """verify() runs the integration checks on a PCI creative and weighs their score in."""
    from agents.verifier import verify

    product, user = get_demo_product("summitra-tent"), get_demo_user("maya")
    creative = integrated_creative(media, "foreign.mp4", 3.5, tmp_path)
    plan = pci_plan(base_plan, host_summary(media / "host.mp4"), 3.5, "calm")
    verdict = verify(plan, creative, product, user)
    checks = {f.check: f for f in verdict.findings}
    assert not checks["utility.integration_continuity"].passed
    assert not checks["utility.integration_disruption"].passed
    assert verdict.decision != "accept" and 0.0 <= verdict.scores["integration"] < 0.5
    pcg = verify(plan.model_copy(update={"task": "pcg"}), creative, product, user)
    assert "integration" not in pcg.scores and not any("integration" in f.check for f in pcg.findings)
