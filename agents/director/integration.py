"""Director step `decide_integration` (PCI): where the ad segment goes into the host video.

Candidates are the host's shot boundaries and its calm moments (local minima of the
combined motion/audio energy). A candidate is ruled out near the start or end, in or
next to the climax, on a high-energy second, or near a point a Reflector directive moved
away from. The survivors are scored (calm, shot boundary, weakly the thematic closeness
of the host's on-screen text to the product and the user) with a penalty for subtitles
on screen; the best ones are then checked by OCR on their actual start frame, because a
frozen frame must not carry half a sentence and 1 fps sampling cannot see every gap. When
no candidate is clean, the subtitle box is followed frame by frame: a real gap between lines
is taken, or, where the subtitles never pause (a narrated documentary), the cut goes where
one line ends and the next begins and the line is painted out of the frozen start frame.

Conventions: the cut for point ``p`` is host frame ``c = round(p * fps)``; the segment
plays between host frames ``c - 1`` and ``c``; the start frame is frame ``c - 1``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from nextads.providers.embeddings import similarity
from nextads.schemas import HostSummary, IntegrationCandidate, IntegrationDecision, Product, TextRegion, UserProfile
from tools.media import host_analysis as ha
from tools.media.ocr import OCR_MAX_SIDE, read_text
from tools.media.probe import VideoInfo, read_frame

EDGE_MARGIN_S = 1.5  # never cut this close to the host's start or end ...
EDGE_MAX_SHARE = 0.2  # ... but on a short host, at most this share of it on each side
CLIMAX_GUARD_S = ha.CLIMAX_GUARD_S  # nor within this of the climax second (the Verifier's own rule)
EXCLUDE_RADIUS_S = 1.0  # a directive's excluded point keeps new points this far away
SAME_POINT_S = 0.5  # candidates closer than this are one moment (a shot boundary wins)
MAX_FRAME_CHECKS = 6  # best-scored candidates whose start frame is read by OCR
LINE_BREAK_CHECKS = 4  # subtitle line changes confirmed by OCR (two exact reads each) before one is taken
NEAR_BOUNDARY_S = 0.2  # a gap or line change this close to a shot boundary counts as on it
# Subtitles often run line after line; the gap between two lines is a few frames long. A
# candidate whose frame shows a subtitle moves to the nearest subtitle-free frame this close
# (searched in steps), for the best few candidates only (each step is one OCR read).
NUDGE_S = 0.75
NUDGE_STEP_S = 0.125
MAX_NUDGED = 3
SUBTITLE_CROP_TOP = ha.SUBTITLE_BAND_TOP - 0.1  # OCR only the band subtitles live in (speed)
THEME_TOP_INTERESTS = 3
# Score weights: calm matters most; a shot boundary is a natural pause; theme only nudges.
W_CALM = 1.0
W_BOUNDARY = 0.3
W_THEME = 0.15
SUBTITLE_PENALTY = 1.0
CLEARLY_HIGHER_ENERGY = 0.05  # energy gap reported as "higher energy" in a loser's reasons
START_FRAME_NAME = "start_frame_{index:06d}.png"


@dataclass
class _Option:
    """A candidate while it is being judged."""

    time_s: float
    kind: str
    frame_index: int = 0
    energy: float = 0.0
    theme: float = 0.0
    subtitle: bool = False
    ruled_out: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked_clean: bool = False
    preferred: bool = False  # the LLM step chose it
    gap: bool = False  # found in a gap of the frame-by-frame subtitle track
    line_break: bool = False  # cut where one subtitle line ends and the next begins

    @property
    def score(self) -> float:
        return (W_CALM * (1.0 - self.energy) + W_BOUNDARY * (self.kind == "shot_boundary")
                + W_THEME * self.theme - SUBTITLE_PENALTY * self.subtitle)


# --------------------------------------------------------------------------- geometry of time


def edge_margin(duration_s: float) -> float:
    """Seconds kept free at each end of a host of this length."""
    return min(EDGE_MARGIN_S, EDGE_MAX_SHARE * duration_s)


def cut_frame(point_s: float, fps: float, frames: int) -> int:
    """The first host frame after the segment: c = round(point * fps), kept inside the host."""
    return int(min(max(round(point_s * fps), 1), max(frames - 1, 1)))


def energy_around(host: HostSummary, t_s: float) -> float:
    """Mean combined energy of the seconds the cut touches (the one ending and the one starting)."""
    if not host.energy:
        return 0.0
    last = len(host.energy) - 1
    ks = {min(max(math.floor(t_s - 0.5), 0), last), min(max(math.floor(t_s), 0), last),
          min(max(math.floor(t_s + 0.5 - 1e-9), 0), last)}
    return float(np.mean([host.energy[k] for k in ks]))


# --------------------------------------------------------------------------- candidates


def calm_seconds(energy: Sequence[float]) -> list[int]:
    """Seconds whose energy is a local minimum (plateaus included)."""
    e = list(energy)
    return [k for k in range(len(e))
            if (k == 0 or e[k] <= e[k - 1]) and (k == len(e) - 1 or e[k] <= e[k + 1])]


def propose(host: HostSummary) -> list[_Option]:
    """Shot boundaries and the middles of calm seconds, merged when they are one moment."""
    options = [_Option(b, "shot_boundary") for b in host.shot_boundaries]
    for k in calm_seconds(host.energy):
        t = min(k + 0.5, host.duration_s)
        if all(abs(t - o.time_s) >= SAME_POINT_S for o in options):
            options.append(_Option(t, "calm"))
    return sorted(options, key=lambda o: o.time_s)


def rule_out(host: HostSummary, t_s: float, exclude_points: Sequence[float]) -> list[str]:
    """Reasons a point may never be used (empty when it is admissible)."""
    reasons = []
    margin = edge_margin(host.duration_s)
    if t_s < margin:
        reasons.append(f"too close to the start (< {margin:g} s)")
    if t_s > host.duration_s - margin:
        reasons.append(f"too close to the end (< {margin:g} s)")
    if host.climax_s <= t_s <= host.climax_s + 1.0:
        reasons.append(f"inside the climax ({host.climax_s:g}-{host.climax_s + 1:g} s)")
    elif ha.in_climax_guard(t_s, host.climax_s):
        reasons.append(f"too close to the climax at {host.climax_s:g} s")
    level = ha.high_energy_level(host.energy)
    if level is not None:
        k = min(max(math.floor(t_s), 0), len(host.energy) - 1)
        if host.energy[k] > level:
            reasons.append(f"a high-energy moment ({host.energy[k]:.2f}, top quarter above {level:.2f})")
    for e in exclude_points:
        if abs(t_s - e) < EXCLUDE_RADIUS_S:
            reasons.append(f"excluded by a directive (within {EXCLUDE_RADIUS_S:g} s of {e:g} s)")
            break
    return reasons


def subtitle_at(host: HostSummary, t_s: float) -> bool:
    """Is a subtitle on screen around t_s, as far as the 1 fps samples tell?"""
    return any(r.kind == "subtitle" for r in host.text_at(t_s))


def _theme_scores(host: HostSummary, options: list[_Option], profile: UserProfile, product: Product) -> None:
    """Cosine similarity of the host's on-screen text at each moment to the product and user."""
    target = " ".join([product.name, product.category, *product.selling_points,
                       *(i.topic for i in profile.interests[:THEME_TOP_INTERESTS])]).strip()
    texts = [" ".join(r.text for r in host.text_at(o.time_s) if r.kind != "overlay") for o in options]
    if not target or not any(texts):
        return
    sims = similarity([t or " " for t in texts], [target])[:, 0]
    for o, text, s in zip(options, texts, sims, strict=True):
        o.theme = float(np.clip(s, 0.0, 1.0)) if text else 0.0


