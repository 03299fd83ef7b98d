"""Campaigns (DESIGN.md §3): the creative evolves across impressions of one product to one user.

Each step of this graph is one impression:

    START → choose_strategy → decide_intervention ─┬─ edit / regenerate ─► create ─┐
                ▲                                  └─ reuse ────────────────────────┴► serve
                │                                                                         │
                └──── next impression ◄── update_memory ◄── reflect ◄── observe ◄─────────┘
                                              └── after impression N ──► END

- **choose_strategy** — the story stage (``next_stage``: escalate as interest grows) and the
  creative hypotheses (``CreativePolicy.choose``: Thompson sampling by default) → a CreativeBrief
  that never repeats a claim the viewer saw last time and moves the tone one step at most;
- **decide_intervention** — reuse the served creative, edit only its hook, or regenerate, by
  expected gain against cost within the per-impression budget (``decide_intervention``);
- **create** — the creative loop of graphs/pcg.py as a subgraph (not a copy) with the brief; an
  edit enters it at ``write_storyboard`` with the feedback directive, so only the 0–3 s hook is
  rewritten and only the scenes that changed are re-rendered;
- **serve** — the verified creative becomes this impression's (the previous one stays served if
  the new one was not finalized);
- **observe** — feedback from the seeded user simulator (``simulate``), else an ``interrupt()``
  waiting for a Feedback JSON (``Command(resume=...)``);
- **reflect** — engagement reward, the Reflector's feedback directives (interpretation in
  ``reason``, with a confidence) and the policy's posterior update;
- **update_memory** — the impression, the feedback event and the profile learned from feedback
  in the Store (the creative loop already recorded the delivery).

State is JSON-native and checkpointed after every node, so a campaign resumed by thread id
continues at the next impression. :func:`simulate_campaign` runs the same strategy, plan and
simulator functions without rendering (baselines for the plot, benchmarks/campaign_engagement.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from agents import llm_dispatch, reflector
from agents.campaign import CreativePolicy, arms_for, decide_intervention, engagement, interest_level, next_stage
from agents.campaign.strategy import EDIT_COST
from agents.director.generic import generic_profile
from evals.simulator import SimulatedUser
from graphs.pcg import build_graph
from graphs.state import (
    CampaignImpressionInput,
    CampaignInput,
    CampaignState,
    context_of,
    dump,
    product_of,
    user_of,
)
from memory import users as user_memory
from memory.persistence import current_store
from nextads.schemas import (
    CreativeBrief,
    CreativePlan,
    Feedback,
    Grounding,
    Product,
    RevisionDirective,
    ServingContext,
    UserData,
    UserProfile,
)
from nextads.settings import get_settings

CAMPAIGN_TASK = "pcg"  # a campaign serves standalone ads
DEFAULT_POLICY = "thompson"
DEFAULT_BUDGET = 1.0  # one full generation per impression at most
DEFAULT_IMPRESSIONS = 5
# Campaign loops re-render little (edits, reuse): one revision round keeps an impression cheap.
DEFAULT_CAMPAIGN_ROUNDS = 1

Intervention = Literal["reuse", "edit", "regenerate"]


# ---------------------------------------------------------------------------
# The campaign's steps as plain functions (the graph nodes and simulate_campaign share them)
# ---------------------------------------------------------------------------


def campaign_profile(user: UserData, *, generic: bool = False) -> UserProfile:
    """The viewer's profile the policy's arms and the simulator's preference are built on."""
    if generic:
        return generic_profile(user.user_id)
    return llm_dispatch.model_user(user)[0]


def director_suggestion(user: UserData, product: Product, context: ServingContext,
                        profile: UserProfile) -> dict[str, str]:
    """What the viewer's history suggests: the hypotheses the Director picks for this profile
    without a brief (hook type, narrative form, template, lead facet)."""
    plan = plan_creative(user, product, context, CreativeBrief(), profile=profile)
    sb = plan.storyboard
    out = {"hook_type": sb.hook_type, "narrative_form": sb.narrative_form, "template": sb.template,
           "facet": plan.match.chosen_facet or ""}
    return {d: v for d, v in out.items() if v}


