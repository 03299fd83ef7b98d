"""The Director subgraph.

    PCG: model_user → match_product → write_storyboard → ground_assets
    PCI: model_user → summarize_host → decide_integration → match_product → write_storyboard → ground_assets

Each step is its own node so the Reflector can re-enter at the smallest responsible
step: the entry router reads the pending directive's target and starts there; every step
after it re-runs (cheaply: unchanged scenes keep their render digests downstream, and the
host summary is cached by the video's content).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph

from agents import llm_dispatch
from agents.director.generic import generic_profile
from graphs.state import (
    DirectorInput,
    DirectorOutput,
    DirectorState,
    brief_of,
    context_of,
    directive_of,
    dump,
    host_of,
    integration_of,
    product_of,
    user_of,
)
from graphs.tracing import timed
from memory import users as user_memory
from memory.persistence import current_store
from nextads.schemas import HostSummary, MatchResult, ServingContext, Storyboard, UserProfile
from nextads.settings import get_settings

DirectorStep = Literal["model_user", "summarize_host", "decide_integration", "match_product", "write_storyboard",
                       "ground_assets"]


def _uses_generic(state: DirectorState) -> bool:
    return bool(state.get("generic") or state.get("fallback"))


@timed
def model_user(state: DirectorState) -> dict[str, Any]:
    """Director step 1: the structured UserProfile (or the generic one for the baseline)."""
    user = user_of(state)
    if _uses_generic(state):
        return {"profile": dump(generic_profile(user.user_id))}
    topics = state.get("exclusions", {}).get("topics", [])
    result, fallbacks = llm_dispatch.model_user(user, exclude_topics=topics)
    store = current_store()
    if store is not None:  # presentation this viewer engaged with in earlier campaigns
        result = user_memory.with_learned_style(result, user_memory.learned_style(store, user.user_id))
    return {"profile": dump(result), "fallbacks": fallbacks}



def conform_context(context: ServingContext, host: HostSummary) -> ServingContext:
    """PCI: the segment is rendered at the host's size, frame rate and aspect ratio."""
    w, h = host.width - host.width % 2, host.height - host.height % 2
    g = math.gcd(w, h)
    return context.model_copy(update={"resolution": (w, h), "fps": max(1, round(host.fps)),
                                      "aspect_ratio": f"{w // g}:{h // g}"})


@timed
def summarize_host(state: DirectorState) -> dict[str, Any]:
    """PCI: topic, style, shots, energy over time and burned-in text of the host video."""
    summary, fallbacks = llm_dispatch.summarize_host(state["host_video"], title=state.get("host_title", ""),
                                                     work_dir=Path(state["work_dir"]) / "host")
    return {"host": dump(summary), "context": dump(conform_context(context_of(state), summary)),
            "fallbacks": fallbacks}


@timed
def decide_integration(state: DirectorState) -> dict[str, Any]:
    """PCI: where the segment goes — a shot boundary or calm moment, never the climax or
    over subtitles, away from every point a directive moved off."""
    host = host_of(state)
    assert host is not None, "summarize_host runs first"
    points = [float(p) for p in state.get("exclusions", {}).get("points", [])]
    decision, fallbacks = llm_dispatch.decide_integration(
        host, UserProfile.model_validate(state["profile"]), product_of(state),
        work_dir=Path(state["work_dir"]) / "integration", exclude_points=points)
    return {"integration": dump(decision), "fallbacks": fallbacks}


def _pci_kwargs(state: DirectorState) -> dict[str, Any]:
    """The host and the integration point for the PCI storyboard and grounding."""
    if state.get("task") != "pci":
        return {}
    return {"host": host_of(state), "integration": integration_of(state)}


@timed
def match_product(state: DirectorState) -> dict[str, Any]:
    """Director step 2: bidirectional user–product matching with a compatibility score (a
    campaign's brief chooses the lead facet)."""
    excl = state.get("exclusions", {})
    result, fallbacks = llm_dispatch.match_product(
        UserProfile.model_validate(state["profile"]),
        product_of(state),
        threshold=get_settings().compatibility_threshold,
        exclude_interests=excl.get("interests", []),
        exclude_facets=excl.get("facets", []),
        brief=brief_of(state),
    )
    return {"match": dump(result), "fallbacks": fallbacks}


@timed
def write_storyboard(state: DirectorState) -> dict[str, Any]:
    """Director step 3: the scene-level script; a scoped directive rewrites only its scenes; a
    campaign's brief sets its hypotheses, claims to avoid and story stage; facets left out
    earlier in the run (exclusions) stay out."""
    directive = directive_of(state)
    targeted = directive is not None and directive.target == "write_storyboard"
    previous = Storyboard.model_validate(state["storyboard"]) if targeted and state.get("storyboard") else None
    board, fallbacks = llm_dispatch.write_storyboard(
        UserProfile.model_validate(state["profile"]),
        product_of(state),
        MatchResult.model_validate(state["match"]),
        context_of(state),
        previous=previous,
        directive=directive if targeted else None,
        brief=brief_of(state),
        exclude_facets=state.get("exclusions", {}).get("facets", []),
        **_pci_kwargs(state),
    )
    return {"storyboard": dump(board), "fallbacks": fallbacks}


@timed
def ground_assets(state: DirectorState) -> dict[str, Any]:
    """Director step 4: licensed assets and user cues bound to scenes; the reference collage."""
    result, fallbacks = llm_dispatch.ground_assets(
        Storyboard.model_validate(state["storyboard"]),
        product_of(state),
        UserProfile.model_validate(state["profile"]),
        context_of(state),
        Path(state["work_dir"]) / "grounding",
        **_pci_kwargs(state),
    )
    return {"grounding": dump(result), "fallbacks": fallbacks}


def route_entry(state: DirectorState) -> DirectorStep:
    """Start at the directive's target step, or at the beginning on a first pass."""
    d = state.get("directive")
    target = d.get("target") if d else None
    if target == "decide_integration" and state.get("task") != "pci":
        target = "match_product"  # no host to move a point in: the nearest plan step
    if target in ("model_user", "decide_integration", "match_product", "write_storyboard", "ground_assets"):
        return target  # type: ignore[return-value]
    return "model_user"


def route_after_profile(state: DirectorState) -> Literal["summarize_host", "match_product"]:
    """PCI reads the host (and picks the point) before matching; PCG goes straight on."""
    return "summarize_host" if state.get("task") == "pci" else "match_product"


def build_director() -> Any:
    """Compile the Director subgraph (it shares the creative loop's state)."""
    g = StateGraph(DirectorState, input_schema=DirectorInput, output_schema=DirectorOutput)
    g.add_node("model_user", model_user)
    g.add_node("summarize_host", summarize_host)
    g.add_node("decide_integration", decide_integration)
    g.add_node("match_product", match_product)
    g.add_node("write_storyboard", write_storyboard)
    g.add_node("ground_assets", ground_assets)
    g.add_conditional_edges(START, route_entry)
    g.add_conditional_edges("model_user", route_after_profile)
    g.add_edge("summarize_host", "decide_integration")
    g.add_edge("decide_integration", "match_product")
    g.add_edge("match_product", "write_storyboard")
    g.add_edge("write_storyboard", "ground_assets")
    g.add_edge("ground_assets", END)
    return g.compile(name="director")
