"""Utility track of the Verifier: is the creative good, personal, on-product, on-spec?

Four groups of checks, each returning :class:`Finding` objects with localized evidence
and a score in [0, 1]:

- **video quality** — MS*, IQ*, AQ* against thresholds (``tools.quality``, clips cut at
  scene boundaries); a scene whose storyboard asks for camera motion but shows none.
- **personalization** — similarity of the storyboard's words to the profile's interests
  (multilingual sentence embeddings) and of the frames' palette to the profile's
  palette. Generic plans are scored but never fail for being generic.
- **product alignment** — each product image bound to a scene is actually visible in
  that scene's frames (multi-scale template matching, ORB + homography as fallback); the
  logo is visible on the end card; every number in the text appears in a verified fact
  and every claim a scene states is a fact or selling point.
- **context alignment** — aspect, resolution, fps and duration (within one frame) of the
  video as probed, and storyboard duration = the context's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

from tools.compliance.texts import TextSpan, creative_texts, normalize
from nextads.providers.embeddings import similarity
from nextads.schemas import Creative, CreativePlan, Evidence, Finding, Product, Scene, Severity
from tools.media.image_analysis import palette_distance, weighted_kmeans
from tools.media.probe import VideoInfo, read_frame
from tools.quality import ClipQuality, summarize

# --- video quality thresholds (stand-in scales, see tools/quality) -----------------
MS_MIN = 0.90  # below: visible judder / dropped or duplicated frames
# BRISQUE's natural-scene statistics mark flat graphic areas as unnatural, so clean
# compositor renders score ~0.2-0.3 while heavy blur (sigma 4 px) or q5 JPEG blocking
# lands near 0.13: the threshold flags only real degradation.
IQ_MIN = 0.15
AQ_MIN = 0.35  # below: dull, badly exposed or clashing frames
MAJOR_FACTOR = 0.75  # a score below threshold * this is a major (not minor) failure
STATIC_MOTION = 0.05  # a scene whose clips all move less than this shows no motion at all

# --- personalization ---------------------------------------------------------------
# Raw cosine similarities of sentence embeddings of loosely related texts sit around
# 0.1-0.2 and of clearly on-topic texts around 0.5; rescale that band to [0, 1].
SIM_FLOOR, SIM_CEIL = 0.10, 0.50
TEXT_WEIGHT, PALETTE_WEIGHT = 0.6, 0.4
PERSONALIZATION_MIN = 0.30
PALETTE_FRAMES_FPS = 1.0
PALETTE_MAX_SIDE = 96
PALETTE_SIZE = 5

# --- product alignment ---------------------------------------------------------------
VISIBILITY_MAX_SIDE = 320  # frames are searched at this size
VISIBILITY_SAMPLES = (0.3, 0.5, 0.7)  # where in a scene frames are taken
VISIBLE_MIN_FRACTION = 0.5  # visible in at least half of a scene's sampled frames
TEMPLATE_SCALES = np.geomspace(0.15, 1.0, 16)  # template width / frame width
LOGO_SCALES = np.geomspace(0.06, 0.6, 16)
MATCH_MIN = 0.70  # normalized cross-correlation of a found template
ORB_FEATURES = 800
ORB_RATIO = 0.75  # Lowe's ratio test
ORB_MIN_INLIERS = 15  # RANSAC homography inliers for a found asset
END_CARD_SAMPLES = (0.5, 0.85)
CLAIM_SIMILARITY_MIN = 0.60  # a stated claim this close to a fact/selling point is supported

# --- context alignment ---------------------------------------------------------------
ASPECT_TOLERANCE = 0.01  # relative
FPS_TOLERANCE = 0.01
STORYBOARD_DURATION_TOLERANCE_S = 0.05

UTILITY = "utility"


@dataclass
class UtilityReport:
    """Findings and scores of the utility track."""

    findings: list[Finding] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)


def _finding(check: str, passed: bool, score: float | None, message: str, *,
             severity: Severity = "info", evidence: Sequence[Evidence] = ()) -> Finding:
    return Finding(check=f"utility.{check}", track=UTILITY, passed=passed,
                   severity="info" if passed else severity,
                   score=None if score is None else float(np.clip(score, 0.0, 1.0)),
                   message=message, evidence=list(evidence))


def _scene_ev(scene: Scene, **kw) -> Evidence:
    return Evidence(scene_index=scene.index, start_s=scene.start_s, end_s=scene.end_s, **kw)


def scene_spans(plan: CreativePlan, creative: Creative) -> list[tuple[float, float]]:
    """Scene time ranges in the video: the rendered ones when known, else the storyboard's."""
    if creative.scenes:
        return [(s.start_s, s.end_s) for s in sorted(creative.scenes, key=lambda s: s.index)]
    return [(s.start_s, s.end_s) for s in plan.storyboard.scenes]