def new_policy(kind: str, product: Product, profile: UserProfile, seed: int,
               suggestion: dict[str, str] | None = None) -> CreativePolicy:
    """The exploration policy over this product's and viewer's hypotheses. The history's
    ``suggestion`` (``director_suggestion``) is the Thompson prior: each suggested value starts
    with a positive prior effect (``HISTORY_PRIOR_BONUS`` in agents/campaign/strategy.py), so the
    policy starts from what the profile says and moves away where the viewer's feedback
    disagrees (random and static ignore the posterior)."""
    policy = CreativePolicy(kind, arms_for(product, profile), seed)  # type: ignore[arg-type]
    policy.set_prior(suggestion or {})
    return policy


def shown_brief(brief: CreativeBrief, plan: CreativePlan) -> CreativeBrief:
    """What a served creative actually tried: the brief with the hypotheses the storyboard
    realised (the Director keeps its own choice where the brief's is not valid for the plan) and
    the stage the creative was made for."""
    sb = plan.storyboard
    stage = plan.brief.stage if plan.brief is not None and plan.brief.stage else brief.stage
    return brief.model_copy(update={"hook_type": sb.hook_type, "narrative_form": sb.narrative_form,
                                    "template": sb.template, "facet": plan.match.chosen_facet, "stage": stage})


def seen_claims(plan: CreativePlan, feedback: Feedback) -> list[str]:
    """Claims the viewer was shown: those of the scenes that started before they stopped
    watching (a skip in the hook leaves the body's claims unsaid)."""
    watched = feedback.watch_time_s
    return sorted({c for s in plan.storyboard.scenes if s.start_s < watched for c in s.claims})


def stated_claims(plan: CreativePlan) -> list[str]:
    return sorted({c for s in plan.storyboard.scenes for c in s.claims})


def choose_brief(history: Sequence[dict[str, Any]], policy: CreativePolicy, impression: int) -> CreativeBrief:
    """Stage by the escalation rule on the smoothed engagement so far, then the policy's
    hypotheses, consistent with what the previous impression showed."""
    interest = interest_level(history)
    stage = next_stage(history, interest=0.0 if interest is None else interest)
    last = history[-1] if history else None
    previous = CreativeBrief.model_validate(last["shown"]) if last else None
    return policy.choose(impression, previous=previous, stage=stage,
                         delivered_claims=last["delivered_claims"] if last else [])


def choose_intervention(history: Sequence[dict[str, Any]], brief: CreativeBrief,
                        budget: float) -> tuple[Intervention, float, str]:
    """Reuse, edit or regenerate, judged against the previous impression: what it showed, every
    claim its creative states (a reuse or edit would state them again) and its feedback."""
    last = history[-1] if history else None
    previous = {"brief": last["shown"], "claims": last["claims"], "feedback": last["feedback"]} if last else None
    return decide_intervention(previous, brief, budget=budget)


def hook_edit_directive(plan: CreativePlan, brief: CreativeBrief,
                        reflection: Sequence[dict[str, Any]]) -> RevisionDirective:
    """The directive of an edit: the Reflector's feedback directive on the hook when there is one
    (skip inside the hook), else a hook rewrite; the hook type is the brief's when it asks for a
    new one, else the Reflector's next one."""
    sb = plan.storyboard
    directives = [RevisionDirective.model_validate(d) for d in reflection]
    hook = next((d for d in directives if d.time_range is not None and d.time_range[0] == 0.0 and d.hook_type), None)
    if hook is None:
        hook = RevisionDirective(
            target="write_storyboard", level="plan", scope=[s.index for s in sb.scenes if s.purpose == "hook"],
            time_range=(0.0, reflector.HOOK_WINDOW_S), instruction="rewrite only the hook with the brief's hook type",
            reason="the campaign brief changes the hook type", cost=EDIT_COST, source="campaign")
    new_hook = brief.hook_type if brief.hook_type and brief.hook_type != sb.hook_type else hook.hook_type
    return hook.model_copy(update={"hook_type": new_hook})


