"""Pydantic models of every NextAds artifact.

These models are the public contract between the Director, Producer, Verifier and
Reflector (and the offline vs. LLM implementations of each step): every step returns
one of these, whatever backend produced it. Graph state stores them as plain JSON
(``model_dump(mode="json")``) so checkpoints stay JSON-native.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = "1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# ---------------------------------------------------------------------------
# Inputs (DESIGN.md §7)
# ---------------------------------------------------------------------------


class Demographics(_Model):
    gender: str | None = None
    age_range: str | None = None
    locale: str | None = None


class HistoryItem(_Model):
    """One note/video the user interacted with. Paths are absolute after loading."""

    id: str
    title: str = ""
    text: str = ""
    images: list[str] = Field(default_factory=list)
    cover: str | None = None
    video: str | None = None
    timestamp: str | None = None


class UserData(_Model):
    user_id: str
    demographics: Demographics = Field(default_factory=Demographics)
    history: list[HistoryItem] = Field(default_factory=list)


class License(_Model):
    holder: str
    platforms: list[str] = Field(default_factory=lambda: ["*"])
    expires: date | None = None
    territories: list[str] = Field(default_factory=lambda: ["*"])

    def valid_for(self, platform: str, on: date) -> bool:
        platform_ok = "*" in self.platforms or platform in self.platforms
        return platform_ok and (self.expires is None or on <= self.expires)


AssetKind = Literal["image", "logo", "video", "audio", "music", "font"]


class Asset(_Model):
    id: str
    kind: AssetKind = "image"
    path: str
    license: License | None = None
    description: str = ""


class Product(_Model):
    product_id: str
    name: str
    brand: str = ""
    category: str = ""
    slogan: str = ""
    intro: str = ""
    details: str = ""
    selling_points: list[str] = Field(default_factory=list)
    facts: dict[str, str] = Field(default_factory=dict)
    assets: list[Asset] = Field(default_factory=list)
    # Brand colours (hex) used to harmonise the creative's palette with the user's.
    brand_colors: list[str] = Field(default_factory=list)
    # Competing brands: never used as a bridge to this product, never shown.
    competitors: list[str] = Field(default_factory=list)

    @field_validator("facts", mode="before")
    @classmethod
    def _facts_as_text(cls, v: Any) -> Any:
        # Facts are quoted verbatim in creatives; accept numbers and say them as written.
        if isinstance(v, dict):
            return {k: (str(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else x) for k, x in v.items()}
        return v

    def asset(self, asset_id: str) -> Asset | None:
        return next((a for a in self.assets if a.id == asset_id), None)


AspectRatio = str  # "W:H", validated by ServingContext


class ServingContext(_Model):
    platform: str = "short-video-feed"
    aspect_ratio: AspectRatio = "9:16"
    duration_s: float = 15.0
    resolution: tuple[int, int] | None = None  # (width, height); derived from aspect if absent
    fps: int = 24
    locale: str = "en-US"
    policies: list[str] = Field(default_factory=lambda: ["default"])
    serve_date: date | None = None  # licence checks use this date (default: today)

    @field_validator("aspect_ratio")
    @classmethod
    def _aspect(cls, v: str) -> str:
        try:
            w, h = (int(x) for x in v.split(":"))
        except ValueError as exc:  # noqa: PERF203
            raise ValueError("must look like 'W:H', e.g. '9:16'") from exc
        if w <= 0 or h <= 0:
            raise ValueError("both sides of the aspect ratio must be positive")
        return v

    @field_validator("duration_s")
    @classmethod
    def _duration(cls, v: float) -> float:
        if not 1.0 <= v <= 180.0:
            raise ValueError("must be between 1 and 180 seconds")
        return v

    @field_validator("fps")
    @classmethod
    def _fps(cls, v: int) -> int:
        if not 1 <= v <= 120:
            raise ValueError("must be between 1 and 120")
        return v

    @field_validator("resolution")
    @classmethod
    def _res(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is not None and (v[0] < 16 or v[1] < 16 or v[0] > 4096 or v[1] > 4096):
            raise ValueError("width and height must be between 16 and 4096")
        return v

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), even numbers (x264 needs them)."""
        if self.resolution is not None:
            w, h = self.resolution
        else:
            aw, ah = (int(x) for x in self.aspect_ratio.split(":"))
            # 720 on the short side, like the paper's outputs.
            if aw <= ah:
                w, h = 720, round(720 * ah / aw)
            else:
                w, h = round(720 * aw / ah), 720
        return w - w % 2, h - h % 2

    @property
    def language(self) -> str:
        return self.locale.split("-")[0].lower()

    @property
    def today(self) -> date:
        return self.serve_date or date.today()


