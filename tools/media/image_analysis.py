"""Colour, light and texture analysis of still images (offline, deterministic).

The Director uses it to turn a user's history images into visual preferences
(palette, warm/cool tone, lighting, texture, artistic style); the Verifier uses
:func:`palette_distance` to check that a creative's colours match those preferences.

Colours are handled in CIE Lab (OpenCV's float conversion: L in [0, 100], a/b roughly
[-127, 127]) so that distances are perceptual; palettes come from a weighted k-means in
Lab with a fixed initialisation, so the same image always yields the same palette.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

log = logging.getLogger(__name__)

ANALYSIS_MAX_SIDE = 160  # images are downscaled to this before analysis (speed, noise)
PALETTE_SIZE = 5
KMEANS_ITERS = 25
KMEANS_SEED = 0
PALETTE_MERGE_DE = 8.0  # palette entries closer than this (ΔE00) are one colour
MIN_PALETTE_SHARE = 0.03  # drop palette colours covering less of the image than this
CHROMA_MIN = 6.0  # pixels below this chroma count as grey for the warmth estimate
WARMTH_SCALE = 20.0  # Lab units mapping warmth score to tanh(±1)
WARM_THRESHOLD = 0.15  # |warmth| above this is "warm" / "cool", else "neutral"
HIGH_CONTRAST_STD = 0.30  # std of L/100 above this: high-contrast lighting
BRIGHT_MEAN = 0.62  # mean L/100 above this: bright lighting
DIM_MEAN = 0.32  # mean L/100 below this: dim lighting
GRAIN_SIGMA = 3.5  # noise sigma (0..255 grey levels) above this: grainy
DETAIL_EDGE_DENSITY = 0.10  # share of Canny edge pixels above this: detailed
PALETTE_DE_NORM = 50.0  # ΔE00 at which two palettes count as entirely different
REPRESENTATIVE_ELEMENTS = 3

# Reference colours for naming palette entries in element descriptions.
COLOUR_NAMES: dict[str, str] = {
    "#000000": "black", "#ffffff": "white", "#808080": "grey", "#c0c0c0": "light grey",
    "#404040": "charcoal", "#d62828": "red", "#8b1e1e": "dark red", "#f4a3b4": "soft pink",
    "#e75480": "pink", "#f77f00": "orange", "#fcbf49": "golden yellow", "#ffe66d": "yellow",
    "#f5e6c8": "cream", "#c8a27a": "beige", "#8b5a2b": "brown", "#5c3a21": "dark brown",
    "#2a9d8f": "teal", "#3a7d44": "green", "#9bc53d": "leaf green", "#1d3d2a": "forest green",
    "#87ceeb": "sky blue", "#2f6fdd": "blue", "#1b2a49": "navy", "#6a4c93": "purple",
    "#c8b6e2": "lavender",
}


# --------------------------------------------------------------------------- colour maths


def _rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 or [0,1] float RGB → float32 Lab."""
    arr = np.asarray(rgb, dtype=np.float32)
    if arr.max(initial=0.0) > 1.0:
        arr = arr / 255.0
    shape = arr.shape
    lab = cv2.cvtColor(arr.reshape(-1, 1, 3), cv2.COLOR_RGB2LAB)
    return lab.reshape(shape)


def _lab_to_hex(lab: np.ndarray) -> str:
    rgb = cv2.cvtColor(np.asarray(lab, np.float32).reshape(1, 1, 3), cv2.COLOR_LAB2RGB).reshape(3)
    r, g, b = (int(round(float(np.clip(c, 0.0, 1.0)) * 255)) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def hex_to_lab(colour: str) -> np.ndarray:
    """'#rrggbb' (or 'rrggbb') → Lab vector."""
    h = colour.strip().lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) != 6:
        raise ValueError(f"not a hex colour: {colour!r}")
    rgb = np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float32) / 255.0
    return _rgb_to_lab(rgb.reshape(1, 3))[0]


