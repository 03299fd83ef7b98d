"""The benchmark judges' shared vocabulary: criteria, their aspects, the 0-10 score bands.

Both judges (the VLM judge in ``vlm.py`` and the offline proxy in ``proxy.py``) score the
paper's five criteria on the same 0-10 scale with the same bands, and both take the same
input, a :class:`JudgedCreative`. Everything they share lives here so a reader can see in
one place what a "7 on product alignment" means, whichever judge gave it.

- presentation — personalization of presentation: tone, lighting, texture, artistic style;
- content — personalization of content: subject, scene, information angle, appeal;
- product_alignment — identity, brand elements, selling points and facts;
- integration (PCI only) — flow, thematic consistency, disruption, narrative integration;
- diversity — across one user's creatives: visual style, narrative form, subject and scenes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from nextads.schemas import CreativePlan, HostSummary, Product, UserData, Verdict

SCORE_MIN = 0.0
SCORE_MAX = 10.0
# Paper rule (DESIGN.md §9): a user with fewer than two creatives gets full diversity.
SINGLE_CREATIVE_DIVERSITY = SCORE_MAX
MIN_CREATIVES_FOR_DIVERSITY = 2
PROXY_PREFIX = "proxy:"  # every proxy reason starts with this, so no table mistakes it for a VLM's

Task = Literal["pcg", "pci"]


class JudgeScore(BaseModel):
    """One criterion's judgement: a score on the shared 0-10 bands and why."""

    score: float = Field(ge=SCORE_MIN, le=SCORE_MAX, description="0-10 on the score bands given in the prompt")
    reason: str = Field(description="one or two sentences naming what in the ad earned the score")


# ---------------------------------------------------------------------------- criteria


@dataclass(frozen=True)
class Criterion:
    """One judged criterion: its key, the Table 1 column it feeds, the question and its aspects."""

    key: str
    title: str  # the paper's Table 1 column
    question: str
    aspects: tuple[str, ...]


PRESENTATION = Criterion(
    key="presentation",
    title="Personalization: Presentation",
    question="Does the ad's look and feel match how this viewer likes things presented?",
    aspects=("tone (energetic, calm, playful, warm, premium, informative)",
             "lighting (bright, soft, dim, high contrast)",
             "texture (smooth, detailed, grainy)",
             "artistic style and palette (minimal, vibrant, natural, retro, luxury, cute)"),
)
CONTENT = Criterion(
    key="content",
    title="Personalization: Content",
    question="Does what the ad shows and says speak to this viewer's interests and needs?",
    aspects=("subject: people, activities and objects the viewer cares about",
             "scene: settings and situations from the viewer's world",
             "information angle: which product benefit is told, at the depth the viewer likes",
             "appeal: the motivation used (price, quality, novelty, convenience, social proof)"),
)
PRODUCT_ALIGNMENT = Criterion(
    key="product_alignment",
    title="Product Alignment",
    question="Is the product shown and described faithfully and recognisably?",
    aspects=("identity: the product looks like the licensed product images (shape, colour, packaging)",
             "brand elements: brand name, logo or brand colours present, at least at the end",
             "selling points and facts: stated correctly, and nothing stated beyond the verified facts"),
)
INTEGRATION = Criterion(
    key="integration",
    title="Integration Quality",
    question="Does the ad segment sit naturally inside the host video?",
    aspects=("flow: the segment leaves from and returns to the host picture without a jarring jump",
             "thematic consistency: the segment fits what the host video is about",
             "disruption: it does not cut into a climax, a sentence or burned-in subtitles",
             "narrative integration: it reads as part of the host's story, not a foreign insert"),
)
DIVERSITY = Criterion(
    key="diversity",
    title="Diversity",
    question="Across all ads made for this one viewer, how varied are they?",
    aspects=("visual style: palette, lighting, template",
             "narrative form: hook type and story structure",
             "subject and scenes: what is shown and where"),
)

CRITERIA = ("presentation", "content", "product_alignment", "integration")  # judged per creative
PCG_CRITERIA = CRITERIA[:3]  # integration is PCI only
PERSONALIZATION = ("presentation", "content")
BY_KEY: dict[str, Criterion] = {c.key: c for c in (PRESENTATION, CONTENT, PRODUCT_ALIGNMENT, INTEGRATION, DIVERSITY)}


def criteria_for(task: Task) -> tuple[str, ...]:
    """The per-creative criteria judged for a task."""
    return CRITERIA if task == "pci" else PCG_CRITERIA


# ---------------------------------------------------------------------------- score bands


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str
    meaning: str


SCORE_BANDS: tuple[Band, ...] = (
    Band(0.0, 2.0, "absent", "the criterion is not met at all, or the ad works against it"),
    Band(2.0, 4.0, "weak", "a trace of it, generic or contradicted elsewhere in the ad"),
    Band(4.0, 6.0, "partial", "met in places; a viewer would notice it only in part"),
    Band(6.0, 8.0, "clear", "met clearly through most of the ad, with minor gaps"),
    Band(8.0, 10.0, "excellent", "met throughout, specifically and convincingly; nothing to fix"),
)


