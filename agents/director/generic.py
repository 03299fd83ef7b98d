"""The GenericAds baseline's "profile": no user data at all.

Used by the `generic` preset and as the Reflector's last resort when no personalised
creative passes verification within the round budget (DESIGN.md §2).
"""

from __future__ import annotations

from nextads.schemas import PresentationStyle, UserProfile


def generic_profile(user_id: str) -> UserProfile:
    """A neutral profile: no interests, default style, nothing derived from the user."""
    return UserProfile(
        user_id=user_id,
        summary="generic audience (no user data used)",
        style=PresentationStyle(tone="warm", narrative_form="showcase", pacing="medium", information_density="medium"),
        generic=True,
        source="generic",
    )
