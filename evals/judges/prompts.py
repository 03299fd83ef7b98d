"""The benchmark judge's prompts (NextAds' own; independent of the Verifier's prompts).

One request per criterion, so a strong impression on one criterion does not colour the
others. Every request carries the same score bands (``criteria.SCORE_BANDS``) and asks for
one ``{score, reason}`` through function calling. User-history text is wrapped in the
``<history>`` tags that traces redact (nextads/providers/chat.py).
"""

from __future__ import annotations

from evals.judges.criteria import BY_KEY, bands_text
from nextads.providers.chat import HISTORY_CLOSE, HISTORY_OPEN

SYSTEM = (
    "You are an independent judge of personalized video advertising for a research benchmark. "
    "You did not make these ads and have no stake in them. You look at frames sampled from a "
    "video ad and read its script, and you score exactly one criterion on a 0-10 scale using the "
    "score bands given. Judge only what the frames show and the script says; when evidence is "
    "missing, score lower rather than assume. Answer only by calling the provided function with "
    "a score and a short reason that names the frames or lines that decided it."
)

CRITERION = """Criterion: {title}
{question}
Consider each aspect:
{aspects}
{note}
Score bands (0-10; use decimals if you like):
{bands}

{sections}

Score the criterion "{title}" now."""

# Extra guidance per criterion (what not to mix in).
NOTES = {
    "presentation": "Judge the look and feel only (not the topic): compare it with how the viewer's own "
                    "history reads and looks.",
    "content": "Judge what is shown and said (not the visual style): would this viewer recognise their "
               "interests, situations and motivations in it?",
    "product_alignment": "The product reference images are the licensed product. A claim that the verified "
                         "facts do not support counts against the score, however appealing.",
    "integration": "Frames marked HOST come from the host video just before and after the ad segment; "
                   "frames marked AD are the segment woven in between.",
    "diversity": "Compare the ads with one another, not with an ideal ad. Near-copies score low; ads that "
                 "differ in look, story form, subject and scenes while staying on brand score high.",
}

NO_VIEWER = ("Viewer: none. No viewer data is available for this ad, so nothing about a specific "
             "viewer can be reflected in it; score personalization accordingly (the lowest band) "
             "unless the criterion does not depend on the viewer.")

VIEWER = """Viewer (demographics, and their most recent history items, oldest first):
{demographics}
""" + HISTORY_OPEN + """
{history}
""" + HISTORY_CLOSE

PRODUCT = """Product and its verified facts (the only claims the ad may make):
{product}"""

SCRIPT = """Ad script ({task}, {duration_s:g} s, {aspect_ratio}): scenes with time, purpose, visual, narration, on-screen text:
{scenes}"""

HOST = """Host video the ad segment is woven into:
{host}
Integration point: {point_s:.2f} s ({kind}); rationale given by the system: {rationale}"""

DIVERSITY_ITEM = "Ad {number}: {product} — hook {hook_type}, form {narrative_form}, template {template}.\n{scenes}"

FRAME_LABEL = "{source} frame {number}: t={t:.1f}s{detail}"
PRODUCT_IMAGE_LABEL = "Product reference image '{asset}' ({kind}):"
HISTORY_IMAGE_LABEL = "Viewer history image from item {item}:"


def criterion_prompt(key: str, sections: list[str]) -> str:
    """The request text for one criterion: question, aspects, note, bands and the evidence."""
    c = BY_KEY[key]
    return CRITERION.format(title=c.title, question=c.question, aspects="\n".join(f"- {a}" for a in c.aspects),
                            note=NOTES.get(key, ""), bands=bands_text(), sections="\n\n".join(s for s in sections if s))


__all__ = ["DIVERSITY_ITEM", "FRAME_LABEL", "HISTORY_IMAGE_LABEL", "HOST", "NOTES", "NO_VIEWER", "PRODUCT",
           "PRODUCT_IMAGE_LABEL", "SCRIPT", "SYSTEM", "VIEWER", "criterion_prompt"]
