"""Director steps backed by an LLM/VLM (DESIGN.md §2, §5).

Same signatures and return models as the offline steps (docs/ARCHITECTURE.md), plus a
keyword-only ``model`` (a LangChain chat model). The model *proposes* through structured
output (small proposal schemas below); deterministic post-checks keep the invariants the
offline steps guarantee:

- model_user: evidence ids exist, sensitive text never reaches creative-facing fields
  (lexicon check, only the category is kept), excluded topics are dropped;
- match_product: facets and interests are the product's / profile's own, competitor-centred
  and excluded interests are removed, the compatibility threshold decides generic;
- write_storyboard: hook first and CTA last, durations re-normalised to the target, text
  within the word limits, claims only from the facts, no unverified numbers or competitor
  names, asset references only to real assets and cues; a revision rewrites only its scenes;
  PCI (host + integration): the offline storyboard's ``enforce_integration`` frame rules
  (opening from ``host:start``, return to it, no CTA), whatever the model wrote;
- ground_assets: the offline grounding binds licensed assets and builds the collage; the
  VLM only ranks the user's visual cues after looking at them;
- summarize_host (PCI): the offline analysis measures shots, energy, the climax, burned-in
  text and palette; the VLM, looking at frames sampled over the first 30 s, names the topic,
  keywords and describes the content (the measurements are never the model's);
- decide_integration (PCI): the offline rules rule out edges, the climax, high-energy seconds
  and sampled subtitles; the VLM chooses among the admissible candidates by the paper's three
  criteria (story pause, bridge to the product, emotional fit), looking at each start frame;
  the offline OCR check of the chosen frame still applies.

When the model gives up (``structured_call`` returns a fallback marker) these functions raise
``StepFallback``; ``agents.llm_dispatch`` then runs the offline step and records the marker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from agents.director import grounding as offline_grounding
from agents.director import host as offline_host
from agents.director import integration as offline_integration
from agents.director.matching import _brand_central, _competitors, _interest_text, lead_with_brief_facet, product_facets
from agents.director.profile import recent_items, sensitive_categories
from agents.director.storyboard import (
    ARC_SCENES,
    HOOK_TYPES,
    HOST_FRAME_REF,
    MAX_HOOK_CUES,
    MAX_NARRATION_WORDS,
    MAX_ON_SCREEN_WORDS,
    NARRATIVE_FORMS,
    Blocklist,
    choose_template,
    cue_ids,
    cue_ref,
    enforce_integration,
    host_shot_s,
    is_price,
    is_segment,
    numbers_in,
    revisable_scenes,
    segment_pacing,
    segment_template,
    storyboard_timeline,
    truncate_words,
    verified_numbers,
)
from agents.prompts import director as prompts
from nextads.providers.chat import HISTORY_CLOSE, HISTORY_OPEN, image_block, picture_block
from nextads.providers.structured import structured_call
from nextads.schemas import (
    CameraMotion,
    CreativeBrief,
    Grounding,
    HostSummary,
    IntegrationDecision,
    Interest,
    InterestScore,
    FacetScore,
    MatchResult,
    PresentationStyle,
    Product,
    RevisionDirective,
    Scene,
    ScenePurpose,
    ServingContext,
    Storyboard,
    Transition,
    UserData,
    UserProfile,
    VisualElement,
    VisualPreferences,
)
from nextads.settings import get_settings
from tools.media.probe import read_frame

SOURCE = "llm"
MAX_INTERESTS = 5
MAX_ITEM_CHARS = 400  # history text per item sent to the model
TIME_QUANTUM_S = 0.1  # scene lengths are multiples of 0.1 s, like the offline storyboard
MAX_GROUNDING_CUES = 6  # cue images shown to the VLM
HOST_LOOK_S = 30.0  # the paper samples the host over its first 30 s
MAX_TOPIC_WORDS = 6
MAX_HOST_KEYWORDS = 8
MAX_CONTENT_WORDS = 60
MAX_INTEGRATION_CHOICES = 6  # admissible candidates (and start frames) shown to the VLM
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_TIERS = ("strong", "medium", "weak")


class StepFallback(Exception):
    """The LLM gave up on a step; ``marker`` says why (recorded in run.json)."""

    def __init__(self, marker: dict[str, Any]):
        self.marker = marker
        super().__init__(marker.get("reason", "LLM step failed"))


# -- proposal schemas: what the model fills in ---------------------------------------


class InterestProposal(BaseModel):
    topic: str
    weight: float = Field(ge=0.0, le=1.0)
    tier: Literal["strong", "medium", "weak"] = "weak"
    keywords: list[str] = Field(default_factory=list)
    summary: str = ""
    evidence: list[str] = Field(default_factory=list, description="history item ids")


class ProfileProposal(BaseModel):
    """A user's profile as the model sees it (sensitive topics withheld by category only)."""

    summary: str = ""
    interests: list[InterestProposal] = Field(default_factory=list)
    style: PresentationStyle = Field(default_factory=PresentationStyle)
    implicit_needs: list[str] = Field(default_factory=list)
    decision_tendencies: list[str] = Field(default_factory=list)
    palette: list[str] = Field(default_factory=list, description="hex colours like #aabbcc")
    warmth: Literal["warm", "cool", "neutral"] = "neutral"
    lighting: Literal["bright", "soft", "dim", "high_contrast"] = "soft"
    texture: Literal["smooth", "detailed", "grainy"] = "smooth"
    artistic_style: Literal["minimal", "vibrant", "natural", "retro", "luxury", "cute"] = "natural"
    preferred_items: list[str] = Field(default_factory=list, description="ids of history items whose images the user likes")
    mentioned_brands: list[str] = Field(default_factory=list)
    withheld_sensitive: list[str] = Field(default_factory=list)


