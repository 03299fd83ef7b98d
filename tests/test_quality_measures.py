"""Video-quality stand-ins (MS*, DD*, IQ*, AQ*) and the probe, on synthetic videos with known answers."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from verifier_fixtures import pink_noise, write_video
from tools.media.probe import iter_frames, probe, read_frame
from tools.quality import (
    aesthetic_quality,
    brisque_available,
    dynamic_degree,
    imaging_quality,
    measure_video,
    motion_smoothness,
    split_clips,
)
from tools.quality.imaging import brisque_score, classical_quality

TEXTURE = pink_noise(160, 480, seed=0)


def pan(n: int, speed: float, mode: str | None = None) -> list[np.ndarray]:
    """128x128 window sliding over a texture; ``mode`` duplicates or skips frames."""
    frames = []
    for i in range(n):
        j = i
        if mode == "dup":
            j = i - (i % 2)  # every other frame repeats its predecessor
        elif mode == "skip":
            j = i + (i // 6) * 3  # every 6 frames, 3 frames are missing
        x = int(round(j * speed))
        frames.append(np.ascontiguousarray(TEXTURE[16:144, x : x + 128]))
    return frames


def test_static_clip_is_smooth_and_not_dynamic():
    frames = pan(24, 0.0)
    assert motion_smoothness(frames) == pytest.approx(1.0, abs=1e-6)
    assert dynamic_degree(frames[::3], fps=8.0) == 0.0


def test_moving_pattern_is_dynamic_and_smooth():
    frames = pan(48, 2.0)
    assert dynamic_degree(frames[::6], fps=4.0) == 1.0
    assert motion_smoothness(frames) > 0.99


@pytest.mark.parametrize("mode", ["dup", "skip"])
def test_dropped_frames_lower_smoothness(mode):
    smooth = motion_smoothness(pan(48, 2.0))
    broken = motion_smoothness(pan(48, 2.0, mode))
    assert broken < smooth - 0.02


def test_blur_and_noise_lower_imaging_quality():
    frame = np.ascontiguousarray(TEXTURE[:128, :128])
    clean = imaging_quality([frame])
    blurred = imaging_quality([cv2.GaussianBlur(frame, (0, 0), 2.5)])
    noisy = imaging_quality([np.clip(frame + np.random.default_rng(1).normal(0, 25, frame.shape), 0, 255).astype(np.uint8)])
    assert blurred < clean - 0.1
    assert noisy < clean - 0.1
    assert 0.0 <= min(clean, blurred, noisy) <= max(clean, blurred, noisy) <= 1.0


def test_classical_fallback_also_ranks_blur_and_noise():
    frame = np.ascontiguousarray(TEXTURE[:128, :128])
    clean = classical_quality(frame)
    assert classical_quality(cv2.GaussianBlur(frame, (0, 0), 2.5)) < clean
    assert classical_quality(np.clip(frame + np.random.default_rng(2).normal(0, 25, frame.shape), 0, 255).astype(np.uint8)) < clean


@pytest.mark.skipif(not brisque_available(), reason="brisque package not installed")
def test_brisque_runs_on_numpy2_and_flat_frames_are_undefined():
    s = brisque_score(np.ascontiguousarray(TEXTURE[:128, :128]))
    assert s is not None and math.isfinite(s)
    assert brisque_score(np.full((64, 64, 3), 128, np.uint8)) is None


def test_aesthetic_prefers_colourful_well_exposed_frames():
    good = np.ascontiguousarray(TEXTURE[:128, :128])
    dark_grey = np.full((128, 128, 3), 12, np.uint8)
    assert aesthetic_quality([good]) > aesthetic_quality([dark_grey]) + 0.2


def test_split_clips_respects_scene_boundaries():
    clips = split_clips(10.0, [(0.0, 2.5), (2.5, 7.0), (7.0, 10.0)])
    assert [c[2] for c in clips] == [0, 1, 1, 2, 2]  # 2.5 s → 1 clip, 4.5 s → 2, 3 s → 2
    assert clips[1][0] == 2.5 and clips[2][1] == 7.0
    assert len(split_clips(6.0)) == 3


def test_measure_video_static_vs_moving(tmp_path):
    static = write_video(tmp_path / "static.mp4", pan(48, 0.0), (128, 128), fps=24)
    moving = write_video(tmp_path / "moving.mp4", pan(48, 2.0), (128, 128), fps=24)
    s, m = measure_video(static), measure_video(moving, [(0.0, 1.0), (1.0, 2.0)])
    assert set(s) >= {"MS*", "DD*", "IQ*", "AQ*"}
    assert s["DD*"] == 0.0 and s["MS*"] > 0.99
    assert m["DD*"] == 1.0 and m["motion*"] > s["motion*"]
    assert all(0.0 <= v <= 1.0 for v in (*s.values(), *m.values()))


def test_probe_and_frame_access(tmp_path):
    frames = [np.full((96, 128, 3), 5 * i, np.uint8) for i in range(48)]
    path = write_video(tmp_path / "ramp.mp4", frames, (128, 96), fps=24, tags={"comment": "AI Created"})
    info = probe(path)
    assert (info.width, info.height, info.frames) == (128, 96, 48)
    assert info.fps == 24 and info.duration_s == pytest.approx(2.0)
    assert not info.has_audio and info.tags["comment"] == "AI Created"
    small = list(iter_frames(path, fps=4, max_side=64))
    assert len(small) == 8 and small[0].shape == (48, 64, 3)
    window = list(iter_frames(path, start_s=1.0, end_s=1.5))
    assert len(window) == 12 and abs(int(window[0][0, 0, 0]) - 120) <= 6
    assert abs(int(read_frame(path, 1.0)[0, 0, 0]) - 120) <= 6
    with pytest.raises(FileNotFoundError):
        probe(tmp_path / "missing.mp4")
