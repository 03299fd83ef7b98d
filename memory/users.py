"""Per-user long-term memory in the LangGraph Store.

Namespaces (one per user, so deleting a user is deleting a prefix):
- ("users", user_id)                 key "profile"      → the latest UserProfile
- ("users", user_id, "deliveries")   key <creative id>  → what one served creative said
- ("users", user_id, "feedback")     key <impression>   → a Feedback event
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from langgraph.store.base import BaseStore

from nextads.schemas import CreativePlan, Feedback, UserProfile


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