class MatchProposal(BaseModel):
    """Bidirectional user-product matching."""

    facets: list[FacetScore] = Field(default_factory=list)
    interests: list[InterestScore] = Field(default_factory=list)
    compatibility: float = Field(ge=0.0, le=1.0)
    chosen_interest: str | None = None
    chosen_facet: str | None = None
    bridge: str = ""
    rationale: str = ""


class SceneProposal(BaseModel):
    index: int = Field(ge=0)
    duration_s: float = Field(gt=0.0)
    purpose: ScenePurpose
    visual: str
    camera: CameraMotion = "static"
    narration: str = ""
    on_screen_text: str = ""
    asset_refs: list[str] = Field(default_factory=list)
    transition: Transition = "cut"
    claims: list[str] = Field(default_factory=list)


class StoryboardProposal(BaseModel):
    """A scene-level script (a revision returns only the rewritten scenes)."""

    scenes: list[SceneProposal]
    hook_type: Literal["question", "bold_claim", "scenario", "pov", "curiosity", "problem"] = "scenario"
    narrative_form: str = "showcase"
    cta: str = ""
    title: str = ""


class GroundingProposal(BaseModel):
    """The user's visual cues that fit this ad, best first."""

    cue_ids: list[str] = Field(default_factory=list)
    rationale: str = ""


# -- shared helpers --------------------------------------------------------------------


def pci_kwargs(host: HostSummary | None, integration: IntegrationDecision | None) -> dict[str, Any]:
    """The PCI keyword arguments that are set: a PCG call keeps its PCG shape."""
    return {k: v for k, v in (("host", host), ("integration", integration)) if v is not None}


def _ask(model: Any, schema: type[BaseModel], prompt: str, images: Sequence[dict[str, Any]], step: str) -> Any:
    """One structured call with the system prompt and image blocks; StepFallback on give-up."""
    content: list[dict[str, Any]] = [{"type": "text", "text": prompt}, *images]
    result = structured_call(model, schema, [SystemMessage(prompts.SYSTEM), HumanMessage(content=content)], step=step)
    if result.value is None:
        raise StepFallback(result.fallback or {"step": step, "reason": "no result"})
    return result.value


def _images(paths: Sequence[str]) -> list[dict[str, Any]]:
    """Data-URI blocks of the first readable images, at most ``llm_max_images``."""
    settings = get_settings()
    blocks = []
    for p in paths:
        if len(blocks) >= settings.llm_max_images:
            break
        try:
            blocks.append(image_block(p, settings.llm_image_side))
        except (OSError, ValueError):
            continue  # an unreadable image is skipped, not fatal
    return blocks


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


