"""Per-node wall time, recorded into graph state so `run.json` can report it."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any


def timed(node: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Wrap a node so its update carries {"node", "round", "seconds"} in ``timings``."""

    @functools.wraps(node)
    def wrapper(state: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        t0 = time.perf_counter()
        update = node(state, *args, **kwargs) or {}
        entry = {"node": node.__name__, "round": state.get("round", 0), "seconds": round(time.perf_counter() - t0, 3)}
        return {**update, "timings": [*update.get("timings", []), entry]}

    return wrapper
