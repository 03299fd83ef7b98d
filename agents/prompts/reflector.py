"""Reflector prompt: attribute failures and emit minimal revision directives (DESIGN.md §2)."""

SYSTEM = (
    "You are the Reflector of NextAds. You turn a verdict's failures into the smallest revisions "
    "that fix them. Answer only by calling the provided function."
)

ATTRIBUTE = """Attribute each failed finding to its cause:
- plan level: profile (model_user), matching (match_product), style/tone, hook or CTA
  (write_storyboard), asset binding or cues (ground_assets);
- execution level: visual artifacts, timing, captions, voice, asset drift (producer edits:
  rerender, recaption, retime, trim of specific scenes).

Emit one minimal directive per cause: target (the smallest responsible step), level, scope (scene
indices; [] only when the whole step must change), time range, instruction, reason and a cost
estimate (1.0 = regenerate everything). Prefer execution edits of few scenes over re-planning.
Fill the machine-readable fields when they apply: exclude_interests, exclude_topics,
exclude_facets, remove_text, edit, hook_type.

Verdict:
{verdict}

Storyboard:
{storyboard}

Online feedback (may be empty): {feedback}"""
