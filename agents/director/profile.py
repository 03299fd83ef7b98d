"""Director step 1 (offline): user modeling — history → structured UserProfile.

Pipeline (DESIGN.md §2, §9):

1. take up to ``max_history_items`` most recent history items (recency-weighted);
2. **privacy screen**: items mentioning a sensitive category (health, medical aesthetics,
   religion, sexuality, ethnicity, finances, precise location; en+zh lexicon in
   ``data/sensitive.json``) or an excluded topic never reach any creative-facing field —
   only the category name is kept in ``withheld_sensitive``;
3. **themes**: embed each item (title + text) with the multilingual encoder, cluster with
   Ward linkage choosing k in 2..5 by silhouette, name each theme by the nearest entry of
   the bilingual topic lexicon (``data/topics.json``; a Chinese history gets English names)
   and keep its original TF-IDF keywords; a theme that lands on a sensitive or excluded
   topic is dropped and the themes are rebuilt from the remaining items;
4. weights by theme size and recency; tiers strong (top theme) / medium (second) / weak;
5. presentation style, decision tendencies and implicit needs from cue-word lexicons and
   text statistics; visual preferences from the history images; mentioned brands.

Everything is deterministic. The lexicon helpers at the top are shared with the matcher.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from nextads.providers.embeddings import embed
from nextads.schemas import (
    HistoryItem,
    Interest,
    PresentationStyle,
    UserData,
    UserProfile,
    VisualPreferences,
)
from nextads.settings import get_settings
from nextads.text import clean_text, keywords, tokenize
from tools.media.image_analysis import aggregate_visual

DATA_DIR = Path(__file__).parent / "data"

RECENCY_HALF_LIFE_ITEMS = 20  # an item this many positions older counts half as much
THEME_K_RANGE = (2, 5)  # candidate numbers of themes (silhouette picks one)
MIN_SILHOUETTE = 0.04  # below this no split is convincing: the history is one theme
PAIR_SAME_THEME_SIM = 0.35  # two-item histories: one theme when at least this similar
TOPIC_MIN_SIM = 0.15  # a theme weaker than this to every topic is named by its keywords
EXCLUDE_ITEM_SIM = 0.45  # an item this similar to an excluded topic is dropped with it
MEDIUM_MIN_WEIGHT = 0.10  # the second theme is "medium" only with at least this weight
INTEREST_KEYWORDS = 8
TENDENCY_MIN_SHARE = 0.15  # share of items that must show a tendency's cues
MAX_TENDENCIES = 3
MAX_IMPLICIT_NEEDS = 4
MAX_VISUAL_IMAGES = 24  # most recent images analysed (speed; older taste matters less)
MAX_REBUILDS = 4  # theme rebuilds after dropping sensitive/excluded themes
SHORT_TEXT_TOKENS = 8  # mean content words per item below this: low information density
LONG_TEXT_TOKENS = 35  # above this: high information density
LIST_SHARE_LISTICLE = 0.3  # share of list-formatted items that makes a listicle reader
EXCLAIM_FAST = 1.0  # exclamation marks per item at which pacing turns fast
UNKNOWN_VALUES = frozenset({"", "unknown", "nan", "none", "null", "n/a", "未知"})


# --------------------------------------------------------------------------- lexicon helpers

_LATIN_TERM = re.compile(r"^[\w\s'&.\-]+$", re.ASCII)


@dataclass(frozen=True)
class Terms:
    """A compiled set of cue terms: Latin ones match as whole words, others as substrings."""

    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, terms: Iterable[str]) -> Terms:
        parts = []
        for t in sorted({t.strip().lower() for t in terms if t and t.strip()}, key=len, reverse=True):
            esc = re.escape(t)
            parts.append(rf"(?<![a-z0-9]){esc}(?![a-z0-9])" if _LATIN_TERM.match(t) else esc)
        return cls(re.compile("|".join(parts), re.IGNORECASE) if parts else None)

    def find(self, text: str) -> list[str]:
        return [m.group(0).lower() for m in self.pattern.finditer(text or "")] if self.pattern else []

    def hit(self, text: str) -> bool:
        return bool(self.pattern and self.pattern.search(text or ""))


def _terms(entry: dict[str, Any]) -> Terms:
    """Terms of a lexicon entry shaped ``{"en": [...], "zh": [...]}``."""
    return Terms.of([*entry.get("en", []), *entry.get("zh", [])])


@lru_cache(maxsize=None)
def load_lexicon(name: str) -> dict[str, Any]:
    """A JSON lexicon from ``agents/director/data/<name>.json``."""
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def sensitive_terms() -> dict[str, tuple[Terms, Terms]]:
    """Per category: (terms that reveal it, exempt phrases removed before checking)."""
    return {
        cat: (_terms(e), Terms.of(e.get("exempt", [])))
        for cat, e in load_lexicon("sensitive")["categories"].items()
    }


def sensitive_categories(text: str) -> list[str]:
    """Sensitive categories the text touches (lexicon-based), in lexicon order."""
    found = []
    for cat, (terms, exempt) in sensitive_terms().items():
        checked = exempt.pattern.sub(" ", text or "") if exempt.pattern else text
        if terms.hit(checked):
            found.append(cat)
    return found


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    audience: str
    scene: str
    sensitive: str | None


@lru_cache(maxsize=1)
def topic_table() -> tuple[list[Topic], np.ndarray]:
    """Topic lexicon and the embeddings of each topic's bilingual description."""
    topics = [
        Topic(
            name=t["name"],
            description=" ".join([t["name"], t.get("zh", ""), *t.get("aliases", [])]),
            audience=t.get("audience", f"people into {t['name']}"),
            scene=t.get("scene", "every day"),
            sensitive=t.get("sensitive"),
        )
        for t in load_lexicon("topics")["topics"]
    ]
    return topics, embed([t.description for t in topics])


