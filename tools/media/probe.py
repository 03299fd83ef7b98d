"""Read a video's metadata and sample its frames with the bundled ffmpeg binary.

Everything goes through ``imageio_ffmpeg.get_ffmpeg_exe()`` (no system ffmpeg, no
network). Frames are decoded by ffmpeg already downscaled (``scale`` filter) and
optionally resampled (``fps`` filter), then streamed from a pipe one frame at a time,
so a long 720p video is never held in memory.

Public API::

    probe(path) -> VideoInfo
    iter_frames(path, *, fps=None, max_side=None, start_s=None, end_s=None) -> Iterator[np.ndarray]
    read_frame(path, t_s, max_side=None) -> np.ndarray
    scaled_size(width, height, max_side) -> (w, h)

Frames are ``uint8`` RGB arrays of shape (h, w, 3).

``decoded_once(path, info, sizes)`` is for a caller that samples one short video many times
(the Verifier: ~2 s clips, scene frames, end-card frames, palette frames): inside the block,
``iter_frames`` and ``read_frame`` of that file at those sizes are served from one decode per
size held in memory, instead of one ffmpeg process per call, each decoding from the previous
keyframe. Frame choice follows what ffmpeg returns for the same call (tests compare both).
A video too large for ``FRAME_CACHE_BYTES`` is streamed as before.
"""

from __future__ import annotations

import math
import re
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import imageio_ffmpeg
import numpy as np

# ffmpeg prints its input description on stderr; these patterns read it.
_DURATION_RE = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO_RE = re.compile(r"Stream #\S+.*?Video:.*?,\s*(\d{2,5})x(\d{2,5})")
_FPS_RE = re.compile(r"(\d+(?:\.\d+)?)\s*fps")
_TBR_RE = re.compile(r"(\d+(?:\.\d+)?)\s*tbr")
_FRAMES_RE = re.compile(r"frame=\s*(\d+)")
_META_LINE_RE = re.compile(r"^(\s*)([^:]+?)\s*:\s?(.*)$")

# Timeout for one ffmpeg call that only reads headers or one frame.
_PROBE_TIMEOUT_S = 60
# Most memory one decoded_once block may hold (all its sizes together).
FRAME_CACHE_BYTES = 512 * 2**20
_EPS = 1e-6


@dataclass(frozen=True)
class VideoInfo:
    """What the Verifier needs to know about a video file."""

    path: str
    width: int
    height: int
    fps: float
    duration_s: float
    frames: int
    has_audio: bool
    # Container-level tags (e.g. {"comment": "AI Created", "encoder": "Lavf..."}).
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def aspect(self) -> float:
        return self.width / self.height if self.height else 0.0


def _ffmpeg() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_threads() -> list[str]:
    """ffmpeg's `-threads` option (before `-i`: decoder, after: encoder) from the `threads`
    setting; empty (ffmpeg's own choice) when it is 0."""
    from nextads.settings import get_settings

    n = get_settings().threads
    return ["-threads", str(n)] if n else []


def _check_path(path: str | Path) -> str:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"video not found: {p}")
    return str(p)


def _parse_container_tags(stderr: str) -> dict[str, str]:
    """Read the ``Metadata:`` block that belongs to ``Input #0`` (not to its streams)."""
    tags: dict[str, str] = {}
    lines = stderr.splitlines()
    in_input = False
    in_meta = False
    meta_indent = 0
    for line in lines:
        if line.startswith("Input #0"):
            in_input = True
            continue
        if not in_input:
            continue
        stripped = line.strip()
        if stripped.startswith(("Duration:", "Stream #")) or line.startswith("Output #"):
            break  # container metadata always precedes Duration and the streams
        if stripped == "Metadata:":
            in_meta = True
            meta_indent = len(line) - len(line.lstrip()) + 1
            continue
        if in_meta:
            m = _META_LINE_RE.match(line)
            if m and len(m.group(1)) >= meta_indent:
                key, value = m.group(2).strip(), m.group(3).strip()
                # Multi-line values are continued with an empty key (": more text").
                if key == "" and tags:
                    last = next(reversed(tags))
                    tags[last] += "\n" + value
                else:
                    tags[key] = value
    return tags


