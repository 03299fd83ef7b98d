"""Product shots and logos for the demo catalog, drawn by code.

A hero is a studio shot: a soft sweep backdrop tinted by the brand, a stylised silhouette of
the product category in the brand colours (brand name printed on it where a real product
would carry it), directional shading, a gloss highlight on shiny goods and a floor shadow.
A lifestyle shot puts the same product into a simple environment; a detail shot is a
close crop of the product. Logos are a geometric mark plus a wordmark on transparency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .draw import (
    RGB, SUPERSAMPLE, Pen, blur, composite, finish_layer, grid, hex_rgb, ink_on, luminance, mix, new_layer,
    over, seed_of, shade, vertical_gradient,
)
from .products import AssetSpec, ProductSpec

HERO_SIZE = (1024, 1024)
LIFESTYLE_SIZE = (1024, 768)
DETAIL_SIZE = (768, 768)
LOGO_SIZE = (512, 512)

# Studio look: how far the brand tint is washed towards white, and the light falloff.
_BACKDROP_WASH = 0.78
_VIGNETTE = 0.22
_SHADE_STRENGTH = 0.16  # directional light across the product (+/-)
_EDGE_OCCLUSION = 0.22  # darkening towards silhouette edges (reads as roundness)
_GLOSS = 0.22  # peak of the specular band on shiny products
_SHADOW_OPACITY = 0.5

_DARK_MEAN = 110  # mean channel value (0-255) below which a colour counts as dark
WHITE: RGB = (255, 255, 255)
INK: RGB = (24, 24, 28)


@dataclass(frozen=True)
class Palette:
    main: RGB
    accent: RGB
    third: RGB

    @classmethod
    def of(cls, spec: ProductSpec) -> Palette:
        cols = [hex_rgb(c) for c in spec.brand_colors] or [(90, 90, 100)]
        while len(cols) < 3:
            cols.append(shade(cols[-1], 1.5))
        return cls(*cols[:3])


def luminance_dark(c: RGB) -> bool:
    """Dark enough that light glass or a light backdrop should not be tinted with it."""
    return sum(c) / 3 < _DARK_MEAN


# ---------------------------------------------------------------------------
# Category silhouettes: each draws into a unit box whose bottom edge is the floor
# ---------------------------------------------------------------------------


def _smartphone(p: Pen, c: Palette, brand: str) -> None:
    # Back of one phone (camera module) behind the front of another (screen).
    p.rect(0.16, 0.12, 0.50, 0.94, c.main, radius=0.06)
    p.rect(0.20, 0.16, 0.36, 0.40, shade(c.main, 0.7), radius=0.04)
    for cx, cy in ((0.245, 0.21), (0.245, 0.33), (0.315, 0.27)):
        p.circle(cx, cy, 0.032, (18, 18, 22))
        p.circle(cx, cy, 0.018, (40, 60, 90))
    p.text(brand.upper(), 0.33, 0.78, 0.24, 0.05, shade(c.main, 1.4))
    p.rect(0.44, 0.06, 0.82, 0.98, c.third, radius=0.06)
    p.gradient(0.46, 0.08, 0.80, 0.96, c.main, c.accent, radius=0.05)
    p.circle(0.63, 0.115, 0.012, (10, 10, 12))
    p.text("9:41", 0.63, 0.26, 0.22, 0.08, WHITE)
    p.text(brand, 0.63, 0.55, 0.28, 0.07, WHITE)
    p.rect(0.56, 0.92, 0.70, 0.93, (255, 255, 255, 200), radius=0.005)


def _sneakers(p: Pen, c: Palette, brand: str) -> None:
    upper = [(0.08, 0.74), (0.09, 0.52), (0.16, 0.44), (0.27, 0.50), (0.36, 0.44), (0.46, 0.36),
             (0.52, 0.40), (0.66, 0.52), (0.82, 0.60), (0.94, 0.70), (0.95, 0.78), (0.50, 0.80)]
    p.poly(upper, c.main, smooth=True)
    p.poly([(0.30, 0.70), (0.50, 0.58), (0.78, 0.60), (0.55, 0.68), (0.34, 0.74)], c.accent, smooth=True)
    for i in range(5):
        x = 0.50 + i * 0.06
        y = 0.42 + i * 0.045
        p.line([(x - 0.03, y - 0.02), (x + 0.03, y + 0.03)], WHITE, 0.012)
    p.poly([(0.05, 0.74), (0.50, 0.76), (0.97, 0.76), (0.98, 0.84), (0.93, 0.88), (0.07, 0.88), (0.04, 0.82)],
           c.third, smooth=True)
    p.rect(0.06, 0.86, 0.94, 0.90, shade(c.accent, 0.6), radius=0.01)
    p.text(brand.upper(), 0.50, 0.82, 0.30, 0.045, c.main)


def _bottle_profile(cx: float, top: float, bottom: float, half: float) -> list[tuple[float, float]]:
    """Contoured soda bottle outline (x, y), symmetric about cx."""
    prof = [(0.00, 0.20), (0.06, 0.21), (0.08, 0.24), (0.25, 0.30), (0.38, 0.90), (0.50, 1.0),
            (0.62, 0.78), (0.75, 1.0), (0.97, 1.0), (1.00, 0.92)]
    h = bottom - top
    right = [(cx + half * w, top + h * t) for t, w in prof]
    left = [(cx - half * w, top + h * t) for t, w in reversed(prof)]
    return right + left


def _cola(p: Pen, c: Palette, brand: str) -> None:
    bottle = _bottle_profile(0.36, 0.04, 0.97, 0.15)
    p.poly(bottle, (70, 28, 18))
    p.rect(0.325, 0.02, 0.395, 0.07, c.main, radius=0.01)
    p.rect(0.21, 0.52, 0.51, 0.66, c.main)
    p.text(brand, 0.36, 0.59, 0.26, 0.09, c.accent)
    p.line([(0.28, 0.34), (0.26, 0.50)], (255, 255, 255, 90), 0.012)
    # Can: cylinder with an elliptical lid.
    p.rect(0.56, 0.46, 0.86, 0.96, c.main, radius=0.02)
    p.ellipse(0.56, 0.43, 0.86, 0.49, (205, 208, 212))
    p.ellipse(0.58, 0.435, 0.84, 0.475, (170, 174, 180))
    p.poly([(0.56, 0.76), (0.66, 0.70), (0.76, 0.78), (0.86, 0.72), (0.86, 0.80), (0.76, 0.86),
            (0.66, 0.78), (0.56, 0.84)], c.accent)
    p.text(brand, 0.71, 0.60, 0.26, 0.09, c.accent)


def _burger(p: Pen, c: Palette, brand: str) -> None:
    bun, bun_dark = (222, 150, 70), (190, 112, 45)
    p.rect(0.16, 0.80, 0.84, 0.94, bun_dark, radius=0.05)
    p.poly([(0.12 + i * 0.04, 0.70 + (0.015 if i % 2 else -0.005)) for i in range(20)]
           + [(0.88, 0.82), (0.12, 0.82)], (92, 46, 26), smooth=False)
    p.rect(0.12, 0.70, 0.88, 0.82, (92, 46, 26), radius=0.04)
    p.poly([(0.12, 0.66), (0.88, 0.66), (0.86, 0.72), (0.78, 0.78), (0.74, 0.72), (0.50, 0.73),
            (0.44, 0.80), (0.40, 0.72), (0.20, 0.72), (0.16, 0.77), (0.13, 0.71)], (250, 190, 40))
    lettuce = [(0.10 + i * 0.04, 0.60 + (0.03 if i % 2 else 0.0)) for i in range(21)]
    p.poly(lettuce + [(0.90, 0.67), (0.10, 0.67)], (88, 160, 60))
    p.rect(0.18, 0.57, 0.82, 0.62, (210, 50, 40), radius=0.02)
    p.pieslice(0.13, 0.24, 0.87, 0.86, 180, 360, bun)
    p.rect(0.13, 0.54, 0.87, 0.58, bun, radius=0.02)
    rng = np.random.default_rng(seed_of("sesame", brand))
    for _ in range(22):
        x, y = rng.uniform(0.24, 0.76), rng.uniform(0.34, 0.50)
        p.ellipse(x - 0.012, y - 0.006, x + 0.012, y + 0.006, (250, 235, 200))
    p.line([(0.50, 0.36), (0.50, 0.08)], (200, 170, 120), 0.008)
    p.poly([(0.50, 0.08), (0.72, 0.11), (0.50, 0.18)], c.main)
    p.text(brand, 0.575, 0.125, 0.15, 0.045, ink_on(c.main))


def _car(p: Pen, c: Palette, brand: str, hatch: bool = False) -> None:
    """Side view of a car facing right; a hatchback for ride-hailing, a sedan otherwise."""
    if hatch:
        body = [(0.03, 0.84), (0.97, 0.84), (0.985, 0.74), (0.95, 0.66), (0.78, 0.62), (0.64, 0.47),
                (0.50, 0.43), (0.22, 0.43), (0.08, 0.50), (0.03, 0.62), (0.02, 0.76)]
        windows = ([(0.62, 0.485), (0.72, 0.60), (0.48, 0.60), (0.48, 0.465)],
                   [(0.45, 0.465), (0.45, 0.60), (0.10, 0.58), (0.12, 0.51), (0.22, 0.47)])
    else:
        body = [(0.03, 0.84), (0.97, 0.84), (0.985, 0.74), (0.95, 0.66), (0.76, 0.62), (0.62, 0.48),
                (0.48, 0.44), (0.32, 0.46), (0.20, 0.58), (0.08, 0.61), (0.02, 0.66), (0.02, 0.76)]
        windows = ([(0.60, 0.495), (0.70, 0.60), (0.46, 0.60), (0.46, 0.475)],
                   [(0.43, 0.475), (0.43, 0.60), (0.22, 0.60), (0.32, 0.49)])
    p.poly(body, c.main, smooth=True)
    glass = c.third if luminance_dark(c.third) else (40, 50, 64)
    for win in windows:
        p.poly(win, glass)
    p.line([(0.445, 0.46), (0.445, 0.82)], shade(c.main, 0.75), 0.006)
    p.line([(0.04, 0.68), (0.96, 0.68)], shade(c.main, 1.25), 0.006)
    p.poly([(0.93, 0.655), (0.975, 0.675), (0.98, 0.71), (0.93, 0.695)], (255, 244, 210))
    p.rect(0.015, 0.66, 0.045, 0.71, (210, 40, 40), radius=0.008)
    for cx in (0.22, 0.78):
        p.circle(cx, 0.84, 0.09, (22, 22, 24))
        p.circle(cx, 0.84, 0.055, (196, 200, 206))
        for k in range(5):
            a = np.deg2rad(90 + 72 * k)
            p.line([(cx, 0.84), (cx + 0.048 * np.cos(a), 0.84 + 0.048 * np.sin(a))], (120, 124, 130), 0.011)
        p.circle(cx, 0.84, 0.014, (60, 60, 64))
    if hatch:
        p.text(brand, 0.53, 0.75, 0.24, 0.06, c.accent)
        # Map pin hovering over the car: the ride is on its way.
        p.circle(0.62, 0.18, 0.08, c.accent)
        p.poly([(0.565, 0.215), (0.675, 0.215), (0.62, 0.34)], c.accent)
        p.circle(0.62, 0.18, 0.032, c.main)
    else:
        p.text(brand.split()[0].upper(), 0.83, 0.73, 0.10, 0.025, shade(c.main, 1.5))


def _sedan(p: Pen, c: Palette, brand: str) -> None:
    _car(p, c, brand)


def _ride_hailing(p: Pen, c: Palette, brand: str) -> None:
    _car(p, c, brand, hatch=True)


def _skincare(p: Pen, c: Palette, brand: str) -> None:
    glass = mix(c.main, WHITE, 0.15)
    p.rect(0.24, 0.40, 0.56, 0.96, glass, radius=0.06)
    p.rect(0.34, 0.30, 0.46, 0.41, c.third, radius=0.01)
    p.ellipse(0.35, 0.08, 0.45, 0.32, shade(c.third, 0.8))
    p.rect(0.29, 0.56, 0.51, 0.82, c.accent, radius=0.01)
    p.text(brand.upper(), 0.40, 0.64, 0.19, 0.05, c.third)
    p.text("DEW SERUM", 0.40, 0.73, 0.17, 0.03, shade(c.third, 0.8), bold=False)
    p.line([(0.28, 0.46), (0.28, 0.90)], (255, 255, 255, 120), 0.014)
    p.rect(0.60, 0.76, 0.90, 0.96, mix(c.accent, c.main, 0.3), radius=0.03)
    p.rect(0.59, 0.70, 0.91, 0.78, c.third, radius=0.02)
    p.text(brand, 0.75, 0.87, 0.24, 0.05, c.third)


def _fried_chicken(p: Pen, c: Palette, brand: str) -> None:
    rng = np.random.default_rng(seed_of("chicken", brand))
    crust, crust_dark = (204, 124, 48), (160, 86, 30)
    for i in range(6):
        cx = 0.26 + i * 0.096 + rng.uniform(-0.02, 0.02)
        cy = 0.36 + rng.uniform(-0.06, 0.04)
        knots = [(cx + r * np.cos(a), cy + r * 0.8 * np.sin(a))
                 for a, r in zip(np.linspace(0, 2 * np.pi, 9, endpoint=False), rng.uniform(0.08, 0.12, 9))]
        p.poly(knots, crust if i % 2 else crust_dark, smooth=True)
        for _ in range(6):
            x, y = cx + rng.uniform(-0.06, 0.06), cy + rng.uniform(-0.05, 0.05)
            p.circle(x, y, 0.008, shade(crust, 1.25))
    p.rect(0.31, 0.17, 0.34, 0.30, (246, 236, 214), radius=0.01)
    p.circle(0.325, 0.165, 0.022, (246, 236, 214))
    p.poly([(0.18, 0.42), (0.82, 0.42), (0.74, 0.96), (0.26, 0.96)], c.third)
    for i in range(6):
        x0 = 0.18 + i * (0.64 / 6)
        x1 = x0 + 0.64 / 12
        p.poly([(x0, 0.42), (x1, 0.42), (x1 + (0.5 - x1) * 0.12, 0.96), (x0 + (0.5 - x0) * 0.12, 0.96)], c.main)
    p.rect(0.17, 0.40, 0.83, 0.45, shade(c.main, 0.8), radius=0.01)
    p.rect(0.28, 0.56, 0.72, 0.76, c.accent, radius=0.03)
    p.text(brand.upper(), 0.50, 0.66, 0.40, 0.10, c.main)


def _retail_store(p: Pen, c: Palette, brand: str) -> None:
    wall = (236, 232, 224)
    p.rect(0.06, 0.14, 0.94, 0.97, wall)
    p.rect(0.04, 0.10, 0.96, 0.16, shade(c.third, 1.2))
    p.rect(0.12, 0.20, 0.88, 0.36, c.main, radius=0.015)
    p.text(brand.upper(), 0.50, 0.28, 0.68, 0.11, c.accent)
    for i in range(10):
        x0 = 0.08 + i * 0.084
        p.rect(x0, 0.40, x0 + 0.084, 0.48, c.main if i % 2 == 0 else WHITE)
        p.pieslice(x0, 0.44, x0 + 0.084, 0.52, 0, 180, c.main if i % 2 == 0 else WHITE)
    glass = (180, 214, 232)
    rng = np.random.default_rng(seed_of("shelves", brand))
    for x0, x1 in ((0.12, 0.42), (0.62, 0.88)):
        p.rect(x0, 0.56, x1, 0.90, glass, outline=shade(c.third, 1.0), width=0.008)
        for row in range(3):
            y = 0.62 + row * 0.09
            p.line([(x0, y + 0.05), (x1, y + 0.05)], (150, 160, 170), 0.005)
            x = x0 + 0.02
            while x < x1 - 0.05:
                w = rng.uniform(0.025, 0.045)
                col = (c.main, c.accent, (230, 90, 80), (120, 190, 110))[int(rng.integers(0, 4))]
                p.rect(x, y + 0.05 - rng.uniform(0.03, 0.05), x + w, y + 0.05, col)
                x += w + 0.01
    p.rect(0.47, 0.54, 0.58, 0.97, (150, 190, 210), outline=c.third, width=0.008)
    p.rect(0.55, 0.74, 0.56, 0.80, c.third)
    p.rect(0.06, 0.94, 0.94, 0.97, (160, 160, 164))


def _lodging(p: Pen, c: Palette, brand: str) -> None:
    wall = c.third
    p.rect(0.22, 0.50, 0.78, 0.96, wall)
    p.rect(0.62, 0.22, 0.70, 0.42, shade(c.main, 0.7))
    p.poly([(0.12, 0.54), (0.50, 0.20), (0.88, 0.54)], c.main)
    p.poly([(0.12, 0.54), (0.50, 0.20), (0.50, 0.26), (0.18, 0.55)], shade(c.main, 1.2))
    window = (255, 214, 120)
    for x0 in (0.28, 0.60):
        p.rect(x0, 0.60, x0 + 0.12, 0.72, window, outline=shade(wall, 0.6), width=0.01)
        p.line([(x0 + 0.06, 0.60), (x0 + 0.06, 0.72)], shade(wall, 0.6), 0.008)
    p.rect(0.44, 0.66, 0.56, 0.96, c.accent, radius=0.01)
    p.circle(0.535, 0.82, 0.008, (240, 210, 120))
    p.text(brand, 0.50, 0.56, 0.20, 0.04, shade(wall, 0.45))
    # Location pin with a bed icon: "a place to stay".
    p.circle(0.82, 0.14, 0.10, c.accent)
    p.poly([(0.74, 0.19), (0.90, 0.19), (0.82, 0.34)], c.accent)
    p.rect(0.77, 0.12, 0.87, 0.17, WHITE, radius=0.01)
    p.rect(0.77, 0.10, 0.80, 0.13, WHITE, radius=0.01)
    p.line([(0.77, 0.12), (0.77, 0.185)], WHITE, 0.008)
    p.line([(0.87, 0.15), (0.87, 0.185)], WHITE, 0.008)


def _ergonomic_chair(p: Pen, c: Palette, brand: str) -> None:
    p.rect(0.30, 0.04, 0.66, 0.50, c.main, radius=0.08)
    p.rect(0.33, 0.07, 0.63, 0.47, shade(c.main, 1.25), radius=0.07)
    for i in range(1, 8):
        y = 0.07 + i * 0.05
        p.line([(0.34, y), (0.62, y)], shade(c.main, 1.1), 0.004)
    p.rect(0.36, 0.30, 0.60, 0.38, c.accent, radius=0.04)
    p.text(brand.upper(), 0.48, 0.12, 0.18, 0.035, c.third)
    p.rect(0.45, 0.48, 0.51, 0.56, shade(c.main, 0.7))
    p.rect(0.24, 0.54, 0.74, 0.64, shade(c.main, 0.8), radius=0.04)
    for x in (0.22, 0.70):
        p.rect(x, 0.44, x + 0.08, 0.47, (40, 40, 46), radius=0.015)
        p.rect(x + 0.03, 0.46, x + 0.05, 0.56, (40, 40, 46))
    p.rect(0.465, 0.64, 0.495, 0.82, (170, 176, 184), radius=0.01)
    for k in range(5):
        a = np.deg2rad(-90 + 72 * k + 18)
        ex, ey = 0.48 + 0.26 * np.cos(a), 0.86 + 0.06 * np.sin(a)
        p.line([(0.48, 0.82), (ex, ey)], (60, 60, 66), 0.022)
        p.circle(ex, ey + 0.035, 0.022, (30, 30, 34))


def _tent(p: Pen, c: Palette, brand: str) -> None:
    p.line([(0.50, 0.18), (0.02, 0.92)], (120, 120, 120), 0.004)
    p.line([(0.50, 0.18), (0.98, 0.92)], (120, 120, 120), 0.004)
    p.poly([(0.08, 0.92), (0.50, 0.20), (0.92, 0.92)], c.main)
    p.poly([(0.50, 0.20), (0.92, 0.92), (0.64, 0.92)], shade(c.main, 0.8))
    p.poly([(0.34, 0.92), (0.50, 0.46), (0.60, 0.92)], c.third)
    p.line([(0.50, 0.46), (0.47, 0.92)], shade(c.accent, 0.9), 0.006)
    p.line([(0.50, 0.20), (0.08, 0.92)], c.accent, 0.014)
    p.line([(0.50, 0.20), (0.92, 0.92)], c.accent, 0.014)
    p.rect(0.08, 0.89, 0.92, 0.93, c.accent)
    p.text(brand.upper(), 0.24, 0.80, 0.16, 0.04, shade(c.main, 1.6), angle=0)


def _sandwich(p: Pen, c: Palette, brand: str) -> None:
    """Two club-sandwich halves, cut faces forward: bread, fillings, bread."""
    p.rect(0.04, 0.82, 0.96, 0.96, c.accent, radius=0.02)
    p.rect(0.04, 0.86, 0.96, 0.92, c.main)
    p.text(brand.upper(), 0.50, 0.89, 0.40, 0.05, WHITE)
    crust, crumb = c.third, (236, 204, 150)
    layers = [(0.00, 0.20, crumb), (0.20, 0.32, (110, 170, 60)), (0.32, 0.44, (214, 60, 48)),
              (0.44, 0.58, (240, 220, 190)), (0.58, 0.68, (180, 70, 60)), (0.68, 0.78, (250, 205, 80)),
              (0.78, 1.00, crumb)]
    for x0, x1, top, bottom, apex in ((0.40, 0.92, 0.46, 0.70, 0.72), (0.08, 0.62, 0.58, 0.82, 0.30)):
        face = [(x0, top), (x1, top), (x1, bottom), (x0, bottom)]
        p.bands(face, [(top + (bottom - top) * a, top + (bottom - top) * b, col) for a, b, col in layers])
        p.rect(x0, top, x1, bottom, None, outline=crust, width=0.012)
        p.poly([(x0, top), (x1, top), (apex, top - 0.16)], shade(crumb, 1.1))
        p.line([(x0, top), (apex, top - 0.16), (x1, top)], crust, 0.016)


def _yoga_pants(p: Pen, c: Palette, brand: str) -> None:
    legs = [(0.28, 0.16), (0.72, 0.16), (0.74, 0.40), (0.70, 0.94), (0.56, 0.94), (0.52, 0.46),
            (0.50, 0.42), (0.48, 0.46), (0.44, 0.94), (0.30, 0.94), (0.26, 0.40)]
    p.poly(legs, c.main)
    p.rect(0.27, 0.05, 0.73, 0.17, c.third, radius=0.02)
    p.text(brand.upper(), 0.50, 0.11, 0.30, 0.06, c.accent)
    p.line([(0.27, 0.20), (0.29, 0.55), (0.31, 0.93)], shade(c.main, 1.3), 0.008)
    p.line([(0.73, 0.20), (0.71, 0.55), (0.69, 0.93)], shade(c.main, 1.3), 0.008)
    p.line([(0.50, 0.17), (0.50, 0.42)], shade(c.main, 0.8), 0.006)


def _toothpaste(p: Pen, c: Palette, brand: str) -> None:
    p.poly([(0.04, 0.46), (0.11, 0.46), (0.80, 0.56), (0.80, 0.86), (0.11, 0.94), (0.04, 0.94)], c.accent)
    for i in range(6):
        x = 0.045 + i * 0.011
        p.line([(x, 0.47), (x, 0.93)], shade(c.accent, 0.85), 0.003)
    p.poly([(0.18, 0.52), (0.76, 0.58), (0.76, 0.64), (0.18, 0.59)], c.main)
    p.poly([(0.18, 0.84), (0.76, 0.80), (0.76, 0.84), (0.18, 0.90)], c.third)
    p.text(brand.upper(), 0.46, 0.715, 0.46, 0.10, c.third)
    p.rect(0.80, 0.59, 0.96, 0.83, c.third, radius=0.02)
    for i in range(6):
        y = 0.62 + i * 0.035
        p.line([(0.82, y), (0.94, y)], shade(c.third, 1.25), 0.004)


def _streaming(p: Pen, c: Palette, brand: str) -> None:
    p.rect(0.04, 0.14, 0.96, 0.76, c.accent, radius=0.02)
    p.gradient(0.06, 0.16, 0.94, 0.74, shade(c.main, 0.55), (12, 12, 20), radius=0.01)
    p.text(brand.upper(), 0.22, 0.22, 0.24, 0.05, c.third)
    p.circle(0.50, 0.44, 0.10, c.main)
    p.poly([(0.47, 0.38), (0.47, 0.50), (0.56, 0.44)], WHITE)
    p.rect(0.12, 0.66, 0.88, 0.675, (90, 90, 100))
    p.rect(0.12, 0.66, 0.46, 0.675, c.main)
    p.circle(0.46, 0.6675, 0.012, WHITE)
    p.rect(0.46, 0.76, 0.54, 0.88, (50, 50, 58))
    p.rect(0.32, 0.88, 0.68, 0.91, (70, 70, 78), radius=0.01)
    for i, col in enumerate((c.main, shade(c.main, 1.4), (60, 120, 200), (240, 170, 60))):
        x0 = 0.60 + i * 0.08
        p.rect(x0, 0.52, x0 + 0.065, 0.62, col, radius=0.008)


def _coffee_machine(p: Pen, c: Palette, brand: str) -> None:
    p.rect(0.30, 0.02, 0.70, 0.12, (70, 50, 40, 230), radius=0.02)
    rng = np.random.default_rng(seed_of("beans", brand))
    for _ in range(14):
        x, y = rng.uniform(0.33, 0.67), rng.uniform(0.05, 0.10)
        p.ellipse(x - 0.014, y - 0.008, x + 0.014, y + 0.008, (120, 74, 40))
    p.rect(0.20, 0.10, 0.80, 0.94, c.main, radius=0.05)
    p.rect(0.24, 0.14, 0.76, 0.40, c.third, radius=0.03)
    p.text(brand.upper(), 0.50, 0.20, 0.40, 0.05, c.main)
    p.rect(0.34, 0.26, 0.66, 0.35, (24, 24, 28), radius=0.01)
    for i in range(3):
        p.circle(0.40 + i * 0.10, 0.305, 0.018, c.accent)
    p.rect(0.26, 0.42, 0.74, 0.50, shade(c.main, 0.75), radius=0.02)
    p.rect(0.44, 0.50, 0.56, 0.56, (190, 194, 200), radius=0.01)
    p.line([(0.48, 0.56), (0.48, 0.66)], (110, 70, 40), 0.01)
    p.line([(0.52, 0.56), (0.52, 0.66)], (110, 70, 40), 0.01)
    p.rect(0.38, 0.64, 0.62, 0.82, WHITE, radius=0.03)
    p.ellipse(0.40, 0.64, 0.60, 0.68, (200, 150, 100))
    p.ellipse(0.60, 0.68, 0.68, 0.78, None, outline=WHITE, width=0.014)
    p.rect(0.26, 0.82, 0.74, 0.87, (180, 184, 190), radius=0.01)
    for k in range(3):
        x = 0.44 + k * 0.06
        p.line([(x, 0.60), (x - 0.02, 0.54), (x + 0.01, 0.47)], (255, 255, 255, 90), 0.006)


def _television(p: Pen, c: Palette, brand: str) -> None:
    p.rect(0.02, 0.10, 0.98, 0.70, c.accent, radius=0.01)
    p.gradient(0.03, 0.115, 0.97, 0.685, c.main, c.third, radius=0.005)
    p.circle(0.66, 0.40, 0.08, (255, 210, 140))
    p.poly([(0.03, 0.685), (0.03, 0.52), (0.22, 0.36), (0.38, 0.50), (0.54, 0.40), (0.76, 0.56),
            (0.97, 0.46), (0.97, 0.685)], shade(c.main, 0.55))
    p.poly([(0.03, 0.685), (0.03, 0.60), (0.30, 0.52), (0.56, 0.62), (0.97, 0.56), (0.97, 0.685)],
           shade(c.accent, 1.3))
    p.text(brand.upper(), 0.50, 0.69, 0.10, 0.012, (150, 150, 160))
    p.poly([(0.20, 0.70), (0.24, 0.70), (0.18, 0.90), (0.14, 0.90)], (60, 60, 66))
    p.poly([(0.76, 0.70), (0.80, 0.70), (0.86, 0.90), (0.82, 0.90)], (60, 60, 66))


@dataclass(frozen=True)
class CategoryArt:
    draw: Callable[[Pen, Palette, str], None]
    gloss: bool = False  # shiny surface: add a specular band
    dark_studio: bool = False  # screens read better on a dark sweep
    scene: str = "studio_window"  # lifestyle environment
    focus: tuple[float, float] = (0.5, 0.5)  # detail-shot centre in box units


CATEGORY_ART: dict[str, CategoryArt] = {
    "smartphone": CategoryArt(_smartphone, gloss=True, focus=(0.28, 0.28)),
    "sneakers": CategoryArt(_sneakers, scene="outdoor", focus=(0.55, 0.62)),
    "cola": CategoryArt(_cola, gloss=True, scene="outdoor", focus=(0.36, 0.55)),
    "burger": CategoryArt(_burger, scene="table", focus=(0.5, 0.62)),
    "sedan": CategoryArt(_sedan, gloss=True, scene="coast_dusk", focus=(0.78, 0.76)),
    "skincare": CategoryArt(_skincare, gloss=True, scene="studio_window", focus=(0.40, 0.30)),
    "fried chicken": CategoryArt(_fried_chicken, scene="table", focus=(0.5, 0.45)),
    "retail store": CategoryArt(_retail_store, scene="outdoor", focus=(0.5, 0.30)),
    "lodging platform": CategoryArt(_lodging, scene="mountain", focus=(0.5, 0.6)),
    "ergonomic chair": CategoryArt(_ergonomic_chair, scene="studio_window", focus=(0.48, 0.32)),
    "tent": CategoryArt(_tent, scene="mountain", focus=(0.45, 0.7)),
    "sandwich": CategoryArt(_sandwich, scene="table", focus=(0.35, 0.68)),
    "yoga pants": CategoryArt(_yoga_pants, scene="studio_window", focus=(0.5, 0.2)),
    "toothpaste": CategoryArt(_toothpaste, gloss=True, focus=(0.46, 0.72)),
    "streaming service": CategoryArt(_streaming, dark_studio=True, scene="night_city", focus=(0.5, 0.44)),
    "ride-hailing": CategoryArt(_ride_hailing, gloss=True, scene="night_city", focus=(0.55, 0.55)),
    "coffee machine": CategoryArt(_coffee_machine, gloss=True, scene="kitchen", focus=(0.5, 0.6)),
    "television": CategoryArt(_television, gloss=True, dark_studio=True, scene="studio_window",
                              focus=(0.5, 0.4)),
}


# ---------------------------------------------------------------------------
# Backdrops
# ---------------------------------------------------------------------------


def studio_backdrop(size: tuple[int, int], tint: RGB, floor_v: float, dark: bool) -> np.ndarray:
    """Seamless studio sweep: wall falls off towards the floor line, floor lightens forward."""
    w, h = size
    base = shade(tint, 0.22) if dark else mix(tint, WHITE, _BACKDROP_WASH)
    wall_top, wall_low = shade(base, 1.08), shade(base, 0.94)
    floor_near = shade(base, 0.86 if not dark else 0.8)
    img = vertical_gradient(h, w, [(0.0, wall_top), (max(0.01, floor_v - 0.08), wall_low),
                                   (min(0.99, floor_v + 0.04), floor_near), (1.0, shade(base, 0.97))])
    img *= _studio_light(h, w)[:, :, None]
    return img


@lru_cache(maxsize=4)
def _studio_light(h: int, w: int) -> np.ndarray:
    """Key light behind the product with a vignette towards the corners (cached per size)."""
    u, v = grid(h, w)
    r2 = ((u - 0.5) / 0.7) ** 2 + ((v - 0.42) / 0.8) ** 2
    return 1 - _VIGNETTE * r2 + 0.06 * np.exp(-r2 * 4)


def _sky_ground(h: int, w: int, sky: tuple[RGB, RGB], ground: tuple[RGB, RGB], horizon: float) -> np.ndarray:
    return vertical_gradient(h, w, [(0.0, sky[0]), (horizon - 0.001, sky[1]), (horizon, ground[0]),
                                    (1.0, ground[1])])


def _ridge(layer: ImageDraw.ImageDraw, w: int, h: int, base_v: float, amp: float, colour, rng,
           peaks: int = 6) -> None:
    xs = np.linspace(-0.1, 1.1, peaks * 2 + 1)
    ys = base_v - amp * (0.4 + 0.6 * rng.random(len(xs))) * (np.arange(len(xs)) % 2 == 1) - amp * 0.2
    pts = [(x * w, y * h) for x, y in zip(xs, ys, strict=True)] + [(1.1 * w, h), (-0.1 * w, h)]
    layer.polygon(pts, fill=colour)


def scene_backdrop(kind: str, size: tuple[int, int], palette: Palette, seed: int,
                   floor_v: float) -> np.ndarray:
    """Simple environments for lifestyle shots (and, reused, for user photos)."""
    w, h = size
    rng = np.random.default_rng(seed)
    if kind == "outdoor":
        img = _sky_ground(h, w, ((120, 180, 230), (214, 234, 246)), ((120, 170, 90), (80, 130, 60)), floor_v - 0.12)
    elif kind == "mountain":
        img = _sky_ground(h, w, ((150, 190, 225), (240, 220, 190)), ((110, 150, 80), (70, 110, 55)), floor_v - 0.10)
    elif kind == "coast_dusk":
        img = _sky_ground(h, w, ((60, 60, 120), (246, 160, 110)), ((70, 76, 84), (40, 44, 50)), floor_v - 0.06)
    elif kind == "night_city":
        img = vertical_gradient(h, w, [(0.0, (10, 12, 30)), (floor_v - 0.05, (30, 30, 60)),
                                       (floor_v, (26, 26, 34)), (1.0, (12, 12, 18))])
    elif kind == "table":
        img = vertical_gradient(h, w, [(0.0, (236, 214, 186)), (floor_v - 0.1, (210, 180, 150)),
                                       (floor_v - 0.1 + 0.001, (150, 98, 60)), (1.0, (110, 70, 40))])
    elif kind == "kitchen":
        img = vertical_gradient(h, w, [(0.0, (246, 246, 244)), (floor_v - 0.04, (226, 228, 228)),
                                       (floor_v - 0.04 + 0.001, (200, 196, 190)), (1.0, (176, 170, 162))])
    else:  # studio_window: bright room with window light on the wall and a wooden floor
        img = vertical_gradient(h, w, [(0.0, (246, 242, 236)), (floor_v - 0.08, (232, 226, 218)),
                                       (floor_v - 0.08 + 0.001, (200, 170, 130)), (1.0, (170, 136, 96))])
    overlay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(overlay)
    if kind in ("outdoor", "mountain"):
        far = (150, 170, 190, 255) if kind == "mountain" else (140, 180, 130, 255)
        _ridge(d, w, h, floor_v - 0.12, 0.35 if kind == "mountain" else 0.12, far, rng)
        _ridge(d, w, h, floor_v - 0.08, 0.15, (90, 130, 80, 255), rng, peaks=9)
        if kind == "mountain":
            d.ellipse((w * 0.78, h * 0.10, w * 0.88, h * 0.10 + w * 0.10), fill=(255, 240, 200, 255))
    elif kind == "coast_dusk":
        sun = 0.07 * h
        d.ellipse((0.68 * w - sun, (floor_v - 0.24) * h - sun, 0.68 * w + sun, (floor_v - 0.24) * h + sun),
                  fill=(255, 200, 120, 255))
        d.rectangle((0, h * (floor_v - 0.16), w, h * (floor_v - 0.06)), fill=(60, 90, 140, 255))
        d.rectangle((0, h * (floor_v + 0.06), w, h * (floor_v + 0.07)), fill=(230, 220, 190, 255))
    elif kind == "night_city":
        x = 0.0
        while x < 1.0:
            bw, bh = rng.uniform(0.06, 0.14), rng.uniform(0.2, 0.55)
            d.rectangle((x * w, (floor_v - bh) * h, (x + bw) * w, floor_v * h), fill=(20, 22, 44, 255))
            for _ in range(int(bw * bh * 400)):
                wx, wy = rng.uniform(x + 0.01, x + bw - 0.01), rng.uniform(floor_v - bh + 0.02, floor_v - 0.02)
                d.rectangle((wx * w, wy * h, wx * w + w * 0.008, wy * h + h * 0.01),
                            fill=(255, 210, 120, 220) if rng.random() < 0.7 else (120, 220, 255, 220))
            x += bw + 0.01
        for _ in range(14):
            bx, by, br = rng.uniform(0, 1) * w, rng.uniform(0.05, floor_v) * h, rng.uniform(0.01, 0.03) * w
            col = palette.main if rng.random() < 0.5 else (255, 190, 90)
            d.ellipse((bx - br, by - br, bx + br, by + br), fill=(*col, 70))
    elif kind == "table":
        for i in range(5):
            y = floor_v - 0.1 + i * 0.07
            d.line((0, y * h, w, y * h), fill=(120, 78, 44, 160), width=max(1, h // 300))
    elif kind == "kitchen":
        tile = w / 14
        for i in range(15):
            d.line((i * tile, 0, i * tile, (floor_v - 0.04) * h), fill=(210, 212, 214, 255), width=1)
        for j in range(int((floor_v - 0.04) * h / tile) + 1):
            d.line((0, j * tile, w, j * tile), fill=(210, 212, 214, 255), width=1)
    else:
        for k in range(2):
            x0 = 0.12 + k * 0.22
            d.polygon([(x0 * w, 0.08 * h), ((x0 + 0.16) * w, 0.08 * h), ((x0 + 0.26) * w, (floor_v - 0.1) * h),
                       ((x0 + 0.10) * w, (floor_v - 0.1) * h)], fill=(255, 250, 230, 90))
    over = np.asarray(overlay, dtype=np.float32) / 255.0
    if kind in ("studio_window", "night_city"):
        over[:, :, 3] = blur(over[:, :, 3], w * 0.01)
    return composite(img, over)


# ---------------------------------------------------------------------------
# Shading and compositing a product onto a backdrop
# ---------------------------------------------------------------------------


def _draw_product(spec: ProductSpec, size: tuple[int, int], box: tuple[float, float, float, float]) -> np.ndarray:
    """The category silhouette drawn into ``box`` (output pixels): uint8 RGBA array."""
    layer = new_layer(size)
    ss_box = tuple(v * SUPERSAMPLE for v in box)
    CATEGORY_ART[spec.category].draw(Pen(layer, ss_box), Palette.of(spec), spec.brand)
    return np.array(finish_layer(layer))


def _silhouette_bounds(alpha: np.ndarray) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the visible pixels, or None for an empty layer."""
    rows = np.flatnonzero(alpha.max(axis=1))
    cols = np.flatnonzero(alpha.max(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _light_product(rgba: np.ndarray, box: tuple[float, float, float, float], gloss: bool) -> np.ndarray:
    """Directional key light from the top left, rounded edges, and a gloss band on shiny goods.

    Works in place, only inside the silhouette's bounding box (padded for the edge blur):
    most of a shot is backdrop, and this keeps a hero well under a tenth of a second.
    """
    h, w = rgba.shape[:2]
    bounds = _silhouette_bounds(rgba[:, :, 3])
    if bounds is None:
        return rgba
    sigma = max(2.0, box[2] * 0.012)
    pad = int(3 * sigma) + 1
    y0, y1 = max(0, bounds[0] - pad), min(h, bounds[1] + pad)
    x0, x1 = max(0, bounds[2] - pad), min(w, bounds[3] + pad)
    crop = rgba[y0:y1, x0:x1].astype(np.float32) / 255.0
    bx, by, bw, bh = box
    bu = ((np.arange(x0, x1, dtype=np.float32) - bx) / bw)[None, :]
    bv = ((np.arange(y0, y1, dtype=np.float32) - by) / bh)[:, None]
    light = 1 + _SHADE_STRENGTH * (1 - 2 * np.clip(0.6 * bu + 0.4 * bv, 0, 1))
    inner = blur(np.ascontiguousarray(crop[:, :, 3]), sigma, fast=False)
    light = light * (1 - _EDGE_OCCLUSION * (1 - inner))
    lit = crop[:, :, :3] * light[:, :, None]
    if gloss:
        band = np.exp(-(((bu - 0.45 * bv) - 0.18) / 0.05) ** 2) * _GLOSS
        lit += band[:, :, None] * (1 - lit)
    rgba[y0:y1, x0:x1, :3] = (np.clip(lit, 0, 1) * 255 + 0.5).astype(np.uint8)
    return rgba


def _floor_shadow(alpha: np.ndarray, floor_y: float) -> np.ndarray:
    """Shadow strength [0, 1]: a contact shadow under the product plus a soft ambient one.

    Both are wide blurs, so they are computed at quarter resolution and scaled up.
    """
    h, w = alpha.shape
    q = 4
    small = cv2.resize(alpha.astype(np.float32) / 255.0, (w // q, h // q), interpolation=cv2.INTER_AREA)
    bounds = _silhouette_bounds(small > 0.1)
    shadow = np.zeros_like(small)
    if bounds is not None:
        x0, x1 = bounds[2], bounds[3]
        sw, sh, fy = w / q, h / q, floor_y / q
        contact = Image.new("L", (w // q, h // q), 0)
        ry = max(1.0, 0.025 * sh)
        ImageDraw.Draw(contact).ellipse((x0 - 0.02 * sw, fy - ry, x1 + 0.02 * sw, fy + ry * 0.8), fill=255)
        shadow += blur(np.asarray(contact, np.float32) / 255.0, 0.018 * sw, fast=False) * _SHADOW_OPACITY
        dy = max(1, int(0.02 * sh))
        shifted = np.zeros_like(small)
        shifted[dy:] = small[:-dy]
        shadow += blur(shifted, 0.03 * sw, fast=False) * (_SHADOW_OPACITY * 0.4)
    return cv2.resize(np.clip(shadow, 0, 0.85), (w, h), interpolation=cv2.INTER_LINEAR)


def _product_on(backdrop: np.ndarray, spec: ProductSpec, box: tuple[float, float, float, float]) -> Image.Image:
    h, w = backdrop.shape[:2]
    art = CATEGORY_ART[spec.category]
    rgba = _light_product(_draw_product(spec, (w, h), box), box, art.gloss)
    shadow = _floor_shadow(rgba[:, :, 3], min(h - 1.0, box[1] + box[3]))
    backdrop *= (1 - shadow)[:, :, None]
    return over(backdrop, Image.fromarray(rgba))


def render_hero(spec: ProductSpec) -> Image.Image:
    """1024x1024 studio product shot."""
    w, h = HERO_SIZE
    box = (0.14 * w, 0.12 * h, 0.72 * w, 0.72 * h)
    art = CATEGORY_ART[spec.category]
    floor_v = (box[1] + box[3]) / h
    tint = Palette.of(spec).main if art.dark_studio else Palette.of(spec).accent
    if luminance_dark(tint) and not art.dark_studio:
        tint = Palette.of(spec).main
    backdrop = studio_backdrop(HERO_SIZE, tint, floor_v, art.dark_studio)
    return _product_on(backdrop, spec, box)


def render_lifestyle(spec: ProductSpec, variant: str = "lifestyle", scene: str | None = None) -> Image.Image:
    """1024x768 product in an environment; ``variant`` (asset id) varies the placement."""
    w, h = LIFESTYLE_SIZE
    seed = seed_of(spec.product_id, variant)
    rng = np.random.default_rng(seed)
    side = 0.56 * h
    left = (0.10 + 0.42 * rng.random()) * w
    floor_v = 0.88
    box = (left, floor_v * h - side, side, side)
    backdrop = scene_backdrop(scene or CATEGORY_ART[spec.category].scene, LIFESTYLE_SIZE, Palette.of(spec),
                              seed, floor_v)
    return _product_on(backdrop, spec, box)


def render_detail(spec: ProductSpec) -> Image.Image:
    """768x768 close-up: the product drawn large with its focus point centred."""
    w, h = DETAIL_SIZE
    art = CATEGORY_ART[spec.category]
    side = 2.0 * w
    fx, fy = art.focus
    box = (w / 2 - fx * side, h / 2 - fy * side, side, side)
    tint = Palette.of(spec).main if art.dark_studio else Palette.of(spec).accent
    backdrop = studio_backdrop(DETAIL_SIZE, tint, min(0.99, (box[1] + side) / h), art.dark_studio)
    return _product_on(backdrop, spec, box)


# ---------------------------------------------------------------------------
# Logos
# ---------------------------------------------------------------------------

_PALE = 0.55  # luminance above which a colour is too light for a wordmark
_MARKS = ("circle", "hexagon", "rounded_square", "diamond", "ring", "triangle")


def render_logo(spec: ProductSpec) -> Image.Image:
    """512x512 RGBA: a geometric mark with the brand initial, and the wordmark beneath."""
    c = Palette.of(spec)
    layer = new_layer(LOGO_SIZE)
    p = Pen(layer, (0, 0, LOGO_SIZE[0] * SUPERSAMPLE, LOGO_SIZE[1] * SUPERSAMPLE))
    mark = _MARKS[seed_of(spec.brand) % len(_MARKS)]
    cx, cy, r = 0.5, 0.38, 0.24
    main, accent = c.main, c.accent
    if mark == "circle":
        p.circle(cx, cy, r, main)
    elif mark == "hexagon":
        p.poly([(cx + r * np.cos(a), cy + r * np.sin(a)) for a in np.deg2rad(np.arange(30, 390, 60))], main)
    elif mark == "rounded_square":
        p.rect(cx - r, cy - r, cx + r, cy + r, main, radius=0.07)
    elif mark == "diamond":
        p.poly([(cx, cy - r * 1.1), (cx + r * 1.1, cy), (cx, cy + r * 1.1), (cx - r * 1.1, cy)], main)
    elif mark == "ring":
        p.circle(cx, cy, r * 0.9, None, outline=main, width=r * 0.2)
        p.circle(cx, cy, r * 0.64, accent)
    else:
        p.poly([(cx, cy - r * 1.15), (cx + r * 1.15, cy + r * 0.85), (cx - r * 1.15, cy + r * 0.85)], main)
    fill = ink_on(accent if mark == "ring" else main)
    letter_cy, letter_size = (cy + r * 0.3, r * 0.8) if mark == "triangle" else (cy, r * 1.1)
    p.text(spec.brand[0].upper(), cx, letter_cy, letter_size, letter_size, fill)
    # The wordmark must read on light and dark pages alike: use the darkest brand colour
    # when the main one is pale.
    word_colour = main if luminance(main) < _PALE else min((c.main, c.accent, c.third), key=luminance)
    p.text(spec.brand, 0.5, 0.80, 0.88, 0.14, word_colour)
    return finish_layer(layer)


def render_asset(spec: ProductSpec, asset: AssetSpec) -> Image.Image:
    """Render one catalog asset according to its style (hero, logo, lifestyle, detail)."""
    if asset.style == "hero":
        return render_hero(spec)
    if asset.style == "logo":
        return render_logo(spec)
    if asset.style == "lifestyle":
        return render_lifestyle(spec, asset.id, asset.scene)
    if asset.style == "detail":
        return render_detail(spec)
    raise ValueError(f"unknown asset style {asset.style!r}")


__all__ = ["CATEGORY_ART", "render_asset", "render_hero", "render_lifestyle", "render_detail", "render_logo",
           "scene_backdrop", "studio_backdrop", "Palette"]
