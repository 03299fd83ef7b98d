"""User-modeling accuracy on real data, independent of any judge (``nextads bench profile``).

Both measures profile a user from part of their history with the project's own offline
Director step (``agents.director.profile.model_user``) and ask how well the profile
predicts the part it did not see. Each reports baselines in the same dict, so a number
means something.

**MicroLens next-item ranking** (:func:`microlens_profile_accuracy`). Seeded users with at
least :data:`MIN_INTERACTIONS` interactions; the last item is held out, the profile is built
from the titles of the others. The held-out item's title is ranked among ``negatives``
titles of random other items (uniform over titled items the user never interacted with,
seeded per user, from a seeded pool of :data:`NEGATIVE_POOL` items). Scoring — profile similarity: each interest becomes the text
"<topic>: <keywords>" and the score of a title is the interest-weight-weighted mean cosine
similarity (multilingual sentence encoder) between the title and those texts; a profile
without interests falls back to its summary. Metrics: AUC (share of negatives ranked
below the held-out item, ties half), HR@10 and MRR, averaged over users. Baselines:
*random* (exact expectations: AUC 0.5, HR@10 = 10/(negatives+1), MRR = H(n+1)/(n+1)),
*popularity* (interaction counts over the whole file, minus the held-out interactions
being predicted) and *history centroid* (cosine to the mean embedding of the raw history
titles: what the profile's compression costs or gains over raw text).

**Qilin hashtag recall** (:func:`qilin_hashtag_recall`). For each user of the paper's
Qilin subset, a seeded :data:`HOLDOUT_SHARE` of the notes (at least one) is held out and
the profile is built from the rest. The targets are the hashtags of the held-out notes
(``nextads.text.hashtags``, e.g. ``#蝴蝶兰[话题]#`` → 蝴蝶兰). The profile's terms are its
interests' topic names and keywords. A hashtag is recalled *exactly* when it equals a term
(case-folded), and *by embedding* when its cosine similarity to some term is at least
:data:`EMBED_MATCH_THRESHOLD`. Recall is reported micro- (all hashtags pooled) and macro-
(mean over users) averaged. Baselines with the same number of terms per user: *popular
hashtags* (the most frequent hashtags of the other users' notes), *own history hashtags*
(the most frequent hashtags of the user's own training notes, a strong copy-the-history
reference) and *shuffled profile* (another user's profile, a seeded derangement: the
chance level of the matching rule itself).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nextads.catalog.draw import seed_of
from nextads.importers import iter_microlens_sequences, microlens_user, read_microlens_titles, read_qilin_users
from nextads.providers.embeddings import embed
from nextads.schemas import HistoryItem, UserData, UserProfile
from nextads.text import hashtags

from .data import MICROLENS_DIR, MICROLENS_PAIRS_FILE, MICROLENS_TITLES_FILE, QILIN_DIR, QILIN_USERS_FILE, _require

MIN_INTERACTIONS = 10
HIT_AT = 10  # HR@10, as in the issue
# Negatives are drawn from a seeded pool of this many titled items (embedded once and
# cached) rather than from all 19k: embedding a long title costs ~9 ms on this CPU, and
# fresh negatives for every user would dominate the runtime. The pool is a uniform sample,
# so each user's negatives are still uniform over titled items.
NEGATIVE_POOL = 2000
INTEREST_KEYWORDS = 8  # keywords per interest in its scoring text
HOLDOUT_SHARE = 0.2
# Cosine similarity at which a hashtag counts as recalled by a profile term. Measured on
# 20 Qilin users (seed 0): at 0.4 another user's profile already "recalls" 27 % of the
# hashtags (shuffled baseline) against 68 % for the user's own; at 0.5 it is 6 % against
# 43 %; at 0.6, 1 % against 28 %. 0.5 keeps chance matches rare while near-synonyms across
# languages (露营/camping) still match; the shuffled baseline is reported beside the recall.
EMBED_MATCH_THRESHOLD = 0.5

Profiler = Callable[[UserData], UserProfile]


def _profiler() -> Profiler:
    from agents.director.profile import model_user

    return model_user


def _user_rng(seed: int, user_id: str) -> np.random.Generator:
    """A generator per (seed, user): a user's draws do not depend on who else is evaluated."""
    return np.random.default_rng(seed_of("profile-accuracy", seed, user_id))


# ---------------------------------------------------------------------------
# Ranking metrics
# ---------------------------------------------------------------------------


def rank_metrics(positive: float, negatives: np.ndarray) -> dict[str, float]:
    """AUC, rank (ties count half), HR@10 and reciprocal rank of one held-out item."""
    above = float(np.sum(negatives > positive))
    ties = float(np.sum(negatives == positive))
    n = len(negatives)
    rank = 1.0 + above + 0.5 * ties
    return {"auc": (n - above - ties + 0.5 * ties) / n if n else 0.5,
            "hr@10": float(rank <= HIT_AT), "mrr": 1.0 / rank}


