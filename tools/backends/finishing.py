"""The finishing stage shared by every generated-video backend (diffusers, Sora, Veo).

A generated clip takes the place of the compositor's background plate: the clip plays full
bleed behind the scene (as a user's cue photo does), and everything else comes from the
compositor unchanged — caption and its entrance, logo, the bound product as an inset card,
transitions, the end card, narration and music, the "AI Created" label, segment caching and
localized edits. So every backend's creative is built, labelled and verified the same way.

Per scene: a `ClipRequest` (prompt from the storyboard and the profile's look, the reference
collage as the conditioning image, the scene's duration) goes to the backend's
`ClipGenerator`, which writes an MP4; clips are cached in ``work_dir/clips`` by a digest of
the request and the generator's fingerprint, so a localized edit regenerates only the scenes
it touches. The CTA scene is the compositor's end card (logo, name, slogan, button): brand
elements there are never left to a generative model. A scene whose generation fails is
rendered by the compositor instead, with a warning on the Creative.

Compositor hook this module would use if it existed: ``render_creative(...,
renderer=SceneRenderer, specs=None, backend=BACKEND)`` (a per-scene renderer factory and a
specs post-processor). Without it, `_render_segments` and `finish_creative` follow
``tools.compositor.render.render_segments`` / ``render_creative`` step for step, reusing
their timeline, edit, grounding, soundtrack and muxing functions.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from nextads.schemas import Creative, CreativePlan, Product, RevisionDirective, Scene
from nextads.settings import get_settings
from tools.compositor.layers import Overlay, backdrop_photo
from tools.compositor.render import (
    SEGMENTS_DIR, _segment_ok, assemble_creative, build_specs, directive_scope, effective_scenes, file_sha,
    frame_bounds,
)
from tools.compositor.scene import SceneRenderer, SceneSpec
from tools.media.encode import FrameEncoder, atomic_output
from tools.media.probe import iter_frames, probe

CLIPS_DIR = "clips"
# Bump when the finishing of generated clips changes: invalidates cached segments.
FINISHING_VERSION = "finishing-1"
# Generated clips carry no text or marks of their own: the finishing stage adds the real ones.
NEGATIVE_PROMPT = ("text, captions, subtitles, watermark, logo, letters, low quality, blurry, distorted, "
                   "deformed hands, extra limbs, static frame")
CAMERA_WORDS = {
    "static": "locked-off static camera", "push_in": "slow push-in", "pull_out": "slow pull-out",
    "pan_left": "slow pan to the left", "pan_right": "slow pan to the right",
    "tilt_up": "slow tilt up", "tilt_down": "slow tilt down",
}
TEMPLATE_WORDS = {
    "energetic": "dynamic, punchy, high energy",
    "calm": "calm, airy, unhurried",
    "playful": "playful, bright, cheerful",
}
LIGHTING_WORDS = {"bright": "bright light", "soft": "soft diffused light", "dim": "dim moody light",
                  "high_contrast": "high-contrast light"}


class ClipGenerationError(RuntimeError):
    """A backend could not produce a clip (failed job, timeout, bad output)."""


@dataclass(frozen=True)
class ClipRequest:
    """What one scene asks a generator for."""

    scene_index: int
    prompt: str
    negative_prompt: str
    image_path: str | None  # conditioning image (the reference collage), if any
    duration_s: float
    size: tuple[int, int]  # the creative's (width, height): generators pick their nearest size
    fps: int  # the creative's frame rate
    seed: int

    def key(self) -> dict:
        """Everything that determines the clip (the image by content, not by path)."""
        return {"prompt": self.prompt, "negative": self.negative_prompt, "duration": round(self.duration_s, 3),
                "image": file_sha(self.image_path) if self.image_path else None, "size": list(self.size),
                "fps": self.fps, "seed": self.seed}

    @property
    def portrait(self) -> bool:
        return self.size[1] > self.size[0]


class ClipGenerator(ABC):
    """A text/image-to-video model behind one call: request -> MP4 at `dst`."""

    backend: str = "generated"

    @abstractmethod
    def fingerprint(self) -> dict:
        """Model and sampling settings that change the clips (part of the cache key)."""

    @abstractmethod
    def generate(self, request: ClipRequest, dst: Path) -> None:
        """Write the clip for `request` to `dst` (MP4); raise ClipGenerationError on failure."""


# ---------------------------------------------------------------------------
# Prompts
# ---------------------------------------------------------------------------


def scene_prompt(scene: Scene, plan: CreativePlan, product: Product) -> str:
    """One prompt per scene: what the scene shows, how the camera moves, and the creative's
    look (template mood, the user's preferred lighting, warmth, texture and style)."""
    vis = plan.profile.visual
    look = [TEMPLATE_WORDS.get(plan.storyboard.template, ""), LIGHTING_WORDS.get(vis.lighting, ""),
            f"{vis.warmth} colour temperature" if vis.warmth != "neutral" else "",
            f"{vis.texture} texture", f"{vis.artistic_style} style"]
    subject = f"{product.name} by {product.brand}" if product.brand else product.name
    parts = [scene.visual.strip().rstrip("."), f"featuring {subject}" if subject else "",
             CAMERA_WORDS.get(scene.camera, ""), ", ".join(w for w in look if w),
             "vertical 9:16 advertising video" if plan.context.size[1] > plan.context.size[0]
             else "advertising video", "no on-screen text"]
    return ". ".join(p for p in parts if p) + "."


def conditioning_image(scene: Scene, plan: CreativePlan, product: Product) -> str | None:
    """The reference collage (product + user-preferred elements); else the scene's first
    licensed product image."""
    collage = plan.grounding.collage_path
    if collage and Path(collage).exists():
        return collage
    for ref in scene.asset_refs:
        asset = product.asset(ref)
        if asset is not None and asset.kind == "image" and ref not in plan.grounding.rejected_assets:
            return asset.path
    return None


def clip_request(scene: Scene, variant: int, n_frames: int, plan: CreativePlan, product: Product) -> ClipRequest:
    """The request for one scene; a forced re-render (variant) draws a new seed."""
    ctx = plan.context
    return ClipRequest(scene_index=scene.index, prompt=scene_prompt(scene, plan, product),
                       negative_prompt=NEGATIVE_PROMPT, image_path=conditioning_image(scene, plan, product),
                       duration_s=n_frames / ctx.fps, size=ctx.size, fps=ctx.fps,
                       seed=get_settings().diffusers_seed + 1009 * scene.index + variant)


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def ensure_clip(generator: ClipGenerator, request: ClipRequest, clips_dir: Path) -> Path:
    """The cached clip for `request`, generating it (atomically) when absent."""
    path = clips_dir / f"{generator.backend}_{_digest([generator.fingerprint(), request.key()])}.mp4"
    if not path.exists():
        with atomic_output(path) as tmp:
            generator.generate(request, tmp)
            if not tmp.exists() or tmp.stat().st_size == 0:
                raise ClipGenerationError(f"{generator.backend} wrote no clip for scene {request.scene_index}")
    return path


def write_clip(frames: np.ndarray, dst: Path, fps: float) -> None:
    """Encode generated frames ((n, h, w, 3) uint8 or float in [0, 1]) as an MP4 clip."""
    if frames.dtype != np.uint8:
        frames = (np.clip(frames, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    n, h, w = frames.shape[:3]
    even = frames[:, : h - h % 2, : w - w % 2]  # x264's yuv420p needs even sizes
    with FrameEncoder(dst, (even.shape[2], even.shape[1]), fps) as enc:
        for f in even:
            enc.write(np.ascontiguousarray(f))


# ---------------------------------------------------------------------------
# Clip plates
# ---------------------------------------------------------------------------


def pingpong(j: int, m: int) -> int:
    """Clip frame index for step j of a clip of m frames played forth and back: a clip
    shorter than its scene keeps moving smoothly instead of jumping back to its start."""
    if m <= 1:
        return 0
    period = 2 * (m - 1)
    p = j % period
    return p if p < m else period - p


class ClipPlate:
    """A generated clip as a scene's full-bleed backdrop, timed to the scene's frames."""

    def __init__(self, path: str | Path, size: tuple[int, int], fps: int, duration_s: float):
        self.size, self.fps = size, fps
        info = probe(path, count_frames=False)
        self.clip_fps = info.fps or fps
        # Only the part the scene shows is decoded (at most the frame's size): memory stays
        # bounded by the scene, not by the clip a hosted API chose to return.
        self.frames = list(iter_frames(path, max_side=max(size), end_s=duration_s + 2 / self.clip_fps, info=info))
        if not self.frames:
            raise ClipGenerationError(f"clip {path} has no frames")

    def index(self, i: int) -> int:
        """Clip frame shown at scene frame i (by time; ping-pong past the clip's end)."""
        return pingpong(int(i / self.fps * self.clip_fps + 1e-6), len(self.frames))

    def frame(self, i: int) -> np.ndarray:
        """Scene frame i's backdrop: cover-cropped to the frame and shaded under the label row
        and the caption zone exactly as a full-bleed user photo is."""
        w, h = self.size
        im = backdrop_photo(Image.fromarray(self.frames[self.index(i)]), w, h)
        return np.asarray(im.convert("RGB"), np.uint8)


@dataclass(frozen=True)
class ClipSceneSpec(SceneSpec):
    """A scene whose background is a generated clip."""

    clip_path: str = ""
    clip_sha: str = ""
    product_inset: bool = True

    def own_key(self) -> dict:
        return {**super().own_key(), "finishing": FINISHING_VERSION, "clip": self.clip_sha,
                "inset": self.product_inset}


class ClipSceneRenderer(SceneRenderer):
    """The compositor's scene renderer with a generated clip as the plate.

    The clip carries its own camera motion (the prompt asks for it), so the compositor's
    virtual camera is off; the product is shown as an inset card (as over a user's cue
    photo) when `product_inset`, and captions, logo and label are the compositor's own.
    """

    def __init__(self, spec: ClipSceneSpec, warnings: list[str] | None = None):
        self.clip = ClipPlate(spec.clip_path, spec.size, spec.fps, spec.frames / spec.fps)
        self.inset: Overlay | None = None
        super().__init__(spec, warnings)

    def _build_plate(self) -> np.ndarray:
        self.plate_wh, self.offset = self.spec.size, (0, 0)  # no virtual camera over a clip
        w, h = self.spec.size
        lay = self.layout
        products = self._images(("product", "collage"))
        self._build_caption(self.spec.scene.on_screen_text, lay.caption)
        box = lay.card
        if self.caption is not None and not lay.side_by_side:
            box = (box[0], box[1], box[2], min(box[3], self.caption_xy[1] - (lay.caption[1] - box[3])))
        if products and self.spec.product_inset:
            layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
            self._place_inset(layer, products[0], box)
            self.inset = Overlay.from_image(layer)
        self._build_logo()
        return self.clip.frame(0)

    def settled(self, i: int) -> bool:
        return False  # a clip moves on every frame

    def _camera(self, i: int, out: np.ndarray) -> np.ndarray:
        np.copyto(out, self.clip.frame(i))
        if self.inset is not None:
            self.inset.blend_onto(out, 0, 0)
        return out


def scene_renderer(spec: SceneSpec, warnings: list[str]) -> SceneRenderer:
    """The renderer for a spec: a clip plate when the scene has a generated clip."""
    if isinstance(spec, ClipSceneSpec):
        return ClipSceneRenderer(spec, warnings)
    return SceneRenderer(spec, warnings)


# ---------------------------------------------------------------------------
# The finishing pass
# ---------------------------------------------------------------------------


def _render_segments(specs: list[SceneSpec], jobs: list[tuple[int, Path]], warnings: list[str]) -> None:
    """Encode scenes `jobs` ((index, path), in timeline order), each with the transition
    from its predecessor, atomically (the compositor's `render_segments` with
    `scene_renderer` as the renderer factory)."""
    last_frames: dict[int, np.ndarray] = {}
    for k, path in jobs:
        spec = specs[k]
        prev_last = None
        if spec.prev is not None:
            prev_last = last_frames.pop(k - 1, None)
            if prev_last is None:
                prev_last = scene_renderer(spec.prev, []).content(spec.prev.frames - 1).copy()
        with atomic_output(path) as tmp, FrameEncoder(tmp, spec.size, spec.fps) as enc:
            renderer = scene_renderer(spec, warnings)
            for frame in renderer.frames(prev_last):
                enc.write(frame)
            if k + 1 < len(specs) and specs[k + 1].prev is not None:
                last_frames[k] = renderer.content(spec.frames - 1).copy()
        if enc.frames != spec.frames:
            raise RuntimeError(f"scene {spec.scene.index}: wrote {enc.frames} frames, expected {spec.frames}")


def _with_clips(specs: list[SceneSpec], clips: dict[int, Path], inset: bool) -> list[SceneSpec]:
    """Specs with generated clips attached, re-linked so transitions hash the new specs."""
    out: list[SceneSpec] = []
    for k, spec in enumerate(specs):
        fields = {**spec.__dict__, "prev": out[-1] if spec.prev is not None else None}
        if k in clips:
            spec = ClipSceneSpec(**fields, clip_path=str(clips[k]), clip_sha=file_sha(str(clips[k])),
                                 product_inset=inset)
        else:
            spec = SceneSpec(**fields)
        out.append(spec)
    return out


def generate_clips(generator: ClipGenerator, plan: CreativePlan, product: Product,
                   scenes: list[tuple[Scene, int]], bounds: list[tuple[int, int]], clips_dir: Path,
                   warnings: list[str], on_clip: Callable[[int, Path], None] | None = None) -> dict[int, Path]:
    """Clip per non-end-card scene (cached); a failed scene is left to the compositor."""
    clips: dict[int, Path] = {}
    for k, ((scene, variant), (_, n)) in enumerate(zip(scenes, bounds)):
        if scene.purpose == "cta":
            continue  # the end card is the compositor's: logo, name, slogan, CTA button
        request = clip_request(scene, variant, n, plan, product)
        try:
            clips[k] = ensure_clip(generator, request, clips_dir)
        except ClipGenerationError as exc:
            warnings.append(f"scene {k}: {generator.backend} clip failed ({exc}); rendered by the compositor")
            continue
        if on_clip is not None:
            on_clip(k, clips[k])
    return clips


def finish_creative(generator: ClipGenerator, plan: CreativePlan, product: Product, work_dir: str | Path, *,
                    previous: Creative | None = None, directive: RevisionDirective | None = None,
                    scenes: list[int] | None = None) -> Creative:
    """Generate (or reuse) each scene's clip, finish every scene with the compositor's
    overlays, end card and soundtrack, and return the labelled Creative."""
    work = Path(work_dir)
    seg_dir = work / SEGMENTS_DIR
    seg_dir.mkdir(parents=True, exist_ok=True)
    sb, ctx = plan.storyboard, plan.context
    warnings: list[str] = []
    forced = directive_scope(plan, directive, scenes)
    eff = effective_scenes(plan, product, previous, directive, forced)
    bounds = frame_bounds([s for s, _ in eff], sb.target_duration_s, ctx.fps)
    clips = generate_clips(generator, plan, product, eff, bounds, work / CLIPS_DIR, warnings)
    specs = _with_clips(build_specs(plan, product, eff, bounds, warnings), clips,
                        get_settings().video_product_inset)

    paths = [seg_dir / f"scene_{k}_{spec.digest()}.mp4" for k, spec in enumerate(specs)]
    rerendered = [k for k, spec in enumerate(specs)
                  if k in forced or not _segment_ok(paths[k], spec.digest(), spec.frames)]
    _render_segments(specs, [(k, paths[k]) for k in rerendered], warnings)

    return assemble_creative(plan, specs, paths, bounds, eff, work, warnings, rerendered,
                             backend=generator.backend,
                             sidecar_extra={k: {"clip": clips[k].name if k in clips else None} for k in range(len(specs))})
