"""Camera motion, easing, caption entrances and scene transitions.

The camera is a view window moving over a pre-composed scene plate slightly larger than
the frame; each frame is one `cv2.warpAffine` of the plate with the window's matrix
(sub-pixel, so slow moves do not judder). Transitions blend the incoming scene with the
outgoing scene's last frame over a few frames.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

# Overscan of the plate for pans/tilts and zoom range, as a multiple of the template amplitude.
PAN_SHARE = 0.5
ZOOM_IN_START = 1.25  # a "zoom" transition starts the incoming scene this much enlarged
SLIDE_PARALLAX = 0.3  # the outgoing scene moves this fraction of the slide distance


def _out_back(t: float) -> float:
    c1 = 1.70158
    c3 = c1 + 1
    return 1 + c3 * (t - 1) ** 3 + c1 * (t - 1) ** 2


def _out_bounce(t: float) -> float:
    n1, d1 = 7.5625, 2.75
    if t < 1 / d1:
        return n1 * t * t
    if t < 2 / d1:
        t -= 1.5 / d1
        return n1 * t * t + 0.75
    if t < 2.5 / d1:
        t -= 2.25 / d1
        return n1 * t * t + 0.9375
    t -= 2.625 / d1
    return n1 * t * t + 0.984375


EASINGS: dict[str, Callable[[float], float]] = {
    "linear": lambda t: t,
    "in_out_sine": lambda t: 0.5 - 0.5 * math.cos(math.pi * t),
    "out_cubic": lambda t: 1 - (1 - t) ** 3,
    "in_out_cubic": lambda t: 4 * t ** 3 if t < 0.5 else 1 - (-2 * t + 2) ** 3 / 2,
    "out_back": _out_back,
    "out_bounce": _out_bounce,
}


def ease(name: str, t: float) -> float:
    return EASINGS.get(name, EASINGS["in_out_sine"])(min(1.0, max(0.0, t)))


def plate_size(size: tuple[int, int], camera: str, amplitude: float) -> tuple[int, int]:
    """Size of the scene plate: the frame plus room for the camera to move."""
    w, h = size
    if camera == "static" or amplitude <= 0:
        return w, h
    if camera in ("push_in", "pull_out"):
        s = 1 + amplitude
        return round(w * s), round(h * s)
    if camera in ("pan_left", "pan_right"):
        return round(w * (1 + amplitude * PAN_SHARE)), h
    return w, round(h * (1 + amplitude * PAN_SHARE))  # tilts


def camera_matrix(camera: str, u: float, size: tuple[int, int], plate: tuple[int, int]) -> np.ndarray:
    """Affine map plate -> frame for eased progress u in [0, 1].

    push_in: the view shrinks from the whole plate to a frame-sized centre window;
    pull_out: the reverse; pans/tilts slide a frame-sized window across the plate.
    """
    w, h = size
    pw, ph = plate
    if camera in ("push_in", "pull_out"):
        zoom = u if camera == "push_in" else 1 - u
        view_w = pw + (w - pw) * zoom
        k = w / view_w
        x0 = (pw - view_w) / 2
        y0 = (ph - view_w * h / w) / 2
        return np.float32([[k, 0, -k * x0], [0, k, -k * y0]])
    dx = dy = 0.0
    if camera == "pan_right":  # camera moves right: content slides left
        dx = (pw - w) * u
    elif camera == "pan_left":
        dx = (pw - w) * (1 - u)
    elif camera == "tilt_down":
        dy = (ph - h) * u
    elif camera == "tilt_up":
        dy = (ph - h) * (1 - u)
    else:
        dx, dy = (pw - w) / 2, (ph - h) / 2
    return np.float32([[1, 0, -dx], [0, 1, -dy]])


def caption_state(anim: str, t: float, anim_s: float, delay_s: float, travel_px: int) -> tuple[float, float, float]:
    """(opacity, scale, y offset in px) of a caption `t` seconds into its scene."""
    if t < delay_s:
        return 0.0, 1.0, 0.0
    p = min(1.0, (t - delay_s) / max(anim_s, 1e-6))
    if p >= 1.0:
        return 1.0, 1.0, 0.0
    if anim == "pop":
        return min(1.0, p * 2.5), 0.6 + 0.4 * _out_back(p), 0.0
    if anim == "bounce":
        return min(1.0, p * 3.0), 1.0, -travel_px * (1 - _out_bounce(p))
    # fade: soft rise
    e = EASINGS["in_out_sine"](p)
    return e, 1.0, travel_px * 0.25 * (1 - e)


def transition_frames(kind: str, duration_s: float, fps: float, scene_frames: int) -> int:
    """Frames a transition into a scene lasts (never more than half the scene)."""
    if kind == "cut":
        return 0
    return max(1, min(round(duration_s * fps), scene_frames // 2))


def apply_transition(kind: str, prev: np.ndarray, cur: np.ndarray, p: float, out: np.ndarray) -> np.ndarray:
    """Blend outgoing `prev` and incoming `cur` at eased progress p in (0, 1) into `out`."""
    h, w = cur.shape[:2]
    if kind == "fade":
        cv2.addWeighted(prev, 1 - p, cur, p, 0, dst=out)
    elif kind == "slide":
        # The incoming scene slides in from the right over a slower-moving outgoing one.
        x = round(w * (1 - p))
        shift = round(w * SLIDE_PARALLAX * p)
        out[:, : w - shift] = prev[:, shift:]
        out[:, w - shift:] = prev[:, w - 1:w]
        out[:, x:] = cur[:, : w - x]
    elif kind == "zoom":
        s = ZOOM_IN_START + (1 - ZOOM_IN_START) * p
        m = cv2.getRotationMatrix2D((w / 2, h / 2), 0, s)
        zoomed = cv2.warpAffine(cur, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        cv2.addWeighted(prev, 1 - p, zoomed, p, 0, dst=out)
    else:
        out[:] = cur
    return out