# --------------------------------------------------------------------------- frame checks


def video_info(host: HostSummary) -> VideoInfo:
    """The host's probe facts, from its summary (no second probe)."""
    return VideoInfo(path=host.video_path, width=host.width, height=host.height, fps=host.fps,
                     duration_s=host.duration_s, frames=host.frames, has_audio=host.has_audio)


def subtitle_track(host: HostSummary, info: VideoInfo) -> ha.SubtitleTrack | None:
    """The host's frame-by-frame subtitle track (one decoding pass, kept for the last few hosts)."""
    boxes = tuple((r.x, r.y, r.w, r.h, r.first_s, r.last_s) for r in host.text_regions if r.kind == "subtitle")
    if not boxes:
        return None
    return _subtitle_track(host.video_path, Path(host.video_path).stat().st_mtime_ns, boxes,
                           (info.width, info.height, info.fps, info.duration_s, info.frames))


@lru_cache(maxsize=4)
def _subtitle_track(video_path: str, mtime_ns: int, boxes: tuple, shape: tuple) -> ha.SubtitleTrack | None:
    """Cached by the file's version and its subtitle regions (hashable forms of both)."""
    w, h, fps, duration_s, frames = shape
    info = VideoInfo(path=video_path, width=w, height=h, fps=fps, duration_s=duration_s, frames=frames,
                     has_audio=False)
    regions = [TextRegion(x=x, y=y, w=bw, h=bh, first_s=a, last_s=b, kind="subtitle") for x, y, bw, bh, a, b in boxes]
    return ha.subtitle_track(video_path, info, regions)


