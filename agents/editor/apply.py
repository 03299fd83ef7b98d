"""Apply a reviewer's EditIntents to a CreativePlan, then re-validate it.

Every edit yields a new plan (the input is never mutated) or is refused with a reason.
One message's edits are applied together and re-validated together; if any edit is
refused, or the edited plan has a problem the plan before it did not have, nothing
changes. Re-validation (``revalidate``):

- the timeline: scenes are renumbered, start where the previous one ends and their
  durations sum to the target (the Storyboard model's own validator);
- claims ⊆ verified facts / selling points (the Verifier's ``check_claims``: every number
  in the copy appears in a fact, every stated claim is a fact or selling point);
- compliance: the ``check_compliance`` tool on the plan (rule packs, licences, trademarks);
- word limits of the scenes a text edit touched (what fits a 2–3 s scene).

Edits that change copy go through the Director's own storyboard writer where it can do
the job (hook type and topic, leaving a facet out: a scoped ``RevisionDirective`` via
``agents.llm_dispatch.write_storyboard``, so a configured LLM writes them); structural
edits (remove, reorder, insert, duration, palette, tone, verbatim text) are applied here.
Scene numbers in intents are 1-based, as displayed (``agents/editor/parser.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from agents import llm_dispatch
from agents.director.grounding import bind_scenes, grounding_constraints, harmonise_palette, valid_hex, with_lightness
from agents.director.storyboard import (
    HOOK_TYPES,
    MAX_NARRATION_WORDS,
    MAX_ON_SCREEN_WORDS,
    MAX_SCENE_S,
    MIN_SCENE_S,
    PCI_HOOK_TYPES,
    PCI_MIN_SEGMENT_S,
    TIME_QUANTUM_MS,
    Blocklist,
    Claim,
    assign_motion,
    choose_template,
    count_words,
    eligible_claims,
    enforce_integration,
    load_pack,
    pack_language,
    scene_durations,
    short_form,
    truncate_words,
)
from agents.editor.parser import LAST_SCENE, EditIntent
from agents.verifier.utility import check_claims
from nextads.providers.embeddings import similarity
from nextads.schemas import (
    CreativePlan,
    Finding,
    InterestScore,
    Product,
    RevisionDirective,
    Scene,
    ServingContext,
    Storyboard,
)
from tools.assets import rejection_reason
from tools.compliance import check_compliance

# A facet the person names matches a fact / selling point lexically, or by meaning at least this well.
FACET_SIMILARITY_MIN = 0.45
MIN_TOPIC_WORD_CHARS = 3  # shorter words ("a", "of") never identify a facet
MIN_STEM_CHARS = 5  # words this long that share all but their ending are one term
STEM_SLACK = 1  # letters of the shorter word its ending may differ in ("battery" / "batteries")
# A claim counts as stated by a text when this share of its content words appear in it.
CLAIM_WORD_SHARE = 0.5
MAX_TOPIC_WORDS = 6  # a hook topic is a few words, not a sentence
PALETTE_SHADES = (0.45, 0.7, 0.25)  # lightness of the base, light and dark shades of a named colour
# Named palettes: a base colour per name (the shades are derived), and the warmth it reads as.
NAMED_COLOURS: dict[str, tuple[str, str]] = {
    "blue": ("#2563eb", "cool"), "navy": ("#1e3a8a", "cool"), "teal": ("#0d9488", "cool"),
    "cyan": ("#06b6d4", "cool"), "green": ("#16a34a", "cool"), "mint": ("#34d399", "cool"),
    "purple": ("#7c3aed", "cool"), "violet": ("#7c3aed", "cool"), "grey": ("#6b7280", "neutral"),
    "gray": ("#6b7280", "neutral"), "black": ("#111827", "neutral"), "dark": ("#1f2937", "neutral"),
    "white": ("#f3f4f6", "neutral"), "light": ("#e5e7eb", "neutral"), "monochrome": ("#4b5563", "neutral"),
    "neutral": ("#a8a29e", "neutral"), "red": ("#dc2626", "warm"), "orange": ("#ea580c", "warm"),
    "yellow": ("#eab308", "warm"), "gold": ("#ca8a04", "warm"), "pink": ("#ec4899", "warm"),
    "brown": ("#92400e", "warm"), "beige": ("#d6c7a1", "warm"), "earth": ("#8b6b4a", "warm"),
    "earthy": ("#8b6b4a", "warm"), "warm": ("#e07a3f", "warm"), "cool": ("#3b82f6", "cool"),
    "pastel": ("#f9a8d4", "warm"), "forest": ("#166534", "cool"), "ocean": ("#0369a1", "cool"),
}
BRAND_PALETTE_NAMES = ("brand", "brand's", "product", "original", "default")
TONE_PACING = {"energetic": "fast", "calm": "slow"}  # tones that also set the cut rhythm of camera moves
STOP_WORDS = frozenset("the a an its it this that of for about on and or to in with my our your their".split())
EDITOR_SOURCE = "editor"


class EditRefused(Exception):
    """An edit that cannot be applied; the message says why (shown to the person)."""


class EditResult(BaseModel):
    """The outcome of one message's edits."""

    plan: CreativePlan  # the edited plan, or the unchanged one when refused
    applied: bool
    messages: list[str] = Field(default_factory=list)  # one per edit, or the refusal reasons
    exclude_facets: list[str] = Field(default_factory=list)  # facets the person asked to leave out
    include_facets: list[str] = Field(default_factory=list)  # facets the person asked back in
    fallbacks: list[dict[str, Any]] = Field(default_factory=list)  # LLM steps that fell back to offline