def interpret_feedback(feedback: Feedback, plan: CreativePlan) -> tuple[float, list[RevisionDirective]]:
    """Engagement reward in [0, 1] and the Reflector's directives for the next creative."""
    duration = feedback.duration_s or plan.storyboard.target_duration_s
    return engagement(feedback, duration), reflector.feedback_directives(feedback, plan)


def impression_record(impression: int, brief: CreativeBrief, plan: CreativePlan, feedback: Feedback,
                      reward: float, intervention: dict[str, Any], reflection: Sequence[RevisionDirective], *,
                      verdict: dict[str, Any] | None = None, video_path: str | None = None) -> dict[str, Any]:
    """One finished impression, as kept in the campaign's history and the Store."""
    shown = shown_brief(brief, plan)
    return {
        "impression": impression,
        "product_id": plan.product_id,
        "stage": shown.stage,
        "brief": dump(brief),
        "shown": dump(shown),
        "intervention": intervention,
        "hook_type": shown.hook_type,
        "narrative_form": shown.narrative_form,
        "template": shown.template,  # the visual style
        "facet": shown.facet,
        "claims": stated_claims(plan),
        "delivered_claims": seen_claims(plan, feedback),
        "feedback": dump(feedback),
        "engagement": round(reward, 4),
        "reflection": [dump(d) for d in reflection],
        "plan_digest": plan.digest(),
        "plan": dump(plan),
        "verdict": verdict,
        "video_path": video_path,
    }


def plan_creative(user: UserData, product: Product, context: ServingContext, brief: CreativeBrief, *,
                  profile: UserProfile, previous: CreativePlan | None = None,
                  directive: RevisionDirective | None = None) -> CreativePlan:
    """A creative's plan without rendering: the Director's match and storyboard with the brief
    (grounding left empty: nothing is rendered). With ``previous`` and ``directive``: the edit,
    the previous storyboard with only the directed scenes rewritten."""
    if previous is not None and directive is not None:
        match = previous.match
        board, _ = llm_dispatch.write_storyboard(profile, product, match, context, previous=previous.storyboard,
                                                 directive=directive, brief=brief)
    else:
        match, _ = llm_dispatch.match_product(profile, product, threshold=get_settings().compatibility_threshold,
                                              brief=brief)
        board, _ = llm_dispatch.write_storyboard(profile, product, match, context, brief=brief)
    return CreativePlan(task=CAMPAIGN_TASK, user_id=user.user_id, product_id=product.product_id, context=context,
                        profile=profile, match=match, storyboard=board, grounding=Grounding(),
                        generic=profile.generic or match.generic, brief=brief)


def simulate_campaign(user: UserData, product: Product, context: ServingContext, *, impressions: int,
                      policy: str, seed: int, budget: float = DEFAULT_BUDGET,
                      profile: UserProfile | None = None) -> list[dict[str, Any]]:
    """A campaign against the seeded simulator with plans only (no rendering, no verification):
    the same choose_brief → choose_intervention → plan → respond → interpret → update steps as the
    graph. Returns the impression records. Used for the plot's baselines and the benchmark."""
    profile = profile or campaign_profile(user)
    chooser = new_policy(policy, product, profile, seed, director_suggestion(user, product, context, profile))
    viewer = SimulatedUser(user, product, seed=seed, profile=profile)
    history: list[dict[str, Any]] = []
    plan: CreativePlan | None = None
    reflection: list[RevisionDirective] = []
    for k in range(1, impressions + 1):
        brief = choose_brief(history, chooser, k)
        action, cost, reason = choose_intervention(history, brief, budget)
        if action == "regenerate" or plan is None:
            plan = plan_creative(user, product, context, brief, profile=profile)
        elif action == "edit":
            directive = hook_edit_directive(plan, brief, [dump(d) for d in reflection])
            plan = plan_creative(user, product, context, brief, profile=profile, previous=plan, directive=directive)
        feedback = viewer.respond(plan, k)
        reward, reflection = interpret_feedback(feedback, plan)
        chooser.update(shown_brief(brief, plan), reward)
        history.append(impression_record(k, brief, plan, feedback, reward,
                                         {"action": action, "cost": cost, "reason": reason}, reflection))
    return history


