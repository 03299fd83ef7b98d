"""Verifier prompts: the judged checks a VLM makes on sampled frames and the collage (DESIGN.md §2).

The judged checks are *added* to the measured ones (VBench-style quality, visibility, claims,
rule packs, licences, the "AI Created" label), which always run offline; the prompt tells the
model so, and asks only for what measurement cannot see.
"""

SYSTEM = (
    "You are the Verifier of NextAds. You judge a generated video ad from sampled frames, its "
    "storyboard and the product's verified facts. Answer only by calling the provided function. "
    "Every failed finding must carry localized evidence: the scene index (as labelled on the "
    "frames) and the offending text or asset id. Be strict but fair: report only what you can "
    "see in the frames or read in the storyboard, never guess."
)

UTILITY = """Utility (score each in [0,1]; a failed check needs evidence):
- personalization: does the ad reflect this viewer's interest, scenario and visual taste
  (chosen interest, bridge and palette below)?{generic_note}
- product_identity: is the product shown consistent with the reference collage (shape, colour,
  packaging, logo) wherever the storyboard shows it; no drifted or invented product?
- brand_elements: do the brand's logo, name or colours {brand_colors} appear, at least on the end card?
- context_fit: does the ad suit a {duration_s:g}-second {aspect_ratio} ad for {platform}
  (framing, readable captions in the safe area, pacing, no cut-off subjects)?
- visual_quality: artifacts, flicker, distorted objects, hands, faces or text, unreadable captions."""

GENERIC_NOTE = (" This plan is deliberately generic (no usable user data): do not judge "
                "personalization; leave its score empty.")

COMPLIANCE = """Compliance (severity: minor = fixable by an edit, major, critical = must reject):
- safety: prohibited or dangerous content, deceptive claims, superlatives or numbers that the
  verified facts below do not support, platform policies {policies};
- privacy: nothing reveals or implies the viewer's sensitive personal data (health, religion,
  sexuality, ethnicity, finances, precise location);
- fairness: no stereotyping language or visuals;
- rights: no recognisable people or third-party artwork beyond the licensed assets;
- trademark: no third-party or competitor logos, names or products ({competitors})."""

JUDGE = """Judge this ad. Frames are attached in time order; each is preceded by its label
(frame number, scene index and time). The reference collage (the licensed product and brand
assets the ad must show faithfully) is attached last.

The system already measured video quality, product visibility, claims against facts, rule packs,
asset licences and the "AI Created" label; add only what you see or read.

{utility}

{compliance}

Report one finding per check name you judged (passed or not); a failed one names the scenes
where the problem is. Scores: personalization, product_alignment (identity and brand elements
together) and context_alignment, each in [0,1].

Viewer (what the ad should reflect):
{viewer}

Storyboard (scene index, time range, purpose, visual, narration, on-screen text, claims):
{storyboard}

Product and its verified facts (the only claims allowed):
{product}"""

FRAME_LABEL = "Frame {number}: scene {scene} ({purpose}), t={t:.1f}s"
COLLAGE_LABEL = "Reference collage (licensed product and brand assets):"
