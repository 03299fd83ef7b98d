"""Building blocks composed once per scene: backgrounds, image cards, accents, overlays.

Everything here runs at scene-preparation time except `Overlay.blend_onto`, the only
per-frame operation: it blends a pre-multiplied RGBA block into the frame's bounding box
with two saturating OpenCV ops (no float conversion of the frame).
"""

from __future__ import annotations

import functools
import weakref
import zlib
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools.compositor.palette import RGB, Palette, mix

SHADOW_ALPHA = 110
SHADOW_OFFSET = 0.35  # shadow drop as a fraction of its blur radius
BACKDROP_TOP_SHADE = 0.35  # full-bleed photos are shaded under the label row ...
BACKDROP_BOTTOM_SHADE = 0.45  # ... and towards the caption zone so both read
DECODE_CACHE = 32  # decoded source images kept (a storyboard reuses a handful)
RESIZE_GAP = 3.0  # Pillow's reducing_gap: box-reduce first, then Lanczos; visually the same
SUBJECT_PROBE = 256  # the subject is located on a thumbnail this many pixels across
SUBJECT_TOLERANCE = 28  # grey levels a pixel must differ from the backdrop to be subject
SUBJECT_MARGIN = 0.08  # air kept around the subject when trimming a photo's backdrop
BORDER_COLOUR = (250, 250, 247, 255)  # inset cards and sticker rims
BLOB_COUNT = 5
CONFETTI_COUNT = 26
BLUR_DOWNSCALE = 8  # blurred backdrops are blurred at 1/8 size: same look, 60x cheaper
BLUR_DIM = 0.5  # ... and darkened so the product and captions carry the frame
GLOW_DOWNSCALE = 4  # light pools are computed at 1/4 size and enlarged


# ---------------------------------------------------------------------------
# Loading and fitting images
# ---------------------------------------------------------------------------


def load_rgba(path: str | Path) -> Image.Image | None:
    """An image file (or a video's first frame) as RGBA; None when unreadable. Decoded
    once per file version and shared: callers must not modify the image in place."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return None
    return _decode_rgba(str(p.resolve()), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=DECODE_CACHE)
def _decode_rgba(path: str, mtime_ns: int, size: int) -> Image.Image | None:
    p = Path(path)
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


def _resized(im: Image.Image, w: int, h: int) -> Image.Image:
    """Lanczos when shrinking (box-reduced first), bicubic when enlarging: the same look
    for a fraction of the time. Enlarging runs in OpenCV (about 10x faster than Pillow's
    RGBA bicubic), on premultiplied colour as Pillow does, so transparent pixels never
    bleed a dark fringe into the edges."""
    if w <= im.width:
        return im.resize((w, h), Image.LANCZOS, reducing_gap=RESIZE_GAP)
    if im.mode not in ("RGB", "RGBA"):
        return im.resize((w, h), Image.BICUBIC)
    arr = np.asarray(im)
    if im.mode == "RGB" or is_opaque(im):  # (near) opaque: premultiplying changes nothing
        return Image.fromarray(cv2.resize(arr, (w, h), interpolation=cv2.INTER_CUBIC))
    alpha = arr[..., 3:4]
    premul = np.concatenate([cv2.multiply(arr[..., :3], np.repeat(alpha, 3, axis=2), scale=1 / 255), alpha], axis=2)
    out = cv2.resize(premul, (w, h), interpolation=cv2.INTER_CUBIC)
    a = out[..., 3:4]
    # Un-premultiply; fully transparent pixels keep black, as in Pillow.
    rgb = cv2.divide(out[..., :3], np.repeat(np.maximum(a, 1), 3, axis=2), scale=255)
    rgb[np.repeat(a == 0, 3, axis=2)] = 0
    return Image.fromarray(np.concatenate([rgb, a], axis=2))


def contain(im: Image.Image, box_w: int, box_h: int) -> Image.Image:
    """Scale to fit inside the box keeping the aspect ratio (never stretched)."""
    s = min(box_w / im.width, box_h / im.height)
    return _resized(im, max(1, round(im.width * s)), max(1, round(im.height * s)))


def cover(im: Image.Image, w: int, h: int) -> Image.Image:
    """Scale to fill the box keeping the aspect ratio, centre-cropping the overflow."""
    s = max(w / im.width, h / im.height)
    r = _resized(im, max(w, round(im.width * s)), max(h, round(im.height * s)))
    x, y = (r.width - w) // 2, (r.height - h) // 2
    return r.crop((x, y, x + w, y + h))


def per_image(fn):
    """Memoize fn(im, *args) per source image object (by identity, checked through a weak
    reference). Decoded sources are shared and never modified, and a storyboard shows the
    same photo in several scenes; callers must not modify the returned value either."""
    memo: dict[tuple, tuple[weakref.ref, object]] = {}

    @functools.wraps(fn)
    def wrapper(im: Image.Image, *args, **kwargs):
        key = (id(im), im.size, im.mode, args, tuple(sorted(kwargs.items())))
        hit = memo.get(key)
        if hit is not None and hit[0]() is im:
            return hit[1]
        value = fn(im, *args, **kwargs)
        memo[key] = (weakref.ref(im), value)
        if len(memo) > DECODE_CACHE:
            memo.pop(next(iter(memo)))
        return value

    return wrapper


@per_image
def subject_box(im: Image.Image, tolerance: int = SUBJECT_TOLERANCE) -> tuple[int, int, int, int]:
    """Bounding box of what differs from the photo's backdrop (the median corner colour)."""
    return _subject_box(im, tolerance)


