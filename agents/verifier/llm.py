"""The Verifier's judged checks: a VLM looks at sampled frames and the reference collage.

Measurement cannot see everything DESIGN.md asks of a creative: whether the story reflects
the viewer, whether a generated product drifted from the licensed one, whether a frame
shows a stereotype or a third-party logo. Here a VLM judges those from frames sampled in
every scene (each labelled with its scene index and time) and the reference collage, and
returns a :class:`JudgedReview` through structured output. Deterministic post-checks turn
it into ordinary :class:`~nextads.schemas.Finding` objects:

- check names are fixed (``JUDGED_CHECKS``) and each fixes its track, so the model cannot
  move a compliance concern onto the utility track; names carry the keywords the Reflector
  routes by (``personaliz``, ``product_alignment``, ``brand``, ``privacy``, ...);
- evidence is localized: scene indices must exist, time ranges come from the rendered scene
  spans, asset ids must be the product's, texts are bounded;
- judged utility failures are at most ``major`` (a VLM's impression alone never rejects a
  creative; a measured failure or a compliance violation can), a failure is never ``info``;
- generic plans are not judged on personalization (the offline check spares them too).

The judged findings are *added* to the measured ones by ``agents.verifier.verify``; the
offline compliance checks always run. On give-up this module raises ``StepFallback`` and
the verdict is made from the measured checks alone (the fallback is recorded).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langchain_core.messages import HumanMessage, SystemMessage
from PIL import Image
from pydantic import BaseModel, Field

from agents.director.llm import StepFallback
from agents.prompts import verifier as prompts
from nextads.providers.chat import image_block
from nextads.providers.structured import structured_call
from nextads.schemas import Creative, CreativePlan, Evidence, Finding, Product, Severity
from nextads.settings import get_settings
from tools.media.probe import VideoInfo, probe, read_frame

STEP = "verify.judged"
SOURCE = "offline+llm"  # the verdict's source when judged checks were added to the measured ones
MAX_EVIDENCE_TEXT = 200  # characters of offending text kept per evidence item
MAX_FINDINGS = 24  # a reply listing more is cut here (the rest would only repeat)
# Judged utility failures stop at "major": a VLM's impression may ask for a revision, but
# only a measured failure or a compliance violation may reject a creative.
MAX_UTILITY_SEVERITY: Severity = "major"
_SEVERITY_ORDER: tuple[Severity, ...] = ("info", "minor", "major", "critical")

JudgedCheck = Literal["personalization", "product_identity", "brand_elements", "context_fit", "visual_quality",
                      "safety", "privacy", "fairness", "rights", "trademark"]

# check -> (track, Finding.check). Names carry the Reflector's routing keywords.
JUDGED_CHECKS: dict[str, tuple[Literal["utility", "compliance"], str]] = {
    "personalization": ("utility", "utility.personalization.judged"),
    "product_identity": ("utility", "utility.product_alignment.identity.judged"),
    "brand_elements": ("utility", "utility.brand_elements.judged"),
    "context_fit": ("utility", "utility.context_alignment.judged"),
    "visual_quality": ("utility", "utility.quality.judged"),
    "safety": ("compliance", "compliance.safety.judged"),
    "privacy": ("compliance", "compliance.privacy.judged"),
    "fairness": ("compliance", "compliance.fairness.judged"),
    "rights": ("compliance", "compliance.rights.judged"),
    "trademark": ("compliance", "compliance.trademark.judged"),
}
# Component scores the VLM gives; blended with the measured ones (see ``merge_scores``).
JUDGED_SCORES = ("personalization", "product_alignment", "context_alignment")


# -- what the model fills in -----------------------------------------------------------


class JudgedEvidence(BaseModel):
    scene_index: int | None = Field(None, description="scene index as labelled on the frames")
    text: str | None = Field(None, description="the offending caption, narration or visible text")
    asset_id: str | None = Field(None, description="product asset id, when an asset is at fault")


class JudgedFinding(BaseModel):
    check: JudgedCheck
    passed: bool
    severity: Literal["info", "minor", "major", "critical"] = "minor"
    score: float | None = Field(None, ge=0.0, le=1.0)
    message: str = ""
    evidence: list[JudgedEvidence] = Field(default_factory=list)


class JudgedReview(BaseModel):
    """The VLM's judgement of one creative."""

    personalization: float | None = Field(None, ge=0.0, le=1.0)
    product_alignment: float | None = Field(None, ge=0.0, le=1.0)
    context_alignment: float | None = Field(None, ge=0.0, le=1.0)
    findings: list[JudgedFinding] = Field(default_factory=list)


