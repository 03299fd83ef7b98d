"""The offline proxy judge: documented, measurable stand-ins for the VLM judge's five criteria.

Deterministic, no network, labelled "proxy" everywhere (name, kind, every reason starts with
``proxy:``). Each criterion is a weighted mean of measured parts in [0, 1], put on the shared
0-10 bands (``criteria.to_score``); a part with nothing to measure is left out of the mean
rather than guessed. The viewer is modelled afresh from ``item.user`` with the Director's
offline ``model_user`` — never from the plan's own profile — so a plan cannot grade itself
by what it claims about the viewer.

- **presentation** — the viewer's visual preferences (palette, warmth, lighting,
  brightness/saturation, texture and artistic style, from their history images) against
  the *measured* look of frames sampled from the ad (the same ``image_analysis`` pipeline
  the profile came from), plus the viewer's tone and pacing (from their texts) against the
  ad's template and shot length. A viewer without images is judged on tone and pacing only.
- **content** — multilingual sentence-embedding similarity between the viewer's recent
  history (titles and text) and what each scene shows and says (visual description,
  narration, on-screen text), and between the viewer's strong/medium interests and the
  scenes; rescaled from the raw-cosine band where unrelated texts sit to on-topic ones.
- **product_alignment** — identity (a licensed product image is bound to the scenes; the
  Verifier's measured visibility check when a verdict is passed), brand (name or brand in
  the copy, the logo on screen; the measured logo check when a verdict is passed), the
  share of selling points and facts stated, and the share of stated claims the verified
  facts support (the Verifier's offline claim check).
- **integration** (PCI) — continuity of both joins, host/segment theme similarity and
  disruption of the host's energy, from ``agents/verifier/integration.check_integration``.
- **diversity** — mean pairwise distance between one user's creatives: template, hook type,
  narrative form, measured palette, and the text embedding of what is shown and said.

Viewer with no data (``item.user is None``): nothing can be personalised to, so both
personalization criteria get the floor of the scale with that reason.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image

from agents.director.profile import item_text, model_user, recent_items
from agents.director.storyboard import choose_template
from agents.verifier.integration import check_integration
from agents.verifier.utility import CLAIM_SIMILARITY_MIN, check_claims
from evals.judges.criteria import (
    PROXY_PREFIX,
    JudgedCreative,
    JudgeScore,
    criteria_for,
    proxy_score,
    single_creative_diversity,
    MIN_CREATIVES_FOR_DIVERSITY,
)
from nextads.providers.embeddings import embed
from nextads.schemas import (
    Creative,
    CreativePlan,
    IntegratedVideo,
    Product,
    UserData,
    UserProfile,
    VisualPreferences,
)
from tools.media.image_analysis import aggregate_visual, palette_distance
from tools.media.probe import iter_frames, probe
from tools.media.splice import cut_frame

NAME = "proxy"

# --- sampling the ad --------------------------------------------------------------------
LOOK_FRAMES = 8  # frames sampled evenly over the ad for its measured look
LOOK_MAX_SIDE = 160  # = image_analysis.ANALYSIS_MAX_SIDE: frames measured like history images

# --- presentation ---------------------------------------------------------------------
# Visual parts need the viewer's images; style parts come from their texts.
PRESENTATION_WEIGHTS = {"palette": 0.25, "warmth": 0.1, "lighting": 0.1, "tonality": 0.1,
                        "texture_style": 0.1, "tone": 0.2, "pacing": 0.15}
# Ordered scales: neighbours half-match, the ends not at all.
WARMTH_SCALE = ("cool", "neutral", "warm")
PACING_SCALE = ("fast", "medium", "slow")
LIGHTING_NEIGHBOURS = {frozenset({"bright", "soft"}), frozenset({"soft", "dim"}), frozenset({"bright", "high_contrast"})}
TONALITY_FULL = 0.5  # brightness + saturation differing by this much in total match not at all
# Mean shot length (s) read as each pacing: the nearest one is the ad's pacing.
PACING_SHOT_S = {"fast": 2.0, "medium": 2.5, "slow": 3.2}

# --- content ----------------------------------------------------------------------------
HISTORY_ITEMS = 20  # the viewer's most recent items the judge reads (DESIGN.md §9: last 10-20)
# Raw cosine similarity of multilingual USE v3 embeddings: loosely related texts sit near
# 0.1-0.2, clearly on-topic ones near 0.5 (same band as agents/verifier/utility.py).
CONTENT_SIM_FLOOR, CONTENT_SIM_CEIL = 0.10, 0.50
HISTORY_TOP_K = 3  # each scene is compared with its three closest history items
INTEREST_TIERS = ("strong", "medium")  # a creative built on either tier is personalised
CONTENT_WEIGHTS = {"history": 0.5, "interest": 0.5}

# --- product alignment -----------------------------------------------------------------
# A 15 s ad has room for about three facts (one per body/proof scene); stating more is not
# required for a full score.
EXPECTED_CLAIMS = 3
PRODUCT_WEIGHTS = {"identity": 0.25, "brand": 0.25, "facts": 0.3, "claims": 0.2}
VISIBILITY_CHECK = "utility.product_visibility"  # the Verifier's measured checks a verdict may carry
BRAND_CHECK = "utility.brand_elements"

# --- diversity -------------------------------------------------------------------------
DIVERSITY_WEIGHTS = {"template": 0.1, "hook": 0.15, "narrative": 0.15, "palette": 0.2, "text": 0.4}
# Text distance 1 - cosine, rescaled: near-identical copy (cosine >= 0.95) is 0, copy at
# the similarity of unrelated ads (cosine <= 0.35) is 1.
TEXT_SAME_SIM, TEXT_UNRELATED_SIM = 0.95, 0.35


# =========================================================================== helpers


def _ordinal_match(a: str, b: str, scale: Sequence[str]) -> float:
    """1 for the same value, falling linearly to 0 at the far end of an ordered scale."""
    if a not in scale or b not in scale:
        return float(a == b)
    return 1.0 - abs(scale.index(a) - scale.index(b)) / (len(scale) - 1)


def _weighted(parts: dict[str, float | None], weights: dict[str, float]) -> float:
    """Weighted mean of the parts that could be measured (None parts left out)."""
    got = {k: v for k, v in parts.items() if v is not None}
    total = sum(weights[k] for k in got)
    return sum(weights[k] * v for k, v in got.items()) / total if total else 0.0


def _describe(parts: dict[str, float | None]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in parts.items() if v is not None)


def _rescale(sim: float, floor: float, ceil: float) -> float:
    return float(np.clip((sim - floor) / (ceil - floor), 0.0, 1.0))


def scene_texts(plan: CreativePlan) -> list[str]:
    """What each scene shows and says (visual description, narration, on-screen text)."""
    return [" ".join(t for t in (s.visual, s.narration, s.on_screen_text) if t).strip() or " "
            for s in plan.storyboard.scenes]


def creative_text(plan: CreativePlan) -> str:
    """Everything the creative shows and says, in one text."""
    return " ".join([plan.storyboard.title, *scene_texts(plan), plan.storyboard.cta]).strip()


@dataclass(frozen=True)
class Look:
    """The measured look of an ad: visual features of its sampled frames, aggregated."""

    visual: VisualPreferences
    frames: int


def measure_look(video_path: str, n_frames: int = LOOK_FRAMES) -> Look:
    """Sample ``n_frames`` evenly and aggregate their colour/light/texture like history images."""
    info = probe(video_path, count_frames=False)
    fps = n_frames / max(info.duration_s, 1e-3)
    with tempfile.TemporaryDirectory(prefix="nextads-proxy-") as tmp:
        paths = []
        for i, rgb in enumerate(iter_frames(video_path, fps=fps, max_side=LOOK_MAX_SIDE, info=info)):
            if i >= n_frames:
                break
            path = Path(tmp) / f"f{i}.png"
            Image.fromarray(rgb).save(path)
            paths.append(str(path))
        agg = aggregate_visual(paths)
    return Look(VisualPreferences.model_validate({**agg, "elements": []}) if agg else VisualPreferences(), len(paths))


LOOK_FILE_VERSION = 1


def _look_file(video: Path) -> Path:
    return video.with_name(f".{video.name}.look-v{LOOK_FILE_VERSION}.json")


def _stored_look(video: Path, st: os.stat_result) -> Look:
    """``measure_look`` of ``video``, read from / written to its look file when that file is
    for this version of the video (same size and mtime); a read-only folder just measures."""
    stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "frames_asked": LOOK_FRAMES}
    path = _look_file(video)
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if {k: saved.get(k) for k in stamp} == stamp:
            return Look(VisualPreferences.model_validate(saved["visual"]), int(saved["frames"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    look = measure_look(str(video))
    record = {**stamp, "visual": look.visual.model_dump(mode="json"), "frames": look.frames}
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return look


def ad_pacing(plan: CreativePlan) -> str:
    """The pacing the ad's shot length reads as (nearest of PACING_SHOT_S)."""
    shot = float(np.mean([s.duration_s for s in plan.storyboard.scenes]))
    return min(PACING_SHOT_S, key=lambda p: abs(PACING_SHOT_S[p] - shot))