# =========================================================================== quality


def _threshold_finding(check: str, key: str, value: float, minimum: float, clips: list[ClipQuality],
                       attr: str, plan: CreativePlan) -> Finding:
    if value >= minimum:
        return _finding(check, True, value, f"{key} = {value:.3f} (>= {minimum})")
    severity: Severity = "major" if value < minimum * MAJOR_FACTOR else "minor"
    worst = [c for c in clips if getattr(c, attr) < minimum] or clips
    evidence = []
    for c in sorted(worst, key=lambda c: getattr(c, attr))[:3]:
        idx = c.span_index if c.span_index is not None and c.span_index < len(plan.storyboard.scenes) else None
        evidence.append(Evidence(scene_index=idx, start_s=round(c.start_s, 3), end_s=round(c.end_s, 3),
                                 text=f"{key} {getattr(c, attr):.3f}"))
    return _finding(check, False, value, f"{key} = {value:.3f} below {minimum}", severity=severity,
                    evidence=evidence)


def check_video_quality(plan: CreativePlan, clips: list[ClipQuality]) -> UtilityReport:
    """Thresholds on MS*/IQ*/AQ*, and camera motion asked for but not shown."""
    scores = summarize(clips)
    report = UtilityReport(scores=dict(scores))
    report.findings += [
        _threshold_finding("motion_smoothness", "MS*", scores["MS*"], MS_MIN, clips, "ms", plan),
        _threshold_finding("imaging_quality", "IQ*", scores["IQ*"], IQ_MIN, clips, "iq", plan),
        _threshold_finding("aesthetic_quality", "AQ*", scores["AQ*"], AQ_MIN, clips, "aq", plan),
    ]
    frozen = []
    for scene in plan.storyboard.scenes:
        scene_clips = [c for c in clips if c.span_index == scene.index]
        if scene.camera != "static" and scene_clips and all(c.motion < STATIC_MOTION for c in scene_clips):
            frozen.append(_scene_ev(scene, text=f"camera '{scene.camera}' asked, no motion measured"))
    report.findings.append(_finding(
        "dynamic_degree", not frozen, scores["DD*"],
        f"DD* = {scores['DD*']:.2f}" + (f"; {len(frozen)} scene(s) static despite camera motion" if frozen else ""),
        severity="minor", evidence=frozen,
    ))
    report.scores["quality"] = float(np.mean([scores["MS*"], scores["IQ*"], scores["AQ*"]]))
    return report


# =========================================================================== personalization