# ---------------------------------------------------------------------------
# Graph nodes
# ---------------------------------------------------------------------------


def _policy(state: CampaignState) -> CreativePolicy:
    """The campaign's policy, restored from state (built on the first impression)."""
    if state.get("policy_state"):
        return CreativePolicy.from_state(state["policy_state"])
    user, product, context = user_of(state), product_of(state), context_of(state)  # type: ignore[arg-type]
    profile = campaign_profile(user, generic=bool(state.get("generic")))
    return new_policy(state.get("policy", DEFAULT_POLICY), product, profile, state.get("seed", 0),
                      director_suggestion(user, product, context, profile))


def _served_plan(state: CampaignState) -> CreativePlan:
    served = state.get("served")
    assert served, "serve runs first"
    return CreativePlan.model_validate(served["plan"])



def choose_strategy(state: CampaignState) -> dict[str, Any]:
    """The stage and hypotheses of this impression's creative (a CreativeBrief)."""
    impression = state.get("impression", 1)
    policy = _policy(state)
    brief = choose_brief(state.get("history", []), policy, impression)
    return {"impression": impression, "brief": dump(brief), "policy_state": policy.to_state()}


RENDER_CACHE = "render"  # the creative loop's render folder (graphs/pcg.py: <work_dir>/render)


def impression_dir(campaign_dir: Path, impression: int) -> Path:
    """Impression k's work folder. Its render folder is the campaign's one render cache: scene
    segments are named by the digest of their content, so sharing is safe, and an edit finds
    the previous impression's segments and re-renders only the scenes that changed."""
    work = campaign_dir / f"impression_{impression}"
    work.mkdir(parents=True, exist_ok=True)
    cache, link = campaign_dir / RENDER_CACHE, work / RENDER_CACHE
    cache.mkdir(parents=True, exist_ok=True)
    if not link.exists() and not link.is_symlink():
        try:
            link.symlink_to(cache.resolve(), target_is_directory=True)
        except OSError:  # no symlinks here: the impression renders in its own folder (no reuse)
            pass
    return work


def decide(state: CampaignState) -> dict[str, Any]:
    """Reuse, edit or regenerate by expected gain against cost; set up the creative loop's input."""
    impression = state["impression"]
    brief = CreativeBrief.model_validate(state["brief"])
    action, cost, reason = choose_intervention(state.get("history", []), brief,
                                               state.get("budget", DEFAULT_BUDGET))
    work = impression_dir(Path(state["campaign_dir"]), impression)
    directive = None
    if action == "edit":
        directive = dump(hook_edit_directive(_served_plan(state), brief, state.get("reflection", [])))
    return {"intervention": {"action": action, "cost": cost, "reason": reason}, "directive": directive,
            "task": CAMPAIGN_TASK, "work_dir": str(work), "outcome": {}}


def route_intervention(state: CampaignState) -> Literal["create", "serve"]:
    """Reuse serves the previous creative as it is; edit and regenerate run the creative loop."""
    return "serve" if state["intervention"]["action"] == "reuse" else "create"


