"""Director step 2 (offline): bidirectional user–product matching.

Both directions use one interest × facet similarity matrix from the multilingual encoder:

- **facets for this user** — each selling point and fact of the product, scored by its
  similarity to the user's interests (weighted by interest weight) plus a bonus when it
  serves one of the user's decision tendencies (price facts for price-sensitive users …);
- **interests for this product** — each interest scored by its best facet (the
  interest–facet pair) and its category fit (similarity to the product's name, category
  and intro), with a usage-scenario sentence from a small template set.

Following the paper's matcher (DESIGN.md §9) the strong and medium tiers compete (weak
interests only when neither is usable): the higher total wins, and the medium tier wins
when it personalises better while the totals are close. The winner's score is the
**compatibility** in [0, 1]. Below the threshold the creative falls back to a generic one.
Interests that mention a competitor — ``product.competitors`` or a same-category brand
from the user's history — are never used as a bridge.

Default threshold (``settings.compatibility_threshold`` = 0.35), and the similarity range
below, were chosen by measurement: the 62 Qilin users of /work/shared/data/qilin-nextads
(profiled by ``model_user``) × the 18 demo products (``nextads.catalog``), 1,116 pairs,
labelled "related" when one of the user's strong/medium topics belongs to the product's
category (59 pairs; e.g. skincare × serum, yoga × leggings, camping × tent) and "unrelated"
otherwise. With SIM_FLOOR = 0.03 the related pairs score median 0.41 (10th pct 0.34) and
unrelated ones median 0.18 (90th pct 0.33); at 0.35 the personalised rate is 76 % on related
and 8 % on unrelated pairs (Youden's J 0.68; the J optimum, 0.30, would double the false
bridges to 14 %). We keep 0.35: it errs towards a generic creative, which the paper prefers
to a forced, bad personal match. Over all pairs 12 % (demo products) and 4 % (the paper's
14 products, facts-less descriptions) get a personalised bridge.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agents.director.profile import (
    Terms,
    find_topic,
    load_lexicon,
    lookup_brand,
)
from nextads.providers.embeddings import embed
from nextads.schemas import CreativeBrief, FacetScore, Interest, InterestScore, MatchResult, Product, UserProfile
from nextads.settings import get_settings

# Measured cosine similarities of the multilingual encoder: unrelated topic/product texts
# sit at about -0.1..0.15, clearly related ones at 0.3..0.6; this range maps onto [0, 1]
# (the floor is set so that the default threshold is a good operating point; see above).
SIM_FLOOR = 0.03
SIM_CEIL = 0.50
PAIR_WEIGHT = 0.6  # compatibility = PAIR_WEIGHT·best pair + FIT_WEIGHT·category fit
FIT_WEIGHT = 0.4
KEYWORD_VECTOR_WEIGHT = 0.3  # an interest's own keywords (often proper names) vs. its topic description
WEIGHT_BONUS = 0.15  # total = score + WEIGHT_BONUS·interest weight (prefers bigger themes)
CLOSE_MARGIN = 0.05  # totals this close: the better-personalising tier wins
TENDENCY_BONUS = 0.10  # per decision tendency a facet serves (at most MAX_TENDENCY_BONUSES)
MAX_TENDENCY_BONUSES = 2
GENERIC_FACET_DECAY = 0.05  # generic ranking: earlier selling points matter more
CATEGORY_MIN_SIM = 0.20  # product category → brand-lexicon category by similarity …
CATEGORY_MARGIN = 0.08  # … when at least this far ahead of the second-best category
COMPETITOR_FIT = 0.5  # an unknown brand counts as a competitor in interests this close to the product
# A competitor disqualifies an interest only when it is central to it (a brand fandom:
# "my Trailmark gear"), not when one note of a camping theme names it in passing; the
# creative never shows the brand either way (the storyboard and compliance block it).
COMPETITOR_SHARE = 0.3  # share of the theme's notes naming the brand (a third: the theme is tied to it)
COMPETITOR_TOP_KEYWORDS = 3  # hand-made interests without shares: a brand among the top keywords

SCENARIO_TEMPLATES = (
    "{audience} using the {product} {scene}",
    "{audience} reaching for the {product} {scene}",
    "{audience} making the {product} part of their day {scene}",
)
BRIDGE_TEMPLATE = "{audience} {scene} need the {product}: {facet}."


@dataclass(frozen=True)
class Facet:
    key: str  # what FacetScore.facet reports: the selling point itself or the fact key
    text: str  # what is embedded / shown


def product_facets(product: Product, exclude: Sequence[str] = ()) -> list[Facet]:
    """Selling points and fact descriptions, minus excluded ones (case-insensitive)."""
    banned = {e.strip().lower() for e in exclude}
    facets = [Facet(sp, sp) for sp in product.selling_points]
    facets += [Facet(k, f"{k.replace('_', ' ')}: {v}") for k, v in product.facts.items()]
    return [f for f in facets if f.key.lower() not in banned and f.text.lower() not in banned]


def _unit(sim: np.ndarray | float) -> np.ndarray:
    return np.clip((np.asarray(sim, dtype=np.float64) - SIM_FLOOR) / (SIM_CEIL - SIM_FLOOR), 0.0, 1.0)


def _interest_vectors(interests: Sequence[Interest]) -> np.ndarray:
    """Topic description (lexicon, bilingual) blended with the interest's own keywords."""
    topic_texts = []
    for it in interests:
        topic = find_topic(it.topic)
        topic_texts.append(topic.description if topic else it.topic)
    kw_texts = [" ".join(it.keywords[:6]) or it.topic for it in interests]
    vecs = embed(topic_texts) + KEYWORD_VECTOR_WEIGHT * embed(kw_texts)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)