def _subject_box(im: Image.Image, tolerance: int) -> tuple[int, int, int, int]:
    f = min(1.0, SUBJECT_PROBE / max(im.size))
    probe = im.convert("RGB").resize((max(1, round(im.width * f)), max(1, round(im.height * f))), Image.BOX)
    arr = np.asarray(probe, np.int16)
    h, w = arr.shape[:2]
    k = max(1, min(w, h) // 50)
    corners = np.concatenate([arr[:k, :k].reshape(-1, 3), arr[:k, -k:].reshape(-1, 3),
                              arr[-k:, :k].reshape(-1, 3), arr[-k:, -k:].reshape(-1, 3)])
    diff = np.abs(arr - np.median(corners, axis=0)).max(axis=2) > tolerance
    ys, xs = np.nonzero(diff)
    if len(xs) == 0:
        return 0, 0, im.width, im.height
    return (int(xs.min() / f), int(ys.min() / f), min(im.width, int(np.ceil((xs.max() + 1) / f))),
            min(im.height, int(np.ceil((ys.max() + 1) / f))))


def frame_subject(im: Image.Image, box_w: int, box_h: int, margin: float = SUBJECT_MARGIN) -> Image.Image:
    """Crop a product photo's plain backdrop towards the box's aspect ratio, never into the
    subject (kept with `margin` of its size around it): the product then fills the box
    instead of shrinking to fit the photo's empty border. Never stretches."""
    if not is_opaque(im):
        return im  # cut-outs have no backdrop to trim
    w, h = im.size
    target = box_w / max(1, box_h)
    x0, y0, x1, y1 = subject_box(im, SUBJECT_TOLERANCE)
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    x0, y0, x1, y1 = max(0, x0 - mx), max(0, y0 - my), min(w, x1 + mx), min(h, y1 + my)
    if w / h < target:  # too tall for the box: trim top and bottom
        ch = max(y1 - y0, w / target)
        cy = min(max((y0 + y1) / 2, ch / 2), h - ch / 2)
        crop = (0, round(cy - ch / 2), w, round(cy + ch / 2))
    else:  # too wide: trim the sides
        cw = max(x1 - x0, h * target)
        cx = min(max((x0 + x1) / 2, cw / 2), w - cw / 2)
        crop = (round(cx - cw / 2), 0, round(cx + cw / 2), h)
    return im.crop(crop) if crop != (0, 0, w, h) else im


def is_opaque(im: Image.Image) -> bool:
    return im.getchannel("A").getextrema()[0] >= 250


@per_image
def card(im: Image.Image, box_w: int, box_h: int, radius_frac: float, shadow_px: int,
         border_px: int = 0) -> Image.Image:
    """A product image fitted into the box as a card: rounded corners when it is a
    rectangular photo (cut-outs keep their silhouette), an optional light border (insets)
    and a soft drop shadow. The image fills the box; the shadow spills `2 * shadow_px`
    beyond it (the canvas is that much larger on every side). Memoized per source image:
    the result is shared and must not be modified."""
    pad = shadow_px * 2
    inner_w, inner_h = max(1, box_w - 2 * border_px), max(1, box_h - 2 * border_px)
    fitted = contain(frame_subject(im, inner_w, inner_h), inner_w, inner_h)
    opaque = is_opaque(fitted)
    if opaque:
        r = round(min(fitted.size) * radius_frac)
        if border_px > 0:
            framed = Image.new("RGBA", (fitted.width + 2 * border_px, fitted.height + 2 * border_px), BORDER_COLOUR)
            framed.paste(fitted, (border_px, border_px))
            fitted, r = framed, r + border_px
        mask = Image.new("L", fitted.size, 0)
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


@lru_cache(maxsize=DECODE_CACHE)
def glow(w: int, h: int, colour: RGB, strength: float) -> Image.Image:
    """A soft pool of light (an elliptical radial fade of `colour`): set behind a product it
    reads as studio lighting. Cached (scenes showing the same hero share it): the image is
    shared and must not be modified."""
    # The fade is smooth, so it is computed on a coarse grid and enlarged (same look, a
    # fraction of the float work).
    sw, sh = max(2, w // GLOW_DOWNSCALE), max(2, h // GLOW_DOWNSCALE)
    ys = np.linspace(-1, 1, sh, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, sw, dtype=np.float32)[None, :]
    a = np.clip(1 - np.sqrt(xs * xs + ys * ys), 0, 1) ** 1.6 * (255 * strength)
    rgba = np.empty((h, w, 4), np.uint8)
    rgba[..., :3] = colour
    rgba[..., 3] = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.uint8)
    return Image.fromarray(rgba)


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


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    pts = []
    for j in range(10):
        ang = np.pi / 2 + j * np.pi / 5
        rr = r if j % 2 == 0 else r * 0.45
        pts.append((cx + rr * np.cos(ang), cy - rr * np.sin(ang)))
    return pts


def draw_accents(img: Image.Image, kind: str, pal: Palette, seed: str) -> None:
    """Template accents drawn into the background image in place. An RGB image is drawn
    on directly, each shape blended as it is drawn (no full-size layer to allocate and
    composite); an RGBA one gets a transparent layer composited over it."""
    w, h = img.size
    layer = img if img.mode == "RGB" else Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer, "RGBA")
    rng = _rng(seed)
    if kind == "diagonal_bars":
        # Brand-colour bars slashing across the top-left and bottom-right corners: energy in
        # a still frame, clear of the product in the middle.
        for k, (pos, width, alpha) in enumerate(((0.08, 0.10, 230), (0.2, 0.025, 255), (0.9, 0.07, 220))):
            cy = pos * h + rng.uniform(-0.02, 0.02) * h
            bw = width * h
            col = pal.accent if k != 1 else mix(pal.accent, (255, 255, 255), 0.55)
            slope = 0.35 * w
            d.polygon([(0, cy + slope), (w, cy - slope), (w, cy - slope + bw), (0, cy + slope + bw)],
                      fill=(*col, alpha))
    elif kind == "hairline":
        # One thin line and lots of space.
        y = round(h * rng.uniform(0.2, 0.24))
        d.line([(w * 0.12, y), (w * 0.88, y)], fill=(*pal.ink, 50), width=max(1, w // 360))
    elif kind == "confetti":
        # Small bright confetti pieces: strips, dots and stars.
        colours = [pal.accent, mix(pal.secondary, (255, 255, 255), 0.2), (255, 214, 64), (255, 255, 255)]
        for i in range(CONFETTI_COUNT):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            r = rng.uniform(0.012, 0.03) * w
            col = (*colours[i % len(colours)], 235)
            shape = i % 3
            if shape == 0:
                ang = rng.uniform(0, np.pi)
                dx, dy = np.cos(ang) * r * 1.6, np.sin(ang) * r * 1.6
                d.line([(cx - dx, cy - dy), (cx + dx, cy + dy)], fill=col, width=max(2, round(r * 0.7)))
            elif shape == 1:
                d.ellipse((cx - r * 0.6, cy - r * 0.6, cx + r * 0.6, cy + r * 0.6), fill=col)
            else:
                d.polygon(_star(cx, cy, r * 1.2), fill=col)
    if layer is not img:
        img.alpha_composite(layer)


def add_grain(arr: np.ndarray, strength: float, seed: str) -> np.ndarray:
    """Paper texture: soft mottling plus fine grain, +-`strength` grey levels, in place."""
    if strength <= 0:
        return arr
    h, w = arr.shape[:2]
    rng = _rng(seed + ":grain")
    mottle = cv2.resize(rng.normal(0, 1, (max(2, h // 24), max(2, w // 24))).astype(np.float32), (w, h),
                        interpolation=cv2.INTER_CUBIC)
    fine = rng.normal(0, 1, (h, w)).astype(np.float32)
    noise = (mottle * 0.4 + fine * 0.6) * strength
    arr[..., :3] = np.clip(arr[..., :3].astype(np.float32) + noise[..., None], 0, 255).astype(np.uint8)
    return arr


def blobs(img: Image.Image, pal: Palette, seed: str) -> None:
    """Large soft bright blobs in the palette colours (the playful background), in place."""
    w, h = img.size
    rng = _rng(seed + ":blobs")
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    colours = [pal.accent, mix(pal.secondary, (255, 255, 255), 0.25), (255, 214, 64), mix(pal.primary, (255, 255, 255), 0.5)]
    for i in range(BLOB_COUNT):
        # Blobs hug the edges and corners so the centre stays clear for the product.
        cx = rng.choice([rng.uniform(-0.1, 0.2), rng.uniform(0.8, 1.1)]) * w
        cy = rng.uniform(0.0, 1.0) * h
        rx, ry = rng.uniform(0.18, 0.32) * w, rng.uniform(0.14, 0.26) * w
        d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=(*colours[i % len(colours)], 210))
    img.alpha_composite(layer.filter(ImageFilter.GaussianBlur(max(1, w // 120))))


def blurred_photo(im: Image.Image, w: int, h: int, dim: float = BLUR_DIM) -> np.ndarray:
    """A full-bleed, heavily blurred and darkened copy of a photo (RGB array)."""
    small_w, small_h = max(4, w // BLUR_DOWNSCALE), max(4, h // BLUR_DOWNSCALE)
    small = np.asarray(cover(im.convert("RGB"), small_w, small_h), np.uint8)
    small = cv2.GaussianBlur(small, (0, 0), max(1.0, small_w / 40))
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return cv2.convertScaleAbs(big, alpha=dim)


def background(w: int, h: int, style: str, pal: Palette, accents: str, seed: str, *,
               photo: Image.Image | None = None, grain: float = 0.0) -> Image.Image:
    """The template's background with its accents, as an RGBA image. "blurred_photo" uses
    `photo` (the scene's own image or the user's cue) and falls back to a bold gradient."""
    if style == "blurred_photo" and photo is not None:
        arr = blurred_photo(photo, w, h)
    elif style == "blurred_photo":
        arr = gradient(w, h, mix(pal.primary, (0, 0, 0), 0.35), mix(pal.secondary, (0, 0, 0), 0.55), 60)
    elif style == "blobs":
        arr = gradient(w, h, mix(pal.primary, (255, 255, 255), 0.2), mix(pal.secondary, (255, 255, 255), 0.1), 110)
    else:  # soft: light at the top, the user's tint settling towards the bottom
        arr = gradient(w, h, mix(pal.primary, (255, 255, 255), 0.35), mix(pal.primary, pal.secondary, 0.6), 90)
    arr = add_grain(arr, grain, seed)
    img = Image.fromarray(arr)
    if style == "blobs":
        img = img.convert("RGBA")
        blobs(img, pal, seed)
    draw_accents(img, accents, pal, seed)
    return img.convert("RGBA") if img.mode != "RGBA" else img


def backdrop_photo(im: Image.Image, w: int, h: int) -> Image.Image:
    """A user-preferred photo as a full-bleed backdrop (cover-crop), darkened only at the
    top (label row) and towards the bottom, where captions sit."""
    arr = np.asarray(cover(im.convert("RGBA"), w, h))
    ys = np.linspace(0, 1, h, dtype=np.float32)
    ramp = 1 - BACKDROP_TOP_SHADE * np.clip(1 - ys / 0.2, 0, 1) - BACKDROP_BOTTOM_SHADE * np.clip((ys - 0.45) / 0.55, 0, 1)
    # One saturating integer multiply by the per-row shade (no float copy of the plate);
    # the backdrop is opaque whatever the photo's alpha.
    shade = np.empty((h, w, 4), np.uint8)
    shade[..., :3] = np.round(ramp * 255).astype(np.uint8)[:, None, None]
    shade[..., 3] = 255
    out = cv2.multiply(arr, shade, scale=1 / 255)
    out[..., 3] = 255
    return Image.fromarray(out)


def sticker(rgba: np.ndarray, border_px: int, tilt_deg: float) -> np.ndarray:
    """A caption block as a sticker: a light rim following its plate, turned by `tilt_deg`."""
    if border_px <= 0 and not tilt_deg:
        return rgba
    im = Image.fromarray(rgba)
    if border_px > 0:
        pad = border_px + 1
        a = np.pad(np.where(rgba[..., 3] > 40, 255, 0).astype(np.uint8), pad)
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * border_px + 1, 2 * border_px + 1))
        rim_a = Image.fromarray(cv2.dilate(a, k))
        out = Image.new("RGBA", rim_a.size, BORDER_COLOUR[:3] + (0,))
        out.putalpha(rim_a)
        out.alpha_composite(im, (pad, pad))
        im = out
    if tilt_deg:
        im = im.rotate(tilt_deg, resample=Image.BICUBIC, expand=True)
    return np.asarray(im, np.uint8).copy()


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


def scaled_size(rgba: np.ndarray, factor: float) -> tuple[int, int]:
    """(width, height) of an RGBA block resized by `factor`."""
    h, w = rgba.shape[:2]
    return max(1, round(w * factor)), max(1, round(h * factor))


def scaled_rgba(rgba: np.ndarray, factor: float) -> np.ndarray:
    """RGBA block resized by `factor` (entrance animations)."""
    return cv2.resize(rgba, scaled_size(rgba, factor), interpolation=cv2.INTER_LINEAR)


class ScaledOverlays:
    """Overlays of one RGBA block at the sizes an animation asks for. The resized block
    depends only on its pixel size, and a pulse or pop revisits the same few sizes, so each
    size is resized and pre-multiplied once per scene instead of once per frame."""

    def __init__(self, rgba: np.ndarray):
        self.rgba = rgba
        self._by_size: dict[tuple[int, int], Overlay] = {}

    def at(self, factor: float) -> Overlay:
        size = scaled_size(self.rgba, factor)
        hit = self._by_size.get(size)
        if hit is None:
            hit = self._by_size[size] = Overlay(cv2.resize(self.rgba, size, interpolation=cv2.INTER_LINEAR))
        return hit
