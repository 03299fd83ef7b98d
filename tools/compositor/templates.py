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
    # Background: "diagonal" gradient + accent bands, "soft" vertical gradient, "sticker" blobs.
    background: str
    accents: str  # "diagonal_bands" | "hairline" | "stickers"
    # Product card: size as a fraction of the free box, corner radius as a fraction of its short side.
    card_fill: float
    card_radius: float
    card_shadow: float  # shadow blur as a fraction of the frame width
    # Camera: zoom/pan amplitude as a fraction of the frame, easing name.
    motion_amplitude: float
    easing: str
    # Captions: style at a 720-px-wide reference frame, entrance animation and timing.
    caption: TextStyle
    caption_plate: str  # "accent" | "light" | "dark": which colour backs the caption
    caption_anim: str  # "pop" | "fade" | "bounce"
    caption_anim_s: float
    caption_delay_s: float
    # Transitions INTO a scene.
    transition_s: float
    # End card.
    cta_pulse: float  # CTA button breathing amplitude (fraction of its size)


# Reference width the TextStyle sizes are given for; scaled to the actual frame.
REFERENCE_WIDTH = 720

TEMPLATES: dict[str, Template] = {
    "energetic": Template(
        name="energetic", saturation=1.35, lighten=0.0, background="diagonal", accents="diagonal_bands",
        card_fill=0.92, card_radius=0.04, card_shadow=0.025,
        motion_amplitude=0.18, easing="out_cubic",
        caption=TextStyle(size=60, weight="black", color=(255, 255, 255), stroke_width=5,
                          stroke_color=(10, 10, 10), plate_radius=10, padding=(22, 10), plate_alpha=235,
                          max_lines=3),
        caption_plate="accent", caption_anim="pop", caption_anim_s=0.28, caption_delay_s=0.08,
        transition_s=0.3, cta_pulse=0.06,
    ),
    "calm": Template(
        name="calm", saturation=0.45, lighten=0.55, background="soft", accents="hairline",
        card_fill=0.74, card_radius=0.03, card_shadow=0.035,
        motion_amplitude=0.06, easing="in_out_sine",
        caption=TextStyle(size=46, weight="light", color=(34, 34, 34), stroke_width=0,
                          plate_radius=6, padding=(28, 14), plate_alpha=215, shadow=6, shadow_alpha=60,
                          max_lines=3),
        caption_plate="light", caption_anim="fade", caption_anim_s=0.5, caption_delay_s=0.25,
        transition_s=0.4, cta_pulse=0.02,
    ),
    "playful": Template(
        name="playful", saturation=1.2, lighten=0.15, background="sticker", accents="stickers",
        card_fill=0.84, card_radius=0.16, card_shadow=0.02,
        motion_amplitude=0.11, easing="in_out_cubic",
        caption=TextStyle(size=56, weight="bold", color=(255, 255, 255), stroke_width=4,
                          stroke_color=(40, 20, 60), plate_radius=40, padding=(30, 12), plate_alpha=245,
                          max_lines=3),
        caption_plate="accent", caption_anim="bounce", caption_anim_s=0.45, caption_delay_s=0.12,
        transition_s=0.35, cta_pulse=0.08,
    ),
}
DEFAULT_TEMPLATE = "calm"


def get_template(name: str) -> Template:
    """The template called `name`, or the default for unknown names."""
    return TEMPLATES.get(name, TEMPLATES[DEFAULT_TEMPLATE])
