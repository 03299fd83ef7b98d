"""PCI storyboard and grounding: the segment opens on and returns to the host frame."""

from __future__ import annotations

import colorsys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agents.director import llm as director_llm
from agents.director.grounding import ground_assets, relative_luminance
from agents.director.matching import match_product
from agents.director.profile import model_user
from agents.director.storyboard import (
    HOST_FRAME_REF,
    MAX_SCENE_S,
    MIN_SCENE_S,
    PCI_HOOK_TYPES,
    enforce_integration,
    write_storyboard,
)
from nextads.catalog import get_demo_product, get_demo_user
from nextads.schemas import (
    HostSummary,
    IntegrationDecision,
    RevisionDirective,
    ServingContext,
    Shot,
)
from providers_fixtures import FakeToolChatModel, tool_reply

CONTEXT = ServingContext(aspect_ratio="16:9", resolution=(320, 180), fps=12, duration_s=8)
FRAME_RGB = (250, 10, 200)  # a colour no product image or palette swatch of the demo has
HOST_NEUTRAL = "#c8d2e6"  # the host's most neutral colour (a cool blue-grey)
WARM_NEUTRAL = "#e6d2c0"  # another host's (a warm sand)


@pytest.fixture(scope="module")
def maya_tent():
    profile = model_user(get_demo_user("maya"))
    product = get_demo_product("summitra-tent")
    return profile, product, match_product(profile, product, threshold=0.35)


def make_host(pacing: str = "medium", shot_s: float = 2.5, *, brightness: float = 0.7,
              topic: str = "mountain hiking trip") -> HostSummary:
    n = 6
    return HostSummary(
        video_path="/host.mp4", width=320, height=180, fps=12.0, duration_s=n * shot_s, frames=round(n * shot_s * 12),
        topic=topic, pacing=pacing, palette=["#1f4e79", HOST_NEUTRAL], brightness=brightness, warmth="cool",
        shots=[Shot(index=i, start_s=i * shot_s, end_s=(i + 1) * shot_s) for i in range(n)],
    )


@pytest.fixture()
def integration(tmp_path: Path) -> IntegrationDecision:
    frame = tmp_path / "start_frame.png"
    Image.new("RGB", (320, 180), FRAME_RGB).save(frame)
    return IntegrationDecision(point_s=4.0, frame_index=47, kind="shot_boundary", rationale="a calm shot boundary",
                               start_frame_path=str(frame))


def _claims_ok(board, product) -> bool:
    allowed = {*product.selling_points, *product.facts}
    return all(set(s.claims) <= allowed for s in board.scenes)


@pytest.mark.parametrize("duration", [6.0, 8.0, 11.5, 15.0])
def test_segment_opens_on_the_host_frame_and_returns_to_it(maya_tent, integration, duration):
    profile, product, match = maya_tent
    ctx = CONTEXT.model_copy(update={"duration_s": duration})
    sb = write_storyboard(profile, product, match, ctx, host=make_host(), integration=integration)
    first, last = sb.scenes[0], sb.scenes[-1]
    assert first.purpose == "hook" and first.asset_refs[0] == HOST_FRAME_REF
    assert (first.camera, first.transition) == ("static", "cut") and "host" in first.visual.lower()
    assert last.asset_refs == [HOST_FRAME_REF] and last.transition == "fade" and last.purpose == "body"
    assert last.on_screen_text == "" and last.narration == "" and last.claims == []
    assert all(s.purpose != "cta" for s in sb.scenes) and sb.cta == ""
    assert abs(sum(s.duration_s for s in sb.scenes) - duration) < 1e-6
    assert all(MIN_SCENE_S - 1e-9 <= s.duration_s <= MAX_SCENE_S + 1e-9 for s in sb.scenes)
    # The middle carries the product (its own licensed images) and never the host frame.
    middle = sb.scenes[1:-1]
    assert middle and all({"hero", "lifestyle"} & set(s.asset_refs) for s in middle)
    assert all(HOST_FRAME_REF not in s.asset_refs for s in middle)
    assert any(s.claims for s in middle) and _claims_ok(sb, product)
    assert sb.hook_type in PCI_HOOK_TYPES


