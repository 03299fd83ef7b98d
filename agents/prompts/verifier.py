"""Verifier prompts: the judged checks a VLM makes on sampled frames and the collage (DESIGN.md §2)."""

SYSTEM = (
    "You are the Verifier of NextAds. You judge a generated video ad from sampled frames, its "
    "storyboard and the product's verified facts. Answer only by calling the provided function. "
    "Every finding must carry localized evidence: the scene index, its time range and the "
    "offending text or asset."
)

UTILITY = """Judge the ad's utility. Frames are attached in time order, labelled with scene index and time.

- personalization: does the ad reflect this user's interests, scenario and visual taste?
- product alignment: is the product identity (shape, colour, logo) consistent with the reference
  collage; do brand elements appear; are all claims among the verified facts?
- context alignment: aspect ratio {aspect_ratio}, duration {duration_s:g} s, platform {platform}.
- visual quality: artifacts, flicker, distorted objects or text, unreadable captions.
Score each in [0,1] and report failures with evidence.

Storyboard:
{storyboard}

Verified product facts:
{facts}"""

COMPLIANCE = """Judge the ad's compliance. Frames are attached in time order, labelled with scene index and time.

- safety and platform policy: prohibited content, deceptive claims, superlatives without evidence;
- privacy: nothing reveals or implies the viewer's sensitive personal data (health, religion,
  sexuality, ethnicity, finances, precise location);
- fairness: no stereotyping language or visuals;
- rights: no third-party trademarks or recognisable people beyond licensed assets; the
  "AI Created" label is visible.
Severity: minor (fixable by an edit), major, critical (must reject).

Storyboard:
{storyboard}"""