# ---------------------------------------------------------------------------
# Director artifacts
# ---------------------------------------------------------------------------


class Interest(_Model):
    topic: str
    weight: float = Field(ge=0.0, le=1.0)
    tier: Literal["strong", "medium", "weak"] = "weak"
    keywords: list[str] = Field(default_factory=list)
    summary: str = ""
    evidence: list[str] = Field(default_factory=list)  # history item ids
    # Share of this theme's items that mention each brand: a brand is central to the
    # interest (a brand fandom, not a category interest) when its share is high.
    brand_share: dict[str, float] = Field(default_factory=dict)


class PresentationStyle(_Model):
    tone: Literal["energetic", "calm", "playful", "warm", "premium", "informative"] = "warm"
    narrative_form: Literal[
        "problem_solution", "day_in_life", "showcase", "testimonial", "listicle", "story"
    ] = "showcase"
    pacing: Literal["fast", "medium", "slow"] = "medium"
    information_density: Literal["low", "medium", "high"] = "medium"


class VisualElement(_Model):
    description: str
    source: str  # path of the history image it came from
    item_id: str


class VisualPreferences(_Model):
    palette: list[str] = Field(default_factory=list)  # hex colours, most preferred first
    warmth: Literal["warm", "cool", "neutral"] = "neutral"
    lighting: Literal["bright", "soft", "dim", "high_contrast"] = "soft"
    texture: Literal["smooth", "detailed", "grainy"] = "smooth"
    artistic_style: Literal["minimal", "vibrant", "natural", "retro", "luxury", "cute"] = "natural"
    saturation: float = Field(0.5, ge=0.0, le=1.0)
    brightness: float = Field(0.5, ge=0.0, le=1.0)
    elements: list[VisualElement] = Field(default_factory=list)


class UserProfile(_Model):
    user_id: str
    age_range: str | None = None
    gender: str | None = None
    locale: str | None = None
    summary: str = ""
    interests: list[Interest] = Field(default_factory=list)
    style: PresentationStyle = Field(default_factory=PresentationStyle)
    implicit_needs: list[str] = Field(default_factory=list)
    decision_tendencies: list[
        Literal["price_sensitive", "quality_oriented", "brand_loyal", "novelty_seeking",
                "convenience_seeking", "eco_conscious", "social_proof"]
    ] = Field(default_factory=list)
    visual: VisualPreferences = Field(default_factory=VisualPreferences)
    # Brands seen in the history (used by matching to avoid competitor bridges).
    mentioned_brands: list[str] = Field(default_factory=list)
    # Sensitive topics detected and deliberately kept out of creative-facing fields
    # (only the category name is kept, never the evidence).
    withheld_sensitive: list[str] = Field(default_factory=list)
    generic: bool = False  # True for the GenericAds baseline / no user data
    source: str = "offline"


class FacetScore(_Model):
    facet: str  # a selling point or fact key of the product
    score: float = Field(ge=0.0, le=1.0)
    reason: str = ""


class InterestScore(_Model):
    topic: str
    score: float = Field(ge=0.0, le=1.0)
    scenario: str = ""  # a usage scenario bridging this interest to the product


class MatchResult(_Model):
    compatibility: float = Field(ge=0.0, le=1.0)
    threshold: float = Field(ge=0.0, le=1.0)
    facets: list[FacetScore] = Field(default_factory=list)  # ranked for this user
    interests: list[InterestScore] = Field(default_factory=list)  # ranked for this product
    chosen_interest: str | None = None
    chosen_facet: str | None = None
    bridge: str = ""  # one sentence: why this product fits this user's interest
    generic: bool = False  # below threshold → generic (non-personalised) creative
    excluded_interests: list[str] = Field(default_factory=list)
    rationale: str = ""
    source: str = "offline"