@dataclass
class Change:
    """What one edit did."""

    plan: CreativePlan
    message: str
    exclude_facets: list[str] = field(default_factory=list)
    include_facets: list[str] = field(default_factory=list)
    fallbacks: list[dict[str, Any]] = field(default_factory=list)
    touched: list[int] = field(default_factory=list)  # scenes whose text the person wrote


# --------------------------------------------------------------------------- scenes and timeline


def scene_index(plan: CreativePlan, number: int | None) -> int:
    """A displayed (1-based) scene number → the index into ``storyboard.scenes``."""
    n = len(plan.storyboard.scenes)
    if number is None:
        raise EditRefused("which scene? (scenes are numbered 1 to %d, as shown)" % n)
    if number == LAST_SCENE:
        return n - 1
    if not 1 <= number <= n:
        raise EditRefused(f"there is no scene {number}: the plan has scenes 1 to {n}")
    return number - 1


def fit_durations(n: int, total_s: float, pacing: str = "medium") -> list[float]:
    """Slot lengths for ``n`` scenes summing exactly to ``total_s``: the Director's own timeline
    when it has ``n`` slots, else an even split on the time grid; each 2–3 s (one scene: any)."""
    slots = scene_durations(total_s, pacing)
    if len(slots) == n:
        return slots
    if n == 1:
        return [round(total_s, 3)]
    if n * MIN_SCENE_S > total_s + 1e-6:
        raise EditRefused(f"{n} scenes need at least {n * MIN_SCENE_S:g} s ({MIN_SCENE_S:g} s each) but the ad is "
                          f"{total_s:g} s; make the ad longer first (e.g. \"{n * MIN_SCENE_S:g} seconds\")")
    if n * MAX_SCENE_S < total_s - 1e-6:
        raise EditRefused(f"{n} scenes of at most {MAX_SCENE_S:g} s cannot fill {total_s:g} s")
    total_q = round(total_s * 1000 / TIME_QUANTUM_MS)
    base, extra = divmod(total_q, n)
    return [(base + (1 if i < extra else 0)) * TIME_QUANTUM_MS / 1000 for i in range(n)]


def relay(scenes: Sequence[Scene], durations: Sequence[float] | None = None) -> list[Scene]:
    """Renumber scenes 0..n-1 and lay them end to end (with new durations when given)."""
    out, t = [], 0.0
    for i, scene in enumerate(scenes):
        d = durations[i] if durations is not None else scene.duration_s
        out.append(scene.model_copy(update={"index": i, "start_s": round(t, 3), "duration_s": d}))
        t += d
    return out


def licensed_assets(plan: CreativePlan, product: Product) -> list[Any]:
    """Product assets this plan may show (licence valid for its platform and date, file present)."""
    ctx = plan.context
    return [a for a in product.assets if rejection_reason(a, ctx.platform, ctx.today) is None]


