"""The compositor backend: storyboard -> per-scene segments -> one MP4 with sound.

Each scene is encoded into its own segment file, named by a digest of everything that
affects its frames (adjacent scenes through one x264 process that cuts the files itself).
Segments whose digest is unchanged are reused byte for byte, so a localized edit
re-renders only the scenes it touches; segments are then stream-copied into one file
(every segment starts on an IDR frame and shares the encoder parameters) and muxed with
the narration/music soundtrack.

Producer edits (directive.target == "producer") act on the directive's scenes:
  rerender  — render again as a steadier variant (half the camera motion, larger product);
  recaption — drop `directive.remove_text` phrases from the caption and narration;
  retime    — re-conform the scene to the plan's timeline and serving context;
  trim      — cut the scene down to its safe core: product only, no text, no voice, still camera.
Edits persist across later passes through a JSON sidecar beside each segment, as long as
the plan's version of the scene does not change (a Director rewrite starts it afresh).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from nextads.schemas import (
    Creative, CreativePlan, Product, RenderedScene, RevisionDirective, Scene, SceneBinding,
)
from nextads.settings import get_settings
from tools.compositor.backdrop import Backdrop, still_backdrop
from tools.compositor.scene import LABEL_TEXT, SceneRenderer, SceneSpec, Visual
from tools.media import audio as soundtrack
from tools.media.encode import FrameEncoder, SegmentedEncoder, atomic_output, concat_segments, mux_audio

BACKEND = "compositor"
SEGMENTS_DIR = "segments"
AUDIO_DIR = "audio"
IMAGE_KINDS = ("image", "video")
HOST_FRAME_REF = "host:start"  # PCI: the host's frame at the integration point, full frame
AVOID_MARGIN = 0.02  # captions keep this share of the frame clear around host text

# A backend's per-scene backdrops: (effective scenes, frame bounds, warnings) -> {scene: Backdrop}.
BackdropSource = Callable[[list[tuple[Scene, int]], list[tuple[int, int]], list[str]], dict[int, Backdrop]]


# ---------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------


def frame_bounds(scenes: list[Scene], total_s: float, fps: int) -> list[tuple[int, int]]:
    """(first frame, frame count) per scene; counts sum to round(total_s * fps) exactly and
    every scene keeps at least one frame."""
    total, n = round(total_s * fps), len(scenes)
    starts: list[int] = []
    for k, s in enumerate(scenes):
        lo = starts[-1] + 1 if starts else 0
        starts.append(min(max(round(s.start_s * fps), lo), total - (n - k)))
    starts.append(total)
    return [(starts[k], starts[k + 1] - starts[k]) for k in range(n)]


# ---------------------------------------------------------------------------
# Producer edits
# ---------------------------------------------------------------------------


def directive_scope(plan: CreativePlan, directive: RevisionDirective | None, scenes: list[int] | None) -> set[int]:
    """Scenes this pass must render regardless of their digest."""
    n = len(plan.storyboard.scenes)
    forced = {k for k in (scenes or []) if 0 <= k < n}
    if directive is not None and directive.target == "producer":
        scope = list(directive.scope)
        if not scope and directive.time_range is not None:
            scope = plan.storyboard.scenes_in(*directive.time_range)
        forced |= {k for k in (scope or range(n)) if 0 <= k < n}
    return forced


def _remove_phrases(text: str, phrases: list[str]) -> str:
    for p in phrases:
        if p.strip():
            text = re.sub(re.escape(p.strip()), "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+([,.!?;:，。！？])", r"\1", text)
    text = re.sub(r"^[\s,.;:，。、-]+", "", re.sub(r"\s{2,}", " ", text))
    return text.strip()


def apply_edit(scene: Scene, variant: int, directive: RevisionDirective, product: Product) -> tuple[Scene, int]:
    """The scene after one producer edit, and its render variant."""
    edit = directive.edit or "rerender"
    if edit == "recaption":
        return scene.model_copy(update={
            "on_screen_text": _remove_phrases(scene.on_screen_text, directive.remove_text),
            "narration": _remove_phrases(scene.narration, directive.remove_text),
        }), variant
    if edit == "trim":
        keep = [r for r in scene.asset_refs if (a := product.asset(r)) is not None and a.kind in IMAGE_KINDS]
        if not keep:
            keep = [a.id for a in product.assets if a.kind == "image"][:1]
        return scene.model_copy(update={"on_screen_text": "", "narration": "", "asset_refs": keep,
                                        "camera": "static"}), variant
    if edit == "rerender":
        return scene, variant + 1
    return scene, variant  # retime: re-conformed from the plan's timeline


@dataclass
class _Prior:
    scene: Scene
    variant: int


def _sidecar(segment: str | Path) -> Path:
    return Path(segment).with_suffix(".json")


def scene_source(plan: CreativePlan, k: int) -> dict:
    """What the Director decided for scene k: the storyboard scene and its grounding binding.
    A change to either (a rewrite, a re-grounding) starts the scene's edits afresh."""
    scene = plan.storyboard.scenes[k]
    binding = scene_binding(plan, scene.index)
    return {"scene": scene.model_dump(mode="json"),
            "binding": binding.model_dump(mode="json") if binding is not None else None}