def _product_brief(product: Product, exclude: Sequence[str] = ()) -> dict[str, Any]:
    """What the model is told about the product, minus the facets left out in this run."""
    out = {e.strip().lower() for e in exclude}
    return {"name": product.name, "brand": product.brand, "category": product.category, "slogan": product.slogan,
            "intro": product.intro, "selling_points": [p for p in product.selling_points if p.lower() not in out],
            "facts": {k: v for k, v in product.facts.items() if k.lower() not in out}}


class HostProposal(BaseModel):
    topic: str = Field(description="what the host video is about, at most 6 words")
    keywords: list[str] = Field(default_factory=list, description="up to 8 subject/setting/activity words")
    content: str = Field(description="one or two sentences: what happens, how it looks and feels")


class IntegrationProposal(BaseModel):
    candidate: int = Field(description="index of the chosen candidate in the list")
    story_pause: str = Field(description="why the story can pause here")
    bridge: str = Field(description="how this moment leads to the product")
    emotional_fit: str = Field(description="how the mood here suits the product and viewer")


# -- step 1: model_user --------------------------------------------------------------


def _history_text(items: Sequence[Any]) -> str:
    lines = [f"- id={it.id} | {it.title} | {(it.text or '')[:MAX_ITEM_CHARS]}".replace("\n", " ") for it in items]
    return f"{HISTORY_OPEN}\n" + "\n".join(lines) + f"\n{HISTORY_CLOSE}"


def model_user(user: UserData, *, exclude_topics: Sequence[str] = (), model: Any) -> UserProfile:
    """The structured UserProfile, proposed by a VLM from history text and images."""
    settings = get_settings()
    items = recent_items(user.history, settings.max_history_items)
    pictured = [(it, it.cover or it.images[0]) for it in items if it.cover or it.images][: settings.llm_max_images]
    prompt = prompts.MODEL_USER.format(
        exclude_topics=", ".join(exclude_topics) or "none",
        demographics=user.demographics.model_dump_json(),
        image_ids=[it.id for it, _ in pictured],
        history=_history_text(items),
    )
    proposal: ProfileProposal = _ask(model, ProfileProposal, prompt, _images([p for _, p in pictured]), "model_user")
    return profile_from_proposal(proposal, user, items, exclude_topics=exclude_topics)


def profile_from_proposal(proposal: ProfileProposal, user: UserData, items: Sequence[Any], *,
                          exclude_topics: Sequence[str] = ()) -> UserProfile:
    """Post-checks: real evidence ids, no sensitive or excluded topics, valid enums and colours."""
    ids = {it.id for it in items}
    banned = Blocklist(phrases=exclude_topics)
    withheld = {c.strip().lower() for c in proposal.withheld_sensitive if c.strip()}
    interests = []
    for ip in sorted(proposal.interests, key=lambda i: -i.weight):
        text = " ".join([ip.topic, *ip.keywords, ip.summary])
        cats = sensitive_categories(text)
        if cats:
            withheld.update(cats)  # only the category name is kept, never the evidence
            continue
        if banned.hits(text):
            continue
        interests.append(Interest(topic=ip.topic, weight=ip.weight, tier=ip.tier, keywords=ip.keywords,
                                  summary=ip.summary, evidence=[e for e in ip.evidence if e in ids]))
    interests = interests[:MAX_INTERESTS]
    needs = [n for n in proposal.implicit_needs if not sensitive_categories(n) and not banned.hits(n)]
    allowed_tendencies = set(get_args(get_args(UserProfile.model_fields["decision_tendencies"].annotation)[0]))
    by_id = {it.id: it for it in items}
    elements = [VisualElement(description=by_id[i].title or i, source=by_id[i].cover or by_id[i].images[0], item_id=i)
                for i in proposal.preferred_items if i in by_id and (by_id[i].cover or by_id[i].images)]
    summary = proposal.summary if not sensitive_categories(proposal.summary) and not banned.hits(proposal.summary) else ""
    d = user.demographics
    return UserProfile(
        user_id=user.user_id, age_range=d.age_range, gender=d.gender, locale=d.locale, summary=summary,
        interests=interests, style=proposal.style, implicit_needs=needs,
        decision_tendencies=list(dict.fromkeys(t for t in proposal.decision_tendencies if t in allowed_tendencies)),
        visual=VisualPreferences(palette=[c for c in proposal.palette if _HEX.match(c)], warmth=proposal.warmth,
                                 lighting=proposal.lighting, texture=proposal.texture,
                                 artistic_style=proposal.artistic_style, elements=elements),
        mentioned_brands=proposal.mentioned_brands, withheld_sensitive=sorted(withheld), source=SOURCE,
    )