def with_storyboard(plan: CreativePlan, product: Product, scenes: Sequence[Scene], *,
                    context: ServingContext | None = None, **board: Any) -> CreativePlan:
    """The plan with new scenes (relaid, re-validated, PCI frame rules kept) and the grounding's
    scene bindings and constraints rebuilt for them (palette, cues and collage kept)."""
    context = context or plan.context
    old = plan.storyboard
    cta = next((s.on_screen_text for s in reversed(scenes) if s.purpose == "cta"), "")
    fields = {**old.model_dump(), "scenes": [s.model_dump() for s in relay(scenes)],
              "target_duration_s": context.duration_s, "cta": cta if cta or plan.task == "pci" else old.cta, **board}
    try:
        storyboard = Storyboard.model_validate(fields)
    except ValidationError as exc:
        raise EditRefused(f"the edited storyboard is not valid: {exc.errors()[0]['msg']}") from None
    if plan.task == "pci":
        logo = next((a.id for a in licensed_assets(plan, product) if a.kind == "logo"), None)
        storyboard = enforce_integration(storyboard, logo)
    eligible = licensed_assets(plan, product)
    bindings = bind_scenes(storyboard, product, eligible, plan.grounding.cues)
    constraints = grounding_constraints(storyboard, product, bindings, plan.grounding.palette,
                                        plan.grounding.rejected_assets, plan.integration)
    grounding = plan.grounding.model_copy(update={"bindings": bindings, "constraints": constraints})
    return plan.model_copy(update={"storyboard": storyboard, "grounding": grounding, "context": context})


def _protect_frame_scenes(plan: CreativePlan, indices: Sequence[int], verb: str) -> None:
    """PCI: the opening and the return scene hold the host frame; they cannot be removed or moved."""
    last = len(plan.storyboard.scenes) - 1
    if plan.task == "pci" and any(i in (0, last) for i in indices):
        raise EditRefused(f"cannot {verb} the opening or the return scene of an integrated segment "
                          "(they start from and return to the host frame)")


# --------------------------------------------------------------------------- claims


def same_word(a: str, b: str) -> bool:
    """Two words are the same term: equal, or one is the other plus an ending
    ("waterproof" / "waterproofing", "battery" / "batteries")."""
    if a == b:
        return True
    stem = min(len(a), len(b))
    common = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), stem)
    return stem >= MIN_STEM_CHARS and common >= max(MIN_STEM_CHARS, stem - STEM_SLACK)


def shares_word(words: Sequence[str], others: Sequence[str]) -> int:
    """How many of ``words`` appear among ``others`` (as the same term)."""
    return sum(1 for w in words if any(same_word(w, o) for o in others))


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w\-]+", text.casefold()) if len(w) >= MIN_TOPIC_WORD_CHARS
            and w not in STOP_WORDS]


def plan_claims(plan: CreativePlan, product: Product) -> list[Claim]:
    """Every claim this plan may state (facts and selling points, the match's ranking first)."""
    pack = load_pack(pack_language(plan.context))
    return eligible_claims(product, plan.match, pack, blocked=Blocklist(words=product.competitors))


def find_claims(topic: str, claims: Sequence[Claim]) -> list[Claim]:
    """Claims a person's words name: the fact key or a content word of the topic in the claim
    (lexical), else the closest claim by meaning when it is close enough; best first."""
    words = _content_words(topic)
    if not words:
        return []
    scored = []
    for claim in claims:
        hits = shares_word(words, _content_words(f"{claim.key} {claim.text}"))
        if topic.casefold().strip() == claim.key.casefold() or hits:
            scored.append((hits + (len(words) if topic.casefold().strip() == claim.key.casefold() else 0), claim))
    if scored:
        return [c for _, c in sorted(scored, key=lambda x: -x[0])]
    sims = similarity([topic], [f"{c.key}: {c.text}" for c in claims])[0] if claims else []
    best = max(range(len(claims)), key=lambda i: sims[i], default=None)
    return [claims[best]] if best is not None and sims[best] >= FACET_SIMILARITY_MIN else []


def states_claim(text: str, claim: Claim) -> bool:
    """Does ``text`` say this claim: all of its numbers and most of its content words?
    (Numbers alone are not enough: "2 days" does not state a "2 years" warranty.)"""
    numbers = re.findall(r"\d+(?:[.,]\d+)*", claim.text)
    if numbers and not all(re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d])", text) for n in numbers):
        return False
    words = [w for w in _content_words(claim.text) if not w.isdigit()]
    if not words:
        return bool(numbers)
    return shares_word(words, _content_words(text)) / len(words) >= CLAIM_WORD_SHARE