def serve(state: CampaignState) -> dict[str, Any]:
    """The creative this impression shows: the new verified one, else the one served before."""
    impression, action = state["impression"], state["intervention"]["action"]
    outcome = state.get("outcome") or {}
    previous = state.get("served")
    if action != "reuse" and outcome.get("finalized"):
        served = {"impression": impression, "plan": outcome["plan"], "creative": outcome["creative"],
                  "verdict": outcome["verdict"], "video_path": outcome["video_path"], "source": action}
    elif previous:
        why = "reuse" if action == "reuse" else f"previous creative ({action} not finalized: {outcome.get('reason')})"
        repeated = sorted(set(stated_claims(CreativePlan.model_validate(previous["plan"])))
                          & set(CreativeBrief.model_validate(state["brief"]).avoid_claims))
        if action != "reuse" and repeated:  # the old creative would state again what was just seen
            return {"skipped": [{"impression": impression, "reason": (
                f"{action} not finalized ({outcome.get('reason')}); the previous creative would repeat "
                f"{', '.join(repeated)}")}]}
        served = {**previous, "impression": impression, "source": why}
    else:
        return {"served": None}
    plan = served["plan"]
    return {"served": served, "profile": plan["profile"], "match": plan["match"], "storyboard": plan["storyboard"],
            "grounding": plan["grounding"], "creative": served["creative"]}


def route_served(state: CampaignState) -> Literal["observe", "skip_impression", "__end__"]:
    """Nothing verified to show on the first impression ends the campaign; later, an impression
    with nothing to show that keeps the claim rule is left unserved."""
    served = state.get("served")
    if served and served.get("impression") == state["impression"]:
        return "observe"
    return "skip_impression" if state.get("history") else END


def skip_impression(state: CampaignState) -> dict[str, Any]:
    """No creative this time (the reason is in ``skipped``): the campaign goes on at the next one;
    the creative served last stays the one a later reuse shows."""
    return {"impression": state["impression"] + 1}


def _viewer(state: CampaignState, plan: CreativePlan) -> tuple[SimulatedUser, dict[str, Any]]:
    """The simulated viewer, restored with what it was shown; its hidden preference leans on the
    profile of the first served plan (kept, so a resumed campaign has the same viewer)."""
    sim = state.get("simulator") or {"profile": dump(plan.profile), "state": {}}
    viewer = SimulatedUser(user_of(state), product_of(state), seed=state.get("seed", 0),  # type: ignore[arg-type]
                           profile=UserProfile.model_validate(sim["profile"]), state=sim["state"])
    return viewer, sim


def parse_feedback(answer: Any, *, impression_id: str, user_id: str, duration_s: float) -> Feedback:
    """A Feedback from a resume value (a dict or a JSON string); ids and duration default to
    this impression's."""
    data = json.loads(answer) if isinstance(answer, (str, bytes)) else dict(answer or {})
    data.setdefault("impression_id", impression_id)
    data.setdefault("user_id", user_id)
    data.setdefault("duration_s", duration_s)
    return Feedback.model_validate(data)


def observe(state: CampaignState) -> dict[str, Any]:
    """The viewer's feedback: the simulator's, or a person's/the platform's through an interrupt."""
    impression = state["impression"]
    plan = _served_plan(state)
    if state.get("simulate"):
        viewer, sim = _viewer(state, plan)
        feedback = viewer.respond(plan, impression)
        return {"feedback": dump(feedback), "simulator": {**sim, "state": viewer.to_state()}}
    served = state["served"] or {}
    answer = interrupt({"impression": impression, "video_path": served.get("video_path"),
                        "duration_s": plan.storyboard.target_duration_s,
                        "ask": "Feedback JSON: watch_time_s, skip_time_s, replays, like, click, conversion"})
    feedback = parse_feedback(answer, impression_id=f"{state.get('campaign_id', '')}:{impression}",
                              user_id=plan.user_id, duration_s=plan.storyboard.target_duration_s)
    return {"feedback": dump(feedback)}


