"""Tracing: per-node wall time recorded into graph state (for `run.json`), and local JSONL
traces of every node, subgraph, tool and model call (`--trace FILE`, `nextads trace FILE`)."""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler


def timed(node: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Wrap a node so its update carries {"node", "round", "seconds"} in ``timings``."""

    @functools.wraps(node)
    def wrapper(state: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        t0 = time.perf_counter()
        update = node(state, *args, **kwargs) or {}
        entry = {"node": node.__name__, "round": state.get("round", 0), "seconds": round(time.perf_counter() - t0, 3)}
        return {**update, "timings": [*update.get("timings", []), entry]}

    return wrapper


# ---------------------------------------------------------------------------
# Local JSONL traces (`--trace FILE`, `nextads trace FILE`): no account, no network
# ---------------------------------------------------------------------------

SUMMARY_TEXT = 120  # characters of a string kept in a trace summary
SUMMARY_KEYS = 16  # keys of a mapping kept
SUMMARY_DEPTH = 2  # nesting kept; deeper values are described, not copied
# Artifacts a summary describes by their deciding fields, not their whole content.
_ARTIFACT_FIELDS = {
    "verdict": ("decision", "utility", "compliance_passed", "round"),
    "directive": ("target", "level", "scope", "edit", "reason"),
    "outcome": ("finalized", "decision", "rounds", "video_path"),
    "creative": ("video_path", "backend", "duration_s", "rerendered"),
    "integration": ("point_s", "frame_index", "kind"),
    "match": ("compatibility", "generic", "chosen_interest", "chosen_facet"),
}


def summarize(value: Any, depth: int = 0) -> Any:
    """A small JSON-safe picture of a node's input or output (never the whole state)."""
    if isinstance(value, str):
        return value if len(value) <= SUMMARY_TEXT else value[:SUMMARY_TEXT] + "…"
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        if depth >= SUMMARY_DEPTH:
            return f"{{{len(value)} keys}}"
        out: dict[str, Any] = {}
        for k, v in list(value.items())[:SUMMARY_KEYS]:
            fields = _ARTIFACT_FIELDS.get(str(k))
            if fields and isinstance(v, dict):
                out[str(k)] = {f: summarize(v.get(f), SUMMARY_DEPTH - 1) for f in fields if f in v}
            else:
                out[str(k)] = summarize(v, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return f"[{len(value)} items]" if depth >= SUMMARY_DEPTH or len(value) > 8 else \
            [summarize(v, depth + 1) for v in value]
    if hasattr(value, "model_dump"):
        return summarize(value.model_dump(mode="json"), depth)
    return summarize(repr(value), depth)


class JsonlTracer(BaseCallbackHandler):
    """Writes one JSON line per finished node, subgraph, tool or model call: name, kind, id,
    parent, start, seconds, summaries of inputs and outputs, and the error if it failed.

    Lines are appended as runs end (children before their parents) and flushed at once, so
    a killed run keeps everything that finished. User-history text is redacted when asked."""

    raise_error = False

    def __init__(self, path: str | Path, *, redact: bool = True, thread_id: str | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.redact, self.thread_id = redact, thread_id
        self._open: dict[UUID, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def _start(self, kind: str, name: str, run_id: UUID, parent_run_id: UUID | None, inputs: Any) -> None:
        self._open[run_id] = {"id": str(run_id), "parent": str(parent_run_id) if parent_run_id else None,
                              "name": name, "kind": kind, "thread": self.thread_id,
                              "start": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                              "t0": time.perf_counter(), "inputs": self._clean(inputs)}
        if isinstance(inputs, dict) and "task" in inputs:  # a graph node: which revision round
            self._open[run_id]["round"] = inputs.get("round", 0)

    def _end(self, run_id: UUID, outputs: Any = None, error: BaseException | None = None) -> None:
        rec = self._open.pop(run_id, None)
        if rec is None:
            return
        rec["seconds"] = round(time.perf_counter() - rec.pop("t0"), 4)
        rec["outputs"] = self._clean(outputs) if error is None else None
        rec["error"] = f"{type(error).__name__}: {error}"[:500] if error is not None else None
        line = json.dumps(rec, ensure_ascii=False, default=str)
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")

    def _clean(self, value: Any) -> Any:
        if self.redact:
            from nextads.providers.chat import redact_history

            value = redact_history(value if not hasattr(value, "model_dump") else value.model_dump(mode="json"))
        return summarize(value)

    # chains = graphs, subgraphs, nodes and routers
    def on_chain_start(self, serialized: dict[str, Any] | None, inputs: Any, *, run_id: UUID,
                       parent_run_id: UUID | None = None, **kw: Any) -> None:
        name = kw.get("name") or (serialized or {}).get("name") or "chain"
        self._start("chain", name, run_id, parent_run_id, inputs)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id, outputs)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id, error=error)

    def on_tool_start(self, serialized: dict[str, Any] | None, input_str: str, *, run_id: UUID,
                      parent_run_id: UUID | None = None, inputs: Any = None, **kw: Any) -> None:
        name = kw.get("name") or (serialized or {}).get("name") or "tool"
        self._start("tool", name, run_id, parent_run_id, inputs if inputs is not None else input_str)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id, output)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id, error=error)

    def on_chat_model_start(self, serialized: dict[str, Any] | None, messages: Any, *, run_id: UUID,
                            parent_run_id: UUID | None = None, **kw: Any) -> None:
        name = kw.get("name") or (serialized or {}).get("name") or "chat_model"
        self._start("llm", name, run_id, parent_run_id, {"messages": f"[{sum(len(m) for m in messages)} messages]"})

    def on_llm_end(self, response: Any, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id, {"generations": len(getattr(response, "generations", []) or [])})

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self._end(run_id, error=error)


