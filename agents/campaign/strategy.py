"""Campaign strategy (DESIGN.md §3): what the next impression's creative should try.

A campaign shows one product to one user over several impressions. Before each impression:

- **engagement** — the feedback of the last impression becomes a reward in [0, 1]
  (:func:`engagement`, weights in ``ENGAGEMENT_WEIGHTS``);
- **progressive storytelling** — the story stage escalates one step at a time as interest grows,
  light native hook → deeper product information → proof/comparison → stronger call to action
  (:func:`next_stage`); it never skips a stage and falls back one after strong disengagement;
- **exploration–exploitation** — :class:`CreativePolicy` picks the creative hypotheses (hook
  type, narrative form, facet, template) by linear Thompson sampling: one Bayesian linear model
  of the reward (an intercept, an effect per (dimension, value) and the story stage as a
  control), so each impression's reward is shared out among the values that earned it instead
  of being credited whole to every one; the history's suggestion is the prior; the sampled
  effects are narrowed (``EXPLORATION_SCALE``) to exploit within a ten-impression campaign, and
  the creative is chosen jointly, less a penalty for looking like the recent impressions
  (``REPEAT_PENALTY``: repetition tires viewers). A static (retrieval baseline) and a random
  (pure exploration) alternative share the interface;
- **consistency** — whatever the policy explores, a claim of the previous impression is never
  repeated (``CreativeBrief.avoid_claims``), the template moves at most one step on the
  ``TONE_LADDER``, and a facet is only ever one of the product's own selling points or fact
  keys, so brand identity and verified claims stay while angles vary;
- **intervention budget** — :func:`decide_intervention` weighs the expected gain of reusing,
  editing or regenerating the creative against its cost.

Everything here is deterministic for a seed and JSON-native (policy state lives in graph state
and checkpoints).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import numpy as np

from agents.director.storyboard import (
    HOOK_TYPES,
    MIN_CLAIMS_FOR_LISTICLE,
    NARRATIVE_FORMS,
    NARRATIVES_NEEDING_INTEREST,
    PERSONAL_HOOKS,
)
from agents.reflector import HOOK_WINDOW_S, STAGE_COST
from nextads.schemas import CampaignStage, CreativeBrief, Feedback, Product, UserProfile

# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

STAGES: tuple[str, ...] = get_args(CampaignStage)  # ("hook", "information", "proof", "conversion")

# The storyboard templates ordered by intensity of tone: calm (slow moves, fades) < playful
# (slides, tilts) < energetic (push-ins, zoom cuts). "Tone never jumps more than one step":
# consecutive impressions use templates at most MAX_TONE_STEP apart on this ladder.
TONE_LADDER: tuple[str, ...] = ("calm", "playful", "energetic")
MAX_TONE_STEP = 1

# The hypotheses the policy explores, in the order CreativeBrief names them.
DIMENSIONS: tuple[str, ...] = ("hook_type", "narrative_form", "facet", "template")

PolicyKind = Literal["thompson", "static", "random"]
POLICY_KINDS: tuple[str, ...] = get_args(PolicyKind)

# ---------------------------------------------------------------------------
# Engagement: feedback → reward
# ---------------------------------------------------------------------------

# Reward weights (sum 1). Watching is the commonest signal and carries most weight; a click
# and a conversion are rarer and stronger evidence of interest; replays and likes are
# lighter-weight appreciation. Each term is in [0, 1], so the reward is too.
ENGAGEMENT_WEIGHTS: dict[str, float] = {
    "watch": 0.60,
    "replays": 0.10,
    "like": 0.10,
    "click": 0.15,
    "conversion": 0.05,
}
MAX_REPLAYS_COUNTED = 2  # replays saturate: the third replay says little the second did not


def watch_ratio(feedback: Feedback, duration_s: float) -> float:
    """Share of the creative watched; a skip ends the watch at the skip time."""
    watched = feedback.watch_time_s
    if feedback.skip_time_s is not None:
        watched = min(watched, feedback.skip_time_s)
    return float(np.clip(watched / max(duration_s, 1e-6), 0.0, 1.0))


def engagement(feedback: Feedback, duration_s: float) -> float:
    """Reward in [0, 1]: the ``ENGAGEMENT_WEIGHTS`` mix of watch ratio, replays, like, click and
    conversion. Monotone in each signal."""
    w = ENGAGEMENT_WEIGHTS
    terms = {
        "watch": watch_ratio(feedback, duration_s),
        "replays": min(feedback.replays, MAX_REPLAYS_COUNTED) / MAX_REPLAYS_COUNTED,
        "like": float(feedback.like),
        "click": float(feedback.click),
        "conversion": float(feedback.conversion),
    }
    return float(np.clip(sum(w[k] * v for k, v in terms.items()), 0.0, 1.0))


# ---------------------------------------------------------------------------
# Progressive storytelling: the stage escalation rule
# ---------------------------------------------------------------------------

# Interest (a smoothed engagement) at or above ADVANCE_AT moves the story one stage on; at or
# below FALL_BACK_AT (strong disengagement) it moves one stage back; in between it stays.
ADVANCE_AT = 0.30
FALL_BACK_AT = 0.10
# interest_level(): weight of the newest impression in the running interest (exponential
# smoothing), so one noisy impression neither races the story ahead nor throws it back.
INTEREST_SMOOTHING = 0.6


def interest_level(history: Sequence[Mapping[str, Any]]) -> float | None:
    """Exponentially smoothed engagement of past impressions (``"engagement"`` of each record,
    oldest first); None before the first impression with feedback."""
    level: float | None = None
    for record in history:
        e = record.get("engagement")
        if e is None:
            continue
        level = float(e) if level is None else INTEREST_SMOOTHING * float(e) + (1 - INTEREST_SMOOTHING) * level
    return level


def next_stage(history: Sequence[Mapping[str, Any]], *, interest: float) -> str:
    """The story stage of the next impression.

    ``history``: the campaign's past impressions, oldest first, each a dict with its
    ``"stage"``. The first impression opens with the light native hook. Afterwards, from the
    last impression's stage: advance one stage when ``interest >= ADVANCE_AT``, fall back one
    stage when ``interest <= FALL_BACK_AT`` (strong disengagement), stay otherwise. Never more
    than one step, never past either end.
    """
    staged = [r["stage"] for r in history if r.get("stage") in STAGES]
    if not staged:
        return STAGES[0]
    i = STAGES.index(staged[-1])
    if interest >= ADVANCE_AT:
        i = min(i + 1, len(STAGES) - 1)
    elif interest <= FALL_BACK_AT:
        i = max(i - 1, 0)
    return STAGES[i]


# ---------------------------------------------------------------------------
# Arms: the hypotheses open for one product and user
# ---------------------------------------------------------------------------


def product_facets(product: Product) -> list[str]:
    """The product's own facets — its selling points and fact keys, in product order. The
    only angles a creative may lead with (the same keys ``Scene.claims`` records)."""
    facets = [sp.strip() for sp in product.selling_points if sp.strip()]
    facets += [k for k, v in product.facts.items() if v.strip()]
    return list(dict.fromkeys(facets))


def arms_for(product: Product, profile: UserProfile) -> dict[str, list[str]]:
    """Values the policy may try for each dimension, for this product and user.

    Left out, as the storyboard would refuse them anyway: personal hooks (pov, scenario,
    problem) for a generic profile, a bold claim for a product with nothing verified to claim,
    narrative forms that need the user's interest when there is none, a listicle with fewer
    than two claims.
    """
    facets = product_facets(product)
    generic = profile.generic or not profile.interests
    hooks = [h for h in HOOK_TYPES
             if not (profile.generic and h in PERSONAL_HOOKS) and not (h == "bold_claim" and not facets)]
    forms = [f for f in NARRATIVE_FORMS
             if not (generic and f in NARRATIVES_NEEDING_INTEREST)
             and not (f == "listicle" and len(facets) < MIN_CLAIMS_FOR_LISTICLE)]
    return {"hook_type": hooks, "narrative_form": forms, "facet": facets, "template": list(TONE_LADDER)}


def tone_step(a: str, b: str) -> int:
    """Steps between two templates on the ``TONE_LADDER``."""
    return abs(TONE_LADDER.index(a) - TONE_LADDER.index(b))


# ---------------------------------------------------------------------------
# The exploration–exploitation policy
# ---------------------------------------------------------------------------

# Linear Thompson sampling. The reward is modelled as
#     reward = intercept + Σ_dimension effect[dimension, value] + effect[stage] + noise,
# a Bayesian linear regression with independent Gaussian priors. Fitting all effects jointly
# shares each reward among the values that produced it (a good hook shown with a poor facet is
# not blamed for the facet), where one Beta posterior per value credited every reward whole to
# every value shown, and an untried value's Beta(1, 1) prior (mean 0.5, far above typical
# rewards of 0.2–0.3) made the policy try nearly every value once: close to random choice.
# The values below were chosen on benchmarks/campaign_engagement.py seeds 1–6 (seed 0 and 60
# viewers are the reported runs, not tuned on).
NOISE_SD = 0.15  # sd of one impression's reward around the model (engagement is noisy)
EFFECT_PRIOR_SD = 0.10  # a value's effect on the reward: a tenth either way, before feedback
INTERCEPT_PRIOR = (0.3, 0.2)  # (mean, sd) of the reward of an average creative
# The story stage is set by next_stage, not the policy; a stage effect in the model keeps the
# stage's own pull on the reward from being credited to the hypotheses shown with it.
STAGE_PRIOR_SD = 0.10
# Prior mean effect of each value the viewer's history suggests (new_policy's suggestion): the
# policy opens with it and keeps it until feedback says otherwise.
HISTORY_PRIOR_BONUS = 0.05
# Discounted evidence: before each update past evidence decays by this factor, so the policy
# follows a viewer whose taste moves instead of locking onto old evidence.
POSTERIOR_DISCOUNT = 0.95
# The sampled effects deviate from the posterior mean by this fraction of a full posterior draw.
# With ten impressions and ~20 values, full Thompson sampling is still exploring when the
# campaign ends; a narrower draw exploits what it learnt (0 — the greedy posterior mean — ties
# too often and repeats itself: 0.2–0.3 was best on the tuning seeds).
EXPLORATION_SCALE = 0.3
# Repetition tires viewers: a creative's score loses REPEAT_PENALTY × Σ_age REPEAT_MEMORY^age ×
# overlap², overlap being the share of the four hypotheses it shares with the impression
# ``age + 1`` back (the policy's own record of what was shown). Squared, so sharing one angle
# with the last creative costs little and a look-alike costs much.
REPEAT_PENALTY = 0.15
REPEAT_MEMORY = 0.7
REPEAT_POWER = 2.0
RECENT_KEPT = 6  # impressions the repetition penalty looks back (0.7^6 ≈ 0.1)


class CreativePolicy:
    """Chooses each impression's :class:`CreativeBrief`.

    - ``"thompson"``: draw the model's coefficients from the posterior (narrowed by
      ``EXPLORATION_SCALE``) and choose the combination of allowed values with the highest
      sampled reward less the repetition penalty (the dimensions' effects add up, so this is a
      factored bandit with a joint choice);
    - ``"static"``: the first brief it chose, every time (the retrieval baseline: the same
      creative for every impression, no progression);
    - ``"random"``: uniformly among the allowed values (pure exploration).

    Every kind draws from ``numpy.random.default_rng([seed, impression])``, so a choice does
    not depend on how many choices came before it and a resumed campaign repeats it exactly.
    Thompson and random keep the consistency rules (avoid the previous impression's claims,
    tone within one step); static by design shows the same creative again.
    """

    def __init__(self, kind: PolicyKind, arms: dict[str, list[str]], seed: int, state: dict | None = None):
        if kind not in POLICY_KINDS:
            raise ValueError(f"unknown policy kind {kind!r}; expected one of {POLICY_KINDS}")
        self.kind = kind
        self.arms = {d: list(dict.fromkeys(arms.get(d, []))) for d in DIMENSIONS}
        self.seed = int(seed)
        # The model's coefficients: intercept, one per (dimension, value), one per stage.
        self.features: list[tuple[str, str]] = [("intercept", "")]
        self.features += [(d, v) for d in DIMENSIONS for v in self.arms[d]]
        self.features += [("stage", st) for st in STAGES]
        self.index = {f: i for i, f in enumerate(self.features)}
        self.prior_mean = [INTERCEPT_PRIOR[0]] + [0.0] * (len(self.features) - 1)
        self.prior_sd = [INTERCEPT_PRIOR[1]] + [STAGE_PRIOR_SD if d == "stage" else EFFECT_PRIOR_SD
                                                for d, _ in self.features[1:]]
        n = len(self.features)
        self.gram = np.zeros((n, n))  # discounted Σ x xᵀ over the impressions seen
        self.xr = np.zeros(n)  # discounted Σ x · reward
        self.recent: list[dict[str, str | None]] = []  # hypotheses shown, oldest first
        self.first: CreativeBrief | None = None
        if state:
            self._load(state)

    def set_prior(self, suggestion: Mapping[str, str], bonus: float | None = None) -> None:
        """The history's ``suggestion`` ({dimension: value}) as the prior: each suggested value's
        prior mean effect is raised by ``bonus`` (default ``HISTORY_PRIOR_BONUS``)."""
        bonus = HISTORY_PRIOR_BONUS if bonus is None else float(bonus)
        for d, v in suggestion.items():
            if (d, v) in self.index:
                self.prior_mean[self.index[(d, v)]] += bonus

    # --- choosing ----------------------------------------------------------

    def choose(self, impression: int, *, previous: CreativeBrief | None, stage: str,
               delivered_claims: Sequence[str]) -> CreativeBrief:
        """The brief for ``impression``.

        ``previous``: the previous impression's brief (None for the first); ``stage``: from
        :func:`next_stage`; ``delivered_claims``: the claims the previous impression stated
        (they become ``avoid_claims`` and are never chosen as the facet).
        """
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of {STAGES}")
        if self.kind == "static" and self.first is not None:
            return self.first.model_copy(update={"impression": impression})
        avoid = sorted(set(delivered_claims))
        rng = np.random.default_rng([self.seed, impression])
        allowed = {d: self.allowed(d, previous=previous, avoid_claims=avoid) for d in DIMENSIONS}
        if self.kind == "thompson":
            picks = self._thompson(allowed, rng)
        else:  # static chooses its one creative at random too: the baseline has no preference
            picks = {d: (values[int(rng.integers(len(values)))] if values else None) for d, values in allowed.items()}
        brief = CreativeBrief(
            impression=impression, stage=stage, avoid_claims=[] if self.kind == "static" else avoid,
            policy=self.kind, **picks,
        )
        if self.kind == "static":
            self.first = brief
        return brief

    def allowed(self, dimension: str, *, previous: CreativeBrief | None, avoid_claims: Sequence[str]) -> list[str]:
        """Values of ``dimension`` open to the next choice under the consistency rules."""
        values = self.arms[dimension]
        if self.kind == "static":
            return values
        if dimension == "facet":
            # Leading with a claim just stated would repeat it; with every facet just stated
            # the Director picks (it honours avoid_claims too).
            return [v for v in values if v not in set(avoid_claims)]
        if dimension == "template" and previous is not None and previous.template in TONE_LADDER:
            return [v for v in values if v in TONE_LADDER and tone_step(v, previous.template) <= MAX_TONE_STEP]
        return values

    def repetition(self, picks: Mapping[str, str | None]) -> float:
        """Σ_age REPEAT_MEMORY^age × overlap^REPEAT_POWER of ``picks`` with the recent impressions
        (age 0 = the last one); overlap = share of the four hypotheses that are the same."""
        total = 0.0
        for age, shown in enumerate(reversed(self.recent)):
            same = sum(1 for d in DIMENSIONS if picks.get(d) is not None and shown.get(d) == picks.get(d))
            total += REPEAT_MEMORY ** age * (same / len(DIMENSIONS)) ** REPEAT_POWER
        return total

    def _thompson(self, allowed: dict[str, list[str]], rng: np.random.Generator) -> dict[str, str | None]:
        mean, cov = self.posterior()
        draw = np.linalg.cholesky(cov) @ rng.standard_normal(len(mean))
        # Rounded so that values the data cannot tell apart tie exactly, whatever rounding noise
        # the platform's BLAS leaves in the posterior (a tie goes to the first value).
        theta = np.round(mean + EXPLORATION_SCALE * draw, 12)
        sampled = {d: {v: float(theta[self.index[(d, v)]]) for v in values} for d, values in allowed.items()}
        dims = [d for d in DIMENSIONS if sampled[d]]
        best: dict[str, str | None] = {}
        best_score = -np.inf
        # Every combination (at most a few hundred): the effects add up, the penalty does not.
        for combo in itertools.product(*(sampled[d] for d in dims)):
            picks = dict(zip(dims, combo))
            score = sum(sampled[d][v] for d, v in picks.items()) - REPEAT_PENALTY * self.repetition(picks)
            if score > best_score:
                best, best_score = picks, score
        return {d: best.get(d) for d in DIMENSIONS}

    # --- learning ----------------------------------------------------------

    def features_of(self, brief: CreativeBrief) -> np.ndarray:
        """The model's regressors for a shown brief: 1 for the intercept, each value shown and
        its stage; values outside the arms (the Director's own) add nothing."""
        x = np.zeros(len(self.features))
        x[0] = 1.0
        for key in [(d, getattr(brief, d)) for d in DIMENSIONS] + [("stage", brief.stage)]:
            if key in self.index:
                x[self.index[key]] = 1.0
        return x

    def posterior(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, covariance) of the model's coefficients, in ``self.features`` order."""
        prior_precision = np.diag(1.0 / np.square(self.prior_sd))
        precision = prior_precision + self.gram / NOISE_SD**2
        cov = np.linalg.inv(precision)
        mean = cov @ (prior_precision @ np.asarray(self.prior_mean) + self.xr / NOISE_SD**2)
        return mean, (cov + cov.T) / 2

    def update(self, brief: CreativeBrief, reward: float) -> None:
        """Learn from one impression: ``brief`` as shown, ``reward`` in [0, 1] (discounting the
        evidence before, ``POSTERIOR_DISCOUNT``), and remember what it showed."""
        r = float(np.clip(reward, 0.0, 1.0))
        x = self.features_of(brief)
        self.gram = POSTERIOR_DISCOUNT * self.gram + np.outer(x, x)
        self.xr = POSTERIOR_DISCOUNT * self.xr + r * x
        self.recent = (self.recent + [{d: getattr(brief, d) for d in DIMENSIONS}])[-RECENT_KEPT:]

    def mean(self, dimension: str, value: str) -> float:
        """Posterior mean effect of one value on the reward."""
        return float(self.posterior()[0][self.index[(dimension, value)]])

    # --- state -------------------------------------------------------------

    def to_state(self) -> dict:
        """JSON-native state (graph state, checkpoints); ``CreativePolicy(..., state=...)``
        restores it."""
        return {
            "kind": self.kind,
            "seed": self.seed,
            "arms": {d: list(v) for d, v in self.arms.items()},
            "prior_mean": [float(m) for m in self.prior_mean],
            "gram": self.gram.tolist(),
            "xr": self.xr.tolist(),
            "recent": [dict(r) for r in self.recent],
            "first": self.first.model_dump(mode="json") if self.first else None,
        }

    def _load(self, state: dict) -> None:
        if state.get("kind", self.kind) != self.kind:
            raise ValueError(f"state is for a {state['kind']!r} policy, not {self.kind!r}")
        n = len(self.features)
        if "prior_mean" in state:
            if len(state["prior_mean"]) != n:
                raise ValueError("policy state does not match the arms")
            self.prior_mean = [float(m) for m in state["prior_mean"]]
            self.gram = np.array(state["gram"], dtype=float).reshape(n, n)
            self.xr = np.array(state["xr"], dtype=float).reshape(n)
        self.recent = [dict(r) for r in state.get("recent", [])]
        if state.get("first"):
            self.first = CreativeBrief.model_validate(state["first"])

    @classmethod
    def from_state(cls, state: dict) -> CreativePolicy:
        """The policy a ``to_state()`` dict describes."""
        return cls(state["kind"], state["arms"], state["seed"], state=state)


# ---------------------------------------------------------------------------
# Intervention budget: reuse, edit or regenerate
# ---------------------------------------------------------------------------

Intervention = Literal["reuse", "edit", "regenerate"]

# Costs on the Reflector's scale (1.0 = full re-generation). An edit rewrites the 0–3 s hook
# and re-renders that segment: a storyboard rewrite of one scene of ~5 plus its render.
REUSE_COST = 0.0
EDIT_COST = round(STAGE_COST["write_storyboard"] / 5 + STAGE_COST["producer"], 2)
REGENERATE_COST = STAGE_COST["model_user"]
INTERVENTION_COST: dict[str, float] = {"reuse": REUSE_COST, "edit": EDIT_COST, "regenerate": REGENERATE_COST}

# Expected engagement gain from realising a change of each brief field (a prior estimate of
# how much each lever moves engagement; a stage change re-tells the story, a template change
# only restyles it). Every gain exceeds its cost's weight, so a change is worth making when
# the budget allows.
CHANGE_GAIN: dict[str, float] = {
    "stage": 0.30, "facet": 0.25, "narrative_form": 0.20, "hook_type": 0.15, "template": 0.15,
}
HOOK_SKIP_GAIN = 0.20  # rewriting a hook the viewer skipped
COST_WEIGHT = 0.10  # engagement gain one unit of cost must buy
EDITABLE_FIELDS = frozenset({"hook_type"})  # what an edit of the hook can realise


def _previous_parts(previous: Mapping[str, Any]) -> tuple[CreativeBrief | None, list[str], Feedback | None]:
    """(brief, claims stated, feedback) of the previous impression's record: a dict with
    ``"brief"``, ``"claims"``, ``"feedback"`` (each optional), or a bare brief dump."""
    raw = previous.get("brief", previous if "stage" in previous or "hook_type" in previous else None)
    brief = CreativeBrief.model_validate(raw) if raw else None
    feedback = Feedback.model_validate(previous["feedback"]) if previous.get("feedback") else None
    return brief, list(previous.get("claims", [])), feedback


def changed_fields(before: CreativeBrief, after: CreativeBrief) -> list[str]:
    """Brief fields that change what the creative shows (impression and policy do not)."""
    return [f for f in CHANGE_GAIN if getattr(before, f) != getattr(after, f)]


def decide_intervention(previous: dict | None, brief: CreativeBrief, *,
                        budget: float) -> tuple[Intervention, float, str]:
    """Reuse, edit or regenerate the previous creative for ``brief``: (action, cost, reason).

    ``previous``: the previous impression's record — ``{"brief", "claims", "feedback"}``, each
    optional (a bare brief dump also works); None for the first impression. ``budget``: the
    cost this impression may spend (1.0 = one full generation).

    Each action realises part of the change the brief asks for — reuse none, an edit of the
    hook only a hook-type change (or a fresh hook after a skip inside it), regeneration all —
    and is scored ``gain - COST_WEIGHT * cost``; the best affordable action wins, the cheaper
    on a tie. Two hard rules override the budget: there is nothing to reuse or edit before the
    first creative, and a creative that would repeat a claim of the previous impression
    (``brief.avoid_claims``) is regenerated.
    """
    if previous is None:
        return "regenerate", REGENERATE_COST, "first impression: nothing to reuse"
    before, claims, feedback = _previous_parts(previous)
    if before is None:
        return "regenerate", REGENERATE_COST, "the previous creative's brief is unknown"
    changes = changed_fields(before, brief)
    repeated = sorted(set(claims) & set(brief.avoid_claims))
    skipped_hook = feedback is not None and feedback.skip_time_s is not None \
        and feedback.skip_time_s <= HOOK_WINDOW_S
    if repeated:  # an edit of the hook would leave the body's claims in place
        return "regenerate", REGENERATE_COST, (
            f"the previous creative states {', '.join(repeated)}, which this impression must not repeat")

    skip_gain = HOOK_SKIP_GAIN if skipped_hook else 0.0
    full = sum(CHANGE_GAIN[f] for f in changes) + skip_gain
    gains = {
        "reuse": 0.0,
        "edit": sum(CHANGE_GAIN[f] for f in changes if f in EDITABLE_FIELDS) + skip_gain,
        "regenerate": full,
    }
    # An edit cannot realise a change outside the hook: it is only an option when the hook is
    # all that changes (otherwise it would serve a creative the brief did not ask for).
    options = ["reuse", "regenerate"] + (["edit"] if set(changes) <= EDITABLE_FIELDS else [])
    affordable = [a for a in options if INTERVENTION_COST[a] <= budget + 1e-9] or ["reuse"]
    def value(a: str) -> tuple[float, float]:  # net gain, then the cheaper on a tie
        return gains[a] - COST_WEIGHT * INTERVENTION_COST[a], -INTERVENTION_COST[a]

    action = max(affordable, key=value)
    cost = INTERVENTION_COST[action]

    if action == "reuse":
        why = "nothing changes" if not changes and not skipped_hook else \
            f"the change ({', '.join(changes) or 'hook'}) is not worth its cost within budget {budget:.2f}"
    elif action == "edit":
        why = (f"skipped at {feedback.skip_time_s:.1f}s, inside the hook: "
               f"rewrite only the 0–{HOOK_WINDOW_S:.0f} s hook" if skipped_hook
               else "only the hook type changes: rewrite and re-render the hook")
    else:
        why = f"the brief changes {', '.join(changes)}: expected gain {full:.2f} for cost {cost:.2f}"
    return action, cost, why
