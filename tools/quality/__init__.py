"""VBench-style video-quality measures on CPU: MS*, DD*, IQ*, AQ*.

The star marks each as a *stand-in* for the VBench dimension of the same name: the
protocol is VBench's (the video is cut into ~2 s clips at scene boundaries when given,
each clip is measured, the clip scores are averaged), but the learned models VBench
uses are replaced by classical algorithms that run offline on CPU:

======  ==========================  =================================================
score   VBench dimension / model    stand-in here
======  ==========================  =================================================
MS*     motion smoothness / AMT     odd frames reconstructed from even neighbours by
                                    OpenCV DIS optical flow (half-way warping);
                                    ``1 - mean|error| / 255``
DD*     dynamic degree / RAFT       DIS flow on frames sampled at
                                    ``settings.quality_sample_fps``; VBench's top-5 %
                                    magnitude rule and resolution-scaled threshold;
                                    fraction of dynamic clips (``motion*`` is the
                                    continuous version)
IQ*     imaging quality / MUSIQ     BRISQUE (``brisque`` package), ``1 - s/100``;
                                    classical sharpness/noise/blockiness fallback
AQ*     aesthetic quality / LAION   colourfulness, exposure, contrast, rule-of-thirds
                                    saliency balance, hue harmony
======  ==========================  =================================================

All scores are in [0, 1], higher is better (for DD*, "more dynamic"). Frames are
downscaled to ``settings.quality_max_side`` before measuring, so a 15 s 720x1280 video
is measured in a few seconds. The same functions serve the Verifier (in the loop) and
the benchmarks in ``evals``.

Public API::

    measure_video(path, scene_spans=None) -> {"MS*", "DD*", "IQ*", "AQ*", "motion*"}
    measure_clips(path, scene_spans=None) -> list[ClipQuality]
    motion_smoothness(frames) -> float
    dynamic_degree(frames, fps) -> float          # 1.0 dynamic / 0.0 static, one clip
    imaging_quality(frames) -> float
    aesthetic_quality(frames) -> float
"""

from tools.quality.aesthetic import aesthetic_cues, aesthetic_quality
from tools.quality.imaging import brisque_available, imaging_quality
from tools.quality.motion import DynamicResult, dynamic_degree, dynamic_detail, motion_smoothness
from tools.quality.video import ClipQuality, measure_clips, measure_video, split_clips, summarize

__all__ = [
    "ClipQuality",
    "DynamicResult",
    "aesthetic_cues",
    "aesthetic_quality",
    "brisque_available",
    "dynamic_degree",
    "dynamic_detail",
    "imaging_quality",
    "measure_clips",
    "measure_video",
    "motion_smoothness",
    "split_clips",
    "summarize",
]
