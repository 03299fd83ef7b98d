"""PCI integration quality: does the woven-in segment sit naturally inside the host video?

``check_integration(plan, creative, product=None) -> (findings, scores)`` runs three checks on
``creative.integrated`` (the host with the segment spliced in) and ``plan.host`` /
``plan.integration`` (what the Director knew and decided):

- **continuity** (``utility.integration_continuity``, major) — the frames either side of both
  joins look alike: colour-histogram intersection, mean-luma jump and grayscale SSIM, on
  downscaled frames. At the return join of a cut placed on a shot boundary the host changes
  shot anyway, so the segment's last frame is compared with the start frame it left from.
- **theme** (``utility.integration_theme``, minor) — sentence-embedding similarity between
  what the host is about (title, topic, keywords, content, burned-in text) and what the
  segment says (narration, on-screen text, product, the match bridge).
- **disruption** (``utility.integration_disruption``, major) — the point must not interrupt a
  high-energy moment: not inside the climax guard, and its second's energy not in the host's
  top quarter.

Scores (each in [0, 1]): ``integration_continuity``, ``integration_theme``,
``integration_disruption`` and ``integration`` (their mean). The Reflector routes the
continuity and disruption names to ``decide_integration`` (move the point) and the theme
name to ``write_storyboard``: keep the check names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from nextads.providers.embeddings import embed
from nextads.schemas import Creative, CreativePlan, Evidence, Finding, Product
from tools.media import host_analysis as ha
from tools.media.probe import VideoInfo, probe, read_frame

from agents.verifier.utility import _finding, _rescale_similarity

CONTINUITY = "integration_continuity"
THEME = "integration_theme"
DISRUPTION = "integration_disruption"

# --- continuity ------------------------------------------------------------------------
CONTINUITY_SIDE = 160  # frames are compared at this long side (structure, not detail)
HIST_BINS = 8  # per RGB channel: 512 colour bins
LUMA_JUMP_FULL = 0.5  # a mean-luma jump of half the range scores 0
CONTINUITY_WEIGHTS = {"histogram": 0.4, "luma": 0.2, "ssim": 0.4}
# A join whose similarity falls below this reads as a hard cut to something else. Measured on
# a real 720p host (MicroLens 10034): adjacent frames ~0.91; a caption bar and label drawn
# over the frame ~0.86; the frame zoomed in 6% (a camera push) ~0.67; another moment of the
# same video 0.43-0.53; another video or a flat colour ~0.3.
CONTINUITY_MIN = 0.6
SSIM_SIGMA = 1.5  # Gaussian window of the classic SSIM (Wang et al. 2004)
SSIM_C1 = (0.01 * 255) ** 2
SSIM_C2 = (0.03 * 255) ** 2

# --- theme -----------------------------------------------------------------------------
THEME_MIN = 0.25  # rescaled similarity (see utility.SIM_FLOOR/SIM_CEIL) below which the segment feels foreign
OCR_LINES = 12  # burned-in lines used to describe the host (subtitles repeat; a dozen say enough)

# --- disruption ------------------------------------------------------------------------
# The climax guard and the high-energy level are the Director's own rule (tools/media/host_analysis),
# so it never picks a point failed here.
DISRUPTION_EVIDENCE_S = 1.0  # evidence window either side of the point


# =========================================================================== continuity


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two same-size grayscale images (Gaussian window)."""
    a, b = a.astype(np.float64), b.astype(np.float64)

    def blur(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(x, (0, 0), SSIM_SIGMA)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + SSIM_C1) * (2 * cov + SSIM_C2)
    den = (mu_a**2 + mu_b**2 + SSIM_C1) * (var_a + var_b + SSIM_C2)
    return float(np.mean(num / den))