def find_topic(name: str) -> Topic | None:
    """The lexicon topic with this name (case-insensitive), if any."""
    key = name.strip().lower()
    return next((t for t in topic_table()[0] if t.name.lower() == key), None)


@dataclass(frozen=True)
class Brand:
    name: str
    category: str
    terms: Terms


@lru_cache(maxsize=1)
def brand_table() -> list[Brand]:
    lex = load_lexicon("brands")
    return [Brand(b["name"], b["category"], Terms.of([b["name"], *b.get("aliases", [])])) for b in lex["brands"]]


def lookup_brand(name: str) -> Brand | None:
    """Lexicon entry whose name or alias is ``name`` (case-insensitive)."""
    for b in brand_table():
        if b.name.lower() == name.strip().lower() or (b.terms.pattern and b.terms.pattern.fullmatch(name.strip())):
            return b
    return None


@lru_cache(maxsize=1)
def _capitalised_brand_pattern() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in load_lexicon("brands")["product_words"])
    return re.compile(rf"\b([A-Z][\w'&\-]*(?:\s[A-Z][\w'&\-]*)?)\s+(?:{words})\b")


def find_brands(text: str) -> list[str]:
    """Brands in ``text``: lexicon names/aliases, plus capitalised names before product words."""
    found = [b.name for b in brand_table() if b.terms.hit(text)]
    not_brands = set(load_lexicon("brands")["not_brands"])
    for m in _capitalised_brand_pattern().finditer(text or ""):
        words = [w for w in m.group(1).split() if w not in not_brands]
        cand = " ".join(words)
        if cand and len(cand) > 1 and lookup_brand(cand) is None:
            found.append(cand)
    return list(dict.fromkeys(found))


# --------------------------------------------------------------------------- history selection


def item_text(item: HistoryItem) -> str:
    """Title and text of an item, hashtag markup unwrapped, URLs/emotes dropped."""
    return clean_text(" ".join(p for p in (item.title, item.text) if p)).strip()


def _time_key(ts: str | None) -> float | None:
    if not ts:
        return None
    try:
        return float(ts)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def recent_items(history: Sequence[HistoryItem], max_items: int) -> list[HistoryItem]:
    """The ``max_items`` most recent items, oldest first.

    Histories are in time order (oldest first, as MicroLens and Qilin give them); when
    every item carries a parseable timestamp, those decide instead.
    """
    keys = [_time_key(it.timestamp) for it in history]
    items = list(history)
    if items and all(k is not None for k in keys):
        items = [it for _, _, it in sorted(zip(keys, range(len(items)), items, strict=True))]
    return items[-max_items:] if max_items > 0 else []


def recency_weights(n: int) -> np.ndarray:
    """Exponential decay by position: the newest item weighs 1, halving every half-life."""
    age = np.arange(n)[::-1]
    return 0.5 ** (age / RECENCY_HALF_LIFE_ITEMS)


# --------------------------------------------------------------------------- themes