ScenePurpose = Literal["hook", "body", "proof", "cta"]
CameraMotion = Literal["static", "push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down"]
Transition = Literal["cut", "fade", "slide", "zoom"]


class Scene(_Model):
    index: int = Field(ge=0)
    start_s: float = Field(ge=0.0)
    duration_s: float = Field(gt=0.0)
    purpose: ScenePurpose
    visual: str
    camera: CameraMotion = "static"
    narration: str = ""
    on_screen_text: str = ""
    asset_refs: list[str] = Field(default_factory=list)  # product asset ids / "collage" / "cue:<n>"
    transition: Transition = "cut"  # transition INTO this scene
    claims: list[str] = Field(default_factory=list)  # selling points / fact keys stated here

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


class Storyboard(_Model):
    scenes: list[Scene]
    target_duration_s: float
    hook_type: Literal["question", "bold_claim", "scenario", "pov", "curiosity", "problem"] = "scenario"
    narrative_form: str = "showcase"
    template: Literal["energetic", "calm", "playful"] = "calm"
    locale: str = "en-US"
    cta: str = ""
    title: str = ""
    source: str = "offline"

    @model_validator(mode="after")
    def _timeline(self) -> Storyboard:
        if not self.scenes:
            raise ValueError("a storyboard needs at least one scene")
        t = 0.0
        for i, s in enumerate(self.scenes):
            if s.index != i:
                raise ValueError(f"scene {i} has index {s.index}")
            if abs(s.start_s - t) > 1e-3:
                raise ValueError(f"scene {i} starts at {s.start_s}s, expected {t:.3f}s")
            t += s.duration_s
        if abs(t - self.target_duration_s) > 0.05:
            raise ValueError(f"scene durations sum to {t:.2f}s, target is {self.target_duration_s}s")
        return self

    def scenes_in(self, start_s: float, end_s: float) -> list[int]:
        """Indices of scenes overlapping [start_s, end_s)."""
        return [s.index for s in self.scenes if s.start_s < end_s and s.end_s > start_s]


class SceneBinding(_Model):
    scene_index: int
    asset_ids: list[str] = Field(default_factory=list)  # licensed product assets shown
    cue_ids: list[str] = Field(default_factory=list)  # user-preferred visual cues shown


class VisualCue(_Model):
    id: str
    description: str
    source: str  # path of the image the cue was cropped/derived from
    path: str  # path of the prepared cue image


class Grounding(_Model):
    bindings: list[SceneBinding] = Field(default_factory=list)
    cues: list[VisualCue] = Field(default_factory=list)
    palette: list[str] = Field(default_factory=list)  # harmonised creative palette (hex)
    collage_path: str | None = None
    # Constraints the Verifier checks: e.g. "asset:hero visible in scenes 1,2",
    # "logo on end card", "claims ⊆ facts".
    constraints: list[str] = Field(default_factory=list)
    rejected_assets: dict[str, str] = Field(default_factory=dict)  # asset id -> reason
    source: str = "offline"


# ---------------------------------------------------------------------------
# PCI: the host video and the integration decision
# ---------------------------------------------------------------------------


class Shot(_Model):
    index: int = Field(ge=0)
    start_s: float = Field(ge=0.0)
    end_s: float = Field(gt=0.0)


class TextRegion(_Model):
    """Burned-in text seen in the host (subtitles, overlays): a box in frame fractions."""

    x: float = Field(ge=0.0, le=1.0)
    y: float = Field(ge=0.0, le=1.0)
    w: float = Field(ge=0.0, le=1.0)
    h: float = Field(ge=0.0, le=1.0)
    text: str = ""
    first_s: float = Field(0.0, ge=0.0)  # first and last sampled second it was seen
    last_s: float = Field(0.0, ge=0.0)
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    # subtitle: lower part of the frame, text changing over time (a frozen frame must not
    # carry it); overlay: static text (HUD, watermark, logo); scene: text in the picture.
    # Unclassified regions count as subtitles, the cautious reading.
    kind: Literal["subtitle", "overlay", "scene"] = "subtitle"

    def overlaps(self, box: tuple[float, float, float, float]) -> bool:
        """Does this region intersect `box` = (x, y, w, h) in frame fractions?"""
        x, y, w, h = box
        return self.x < x + w and x < self.x + self.w and self.y < y + h and y < self.y + self.h