def _count_frames(path: str) -> int:
    """Exact frame count by decoding (cheap: ``-f null``, no pixel conversion)."""
    proc = subprocess.run(
        [_ffmpeg(), "-hide_banner", "-nostdin", "-i", path, "-map", "0:v:0", "-f", "null", "-"],
        capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S * 5,
    )
    counts = _FRAMES_RE.findall(proc.stderr)
    return int(counts[-1]) if counts else 0


def probe(path: str | Path, *, count_frames: bool = True) -> VideoInfo:
    """Metadata of a video file: size, fps, duration, frame count, audio, container tags.

    The frame count is exact (the video is decoded once, quickly) unless
    ``count_frames=False``, in which case it is estimated as ``round(duration * fps)``.
    """
    p = _check_path(path)
    proc = subprocess.run(
        [_ffmpeg(), "-hide_banner", "-nostdin", "-i", p],
        capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S,
    )
    err = proc.stderr
    vm = _VIDEO_RE.search(err)
    if vm is None:
        raise ValueError(f"no video stream in {p}")
    width, height = int(vm.group(1)), int(vm.group(2))
    video_line = next(line for line in err.splitlines() if "Video:" in line)
    fm = _FPS_RE.search(video_line) or _TBR_RE.search(video_line)
    fps = float(fm.group(1)) if fm else 0.0
    dm = _DURATION_RE.search(err)
    duration = int(dm.group(1)) * 3600 + int(dm.group(2)) * 60 + float(dm.group(3)) if dm else 0.0
    has_audio = any("Audio:" in line and "Stream #" in line for line in err.splitlines())
    frames = _count_frames(p) if count_frames else round(duration * fps)
    if frames and fps:
        # The container duration includes audio padding; the video's own length is frames/fps.
        duration = frames / fps if count_frames else duration
    return VideoInfo(
        path=p, width=width, height=height, fps=fps, duration_s=duration,
        frames=frames, has_audio=has_audio, tags=_parse_container_tags(err),
    )


def scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """Size after downscaling so the longer side is at most ``max_side`` (even numbers)."""
    if not max_side or max(width, height) <= max_side:
        w, h = width, height
    else:
        s = max_side / max(width, height)
        w, h = max(2, round(width * s)), max(2, round(height * s))
    return w - w % 2, h - h % 2