# =========================================================================== the judge

PROFILE_CACHE_MAX = 256  # viewers (each profile costs seconds: embeddings and image analysis)
LOOK_CACHE_MAX = 1024  # videos
_PROFILES: OrderedDict[str, UserProfile] = OrderedDict()
_LOOKS: OrderedDict[str, Look] = OrderedDict()
_cache_lock = threading.Lock()


def _cached(cache: OrderedDict, key: str, make, limit: int):
    """LRU lookup; ``make()`` runs outside the lock (it may take seconds)."""
    with _cache_lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = make()
    with _cache_lock:
        cache[key] = value
        while len(cache) > limit:
            cache.popitem(last=False)
    return value


class ProxyJudge:
    """Offline stand-in for the VLM judge (see the module docstring for every measure)."""

    name = NAME
    kind: Literal["proxy"] = "proxy"

    # -- caches (module-level: the benchmark runner may build a judge per pair) ----------

    @staticmethod
    def profile(user: UserData) -> UserProfile:
        """The viewer as the judge models them (offline ``model_user``), cached per history."""
        key = hashlib.sha256(user.model_dump_json().encode()).hexdigest()
        return _cached(_PROFILES, key, lambda: model_user(user), PROFILE_CACHE_MAX)

    @staticmethod
    def look(video_path: str) -> Look:
        """The measured look of a video, cached per file version: in memory, and in a small
        file beside the video, so the report (diversity) reuses what the benchmark's worker
        processes measured instead of decoding every creative again."""
        p = Path(video_path).resolve()
        st = p.stat()
        return _cached(_LOOKS, f"{p}:{st.st_mtime_ns}:{st.st_size}", lambda: _stored_look(p, st), LOOK_CACHE_MAX)

    # -- criteria -------------------------------------------------------------------------

    def presentation(self, item: JudgedCreative) -> JudgeScore:
        """Viewer's visual taste and tone vs the ad's measured look, template and pacing."""
        if item.user is None:
            return proxy_score(0.0, "no viewer data: nothing to personalise the presentation to")
        profile = self.profile(item.user)
        pref, look = profile.visual, self.look(item.ad_path).visual
        has_images = bool(pref.elements)  # elements exist only when history images were analysed
        parts: dict[str, float | None] = {
            "palette": 1.0 - palette_distance(pref.palette, look.palette) if has_images and pref.palette else None,
            "warmth": _ordinal_match(pref.warmth, look.warmth, WARMTH_SCALE) if has_images else None,
            "lighting": (1.0 if pref.lighting == look.lighting else
                         0.5 if frozenset({pref.lighting, look.lighting}) in LIGHTING_NEIGHBOURS else 0.0)
            if has_images else None,
            "tonality": max(0.0, 1.0 - (abs(pref.brightness - look.brightness) + abs(pref.saturation - look.saturation))
                            / TONALITY_FULL) if has_images else None,
            "texture_style": 0.5 * (pref.texture == look.texture) + 0.5 * (pref.artistic_style == look.artistic_style)
            if has_images else None,
            "tone": float(choose_template(profile) == item.plan.storyboard.template),
            "pacing": _ordinal_match(profile.style.pacing, ad_pacing(item.plan), PACING_SCALE),
        }
        unit = _weighted(parts, PRESENTATION_WEIGHTS)
        basis = "" if has_images else " (viewer has no images: tone and pacing only)"
        return proxy_score(unit, f"viewer {profile.style.tone}/{profile.style.pacing}, {pref.warmth} "
                                 f"{pref.lighting} vs ad {item.plan.storyboard.template}/{ad_pacing(item.plan)}, "
                                 f"{look.warmth} {look.lighting}: {_describe(parts)}{basis}")

    def content(self, item: JudgedCreative) -> JudgeScore:
        """The viewer's history and interests vs what the scenes show and say."""
        if item.user is None:
            return proxy_score(0.0, "no viewer data: nothing to personalise the content to")
        history = [t for t in (item_text(h) for h in recent_items(item.user.history, HISTORY_ITEMS)) if t]
        if not history:
            return proxy_score(0.0, "the viewer's history has no text to compare with")
        scenes = scene_texts(item.plan)
        sims = embed(history) @ embed(scenes).T  # history × scenes
        k = min(HISTORY_TOP_K, len(history))
        per_scene = np.sort(sims, axis=0)[-k:].mean(axis=0)
        history_fit = _rescale(float(per_scene.mean()), CONTENT_SIM_FLOOR, CONTENT_SIM_CEIL)
        profile = self.profile(item.user)
        interests = [i for i in profile.interests if i.tier in INTEREST_TIERS]
        interest_fit, best = None, ""
        if interests:
            texts = [" ".join([i.topic, *i.keywords[:5]]) for i in interests]
            isims = (embed(texts) @ embed(scenes).T).max(axis=1)
            j = int(np.argmax(isims))
            interest_fit, best = _rescale(float(isims[j]), CONTENT_SIM_FLOOR, CONTENT_SIM_CEIL), interests[j].topic
        parts = {"history": history_fit, "interest": interest_fit}
        unit = _weighted(parts, CONTENT_WEIGHTS)
        return proxy_score(unit, f"{len(history)} history items vs {len(scenes)} scenes"
                                 + (f", closest interest '{best}'" if best else "") + f": {_describe(parts)}")

    def product_alignment(self, item: JudgedCreative) -> JudgeScore:
        """Identity, brand elements, facts stated and claims supported."""
        plan, product = item.plan, item.product
        parts = {"identity": self._identity(item), "brand": self._brand(item),
                 "facts": facts_coverage(plan, product), "claims": check_claims(plan, product).score}
        unit = _weighted(parts, PRODUCT_WEIGHTS)
        measured = " (measured checks from the verdict)" if item.verdict is not None else ""
        return proxy_score(unit, f"{_describe(parts)}{measured}")

    def integration(self, item: JudgedCreative) -> JudgeScore:
        """Continuity, theme and disruption of the splice (agents/verifier/integration.py)."""
        creative = integrated_creative(item)
        if creative is None:
            return proxy_score(0.0, "no host or integration point: the segment was not integrated")
        _, scores = check_integration(item.plan, creative, item.product)
        parts = {k.removeprefix("integration_"): v for k, v in scores.items() if k != "integration"}
        return proxy_score(scores["integration"], _describe(parts))

    def judge(self, item: JudgedCreative) -> dict[str, JudgeScore]:
        return {c: getattr(self, c)(item) for c in criteria_for(item.task)}

    def judge_diversity(self, items: Sequence[JudgedCreative]) -> JudgeScore:
        """Mean pairwise distance of one user's creatives (template, hook, form, palette, text)."""
        if len(items) < MIN_CREATIVES_FOR_DIVERSITY:
            return single_creative_diversity(self.kind)
        feats = [self._diversity_features(it) for it in items]
        pairs = [self._distance(a, b) for a, b in itertools.combinations(feats, 2)]
        mean = {k: float(np.mean([p[k] for p in pairs])) for k in DIVERSITY_WEIGHTS}
        unit = _weighted(dict(mean), DIVERSITY_WEIGHTS)
        return proxy_score(unit, f"{len(items)} creatives, {len(pairs)} pairs, mean distances: {_describe(mean)}")

    # -- parts ---------------------------------------------------------------------------

    def _identity(self, item: JudgedCreative) -> float:
        measured = _verdict_score(item, VISIBILITY_CHECK)
        if measured is not None:
            return measured
        images = {a.id for a in item.product.assets if a.kind == "image"}
        refs = {r for s in item.plan.storyboard.scenes for r in s.asset_refs}
        bound = {a for b in item.plan.grounding.bindings for a in b.asset_ids}
        return 1.0 if images & (refs | bound) else 0.0

    def _brand(self, item: JudgedCreative) -> float:
        text = creative_text(item.plan).casefold()
        names = [n for n in (item.product.brand, item.product.name) if n]
        named = float(any(n.casefold() in text for n in names)) if names else None
        logo = _verdict_score(item, BRAND_CHECK)
        if logo is None:
            logos = {a.id for a in item.product.assets if a.kind == "logo"}
            refs = {r for s in item.plan.storyboard.scenes for r in s.asset_refs}
            logo = float(bool(logos & refs)) if logos else None
        got = [v for v in (named, logo) if v is not None]
        return float(np.mean(got)) if got else 1.0

    def _diversity_features(self, item: JudgedCreative) -> dict:
        sb = item.plan.storyboard
        return {"template": sb.template, "hook": sb.hook_type, "narrative": sb.narrative_form,
                "palette": self.look(item.ad_path).visual.palette, "text": embed([creative_text(item.plan)])[0]}

    @staticmethod
    def _distance(a: dict, b: dict) -> dict[str, float]:
        sim = float(a["text"] @ b["text"])
        return {
            "template": float(a["template"] != b["template"]),
            "hook": float(a["hook"] != b["hook"]),
            "narrative": float(a["narrative"] != b["narrative"]),
            "palette": palette_distance(a["palette"], b["palette"]),
            "text": 1.0 - _rescale(sim, TEXT_UNRELATED_SIM, TEXT_SAME_SIM),
        }


