"""PCI splicing (tools/media/splice.py): frame arithmetic, placement, audio continuity, atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tools.media import splice as splice_mod
from tools.media.encode import FrameEncoder, mux_audio
from tools.media.probe import iter_frames, probe, read_frame
from tools.media.splice import SAMPLE_RATE, SEGMENT_RAMP_S, decode_audio, splice, write_pcm_wav

SIZE = (160, 96)  # small, even
FPS = 12
HOST_S = 5.0
SEGMENT_S = 2.0
POINT_S = 2.0  # cut frame 24
SEGMENT_GREEN = (20, 210, 40)
HOST_AMP = 0.5
SEGMENT_AMP = 0.3
MICROLENS = Path(__file__).resolve().parents[2] / "shared" / "data" / "microlens" / "videos"


def host_frame(k: int, size=SIZE) -> np.ndarray:
    """A textured red/blue host frame whose blue ramps with the frame index (distinctive)."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    f = np.zeros((h, w, 3), np.uint8)
    f[..., 0] = 120 + 60 * ((xx + k) // 8 % 2)  # checker stripes drifting 1 px a frame
    f[..., 2] = min(250, 40 + 4 * k)
    f[..., 1] = (yy * 40 // h).astype(np.uint8)
    return f


def host_audio(duration_s: float) -> np.ndarray:
    """A chirp (300 -> 900 Hz): any time offset shows up as decorrelation."""
    t = np.arange(int(round(duration_s * SAMPLE_RATE))) / SAMPLE_RATE
    phase = 2 * np.pi * (300 * t + 60 * t**2)
    return (HOST_AMP * np.sin(phase)).astype(np.float32)


def segment_audio(duration_s: float) -> np.ndarray:
    """A cosine: it starts and ends far from zero, so an un-ramped join would click."""
    t = np.arange(int(round(duration_s * SAMPLE_RATE))) / SAMPLE_RATE
    return (SEGMENT_AMP * np.cos(2 * np.pi * 500 * t)).astype(np.float32)


def write_clip(path: Path, frames, size, fps, audio: np.ndarray | None) -> Path:
    """Encode frames (+ a mono track duplicated to stereo) with the project's own helpers."""
    silent = path.with_name(path.stem + ".silent.mp4")
    with FrameEncoder(silent, size, fps) as enc:
        for f in frames:
            enc.write(f)
    if audio is None:
        silent.rename(path)
        return path
    wav = write_pcm_wav(path.with_suffix(".wav"), np.repeat(audio[:, None], 2, axis=1))
    mux_audio(silent, wav, path)
    silent.unlink()
    wav.unlink()
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("splice")
    n_host, n_seg = int(HOST_S * FPS), int(SEGMENT_S * FPS)
    green = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    green[:] = SEGMENT_GREEN
    return {
        "host": write_clip(d / "host.mp4", (host_frame(k) for k in range(n_host)), SIZE, FPS, host_audio(HOST_S)),
        "mute_host": write_clip(d / "mute.mp4", (host_frame(k) for k in range(n_host)), SIZE, FPS, None),
        "segment": write_clip(d / "segment.mp4", (green for _ in range(n_seg)), SIZE, FPS, segment_audio(SEGMENT_S)),
        "small": write_clip(d / "small.mp4", (green[:48, :80] for _ in range(6)), (80, 48), FPS, None),
        "fast": write_clip(d / "fast.mp4", (green for _ in range(12)), SIZE, 24, None),
    }


@pytest.fixture(scope="module")
def spliced(clips, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "integrated.mp4"
    return splice(clips["host"], clips["segment"], POINT_S, out)


def _cut() -> int:
    return round(POINT_S * FPS)


def _seg_frames() -> int:
    return int(SEGMENT_S * FPS)


# --------------------------------------------------------------------------- video


def test_duration_arithmetic(clips, spliced):
    host, seg, out = probe(clips["host"]), probe(clips["segment"]), probe(spliced.path)
    assert out.frames == spliced.frames == host.frames + seg.frames
    assert abs(out.duration_s - (host.duration_s + seg.duration_s)) <= 1.0 / FPS
    assert spliced.fps == pytest.approx(FPS) and out.fps == pytest.approx(FPS)
    assert spliced.segment_start_s == pytest.approx(_cut() / FPS)
    assert spliced.segment_end_s == pytest.approx((_cut() + seg.frames) / FPS)
    assert spliced.duration_s == pytest.approx(out.frames / FPS)
    assert spliced.point_s == POINT_S and Path(spliced.host_path) == Path(clips["host"])


def test_segment_placed_at_the_cut(spliced):
    frames = list(iter_frames(spliced.path))
    cut, n = _cut(), _seg_frames()

    def is_green(f: np.ndarray) -> bool:
        return bool(np.abs(f.reshape(-1, 3).mean(0) - SEGMENT_GREEN).max() < 12)

    assert [is_green(f) for f in frames] == [False] * cut + [True] * n + [False] * (len(frames) - cut - n)
    # The host frames either side are host frames c-1 and c: the host resumes where it left off.
    for k_out, k_host in ((cut - 1, cut - 1), (cut + n, cut), (len(frames) - 1, len(frames) - n - 1)):
        assert np.abs(frames[k_out].astype(int) - host_frame(k_host)).mean() < 6
    # and not the neighbouring host frame (the stripes drift one pixel a frame)
    assert np.abs(frames[cut + n].astype(int) - host_frame(cut + 4)).mean() > 10


def test_metadata_names_the_ai_segment(spliced):
    tags = probe(spliced.path).tags
    assert tags["title"] == "AI Created"
    blob = json.loads(tags["comment"].split("provenance=", 1)[1])
    assert blob["generator"] == "NextAds" and blob["label"] == "AI Created"
    assert blob["ai_segment"] == {"start_s": pytest.approx(spliced.segment_start_s),
                                  "end_s": pytest.approx(spliced.segment_end_s)}


# --------------------------------------------------------------------------- audio


def _window_rms(x: np.ndarray, win: int) -> np.ndarray:
    n = len(x) // win
    return np.sqrt((x[: n * win].reshape(n, win) ** 2).mean(axis=1))


def _longest_run(mask: np.ndarray) -> int:
    best = run = 0
    for m in mask:
        run = run + 1 if m else 0
        best = max(best, run)
    return best


def test_audio_length_matches_video(spliced):
    audio = decode_audio(spliced.path)
    assert abs(len(audio) - spliced.frames / FPS * SAMPLE_RATE) <= SAMPLE_RATE / FPS


def test_no_silence_gap_or_click_at_the_joins(spliced):
    mono = decode_audio(spliced.path).mean(axis=1)
    win = SAMPLE_RATE // 200  # 5 ms windows
    quiet = _window_rms(mono, win) < 0.02
    # The fades reach silence only for their first/last few per cent: well under 50 ms a join.
    assert _longest_run(quiet) * win / SAMPLE_RATE < 0.05
    # Outside the planned fades everything is audible.
    s_cut = round(spliced.segment_start_s * SAMPLE_RATE)
    s_back = round(spliced.segment_end_s * SAMPLE_RATE)
    fade = round(spliced.fade_s * SAMPLE_RATE)
    outside = np.ones(len(quiet), bool)
    for a, b in ((s_cut - fade, s_cut + 2 * win), (s_back - 2 * win, s_back + fade)):
        outside[max(0, a // win): b // win + 1] = False
    assert not quiet[outside].any()
    # No click: sample-to-sample steps stay near the signals' own slopes (~0.03 for these tones);
    # an un-ramped join of the cosine segment would jump by 0.3.
    for s in (s_cut, s_back):
        around = mono[s - 2 * win: s + 2 * win]
        assert np.abs(np.diff(around)).max() < 0.08


def test_host_audio_resumes_where_it_left_off(clips, spliced):
    host = decode_audio(clips["host"]).mean(axis=1)
    out = decode_audio(spliced.path).mean(axis=1)
    s_cut = round(spliced.segment_start_s * SAMPLE_RATE)
    s_back = round(spliced.segment_end_s * SAMPLE_RATE)
    fade = round(spliced.fade_s * SAMPLE_RATE)
    span = SAMPLE_RATE // 2
    after, expected = out[s_back + fade: s_back + fade + span], host[s_cut + fade: s_cut + fade + span]
    assert np.corrcoef(after, expected)[0, 1] > 0.95
    # Resuming 50 ms later (or earlier) would not match the chirp.
    shifted = host[s_cut + fade + 2400: s_cut + fade + 2400 + span]
    assert abs(np.corrcoef(after, shifted)[0, 1]) < 0.5
    # Before the fade-out, the host plays untouched.
    head = slice(SAMPLE_RATE // 10, s_cut - fade)
    assert np.corrcoef(out[head], host[head])[0, 1] > 0.95
    # The segment's own track plays in the middle, brought to the host's loudness (0.3 -> 0.5).
    middle = out[s_cut + fade + SAMPLE_RATE // 20: s_back - fade - SAMPLE_RATE // 20]
    assert np.sqrt((middle**2).mean()) == pytest.approx(HOST_AMP / np.sqrt(2), rel=0.15)
    assert np.corrcoef(middle, segment_audio(SEGMENT_S)[: len(middle)])[0, 1] > 0.9 or \
        abs(np.fft.rfft(middle).argmax() * SAMPLE_RATE / len(middle) - 500) < 5  # it is the segment's tone


def test_soundtrack_is_sample_exact_and_crossfaded():
    """The numpy timeline on its own: exact part lengths, crossfades (never a dip to silence)
    at both joins, the segment at the host's level, silence for no audio."""
    fps, cut, seg, n_host = 30.0, 45, 31, 100
    host = np.full((int(4 * SAMPLE_RATE), 2), 0.5, np.float32)
    segment = np.full((int(0.6 * SAMPLE_RATE), 2), 0.4, np.float32)  # too short: padded with silence
    track = splice_mod.spliced_soundtrack(host, segment, cut=cut, segment_frames=seg, host_frames=n_host,
                                          fps=fps, fade_s=0.3)
    assert len(track) == round((n_host + seg) * SAMPLE_RATE / fps)
    s_cut, s_back = round(cut * SAMPLE_RATE / fps), round((cut + seg) * SAMPLE_RATE / fps)
    fade = round(0.3 * SAMPLE_RATE)
    assert track[: s_cut, 0] == pytest.approx(0.5)  # the host untouched up to the cut
    # Head crossfade: host continuation out, segment in; equal power never dips below either level.
    head = track[s_cut: s_cut + fade, 0]
    assert head.min() >= 0.45 and head[0] == pytest.approx(0.5, abs=0.01)
    assert track[s_cut + fade + 100, 0] == pytest.approx(0.5)  # the segment, level-matched 0.4 -> 0.5
    assert track[s_cut + int(0.65 * SAMPLE_RATE), 0] == 0.0  # segment audio ran out: silence, not host
    # Tail crossfade: the host's lead-in rises to full level exactly at the return.
    assert track[s_back - 1, 0] == pytest.approx(0.5, abs=0.01) and track[s_back:, 0] == pytest.approx(0.5)
    mute = splice_mod.spliced_soundtrack(None, segment, cut=cut, segment_frames=seg, host_frames=n_host,
                                         fps=fps, fade_s=0.3)
    ramp = round(SEGMENT_RAMP_S * SAMPLE_RATE)
    assert len(mute) == len(track) and not mute[:s_cut].any() and not mute[s_back:].any()
    assert mute[s_cut, 0] < 0.01 and mute[s_cut + ramp, 0] == pytest.approx(0.4)  # ramped, unscaled


def test_level_gain_is_bounded_and_ignores_silence():
    loud = np.full((SAMPLE_RATE * 4, 2), 0.4, np.float32)
    quiet = np.full((SAMPLE_RATE, 2), 0.01, np.float32)
    assert splice_mod.level_gain(loud, quiet, SAMPLE_RATE) == splice_mod.LEVEL_GAIN_RANGE[1]
    half = np.concatenate([np.zeros((SAMPLE_RATE, 2), np.float32), np.full((SAMPLE_RATE, 2), 0.2, np.float32)])
    assert splice_mod.level_gain(loud, half, SAMPLE_RATE) == pytest.approx(2.0, rel=1e-3)  # silence left out
    assert splice_mod.level_gain(np.zeros_like(loud), half, SAMPLE_RATE) == 1.0


def test_host_without_audio(clips, tmp_path):
    iv = splice(clips["mute_host"], clips["segment"], POINT_S, tmp_path / "out.mp4")
    info = probe(iv.path)
    assert info.has_audio and info.frames == iv.frames == int((HOST_S + SEGMENT_S) * FPS)
    mono = decode_audio(iv.path).mean(axis=1)
    s_cut, s_back = round(iv.segment_start_s * SAMPLE_RATE), round(iv.segment_end_s * SAMPLE_RATE)
    assert np.abs(mono[: s_cut - 2400]).max() < 0.01 and np.abs(mono[s_back + 2400:]).max() < 0.01
    assert np.sqrt((mono[s_cut + 2400: s_back - 2400] ** 2).mean()) > 0.15


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize("which, words", [("small", ("80x48", "160x96")), ("fast", ("24 fps", "12 fps"))])
def test_wrong_size_or_fps_is_refused(clips, tmp_path, which, words):
    with pytest.raises(ValueError) as err:
        splice(clips["host"], clips[which], POINT_S, tmp_path / "out.mp4")
    assert all(w in str(err.value) for w in words)
    assert str(clips["host"]) in str(err.value) and str(clips[which]) in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_point_outside_the_host_is_refused(clips, tmp_path):
    with pytest.raises(ValueError, match="outside the host"):
        splice(clips["host"], clips["segment"], HOST_S + 1.0, tmp_path / "out.mp4")
    assert list(tmp_path.iterdir()) == []


def test_nothing_half_written_on_failure(clips, tmp_path, monkeypatch):
    """A failure after the frames were encoded (here: muxing) leaves neither dst nor scratch files."""
    def broken_mux(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(splice_mod, "mux_audio", broken_mux)
    dst = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError, match="disk full"):
        splice(clips["host"], clips["segment"], POINT_S, dst)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- real host video


@pytest.mark.skipif(not (MICROLENS / "10034.mp4").is_file(), reason="MicroLens videos not available")
def test_real_host_video(tmp_path, monkeypatch):
    """A MicroLens host (720p, 30 fps, AAC): exact frame count, audio to the end, host frames kept."""
    from nextads.settings import get_settings

    monkeypatch.setenv("NEXTADS_X264_PRESET", "ultrafast")  # the test checks arithmetic, not quality
    get_settings.cache_clear()
    try:
        host_path = MICROLENS / "10034.mp4"
        host = probe(host_path)
        start = read_frame(host_path, 2.9, info=host)
        segment = write_clip(tmp_path / "seg.mp4", (start for _ in range(round(host.fps))),
                             (host.width, host.height), round(host.fps), segment_audio(1.0))
        iv = splice(host_path, segment, 3.0, tmp_path / "integrated.mp4")
    finally:
        get_settings.cache_clear()
    out = probe(iv.path)
    assert out.frames == host.frames + round(host.fps) and out.has_audio
    assert abs(out.duration_s - (host.duration_s + 1.0)) <= 1.0 / host.fps
    assert abs(len(decode_audio(iv.path)) - iv.duration_s * SAMPLE_RATE) <= SAMPLE_RATE / host.fps
    cut = round(3.0 * host.fps)
    back = read_frame(iv.path, (cut + round(host.fps) - 0.5) / host.fps, max_side=320, info=out).astype(int)
    orig = read_frame(host_path, (cut - 0.5) / host.fps, max_side=320, info=host).astype(int)
    assert np.abs(back - orig).mean() < 8