def claim_lines(claim: Claim, plan: CreativePlan) -> tuple[str, str]:
    """(narration, on-screen text) stating one claim verbatim: a selling point as written, a fact
    as "label: value"; cut to the scene word limits, never paraphrased (so never unverified)."""
    said = f"{claim.label}: {claim.text}" if claim.kind == "fact" and claim.label else claim.text
    narration = truncate_words(said[:1].upper() + said[1:], MAX_NARRATION_WORDS).rstrip(".") + "."
    return narration, short_form(said[:1].upper() + said[1:], MAX_ON_SCREEN_WORDS)


def claim_scene(claim: Claim, plan: CreativePlan, product: Product, *, neighbours: Sequence[Scene] = ()) -> Scene:
    """A new scene stating one verified claim over a licensed product image (proof for a fact,
    body for a selling point); the caller lays it into the timeline."""
    narration, text = claim_lines(claim, plan)
    images = [a.id for a in licensed_assets(plan, product) if a.kind == "image"]
    near = {r for s in neighbours for r in s.asset_refs}
    image = next((i for i in images if i not in near), images[0] if images else "collage")
    return Scene(index=0, start_s=0.0, duration_s=MIN_SCENE_S, purpose="proof" if claim.kind == "fact" else "body",
                 visual=f"Close-up of {product.name} showing: {claim.text}", camera="push_in",
                 narration=narration, on_screen_text=text, asset_refs=[image], transition="cut", claims=[claim.key])


def unused_claims(plan: CreativePlan, product: Product, exclude: Sequence[str] = ()) -> list[Claim]:
    stated = {c for s in plan.storyboard.scenes for c in s.claims}
    excluded = {e.casefold() for e in exclude}
    return [c for c in plan_claims(plan, product) if c.key not in stated and c.key.casefold() not in excluded]


# --------------------------------------------------------------------------- the edits


def edit_duration(plan: CreativePlan, intent: EditIntent, product: Product) -> Change:
    """A new total length: middle scenes dropped (claim-less first) or scenes with unused
    verified claims added before the last scene, then the Director's timeline for the new length."""
    total = intent.seconds
    if total is None:
        raise EditRefused("how long should the ad be?")
    try:
        context = plan.context.model_copy(update={"duration_s": ServingContext(duration_s=total).duration_s})
    except ValidationError:
        raise EditRefused(f"{total:g} s is not a possible length (1 to 180 s)") from None
    if plan.task == "pci" and total < PCI_MIN_SEGMENT_S - 1e-9:
        raise EditRefused(f"an integrated segment needs at least {PCI_MIN_SEGMENT_S:g} s")
    pacing = plan.profile.style.pacing
    scenes = list(plan.storyboard.scenes)
    wanted = len(scene_durations(total, pacing))
    dropped, added = [], []
    while len(scenes) > wanted and len(scenes) > 2:
        middle = [i for i in range(1, len(scenes) - 1)]
        victim = max(middle, key=lambda i: (not scenes[i].claims, i))  # claim-less scenes go first, later first
        dropped.append(scenes.pop(victim))
    spare = unused_claims(plan, product)
    while len(scenes) < wanted and spare:
        new = claim_scene(spare.pop(0), plan, product, neighbours=scenes[-2:])
        scenes.insert(len(scenes) - 1, new)
        added.append(new)
    scenes = relay(scenes, fit_durations(len(scenes), total, pacing))
    edited = with_storyboard(plan, product, scenes, context=context)
    note = (f"; dropped {len(dropped)} scene(s)" if dropped else "") + (f"; added {len(added)} scene(s) with "
                                                                       "verified claims" if added else "")
    return Change(edited, f"The ad is now {total:g} s ({len(scenes)} scenes){note}.")


def edit_remove_scene(plan: CreativePlan, intent: EditIntent, product: Product) -> Change:
    """Drop one scene; the others stretch to keep the length (the ad shortens when they cannot)."""
    i = scene_index(plan, intent.scene)
    _protect_frame_scenes(plan, [i], "remove")
    scenes = [s for s in plan.storyboard.scenes if s.index != i]
    if not scenes:
        raise EditRefused("cannot remove the only scene")
    total = plan.context.duration_s
    context = plan.context
    note = ""
    if len(scenes) * MAX_SCENE_S < total:
        total = len(scenes) * MAX_SCENE_S
        context = plan.context.model_copy(update={"duration_s": total})
        note = f"; the ad is now {total:g} s (the other scenes are at most {MAX_SCENE_S:g} s each)"
    scenes = relay(scenes, fit_durations(len(scenes), total, plan.profile.style.pacing))
    return Change(with_storyboard(plan, product, scenes, context=context), f"Removed scene {i + 1}{note}.")