def _prior_state(previous: Creative | None, k: int, source: dict) -> _Prior | None:
    """The edited state of scene k in the previous pass, if the plan's scene is unchanged."""
    if previous is None or k >= len(previous.scenes):
        return None
    side = _sidecar(previous.scenes[k].path)
    try:
        data = json.loads(side.read_text())
    except (OSError, ValueError):
        return None
    if data.get("source") != source:
        return None
    return _Prior(Scene.model_validate(data["scene"]), int(data.get("variant", 0)))


def effective_scenes(plan: CreativePlan, product: Product, previous: Creative | None,
                     directive: RevisionDirective | None, forced: set[int]) -> list[tuple[Scene, int]]:
    """(scene as it will be rendered, variant) for every scene of the plan; the scene's
    asset refs are its grounded visual sources, so edits such as trim act on those."""
    out = []
    for k, s in enumerate(plan.storyboard.scenes):
        prior = _prior_state(previous, k, scene_source(plan, k))
        scene, variant = (prior.scene, prior.variant) if prior else (grounded_scene(s, plan), 0)
        if directive is not None and directive.target == "producer" and k in forced:
            scene, variant = apply_edit(scene, variant, directive, product)
        out.append((scene, variant))
    return out


# ---------------------------------------------------------------------------
# Assets
# ---------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _sha_of(path: str, mtime_ns: int, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def file_sha(path: str) -> str:
    """Content hash of a file (cached by path, mtime and size); "missing" when absent."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return "missing"
    return _sha_of(str(p.resolve()), st.st_mtime_ns, st.st_size)


def scene_binding(plan: CreativePlan, index: int) -> SceneBinding | None:
    """The grounding's binding for scene `index`, if grounding bound it."""
    return next((b for b in plan.grounding.bindings if b.scene_index == index), None)


def visual_refs(scene: Scene, plan: CreativePlan) -> list[str]:
    """The scene's visual sources: the grounding's binding when there is one (it replaces
    assets whose licences expired and resolves cue fallbacks), else the storyboard's refs."""
    binding = scene_binding(plan, scene.index)
    if binding is None:
        return list(scene.asset_refs)
    # Neither the collage nor the PCI host frame is a licensed asset, so bindings never
    # list them; a scene that asked for them keeps them.
    kept = [r for r in ("collage", HOST_FRAME_REF) if r in scene.asset_refs]
    return [*(f"cue:{c}" for c in binding.cue_ids), *kept, *binding.asset_ids]


def grounded_scene(scene: Scene, plan: CreativePlan) -> Scene:
    """The plan's scene with its asset refs replaced by its grounded visual sources."""
    refs = visual_refs(scene, plan)
    return scene if refs == scene.asset_refs else scene.model_copy(update={"asset_refs": refs})


def resolve_visuals(scene: Scene, plan: CreativePlan, product: Product, warnings: list[str]) -> tuple[Visual, ...]:
    """Grounded asset refs (see `grounded_scene`) -> files: product assets, "collage",
    "cue:<id>". Unlicensed or unknown refs are skipped with a warning (never shown)."""
    g = plan.grounding
    out = []
    for ref in scene.asset_refs:
        if ref == HOST_FRAME_REF:
            continue  # not a visual on the plate: the scene's backdrop (see `host_backdrop`)
        if ref == "collage":
            if g.collage_path:
                out.append(Visual("collage", ref, g.collage_path, file_sha(g.collage_path)))
            else:
                warnings.append(f"scene {scene.index}: no collage to show")
            continue
        if ref.startswith("cue:"):
            cue = next((c for c in g.cues if c.id in (ref, ref[4:])), None)
            if cue is None:
                warnings.append(f"scene {scene.index}: unknown visual cue '{ref}'")
            else:
                out.append(Visual("cue", ref, cue.path, file_sha(cue.path)))
            continue
        if ref in g.rejected_assets:
            warnings.append(f"scene {scene.index}: asset '{ref}' not shown ({g.rejected_assets[ref]})")
            continue
        asset = product.asset(ref)
        if asset is None:
            warnings.append(f"scene {scene.index}: unknown asset '{ref}'")
        elif asset.kind in IMAGE_KINDS or asset.kind == "logo":
            kind = "logo" if asset.kind == "logo" else "product"
            out.append(Visual(kind, ref, asset.path, file_sha(asset.path)))
    return tuple(out)