# -- step 2: match_product -----------------------------------------------------------


def match_product(profile: UserProfile, product: Product, *, threshold: float,
                  exclude_interests: Sequence[str] = (), exclude_facets: Sequence[str] = (),
                  brief: CreativeBrief | None = None, model: Any) -> MatchResult:
    """Bidirectional matching proposed by the LLM, kept within the product's facets and the rules
    (a campaign brief's facet leads, as offline)."""
    prompt = prompts.MATCH_PRODUCT.format(
        threshold=threshold, competitors=", ".join(product.competitors) or "none",
        exclude_interests=", ".join(exclude_interests) or "none", exclude_facets=", ".join(exclude_facets) or "none",
        profile=_json(profile.model_dump(mode="json", include={"summary", "interests", "style", "implicit_needs",
                                                              "decision_tendencies", "mentioned_brands"})),
        product=_json({**_product_brief(product), "facets": [f.key for f in product_facets(product, exclude_facets)]}),
    )
    proposal: MatchProposal = _ask(model, MatchProposal, prompt, [], "match_product")
    match = match_from_proposal(proposal, profile, product, threshold=threshold,
                                exclude_interests=exclude_interests, exclude_facets=exclude_facets)
    return lead_with_brief_facet(match, profile, product, brief, exclude_facets=exclude_facets)


def match_from_proposal(proposal: MatchProposal, profile: UserProfile, product: Product, *, threshold: float,
                        exclude_interests: Sequence[str] = (), exclude_facets: Sequence[str] = ()) -> MatchResult:
    """Post-checks: own facets and interests only, competitor rule, exclusions, the threshold."""
    facet_keys = {f.key for f in product_facets(product, exclude_facets)}
    facets = sorted((f for f in proposal.facets if f.facet in facet_keys), key=lambda f: -f.score)
    rivals, _ = _competitors(profile, product)
    rival_text = Blocklist(words=[*rivals, *product.competitors])
    banned = {e.strip().lower() for e in exclude_interests}
    excluded, usable = [], {}
    for it in profile.interests:
        central = any(_brand_central(it, terms) and terms.hit(_interest_text(it)) for terms in rivals.values())
        if it.topic.lower() in banned or central:
            excluded.append(it.topic)
        else:
            usable[it.topic] = it
    interests = sorted((i for i in proposal.interests if i.topic in usable and not rival_text.hits(i.scenario)),
                       key=lambda i: -i.score)
    chosen_interest = proposal.chosen_interest if proposal.chosen_interest in {i.topic for i in interests} else (
        interests[0].topic if interests else None)
    chosen_facet = proposal.chosen_facet if proposal.chosen_facet in facet_keys else (facets[0].facet if facets else None)
    generic = profile.generic or chosen_interest is None or proposal.compatibility < threshold
    bridge = "" if generic or rival_text.hits(proposal.bridge) else proposal.bridge
    return MatchResult(
        compatibility=proposal.compatibility, threshold=threshold, facets=facets,
        interests=[] if generic and not interests else interests,
        chosen_interest=None if generic else chosen_interest, chosen_facet=chosen_facet, bridge=bridge,
        generic=generic, excluded_interests=excluded, rationale=proposal.rationale, source=SOURCE,
    )


# -- step 3: write_storyboard ----------------------------------------------------------


def _integration_brief(profile: UserProfile, host: HostSummary | None, integration: IntegrationDecision,
                       generic: bool) -> str:
    """The PCI block of the storyboard prompt: where the segment goes and what the host is like."""
    h = host or HostSummary(video_path="", width=0, height=0, fps=0.0, duration_s=0.0, frames=0)
    pacing = segment_pacing(profile, host)
    return prompts.INTEGRATION.format(
        point_s=integration.point_s, frame_index=integration.frame_index, topic=h.topic or "unknown",
        content=h.content or "not summarised", host_pacing=h.pacing, palette=h.palette or "unknown", warmth=h.warmth,
        template=segment_template(profile, host, generic=generic), shot_s=host_shot_s(host, pacing),
    )