def _decode_args(
    path: str, size: tuple[int, int], *, fps: float | None, start_s: float | None,
    end_s: float | None, max_frames: int | None = None,
) -> list[str]:
    args = [_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    if start_s:
        args += ["-ss", f"{start_s:.4f}"]  # input seek: fast, and exact when transcoding
    args += [*ffmpeg_threads(), "-i", path]
    if end_s is not None:
        args += ["-t", f"{max(end_s - (start_s or 0.0), 0.0):.4f}"]
    filters = []
    if fps:
        filters.append(f"fps={fps:g}")
    filters.append(f"scale={size[0]}:{size[1]}:flags=area")
    args += ["-map", "0:v:0", "-vf", ",".join(filters), "-an"]
    if max_frames is not None:
        args += ["-frames:v", str(max_frames)]
    args += ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    return args


def iter_frames(
    path: str | Path, *, fps: float | None = None, max_side: int | None = None,
    start_s: float | None = None, end_s: float | None = None, info: VideoInfo | None = None,
) -> Iterator[np.ndarray]:
    """Yield RGB frames (h, w, 3) of ``[start_s, end_s)``, downscaled and resampled by ffmpeg.

    ``fps=None`` keeps the native frame rate; ``max_side`` bounds the longer side.
    Pass ``info`` (from :func:`probe`) to skip probing again.
    """
    p = _check_path(path)
    info = info or probe(p, count_frames=False)
    cached = _cached_frames(p, max_side)
    if cached is not None and (not fps or fps <= cached.fps):  # (upsampling is left to ffmpeg)
        yield from cached.window(start_s, end_s, fps)
        return
    w, h = scaled_size(info.width, info.height, max_side)
    frame_bytes = w * h * 3
    proc = subprocess.Popen(
        _decode_args(p, (w, h), fps=fps, start_s=start_s, end_s=end_s),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        while True:
            buf = proc.stdout.read(frame_bytes)
            if len(buf) < frame_bytes:
                break
            yield np.frombuffer(buf, dtype=np.uint8).reshape(h, w, 3)
    finally:
        # Stop ffmpeg if the caller stopped early; always reap the process.
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def read_frame(path: str | Path, t_s: float, max_side: int | None = None,
               info: VideoInfo | None = None) -> np.ndarray:
    """The frame shown at time ``t_s`` (clamped into the video), downscaled to ``max_side``."""
    p = _check_path(path)
    info = info or probe(p, count_frames=False)
    last = max(info.duration_s - 1.0 / max(info.fps, 1.0), 0.0)
    t = min(max(t_s, 0.0), last)
    cached = _cached_frames(p, max_side)
    if cached is not None:
        return cached.at(t).copy()
    w, h = scaled_size(info.width, info.height, max_side)
    proc = subprocess.run(
        _decode_args(p, (w, h), fps=None, start_s=t, end_s=None, max_frames=1),
        capture_output=True, timeout=_PROBE_TIMEOUT_S,
    )
    if len(proc.stdout) < w * h * 3:
        raise ValueError(f"could not read a frame at {t_s:.3f}s from {p}")
    return np.frombuffer(proc.stdout[: w * h * 3], dtype=np.uint8).reshape(h, w, 3).copy()


# ---------------------------------------------------------------------------
# One decode per size for a block of many reads (decoded_once)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Decoded:
    """Every frame of one video at one size; frame k is shown from k / fps."""

    frames: np.ndarray  # (n, h, w, 3) uint8
    fps: float

    def _index(self, t: float) -> int:
        # ffmpeg's input seek keeps the first frame whose timestamp is at or after t.
        return min(max(math.ceil(t * self.fps - _EPS), 0), len(self.frames) - 1)

    def at(self, t: float) -> np.ndarray:
        return self.frames[self._index(t)]

    def window(self, start_s: float | None, end_s: float | None, fps: float | None) -> Iterator[np.ndarray]:
        """The frames ``iter_frames`` would give for this window, as ffmpeg picks them.

        Input frame k sits at p = k / fps_native - start within the window and goes to output
        tick round(p * rate) (halves up), where rate is ``fps`` or the native rate; a tick
        shows the last frame sent to it and an empty tick repeats its neighbour. With the fps
        filter the last tick, which the input ends inside, is not emitted (ffmpeg drops it).
        """
        n = len(self.frames)
        start = max(start_s or 0.0, 0.0)
        length = math.inf if end_s is None else end_s - start
        k0 = math.ceil(start * self.fps - _EPS) if start > 0 else 0
        ks = [k for k in range(k0, n) if k / self.fps - start < length - _EPS]
        if not ks:
            return
        rate = fps or self.fps
        ticks: dict[int, int] = {}
        for k in ks:
            ticks[math.floor((k / self.fps - start) * rate + 0.5 + _EPS)] = k
        last = max(ticks)
        if fps and last > min(ticks):
            last -= 1
        shown = ticks.get(min(ticks))
        for t in range(0, last + 1):
            if t / rate >= length - _EPS:  # -t limits the output timeline too
                break
            shown = ticks.get(t, shown)
            yield self.frames[shown]


_DECODED: dict[tuple[str, int | None], _Decoded] = {}
_DECODED_LOCK = threading.Lock()


def _cached_frames(path: str, max_side: int | None) -> _Decoded | None:
    with _DECODED_LOCK:
        return _DECODED.get((str(Path(path).resolve()), max_side))


@contextmanager
def decoded_once(path: str | Path, info: VideoInfo, sizes: Sequence[int | None]) -> Iterator[None]:
    """Serve ``iter_frames`` / ``read_frame`` of ``path`` at ``sizes`` from memory inside the
    block (see the module docstring); sizes that would not fit ``FRAME_CACHE_BYTES`` stream."""
    key_path = str(Path(path).resolve())
    budget, added = FRAME_CACHE_BYTES, []
    try:
        for max_side in dict.fromkeys(sizes):
            w, h = scaled_size(info.width, info.height, max_side)
            need = int(max(info.frames, info.duration_s * info.fps) * 1.05 + 2) * w * h * 3
            if need > budget or (key_path, max_side) in _DECODED:
                continue
            frames = list(iter_frames(path, max_side=max_side, info=info))
            if not frames:
                continue
            budget -= need
            with _DECODED_LOCK:
                _DECODED[(key_path, max_side)] = _Decoded(np.stack(frames), float(info.fps))
            added.append((key_path, max_side))
        yield
    finally:
        with _DECODED_LOCK:
            for key in added:
                _DECODED.pop(key, None)
