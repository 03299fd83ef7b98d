"""Building blocks composed once per scene: backgrounds, image cards, accents, overlays.

Everything here runs at scene-preparation time except `Overlay.blend_onto`, the only
per-frame operation: it blends a pre-multiplied RGBA block into the frame's bounding box
with two saturating OpenCV ops (no float conversion of the frame).
"""

from __future__ import annotations

import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools.compositor.palette import RGB, Palette, mix

SHADOW_ALPHA = 110
SHADOW_OFFSET = 0.35  # shadow drop as a fraction of its blur radius
BACKDROP_DIM = 0.72  # full-bleed photos are darkened so captions read
STICKER_COUNT = 7


# ---------------------------------------------------------------------------
# Loading and fitting images
# ---------------------------------------------------------------------------


def load_rgba(path: str | Path) -> Image.Image | None:
    """An image file (or a video's first frame) as RGBA; None when unreadable."""
    p = Path(path)
    if not p.exists():
        return None
    try:
        with Image.open(p) as im:
            return im.convert("RGBA")
    except Exception:  # noqa: BLE001 - not an image: maybe a video
        cap = cv2.VideoCapture(str(p))
        ok, frame = cap.read()
        cap.release()
        if not ok:
            return None
        return Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGBA))


def contain(im: Image.Image, box_w: int, box_h: int) -> Image.Image:
    """Scale to fit inside the box keeping the aspect ratio (never stretched)."""
    s = min(box_w / im.width, box_h / im.height)
    return im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.LANCZOS)


def cover(im: Image.Image, w: int, h: int) -> Image.Image:
    """Scale to fill the box keeping the aspect ratio, centre-cropping the overflow."""
    s = max(w / im.width, h / im.height)
    r = im.resize((max(w, round(im.width * s)), max(h, round(im.height * s))), Image.LANCZOS)
    x, y = (r.width - w) // 2, (r.height - h) // 2
    return r.crop((x, y, x + w, y + h))


def is_opaque(im: Image.Image) -> bool:
    return im.getchannel("A").getextrema()[0] >= 250


def card(im: Image.Image, box_w: int, box_h: int, radius_frac: float, shadow_px: int) -> Image.Image:
    """A product image fitted into the box as a card: rounded corners when it is a
    rectangular photo (cut-outs keep their silhouette) and a soft drop shadow."""
    pad = shadow_px * 2
    fitted = contain(im, max(1, box_w - 2 * pad), max(1, box_h - 2 * pad))
    if is_opaque(fitted):
        mask = Image.new("L", fitted.size, 0)
        r = round(min(fitted.size) * radius_frac)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, fitted.width - 1, fitted.height - 1), radius=r, fill=255)
        fitted.putalpha(mask)
    canvas = Image.new("RGBA", (fitted.width + 2 * pad, fitted.height + 2 * pad), (0, 0, 0, 0))
    if shadow_px > 0:
        a = Image.new("L", canvas.size, 0)
        a.paste(fitted.getchannel("A"), (pad, pad + round(shadow_px * SHADOW_OFFSET)))
        a = a.filter(ImageFilter.GaussianBlur(shadow_px)).point(lambda v: v * SHADOW_ALPHA // 255)
        shadow = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
        shadow.putalpha(a)
        canvas = shadow
    canvas.alpha_composite(fitted, (pad, pad))
    return canvas


# ---------------------------------------------------------------------------
# Backgrounds and accents
# ---------------------------------------------------------------------------


def gradient(w: int, h: int, a: RGB, b: RGB, angle_deg: float = 90.0) -> np.ndarray:
    """Linear gradient from colour a to b along `angle_deg` (90 = top to bottom)."""
    t = np.deg2rad(angle_deg)
    xs = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :] * np.cos(t) * (w / max(w, h))
    ys = np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None] * np.sin(t) * (h / max(w, h))
    u = xs + ys
    u = (u - u.min()) / max(1e-6, float(u.max() - u.min()))
    ca, cb = np.array(a, np.float32), np.array(b, np.float32)
    return (ca + (cb - ca) * u[..., None]).clip(0, 255).astype(np.uint8)


def _rng(seed_text: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(seed_text.encode()))


