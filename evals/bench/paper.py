"""The NextAds paper's Table 1 as reference rows for reports and ``bench compare``.

Source: "NextAds: Towards Next-generation Personalized Video Advertising" (Xu, Xia, Zheng,
Zhu, Wang, Feng; arXiv:2603.02137, 2026), Table 1 "Overall performance of existing GenAI in
both PCG and PCI tasks", and its project repository (github.com/RuoxuanXia/NextAds,
``docs/experiments.html``).

The published numbers are NOT AVAILABLE HERE: in every public copy this project could
consult, Table 1 is an image (``docs/assets/figures/results-table.png``), never text, and
no number may be invented or guessed. So each reference row names its configuration and
carries ``None`` for every score; reports print "not available here". Whoever has the
paper at hand fills ``PUBLISHED`` below (judge scores on the paper's 0–10 scale, VBench
metrics in percent, as printed) and sets ``available=True``.

What the paper states in words, which a reader can check our runs against qualitatively:
- PCG: NextAds clearly improves personalization (presentation and content) over GenericAds
  with comparable product alignment and video quality, and slightly lower diversity; the
  open-source NextAds (Qwen3-VL + Wan2.2) has video quality comparable to the closed-source
  one (GPT-4o + Sora 2) but lower personalization and product alignment.
- PCI: NextAds gains substantially in personalization and integration quality over
  GenericAds with comparable video quality, at the cost of lower product alignment and
  diversity; the closed-source NextAds nearly doubles the open-source one in
  personalization, while the open-source one scores higher diversity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PAPER = "NextAds (arXiv:2603.02137), Table 1"
NOT_AVAILABLE = "not available here"
# The evaluation judge the paper used (its judge scores are VLM judgements, unlike a proxy).
PAPER_JUDGE = "Gemini 2.5 Flash (VLM judge)"

# The paper's configurations, in its table's order.
CONFIGURATIONS: tuple[str, ...] = (
    "GenericAds (closed-source: GPT-4o + Sora 2)",
    "NextAds (open-source: Qwen3-VL + Wan2.2)",
    "NextAds (closed-source: GPT-4o + Sora 2)",
)

# Column keys, shared with report.py.
JUDGE_KEYS = ("presentation", "content", "product_alignment", "integration", "diversity")
METRIC_KEYS = ("MS*", "DD*", "AQ*", "IQ*")


@dataclass(frozen=True)
class ReferenceRow:
    """One published row: the configuration and its scores (None = not available here)."""

    task: str
    label: str
    scores: dict[str, float | None] = field(default_factory=dict)
    available: bool = False
    source: str = PAPER

    def as_dict(self) -> dict[str, object]:
        return {"label": f"{self.label} — paper" + ("" if self.available else f" ({NOT_AVAILABLE})"),
                "task": self.task, "reference": True, "available": self.available, "source": self.source,
                **{k: self.scores.get(k) for k in (*JUDGE_KEYS, *METRIC_KEYS)}}


# Fill from the paper when at hand: {task: {configuration: {column key: value}}}.
PUBLISHED: dict[str, dict[str, dict[str, float]]] = {"pcg": {}, "pci": {}}


def reference_rows(task: str) -> list[dict[str, object]]:
    """The paper's rows for one task (``"pcg"`` or ``"pci"``), as report rows."""
    rows = []
    for label in CONFIGURATIONS:
        scores = PUBLISHED.get(task, {}).get(label)
        row = ReferenceRow(task=task, label=label, scores=dict(scores or {}), available=bool(scores))
        rows.append(row.as_dict())
    return rows
