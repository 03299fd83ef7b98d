"""Drawing primitives shared by the catalog's product art and the demo users' photos.

Everything is drawn with Pillow on a supersampled RGBA layer (anti-aliasing for free when
it is reduced) and finished with numpy/OpenCV passes (gradients, blur, grain). All
randomness comes from seeded generators, so every image is byte-for-byte reproducible.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from collections.abc import Callable, Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw

from nextads.fonts import font as _font

RGB = tuple[int, int, int]
# Supersampling factor for vector drawing: 2x is smooth enough and keeps rendering fast.
SUPERSAMPLE = 2
# Samples per segment when a closed outline is smoothed with a Catmull-Rom spline.
_SPLINE_STEPS = 10


# ---------------------------------------------------------------------------
# Colours and seeds
# ---------------------------------------------------------------------------


def hex_rgb(value: str) -> RGB:
    v = value.lstrip("#")
    return int(v[0:2], 16), int(v[2:4], 16), int(v[4:6], 16)


def mix(a: Sequence[float], b: Sequence[float], t: float) -> RGB:
    """Linear blend: t=0 gives a, t=1 gives b."""
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def shade(c: Sequence[float], factor: float) -> RGB:
    """Darken (factor < 1) or lighten (factor > 1, towards white) a colour."""
    if factor <= 1:
        return tuple(int(round(x * factor)) for x in c)  # type: ignore[return-value]
    return mix(c, (255, 255, 255), min(1.0, factor - 1))


def luminance(c: Sequence[float]) -> float:
    r, g, b = (x / 255 for x in c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ink_on(c: Sequence[float]) -> RGB:
    """Black or white, whichever reads better on ``c``."""
    return (20, 20, 24) if luminance(c) > 0.55 else (250, 250, 250)


def seed_of(*parts: object) -> int:
    """Stable seed from any labels (Python's hash() is salted per process)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little")


# ---------------------------------------------------------------------------
# Vector drawing in unit coordinates of a box
# ---------------------------------------------------------------------------


def smooth_closed(points: Sequence[tuple[float, float]], steps: int = _SPLINE_STEPS) -> list[tuple[float, float]]:
    """Closed Catmull-Rom spline through ``points`` (organic outlines from a few knots)."""
    p = np.asarray(points, dtype=np.float64)
    n = len(p)
    t = np.linspace(0, 1, steps, endpoint=False)[:, None]
    out = []
    for i in range(n):
        p0, p1, p2, p3 = p[i - 1], p[i], p[(i + 1) % n], p[(i + 2) % n]
        seg = 0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                     + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3)
        out.extend(map(tuple, seg))
    return out


