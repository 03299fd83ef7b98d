"""Signals of a host video for PCI: shots, motion and audio energy, visual style, burned-in text.

Everything is classical and offline, and works on downscaled frames so a 30 s 720p host
is analysed in seconds (OCR dominates; it is sampled once per second):

* one decode pass at the native frame rate on tiny frames gives per-frame colour-histogram
  distances (shot cuts) and mean absolute grey differences (motion), plus a few frames for
  the palette;
* the audio track is decoded by ffmpeg to 16 kHz mono PCM for per-second RMS;
* OCR reads one frame in the middle of every second; the same line seen in consecutive
  samples is merged into one :class:`~nextads.schemas.TextRegion` and classified as a
  subtitle (lower middle of the frame, changing), an overlay (static: HUD, watermark) or
  scene text.

Per-second arrays have one entry per started second of the video (``ceil(duration)``).
"""

from __future__ import annotations

import difflib
import io
import math
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from nextads.schemas import Shot, TextRegion
from tools.media.encode import ffmpeg_exe
from tools.media.image_analysis import aggregate_visual, analyze_image
from tools.media.ocr import OCR_MAX_SIDE, OcrLine, read_text
from tools.media.probe import VideoInfo, iter_frames, scaled_size

# --- frame signals
SIGNAL_MAX_SIDE = 128  # frames for cuts and motion: small is enough and decodes fast
HIST_BINS = (12, 4, 4)  # HSV histogram bins for cut detection
CUT_DISTANCE = 0.35  # Bhattacharyya distance between consecutive frames that marks a cut
CUT_CONTRAST = 2.5  # ... and at least this many times the local median distance (flashes, pans)
CUT_WINDOW_S = 1.0  # width of that local neighbourhood
MIN_SHOT_S = 0.5  # no two cuts closer than this (flicker and fast flashes are not shots)
MOTION_REFERENCE_FPS = 30.0  # motion is expressed per 1/30 s so frame rates compare
PALETTE_FRAMES = 8  # frames, evenly spread, pooled for the host's palette

# --- normalisation floors: below these a host is calm/quiet, not "relatively" busy
MOTION_FLOOR = 3.0  # grey levels per 1/30 s
AUDIO_FLOOR_RMS = 0.05  # ~ -26 dBFS

# --- audio
AUDIO_RATE = 16_000
AUDIO_FRAME_S = 0.05  # short frames for the pause share
SILENT_RMS = 0.003  # loudest second below this: no audible sound
QUIET_RMS = 0.03
LOUD_RMS = 0.15
PAUSE_LEVEL = 0.1  # a short frame below this share of the median level is a pause
SPEECH_PAUSE_SHARE = 0.12  # speech has many short pauses; music and ambience few

# --- text
OCR_SAMPLE_FPS = 1.0
SAME_LINE_IOU = 0.3  # boxes of one line in consecutive samples overlap at least this much
SAME_LINE_TEXT = 0.5  # ... and their readings are at least this similar (OCR noise, timers)
MAX_MISSED_SAMPLES = 1  # a line may be missed by OCR once and still be the same line
SUBTITLE_BAND_TOP = 0.7  # subtitles sit below this (centre y, frame fraction)
SUBTITLE_CENTRE_TOL = 0.15  # ... horizontally centred within this of the middle
OVERLAY_MIN_SHARE = 0.6  # text present in this share of the samples is static (HUD, watermark)
OVERLAY_MIN_SAMPLES = 4
MIN_WORD_CHARS = 2  # readings with fewer letters/Han characters are numbers or symbols

_WORD_CHAR = re.compile(r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u3040-\u30ff]")
_PROCESS_TIMEOUT_S = 600


class HostAnalysisError(ValueError):
    """The video could not be decoded."""


