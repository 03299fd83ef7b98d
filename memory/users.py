"""Per-user long-term memory in the LangGraph Store.

Namespaces (one per user, so deleting a user is deleting a prefix):
- ("users", user_id)                 key "profile"      → the latest UserProfile
- ("users", user_id)                 key "learned_style" → presentation choices learned from
  campaign feedback ({"narrative_form", "tone"}); the Director's model_user applies them to
  every later profile of this user (a re-modelled profile would otherwise forget them)
- ("users", user_id, "deliveries")   key <creative id>  → what one served creative said
- ("users", user_id, "feedback")     key <impression>   → a Feedback event
- ("users", user_id, "impressions")  key <campaign>:<k> → one campaign impression: what it showed
  (hook type, narrative form, visual style, facet, claims stated and seen, stage), how it was
  made (intervention) and what the viewer did (feedback, engagement)

The Store is the persistent one (memory/persistence.py), so all of it survives restarts.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from langgraph.store.base import BaseStore

from nextads.schemas import CreativePlan, Feedback, PresentationStyle, UserProfile

# update_profile_from_feedback: a presentation choice replaces the profile's own only after this
# many impressions with it, and only when its mean engagement beats the profile's choice.
MIN_IMPRESSIONS_TO_LEARN = 2
# Storyboard templates as the profile's presentation tone (the inverse of TONE_TEMPLATE).
TEMPLATE_TONE = {"energetic": "energetic", "playful": "playful", "calm": "calm"}


def _ns(user_id: str, *rest: str) -> tuple[str, ...]:
    return ("users", user_id, *rest)


def save_profile(store: BaseStore, profile: UserProfile) -> None:
    store.put(_ns(profile.user_id), "profile", profile.model_dump(mode="json"))


def load_profile(store: BaseStore, user_id: str) -> UserProfile | None:
    item = store.get(_ns(user_id), "profile")
    return UserProfile.model_validate(item.value) if item else None


def record_delivery(store: BaseStore, plan: CreativePlan, creative_id: str) -> dict[str, Any]:
    """Remember what a finalized creative told this user (claims, facet, hook, form, style)."""
    sb = plan.storyboard
    record = {
        "creative_id": creative_id,
        "product_id": plan.product_id,
        "plan_digest": plan.digest(),
        "claims": sorted({c for s in sb.scenes for c in s.claims}),
        "facet": plan.match.chosen_facet,
        "interest": plan.match.chosen_interest,
        "hook_type": sb.hook_type,
        "narrative_form": sb.narrative_form,
        "template": sb.template,
        "generic": plan.generic,
        "delivered_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    store.put(_ns(plan.user_id, "deliveries"), creative_id, record)
    return record


def deliveries(store: BaseStore, user_id: str, product_id: str | None = None) -> list[dict[str, Any]]:
    """Every delivery to this user (optionally of one product), oldest first."""
    items = store.search(_ns(user_id, "deliveries"), limit=10_000)
    records = [i.value for i in items if product_id is None or i.value.get("product_id") == product_id]
    return sorted(records, key=lambda r: r.get("delivered_at", ""))


def delivered_claims(store: BaseStore, user_id: str, product_id: str | None = None) -> set[str]:
    return {c for r in deliveries(store, user_id, product_id) for c in r.get("claims", [])}


def record_feedback(store: BaseStore, feedback: Feedback) -> None:
    if not feedback.user_id:
        raise ValueError("feedback needs a user_id to be remembered")
    store.put(_ns(feedback.user_id, "feedback"), feedback.impression_id, feedback.model_dump(mode="json"))


def feedback_events(store: BaseStore, user_id: str) -> list[Feedback]:
    items = store.search(_ns(user_id, "feedback"), limit=10_000)
    return [Feedback.model_validate(i.value) for i in items]


def impression_key(campaign_id: str, impression: int) -> str:
    """Store key of one impression: sorts in impression order within a campaign."""
    return f"{campaign_id}:{impression:04d}"


def record_impression(store: BaseStore, user_id: str, campaign_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """Remember one campaign impression (``record["impression"]`` numbers it); recording the
    same impression again replaces it (a resumed campaign stays consistent)."""
    record = {**record, "campaign_id": campaign_id,
              "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    store.put(_ns(user_id, "impressions"), impression_key(campaign_id, int(record["impression"])), record)
    return record


def impressions(store: BaseStore, user_id: str, *, product_id: str | None = None,
                campaign_id: str | None = None) -> list[dict[str, Any]]:
    """This user's campaign impressions (optionally of one product or campaign), in order."""
    items = store.search(_ns(user_id, "impressions"), limit=10_000)
    out = [i.value for i in items
           if (product_id is None or i.value.get("product_id") == product_id)
           and (campaign_id is None or i.value.get("campaign_id") == campaign_id)]
    return sorted(out, key=lambda r: (r.get("recorded_at", ""), r.get("campaign_id", ""), r.get("impression", 0)))


def _best_by(records: list[dict[str, Any]], field: str) -> tuple[str, float] | None:
    """The value of ``field`` with the highest mean engagement over at least
    MIN_IMPRESSIONS_TO_LEARN impressions, with that mean."""
    scores: dict[str, list[float]] = {}
    for r in records:
        if r.get(field) and r.get("engagement") is not None:
            scores.setdefault(r[field], []).append(float(r["engagement"]))
    means = {v: sum(e) / len(e) for v, e in scores.items() if len(e) >= MIN_IMPRESSIONS_TO_LEARN}
    if not means:
        return None
    best = max(sorted(means), key=means.get)
    return best, means[best]


def update_profile_from_feedback(profile: UserProfile, records: list[dict[str, Any]]) -> UserProfile:
    """The profile with its presentation style moved toward what this viewer engaged with
    (``learned_from_feedback``). The interests, facts and everything the history says stay."""
    return with_learned_style(profile, learned_from_feedback(profile, records))


def with_learned_style(profile: UserProfile, learned: dict[str, str]) -> UserProfile:
    """The profile with learned presentation choices ({"narrative_form", "tone"}) in its style."""
    if not learned:
        return profile
    return profile.model_copy(update={"style": PresentationStyle.model_validate({**profile.style.model_dump(),
                                                                                 **learned})})


def save_learned_style(store: BaseStore, user_id: str, learned: dict[str, str]) -> None:
    store.put(_ns(user_id), "learned_style", dict(learned))


def learned_style(store: BaseStore, user_id: str) -> dict[str, str]:
    item = store.get(_ns(user_id), "learned_style")
    return dict(item.value) if item else {}


def learned_from_feedback(profile: UserProfile, records: list[dict[str, Any]]) -> dict[str, str]:
    """Presentation choices the viewer's engagement prefers over the profile's own: the narrative
    form and the tone (via the template) with the best mean engagement, when they beat the
    profile's choice (evidence: MIN_IMPRESSIONS_TO_LEARN impressions each)."""
    style = profile.style
    update: dict[str, Any] = {}
    engaged = {f: _best_by(records, f) for f in ("narrative_form", "template")}
    own = {"narrative_form": style.narrative_form, "template": next(
        (t for t, tone in TEMPLATE_TONE.items() if tone == style.tone), None)}
    for field, best in engaged.items():
        if best is None or best[0] == own[field]:
            continue
        mine = [float(r["engagement"]) for r in records if r.get(field) == own[field] and r.get("engagement") is not None]
        if mine and sum(mine) / len(mine) >= best[1]:
            continue
        if field == "narrative_form":
            update["narrative_form"] = best[0]
        else:
            update["tone"] = TEMPLATE_TONE[best[0]]
    return update
