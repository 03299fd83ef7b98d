"""Graph state of the creative loop.

State is JSON-native: every artifact is stored as ``model_dump(mode="json")`` of its
pydantic model (nextads/schemas.py), so checkpoints never carry unregistered types and a
killed run resumes from SQLite exactly as it was. Nodes parse what they read with the
helpers at the bottom of this module.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from nextads.schemas import (
    Creative,
    CreativeBrief,
    CreativePlan,
    Grounding,
    HostSummary,
    IntegrationDecision,
    MatchResult,
    Product,
    RevisionDirective,
    ServingContext,
    Storyboard,
    UserData,
    UserProfile,
    Verdict,
)


def _merge_exclusions(left: dict[str, list[str]] | None, right: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """Exclusions only grow: a later rebuild must not reintroduce what a directive removed."""
    out = {k: list(v) for k, v in (left or {}).items()}
    for k, v in (right or {}).items():
        out[k] = list(dict.fromkeys([*out.get(k, []), *v]))
    return out


class CreativeInput(TypedDict):
    """What a caller provides (the graph's narrow input schema)."""

    task: str  # "pcg" | "pci"
    user: dict[str, Any]  # UserData
    product: dict[str, Any]  # Product
    context: dict[str, Any]  # ServingContext
    work_dir: str  # per-thread folder for intermediate artifacts
    max_rounds: int
    generic: bool  # GenericAds baseline: no user data


class CampaignCreativeInput(CreativeInput, total=False):
    """A campaign's impression: the creative loop with a CreativeBrief."""

    brief: dict[str, Any]


class CampaignImpressionInput(CampaignCreativeInput, total=False):
    """One impression's creative loop inside a campaign (graphs/campaign.py): the brief, and for
    an edit the previous impression's artifacts with the directive that rewrites its hook (the
    Director re-enters at the directive's step; the Producer re-renders only changed scenes)."""

    directive: dict[str, Any] | None
    profile: dict[str, Any]
    match: dict[str, Any]
    storyboard: dict[str, Any]
    grounding: dict[str, Any]
    creative: dict[str, Any]


class CampaignInput(TypedDict, total=False):
    """What a caller provides to a campaign (graphs/campaign.py)."""

    campaign_id: str  # the thread id; names the impressions in the Store
    user: dict[str, Any]  # UserData
    product: dict[str, Any]  # Product
    context: dict[str, Any]  # ServingContext
    campaign_dir: str  # per-campaign folder; impression k works in <campaign_dir>/impression_<k>
    impressions: int  # N: the campaign ends after impression N
    simulate: bool  # feedback from the seeded user simulator (else an interrupt waits for it)
    seed: int
    policy: str  # "thompson" | "static" | "random"
    budget: float  # cost one impression may spend (1.0 = one full generation)
    max_rounds: int  # revision rounds of each impression's creative loop
    generic: bool


class CampaignState(CampaignInput, total=False):
    impression: int  # the impression being made (1-based)
    policy_state: dict[str, Any]  # CreativePolicy.to_state()
    history: Annotated[list[dict[str, Any]], operator.add]  # one record per finished impression
    # Impressions left unserved: {"impression", "reason"} (no verified creative that would not
    # repeat the claims just seen).
    skipped: Annotated[list[dict[str, Any]], operator.add]
    brief: dict[str, Any]  # CreativeBrief of this impression
    intervention: dict[str, Any]  # {"action", "cost", "reason"}
    # The creative loop's input and output (the subgraph node reads and writes these keys).
    task: str
    work_dir: str
    directive: dict[str, Any] | None
    profile: dict[str, Any]
    match: dict[str, Any]
    storyboard: dict[str, Any]
    grounding: dict[str, Any]
    creative: dict[str, Any]
    outcome: dict[str, Any]
    verdict: dict[str, Any]
    directives: list[dict[str, Any]]
    timings: list[dict[str, Any]]
    fallbacks: list[dict[str, Any]]
    # Serving and feedback of this impression.
    served: dict[str, Any] | None  # {"impression", "plan", "verdict", "video_path", "source"}
    feedback: dict[str, Any]  # Feedback
    engagement: float
    reflection: list[dict[str, Any]]  # feedback directives (interpretation in "reason", "confidence")
    simulator: dict[str, Any]  # SimulatedUser.to_state() and the profile its preference leans on


class PCIInput(CreativeInput, total=False):
    """PCI adds the host video the segment is woven into (and its title, when known)."""

    host_video: str
    host_title: str


class CreativeOutput(TypedDict, total=False):
    """What a caller gets back (the graph's narrow output schema)."""

    outcome: dict[str, Any]
    verdict: dict[str, Any]
    creative: dict[str, Any]
    directives: list[dict[str, Any]]
    timings: list[dict[str, Any]]
    fallbacks: list[dict[str, Any]]


class CreativeState(CreativeInput, total=False):
    brief: dict[str, Any]  # campaigns: CreativeBrief
    # PCI inputs.
    host_video: str
    host_title: str
    # Director artifacts (latest version).
    host: dict[str, Any]  # PCI: HostSummary
    integration: dict[str, Any]  # PCI: IntegrationDecision
    profile: dict[str, Any]
    match: dict[str, Any]
    storyboard: dict[str, Any]
    grounding: dict[str, Any]
    # Producer / Verifier artifacts of the current round.
    creative: dict[str, Any]
    verdict: dict[str, Any]
    # The directive being acted on (None on the first pass).
    directive: dict[str, Any] | None
    # Everything the Reflector issued, in order.
    directives: Annotated[list[dict[str, Any]], operator.add]
    # Topics / interests / facets / integration points removed by directives, kept across rebuilds.
    exclusions: Annotated[dict[str, list[str]], _merge_exclusions]
    round: int
    # Every verified creative: {"round", "plan", "creative", "verdict"} (to keep the best).
    candidates: Annotated[list[dict[str, Any]], operator.add]
    # Per-node wall time: {"node", "round", "seconds"}.
    timings: Annotated[list[dict[str, Any]], operator.add]
    # Steps whose LLM implementation gave up and ran offline: {"step", "reason", "attempts", "model", …}.
    fallbacks: Annotated[list[dict[str, Any]], operator.add]
    fallback: bool  # the generic fallback pass is running
    outcome: dict[str, Any]


class DirectorInput(TypedDict, total=False):
    """What the Director subgraph reads from the loop (no accumulating lists: a subgraph
    that returned the parent's whole ``timings`` would duplicate it through the reducer)."""

    task: str
    user: dict[str, Any]
    product: dict[str, Any]
    context: dict[str, Any]
    work_dir: str
    generic: bool
    fallback: bool
    directive: dict[str, Any] | None
    exclusions: dict[str, list[str]]
    round: int
    brief: dict[str, Any]
    host_video: str
    host_title: str
    # Previous artifacts, for scoped revisions.
    host: dict[str, Any]
    integration: dict[str, Any]
    profile: dict[str, Any]
    match: dict[str, Any]
    storyboard: dict[str, Any]
    grounding: dict[str, Any]


class DirectorOutput(TypedDict, total=False):
    """What the Director subgraph hands back to the loop."""

    context: dict[str, Any]  # PCI: conformed to the host's size and frame rate
    host: dict[str, Any]
    integration: dict[str, Any]
    profile: dict[str, Any]
    match: dict[str, Any]
    storyboard: dict[str, Any]
    grounding: dict[str, Any]
    timings: Annotated[list[dict[str, Any]], operator.add]
    fallbacks: Annotated[list[dict[str, Any]], operator.add]


class DirectorState(DirectorInput, DirectorOutput, total=False):
    pass


# -- typed views of the JSON state ------------------------------------------------


def user_of(state: CreativeState) -> UserData:
    return UserData.model_validate(state["user"])


def product_of(state: CreativeState) -> Product:
    return Product.model_validate(state["product"])


def context_of(state: CreativeState) -> ServingContext:
    return ServingContext.model_validate(state["context"])


def directive_of(state: CreativeState) -> RevisionDirective | None:
    d = state.get("directive")
    return RevisionDirective.model_validate(d) if d else None


def plan_of(state: CreativeState) -> CreativePlan:
    """Assemble the CreativePlan from the Director's latest artifacts."""
    profile = UserProfile.model_validate(state["profile"])
    match = MatchResult.model_validate(state["match"])
    return CreativePlan(
        task=state.get("task", "pcg"),  # type: ignore[arg-type]
        user_id=profile.user_id,
        product_id=state["product"]["product_id"],
        context=context_of(state),
        profile=profile,
        match=match,
        storyboard=Storyboard.model_validate(state["storyboard"]),
        grounding=Grounding.model_validate(state["grounding"]),
        generic=profile.generic or match.generic,
        host=host_of(state),
        integration=integration_of(state),
        brief=brief_of(state),
    )


def brief_of(state: CreativeState) -> CreativeBrief | None:
    b = state.get("brief")
    return CreativeBrief.model_validate(b) if b else None


def host_of(state: CreativeState) -> HostSummary | None:
    h = state.get("host")
    return HostSummary.model_validate(h) if h else None


def integration_of(state: CreativeState) -> IntegrationDecision | None:
    i = state.get("integration")
    return IntegrationDecision.model_validate(i) if i else None


def creative_of(state: CreativeState) -> Creative | None:
    c = state.get("creative")
    return Creative.model_validate(c) if c else None


def verdict_of(state: CreativeState) -> Verdict | None:
    v = state.get("verdict")
    return Verdict.model_validate(v) if v else None


def dump(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json")