@dataclass
class Judgement:
    """Judged findings and component scores, ready to merge with the measured ones."""

    findings: list[Finding] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)


# -- frames --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampledFrame:
    scene: int
    purpose: str
    t_s: float


def sample_times(plan: CreativePlan, spans: Sequence[tuple[float, float]], max_frames: int) -> list[SampledFrame]:
    """Frame times spread over every scene (evenly inside each), at most ``max_frames``.

    Every scene gets a frame while the budget allows; when scenes outnumber the budget,
    evenly spaced scenes are kept (hook and CTA included).
    """
    scenes = plan.storyboard.scenes[: len(spans)]
    if not scenes or max_frames <= 0:
        return []
    if len(scenes) > max_frames:
        picks = sorted({round(i * (len(scenes) - 1) / max(1, max_frames - 1)) for i in range(max_frames)})
        chosen = [(scenes[i], 1) for i in picks]
    else:
        per_scene = max_frames // len(scenes)
        chosen = [(s, per_scene) for s in scenes]
    out = []
    for scene, k in chosen:
        start, end = spans[scene.index] if scene.index < len(spans) else (scene.start_s, scene.end_s)
        out += [SampledFrame(scene.index, scene.purpose, start + (j + 0.5) * (end - start) / k) for j in range(k)]
    return out


def frame_blocks(video_path: str, frames: Sequence[SampledFrame], info: VideoInfo,
                 collage_path: str | None) -> list[dict[str, Any]]:
    """Labelled data-URI image blocks of the sampled frames, then the reference collage."""
    side = get_settings().llm_image_side
    blocks: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="nextads-judge-") as tmp:
        for n, fr in enumerate(frames, start=1):
            try:
                rgb = read_frame(video_path, fr.t_s, max_side=side, info=info)
            except (OSError, ValueError):
                continue  # a frame that cannot be decoded is left out, not fatal
            path = Path(tmp) / f"frame{n}.png"  # lossless here: image_block encodes once
            Image.fromarray(rgb).save(path)
            blocks.append({"type": "text",
                           "text": prompts.FRAME_LABEL.format(number=n, scene=fr.scene, purpose=fr.purpose, t=fr.t_s)})
            blocks.append(image_block(path, side))
    if collage_path and Path(collage_path).is_file():
        blocks.append({"type": "text", "text": prompts.COLLAGE_LABEL})
        blocks.append(image_block(collage_path, side))
    return blocks


# -- the prompt ----------------------------------------------------------------------------


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


def _is_generic(plan: CreativePlan) -> bool:
    return plan.generic or plan.match.generic or plan.profile.generic


def judge_prompt(plan: CreativePlan, product: Product, spans: Sequence[tuple[float, float]]) -> str:
    """The judging prompt: criteria, viewer, storyboard with rendered times, product facts."""
    ctx = plan.context
    generic = _is_generic(plan)
    utility = prompts.UTILITY.format(
        generic_note=prompts.GENERIC_NOTE if generic else "", brand_colors=product.brand_colors or "(none given)",
        duration_s=ctx.duration_s, aspect_ratio=ctx.aspect_ratio, platform=ctx.platform)
    compliance = prompts.COMPLIANCE.format(policies=ctx.policies, competitors=", ".join(product.competitors) or "none")
    viewer = {"generic": True} if generic else {
        "interests": [i.topic for i in plan.profile.interests], "chosen_interest": plan.match.chosen_interest,
        "bridge": plan.match.bridge, "tone": plan.profile.style.tone, "palette": plan.profile.visual.palette,
    }
    board = []
    for s in plan.storyboard.scenes:
        start, end = spans[s.index] if s.index < len(spans) else (s.start_s, s.end_s)
        board.append({"index": s.index, "time": [round(start, 2), round(end, 2)], "purpose": s.purpose,
                      "visual": s.visual, "narration": s.narration, "on_screen_text": s.on_screen_text,
                      "claims": s.claims})
    brief = {"name": product.name, "brand": product.brand, "selling_points": product.selling_points,
             "facts": product.facts, "assets": [f"{a.id} ({a.kind})" for a in product.assets]}
    return prompts.JUDGE.format(utility=utility, compliance=compliance, viewer=_json(viewer),
                                storyboard=_json(board), product=_json(brief))


