"""The one place that picks the offline or the LLM implementation of each step.

``settings.llm`` (set from the preset / ``--llm`` / ``NEXTADS_LLM``) names the chat model;
``offline`` keeps every step on its embedded implementation. With a model, each step runs
its LLM implementation; when that gives up (bounded retries exhausted, a non-retryable
fault, or output the post-checks cannot use) the offline implementation runs instead and a
fallback marker ``{"step", "reason", "attempts", "model"}`` is returned with the result, for
graph state (``fallbacks`` → ``run.json``) and the node's trace.

Every function returns ``(result, fallbacks)`` where ``fallbacks`` is a list of markers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from agents.director import grounding, host, integration, matching, profile, storyboard
from agents.director import llm as director_llm
from nextads.providers.chat import make_chat_model, parse_spec
from nextads.schemas import (
    CreativeBrief,
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
)
from nextads.settings import get_settings

log = logging.getLogger(__name__)

T = TypeVar("T")
Fallbacks = list[dict[str, Any]]


@lru_cache(maxsize=4)
def chat_model_for(spec: str) -> Any | None:
    """The chat model a spec names (None for offline), built once per spec."""
    s = get_settings()
    return make_chat_model(spec, temperature=s.llm_temperature, timeout=s.llm_timeout_s)


def step_model() -> Any | None:
    """The chat model every LLM-backed step uses under the current settings (None = offline):
    the Director steps, the Verifier's judged checks and the Reflector's attribution."""
    spec = get_settings().llm
    return None if parse_spec(spec).offline else chat_model_for(spec)


def run_step(step: str, llm_impl: Callable[..., T], offline_impl: Callable[..., T], *args: Any,
             **kwargs: Any) -> tuple[T, Fallbacks]:
    """Run the LLM implementation when a model is configured, else (or on give-up) the offline one."""
    model = step_model()
    if model is None:
        return offline_impl(*args, **kwargs), []
    try:
        return llm_impl(*args, **kwargs, model=model), []
    except director_llm.StepFallback as exc:
        marker = exc.marker
    except (ValidationError, ValueError) as exc:  # a proposal the post-checks could not turn into the model
        marker = {"step": step, "reason": f"{type(exc).__name__}: {exc}"[:300], "attempts": 1}
    marker = {**marker, "step": step, "model": get_settings().llm, "fallback": "offline"}
    log.warning("%s fell back to offline: %s", step, marker.get("reason"))
    return offline_impl(*args, **kwargs), [marker]


def model_user(user: UserData, *, exclude_topics: Sequence[str] = ()) -> tuple[UserProfile, Fallbacks]:
    return run_step("model_user", director_llm.model_user, profile.model_user, user, exclude_topics=exclude_topics)


def _brief_kwargs(brief: CreativeBrief | None) -> dict[str, Any]:
    """``brief=`` only for campaigns: outside them every step is called exactly as before."""
    return {"brief": brief} if brief is not None else {}


def match_product(user_profile: UserProfile, product: Product, *, threshold: float,
                  exclude_interests: Sequence[str] = (), exclude_facets: Sequence[str] = (),
                  brief: CreativeBrief | None = None) -> tuple[MatchResult, Fallbacks]:
    """``brief`` (campaigns): its facet leads when it is one of the product's."""
    if user_profile.generic:  # the GenericAds baseline has nothing to personalise with
        return matching.match_product(user_profile, product, threshold=threshold, exclude_interests=exclude_interests,
                                      exclude_facets=exclude_facets, **_brief_kwargs(brief)), []
    return run_step("match_product", director_llm.match_product, matching.match_product, user_profile, product,
                    threshold=threshold, exclude_interests=exclude_interests, exclude_facets=exclude_facets,
                    **_brief_kwargs(brief))


def write_storyboard(user_profile: UserProfile, product: Product, match: MatchResult, context: ServingContext, *,
                     previous: Storyboard | None = None, directive: RevisionDirective | None = None,
                     host: HostSummary | None = None,
                     integration: IntegrationDecision | None = None,
                     brief: CreativeBrief | None = None,
                     exclude_facets: Sequence[str] = ()) -> tuple[Storyboard, Fallbacks]:
    """PCI passes the host summary and the integration decision (both implementations take them);
    a campaign passes its ``brief`` (hypotheses, claims to avoid, story stage); facets left out
    earlier in the run stay out (``exclude_facets``)."""
    return run_step("write_storyboard", director_llm.write_storyboard, storyboard.write_storyboard, user_profile,
                    product, match, context, previous=previous, directive=directive,
                    **director_llm.pci_kwargs(host, integration), **_brief_kwargs(brief),
                    **({"exclude_facets": list(exclude_facets)} if exclude_facets else {}))


def ground_assets(board: Storyboard, product: Product, user_profile: UserProfile, context: ServingContext,
                  work_dir: Path, *, integration: IntegrationDecision | None = None,
                  host: HostSummary | None = None) -> tuple[Grounding, Fallbacks]:
    return run_step("ground_assets", director_llm.ground_assets, grounding.ground_assets, board, product,
                    user_profile, context, work_dir, **director_llm.pci_kwargs(host, integration))


def summarize_host(video_path: str | Path, *, title: str = "", work_dir: Path | None = None
                   ) -> tuple[HostSummary, Fallbacks]:
    """PCI: the measured host summary; with a model, its topic and content as a VLM sees them."""
    return run_step("summarize_host", director_llm.summarize_host, host.summarize_host, video_path, title=title,
                    work_dir=work_dir)


def decide_integration(host_summary: HostSummary, user_profile: UserProfile, product: Product, *, work_dir: Path,
                       exclude_points: Sequence[float] = ()) -> tuple[IntegrationDecision, Fallbacks]:
    """PCI: the integration point; with a model, chosen by it among the admissible candidates."""
    return run_step("decide_integration", director_llm.decide_integration, integration.decide_integration,
                    host_summary, user_profile, product, work_dir=work_dir, exclude_points=exclude_points)