# Nodes whose line says which revision round they ran in.
ROUND_NODES = ("director", "produce", "verify", "reflect", "fallback")
# Runs that only plumb the graph (channel writes, the start node): left out of the tree view.
PLUMBING = ("__start__", "ChannelWrite", "_write", "RunnableSequence", "RunnableCallable", "RunnableLambda")


def read_trace(path: str | Path) -> list[dict[str, Any]]:
    """The records of a JSONL trace; a malformed line raises InputError naming the line."""
    from nextads.errors import InputError

    p = Path(path)
    if not p.is_file():
        raise InputError(str(path), None, "trace file not found")
    records = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            rec["id"], rec["name"]  # noqa: B018 - required fields
        except (ValueError, KeyError, TypeError):
            raise InputError(str(path), f"line {n}", "not a NextAds trace record") from None
        records.append(rec)
    return records


def trace_tree(records: list[dict[str, Any]], *, plumbing: bool = False) -> list[tuple[int, dict[str, Any]]]:
    """(depth, record) in call order (by start time), children under their parents; plumbing
    runs are skipped (their children are lifted to the nearest shown ancestor)."""
    by_id = {r["id"]: r for r in records}
    children: dict[str | None, list[dict[str, Any]]] = {}

    def hidden(r: dict[str, Any]) -> bool:
        # Plumbing, and a compiled subgraph directly under the node of the same name.
        if not plumbing and _is_plumbing(r):
            return True
        parent = by_id.get(r.get("parent"))
        return parent is not None and parent.get("name") == r.get("name")

    def shown_parent(r: dict[str, Any]) -> str | None:
        p = r.get("parent")
        while p is not None and p in by_id and hidden(by_id[p]):
            p = by_id[p].get("parent")
        return p if p in by_id else None

    for r in records:
        if not hidden(r):
            children.setdefault(shown_parent(r), []).append(r)
    out: list[tuple[int, dict[str, Any]]] = []

    def walk(pid: str | None, depth: int) -> None:
        for r in sorted(children.get(pid, []), key=lambda r: r.get("start", "")):
            out.append((depth, r))
            walk(r["id"], depth + 1)

    walk(None, 0)
    return out


def _is_plumbing(r: dict[str, Any]) -> bool:
    return any(str(r.get("name", "")).startswith(p) for p in PLUMBING)


def describe_record(r: dict[str, Any]) -> str:
    """One line: what the run decided (verdict, directive, point), from its output summary."""
    out = r.get("outputs") if isinstance(r.get("outputs"), dict) else {}
    bits = []
    if r.get("name") in ROUND_NODES and isinstance(r.get("round"), int):
        bits.append(f"round {r['round']}")
    if isinstance(out.get("verdict"), dict):
        v = out["verdict"]
        bits.append(f"→ {v.get('decision')} (utility {v.get('utility', 0):.2f})")
    if isinstance(out.get("directive"), dict):
        d = out["directive"]
        bits.append(f"→ {d.get('target')}: {str(d.get('reason', ''))[:70]}")
    if isinstance(out.get("integration"), dict):
        bits.append(f"→ point {out['integration'].get('point_s')} s")
    if isinstance(out.get("outcome"), dict):
        o = out["outcome"]
        bits.append(f"→ finalized={o.get('finalized')} decision={o.get('decision')}")
    if r.get("error"):
        bits.append(f"ERROR {r['error'][:120]}")
    return " ".join(bits)