def write_storyboard(profile: UserProfile, product: Product, match: MatchResult, context: ServingContext, *,
                     previous: Storyboard | None = None, directive: RevisionDirective | None = None,
                     host: HostSummary | None = None, integration: IntegrationDecision | None = None,
                     brief: CreativeBrief | None = None, exclude_facets: Sequence[str] = (),
                     model: Any) -> Storyboard:
    """The scene-level script; with ``previous`` and ``directive`` only the directed scenes change.

    ``exclude_facets`` (left out earlier in the run) are left out of the product brief and named
    in the prompt as claims never to state.

    A campaign ``brief`` is added to the prompt and checked after (``honour_brief``).

    PCI (``integration``, with ``host``): a segment woven into the host video under the same
    frame rules as the offline storyboard (``enforce_integration``).
    """
    pci = integration is not None
    durations, purposes = storyboard_timeline(profile, context, host=host, integration=integration)
    revising = previous is not None and directive is not None and \
        abs(previous.target_duration_s - context.duration_s) <= 0.05 and is_segment(previous) == pci
    scope = revisable_scenes(previous, directive, pci=pci) if revising else []
    revision = prompts.REVISION.format(
        scope=scope, instruction=directive.instruction, reason=directive.reason,
        remove_text=directive.remove_text or "none", previous=_json(previous.model_dump(mode="json")),
    ) if revising else ""
    arc = (prompts.ARC_PCI if pci else prompts.ARC_PCG).format(purposes=purposes)
    prompt = prompts.WRITE_STORYBOARD.format(
        duration_s=context.duration_s, aspect_ratio=context.aspect_ratio, platform=context.platform,
        locale=context.locale, n_scenes=len(durations), durations=durations, arc=arc,
        tone=profile.style.tone, pacing=segment_pacing(profile, host) if pci else profile.style.pacing,
        narrative_form=profile.style.narrative_form,
        integration=_integration_brief(profile, host, integration, match.generic or profile.generic) if pci else "",
        revision=revision, match=_json(match.model_dump(mode="json", exclude={"rationale", "source"})),
        product=_json(_product_brief(product, exclude_facets)), assets=[f"{a.id} ({a.kind}: {a.description})" for a in product.assets],
        cues=[cue_ref(c) for c in cue_ids(profile, MAX_HOOK_CUES)],
    ) + campaign_brief_prompt(brief) + (
        f"\n\nNever state these product claims (the person left them out): {', '.join(exclude_facets)}"
        if exclude_facets else "")
    proposal: StoryboardProposal = _ask(model, StoryboardProposal, prompt, [], "write_storyboard")
    if revising:
        return honour_brief(revise_from_proposal(proposal, previous, scope, profile, product, pci=pci), brief)
    return honour_brief(storyboard_from_proposal(proposal, profile, product, context, host=host,
                                                 integration=integration), brief)


# What each campaign stage asks of the script (DESIGN.md §9 progressive storytelling).
STAGE_PROMPT = {
    "hook": "a light native hook: at most one claim, no price, show the product only late",
    "information": "deeper product information: selling points, no price",
    "proof": "proof and comparison with the verified facts, no price",
    "conversion": "conversion: recap verified features, state the price, a strong call to action",
}


def campaign_brief_prompt(brief: CreativeBrief | None) -> str:
    """The campaign block appended to the storyboard prompt ("" without a brief)."""
    if brief is None:
        return ""
    lines = [f"stage: {STAGE_PROMPT[brief.stage]}" if brief.stage else "",
             f"hook_type: {brief.hook_type}" if brief.hook_type else "",
             f"narrative_form: {brief.narrative_form}" if brief.narrative_form else "",
             f"lead with the claim: {brief.facet}" if brief.facet else "",
             f"never state these claims (shown last time): {', '.join(brief.avoid_claims)}" if brief.avoid_claims
             else ""]
    return "\n\nCampaign brief for this impression:\n" + "\n".join(f"- {x}" for x in lines if x)