def histogram_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection of the normalised RGB histograms of two images, in [0, 1]."""

    def hist(x: np.ndarray) -> np.ndarray:
        h = cv2.calcHist([x], [0, 1, 2], None, [HIST_BINS] * 3, [0, 256] * 3).ravel()
        return h / max(h.sum(), 1.0)

    return float(np.minimum(hist(a), hist(b)).sum())


def _luma(x: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)


@dataclass(frozen=True)
class Join:
    """How alike the two frames either side of a join are."""

    histogram: float
    luma_jump: float  # |mean luma difference| as a fraction of the range
    ssim: float

    @property
    def score(self) -> float:
        parts = {"histogram": self.histogram, "luma": max(0.0, 1.0 - self.luma_jump / LUMA_JUMP_FULL),
                 "ssim": max(0.0, self.ssim)}
        return float(sum(CONTINUITY_WEIGHTS[k] * v for k, v in parts.items()))

    def describe(self) -> str:
        return (f"similarity {self.score:.2f} (histogram {self.histogram:.2f}, luma jump {self.luma_jump:.2f}, "
                f"SSIM {self.ssim:.2f})")


def compare_frames(a: np.ndarray, b: np.ndarray) -> Join:
    """Colour, brightness and structure likeness of two RGB frames (resized to match)."""
    if a.shape != b.shape:
        b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA)
    la, lb = _luma(a), _luma(b)
    return Join(histogram=histogram_similarity(a, b),
                luma_jump=abs(float(la.mean()) - float(lb.mean())) / 255.0,
                ssim=ssim(la, lb))


def frame_at(path: str, index: int, fps: float, info: VideoInfo) -> np.ndarray:
    """Frame ``index`` of a video (downscaled). read_frame returns the first frame at or after
    its time, so asking half a frame early lands on ``index`` despite float rounding."""
    return read_frame(path, max(0.0, (index - 0.5) / fps), max_side=CONTINUITY_SIDE, info=info)


def check_continuity(plan: CreativePlan, creative: Creative) -> Finding:
    """Both joins of the integrated video: host start frame -> segment, segment -> host."""
    iv = creative.integrated
    assert iv is not None and plan.integration is not None
    info = probe(iv.path, count_frames=False)
    fps = iv.fps
    first = int(round(iv.segment_start_s * fps))  # first segment frame
    back = int(round(iv.segment_end_s * fps))  # first host frame after the segment
    start_frame = frame_at(iv.path, first - 1, fps, info) if first > 0 else None
    last_scene = len(plan.storyboard.scenes) - 1
    joins: list[tuple[str, int, float, float, Join]] = []
    if start_frame is not None:
        joins.append(("start", 0, (first - 1) / fps, (first + 1) / fps,
                      compare_frames(start_frame, frame_at(iv.path, first, fps, info))))
    if back < iv.frames:
        segment_last = frame_at(iv.path, back - 1, fps, info)
        # At a shot boundary the host cuts here anyway: the segment should come back to the
        # frame it left from, not resemble the next shot.
        if plan.integration.kind == "shot_boundary" and start_frame is not None:
            other, what = start_frame, "return (vs start frame, shot boundary)"
        else:
            other, what = frame_at(iv.path, back, fps, info), "return"
        joins.append((what, last_scene, (back - 1) / fps, (back + 1) / fps, compare_frames(segment_last, other)))
    if not joins:
        return _finding(CONTINUITY, True, 1.0, "the segment has no host frame on either side")
    bad = [j for j in joins if j[4].score < CONTINUITY_MIN]
    score = min(j[4].score for j in joins)
    evidence = [Evidence(scene_index=scene, start_s=round(t0, 3), end_s=round(t1, 3), text=f"{name}: {j.describe()}")
                for name, scene, t0, t1, j in bad]
    detail = "; ".join(f"{name} join {j.describe()}" for name, _, _, _, j in joins)
    message = (f"visible jump at {len(bad)} join(s) (< {CONTINUITY_MIN}): {detail}" if bad
               else f"joins continuous: {detail}")
    return _finding(CONTINUITY, not bad, score, message, severity="major", evidence=evidence)


# =========================================================================== theme


def host_texts(plan: CreativePlan) -> list[str]:
    """What the host video is about, piece by piece."""
    h = plan.host
    assert h is not None
    pieces = [h.title, " ".join([h.topic, *h.keywords]), h.content, " ".join(h.ocr_text[:OCR_LINES])]
    return [p.strip() for p in pieces if p and p.strip()]


def segment_texts(plan: CreativePlan, product: Product | None = None) -> list[str]:
    """What the segment says and shows, piece by piece."""
    scenes = plan.storyboard.scenes
    pieces = [" ".join(s.narration for s in scenes), " ".join(s.on_screen_text for s in scenes),
              plan.storyboard.title, plan.match.bridge]
    if product is not None:
        pieces.append(" ".join([product.name, product.category]))
    return [p.strip() for p in pieces if p and p.strip()]


def _centroid(texts: Sequence[str]) -> np.ndarray:
    v = embed(list(texts)).mean(axis=0)
    return v / max(float(np.linalg.norm(v)), 1e-9)


def theme_similarity(plan: CreativePlan, product: Product | None = None) -> float | None:
    """Rescaled similarity of the host's and the segment's centroid embeddings (None: no text)."""
    host, segment = host_texts(plan), segment_texts(plan, product)
    if not host or not segment:
        return None
    return _rescale_similarity(float(_centroid(host) @ _centroid(segment)))


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def check_theme(plan: CreativePlan, creative: Creative, product: Product | None = None) -> Finding:
    """The segment talks about something a viewer of this host cares about."""
    score = theme_similarity(plan, product)
    if score is None:
        return _finding(THEME, True, None, "no host or segment text to compare")
    h = plan.host
    assert h is not None
    about = _short(h.topic or h.title or h.content)
    says = _short(segment_texts(plan, product)[0])
    passed = score >= THEME_MIN
    message = f"theme similarity {score:.2f} ({'>=' if passed else '<'} {THEME_MIN}): host is about '{about}', " \
              f"segment says '{says}'"
    iv = creative.integrated
    evidence = [] if passed or iv is None else [
        Evidence(scene_index=None, start_s=round(iv.segment_start_s, 3), end_s=round(iv.segment_end_s, 3),
                 text=f"host '{about}' vs segment '{says}'")]
    return _finding(THEME, passed, score, message, severity="minor", evidence=evidence)


# =========================================================================== disruption


def energy_at(energy: Sequence[float], t_s: float) -> float:
    """Energy of the host second containing ``t_s`` (clamped into the host)."""
    return float(energy[min(max(int(t_s), 0), len(energy) - 1)])


def check_disruption(plan: CreativePlan, creative: Creative) -> Finding:
    """The cut must not interrupt the climax or a top-quarter-energy second of the host."""
    h, decision = plan.host, plan.integration
    assert h is not None and decision is not None
    point = decision.point_s
    if not h.energy:
        return _finding(DISRUPTION, True, None, "no host energy profile to judge the point against")
    energy = np.asarray(h.energy, float)
    e = energy_at(h.energy, point)
    level = ha.high_energy_level(h.energy)
    high = level if level is not None else float(energy.max())
    climax = ha.in_climax_guard(point, h.climax_s)
    loud = level is not None and e > level
    # Score: the share of host seconds at least as energetic as the point (calmest -> 1).
    score = 0.0 if climax else float(np.mean(energy >= e))
    numbers = (f"point {point:.2f}s: energy {e:.2f}, top quarter above {high:.2f}, "
               f"climax at {h.climax_s:.1f}s (guard ±{ha.CLIMAX_GUARD_S:g}s)")
    problems = (["inside the climax guard"] if climax else []) + (["a top-quarter energy second"] if loud else [])
    if not problems:
        return _finding(DISRUPTION, True, score, f"calm enough: {numbers}")
    at = creative.integrated.segment_start_s if creative.integrated is not None else point
    evidence = [Evidence(scene_index=0, start_s=round(max(0.0, at - DISRUPTION_EVIDENCE_S), 3),
                         end_s=round(at + DISRUPTION_EVIDENCE_S, 3), text=numbers)]
    return _finding(DISRUPTION, False, score, f"the point interrupts {' and '.join(problems)}: {numbers}",
                    severity="major", evidence=evidence)


# =========================================================================== all together


def check_integration(plan: CreativePlan, creative: Creative,
                      product: Product | None = None) -> tuple[list[Finding], dict[str, float]]:
    """Continuity, theme and disruption findings of a PCI creative, and their scores.

    Returns ``([], {})`` when the plan or creative carries no integration (not PCI).
    """
    if creative.integrated is None or plan.host is None or plan.integration is None:
        return [], {}
    findings = [check_continuity(plan, creative), check_theme(plan, creative, product),
                check_disruption(plan, creative)]
    scores: dict[str, float] = {}
    for name, f in zip((CONTINUITY, THEME, DISRUPTION), findings):
        # A check with nothing to judge neither helps nor hurts: it scores as passed.
        scores[name] = float(f.score) if f.score is not None else 1.0
    scores["integration"] = float(np.mean(list(scores.values())))
    return findings, scores
