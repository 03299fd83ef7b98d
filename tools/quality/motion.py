"""Motion smoothness (MS*) and dynamic degree (DD*) from classical optical flow.

VBench measures motion smoothness with a learned frame interpolator (AMT) and dynamic
degree with RAFT optical flow. Here both use OpenCV's DIS optical flow, a fast
classical estimator that runs on CPU; the protocols are VBench's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

# VBench's dynamic-degree rule: a frame pair moves if the mean of its top 5% flow
# magnitudes exceeds 6 px at a 256-px short side, sampled at ~8 fps.
DD_TOP_FRACTION = 0.05
DD_BASE_THRESHOLD_PX = 6.0
DD_REFERENCE_SIDE = 256.0
DD_REFERENCE_FPS = 8.0
# VBench: a clip is dynamic when round(4 * n_frames / 16) pairs move.
DD_PAIRS_PER_16_FRAMES = 4


def _gray(frame: np.ndarray) -> np.ndarray:
    return frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)


_DIS = None


def _dis() -> cv2.DISOpticalFlow:
    # One instance is reused: creating it is costlier than a small-frame flow.
    global _DIS
    if _DIS is None:
        _DIS = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return _DIS


def optical_flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense flow (h, w, 2) from frame ``a`` to frame ``b`` (DIS, medium preset)."""
    return _dis().calc(_gray(a), _gray(b), None)


def _warp(frame: np.ndarray, flow: np.ndarray, t: float) -> np.ndarray:
    """Backward-warp ``frame`` by ``t`` times ``flow`` (sample at x + t*flow(x))."""
    h, w = flow.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(frame, gx + t * flow[..., 0], gy + t * flow[..., 1],
                     interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def interpolate_midframe(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Reconstruct the frame halfway between ``a`` and ``b`` by flow-based warping.

    The flow at the (unknown) middle frame is approximated by the flow at the same
    pixel of each end frame (the classical approximation used by flow interpolators):
    the middle frame samples ``a`` half a flow step back and ``b`` half a step forward,
    and the two warps are averaged.
    """
    f_ab = optical_flow(a, b)
    f_ba = optical_flow(b, a)
    from_a = _warp(a.astype(np.float32), f_ba, 0.5)
    from_b = _warp(b.astype(np.float32), f_ab, 0.5)
    return (from_a + from_b) / 2.0


def motion_smoothness(frames: Sequence[np.ndarray]) -> float:
    """MS*: how well each odd frame is predicted from its even neighbours, in [0, 1].

    VBench drops the odd frames, interpolates them back from the even frames and scores
    ``1 - mean|reconstructed - real| / 255``. Static and smoothly moving video score ~1;
    duplicated or skipped frames break the interpolation and lower the score.
    Fewer than three frames cannot be judged and score 1.0.
    """
    if len(frames) < 3:
        return 1.0
    errors = []
    for k in range(0, len(frames) - 2, 2):
        a, mid, b = frames[k], frames[k + 1], frames[k + 2]
        recon = interpolate_midframe(a, b)
        errors.append(float(np.mean(np.abs(recon - mid.astype(np.float32)))))
    return float(np.clip(1.0 - np.mean(errors) / 255.0, 0.0, 1.0))


@dataclass(frozen=True)
class DynamicResult:
    """Dynamic degree of one clip."""

    dynamic: bool
    motion: float  # continuous motion score in [0, 1): 1 - exp(-mean_top / threshold)
    mean_top_px: float  # mean over pairs of the mean top-5% flow magnitude (px per pair)
    threshold_px: float
    moving_pairs: int
    pairs: int


def flow_magnitude_top(a: np.ndarray, b: np.ndarray, top: float = DD_TOP_FRACTION) -> float:
    """Mean of the largest ``top`` fraction of flow magnitudes between two frames (px)."""
    flow = optical_flow(a, b)
    mag = np.sqrt(flow[..., 0] ** 2 + flow[..., 1] ** 2).ravel()
    k = max(1, int(round(mag.size * top)))
    return float(np.mean(np.partition(mag, mag.size - k)[-k:]))


def dynamic_threshold(short_side: int, fps: float) -> float:
    """VBench's threshold scaled to this resolution and this sampling rate.

    Flow between samples grows with the interval between them, so sampling at
    ``fps`` instead of VBench's ~8 fps scales the threshold by ``8 / fps``.
    """
    return DD_BASE_THRESHOLD_PX * (short_side / DD_REFERENCE_SIDE) * (DD_REFERENCE_FPS / fps)


def dynamic_detail(frames: Sequence[np.ndarray], fps: float) -> DynamicResult:
    """Dynamic degree of one clip with the per-pair details (see :func:`dynamic_degree`)."""
    if len(frames) < 2:
        return DynamicResult(False, 0.0, 0.0, 0.0, 0, 0)
    short_side = min(frames[0].shape[:2])
    thr = dynamic_threshold(short_side, fps)
    mags = [flow_magnitude_top(frames[i], frames[i + 1]) for i in range(len(frames) - 1)]
    moving = sum(m > thr for m in mags)
    needed = max(1, round(DD_PAIRS_PER_16_FRAMES * len(frames) / 16.0))
    mean_top = float(np.mean(mags))
    return DynamicResult(
        dynamic=moving >= needed,
        motion=float(1.0 - np.exp(-mean_top / thr)),
        mean_top_px=mean_top, threshold_px=thr, moving_pairs=int(moving), pairs=len(mags),
    )


def dynamic_degree(frames: Sequence[np.ndarray], fps: float) -> float:
    """DD* of one clip sampled at ``fps``: 1.0 if VBench's rule calls it dynamic, else 0.0.

    Averaged over clips (as :func:`tools.quality.measure_video` does) this becomes the
    fraction of dynamic clips, VBench's dynamic degree.
    """
    return 1.0 if dynamic_detail(frames, fps).dynamic else 0.0