# =========================================================================== shared measures


def _verdict_score(item: JudgedCreative, check: str) -> float | None:
    """The measured score of one Verifier check in the passed verdict, if it has one."""
    if item.verdict is None:
        return None
    return next((f.score for f in item.verdict.findings if f.check == check and f.score is not None), None)


def facts_coverage(plan: CreativePlan, product: Product) -> float | None:
    """Share of the expected number of selling points / facts the creative states.

    A point counts as stated when a scene lists it as a claim, its fact value appears in
    the copy, or a scene's copy says it in other words (embedding similarity at the
    Verifier's claim threshold). None when the product has no points or facts.
    """
    points = list(product.selling_points) + [f"{k}: {v}" for k, v in product.facts.items()]
    if not points:
        return None
    claimed = {c.casefold() for s in plan.storyboard.scenes for c in s.claims}
    copy = [" ".join(t for t in (s.narration, s.on_screen_text) if t) or " " for s in plan.storyboard.scenes]
    text = " ".join(copy).casefold()
    close = (embed(points) @ embed(copy).T).max(axis=1)
    stated = 0
    for i, p in enumerate(product.selling_points):
        stated += p.casefold() in claimed or close[i] >= CLAIM_SIMILARITY_MIN
    offset = len(product.selling_points)
    for j, (k, v) in enumerate(product.facts.items()):
        stated += k.casefold() in claimed or (bool(v.strip()) and v.casefold() in text) or \
            close[offset + j] >= CLAIM_SIMILARITY_MIN
    return min(1.0, stated / min(len(points), EXPECTED_CLAIMS))