def _product_texts(product: Product) -> list[str]:
    """Identity texts the category fit is measured against."""
    # The category word alone too: invented product names dilute "category + name".
    identity = " ".join(p for p in (product.category, product.name) if p)
    return [t for t in (product.category, identity, product.intro, product.slogan) if t.strip()]


# --------------------------------------------------------------------------- competitors


def _product_market(product: Product) -> str | None:
    """The product's market category in the brand lexicon (by brand, else by similarity).

    The category word alone, category + name and the intro are each compared with the
    lexicon's category descriptions; the best category is taken when it is similar enough
    and clearly ahead of the runner-up (invented product names dilute the similarity).
    """
    own = lookup_brand(product.brand) if product.brand else None
    if own:
        return own.category
    cats = load_lexicon("brands")["categories"]
    names = list(cats)
    queries = [q for q in (product.category, f"{product.category} {product.name}".strip(), product.intro) if q]
    if not queries:
        return None
    sims = (embed(queries) @ embed([cats[n] for n in names]).T).max(axis=0)
    order = np.argsort(-sims)
    best, runner_up = float(sims[order[0]]), float(sims[order[1]]) if len(order) > 1 else 0.0
    return names[order[0]] if best >= CATEGORY_MIN_SIM and best - runner_up >= CATEGORY_MARGIN else None


def _brand_terms(name: str) -> Terms:
    entry = lookup_brand(name)
    if entry:
        return entry.terms
    return Terms.of([name])


def _competitors(profile: UserProfile, product: Product) -> tuple[dict[str, Terms], list[str]]:
    """(known competitors with their matchers, history brands of unknown category)."""
    own = lookup_brand(product.brand) if product.brand else None
    own_names = {product.brand.lower()} | ({own.name.lower()} if own else set())
    market = _product_market(product)
    rivals = {c: _brand_terms(c) for c in product.competitors if c.lower() not in own_names}
    unknown = []
    for b in profile.mentioned_brands:
        entry = lookup_brand(b)
        if b.lower() in own_names or (entry and entry.name.lower() in own_names):
            continue
        if entry is None:
            unknown.append(b)
        elif market and entry.category == market:
            rivals[entry.name] = entry.terms
    return rivals, unknown