class HostSummary(_Model):
    """What the Director knows of the video the ad is woven into (summarize_host)."""

    video_path: str
    width: int
    height: int
    fps: float
    duration_s: float
    frames: int
    has_audio: bool = False
    title: str = ""
    topic: str = ""  # a few words
    keywords: list[str] = Field(default_factory=list)
    content: str = ""  # one or two sentences
    ocr_text: list[str] = Field(default_factory=list)  # distinct burned-in lines, in order seen
    # Visual style of the host (the segment follows it).
    palette: list[str] = Field(default_factory=list)  # hex, dominant first
    brightness: float = Field(0.5, ge=0.0, le=1.0)
    saturation: float = Field(0.5, ge=0.0, le=1.0)
    warmth: Literal["warm", "cool", "neutral"] = "neutral"
    pacing: Literal["fast", "medium", "slow"] = "medium"
    audio_character: str = ""  # e.g. "quiet", "speech", "music", "loud and busy"
    shots: list[Shot] = Field(default_factory=list)
    # Per whole second of the host, each normalised to [0, 1].
    motion: list[float] = Field(default_factory=list)
    audio_energy: list[float] = Field(default_factory=list)
    energy: list[float] = Field(default_factory=list)  # combined (motion and audio)
    climax_s: float = 0.0  # start of the second where motion and audio peak together
    text_regions: list[TextRegion] = Field(default_factory=list)
    source: str = "offline"

    @property
    def shot_boundaries(self) -> list[float]:
        return [s.start_s for s in self.shots[1:]]

    def text_at(self, t_s: float) -> list[TextRegion]:
        """Burned-in text regions visible at (the sampled second around) t_s."""
        return [r for r in self.text_regions if r.first_s - 0.5 <= t_s <= r.last_s + 1.0]


class IntegrationCandidate(_Model):
    time_s: float = Field(ge=0.0)
    frame_index: int = Field(ge=0)
    kind: Literal["shot_boundary", "calm"]
    score: float = 0.0
    energy: float = Field(0.0, ge=0.0, le=1.0)
    chosen: bool = False
    reasons: list[str] = Field(default_factory=list)  # why it won, or why it lost


class IntegrationDecision(_Model):
    """Where the segment goes into the host (decide_integration)."""

    point_s: float = Field(ge=0.0)  # the cut: host time where the segment starts
    frame_index: int = Field(ge=0)  # host frame shown just before the cut (the start frame)
    kind: Literal["shot_boundary", "calm"]
    rationale: str
    candidates: list[IntegrationCandidate] = Field(default_factory=list)
    start_frame_path: str | None = None  # PNG of the start frame (storyboard, collage, compositor)
    excluded_points: list[float] = Field(default_factory=list)  # points directives moved away from
    source: str = "offline"


# ---------------------------------------------------------------------------
# Campaigns (DESIGN.md §3): what the next impression's creative should try
# ---------------------------------------------------------------------------

CampaignStage = Literal["hook", "information", "proof", "conversion"]


class CreativeBrief(_Model):
    """A campaign's ask for one impression's creative (progressive storytelling and the
    exploration policy's chosen hypotheses). Every field is optional: unset = the Director's
    own choice. The Director honours it in match_product (facet) and write_storyboard."""

    impression: int = Field(0, ge=0)
    stage: CampaignStage | None = None  # light native hook → product information → proof → conversion
    hook_type: str | None = None
    narrative_form: str | None = None
    facet: str | None = None  # the selling point / fact key to lead with
    template: Literal["energetic", "calm", "playful"] | None = None  # visual style
    avoid_claims: list[str] = Field(default_factory=list)  # claims of the previous impression
    policy: str = ""  # which policy chose it ("thompson", "static", "random", ...)