def integrated_creative(item: JudgedCreative) -> Creative | None:
    """The PCI creative as ``check_integration`` wants it, rebuilt from the two videos.

    The segment starts at the integration point rounded to a host frame (splice's
    convention) and lasts as many frames as the segment file holds.
    """
    plan = item.plan
    if item.task != "pci" or item.segment_path is None or plan.integration is None:
        return None
    if plan.host is None and item.host is None:
        return None
    if plan.host is None:
        plan = plan.model_copy(update={"host": item.host})
    whole, segment = probe(item.video_path), probe(item.segment_path)
    start = cut_frame(plan.integration.point_s, whole.fps) / whole.fps
    integrated = IntegratedVideo(
        path=item.video_path, host_path=plan.host.video_path, point_s=plan.integration.point_s,
        segment_start_s=start, segment_end_s=start + segment.frames / whole.fps, duration_s=whole.duration_s,
        fps=whole.fps, frames=whole.frames, fade_s=0.0)
    return Creative(video_path=item.segment_path, plan_digest=plan.digest(), width=segment.width,
                    height=segment.height, fps=max(1, round(segment.fps)), duration_s=segment.duration_s,
                    frames=segment.frames, has_audio=segment.has_audio, integrated=integrated)


__all__ = ["NAME", "PROXY_PREFIX", "ProxyJudge", "facts_coverage", "integrated_creative", "measure_look"]