def _interest_text(it: Interest) -> str:
    return " ".join([it.topic, *it.keywords, it.summary])


def _brand_central(it: Interest, terms: Terms) -> bool:
    """Is this brand what the interest is about (rather than mentioned in passing)?"""
    if terms.hit(it.topic):
        return True
    if it.brand_share:
        return any(share >= COMPETITOR_SHARE and terms.hit(b) for b, share in it.brand_share.items())
    return terms.hit(" ".join(it.keywords[:COMPETITOR_TOP_KEYWORDS]))


# --------------------------------------------------------------------------- scoring pieces


def _tendency_bonuses(profile: UserProfile, facets: Sequence[Facet]) -> list[tuple[float, list[str]]]:
    """Per facet: bonus for the user's decision tendencies it serves, and which ones."""
    cues = load_lexicon("tendencies")["facet_cues"]
    matchers = {t: Terms.of([*cues[t].get("en", []), *cues[t].get("zh", [])]) for t in profile.decision_tendencies if t in cues}
    out = []
    for f in facets:
        served = [t for t, m in matchers.items() if m.hit(f.text) or m.hit(f.key)]
        out.append((TENDENCY_BONUS * min(len(served), MAX_TENDENCY_BONUSES), served))
    return out


def _stable_pick(options: Sequence[str], *keys: str) -> str:
    """Deterministic template choice (no RNG, no hash randomisation)."""
    return options[zlib.crc32("|".join(keys).encode()) % len(options)]


def _audience_scene(topic_name: str) -> tuple[str, str]:
    topic = find_topic(topic_name)
    if topic:
        return topic.audience, topic.scene
    return f"people into {topic_name}", "every day"


def _product_ref(product: Product) -> str:
    return product.name.strip() or product.category or "product"


def scenario(interest: Interest, product: Product) -> str:
    """A usage scenario bridging this interest to the product (template, English)."""
    audience, scene = _audience_scene(interest.topic)
    template = _stable_pick(SCENARIO_TEMPLATES, interest.topic, product.product_id)
    text = template.format(audience=audience, product=_product_ref(product), scene=scene)
    return text[:1].upper() + text[1:]


def bridge(interest: Interest, product: Product, facet: Facet) -> str:
    """One English sentence linking the interest to the product through a facet."""
    audience, scene = _audience_scene(interest.topic)
    facet_text = facet.text.strip().rstrip(".")
    facet_text = facet_text[:1].lower() + facet_text[1:] if facet_text[:2] != facet_text[:2].upper() else facet_text
    sentence = BRIDGE_TEMPLATE.format(audience=audience, scene=scene, product=_product_ref(product), facet=facet_text)
    return sentence[:1].upper() + sentence[1:]


# --------------------------------------------------------------------------- match_product


def _generic_facets(facets: Sequence[Facet], bonuses: Sequence[tuple[float, list[str]]]) -> list[FacetScore]:
    """Product-centric facet order for a generic creative: listed order plus tendency bonuses."""
    scored = []
    for idx, (f, (bonus, served)) in enumerate(zip(facets, bonuses, strict=True)):
        score = float(np.clip(0.5 - GENERIC_FACET_DECAY * idx + bonus, 0.0, 1.0))
        reason = "generic: product's own priority" + (f"; serves {', '.join(served)}" if served else "")
        scored.append(FacetScore(facet=f.key, score=round(score, 4), reason=reason))
    return sorted(scored, key=lambda s: -s.score)