def frame_palette(frames: Sequence[np.ndarray], k: int = PALETTE_SIZE) -> list[str]:
    """Dominant colours (hex, most covering first) of a set of RGB frames."""
    if not frames:
        return []
    pixels = np.concatenate([f.reshape(-1, 3) for f in frames]).astype(np.float32) / 255.0
    lab = cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_RGB2Lab).reshape(-1, 3)
    centres, labels = weighted_kmeans(lab, k)
    rgb = cv2.cvtColor(np.asarray(centres, np.float32).reshape(-1, 1, 3), cv2.COLOR_Lab2RGB).reshape(-1, 3)
    counts = np.bincount(labels, minlength=len(centres))
    order = np.argsort(-counts)
    return ["#{:02x}{:02x}{:02x}".format(*(int(round(c * 255)) for c in np.clip(rgb[i], 0, 1)))
            for i in order if counts[i] > 0]


def _rescale_similarity(s: float) -> float:
    return float(np.clip((s - SIM_FLOOR) / (SIM_CEIL - SIM_FLOOR), 0.0, 1.0))


def text_personalization(plan: CreativePlan) -> float | None:
    """How strongly the storyboard's words reflect the profile's interests (None: no interests).

    The chosen interest of the match counts alone when there is one; otherwise the
    interests are weighted by their profile weight. Each interest is compared with its
    best-matching scene.
    """
    interests = plan.profile.interests
    if plan.match.chosen_interest:
        interests = [i for i in interests if i.topic == plan.match.chosen_interest] or interests
    if not interests:
        return None
    scene_texts = [" ".join(t for t in (s.visual, s.narration, s.on_screen_text) if t) for s in plan.storyboard.scenes]
    interest_texts = [" ".join([i.topic, *i.keywords, i.summary]).strip() for i in interests]
    sims = similarity(interest_texts, scene_texts).max(axis=1)
    weights = np.array([max(i.weight, 1e-3) for i in interests])
    return _rescale_similarity(float(np.dot(weights, sims) / weights.sum()))


def check_personalization(plan: CreativePlan, frames: Sequence[np.ndarray]) -> UtilityReport:
    """Profile reflected in words and colours; generic plans pass regardless."""
    text = text_personalization(plan)
    palette = plan.profile.visual.palette
    pal = 1.0 - palette_distance(frame_palette(frames), palette) if palette and frames else None
    parts = [(TEXT_WEIGHT, text), (PALETTE_WEIGHT, pal)]
    parts = [(w, v) for w, v in parts if v is not None]
    score = sum(w * v for w, v in parts) / sum(w for w, _ in parts) if parts else 0.0
    generic = plan.generic or plan.match.generic or plan.profile.generic
    detail = (f"text {text:.2f}" if text is not None else "no interests") + \
             (f", palette {pal:.2f}" if pal is not None else ", no palette")
    if generic:
        finding = _finding("personalization", True, score, f"generic plan (not penalised): {detail}")
    else:
        finding = _finding("personalization", score >= PERSONALIZATION_MIN, score,
                           f"personalization {score:.2f} ({detail})", severity="minor")
    return UtilityReport([finding], {"personalization": float(score)})


# =========================================================================== product alignment


@dataclass(frozen=True)
class _Template:
    """An asset as the matcher sees it. ``grey``: the image cropped to its opaque part; ``mask``:
    its alpha where partly transparent; ``shape_only``: a one-colour cut-out (a wordmark or
    glyph logo), whose only information is its outline, so ``grey`` is the alpha itself and a
    match may come in either contrast (dark letters on a light card or light on dark)."""

    grey: np.ndarray
    mask: np.ndarray | None = None
    shape_only: bool = False


# A cut-out whose opaque pixels vary less than this (grey levels) is one colour: masked
# correlation over it is undefined, its outline is what identifies it.
FLAT_CUTOUT_STD = 8.0