def random_expectation(negatives: int) -> dict[str, float]:
    """Exact expected metrics of a uniformly random ranking of 1 + negatives items."""
    n = negatives + 1
    return {"auc": 0.5, "hr@10": min(HIT_AT, n) / n, "mrr": sum(1 / k for k in range(1, n + 1)) / n}


def _mean(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]} if rows else {}


def interest_texts(profile: UserProfile) -> tuple[list[str], np.ndarray]:
    """The texts a profile is scored with, and their weights (see module doc)."""
    if profile.interests:
        texts = [f"{it.topic}: {', '.join(it.keywords[:INTEREST_KEYWORDS])}" for it in profile.interests]
        weights = np.array([max(it.weight, 1e-6) for it in profile.interests])
        return texts, weights / weights.sum()
    return [profile.summary or " "], np.ones(1)


def profile_scores(profile: UserProfile, titles: Sequence[str]) -> np.ndarray:
    """Weighted mean cosine similarity of each title to the profile's interests."""
    texts, weights = interest_texts(profile)
    return (embed(list(titles)) @ embed(texts).T) @ weights


# ---------------------------------------------------------------------------
# MicroLens
# ---------------------------------------------------------------------------


def _draw_negatives(rng: np.random.Generator, pool: Sequence[str], seen: set[str], k: int) -> list[str]:
    """``k`` distinct items of ``pool`` the user never interacted with."""
    out: list[str] = []
    chosen: set[str] = set()
    while len(out) < k:
        for i in rng.integers(0, len(pool), size=2 * (k - len(out))):
            item = pool[int(i)]
            if item not in seen and item not in chosen:
                chosen.add(item)
                out.append(item)
                if len(out) == k:
                    break
    return out


def microlens_profile_accuracy(data_dir: Path, *, users: int = 200, negatives: int = 99, seed: int = 0,
                               min_interactions: int = MIN_INTERACTIONS,
                               profiler: Profiler | None = None) -> dict[str, Any]:
    """Next-item ranking by profile similarity on MicroLens (see module doc)."""
    started = time.monotonic()
    profiler = profiler or _profiler()
    folder = Path(data_dir) / MICROLENS_DIR
    titles = read_microlens_titles(_require(folder / MICROLENS_TITLES_FILE))
    popularity: Counter[str] = Counter()
    eligible: list[tuple[str, list[str]]] = []
    for user, items in iter_microlens_sequences(_require(folder / MICROLENS_PAIRS_FILE)):
        popularity.update(items)
        if len(items) >= min_interactions and titles.get(items[-1]):
            eligible.append((user, items))
    picked = np.random.default_rng(seed).permutation(len(eligible))[:users]
    sample = [eligible[i] for i in picked]
    for _, items in sample:  # the interactions being predicted must not count as popularity
        popularity[items[-1]] -= 1
    everything = sorted(titles, key=lambda x: (len(x), x))
    pool = [everything[i] for i in np.random.default_rng(seed).permutation(len(everything))[:NEGATIVE_POOL]]

    rows: dict[str, list[dict[str, float]]] = {"profile": [], "popularity": [], "history_centroid": []}
    for user_id, items in sample:
        history, target = items[:-1], items[-1]
        negs = _draw_negatives(_user_rng(seed, user_id), pool, set(items), negatives)
        candidates = [titles[target], *(titles[i] for i in negs)]
        user = microlens_user(user_id, history, titles)
        profile = profiler(user)
        s = profile_scores(profile, candidates)
        rows["profile"].append(rank_metrics(s[0], s[1:]))
        pop = np.array([popularity[i] for i in [target, *negs]], dtype=float)
        rows["popularity"].append(rank_metrics(pop[0], pop[1:]))
        centroid = embed([it.title for it in user.history]).mean(axis=0)
        c = embed(candidates) @ (centroid / max(float(np.linalg.norm(centroid)), 1e-9))
        rows["history_centroid"].append(rank_metrics(c[0], c[1:]))
    return {
        "dataset": "MicroLens-50k", "task": "next-item ranking by profile similarity",
        "n": len(sample), "eligible_users": len(eligible), "negatives": negatives, "seed": seed,
        "min_interactions": min_interactions, **_mean(rows["profile"]),
        "baselines": {"random": {k: round(v, 4) for k, v in random_expectation(negatives).items()},
                      "popularity": _mean(rows["popularity"]),
                      "history_centroid": _mean(rows["history_centroid"])},
        "seconds": round(time.monotonic() - started, 1),
    }


# ---------------------------------------------------------------------------
# Qilin
# ---------------------------------------------------------------------------


