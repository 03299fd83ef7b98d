"""The creative's words, each tied to where it appears (scene and time range).

Compliance rules and claim checks both read the storyboard's narration and on-screen
text; this module gives them one list of :class:`TextSpan` so every finding can carry
localized evidence (scene index, start/end seconds, the offending text).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from nextads.schemas import CreativePlan, Evidence

# Scene fields that put words in front of the viewer (spoken or shown).
SCENE_TEXT_FIELDS = ("narration", "on_screen_text")


@dataclass(frozen=True)
class TextSpan:
    """One piece of creative text and where it is."""

    text: str
    field: str  # "narration", "on_screen_text", "cta", "title"
    scene_index: int | None
    start_s: float | None
    end_s: float | None

    def evidence(self, text: str | None = None) -> Evidence:
        return Evidence(scene_index=self.scene_index, start_s=self.start_s, end_s=self.end_s,
                        text=text if text is not None else self.text)


def normalize(text: str) -> str:
    """NFKC (full-width digits/letters → ASCII) and collapsed whitespace."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def creative_texts(plan: CreativePlan) -> list[TextSpan]:
    """Every narration / on-screen text of the storyboard, plus its CTA and title."""
    sb = plan.storyboard
    spans: list[TextSpan] = []
    for scene in sb.scenes:
        for field in SCENE_TEXT_FIELDS:
            text = getattr(scene, field)
            if text and text.strip():
                spans.append(TextSpan(normalize(text), field, scene.index, scene.start_s, scene.end_s))
    # The CTA is shown on the last CTA scene (or the last scene); the title has no scene.
    cta_scene = next((s for s in reversed(sb.scenes) if s.purpose == "cta"), sb.scenes[-1])
    if sb.cta.strip():
        spans.append(TextSpan(normalize(sb.cta), "cta", cta_scene.index, cta_scene.start_s, cta_scene.end_s))
    if sb.title.strip():
        spans.append(TextSpan(normalize(sb.title), "title", None, None, None))
    return spans
