"""Director step 3 (offline): ``write_storyboard``.

A storyboard *grammar*, not a fixed template (DESIGN.md §2, §9):

- **timeline** — scene slots of 2–3 s whose durations sum exactly to the serving context's
  duration; the last slot (PCG) is a ~2 s call to action; pacing sets the preferred slot
  length, so fast profiles get more, shorter shots;
- **purposes** — hook → body → proof → cta, attention capture to call to action;
- **hook types** (question, bold_claim, scenario, pov, curiosity, problem) and **narrative
  forms** (problem_solution, day_in_life, showcase, testimonial, listicle, story) chosen
  deterministically from the profile's presentation style and the match; a generic match gets a
  product-centred showcase; a revision directive's ``hook_type`` overrides;
- **template** (energetic / playful / calm) from the profile's tone and pacing (also for a generic match: only
  the content falls back, the presentation stays the viewer's), which also sets
  camera motion and transitions;
- **text** from the locale's phrase pack (``locales/<lang>.json``), filled with the match's
  interest/scenario and the product's selling points and facts.

Claims discipline: creative text states only the product's selling points and facts (each
scene records them in ``Scene.claims``), a number appears only if the facts (or the product's
own name) contain it, and competitor or other third-party brands and sensitive user data are
never written. Revisions (``previous`` + ``directive``) rewrite only the scenes the directive
targets and keep every other scene exactly as it was.

PCI (personalized creative integration, DESIGN.md §2, §9): with a host summary and an
integration decision the storyboard is a *segment* woven into the host video at the cut. Its
first scene is the hook and starts from the host's start frame (asset ref ``host:start``, which
the compositor resolves), static, with a line that continues from the host moment; its middle
scenes carry the product, the first of them bridging the host topic to the user's interest; its
last scene returns to the start frame (a fade, no text, no narration) — PCI has no CTA end card.
Template, pacing and shot length follow the host (see ``segment_template``/``host_shot_s``).
``enforce_integration`` keeps those rules; the LLM storyboard runs the same post-check.

Campaigns (DESIGN.md §3, §9 progressive storytelling): a ``CreativeBrief`` picks the hook type,
narrative form and template when they are valid for this plan, the facet to lead with, claims
the previous impression stated (never said again) and the story **stage**:

- ``hook`` — a light native hook: one claim at most, no price, the product held back until the
  last middle scene, a soft call to action;
- ``information`` — product information: selling points rather than facts, no price;
- ``proof`` — proof and comparison: verified facts first, no price;
- ``conversion`` — recap of verified features with the price first among the facts, and a
  strong call to action.

Without a brief the storyboard is exactly the PCG/PCI one.

Visual descriptions are English on purpose: they are prompts for generation backends.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Any, get_args

from nextads.schemas import (
    Asset,
    CameraMotion,
    CreativeBrief,
    HostSummary,
    IntegrationDecision,
    MatchResult,
    Product,
    RevisionDirective,
    Scene,
    ScenePurpose,
    ServingContext,
    Storyboard,
    Transition,
    UserProfile,
)
from tools.assets import licence_problem
from tools.media.image_analysis import BRIGHT_MEAN, DIM_MEAN

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"
VISUAL_LANGUAGE = "en"  # visual descriptions are generation prompts: always English

# --- Timeline grammar (DESIGN.md §9: a shot change every 2–3 s; PCG keeps the last 2 s for the CTA)
MIN_SCENE_S = 2.0
MAX_SCENE_S = 3.0
CTA_SCENE_S = 2.0
HOOK_SCENE_S = 3.0  # "the first three seconds": the span a skip-driven hook rewrite targets
# Below 2 × MIN_SCENE_S there is no room for 2–3 s slots: the ad is a hook and a CTA of equal
# halves, or a single CTA scene when even halves would be under SHORTEST_SCENE_S.
SHORTEST_SCENE_S = 1.0
TIME_QUANTUM_MS = 100  # slot lengths are multiples of 0.1 s (readable timings, exact sums)
ARC_SCENES = 3  # hook, body, cta
PREFERRED_SCENE_S = {"fast": 2.0, "medium": 2.5, "slow": 3.0}
PROOF_SHARE = 1 / 3  # share of the middle scenes that are proof (facts) rather than body
# Beats that state a claim, and the kind of claim each prefers (a PCI bridge leads with a selling point).
CLAIM_KIND = {"point": "point", "fact": "fact", "bridge": "point"}

# --- Text limits (DESIGN.md §9: subtitle ≤ 8 words, voice-over ≤ 16 words)
MAX_NARRATION_WORDS = 16
MAX_ON_SCREEN_WORDS = 8
MAX_TITLE_WORDS = 12
# Chinese has no spaces: a word is counted as this many characters (mean length of a
# segmented modern Chinese word is about 1.6–1.8 characters).
CJK_CHARS_PER_WORD = 1.7
# User-derived phrases longer than this are not put into copy (they would crowd the line).
MAX_INTEREST_WORDS = 4
MAX_NEED_WORDS = 5
MAX_SCENARIO_WORDS = 12
MAX_HOOK_CUES = 2
# A rewrite tries this many (wording, claim) combinations to differ from the previous scene.
MAX_REVISION_ATTEMPTS = 24
MAJORITY = 0.5  # share of overlap that ties a time range to a scene
REWORDINGS = 3  # wordings tried per claim before moving to the next claim

# Captions cut from a longer claim end before one of these (English function words), keeping
# at least MIN_CUT_WORDS words.
CUT_BEFORE_WORDS = frozenset("a an and at by for from in into of on or that the to with which while your".split())
MIN_CUT_WORDS = 2

HOOK_TYPES: tuple[str, ...] = get_args(Storyboard.model_fields["hook_type"].annotation)
NARRATIVE_FORMS = ("problem_solution", "day_in_life", "showcase", "testimonial", "listicle", "story")

# --- PCI: the segment woven into a host video (DESIGN.md §2, §9)
HOST_FRAME_REF = "host:start"  # scene asset ref: the host's start frame, full-bleed (resolved by the compositor)
# An opening, one product scene and the return, each at least a 2 s slot.
PCI_MIN_SEGMENT_S = 3 * MIN_SCENE_S
# Hooks that can continue a host moment (a bold claim or a problem would break the viewing).
PCI_HOOK_TYPES = ("question", "scenario", "pov", "curiosity")
PCI_TEASE_HOOKS = {"curiosity"}  # these hold the product back until the bridge (no inset in the opening)
MAX_HOST_TOPIC_WORDS = 5  # a longer host topic is not put into copy
# Rule: the segment moves like its host. A fast host gets the energetic template and a slow one
# the calm template; a medium host leaves the choice to the user's profile. The same rule sets
# the pacing of camera moves.
HOST_PACING_TEMPLATE = {"fast": "energetic", "slow": "calm"}
MIN_HOST_SHOTS = 2  # a host with fewer shots has no shot rate; its pacing sets the shot length

# --- Style choices
TONE_TEMPLATE = {
    "energetic": "energetic",
    "playful": "playful",
    "calm": "calm",
    "premium": "calm",
    "warm": "calm",
    "informative": "calm",
}
# Everyday tones that read as energetic when the user's content is fast-paced. Premium stays
# calm whatever the pacing (luxury reads slow).
PACING_SENSITIVE_TONES = {"warm", "informative"}

# Hook preferences, best first: the narrative form weighs twice as much as the tone.
HOOKS_BY_NARRATIVE = {
    "problem_solution": ["problem", "question", "scenario"],
    "day_in_life": ["pov", "scenario", "question"],
    "showcase": ["bold_claim", "curiosity", "question"],
    "testimonial": ["pov", "bold_claim", "question"],
    "listicle": ["curiosity", "bold_claim", "question"],
    "story": ["scenario", "curiosity", "pov"],
}
HOOKS_BY_TONE = {
    "energetic": ["bold_claim", "pov", "question"],
    "playful": ["pov", "question", "curiosity"],
    "calm": ["scenario", "question", "curiosity"],
    "warm": ["scenario", "pov", "question"],
    "premium": ["curiosity", "bold_claim", "scenario"],
    "informative": ["question", "bold_claim", "problem"],
}
NARRATIVE_WEIGHT = 2.0
TONE_WEIGHT = 1.0
DENSITY_BONUS = 0.5  # high information density favours fact-led hooks
# Hooks that need something personal to say; a generic creative never uses them.
PERSONAL_HOOKS = {"pov", "scenario", "problem"}
PERSONAL_VALUES = {"interest", "scenario", "need"}  # template values that come from the user

# Narrative forms that need the user's interest to make sense, and opening body beats per form.
NARRATIVES_NEEDING_INTEREST = {"day_in_life", "story"}
MIN_CLAIMS_FOR_LISTICLE = 2
NARRATIVE_OPENING = {
    "showcase": ["intro"],
    "problem_solution": ["problem", "solution"],
    "day_in_life": ["scenario"],
    "testimonial": ["intro"],
    "listicle": [],
    "story": ["scenario", "intro"],
}

# --- Camera and transitions per template
TEMPLATE_CAMERA: dict[str, dict[str, Any]] = {
    "energetic": {"hook": "push_in", "cycle": ["pan_right", "push_in", "pan_left", "tilt_up", "pull_out"],
                  "cta": "push_in"},
    "playful": {"hook": "tilt_down", "cycle": ["pan_left", "tilt_up", "pan_right", "push_in"], "cta": "pull_out"},
    "calm": {"hook": "pull_out", "cycle": ["push_in", "static", "pan_right", "push_in", "pull_out"],
             "cta": "static"},
}
SLOW_PACING_CYCLE = ["push_in", "static", "pull_out"]  # slow pacing: gentle moves only
TEMPLATE_TRANSITIONS = {
    "energetic": ["cut", "zoom", "cut", "slide"],
    "playful": ["slide", "zoom", "slide", "cut"],
    "calm": ["fade", "cut", "fade"],
}
CTA_TRANSITION = {"energetic": "zoom", "playful": "slide", "calm": "fade"}

# --- Campaign stages (progressive storytelling, DESIGN.md §9)
# Fact keys that are a price: held back until the conversion stage asks for it.
PRICE_WORDS = ("price", "cost", "fee", "discount", "价格", "价钱", "费用")
STAGE_MAX_CLAIMS = {"hook": 1}  # a light native hook states one claim at most
# Claim beats per stage: information tells selling points, proof tells verified facts.
STAGE_BEAT = {"hook": {"fact": "point"}, "information": {"fact": "point"}, "proof": {"point": "fact"}}
# CTA phrase group per stage: a soft invitation for the hook, a strong one for conversion (a
# decision-tendency CTA still wins in conversion: "Check today's price" is strong too).
SOFT_CTA, STRONG_CTA = "calm", "energetic"
# Hook stage: product images appear only from this many scenes before the end (the last middle
# scene and the CTA), so the product is shown late.
PRODUCT_LATE_SCENES = 2

# Asset-id words that say what kind of product image an asset is.
LIFESTYLE_WORDS = ("lifestyle", "scene", "use", "context", "model", "in_use")
DETAIL_WORDS = ("detail", "closeup", "close_up", "macro", "texture", "pack")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_UNIT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\s\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|\s+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")
_CLAUSE = re.compile(r"\s*[,;:—–()（），；：。！？!?]\s*|\s+-\s+")


# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------


def count_words(text: str) -> int:
    """Words in ``text``; Chinese characters count CJK_CHARS_PER_WORD to a word."""
    cjk = len(_CJK.findall(text))
    return len(_WORD.findall(_CJK.sub(" ", text))) + math.ceil(cjk / CJK_CHARS_PER_WORD)


def truncate_words(text: str, limit: int) -> str:
    """The longest prefix of ``text`` with at most ``limit`` words (never splits a word)."""
    budget, kept = float(limit), []
    for unit in _UNIT.findall(text):
        cost = 0.0 if unit.isspace() else (1 / CJK_CHARS_PER_WORD if _CJK.match(unit) else float(bool(_WORD.search(unit))))
        if cost > budget + 1e-9:
            break
        budget -= cost
        kept.append(unit)
    return "".join(kept).strip()


def short_form(text: str, limit: int) -> str:
    """A claim's first clause, cut to ``limit`` words: a prefix of the claim, never a paraphrase.

    A cut ends before the last function word ("Smooth 120 Hz OLED screen for gaming" →
    "Smooth 120 Hz OLED screen") so the caption does not stop mid-phrase.
    """
    if count_words(text) <= limit:  # fits whole: say it whole
        return _strip_end(text)
    clause = next((c for c in _CLAUSE.split(text) if c.strip()), text).strip()
    if count_words(clause) <= limit:
        return _strip_end(clause)
    words = truncate_words(clause, limit + 1).split(" ")  # one past the limit: is the cut mid-phrase?
    cut = words[:limit]
    stops = [i for i, w in enumerate(words) if w.lower() in CUT_BEFORE_WORDS and i >= MIN_CUT_WORDS]
    if stops:
        cut = words[: min(stops[-1], limit)]
    return _strip_end(" ".join(cut) if len(words) > 1 else truncate_words(clause, limit))


def _strip_end(text: str) -> str:
    return re.sub(r"[\s.。!！;；,，:：]+$", "", text.strip())


def language_of(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def numbers_in(text: str) -> list[str]:
    return _NUMBER.findall(text)


def verified_numbers(product: Product) -> frozenset[str]:
    """Numbers creative text may contain: those in the facts and in the product's own name."""
    sources = [*product.facts.values(), product.name, product.brand]
    return frozenset(n for s in sources for n in numbers_in(s))