def brand_logo(plan: CreativePlan, product: Product) -> Visual | None:
    logo = next((a for a in product.assets if a.kind == "logo" and a.id not in plan.grounding.rejected_assets), None)
    return Visual("logo", logo.id, logo.path, file_sha(logo.path)) if logo else None


def creative_palette(plan: CreativePlan, product: Product) -> tuple[str, ...]:
    return tuple(plan.grounding.palette or product.brand_colors or plan.profile.visual.palette)


def host_backdrop(scene: Scene, plan: CreativePlan, warnings: list[str]) -> Backdrop | None:
    """PCI: a scene listing "host:start" shows the host's frame at the integration point
    full frame and unshaded, so the segment starts from it and returns to it seamlessly."""
    if HOST_FRAME_REF not in scene.asset_refs:
        return None
    path = plan.integration.start_frame_path if plan.integration is not None else None
    if not path or file_sha(path) == "missing":
        warnings.append(f"scene {scene.index}: no host start frame to show")
        return None
    return still_backdrop(path, file_sha(path), shade=False)


def caption_avoid(plan: CreativePlan) -> tuple[tuple[int, int, int, int], ...]:
    """PCI: pixel boxes of the host's burned-in subtitles and overlays, with a margin; captions
    keep clear of them (text that is part of the filmed scene, e.g. a letter, is not avoided)."""
    if plan.host is None:
        return ()
    w, h = plan.context.size
    m = AVOID_MARGIN
    return tuple(
        (max(0, round((r.x - m) * w)), max(0, round((r.y - m) * h)),
         min(w, round((r.x + r.w + m) * w)), min(h, round((r.y + r.h + m) * h)))
        for r in plan.host.text_regions if r.kind != "scene")  # text inside the picture is not an overlay


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def build_specs(plan: CreativePlan, product: Product, scenes: list[tuple[Scene, int]],
                bounds: list[tuple[int, int]], warnings: list[str]) -> list[SceneSpec]:
    sb, ctx = plan.storyboard, plan.context
    logo = brand_logo(plan, product)
    palette = creative_palette(plan, product)
    avoid = caption_avoid(plan)
    specs: list[SceneSpec] = []
    for k, ((scene, variant), (_, n)) in enumerate(zip(scenes, bounds)):
        spec = SceneSpec(
            scene=scene, frames=n, fps=ctx.fps, size=ctx.size, template=sb.template, palette=palette,
            locale=sb.locale or ctx.locale, palette_roles=bool(plan.grounding.palette), visuals=resolve_visuals(scene, plan, product, warnings),
            logo=logo, product_name=product.name, slogan=product.slogan, cta=sb.cta, variant=variant,
            label=LABEL_TEXT, binding=scene_binding(plan, scene.index),
            backdrop=host_backdrop(scene, plan, warnings), avoid=avoid,
        )
        # The first scene always opens on a cut: its first frame is the thumbnail and the hook.
        if k > 0 and scene.transition != "cut":
            spec = SceneSpec(**{**spec.__dict__, "prev": specs[-1]})
        specs.append(spec)
    return specs


def consecutive_runs(jobs: list[tuple[int, Path]]) -> list[list[tuple[int, Path]]]:
    """Split jobs (in timeline order) into runs of adjacent scenes: each run is one encoder."""
    runs: list[list[tuple[int, Path]]] = []
    for job in jobs:
        if runs and runs[-1][-1][0] + 1 == job[0]:
            runs[-1].append(job)
        else:
            runs.append([job])
    return runs


def _open_encoder(stack: contextlib.ExitStack, specs: list[SceneSpec], run: list[tuple[int, Path]]) -> FrameEncoder:
    """The encoder for a run, entered on `stack`: one scene alone writes a temp file renamed
    into place when the stack closes; several adjacent scenes share one x264 process that
    cuts a segment file per scene (and renames them itself)."""
    first = specs[run[0][0]]
    if len(run) == 1:
        tmp = stack.enter_context(atomic_output(run[0][1]))
        return stack.enter_context(FrameEncoder(tmp, first.size, first.fps))
    return stack.enter_context(SegmentedEncoder([path for _, path in run], [specs[k].frames for k, _ in run],
                                                first.size, first.fps))