@dataclass
class Theme:
    members: list[int]  # indices into the screened item list
    topic: Topic | None = None
    topic_sim: float = 0.0
    label: str = ""
    keywords: list[str] = field(default_factory=list)


def _silhouette(dist: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient from a precomputed distance matrix."""
    uniq = np.unique(labels)
    if len(uniq) < 2:
        return -1.0
    scores = []
    for i in range(len(labels)):
        same = labels == labels[i]
        if same.sum() <= 1:
            scores.append(0.0)
            continue
        a = dist[i, same].sum() / (same.sum() - 1)
        b = min(dist[i, labels == c].mean() for c in uniq if c != labels[i])
        scores.append((b - a) / max(a, b, 1e-9))
    return float(np.mean(scores))


def cluster_themes(vectors: np.ndarray) -> np.ndarray:
    """Theme label per row of L2-normalised ``vectors`` (labels 0.. in first-seen order).

    Ward linkage (deterministic, balanced clusters) cut at the k in THEME_K_RANGE with the
    best silhouette on cosine distance; one theme when no cut reaches MIN_SILHOUETTE.
    """
    n = len(vectors)
    if n <= 1:
        return np.zeros(n, dtype=int)
    if n == 2:
        same = float(vectors[0] @ vectors[1]) >= PAIR_SAME_THEME_SIM
        return np.array([0, 0 if same else 1])
    dist = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0)
    tree = linkage(vectors.astype(np.float64), method="ward")
    best, best_score = np.zeros(n, dtype=int), MIN_SILHOUETTE
    for k in range(THEME_K_RANGE[0], min(THEME_K_RANGE[1], n - 1) + 1):
        labels = fcluster(tree, t=k, criterion="maxclust")
        score = _silhouette(dist, labels)
        if score > best_score + 1e-9:
            best, best_score = labels, score
    _, first = np.unique(best, return_index=True)
    order = {lab: rank for rank, lab in enumerate(best[np.sort(first)])}
    return np.array([order[lab] for lab in best])


def _name_theme(theme: Theme, vectors: np.ndarray, texts: Sequence[str], background: Sequence[str]) -> None:
    """Name a theme by its nearest lexicon topic; keep its own top keywords too."""
    topics, topic_vecs = topic_table()
    centroid = vectors[theme.members].mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
    sims = topic_vecs @ centroid
    best = int(np.argmax(sims))
    theme.topic, theme.topic_sim = topics[best], float(sims[best])
    theme.keywords = keywords([texts[i] for i in theme.members], INTEREST_KEYWORDS, background=background)
    latin_kw = [k for k in theme.keywords if k.isascii() and k.isalpha() and len(k) >= 3]
    if theme.topic_sim < TOPIC_MIN_SIM and len(latin_kw) >= 2:
        theme.label = f"{latin_kw[0]} and {latin_kw[1]}"
    else:
        theme.label = theme.topic.name


def _merge_same_label(themes: list[Theme]) -> list[Theme]:
    """Themes that got the same name are one interest."""
    merged: dict[str, Theme] = {}
    for t in themes:
        if t.label in merged:
            m = merged[t.label]
            m.members = sorted(m.members + t.members)
            m.keywords = list(dict.fromkeys(m.keywords + t.keywords))[:INTEREST_KEYWORDS]
            m.topic_sim = max(m.topic_sim, t.topic_sim)
        else:
            merged[t.label] = t
    return list(merged.values())


def build_themes(
    vectors: np.ndarray, texts: Sequence[str], is_excluded: Any
) -> tuple[list[Theme], set[int], set[str]]:
    """Cluster, name, and drop sensitive/excluded themes, rebuilding from the rest.

    Returns (themes, indices of dropped items, sensitive categories of dropped themes).
    ``is_excluded(label) -> bool`` says whether a theme name was excluded by a directive.
    """
    alive = list(range(len(texts)))
    dropped: set[int] = set()
    withheld: set[str] = set()
    for _ in range(MAX_REBUILDS + 1):
        if not alive:
            return [], dropped, withheld
        labels = cluster_themes(vectors[alive])
        themes = [Theme(members=[alive[i] for i in np.flatnonzero(labels == c)]) for c in range(labels.max() + 1)]
        for t in themes:
            _name_theme(t, vectors, texts, background=[texts[i] for i in alive])
        bad = [t for t in themes if (t.topic and t.topic.sensitive and t.label == t.topic.name) or is_excluded(t.label)]
        if not bad:
            return _merge_same_label(themes), dropped, withheld
        for t in bad:
            if t.topic and t.topic.sensitive and t.label == t.topic.name:
                withheld.add(t.topic.sensitive)
            dropped.update(t.members)
        alive = [i for i in alive if i not in dropped]
    return [], dropped, withheld


# --------------------------------------------------------------------------- style, tendencies


_LIST_MARK = re.compile(r"(?:^|\s)(?:\d{1,2}[.、)）]|[①-⑩]|\d\ufe0f?\u20e3|[-•·✅👉✔️▪️]\s?)", re.MULTILINE)
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2764]")


def _cue_counts(texts: Sequence[str], table: dict[str, dict[str, list[str]]]) -> Counter[str]:
    """How many texts hit each cue set of a lexicon table."""
    compiled = {name: _terms(entry) for name, entry in table.items()}
    return Counter({name: sum(terms.hit(t) for t in texts) for name, terms in compiled.items()})


# How much the look of a user's own pictures counts towards the tone of their ads, next to
# cue words (a share of items, 0..1): people who post neon night shots respond to a different
# pace and type than people who post airy pastels, even when their captions are plain.
VISUAL_TONE_WEIGHT = 0.25
NEON_SATURATION, NEON_MAX_BRIGHTNESS = 0.6, 0.35  # saturated and dark: neon / night
PASTEL_MIN_BRIGHTNESS, PASTEL_SATURATION = 0.7, (0.2, 0.6)  # light and softly coloured
MUTED_MAX_SATURATION = 0.25  # nearly colourless: minimal, quiet


def visual_tone(visual: VisualPreferences) -> dict[str, float]:
    """Tone evidence from visual preferences (each in [0, 1])."""
    sat, bri = visual.saturation, visual.brightness
    return {
        "energetic": float(visual.artistic_style == "vibrant" or visual.lighting == "high_contrast"
                           or (sat >= NEON_SATURATION and bri <= NEON_MAX_BRIGHTNESS)),
        "playful": float(visual.artistic_style == "cute"
                         or (bri >= PASTEL_MIN_BRIGHTNESS and PASTEL_SATURATION[0] <= sat <= PASTEL_SATURATION[1])),
        "calm": float(visual.artistic_style == "minimal" or sat < MUTED_MAX_SATURATION),
        "premium": float(visual.artistic_style == "luxury"),
        "warm": 0.5 * float(visual.warmth == "warm"),
    }


def presentation_style(texts: Sequence[str], visual: VisualPreferences | None = None) -> PresentationStyle:
    """Tone, narrative form, pacing and information density from cue words, text statistics
    and (when the user has pictures) the look of those pictures."""
    if not texts:
        return PresentationStyle()
    n = len(texts)
    cues = load_lexicon("style_cues")
    mean_tokens = float(np.mean([len(tokenize(t)) for t in texts]))
    exclaim = sum(t.count("!") + t.count("！") for t in texts) / n
    emoji = sum(len(_EMOJI.findall(t)) for t in texts) / n
    list_share = sum(len(_LIST_MARK.findall(t)) >= 2 for t in texts) / n

    tone = {k: v / n for k, v in _cue_counts(texts, cues["tone"]).items()}
    tone["energetic"] += min(exclaim, 3.0) * 0.15
    tone["playful"] += min(emoji, 5.0) * 0.05
    tone["informative"] += list_share * 0.5 + (0.2 if mean_tokens > LONG_TEXT_TOKENS else 0.0)
    if visual is not None:
        for k, v in visual_tone(visual).items():
            tone[k] += VISUAL_TONE_WEIGHT * v
    best_tone = max(tone, key=lambda k: tone[k])
    tone_label = best_tone if tone[best_tone] > 0 else PresentationStyle().tone

    form = {k: v / n for k, v in _cue_counts(texts, cues["narrative_form"]).items()}
    form["listicle"] += list_share
    best_form = max(form, key=lambda k: form[k])
    form_label = best_form if form[best_form] > 0 else PresentationStyle().narrative_form
    if form_label == "listicle" and list_share < LIST_SHARE_LISTICLE and form[best_form] < 0.5:
        form_label = "showcase"  # a few "推荐" words alone do not make a list reader

    if tone_label in ("energetic", "playful") or exclaim >= EXCLAIM_FAST:
        pacing = "fast"
    elif tone_label in ("calm", "premium") or (mean_tokens > LONG_TEXT_TOKENS and exclaim < EXCLAIM_FAST / 2):
        pacing = "slow"
    else:
        pacing = "medium"

    if mean_tokens > LONG_TEXT_TOKENS or list_share >= LIST_SHARE_LISTICLE or tone_label == "informative":
        density = "high"
    elif mean_tokens < SHORT_TEXT_TOKENS:
        density = "low"
    else:
        density = "medium"
    return PresentationStyle(tone=tone_label, narrative_form=form_label, pacing=pacing, information_density=density)


def _frequent_cues(texts: Sequence[str], table: dict[str, dict[str, list[str]]], limit: int) -> list[str]:
    """Cue sets hit by at least TENDENCY_MIN_SHARE of the texts, most frequent first."""
    if not texts:
        return []
    need = max(1, math.ceil(TENDENCY_MIN_SHARE * len(texts)))
    counts = _cue_counts(texts, table)
    names = list(table)
    ranked = sorted((k for k, v in counts.items() if v >= need), key=lambda k: (-counts[k], names.index(k)))
    return ranked[:limit]


def decision_tendencies(texts: Sequence[str]) -> list[str]:
    return _frequent_cues(texts, load_lexicon("tendencies")["decision_tendencies"], MAX_TENDENCIES)


def implicit_needs(texts: Sequence[str]) -> list[str]:
    return _frequent_cues(texts, load_lexicon("tendencies")["implicit_needs"], MAX_IMPLICIT_NEEDS)


# --------------------------------------------------------------------------- visuals


def visual_preferences(items: Sequence[HistoryItem], weights: Sequence[float]) -> VisualPreferences:
    """Aggregate colour/light/texture preferences over the most recent history images."""
    paths, ids, ws = [], [], []
    for item, w in reversed(list(zip(items, weights, strict=True))):  # newest first
        for p in [*item.images, *([item.cover] if item.cover else [])]:
            if p and Path(p).is_file() and p not in paths:
                paths.append(p)
                ids.append(item.id)
                ws.append(float(w))
        if len(paths) >= MAX_VISUAL_IMAGES:
            break
    agg = aggregate_visual(paths[:MAX_VISUAL_IMAGES], item_ids=ids[:MAX_VISUAL_IMAGES], weights=ws[:MAX_VISUAL_IMAGES])
    return VisualPreferences.model_validate(agg) if agg else VisualPreferences()


# --------------------------------------------------------------------------- exclusions


def _exclusion_matchers(exclude_topics: Sequence[str]) -> tuple[list[str], list[Terms], np.ndarray | None, set[str]]:
    """Normalised excluded names, literal term matchers, their embeddings, and sensitive categories named."""
    names = [t.strip().lower() for t in exclude_topics if t and t.strip()]
    cats = set(load_lexicon("sensitive")["categories"])
    named_cats: set[str] = set()
    matchers: list[Terms] = []
    for name in names:
        key = name.replace(" ", "_")
        topic = find_topic(name)
        if key in cats:
            named_cats.add(key)
        if topic and topic.sensitive:
            named_cats.add(topic.sensitive)
        aliases = [name]
        if topic:
            entry = next(t for t in load_lexicon("topics")["topics"] if t["name"] == topic.name)
            aliases += entry.get("aliases", [])
        matchers.append(Terms.of(aliases))
    vecs = embed(names) if names else None
    return names, matchers, vecs, named_cats


# --------------------------------------------------------------------------- model_user


def _demographic_phrase(user: UserData) -> str:
    d = user.demographics
    known = [v if v and v.strip().lower() not in UNKNOWN_VALUES else None for v in (d.gender, d.age_range)]
    parts = [p for p in (known[0], f"aged {known[1]}" if known[1] else None) if p]
    return " ".join(parts) + " user" if parts else "user"


def _profile_summary(user: UserData, interests: list[Interest], tendencies: list[str], visual: VisualPreferences,
                     had_images: bool) -> str:
    """One or two English sentences a creative writer can use (never sensitive content)."""
    who = _demographic_phrase(user)
    if interests:
        strong = interests[0].topic
        rest = [i.topic for i in interests[1:3]]
        s = f"{who.capitalize()} mostly into {strong}" + (f"; also {', '.join(rest)}" if rest else "") + "."
    else:
        s = f"{who.capitalize()} with no usable topical history."
    if tendencies:
        s += " Tends to be " + ", ".join(t.replace("_", "-") for t in tendencies) + "."
    if had_images:
        s += f" Prefers {visual.warmth}, {visual.lighting.replace('_', '-')}, {visual.artistic_style} visuals."
    return s


def model_user(user: UserData, *, exclude_topics: Sequence[str] = (), max_items: int | None = None) -> UserProfile:
    """Build the user's structured profile from demographics and interaction history.

    ``exclude_topics`` (from a Reflector directive) removes topics — lexicon topic names,
    interest names from an earlier profile, or sensitive category names — exactly like
    sensitive ones: their items are dropped and the themes rebuilt from the rest.
    """
    settings = get_settings()
    items = recent_items(user.history, max_items or settings.max_history_items)
    recency = recency_weights(len(items))
    ex_names, ex_terms, ex_vecs, ex_cats = _exclusion_matchers(exclude_topics)
    withheld: set[str] = set()

    # 1. privacy screen and directive exclusions, item by item.
    texts_all = [item_text(it) for it in items]
    vectors_all = embed(texts_all) if items else np.zeros((0, 512), np.float32)
    kept: list[int] = []
    for i, text in enumerate(texts_all):
        cats = sensitive_categories(text)
        if cats:
            withheld.update(cats)
            continue
        excluded = any(m.hit(text) for m in ex_terms) or (
            ex_vecs is not None and text and float((ex_vecs @ vectors_all[i]).max()) >= EXCLUDE_ITEM_SIM
        )
        if excluded:
            continue
        kept.append(i)
    withheld |= ex_cats  # a directive that names a sensitive category withholds it

    # 2. themes over the kept items that have text.
    textual = [i for i in kept if texts_all[i]]
    texts = [texts_all[i] for i in textual]
    vectors = vectors_all[textual] if textual else np.zeros((0, 512), np.float32)

    def is_excluded(label: str) -> bool:
        return label.lower() in ex_names

    themes, dropped, theme_withheld = build_themes(vectors, texts, is_excluded)
    withheld |= theme_withheld
    dropped_ids = {textual[i] for i in dropped}
    clean = [i for i in kept if i not in dropped_ids]
    clean_texts = [texts_all[i] for i in clean if texts_all[i]]

    # 3. interests with weights (size × recency) and tiers.
    total = sum(float(recency[textual[m]]) for t in themes for m in t.members) or 1.0
    ranked = sorted(themes, key=lambda t: -sum(float(recency[textual[m]]) for m in t.members))
    interests: list[Interest] = []
    for rank, t in enumerate(ranked):
        weight = sum(float(recency[textual[m]]) for m in t.members) / total
        tier = "strong" if rank == 0 else "medium" if rank == 1 and weight >= MEDIUM_MIN_WEIGHT else "weak"
        member_texts = [texts[m] for m in t.members]
        mentions = Counter(b for tx in member_texts for b in dict.fromkeys(find_brands(tx)))
        brands = list(mentions)
        kws = [k for k in t.keywords if not sensitive_categories(k) and not any(m.hit(k) for m in ex_terms)]
        kws += [b for b in brands if b.lower() not in {k.lower() for k in kws}]
        shown = ", ".join(kws[:4])
        interests.append(Interest(
            topic=t.label,
            weight=round(weight, 4),
            tier=tier,
            keywords=kws,
            summary=f"{len(t.members)} of {len(clean_texts)} recent notes are about {t.label}" + (f" ({shown})." if shown else "."),
            evidence=[items[textual[m]].id for m in sorted(t.members)],
            brand_share={b: round(n / len(member_texts), 3) for b, n in mentions.items()},
        ))

    # 4. style, tendencies, needs, brands, visuals: from the clean items only.
    tendencies = decision_tendencies(clean_texts)
    visual_items = [items[i] for i in clean]
    visual = visual_preferences(visual_items, [float(recency[i]) for i in clean])
    had_images = bool(visual.elements)
    brands = Counter(b for t in clean_texts for b in find_brands(t))

    return UserProfile(
        user_id=user.user_id,
        age_range=user.demographics.age_range,
        gender=user.demographics.gender,
        locale=user.demographics.locale,
        summary=_profile_summary(user, interests, tendencies, visual, had_images),
        interests=interests,
        style=presentation_style(clean_texts, visual if had_images else None),
        implicit_needs=implicit_needs(clean_texts),
        decision_tendencies=tendencies,
        visual=visual,
        mentioned_brands=[b for b, _ in sorted(brands.items(), key=lambda kv: -kv[1])],
        withheld_sensitive=sorted(withheld),
        generic=not interests and not had_images,
        source="offline",
    )
