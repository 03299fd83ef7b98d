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

The clips reach the compositor as scene backdrops (tools/compositor/backdrop.py, the same
mechanism that shows the PCI host frame), through ``render_creative(..., backdrops=...)``.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nextads.schemas import Creative, CreativePlan, Product, RevisionDirective, Scene
from nextads.settings import get_settings
from tools.compositor.backdrop import Backdrop, pingpong  # noqa: F401 - pingpong re-exported for callers
from tools.compositor.render import HOST_FRAME_REF, file_sha, render_creative
from tools.media.encode import FrameEncoder, atomic_output

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
# The finishing pass
# ---------------------------------------------------------------------------


def generate_clips(generator: ClipGenerator, plan: CreativePlan, product: Product,
                   scenes: list[tuple[Scene, int]], bounds: list[tuple[int, int]], clips_dir: Path,
                   warnings: list[str], on_clip: Callable[[int, Path], None] | None = None) -> dict[int, Path]:
    """Clip per non-end-card scene (cached); a failed scene is left to the compositor."""
    clips: dict[int, Path] = {}
    for k, ((scene, variant), (_, n)) in enumerate(zip(scenes, bounds)):
        if scene.purpose == "cta" or HOST_FRAME_REF in scene.asset_refs:
            continue  # the end card is the compositor's (logo, name, slogan, CTA button); a PCI host frame is the host's
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
    """Generate (or reuse) each scene's clip and let the compositor render the creative with
    the clips as backdrops: its overlays, end card, soundtrack, label and segment caching."""
    inset = get_settings().video_product_inset

    def clip_backdrops(eff: list[tuple[Scene, int]], bounds: list[tuple[int, int]],
                       warnings: list[str]) -> dict[int, Backdrop]:
        clips = generate_clips(generator, plan, product, eff, bounds, Path(work_dir) / CLIPS_DIR, warnings)
        return {k: Backdrop(kind="clip", path=str(p), sha=f"{FINISHING_VERSION}:{file_sha(str(p))}",
                            shade=True, product_inset=inset) for k, p in clips.items()}

    return render_creative(plan, product, work_dir, previous=previous, directive=directive, scenes=scenes,
                           backdrops=clip_backdrops, backend=generator.backend)
