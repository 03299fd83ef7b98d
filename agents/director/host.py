"""Director step `summarize_host` (PCI): what the video the ad is woven into looks and sounds like.

Offline and deterministic: shots, motion and audio energy per second, the climax (where
both peak together), visual style, burned-in text read by OCR, and a topic from that text
and the title. The summary is cached as JSON in the work folder, keyed by the video's
bytes, size and mtime, so a revision round or a resumed run never re-runs OCR.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np

from nextads.errors import InputError
from nextads.schemas import HostSummary, TextRegion
from nextads.text import keywords
from tools.media import host_analysis as ha
from tools.media.probe import VideoInfo, probe

log = logging.getLogger(__name__)

# Bump when the analysis changes, so cached summaries from older code are not reused.
ANALYSIS_VERSION = "1"
CACHE_DIR = "host"
HASH_CHUNK = 1 << 20  # bytes hashed from each end of the video for the cache key
TOPIC_WORDS = 3
KEYWORDS = 8
DESCRIBED_LINES = 2  # subtitle lines quoted in the content description
# Pacing from cuts per minute and mean motion (grey levels per 1/30 s).
FAST_CUTS_PER_MIN = 24.0
SLOW_CUTS_PER_MIN = 8.0
FAST_MOTION = 8.0
SLOW_MOTION = 2.5


def _cache_key(path: Path, title: str) -> str:
    """Hash of the video's head and tail bytes, size and mtime, plus what else shapes the summary."""
    st = path.stat()
    h = hashlib.sha256(f"{ANALYSIS_VERSION}|{st.st_size}|{st.st_mtime_ns}|{title}".encode())
    with path.open("rb") as f:
        h.update(f.read(HASH_CHUNK))
        if st.st_size > 2 * HASH_CHUNK:
            f.seek(-HASH_CHUNK, 2)
            h.update(f.read(HASH_CHUNK))
    return h.hexdigest()[:20]


def _probe(path: Path) -> VideoInfo:
    """Probe the host, turning every way it can be bad into an InputError."""
    if not path.is_file():
        raise InputError(str(path), None, "host video not found")
    try:
        info = probe(path)
    except (ValueError, OSError, StopIteration) as exc:
        raise InputError(str(path), None, f"not a readable video: {exc}") from exc
    if info.frames <= 0 or info.fps <= 0 or info.width <= 0:
        raise InputError(str(path), None, "no decodable video frames")
    return info


def climax_second(motion: np.ndarray, audio: np.ndarray, has_audio: bool) -> int:
    """The second where normalised motion and audio peak together (their product; motion alone when silent)."""
    together = motion * audio if has_audio and audio.any() else motion
    # Ties (e.g. a flat host) go to the louder-and-busier mean, then to the earliest second.
    order = np.lexsort((np.arange(len(together)), -(motion + audio), -together))
    return int(order[0])


def pacing(shots: int, duration_s: float, mean_motion: float) -> str:
    per_min = 60.0 * max(shots - 1, 0) / max(duration_s, 1e-6)
    if per_min >= FAST_CUTS_PER_MIN or mean_motion >= FAST_MOTION:
        return "fast"
    if per_min <= SLOW_CUTS_PER_MIN and mean_motion <= SLOW_MOTION:
        return "slow"
    return "medium"


def _distinct_lines(regions: list[TextRegion]) -> list[str]:
    """Distinct readings of subtitles and scene text in the order seen (overlays are HUD noise)."""
    return list(dict.fromkeys(r.text for r in regions if r.kind != "overlay"))


def describe(summary: HostSummary) -> str:
    """One or two sentences about the host, from what was measured and read."""
    about = f" about {summary.topic}" if summary.topic else ""
    first = (f"A {summary.duration_s:.0f}-second {summary.pacing}-paced video{about} "
             f"in {len(summary.shots)} shot{'s' if len(summary.shots) != 1 else ''}, "
             f"{summary.warmth} and {'bright' if summary.brightness > 0.55 else 'dark' if summary.brightness < 0.3 else 'mid-toned'}; "
             f"sound: {summary.audio_character}.")
    subs = [r.text for r in summary.text_regions if r.kind == "subtitle"]
    if subs:
        quoted = " / ".join(dict.fromkeys(subs[:DESCRIBED_LINES]))
        return f"{first} Burned-in subtitles begin: “{quoted}”."
    if summary.ocr_text:
        return f"{first} On-screen text includes “{summary.ocr_text[0]}”."
    return first


def analyse(path: Path, info: VideoInfo, title: str) -> HostSummary:
    """Run every signal on the host and assemble the summary (no caching)."""
    seconds = ha.seconds_of(info.duration_s)
    signals = ha.frame_signals(path, info)
    cuts = ha.detect_cuts(signals)
    shots = ha.shots_from_cuts(cuts, info.fps, info.duration_s)
    motion_raw = ha.motion_per_second(signals, seconds)
    samples = ha.decode_audio(path) if info.has_audio else np.zeros(0, np.float32)
    audio_raw = ha.rms_per_second(samples, seconds)
    has_audio = bool(info.has_audio and samples.size)
    motion = ha.normalise(motion_raw, ha.MOTION_FLOOR)
    audio = ha.normalise(audio_raw, ha.AUDIO_FLOOR_RMS)
    energy = (motion + audio) / 2 if has_audio else motion
    regions = ha.merge_text_regions(ha.sample_text(path, info))
    lines = _distinct_lines(regions)
    words = keywords([title, *lines] if title else lines, top_k=KEYWORDS)
    title_words = keywords([title], top_k=TOPIC_WORDS) if title else []
    style = ha.visual_style(signals.palette_frames)
    summary = HostSummary(
        video_path=str(path), width=info.width, height=info.height, fps=info.fps,
        duration_s=round(info.duration_s, 4), frames=info.frames, has_audio=has_audio, title=title,
        topic=" ".join(title_words or words[:TOPIC_WORDS]), keywords=words, ocr_text=lines,
        palette=style.get("palette", []), brightness=float(style.get("brightness", 0.5)),
        saturation=float(style.get("saturation", 0.5)), warmth=style.get("warmth", "neutral"),
        pacing=pacing(len(shots), info.duration_s, float(motion_raw.mean())),
        audio_character=ha.audio_character(samples, audio_raw) if has_audio else "silent",
        shots=shots, motion=[round(float(v), 4) for v in motion],
        audio_energy=[round(float(v), 4) for v in audio], energy=[round(float(v), 4) for v in energy],
        climax_s=float(climax_second(motion, audio, has_audio)), text_regions=regions,
    )
    return summary.model_copy(update={"content": describe(summary)})


def summarize_host(video_path: str | Path, *, title: str = "", work_dir: Path | None = None) -> HostSummary:
    """Director step: the HostSummary of a host video (cached in ``work_dir`` when given).

    Raises InputError(path, None, message) when the video is missing or undecodable.
    """
    path = Path(video_path)
    info = _probe(path)
    cache = None
    if work_dir is not None:
        cache = Path(work_dir) / CACHE_DIR / f"summary-{_cache_key(path, title)}.json"
        if cache.is_file():
            try:
                cached = HostSummary.model_validate_json(cache.read_text(encoding="utf-8"))
                return cached.model_copy(update={"video_path": str(path)})
            except ValueError as exc:  # a stale or truncated cache is recomputed
                log.warning("ignoring unreadable host summary cache %s: %s", cache, exc)
    try:
        summary = analyse(path, info, title)
    except ha.HostAnalysisError as exc:
        raise InputError(str(path), None, str(exc)) from exc
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps(summary.model_dump(mode="json"), ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(cache)
    return summary
