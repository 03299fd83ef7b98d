"""Reflector (offline): turn Verifier findings and online feedback into minimal directives.

Each failed finding is attributed to a **plan-level** cause (profile, matching, style/tone,
hook, CTA) or an **execution-level** cause (artifacts, timing, captions, voice, asset
drift) and becomes a `RevisionDirective` routed to the smallest responsible stage
(DESIGN.md §2). Routing rules live in ``ROUTES`` (data, not branches), and a finding that
survives a directive is escalated one stage up, because re-running a deterministic step
with the same inputs would only reproduce the same failure.

PCI adds ``decide_integration``: a segment that breaks into a high-energy moment or does not
join the host smoothly moves the integration point (the directive excludes the current point
and every point already moved away from, so re-running that step is never a repeat); a
segment off the host's theme re-centres the storyboard's bridge on the host topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nextads.schemas import CreativePlan, Feedback, Finding, RevisionDirective, Verdict

# Upstream → downstream. Re-entering at a stage re-runs everything after it, so when
# several directives are due, the graph enters at the most upstream one.
STAGES: tuple[str, ...] = ("model_user", "decide_integration", "match_product", "write_storyboard", "ground_assets",
                           "producer")

# Relative cost of re-entering at a stage (1.0 = full re-generation); used to pick the
# cheapest sufficient revision and reported in every directive. Moving the integration point
# re-uses the cached host summary and usually the match, so it costs less than re-matching.
STAGE_COST = {"model_user": 1.0, "decide_integration": 0.7, "match_product": 0.9, "write_storyboard": 0.6,
              "ground_assets": 0.4, "producer": 0.2}

# Stages only a PCI plan has, entered only by their own routes: escalation passes over them
# (moving the point does not repair a failure the point did not cause).
PCI_STAGES = frozenset({"decide_integration"})
# Stages whose inputs change with every directive (each excludes one more point): a failure
# that survives one is retried there rather than escalated.
REPEATABLE_STAGES = frozenset({"decide_integration"})

# Feedback interpretation (DESIGN.md §3): a skip inside the hook means the hook is weak.
HOOK_WINDOW_S = 3.0
LOW_WATCH_RATIO = 0.5


@dataclass(frozen=True)
class Route:
    """How one kind of failure is repaired first."""

    keywords: tuple[str, ...]  # matched against the finding's check name
    target: str
    level: str
    edit: str | None = None
    why: str = ""
    # Where a failure that survived its first repair goes next, instead of one stage up
    # (e.g. a host theme the user's profile cannot change).
    then: str | None = None


# First match wins; order = most specific first.
ROUTES: tuple[Route, ...] = (
    Route(("label",), "producer", "execution", "rerender", "the AI Created label must be visible on every frame"),
    # PCI integration quality (before the generic context/quality routes their names could hit).
    Route(("integration_disruption", "integration_continuity"), "decide_integration", "plan", None,
          "the segment interrupts the host at a bad moment or does not join it smoothly"),
    Route(("integration_theme",), "write_storyboard", "plan", None,
          "the segment does not follow the host's theme (re-centre the bridge on the host topic)",
          then="decide_integration"),  # rebuilding the profile or the match cannot change the host's topic
    Route(("trademark", "competitor"), "match_product", "plan", None, "the creative leans on a third-party brand"),
    Route(("licen", "expired"), "ground_assets", "plan", None, "an asset is not licensed for this platform/date"),
    Route(("audio", "voice", "music"), "producer", "execution", "rerender", "the soundtrack is not licensed"),
    Route(("rights",), "write_storyboard", "plan", None, "the text implies an endorsement we hold no rights to"),
    Route(("privacy", "sensitive"), "write_storyboard", "plan", None, "the text reveals or implies sensitive data"),
    Route(("fairness", "stereotyp"), "write_storyboard", "plan", None, "stereotyping language"),
    Route(("claim", "deceptive", "superlative", "safety", "policy"), "write_storyboard", "plan", None,
          "a statement is not supported by the product's verified facts or breaks policy"),
    Route(("personaliz",), "write_storyboard", "plan", None,
          "the creative does not reflect the user (the bridge is not in the story)"),
    Route(("visib", "product_alignment", "brand", "logo"), "producer", "execution", "rerender",
          "the product or brand is not visible where the plan shows it"),
    Route(("duration", "aspect", "fps", "resolution", "context"), "producer", "execution", "retime",
          "the creative does not fit the serving context"),
    Route(("motion", "smooth", "dynamic", "quality", "aesthetic", "imaging", "MS*", "DD*", "IQ*", "AQ*"),
          "producer", "execution", "rerender", "visual artifacts or weak visual quality"),
)
DEFAULT_ROUTE = Route((), "write_storyboard", "plan", None, "unattributed failure")


def _route_for(check: str, plan: CreativePlan | None = None) -> Route:
    """The first route whose keywords the check names (a PCI-only route needs a PCI plan)."""
    low = check.lower()
    pci = plan is not None and plan.integration is not None
    return next((r for r in ROUTES if any(k.lower() in low for k in r.keywords)
                 and (pci or r.target not in PCI_STAGES)), DEFAULT_ROUTE)


def finding_scenes(finding: Finding, plan: CreativePlan) -> list[int]:
    """Scenes the evidence points at (by index or by time range)."""
    out: set[int] = set()
    for ev in finding.evidence:
        if ev.scene_index is not None:
            out.add(ev.scene_index)
        elif ev.start_s is not None and ev.end_s is not None:
            out.update(plan.storyboard.scenes_in(ev.start_s, ev.end_s))
    return sorted(out)


def _texts(finding: Finding) -> list[str]:
    return [ev.text for ev in finding.evidence if ev.text]


def finding_time_range(finding: Finding) -> tuple[float, float] | None:
    spans = [(e.start_s, e.end_s) for e in finding.evidence if e.start_s is not None and e.end_s is not None]
    return (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None


def _interests_touching(texts: Sequence[str], plan: CreativePlan) -> list[str]:
    """Profile interests whose topic or keywords appear in the offending texts."""
    blob = " ".join(texts).lower()
    hits = []
    for it in plan.profile.interests:
        words = [it.topic, *it.keywords]
        if any(w and w.lower() in blob for w in words):
            hits.append(it.topic)
    if plan.match.chosen_interest and plan.match.chosen_interest not in hits and texts:
        # A third-party brand in the text came in through the chosen bridge.
        hits.append(plan.match.chosen_interest)
    return hits


def _escalate(target: str) -> str:
    """The stage above ``target``, passing over the PCI-only stages."""
    i = STAGES.index(target)
    while i > 0:
        i -= 1
        if STAGES[i] not in PCI_STAGES:
            return STAGES[i]
    return STAGES[0]


def escalated_target(target: str, checks: Sequence[str], history: Sequence[RevisionDirective]) -> str:
    """``target``, or one stage up past every stage already tried for these checks (a
    repeatable stage is retried: its inputs changed)."""
    tried = {d.target for d in history if any(c in d.reason for c in checks)}
    while target in tried and target not in REPEATABLE_STAGES and target != STAGES[0]:
        target = _escalate(target)
    return target


def excluded_points(plan: CreativePlan, history: Sequence[RevisionDirective] = ()) -> list[float]:
    """Integration points to move away from: the plan's current point, the points its decision
    already excluded and those of earlier directives (so a moved point never comes back)."""
    if plan.integration is None:
        return []
    points = [plan.integration.point_s, *plan.integration.excluded_points,
              *(p for d in history for p in d.exclude_points)]
    return list(dict.fromkeys(round(p, 3) for p in points))


def bridge_scenes(plan: CreativePlan) -> list[int]:
    """A PCI segment's bridge: its opening and the first product scene after it."""
    return [s.index for s in plan.storyboard.scenes[:2]]


