"""Visual templates as data: one `Template` per storyboard.template value.

A template fixes the look (palette treatment, background, accents, card shape), the
typography (caption style and entrance animation) and the motion (camera amplitude,
easing, transition length). The renderer reads only these fields, so a new look is a new
entry here, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.media.text_render import TextStyle


@dataclass(frozen=True)
class Template:
    name: str
    # Palette treatment: saturation multiplier and how far colours are pulled to white.
    saturation: float
    lighten: float
    # Background: "soft" gradient with paper grain, "blurred_photo" (the scene's own image,
    # blurred and darkened, full bleed) or "blobs" (bright palette shapes).
    background: str
    accents: str  # "hairline" | "diagonal_bars" | "confetti"
    grain: float  # paper/grain texture strength (grey levels, 0 = none)
    # Product hero: width as a fraction of the frame's width (portrait), corner radius as a
    # fraction of its short side, shadow blur as a fraction of the frame width, and the
    # strength of the soft light pooled behind it.
    card_fill: float
    card_radius: float
    card_shadow: float
    card_glow: float
    # Camera: zoom/pan amplitude as a fraction of the frame, easing name.
    motion_amplitude: float
    easing: str
    # Captions: style at a 720-px-wide reference frame, entrance animation and timing.
    caption: TextStyle
    caption_plate: str  # "accent" | "light" | "dark": which colour backs the caption
    caption_border: int  # sticker-like light rim around the plate, px at 720 wide (0 = none)
    caption_tilt: float  # degrees the caption plate is turned (sticker look)
    caption_anim: str  # "pop" | "fade" | "bounce"
    caption_anim_s: float
    caption_delay_s: float
    # Transitions INTO a scene.
    transition_s: float
    # End card.
    cta_pulse: float  # CTA button breathing amplitude (fraction of its size)


# Reference width the TextStyle sizes are given for; scaled to the actual frame.
REFERENCE_WIDTH = 720
# Captions never shrink below this size at 720 px: Noto Sans caps are 0.72 em, so 56 px
# keeps the cap height at ~40 px, readable on a phone at arm's length.
CAPTION_MIN_SIZE = 56
CAPTION_LINES = 2

TEMPLATES: dict[str, Template] = {
    "energetic": Template(
        name="energetic", saturation=1.35, lighten=0.0, background="blurred_photo", accents="diagonal_bars",
        grain=0.0, card_fill=0.84, card_radius=0.04, card_shadow=0.03, card_glow=0.35,
        motion_amplitude=0.16, easing="out_cubic",
        caption=TextStyle(size=66, weight="black", color=(255, 255, 255), stroke_width=0,
                          plate_radius=8, padding=(26, 12), plate_alpha=245,
                          max_lines=CAPTION_LINES, min_size=CAPTION_MIN_SIZE),
        caption_plate="accent", caption_border=0, caption_tilt=0.0,
        caption_anim="pop", caption_anim_s=0.28, caption_delay_s=0.08,
        transition_s=0.3, cta_pulse=0.06,
    ),
    "calm": Template(
        name="calm", saturation=0.45, lighten=0.55, background="soft", accents="hairline",
        grain=3.5, card_fill=0.76, card_radius=0.03, card_shadow=0.035, card_glow=0.55,
        motion_amplitude=0.06, easing="in_out_sine",
        caption=TextStyle(size=58, weight="medium", color=(34, 34, 34), stroke_width=0,
                          plate_radius=10, padding=(30, 14), plate_alpha=225, shadow=6, shadow_alpha=50,
                          max_lines=CAPTION_LINES, min_size=CAPTION_MIN_SIZE),
        caption_plate="light", caption_border=0, caption_tilt=0.0,
        caption_anim="fade", caption_anim_s=0.5, caption_delay_s=0.25,
        transition_s=0.4, cta_pulse=0.02,
    ),
    "playful": Template(
        name="playful", saturation=1.2, lighten=0.15, background="blobs", accents="confetti",
        grain=0.0, card_fill=0.80, card_radius=0.12, card_shadow=0.025, card_glow=0.3,
        motion_amplitude=0.10, easing="in_out_cubic",
        caption=TextStyle(size=62, weight="bold", color=(255, 255, 255), stroke_width=0,
                          plate_radius=44, padding=(34, 14), plate_alpha=255,
                          max_lines=CAPTION_LINES, min_size=CAPTION_MIN_SIZE),
        caption_plate="accent", caption_border=6, caption_tilt=-3.0,
        caption_anim="bounce", caption_anim_s=0.45, caption_delay_s=0.12,
        transition_s=0.35, cta_pulse=0.08,
    ),
}
DEFAULT_TEMPLATE = "calm"


def get_template(name: str) -> Template:
    """The template called `name`, or the default for unknown names."""
    return TEMPLATES.get(name, TEMPLATES[DEFAULT_TEMPLATE])