def reflect(state: CampaignState) -> dict[str, Any]:
    """Engagement, the Reflector's reading of the feedback (directives with interpretation and
    confidence) and the policy's update on what was actually shown."""
    plan = _served_plan(state)
    feedback = Feedback.model_validate(state["feedback"])
    reward, directives = interpret_feedback(feedback, plan)
    policy = _policy(state)
    policy.update(shown_brief(CreativeBrief.model_validate(state["brief"]), plan), reward)
    return {"engagement": reward, "reflection": [dump(d) for d in directives], "policy_state": policy.to_state()}


def update_memory(state: CampaignState) -> dict[str, Any]:
    """The impression into the history and the Store: what was shown, the feedback event, and the
    profile's presentation style learned from this user's engagement."""
    impression = state["impression"]
    plan = _served_plan(state)
    served = state["served"] or {}
    feedback = Feedback.model_validate(state["feedback"])
    record = impression_record(
        impression, CreativeBrief.model_validate(state["brief"]), plan, feedback, state["engagement"],
        state["intervention"], [RevisionDirective.model_validate(d) for d in state.get("reflection", [])],
        verdict=served.get("verdict"), video_path=served.get("video_path"))
    store = current_store()
    if store is not None:
        campaign_id = state.get("campaign_id", "campaign")
        user_memory.record_impression(store, plan.user_id, campaign_id,
                                      {k: v for k, v in record.items() if k != "plan"})
        user_memory.record_feedback(store, feedback if feedback.user_id else
                                    feedback.model_copy(update={"user_id": plan.user_id}))
        if not plan.profile.generic:
            past = user_memory.impressions(store, plan.user_id)
            learned = user_memory.learned_from_feedback(plan.profile, past)
            user_memory.save_learned_style(store, plan.user_id, learned)
            user_memory.save_profile(store, user_memory.with_learned_style(plan.profile, learned))
    return {"history": [record], "impression": impression + 1}


def route_next(state: CampaignState) -> Literal["choose_strategy", "__end__"]:
    """Next impression until N are served."""
    return "choose_strategy" if state["impression"] <= state.get("impressions", DEFAULT_IMPRESSIONS) else END


def build_campaign_graph(checkpointer: Any = None, store: Any = None, *, name: str = "campaign") -> Any:
    """Compile the campaign graph; the creative loop (graphs/pcg.py) is its ``create`` subgraph."""
    g = StateGraph(CampaignState, input_schema=CampaignInput)
    g.add_node("choose_strategy", choose_strategy)
    g.add_node("decide_intervention", decide)
    g.add_node("create", build_graph(name="creative", input_schema=CampaignImpressionInput))
    g.add_node("serve", serve)
    g.add_node("observe", observe)
    g.add_node("reflect", reflect)
    g.add_node("update_memory", update_memory)
    g.add_node("skip_impression", skip_impression)
    g.add_edge(START, "choose_strategy")
    g.add_edge("choose_strategy", "decide_intervention")
    g.add_conditional_edges("decide_intervention", route_intervention)
    g.add_edge("create", "serve")
    g.add_conditional_edges("serve", route_served)
    g.add_edge("observe", "reflect")
    g.add_edge("reflect", "update_memory")
    g.add_conditional_edges("update_memory", route_next)
    g.add_conditional_edges("skip_impression", route_next)
    return g.compile(checkpointer=checkpointer, store=store, name=name)


# For `langgraph dev` / LangGraph Studio (the server supplies persistence).
graph = build_campaign_graph()


# ---------------------------------------------------------------------------
# Running a campaign (CLI, tests)
# ---------------------------------------------------------------------------


def campaign_inputs(user: UserData, product: Product, context: ServingContext, *, campaign_id: str,
                    campaign_dir: Path, impressions: int, simulate: bool, seed: int, policy: str = DEFAULT_POLICY,
                    budget: float = DEFAULT_BUDGET, max_rounds: int = DEFAULT_CAMPAIGN_ROUNDS,
                    generic: bool = False) -> dict[str, Any]:
    """The graph input of a new campaign (CampaignInput)."""
    campaign_dir.mkdir(parents=True, exist_ok=True)
    return {"campaign_id": campaign_id, "user": dump(user), "product": dump(product), "context": dump(context),
            "campaign_dir": str(campaign_dir.resolve()), "impressions": impressions, "simulate": simulate,
            "seed": seed, "policy": policy, "budget": budget, "max_rounds": max_rounds, "generic": generic}