def directive_for(finding: Finding, plan: CreativePlan, tried: Sequence[RevisionDirective] = ()) -> RevisionDirective:
    """One minimal directive repairing one failed finding."""
    route = _route_for(finding.check, plan)
    target, level, edit = route.target, route.level, route.edit
    # Escalate past every stage already tried for this same check.
    escalated = escalated_target(target, [finding.check], tried)
    if escalated != target:
        target, level, edit = route.then or escalated, "plan", None
    if target == "decide_integration":
        return _move_point(finding, plan, route, tried)
    scope = finding_scenes(finding, plan)
    texts = _texts(finding)
    d = RevisionDirective(
        target=target,  # type: ignore[arg-type]
        level=level,  # type: ignore[arg-type]
        scope=scope,
        time_range=finding_time_range(finding),
        instruction=_instruction(target, route, scope, texts),
        reason=f"{finding.check}: {finding.message or route.why}",
        cost=round(STAGE_COST[target] * (len(scope) / max(1, len(plan.storyboard.scenes)) if scope and target == "producer" else 1.0), 3),
        edit=edit if target == "producer" else None,  # type: ignore[arg-type]
        remove_text=texts if target in ("write_storyboard", "match_product") else [],
    )
    if target == "write_storyboard" and "integration_theme" in finding.check.lower():
        # The bridge carries the host topic; the finding's evidence spans the whole segment on
        # the integrated video's clock, which would name the wrong (return) scene.
        d.scope = bridge_scenes(plan)
    if target == "write_storyboard" and "personaliz" in finding.check.lower():
        # Tell the story through the user's interest: re-hook with a personal hook type.
        d.hook_type = _personal_hook(plan.storyboard.hook_type)
        d.scope = d.scope or [s.index for s in plan.storyboard.scenes if s.purpose == "hook"]
    if target == "match_product":
        d.exclude_interests = _interests_touching(texts, plan)
    if target == "model_user" and any(k in finding.check.lower() for k in ("privacy", "sensitive")):
        d.exclude_topics = _interests_touching(texts, plan) or texts
    return d