def edit_reorder(plan: CreativePlan, intent: EditIntent, product: Product) -> Change:
    """Move a scene before/after another, or swap two; each scene keeps its length."""
    a = scene_index(plan, intent.scene)
    b = scene_index(plan, intent.other_scene)
    if a == b:
        raise EditRefused("a scene cannot move relative to itself")
    _protect_frame_scenes(plan, [a, b] if intent.position == "swap" else [a], "move")
    scenes = list(plan.storyboard.scenes)
    if intent.position == "swap":
        scenes[a], scenes[b] = scenes[b], scenes[a]
        message = f"Swapped scenes {a + 1} and {b + 1}."
    else:
        moving = scenes.pop(a)
        target = scenes.index(plan.storyboard.scenes[b])
        scenes.insert(target if intent.position == "before" else target + 1, moving)
        message = f"Moved scene {a + 1} {intent.position or 'after'} scene {b + 1}."
    old = plan.storyboard.scenes
    if plan.task == "pci" and (scenes[0] is not old[0] or scenes[-1] is not old[-1]):
        _protect_frame_scenes(plan, [0], "move a scene onto")  # the frame slots stay the host's
    return Change(with_storyboard(plan, product, relay(scenes)), message)


def edit_insert_scene(plan: CreativePlan, intent: EditIntent, product: Product) -> Change:
    """A new scene stating a verified claim (the one named, else the best unused one), before the
    last scene unless placed; the length stays and every scene shares it."""
    claims = plan_claims(plan, product)
    if intent.topic:
        found = find_claims(intent.topic, claims)
        if not found:
            raise EditRefused(_unverified(intent.topic, product))
        claim = found[0]
    else:
        spare = unused_claims(plan, product)
        if not spare:
            raise EditRefused("every verified claim is already in the plan; say what the new scene is about")
        claim = spare[0]
    scenes = list(plan.storyboard.scenes)
    if intent.other_scene is not None:
        anchor = scene_index(plan, intent.other_scene)
        at = anchor if intent.position == "before" else anchor + 1
    else:
        at = max(1, len(scenes) - 1)
    if plan.task == "pci":
        at = min(max(at, 1), len(scenes) - 1)  # between the opening and the return frame
    new = claim_scene(claim, plan, product, neighbours=scenes[max(0, at - 1):at + 1])
    scenes.insert(at, new)
    scenes = relay(scenes, fit_durations(len(scenes), plan.context.duration_s, plan.profile.style.pacing))
    return Change(with_storyboard(plan, product, scenes), f"Added scene {at + 1} about \"{claim.text}\".",
                  include_facets=[claim.key])


def edit_tone(plan: CreativePlan, intent: EditIntent, product: Product) -> Change:
    """A new presentation tone: the storyboard template and every scene's camera move and
    transition follow it (the words stay as reviewed)."""
    if intent.tone is None:
        raise EditRefused("which tone? (calm, energetic, playful, warm, premium, informative)")
    style = plan.profile.style.model_copy(update={"tone": intent.tone,
                                                  "pacing": TONE_PACING.get(intent.tone, plan.profile.style.pacing)})
    profile = plan.profile.model_copy(update={"style": style})
    template = choose_template(profile)
    motion = assign_motion([s.purpose for s in plan.storyboard.scenes], template, style.pacing)
    scenes = [s.model_copy(update={"camera": cam, "transition": trans})
              for s, (cam, trans) in zip(plan.storyboard.scenes, motion, strict=True)]
    edited = with_storyboard(plan.model_copy(update={"profile": profile}), product, scenes, template=template)
    return Change(edited, f"Tone is now {intent.tone} (template {template}: camera moves and transitions follow it).")


def _revise_storyboard(plan: CreativePlan, product: Product, directive: RevisionDirective,
                       match: Any = None) -> tuple[Storyboard, list[dict[str, Any]]]:
    """The Director's storyboard writer (LLM when configured), rewriting only the directive's scenes."""
    pci = {"host": plan.host, "integration": plan.integration} if plan.task == "pci" else {}
    return llm_dispatch.write_storyboard(plan.profile, product, match or plan.match, plan.context,
                                         previous=plan.storyboard, directive=directive, **pci)