def _load_template(path: str) -> _Template | None:
    """The asset's matcher template (cached per file version: the same logo is searched in
    every frame of every round)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _template_of(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _template_of(path: str, mtime_ns: int, size: int) -> _Template | None:
    try:
        img = Image.open(path)
        img.load()
    except (OSError, ValueError):
        return None
    rgba = np.asarray(img.convert("RGBA"))
    alpha = rgba[..., 3]
    mask = None
    if alpha.min() < 250:
        ys, xs = np.nonzero(alpha > 16)
        if len(xs) == 0:
            return None
        rgba = rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        alpha = rgba[..., 3]
        mask = alpha if alpha.min() < 250 else None
    grey = cv2.cvtColor(np.ascontiguousarray(rgba[..., :3]), cv2.COLOR_RGB2GRAY)
    if mask is not None and float(grey[mask > 128].std()) < FLAT_CUTOUT_STD:
        return _Template(np.ascontiguousarray(alpha), None, shape_only=True)
    return _Template(grey, mask)


def _match_templates(frame_grey: np.ndarray, template: _Template, scales: Sequence[float]) -> float:
    """Best normalized correlation of the template over the scales (template width / frame width)."""
    fh, fw = frame_grey.shape
    th, tw = template.grey.shape
    best = -1.0
    for s in scales:
        w = int(round(fw * s))
        h = int(round(th * w / tw))
        if w < 8 or h < 8 or w > fw or h > fh:
            continue
        t = cv2.resize(template.grey, (w, h), interpolation=cv2.INTER_AREA)
        if float(t.std()) < 1.0:
            continue  # a flat template matches anything flat
        if template.mask is not None:
            m = cv2.resize(template.mask, (w, h), interpolation=cv2.INTER_NEAREST)
            res = cv2.matchTemplate(frame_grey, t, cv2.TM_CCOEFF_NORMED, mask=m)
        else:
            res = cv2.matchTemplate(frame_grey, t, cv2.TM_CCOEFF_NORMED)
        res = np.nan_to_num(res, nan=-1.0, posinf=-1.0, neginf=-1.0)
        best = max(best, float(np.abs(res).max() if template.shape_only else res.max()))
    return best


def _orb_found(frame_grey: np.ndarray, template: np.ndarray) -> bool:
    """ORB features + RANSAC homography: finds assets that are cropped, zoomed or skewed."""
    orb = cv2.ORB_create(ORB_FEATURES)
    scale = VISIBILITY_MAX_SIDE / max(template.shape)
    t = cv2.resize(template, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else template
    kt, dt = orb.detectAndCompute(t, None)
    kf, df = orb.detectAndCompute(frame_grey, None)
    if dt is None or df is None or len(kt) < ORB_MIN_INLIERS or len(kf) < ORB_MIN_INLIERS:
        return False
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(dt, df, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < ORB_RATIO * p[1].distance]
    if len(good) < ORB_MIN_INLIERS:
        return False
    src = np.float32([kt[m.queryIdx].pt for m in good]).reshape(-1, 1, 2)
    dst = np.float32([kf[m.trainIdx].pt for m in good]).reshape(-1, 1, 2)
    _, inliers = cv2.findHomography(src, dst, cv2.RANSAC, 5.0)
    return inliers is not None and int(inliers.sum()) >= ORB_MIN_INLIERS


def asset_visible(frame: np.ndarray, asset_path: str, scales: Sequence[float] = TEMPLATE_SCALES) -> bool:
    """Is the asset image shown in this RGB frame?"""
    template = _load_template(asset_path)
    if template is None:
        return False
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if _match_templates(grey, template, scales) >= MATCH_MIN:
        return True
    return _orb_found(grey, template.grey)


def _scene_frames(path: str, scene: tuple[float, float], points: Sequence[float], info: VideoInfo) -> list[np.ndarray]:
    a, b = scene
    return [read_frame(path, a + p * (b - a), VISIBILITY_MAX_SIDE, info=info) for p in points]


def _scene_image_assets(plan: CreativePlan, product: Product) -> dict[int, list[str]]:
    """Scene index → product *image* assets it shows (storyboard refs and grounding bindings)."""
    shown: dict[int, list[str]] = {}
    bound = {b.scene_index: b.asset_ids for b in plan.grounding.bindings}
    for scene in plan.storyboard.scenes:
        ids = dict.fromkeys([*scene.asset_refs, *bound.get(scene.index, [])])
        images = [i for i in ids if (a := product.asset(i)) is not None and a.kind == "image"]
        if images:
            shown[scene.index] = images
    return shown


def check_product_visibility(plan: CreativePlan, creative: Creative, product: Product,
                             info: VideoInfo) -> Finding:
    """Every product image a scene is bound to is visible in that scene's frames."""
    spans = scene_spans(plan, creative)
    wanted = _scene_image_assets(plan, product)
    missing, checked, seen = [], 0, 0
    for idx, asset_ids in wanted.items():
        if idx >= len(spans):
            continue
        frames = _scene_frames(creative.video_path, spans[idx], VISIBILITY_SAMPLES, info)
        for asset_id in asset_ids:
            checked += 1
            hits = sum(asset_visible(f, product.asset(asset_id).path) for f in frames)
            if hits / len(frames) >= VISIBLE_MIN_FRACTION:
                seen += 1
            else:
                a, b = spans[idx]
                missing.append(Evidence(scene_index=idx, start_s=a, end_s=b, asset_id=asset_id,
                                        text=f"visible in {hits}/{len(frames)} sampled frames"))
    if not checked:
        return _finding("product_visibility", True, None, "no scene is bound to a product image")
    score = seen / checked
    return _finding("product_visibility", not missing, score,
                    f"product image visible in {seen}/{checked} scene bindings", severity="major",
                    evidence=missing)