def subtitle_in_frame(host: HostSummary, index: int, info: VideoInfo, *, exact: bool = False) -> str | None:
    """The subtitle on host frame ``index``, if any: what OCR reads in the subtitle band, or,
    where OCR reads nothing but the subtitle track shows a line's glyphs there (OCR misses
    some lines), a note saying so. ``exact`` decodes exactly that frame (slower); a seek can
    land one frame off, which matters only where a line changes between two frames."""
    frame = (ha.read_frame_at_index(host.video_path, index, info, max_side=OCR_MAX_SIDE) if exact
             else read_frame(host.video_path, index / host.fps, max_side=OCR_MAX_SIDE, info=info))
    top = int(frame.shape[0] * SUBTITLE_CROP_TOP)
    band = frame[top:]
    lines = read_text(band)
    scale = band.shape[0] / frame.shape[0]
    offset = top / frame.shape[0]
    lifted = [type(ln)(ln.text, (ln.box[0], offset + ln.box[1] * scale, ln.box[2], ln.box[3] * scale), ln.confidence)
              for ln in lines]
    found = ha.subtitle_lines(lifted, host.text_regions)
    if found:
        return found[0].text
    track = subtitle_track(host, info)
    if track is not None and 0 <= index < len(track.ink) and track.shows_line(index):
        return "(subtitle glyphs in the subtitle box; OCR read none)"
    return None


def _nudge(host: HostSummary, o: _Option, info: VideoInfo, exclude_points: Sequence[float]) -> bool:
    """Move `o` to the nearest admissible subtitle-free frame within NUDGE_S, if there is one."""
    for k in range(1, int(NUDGE_S / NUDGE_STEP_S) + 1):
        for sign in (-1, 1):
            t = round(o.time_s + sign * k * NUDGE_STEP_S, 4)
            if not 0.0 < t < host.duration_s or rule_out(host, t, exclude_points):
                continue
            index = cut_frame(t, host.fps, host.frames) - 1
            if subtitle_in_frame(host, index, info) is None:
                o.notes.append(f"moved {t - o.time_s:+.2f} s from {o.time_s:.2f} s into the gap between subtitle lines")
                o.time_s, o.frame_index, o.kind = t, index, "calm"
                o.energy = float(np.clip(energy_around(host, t), 0.0, 1.0))
                o.checked_clean, o.subtitle = True, False
                return True
    return False


