"""Aesthetic quality (AQ*): a hand-crafted proxy for a learned aesthetic predictor.

VBench uses the LAION aesthetic predictor (a linear head on CLIP features); no such
weights are available offline, so AQ* combines five classical photographic cues, each
in [0, 1], with the weights in :data:`AESTHETIC_WEIGHTS`:

- **colourfulness** — Hasler & Süsstrunk (2003) metric M = σ_rgyb + 0.3·μ_rgyb; their
  study rates M ≈ 45 "quite colourful", so the cue is ``min(M / 45, 1)`` with a mild
  penalty above 110 (garish);
- **exposure** — mean luminance close to mid-grey and few clipped pixels;
- **contrast** — RMS contrast (luminance std / 255) against a target of ~0.22;
- **composition** — the centroid of a spectral-residual saliency map (Hou & Zhang 2007)
  close to a rule-of-thirds power point or to the centre;
- **harmony** — the hue histogram (weighted by saturation) fits one of Matsuda's
  harmonic hue templates (Cohen-Or et al. 2006).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

AESTHETIC_WEIGHTS = {
    "colourfulness": 0.25,
    "exposure": 0.2,
    "contrast": 0.2,
    "composition": 0.15,
    "harmony": 0.2,
}
COLOURFUL_GOOD = 45.0  # Hasler-Süsstrunk "quite colourful"
COLOURFUL_GARISH = 110.0
COLOURFUL_GARISH_SPAN = 60.0  # how fast the garish penalty grows beyond COLOURFUL_GARISH
EXPOSURE_MID = 0.5
CLIP_LOW, CLIP_HIGH = 5, 250  # 8-bit luminance considered crushed / blown
CONTRAST_TARGET = 0.22
SALIENCY_SIDE = 64  # spectral residual works on a small image (Hou & Zhang use 64 px)
# Matsuda templates: sectors (centre offset in degrees, width in degrees) on the hue wheel.
HUE_TEMPLATES: dict[str, list[tuple[float, float]]] = {
    "i": [(0, 18)],
    "V": [(0, 93.6)],
    "L": [(0, 18), (90, 79.2)],
    "I": [(0, 18), (180, 18)],
    "T": [(0, 180)],
    "Y": [(0, 93.6), (180, 18)],
    "X": [(0, 93.6), (180, 93.6)],
}
HUE_ROTATION_STEP = 10  # degrees between template rotations tried
HARMONY_SCALE_DEG = 30.0  # a mean out-of-sector distance of this much halves harmony


def colourfulness(frame: np.ndarray) -> float:
    """Hasler-Süsstrunk colourfulness M of an RGB frame (0 for grey)."""
    f = frame.astype(np.float64)
    rg = f[..., 0] - f[..., 1]
    yb = 0.5 * (f[..., 0] + f[..., 1]) - f[..., 2]
    return float(math.hypot(rg.std(), yb.std()) + 0.3 * math.hypot(rg.mean(), yb.mean()))


def _colourfulness_cue(frame: np.ndarray) -> float:
    m = colourfulness(frame)
    cue = min(m / COLOURFUL_GOOD, 1.0)
    if m > COLOURFUL_GARISH:
        cue *= math.exp(-(m - COLOURFUL_GARISH) / COLOURFUL_GARISH_SPAN)
    return cue


def _exposure_cue(gray: np.ndarray) -> float:
    mean = gray.mean() / 255.0
    clipped = float(np.mean((gray <= CLIP_LOW) | (gray >= CLIP_HIGH)))
    return max(0.0, 1.0 - 2.0 * abs(mean - EXPOSURE_MID)) * (1.0 - clipped)


def _contrast_cue(gray: np.ndarray) -> float:
    rms = gray.std() / 255.0
    return float(math.exp(-(((rms - CONTRAST_TARGET) / CONTRAST_TARGET) ** 2)))


def saliency_map(frame: np.ndarray) -> np.ndarray:
    """Spectral-residual saliency (Hou & Zhang 2007) at SALIENCY_SIDE px, in [0, 1]."""
    g = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float64)
    h, w = g.shape
    s = SALIENCY_SIDE / max(h, w)
    small = cv2.resize(g, (max(8, round(w * s)), max(8, round(h * s))), interpolation=cv2.INTER_AREA)
    spec = np.fft.fft2(small)
    log_amp = np.log(np.abs(spec) + 1e-9)
    residual = log_amp - cv2.blur(log_amp, (3, 3))
    sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spec)))) ** 2
    sal = cv2.GaussianBlur(sal, (0, 0), 2.5)
    rng = sal.max() - sal.min()
    return (sal - sal.min()) / rng if rng > 0 else np.zeros_like(sal)


def _composition_cue(frame: np.ndarray) -> float:
    sal = saliency_map(frame)
    total = sal.sum()
    if total <= 0:
        return 0.5
    h, w = sal.shape
    ys, xs = np.mgrid[0:h, 0:w]
    cx, cy = (xs * sal).sum() / total / (w - 1), (ys * sal).sum() / total / (h - 1)
    points = [(x, y) for x in (1 / 3, 2 / 3) for y in (1 / 3, 2 / 3)] + [(0.5, 0.5)]
    d = min(math.hypot(cx - x, cy - y) for x, y in points)
    # A centroid on a power point scores 1; one in a corner (d ~ 0.47) scores ~0.
    return max(0.0, 1.0 - d / 0.47)


def _hue_distance(h: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Angular distance (deg) from hues to a sector; 0 inside it."""
    d = np.abs((h - centre + 180.0) % 360.0 - 180.0)
    return np.maximum(d - width / 2.0, 0.0)


def _harmony_cue(frame: np.ndarray) -> float:
    hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV_FULL).reshape(-1, 3).astype(np.float64)
    hue, sat = hsv[:, 0] * 360.0 / 256.0, hsv[:, 1] / 255.0
    if sat.sum() < 1e-6 * len(sat) + 1e-9 or sat.mean() < 0.05:
        return 1.0  # (near) achromatic images are harmonious by definition
    # Work on a 36-bin saturation-weighted hue histogram: same fit, far fewer points.
    hist, edges = np.histogram(hue, bins=36, range=(0, 360), weights=sat)
    centres = (edges[:-1] + edges[1:]) / 2.0
    weights = hist / hist.sum()
    best = math.inf
    for sectors in HUE_TEMPLATES.values():
        for rot in range(0, 360, HUE_ROTATION_STEP):
            dist = np.min([_hue_distance(centres, rot + c, w) for c, w in sectors], axis=0)
            best = min(best, float((weights * dist).sum()))
    return HARMONY_SCALE_DEG / (HARMONY_SCALE_DEG + best)


def aesthetic_cues(frame: np.ndarray) -> dict[str, float]:
    """The five cues of one RGB frame, each in [0, 1]."""
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float64)
    return {
        "colourfulness": _colourfulness_cue(frame),
        "exposure": _exposure_cue(gray),
        "contrast": _contrast_cue(gray),
        "composition": _composition_cue(frame),
        "harmony": _harmony_cue(frame),
    }


def frame_aesthetic(frame: np.ndarray) -> float:
    """AQ* of one frame: weighted sum of :func:`aesthetic_cues`."""
    cues = aesthetic_cues(frame)
    return float(sum(AESTHETIC_WEIGHTS[k] * v for k, v in cues.items()))


def aesthetic_quality(frames: Sequence[np.ndarray]) -> float:
    """AQ*: mean per-frame aesthetic proxy in [0, 1] (higher is better)."""
    if not frames:
        return 0.0
    return float(np.mean([frame_aesthetic(f) for f in frames]))
