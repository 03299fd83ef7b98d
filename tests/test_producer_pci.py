"""PCI in the compositor: scenes that start from and return to the host frame, and
captions that keep clear of the host's burned-in text."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from nextads.schemas import HostSummary, IntegrationDecision, Scene, SceneBinding, Storyboard, TextRegion
from producer_fixtures import make_plan, make_product
from tools.compositor import render_creative
from tools.compositor.render import build_specs, effective_scenes, frame_bounds
from tools.compositor.scene import SceneRenderer
from tools.media.probe import iter_frames

SIZE = (256, 144)
FPS = 8


def _start_frame(path):
    """A distinctive host frame: sky, ground, a red block and a white subtitle bar."""
    im = Image.new("RGB", SIZE, (70, 130, 200))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 90, 256, 144), fill=(60, 140, 60))
    d.rectangle((30, 40, 90, 100), fill=(200, 40, 40))
    im.save(path)
    return path


def _pci_plan(tmp_path, *, regions=()):
    product = make_product(tmp_path / "assets")
    plan = make_plan(product, tmp_path / "assets", size=SIZE, fps=FPS, duration=6.0, n_scenes=3)
    scenes = [
        Scene(index=0, start_s=0.0, duration_s=2.0, purpose="hook", visual="the host moment", camera="static",
              on_screen_text="Cold tea again?", asset_refs=["host:start", "hero"], transition="cut"),
        Scene(index=1, start_s=2.0, duration_s=2.0, purpose="body", visual="the bottle", camera="push_in",
              on_screen_text="Hot for 12 hours", asset_refs=["hero"], transition="fade"),
        Scene(index=2, start_s=4.0, duration_s=2.0, purpose="body", visual="back to the host", camera="static",
              asset_refs=["host:start"], transition="fade"),
    ]
    board = Storyboard(scenes=scenes, target_duration_s=6.0, template="calm", cta="")
    start = _start_frame(tmp_path / "start.png")
    host = HostSummary(video_path=str(tmp_path / "host.mp4"), width=SIZE[0], height=SIZE[1], fps=FPS,
                       duration_s=10.0, frames=80, text_regions=list(regions))
    decision = IntegrationDecision(point_s=4.0, frame_index=31, kind="calm", rationale="calm moment",
                                   start_frame_path=str(start))
    # Grounding binds licensed assets only: the host frame must survive the binding.
    grounding = plan.grounding.model_copy(update={"bindings": [
        SceneBinding(scene_index=0, asset_ids=["hero"]), SceneBinding(scene_index=1, asset_ids=["hero"]),
        SceneBinding(scene_index=2)]})
    return product, plan.model_copy(update={"task": "pci", "storyboard": board, "host": host, "grounding": grounding,
                                            "integration": decision}), np.asarray(Image.open(start))


def _diff(a, b, rows=slice(24, None)):
    """Mean absolute difference below the label row (the label is on every frame)."""
    return float(np.abs(a[rows].astype(int) - b[rows].astype(int)).mean())


def test_segment_starts_from_and_returns_to_the_host_frame(tmp_path):
    product, plan, start = _pci_plan(tmp_path)
    creative = render_creative(plan, product, tmp_path / "out")
    frames = list(iter_frames(creative.video_path))
    assert len(frames) == 6 * FPS
    # The first frame is the host frame (plus a product inset sliding nowhere: it is placed,
    # so compare away from the inset's box) and the last is exactly the host frame again.
    assert _diff(frames[-1], start) < 6
    assert _diff(frames[0][:, :90], start[:, :90]) < 8
    # In between the segment shows the product, not the host frame.
    assert _diff(frames[3 * FPS], start) > 20


def test_captions_keep_clear_of_host_text(tmp_path):
    # The host's subtitles sit in the lower band and on the right, where captions would go.
    regions = [TextRegion(x=0.05, y=0.72, w=0.9, h=0.2, text="字幕"), TextRegion(x=0.5, y=0.3, w=0.5, h=0.2)]
    product, plan, _ = _pci_plan(tmp_path, regions=regions)
    warnings: list[str] = []
    eff = effective_scenes(plan, product, None, None, set())
    bounds = frame_bounds([s for s, _ in eff], 6.0, FPS)
    specs = build_specs(plan, product, eff, bounds, warnings)
    assert specs[0].avoid and specs[0].backdrop is not None and specs[1].backdrop is None
    w, h = SIZE
    for spec in specs[:2]:
        r = SceneRenderer(spec, warnings)
        assert r.caption is not None
        ch, cw = r.caption.shape[:2]
        x, y = r.caption_xy
        for reg in regions:
            box = (reg.x * w, reg.y * h, (reg.x + reg.w) * w, (reg.y + reg.h) * h)
            assert not (x < box[2] and box[0] < x + cw and y < box[3] and box[1] < y + ch), (spec.scene.index, r.caption_xy)


def _overlaps(r, regions, size) -> bool:
    w, h = size
    ch, cw = r.caption.shape[:2]
    x, y = r.caption_xy
    return any(x < (g.x + g.w) * w and g.x * w < x + cw and y < (g.y + g.h) * h and g.y * h < y + ch
               for g in regions)


@pytest.mark.parametrize("crowded, expect", [
    # a HUD leaves only a thin strip free: the caption shrinks to fit it
    ([TextRegion(x=0.0, y=0.0, w=1.0, h=0.52), TextRegion(x=0.0, y=0.78, w=1.0, h=0.22)], "shrunk"),
    # host text everywhere: no caption at all rather than one over the host's text
    ([TextRegion(x=0.0, y=0.0, w=1.0, h=1.0, kind="overlay")], "left out"),
])
def test_captions_never_cover_host_text_when_it_leaves_no_room(tmp_path, crowded, expect):
    product, plan, _ = _pci_plan(tmp_path, regions=crowded)
    warnings: list[str] = []
    eff = effective_scenes(plan, product, None, None, set())
    specs = build_specs(plan, product, eff, frame_bounds([s for s, _ in eff], 6.0, FPS), warnings)
    r = SceneRenderer(specs[1], warnings)
    assert r.caption is None or not _overlaps(r, crowded, SIZE)
    assert any(expect in w for w in warnings), warnings
    if expect == "left out":
        assert r.caption is None
    else:
        assert r.caption is not None


def test_pcg_scenes_keep_their_digests(tmp_path):
    """Backdrop and avoid fields only enter a scene's digest when set: PCG caches stay valid."""
    product = make_product(tmp_path / "assets")
    plan = make_plan(product, tmp_path / "assets")
    eff = effective_scenes(plan, product, None, None, set())
    specs = build_specs(plan, product, eff, frame_bounds([s for s, _ in eff], 4.0, 8), [])
    assert all("backdrop" not in s.own_key() and "avoid" not in s.own_key() for s in specs)


def test_missing_start_frame_is_a_warning_not_a_crash(tmp_path):
    product, plan, _ = _pci_plan(tmp_path)
    plan = plan.model_copy(update={"integration": plan.integration.model_copy(update={"start_frame_path": None})})
    creative = render_creative(plan, product, tmp_path / "out")
    assert any("no host start frame" in w for w in creative.warnings)


@pytest.mark.parametrize("moving", [False])
def test_host_frame_is_not_shaded(tmp_path, moving):
    product, plan, start = _pci_plan(tmp_path)
    eff = effective_scenes(plan, product, None, None, set())
    specs = build_specs(plan, product, eff, frame_bounds([s for s, _ in eff], 6.0, FPS), [])
    last = SceneRenderer(specs[2], []).content(specs[2].frames - 1)
    assert _diff(last, start, rows=slice(0, None)) < 1.0