def match_product(
    profile: UserProfile,
    product: Product,
    *,
    threshold: float | None = None,
    exclude_interests: Sequence[str] = (),
    exclude_facets: Sequence[str] = (),
    brief: CreativeBrief | None = None,
) -> MatchResult:
    """Rank facets for the user and interests for the product; decide personalised vs generic.

    A campaign ``brief`` whose ``facet`` is one of the product's (non-excluded) facets makes the
    creative lead with it (:func:`lead_with_brief_facet`).
    """
    match = _match_product(profile, product, threshold=threshold, exclude_interests=exclude_interests,
                           exclude_facets=exclude_facets)
    return lead_with_brief_facet(match, profile, product, brief, exclude_facets=exclude_facets)


def lead_with_brief_facet(match: MatchResult, profile: UserProfile, product: Product,
                          brief: CreativeBrief | None, *, exclude_facets: Sequence[str] = ()) -> MatchResult:
    """The match with the brief's facet as the chosen (lead) facet, first in the facet ranking,
    and the bridge retold through it. Only the product's own facets qualify (a campaign varies
    the angle, never the verified claims); otherwise the match is returned unchanged."""
    if brief is None or not brief.facet:
        return match
    facet = next((f for f in product_facets(product, exclude_facets) if f.key == brief.facet), None)
    if facet is None or match.chosen_facet == facet.key:
        return match
    ranked = sorted(match.facets, key=lambda s: s.facet != facet.key)  # stable: the rest keep their order
    if all(s.facet != facet.key for s in ranked):
        ranked.insert(0, FacetScore(facet=facet.key, score=0.0, reason="campaign brief"))
    interest = next((it for it in profile.interests if it.topic == match.chosen_interest), None)
    update = {"chosen_facet": facet.key, "facets": ranked,
              "rationale": f"{match.rationale}; leads with '{facet.key}' (campaign brief)".lstrip("; ")}
    if interest is not None and not match.generic:
        update["bridge"] = bridge(interest, product, facet)
    return match.model_copy(update=update)


