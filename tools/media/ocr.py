"""Offline OCR of burned-in text (subtitles, overlays) with RapidOCR on ONNX Runtime.

The detection and recognition models ship inside the ``rapidocr`` wheel, so nothing is
downloaded at run time. One engine is created lazily and shared (creating it loads three
ONNX models); calls are serialised by a lock because the engine keeps per-call state.

Public API::

    read_text(frame_rgb) -> list[OcrLine]

Boxes are axis-aligned ``(x, y, w, h)`` in fractions of the frame, so they compare across
resolutions (the host summary, the compositor's caption placement).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import cv2
import numpy as np

# Longer side frames are downscaled to before OCR: 720p subtitles stay legible at 960 px and
# detection cost grows with the pixel count.
OCR_MAX_SIDE = 960
# Lines read with less confidence than this are mostly textures mistaken for glyphs.
MIN_CONFIDENCE = 0.6

_lock = threading.Lock()
_engine = None


@dataclass(frozen=True)
class OcrLine:
    """One line of text read from a frame."""

    text: str
    box: tuple[float, float, float, float]  # (x, y, w, h), fractions of the frame
    confidence: float

    @property
    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return x + w / 2, y + h / 2


def _ocr_engine():
    """The shared RapidOCR engine, created on first use with its logging silenced."""
    global _engine
    with _lock:
        if _engine is None:
            from rapidocr import RapidOCR

            _engine = RapidOCR(params={"Global.log_level": "error"})
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return _engine


def _fit(frame: np.ndarray, max_side: int) -> np.ndarray:
    """Downscale so the longer side is at most ``max_side`` (area filter keeps strokes)."""
    h, w = frame.shape[:2]
    if max(h, w) <= max_side:
        return frame
    s = max_side / max(h, w)
    return cv2.resize(frame, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def _box(poly: np.ndarray, width: int, height: int) -> tuple[float, float, float, float]:
    """Axis-aligned bounding box of a 4-point polygon, in frame fractions, clipped to it."""
    pts = np.asarray(poly, dtype=np.float64).reshape(-1, 2)
    x0, y0 = np.clip(pts.min(axis=0), 0, None)
    x1, y1 = pts.max(axis=0)
    x0, x1 = min(x0 / width, 1.0), min(x1 / width, 1.0)
    y0, y1 = min(y0 / height, 1.0), min(y1 / height, 1.0)
    return (round(float(x0), 4), round(float(y0), 4), round(float(x1 - x0), 4), round(float(y1 - y0), 4))


def read_text(frame_rgb: np.ndarray, *, min_confidence: float = MIN_CONFIDENCE,
              max_side: int = OCR_MAX_SIDE) -> list[OcrLine]:
    """Lines of text in an RGB frame (h, w, 3), top to bottom, confident ones only."""
    if frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3 or min(frame_rgb.shape[:2]) < 8:
        return []
    small = _fit(frame_rgb, max_side)
    bgr = np.ascontiguousarray(small[:, :, ::-1])
    engine = _ocr_engine()
    with _lock:
        result = engine(bgr)
    if result is None or not getattr(result, "txts", None):
        return []
    h, w = small.shape[:2]
    lines = [
        OcrLine(text=str(t).strip(), box=_box(b, w, h), confidence=round(float(s), 4))
        for t, b, s in zip(result.txts, result.boxes, result.scores, strict=True)
        if float(s) >= min_confidence and str(t).strip()
    ]
    return sorted(lines, key=lambda ln: (ln.box[1], ln.box[0]))
