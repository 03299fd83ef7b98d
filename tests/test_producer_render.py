"""Producer / compositor: rendered creatives, localized edits, templates, soundtrack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from producer_fixtures import make_plan, make_product  # noqa: E402

from agents.producer import produce  # noqa: E402
from nextads.schemas import RevisionDirective  # noqa: E402
from tools.compositor.render import build_specs, effective_scenes, frame_bounds  # noqa: E402
from tools.compositor.scene import SceneRenderer  # noqa: E402
from tools.media.encode import tag_provenance  # noqa: E402

SIZE = (144, 256)
FPS = 8
DURATION = 4.0  # 32 frames, three scenes


def decode(path: str) -> np.ndarray:
    gen = imageio_ffmpeg.read_frames(path)
    meta = next(gen)
    w, h = meta["size"]
    return np.stack([np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in gen])


def probe(path: str) -> str:
    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", path],
                         capture_output=True, text=True)
    return out.stderr


@pytest.fixture(scope="module")
def assets(tmp_path_factory):
    folder = tmp_path_factory.mktemp("assets")
    return folder, make_product(folder)


@pytest.fixture(scope="module")
def rendered(assets, tmp_path_factory):
    folder, product = assets
    plan = make_plan(product, folder, size=SIZE, fps=FPS, duration=DURATION)
    work = tmp_path_factory.mktemp("work")
    creative = produce(plan, product, work)
    return plan, product, work, creative, decode(creative.video_path)


def specs_for(plan, product):
    eff = effective_scenes(plan, product, None, None, set())
    bounds = frame_bounds([s for s, _ in eff], plan.storyboard.target_duration_s, plan.context.fps)
    return build_specs(plan, product, eff, bounds, [])


def test_creative_has_exact_frames_size_duration_and_audio(rendered):
    plan, _, _, creative, frames = rendered
    assert creative.frames == round(DURATION * FPS) == len(frames)
    assert frames.shape[1:] == (SIZE[1], SIZE[0], 3)
    assert creative.duration_s == pytest.approx(DURATION)
    assert sum(s.frames for s in creative.scenes) == creative.frames
    info = probe(creative.video_path)
    assert "Audio: aac" in info and creative.has_audio
    assert "AI Created" in info and plan.digest() in info  # MP4 metadata
    assert creative.rerendered == [0, 1, 2]


def test_label_on_first_middle_and_last_frame(rendered):
    plan, product, _, creative, frames = rendered
    specs = specs_for(plan, product)
    starts = [s.start_s for s in creative.scenes]
    for global_i in (0, len(frames) // 2, len(frames) - 1):
        k = max(i for i, st in enumerate(starts) if st * FPS <= global_i)
        local = global_i - round(starts[k] * FPS)
        r = SceneRenderer(specs[k])
        bare = r.content(local).astype(int)  # the same frame composed without the label
        x, y = r.label_xy
        box = (slice(y, y + r.label.h), slice(x, x + r.label.w))
        got = frames[global_i].astype(int)
        inside = np.abs(got[box] - bare[box]).mean()
        outside = np.abs(got[y + r.label.h + 4:, :] - bare[y + r.label.h + 4:, :]).mean()
        assert inside > 4 * outside + 10, (global_i, inside, outside)


def test_localized_edit_keeps_other_scenes_bit_identical(assets, tmp_path):
    folder, product = assets
    plan = make_plan(product, folder, size=SIZE, fps=FPS, duration=DURATION)
    # Cut into scene 2 so its frames do not depend on scene 1's last frame.
    sb = plan.storyboard.model_copy(deep=True)
    sb.scenes[2].transition = "cut"
    plan = plan.model_copy(update={"storyboard": sb})
    first = produce(plan, product, tmp_path)
    before = decode(first.video_path)
    directive = RevisionDirective(target="producer", level="execution", scope=[1], edit="recaption",
                                  remove_text=["Hot for 12 hours"], instruction="drop the claim",
                                  reason="compliance.claims: unverified")
    second = produce(plan, product, tmp_path, previous=first, directive=directive)
    after = decode(second.video_path)
    assert second.rerendered == [1]
    assert len(after) == len(before)
    for k in (0, 2):
        a, b = (round(first.scenes[k].start_s * FPS), round(first.scenes[k].end_s * FPS))
        assert np.array_equal(before[a:b], after[a:b]), f"scene {k} changed"
        assert second.scenes[k].path == first.scenes[k].path
    a, b = round(first.scenes[1].start_s * FPS), round(first.scenes[1].end_s * FPS)
    assert not np.array_equal(before[a:b], after[a:b])
    # The caption is gone: frames changed where the caption was, in scene 1's caption zone.
    diff = np.abs(before[b - 1].astype(int) - after[b - 1].astype(int)).sum(axis=2)
    strong = diff > 60  # ignore encoder noise
    lower = strong[int(SIZE[1] * 0.55):].sum()
    assert strong.sum() > 100 and lower / strong.sum() > 0.9, "change should be in the caption zone"
    # The edit persists on the next pass without a directive: nothing re-renders.
    third = produce(plan, product, tmp_path, previous=second)
    assert third.rerendered == [] and third.video_path == second.video_path


def test_transition_into_edited_scene_rerenders_the_next_scene(rendered, tmp_path):
    plan, product, _, first, _ = rendered  # scene 2 slides in from scene 1
    first = produce(plan, product, tmp_path)
    directive = RevisionDirective(target="producer", level="execution", scope=[1], edit="rerender",
                                  instruction="steadier", reason="utility.motion_smoothness")
    second = produce(plan, product, tmp_path, previous=first, directive=directive)
    assert second.rerendered == [1, 2]
    assert second.scenes[0].digest == first.scenes[0].digest
    assert second.scenes[1].digest != first.scenes[1].digest  # steadier variant


def test_templates_look_different(assets):
    folder, product = assets
    mids = {}
    for tpl in ("energetic", "calm", "playful"):
        plan = make_plan(product, folder, size=SIZE, fps=FPS, duration=DURATION, template=tpl)
        spec = specs_for(plan, product)[1]
        mids[tpl] = SceneRenderer(spec).content(spec.frames - 1).astype(int)
    names = list(mids)
    for i in range(3):
        for j in range(i + 1, 3):
            d = np.abs(mids[names[i]] - mids[names[j]]).mean()
            assert d > 12, (names[i], names[j], d)


def test_frame_bounds_sum_exactly():
    from nextads.schemas import Scene

    scenes = [Scene(index=i, start_s=i * 2.35, duration_s=2.35, purpose="body", visual="v") for i in range(3)]
    bounds = frame_bounds(scenes, 7.05, 24)
    assert sum(n for _, n in bounds) == round(7.05 * 24)
    assert all(n >= 1 for _, n in bounds)
    assert [f for f, _ in bounds] == sorted(f for f, _ in bounds)


def test_chinese_locale_is_silent_with_warning_and_cjk_captions(assets, tmp_path):
    folder, product = assets
    texts = [("hook", "冬天喝热茶", "冬天喝热茶", ["hero"], "static", "cut"),
             ("cta", "立即购买", "立即购买", ["hero"], "static", "cut")]
    plan = make_plan(product, folder, size=SIZE, fps=FPS, duration=2.0, n_scenes=2, locale="zh-CN", texts=texts)
    creative = produce(plan, product, tmp_path)
    assert creative.narration == "silent"
    assert any(w.startswith("narration: silent") for w in creative.warnings)
    assert creative.has_audio and "Audio: aac" in probe(creative.video_path)
    r = SceneRenderer(specs_for(plan, product)[0])
    cap = r.caption
    assert cap is not None and cap.shape[1] > 40  # glyphs rendered, not an empty block


def test_tag_provenance_copies_streams_and_sets_metadata(rendered, tmp_path):
    _, _, _, creative, frames = rendered
    dst = tmp_path / "final.mp4"
    tag_provenance(creative.video_path, dst, {"label": "AI Created", "plan_digest": "abc123", "decision": "accept"})
    info = probe(str(dst))
    assert "abc123" in info and "AI Created" in info and "Audio: aac" in info
    assert np.array_equal(decode(str(dst)), frames)  # stream copy: pixels unchanged


def test_generate_video_tool_rejects_unknown_backend(rendered, tmp_path):
    from nextads.errors import InputError
    from tools.video import generate_video

    plan, product, _, _, _ = rendered
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(plan.model_dump_json())
    with pytest.raises(InputError):
        generate_video.invoke({"plan_path": str(plan_path), "product": product.model_dump_json(),
                               "work_dir": str(tmp_path), "backend": "nope"})


def test_generate_video_tool_accepts_demo_product_id(tmp_path):
    from nextads.catalog import DEMO_PRODUCT_IDS
    from tools.video import _load_product

    pid = DEMO_PRODUCT_IDS[0]
    assert _load_product(pid).product_id == pid == _load_product(f"demo:{pid}").product_id


def test_visuals_come_from_the_grounding_binding(assets, tmp_path):
    """Grounding replaced the storyboard's 'hero' (say its licence expired) with 'side' and
    bound a cue: the renderer shows the binding, and the binding is part of the digest."""
    from nextads.schemas import SceneBinding

    folder, product = assets
    plan = make_plan(product, folder, size=SIZE, fps=FPS, duration=DURATION)
    assert plan.storyboard.scenes[1].asset_refs == ["hero"]
    stale = specs_for(plan, product)
    assert [v.ref for v in stale[1].visuals] == ["hero"]  # no binding: storyboard refs

    bindings = [SceneBinding(scene_index=1, asset_ids=["side"], cue_ids=["c1"])]
    grounded = plan.model_copy(update={"grounding": plan.grounding.model_copy(update={"bindings": bindings})})
    specs = specs_for(grounded, product)
    assert [(v.kind, v.ref) for v in specs[1].visuals] == [("cue", "cue:c1"), ("product", "side")]
    assert specs[1].own_digest() != stale[1].own_digest()
    # Scenes without a binding keep their storyboard refs (and their digests).
    assert [v.ref for v in specs[0].visuals] == ["cue:c1"] and specs[0].digest() == stale[0].digest()
    # The cue is shown full bleed: the frame's left edge shows the cue photo's sky, not the
    # template background, and the product inset is the bound 'side' (a red disc), not 'hero'.
    bound, plain = SceneRenderer(specs[1]).content(0).astype(int), SceneRenderer(stale[1]).content(0).astype(int)
    edge = (slice(SIZE[1] // 3, SIZE[1] // 2), slice(0, 6))
    assert np.abs(bound[edge] - plain[edge]).mean() > 20
    red = (bound[..., 0] > 180) & (bound[..., 1] < 120) & (bound[..., 2] < 100)
    assert red.sum() > 100 and not ((plain[..., 0] > 180) & (plain[..., 1] < 120) & (plain[..., 2] < 100)).sum() > 100

    # A re-grounding alone (storyboard unchanged) re-renders the re-bound scene and the one
    # that slides in from it; scene 0 is reused as is.
    first = produce(plan, product, tmp_path)
    second = produce(grounded, product, tmp_path, previous=first)
    assert second.rerendered == [1, 2]
    assert second.scenes[0].path == first.scenes[0].path


def _portrait_spec(assets, tmp_path, template, refs, text, size=(720, 1280)):
    """A single body scene at phone resolution showing a square product photo."""
    from PIL import Image

    from nextads.schemas import Asset, License

    folder, product = assets
    square = tmp_path / "square.png"
    Image.new("RGB", (400, 400), (200, 40, 40)).save(square)
    product = product.model_copy(update={"assets": [*product.assets, Asset(
        id="square", kind="image", path=str(square), license=License(holder="Acme"))]})
    texts = [("body", text, text, refs, "static", "cut"), ("cta", "Get yours", "Get yours", ["hero"], "static", "cut")]
    plan = make_plan(product, folder, size=size, fps=FPS, duration=2.0, n_scenes=2, template=template, texts=texts)
    return specs_for(plan, product)[0]


@pytest.mark.parametrize("template", ["calm", "energetic", "playful"])
def test_portrait_product_is_the_hero_and_caption_is_phone_readable(assets, tmp_path, template):
    from tools.compositor.layout import PORTRAIT

    spec = _portrait_spec(assets, tmp_path, template, ["square"], "Keeps tea hot for twelve hours, every day")
    r = SceneRenderer(spec)
    frame = r.content(spec.frames - 1)
    red = (frame[..., 0] > 170) & (frame[..., 1] < 80) & (frame[..., 2] < 80)
    cols = np.nonzero(red.sum(axis=0) > 20)[0]
    share = (cols.max() - cols.min() + 1) / 720
    assert 0.72 <= share <= 0.88, share  # hero: ~75-85 % of the frame width
    rows = np.nonzero(red.sum(axis=1) > 20)[0]
    assert abs((cols.max() - cols.min()) - (rows.max() - rows.min())) <= 3  # square stays square
    # Caption: inside the safe zone, at most two lines, cap height >= ~40 px.
    x, y = r.caption_xy
    ch, cw = r.caption.shape[:2]
    assert y >= 1280 * PORTRAIT.top and y + ch <= 1280 * (1 - PORTRAIT.bottom) and 0 <= x and x + cw <= 720
    from tools.media.text_render import fit_text

    lines, fnt = fit_text(spec.scene.on_screen_text, r._caption_style(), r.layout.caption[2] - r.layout.caption[0])
    top, bottom = fnt.getbbox("H")[1], fnt.getbbox("H")[3]
    assert len(lines) <= 2 and bottom - top >= 39


def test_cue_scene_is_full_bleed_with_product_inset(assets, tmp_path):
    spec = _portrait_spec(assets, tmp_path, "calm", ["cue:c1", "square"], "Your morning")
    frame = SceneRenderer(spec).content(0)
    red = (frame[..., 0] > 170) & (frame[..., 1] < 80) & (frame[..., 2] < 80)
    cols = np.nonzero(red.sum(axis=0) > 10)[0]
    assert 0.3 <= (cols.max() - cols.min()) / 720 <= 0.6  # the product is an inset
    # The cue photo (a blue-green sky gradient) fills the frame edge to edge.
    assert frame[400, :20, 2].mean() > frame[400, :20, 0].mean() + 30


def test_landscape_puts_product_left_and_caption_right(assets, tmp_path):
    spec = _portrait_spec(assets, tmp_path, "energetic", ["square"], "Hot for 12 hours", size=(1280, 720))
    r = SceneRenderer(spec)
    frame = r.content(spec.frames - 1)
    red = (frame[..., 0] > 170) & (frame[..., 1] < 80) & (frame[..., 2] < 80)
    cols = np.nonzero(red.sum(axis=0) > 20)[0]
    assert cols.max() <= 1280 * 0.56 and (cols.min() + cols.max()) / 2 < 1280 * 0.35
    assert r.caption_xy[0] >= 1280 * 0.55


def test_still_scene_repeats_its_settled_frame(assets, tmp_path):
    spec = _portrait_spec(assets, tmp_path, "calm", ["square"], "Hot", size=SIZE)
    frames = [f.copy() for f in SceneRenderer(spec).frames()]
    assert not np.array_equal(frames[0], frames[-1])  # the caption fades in ...
    assert np.array_equal(frames[-2], frames[-1])  # ... then the frame holds
    bare = SceneRenderer(spec)
    assert np.array_equal(frames[-1], _with_label(bare, bare.content(spec.frames - 1)))


def _with_label(r, frame):
    r.label.blend_onto(frame, *r.label_xy)
    return frame


def test_end_card_logo_gets_a_plate_only_when_it_would_not_read():
    # A dark one-colour wordmark on a dark end-card background would vanish (found on
    # PCG-Bench: placeholder wordmarks on the energetic template); a legible one is left alone.
    import numpy as np
    from PIL import Image, ImageDraw

    from tools.compositor.scene import _back_if_illegible

    def wordmark(ink):
        im = Image.new("RGBA", (120, 40), (0, 0, 0, 0))
        ImageDraw.Draw(im).rectangle((10, 10, 110, 30), fill=(*ink, 255))
        return im

    dark_bg = Image.new("RGBA", (200, 100), (12, 14, 12, 255))
    _back_if_illegible(dark_bg, wordmark((30, 70, 50)), (40, 30))
    under = np.asarray(dark_bg.convert("L"))[30:70, 40:160]
    assert under.mean() > 150  # a light plate behind the dark logo

    untouched = Image.new("RGBA", (200, 100), (12, 14, 12, 255))
    _back_if_illegible(untouched, wordmark((250, 250, 250)), (40, 30))
    assert np.asarray(untouched.convert("L")).max() < 20  # a white logo on black reads: no plate
