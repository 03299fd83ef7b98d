"""The creative loop for personalized creative generation (PCG), reused by PCI.

    START → director → produce → verify ─┬─ accept ───────────────► finalize → END
                 ▲          ▲            ├─ revise/reject ─► reflect ─┬─► director (plan-level)
                 │          └────────────┼────────────────────────────┴─► produce (scene edit)
                 └──── fallback ◄────────┴─ budget spent, nothing compliant

The Director is a subgraph (graphs/director.py) entered at the directive's step. A
creative that failed compliance is never finalized; when the round budget runs out the
best verified creative is kept, else one generic (non-personalised) pass is tried.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph

from agents import producer, reflector, reflector_llm, verifier
from graphs.director import build_director
from graphs.state import (
    CreativeInput,
    CreativeOutput,
    CreativeState,
    creative_of,
    directive_of,
    dump,
    plan_of,
    product_of,
    user_of,
    verdict_of,
)
from graphs.tracing import timed
from memory import users as user_memory
from memory.persistence import current_store
from nextads.schemas import Creative, CreativePlan, Provenance, RevisionDirective, Verdict
from tools.media.encode import tag_provenance


@timed
def produce(state: CreativeState) -> dict[str, Any]:
    """Producer: render the plan, or apply a localized edit to the scenes a directive names."""
    directive = directive_of(state)
    work = Path(state["work_dir"])
    plan = plan_of(state)
    creative = producer.produce(
        plan,
        product_of(state),
        work / "render",
        previous=creative_of(state),
        directive=directive if directive and directive.target == "producer" else None,
    )
    if plan.task == "pci":  # the segment goes into the host at the integration point
        creative = producer.integrate(creative, plan, work / "integrated")
    # Keep every round's video: the best verified one may be an earlier round's.
    stem = work / "rounds" / f"round{state.get('round', 0)}{'-fallback' if state.get('fallback') else ''}"
    stem.parent.mkdir(parents=True, exist_ok=True)
    kept = stem.with_suffix(".mp4")
    shutil.copyfile(creative.video_path, kept)
    update: dict[str, Any] = {"video_path": str(kept)}
    if creative.integrated is not None:
        spliced = stem.with_name(stem.name + "-integrated.mp4")
        shutil.copyfile(creative.integrated.path, spliced)
        update["integrated"] = creative.integrated.model_copy(update={"path": str(spliced)})
    return {"creative": dump(creative.model_copy(update=update))}


@timed
def verify(state: CreativeState) -> dict[str, Any]:
    """Verifier: utility and compliance tracks → accept / revise / reject with evidence."""
    plan = plan_of(state)
    creative = Creative.model_validate(state["creative"])
    user = None if state.get("generic") else user_of(state)
    verdict = verifier.verify(plan, creative, product_of(state), user)
    verdict = verdict.model_copy(update={"round": state.get("round", 0)})
    candidate = {"round": state.get("round", 0), "fallback": bool(state.get("fallback")),
                 "plan": dump(plan), "creative": state["creative"], "verdict": dump(verdict)}
    # The judged (LLM) checks that gave up; the measured and compliance checks still ran.
    return {"verdict": dump(verdict), "candidates": [candidate], "fallbacks": verdict.fallbacks}


@timed
def reflect(state: CreativeState) -> dict[str, Any]:
    """Reflector: attribute failures and emit the minimal directive for the next round."""
    history = [RevisionDirective.model_validate(d) for d in state.get("directives", [])]
    issued, fallbacks = reflector_llm.attribute(Verdict.model_validate(state["verdict"]), plan_of(state),
                                                history=history)
    if not issued:  # revise without a failed finding (utility just under the bar)
        issued = [RevisionDirective(
            target="write_storyboard", level="plan", instruction="strengthen the storyboard",
            reason="utility below the acceptance threshold", cost=reflector.STAGE_COST["write_storyboard"])]
    chosen = reflector.combine(issued)
    return {
        "directive": dump(chosen),
        "directives": [dump(chosen)],
        "exclusions": {"topics": chosen.exclude_topics, "interests": chosen.exclude_interests,
                       "facets": chosen.exclude_facets, "points": chosen.exclude_points},
        "round": state.get("round", 0) + 1,
        "fallbacks": fallbacks,
    }


@timed
def fallback(state: CreativeState) -> dict[str, Any]:
    """Budget spent and nothing compliant: one generic (non-personalised) pass."""
    d = RevisionDirective(
        target="model_user", level="plan", instruction="fall back to a generic creative",
        reason="round budget spent without a compliant creative", cost=1.0)
    return {"fallback": True, "directive": dump(d), "directives": [dump(d)]}


def _verified(c: dict[str, Any]) -> bool:
    v = c["verdict"]
    return v["compliance_passed"] and v["decision"] in ("accept", "revise")


def best_candidate(candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The accepted creative, else the highest-utility verified one; never a non-compliant one."""
    ok = [c for c in candidates if _verified(c)]
    if not ok:
        return None
    return max(ok, key=lambda c: (c["verdict"]["decision"] == "accept", c["verdict"]["utility"], c["round"]))