class Pen:
    """Draws on an RGBA layer in unit coordinates of ``box`` = (x, y, w, h) in layer pixels.

    Shapes describe themselves as fractions of their box, so one drawing serves the
    centred hero, the off-centre lifestyle shot and the zoomed detail shot.
    """

    def __init__(self, layer: Image.Image, box: tuple[float, float, float, float]):
        self.layer = layer
        self.draw = ImageDraw.Draw(layer)
        self.x, self.y, self.w, self.h = box

    def pt(self, x: float, y: float) -> tuple[float, float]:
        return self.x + x * self.w, self.y + y * self.h

    def pts(self, points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        return [self.pt(x, y) for x, y in points]

    def px(self, v: float) -> int:
        return max(1, int(round(v * self.w)))

    def _xyxy(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        (a, b), (c, d) = self.pt(x0, y0), self.pt(x1, y1)
        return min(a, c), min(b, d), max(a, c), max(b, d)

    def _paint(self, fill, outline, stroke: Callable[[ImageDraw.ImageDraw], None]) -> None:
        """Run a draw call; translucent colours are blended (Pillow would overwrite alpha)."""
        if _translucent(fill) or _translucent(outline):
            overlay = Image.new("RGBA", self.layer.size, (0, 0, 0, 0))
            stroke(ImageDraw.Draw(overlay))
            self.layer.alpha_composite(overlay)
        else:
            stroke(self.draw)

    def rect(self, x0, y0, x1, y1, fill, radius: float = 0.0, outline=None, width: float = 0.0) -> None:
        box = self._xyxy(x0, y0, x1, y1)
        w = self.px(width) if outline else 0
        if radius > 0:
            r = self.px(radius)
            self._paint(fill, outline, lambda d: d.rounded_rectangle(box, radius=r, fill=fill, outline=outline, width=w))
        else:
            self._paint(fill, outline, lambda d: d.rectangle(box, fill=fill, outline=outline, width=w))

    def ellipse(self, x0, y0, x1, y1, fill, outline=None, width: float = 0.0) -> None:
        box, w = self._xyxy(x0, y0, x1, y1), self.px(width) if outline else 0
        self._paint(fill, outline, lambda d: d.ellipse(box, fill=fill, outline=outline, width=w))

    def circle(self, cx: float, cy: float, r: float, fill, outline=None, width: float = 0.0) -> None:
        # r is in box-width units, so the circle stays round in a non-square box.
        rx, ry = r, r * self.w / self.h
        self.ellipse(cx - rx, cy - ry, cx + rx, cy + ry, fill, outline, width)

    def poly(self, points, fill, smooth: bool = False, outline=None) -> None:
        pts = self.pts(smooth_closed(points) if smooth else list(points))
        self._paint(fill, outline, lambda d: d.polygon(pts, fill=fill, outline=outline))

    def line(self, points, fill, width: float, joint: str | None = "curve") -> None:
        pts, w = self.pts(points), self.px(width)
        self._paint(fill, None, lambda d: d.line(pts, fill=fill, width=w, joint=joint))

    def pieslice(self, x0, y0, x1, y1, start: float, end: float, fill) -> None:
        box = self._xyxy(x0, y0, x1, y1)
        self._paint(fill, None, lambda d: d.pieslice(box, start, end, fill=fill))

    def gradient(self, x0, y0, x1, y1, top: RGB, bottom: RGB, radius: float = 0.0,
                 horizontal: bool = False) -> None:
        """A rounded rectangle filled with a linear gradient (screens, glass, labels)."""
        bx0, by0, bx1, by1 = (int(round(v)) for v in self._xyxy(x0, y0, x1, y1))
        w, h = max(1, bx1 - bx0), max(1, by1 - by0)
        n = w if horizontal else h
        ramp = np.linspace(0, 1, n, dtype=np.float32)[:, None]
        col = np.asarray(top, np.float32) * (1 - ramp) + np.asarray(bottom, np.float32) * ramp
        arr = np.broadcast_to(col[None, :, :], (h, w, 3)) if horizontal else np.broadcast_to(col[:, None, :], (h, w, 3))
        grad = Image.fromarray(np.ascontiguousarray(arr).astype(np.uint8)).convert("RGBA")
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, w - 1, h - 1), radius=self.px(radius) if radius else 0, fill=255)
        self.layer.paste(grad, (bx0, by0), mask)

    def bands(self, outline: Sequence[tuple[float, float]], bands: Sequence[tuple[float, float, RGB]]) -> None:
        """Horizontal colour bands (y0, y1, colour) clipped to a polygon: layered food cross-sections."""
        mask = Image.new("L", self.layer.size, 0)
        ImageDraw.Draw(mask).polygon(self.pts(outline), fill=255)
        fill = Image.new("RGBA", self.layer.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(fill)
        for y0, y1, colour in bands:
            d.rectangle(self._xyxy(-1, y0, 2, y1), fill=colour)
        self.layer.paste(fill, (0, 0), Image.fromarray(
            np.minimum(np.asarray(mask), np.asarray(fill)[:, :, 3])))

    def text(self, text: str, cx: float, cy: float, max_w: float, max_h: float, fill,
             bold: bool = True, angle: float = 0.0) -> None:
        """Text centred on (cx, cy), the largest size that fits max_w x max_h (box units)."""
        font = fit_font(text, max_w * self.w, max_h * self.h, bold)
        x, y = self.pt(cx, cy)
        if not angle:
            self.draw.text((x, y), text, font=font, fill=fill, anchor="mm")
            return
        l, t, r, b = font.getbbox(text)
        tile = Image.new("RGBA", (r - l + 8, b - t + 8), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((4 - l, 4 - t), text, font=font, fill=fill)
        tile = tile.rotate(angle, expand=True, resample=Image.BICUBIC)
        self.layer.alpha_composite(tile, (int(x - tile.width / 2), int(y - tile.height / 2)))


def _translucent(colour) -> bool:
    return isinstance(colour, tuple) and len(colour) == 4 and colour[3] < 255


def fit_font(text: str, max_w: float, max_h: float, bold: bool = True):
    """The largest font whose rendering of ``text`` fits in max_w x max_h pixels."""
    size = max(6, int(max_h))
    while size > 6:
        font = _font(size, bold)
        l, t, r, b = font.getbbox(text)
        if r - l <= max_w and b - t <= max_h:
            return font
        size = int(size * 0.9)
    return _font(6, bold)


def new_layer(size: tuple[int, int]) -> Image.Image:
    """Transparent supersampled layer for ``size`` = (w, h) output pixels."""
    return Image.new("RGBA", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), (0, 0, 0, 0))


def finish_layer(layer: Image.Image) -> Image.Image:
    """Reduce a supersampled layer to output size (RGBA)."""
    return layer.reduce(SUPERSAMPLE)


# ---------------------------------------------------------------------------
# Raster passes
# ---------------------------------------------------------------------------


def blur(a: np.ndarray, sigma: float, fast: bool = True) -> np.ndarray:
    """Gaussian blur; large radii are computed at quarter size (soft shadows, glows)."""
    if sigma <= 0:
        return a
    if fast and sigma > 8:
        h, w = a.shape[:2]
        small = cv2.resize(a, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), sigma / 4)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.GaussianBlur(a, (0, 0), sigma)