def _match_product(
    profile: UserProfile,
    product: Product,
    *,
    threshold: float | None,
    exclude_interests: Sequence[str],
    exclude_facets: Sequence[str],
) -> MatchResult:
    threshold = get_settings().compatibility_threshold if threshold is None else float(threshold)
    facets = product_facets(product, exclude_facets)
    bonuses = _tendency_bonuses(profile, facets)

    banned = {e.strip().lower() for e in exclude_interests}
    rivals, unknown_brands = _competitors(profile, product)
    excluded: list[str] = []
    reasons: list[str] = []
    candidates: list[Interest] = []
    for it in ([] if profile.generic else profile.interests):
        text = _interest_text(it)
        hit = next((name for name, terms in rivals.items() if terms.hit(text) and _brand_central(it, terms)), None)
        passing = next((name for name, terms in rivals.items() if terms.hit(text)), None)
        if it.topic.lower() in banned:
            excluded.append(it.topic)
            reasons.append(f"'{it.topic}' excluded by directive")
        elif hit:
            excluded.append(it.topic)
            reasons.append(f"'{it.topic}' mentions competitor {hit}")
        else:
            if passing:
                reasons.append(f"'{it.topic}' mentions competitor {passing} in passing: kept, the brand is never shown")
            candidates.append(it)

    def generic(why: str, compat: float = 0.0, interests: list[InterestScore] | None = None) -> MatchResult:
        return MatchResult(
            compatibility=round(float(np.clip(compat, 0.0, 1.0)), 4), threshold=threshold,
            facets=_generic_facets(facets, bonuses), interests=interests or [], generic=True,
            chosen_facet=_generic_facets(facets, bonuses)[0].facet if facets else None,
            excluded_interests=excluded, rationale="; ".join([why, *reasons]), source="offline",
        )

    if not candidates or not facets:
        why = "generic profile" if profile.generic else "no usable interest" if not candidates else "product has no facets"
        return generic(why)

    # One similarity matrix serves both directions.
    ivec = _interest_vectors(candidates)
    # Facets are embedded with the product category ("tent: pitches in three minutes") so
    # a facet that never names the category still relates to the interests it serves.
    pair = _unit(ivec @ embed([f"{product.category}: {f.text}".lstrip(": ") for f in facets]).T)
    fit = _unit((ivec @ embed(_product_texts(product)).T).max(axis=1))

    # Unknown-category brands from the history count as competitors where the interest
    # mentioning them is about the product's own category.
    keep = []
    for i, it in enumerate(candidates):
        hit = next((b for b in unknown_brands
                    if Terms.of([b]).hit(_interest_text(it)) and _brand_central(it, Terms.of([b]))), None)
        if hit and fit[i] >= COMPETITOR_FIT:
            excluded.append(it.topic)
            reasons.append(f"'{it.topic}' mentions {hit}, a brand in the product's category")
        else:
            keep.append(i)
    if not keep:
        return generic("no usable interest")
    candidates = [candidates[i] for i in keep]
    pair, fit = pair[keep], fit[keep]

    # Facets for this user: interest-weighted similarity plus tendency bonuses.
    w = np.array([it.weight for it in candidates])
    w_factor = 0.5 + 0.5 * w / max(float(w.max()), 1e-9)
    facet_scores = []
    for j, f in enumerate(facets):
        i_best = int(np.argmax(pair[:, j] * w_factor))
        bonus, served = bonuses[j]
        score = float(np.clip(pair[i_best, j] * w_factor[i_best] + bonus, 0.0, 1.0))
        reason = f"fits '{candidates[i_best].topic}'" + (f"; serves {', '.join(served)}" if served else "")
        facet_scores.append(FacetScore(facet=f.key, score=round(score, 4), reason=reason))
    facet_scores.sort(key=lambda s: -s.score)

    # Interests for this product: best pair + category fit.
    score = PAIR_WEIGHT * pair.max(axis=1) + FIT_WEIGHT * fit
    total = score + WEIGHT_BONUS * w
    interest_scores = sorted(
        (InterestScore(topic=it.topic, score=round(float(score[i]), 4), scenario=scenario(it, product))
         for i, it in enumerate(candidates)),
        key=lambda s: -s.score,
    )

    winner = _choose(candidates, score, total)
    chosen = candidates[winner]
    compat = float(score[winner])
    j = int(np.argmax(pair[winner] + np.array([b for b, _ in bonuses])))
    detail = (f"best pair '{chosen.topic}' × '{facets[j].key}' ({pair[winner, j]:.2f}), "
              f"category fit {fit[winner]:.2f}, compatibility {compat:.2f} vs threshold {threshold:.2f}")
    if compat < threshold:
        return generic(f"{detail}: below threshold, generic creative", compat, interest_scores)

    return MatchResult(
        compatibility=round(compat, 4),
        threshold=threshold,
        facets=facet_scores,
        interests=interest_scores,
        chosen_interest=chosen.topic,
        chosen_facet=facets[j].key,
        bridge=bridge(chosen, product, facets[j]),
        generic=False,
        excluded_interests=excluded,
        rationale="; ".join([f"{detail} ({chosen.tier} tier)", *reasons]),
        source="offline",
    )


def _choose(candidates: Sequence[Interest], score: np.ndarray, total: np.ndarray) -> int:
    """Index of the bridging interest (DESIGN.md §9).

    Strong and medium tiers compete on total (weak ones only if neither exists); the medium
    tier wins over a strong winner when it personalises better (higher score) and its total
    is within CLOSE_MARGIN.
    """
    idx = [i for i, it in enumerate(candidates) if it.tier in ("strong", "medium")] or list(range(len(candidates)))
    best = max(idx, key=lambda i: (total[i], -i))
    if candidates[best].tier == "strong":
        for i in idx:
            if candidates[i].tier == "medium" and score[i] > score[best] and total[i] >= total[best] - CLOSE_MARGIN:
                return i
    return best

