"""Chat-style plan review (plan-as-interface): the person edits the Director's plan before
any pixels are spent, then approves it into the creative loop.

    START → director → review ─┬─ edit / undo / show / quit ─► review   (interrupt: wait for the person)
                               └─ approve ─► creative (the PCG/PCI loop of graphs/pcg.py) → END

``review`` interrupts with the readable plan and waits for the person's text
(``Command(resume="drop scene 3")``). Each message is one step, checkpointed: edits are
interpreted by the configured LLM or the offline parser (``agents/editor``), applied, and
re-validated (timeline, claims ⊆ facts, compliance) before the plan is shown again; a refused
or not-understood edit changes nothing. ``undo`` restores the plan before the last applied
edit; ``quit`` leaves the thread waiting at the review (a later run on the same thread id
continues with the edit history). ``approve`` runs the creative loop as a subgraph with the
reviewed plan: it re-enters the Director at ``ground_assets`` (assets and cues rebound to the
edited scenes), then Producer → Verifier → Reflector as usual.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from agents.editor import apply_edits, interpret_edit, not_understood
from agents.editor.display import plan_text
from agents.editor.parser import COMMAND_KINDS, EditRequest, parse_command
from agents.reflector import STAGE_COST
from graphs.director import build_director
from graphs.pcg import build_graph as build_creative_graph
from graphs.runner import is_finished
from graphs.state import CreativeInput, CreativeOutput, CreativeState, PCIInput, dump, plan_of, product_of
from nextads.schemas import RevisionDirective

# Plan artifacts an edit may change: one snapshot of them per applied edit, for undo.
VERSIONED_KEYS = ("context", "profile", "match", "storyboard", "grounding", "review_exclusions")
PROMPT = "Type an edit (e.g. \"drop scene 3\", \"calmer tone\", \"scene 2 narration: ...\"), or approve / undo / show / quit."
# The reviewed plan re-enters the Director here: bindings follow the edited scenes, copy stays.
REENTRY_STEP = "ground_assets"


class ReviewInput(PCIInput, total=False):
    """The review graph's input: the creative loop's (PCIInput: ``host_video`` for PCI)."""


class ReviewedPlanInput(CreativeInput, total=False):
    """What the creative loop receives after approval: the inputs, the reviewed Director
    artifacts, the re-entry directive and the reviewer's exclusions."""

    host_video: str
    host_title: str
    brief: dict[str, Any]
    host: dict[str, Any]
    integration: dict[str, Any]
    profile: dict[str, Any]
    match: dict[str, Any]
    storyboard: dict[str, Any]
    grounding: dict[str, Any]
    directive: dict[str, Any] | None
    exclusions: dict[str, list[str]]


class ReviewedPlanOutput(CreativeOutput, total=False):
    """What the embedded creative loop hands back: its outputs plus the revision rounds and
    every verified candidate, for the review's run record (run.json)."""

    round: int
    candidates: list[dict[str, Any]]


class ReviewState(CreativeState, total=False):
    # One entry per message: {"text", "intents", "applied", "messages", "digest"}.
    review_log: Annotated[list[dict[str, Any]], operator.add]
    versions: list[dict[str, Any]]  # plan snapshots before each applied edit (undo pops)
    review_exclusions: dict[str, list[str]]  # {"facets": [...]} the reviewer left out
    review_reply: str  # what the editor said about the last message
    review_status: Literal["reviewing", "approved"]


class ReviewOutput(CreativeOutput, total=False):
    review_log: list[dict[str, Any]]
    review_status: str


# --------------------------------------------------------------------------- the review step


def review_payload(state: ReviewState) -> dict[str, Any]:
    """What the interrupt shows: the readable plan, the last reply and the edit history."""
    plan = plan_of(state)
    return {"prompt": PROMPT, "reply": state.get("review_reply", ""), "plan_text": plan_text(plan),
            "plan": dump(plan), "digest": plan.digest(), "history": state.get("review_log", []),
            "can_undo": bool(state.get("versions"))}


def _snapshot(state: ReviewState) -> dict[str, Any]:
    return {k: state.get(k) for k in VERSIONED_KEYS}


def _log(text: str, request: EditRequest | None, applied: bool, messages: list[str], digest: str) -> dict[str, Any]:
    return {"text": text, "intents": [i.describe() for i in request.intents] if request else [],
            "applied": applied, "messages": messages, "digest": digest}


def run_command(kind: str, text: str, state: ReviewState) -> dict[str, Any]:
    """approve / undo / show / quit."""
    digest = plan_of(state).digest()
    if kind == "approve":
        directive = RevisionDirective(target=REENTRY_STEP, level="plan", instruction="ground the reviewed plan",
                                      reason="plan approved by the reviewer", cost=STAGE_COST[REENTRY_STEP],
                                      source="editor")
        return {"review_status": "approved", "review_reply": "Approved: producing the creative.",
                "directive": dump(directive), "exclusions": state.get("review_exclusions") or {},
                "review_log": [_log(text, None, True, ["approved"], digest)]}
    if kind == "undo":
        versions = list(state.get("versions") or [])
        if not versions:
            reply = "Nothing to undo."
            return {"review_reply": reply, "review_log": [_log(text, None, False, [reply], digest)]}
        previous = versions.pop()
        reply = "Undid the last edit."
        restored = plan_of({**state, **previous}).digest()  # type: ignore[typeddict-item]
        return {**previous, "versions": versions, "review_reply": reply,
                "review_log": [_log(text, None, True, [reply], restored)]}
    reply = ("Paused: this thread waits here; continue it later with the same thread id." if kind == "quit"
             else "Here is the current plan.")
    return {"review_reply": reply, "review_log": [_log(text, None, False, [reply], digest)]}