def _check_frames(host: HostSummary, ranked: list[_Option], info: VideoInfo,
                  exclude_points: Sequence[float] = ()) -> _Option | None:
    """Walk the best admissible candidates, reading their start frames; the first clean one
    (a candidate showing a subtitle may move a little into the gap between two lines)."""
    shown: list[_Option] = []
    for o in ranked[:MAX_FRAME_CHECKS]:
        text = subtitle_in_frame(host, o.frame_index, info)
        if text is None:
            o.checked_clean, o.subtitle = True, False  # the sampled subtitle has gone by this frame
            return o
        o.subtitle = True
        o.notes.append(f"subtitle on screen at frame {o.frame_index} (“{text}”)")
        shown.append(o)
    for o in shown[:MAX_NUDGED]:
        if _nudge(host, o, info, exclude_points):
            return o
    return None


# --------------------------------------------------------------------------- subtitles all the way


def _subtitle_break(host: HostSummary, options: list[_Option], exclude_points: Sequence[float],
                    info: VideoInfo) -> _Option | None:
    """When 1 fps sampling found no subtitle-free moment: follow the subtitle box frame by frame.
    A real gap between lines is taken first (confirmed by OCR); in a host whose subtitles run
    without a gap, the cut goes where one line ends and the next begins, so no line is cut
    off: the viewer has read the last one, and the next starts when the host resumes."""
    track = subtitle_track(host, info)
    if track is None:
        return None
    found: list[_Option] = []
    for a, b in track.gaps():
        found.append(_Option(((a + b) // 2 + 1) / host.fps, "calm", gap=True))
    found += [_Option(k / host.fps, "calm", line_break=True) for k in track.line_changes()]
    pool = []
    for o in found:
        if rule_out(host, o.time_s, exclude_points):
            continue
        o.frame_index = cut_frame(o.time_s, host.fps, host.frames) - 1
        o.energy = float(np.clip(energy_around(host, o.time_s), 0.0, 1.0))
        if any(abs(o.time_s - b) <= NEAR_BOUNDARY_S for b in host.shot_boundaries):
            o.kind = "shot_boundary"
        pool.append(o)
    pool.sort(key=lambda o: (not o.gap, o.kind != "shot_boundary", o.energy, o.time_s))
    for o in [p for p in pool if p.gap][:MAX_FRAME_CHECKS]:
        if subtitle_in_frame(host, o.frame_index, info) is None:
            o.checked_clean = True
            o.notes.append("in a gap between subtitle lines (subtitle box followed frame by frame)")
            options.append(o)
            return o
    for o in [p for p in pool if p.line_break][:LINE_BREAK_CHECKS]:
        before = subtitle_in_frame(host, o.frame_index, info, exact=True)
        after = subtitle_in_frame(host, o.frame_index + 1, info, exact=True)
        if before != after or before is None:  # OCR agrees a new line starts here (not a shot change behind it)
            o.subtitle = True
            said = f" (“{before}”)" if before and not before.startswith("(") else ""
            o.notes.append(f"subtitles run without a gap: cut where one line ends{said} and the next begins "
                           f"at frame {o.frame_index + 1}; the line is painted out of the frozen start frame")
            options.append(o)
            return o
    return None


# --------------------------------------------------------------------------- fallback


def _subtitle_free_second(host: HostSummary, options: list[_Option], exclude_points: Sequence[float],
                          info: VideoInfo) -> _Option | None:
    """When every candidate shows a subtitle: the calmest admissible second that does not."""
    taken = [o.time_s for o in options]
    pool = []
    for k in range(len(host.energy)):
        t = min(k + 0.5, host.duration_s)
        if all(abs(t - x) >= SAME_POINT_S for x in taken) and not rule_out(host, t, exclude_points) \
                and not subtitle_at(host, t):
            o = _Option(t, "calm", frame_index=cut_frame(t, host.fps, host.frames) - 1,
                        energy=float(np.clip(energy_around(host, t), 0.0, 1.0)))
            pool.append(o)
    pool.sort(key=lambda o: (o.energy, o.time_s))
    winner = _check_frames(host, pool, info, exclude_points)
    if winner is not None:
        winner.notes.append("calmest subtitle-free second (every candidate showed a subtitle)")
        options.append(winner)
    return winner


def _fallback(host: HostSummary, exclude_points: Sequence[float]) -> tuple[_Option, str]:
    """The calmest admissible second when no candidate survived (never climax, never edges)."""
    seconds = [_Option(min(k + 0.5, host.duration_s), "calm") for k in range(len(host.energy) or 1)]
    for strict in (True, False):
        pool = []
        for o in seconds:
            reasons = rule_out(host, o.time_s, exclude_points if strict else ())
            hard = [r for r in reasons if strict or not r.startswith("a high-energy")]
            if not hard:
                pool.append(o)
        if pool:
            best = min(pool, key=lambda o: (energy_around(host, o.time_s), subtitle_at(host, o.time_s), o.time_s))
            why = "no candidate survived; fell back to the calmest admissible second"
            return best, why if strict else why + " (ignoring high-energy and directive exclusions)"
    # Nothing at all admissible (a host shorter than its margins and climax guard): the middle.
    mid = _Option(round(host.duration_s / 2, 3), "calm")
    return mid, "no admissible second at all; fell back to the middle of the host"


# --------------------------------------------------------------------------- decision


def _loser_reasons(o: _Option, winner: _Option) -> list[str]:
    reasons = list(o.ruled_out) + list(o.notes)
    if o.subtitle and not any(r.startswith("subtitle") for r in reasons):
        reasons.append("subtitle on screen")
    if not o.ruled_out:
        if o.energy > winner.energy + CLEARLY_HIGHER_ENERGY:
            reasons.append(f"higher energy ({o.energy:.2f} vs {winner.energy:.2f})")
        if winner.kind == "shot_boundary" and o.kind != "shot_boundary":
            reasons.append("not at a shot boundary")
        if o.theme + 1e-6 < winner.theme:
            reasons.append(f"weaker thematic fit ({o.theme:.2f} vs {winner.theme:.2f})")
        if not reasons:
            reasons.append("the model preferred the chosen point" if winner.preferred and o.score >= winner.score
                           else f"lower score ({o.score:.2f} vs {winner.score:.2f})")
    return reasons


def _winner_reasons(w: _Option, admissible: list[_Option]) -> list[str]:
    reasons = list(w.notes) + [f"energy {w.energy:.2f}" + (" (lowest admissible)" if w.energy <= min(o.energy for o in admissible) + 1e-9 else "")]
    reasons.append("at a shot boundary" if w.kind == "shot_boundary" else "a calm moment")
    if w.checked_clean:
        reasons.append(f"no subtitle on the start frame {w.frame_index} (checked by OCR)")
    elif w.line_break:
        reasons.append("no subtitle line is cut off")
    elif w.subtitle:
        reasons.append("subtitle on screen (no subtitle-free candidate found)")
    else:
        reasons.append("no subtitle sampled here")
    if w.theme > 0:
        reasons.append(f"thematic fit {w.theme:.2f}")
    return reasons


def _rationale(w: _Option, admissible: list[_Option], lost: list[list[str]], fallback: str | None) -> str:
    """Why the winner won, then how many others lost for which (first) reason."""
    head = f"Cut at {w.time_s:.2f} s (start frame {w.frame_index}, {w.kind.replace('_', ' ')}): "
    head += "; ".join(_winner_reasons(w, admissible or [w]))
    if fallback:
        head = f"{fallback}. {head}"
    if not lost:
        return head + "."
    tally = Counter(reasons[0].split(" (")[0] for reasons in lost)
    summary = "; ".join(f"{n} {reason}" for reason, n in tally.most_common())
    return f"{head}. {len(lost)} other candidate{'s' if len(lost) != 1 else ''} lost: {summary}."


def scored_options(host: HostSummary, profile: UserProfile, product: Product,
                   exclude_points: Sequence[float] = ()) -> list[_Option]:
    """Every candidate with its start frame, energy, subtitle flag, theme and the reasons that
    rule it out (cheap: no frame is read)."""
    options = propose(host)
    for o in options:
        o.frame_index = cut_frame(o.time_s, host.fps, host.frames) - 1
        o.energy = float(np.clip(energy_around(host, o.time_s), 0.0, 1.0))
        o.ruled_out = rule_out(host, o.time_s, exclude_points)
        o.subtitle = subtitle_at(host, o.time_s)
    _theme_scores(host, options, profile, product)
    return options


def ranked_admissible(options: Sequence[_Option]) -> list[_Option]:
    """The admissible candidates, best-scored first (the order the frame checks walk)."""
    return sorted((o for o in options if not o.ruled_out), key=lambda o: (-o.score, o.time_s))


def decide_integration(host: HostSummary, profile: UserProfile, product: Product, *, work_dir: Path,
                       exclude_points: Sequence[float] = (), preferred_s: float | None = None,
                       preference: str = "") -> IntegrationDecision:
    """Director step: the integration point, every candidate scored, the start frame written.

    ``preferred_s`` (the LLM step's choice among the admissible candidates) is checked first;
    the same frame checks apply to it, so a preferred point showing a subtitle still yields to
    the next clean one. ``preference`` is the chooser's reason, kept in the winner's reasons.
    """
    info = video_info(host)
    options = scored_options(host, profile, product, exclude_points)
    admissible = ranked_admissible(options)
    if preferred_s is not None:
        chosen = [o for o in admissible if abs(o.time_s - preferred_s) < SAME_POINT_S / 2]
        if chosen:
            chosen[0].preferred = True
            if preference:
                chosen[0].notes.append(preference)
            admissible = chosen[:1] + [o for o in admissible if o is not chosen[0]]
    fallback = None
    winner = _check_frames(host, admissible, info, exclude_points) if admissible else None
    if winner is None and admissible:
        winner = _subtitle_free_second(host, options, exclude_points, info)
        if winner is not None:
            admissible.append(winner)
    if winner is None and admissible:
        winner = _subtitle_break(host, options, exclude_points, info)
        if winner is not None:
            admissible.append(winner)
    if winner is None and admissible:
        # Every checked start frame carries a subtitle: the best-scored one, said plainly.
        winner = max(admissible, key=lambda o: (o.score, -o.time_s))
        fallback = "every admissible candidate shows a subtitle; kept the best-scored one"
    if winner is None:
        winner, fallback = _fallback(host, exclude_points)
        winner.frame_index = cut_frame(winner.time_s, host.fps, host.frames) - 1
        winner.energy = float(np.clip(energy_around(host, winner.time_s), 0.0, 1.0))
        winner.subtitle = subtitle_at(host, winner.time_s)
        options.append(winner)
    reasons = {id(o): _winner_reasons(o, admissible or [o]) if o is winner else _loser_reasons(o, winner)
               for o in options}
    candidates = [
        IntegrationCandidate(
            time_s=round(o.time_s, 4), frame_index=o.frame_index, kind=o.kind, score=round(o.score, 4),
            energy=round(o.energy, 4), chosen=o is winner, reasons=reasons[id(o)],
        )
        for o in options
    ]
    start = ha.read_frame_at_index(host.video_path, winner.frame_index, info)
    if winner.line_break:  # the segment holds this frame: no line of the host's may freeze on it
        near = [r for r in host.text_regions if r.kind == "subtitle"
                and r.first_s - 1.0 <= winner.time_s <= r.last_s + 1.5]  # the line ending here, the next
        start = ha.remove_subtitle(start, near or host.text_regions)
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    start_path = work_dir / START_FRAME_NAME.format(index=winner.frame_index)
    Image.fromarray(start).save(start_path)
    return IntegrationDecision(
        point_s=round(winner.time_s, 4), frame_index=winner.frame_index, kind=winner.kind,
        rationale=_rationale(winner, admissible, [reasons[id(o)] for o in options if o is not winner], fallback), candidates=candidates,
        start_frame_path=str(start_path), excluded_points=[float(e) for e in exclude_points],
    )