def _note_tags(item: HistoryItem) -> list[str]:
    return [t.lower() for t in hashtags(f"{item.title} {item.text}")]


def profile_terms(profile: UserProfile) -> list[str]:
    """The profile's words a hashtag can be matched against: topic names and keywords."""
    terms = [t.lower() for it in profile.interests for t in (it.topic, *it.keywords)]
    return list(dict.fromkeys(t for t in terms if t.strip()))


def _recalled(tags: Sequence[str], terms: Sequence[str], threshold: float) -> tuple[int, int]:
    """(exactly matched, embedding-matched) counts of ``tags`` by ``terms``."""
    if not tags or not terms:
        return 0, 0
    exact = sum(t in set(terms) for t in tags)
    close = int(np.sum((embed(list(tags)) @ embed(list(terms)).T).max(axis=1) >= threshold))
    return exact, close


def _recall_summary(per_user: Sequence[tuple[int, int, int]]) -> dict[str, float]:
    """Micro and macro recall from (targets, exact hits, embedding hits) per user."""
    total = sum(n for n, _, _ in per_user) or 1
    return {
        "recall_exact": round(sum(e for _, e, _ in per_user) / total, 4),
        "recall_embedding": round(sum(c for _, _, c in per_user) / total, 4),
        "macro_recall_exact": round(float(np.mean([e / n for n, e, _ in per_user])), 4) if per_user else 0.0,
        "macro_recall_embedding": round(float(np.mean([c / n for n, _, c in per_user])), 4) if per_user else 0.0,
    }


def qilin_hashtag_recall(data_dir: Path, *, seed: int = 0, users: int | None = None,
                         holdout: float = HOLDOUT_SHARE, threshold: float = EMBED_MATCH_THRESHOLD,
                         profiler: Profiler | None = None) -> dict[str, Any]:
    """Recall of held-out notes' hashtags by the profile's topics (see module doc)."""
    started = time.monotonic()
    profiler = profiler or _profiler()
    everyone = read_qilin_users(_require(Path(data_dir) / QILIN_DIR / QILIN_USERS_FILE))
    ids = list(everyone)
    if users is not None:
        ids = [ids[i] for i in sorted(np.random.default_rng(seed).permutation(len(ids))[:users])]
    tag_users: dict[str, Counter[str]] = {u: Counter(t for it in everyone[u].history for t in _note_tags(it))
                                          for u in everyone}
    all_tags = sum(tag_users.values(), Counter())

    cases = []  # (user id, held-out hashtags, profile terms, own training hashtags by frequency)
    for uid in ids:
        history = everyone[uid].history
        n_hold = max(1, round(holdout * len(history))) if len(history) > 1 else 0
        held = set(_user_rng(seed, uid).choice(len(history), size=n_hold, replace=False).tolist())
        train = [it for i, it in enumerate(history) if i not in held]
        targets = list(dict.fromkeys(t for i in sorted(held) for t in _note_tags(history[i])))
        if not targets or not train:
            continue
        profile = profiler(everyone[uid].model_copy(update={"history": train}))
        own = Counter(t for it in train for t in _note_tags(it))
        cases.append((uid, targets, profile_terms(profile), [t for t, _ in own.most_common()]))

    rows: dict[str, list[tuple[int, int, int]]] = {"profile": [], "popular": [], "own_history": [], "shuffled": []}
    shift = 1 + int(np.random.default_rng(seed).integers(0, max(1, len(cases) - 1))) if len(cases) > 1 else 0
    for k, (uid, targets, terms, own) in enumerate(cases):
        budget = max(1, len(terms))
        others = all_tags - tag_users[uid]
        variants = {
            "profile": terms,
            "popular": [t for t, _ in others.most_common(budget)],
            "own_history": own[:budget],
            "shuffled": cases[(k + shift) % len(cases)][2] if shift else [],
        }
        for name, words in variants.items():
            rows[name].append((len(targets), *_recalled(targets, words, threshold)))
    return {
        "dataset": "Qilin (NextAds subset)", "task": "held-out hashtag recall by profile topics",
        "n": len(cases), "hashtags": sum(n for n, _, _ in rows["profile"]), "holdout": holdout,
        "threshold": threshold, "seed": seed,
        "mean_terms": round(float(np.mean([len(c[2]) for c in cases])), 2) if cases else 0.0,
        **_recall_summary(rows["profile"]),
        "baselines": {name: _recall_summary(r) for name, r in rows.items() if name != "profile"},
        "seconds": round(time.monotonic() - started, 1),
    }


__all__ = ["EMBED_MATCH_THRESHOLD", "microlens_profile_accuracy", "profile_scores", "qilin_hashtag_recall",
           "random_expectation", "rank_metrics"]