def draw_accents(img: Image.Image, kind: str, pal: Palette, seed: str) -> None:
    """Template accents drawn into the background image in place."""
    w, h = img.size
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    rng = _rng(seed)
    if kind == "diagonal_bands":
        # Two bold diagonal bands: motion and energy even in a still frame.
        for k, (pos, width, alpha) in enumerate(((0.25, 0.16, 150), (0.72, 0.07, 190))):
            x = pos * w + rng.uniform(-0.05, 0.05) * w
            bw = width * w
            col = pal.accent if k == 0 else mix(pal.accent, (255, 255, 255), 0.5)
            d.polygon([(x - h * 0.5, h), (x - h * 0.5 + bw, h), (x + h * 0.5 + bw, 0), (x + h * 0.5, 0)],
                      fill=(*col, alpha))
    elif kind == "hairline":
        # One thin line and lots of space.
        y = round(h * rng.uniform(0.2, 0.3))
        d.line([(w * 0.12, y), (w * 0.88, y)], fill=(*pal.ink, 60), width=max(1, w // 360))
    elif kind == "stickers":
        # Rounded blobs, rings and stars in bright colours.
        colours = [pal.accent, mix(pal.secondary, (255, 255, 255), 0.3), mix(pal.accent, (255, 230, 90), 0.5)]
        for i in range(STICKER_COUNT):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            r = rng.uniform(0.04, 0.12) * min(w, h)
            col = colours[i % len(colours)]
            shape = i % 3
            if shape == 0:
                d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*col, 170))
            elif shape == 1:
                d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(*col, 200), width=max(2, round(r * 0.25)))
            else:
                pts = []
                for j in range(10):
                    ang = np.pi / 2 + j * np.pi / 5
                    rr = r if j % 2 == 0 else r * 0.45
                    pts.append((cx + rr * np.cos(ang), cy - rr * np.sin(ang)))
                d.polygon(pts, fill=(*col, 190))
    img.alpha_composite(layer)


def background(w: int, h: int, style: str, pal: Palette, accents: str, seed: str) -> Image.Image:
    """The template's palette background with its accents, as an RGBA image."""
    if style == "diagonal":
        arr = gradient(w, h, pal.primary, mix(pal.secondary, (0, 0, 0), 0.15), 60)
    elif style == "sticker":
        arr = gradient(w, h, mix(pal.primary, (255, 255, 255), 0.1), pal.secondary, 110)
    else:  # soft
        arr = gradient(w, h, mix(pal.primary, (255, 255, 255), 0.35), pal.primary, 90)
    img = Image.fromarray(arr).convert("RGBA")
    draw_accents(img, accents, pal, seed)
    return img


def backdrop_photo(im: Image.Image, w: int, h: int) -> Image.Image:
    """A user-preferred photo as a full-bleed, slightly dimmed backdrop, darker at the bottom
    where captions sit."""
    bg = cover(im, w, h).convert("RGB")
    arr = np.asarray(bg, np.float32) * BACKDROP_DIM
    ramp = np.linspace(1.0, 0.7, h, dtype=np.float32)[:, None, None]
    return Image.fromarray((arr * ramp).clip(0, 255).astype(np.uint8)).convert("RGBA")


# ---------------------------------------------------------------------------
# Per-frame overlays
# ---------------------------------------------------------------------------


class Overlay:
    """An RGBA block pre-multiplied once, blended into frames by bounding box only."""

    def __init__(self, rgba: np.ndarray):
        rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
        self.h, self.w = rgba.shape[:2]
        alpha = rgba[..., 3:4].astype(np.uint16)
        self.premul = (rgba[..., :3].astype(np.uint16) * alpha // 255).astype(np.uint8)
        self.alpha3 = np.repeat(rgba[..., 3:4], 3, axis=2)
        self.inv = 255 - self.alpha3

    @classmethod
    def from_image(cls, im: Image.Image) -> Overlay:
        return cls(np.asarray(im.convert("RGBA"), np.uint8))

    def blend_onto(self, frame: np.ndarray, x: int, y: int, opacity: float = 1.0) -> None:
        """Alpha-blend at (x, y) (top-left), clipped to the frame, in place."""
        fh, fw = frame.shape[:2]
        x0, y0, x1, y1 = max(0, x), max(0, y), min(fw, x + self.w), min(fh, y + self.h)
        if x0 >= x1 or y0 >= y1 or opacity <= 0:
            return
        sx, sy = x0 - x, y0 - y
        region = frame[y0:y1, x0:x1]
        fg = self.premul[sy:sy + y1 - y0, sx:sx + x1 - x0]
        inv = self.inv[sy:sy + y1 - y0, sx:sx + x1 - x0]
        if opacity < 1.0:
            fg = cv2.convertScaleAbs(fg, alpha=opacity)
            inv = 255 - cv2.convertScaleAbs(self.alpha3[sy:sy + y1 - y0, sx:sx + x1 - x0], alpha=opacity)
        cv2.multiply(region, inv, dst=region, scale=1 / 255)
        cv2.add(region, fg, dst=region)


def scaled_rgba(rgba: np.ndarray, factor: float) -> np.ndarray:
    """RGBA block resized by `factor` (entrance animations)."""
    h, w = rgba.shape[:2]
    nw, nh = max(1, round(w * factor)), max(1, round(h * factor))
    return cv2.resize(rgba, (nw, nh), interpolation=cv2.INTER_LINEAR)