def test_the_bridge_goes_from_the_host_topic_to_the_users_interest(maya_tent, integration):
    profile, product, match = maya_tent
    sb = write_storyboard(profile, product, match, CONTEXT, host=make_host(), integration=integration)
    opening_and_bridge = " ".join(f"{s.on_screen_text} {s.narration}" for s in sb.scenes[:2])
    assert "mountain hiking trip" in opening_and_bridge
    assert match.chosen_interest and match.chosen_interest in sb.scenes[1].narration
    # A topic naming a competitor is never written into the copy.
    rival = make_host(topic=f"{product.competitors[0]} gear haul") if product.competitors else None
    if rival is not None:
        sb2 = write_storyboard(profile, product, match, CONTEXT, host=rival, integration=integration)
        text = " ".join(f"{s.on_screen_text} {s.narration}" for s in sb2.scenes).lower()
        assert product.competitors[0].lower() not in text


def test_template_and_shot_length_follow_the_host(maya_tent, integration):
    profile, product, match = maya_tent
    pcg = write_storyboard(profile, product, match, CONTEXT)
    assert pcg.template == "calm"  # maya's own (warm, medium) template
    fast = write_storyboard(profile, product, match, CONTEXT, host=make_host("fast", 1.2), integration=integration)
    slow = write_storyboard(profile, product, match, CONTEXT, host=make_host("slow", 6.0), integration=integration)
    medium = write_storyboard(profile, product, match, CONTEXT, host=make_host("medium", 2.5), integration=integration)
    assert (fast.template, slow.template, medium.template) == ("energetic", "calm", pcg.template)
    # A fast-cut host (1.2 s shots) gets the shortest slots, a slow one the longest.
    assert [s.duration_s for s in fast.scenes] == [2.0] * 4
    assert len(slow.scenes) == 3 and max(s.duration_s for s in slow.scenes) == 3.0
    # The segment takes the host's light and colour temperature in its prompts.
    assert "cool tones like the host" in fast.scenes[1].visual


def test_pcg_storyboards_are_unchanged_without_an_integration(maya_tent):
    profile, product, match = maya_tent
    ctx = ServingContext(duration_s=15)
    plain = write_storyboard(profile, product, match, ctx)
    assert write_storyboard(profile, product, match, ctx, host=None, integration=None) == plain
    assert write_storyboard(profile, product, match, ctx, host=make_host("fast")) == plain  # no point: no PCI
    assert plain.scenes[-1].purpose == "cta" and plain.cta and HOST_FRAME_REF not in plain.scenes[0].asset_refs


def test_a_storyboard_directive_keeps_the_frame_scenes(maya_tent, integration):
    profile, product, match = maya_tent
    host = make_host()
    before = write_storyboard(profile, product, match, CONTEXT, host=host, integration=integration)
    directive = RevisionDirective(target="write_storyboard", level="plan", instruction="rewrite everything",
                                  reason="utility.integration_theme: off theme", hook_type="bold_claim")
    after = write_storyboard(profile, product, match, CONTEXT, previous=before, directive=directive, host=host,
                             integration=integration)
    assert after.scenes[-1] == before.scenes[-1]  # the return is fixed
    first = after.scenes[0]
    assert first.asset_refs[0] == HOST_FRAME_REF and (first.camera, first.transition) == ("static", "cut")
    assert after.hook_type in PCI_HOOK_TYPES and after.hook_type != before.hook_type  # no bold claim over the host
    assert [s.start_s for s in after.scenes] == [s.start_s for s in before.scenes]
    assert any(a.narration != b.narration for a, b in zip(after.scenes[:-1], before.scenes[:-1]))
    assert after.cta == "" and _claims_ok(after, product)


def test_a_segment_too_short_for_opening_product_and_return_is_refused(maya_tent, integration):
    profile, product, match = maya_tent
    with pytest.raises(ValueError, match="PCI segment"):
        write_storyboard(profile, product, match, CONTEXT.model_copy(update={"duration_s": 5}),
                         host=make_host(), integration=integration)