def check_brand_elements(plan: CreativePlan, creative: Creative, product: Product, info: VideoInfo) -> Finding:
    """The product's logo is visible on the end card (the last CTA scene, else the last
    scene); a PCI segment has no end card, so there any of its own (non-host) scenes counts."""
    logos = [a for a in product.assets if a.kind == "logo"]
    if not logos:
        return _finding("brand_elements", True, None, "the product has no logo asset")
    spans = scene_spans(plan, creative)
    sb = plan.storyboard
    where = "on the end card"
    if plan.task == "pci":
        scenes = [s for s in sb.scenes if "host:start" not in s.asset_refs] or list(sb.scenes)
        where = "in the segment"
    else:
        scenes = [next((s for s in reversed(sb.scenes) if s.purpose == "cta"), sb.scenes[-1])]
    shown = [(s, spans[min(s.index, len(spans) - 1)]) for s in scenes]
    frames = [f for _, span in shown for f in _scene_frames(creative.video_path, span, END_CARD_SAMPLES, info)]
    for logo in logos:
        if any(asset_visible(f, logo.path, LOGO_SCALES) for f in frames):
            return _finding("brand_elements", True, 1.0, f"logo '{logo.id}' visible {where}")
    return _finding("brand_elements", False, 0.0, f"no logo visible {where}", severity="minor",
                    evidence=[Evidence(scene_index=s.index, start_s=span[0], end_s=span[1], asset_id=logos[0].id)
                              for s, span in shown])


# --- claims --------------------------------------------------------------------------

# A number (thousands separators and decimals allowed) with an optional currency sign
# before it and an optional unit after it (%, a word, or up to two CJK characters).
_NUMBER_RE = re.compile(
    r"(?P<pre>[$¥€£])?\s?(?P<num>\d+(?:[.,]\d+)*)\s?(?P<unit>%|[A-Za-z]+|[\u4e00-\u9fff]{1,2})?"
)
UNIT_ALIASES = {
    "percent": "%", "pct": "%", "per": "%",
    "hrs": "h", "hr": "h", "hour": "h", "hours": "h", "小时": "h",
    "mins": "min", "minute": "min", "minutes": "min", "分钟": "min",
    "day": "d", "days": "d", "天": "d", "日": "d",
    "yuan": "cny", "rmb": "cny", "元": "cny", "块": "cny", "¥": "cny",
    "$": "usd", "usd": "usd", "dollars": "usd", "dollar": "usd",
    "€": "eur", "eur": "eur", "£": "gbp", "gbp": "gbp",
    "毫升": "ml", "毫安": "mah", "克": "g", "grams": "g", "gram": "g", "千克": "kg", "公斤": "kg",
    "x": "times", "倍": "times",
}