def _finish_run(stack: contextlib.ExitStack, enc: FrameEncoder, expected: int) -> None:
    """Wait for the run's encoder, then move its files into place (closer thread)."""
    with stack:
        if enc.frames != expected:
            raise RuntimeError(f"wrote {enc.frames} frames, expected {expected}")


@contextlib.contextmanager
def single_threaded_opencv():
    """OpenCV on one thread while segments encode: x264 already keeps every core busy, and
    splitting each resize across threads then only adds synchronisation (about 20% more
    CPU a frame, measured on 2 cores)."""
    import cv2

    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def render_segments(specs: list[SceneSpec], jobs: list[tuple[int, Path]], warnings: list[str]) -> None:
    """Encode scenes `jobs` ((index, path), in timeline order), each with the transition
    from its predecessor, atomically.

    Adjacent scenes share one x264 process that cuts a segment file per scene
    (`SegmentedEncoder`): a full render runs one encoder, not one per scene, which saves
    each segment's encoder start-up and flush. A segment written this way is
    interchangeable with one written alone (same parameters, starts on an IDR frame), so
    a localized edit re-encodes only its scenes and concatenates them with reused files.

    Pipelined: a run's ffmpeg starts before its first scene is prepared (encoder start-up
    overlaps plate building), its end-of-stream flush is awaited by a closer thread while
    the next run is prepared and composed, and the last frame a transition needs is kept
    from the scene just rendered instead of preparing that scene again. (Measured slower:
    preparing the next scene on a worker thread, for GIL contention with composition; and
    one ffmpeg feeding a separate encoder per segment through split/trim outputs.)
    """
    last_frames: dict[int, np.ndarray] = {}
    pending: list[Future] = []
    with single_threaded_opencv(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="segment-closer") as closer:
        try:
            for run in consecutive_runs(jobs):
                with contextlib.ExitStack() as stack:
                    enc = _open_encoder(stack, specs, run)
                    for k, _ in run:
                        spec = specs[k]
                        prev_last = None
                        if spec.prev is not None:
                            prev_last = last_frames.pop(k - 1, None)
                            if prev_last is None:
                                prev_last = SceneRenderer(spec.prev, []).content(spec.prev.frames - 1)
                        renderer = SceneRenderer(spec, warnings)  # while ffmpeg starts up / encodes
                        before = enc.frames
                        for frame in renderer.frames(prev_last):
                            enc.write(frame)
                        if enc.frames - before != spec.frames:
                            raise RuntimeError(f"scene {spec.scene.index}: wrote {enc.frames - before} frames, "
                                               f"expected {spec.frames}")
                        if k + 1 < len(specs) and specs[k + 1].prev is not None:
                            last_frames[k] = renderer.content(spec.frames - 1)
                    expected = sum(specs[k].frames for k, _ in run)
                    pending.append(closer.submit(_finish_run, stack.pop_all(), enc, expected))
        finally:
            for f in pending:
                f.exception()  # let every encoder settle before surfacing the first failure
    for f in pending:
        f.result()


def render_segment(spec: SceneSpec, path: Path, warnings: list[str]) -> None:
    """Encode one scene (with the transition from its predecessor) to `path`, atomically."""
    render_segments([spec], [(0, path)], warnings) if spec.prev is None else \
        render_segments([spec.prev, spec], [(1, path)], warnings)


def _segment_ok(path: Path, digest: str, frames: int) -> bool:
    try:
        data = json.loads(_sidecar(path).read_text())
    except (OSError, ValueError):
        return False
    return path.exists() and data.get("digest") == digest and data.get("frames") == frames


def with_backdrops(specs: list[SceneSpec], backdrops: dict[int, Backdrop]) -> list[SceneSpec]:
    """Specs with backdrops attached, re-linked so transitions hash the new specs."""
    out: list[SceneSpec] = []
    for k, spec in enumerate(specs):
        fields = {**spec.__dict__, "prev": out[-1] if spec.prev is not None else None}
        if k in backdrops:
            fields["backdrop"] = backdrops[k]
        out.append(SceneSpec(**fields))
    return out


