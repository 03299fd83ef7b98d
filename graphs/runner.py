"""Run a creative graph from a script or the CLI: threads, resume, progress, outputs.

Every run has a thread id. Its checkpoints live in the persistent checkpointer and its
intermediate artifacts in ``<state_dir>/runs/<thread id>/``, so re-running the same
thread after a kill resumes at the first unfinished node. The output folder is written
atomically (a temporary sibling folder renamed into place), so a failed or killed run
never leaves a half-written output folder.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphs.tracing import JsonlTracer
from memory.persistence import open_checkpointer, open_store
from nextads.providers.chat import trace_callbacks
from nextads.schemas import Product, ServingContext, UserData
from nextads.settings import Settings, get_settings

Progress = Callable[[str], None]


def new_thread_id(task: str, user: UserData, product: Product) -> str:
    return f"{task}-{user.user_id}-{product.product_id}-{uuid.uuid4().hex[:8]}"


def work_dir_for(thread_id: str, settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    return Path(settings.state_dir).resolve() / "runs" / thread_id


def describe_update(namespace: tuple[str, ...], node: str, update: Any) -> str | None:
    """One progress line per finished node (subgraph steps shown as director/<step>)."""
    if node.startswith("__") or not isinstance(update, dict):
        return None
    path = "/".join([*(n.split(":")[0] for n in namespace), node])
    if path == "director":  # the subgraph's own steps were already reported
        return None
    secs = next((t["seconds"] for t in reversed(update.get("timings", [])) if t["node"] == node), None)
    extra = ""
    if node == "verify" and "verdict" in update:
        v = update["verdict"]
        extra = f"  → {v['decision']} (utility {v['utility']:.2f}, compliance {'ok' if v['compliance_passed'] else 'FAILED'})"
    elif node == "reflect" and "directive" in update:
        d = update["directive"]
        extra = f"  → {d['target']}{' scenes ' + str(d['scope']) if d['scope'] else ''}: {d['reason'][:90]}"
    return f"{path:<28}{'' if secs is None else f'{secs:6.2f}s'}{extra}"


def is_finished(snapshot: Any) -> bool:
    """Has this thread run to the end? ``next`` alone is not enough: a run killed while a
    node's thread was finishing leaves that task's result as a pending write with ``next``
    empty (the step was never committed); such a thread still has work, and resuming it
    applies the saved result and goes on."""
    return not snapshot.next and not snapshot.tasks


def run_creative(
    *,
    graph_builder: Callable[..., Any],
    inputs: dict[str, Any] | None,
    thread_id: str,
    progress: Progress | None = None,
    settings: Settings | None = None,
    trace: str | Path | None = None,
) -> tuple[dict[str, Any], bool]:
    """Run (or resume) one thread to the end; return (final state values, resumed?).
    `trace`: also append a local JSONL trace of every node/tool/model run to this file."""
    settings = settings or get_settings()
    config: dict[str, Any] = {"configurable": {"thread_id": thread_id}, "recursion_limit": 200}
    callbacks = trace_callbacks(settings.redact_history)  # a history-redacting tracer, when tracing
    if trace is not None:
        callbacks = [*callbacks, JsonlTracer(trace, redact=settings.redact_history, thread_id=thread_id)]
    if callbacks:
        config["callbacks"] = callbacks
    with open_checkpointer(settings) as saver, open_store(settings) as store:
        graph = graph_builder(checkpointer=saver, store=store)
        snapshot = graph.get_state(config)
        resumed = bool(snapshot.values)
        if resumed and is_finished(snapshot):
            return snapshot.values, True  # finished earlier: nothing to redo
        if not resumed and inputs is None:
            raise KeyError(thread_id)
        stream_input = None if resumed else inputs
        for namespace, chunk in graph.stream(stream_input, config, stream_mode="updates", subgraphs=True):
            for node, update in chunk.items():
                line = describe_update(namespace, node, update)
                if line and progress:
                    progress(line)
        return graph.get_state(config).values, resumed


def export_outputs(values: dict[str, Any], out_dir: Path, run_record: dict[str, Any]) -> Path:
    """Write plan.json, collage.png, the video(s), verdict.json and run.json atomically:
    PCG writes creative.mp4; PCI writes segment.mp4 and integrated.mp4 (host + segment)."""
    out_dir = out_dir.resolve()
    tmp = out_dir.parent / f".{out_dir.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        outcome = values.get("outcome", {})
        candidate = outcome if outcome.get("finalized") else (values.get("candidates") or [{}])[-1]
        plan = candidate.get("plan") or {}
        if plan:
            (tmp / "plan.json").write_text(json.dumps(plan, indent=2, ensure_ascii=False))
            collage = (plan.get("grounding") or {}).get("collage_path")
            if collage and Path(collage).exists():
                shutil.copyfile(collage, tmp / "collage.png")
        if candidate.get("verdict"):
            (tmp / "verdict.json").write_text(json.dumps(candidate["verdict"], indent=2, ensure_ascii=False))
        if outcome.get("finalized"):
            # Only a verified, compliant, labelled creative is ever written out.
            if values.get("task") == "pci":
                shutil.copyfile(outcome["video_path"], tmp / "segment.mp4")
                shutil.copyfile(outcome["integrated_path"], tmp / "integrated.mp4")
            else:
                shutil.copyfile(outcome["video_path"], tmp / "creative.mp4")
        (tmp / "run.json").write_text(json.dumps(run_record, indent=2, ensure_ascii=False))
        if out_dir.exists():
            old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
            out_dir.rename(old)
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def run_record(values: dict[str, Any], *, thread_id: str, resumed: bool, wall_s: float,
               settings: Settings | None = None) -> dict[str, Any]:
    """The run.json record: what happened, every directive, per-node wall time."""
    settings = settings or get_settings()
    outcome = values.get("outcome", {})
    per_node: dict[str, float] = {}
    for t in values.get("timings", []):
        per_node[t["node"]] = round(per_node.get(t["node"], 0.0) + t["seconds"], 3)
    creative = outcome.get("creative") or {}
    return {
        "thread_id": thread_id,
        "task": values.get("task", "pcg"),
        "user_id": (values.get("user") or {}).get("user_id"),
        "product_id": (values.get("product") or {}).get("product_id"),
        "finalized": bool(outcome.get("finalized")),
        "decision": outcome.get("decision"),
        "reason": outcome.get("reason"),
        "rounds": values.get("round", 0),
        "max_rounds": values.get("max_rounds"),
        "fallback": bool(outcome.get("fallback")),
        "directives": values.get("directives", []),
        "candidates": [
            {"round": c["round"], "fallback": c.get("fallback", False), "decision": c["verdict"]["decision"],
             "utility": c["verdict"]["utility"], "compliance_passed": c["verdict"]["compliance_passed"]}
            for c in values.get("candidates", [])
        ],
        "timings": values.get("timings", []),
        "fallbacks": values.get("fallbacks", []),
        "node_seconds": per_node,
        "wall_seconds": round(wall_s, 2),
        "resumed": resumed,
        "provenance": outcome.get("provenance"),
        "warnings": creative.get("warnings", []),
        "backends": {"llm": settings.llm, "video": settings.video, "judge": settings.judge, "preset": settings.preset},
    }


def run_to_folder(
    *,
    graph_builder: Callable[..., Any],
    inputs: dict[str, Any] | None,
    thread_id: str,
    out_dir: Path,
    progress: Progress | None = None,
    trace: str | Path | None = None,
) -> dict[str, Any]:
    """Run or resume a thread, then export its outputs. Returns the run record."""
    t0 = time.perf_counter()
    values, resumed = run_creative(graph_builder=graph_builder, inputs=inputs, thread_id=thread_id, progress=progress,
                                   trace=trace)
    record = run_record(values, thread_id=thread_id, resumed=resumed, wall_s=time.perf_counter() - t0)
    export_outputs(values, out_dir, record)
    return record


def creative_inputs(task: str, user: UserData, product: Product, context: ServingContext, *,
                    thread_id: str, max_rounds: int, generic: bool = False, host_video: str | None = None,
                    host_title: str = "") -> dict[str, Any]:
    """The graph input for one creative (CreativeInput; PCIInput with a host video)."""
    work = work_dir_for(thread_id)
    work.mkdir(parents=True, exist_ok=True)
    host = {"host_video": str(Path(host_video).resolve()), "host_title": host_title} if host_video else {}
    return {
        **host,
        "task": task,
        "user": user.model_dump(mode="json"),
        "product": product.model_dump(mode="json"),
        "context": context.model_dump(mode="json"),
        "work_dir": str(work),
        "max_rounds": max_rounds,
        "generic": generic,
    }