class CreativePlan(_Model):
    schema_version: str = SCHEMA_VERSION
    task: Literal["pcg", "pci"] = "pcg"
    user_id: str
    product_id: str
    context: ServingContext
    profile: UserProfile
    match: MatchResult
    storyboard: Storyboard
    grounding: Grounding
    generic: bool = False
    # PCI only: the host video and where the segment goes.
    host: HostSummary | None = None
    integration: IntegrationDecision | None = None
    brief: CreativeBrief | None = None  # campaigns: what this impression's creative was asked to try

    def digest(self) -> str:
        """Stable hash of the plan (provenance; change detection for edits)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------
# Producer artifacts
# ---------------------------------------------------------------------------


class RenderedScene(_Model):
    index: int
    start_s: float
    end_s: float
    frames: int
    digest: str  # hash of the scene's inputs: unchanged digest → segment reused as-is
    path: str  # the scene's encoded segment


class Creative(_Model):
    video_path: str
    plan_digest: str
    backend: str = "compositor"
    width: int
    height: int
    fps: int
    duration_s: float
    frames: int
    scenes: list[RenderedScene] = Field(default_factory=list)
    has_audio: bool = False
    narration: Literal["piper", "silent"] = "silent"
    label: str = "AI Created"
    rerendered: list[int] = Field(default_factory=list)  # scenes rendered in the last pass
    warnings: list[str] = Field(default_factory=list)
    integrated: IntegratedVideo | None = None  # PCI: the host with the segment spliced in


class IntegratedVideo(_Model):
    """PCI: host[0, point) + segment + host[point, end), with host audio faded around it."""

    path: str
    host_path: str
    point_s: float  # host time of the cut
    segment_start_s: float  # where the segment plays in the integrated video (= point_s, frame-rounded)
    segment_end_s: float
    duration_s: float  # host + segment
    fps: float
    frames: int
    fade_s: float  # host audio fade out before / fade in after the segment


# ---------------------------------------------------------------------------
# Verifier and Reflector artifacts
# ---------------------------------------------------------------------------


class Evidence(_Model):
    scene_index: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    text: str | None = None
    asset_id: str | None = None


Severity = Literal["info", "minor", "major", "critical"]


class Finding(_Model):
    check: str  # e.g. "utility.motion_smoothness", "compliance.privacy"
    track: Literal["utility", "compliance"]
    passed: bool
    severity: Severity = "info"
    score: float | None = None
    message: str = ""
    evidence: list[Evidence] = Field(default_factory=list)


class Verdict(_Model):
    decision: Literal["accept", "revise", "reject"]
    utility: float = Field(ge=0.0, le=1.0)  # aggregate utility score
    compliance_passed: bool
    scores: dict[str, float] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    round: int = 0
    source: str = "offline"
    # LLM parts of this verification that gave up (the judged checks were skipped and the
    # verdict rests on the measured checks alone): {"step", "reason", "attempts", "model", ...}.
    fallbacks: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if not f.passed]


DirectiveTarget = Literal["model_user", "decide_integration", "match_product", "write_storyboard", "ground_assets",
                          "producer"]


class RevisionDirective(_Model):
    """A minimal revision routed to the smallest responsible step."""

    target: DirectiveTarget
    level: Literal["plan", "execution"]
    scope: list[int] = Field(default_factory=list)  # scene indices affected ([] = whole step)
    time_range: tuple[float, float] | None = None
    instruction: str
    reason: str
    cost: float = Field(0.0, ge=0.0)  # relative cost estimate (1.0 = full re-generation)
    # Machine-readable parameters the offline steps act on.
    exclude_interests: list[str] = Field(default_factory=list)
    exclude_topics: list[str] = Field(default_factory=list)  # model_user: drop from profile
    exclude_facets: list[str] = Field(default_factory=list)
    exclude_points: list[float] = Field(default_factory=list)  # decide_integration: move away from these (s)
    remove_text: list[str] = Field(default_factory=list)  # phrases to drop / reword
    edit: Literal["rerender", "recaption", "retime", "trim"] | None = None
    hook_type: str | None = None
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    source: str = "offline"


class Feedback(_Model):
    impression_id: str
    user_id: str | None = None
    watch_time_s: float = Field(0.0, ge=0.0)
    duration_s: float | None = None
    skip_time_s: float | None = None
    replays: int = Field(0, ge=0)
    like: bool = False
    click: bool = False
    conversion: bool = False


class Provenance(_Model):
    label: str = "AI Created"
    generator: str = "NextAds"
    plan_digest: str
    backends: dict[str, str] = Field(default_factory=dict)
    decision: str
    rounds: int
    created_at: str
    extra: dict[str, Any] = Field(default_factory=dict)
