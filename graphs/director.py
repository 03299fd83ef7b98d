"""The Director subgraph: model_user → match_product → write_storyboard → ground_assets.

Each step is its own node so the Reflector can re-enter at the smallest responsible
step: the entry router reads the pending directive's target and starts there; every step
after it re-runs (cheaply: unchanged scenes keep their render digests downstream).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph

from agents import llm_dispatch
from agents.director.generic import generic_profile
from graphs.state import (
    DirectorInput,
    DirectorOutput,
    DirectorState,
    context_of,
    directive_of,
    dump,
    product_of,
    user_of,
)
from graphs.tracing import timed
from nextads.schemas import MatchResult, Storyboard, UserProfile
from nextads.settings import get_settings

DirectorStep = Literal["model_user", "match_product", "write_storyboard", "ground_assets"]


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
    return {"profile": dump(result), "fallbacks": fallbacks}


@timed
def match_product(state: DirectorState) -> dict[str, Any]:
    """Director step 2: bidirectional user–product matching with a compatibility score."""
    excl = state.get("exclusions", {})
    result, fallbacks = llm_dispatch.match_product(
        UserProfile.model_validate(state["profile"]),
        product_of(state),
        threshold=get_settings().compatibility_threshold,
        exclude_interests=excl.get("interests", []),
        exclude_facets=excl.get("facets", []),
    )
    return {"match": dump(result), "fallbacks": fallbacks}


@timed
def write_storyboard(state: DirectorState) -> dict[str, Any]:
    """Director step 3: the scene-level script; a scoped directive rewrites only its scenes."""
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
    )
    return {"grounding": dump(result), "fallbacks": fallbacks}


def route_entry(state: DirectorState) -> DirectorStep:
    """Start at the directive's target step, or at the beginning on a first pass."""
    d = state.get("directive")
    if d and d.get("target") in ("model_user", "match_product", "write_storyboard", "ground_assets"):
        return d["target"]
    return "model_user"


def build_director() -> Any:
    """Compile the Director subgraph (it shares the creative loop's state)."""
    g = StateGraph(DirectorState, input_schema=DirectorInput, output_schema=DirectorOutput)
    g.add_node("model_user", model_user)
    g.add_node("match_product", match_product)
    g.add_node("write_storyboard", write_storyboard)
    g.add_node("ground_assets", ground_assets)
    g.add_conditional_edges(START, route_entry)
    g.add_edge("model_user", "match_product")
    g.add_edge("match_product", "write_storyboard")
    g.add_edge("write_storyboard", "ground_assets")
    g.add_edge("ground_assets", END)
    return g.compile(name="director")