def render_creative(plan: CreativePlan, product: Product, work_dir: str | Path, *,
                    previous: Creative | None = None, directive: RevisionDirective | None = None,
                    scenes: list[int] | None = None, backdrops: BackdropSource | None = None,
                    backend: str = BACKEND) -> Creative:
    """Render (or incrementally re-render) the plan into `work_dir`; returns the Creative.

    `backdrops` lets a generated-video backend put its clips behind chosen scenes (see
    tools/backends/finishing.py); everything else is the compositor's."""
    work = Path(work_dir)
    seg_dir = work / SEGMENTS_DIR
    seg_dir.mkdir(parents=True, exist_ok=True)
    sb, ctx = plan.storyboard, plan.context
    warnings: list[str] = []
    forced = directive_scope(plan, directive, scenes)
    eff = effective_scenes(plan, product, previous, directive, forced)
    bounds = frame_bounds([s for s, _ in eff], sb.target_duration_s, ctx.fps)
    specs = build_specs(plan, product, eff, bounds, warnings)
    if backdrops is not None:
        specs = with_backdrops(specs, backdrops(eff, bounds, warnings))

    paths = [seg_dir / f"scene_{k}_{spec.digest()}.mp4" for k, spec in enumerate(specs)]
    rerendered = [k for k, spec in enumerate(specs)
                  if k in forced or not _segment_ok(paths[k], spec.digest(), spec.frames)]
    render_segments(specs, [(k, paths[k]) for k in rerendered], warnings)

    return assemble_creative(plan, specs, paths, bounds, eff, work, warnings, rerendered, backend=backend)


def assemble_creative(plan: CreativePlan, specs: list[SceneSpec], paths: list[Path], bounds: list[tuple[int, int]],
                      eff: list, work: Path, warnings: list[str], rerendered: list[int], *,
                      backend: str = BACKEND) -> Creative:
    """Segment sidecars, soundtrack, concat, mux and label tags: the tail of every render."""
    ctx, sb = plan.context, plan.storyboard
    rendered_scenes: list[RenderedScene] = []
    for k, spec in enumerate(specs):
        digest, path = spec.digest(), paths[k]
        _sidecar(path).write_text(json.dumps({
            "digest": digest, "frames": spec.frames, "variant": spec.variant,
            "source": scene_source(plan, k),
            "scene": spec.scene.model_dump(mode="json"),
            "backdrop": Path(spec.backdrop.path).name if spec.backdrop is not None else None,
        }, ensure_ascii=False, sort_keys=True))
        first, n = bounds[k]
        rendered_scenes.append(RenderedScene(index=k, start_s=first / ctx.fps, end_s=(first + n) / ctx.fps,
                                             frames=n, digest=digest, path=str(path.resolve())))

    total_frames = sum(n for _, n in bounds)
    duration = total_frames / ctx.fps
    st = soundtrack.build_soundtrack(
        [soundtrack.Cue(s.narration, r.start_s, r.end_s - r.start_s) for (s, _), r in zip(eff, rendered_scenes)],
        duration, lang=sb.locale or ctx.locale, mood=sb.template, narrate=get_settings().narration,
        cache_dir=work / AUDIO_DIR)
    warnings.extend(st.warnings)

    plan_digest = plan.digest()
    audio_sha = hashlib.sha256(st.samples.tobytes()).hexdigest()[:16]
    salt = [] if backend == BACKEND else [backend]  # compositor names stay as they were
    name = hashlib.sha256(
        json.dumps([*salt, plan_digest, audio_sha, [r.digest for r in rendered_scenes]]).encode()).hexdigest()[:12]
    video = work / f"creative_{name}.mp4"
    if not video.exists():
        wav = soundtrack.write_wav(work / AUDIO_DIR / f"soundtrack_{audio_sha}.wav", st.samples, st.sample_rate)
        silent = work / f".video_{name}.mp4"
        made_with = "" if backend == BACKEND else f" ({backend})"
        try:
            concat_segments([r.path for r in rendered_scenes], silent)
            mux_audio(silent, wav, video, metadata={
                "comment": f"{LABEL_TEXT}; generator=NextAds{made_with}; plan_digest={plan_digest}",
                "description": f"{LABEL_TEXT} by NextAds{made_with} (plan {plan_digest})",
                "title": LABEL_TEXT,
            })
        finally:
            silent.unlink(missing_ok=True)
    w, h = ctx.size
    return Creative(
        video_path=str(video.resolve()), plan_digest=plan_digest, backend=backend, width=w, height=h,
        fps=ctx.fps, duration_s=duration, frames=total_frames, scenes=rendered_scenes, has_audio=True,
        narration=st.narration, label=LABEL_TEXT, rerendered=rerendered, warnings=list(dict.fromkeys(warnings)),
    )