@lru_cache(maxsize=8)
def grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalised pixel coordinates (u across, v down), each in [0, 1]; cached, read-only."""
    u = np.broadcast_to(np.linspace(0, 1, w, dtype=np.float32)[None, :], (h, w))
    v = np.broadcast_to(np.linspace(0, 1, h, dtype=np.float32)[:, None], (h, w))
    return u, v


def vertical_gradient(h: int, w: int, stops: Sequence[tuple[float, RGB]]) -> np.ndarray:
    """float32 RGB image [0, 1] interpolating colour stops (position, colour) top to bottom."""
    pos = np.asarray([p for p, _ in stops], np.float32)
    cols = np.asarray([c for _, c in stops], np.float32) / 255.0
    v = np.linspace(0, 1, h, dtype=np.float32)
    column = np.stack([np.interp(v, pos, cols[:, k]) for k in range(3)], axis=1)
    return np.broadcast_to(column[:, None, :], (h, w, 3)).copy()


def grain(img: np.ndarray, amount: float, rng: np.random.Generator, size: float = 1.0) -> np.ndarray:
    """Film grain: luminance noise of std ``amount``; ``size`` > 1 makes it coarser."""
    h, w = img.shape[:2]
    sh, sw = (max(1, int(h / size)), max(1, int(w / size))) if size > 1 else (h, w)
    noise = rng.standard_normal((sh, sw), dtype=np.float32) * amount
    if (sh, sw) != (h, w):
        noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_LINEAR)
    return img + noise[:, :, None]


def composite(base: np.ndarray, rgba: np.ndarray) -> np.ndarray:
    """Alpha-composite a float RGBA layer over a float RGB base (both [0, 1])."""
    a = rgba[:, :, 3:4]
    return base + (rgba[:, :, :3] - base) * a


def over(base: np.ndarray, layer: Image.Image) -> Image.Image:
    """Composite an RGBA layer over a float RGB base with Pillow (fast, 8-bit): RGB image."""
    out = to_image(base).convert("RGBA")
    out.alpha_composite(layer)
    return out.convert("RGB")


def to_image(img: np.ndarray) -> Image.Image:
    """float RGB [0, 1] -> 8-bit RGB image."""
    arr = np.clip(img, 0, 1) * 255 + 0.5
    return Image.fromarray(arr.astype(np.uint8))