def edit_plan(text: str, request: EditRequest, state: ReviewState) -> dict[str, Any]:
    """Apply the message's edits to the plan (all or nothing) and say what happened."""
    plan = plan_of(state)
    if not request.understood:
        reply = not_understood(request)
        return {"review_reply": reply, "review_log": [_log(text, request, False, [reply], plan.digest())]}
    result = apply_edits(plan, request.intents, product_of(state))
    update: dict[str, Any] = {"review_reply": " ".join(result.messages), "fallbacks": result.fallbacks}
    if result.applied:
        edited = result.plan
        facets = [f for f in (state.get("review_exclusions") or {}).get("facets", []) if f not in result.include_facets]
        update.update({
            "versions": [*(state.get("versions") or []), _snapshot(state)],
            "context": dump(edited.context), "profile": dump(edited.profile), "match": dump(edited.match),
            "storyboard": dump(edited.storyboard), "grounding": dump(edited.grounding),
            "review_exclusions": {"facets": list(dict.fromkeys([*facets, *result.exclude_facets]))},
        })
    update["review_log"] = [_log(text, request, result.applied, result.messages, result.plan.digest())]
    return update


def review(state: ReviewState) -> dict[str, Any]:
    """Show the plan and wait for the person's message; then apply it (one message per step)."""
    text = interrupt(review_payload(state))
    text = str(text if text is not None else "").strip()
    command = parse_command(text)
    if command is not None:
        return run_command(command.kind, text, state)
    request, fallbacks = interpret_edit(text, plan_of(state), product_of(state))
    commands = [i for i in request.intents if i.kind in COMMAND_KINDS]
    if commands and len(request.intents) == 1:  # the model read a command in other words
        return {**run_command(commands[0].kind, text, state), "fallbacks": fallbacks}
    if commands:  # an edit and a command in one message: do the edits, the person confirms after
        request = request.model_copy(update={"intents": [i for i in request.intents if i.kind not in COMMAND_KINDS]})
    update = edit_plan(text, request, state)
    return {**update, "fallbacks": [*fallbacks, *update.get("fallbacks", [])]}


def route_review(state: ReviewState) -> Literal["review", "creative"]:
    """Approved → the creative loop; anything else → back to the review (and its interrupt)."""
    return "creative" if state.get("review_status") == "approved" else "review"


def build_review_graph(checkpointer: Any = None, store: Any = None) -> Any:
    """Compile the review graph (the creative loop runs as its subgraph after approval)."""
    g = StateGraph(ReviewState, input_schema=ReviewInput, output_schema=ReviewOutput)
    g.add_node("director", build_director())
    g.add_node("review", review)
    g.add_node("creative", build_creative_graph(name="creative", input_schema=ReviewedPlanInput,
                                                   output_schema=ReviewedPlanOutput))
    g.add_edge(START, "director")
    g.add_edge("director", "review")
    g.add_conditional_edges("review", route_review)
    g.add_edge("creative", END)
    return g.compile(checkpointer=checkpointer, store=store, name="review")


# --------------------------------------------------------------------------- driving a session


def pending_review(graph: Any, config: dict[str, Any]) -> dict[str, Any] | None:
    """The review payload the thread is waiting on, or None when it is not waiting for a person."""
    for task in graph.get_state(config).tasks:
        for pending in task.interrupts:
            return pending.value
    return None


Reader = Callable[[dict[str, Any]], "str | None"]


def drive_review(graph: Any, config: dict[str, Any], inputs: dict[str, Any] | None, *, read: Reader,
                 on_update: Callable[[tuple[str, ...], str, Any], None] | None = None) -> tuple[dict[str, Any], str]:
    """Run a review thread with a person (or a script) answering each interrupt.

    ``read(payload)`` shows the payload and returns the person's text (None = end of input,
    treated as quit). Returns (state values, status): ``finished`` when the creative loop
    ended, ``paused`` when the person quit (the thread waits at the review; call again with
    ``inputs=None`` to continue). ``on_update(namespace, node, update)`` sees every node update.
    """
    snapshot = graph.get_state(config)
    if not snapshot.values:
        if inputs is None:
            raise KeyError(config["configurable"]["thread_id"])
        _stream(graph, inputs, config, on_update)
    while True:
        payload = pending_review(graph, config)
        if payload is None:
            if not is_finished(graph.get_state(config)):  # killed mid-step: carry on from the checkpoint
                _stream(graph, None, config, on_update)
                continue
            return graph.get_state(config).values, "finished"
        text = read(payload)
        command = parse_command(text) if text is not None else None
        if text is None or (command is not None and command.kind == "quit"):
            return graph.get_state(config).values, "paused"
        _stream(graph, Command(resume=text), config, on_update)


def _stream(graph: Any, value: Any, config: dict[str, Any],
            on_update: Callable[[tuple[str, ...], str, Any], None] | None) -> None:
    for namespace, chunk in graph.stream(value, config, stream_mode="updates", subgraphs=True):
        for node, update in chunk.items():
            if on_update is not None:
                on_update(namespace, node, update)


# For `langgraph dev` / LangGraph Studio (the server supplies persistence).
graph = build_review_graph()