# Words accepted as units after a number (beyond UNIT_ALIASES); any other following word
# ("29 for you") is not a unit, so the number is compared without one.
KNOWN_UNITS = {
    "%", "ml", "l", "g", "kg", "mg", "oz", "lb", "lbs", "mah", "h", "min", "s", "sec", "d", "week", "weeks",
    "month", "months", "year", "years", "cm", "mm", "m", "km", "inch", "inches", "gb", "tb", "w", "v",
    "hz", "spf", "cal", "kcal", "pcs", "pieces", "times", "steps", "layers", "colors", "colours", "shades",
}


def _unit(pre: str | None, unit: str | None) -> str:
    if pre:
        return UNIT_ALIASES.get(pre, pre)  # a currency sign is the unit
    u = (unit or "").casefold()
    if len(u) == 2 and re.fullmatch(r"[\u4e00-\u9fff]{2}", u) and u not in UNIT_ALIASES:
        u = u[0]  # "30天内" → "天": keep the measure word, drop the following character
    u = UNIT_ALIASES.get(u, u)
    return u if u in KNOWN_UNITS or u in UNIT_ALIASES.values() or re.fullmatch(r"[\u4e00-\u9fff]", u) else ""


def numbers_in(text: str) -> list[tuple[float, str, str]]:
    """(value, normalized unit, matched text) for every number in the text."""
    out = []
    for m in _NUMBER_RE.finditer(normalize(text)):
        raw = m.group("num")
        # "5,000" is five thousand; "1,5" (European decimal) is rare in ad copy.
        value = float(raw.replace(",", "")) if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw) else float(raw.replace(",", "."))
        unit = _unit(m.group("pre"), m.group("unit"))
        shown = m.group(0).strip() if unit and not m.group("pre") else (m.group("pre") or "") + raw
        out.append((value, unit, shown))
    return out


def _supported_number(value: float, unit: str, facts: list[tuple[float, str, str]]) -> bool:
    return any(abs(value - v) < 1e-9 and (not unit or not u or unit == u) for v, u, _ in facts)


def verified_texts(product: Product) -> list[str]:
    """Texts whose numbers count as verified: facts, selling points, name and slogan."""
    return [f"{k}: {v}" for k, v in product.facts.items()] + list(product.selling_points) + \
        [product.name, product.slogan]


def check_claims(plan: CreativePlan, product: Product, spans: list[TextSpan] | None = None) -> Finding:
    """Numbers in the text appear in a fact; stated claims are facts or selling points."""
    spans = spans if spans is not None else creative_texts(plan)
    fact_numbers = [n for t in verified_texts(product) for n in numbers_in(t)]
    unsupported: list[Evidence] = []
    total = 0
    for span in spans:
        for value, unit, raw in numbers_in(span.text):
            total += 1
            if not _supported_number(value, unit, fact_numbers):
                unsupported.append(span.evidence(raw))
    keys = {k.casefold() for k in product.facts} | {p.casefold() for p in product.selling_points}
    stated = [(s, c) for s in plan.storyboard.scenes for c in s.claims if c.strip() and c.casefold() not in keys]
    support = [f"{k}: {v}" for k, v in product.facts.items()] + list(product.selling_points)
    total += sum(len(s.claims) for s in plan.storyboard.scenes)
    if stated:
        best = similarity([c for _, c in stated], support).max(axis=1) if support else np.zeros(len(stated))
        for (scene, claim), sim in zip(stated, best, strict=True):
            if sim < CLAIM_SIMILARITY_MIN:
                unsupported.append(_scene_ev(scene, text=claim))
    score = 1.0 - len(unsupported) / total if total else 1.0
    msg = (f"{len(unsupported)} unsupported claim(s): " + "; ".join(
        f'"{e.text}" (scene {e.scene_index})' for e in unsupported)) if unsupported else \
        f"{total} numbers/claims, all supported by verified facts"
    return _finding("claims", not unsupported, score, msg, severity="major", evidence=unsupported)