def tidy(text: str, *, keep_case: Sequence[str] = ()) -> str:
    """Collapse spaces, fix punctuation left by empty placeholders, capitalise the first letter."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r"([.!?。！？])[.。]+", r"\1", text)
    text = re.sub(r"[,，;；:：]+([.。!?！？])", r"\1", text)
    text = text.strip(" ,，;；:：")
    if text[:1].islower() and not any(k and text.startswith(k) for k in keep_case):
        text = text[0].upper() + text[1:]
    return text


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


class Blocklist:
    """Terms creative text must not contain: whole words (brands) or word prefixes (sensitive stems)."""

    def __init__(self, words: Iterable[str] = (), prefixes: Iterable[str] = (), phrases: Iterable[str] = ()):
        pats = []
        for w in {w.strip() for w in words if w and w.strip()}:
            pats.append(re.escape(w) if _CJK.search(w) else rf"(?<!\w){re.escape(w)}(?!\w)")
        for p in {p.strip() for p in prefixes if p and p.strip()}:
            pats.append(re.escape(p) if _CJK.search(p) else rf"(?<!\w){re.escape(p)}")
        for p in {p.strip() for p in phrases if p and p.strip()}:
            pats.append(re.escape(p))
        self._re = re.compile("|".join(pats), re.IGNORECASE) if pats else None

    def hits(self, text: str) -> bool:
        return bool(self._re and text and self._re.search(text))


@lru_cache(maxsize=8)
def load_pack(language: str) -> dict[str, Any]:
    """The phrase pack for a language (``locales/<lang>.json``); English when there is none."""
    path = LOCALES_DIR / f"{language}.json"
    if not path.is_file():
        path = LOCALES_DIR / f"{DEFAULT_LANGUAGE}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def pack_language(context: ServingContext) -> str:
    return "zh" if context.locale.lower().startswith("zh") else DEFAULT_LANGUAGE


# ---------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------


def _closest(target: float, lo: float, hi: float) -> int:
    """``target`` clamped to [lo, hi], in milliseconds on the TIME_QUANTUM_MS grid."""
    value = min(max(target, lo), hi)
    return round(value * 1000 / TIME_QUANTUM_MS) * TIME_QUANTUM_MS


def scene_durations(total_s: float, pacing: str = "medium", *, preferred_s: float | None = None,
                    hook_s: float = HOOK_SCENE_S) -> list[float]:
    """Slot lengths (s) summing exactly to ``total_s``.

    Every slot is 2–3 s; the last is a ~2 s CTA (in PCI: the return to the host frame); the
    first (the hook) is as close to ``hook_s`` — the "first three seconds" by default — as the
    grid allows, so a 0–3 s hook rewrite touches one scene; ``preferred_s`` (default: the
    pacing's) sets the preferred length of the others.
    """
    total_ms = round(total_s * 1000)
    if total_s < 2 * MIN_SCENE_S:
        if total_s < 2 * SHORTEST_SCENE_S:
            return [total_ms / 1000]
        half = total_ms // 2
        return [half / 1000, (total_ms - half) / 1000]
    preferred = preferred_s or PREFERRED_SCENE_S.get(pacing, PREFERRED_SCENE_S["medium"])
    n_min, n_max = math.ceil(total_s / MAX_SCENE_S), math.floor(total_s / MIN_SCENE_S)
    # Enough slots for a full arc (hook, body, cta) and for the CTA to keep its ~2 s, whenever
    # the 2–3 s grid allows, whatever the pacing.
    n_cta = 1 + math.ceil((total_s - CTA_SCENE_S) / MAX_SCENE_S - 1e-9)
    lower = max(n_min, min(max(n_cta, ARC_SCENES), n_max))
    n = min(max(1 + round((total_s - CTA_SCENE_S) / preferred), lower), n_max)
    if n == 1:
        return [total_ms / 1000]
    # CTA, then hook, each as close to its target as the remaining slots (2–3 s each) allow.
    cta_ms = _closest(CTA_SCENE_S, total_s - MAX_SCENE_S * (n - 1), total_s - MIN_SCENE_S * (n - 1))
    rest_s = (total_ms - cta_ms) / 1000
    if n == 2:
        return [rest_s, cta_ms / 1000]
    hook_ms = _closest(hook_s, rest_s - MAX_SCENE_S * (n - 2), rest_s - MIN_SCENE_S * (n - 2))
    body_ms = total_ms - cta_ms - hook_ms
    quanta, leftover = divmod(body_ms, TIME_QUANTUM_MS)
    base, extra = divmod(quanta, n - 2)
    body = [(base + (1 if i < extra else 0)) * TIME_QUANTUM_MS for i in range(n - 2)]
    body[-1] += leftover
    return [ms / 1000 for ms in [hook_ms, *body, cta_ms]]


def assign_purposes(n: int) -> list[ScenePurpose]:
    """hook → body… → proof… → cta (one scene: cta; two: hook, cta)."""
    if n == 1:
        return ["cta"]
    middle = n - 2
    proof = max(1, round(middle * PROOF_SHARE)) if middle >= 2 else 0
    return ["hook", *(["body"] * (middle - proof)), *(["proof"] * proof), "cta"]


def pci_purposes(n: int) -> list[ScenePurpose]:
    """A PCI segment's arc: hook (from the host frame) → body… → proof… → body (the return).

    The PCG CTA slot becomes the return to the host frame: PCI has no CTA end card.
    """
    if n < ARC_SCENES:
        raise ValueError(f"a PCI segment needs at least {ARC_SCENES} scenes (opening, product, return)")
    return [*assign_purposes(n)[:-1], "body"]


def segment_pacing(profile: UserProfile, host: HostSummary | None) -> str:
    """The pacing a PCI segment moves at: the host's when it is clearly fast or slow, else the profile's."""
    if host is not None and host.pacing in HOST_PACING_TEMPLATE:
        return host.pacing
    return profile.style.pacing


def host_shot_s(host: HostSummary | None, pacing: str) -> float:
    """Preferred shot length of a PCI segment: the host's mean shot length, kept within 2–3 s
    (the host's own cutting rhythm); the pacing's preference when the host has no shot rate."""
    if host is not None and len(host.shots) >= MIN_HOST_SHOTS and host.duration_s > 0:
        return min(max(host.duration_s / len(host.shots), MIN_SCENE_S), MAX_SCENE_S)
    return PREFERRED_SCENE_S.get(pacing, PREFERRED_SCENE_S["medium"])


def storyboard_timeline(
    profile: UserProfile,
    context: ServingContext,
    *,
    host: HostSummary | None = None,
    integration: IntegrationDecision | None = None,
) -> tuple[list[float], list[ScenePurpose]]:
    """Slot lengths and purposes: the PCG arc, or (with ``integration``) the PCI segment's.

    Raises ValueError for a PCI segment shorter than PCI_MIN_SEGMENT_S.
    """
    if integration is None:
        durations = scene_durations(context.duration_s, profile.style.pacing)
        return durations, assign_purposes(len(durations))
    if context.duration_s < PCI_MIN_SEGMENT_S - 1e-9:
        raise ValueError(f"a PCI segment needs at least {PCI_MIN_SEGMENT_S:g}s (got {context.duration_s:g}s)")
    pacing = segment_pacing(profile, host)
    shot = host_shot_s(host, pacing)
    durations = scene_durations(context.duration_s, pacing, preferred_s=shot, hook_s=shot)
    return durations, pci_purposes(len(durations))


# ---------------------------------------------------------------------------
# Style choices
# ---------------------------------------------------------------------------


def choose_template(profile: UserProfile) -> str:
    """energetic / playful / calm from the tone, nudged by pacing (see PACING_SENSITIVE_TONES)."""
    style = profile.style
    if style.pacing == "fast" and style.tone in PACING_SENSITIVE_TONES:
        return "energetic"
    return TONE_TEMPLATE.get(style.tone, "calm")


def segment_template(profile: UserProfile, host: HostSummary | None, *, generic: bool = False) -> str:
    """A PCI segment's template: the host's pacing decides when it is fast or slow
    (HOST_PACING_TEMPLATE), the profile otherwise (the generic tone for a generic plan)."""
    if host is not None and host.pacing in HOST_PACING_TEMPLATE:
        return HOST_PACING_TEMPLATE[host.pacing]
    return TONE_TEMPLATE.get(profile.style.tone, "calm") if generic else choose_template(profile)


def host_lighting(host: HostSummary) -> str:
    """The host's lighting in the profile's vocabulary, from its mean brightness (same cut-offs
    as the image analysis of history images)."""
    if host.brightness >= BRIGHT_MEAN:
        return "bright"
    return "dim" if host.brightness <= DIM_MEAN else "soft"


def choose_narrative(profile: UserProfile, match: MatchResult, *, has_interest: bool, n_claims: int) -> str:
    """The profile's narrative form unless the match cannot support it (→ showcase)."""
    if match.generic or profile.generic:
        return "showcase"
    form = profile.style.narrative_form
    if form in NARRATIVES_NEEDING_INTEREST and not has_interest:
        return "showcase"
    if form == "listicle" and n_claims < MIN_CLAIMS_FOR_LISTICLE:
        return "showcase"
    return form if form in NARRATIVE_FORMS else "showcase"


def rank_hook_types(profile: UserProfile, narrative: str, *, generic: bool, n_claims: int) -> list[str]:
    """Hook types best first for this narrative form and presentation style."""
    scores = dict.fromkeys(HOOK_TYPES, 0.0)
    for weight, prefs in ((NARRATIVE_WEIGHT, HOOKS_BY_NARRATIVE.get(narrative, [])),
                          (TONE_WEIGHT, [] if generic else HOOKS_BY_TONE.get(profile.style.tone, []))):
        for pos, hook in enumerate(prefs):
            scores[hook] += weight * (len(prefs) - pos)
    if profile.style.information_density == "high" and not generic:
        scores["bold_claim"] += DENSITY_BONUS
    ranked = sorted(HOOK_TYPES, key=lambda h: (-scores[h], HOOK_TYPES.index(h)))
    if generic:
        ranked = [h for h in ranked if h not in PERSONAL_HOOKS] + [h for h in ranked if h in PERSONAL_HOOKS]
    if n_claims == 0:  # a bold claim with nothing verified to claim is not an option
        ranked = [h for h in ranked if h != "bold_claim"]
    return ranked


# ---------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    key: str  # the selling point text, or the fact key
    kind: str  # "point" | "fact"
    text: str  # what may be said: the selling point, or the fact value
    label: str = ""  # fact label in the locale ("" when the pack has none)


def fact_label(key: str, pack: dict[str, Any]) -> str:
    """The locale's label for a fact key; English packs humanise unknown keys."""
    labels = pack.get("fact_labels", {})
    if key.lower() in labels:
        return labels[key.lower()]
    if pack.get("language") == "en" and not _CJK.search(key):
        return key.replace("_", " ").strip().capitalize()
    return key if language_of(key) == pack.get("language") else ""


def eligible_claims(
    product: Product,
    match: MatchResult,
    pack: dict[str, Any],
    *,
    blocked: Blocklist,
    exclude: Iterable[str] = (),
) -> list[Claim]:
    """Claims the creative may state, best first (the match's facet ranking, then product order).

    A selling point is left out when it names a blocked term (competitor, third-party brand,
    removed phrase) or contains a number the facts do not verify.
    """
    excluded = {e.strip().lower() for e in exclude}
    allowed = verified_numbers(product)
    claims: dict[str, Claim] = {}
    for sp in product.selling_points:
        sp = sp.strip()
        if sp and not blocked.hits(sp) and all(n in allowed for n in numbers_in(sp)):
            claims[sp] = Claim(sp, "point", _strip_end(sp))
    for key, value in product.facts.items():
        if value.strip() and not blocked.hits(value) and not blocked.hits(key):
            claims[key] = Claim(key, "fact", _strip_end(value), fact_label(key, pack))
    claims = {k: c for k, c in claims.items() if k.lower() not in excluded}
    ranked = [match.chosen_facet] if match.chosen_facet else []
    ranked += [f.facet for f in match.facets]
    order = list(dict.fromkeys(k for k in ranked if k in claims)) + [k for k in claims if k not in ranked]
    return [claims[k] for k in order]


# ---------------------------------------------------------------------------
# The plan: everything a scene needs, computed once
# ---------------------------------------------------------------------------


@dataclass
class _Plan:
    product: Product
    profile: UserProfile
    pack: dict[str, Any]
    visuals: dict[str, str]
    generic: bool
    narrative: str
    template: str
    hook_type: str
    hook_ranking: list[str]
    claims: list[Claim]
    values: dict[str, str]  # locale-safe placeholder values
    visual_values: dict[str, str]
    blocked: Blocklist
    allowed_numbers: frozenset[str]
    images: list[Asset]
    logos: list[Asset]
    cue_refs: list[str]
    keep_case: list[str] = field(default_factory=list)
    pci: bool = False  # a segment woven into a host video
    allowed_hooks: tuple[str, ...] = HOOK_TYPES
    stage: str | None = None  # campaign story stage (CreativeBrief.stage); None outside campaigns
    lead: str | None = None  # campaign: the claim the brief leads with (stated in the first claim slot)


def cue_ref(cue_id: str) -> str:
    """Scene asset reference of a user-preferred visual cue (grounding prepares cue ``cue_id``)."""
    return f"cue:{cue_id}"


def cue_ids(profile: UserProfile, limit: int) -> list[str]:
    """Ids of the visual cues grounding prepares: the index of each profile visual element."""
    return [str(i) for i in range(min(limit, len(profile.visual.elements)))]


def _user_value(text: str | None, *, lang: str, max_words: int, blocked: Blocklist,
                sensitive: Blocklist, allowed: frozenset[str]) -> str:
    """A user-derived phrase usable in copy, or "" (wrong language, too long, blocked, unverified number)."""
    text = _strip_end(text or "")
    if not text or language_of(text) != lang or count_words(text) > max_words:
        return ""
    if blocked.hits(text) or sensitive.hits(text) or any(n not in allowed for n in numbers_in(text)):
        return ""
    return text


def _chosen_scenario(match: MatchResult) -> str:
    for score in match.interests:
        if score.topic == match.chosen_interest and score.scenario:
            return score.scenario
    return ""


def build_plan(
    profile: UserProfile,
    product: Product,
    match: MatchResult,
    context: ServingContext,
    *,
    directive: RevisionDirective | None = None,
    keep: Storyboard | None = None,
    host: HostSummary | None = None,
    integration: IntegrationDecision | None = None,
    brief: CreativeBrief | None = None,
    exclude_facets: Sequence[str] = (),
) -> _Plan:
    """Resolve language, blocked terms, claims, narrative, template and hook for one storyboard.

    A campaign ``brief`` chooses hook, narrative form and template when valid here, the lead
    facet, the claims to avoid and the stage (module docstring); a PCI segment keeps the host's
    template and has no stages.

    ``keep`` (a previous storyboard) pins narrative form and template so a revision stays
    consistent with the scenes it keeps. With ``integration`` (PCI) the plan follows the host:
    its template, lighting and warmth, its topic in the copy, and hooks that continue a moment.
    """
    pci = integration is not None
    lang = pack_language(context)
    pack = load_pack(lang)
    own = {product.brand.lower(), product.name.lower()}
    third_party = [b for b in [*product.competitors, *profile.mentioned_brands] if b.lower() not in own]
    removed = directive.remove_text if directive else []
    blocked = Blocklist(words=third_party, phrases=removed)
    sensitive = Blocklist(prefixes=[*pack.get("sensitive_terms", []), *profile.withheld_sensitive])
    allowed = verified_numbers(product)
    generic = match.generic or profile.generic
    excluded_interests = {*(match.excluded_interests or []), *(directive.exclude_interests if directive else [])}

    stage = brief.stage if brief is not None and not pci else None
    claims = eligible_claims(product, match, pack, blocked=blocked,
                             exclude=[*exclude_facets, *(directive.exclude_facets if directive else ()),
                                      *(brief.avoid_claims if brief else ())])
    claims = stage_claims(claims, stage, lead=brief.facet if brief else None)
    interest = "" if generic or match.chosen_interest in excluded_interests else _user_value(
        match.chosen_interest, lang=lang, max_words=MAX_INTEREST_WORDS, blocked=blocked, sensitive=sensitive,
        allowed=allowed)
    scenario = _user_value(_chosen_scenario(match), lang=lang, max_words=MAX_SCENARIO_WORDS, blocked=blocked,
                           sensitive=sensitive, allowed=allowed) if interest else ""
    need = "" if generic else next(
        (v for v in (_user_value(n, lang=lang, max_words=MAX_NEED_WORDS, blocked=blocked, sensitive=sensitive,
                                 allowed=allowed) for n in profile.implicit_needs) if v), "")
    category = product.category if product.category and language_of(product.category) == lang else ""
    slogan = product.slogan if product.slogan and not blocked.hits(product.slogan) and all(
        n in allowed for n in numbers_in(product.slogan)) else ""
    values = {
        "product": product.name,
        # "Meet Aurora 7 from Auralis", but not "Meet Auralis Aurora 7 from Auralis".
        "brand": product.brand if product.brand.lower() not in product.name.lower() else "",
        "interest": interest,
        "scenario": scenario,
        "need": need,
        "category": category or pack.get("fallbacks", {}).get("category", ""),
        "slogan": _strip_end(slogan),
        # PCI: what the viewer was just watching (never a blocked or sensitive phrase).
        "host_topic": _user_value(host.topic, lang=lang, max_words=MAX_HOST_TOPIC_WORDS, blocked=blocked,
                                  sensitive=sensitive, allowed=allowed) if pci and host else "",
    }

    if keep is not None:
        narrative, template = keep.narrative_form, keep.template
    else:
        narrative = brief_narrative(brief, choose_narrative(profile, match, has_interest=bool(interest),
                                                           n_claims=len(claims)),
                                    has_interest=bool(interest), n_claims=len(claims))
        # A match below the threshold makes the *content* generic (no forced interest bridge);
        # the presentation still follows the viewer's profile unless there is none (GenericAds).
        if pci:
            template = segment_template(profile, host, generic=profile.generic)
        else:
            template = choose_template(profile) if not profile.generic else TONE_TEMPLATE.get(profile.style.tone, "calm")
            if brief is not None and brief.template in TEMPLATE_CAMERA:
                template = brief.template
    ranking = rank_hook_types(profile, narrative, generic=generic or not interest, n_claims=len(claims))
    allowed_hooks = PCI_HOOK_TYPES if pci else HOOK_TYPES
    ranking = [h for h in ranking if h in allowed_hooks]
    hook_type = directive.hook_type if directive and directive.hook_type in allowed_hooks else \
        brief_hook(brief, ranking, personal=bool(interest) and not generic)

    visual = profile.visual
    cues = [] if generic else cue_ids(profile, MAX_HOOK_CUES)

    def safe(text: str | None) -> str:  # prompts may be in any language, but never say what copy must not
        return text if text and not blocked.hits(text) and not sensitive.hits(text) else ""

    personal = not generic and match.chosen_interest not in excluded_interests
    cue_words = [safe(e.description) for e in visual.elements[: len(cues)]]
    visual_values = {
        "product": product.name,
        "brand": product.brand or product.name,
        "interest": (safe(match.chosen_interest) if personal else "") or "everyday",
        "scenario": scenario or "an everyday moment",
        "lighting": visual.lighting.replace("_", " ") if not profile.generic else "soft",
        "style": visual.artistic_style if not profile.generic else "clean",
        "warmth": visual.warmth if not profile.generic else "neutral",
        "cues": "; ".join(w for w in cue_words if w) or "the viewer's favourite scenes",
        "host_topic": (safe(host.topic) if host else "") or "the host video",
    }
    if pci and host is not None:  # the segment takes the host's light and colour temperature
        visual_values.update(lighting=host_lighting(host).replace("_", " "), warmth=host.warmth)
    # Plan only with assets whose licence covers this platform and date (grounding re-checks
    # and falls back for storyboards written elsewhere).
    licensed = [a for a in product.assets if licence_problem(a, context.platform, context.today) is None]
    images = [a for a in licensed if a.kind == "image"]
    hero = next((a for a in images if a.id == "hero"), None)
    if hero is not None:  # the hero leads: the first product shot is the identity shot
        images = [hero, *[a for a in images if a is not hero]]
    return _Plan(
        product=product, profile=profile, pack=pack, visuals=load_pack(VISUAL_LANGUAGE)["visuals"],
        generic=generic, narrative=narrative, template=template, hook_type=hook_type, hook_ranking=ranking,
        claims=claims, values=values, visual_values=visual_values, blocked=blocked, allowed_numbers=allowed,
        images=images, logos=[a for a in licensed if a.kind == "logo"],
        cue_refs=[cue_ref(c) for c in cues], keep_case=[product.name, product.brand],
        pci=pci, allowed_hooks=allowed_hooks, stage=stage,
        lead=brief.facet if brief is not None and any(c.key == brief.facet for c in claims) else None,
    )


# ---------------------------------------------------------------------------
# Campaign briefs: hypotheses and story stages
# ---------------------------------------------------------------------------


def is_price(key: str) -> bool:
    """Is this claim (a fact key or selling point) a price?"""
    low = key.lower()
    return any(w in low for w in PRICE_WORDS)


def stage_claims(claims: Sequence[Claim], stage: str | None, *, lead: str | None = None) -> list[Claim]:
    """Claims open to a stage, best first: the brief's lead facet first; prices only in the
    conversion stage (and there first among the facts, so a proof slot states it); at most
    ``STAGE_MAX_CLAIMS`` of them."""
    out = sorted(claims, key=lambda c: c.key != lead) if lead else list(claims)
    if stage is None:
        return out
    if stage == "conversion":
        out.sort(key=lambda c: not (c.kind == "fact" and is_price(c.key)))
    else:
        out = [c for c in out if not is_price(c.key)]
    limit = STAGE_MAX_CLAIMS.get(stage)
    return out[:limit] if limit is not None else out


def brief_narrative(brief: CreativeBrief | None, default: str, *, has_interest: bool, n_claims: int) -> str:
    """The brief's narrative form when this plan can tell it (same conditions as
    ``choose_narrative``), else ``default``."""
    form = brief.narrative_form if brief is not None else None
    if form not in NARRATIVE_FORMS:
        return default
    if (form in NARRATIVES_NEEDING_INTEREST and not has_interest) or \
            (form == "listicle" and n_claims < MIN_CLAIMS_FOR_LISTICLE):
        return default
    return form


def brief_hook(brief: CreativeBrief | None, ranking: Sequence[str], *, personal: bool) -> str:
    """The brief's hook type when it is open to this plan (ranked, and personal hooks only with
    something personal to say), else the best ranked one."""
    hook = brief.hook_type if brief is not None else None
    if hook in ranking and (personal or hook not in PERSONAL_HOOKS):
        return hook
    return ranking[0]


def stage_beats(beats: Sequence[str], stage: str | None) -> list[str]:
    """Claim beats re-kinded for the stage (``STAGE_BEAT``): information tells selling points,
    proof tells facts."""
    swap = STAGE_BEAT.get(stage or "", {})
    return [swap.get(b, b) for b in beats]


def hold_product_back(plan: _Plan, scenes: list[Scene]) -> list[Scene]:
    """Hook stage: no product image, logo or collage before the last ``PRODUCT_LATE_SCENES``
    scenes (the product enters late; the opening shows the viewer's own world)."""
    product_refs = {a.id for a in [*plan.images, *plan.logos]} | {"collage"}
    late = len(scenes) - PRODUCT_LATE_SCENES
    return [s.model_copy(update={"asset_refs": [r for r in s.asset_refs if r not in product_refs]})
            if s.index < late else s for s in scenes]


# ---------------------------------------------------------------------------
# Lines: phrase-pack templates filled, checked and fitted to the word limits
# ---------------------------------------------------------------------------


def _fill(plan: _Plan, template: str, values: dict[str, str], limit: int) -> str | None:
    """Fill one template; None when it runs over ``limit`` words or says something it must not."""
    text = tidy(template.format_map(values), keep_case=plan.keep_case)
    if count_words(text) > limit and "{point}" in template:
        text = tidy(template.format_map({**values, "point": values.get("point_short", "")}),
                    keep_case=plan.keep_case)
    if count_words(text) > limit:
        return None
    if plan.blocked.hits(text) or any(n not in plan.allowed_numbers for n in numbers_in(text)):
        return None
    return text


def _template_fields(template: dict[str, str]) -> set[str]:
    return _placeholders(template["text"]) | _placeholders(template["narration"])


def render_line(plan: _Plan, templates: Sequence[dict[str, str]], values: dict[str, str], variant: int,
                ) -> tuple[str, str, dict[str, str]] | None:
    """(on-screen text, narration, template) from the first usable template at or after ``variant``."""
    optional = {"connective"}
    available = {k for k, v in values.items() if v} | optional
    usable = [t for t in templates if _template_fields(t) <= available]
    # A personalised plan tells its lines through the user's interest whenever a template can,
    # and a PCI segment through the host's topic first (the integration must read as native):
    # rotating variants on a revision must not drift to a line without them.
    anchors = ([{"host_topic"}] if plan.pci and values.get("host_topic") else []) + \
        ([PERSONAL_VALUES] if values.get("interest") else [])
    rank = [tuple(not (_template_fields(t) & a) for a in anchors) for t in usable]
    groups = [[t for t, r in zip(usable, rank) if r == key] for key in sorted(set(rank))]
    ordered = [g[(variant + k) % len(g)] for g in groups if g for k in range(len(g))]
    for tpl in ordered:
        text = _fill(plan, tpl["text"], values, MAX_ON_SCREEN_WORDS)
        narration = _fill(plan, tpl["narration"], values, MAX_NARRATION_WORDS)
        if text is not None and narration is not None:
            return text, narration, tpl
    if not usable:
        return None
    # Nothing fits whole: cut the chosen template's lines at the word limits.
    tpl = usable[variant % len(usable)]
    text = truncate_words(tidy(tpl["text"].format_map(values), keep_case=plan.keep_case), MAX_ON_SCREEN_WORDS)
    narration = truncate_words(tidy(tpl["narration"].format_map(values), keep_case=plan.keep_case),
                               MAX_NARRATION_WORDS)
    if plan.blocked.hits(text + " " + narration):
        return None
    return text, narration, tpl


def _claim_values(plan: _Plan, claim: Claim, connective: str) -> dict[str, str]:
    if claim.kind == "fact":
        label = claim.label
        if connective and label[:1].isupper() and label[1:2].islower():  # "Plus, price: $89"
            label = label[0].lower() + label[1:]
        return {"fact_label": label, "fact_value": claim.text, "connective": connective,
                "point": f"{label}: {claim.text}" if label else claim.text,
                "point_short": short_form(claim.text, MAX_ON_SCREEN_WORDS - 2)}
    point = claim.text
    # "Plus, lightweight mesh" reads better than "Plus, Lightweight mesh" (acronyms/names stay).
    if connective and point[:1].isupper() and point[1:2].islower() and not any(
            k and point.startswith(k) for k in plan.keep_case):
        point = point[0].lower() + point[1:]
    return {"point": point, "point_short": short_form(claim.text, MAX_ON_SCREEN_WORDS),
            "connective": connective}


def _uses_claim(template: dict[str, str]) -> bool:
    fields = _placeholders(template["text"]) | _placeholders(template["narration"])
    return bool(fields & {"point", "point_short", "fact_value"})


def _take_claim(plan: _Plan, prefer: str, used: set[str], shift: int) -> Claim | None:
    """The next unused claim, preferring ``prefer`` kind; ``shift`` walks further down the list."""
    free = [c for c in plan.claims if c.key not in used]
    if not free:
        return None
    free.sort(key=lambda c: c.kind != prefer)  # stable: keeps the match ranking within a kind
    return free[shift % len(free)]


# ---------------------------------------------------------------------------
# Scenes
# ---------------------------------------------------------------------------


def plan_beats(plan: _Plan, purposes: Sequence[str]) -> list[str]:
    """What each scene does: hook, the narrative's opening beats, points, facts, cta.

    A PCI segment opens from the host frame, bridges from the host topic to the product in its
    first middle scene (no narrative opening: the bridge is the opening), and returns.
    """
    if plan.pci:
        middle = [{"proof": "fact"}.get(p, "point") for p in purposes[1:-1]]
        return ["host_open", *(["bridge"] + middle[1:] if middle else []), "host_return"]
    body_slots = sum(p == "body" for p in purposes)
    # Keep at least one body slot for a selling point: the product's case comes first.
    opening = NARRATIVE_OPENING.get(plan.narrative, [])[: max(0, body_slots - 1)]
    beats, body_i = [], 0
    for purpose in purposes:
        if purpose == "body":
            beats.append(opening[body_i] if body_i < len(opening) else "point")
            body_i += 1
        else:
            beats.append({"hook": "hook", "proof": "fact", "cta": "cta"}[purpose])
    return stage_beats(beats, plan.stage)


def allocate_claims(plan: _Plan, beats: Sequence[str]) -> list[Claim | None]:
    """Which claim each scene states: the best one in a bold-claim hook (a campaign brief's lead
    facet in the first claim slot), facts in proof scenes, selling points in body scenes, then
    whatever is left wherever a claim slot is still empty. No claim is stated twice."""
    out: list[Claim | None] = [None] * len(beats)
    pool = list(plan.claims)

    def take(kind: str | None) -> Claim | None:
        found = next((c for c in pool if kind is None or c.kind == kind), None)
        if found is not None:
            pool.remove(found)
        return found

    lead = next((c for c in pool if c.key == plan.lead), None)
    for i, beat in enumerate(beats):
        if beat == "hook" and plan.hook_type == "bold_claim":
            if lead is not None:
                pool.remove(lead)
            out[i] = lead or take("point") or take(None)
            lead = None
    lead = lead if lead in pool else None
    first = next((i for i, b in enumerate(beats) if b in CLAIM_KIND and out[i] is None), None)
    if lead is not None and first is not None and not any(out):  # a campaign's lead facet is said first
        pool.remove(lead)
        out[first] = lead
    for kind in ("fact", "point"):
        for i, beat in enumerate(beats):
            if CLAIM_KIND.get(beat) == kind and out[i] is None:
                out[i] = take(kind)
    for i, beat in enumerate(beats):
        if beat in CLAIM_KIND and out[i] is None:
            out[i] = take(None)
    return out


def _pick_image(plan: _Plan, words: Sequence[str], turn: int, avoid: str | None = None) -> list[str]:
    """One product image id: one matching ``words`` when there is one, else rotating from the
    hero; never ``avoid`` (the previous scene's image) when another image exists."""
    if not plan.images:
        return []
    preferred = [a for a in plan.images if any(w in f"{a.id} {a.description}".lower() for w in words)]
    pool = preferred or plan.images
    if avoid is not None and len(pool) == 1 and pool[0].id == avoid:
        pool = plan.images  # a different shot beats the preferred kind
    rotation = [pool[(turn + k) % len(pool)] for k in range(len(pool))]
    return [next((a.id for a in rotation if a.id != avoid), rotation[0].id)]


def _visual(plan: _Plan, key: str, values: dict[str, str], turn: int) -> str:
    merged = {**plan.visual_values, "point_short": "its design", "fact_label": "", "fact_value": "", "cta": "",
              **{k: v for k, v in values.items() if k in ("point_short", "fact_label", "fact_value", "cta") and v}}
    spec = plan.visuals[key]
    template = spec[turn % len(spec)] if isinstance(spec, list) else spec
    return re.sub(r"\s+", " ", template.format_map(merged)).strip()


@dataclass
class _Draft:
    purpose: ScenePurpose
    visual: str
    narration: str
    on_screen_text: str
    asset_refs: list[str]
    claims: list[str]


def draft_scene(plan: _Plan, beat: str, *, index: int, turn: int, claim: Claim | None, connective: str = "",
                variant: int = 0, purpose: ScenePurpose, avoid_image: str | None = None) -> _Draft:
    """Write one scene's text, visual description, assets and claims for its beat.

    ``index`` is the scene's position (image rotation); ``turn`` its position among the
    claim slots (filler rotation); ``claim`` what it states, if anything, opened by ``connective``;
    ``avoid_image`` the previous scene's product image (consecutive shots differ).
    """
    pack, values = plan.pack, dict(plan.values)
    hero = [plan.images[0].id] if plan.images else []
    if beat == "hook":
        templates, vkey = pack["hooks"][plan.hook_type], "hook_product"
        if plan.hook_type != "bold_claim":
            claim = None
        elif claim is not None:
            values.update(_claim_values(plan, claim, ""))
        if plan.cue_refs:  # open on what this user likes to look at
            refs, vkey = [*plan.cue_refs, "collage"], "hook_cues"
        else:  # a lifestyle shot when there is one: the hero is saved for the product's entrance
            refs = [] if plan.hook_type == "problem" else _pick_image(plan, LIFESTYLE_WORDS, 0)
            if values["interest"] and plan.hook_type in PERSONAL_HOOKS:
                vkey = "hook_interest"
    elif beat == "cta":
        claim = None
        tendencies = [t for t in plan.profile.decision_tendencies if t in pack["cta"]] if not plan.generic else []
        group = tendencies[0] if tendencies else STRONG_CTA if plan.stage == "conversion" else plan.template
        templates = pack["cta"][SOFT_CTA if plan.stage == "hook" else group]
        refs, vkey = [*(a.id for a in plan.logos[:1]), *hero], "cta"
    elif beat == "host_open":  # PCI: the hook continues from the host's own frame
        claim = None
        templates, vkey = pack["pci"]["opening"][plan.hook_type], "pci_opening"
        refs = [HOST_FRAME_REF]
        if plan.hook_type not in PCI_TEASE_HOOKS and plan.images:  # the product enters as an inset
            refs.append(plan.images[0].id)
        else:
            vkey = "pci_opening_tease"
    elif beat == "host_return":  # PCI: back to the host frame, silently (no CTA end card)
        return _Draft(purpose, _visual(plan, "pci_return", values, turn), "", "", [HOST_FRAME_REF], [])
    elif beat == "bridge":  # PCI: from the host topic and the user's interest to the product
        if claim is not None:
            values.update(_claim_values(plan, claim, ""))
        templates, vkey = pack["pci"]["bridge" if claim is not None else "bridge_intro"], "pci_bridge"
        refs = _pick_image(plan, LIFESTYLE_WORDS, index, avoid_image) + plan.cue_refs[:1]
    elif beat in ("point", "fact"):
        if claim is None:  # nothing left to claim: a visual beat that keeps the story going
            templates, vkey, variant = pack["beats"]["filler"], "filler", variant + turn
        else:
            values.update(_claim_values(plan, claim, connective))
            templates, vkey = pack["beats"][claim.kind], claim.kind
        refs = _pick_image(plan, DETAIL_WORDS if beat == "fact" else (), index, avoid_image)
    else:  # narrative opening beats: intro, solution, problem, scenario
        claim = None
        templates, vkey = pack["beats"][beat], beat
        if beat == "problem":  # the problem stage shows no product (progressive storytelling)
            refs = list(plan.cue_refs)
        elif beat == "scenario":
            refs = _pick_image(plan, LIFESTYLE_WORDS, index, avoid_image) + plan.cue_refs[:1]
        else:
            refs = hero

    line = render_line(plan, templates, values, variant)
    if line is None:  # e.g. a forced bold-claim hook with nothing verified to claim
        claim = None
        fallback = {"hook": pack["hooks"]["curiosity"], "host_open": pack["pci"]["opening"]["curiosity"]}.get(
            beat, pack["beats"]["filler"])
        line = render_line(plan, fallback, values, variant)
    text, narration, tpl = line or ("", "", {"text": "", "narration": ""})
    claims = [claim.key] if claim is not None and _uses_claim(tpl) else []
    if beat == "cta":
        values["cta"] = text
    return _Draft(purpose, _visual(plan, vkey, values, turn), narration, text, refs, claims)


def assign_motion(purposes: Sequence[str], template: str, pacing: str) -> list[tuple[CameraMotion, Transition]]:
    """Camera motion and incoming transition per scene, from the template and pacing."""
    spec = TEMPLATE_CAMERA[template]
    cycle = SLOW_PACING_CYCLE if pacing == "slow" else list(spec["cycle"])
    if pacing == "fast":  # every shot moves
        cycle = [c for c in cycle if c != "static"] or cycle
    transitions = TEMPLATE_TRANSITIONS[template]
    out: list[tuple[CameraMotion, Transition]] = []
    prev_cam: str | None = None
    for i, purpose in enumerate(purposes):
        if purpose == "hook":
            cam = spec["hook"]
        elif purpose == "cta":
            cam = spec["cta"]
        else:
            cam = cycle[i % len(cycle)]
            if cam == prev_cam:  # never the same move twice in a row
                cam = cycle[(i + 1) % len(cycle)]
        trans = "cut" if i == 0 else (CTA_TRANSITION[template] if purpose == "cta"
                                      else transitions[(i - 1) % len(transitions)])
        out.append((cam, trans))
        prev_cam = cam
    return out


def connectives_for(plan: _Plan, claims: Sequence[Claim | None], beats: Sequence[str]) -> list[str]:
    """Connective opening each claim line: the pack's first one for the first claim, its last
    one for the last claim ("And finally"), the ones between for the middle claims."""
    options = plan.pack.get("connectives", {}).get(plan.narrative) or [""]
    bearing = [i for i, c in enumerate(claims) if c is not None and beats[i] in CLAIM_KIND]
    middle = options[1:-1] or options[-1:]
    out = [""] * len(claims)
    for k, i in enumerate(bearing):
        if k == 0:
            out[i] = options[0]
        elif k == len(bearing) - 1:
            out[i] = options[-1]
        else:
            out[i] = middle[(k - 1) % len(middle)]
    return out


def _first_image(plan: _Plan, scenes: Sequence[Scene]) -> str | None:
    """The product image the last of ``scenes`` shows (None when there is none)."""
    ids = {a.id for a in plan.images}
    return next((r for r in scenes[-1].asset_refs if r in ids), None) if scenes else None


def _turns(beats: Sequence[str]) -> list[int]:
    """Position of each scene among the claim-bearing scenes (for connectives and image rotation)."""
    turns, k = [], 0
    for beat in beats:
        turns.append(k)
        k += beat in CLAIM_KIND
    return turns


def _title(plan: _Plan) -> str:
    group = "personal" if plan.values["interest"] else "generic"
    line = render_line(plan, [{"text": t, "narration": ""} for t in plan.pack["titles"][group]], plan.values, 0)
    return truncate_words(line[0], MAX_TITLE_WORDS) if line else plan.product.name


def _scene(index: int, start_s: float, duration_s: float, draft: _Draft, motion: tuple[str, str]) -> Scene:
    return Scene(index=index, start_s=start_s, duration_s=duration_s, purpose=draft.purpose, visual=draft.visual,
                 camera=motion[0], narration=draft.narration, on_screen_text=draft.on_screen_text,
                 asset_refs=draft.asset_refs, transition=motion[1], claims=draft.claims)


def _storyboard(plan: _Plan, scenes: list[Scene], context: ServingContext, title: str | None = None) -> Storyboard:
    cta = next((s.on_screen_text for s in reversed(scenes) if s.purpose == "cta"), "")
    return Storyboard(scenes=scenes, target_duration_s=context.duration_s, hook_type=plan.hook_type,
                      narrative_form=plan.narrative, template=plan.template, locale=context.locale, cta=cta,
                      title=title if title is not None else _title(plan), source="offline")


# ---------------------------------------------------------------------------
# PCI frame rules (shared with the LLM storyboard's post-checks)
# ---------------------------------------------------------------------------

OPENING_VISUAL_PREFIX = "Continues from the host video's own frame"


def is_segment(storyboard: Storyboard) -> bool:
    """Is this a PCI segment (it opens on and returns to the host frame)?"""
    scenes = storyboard.scenes
    return len(scenes) >= 2 and scenes[0].asset_refs[:1] == [HOST_FRAME_REF] and \
        scenes[-1].asset_refs == [HOST_FRAME_REF]


def _logo_id(plan: Any) -> str | None:
    return plan.logos[0].id if plan.logos else None


def enforce_integration(storyboard: Storyboard, logo: str | None = None) -> Storyboard:
    """The PCI frame rules, whoever wrote the storyboard:

    - scene 0 is the hook and starts from the host frame: ``host:start`` leads its asset refs
      (other refs, e.g. a product inset, stay), static camera, a cut, and a visual description
      that says it continues from the host frame;
    - the last scene returns to the host frame: purpose body, refs exactly ``["host:start"]``, a
      static fade, no on-screen text, no narration, no claims;
    - no scene is a CTA and the storyboard has no CTA line (PCI has no end card), so the last
      scene before the return carries the brand: the product's `logo` joins its visuals.
    """
    scenes = storyboard.scenes
    if len(scenes) < 2:
        raise ValueError("a PCI segment needs an opening and a return scene")
    first, last = scenes[0], scenes[-1]
    visual = first.visual if "host" in first.visual.lower() else f"{OPENING_VISUAL_PREFIX}: {first.visual}"
    opening = first.model_copy(update={
        "purpose": "hook", "camera": "static", "transition": "cut", "visual": visual,
        "asset_refs": [HOST_FRAME_REF, *dict.fromkeys(r for r in first.asset_refs if r != HOST_FRAME_REF)]})
    back = last.model_copy(update={"purpose": "body", "camera": "static", "transition": "fade",
                                   "asset_refs": [HOST_FRAME_REF], "on_screen_text": "", "narration": "",
                                   "claims": []})
    middle = [s.model_copy(update={"purpose": "body"}) if s.purpose == "cta" else s for s in scenes[1:-1]]
    if logo and middle and logo not in middle[-1].asset_refs:
        middle[-1] = middle[-1].model_copy(update={"asset_refs": [*middle[-1].asset_refs, logo]})
    return storyboard.model_copy(update={"scenes": [opening, *middle, back], "cta": ""})


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------


def write_storyboard(
    profile: UserProfile,
    product: Product,
    match: MatchResult,
    context: ServingContext,
    *,
    previous: Storyboard | None = None,
    directive: RevisionDirective | None = None,
    host: HostSummary | None = None,
    integration: IntegrationDecision | None = None,
    brief: CreativeBrief | None = None,
    exclude_facets: Sequence[str] = (),
) -> Storyboard:
    """Write the scene-level script for this user, product and serving context.

    ``exclude_facets``: selling points / fact keys left out earlier in this run (a directive, a
    review edit); they stay out of every later storyboard, not only the one that removed them.

    ``brief`` (campaigns): the impression's hypotheses, claims to avoid and story stage (module
    docstring); None keeps the PCG/PCI storyboard unchanged.

    With ``previous`` and ``directive``, only the scenes the directive targets are rewritten
    (``scope`` indices, scenes overlapping ``time_range``, the hook for ``hook_type``, or the
    scenes carrying ``remove_text`` / ``exclude_facets``); every other scene is kept as it was.

    With ``integration`` (PCI; ``host`` is its summary) the storyboard is the segment woven into
    the host video (module docstring); a revision keeps its opening and return frame scenes.
    """
    pci = integration is not None
    if previous is not None and directive is not None and _revisable(previous, context, pci=pci):
        return _revise(previous, directive, profile, product, match, context, host=host, integration=integration,
                       brief=brief, exclude_facets=exclude_facets)
    plan = build_plan(profile, product, match, context, directive=directive, host=host, integration=integration,
                      brief=brief, exclude_facets=exclude_facets)
    durations, purposes = storyboard_timeline(profile, context, host=host, integration=integration)
    beats = plan_beats(plan, purposes)
    motion = assign_motion(purposes, plan.template, segment_pacing(profile, host) if pci else profile.style.pacing)
    claims = allocate_claims(plan, beats)
    connectives = connectives_for(plan, claims, beats)
    scenes, start, said = [], 0.0, set()
    for i, (duration, purpose, beat, turn) in enumerate(zip(durations, purposes, beats, _turns(beats))):
        for variant in range(MAX_REVISION_ATTEMPTS):  # never say the same line twice in one ad
            draft = draft_scene(plan, beat, index=i, turn=turn, claim=claims[i], connective=connectives[i],
                                variant=variant, purpose=purpose, avoid_image=_first_image(plan, scenes))
            if not ({draft.narration, draft.on_screen_text} - {""}) & said:
                break
        said.update({draft.narration, draft.on_screen_text} - {""})
        scenes.append(_scene(i, round(start, 3), duration, draft, motion[i]))
        start += duration
    if plan.stage == "hook":
        scenes = hold_product_back(plan, scenes)
    board = _storyboard(plan, scenes, context)
    return enforce_integration(board, _logo_id(plan)) if pci else board


# ---------------------------------------------------------------------------
# Revisions
# ---------------------------------------------------------------------------


def _revisable(previous: Storyboard, context: ServingContext, *, pci: bool = False) -> bool:
    """A scene-level rewrite keeps the timeline, language and task (PCG ad or PCI segment);
    otherwise the storyboard is rewritten whole."""
    same_duration = abs(previous.target_duration_s - context.duration_s) <= 0.05
    same_task = is_segment(previous) == pci
    return same_duration and same_task and previous.locale.lower()[:2] == context.locale.lower()[:2]


def revisable_scenes(previous: Storyboard, directive: RevisionDirective, *, pci: bool = False) -> list[int]:
    """Scenes a directive rewrites: ``affected_scenes``, less a PCI segment's return scene (the
    frame it returns to is fixed; the opening keeps its frame but may change its words)."""
    targets = affected_scenes(previous, directive)
    return [i for i in targets if i != len(previous.scenes) - 1] if pci else targets


def scenes_in_range(storyboard: Storyboard, start_s: float, end_s: float) -> list[int]:
    """Scenes a time range is about: most of the scene lies in it, or most of it lies in the scene.

    A 0–3 s range over a 0–3.0 s hook and a 3.0–5.5 s body scene selects the hook only; a
    range inside one scene selects that scene.
    """
    span = max(end_s - start_s, 0.0)
    picked = []
    for scene in storyboard.scenes:
        overlap = min(end_s, scene.end_s) - max(start_s, scene.start_s)
        if overlap > 0 and (overlap > MAJORITY * scene.duration_s or overlap >= MAJORITY * span):
            picked.append(scene.index)
    return picked


def affected_scenes(previous: Storyboard, directive: RevisionDirective) -> list[int]:
    """Scene indices a directive asks to rewrite (all scenes when it names none)."""
    n = len(previous.scenes)
    idx = {i for i in directive.scope if 0 <= i < n}
    if directive.time_range is not None:
        idx.update(scenes_in_range(previous, *directive.time_range))
    if directive.hook_type:
        idx.update(s.index for s in previous.scenes if s.purpose == "hook")
    if not idx:
        removed = Blocklist(phrases=directive.remove_text)
        excluded = {f.lower() for f in directive.exclude_facets}
        idx = {s.index for s in previous.scenes
               if removed.hits(f"{s.narration} {s.on_screen_text}") or excluded & {c.lower() for c in s.claims}}
    return sorted(idx) if idx else list(range(n))


def _strip_phrases(text: str, phrases: Sequence[str], keep_case: Sequence[str]) -> str:
    for phrase in phrases:
        if phrase.strip():
            text = re.sub(re.escape(phrase.strip()), "", text, flags=re.IGNORECASE)
    return tidy(text, keep_case=keep_case)


def _next_hook(plan: _Plan, previous: Storyboard, directive: RevisionDirective) -> str:
    if directive.hook_type in plan.allowed_hooks:
        return directive.hook_type
    return next((h for h in plan.hook_ranking if h != previous.hook_type), plan.hook_ranking[0])


def _revise(
    previous: Storyboard,
    directive: RevisionDirective,
    profile: UserProfile,
    product: Product,
    match: MatchResult,
    context: ServingContext,
    *,
    host: HostSummary | None = None,
    integration: IntegrationDecision | None = None,
    brief: CreativeBrief | None = None,
    exclude_facets: Sequence[str] = (),
) -> Storyboard:
    pci = integration is not None
    plan = build_plan(profile, product, match, context, directive=directive, keep=previous, host=host,
                      integration=integration, brief=brief, exclude_facets=exclude_facets)
    targets = revisable_scenes(previous, directive, pci=pci)
    rewrite_hook = any(previous.scenes[i].purpose == "hook" for i in targets)
    plan.hook_type = _next_hook(plan, previous, directive) if rewrite_hook else previous.hook_type
    purposes = [s.purpose for s in previous.scenes]
    beats = plan_beats(plan, purposes)
    turns = _turns(beats)
    # Connectives follow the previous storyboard's claim order, so kept scenes still read in sequence.
    connectives = connectives_for(plan, [Claim(c[0], "point", "") if (c := s.claims) else None
                                         for s in previous.scenes], beats)
    used = {c for s in previous.scenes if s.index not in targets for c in s.claims}
    scenes = list(previous.scenes)
    for i in targets:
        old = previous.scenes[i]
        said = {t for s in scenes if s.index != i for t in (s.narration, s.on_screen_text) if t}
        chosen: _Draft | None = None
        for attempt in range(MAX_REVISION_ATTEMPTS):
            # Walk wordings first, then further claims, until the scene reads differently.
            claim = _take_claim(plan, "fact" if beats[i] == "fact" else "point", used, attempt // REWORDINGS)
            draft = draft_scene(plan, beats[i], index=i, turn=turns[i], claim=claim, connective=connectives[i],
                                variant=1 + attempt, purpose=old.purpose, avoid_image=_first_image(plan, scenes[:i]))
            draft.narration = _strip_phrases(draft.narration, directive.remove_text, plan.keep_case)
            draft.on_screen_text = _strip_phrases(draft.on_screen_text, directive.remove_text, plan.keep_case)
            if (draft.narration, draft.on_screen_text) == (old.narration, old.on_screen_text):
                continue
            chosen = chosen or draft  # first rewrite that differs, even if it echoes another scene
            if not ({draft.narration, draft.on_screen_text} - {""}) & said:
                chosen = draft
                break
        chosen = chosen or draft
        used.update(chosen.claims)
        # Same slot, same camera and transition: only the content changes.
        scenes[i] = _scene(i, old.start_s, old.duration_s, chosen, (old.camera, old.transition))
    if plan.stage == "hook":  # rewritten scenes hold the product back too; kept ones stay as they were
        held = hold_product_back(plan, scenes)
        scenes = [held[i] if i in targets else s for i, s in enumerate(scenes)]
    title = previous.title
    if Blocklist(phrases=directive.remove_text).hits(title) or plan.blocked.hits(title):
        title = None
    board = _storyboard(plan, scenes, context, title=title)
    return enforce_integration(board, _logo_id(plan)) if pci else board
