"""Reflector attribution by an LLM, with the offline Reflector as its safety net.

``reflect(verdict, plan, *, feedback=None, history=(), model)`` has the offline
``agents.reflector.reflect`` signature plus a chat model: the model reads the failed
findings (with their scene evidence), the storyboard and the directives already tried, and
proposes :class:`RevisionDirective` objects through structured output, each naming the
checks it repairs. Deterministic post-checks keep them valid:

- targets are Director steps or the Producer (``reflector.STAGES``); a directive that repairs
  no failed finding of this verdict is dropped; a target already tried for the same check is
  escalated one stage up, as the offline Reflector does;
- ``decide_integration`` (PCI only; dropped for a plan without an integration point) excludes
  the plan's current point and every point already moved away from (``exclude_points``);
- level follows the target (Producer = execution), ``edit`` only for the Producer, ``hook_type``
  only for the storyboard and from the known hook types;
- scope is clipped to the storyboard's scenes (falling back to the findings' evidence), the
  time range to the video, removals to text the storyboard really contains, exclusions to
  the profile's own interests and the match's own facets;
- cost comes from ``reflector.STAGE_COST`` (scaled by scope for Producer edits), never from
  the model;
- every failed compliance finding gets a directive: one the model left out is added by the
  offline ``directive_for``.

Online feedback (watch/skip/click) is a measured signal and is interpreted by the offline
``feedback_directives`` either way. When the model gives up, or nothing valid is left after
the post-checks, ``StepFallback`` is raised and ``attribute`` runs the offline ``reflect`` and
records the fallback.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from agents import llm_dispatch
from agents import reflector as offline
from agents.director.llm import StepFallback
from agents.prompts import reflector as prompts
from nextads.providers.structured import structured_call
from nextads.schemas import CreativePlan, DirectiveTarget, Feedback, Finding, RevisionDirective, Verdict

STEP = "reflect"
SOURCE = "llm"
MAX_DIRECTIVES = 8  # a reply proposing more is cut here (each failure needs at most one)
MAX_EXCLUDED_TOPICS = 5
TIME_TOLERANCE_S = 0.05  # a proposed time range may overrun the video by this much (rounding)


class DirectiveProposal(BaseModel):
    """One revision as the model proposes it."""

    target: DirectiveTarget
    findings: list[str] = Field(default_factory=list, description="check names (from the verdict) this repairs")
    scope: list[int] = Field(default_factory=list, description="scene indices; [] = the whole step")
    time_range: list[float] | None = Field(None, description="[start_s, end_s] of the fault, if localized")
    instruction: str
    reason: str = ""
    exclude_interests: list[str] = Field(default_factory=list)
    exclude_topics: list[str] = Field(default_factory=list)
    exclude_facets: list[str] = Field(default_factory=list)
    remove_text: list[str] = Field(default_factory=list)
    edit: Literal["rerender", "recaption", "retime", "trim"] | None = None
    hook_type: str | None = None
    confidence: float = Field(0.8, ge=0.0, le=1.0)


class AttributionProposal(BaseModel):
    """The minimal directives repairing a verdict's failures."""

    directives: list[DirectiveProposal] = Field(default_factory=list)


# -- the prompt ----------------------------------------------------------------------------


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


def _finding_brief(f: Finding) -> dict[str, Any]:
    return {"check": f.check, "track": f.track, "severity": f.severity, "message": f.message,
            "evidence": [e.model_dump(exclude_none=True) for e in f.evidence]}


def attribute_prompt(verdict: Verdict, plan: CreativePlan, history: Sequence[RevisionDirective]) -> str:
    sb = plan.storyboard
    board = {"hook_type": sb.hook_type, "scenes": [
        {"index": s.index, "time": [s.start_s, s.end_s], "purpose": s.purpose, "visual": s.visual,
         "narration": s.narration, "on_screen_text": s.on_screen_text, "claims": s.claims} for s in sb.scenes]}
    tried = [{"target": d.target, "scope": d.scope, "reason": d.reason} for d in history]
    return prompts.ATTRIBUTE.format(
        last_scene=max(0, len(sb.scenes) - 1), costs=_json(offline.STAGE_COST),
        interests=[i.topic for i in plan.profile.interests] or "none",
        facets=[f.facet for f in plan.match.facets] or "none", hook_types=list(offline.HOOK_TYPES),
        history=_json(tried) if tried else "none",
        verdict=_json({"decision": verdict.decision, "utility": round(verdict.utility, 3),
                       "failed": [_finding_brief(f) for f in verdict.failures]}),
        storyboard=_json(board),
    )


# -- post-checks -----------------------------------------------------------------------------


def directive_cost(target: str, scope: Sequence[int], plan: CreativePlan) -> float:
    """The stage's cost; a Producer edit costs its share of the scenes (as offline)."""
    share = len(scope) / max(1, len(plan.storyboard.scenes)) if scope and target == "producer" else 1.0
    return round(offline.STAGE_COST[target] * share, 3)


def _evidence_scenes(findings: Sequence[Finding], plan: CreativePlan) -> list[int]:
    return sorted({i for f in findings for i in offline.finding_scenes(f, plan)})


