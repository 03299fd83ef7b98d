"""A seeded user simulator for campaigns (DESIGN.md §3): offline feedback for each impression.

Each simulated viewer holds a **hidden preference** — how much each hook type, narrative form,
facet of the product and template appeals to them, how fast repetition tires them, how noisy
they are and how quickly they become ready for a harder sell. It is sampled from the seed and
only *leans* toward what the viewer's history suggests (``HISTORY_AGREEMENT``), so a campaign
that trusts the history alone has something left to learn.

An impression's **appeal** (the engagement probability) is

    base + FIT_SCALE * (fit - 0.5) + NOVELTY_BONUS * novelty - fatigue

- *fit*: the ``FIT_WEIGHTS`` mix of the hidden preference for the creative's hook type,
  narrative form, template and facet/claims, and of *stage fit* — a conversion-stage ad before
  the viewer is ready is disliked, late in the campaign it is welcome (``STAGE_*_PENALTY``);
- *novelty*: the share of the creative's angles this viewer has not been shown before;
- *fatigue*: grows with repetition of the same hook, narrative, template, facet and claims in
  recent impressions (older ones count less, ``FATIGUE_MEMORY``) and saturates at
  ``FATIGUE_CAP``;

plus Gaussian noise. The :class:`~nextads.schemas.Feedback` fields are then drawn from that
probability with the seeded generator: a skip inside the hook (likelier the worse the hook
fits), otherwise a watch ratio, replays after a full watch, like, click (a later story stage
asks harder) and conversion. The same seed, user, product and creative give the same feedback.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.campaign.strategy import STAGES, TONE_LADDER, product_facets
from agents.director.storyboard import HOOK_TYPES, NARRATIVE_FORMS, TONE_TEMPLATE, rank_hook_types
from agents.reflector import HOOK_WINDOW_S
from nextads.catalog import demo_products, demo_users
from nextads.schemas import CreativePlan, Feedback, Product, UserData, UserProfile

# --- Hidden preference sampling
HISTORY_AGREEMENT = 0.5  # chance that a dimension's favourite is the one the history suggests
FAVOURITE_FIT = (0.8, 1.0)  # fit range of the favourite value of each dimension
OTHER_FIT = (0.05, 0.5)  # fit range of every other value
BASE_RANGE = (0.35, 0.5)  # engagement of an average-fit, fresh creative
FATIGUE_RANGE = (0.25, 0.5)  # how fast repetition tires the viewer
NOISE_RANGE = (0.04, 0.1)  # sd of the per-impression Gaussian noise
READINESS_RANGE = (0.3, 0.6)  # story stages per impression the viewer becomes ready for

# --- Appeal
FIT_WEIGHTS = {"hook_type": 0.25, "narrative_form": 0.2, "facet": 0.2, "template": 0.15, "stage": 0.2}
FIT_SCALE = 1.0
FACET_LEAD_WEIGHT = 0.6  # the facet a creative leads with vs. the other claims it states
NOVELTY_BONUS = 0.1
FATIGUE_MEMORY = 0.7  # weight of an impression one step older in the repetition count
FATIGUE_CAP = 0.35
# Look-alike creatives tire much more than ones sharing a single angle: the overlap counts
# to this power.
FATIGUE_POWER = 2.0
STAGE_EARLY_PENALTY = 0.35  # per stage the creative is ahead of the viewer (pushy)
STAGE_LATE_PENALTY = 0.15  # per stage it lags behind (repeating the awareness pitch)
NEUTRAL_STAGE_FIT = 0.5  # a creative without a campaign stage

# --- Feedback draws
HOOK_SKIP_SCALE = 1.2  # P(skip inside the hook) = scale * (1 - appeal) * (1 - hook fit)
HOOK_SKIP_MIN_S = 1.0  # nobody skips before the first second
WATCH_CONCENTRATION = 12.0  # Beta(p*k, (1-p)*k) watch ratio after the hook
COMPLETE_RATIO = 0.95  # watched this much → a full view (no skip)
MAX_REPLAYS = 2
REPLAY_RATE = 0.5  # per possible replay, times appeal² (only full views replay)
LIKE_RATE = 0.5
CLICK_RATE = 0.5
CONVERT_RATE = 0.4  # given a click
CLICK_BY_STAGE = {"hook": 0.6, "information": 0.8, "proof": 1.0, "conversion": 1.3}
NEUTRAL_CLICK = 0.8

# The angles a creative shows (what novelty and fatigue compare).
ANGLES = ("hook_type", "narrative_form", "template", "facet")


def _stable_int(*parts: str) -> int:
    """A process-independent 32-bit number for names (``hash()`` is salted per process)."""
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:4], "big")


@dataclass
class HiddenPreference:
    """What a simulated viewer truly likes (the campaign never sees it)."""

    hook_type: dict[str, float]
    narrative_form: dict[str, float]
    facet: dict[str, float]
    template: dict[str, float]
    base: float = 0.42
    fatigue: float = 0.35
    noise: float = 0.07
    readiness: float = 0.45

    @classmethod
    def sample(cls, rng: np.random.Generator, arms: Mapping[str, Sequence[str]], *,
               lean: Mapping[str, str] | None = None) -> HiddenPreference:
        """One favourite per dimension (the history's suggestion with probability
        ``HISTORY_AGREEMENT``, else any value), the rest liked less."""
        lean = lean or {}
        weights: dict[str, dict[str, float]] = {}
        for dim in ("hook_type", "narrative_form", "facet", "template"):
            values = list(arms.get(dim, []))
            fits = {v: float(rng.uniform(*OTHER_FIT)) for v in values}
            agree = rng.random() < HISTORY_AGREEMENT
            if values:
                fav = lean[dim] if agree and lean.get(dim) in fits else values[int(rng.integers(len(values)))]
                fits[fav] = float(rng.uniform(*FAVOURITE_FIT))
            weights[dim] = fits
        return cls(**weights, base=float(rng.uniform(*BASE_RANGE)), fatigue=float(rng.uniform(*FATIGUE_RANGE)),
                   noise=float(rng.uniform(*NOISE_RANGE)), readiness=float(rng.uniform(*READINESS_RANGE)))

    def fit(self, dimension: str, value: str | None) -> float:
        """Fit of one value; an unknown or unset value fits like the average value."""
        table: dict[str, float] = getattr(self, dimension)
        if value in table:
            return table[value]
        return float(np.mean(list(table.values()))) if table else 0.5

    def favourite(self, dimension: str) -> str | None:
        table: dict[str, float] = getattr(self, dimension)
        return max(table, key=table.get) if table else None


def history_lean(profile: UserProfile, product: Product) -> dict[str, str]:
    """What the viewer's history suggests: the narrative form, template and best hook the
    Director would choose from this profile."""
    form = profile.style.narrative_form
    hooks = rank_hook_types(profile, form, generic=profile.generic, n_claims=len(product_facets(product)))
    return {"narrative_form": form, "template": TONE_TEMPLATE.get(profile.style.tone, "calm"),
            "hook_type": hooks[0] if hooks else ""}


def shown_angles(plan: CreativePlan) -> dict[str, Any]:
    """What one creative shows: hook type, narrative form, template, lead facet, claims, stage."""
    sb = plan.storyboard
    brief = plan.brief
    return {
        "hook_type": sb.hook_type,
        "narrative_form": sb.narrative_form,
        "template": sb.template,
        "facet": (brief.facet if brief and brief.facet else None) or plan.match.chosen_facet,
        "claims": sorted({c for s in sb.scenes for c in s.claims}),
        "stage": brief.stage if brief else None,
    }


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """How alike two shown creatives are: the mean of equal angles and the claims' Jaccard."""
    same = [float(a[k] is not None and a[k] == b[k]) for k in ANGLES]
    ca, cb = set(a["claims"]), set(b["claims"])
    same.append(len(ca & cb) / len(ca | cb) if ca | cb else 0.0)
    return float(np.mean(same))