def _hook_index(plan: CreativePlan) -> int:
    return next((s.index for s in plan.storyboard.scenes if s.purpose == "hook"), 0)


def edit_hook(plan: CreativePlan, intent: EditIntent, product: Product) -> Change:
    """Rewrite the hook scene: as another hook type, and/or about a topic the person names."""
    allowed = PCI_HOOK_TYPES if plan.task == "pci" else HOOK_TYPES
    if intent.hook_type and intent.hook_type not in allowed:
        raise EditRefused(f"a {intent.hook_type} hook is not available here (choose from {', '.join(allowed)})")
    hook = _hook_index(plan)
    match = plan.match
    topic = (intent.topic or "").strip()
    if topic:
        if len(topic.split()) > MAX_TOPIC_WORDS:
            raise EditRefused(f"a hook topic is a few words (at most {MAX_TOPIC_WORDS})")
        # The topic becomes the interest the hook bridges from, with itself as the scenario.
        interests = [InterestScore(topic=topic, score=1.0, scenario=topic),
                     *[i for i in match.interests if i.topic.casefold() != topic.casefold()]]
        match = match.model_copy(update={"chosen_interest": topic, "interests": interests, "generic": False})
    hook_type = intent.hook_type or (plan.storyboard.hook_type if not topic else
                                     ("scenario" if "scenario" in allowed else plan.storyboard.hook_type))
    directive = RevisionDirective(
        target="write_storyboard", level="plan", scope=[hook], hook_type=hook_type,
        instruction=f"rewrite the hook as a {hook_type} hook" + (f" about {topic}" if topic else ""),
        reason="reviewer edit", source=EDITOR_SOURCE)
    board, fallbacks = _revise_storyboard(plan, product, directive, match)
    if intent.hook_type and board.hook_type != intent.hook_type:
        raise EditRefused(f"the storyboard writer could not make a {intent.hook_type} hook for this plan")
    new_hook = board.scenes[hook]
    if topic and not shares_word(_content_words(topic), _content_words(f"{new_hook.narration} {new_hook.on_screen_text}")):
        raise EditRefused(f"the storyboard writer could not fit \"{topic}\" into the hook")
    edited = with_storyboard(plan.model_copy(update={"match": match}), product, board.scenes,
                             hook_type=board.hook_type, title=board.title)
    what = f"a {board.hook_type.replace('_', ' ')} hook" + (f" about {topic}" if topic else "")
    return Change(edited, f"Scene {hook + 1} is now {what}: \"{new_hook.narration}\"", fallbacks=fallbacks)


def named_palette(name: str) -> tuple[list[str], str] | None:
    """Shades (base, light, dark) and warmth of a named colour, or None for an unknown name."""
    words = name.casefold().split()
    key = next((w for w in reversed(words) if w in NAMED_COLOURS), None)
    if key is None:
        return None
    base, warmth = NAMED_COLOURS[key]
    return [with_lightness(base, lightness) for lightness in PALETTE_SHADES], warmth


def edit_palette(plan: CreativePlan, intent: EditIntent, product: Product) -> Change:
    """A named palette becomes the viewer-side colours of the creative, harmonised with the brand
    colours exactly as the Director does (brand colours stay: they are identity)."""
    name = (intent.palette or "").strip()
    brand = valid_hex(product.brand_colors) or plan.grounding.palette[:1]
    visual = plan.profile.visual
    if name.casefold() in BRAND_PALETTE_NAMES:
        colours, warmth = list(brand), visual.warmth
    else:
        found = named_palette(name)
        if found is None:
            raise EditRefused(f"I don't know a \"{name}\" palette (try {', '.join(sorted(NAMED_COLOURS)[:12])}, ... "
                              "or \"brand\")")
        colours, warmth = found
    visual = visual.model_copy(update={"palette": colours, "warmth": warmth})
    host_palette = plan.host.palette if plan.host is not None and plan.integration is not None else ()
    light = (plan.host.brightness if host_palette else visual.brightness) >= 0.5
    palette = harmonise_palette(colours, brand, prefers_light=light, generic=False, host_palette=host_palette)
    profile = plan.profile.model_copy(update={"visual": visual})
    grounding = plan.grounding.model_copy(update={"palette": palette})
    edited = plan.model_copy(update={"profile": profile, "grounding": grounding})
    edited = with_storyboard(edited, product, edited.storyboard.scenes)  # constraints name the palette
    return Change(edited, f"Palette is now {name} ({', '.join(palette)}); brand colours stay as accents.")


