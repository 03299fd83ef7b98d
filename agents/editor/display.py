"""The readable plan a reviewer edits: rich tables of the scenes, the match and the profile.

Scene numbers are shown 1-based (``#`` column); the edit parser reads the same numbers.
``plan_text`` renders the same tables to plain text, for the review graph's interrupt
payload (LangGraph Studio, the HTTP API) where no terminal is attached.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from nextads.schemas import CreativePlan

TEXT_WIDTH = 140  # columns of the plain-text rendering
MAX_FACETS_SHOWN = 4
MAX_INTERESTS_SHOWN = 3
MAX_VISUAL_CHARS = 90  # visual descriptions are generation prompts: the table shows their start


def scenes_table(plan: CreativePlan) -> Table:
    """One row per scene: time, purpose, visual, narration, on-screen text, assets (and claims)."""
    sb = plan.storyboard
    table = Table(title=f"Storyboard — {sb.title or plan.product_id} ({sb.target_duration_s:g} s, "
                        f"{sb.hook_type.replace('_', ' ')} hook, {sb.template} template)",
                  show_lines=True, expand=False)
    for name, kwargs in (("#", {"justify": "right"}), ("time", {"no_wrap": True}), ("purpose", {}),
                         ("visual", {"ratio": 3}), ("narration", {"ratio": 3}), ("on-screen text", {"ratio": 2}),
                         ("assets", {"ratio": 1})):
        table.add_column(name, **kwargs)
    for s in sb.scenes:
        claims = Text(f"\nclaims: {', '.join(s.claims)}", style="dim") if s.claims else Text("")
        visual = s.visual if len(s.visual) <= MAX_VISUAL_CHARS else s.visual[: MAX_VISUAL_CHARS - 1].rstrip() + "…"
        table.add_row(str(s.index + 1), f"{s.start_s:.1f}–{s.end_s:.1f} s", s.purpose, visual,
                      Text(s.narration) + claims, s.on_screen_text, ", ".join(s.asset_refs))
    return table


def match_table(plan: CreativePlan) -> Table:
    """The match and its compatibility (against the threshold), the bridge and the top facets."""
    m = plan.match
    table = Table(title="Match", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    verdict = "generic (below threshold)" if m.generic else "personalised"
    table.add_row("compatibility", f"{m.compatibility:.2f} (threshold {m.threshold:.2f}: {verdict})")
    table.add_row("interest", m.chosen_interest or "—")
    table.add_row("facet", m.chosen_facet or "—")
    if m.bridge:
        table.add_row("bridge", m.bridge)
    table.add_row("top facets", ", ".join(f"{f.facet} ({f.score:.2f})" for f in m.facets[:MAX_FACETS_SHOWN]) or "—")
    table.add_row("palette", ", ".join(plan.grounding.palette) or "—")
    return table


def profile_table(plan: CreativePlan) -> Table:
    """The profile summary: who this is for and how they like things presented."""
    p = plan.profile
    table = Table(title="Profile", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("summary", p.summary or ("generic (no user data)" if p.generic else "—"))
    table.add_row("interests", ", ".join(f"{i.topic} ({i.weight:.2f})" for i in p.interests[:MAX_INTERESTS_SHOWN]) or "—")
    table.add_row("style", f"{p.style.tone} tone, {p.style.narrative_form.replace('_', ' ')}, {p.style.pacing} pacing")
    if p.withheld_sensitive:
        table.add_row("withheld", ", ".join(p.withheld_sensitive))
    return table


def plan_view(plan: CreativePlan) -> Group:
    """Everything the reviewer sees, in reading order."""
    return Group(profile_table(plan), match_table(plan), scenes_table(plan))


def history_table(history: Sequence[dict[str, Any]]) -> Table:
    """The session's edit history (what was typed, whether it was applied, what happened)."""
    table = Table(title="Edit history")
    for name in ("#", "you typed", "result"):
        table.add_column(name)
    for i, entry in enumerate(history, 1):
        mark = "applied" if entry.get("applied") else "not applied"
        table.add_row(str(i), entry.get("text", ""), f"{mark}: {' '.join(entry.get('messages', []))}")
    return table


def plan_text(plan: CreativePlan, width: int = TEXT_WIDTH) -> str:
    """The plan view as plain text (no colours)."""
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None, force_terminal=False)
    console.print(plan_view(plan))
    return console.export_text()