class SimulatedUser:
    """One simulated viewer of one product; answers impressions with :class:`Feedback`.

    ``profile`` (optional): the viewer's modelled profile; the hidden preference leans toward
    what it suggests. ``state``: a :meth:`to_state` dict, to continue a campaign after a restart.
    """

    def __init__(self, user: UserData, product: Product, *, seed: int, preference: HiddenPreference | None = None,
                 profile: UserProfile | None = None, state: dict | None = None):
        self.user = user
        self.product = product
        self.seed = int(seed)
        self._key = _stable_int(user.user_id, product.product_id)
        arms = {"hook_type": list(HOOK_TYPES), "narrative_form": list(NARRATIVE_FORMS),
                "facet": product_facets(product), "template": list(TONE_LADDER)}
        lean = history_lean(profile, product) if profile is not None else None
        self.preference = preference or HiddenPreference.sample(
            np.random.default_rng([self.seed, self._key]), arms, lean=lean)
        # impression number → what it showed
        self.shown: dict[int, dict[str, Any]] = {int(k): v for k, v in (state or {}).get("shown", {}).items()}

    # --- appeal ------------------------------------------------------------

    def stage_fit(self, stage: str | None, impression: int) -> float:
        """1 when the stage matches the viewer's readiness at this impression; pushing ahead
        costs more than lagging behind."""
        if stage not in STAGES:
            return NEUTRAL_STAGE_FIT
        ready = min(len(STAGES) - 1, self.preference.readiness * impression)
        gap = STAGES.index(stage) - ready
        penalty = STAGE_EARLY_PENALTY * gap if gap > 0 else STAGE_LATE_PENALTY * -gap
        return float(np.clip(1.0 - penalty, 0.0, 1.0))

    def fit(self, angles: Mapping[str, Any], impression: int) -> float:
        """Fit between the creative and the hidden preference, in [0, 1]."""
        pref = self.preference
        claims = [c for c in angles["claims"] if c in pref.facet]
        claims_fit = float(np.mean([pref.fit("facet", c) for c in claims])) if claims else None
        facet_fit = pref.fit("facet", angles["facet"]) if angles["facet"] in pref.facet else claims_fit
        if facet_fit is None:
            facet_fit = pref.fit("facet", None)
        elif claims_fit is not None and angles["facet"] in pref.facet:
            facet_fit = FACET_LEAD_WEIGHT * facet_fit + (1 - FACET_LEAD_WEIGHT) * claims_fit
        parts = {
            "hook_type": pref.fit("hook_type", angles["hook_type"]),
            "narrative_form": pref.fit("narrative_form", angles["narrative_form"]),
            "template": pref.fit("template", angles["template"]),
            "facet": facet_fit,
            "stage": self.stage_fit(angles["stage"], impression),
        }
        return float(sum(FIT_WEIGHTS[k] * v for k, v in parts.items()))

    def _earlier(self, impression: int) -> list[dict[str, Any]]:
        return [self.shown[i] for i in sorted(self.shown) if i < impression]

    def novelty(self, angles: Mapping[str, Any], impression: int) -> float:
        """Share of the creative's angles (and claims) not shown to this viewer before."""
        earlier = self._earlier(impression)
        fresh = [float(angles[k] is None or all(e[k] != angles[k] for e in earlier)) for k in ANGLES]
        seen_claims = {c for e in earlier for c in e["claims"]}
        claims = set(angles["claims"])
        fresh.append(len(claims - seen_claims) / len(claims) if claims else 0.0)
        return float(np.mean(fresh))

    def fatigue(self, angles: Mapping[str, Any], impression: int) -> float:
        """Engagement lost to repetition: recent look-alike impressions weigh most."""
        earlier = self._earlier(impression)
        age = range(len(earlier) - 1, -1, -1)  # the newest earlier impression has age 0
        reps = sum(FATIGUE_MEMORY ** a * _overlap(angles, e) ** FATIGUE_POWER for a, e in zip(age, earlier))
        return float(FATIGUE_CAP * (1.0 - np.exp(-self.preference.fatigue * reps)))

    def appeal(self, plan: CreativePlan, impression: int) -> float:
        """Noise-free engagement probability of this creative at this impression."""
        angles = shown_angles(plan)
        value = (self.preference.base + FIT_SCALE * (self.fit(angles, impression) - 0.5)
                 + NOVELTY_BONUS * self.novelty(angles, impression) - self.fatigue(angles, impression))
        return float(np.clip(value, 0.0, 1.0))

    # --- feedback ----------------------------------------------------------

    def respond(self, plan: CreativePlan, impression: int, *, duration_s: float | None = None) -> Feedback:
        """The viewer's feedback on ``plan``'s creative shown as ``impression`` (answering the
        same impression again replaces its earlier answer, so a resumed campaign is consistent)."""
        duration = float(duration_s or plan.storyboard.target_duration_s)
        angles = shown_angles(plan)
        rng = np.random.default_rng([self.seed, self._key, impression])
        p = float(np.clip(self.appeal(plan, impression) + rng.normal(0.0, self.preference.noise), 0.0, 1.0))
        hook_fit = self.preference.fit("hook_type", angles["hook_type"])
        hook_s = min(HOOK_WINDOW_S, duration)

        skip: float | None
        if rng.random() < HOOK_SKIP_SCALE * (1.0 - p) * (1.0 - hook_fit):
            skip = float(rng.uniform(min(HOOK_SKIP_MIN_S, hook_s), hook_s))
            watched = skip
        else:
            # Past the hook; how much of the rest is watched follows the appeal.
            ratio = hook_s / duration + (1 - hook_s / duration) * float(
                rng.beta(max(p, 1e-3) * WATCH_CONCENTRATION, max(1 - p, 1e-3) * WATCH_CONCENTRATION))
            watched = duration if ratio >= COMPLETE_RATIO else ratio * duration
            skip = None if ratio >= COMPLETE_RATIO else watched
        ratio = watched / duration

        replays = int(rng.binomial(MAX_REPLAYS, min(1.0, REPLAY_RATE * p * p))) if skip is None else 0
        like = bool(rng.random() < LIKE_RATE * p * ratio)
        push = CLICK_BY_STAGE.get(angles["stage"], NEUTRAL_CLICK)
        click = bool(rng.random() < min(1.0, CLICK_RATE * p * ratio * push))
        conversion = bool(click and rng.random() < CONVERT_RATE * p)

        self.shown[impression] = angles
        return Feedback(
            impression_id=f"{self.user.user_id}:{self.product.product_id}:{impression}",
            user_id=self.user.user_id, watch_time_s=round(watched, 3), duration_s=duration,
            skip_time_s=None if skip is None else round(skip, 3), replays=replays, like=like, click=click,
            conversion=conversion,
        )

    def to_state(self) -> dict:
        """JSON-native memory of what this viewer was shown (the preference is re-derived
        from the seed)."""
        return {"shown": {str(i): dict(a) for i, a in sorted(self.shown.items())}}


def simulated_population(n: int, *, seed: int,
                         profiles: Mapping[str, UserProfile] | None = None) -> list[SimulatedUser]:
    """``n`` simulated viewers over the demo catalog's (user, product) pairs, drawn without
    repetition while pairs last (then again, with fresh hidden preferences). ``profiles``:
    modelled profiles by user id, for preferences that lean toward the history."""
    if n < 0:
        raise ValueError("n must be >= 0")
    users, products = demo_users(), demo_products()
    pairs = [(u, p) for u in users for p in products]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(pairs))
    seeds = rng.integers(0, 2**31 - 1, size=n)
    out = []
    for i in range(n):
        user, product = pairs[order[i % len(pairs)]]
        out.append(SimulatedUser(user, product, seed=int(seeds[i]),
                                 profile=(profiles or {}).get(user.user_id)))
    return out


__all__ = ["HiddenPreference", "SimulatedUser", "history_lean", "shown_angles", "simulated_population"]