def edit_exclude_facet(plan: CreativePlan, intent: EditIntent, product: Product) -> Change:
    """Leave a facet out: the scenes that state or name it are rewritten without it (by the
    Director's storyboard writer), and it leaves the match's ranking."""
    topic = (intent.topic or "").strip()
    claims = plan_claims(plan, product)
    found = find_claims(topic, claims)
    keys = [c.key for c in found]
    words = _content_words(topic)

    def mentions(scene: Scene) -> bool:
        text = f"{scene.narration} {scene.on_screen_text}"
        return bool(set(scene.claims) & set(keys)) or bool(shares_word(words, _content_words(text))) or any(
            states_claim(text, c) for c in found)

    affected = [s.index for s in plan.storyboard.scenes if mentions(s)]
    match = plan.match.model_copy(update={
        "facets": [f for f in plan.match.facets if f.facet not in keys],
        "chosen_facet": None if plan.match.chosen_facet in keys else plan.match.chosen_facet})
    if not affected:
        return Change(plan.model_copy(update={"match": match}),
                      f"\"{topic}\" is not mentioned in the plan; it will stay out.", exclude_facets=keys)
    directive = RevisionDirective(
        target="write_storyboard", level="plan", scope=affected, exclude_facets=keys, remove_text=[topic],
        instruction=f"do not mention {topic}", reason="reviewer edit", source=EDITOR_SOURCE)
    board, fallbacks = _revise_storyboard(plan, product, directive, match)
    left = [s.index + 1 for s in board.scenes if mentions(s)]
    if left:
        raise EditRefused(f"could not rewrite scene(s) {', '.join(map(str, left))} without \"{topic}\"; "
                          "drop them or rewrite their text instead")
    edited = with_storyboard(plan.model_copy(update={"match": match}), product, board.scenes, title=board.title)
    return Change(edited, f"\"{topic}\" is no longer mentioned (rewrote scene(s) "
                          f"{', '.join(str(i + 1) for i in affected)}).", exclude_facets=keys, fallbacks=fallbacks)


def _unverified(topic: str, product: Product) -> str:
    return (f"\"{topic}\" is not a verified fact or selling point of {product.name}, so the ad cannot claim it "
            "(add it to the product's facts first)")


def edit_include_facet(plan: CreativePlan, intent: EditIntent, product: Product) -> Change:
    """State a verified facet: it replaces the copy of a claim-less body/proof scene (else the
    last one), or gets a scene of its own when the plan has none to give."""
    topic = (intent.topic or "").strip()
    found = find_claims(topic, plan_claims(plan, product))
    if not found:
        raise EditRefused(_unverified(topic, product))
    claim = found[0]
    scenes = list(plan.storyboard.scenes)
    already = [s.index + 1 for s in scenes if claim.key in s.claims]
    if already:
        return Change(plan, f"\"{claim.text}\" is already stated in scene {already[0]}.", include_facets=[claim.key])
    last = len(scenes) - 1
    middle = [s for s in scenes if s.purpose in ("body", "proof") and not (plan.task == "pci" and s.index in (0, last))]
    if not middle:
        return edit_insert_scene(plan, intent.model_copy(update={"kind": "insert_scene"}), product)
    host = next((s for s in middle if not s.claims), middle[-1])
    narration, text = claim_lines(claim, plan)
    scenes[host.index] = host.model_copy(update={"narration": narration, "on_screen_text": text,
                                                 "claims": [claim.key]})
    return Change(with_storyboard(plan, product, scenes), f"Scene {host.index + 1} now says \"{narration}\"",
                  include_facets=[claim.key])