@timed
def finalize(state: CreativeState) -> dict[str, Any]:
    """Label and provenance on the chosen creative; profile and delivered claims to memory."""
    chosen = best_candidate(state.get("candidates", []))
    rounds = state.get("round", 0)
    if chosen is None:
        last = state.get("verdict") or {}
        return {"outcome": {"finalized": False, "decision": last.get("decision", "reject"), "rounds": rounds,
                            "reason": "no creative passed compliance within the round budget"}}
    plan = CreativePlan.model_validate(chosen["plan"])
    creative = Creative.model_validate(chosen["creative"])
    verdict = Verdict.model_validate(chosen["verdict"])
    provenance = Provenance(
        plan_digest=plan.digest(),
        backends={"director": plan.storyboard.source, "producer": creative.backend, "verifier": verdict.source},
        decision=verdict.decision,
        rounds=rounds,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        extra={"fallback": chosen.get("fallback", False), "round": chosen["round"],
               "utility": round(verdict.utility, 4), "compliance_passed": verdict.compliance_passed,
               "product_id": plan.product_id},
    )
    final = Path(state["work_dir"]) / "final.mp4"
    tag_provenance(creative.video_path, final, provenance.model_dump(mode="json"))
    integrated_path = None
    if creative.integrated is not None:  # PCI: the host with the labelled segment in it
        integrated_path = str(Path(state["work_dir"]) / "final-integrated.mp4")
        tag_provenance(creative.integrated.path, integrated_path, provenance.model_dump(mode="json"))
    store = current_store()
    if store is not None:
        if not plan.profile.generic:
            user_memory.save_profile(store, plan.profile)
        user_memory.record_delivery(store, plan, creative_id=f"{plan.product_id}-{plan.digest()}")
    return {"outcome": {
        "finalized": True, "decision": verdict.decision, "rounds": rounds, "round": chosen["round"],
        "fallback": chosen.get("fallback", False), "video_path": str(final), "integrated_path": integrated_path,
        "plan": chosen["plan"], "creative": chosen["creative"], "verdict": chosen["verdict"],
        "provenance": provenance.model_dump(mode="json"),
    }}



def route_verdict(state: CreativeState) -> Literal["finalize", "reflect", "fallback"]:
    """Accept → finalize; otherwise revise while rounds remain, then keep the best or fall back."""
    verdict = verdict_of(state)
    if verdict is None or verdict.decision == "accept" or state.get("fallback"):
        return "finalize"
    if state.get("round", 0) < state.get("max_rounds", 3):
        return "reflect"
    if best_candidate(state.get("candidates", [])) is not None or state.get("generic"):
        return "finalize"
    return "fallback"


def route_directive(state: CreativeState) -> Literal["director", "produce"]:
    """Plan-level directives re-enter the Director; execution-level ones go to the Producer."""
    d = state.get("directive") or {}
    return "produce" if d.get("target") == "producer" else "director"


def build_graph(checkpointer: Any = None, store: Any = None, *, name: str = "pcg",
                input_schema: type = CreativeInput, output_schema: type = CreativeOutput) -> Any:
    """Compile the creative loop (PCG; graphs/pci.py compiles the same loop for PCI; review
    embeds it with a wider output, so its run record keeps the rounds)."""
    g = StateGraph(CreativeState, input_schema=input_schema, output_schema=output_schema)
    g.add_node("director", build_director())
    g.add_node("produce", produce)
    g.add_node("verify", verify)
    g.add_node("reflect", reflect)
    g.add_node("fallback", fallback)
    g.add_node("finalize", finalize)
    g.add_edge(START, "director")
    g.add_edge("director", "produce")
    g.add_edge("produce", "verify")
    g.add_conditional_edges("verify", route_verdict)
    g.add_conditional_edges("reflect", route_directive)
    g.add_edge("fallback", "director")
    g.add_edge("finalize", END)
    return g.compile(checkpointer=checkpointer, store=store, name=name)


# For `langgraph dev` / LangGraph Studio (the server supplies persistence).
graph = build_graph()