def honour_brief(board: Storyboard, brief: CreativeBrief | None) -> Storyboard:
    """Post-check of a model's storyboard against the brief: its template, hook type and form
    are taken when valid; a scene stating an avoided claim (or a price before the conversion
    stage) makes the step fall back to the offline storyboard, which honours the brief."""
    if brief is None:
        return board
    stated = {c for s in board.scenes for c in s.claims}
    repeated = stated & set(brief.avoid_claims)
    early_price = [c for c in stated if is_price(c)] if brief.stage not in (None, "conversion") else []
    if repeated or early_price:
        raise StepFallback({"step": "write_storyboard", "attempts": 1,
                            "reason": f"brief not honoured: states {sorted(repeated | set(early_price))}"})
    update: dict[str, Any] = {}
    if brief.template and not is_segment(board):
        update["template"] = brief.template
    if brief.hook_type in HOOK_TYPES:
        update["hook_type"] = brief.hook_type
    if brief.narrative_form in NARRATIVE_FORMS:
        update["narrative_form"] = brief.narrative_form
    return board.model_copy(update=update)


def _clean_scene(p: SceneProposal, product: Product, profile: UserProfile, *, pci: bool = False) -> dict[str, Any]:
    """Scene fields within the rules: word limits, claims ⊆ facts, no unverified numbers or
    competitor names, references only to real assets and cues (and, in PCI, the host frame)."""
    claims_ok = {*product.selling_points, *product.facts}
    numbers_ok = verified_numbers(product)
    blocked = Blocklist(words=product.competitors)
    refs_ok = {a.id for a in product.assets} | {"collage"} | {cue_ref(c) for c in cue_ids(profile, MAX_HOOK_CUES)}
    if pci:
        refs_ok.add(HOST_FRAME_REF)

    def text(value: str, limit: int) -> str:
        value = truncate_words(value.strip(), limit)
        if blocked.hits(value) or any(n not in numbers_ok for n in numbers_in(value)):
            return ""  # an unverifiable line is dropped rather than risked
        return value

    return {"purpose": p.purpose, "visual": p.visual if not blocked.hits(p.visual) else product.name,
            "camera": p.camera, "narration": text(p.narration, MAX_NARRATION_WORDS),
            "on_screen_text": text(p.on_screen_text, MAX_ON_SCREEN_WORDS),
            "asset_refs": [r for r in p.asset_refs if r in refs_ok], "transition": p.transition,
            "claims": [c for c in p.claims if c in claims_ok]}


def normalise_durations(proposed: Sequence[float], target_s: float) -> list[float]:
    """Proposed lengths scaled to sum exactly to ``target_s`` on the 0.1 s grid."""
    total = sum(proposed)
    quanta = round(target_s / TIME_QUANTUM_S)
    raw = [d * quanta / total for d in proposed]
    q = [max(1, int(r)) for r in raw]
    # Largest remainders first, then the longest scenes give back any excess.
    order = sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while sum(q) < quanta:
        q[order[i % len(q)]] += 1
        i += 1
    while sum(q) > quanta:
        q[max(range(len(q)), key=lambda j: q[j])] -= 1
    return [round(n * TIME_QUANTUM_S, 3) for n in q]


def product_logo(product: Product) -> str | None:
    """The logo a PCI segment shows before returning to the host (it has no end card)."""
    return next((a.id for a in product.assets if a.kind == "logo"), None)


def _timeline(fields: Sequence[dict[str, Any]], durations: Sequence[float]) -> list[Scene]:
    scenes, start = [], 0.0
    for i, (f, d) in enumerate(zip(fields, durations)):
        scenes.append(Scene(index=i, start_s=round(start, 3), duration_s=d, **f))
        start += d
    return scenes