def test_llm_storyboard_gets_the_same_frame_rules(maya_tent, integration):
    profile, product, match = maya_tent
    # The model forgets the host frame, ends on a CTA card and writes too many scenes.
    scenes = [{"index": i, "duration_s": 2.0, "purpose": p, "visual": f"shot {i}", "camera": "pan_left",
               "narration": f"line {i}", "on_screen_text": f"text {i}", "asset_refs": ["hero"], "transition": "zoom",
               "claims": [product.selling_points[0]] if i == 1 else []}
              for i, p in enumerate(["hook", "body", "proof", "body", "cta"])]
    model = FakeToolChatModel(responses=[tool_reply("StoryboardProposal", {
        "scenes": scenes, "hook_type": "question", "narrative_form": "showcase", "cta": "Buy now", "title": "t"})])
    sb = director_llm.write_storyboard(profile, product, match, CONTEXT, host=make_host("fast", 1.2),
                                       integration=integration, model=model)
    prompt = model.seen[-1][-1].content[0]["text"]
    assert "host:start" in prompt and "frame 47" in prompt and "mountain hiking trip" in prompt
    assert sb.scenes[0].asset_refs == [HOST_FRAME_REF, "hero"] and sb.scenes[0].camera == "static"
    assert sb.scenes[-1].asset_refs == [HOST_FRAME_REF] and sb.scenes[-1].transition == "fade"
    assert sb.scenes[-1].narration == "" and sb.scenes[-1].on_screen_text == ""
    assert sb.cta == "" and all(s.purpose != "cta" for s in sb.scenes) and sb.template == "energetic"
    assert abs(sum(s.duration_s for s in sb.scenes) - CONTEXT.duration_s) < 1e-6
    assert enforce_integration(sb) == sb  # the post-check is idempotent


def _hue(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hls(r, g, b)[0]


def test_grounding_puts_the_start_frame_in_the_collage_and_follows_the_host(maya_tent, integration, tmp_path):
    profile, product, match = maya_tent
    host = make_host()
    sb = write_storyboard(profile, product, match, CONTEXT, host=host, integration=integration)
    g = ground_assets(sb, product, profile, CONTEXT, tmp_path / "pci", integration=integration, host=host)
    pcg = ground_assets(sb, product, profile, CONTEXT, tmp_path / "pcg")

    def frame_pixels(path: str) -> int:
        px = np.asarray(Image.open(path).convert("RGB")).astype(int)
        return int((np.abs(px - np.array(FRAME_RGB)).sum(axis=2) < 30).sum())

    with Image.open(g.collage_path) as collage:
        assert collage.size == CONTEXT.size
    assert frame_pixels(g.collage_path) > 500 and frame_pixels(pcg.collage_path) == 0
    # host:start is the compositor's frame: neither bound as a product asset nor rejected.
    assert g.bindings[-1].asset_ids == [] and HOST_FRAME_REF not in g.rejected_assets
    assert all(HOST_FRAME_REF not in b.asset_ids for b in g.bindings)
    assert "hero" in g.bindings[0].asset_ids  # the product inset of the opening is bound
    assert "segment starts and ends on host frame 47" in g.constraints
    assert not any("host frame" in c for c in pcg.constraints)
    # Host first: the background takes the host's neutral hue and the host's lightness.
    assert abs(_hue(g.palette[1]) - _hue(HOST_NEUTRAL)) < 0.02 and relative_luminance(g.palette[1]) > 0.7
    warm_host = make_host().model_copy(update={"palette": ["#7a3b12", WARM_NEUTRAL]})
    warm = ground_assets(sb, product, profile, CONTEXT, tmp_path / "warm", integration=integration, host=warm_host)
    assert abs(_hue(warm.palette[1]) - _hue(WARM_NEUTRAL)) < 0.02
    assert "#7a3b12" in warm.palette or any(abs(_hue(c) - _hue("#7a3b12")) < 0.02 for c in warm.palette[3:])
    assert g.palette[0] == pcg.palette[0]  # the brand accent leads either way