@dataclass
class FrameSignals:
    """Per-frame measurements from one pass over the video."""

    fps: float
    cut_distance: np.ndarray  # [i]: histogram distance between frame i-1 and i (0 for i=0)
    difference: np.ndarray  # [i]: mean abs grey difference between frame i-1 and i
    palette_frames: list[np.ndarray] = field(default_factory=list)

    @property
    def frames(self) -> int:
        return len(self.cut_distance)


# --------------------------------------------------------------------------- helpers


def seconds_of(duration_s: float) -> int:
    """Number of per-second entries: one per started second."""
    return max(1, math.ceil(duration_s - 1e-6))


def normalise(values: np.ndarray, floor: float) -> np.ndarray:
    """Scale to [0, 1] by the maximum, but never by less than ``floor`` (calm stays low)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return v
    return np.clip(v / max(float(v.max()), floor), 0.0, 1.0)


def _histogram(rgb: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1, 2], None, list(HIST_BINS), [0, 180, 0, 256, 0, 256])
    return cv2.normalize(hist, hist).flatten()


# --------------------------------------------------------------------------- frames


def frame_signals(path: str | Path, info: VideoInfo, *, max_side: int = SIGNAL_MAX_SIDE) -> FrameSignals:
    """One decode pass at the native rate: cut distances, grey differences, palette frames."""
    total = max(info.frames, 1)
    palette_at = {round(i * (total - 1) / max(PALETTE_FRAMES - 1, 1)) for i in range(PALETTE_FRAMES)}
    cuts: list[float] = []
    diffs: list[float] = []
    palette: list[np.ndarray] = []
    prev_hist = prev_grey = None
    for i, rgb in enumerate(iter_frames(path, max_side=max_side, info=info)):
        hist = _histogram(rgb)
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
        if prev_hist is None:
            cuts.append(0.0)
            diffs.append(0.0)
        else:
            cuts.append(float(cv2.compareHist(prev_hist, hist, cv2.HISTCMP_BHATTACHARYYA)))
            diffs.append(float(np.abs(grey - prev_grey).mean()))
        prev_hist, prev_grey = hist, grey
        if i in palette_at:
            palette.append(rgb.copy())
    if not cuts:
        raise HostAnalysisError(f"no decodable video frames in {path}")
    return FrameSignals(info.fps, np.asarray(cuts), np.asarray(diffs), palette)


def cut_like(signals: FrameSignals) -> np.ndarray:
    """Frames whose change from the previous one looks like a hard cut (not motion)."""
    d = signals.cut_distance
    half = max(1, round(CUT_WINDOW_S * max(signals.fps, 1.0) / 2))
    out = np.zeros(len(d), dtype=bool)
    for i in range(1, len(d)):
        if d[i] < CUT_DISTANCE:
            continue
        around = np.concatenate([d[max(1, i - half):i], d[i + 1:i + 1 + half]])
        local = float(np.median(around)) if around.size else 0.0
        # A sustained change (fast pan, flashing) has no single cut frame.
        out[i] = d[i] >= CUT_CONTRAST * local
    return out


def detect_cuts(signals: FrameSignals) -> list[int]:
    """Frame indices that start a new shot (hard cuts), shots at least MIN_SHOT_S long."""
    d = signals.cut_distance
    min_gap = max(1, round(MIN_SHOT_S * max(signals.fps, 1.0)))
    cuts: list[int] = []
    for i in np.flatnonzero(cut_like(signals)).tolist():
        if i < min_gap or len(d) - i < min_gap:
            continue  # a shot shorter than MIN_SHOT_S at either end of the video
        if cuts and i - cuts[-1] < min_gap:
            if d[i] > d[cuts[-1]]:
                cuts[-1] = i  # keep the stronger of two cuts too close together
            continue
        cuts.append(i)
    return cuts


def shots_from_cuts(cuts: Sequence[int], fps: float, duration_s: float) -> list[Shot]:
    """Shots between consecutive cut frames (times = first frame of each shot / fps)."""
    starts = [0.0] + [round(c / fps, 4) for c in cuts]
    ends = starts[1:] + [round(duration_s, 4)]
    return [Shot(index=k, start_s=s, end_s=e) for k, (s, e) in enumerate(zip(starts, ends, strict=True))]


def motion_per_second(signals: FrameSignals, seconds: int) -> np.ndarray:
    """Mean grey change per 1/30 s in each second; cuts (even too short to make a shot) are not motion."""
    diffs = signals.difference.astype(np.float64) * (signals.fps / MOTION_REFERENCE_FPS)
    valid = ~cut_like(signals)
    valid[0] = False
    second = (np.arange(len(diffs)) / max(signals.fps, 1.0)).astype(int).clip(0, seconds - 1)
    out = np.zeros(seconds)
    for k in range(seconds):
        sel = valid & (second == k)
        out[k] = float(diffs[sel].mean()) if sel.any() else 0.0
    return out


# --------------------------------------------------------------------------- audio


def decode_audio(path: str | Path, rate: int = AUDIO_RATE) -> np.ndarray:
    """The first audio track as mono float32 samples in [-1, 1] (empty when there is none)."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), "-vn",
         "-map", "0:a:0?", "-ac", "1", "-ar", str(rate), "-f", "s16le", "pipe:1"],
        capture_output=True, timeout=_PROCESS_TIMEOUT_S,
    )
    if proc.returncode != 0 or not proc.stdout:
        return np.zeros(0, dtype=np.float32)
    pcm = np.frombuffer(proc.stdout[: len(proc.stdout) // 2 * 2], dtype="<i2")
    return (pcm.astype(np.float32) / 32768.0)


def rms_per_second(samples: np.ndarray, seconds: int, rate: int = AUDIO_RATE) -> np.ndarray:
    """Root-mean-square level of each second (zero past the end of the audio)."""
    out = np.zeros(seconds)
    for k in range(seconds):
        chunk = samples[k * rate:(k + 1) * rate]
        if chunk.size:
            out[k] = float(np.sqrt(np.mean(chunk.astype(np.float64) ** 2)))
    return out


def audio_character(samples: np.ndarray, per_second: np.ndarray, rate: int = AUDIO_RATE) -> str:
    """A few words on the soundtrack: loudness and whether it pauses like speech."""
    if samples.size == 0 or float(per_second.max(initial=0.0)) < SILENT_RMS:
        return "silent"
    level = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    loudness = "quiet" if level < QUIET_RMS else "loud" if level > LOUD_RMS else "moderate"
    n = max(1, int(AUDIO_FRAME_S * rate))
    frames = samples[: samples.size // n * n].reshape(-1, n).astype(np.float64)
    short = np.sqrt((frames ** 2).mean(axis=1)) if frames.size else np.zeros(1)
    audible = short[short > SILENT_RMS]
    pauses = float((short < PAUSE_LEVEL * np.median(audible)).mean()) if audible.size else 1.0
    texture = "speech-like, with frequent pauses" if pauses >= SPEECH_PAUSE_SHARE else "continuous music or ambience"
    busy = " and busy" if loudness == "loud" and float(np.std(per_second)) > 0.5 * float(np.mean(per_second)) else ""
    return f"{loudness}{busy}, {texture}"


# --------------------------------------------------------------------------- visual style


def visual_style(frames: Sequence[np.ndarray]) -> dict:
    """Palette, brightness, saturation and warmth pooled over a few frames (image_analysis)."""
    analyses = []
    for k, rgb in enumerate(frames):
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, format="PNG")
        buf.seek(0)
        f = analyze_image(buf)
        f["path"] = f"frame:{k}"
        analyses.append(f)
    if not analyses:
        return {}
    return aggregate_visual([a["path"] for a in analyses], analyses=analyses)


# --------------------------------------------------------------------------- text


def sample_text(path: str | Path, info: VideoInfo, *, fps: float = OCR_SAMPLE_FPS) -> list[list[OcrLine]]:
    """OCR of one frame in the middle of every 1/fps seconds; entry k is second k."""
    step = 1.0 / fps
    samples: list[list[OcrLine]] = []
    frames = iter_frames(path, fps=fps, max_side=OCR_MAX_SIDE, start_s=step / 2, info=info)
    for k, rgb in enumerate(frames):
        if (k + 0.5) * step > info.duration_s:
            break
        samples.append(read_text(rgb))
    return samples


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _union(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> tuple[float, ...]:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def word_chars(text: str) -> int:
    return len(_WORD_CHAR.findall(text))


def is_subtitle_place(box: tuple[float, float, float, float]) -> bool:
    """Where subtitles are burned in: the lower part of the frame, horizontally centred."""
    x, y, w, h = box
    return y + h / 2 >= SUBTITLE_BAND_TOP and abs(x + w / 2 - 0.5) <= SUBTITLE_CENTRE_TOL


@dataclass
class _Track:
    box: tuple[float, ...]
    text: str
    confidence: float
    first: int
    last: int
    hits: int = 1


def merge_text_regions(samples: Sequence[Sequence[OcrLine]], step_s: float = 1.0 / OCR_SAMPLE_FPS) -> list[TextRegion]:
    """Merge per-sample OCR lines into regions over time and classify each region.

    A line continues a region when it was seen at most MAX_MISSED_SAMPLES samples ago at an
    overlapping box with a similar reading; the region keeps the union box and its most
    confident reading. ``first_s``/``last_s`` are the seconds of the first/last sample.
    """
    tracks: list[_Track] = []
    for k, lines in enumerate(samples):
        taken: set[int] = set()
        for line in lines:
            best, best_iou = None, SAME_LINE_IOU
            for j, t in enumerate(tracks):
                if j in taken or t.last < k - 1 - MAX_MISSED_SAMPLES or t.last == k:
                    continue
                iou = _iou(t.box, line.box)
                if iou >= best_iou and difflib.SequenceMatcher(None, t.text, line.text).ratio() >= SAME_LINE_TEXT:
                    best, best_iou = j, iou
            if best is None:
                tracks.append(_Track(line.box, line.text, line.confidence, k, k))
                taken.add(len(tracks) - 1)
                continue
            t = tracks[best]
            t.box, t.last, t.hits = _union(t.box, line.box), k, t.hits + 1
            if line.confidence > t.confidence:
                t.text, t.confidence = line.text, line.confidence
            taken.add(best)
    n = max(len(samples), 1)
    regions = []
    for t in tracks:
        static = t.hits >= OVERLAY_MIN_SAMPLES and t.hits >= OVERLAY_MIN_SHARE * n
        if static or word_chars(t.text) < MIN_WORD_CHARS:
            kind = "overlay"  # HUD, timers, scores, watermarks: there all the time or not words
        elif is_subtitle_place(t.box):
            kind = "subtitle"
        else:
            kind = "scene"
        x, y, w, h = (float(np.clip(v, 0.0, 1.0)) for v in t.box)
        regions.append(TextRegion(
            x=round(x, 4), y=round(y, 4), w=round(min(w, 1.0 - x), 4), h=round(min(h, 1.0 - y), 4),
            text=t.text, first_s=round(t.first * step_s, 3), last_s=round(t.last * step_s, 3),
            confidence=float(np.clip(t.confidence, 0.0, 1.0)), kind=kind,
        ))
    return sorted(regions, key=lambda r: (r.first_s, r.y, r.x))


def subtitle_lines(lines: Sequence[OcrLine], regions: Sequence[TextRegion]) -> list[OcrLine]:
    """Lines in one frame that are subtitle-like: in the subtitle place, words, not a known overlay."""
    overlays = [r for r in regions if r.kind == "overlay"]
    return [ln for ln in lines
            if word_chars(ln.text) >= MIN_WORD_CHARS and is_subtitle_place(ln.box)
            and not any(_iou((r.x, r.y, r.w, r.h), ln.box) >= SAME_LINE_IOU for r in overlays)]


# --------------------------------------------------------------------------- exact frames


# --------------------------------------------------------------------------- high energy


# One definition serves the Director (which points it may choose) and the Verifier (which
# points it fails), so the Director never picks a point the Verifier then rejects.
CLIMAX_GUARD_S = 1.0  # seconds either side of the climax second that must not be interrupted
HIGH_ENERGY_QUANTILE = 0.75  # energy above this quantile of the host's seconds = its top quarter
ENERGY_SPREAD_MIN = 0.05  # a host this flat has no high-energy moment to interrupt


def high_energy_level(energy: Sequence[float]) -> float | None:
    """Energy above which a host second is a high-energy moment (None: the host is flat)."""
    e = np.asarray(energy, float)
    if e.size == 0 or float(e.max() - e.min()) < ENERGY_SPREAD_MIN:
        return None
    return float(np.quantile(e, HIGH_ENERGY_QUANTILE))


def in_climax_guard(t_s: float, climax_s: float) -> bool:
    """Is ``t_s`` within CLIMAX_GUARD_S of the climax second [climax_s, climax_s + 1)?"""
    return climax_s - CLIMAX_GUARD_S <= t_s <= climax_s + 1.0 + CLIMAX_GUARD_S


# --------------------------------------------------------------------------- subtitle lines, frame by frame


SUBTITLE_INK_MAX_SIDE = 640  # frames for the subtitle-band track
INK_BRIGHT = 200  # subtitle glyphs: bright pixels ...
INK_DARK = 80  # ... next to a dark outline or shadow
INK_GAP_SHARE = 0.35  # a frame with less ink than this share of a shown line's is a gap
LINE_CHANGE_SHARE = 0.5  # this share of the ink changing between two frames = a new line
REMOVE_BRIGHT = 150  # painting a subtitle out: bright pixels in its box are glyph


@dataclass
class SubtitleTrack:
    """Subtitle glyph pixels in the subtitle box, per host frame."""

    ink: np.ndarray  # [i]: share of the box's pixels that are outlined bright glyph pixels
    change: np.ndarray  # [i]: share of glyph pixels that differ between frame i-1 and i
    line_ink: float  # typical ink of a shown line

    def gaps(self) -> list[tuple[int, int]]:
        """Runs ``[a, b)`` of frames showing no subtitle line."""
        empty = self.ink < INK_GAP_SHARE * self.line_ink
        runs, start = [], None
        for i, e in enumerate(empty):
            if e and start is None:
                start = i
            elif not e and start is not None:
                runs.append((start, i))
                start = None
        if start is not None:
            runs.append((start, len(empty)))
        return runs

    def shows_line(self, index: int) -> bool:
        """Does frame ``index`` carry subtitle glyphs (as much ink as a shown line)?"""
        return bool(self.ink[index] >= INK_GAP_SHARE * self.line_ink) if self.line_ink > 0 else False

    def line_changes(self) -> list[int]:
        """Frames where one line is replaced by the next with no empty frame between."""
        shown = self.ink >= INK_GAP_SHARE * self.line_ink
        return [i for i in range(1, len(self.ink))
                if self.change[i] >= LINE_CHANGE_SHARE and shown[i] and shown[i - 1]]


def subtitle_box(regions: Sequence[TextRegion], margin: float = 0.01) -> tuple[float, float, float, float] | None:
    """The union of the host's subtitle regions, a little enlarged (None without subtitles)."""
    subs = [r for r in regions if r.kind == "subtitle"]
    if not subs:
        return None
    x0, y0 = min(r.x for r in subs) - margin, min(r.y for r in subs) - margin
    x1, y1 = max(r.x + r.w for r in subs) + margin, max(r.y + r.h for r in subs) + margin
    return max(0.0, x0), max(0.0, y0), min(1.0, x1), min(1.0, y1)


def glyph_mask(rgb: np.ndarray) -> np.ndarray:
    """Outlined bright pixels: how burned-in subtitles are drawn (white glyphs, dark edge)."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    near_dark = cv2.dilate((grey <= INK_DARK).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return (grey >= INK_BRIGHT) & near_dark


def subtitle_track(path: str | Path, info: VideoInfo, regions: Sequence[TextRegion]) -> SubtitleTrack | None:
    """One decoding pass over the subtitle box (None when the host has no subtitle region)."""
    box = subtitle_box(regions)
    if box is None:
        return None
    ink, change, prev = [], [], None
    for frame in iter_frames(path, max_side=SUBTITLE_INK_MAX_SIDE, info=info):
        h, w = frame.shape[:2]
        crop = frame[int(box[1] * h): max(int(box[3] * h), int(box[1] * h) + 1),
                     int(box[0] * w): max(int(box[2] * w), int(box[0] * w) + 1)]
        mask = glyph_mask(crop)
        ink.append(float(mask.mean()))
        if prev is None:
            change.append(0.0)
        else:
            union = int((mask | prev).sum())
            change.append(float((mask ^ prev).sum()) / union if union else 0.0)
        prev = mask
    ink_arr = np.asarray(ink)
    # A shown line's ink: the median over frames in the seconds OCR saw a subtitle in.
    seen = sorted({k for r in regions if r.kind == "subtitle" for k in range(int(r.first_s), int(r.last_s) + 1)})
    idx = [i for i in range(len(ink_arr)) if int(i / info.fps) in seen]
    line_ink = float(np.median(ink_arr[idx])) if idx else float(np.median(ink_arr)) if ink_arr.size else 0.0
    return SubtitleTrack(ink=ink_arr, change=np.asarray(change), line_ink=line_ink)


def remove_subtitle(rgb: np.ndarray, regions: Sequence[TextRegion]) -> np.ndarray:
    """The frame with its subtitle glyphs painted out (inpainted from their surroundings)."""
    box = subtitle_box(regions, margin=0.02)
    if box is None:
        return rgb
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)
    mask = np.zeros((h, w), np.uint8)
    # Inside the subtitle box every bright pixel is taken as glyph (anti-aliased edges and soft
    # shadows included, which the outlined-glyph test misses), grown over the outline.
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    glyphs = (grey >= REMOVE_BRIGHT).astype(np.uint8)
    mask[y0:y1, x0:x1] = cv2.dilate(glyphs, np.ones((5, 5), np.uint8), iterations=max(2, round(h / 240)))
    return cv2.inpaint(np.ascontiguousarray(rgb), mask * 255, 7, cv2.INPAINT_TELEA)


def read_frame_at_index(path: str | Path, index: int, info: VideoInfo, *, max_side: int | None = None) -> np.ndarray:
    """Frame number ``index`` (0-based, in decode order) exactly, as RGB.

    Seeking by time lands one frame early or late depending on the container's timestamps;
    selecting by frame number decodes from the start but is exact, which the start frame
    (the segment begins and ends on it) must be.
    """
    w, h = scaled_size(info.width, info.height, max_side)
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:v:0",
         "-vf", f"select=eq(n\\,{int(index)}),scale={w}:{h}:flags=area", "-fps_mode", "passthrough",
         "-frames:v", "1", "-an", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
        capture_output=True, timeout=_PROCESS_TIMEOUT_S,
    )
    if len(proc.stdout) < w * h * 3:
        raise HostAnalysisError(f"could not read frame {index} of {path}: {proc.stderr.decode(errors='replace')[-300:]}")
    return np.frombuffer(proc.stdout[: w * h * 3], dtype=np.uint8).reshape(h, w, 3).copy()