def delta_e2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference, broadcasting over leading dimensions."""
    lab1 = np.asarray(lab1, np.float64)
    lab2 = np.asarray(lab2, np.float64)
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dLp = L2 - L1
    dCp = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dHp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    Lbp = (L1 + L2) / 2
    Cbp = (c1p + c2p) / 2
    hsum = h1p + h2p
    hbp = np.where(
        c1p * c2p == 0,
        hsum,
        np.where(np.abs(h1p - h2p) <= 180, hsum / 2, np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2)),
    )
    t = (1 - 0.17 * np.cos(np.radians(hbp - 30)) + 0.24 * np.cos(np.radians(2 * hbp))
         + 0.32 * np.cos(np.radians(3 * hbp + 6)) - 0.20 * np.cos(np.radians(4 * hbp - 63)))
    d_theta = 30 * np.exp(-(((hbp - 275) / 25) ** 2))
    rc = 2 * np.sqrt(Cbp**7 / (Cbp**7 + 25.0**7))
    sl = 1 + 0.015 * (Lbp - 50) ** 2 / np.sqrt(20 + (Lbp - 50) ** 2)
    sc = 1 + 0.045 * Cbp
    sh = 1 + 0.015 * Cbp * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    return np.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2 + rt * (dCp / sc) * (dHp / sh))


def colour_name(colour: str | np.ndarray) -> str:
    """Nearest named reference colour (by ΔE00) of a hex string or Lab vector."""
    lab = hex_to_lab(colour) if isinstance(colour, str) else np.asarray(colour)
    names = list(COLOUR_NAMES.items())
    refs = np.stack([hex_to_lab(h) for h, _ in names])
    return names[int(np.argmin(delta_e2000(refs, lab[None, :])))][1]


def palette_distance(pal_a: Sequence[str], pal_b: Sequence[str]) -> float:
    """Perceptual distance in [0, 1] between two hex palettes (most important colour first).

    Symmetric, rank-weighted mean of each colour's ΔE00 to the nearest colour of the
    other palette, divided by :data:`PALETTE_DE_NORM` and clipped: 0 means the same
    colours, 1 means nothing alike. An empty palette is at distance 1 from anything
    (0 from another empty one).
    """
    if not pal_a and not pal_b:
        return 0.0
    if not pal_a or not pal_b:
        return 1.0
    la = np.stack([hex_to_lab(c) for c in pal_a])
    lb = np.stack([hex_to_lab(c) for c in pal_b])
    d = delta_e2000(la[:, None, :], lb[None, :, :])

    def directed(nearest: np.ndarray) -> float:
        w = 1.0 / (1.0 + np.arange(len(nearest)))  # earlier colours matter more
        return float((w * nearest).sum() / w.sum())

    mean_de = (directed(d.min(axis=1)) + directed(d.min(axis=0))) / 2
    return float(min(1.0, mean_de / PALETTE_DE_NORM))


# --------------------------------------------------------------------------- clustering


def weighted_kmeans(
    points: np.ndarray, k: int, weights: np.ndarray | None = None, *, iters: int = KMEANS_ITERS, seed: int = KMEANS_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic weighted k-means (k-means++ init with a fixed seed).

    Returns (centres sorted by total weight, descending; labels into those centres).
    """
    pts = np.asarray(points, np.float64)
    w = np.ones(len(pts)) if weights is None else np.asarray(weights, np.float64)
    k = max(1, min(k, len(pts)))
    rng = np.random.RandomState(seed)
    centres = [pts[int(np.argmax(w))]]
    for _ in range(1, k):
        d2 = np.min(((pts[:, None, :] - np.asarray(centres)[None]) ** 2).sum(-1), axis=1) * w
        if d2.sum() <= 0:
            break
        centres.append(pts[rng.choice(len(pts), p=d2 / d2.sum())])
    c = np.asarray(centres)
    labels = np.zeros(len(pts), dtype=int)
    for _ in range(iters):
        labels = np.argmin(((pts[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        new = np.array([
            np.average(pts[labels == j], axis=0, weights=w[labels == j]) if w[labels == j].sum() > 0 else c[j]
            for j in range(len(c))
        ])
        if np.allclose(new, c):
            break
        c = new
    mass = np.array([w[labels == j].sum() for j in range(len(c))])
    order = np.argsort(-mass, kind="stable")
    remap = np.empty_like(order)
    remap[order] = np.arange(len(order))
    return c[order], remap[labels]


def _palette(lab_pixels: np.ndarray, weights: np.ndarray | None = None, k: int = PALETTE_SIZE) -> list[tuple[str, float]]:
    """(hex, share) pairs: k-means in Lab, near-duplicate colours merged, tiny ones dropped."""
    centres, labels = weighted_kmeans(lab_pixels, k, weights)
    w = np.ones(len(lab_pixels)) if weights is None else np.asarray(weights, np.float64)
    shares = np.array([w[labels == j].sum() for j in range(len(centres))]) / max(w.sum(), 1e-9)
    kept: list[tuple[np.ndarray, float]] = []
    for centre, share in zip(centres, shares, strict=True):
        for i, (other, s) in enumerate(kept):
            if float(delta_e2000(centre, other)) < PALETTE_MERGE_DE:
                kept[i] = (other, s + share)
                break
        else:
            kept.append((centre, float(share)))
    kept.sort(key=lambda cs: -cs[1])
    return [(_lab_to_hex(c), round(s, 4)) for c, s in kept if s >= MIN_PALETTE_SHARE]


# --------------------------------------------------------------------------- per-image features


def _load(path: str | Path) -> np.ndarray:
    """RGB uint8 array, downscaled so the longer side is at most ANALYSIS_MAX_SIDE."""
    with Image.open(path) as im:
        im = im.convert("RGB")
        im.thumbnail((ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE), Image.Resampling.BILINEAR)
        return np.asarray(im, dtype=np.uint8)


def _noise_sigma(grey: np.ndarray) -> float:
    """Immerkær's fast noise estimate, ignoring edge pixels (grey levels 0..255)."""
    g = grey.astype(np.float64)
    if min(g.shape) < 3:
        return 0.0
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)
    resp = np.abs(cv2.filter2D(g, -1, kernel))[1:-1, 1:-1]
    grad = np.hypot(cv2.Sobel(g, cv2.CV_64F, 1, 0), cv2.Sobel(g, cv2.CV_64F, 0, 1))[1:-1, 1:-1]
    flat = grad <= np.percentile(grad, 90)  # skip the strongest edges: they are structure, not grain
    if not flat.any():
        return 0.0
    return float(np.sqrt(np.pi / 2) * resp[flat].mean() / 6.0)


def _warmth(lab: np.ndarray) -> float:
    """Warm (+) vs cool (−) in [-1, 1]: mean yellow–blue and red–green lean of chromatic pixels."""
    a, b = lab[..., 1].ravel(), lab[..., 2].ravel()
    chroma = np.hypot(a, b)
    mask = chroma >= CHROMA_MIN
    if mask.mean() < 0.05:
        return 0.0
    score = float(np.average(b[mask] + 0.5 * a[mask], weights=chroma[mask]))
    return float(np.tanh(score / WARMTH_SCALE))


def _warmth_label(warmth: float) -> str:
    return "warm" if warmth > WARM_THRESHOLD else "cool" if warmth < -WARM_THRESHOLD else "neutral"


def _lighting(brightness: float, contrast: float) -> str:
    if contrast > HIGH_CONTRAST_STD:
        return "high_contrast"
    if brightness > BRIGHT_MEAN:
        return "bright"
    if brightness < DIM_MEAN:
        return "dim"
    return "soft"


def _texture(noise: float, edge_density: float) -> str:
    if noise > GRAIN_SIGMA:
        return "grainy"
    if edge_density > DETAIL_EDGE_DENSITY:
        return "detailed"
    return "smooth"


def _style(f: dict[str, Any]) -> str:
    """Artistic style from the measured features (rules ordered most to least specific)."""
    pal_lab = [hex_to_lab(c) for c in f["palette"][:3]] or [np.zeros(3)]
    pink_pastel = any(lab[0] > 70 and lab[1] > 8 and abs(lab[2]) < 25 for lab in pal_lab)
    if f["brightness"] > 0.6 and f["saturation"] < 0.45 and pink_pastel:
        return "cute"
    if f["brightness"] < 0.38 and f["saturation"] < 0.4 and f["contrast"] > 0.18:
        return "luxury"
    if f["texture"] == "grainy" and f["warmth"] > 0 and f["saturation"] < 0.5:
        return "retro"
    if f["saturation"] > 0.55 and f["brightness"] > 0.4:
        return "vibrant"
    if len(f["palette"]) <= 2 and f["edge_density"] < DETAIL_EDGE_DENSITY / 2:
        return "minimal"
    return "natural"


def _elements(rgb: np.ndarray, lab: np.ndarray, hsv: np.ndarray, palette: list[str], edge_density: float) -> list[str]:
    """A few short descriptors of what the image shows, from colour layout alone."""
    out: list[str] = []
    hue, sat, val = hsv[..., 0].astype(float) * 2, hsv[..., 1] / 255.0, hsv[..., 2] / 255.0
    h, w = val.shape
    green = ((hue > 70) & (hue < 170) & (sat > 0.25) & (val > 0.2)).mean()
    if green > 0.2:
        out.append("greenery")
    top = slice(0, max(1, h // 3))
    sky = ((hue[top] > 180) & (hue[top] < 250) & (sat[top] > 0.15) & (val[top] > 0.45)).mean()
    if sky > 0.35:
        out.append("open sky or water")
    skin = ((hue < 40) & (sat > 0.15) & (sat < 0.6) & (val > 0.4)).mean()
    if skin > 0.25:
        out.append("skin or warm wood tones")
    ch, cw = max(1, h // 4), max(1, w // 4)
    centre = lab[ch : h - ch, cw : w - cw].reshape(-1, 3).mean(0)
    border = np.concatenate([lab[:ch].reshape(-1, 3), lab[h - ch :].reshape(-1, 3)]).mean(0)
    if float(delta_e2000(centre, border)) > 20:
        out.append("centred subject")
    out.append("busy detailed pattern" if edge_density > DETAIL_EDGE_DENSITY else "plain uncluttered background")
    names = list(dict.fromkeys(colour_name(c) for c in palette[:3]))
    if names:
        out.append(" and ".join(names[:2]) + " colours")
    return out


def analyze_image(path: str | Path) -> dict[str, Any]:
    """Colour, light and texture features of one image.

    Returns a JSON-native dict: ``palette`` (hex, most area first), ``palette_shares``,
    ``warmth`` (float in [-1, 1]) and ``warmth_label``, ``brightness``/``saturation``/
    ``contrast`` in [0, 1], ``lighting``, ``noise``, ``edge_density``, ``texture``,
    ``artistic_style``, ``elements`` (short descriptors) and ``description``. Raises
    ``OSError`` / ``ValueError`` when the file cannot be read as an image.
    """
    rgb = _load(path)
    lab = _rgb_to_lab(rgb)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    pal = _palette(lab.reshape(-1, 3))
    f: dict[str, Any] = {
        "path": str(path),
        "palette": [c for c, _ in pal],
        "palette_shares": [s for _, s in pal],
        "warmth": round(_warmth(lab), 4),
        "brightness": round(float(lab[..., 0].mean() / 100.0), 4),
        "contrast": round(float(lab[..., 0].std() / 100.0), 4),
        "saturation": round(float(hsv[..., 1].mean() / 255.0), 4),
        "noise": round(_noise_sigma(grey), 3),
        "edge_density": round(float((cv2.Canny(grey, 80, 160) > 0).mean()), 4),
    }
    f["warmth_label"] = _warmth_label(f["warmth"])
    f["lighting"] = _lighting(f["brightness"], f["contrast"])
    f["texture"] = _texture(f["noise"], f["edge_density"])
    f["artistic_style"] = _style(f)
    f["elements"] = _elements(rgb, lab, hsv, f["palette"], f["edge_density"])
    f["description"] = describe(f)
    return f


def describe(f: dict[str, Any]) -> str:
    """One short phrase for an analysed image, e.g. 'warm, bright natural image: greenery, …'."""
    lighting = f["lighting"].replace("_", "-")
    return f"{f['warmth_label']}, {lighting} {f['artistic_style']} image: " + ", ".join(f["elements"])


# --------------------------------------------------------------------------- aggregation


def _vote(values: Sequence[str], weights: Sequence[float]) -> str:
    """Weighted majority; ties go to the value seen first."""
    tally: Counter[str] = Counter()
    for v, w in zip(values, weights, strict=True):
        tally[v] += w
    best = max(tally.values())
    return next(v for v in values if tally[v] == best)


def aggregate_visual(
    paths: Sequence[str | Path],
    *,
    item_ids: Sequence[str] | None = None,
    weights: Sequence[float] | None = None,
    analyses: Sequence[dict[str, Any]] | None = None,
    max_elements: int = REPRESENTATIVE_ELEMENTS,
) -> dict[str, Any]:
    """Visual preferences over many images, as data for ``schemas.VisualPreferences``.

    Unreadable images are skipped. ``weights`` (e.g. recency) weight every vote and the
    pooled palette; ``item_ids`` name the history item each path belongs to (default:
    the file stem). ``elements`` references the most representative images — those
    closest to the aggregate in colour/light features — with a short description.
    Returns {} when no image could be analysed.
    """
    ids = list(item_ids) if item_ids is not None else [Path(p).stem for p in paths]
    ws = list(weights) if weights is not None else [1.0] * len(paths)
    feats: list[tuple[dict[str, Any], str, float]] = []
    for i, p in enumerate(paths):
        try:
            f = analyses[i] if analyses is not None else analyze_image(p)
        except (OSError, ValueError, UnidentifiedImageError, cv2.error) as exc:
            log.debug("skipping unreadable image %s: %s", p, exc)
            continue
        feats.append((f, ids[i], float(ws[i])))
    if not feats:
        return {}
    fs = [f for f, _, _ in feats]
    w = np.array([x for _, _, x in feats], dtype=np.float64)
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))

    pooled = [(hex_to_lab(c), wi * s) for f, wi in zip(fs, w, strict=True)
              for c, s in zip(f["palette"], f["palette_shares"], strict=True)]
    pal = _palette(np.stack([p for p, _ in pooled]), np.array([s for _, s in pooled])) if pooled else []
    warmth = float(np.dot(w, [f["warmth"] for f in fs]))
    agg: dict[str, Any] = {
        "palette": [c for c, _ in pal],
        "warmth": _warmth_label(warmth),
        "lighting": _vote([f["lighting"] for f in fs], list(w)),
        "texture": _vote([f["texture"] for f in fs], list(w)),
        "artistic_style": _vote([f["artistic_style"] for f in fs], list(w)),
        "saturation": round(float(np.clip(np.dot(w, [f["saturation"] for f in fs]), 0, 1)), 4),
        "brightness": round(float(np.clip(np.dot(w, [f["brightness"] for f in fs]), 0, 1)), 4),
    }

    def typicality(f: dict[str, Any]) -> float:
        """Lower is more representative: feature distance to the aggregate plus palette distance."""
        return (abs(f["warmth"] - warmth) + abs(f["brightness"] - agg["brightness"])
                + abs(f["saturation"] - agg["saturation"]) + palette_distance(f["palette"][:3], agg["palette"][:3])
                + 0.5 * (f["artistic_style"] != agg["artistic_style"]) + 0.25 * (f["lighting"] != agg["lighting"]))

    ranked = sorted(range(len(feats)), key=lambda i: (typicality(fs[i]), i))
    elements, seen = [], set()
    for i in ranked:
        f, item_id, _ = feats[i]
        if f["path"] in seen:
            continue
        seen.add(f["path"])
        elements.append({"description": f["description"], "source": f["path"], "item_id": item_id})
        if len(elements) >= max_elements:
            break
    agg["elements"] = elements
    return agg
