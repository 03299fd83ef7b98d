"""Synthetic host videos for PCI tests (shared by every engineer's tests; keep the signature stable).

``make_host_video`` writes a small deterministic MP4 whose ground truth is known:

* ``shots``: ``(duration_s, "calm" | "busy")`` sections, each a hard cut to a new colour;
  calm sections drift slowly and are quiet, busy ones shake fast, flicker and are loud,
  so the (first) busy section is the climax;
* ``subtitles``: ``(start_s, end_s, text)`` burned in white with a black outline,
  centred near the bottom (the usual subtitle place);
* ``audio``: a tone whose loudness follows the sections (quiet calm, loud noisy busy).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from nextads.fonts import font
from tools.media.audio import write_wav
from tools.media.encode import FrameEncoder, mux_audio

AUDIO_RATE = 16_000
CALM_LEVEL = 0.02
BUSY_LEVEL = 0.5
SUBTITLE_CENTRE_Y = 0.86  # fraction of the frame height
SUBTITLE_FONT_SHARE = 0.11  # font size as a share of the frame height
# Section colours (RGB), cycled: neighbouring shots differ strongly so cuts are clear.
SHOT_COLOURS = ((40, 90, 160), (200, 70, 40), (50, 150, 80), (150, 60, 170), (210, 180, 50))
DEFAULT_SUBTITLES = ((0.5, 2.0, "Welcome back everyone"), (4.5, 5.5, "Let us begin"))


def _frame(size: tuple[int, int], colour: tuple[int, int, int], t: float, busy: bool, k: int) -> np.ndarray:
    """A striped, textured picture of the shot's colour; busy shots move fast and flicker."""
    w, h = size
    x = np.arange(w)[None, :]
    y = np.arange(h)[:, None]
    speed = 90.0 if busy else 6.0  # pixels per second
    phase = t * speed
    stripes = ((np.sin((x + phase) / 9.0) + np.sin((y - 0.5 * phase) / 13.0)) * 40).astype(np.float32)
    img = np.clip(np.array(colour, np.float32)[None, None, :] + stripes[..., None], 0, 255)
    if busy:  # random blocks flicker every frame: strong motion energy
        rng = np.random.default_rng(k)
        for _ in range(6):
            bx, by = rng.integers(0, w - 24), rng.integers(0, h - 24)
            img[by:by + 24, bx:bx + 24] = rng.integers(0, 255, 3)
    return img.astype(np.uint8)


def _burn_subtitle(img: np.ndarray, text: str) -> np.ndarray:
    h = img.shape[0]
    pil = Image.fromarray(img)
    draw = ImageDraw.Draw(pil)
    f = font(max(8, round(h * SUBTITLE_FONT_SHARE)), lang="en")
    draw.text((img.shape[1] / 2, h * SUBTITLE_CENTRE_Y), text, font=f, fill=(255, 255, 255), anchor="mm",
              stroke_width=2, stroke_fill=(0, 0, 0))
    return np.asarray(pil)


def _audio(shots: Sequence[tuple[float, str]], duration_s: float) -> np.ndarray:
    n = int(round(duration_s * AUDIO_RATE))
    t = np.arange(n) / AUDIO_RATE
    level = np.zeros(n, np.float32)
    rng = np.random.default_rng(0)
    at = 0.0
    for dur, kind in shots:
        a, b = int(at * AUDIO_RATE), int((at + dur) * AUDIO_RATE)
        level[a:b] = BUSY_LEVEL if kind == "busy" else CALM_LEVEL
        at += dur
    noise = rng.standard_normal(n).astype(np.float32) * 0.5
    busy = level >= BUSY_LEVEL
    wave = np.sin(2 * np.pi * 220 * t).astype(np.float32)
    wave[busy] = 0.6 * wave[busy] + noise[busy]
    return np.clip(level * wave, -1, 1)


def make_host_video(
    path: str | Path, *, size: tuple[int, int] = (320, 180), fps: int = 12,
    shots: Sequence[tuple[float, str]] = ((2.0, "calm"), (1.5, "busy"), (2.0, "calm")),
    subtitles: Sequence[tuple[float, float, str]] = DEFAULT_SUBTITLES, audio: bool = True,
) -> Path:
    """Write the synthetic host to ``path`` (MP4, H.264, AAC when ``audio``) and return it.

    Frame ``i`` shows time ``i / fps``; section boundaries fall on ``round(start * fps)``.
    """
    path = Path(path)
    duration = sum(d for d, _ in shots)
    starts = np.cumsum([0.0] + [d for d, _ in shots])
    total = int(round(duration * fps))
    with tempfile.TemporaryDirectory() as tmp:
        silent = Path(tmp) / "video.mp4"
        with FrameEncoder(silent if audio else path, size, fps, preset="ultrafast", crf=18) as enc:
            for i in range(total):
                t = i / fps
                s = int(np.searchsorted(np.round(starts * fps), i, side="right") - 1)
                s = min(s, len(shots) - 1)
                img = _frame(size, SHOT_COLOURS[s % len(SHOT_COLOURS)], t, shots[s][1] == "busy", i)
                for a, b, text in subtitles:
                    if a <= t < b:
                        img = _burn_subtitle(img, text)
                enc.write(img)
        if audio:
            wav = write_wav(Path(tmp) / "audio.wav", _audio(shots, duration), AUDIO_RATE)
            mux_audio(silent, wav, path)
    return path