def storyboard_from_proposal(proposal: StoryboardProposal, profile: UserProfile, product: Product,
                             context: ServingContext, *, host: HostSummary | None = None,
                             integration: IntegrationDecision | None = None) -> Storyboard:
    """Post-checks: hook first, CTA last, at most the grid's scene count, durations to the target.

    PCI: at least an opening, a product scene and the return; then the PCI frame rules.
    """
    pci = integration is not None
    max_scenes = len(storyboard_timeline(profile, context, host=host, integration=integration)[0])
    props = sorted(proposal.scenes, key=lambda s: s.index)
    if not props:
        raise StepFallback({"step": "write_storyboard", "reason": "storyboard without scenes", "attempts": 1})
    if pci and len(props) < ARC_SCENES:
        raise StepFallback({"step": "write_storyboard", "attempts": 1,
                            "reason": "PCI segment without an opening, a product scene and a return"})
    if len(props) > max_scenes:  # too many slots for 2–3 s each: drop middle scenes
        props = [*props[: max_scenes - 1], props[-1]]
    fields = [_clean_scene(p, product, profile, pci=pci) for p in props]
    if len(fields) > 1:
        fields[0]["purpose"], fields[-1]["purpose"] = "hook", "cta"
    else:
        fields[0]["purpose"] = "cta"
    durations = normalise_durations([p.duration_s for p in props], context.duration_s)
    template = segment_template(profile, host, generic=profile.generic) if pci else choose_template(profile)
    board = Storyboard(scenes=_timeline(fields, durations), target_duration_s=context.duration_s,
                       hook_type=proposal.hook_type, narrative_form=proposal.narrative_form,
                       template=template, locale=context.locale,
                       cta=truncate_words(proposal.cta, MAX_ON_SCREEN_WORDS), title=proposal.title, source=SOURCE)
    return enforce_integration(board, product_logo(product)) if pci else board


def revise_from_proposal(proposal: StoryboardProposal, previous: Storyboard, scope: Sequence[int],
                         profile: UserProfile, product: Product, *, pci: bool = False) -> Storyboard:
    """Only the scenes in ``scope`` take the model's rewrite; timing and other scenes stay
    (PCI: and the frame rules hold again after the rewrite)."""
    rewritten = {p.index: p for p in proposal.scenes if p.index in scope}
    scenes = []
    for s in previous.scenes:
        if s.index in rewritten:
            f = _clean_scene(rewritten[s.index], product, profile, pci=pci)
            f["purpose"] = s.purpose  # a rewrite keeps the arc
            s = Scene(index=s.index, start_s=s.start_s, duration_s=s.duration_s, **f)
        scenes.append(s)
    update = {"scenes": scenes, "source": SOURCE}
    if proposal.hook_type and 0 in rewritten:
        update["hook_type"] = proposal.hook_type
    board = previous.model_copy(update=update)
    return enforce_integration(board, product_logo(product)) if pci else board


# -- step 4: ground_assets -------------------------------------------------------------


def ground_assets(storyboard: Storyboard, product: Product, profile: UserProfile, context: ServingContext,
                  work_dir: Path, *, integration: IntegrationDecision | None = None, host: HostSummary | None = None,
                  model: Any) -> Grounding:
    """Offline binding and collage (PCI: with the start frame and the host palette); the VLM
    ranks the user's visual cues after seeing them."""
    base = offline_grounding.ground_assets(storyboard, product, profile, context, work_dir,
                                           **pci_kwargs(host, integration))
    if not base.cues:
        return base.model_copy(update={"source": SOURCE})
    cues = base.cues[:MAX_GROUNDING_CUES]
    prompt = prompts.GROUND_ASSETS.format(
        cue_ids=[c.id for c in cues], brand_colors=product.brand_colors or "none", user_palette=profile.visual.palette,
        storyboard=_json([{"index": s.index, "purpose": s.purpose, "visual": s.visual} for s in storyboard.scenes]),
    )
    images = _images([p for p in [base.collage_path, *(c.path for c in cues)] if p])
    proposal: GroundingProposal = _ask(model, GroundingProposal, prompt, images, "ground_assets")
    rank = {cid: i for i, cid in enumerate(dict.fromkeys(proposal.cue_ids))}
    # Cues stay bound where the storyboard uses them; the ranking only orders them.
    ordered = sorted(base.cues, key=lambda c: rank.get(c.id, len(rank)))
    return base.model_copy(update={"cues": ordered, "source": SOURCE})


# -- PCI: summarize_host and decide_integration ----------------------------------------


def _frames_at(host: HostSummary, times: Sequence[float]) -> list[dict[str, Any]]:
    """Image blocks of the host at ``times`` (seconds)."""
    info = offline_integration.video_info(host)
    side = get_settings().llm_image_side
    return [picture_block(read_frame(host.video_path, t, max_side=side, info=info), side) for t in times]