def _move_point(finding: Finding, plan: CreativePlan, route: Route,
                tried: Sequence[RevisionDirective]) -> RevisionDirective:
    """Move the integration point: the whole segment is re-planned around a new point."""
    assert plan.integration is not None  # _route_for only routes PCI plans here
    point = plan.integration.point_s
    return RevisionDirective(
        target="decide_integration", level="plan",
        instruction=f"move the integration point away from {point:g}s because {route.why}",
        reason=f"{finding.check}: {finding.message or route.why}",
        cost=STAGE_COST["decide_integration"],
        exclude_points=excluded_points(plan, tried),
    )


def _instruction(target: str, route: Route, scope: list[int], texts: list[str]) -> str:
    where = f" in scenes {scope}" if scope else ""
    said = f" (remove: {'; '.join(repr(t) for t in texts[:3])})" if texts else ""
    verbs = {
        "model_user": "rebuild the user profile from the full history",
        "decide_integration": "move the integration point",
        "match_product": "re-match the product without the offending interest and rebuild the bridge",
        "write_storyboard": f"rewrite the affected text{where}{said}",
        "ground_assets": f"re-bind licensed assets{where}",
        "producer": f"re-render{where}",
    }
    return f"{verbs[target]} because {route.why}"


def feedback_directives(feedback: Feedback, plan: CreativePlan) -> list[RevisionDirective]:
    """Interpret online feedback (watch/skip/click) as directives with a confidence."""
    sb = plan.storyboard
    duration = feedback.duration_s or sb.target_duration_s
    out: list[RevisionDirective] = []
    if feedback.skip_time_s is not None and feedback.skip_time_s <= HOOK_WINDOW_S:
        # The hook: hook scenes and scenes lying mostly inside the first seconds.
        hook = [s.index for s in sb.scenes
                if s.purpose == "hook" or min(s.end_s, HOOK_WINDOW_S) - s.start_s >= s.duration_s / 2]
        out.append(RevisionDirective(
            target="write_storyboard", level="plan", scope=hook, time_range=(0.0, HOOK_WINDOW_S),
            instruction="rewrite only the 0–3 s hook with a different hook type; keep the rest",
            reason=f"feedback: skipped at {feedback.skip_time_s:.1f}s, inside the hook",
            cost=STAGE_COST["write_storyboard"] * len(hook) / max(1, len(sb.scenes)),
            hook_type=_next_hook(sb.hook_type), confidence=0.8, source="feedback",
        ))
    elif feedback.watch_time_s / max(duration, 1e-6) < LOW_WATCH_RATIO and not feedback.click:
        left_at = feedback.skip_time_s if feedback.skip_time_s is not None else feedback.watch_time_s
        scope = [s.index for s in sb.scenes if s.end_s > left_at and s.purpose in ("body", "proof")][:2]
        out.append(RevisionDirective(
            target="write_storyboard", level="plan", scope=scope, time_range=(left_at, duration),
            instruction="tighten the body where viewers leave: shorter lines, a stronger proof point",
            reason=f"feedback: watched {feedback.watch_time_s:.1f}s of {duration:.0f}s",
            cost=STAGE_COST["write_storyboard"] * len(scope) / max(1, len(sb.scenes)),
            confidence=0.5, source="feedback",
        ))
    elif feedback.watch_time_s >= 0.9 * duration and not feedback.click and \
            (cta := [s.index for s in sb.scenes if s.purpose == "cta"]):  # a PCI segment has no CTA to strengthen
        out.append(RevisionDirective(
            target="write_storyboard", level="plan", scope=cta,
            instruction="strengthen the call to action; keep the story",
            reason="feedback: watched to the end but did not click",
            cost=STAGE_COST["write_storyboard"] * len(cta) / max(1, len(sb.scenes)),
            confidence=0.4, source="feedback",
        ))
    return out


