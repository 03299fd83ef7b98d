"""Imaging quality (IQ*): no-reference distortion measure of single frames.

VBench scores imaging quality with MUSIQ (a learned no-reference IQA model). The CPU
stand-in is BRISQUE (Mittal et al. 2012: natural-scene statistics of mean-subtracted
contrast-normalised coefficients fed to an SVR trained on human opinion scores), from
the ``brisque`` package, which ships its trained model (no download). Its score runs
from 0 (pristine) to ~100 (heavily distorted) and is mapped to ``1 - clip(s, 0, 100)/100``.

``brisque`` 0.2 converts 1-element arrays with ``float()``, which NumPy >= 2.4 refuses;
:class:`_Brisque` overrides that one step at import time (site-packages is untouched).

When ``brisque`` is not installed, or a frame has no texture at all (BRISQUE's
statistics are undefined on a flat frame), a classical measure is used instead:
sharpness (variance of the Laplacian), noise (Immerkaer's fast noise estimate) and
8x8 blockiness (compression), combined in [0, 1]; see :func:`classical_quality`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

BRISQUE_WORST = 100.0
# Classical fallback: Laplacian variance at which sharpness saturates (8-bit, ~256 px),
# noise sigma at which the noise term reaches zero, and the weight of each term.
SHARPNESS_SATURATION = 400.0
NOISE_SIGMA_WORST = 20.0
BLOCKINESS_WORST = 2.0  # ratio of 8-px grid edges to other edges that counts as fully blocky
CLASSICAL_WEIGHTS = {"sharpness": 0.5, "noise": 0.3, "blockiness": 0.2}
# Frames whose luminance std is below this are textureless (solid cards, fades to black).
FLAT_STD = 2.0


def _make_brisque():
    try:
        from brisque import BRISQUE
    except Exception:  # noqa: BLE001 - any import failure means "use the fallback"
        return None

    class _Brisque(BRISQUE):
        """BRISQUE with feature scaling that works on NumPy 2 (1-element arrays → floats)."""

        def scale_features(self, features):  # noqa: D401 - same contract as the parent
            flat = np.array([np.asarray(f, dtype=np.float64).reshape(-1)[0] for f in features])
            lo = np.asarray(self.scale_params["min_"], dtype=np.float64)
            hi = np.asarray(self.scale_params["max_"], dtype=np.float64)
            return -1.0 + 2.0 / (hi - lo) * (flat - lo)

    try:
        return _Brisque(url=False)
    except Exception:  # noqa: BLE001 - model files missing or unreadable
        return None


_BRISQUE = None
_BRISQUE_TRIED = False


def brisque_available() -> bool:
    return _brisque() is not None


def _brisque():
    global _BRISQUE, _BRISQUE_TRIED
    if not _BRISQUE_TRIED:
        _BRISQUE, _BRISQUE_TRIED = _make_brisque(), True
    return _BRISQUE


def brisque_score(frame: np.ndarray) -> float | None:
    """Raw BRISQUE score of an RGB frame (lower is better), or None if undefined."""
    model = _brisque()
    if model is None:
        return None
    with np.errstate(all="ignore"):
        s = float(model.score(frame))
    return s if math.isfinite(s) else None


def _luma(frame: np.ndarray) -> np.ndarray:
    g = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return g.astype(np.float64)


def noise_sigma(gray: np.ndarray) -> float:
    """Immerkaer (1996) fast noise standard deviation estimate of a grey image."""
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)
    h, w = gray.shape
    if h < 3 or w < 3:
        return 0.0
    conv = cv2.filter2D(gray, cv2.CV_64F, kernel)[1:-1, 1:-1]
    return float(math.sqrt(math.pi / 2.0) * np.abs(conv).sum() / (6.0 * (w - 2) * (h - 2)))


def blockiness(gray: np.ndarray, block: int = 8) -> float:
    """How much stronger horizontal/vertical steps are on the 8-px grid than elsewhere (>= 0)."""
    dx = np.abs(np.diff(gray, axis=1))
    dy = np.abs(np.diff(gray, axis=0))
    on_x = dx[:, block - 1 :: block].mean() if dx.shape[1] >= block else 0.0
    on_y = dy[block - 1 :: block, :].mean() if dy.shape[0] >= block else 0.0
    off = (dx.mean() + dy.mean()) / 2.0 + 1e-6
    return float(max(0.0, (on_x + on_y) / 2.0 / off - 1.0))


def classical_quality(frame: np.ndarray) -> float:
    """Classical no-reference quality in [0, 1]: sharp, clean, unblocky frames score high."""
    g = _luma(frame)
    if g.std() < FLAT_STD:
        return 0.5  # no texture: nothing to judge either way
    lap_var = float(cv2.Laplacian(g, cv2.CV_64F).var())
    sharp = min(1.0, math.log1p(lap_var) / math.log1p(SHARPNESS_SATURATION))
    noise = max(0.0, 1.0 - noise_sigma(g) / NOISE_SIGMA_WORST)
    block = max(0.0, 1.0 - blockiness(g) / BLOCKINESS_WORST)
    w = CLASSICAL_WEIGHTS
    return float(w["sharpness"] * sharp + w["noise"] * noise + w["blockiness"] * block)


def frame_quality(frame: np.ndarray) -> float:
    """IQ* of one frame in [0, 1] (BRISQUE when defined, else the classical measure)."""
    if _luma(frame).std() >= FLAT_STD:
        s = brisque_score(frame)
        if s is not None:
            return float(1.0 - np.clip(s, 0.0, BRISQUE_WORST) / BRISQUE_WORST)
    return classical_quality(frame)


def imaging_quality(frames: Sequence[np.ndarray]) -> float:
    """IQ*: mean per-frame imaging quality in [0, 1] (higher is better)."""
    if not frames:
        return 0.0
    return float(np.mean([frame_quality(f) for f in frames]))
