"""The Verifier's decision: accept, revise or reject, from findings and scores.

Aggregate utility is a weighted mean of four component scores (each in [0, 1]):

=====================  ======  ====================================================
component              weight  why
=====================  ======  ====================================================
product_alignment      0.35    an ad that misshows the product or its claims fails
                               its purpose first
quality                0.25    mean of MS*, IQ*, AQ* (DD* is descriptive, not "good")
personalization        0.20    dropped (weights renormalised) for generic plans, which
                               are not penalised for being generic
context_alignment      0.20    wrong aspect/duration cannot be served as-is
integration            0.20    PCI only (absent from PCG scores, so PCG weights are
                               unchanged): mean of continuity at both joins, theme
                               fit with the host, and not interrupting a climax
=====================  ======  ====================================================

Rules (thresholds from settings: ``accept_utility``, ``reject_utility``):

- **reject** — any failed *critical* finding (compliance or utility, e.g. an expired
  licence or an unreadable video), or utility < ``reject_utility``;
- **revise** — any failed compliance finding, any failed major/minor utility finding,
  or utility < ``accept_utility``;
- **accept** — otherwise. ``compliance_passed`` is true iff no compliance finding failed.
"""

from __future__ import annotations

from typing import Literal

from nextads.schemas import Finding, Verdict
from nextads.settings import get_settings

UTILITY_WEIGHTS = {
    "product_alignment": 0.35,
    "quality": 0.25,
    "personalization": 0.20,
    "context_alignment": 0.20,
    "integration": 0.20,  # present only in PCI verdicts (agents/verifier/integration.py)
}

Decision = Literal["accept", "revise", "reject"]


def aggregate_utility(scores: dict[str, float], *, generic: bool = False) -> float:
    """Weighted mean of the component scores present (personalization left out if generic)."""
    parts = {k: w for k, w in UTILITY_WEIGHTS.items() if k in scores and not (generic and k == "personalization")}
    total = sum(parts.values())
    if total == 0:
        return 0.0
    return float(min(1.0, max(0.0, sum(scores[k] * w for k, w in parts.items()) / total)))


def _describe(f: Finding) -> str:
    where = sorted({e.scene_index for e in f.evidence if e.scene_index is not None})
    scenes = f" [scenes {', '.join(map(str, where))}]" if where else ""
    return f"{f.severity} {f.check}: {f.message}{scenes}"


def decide(findings: list[Finding], utility: float) -> tuple[Decision, list[str]]:
    """The decision and the human-readable reasons for it."""
    s = get_settings()
    failed = [f for f in findings if not f.passed]
    critical = [f for f in failed if f.severity == "critical"]
    compliance = [f for f in failed if f.track == "compliance"]
    utility_issues = [f for f in failed if f.track == "utility" and f.severity in ("major", "minor")]
    reasons = [_describe(f) for f in sorted(failed, key=lambda f: ("critical", "major", "minor", "info").index(f.severity))]
    if critical or utility < s.reject_utility:
        if utility < s.reject_utility:
            reasons.insert(0, f"utility {utility:.2f} below the reject threshold {s.reject_utility}")
        return "reject", reasons
    if compliance or utility_issues or utility < s.accept_utility:
        if utility < s.accept_utility:
            reasons.insert(0, f"utility {utility:.2f} below the accept threshold {s.accept_utility}")
        return "revise", reasons
    return "accept", [f"all checks passed; utility {utility:.2f} >= {s.accept_utility}"]


def make_verdict(findings: list[Finding], scores: dict[str, float], *, generic: bool = False,
                 source: str = "offline") -> Verdict:
    """Aggregate utility, decide, and package the Verdict."""
    utility = aggregate_utility(scores, generic=generic)
    decision, reasons = decide(findings, utility)
    return Verdict(
        decision=decision, utility=utility,
        compliance_passed=not any(f.track == "compliance" and not f.passed for f in findings),
        scores={**scores, "utility": utility}, findings=findings, reasons=reasons, source=source,
    )
