"""A run killed while a node's thread is finishing must resume, not count as finished.

Ctrl-C (or the bench's SIGINT to its workers) lands in the main thread while a node runs in
LangGraph's executor thread; the node's result is saved as a pending write, the step is never
committed, and the checkpoint shows ``next == ()``. Found on a killed `nextads bench` run,
whose resumed pairs were reported as "not finalized" without running.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import TypedDict

from langgraph.graph import END, START, StateGraph

from graphs.runner import is_finished, run_creative
from nextads.settings import Settings


class _State(TypedDict, total=False):
    x: int


def _slow_director(state: _State) -> _State:
    time.sleep(0.6)
    return {"x": state.get("x", 0) + 1}


def _produce(state: _State) -> _State:
    return {"x": state["x"] + 10}


def _builder(checkpointer=None, store=None):
    sub = StateGraph(_State)
    sub.add_node("step", _slow_director)
    sub.add_edge(START, "step")
    sub.add_edge("step", END)
    g = StateGraph(_State)
    g.add_node("director", sub.compile())
    g.add_node("produce", _produce)
    g.add_edge(START, "director")
    g.add_edge("director", "produce")
    g.add_edge("produce", END)
    return g.compile(checkpointer=checkpointer, store=store)


def test_a_run_killed_while_a_node_finishes_resumes_to_the_end(tmp_path):
    settings = Settings(state_dir=tmp_path / "state")
    timer = threading.Timer(0.2, lambda: signal.raise_signal(signal.SIGINT))
    timer.start()
    try:
        run_creative(graph_builder=_builder, inputs={"x": 0}, thread_id="t", settings=settings)
        raise AssertionError("the run should have been interrupted")
    except KeyboardInterrupt:
        pass
    finally:
        timer.cancel()
    time.sleep(0.8)  # the director's thread finishes and saves its result as a pending write

    from graphs.runner import open_checkpointer

    with open_checkpointer(settings) as saver:
        snapshot = _builder(checkpointer=saver).get_state({"configurable": {"thread_id": "t"}})
    assert not snapshot.next and snapshot.tasks  # the state that fooled a `next`-only check
    assert not is_finished(snapshot)

    values, resumed = run_creative(graph_builder=_builder, inputs=None, thread_id="t", settings=settings)
    assert resumed and values["x"] == 11  # produce ran after the saved director result

    again, _ = run_creative(graph_builder=_builder, inputs=None, thread_id="t", settings=settings)
    assert again["x"] == 11  # a finished thread is not run again