def edit_replace_text(plan: CreativePlan, intent: EditIntent, product: Product) -> Change:
    """The person's own words for a scene's narration or on-screen text (checked like any copy:
    word limit, claims ⊆ facts, compliance); the scene's claims follow what the words now say."""
    i = scene_index(plan, intent.scene)
    text = (intent.text or "").strip()
    fld = intent.field or "narration"
    limit = MAX_NARRATION_WORDS if fld == "narration" else MAX_ON_SCREEN_WORDS
    if count_words(text) > limit:
        raise EditRefused(f"scene {i + 1} {fld.replace('_', '-')} has {count_words(text)} words; "
                          f"at most {limit} fit a 2-3 s scene")
    if plan.task == "pci" and i == len(plan.storyboard.scenes) - 1 and text:
        raise EditRefused("the return scene of an integrated segment carries no words (it is the host's own frame)")
    scene = plan.storyboard.scenes[i].model_copy(update={fld: text})
    said = f"{scene.narration} {scene.on_screen_text}"
    stated = [c.key for c in plan_claims(plan, product) if states_claim(said, c)]
    scene = scene.model_copy(update={"claims": stated})
    scenes = [scene if s.index == i else s for s in plan.storyboard.scenes]
    return Change(with_storyboard(plan, product, scenes), f"Scene {i + 1} {fld.replace('_', '-')} is now \"{text}\".",
                  touched=[i])


EDITS: dict[str, Callable[[CreativePlan, EditIntent, Product], Change]] = {
    "duration": edit_duration,
    "remove_scene": edit_remove_scene,
    "reorder": edit_reorder,
    "insert_scene": edit_insert_scene,
    "tone": edit_tone,
    "hook": edit_hook,
    "palette": edit_palette,
    "include_facet": edit_include_facet,
    "exclude_facet": edit_exclude_facet,
    "replace_text": edit_replace_text,
}


# --------------------------------------------------------------------------- re-validation


def validate_plan(plan: CreativePlan, product: Product) -> list[Finding]:
    """The plan-level checks that fail: claims ⊆ verified facts and the compliance tool (no video)."""
    findings = [check_claims(plan, product)]
    raw = check_compliance.invoke({"plan": plan.model_dump(mode="json"), "product": product.model_dump(mode="json")})
    findings += [Finding.model_validate(f) for f in raw]
    return [f for f in findings if not f.passed]


def _problem_keys(findings: Sequence[Finding]) -> set[tuple[str, str]]:
    return {(f.check, e.text or "") for f in findings for e in (f.evidence or [None]) if e is not None} | \
        {(f.check, "") for f in findings if not f.evidence}


def describe_finding(f: Finding) -> str:
    """A finding in the person's terms: what is wrong and where (1-based scene numbers)."""
    where = [f'"{e.text}" in scene {e.scene_index + 1}' if e.scene_index is not None else f'"{e.text}"'
             for e in f.evidence if e.text]
    label = "unverified claim" if f.check == "utility.claims" else f.check
    return f"{label}: {'; '.join(where)}" if where else f"{label}: {f.message}"


def revalidate(before: CreativePlan, after: CreativePlan, product: Product) -> list[str]:
    """Problems the edited plan has that the plan before the edit did not (so an old finding
    never blocks an unrelated edit), described for the person."""
    old = _problem_keys(validate_plan(before, product))
    new = [f for f in validate_plan(after, product) if not _problem_keys([f]) <= old]
    return [describe_finding(f) for f in new]


def apply_edits(plan: CreativePlan, intents: Sequence[EditIntent], product: Product) -> EditResult:
    """Apply one message's edits in order, then re-validate; all or nothing."""
    current, messages, excluded, included, fallbacks = plan, [], [], [], []
    for intent in intents:
        handler = EDITS.get(intent.kind)
        if handler is None:
            return EditResult(plan=plan, applied=False, messages=[f"\"{intent.kind}\" is a command, not an edit"])
        try:
            change = handler(current, intent, product)
        except EditRefused as exc:
            return EditResult(plan=plan, applied=False, messages=[f"Refused ({intent.kind.replace('_', ' ')}): {exc}"],
                              fallbacks=fallbacks)
        current = change.plan
        messages.append(change.message)
        excluded += change.exclude_facets
        included += change.include_facets
        fallbacks += change.fallbacks
    problems = revalidate(plan, current, product)
    if problems:
        return EditResult(plan=plan, applied=False, fallbacks=fallbacks,
                          messages=["Refused: the edited plan would not pass its checks, nothing changed: "
                                    + "; ".join(problems)])
    return EditResult(plan=current, applied=True, messages=messages, fallbacks=fallbacks,
                      exclude_facets=list(dict.fromkeys(k for k in excluded if k not in included)),
                      include_facets=list(dict.fromkeys(included)))