def summarize_host(video_path: str | Path, *, title: str = "", work_dir: Path | None = None,
                   model: Any) -> HostSummary:
    """The offline summary's measurements, with the topic, keywords and content described by a
    VLM that sees frames sampled over the host's first 30 s."""
    base = offline_host.summarize_host(video_path, title=title, work_dir=work_dir)
    n = max(1, get_settings().llm_max_images)
    span = min(base.duration_s, HOST_LOOK_S)
    times = [round(span * (k + 0.5) / n, 2) for k in range(n)]
    prompt = prompts.SUMMARIZE_HOST.format(
        times=times, duration_s=base.duration_s, shots=len(base.shots), pacing=base.pacing,
        audio_character=base.audio_character or "unknown", warmth=base.warmth, palette=base.palette or "unknown",
        title=title or "none", ocr_text="\n".join(base.ocr_text) or "none",
    )
    proposal: HostProposal = _ask(model, HostProposal, prompt, _frames_at(base, times), "summarize_host")
    topic = truncate_words(proposal.topic.strip(), MAX_TOPIC_WORDS)
    if not topic:
        raise ValueError("the model named no topic for the host video")
    words = list(dict.fromkeys(k.strip() for k in proposal.keywords if k.strip()))[:MAX_HOST_KEYWORDS]
    content = truncate_words(proposal.content.strip(), MAX_CONTENT_WORDS) or base.content
    return base.model_copy(update={"topic": topic, "keywords": words or base.keywords, "content": content,
                                   "source": SOURCE})


def _candidate_line(k: int, o: Any, host: HostSummary) -> str:
    text = " / ".join(r.text for r in host.text_at(o.time_s) if r.kind != "overlay") or "none"
    return f"{k}: {o.time_s:.2f} s, {o.kind.replace('_', ' ')}, energy {o.energy:.2f}, text: {text}"


def decide_integration(host: HostSummary, profile: UserProfile, product: Product, *, work_dir: Path,
                       exclude_points: Sequence[float] = (), model: Any) -> IntegrationDecision:
    """The VLM chooses among the admissible candidates; the offline decision path then checks
    the chosen start frame (OCR) and writes it, with every other candidate's reasons."""
    options = offline_integration.ranked_admissible(
        offline_integration.scored_options(host, profile, product, exclude_points))[:MAX_INTEGRATION_CHOICES]
    if len(options) < 2:  # nothing to choose between: the rules decide alone
        return offline_integration.decide_integration(host, profile, product, work_dir=work_dir,
                                                      exclude_points=exclude_points)
    # What the viewer sees just before each cut (a seek, not the exact decode the start frame gets).
    frames = _frames_at(host, [(o.frame_index + 0.5) / host.fps for o in options])
    prompt = prompts.DECIDE_INTEGRATION.format(
        topic=host.topic or "unknown", content=host.content or "not summarised",
        interests=", ".join(i.topic for i in profile.interests[:3]) or "unknown",
        product=f"{product.name} ({product.category}): {'; '.join(product.selling_points[:3])}",
        candidates="\n".join(_candidate_line(k, o, host) for k, o in enumerate(options)),
    )
    proposal: IntegrationProposal = _ask(model, IntegrationProposal, prompt, frames, "decide_integration")
    if not 0 <= proposal.candidate < len(options):
        raise ValueError(f"the model chose candidate {proposal.candidate}, not one of 0..{len(options) - 1}")
    why = "; ".join(p.strip() for p in (proposal.story_pause, proposal.bridge, proposal.emotional_fit) if p.strip())
    decision = offline_integration.decide_integration(
        host, profile, product, work_dir=work_dir, exclude_points=exclude_points,
        preferred_s=options[proposal.candidate].time_s, preference=f"chosen by the model: {why}" if why else
        "chosen by the model")
    return decision.model_copy(update={"source": SOURCE})


__all__ = ["StepFallback", "decide_integration", "ground_assets", "match_product", "model_user", "summarize_host",
           "write_storyboard", "ProfileProposal", "MatchProposal", "StoryboardProposal", "GroundingProposal",
           "HostProposal", "IntegrationProposal"]