def _time_range(proposed: list[float] | None, findings: Sequence[Finding],
                duration_s: float) -> tuple[float, float] | None:
    if proposed and len(proposed) == 2 and 0.0 <= proposed[0] < proposed[1] <= duration_s + TIME_TOLERANCE_S:
        return (float(proposed[0]), min(float(proposed[1]), duration_s))
    spans = [r for f in findings if (r := offline.finding_time_range(f)) is not None]
    return (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None


def directive_from_proposal(p: DirectiveProposal, failed: dict[str, Finding], plan: CreativePlan,
                            history: Sequence[RevisionDirective]) -> RevisionDirective | None:
    """A valid directive from one proposal, or None when it repairs no failed finding."""
    checks = [c for c in dict.fromkeys(p.findings) if c in failed]
    if not checks:
        return None
    findings = [failed[c] for c in checks]
    if p.target in offline.PCI_STAGES and plan.integration is None:
        return None  # no integration point to move in a standalone ad
    # One stage up past every stage already tried for these checks, as offline.
    target = offline.escalated_target(p.target, checks, history)
    sb = plan.storyboard
    n = len(sb.scenes)
    scope = sorted({i for i in p.scope if 0 <= i < n})
    if p.scope and not scope:  # the model localized, but to scenes that do not exist
        scope = _evidence_scenes(findings, plan)
    moves_point = target == "decide_integration"  # the whole segment is re-planned around a new point
    if moves_point:
        scope = []
    board_text = " ".join(t for s in sb.scenes for t in (s.narration, s.on_screen_text, s.visual)).lower()
    topics = {i.topic for i in plan.profile.interests}
    facets = {f.facet for f in plan.match.facets}
    return RevisionDirective(
        target=target,  # type: ignore[arg-type]
        level="execution" if target == "producer" else "plan",
        scope=scope,
        time_range=None if moves_point else _time_range(p.time_range, findings, sb.target_duration_s),
        instruction=p.instruction.strip() or f"repair {', '.join(checks)}",
        # Checks first: the escalation above (and the offline one) finds them in the reason.
        reason=f"{', '.join(checks)}: {p.reason.strip() or findings[0].message}",
        cost=directive_cost(target, scope, plan),
        exclude_interests=[i for i in dict.fromkeys(p.exclude_interests) if i in topics],
        exclude_topics=[t.strip() for t in p.exclude_topics if t.strip()][:MAX_EXCLUDED_TOPICS]
        if target == "model_user" else [],
        exclude_facets=[f for f in dict.fromkeys(p.exclude_facets) if f in facets],
        exclude_points=offline.excluded_points(plan, history) if moves_point else [],
        remove_text=[t for t in dict.fromkeys(p.remove_text) if t.strip() and t.strip().lower() in board_text]
        if target in ("write_storyboard", "match_product") else [],
        edit=(p.edit or "rerender") if target == "producer" else None,
        hook_type=p.hook_type if target == "write_storyboard" and p.hook_type in offline.HOOK_TYPES else None,
        confidence=p.confidence,
        source=SOURCE,
    )


def directives_from_proposal(proposal: AttributionProposal, verdict: Verdict, plan: CreativePlan,
                             history: Sequence[RevisionDirective] = ()) -> list[RevisionDirective]:
    """Post-checks over all proposals; every failed compliance finding ends up with a directive.

    Raises ``StepFallback`` when no valid model directive is left (the offline Reflector then
    attributes every failure).
    """
    failed = {f.check: f for f in verdict.failures}
    repairs: list[tuple[RevisionDirective, set[str]]] = []  # each directive with the checks it repairs
    for p in proposal.directives[:MAX_DIRECTIVES]:
        d = directive_from_proposal(p, failed, plan, history)
        if d is not None:
            repairs.append((d, {c for c in p.findings if c in failed}))
    if failed and not repairs:
        raise StepFallback({"step": STEP, "reason": "no valid directive for the verdict's failed findings",
                            "attempts": 1})
    covered = set().union(*(checks for _, checks in repairs))
    for f in failed.values():
        if f.track == "compliance" and f.check not in covered:
            repairs.append((offline.directive_for(f, plan, history), {f.check}))
    compliance = {c for c, f in failed.items() if f.track == "compliance"}
    repairs.sort(key=lambda r: not (r[1] & compliance))  # compliance repairs first (stable)
    return [d for d, _ in repairs]


# -- the step ----------------------------------------------------------------------------------


def reflect(verdict: Verdict, plan: CreativePlan, *, feedback: Feedback | None = None,
            history: Sequence[RevisionDirective] = (), model: Any) -> list[RevisionDirective]:
    """Directives for this verdict proposed by the LLM (and feedback, interpreted offline)."""
    out: list[RevisionDirective] = []
    if verdict.failures:
        messages = [SystemMessage(prompts.SYSTEM), HumanMessage(content=attribute_prompt(verdict, plan, history))]
        result = structured_call(model, AttributionProposal, messages, step=STEP)
        if result.value is None:
            raise StepFallback(result.fallback or {"step": STEP, "reason": "no result"})
        out = directives_from_proposal(result.value, verdict, plan, history)
    if feedback is not None:
        out.extend(offline.feedback_directives(feedback, plan))
    return out


def attribute(verdict: Verdict, plan: CreativePlan, *, feedback: Feedback | None = None,
              history: Sequence[RevisionDirective] = ()) -> tuple[list[RevisionDirective], list[dict[str, Any]]]:
    """The Reflector under the current settings: the LLM one when ``settings.llm`` names a
    model (offline on give-up, recorded), else the offline one. Returns (directives, fallbacks)."""
    return llm_dispatch.run_step(STEP, reflect, offline.reflect, verdict, plan, feedback=feedback, history=history)


__all__ = ["AttributionProposal", "DirectiveProposal", "STEP", "attribute", "directive_cost",
           "directives_from_proposal", "reflect"]
