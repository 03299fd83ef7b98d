"""Photos in the demo users' histories, drawn by code so they visibly carry each taste.

A photo is a *motif* (what is pictured: a forest trail, a latte, a gaming desk...) drawn in
the user's *taste* palette, then graded the way that user's feed looks: earthy film grain,
soft pastel glow, high-contrast neon bloom, or bright airy high-key. The image-analysis
step of ``model_user`` should recover palette, warmth, lighting and texture from these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image

from .draw import (
    RGB, SUPERSAMPLE, Pen, blur, finish_layer, grain, grid, hex_rgb, mix, new_layer, over, seed_of,
    shade, to_image, vertical_gradient,
)

PHOTO_SIZE = (480, 640)  # portrait 3:4, like a social-note cover
JPEG_QUALITY = 90


@dataclass(frozen=True)
class Taste:
    """A visual taste: five palette colours (dark to light) and a grading recipe."""

    name: str
    palette: tuple[str, ...]
    warmth: float  # > 0 warms (more red, less blue), < 0 cools
    exposure: float  # > 0 lifts towards white (high key), < 0 darkens
    contrast: float  # 1 = unchanged
    saturation: float  # 1 = unchanged
    glow: float  # soft bloom strength
    grain: float  # film-grain std
    vignette: float

    def colours(self) -> list[RGB]:
        return [hex_rgb(c) for c in self.palette]


TASTES: dict[str, Taste] = {
    # Forest greens and earthy browns, warm natural light, grainy film.
    "earthy": Taste("earthy", ("#1F3A2B", "#2F5D3A", "#6B8E4E", "#7A5230", "#C89B3C"),
                    warmth=0.06, exposure=-0.02, contrast=1.05, saturation=0.85, glow=0.0,
                    grain=0.055, vignette=0.35),
    # Pastel pinks, peach and lavender in soft diffuse light.
    "pastel": Taste("pastel", ("#B98BA0", "#D9C8F0", "#F6C1CC", "#FAD4C0", "#FFF5EE"),
                    warmth=0.02, exposure=0.06, contrast=0.85, saturation=0.95, glow=0.4,
                    grain=0.0, vignette=0.0),
    # Near-black blues with cyan and magenta neon, hard contrast and bloom.
    "neon": Taste("neon", ("#07071A", "#141436", "#7A2BFF", "#FF2BD6", "#00F0FF"),
                  warmth=-0.04, exposure=-0.08, contrast=1.35, saturation=1.25, glow=0.6,
                  grain=0.01, vignette=0.25),
    # Whites, sky blue, mint and lemon: bright, airy, smooth.
    "airy": Taste("airy", ("#7FB8D6", "#BDEBD3", "#FFB4A2", "#FFF3B0", "#FAFAF7"),
                  warmth=0.0, exposure=0.12, contrast=0.9, saturation=1.0, glow=0.15,
                  grain=0.0, vignette=0.0),
}

Motif = Callable[[Pen, list[RGB], np.random.Generator], None]
WHITE: RGB = (255, 255, 255)


# ---------------------------------------------------------------------------
# Motifs: each draws a full-frame picture in unit coordinates with the taste palette
# (c[0] darkest ... c[4] lightest)
# ---------------------------------------------------------------------------


def _trees(p: Pen, rng, n: int, y_base: float, colour: RGB, scale: float) -> None:
    for _ in range(n):
        x = rng.uniform(-0.05, 1.05)
        hgt = scale * rng.uniform(0.7, 1.3)
        p.poly([(x, y_base - hgt), (x + hgt * 0.28, y_base), (x - hgt * 0.28, y_base)], colour)


def _forest_trail(p: Pen, c, rng) -> None:
    p.gradient(0, 0, 1, 0.55, mix(c[4], WHITE, 0.4), c[2])
    p.rect(0, 0.5, 1, 1, c[1])
    _trees(p, rng, 14, 0.60, c[1], 0.35)
    _trees(p, rng, 8, 0.80, c[0], 0.55)
    p.poly([(0.46, 0.55), (0.54, 0.55), (0.80, 1.0), (0.25, 1.0)], c[3])
    p.poly([(0.48, 0.56), (0.52, 0.56), (0.62, 1.0), (0.40, 1.0)], shade(c[3], 1.2))


def _mountain_camp(p: Pen, c, rng) -> None:
    p.gradient(0, 0, 1, 0.6, mix(c[4], WHITE, 0.5), mix(c[4], c[3], 0.3))
    p.poly([(-0.1, 0.6), (0.25, 0.22), (0.45, 0.45), (0.7, 0.18), (1.1, 0.6)], shade(c[1], 0.8))
    p.poly([(0.25, 0.22), (0.31, 0.30), (0.20, 0.29)], WHITE)
    p.poly([(0.70, 0.18), (0.77, 0.27), (0.63, 0.26)], WHITE)
    p.rect(0, 0.58, 1, 1, c[2])
    _trees(p, rng, 6, 0.66, c[0], 0.25)
    p.poly([(0.30, 0.86), (0.50, 0.62), (0.70, 0.86)], c[4])
    p.poly([(0.44, 0.86), (0.50, 0.72), (0.56, 0.86)], c[3])


def _campfire(p: Pen, c, rng) -> None:
    p.gradient(0, 0, 1, 1, shade(c[0], 0.5), c[0])
    _trees(p, rng, 10, 0.62, shade(c[0], 0.7), 0.4)
    p.rect(0, 0.62, 1, 1, shade(c[3], 0.45))
    p.circle(0.5, 0.74, 0.30, (*c[4], 60))
    for a in (-0.3, 0.3):
        p.line([(0.5 - 0.18, 0.86 + a * 0.05), (0.5 + 0.18, 0.86 - a * 0.05)], c[3], 0.04)
    p.poly([(0.40, 0.84), (0.50, 0.60), (0.60, 0.84)], (240, 140, 40), smooth=True)
    p.poly([(0.45, 0.84), (0.50, 0.68), (0.55, 0.84)], (255, 220, 120), smooth=True)
    for _ in range(14):
        x, y = rng.uniform(0.35, 0.65), rng.uniform(0.3, 0.6)
        p.circle(x, y, 0.004, (255, 200, 110))


def _trail_run(p: Pen, c, rng) -> None:
    _forest_trail(p, c, rng)
    # A runner mid-stride on the trail.
    x, y = 0.52, 0.62
    dark = shade(c[0], 0.6)
    p.circle(x, y - 0.14, 0.035, dark)
    p.line([(x, y - 0.11), (x - 0.01, y)], dark, 0.03)
    p.line([(x - 0.01, y), (x - 0.07, y + 0.07), (x - 0.05, y + 0.13)], dark, 0.025)
    p.line([(x - 0.01, y), (x + 0.06, y + 0.05), (x + 0.10, y + 0.12)], dark, 0.025)
    p.line([(x, y - 0.09), (x + 0.07, y - 0.04)], dark, 0.02)
    p.line([(x, y - 0.09), (x - 0.07, y - 0.06)], dark, 0.02)


def _lake(p: Pen, c, rng) -> None:
    p.gradient(0, 0, 1, 0.5, mix(c[4], WHITE, 0.5), mix(c[2], WHITE, 0.4))
    p.poly([(-0.1, 0.5), (0.3, 0.28), (0.55, 0.42), (0.8, 0.25), (1.1, 0.5)], c[1])
    _trees(p, rng, 16, 0.52, c[0], 0.18)
    p.gradient(0, 0.5, 1, 1, mix(c[2], c[1], 0.5), c[0])
    for _ in range(12):
        y = rng.uniform(0.55, 0.95)
        x = rng.uniform(0, 0.8)
        p.line([(x, y), (x + rng.uniform(0.05, 0.2), y)], (*mix(c[4], WHITE, 0.3), 120), 0.004)


def _flatlay(p: Pen, c, rng, surface: RGB, objects: int, kinds: tuple[str, ...]) -> None:
    """Objects seen from above on a surface: bottles, cups, plates, flowers, gear."""
    p.rect(0, 0, 1, 1, surface)
    placed: list[tuple[float, float]] = []
    for k in range(objects):
        for _ in range(20):
            x, y = rng.uniform(0.18, 0.82), rng.uniform(0.15, 0.85)
            if all((x - a) ** 2 + (y - b) ** 2 > 0.06 for a, b in placed):
                break
        placed.append((x, y))
        kind = kinds[k % len(kinds)]
        col = c[int(rng.integers(0, len(c) - 1))]
        p.circle(x + 0.015, y + 0.02, 0.12 if kind in ("plate", "bowl") else 0.07, (*shade(surface, 0.8), 120))
        if kind == "bottle":
            p.rect(x - 0.06, y - 0.14, x + 0.06, y + 0.14, col, radius=0.04)
            p.rect(x - 0.03, y - 0.19, x + 0.03, y - 0.13, shade(col, 0.7), radius=0.01)
        elif kind == "cup":
            p.circle(x, y, 0.09, WHITE)
            p.circle(x, y, 0.07, mix(c[3], (150, 100, 60), 0.5))
            p.circle(x, y, 0.03, mix(c[4], WHITE, 0.6))
        elif kind in ("plate", "bowl"):
            p.circle(x, y, 0.15, WHITE)
            p.circle(x, y, 0.12, col)
            for _ in range(6):
                p.circle(x + rng.uniform(-0.07, 0.07), y + rng.uniform(-0.07, 0.07), 0.025,
                         c[int(rng.integers(0, len(c)))])
        elif kind == "flower":
            for a in np.linspace(0, 2 * np.pi, 6, endpoint=False):
                p.circle(x + 0.04 * np.cos(a), y + 0.04 * np.sin(a), 0.035, col)
            p.circle(x, y, 0.025, c[4])
        else:  # gear: a rolled mat / pouch
            p.rect(x - 0.14, y - 0.05, x + 0.14, y + 0.05, col, radius=0.03)
            p.line([(x - 0.1, y), (x + 0.1, y)], shade(col, 0.7), 0.008)


def _skincare_flatlay(p, c, rng):
    _flatlay(p, c, rng, mix(c[2], WHITE, 0.35), 6, ("bottle", "flower", "bottle", "cup", "flower", "bottle"))


def _latte(p, c, rng):
    _flatlay(p, c, rng, c[3], 4, ("cup", "flower", "plate", "cup"))


def _dessert(p, c, rng):
    _flatlay(p, c, rng, mix(c[1], WHITE, 0.3), 4, ("plate", "cup", "flower", "flower"))


def _gear_flatlay(p, c, rng):
    _flatlay(p, c, rng, shade(c[3], 0.8), 6, ("gear", "bottle", "gear", "cup", "gear", "bottle"))


def _smoothie_bowl(p, c, rng):
    _flatlay(p, c, rng, mix(c[1], WHITE, 0.5), 4, ("bowl", "cup", "flower", "plate"))


def _salad(p, c, rng):
    _flatlay(p, c, rng, mix(c[4], c[1], 0.2), 4, ("bowl", "plate", "cup", "flower"))


def _room(p: Pen, c, wall: RGB, floor: RGB, window: RGB | None) -> None:
    p.gradient(0, 0, 1, 0.68, shade(wall, 1.05), shade(wall, 0.95))
    p.gradient(0, 0.68, 1, 1, floor, shade(floor, 0.85))
    if window:
        p.rect(0.08, 0.08, 0.42, 0.52, window, radius=0.01)
        p.line([(0.25, 0.08), (0.25, 0.52)], wall, 0.012)
        p.line([(0.08, 0.30), (0.42, 0.30)], wall, 0.012)
        p.poly([(0.08, 0.52), (0.42, 0.52), (0.70, 0.98), (0.30, 0.98)], (*window, 70))


def _yoga_room(p, c, rng):
    _room(p, c, c[4], mix(c[3], (200, 170, 130), 0.5), mix(c[3], WHITE, 0.6))
    p.poly([(0.20, 0.86), (0.86, 0.80), (0.94, 0.90), (0.26, 0.97)], c[1])
    p.circle(0.80, 0.60, 0.07, c[0])
    p.rect(0.74, 0.64, 0.86, 0.72, mix(c[1], WHITE, 0.3), radius=0.02)


def _stretch(p, c, rng):
    _yoga_room(p, c, rng)
    dark = shade(c[0], 0.5)
    p.circle(0.42, 0.66, 0.03, dark)
    p.line([(0.44, 0.70), (0.60, 0.86)], dark, 0.03)
    p.line([(0.60, 0.86), (0.48, 0.90)], dark, 0.025)
    p.line([(0.44, 0.70), (0.34, 0.84)], dark, 0.02)


def _beach_run(p, c, rng):
    p.gradient(0, 0, 1, 0.5, c[0], mix(c[4], c[3], 0.5))
    p.circle(0.72, 0.42, 0.08, c[3])
    p.gradient(0, 0.48, 1, 0.62, shade(c[0], 0.9), mix(c[0], WHITE, 0.4))
    p.gradient(0, 0.62, 1, 1, mix(c[3], WHITE, 0.3), mix(c[2], c[3], 0.5))
    _trail_runner(p, 0.45, 0.74, shade(c[0], 0.4))


def _trail_runner(p, x, y, dark):
    p.circle(x, y - 0.14, 0.03, dark)
    p.line([(x, y - 0.11), (x - 0.01, y)], dark, 0.025)
    p.line([(x - 0.01, y), (x - 0.06, y + 0.06), (x - 0.04, y + 0.12)], dark, 0.02)
    p.line([(x - 0.01, y), (x + 0.05, y + 0.05), (x + 0.09, y + 0.11)], dark, 0.02)


def _gaming_setup(p, c, rng):
    _room(p, c, c[1], shade(c[0], 0.8), None)
    p.rect(0.16, 0.30, 0.84, 0.62, (8, 8, 16), radius=0.01)
    p.gradient(0.18, 0.32, 0.82, 0.60, c[2], c[4])
    p.rect(0.46, 0.62, 0.54, 0.70, (20, 20, 30))
    p.rect(0.08, 0.70, 0.92, 0.74, (24, 24, 40))
    p.rect(0.24, 0.75, 0.70, 0.80, (16, 16, 26), radius=0.01)
    for i in range(12):
        p.rect(0.25 + i * 0.037, 0.755, 0.25 + i * 0.037 + 0.03, 0.795, c[2 + i % 3], radius=0.004)
    p.line([(0.05, 0.20), (0.95, 0.20)], c[3], 0.012)


def _screen_glow(p, c, rng):
    p.rect(0, 0, 1, 1, c[0])
    p.circle(0.5, 0.46, 0.5, (*c[2], 70))
    p.rect(0.12, 0.22, 0.88, 0.66, (6, 6, 12), radius=0.015)
    p.gradient(0.14, 0.24, 0.86, 0.64, c[3], c[2], horizontal=True)
    p.circle(0.5, 0.44, 0.07, (*WHITE, 220))
    p.poly([(0.485, 0.41), (0.485, 0.47), (0.525, 0.44)], c[2])
    p.rect(0.20, 0.80, 0.80, 0.86, (30, 30, 50), radius=0.03)


def _controller(p, c, rng):
    p.rect(0, 0, 1, 1, c[1])
    p.poly([(0.20, 0.45), (0.80, 0.45), (0.90, 0.70), (0.78, 0.76), (0.62, 0.62), (0.38, 0.62),
            (0.22, 0.76), (0.10, 0.70)], (18, 18, 28), smooth=True)
    for i, col in enumerate((c[4], c[3], c[2], (120, 255, 140))):
        p.circle(0.66 + (i % 2) * 0.06, 0.50 + (i // 2) * 0.06, 0.022, col)
    p.rect(0.28, 0.52, 0.36, 0.54, c[4])
    p.rect(0.31, 0.49, 0.33, 0.57, c[4])
    p.line([(0.10, 0.80), (0.90, 0.80)], c[3], 0.01)


def _night_street(p, c, rng):
    p.gradient(0, 0, 1, 1, c[0], c[1])
    for k in range(2):
        x0 = 0.0 if k == 0 else 0.66
        p.rect(x0, 0.05, x0 + 0.34, 0.82, (14, 14, 30))
        for j in range(6):
            col = c[2 + (j + k) % 3]
            p.rect(x0 + 0.05, 0.12 + j * 0.11, x0 + 0.29, 0.15 + j * 0.11, col, radius=0.01)
    p.gradient(0, 0.82, 1, 1, (30, 30, 60), c[0])
    for _ in range(10):
        x = rng.uniform(0.1, 0.9)
        p.line([(x, 0.84), (x, rng.uniform(0.88, 0.99))], (*c[2 + int(rng.integers(0, 3))], 120), 0.01)


def _city_skyline(p, c, rng):
    p.gradient(0, 0, 1, 0.75, c[0], c[2])
    x = 0.0
    while x < 1:
        bw, bh = rng.uniform(0.08, 0.18), rng.uniform(0.25, 0.6)
        p.rect(x, 0.75 - bh, x + bw, 0.75, (10, 10, 24))
        for _ in range(int(bh * 30)):
            wx, wy = rng.uniform(x + 0.01, x + bw - 0.02), rng.uniform(0.76 - bh, 0.73)
            p.rect(wx, wy, wx + 0.012, wy + 0.008, c[3 + int(rng.integers(0, 2))])
        x += bw + 0.005
    p.gradient(0, 0.75, 1, 1, c[1], c[0])


def _cafe_window(p, c, rng):
    _room(p, c, mix(c[2], WHITE, 0.4), mix(c[3], (180, 140, 110), 0.4), mix(c[1], WHITE, 0.5))
    p.rect(0.46, 0.66, 0.96, 0.70, mix(c[3], (150, 110, 80), 0.5))
    p.rect(0.62, 0.56, 0.72, 0.66, WHITE, radius=0.01)
    p.ellipse(0.62, 0.55, 0.72, 0.58, (190, 140, 100))
    p.circle(0.84, 0.52, 0.08, c[2])
    p.rect(0.82, 0.58, 0.86, 0.66, mix(c[0], (120, 90, 60), 0.5))


MOTIFS: dict[str, Motif] = {
    "forest_trail": _forest_trail, "mountain_camp": _mountain_camp, "campfire": _campfire,
    "trail_run": _trail_run, "lake": _lake, "gear_flatlay": _gear_flatlay,
    "skincare_flatlay": _skincare_flatlay, "latte": _latte, "dessert": _dessert, "cafe_window": _cafe_window,
    "gaming_setup": _gaming_setup, "screen_glow": _screen_glow, "controller": _controller,
    "night_street": _night_street, "city_skyline": _city_skyline,
    "yoga_room": _yoga_room, "stretch": _stretch, "smoothie_bowl": _smoothie_bowl, "salad": _salad,
    "beach_run": _beach_run,
}


# ---------------------------------------------------------------------------
# Grading: the taste's look applied to the drawn picture
# ---------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _falloff(h: int, w: int) -> np.ndarray:
    """Squared distance from the centre (0 at centre, ~0.9 in the corners), for vignettes."""
    u, v = grid(h, w)
    return ((u - 0.5) / 0.75) ** 2 + ((v - 0.5) / 0.75) ** 2


def grade(img: np.ndarray, taste: Taste, rng: np.random.Generator) -> np.ndarray:
    """Colour-grade a float RGB image [0, 1] into the taste's look."""
    h, w = img.shape[:2]
    grey = img.mean(axis=2, keepdims=True)
    img = grey + (img - grey) * taste.saturation
    img = (img - 0.5) * taste.contrast + 0.5
    img = img * np.array([1 + taste.warmth, 1.0, 1 - taste.warmth * 1.5], np.float32)
    if taste.exposure > 0:
        img = 1 - (1 - np.clip(img, 0, 1)) * (1 - taste.exposure)
    else:
        img = img * (1 + taste.exposure)
    if taste.glow:
        # Bloom: a wide blur of the bright parts, screened back over the picture.
        bright = np.clip(img - 0.45, 0, 1) * 1.6
        halo = blur(np.ascontiguousarray(bright), w * 0.03)
        img = 1 - (1 - np.clip(img, 0, 1)) * (1 - taste.glow * halo)
    if taste.vignette:
        img = img * (1 - taste.vignette * _falloff(h, w))[:, :, None]
    if taste.grain:
        img = grain(img, taste.grain, rng, size=1.6)
        img = grain(img, taste.grain * 0.4, rng)
    return img


def render_photo(taste_name: str, motif: str, label: str) -> Image.Image:
    """A 480x640 history photo of ``motif`` in ``taste``; ``label`` (item id) seeds it."""
    taste = TASTES[taste_name]
    w, h = PHOTO_SIZE
    rng = np.random.default_rng(seed_of(taste_name, motif, label))
    layer = new_layer(PHOTO_SIZE)
    MOTIFS[motif](Pen(layer, (0, 0, w * SUPERSAMPLE, h * SUPERSAMPLE)), taste.colours(), rng)
    base = vertical_gradient(h, w, [(0.0, taste.colours()[4]), (1.0, taste.colours()[2])])
    drawn = np.asarray(over(base, finish_layer(layer)), dtype=np.float32) / 255.0
    return to_image(grade(drawn, taste, rng))