# -- post-checks -----------------------------------------------------------------------------


def _evidence(items: Sequence[JudgedEvidence], spans: Sequence[tuple[float, float]],
              product: Product) -> list[Evidence]:
    """Evidence pointing at real scenes (time ranges from the rendered spans) and real assets."""
    assets = {a.id for a in product.assets}
    out = []
    for ev in items:
        scene = ev.scene_index if ev.scene_index is not None and 0 <= ev.scene_index < len(spans) else None
        text = (ev.text or "").strip()[:MAX_EVIDENCE_TEXT] or None
        asset = ev.asset_id if ev.asset_id in assets else None
        if scene is None and text is None and asset is None:
            continue  # nothing left that localizes the problem
        start, end = spans[scene] if scene is not None else (None, None)
        out.append(Evidence(scene_index=scene, start_s=start, end_s=end, text=text, asset_id=asset))
    return out


def _severity(track: str, proposed: Severity, passed: bool) -> Severity:
    if passed:
        return "info"
    level = max(_SEVERITY_ORDER.index(proposed), _SEVERITY_ORDER.index("minor"))  # a failure counts
    if track == "utility":
        level = min(level, _SEVERITY_ORDER.index(MAX_UTILITY_SEVERITY))
    return _SEVERITY_ORDER[level]


def judgement_from_review(review: JudgedReview, plan: CreativePlan, product: Product,
                          spans: Sequence[tuple[float, float]]) -> Judgement:
    """Post-checks: fixed check names and tracks, localized evidence, bounded severity."""
    generic = _is_generic(plan)
    findings = []
    for jf in review.findings[:MAX_FINDINGS]:
        if generic and jf.check == "personalization":
            continue  # generic plans are not penalised for being generic
        track, name = JUDGED_CHECKS[jf.check]
        findings.append(Finding(
            check=name, track=track, passed=jf.passed, severity=_severity(track, jf.severity, jf.passed),
            score=jf.score, message=jf.message.strip() or ("judged ok" if jf.passed else f"judged: {jf.check} failed"),
            evidence=_evidence(jf.evidence, spans, product),
        ))
    scores = {k: float(v) for k in JUDGED_SCORES
              if (v := getattr(review, k)) is not None and not (generic and k == "personalization")}
    return Judgement(findings, scores)


def merge_scores(measured: dict[str, float], judged: dict[str, float], weight: float) -> dict[str, float]:
    """Measured component scores blended with the judged ones (``weight`` on the judged side).

    A component only the judge scored takes the judged score; the raw judged scores are kept
    under ``judged.<name>`` so a verdict shows both sides.
    """
    out = dict(measured)
    for k, v in judged.items():
        out[k] = (1.0 - weight) * measured[k] + weight * v if k in measured else v
        out[f"judged.{k}"] = v
    return out


# -- the step ----------------------------------------------------------------------------------


def judge(plan: CreativePlan, creative: Creative, product: Product, *, spans: Sequence[tuple[float, float]],
          info: VideoInfo | None = None, model: Any) -> Judgement:
    """Judged checks of a rendered creative by a VLM; ``StepFallback`` when the model gives up."""
    settings = get_settings()
    info = info or probe(creative.video_path, count_frames=False)
    frames = sample_times(plan, spans, settings.verifier_judge_frames)
    images = frame_blocks(creative.video_path, frames, info, plan.grounding.collage_path)
    content = [{"type": "text", "text": judge_prompt(plan, product, spans)}, *images]
    result = structured_call(model, JudgedReview, [SystemMessage(prompts.SYSTEM), HumanMessage(content=content)],
                             step=STEP)
    if result.value is None:
        raise StepFallback(result.fallback or {"step": STEP, "reason": "no result"})
    return judgement_from_review(result.value, plan, product, spans)


__all__ = ["JUDGED_CHECKS", "JudgedReview", "Judgement", "SOURCE", "STEP", "judge", "judgement_from_review",
           "merge_scores", "sample_times"]
