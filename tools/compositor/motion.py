"""Camera motion, easing, caption entrances and scene transitions.

The camera is a view window moving over a pre-composed scene plate slightly larger than
the frame. Pans and tilts move a frame-sized window by whole pixels, so a frame is a plain
copy of a plate crop; zooms resize a centred crop whose size keeps the plate's parity, so
the centre never wobbles. Both are 4-40x cheaper than a full-frame warpAffine, and at
ultrafast encoding the camera is most of the composition cost. Transitions blend the
incoming scene with the outgoing scene's last frame over a few frames.
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


Window = tuple[int, int, int, int]  # x0, y0, width, height of the plate crop


def _same_parity(v: float, ref: int, lo: int, hi: int) -> int:
    """`v` rounded to the nearest integer with the parity of `ref`, clamped to [lo, hi]."""
    n = round((v - ref) / 2) * 2 + ref
    return max(lo, min(hi, n))


def camera_window(camera: str, u: float, size: tuple[int, int], plate: tuple[int, int]) -> Window:
    """The plate crop shown at eased progress u in [0, 1] (resized to the frame if larger).

    push_in: the view shrinks from the whole plate to a frame-sized centre window;
    pull_out: the reverse; pans/tilts slide a frame-sized window across the plate.
    """
    w, h = size
    pw, ph = plate
    if camera in ("push_in", "pull_out") and (pw, ph) != (w, h):
        zoom = u if camera == "push_in" else 1 - u
        cw = _same_parity(pw + (w - pw) * zoom, pw, w + (pw - w) % 2, pw)
        ch = _same_parity(cw * h / w, ph, h + (ph - h) % 2, ph)
        return (pw - cw) // 2, (ph - ch) // 2, cw, ch
    dx, dy = (pw - w) // 2, (ph - h) // 2
    if camera == "pan_right":  # camera moves right: content slides left
        dx = round((pw - w) * u)
    elif camera == "pan_left":
        dx = round((pw - w) * (1 - u))
    elif camera == "tilt_down":
        dy = round((ph - h) * u)
    elif camera == "tilt_up":
        dy = round((ph - h) * (1 - u))
    return dx, dy, w, h


def view(plate: np.ndarray, window: Window, out: np.ndarray) -> np.ndarray:
    """Write the plate crop `window` into the frame buffer `out` (copy or resize)."""
    x0, y0, cw, ch = window
    crop = plate[y0:y0 + ch, x0:x0 + cw]
    h, w = out.shape[:2]
    if (cw, ch) == (w, h):
        np.copyto(out, crop)
    else:
        cv2.resize(crop, (w, h), dst=out, interpolation=cv2.INTER_LINEAR)
    return out


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
        # The incoming scene starts enlarged: its centre crop, resized up to the frame.
        s = ZOOM_IN_START + (1 - ZOOM_IN_START) * p
        cw, ch = min(w, round(w / s)), min(h, round(h / s))
        zoomed = cv2.resize(cur[(h - ch) // 2:(h - ch) // 2 + ch, (w - cw) // 2:(w - cw) // 2 + cw], (w, h),
                            interpolation=cv2.INTER_LINEAR)
        cv2.addWeighted(prev, 1 - p, zoomed, p, 0, dst=out)
    else:
        out[:] = cur
    return out