def band_of(score: float) -> Band:
    """The band a 0-10 score falls in (a boundary score belongs to the upper band)."""
    s = min(max(float(score), SCORE_MIN), SCORE_MAX)
    return next(b for b in reversed(SCORE_BANDS) if s >= b.low)


def bands_text() -> str:
    """The score bands as prompt text."""
    return "\n".join(f"- {b.low:g}-{b.high:g} {b.label}: {b.meaning}" for b in SCORE_BANDS)


def to_score(unit: float) -> float:
    """A [0, 1] measurement on the 0-10 scale (one decimal: finer digits would be noise)."""
    return round(min(max(float(unit), 0.0), 1.0) * SCORE_MAX, 1)


def proxy_score(unit: float, reason: str) -> JudgeScore:
    """A proxy JudgeScore: the scaled measurement, its band, and a reason starting 'proxy:'."""
    score = to_score(unit)
    return JudgeScore(score=score, reason=f"{PROXY_PREFIX} {band_of(score).label}; {reason}")


# ---------------------------------------------------------------------------- the judged item


@dataclass
class JudgedCreative:
    """One creative as the judges see it.

    ``video_path`` is the creative (PCG) or the integrated host video (PCI);
    ``segment_path`` is the PCI ad segment alone. ``user`` is the viewer the creative is
    judged for (None: no viewer data). ``verdict`` is the system's own Verifier verdict
    when available; the proxy judge uses only its measured product checks.
    """

    pair_id: str
    task: Task
    plan: CreativePlan
    video_path: str
    segment_path: str | None
    user: UserData | None
    product: Product
    host: HostSummary | None = None
    verdict: Verdict | None = None

    @property
    def ad_path(self) -> str:
        """The ad itself: the PCI segment when there is one, else the video."""
        return self.segment_path or self.video_path

    @property
    def generic(self) -> bool:
        return self.plan.generic or self.plan.match.generic or self.plan.profile.generic


def judged_from_folder(folder: str | Path, *, pair_id: str, user: UserData | None, product: Product,
                       host: HostSummary | None = None) -> JudgedCreative:
    """A JudgedCreative from a run's output folder (plan.json, verdict.json, the videos).

    Raises FileNotFoundError when the folder holds no finalized creative.
    """
    folder = Path(folder)
    plan = CreativePlan.model_validate_json((folder / "plan.json").read_text())
    verdict_file = folder / "verdict.json"
    verdict = Verdict.model_validate_json(verdict_file.read_text()) if verdict_file.is_file() else None
    if plan.task == "pci":
        video, segment = folder / "integrated.mp4", folder / "segment.mp4"
        if not segment.is_file():
            raise FileNotFoundError(segment)
    else:
        video, segment = folder / "creative.mp4", None
    if not video.is_file():
        raise FileNotFoundError(video)
    return JudgedCreative(pair_id=pair_id, task=plan.task, plan=plan, video_path=str(video),
                          segment_path=str(segment) if segment else None, user=user, product=product,
                          host=host or plan.host, verdict=verdict)


@runtime_checkable
class Judge(Protocol):
    """A benchmark judge: scores creatives on the shared criteria and bands."""

    name: str
    kind: Literal["vlm", "proxy"]

    def judge(self, item: JudgedCreative) -> dict[str, JudgeScore]:
        """presentation, content, product_alignment (and integration for PCI)."""
        ...

    def judge_diversity(self, items: Sequence[JudgedCreative]) -> JudgeScore:
        """One user's creatives together; fewer than two -> SINGLE_CREATIVE_DIVERSITY."""
        ...


def single_creative_diversity(kind: Literal["vlm", "proxy"]) -> JudgeScore:
    """The paper's rule for a user with fewer than two creatives."""
    prefix = f"{PROXY_PREFIX} " if kind == "proxy" else ""
    return JudgeScore(score=SINGLE_CREATIVE_DIVERSITY,
                      reason=f"{prefix}fewer than two creatives for this user: diversity is {SINGLE_CREATIVE_DIVERSITY:g} "
                             "by the paper's rule")


__all__ = [
    "BY_KEY", "CRITERIA", "Criterion", "DIVERSITY", "Judge", "JudgeScore", "JudgedCreative", "PCG_CRITERIA",
    "PERSONALIZATION", "PROXY_PREFIX", "SCORE_BANDS", "SCORE_MAX", "SCORE_MIN", "SINGLE_CREATIVE_DIVERSITY",
    "Band", "band_of", "bands_text", "criteria_for", "judged_from_folder", "proxy_score", "single_creative_diversity",
    "to_score",
]
