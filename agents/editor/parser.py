"""The offline edit parser: a reviewer's plain-words edit → structured EditIntents.

The plan is the interface (plan-as-interface): the person reads the Director's plan and
types what to change. This parser understands a fixed set of English phrasings of the edit
kinds below, deterministically and offline; ``agents/editor/llm.py`` produces the same
``EditIntent`` list with a chat model when one is configured and falls back to this parser.

Scene numbers are the ones the person sees: **1-based**, as in the review table ("drop
scene 3" is ``Storyboard.scenes[2]``); ``LAST_SCENE`` (-1) stands for "the last scene".
``agents/editor/apply.py`` resolves them against the plan.

Kinds (one ``EditIntent`` each):
- ``duration``: "10 seconds instead of 15", "make it 12s", "shorten to 8 seconds";
- ``remove_scene``: "drop scene 3", "remove the last scene";
- ``reorder``: "move scene 2 before scene 1", "move scene 3 after scene 4", "swap scenes 1 and 2";
- ``insert_scene``: "add a scene about the warranty", "insert a scene after scene 2";
- ``tone``: "calmer tone", "more energetic", "make it playful";
- ``hook``: "make the hook a question" (a hook type), "make the hook about winter hiking" (a topic);
- ``palette``: "use the blue palette", "switch to warm colours";
- ``include_facet`` / ``exclude_facet``: "mention the battery", "don't mention price";
- ``replace_text``: "scene 2 narration: …", "scene 1 text: …";
- commands ``approve``, ``undo``, ``show``, ``quit``.

Several edits may go in one message, separated by ";" or a new line. Anything else is not
understood: ``parse_edit`` returns no intents and ``not_understood`` says so with examples.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EditKind = Literal[
    "duration", "remove_scene", "reorder", "insert_scene", "tone", "hook", "palette",
    "include_facet", "exclude_facet", "replace_text",
    "approve", "undo", "show", "quit",
]
COMMAND_KINDS = ("approve", "undo", "show", "quit")
Tone = Literal["energetic", "calm", "playful", "warm", "premium", "informative"]
HookType = Literal["question", "bold_claim", "scenario", "pov", "curiosity", "problem"]
TextField = Literal["narration", "on_screen_text"]
LAST_SCENE = -1  # "the last scene", resolved against the plan

EXAMPLES = ('"10 seconds instead of 15"', '"drop scene 3"', '"move scene 2 before scene 1"',
            '"add a scene about the warranty"', '"calmer tone"', '"make the hook a question"',
            '"make the hook about winter hiking"', '"use the blue palette"', '"don\'t mention price"',
            '"mention the battery"', '"scene 2 narration: …"', "approve / undo / show / quit")


class EditIntent(BaseModel):
    """One structured edit of a CreativePlan (or a review command)."""

    model_config = ConfigDict(extra="forbid")

    kind: EditKind
    scene: int | None = Field(None, description="1-based scene number as displayed; -1 = the last scene")
    other_scene: int | None = Field(None, description="reorder: the scene to move before/after/swap with (1-based)")
    position: Literal["before", "after", "swap"] | None = None
    seconds: float | None = Field(None, description="duration: the new total length in seconds")
    tone: Tone | None = None
    hook_type: HookType | None = None
    topic: str | None = Field(None, description="hook topic, facet words, or what an inserted scene is about")
    palette: str | None = Field(None, description="a colour name: blue, green, warm, brand, ...")
    field: TextField | None = None
    text: str | None = Field(None, description="replace_text: the new text, verbatim")
    source: str = "offline"

    def describe(self) -> str:
        """A short human-readable form, for the edit history."""
        parts = [self.kind]
        for name in ("scene", "position", "other_scene", "seconds", "tone", "hook_type", "topic", "palette",
                     "field", "text"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}" if isinstance(value, str) else f"{name}={value}")
        return " ".join(parts)


class EditRequest(BaseModel):
    """What one message asks for: intents in order, or a note that it was not understood."""

    model_config = ConfigDict(extra="forbid")

    intents: list[EditIntent] = Field(default_factory=list)
    not_understood: list[str] = Field(default_factory=list, description="clauses no intent was found for")

    @property
    def understood(self) -> bool:
        return bool(self.intents) and not self.not_understood


# --- vocabulary ----------------------------------------------------------------------------

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "last": LAST_SCENE, "final": LAST_SCENE, "opening": 1}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30}
# Words that say a tone, most specific first (comparatives included: "calmer", "livelier").
TONE_WORDS: dict[Tone, tuple[str, ...]] = {
    "calm": ("calmer", "calm", "relaxed", "softer", "gentler", "quieter", "slower", "chill", "serene", "soothing"),
    "energetic": ("energetic", "energy", "punchier", "punchy", "livelier", "lively", "exciting", "dynamic",
                  "faster", "upbeat", "hype"),
    "playful": ("playful", "fun", "funny", "funnier", "cheeky", "quirky", "lighter"),
    "warm": ("warmer tone", "warm tone", "cosy", "cozy", "friendlier", "friendly", "heartfelt"),
    "premium": ("premium", "luxurious", "luxury", "elegant", "classier", "upscale", "sophisticated"),
    "informative": ("informative", "factual", "more facts", "educational", "detailed"),
}
HOOK_WORDS: dict[HookType, tuple[str, ...]] = {
    "question": ("question",),
    "bold_claim": ("bold claim", "bold statement", "claim", "statement"),
    "scenario": ("scenario", "situation", "scene from life"),
    "pov": ("pov", "point of view", "first person"),
    "curiosity": ("curiosity", "teaser", "tease", "mystery"),
    "problem": ("problem", "pain point", "pain"),
}
COMMAND_WORDS: dict[str, tuple[str, ...]] = {
    "approve": ("approve", "approved", "ok", "okay", "lgtm", "looks good", "looks great", "go", "render",
                "ship it", "yes", "done", "accept"),
    "undo": ("undo", "revert", "undo that", "go back", "back"),
    "show": ("show", "show plan", "show the plan", "plan", "print", "display", "list"),
    "quit": ("quit", "exit", "q", "pause", "stop", "later", "bye"),
}
TEXT_FIELDS: dict[str, TextField] = {
    "narration": "narration", "voiceover": "narration", "voice-over": "narration", "voice over": "narration",
    "vo": "narration", "line": "narration", "script": "narration",
    "text": "on_screen_text", "on-screen text": "on_screen_text", "on screen text": "on_screen_text",
    "onscreen text": "on_screen_text", "caption": "on_screen_text", "subtitle": "on_screen_text",
    "overlay": "on_screen_text", "title": "on_screen_text",
}

_SCENE = r"(?:scene\s*#?\s*(\d+|[a-z]+)|(?:the\s+)?(\w+)\s+scene)"
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")"
_UNIT = r"\s*(?:s|sec|secs|second|seconds)\b"
_FIELD = "|".join(sorted((re.escape(k) for k in TEXT_FIELDS), key=len, reverse=True))

_REPLACE_RE = re.compile(rf"^(?:set\s+|change\s+)?{_SCENE}(?:'s)?\s+({_FIELD})\s*(?::|=|\bto\b|\bshould be\b)\s*(.+)$",
                         re.IGNORECASE | re.DOTALL)
_REMOVE_RE = re.compile(rf"\b(?:drop|remove|delete|cut|skip|lose|get rid of)\s+(?:the\s+)?{_SCENE}", re.IGNORECASE)
_SWAP_RE = re.compile(r"\bswap\s+(?:scenes?\s+)?(\d+)\s+(?:and|with|&)\s+(?:scene\s+)?(\d+)", re.IGNORECASE)
_MOVE_RE = re.compile(rf"\b(?:move|put|place)\s+(?:the\s+)?{_SCENE}\s+(before|after|ahead of|behind)\s+(?:the\s+)?{_SCENE}",
                      re.IGNORECASE)
_MOVE_END_RE = re.compile(rf"\b(?:move|put|place)\s+(?:the\s+)?{_SCENE}\s+(?:to\s+)?(?:the\s+)?(start|beginning|front|end)\b",
                          re.IGNORECASE)
_INSERT_RE = re.compile(
    rf"\b(?:add|insert|include)\s+(?:a\s+|an\s+|one\s+)?(?:new\s+|extra\s+|more\s+)?scene"
    rf"(?:\s+(?:about|on|with|showing|for|stating|that\s+(?:says|mentions|shows))\s+(?:the\s+)?(.+?))?"
    rf"(?:\s+(before|after)\s+(?:the\s+)?{_SCENE})?\s*$", re.IGNORECASE)
_HOOK_ABOUT_RE = re.compile(r"\bhook\b.*?\b(?:about|on|around|featuring)\s+(?:the\s+)?(.+)$", re.IGNORECASE)
_OPEN_WITH_RE = re.compile(r"\b(?:open|start|begin)\s+with\s+(?:a\s+|an\s+)?(.+)$", re.IGNORECASE)
_PALETTE_RE = re.compile(
    r"\b(?:use|switch to|go with|try|make it|change to|prefer)?\s*(?:the\s+|a\s+|more\s+)?([a-z]+(?:\s[a-z]+)?)\s+"
    r"(palette|colou?rs?|colou?r scheme|tones?|look)\b", re.IGNORECASE)
_EXCLUDE_RE = re.compile(
    r"\b(?:don'?t|do not|dont|never|no need to|stop|avoid|no more)\s+(?:mention(?:ing)?|say(?:ing)?|talk(?:ing)? about|"
    r"show(?:ing)?|bring(?:ing)? up|state|stating|highlight(?:ing)?)\s+(?:the\s+|any\s+|a\s+)?(.+)$"
    r"|\b(?:remove|drop|cut|lose|skip)\s+(?:the\s+|any\s+)?(?:mention|mentions|claims?|line)\s+(?:of|about)\s+(?:the\s+)?(.+)$"
    r"|^(?:no|without)\s+(?:the\s+)?(.+?)(?:\s+(?:please|mention|claims?))?$", re.IGNORECASE)
_INCLUDE_RE = re.compile(
    r"\b(?:mention|highlight|talk about|feature|stress|emphasi[sz]e|bring up|say something about|add|include|"
    r"show off|point out)\s+(?:the\s+|its\s+|a\s+|an\s+)?(.+)$", re.IGNORECASE)


def _word_in(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", text, re.IGNORECASE) is not None


def _number(token: str) -> float | None:
    token = token.lower()
    if token in NUMBER_WORDS:
        return float(NUMBER_WORDS[token])
    try:
        return float(token)
    except ValueError:
        return None


def scene_number(number: str | None, ordinal: str | None) -> int | None:
    """A scene reference as written: "scene 3" → 3, "the last scene" → LAST_SCENE, else None."""
    if number:
        n = _number(number)
        return int(n) if n is not None else ORDINALS.get(number.lower())
    if ordinal:
        return ORDINALS.get(ordinal.lower())
    return None


def _clean_topic(text: str) -> str:
    """Trim politeness and punctuation from a free-text topic."""
    text = re.sub(r"\s*\b(?:please|instead|too|as well|more|again)\b\s*$", "", text.strip(), flags=re.IGNORECASE)
    return text.strip(" .!?,;:\"'")


# --- one clause → one intent --------------------------------------------------------------


def parse_command(clause: str) -> EditIntent | None:
    """approve / undo / show / quit, when the clause is just that word (or a close variant)."""
    words = clause.strip().strip(".!?").lower()
    for kind, forms in COMMAND_WORDS.items():
        if words in forms:
            return EditIntent(kind=kind)  # type: ignore[arg-type]
    return None


def parse_replace_text(clause: str) -> EditIntent | None:
    """ "scene 2 narration: …" / "scene 1 text: …" (the new text kept verbatim)."""
    m = _REPLACE_RE.match(clause.strip())
    if not m:
        return None
    scene = scene_number(m.group(1), m.group(2))
    text = m.group(4).strip().strip('"“”')
    if scene is None or not text:
        return None
    return EditIntent(kind="replace_text", scene=scene, field=TEXT_FIELDS[m.group(3).lower()], text=text)


def parse_duration(clause: str) -> EditIntent | None:
    """ "10 seconds instead of 15", "from 15 to 10 s", "make it 12s", "shorten to 8 seconds"."""
    text = re.sub(rf"\binstead of\s+{_NUM}(?:{_UNIT})?", "", clause, flags=re.IGNORECASE)
    m = re.search(rf"\bfrom\s+{_NUM}(?:{_UNIT})?\s+(?:to|down to|up to)\s+{_NUM}(?:{_UNIT})?", text, re.IGNORECASE)
    value = _number(m.group(2)) if m else None
    if value is None:
        m = re.search(rf"{_NUM}{_UNIT}", text, re.IGNORECASE) or re.search(
            rf"\b(?:duration|length|long|shorten|lengthen|trim|cut it)\b.*?\b(?:to\s+)?{_NUM}\b", text, re.IGNORECASE)
        value = _number(m.group(1)) if m else None
    if value is None or re.search(r"\bscenes?\b", text, re.IGNORECASE):
        return None  # "scene 2 for 3 seconds" is not the ad's length
    return EditIntent(kind="duration", seconds=value)


def parse_remove(clause: str) -> EditIntent | None:
    m = _REMOVE_RE.search(clause)
    scene = scene_number(m.group(1), m.group(2)) if m else None
    return EditIntent(kind="remove_scene", scene=scene) if scene is not None else None


def parse_reorder(clause: str) -> EditIntent | None:
    """ "swap scenes 1 and 2", "move scene 2 before scene 1", "move scene 3 to the start"."""
    if m := _SWAP_RE.search(clause):
        return EditIntent(kind="reorder", scene=int(m.group(1)), other_scene=int(m.group(2)), position="swap")
    if m := _MOVE_RE.search(clause):
        scene, other = scene_number(m.group(1), m.group(2)), scene_number(m.group(4), m.group(5))
        if scene is None or other is None:
            return None
        position = "before" if m.group(3).lower() in ("before", "ahead of") else "after"
        return EditIntent(kind="reorder", scene=scene, other_scene=other, position=position)
    if m := _MOVE_END_RE.search(clause):
        scene = scene_number(m.group(1), m.group(2))
        if scene is None:
            return None
        to_end = m.group(3).lower() == "end"
        return EditIntent(kind="reorder", scene=scene, other_scene=LAST_SCENE if to_end else 1,
                          position="after" if to_end else "before")
    return None


def parse_insert(clause: str) -> EditIntent | None:
    m = _INSERT_RE.search(clause.strip().rstrip(".!"))
    if not m:
        return None
    topic = _clean_topic(m.group(1)) if m.group(1) else None
    anchor = scene_number(m.group(3), m.group(4)) if m.group(2) else None
    return EditIntent(kind="insert_scene", topic=topic or None, position=m.group(2).lower() if m.group(2) else None,
                      other_scene=anchor)


def parse_hook(clause: str) -> EditIntent | None:
    """ "make the hook a question" (a type) or "make the hook about winter hiking" (a topic)."""
    if not re.search(r"\b(?:hook|opening|opener|open with|start with|begin with)\b", clause, re.IGNORECASE):
        return None
    about = _HOOK_ABOUT_RE.search(clause)
    lead = clause[: about.start(1)] if about else clause
    for hook, words in HOOK_WORDS.items():
        if any(_word_in(lead, w) for w in words):
            return EditIntent(kind="hook", hook_type=hook, topic=_clean_topic(about.group(1)) if about else None)
    if about:
        return EditIntent(kind="hook", topic=_clean_topic(about.group(1)))
    if m := _OPEN_WITH_RE.search(clause):
        return EditIntent(kind="hook", topic=_clean_topic(m.group(1)))
    return None


def parse_palette(clause: str) -> EditIntent | None:
    m = _PALETTE_RE.search(clause)
    if not m:
        return None
    name = m.group(1).lower().strip()
    name = re.sub(r"^(?:the|a|more|use|some)\s+", "", name)
    if m.group(2).lower().startswith("tone") and parse_tone(m.group(0)) is not None:  # "calmer tone" is a tone
        return None
    return EditIntent(kind="palette", palette=name)


def parse_tone(clause: str) -> EditIntent | None:
    for tone, words in TONE_WORDS.items():
        if any(_word_in(clause, w) for w in words):
            return EditIntent(kind="tone", tone=tone)
    return None


def parse_exclude(clause: str) -> EditIntent | None:
    m = _EXCLUDE_RE.search(clause.strip().rstrip(".!"))
    topic = next((g for g in (m.groups() if m else ()) if g), None)
    return EditIntent(kind="exclude_facet", topic=_clean_topic(topic)) if topic and _clean_topic(topic) else None


def parse_include(clause: str) -> EditIntent | None:
    m = _INCLUDE_RE.search(clause.strip().rstrip(".!"))
    topic = _clean_topic(m.group(1)) if m else ""
    return EditIntent(kind="include_facet", topic=topic) if topic else None


# Most specific first: a replace-text line may contain any other pattern's words, a hook
# edit may mention a tone, a scene removal uses the same verbs as a facet exclusion.
CLAUSE_PARSERS = (parse_command, parse_replace_text, parse_reorder, parse_remove, parse_insert, parse_hook,
                  parse_exclude, parse_palette, parse_duration, parse_tone, parse_include)


def parse_clause(clause: str) -> EditIntent | None:
    """The first parser that recognises the clause, or None."""
    for parse in CLAUSE_PARSERS:
        intent = parse(clause)
        if intent is not None:
            return intent
    return None


def split_clauses(text: str) -> list[str]:
    """One message → edit clauses: ";" and new lines separate edits, except inside a replace-text
    line (its text is verbatim)."""
    clauses: list[str] = []
    for line in text.splitlines():
        if _REPLACE_RE.match(line.strip()):
            clauses.append(line.strip())
        else:
            clauses += [c.strip() for c in line.split(";")]
    return [c for c in clauses if c]


def parse_edit(text: str) -> EditRequest:
    """Parse a reviewer's message into EditIntents (offline, deterministic)."""
    intents, unknown = [], []
    for clause in split_clauses(text):
        intent = parse_clause(clause)
        if intent is None:
            unknown.append(clause)
        else:
            intents.append(intent)
    return EditRequest(intents=intents, not_understood=unknown)


def not_understood(request: EditRequest) -> str:
    """What to tell the person when (part of) a message was not understood."""
    what = "; ".join(f'"{c}"' for c in request.not_understood) or "that"
    return f"Sorry, I did not understand {what}; nothing was changed. Try e.g. " + ", ".join(EXAMPLES) + "."