# =========================================================================== context alignment


def check_context_alignment(plan: CreativePlan, creative: Creative, info: VideoInfo) -> Finding:
    """Aspect, resolution, fps and duration of the video match the serving context."""
    ctx = plan.context
    aw, ah = (int(x) for x in ctx.aspect_ratio.split(":"))
    want_w, want_h = ctx.size
    problems: list[tuple[Severity, str]] = []
    checks = 0

    checks += 1
    if abs(info.aspect - aw / ah) > ASPECT_TOLERANCE * (aw / ah):
        problems.append(("major", f"aspect {info.width}x{info.height} is not {ctx.aspect_ratio}"))
    checks += 1
    if (info.width, info.height) != (want_w, want_h):
        problems.append(("minor", f"resolution {info.width}x{info.height}, expected {want_w}x{want_h}"))
    checks += 1
    if abs(info.fps - ctx.fps) > FPS_TOLERANCE:
        problems.append(("minor", f"{info.fps:g} fps, expected {ctx.fps}"))
    if plan.task == "pcg":  # a PCI output is the whole host video: its length is the host's
        checks += 1
        if abs(info.duration_s - ctx.duration_s) > 1.0 / ctx.fps + 1e-6:
            problems.append(("major", f"duration {info.duration_s:.3f}s, target {ctx.duration_s:g}s "
                                      f"(tolerance one frame)"))
    checks += 1
    if abs(plan.storyboard.target_duration_s - ctx.duration_s) > STORYBOARD_DURATION_TOLERANCE_S:
        problems.append(("major", f"storyboard lasts {plan.storyboard.target_duration_s:g}s, "
                                  f"context asks {ctx.duration_s:g}s"))
    score = 1.0 - len(problems) / checks
    severity: Severity = "major" if any(s == "major" for s, _ in problems) else "minor"
    return _finding("context_alignment", not problems, score,
                    "; ".join(p for _, p in problems) or
                    f"{info.width}x{info.height} {ctx.aspect_ratio}, {info.fps:g} fps, {info.duration_s:.2f}s",
                    severity=severity, evidence=[Evidence(start_s=0.0, end_s=info.duration_s, text=p) for _, p in problems])


# =========================================================================== all together


def palette_frames(path: str, info: VideoInfo) -> list[np.ndarray]:
    """Small frames at 1 fps for colour statistics."""
    from tools.media.probe import iter_frames

    return list(iter_frames(path, fps=PALETTE_FRAMES_FPS, max_side=PALETTE_MAX_SIDE, info=info))


def evaluate_utility(plan: CreativePlan, creative: Creative, product: Product, *,
                     info: VideoInfo, clips: list[ClipQuality]) -> UtilityReport:
    """Run every utility check on a probed, measured creative."""
    report = UtilityReport()
    for part in (check_video_quality(plan, clips),
                 check_personalization(plan, palette_frames(creative.video_path, info))):
        report.findings += part.findings
        report.scores.update(part.scores)
    product_findings = [
        check_product_visibility(plan, creative, product, info),
        check_brand_elements(plan, creative, product, info),
        check_claims(plan, product),
    ]
    report.findings += product_findings
    scored = [f.score for f in product_findings if f.score is not None]
    report.scores["product_alignment"] = float(np.mean(scored)) if scored else 1.0
    ctx_finding = check_context_alignment(plan, creative, info)
    report.findings.append(ctx_finding)
    report.scores["context_alignment"] = float(ctx_finding.score or 0.0)
    return report
