"""PCI splicing: the host video with the AI-created segment woven in at the integration point.

``splice(host_path, segment_path, point_s, dst) -> IntegratedVideo``

With host fps ``F`` and ``N`` host frames, the cut frame is ``c = round(point_s * F)``; the
integrated video is host frames ``[0, c)`` + every segment frame + host frames ``[c, N)``,
written by one encoder at the host's fps (frames are streamed, never held as a video).

The soundtrack is built sample-exactly in numpy at ``SAMPLE_RATE`` Hz stereo (the host's
stereo image survives; a mono segment is duplicated on both channels by ffmpeg). Each join is
an equal-power crossfade over ``fade_s``, never a fade through silence:

- host audio up to ``c / F`` untouched; over the segment's first ``fade_s`` the host's own
  continuation (the audio after ``c / F``) fades out under the segment fading in;
- the segment's own audio, padded or trimmed to exactly ``segment_frames / F``, brought to the
  host's loudness around the point (RMS, gain within ``LEVEL_GAIN_RANGE``) so the ad neither
  whispers nor shouts after the host;
- over the segment's last ``fade_s`` the host's audio leading into ``c / F`` fades in under
  the segment fading out, so the host resumes at ``c / F`` at full level, where it left off.

Every part's length in samples comes from frame boundaries (``round(k * SR / F)``), so the
track is exactly ``total_frames / F`` long: no A/V drift however long the host. A host (or
segment) without audio contributes silence. Host audio is taken as aligned with its video
at t = 0 (ffmpeg applies the container's edit list when decoding).

The result is muxed as AAC with provenance tags naming the AI-created time range, and
appears atomically: on any failure nothing is left at ``dst``.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from nextads.schemas import IntegratedVideo
from tools.media.encode import (
    AI_LABEL,
    EncodeError,
    FrameEncoder,
    atomic_output,
    ffmpeg_exe,
    mux_audio,
    provenance_metadata,
)
from tools.media.probe import VideoInfo, iter_frames, probe

SAMPLE_RATE = 48_000  # the AAC/video norm; both tracks are resampled to it by ffmpeg
CHANNELS = 2
HOST_FADE_S = 0.3  # crossfade between host and segment audio at each join
SEGMENT_RAMP_S = 0.005  # without host audio to cross into, the segment still ramps over 5 ms: no click
LEVEL_WINDOW_S = 3.0  # host loudness is measured over this much audio on each side of the point
LEVEL_GAIN_RANGE = (0.25, 8.0)  # the segment's level-matching gain stays within -12..+18 dB
ACTIVE_RMS = 1e-3  # 10 ms windows quieter than this are silence, left out of a level
GENERATOR = "NextAds"
_AUDIO_TIMEOUT_S = 300


# --------------------------------------------------------------------------- arithmetic


def cut_frame(point_s: float, fps: float) -> int:
    """The first host frame after the segment: ``round(point_s * fps)`` (the lead's convention)."""
    return int(round(point_s * fps))


def sample_at(frame: int, fps: float, sr: int = SAMPLE_RATE) -> int:
    """Audio sample index where video frame ``frame`` starts (shared by every part of the track)."""
    return int(round(frame * sr / fps))


def check_compatible(host: VideoInfo, segment: VideoInfo) -> None:
    """The segment must be rendered at the host's size and (rounded) frame rate."""
    if (segment.width, segment.height) != (host.width, host.height) or round(segment.fps) != round(host.fps):
        raise ValueError(
            f"segment {segment.path} is {segment.width}x{segment.height} at {segment.fps:g} fps but the host "
            f"{host.path} is {host.width}x{host.height} at {host.fps:g} fps; render the segment at the host's "
            "size and rounded fps")


# --------------------------------------------------------------------------- audio


def decode_audio(path: str | Path, sr: int = SAMPLE_RATE, channels: int = CHANNELS) -> np.ndarray:
    """The first audio stream of ``path`` as float32 samples, shape (n, channels), at ``sr`` Hz."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path),
           "-map", "0:a:0", "-vn", "-ac", str(channels), "-ar", str(sr), "-f", "f32le", "pipe:1"]
    proc = subprocess.run(cmd, capture_output=True, timeout=_AUDIO_TIMEOUT_S)
    if proc.returncode != 0:
        raise EncodeError(f"could not decode the audio of {path}: {proc.stderr.decode(errors='replace')[-800:]}")
    return np.frombuffer(proc.stdout, dtype="<f4").reshape(-1, channels).copy()


def fit_length(x: np.ndarray, n: int) -> np.ndarray:
    """``x`` trimmed or zero-padded to exactly ``n`` samples."""
    if len(x) >= n:
        return x[:n]
    return np.concatenate([x, np.zeros((n - len(x), x.shape[1]), x.dtype)])


def _ramp(n: int) -> np.ndarray:
    """Raised-cosine gain from 0 to 1 over ``n`` samples (smooth slope at both ends)."""
    return (0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)).astype(np.float32)[:, None]


def _power_ramp(n: int) -> np.ndarray:
    """Equal-power gain from 0 to 1 over ``n`` samples: ``_power_ramp² + reversed²`` = 1."""
    return np.sin(0.5 * np.pi * (np.arange(n) + 0.5) / n).astype(np.float32)[:, None]


def fade_in(x: np.ndarray, n: int) -> np.ndarray:
    """Fade the first ``n`` samples of ``x`` in (in place; returns ``x``)."""
    n = min(n, len(x))
    if n > 0:
        x[:n] *= _ramp(n)
    return x


def fade_out(x: np.ndarray, n: int) -> np.ndarray:
    """Fade the last ``n`` samples of ``x`` out (in place; returns ``x``)."""
    n = min(n, len(x))
    if n > 0:
        x[len(x) - n:] *= _ramp(n)[::-1]
    return x


def active_rms(x: np.ndarray, sr: int = SAMPLE_RATE) -> float:
    """RMS over the 10 ms windows that are not silent (0.0 for silence)."""
    win = max(1, sr // 100)
    n = len(x) // win * win
    if n == 0:
        return 0.0
    per = np.sqrt(np.mean(np.square(x[:n].reshape(-1, win, x.shape[1] if x.ndim > 1 else 1)), axis=(1, 2)))
    loud = per[per > ACTIVE_RMS]
    return float(np.sqrt(np.mean(np.square(loud)))) if loud.size else 0.0


def level_gain(host: np.ndarray, segment: np.ndarray, s_cut: int, sr: int = SAMPLE_RATE) -> float:
    """Gain that brings the segment to the host's loudness around the cut (1.0 if either is silent)."""
    w = int(LEVEL_WINDOW_S * sr)
    h, g = active_rms(host[max(0, s_cut - w): s_cut + w], sr), active_rms(segment, sr)
    if h <= 0.0 or g <= 0.0:
        return 1.0
    return float(np.clip(h / g, *LEVEL_GAIN_RANGE))


def spliced_soundtrack(host_audio: np.ndarray | None, segment_audio: np.ndarray | None, *, cut: int,
                       segment_frames: int, host_frames: int, fps: float, fade_s: float,
                       sr: int = SAMPLE_RATE) -> np.ndarray:
    """Host and segment audio crossfaded at both joins, exactly ``(host + segment frames) / fps`` long.

    ``None`` for a track means silence. Returns float32 (n, CHANNELS).
    """
    s_cut = sample_at(cut, fps, sr)
    s_back = sample_at(cut + segment_frames, fps, sr)
    s_end = sample_at(host_frames + segment_frames, fps, sr)
    host = fit_length(host_audio if host_audio is not None else np.zeros((0, CHANNELS), np.float32),
                      s_end - (s_back - s_cut))
    segment = segment_audio if segment_audio is not None else np.zeros((0, CHANNELS), np.float32)
    before = host[:s_cut].copy()
    after = host[s_cut:].copy()
    middle = fit_length(segment, s_back - s_cut).copy()
    middle *= level_gain(host, middle, s_cut, sr)
    ramp_n = int(round(SEGMENT_RAMP_S * sr))
    fade_out(fade_in(middle, ramp_n), ramp_n)  # a click-free edge even where no host crosses in
    # Crossfades: the host's continuation under the segment's head, its lead-in under the tail.
    n_fade = int(round(fade_s * sr)) if host_audio is not None else 0  # no host: nothing to cross into
    n_in = min(n_fade, len(middle) // 2, len(after))
    if n_in > 0:
        up = _power_ramp(n_in)
        middle[:n_in] = middle[:n_in] * up + after[:n_in] * up[::-1]
    n_out = min(n_fade, len(middle) // 2, len(before))
    if n_out > 0:
        up = _power_ramp(n_out)
        middle[len(middle) - n_out:] = middle[len(middle) - n_out:] * up[::-1] + before[len(before) - n_out:] * up
    return np.concatenate([before, middle, after]).astype(np.float32)


def write_pcm_wav(path: str | Path, samples: np.ndarray, sr: int = SAMPLE_RATE) -> Path:
    """16-bit PCM WAV of float samples shaped (n, channels)."""
    path = Path(path)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())
    return path


# --------------------------------------------------------------------------- video


def _write_spliced_frames(dst: Path, host: VideoInfo, segment: VideoInfo, cut: int) -> tuple[int, int]:
    """Encode host[0, cut) + segment + host[cut, N) at the host fps; (host frames, segment frames) written.

    The host is decoded once: its decoder simply waits on its pipe while the segment is copied.
    """
    host_frames = iter_frames(host.path, info=host)
    first = next(host_frames, None)
    if first is None:
        raise ValueError(f"no frames decoded from the host {host.path}")
    size = (first.shape[1], first.shape[0])
    n_host = n_segment = 0
    with FrameEncoder(dst, size, host.fps) as enc:
        frame: np.ndarray | None = first
        while frame is not None and n_host < cut:
            enc.write(frame)
            n_host += 1
            frame = next(host_frames, None)
        for seg_frame in iter_frames(segment.path, info=segment):
            enc.write(seg_frame)
            n_segment += 1
        while frame is not None:
            enc.write(frame)
            n_host += 1
            frame = next(host_frames, None)
    if n_segment == 0:
        raise ValueError(f"no frames decoded from the segment {segment.path}")
    return n_host, n_segment


def _segment_tags(start_s: float, end_s: float, host_path: str) -> dict[str, str]:
    """Container tags: the AI label, and which time range of the video is AI-created."""
    return provenance_metadata({
        "label": AI_LABEL, "generator": GENERATOR, "task": "pci",
        "ai_segment": {"start_s": round(start_s, 4), "end_s": round(end_s, 4)},
        "host": Path(host_path).name,
    })


# --------------------------------------------------------------------------- splice


def splice(host_path: str | Path, segment_path: str | Path, point_s: float, dst: str | Path, *,
           fade_s: float = HOST_FADE_S) -> IntegratedVideo:
    """Weave ``segment_path`` into ``host_path`` at ``point_s`` (host seconds); write ``dst`` atomically.

    Raises ValueError when the segment is not at the host's size and rounded fps, or the
    point lies outside the host.
    """
    if fade_s < 0:
        raise ValueError(f"fade_s must be >= 0, got {fade_s}")
    host = probe(host_path)
    segment = probe(segment_path)
    check_compatible(host, segment)
    fps = host.fps
    cut = cut_frame(point_s, fps)
    if not 0 <= cut <= host.frames:
        raise ValueError(f"integration point {point_s:.3f}s is outside the host ({host.duration_s:.3f}s)")
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    # Scratch files live beside dst (same filesystem) and vanish with the folder, success or not.
    with tempfile.TemporaryDirectory(prefix=f".{dst.stem}.", dir=dst.parent) as scratch, atomic_output(dst) as out:
        silent = Path(scratch) / "video.mp4"
        n_host, n_segment = _write_spliced_frames(silent, host, segment, cut)
        cut = min(cut, n_host)  # the decoder is the truth should the container's count disagree
        start_s, end_s = cut / fps, (cut + n_segment) / fps
        wav = None
        if host.has_audio or segment.has_audio:
            track = spliced_soundtrack(
                decode_audio(host.path) if host.has_audio else None,
                decode_audio(segment.path) if segment.has_audio else None,
                cut=cut, segment_frames=n_segment, host_frames=n_host, fps=fps, fade_s=fade_s)
            wav = write_pcm_wav(Path(scratch) / "audio.wav", track)
        mux_audio(silent, wav, out, metadata=_segment_tags(start_s, end_s, host.path))
    total = n_host + n_segment
    return IntegratedVideo(
        path=str(dst), host_path=str(host.path), point_s=float(point_s),
        segment_start_s=start_s, segment_end_s=end_s, duration_s=total / fps,
        fps=fps, frames=total, fade_s=min(fade_s, start_s),
    )