def drive(graph: Any, inputs: dict[str, Any] | None, thread_id: str, *, resume: Any = None,
          progress: Callable[[str], None] | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Run a campaign thread until it ends or waits for feedback: (state values, the pending
    interrupt's payload or None). ``inputs`` None continues a saved thread; ``resume`` answers
    the pending feedback interrupt."""
    from langgraph.types import Command

    config = {"configurable": {"thread_id": thread_id}, "recursion_limit": 10_000}
    if inputs is None and resume is None and not graph.get_state(config).values:
        raise KeyError(thread_id)
    start = Command(resume=resume) if resume is not None else inputs
    for update in graph.stream(start, config, stream_mode="updates"):
        for node, value in update.items():
            if progress and node == "update_memory" and isinstance(value, dict):
                r = value["history"][-1]
                progress(f"impression {r['impression']:>2}: {r['intervention']['action']:<10} stage {r['stage']:<11}"
                         f" engagement {r['engagement']:.2f}")
    snapshot = graph.get_state(config)
    pending = next((i.value for t in snapshot.tasks for i in t.interrupts), None)
    return snapshot.values, pending


# ---------------------------------------------------------------------------
# Outputs: per-impression folders, campaign.json, the engagement plot
# ---------------------------------------------------------------------------

# The plot's baselines, simulated for the same viewer and seed with plans only: the static
# creative (retrieval baseline: the first creative, served again every time — no budget to
# change it) and random exploration (a new random brief each impression, same budget).
BASELINES = {"static creative": ("static", 0.0), "random exploration": ("random", None)}
PLOT_SIZE = (720, 420)
PLOT_MARGIN = (60, 20, 30, 50)  # left, top, right, bottom (pixels)
PLOT_COLOURS = ("#1f77b4", "#7f7f7f", "#ff7f0e", "#2ca02c")


def baseline_engagement(values: dict[str, Any]) -> dict[str, list[float]]:
    """Engagement per impression of the baselines for this campaign's simulated viewer (same
    user, product, context, seed and the profile the viewer's preference leans on)."""
    user, product = UserData.model_validate(values["user"]), Product.model_validate(values["product"])
    context = ServingContext.model_validate(values["context"])
    sim = values.get("simulator") or {}
    profile = UserProfile.model_validate(sim["profile"]) if sim.get("profile") else campaign_profile(user)
    n = len(values.get("history", []))
    out = {}
    for label, (kind, budget) in BASELINES.items():
        records = simulate_campaign(user, product, context, impressions=n, policy=kind, seed=values.get("seed", 0),
                                    budget=values.get("budget", DEFAULT_BUDGET) if budget is None else budget,
                                    profile=profile)
        out[label] = [r["engagement"] for r in records]
    return out


def plot_engagement(series: dict[str, list[float]], path: Path, *, title: str = "") -> Path:
    """A line chart of engagement per impression, one line per series (PIL, no display needed)."""
    from PIL import Image, ImageDraw

    from nextads.fonts import font as load_font

    w, h = PLOT_SIZE
    left, top, right, bottom = PLOT_MARGIN
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    font = load_font(13, bold=False)
    n = max((len(v) for v in series.values()), default=1)
    x_of = lambda i: left + (w - left - right) * (i / max(n - 1, 1))  # noqa: E731 - impression index → pixel
    y_of = lambda e: top + (h - top - bottom) * (1.0 - e)  # noqa: E731 - engagement [0, 1] → pixel
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):  # grid and axis labels
        draw.line([(left, y_of(tick)), (w - right, y_of(tick))], fill="#e0e0e0")
        draw.text((8, y_of(tick) - 7), f"{tick:.2f}", fill="black", font=font)
    for i in range(n):
        draw.text((x_of(i) - 4, h - bottom + 6), str(i + 1), fill="black", font=font)
    draw.text((w // 2 - 40, h - 22), "impression", fill="black", font=font)
    draw.text((left, 2), title or "engagement per impression", fill="black", font=font)
    for k, (label, values) in enumerate(series.items()):
        colour = PLOT_COLOURS[k % len(PLOT_COLOURS)]
        points = [(x_of(i), y_of(max(0.0, min(1.0, e)))) for i, e in enumerate(values)]
        if len(points) > 1:
            draw.line(points, fill=colour, width=3)
        for x, y in points:
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
        ly = top + 8 + 16 * k  # legend, top right
        draw.line([(w - right - 190, ly + 7), (w - right - 170, ly + 7)], fill=colour, width=3)
        draw.text((w - right - 165, ly), label, fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path


def campaign_summary(values: dict[str, Any], baselines: dict[str, list[float]] | None = None) -> dict[str, Any]:
    """campaign.json: the briefs, interventions, rewards and stages of every impression."""
    history = values.get("history", [])
    return {
        "campaign_id": values.get("campaign_id"),
        "user_id": (values.get("user") or {}).get("user_id"),
        "product_id": (values.get("product") or {}).get("product_id"),
        "policy": values.get("policy", DEFAULT_POLICY), "seed": values.get("seed", 0),
        "budget": values.get("budget", DEFAULT_BUDGET), "simulate": bool(values.get("simulate")),
        "impressions": [{k: r[k] for k in ("impression", "stage", "brief", "shown", "intervention", "hook_type",
                                           "narrative_form", "template", "facet", "claims", "delivered_claims",
                                           "feedback", "engagement", "reflection", "plan_digest")}
                        for r in history],
        "engagement": [r["engagement"] for r in history],
        "stages": [r["stage"] for r in history],
        "interventions": [r["intervention"]["action"] for r in history],
        "baselines": baselines or {},
        "skipped": values.get("skipped", []),
        "policy_state": values.get("policy_state"),
    }


def export_campaign(values: dict[str, Any], out_dir: Path, *,
                    baselines: dict[str, list[float]] | None = None) -> Path:
    """Write impression_<k>/ (plan.json, creative.mp4, verdict.json, feedback.json), campaign.json
    and engagement.png (this policy, and the baselines when given)."""
    import shutil

    out_dir.mkdir(parents=True, exist_ok=True)
    for r in values.get("history", []):
        folder = out_dir / f"impression_{r['impression']}"
        folder.mkdir(exist_ok=True)
        (folder / "plan.json").write_text(json.dumps(r["plan"], indent=2, ensure_ascii=False))
        (folder / "verdict.json").write_text(json.dumps(r["verdict"], indent=2, ensure_ascii=False))
        (folder / "feedback.json").write_text(json.dumps(r["feedback"], indent=2, ensure_ascii=False))
        if r.get("video_path") and Path(r["video_path"]).is_file():
            shutil.copyfile(r["video_path"], folder / "creative.mp4")
    (out_dir / "campaign.json").write_text(json.dumps(campaign_summary(values, baselines), indent=2,
                                                      ensure_ascii=False))
    series = {f"{values.get('policy', DEFAULT_POLICY)} (this campaign)":
              [r["engagement"] for r in values.get("history", [])], **(baselines or {})}
    plot_engagement(series, out_dir / "engagement.png")
    return out_dir


__all__ = [
    "CAMPAIGN_TASK", "baseline_engagement", "build_campaign_graph", "export_campaign", "plot_engagement", "campaign_inputs", "choose_brief", "choose_intervention", "drive",
    "hook_edit_directive", "impression_record", "interpret_feedback", "plan_creative", "seen_claims", "shown_brief",
    "simulate_campaign",
]