HOOK_TYPES = ("question", "bold_claim", "scenario", "pov", "curiosity", "problem")


# Hook types that open on the viewer's own interest or situation.
PERSONAL_HOOKS = ("scenario", "pov", "problem")


def _personal_hook(current: str) -> str:
    return next(h for h in (*PERSONAL_HOOKS[PERSONAL_HOOKS.index(current) + 1:], *PERSONAL_HOOKS)
                if h != current) if current in PERSONAL_HOOKS else PERSONAL_HOOKS[0]


def _next_hook(current: str) -> str:
    return HOOK_TYPES[(HOOK_TYPES.index(current) + 1) % len(HOOK_TYPES)] if current in HOOK_TYPES else HOOK_TYPES[0]


def reflect(
    verdict: Verdict,
    plan: CreativePlan,
    *,
    feedback: Feedback | None = None,
    history: Sequence[RevisionDirective] = (),
) -> list[RevisionDirective]:
    """All directives for this verdict (and feedback), compliance first."""
    failed = sorted(verdict.failures, key=lambda f: (f.track != "compliance", f.severity != "critical"))
    out = [directive_for(f, plan, history) for f in failed]
    if feedback is not None:
        out.extend(feedback_directives(feedback, plan))
    return out


def combine(directives: Sequence[RevisionDirective]) -> RevisionDirective:
    """Merge directives into the one the graph acts on.

    The graph enters at the most upstream target (everything downstream re-runs anyway);
    scopes, removals and exclusions are unioned so no repair is lost. Cost is the
    entered stage's cost.
    """
    if not directives:
        raise ValueError("nothing to combine")
    first = min(directives, key=lambda d: STAGES.index(d.target))
    if len(directives) == 1:
        return first
    union = lambda attr: list(dict.fromkeys(x for d in directives for x in getattr(d, attr)))  # noqa: E731
    spans = [d.time_range for d in directives if d.time_range]
    return first.model_copy(update={
        "scope": sorted(set(union("scope"))) if all(d.scope for d in directives) else [],
        "time_range": (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None,
        "instruction": "; ".join(dict.fromkeys(d.instruction for d in directives)),
        "reason": " | ".join(dict.fromkeys(d.reason for d in directives)),
        "exclude_interests": union("exclude_interests"),
        "exclude_topics": union("exclude_topics"),
        "exclude_facets": union("exclude_facets"),
        "exclude_points": union("exclude_points"),
        "remove_text": union("remove_text"),
        "hook_type": next((d.hook_type for d in directives if d.hook_type), None),
        "edit": first.edit or next((d.edit for d in directives if d.edit), None),
        "cost": STAGE_COST[first.target],
        "confidence": min(d.confidence for d in directives),
    })

