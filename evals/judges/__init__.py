"""Benchmark judges, independent of the Verifier (DESIGN.md §4: no grading of own homework).

- :class:`VlmJudge` (``vlm.py``): any configured chat model, this project's own prompts
  (``prompts.py``), one structured ``{score, reason}`` per criterion;
- :class:`ProxyJudge` (``proxy.py``): offline, deterministic, measurable stand-ins on the
  same 0-10 bands, labelled "proxy" everywhere.

Both score the paper's five criteria (``criteria.py``): presentation, content,
product_alignment and (PCI) integration per creative, diversity per user.
"""

from __future__ import annotations

from evals.judges.criteria import (
    CRITERIA,
    SCORE_BANDS,
    Judge,
    JudgedCreative,
    JudgeScore,
    band_of,
    criteria_for,
    judged_from_folder,
)
from nextads.providers.chat import parse_spec
from nextads.settings import get_settings


def make_judge(spec: str | None = None) -> Judge:
    """The judge for a model spec: None -> settings.judge; "offline" -> ProxyJudge; else VlmJudge."""
    spec = get_settings().judge if spec is None else spec
    if parse_spec(spec).offline:
        from evals.judges.proxy import ProxyJudge

        return ProxyJudge()
    from evals.judges.vlm import VlmJudge

    return VlmJudge(spec)


def __getattr__(name: str):
    # The judges import the agents and media stacks: load them only when asked for.
    if name == "ProxyJudge":
        from evals.judges.proxy import ProxyJudge

        return ProxyJudge
    if name in ("VlmJudge", "JudgeError"):
        from evals.judges import vlm

        return getattr(vlm, name)
    raise AttributeError(name)


__all__ = ["CRITERIA", "SCORE_BANDS", "Judge", "JudgeError", "JudgeScore", "JudgedCreative", "ProxyJudge",
           "VlmJudge", "band_of", "criteria_for", "judged_from_folder", "make_judge"]
