"""decoded_once: the Verifier's many samples of one video come from one decode per size and
must be exactly the frames ffmpeg gives for the same call (native windows, fps-resampled
windows, fractional starts, single frames)."""

from __future__ import annotations

import numpy as np
import pytest

from tools.media import probe as probe_mod
from tools.media.probe import decoded_once, iter_frames, probe, read_frame
from verifier_fixtures import write_video

FPS = 24
N = 3 * FPS  # 3 s


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    # Every frame distinct (a moving bar and a frame-number shade), so a wrong pick shows.
    frames = []
    for k in range(N):
        f = np.full((128, 96, 3), (k * 3) % 256, np.uint8)
        f[:, (k * 5) % 80:(k * 5) % 80 + 16] = (250, 40, 40)
        frames.append(f)
    return str(write_video(tmp_path_factory.mktemp("v") / "v.mp4", frames, (96, 128), fps=FPS))


CASES = [
    {"max_side": 64},
    {"max_side": 64, "start_s": 1.0, "end_s": 2.0},
    {"max_side": 64, "start_s": 0.7, "end_s": 2.05},  # fractional: ffmpeg repeats a frame
    {"max_side": 64, "fps": 4.0, "start_s": 0.0, "end_s": 2.0},
    {"max_side": 64, "fps": 4.0, "start_s": 1.3, "end_s": 2.9},
    {"max_side": 32, "fps": 1.0},
    {"max_side": 64, "fps": 30.0, "start_s": 0.5, "end_s": 1.0},  # faster than the video
]


def test_frames_served_from_memory_equal_ffmpeg_s(video):
    info = probe(video)
    streamed = [list(iter_frames(video, info=info, **c)) for c in CASES]
    singles = [read_frame(video, t, 64, info=info) for t in (0.0, 0.51, 1.0, 2.999, 9.0)]
    with decoded_once(video, info, (64, 32)):
        assert probe_mod._cached_frames(video, 64) is not None  # really served from memory
        served = [list(iter_frames(video, info=info, **c)) for c in CASES]
        served_singles = [read_frame(video, t, 64, info=info) for t in (0.0, 0.51, 1.0, 2.999, 9.0)]
    assert probe_mod._cached_frames(video, 64) is None  # released after the block
    for case, a, b in zip(CASES, streamed, served):
        assert len(a) == len(b), case
        assert all(np.array_equal(x, y) for x, y in zip(a, b)), case
    assert all(np.array_equal(x, y) for x, y in zip(singles, served_singles))


def test_a_video_over_the_memory_budget_is_streamed(video, monkeypatch):
    info = probe(video)
    monkeypatch.setattr(probe_mod, "FRAME_CACHE_BYTES", 1000)
    with decoded_once(video, info, (64,)):
        assert probe_mod._cached_frames(video, 64) is None
        assert len(list(iter_frames(video, info=info, max_side=64))) == N
