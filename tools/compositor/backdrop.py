"""Full-frame backdrops: a picture that replaces a scene's composed plate.

Two callers share this: the generated-video backends (tools/backends/finishing.py), whose
clip plays behind the compositor's overlays, and PCI, whose first and last scenes show the
host video's own frame at the integration point (asset ref ``host:start``) so the segment
starts from and returns to it. Everything else — captions, logo, product inset, the label,
transitions, segment caching — stays the compositor's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image

from tools.compositor.layers import backdrop_photo, cover, load_rgba
from tools.media.probe import iter_frames, probe


@dataclass(frozen=True)
class Backdrop:
    """What fills a scene's frame behind the overlays.

    kind "clip": a video played from its start, timed to the scene (ping-pong past its end);
    kind "still": one picture, e.g. the PCI start frame. `shade` darkens the label row and
    the caption zone as for a user's full-bleed photo; a host frame is shown unshaded so the
    cut into and out of the segment is seamless. `product_inset` shows the scene's product
    image as a bordered inset over it.
    """

    kind: Literal["clip", "still"]
    path: str
    sha: str
    shade: bool = True
    product_inset: bool = True

    def key(self) -> dict:
        return {"kind": self.kind, "sha": self.sha, "shade": self.shade, "inset": self.product_inset}


class BackdropError(RuntimeError):
    """The backdrop's file cannot be read."""


def pingpong(j: int, m: int) -> int:
    """Clip frame index for step j of a clip of m frames played forth and back: a clip
    shorter than its scene keeps moving smoothly instead of jumping back to its start."""
    if m <= 1:
        return 0
    period = 2 * (m - 1)
    p = j % period
    return p if p < m else period - p


def _fit(im: Image.Image, size: tuple[int, int], shade: bool) -> np.ndarray:
    w, h = size
    fitted = backdrop_photo(im, w, h) if shade else cover(im.convert("RGBA"), w, h)
    return np.ascontiguousarray(np.asarray(fitted.convert("RGB"), np.uint8))


class BackdropFrames:
    """A backdrop's frames at the scene's size and frame rate."""

    def __init__(self, backdrop: Backdrop, size: tuple[int, int], fps: int, duration_s: float):
        self.backdrop, self.size, self.fps = backdrop, size, fps
        self._fitted: dict[int, np.ndarray] = {}
        if backdrop.kind == "still":
            im = load_rgba(backdrop.path)
            if im is None:
                raise BackdropError(f"cannot read backdrop picture {backdrop.path}")
            self._fitted[0] = _fit(im, size, backdrop.shade)
            self.frames: list[np.ndarray] = []
            self.clip_fps = float(fps)
            return
        info = probe(backdrop.path, count_frames=False)
        self.clip_fps = info.fps or fps
        # Only the part the scene shows is decoded (at most the frame's size): memory stays
        # bounded by the scene, not by the clip a hosted API chose to return.
        self.frames = list(iter_frames(backdrop.path, max_side=max(size), end_s=duration_s + 2 / self.clip_fps,
                                       info=info))
        if not self.frames:
            raise BackdropError(f"clip {backdrop.path} has no frames")

    @property
    def moving(self) -> bool:
        return self.backdrop.kind == "clip" and len(self.frames) > 1

    def index(self, i: int) -> int:
        """Source frame shown at scene frame i (by time; ping-pong past the clip's end)."""
        if not self.frames:
            return 0
        return pingpong(int(i / self.fps * self.clip_fps + 1e-6), len(self.frames))

    def frame(self, i: int) -> np.ndarray:
        """Scene frame i's backdrop, cover-cropped to the frame (shaded when asked)."""
        j = self.index(i)
        if j not in self._fitted:
            if len(self._fitted) > 2:  # a moving clip: keep only the latest frames
                self._fitted.clear()
            self._fitted[j] = _fit(Image.fromarray(self.frames[j]), self.size, self.backdrop.shade)
        return self._fitted[j]


def still_backdrop(path: str | Path, sha: str, *, shade: bool = False, product_inset: bool = True) -> Backdrop:
    return Backdrop(kind="still", path=str(path), sha=sha, shade=shade, product_inset=product_inset)
