"""VBench-style protocol over a whole video: cut into ~2 s clips, measure, average."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from nextads.settings import get_settings
from tools.media.probe import VideoInfo, iter_frames, probe
from tools.quality.aesthetic import aesthetic_quality
from tools.quality.imaging import imaging_quality
from tools.quality.motion import dynamic_detail, motion_smoothness

CLIP_TARGET_S = 2.0  # VBench evaluates ~2 s clips
# MS* runs at the native frame rate (interpolation needs neighbouring frames); at most
# this many frames per clip are used so long or high-fps clips stay cheap.
MS_MAX_FRAMES_PER_CLIP = 49
# Clips shorter than this carry too few frames to judge motion and are merged away.
MIN_CLIP_S = 0.5
# IQ* is a per-frame mean: a few evenly spread frames per ~2 s clip estimate it as well as
# every sampled frame, at a fraction of BRISQUE's cost (the Verifier runs it every round).
IQ_MAX_FRAMES_PER_CLIP = 4


@dataclass(frozen=True)
class ClipQuality:
    """Measures of one clip; ``span_index`` is the scene span it came from (or None)."""

    start_s: float
    end_s: float
    span_index: int | None
    ms: float
    dynamic: bool
    motion: float
    iq: float
    aq: float

    def as_dict(self) -> dict:
        return asdict(self)


def split_clips(duration_s: float, scene_spans: list[tuple[float, float]] | None = None,
                target_s: float = CLIP_TARGET_S) -> list[tuple[float, float, int | None]]:
    """Cut ``[0, duration)`` into ~``target_s`` clips, never across a scene boundary.

    Each scene span is split into ``round(len / target)`` equal clips (at least one);
    without spans the whole video is split the same way. Returns (start, end, span index).
    """
    spans = scene_spans or [(0.0, duration_s)]
    clips: list[tuple[float, float, int | None]] = []
    for i, (a, b) in enumerate(spans):
        a, b = max(0.0, a), min(b, duration_s) if duration_s > 0 else b
        if b - a < MIN_CLIP_S and clips:
            continue  # a sliver (e.g. rounding at the end) is not worth its own clip
        n = max(1, round((b - a) / target_s))
        step = (b - a) / n
        clips += [(a + k * step, a + (k + 1) * step, i if scene_spans else None) for k in range(n)]
    return clips


def _subsample(frames: list[np.ndarray], limit: int) -> list[np.ndarray]:
    """Keep at most ``limit`` consecutive frames from the middle of the clip.

    Consecutive (not strided) frames, because MS* compares each frame with its
    immediate neighbours.
    """
    if len(frames) <= limit:
        return frames
    start = (len(frames) - limit) // 2
    return frames[start : start + limit]


def _spread(frames: list[np.ndarray], limit: int) -> list[np.ndarray]:
    """At most ``limit`` frames evenly spread over the clip."""
    if len(frames) <= limit:
        return frames
    return [frames[round(k * (len(frames) - 1) / (limit - 1))] for k in range(limit)] if limit > 1 else \
        [frames[len(frames) // 2]]


def measure_clip(path: str | Path, start_s: float, end_s: float, *, info: VideoInfo,
                 span_index: int | None = None) -> ClipQuality:
    """All four measures on one clip of the video."""
    s = get_settings()
    native = list(iter_frames(path, max_side=s.quality_max_side, start_s=start_s, end_s=end_s, info=info))
    sampled = list(iter_frames(path, fps=s.quality_sample_fps, max_side=s.quality_max_side,
                               start_s=start_s, end_s=end_s, info=info))
    if not sampled and native:
        sampled = [native[len(native) // 2]]
    dd = dynamic_detail(sampled, s.quality_sample_fps)
    return ClipQuality(
        start_s=start_s, end_s=end_s, span_index=span_index,
        ms=motion_smoothness(_subsample(native, MS_MAX_FRAMES_PER_CLIP)),
        dynamic=dd.dynamic, motion=dd.motion,
        iq=imaging_quality(_spread(sampled, IQ_MAX_FRAMES_PER_CLIP)), aq=aesthetic_quality(sampled),
    )


def measure_clips(path: str | Path, scene_spans: list[tuple[float, float]] | None = None, *,
                  info: VideoInfo | None = None) -> list[ClipQuality]:
    """Per-clip measures (clips of ~2 s cut at the scene boundaries when given)."""
    info = info or probe(path)
    return [measure_clip(path, a, b, info=info, span_index=i)
            for a, b, i in split_clips(info.duration_s, scene_spans)]


def summarize(clips: list[ClipQuality]) -> dict[str, float]:
    """Average clip measures into the video scores (durations weight the average)."""
    if not clips:
        return {"MS*": 0.0, "DD*": 0.0, "IQ*": 0.0, "AQ*": 0.0, "motion*": 0.0}
    w = np.array([max(c.end_s - c.start_s, 1e-6) for c in clips])
    w = w / w.sum()

    def avg(values: list[float]) -> float:
        v = float(np.dot(w, values))
        return 0.0 if math.isnan(v) else v

    return {
        "MS*": avg([c.ms for c in clips]),
        "DD*": float(np.mean([c.dynamic for c in clips])),  # fraction of dynamic clips
        "IQ*": avg([c.iq for c in clips]),
        "AQ*": avg([c.aq for c in clips]),
        "motion*": avg([c.motion for c in clips]),
    }


def measure_video(path: str | Path, scene_spans: list[tuple[float, float]] | None = None) -> dict[str, float]:
    """MS*, DD*, IQ*, AQ* (and the continuous ``motion*``) of a video file, each in [0, 1]."""
    return summarize(measure_clips(path, scene_spans))
