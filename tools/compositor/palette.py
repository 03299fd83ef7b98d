"""Creative palette: hex colours from grounding, treated by the template, with contrast helpers."""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

RGB = tuple[int, int, int]

# Used when neither grounding nor the brand gives colours: a neutral, brand-safe pair.
FALLBACK_PALETTE = ("#2b59c3", "#f2a541", "#1b1b1e")
MIN_COLOURS = 3


def hex_to_rgb(value: str) -> RGB | None:
    v = value.strip().lstrip("#")
    if len(v) == 3:
        v = "".join(c * 2 for c in v)
    if len(v) != 6:
        return None
    try:
        return int(v[0:2], 16), int(v[2:4], 16), int(v[4:6], 16)
    except ValueError:
        return None


def luminance(c: RGB) -> float:
    """Relative luminance (WCAG), 0 (black) .. 1 (white)."""
    def lin(x: float) -> float:
        x /= 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4
    r, g, b = c
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def text_on(c: RGB) -> RGB:
    """White or near-black, whichever contrasts more with background `c`."""
    return (24, 24, 28) if luminance(c) > 0.42 else (255, 255, 255)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _treat(c: RGB, saturation: float, lighten: float) -> RGB:
    h, s, v = colorsys.rgb_to_hsv(*(x / 255 for x in c))
    s = min(1.0, s * saturation)
    if saturation > 1:  # saturated looks need some brightness to pop
        v = max(v, 0.55)
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return mix((round(r * 255), round(g * 255), round(b * 255)), (255, 255, 255), lighten)


def _saturation(c: RGB) -> float:
    return colorsys.rgb_to_hsv(*(x / 255 for x in c))[1]


@dataclass(frozen=True)
class Palette:
    primary: RGB  # dominant background colour
    secondary: RGB  # gradient partner
    accent: RGB  # plates, buttons, stickers
    ink: RGB  # text drawn directly on the background

    @property
    def dark(self) -> RGB:
        return mix(self.primary, (0, 0, 0), 0.55)


# How far the background gradient travels towards the user's first supporting colour.
SUPPORT_TINT = 0.5


def grounded_palette(hexes: list[str], saturation: float = 1.0, lighten: float = 0.0) -> Palette:
    """Creative palette from the grounding's role-ordered palette
    ``[lead accent, background, text, *supporting]``: the user's background tinted towards
    their first own colour, the brand's lead colour kept exact as the accent (identity)."""
    lead, bg, text, *support = (hex_to_rgb(h) for h in hexes)
    assert lead is not None and bg is not None and text is not None
    tint = next((c for c in support if c is not None), lead)
    primary = _treat(bg, min(1.0, saturation), lighten * 0.5)
    secondary = _treat(mix(bg, tint, SUPPORT_TINT), max(1.0, saturation), lighten * 0.5)
    accent = lead
    if abs(luminance(accent) - luminance(primary)) < 0.08:  # too close to the background
        accent = mix(accent, (0, 0, 0) if luminance(primary) > 0.5 else (255, 255, 255), 0.45)
    return Palette(primary, secondary, accent, text_on(mix(primary, secondary, 0.5)))


def resolve_palette(hexes: list[str], saturation: float = 1.0, lighten: float = 0.0, *,
                    roles: bool = False) -> Palette:
    """Creative palette from hex colours (most preferred first), treated for the template;
    `roles`: the colours are a grounding palette in role order (see `grounded_palette`)."""
    if roles and len(hexes) >= MIN_COLOURS and all(hex_to_rgb(h) for h in hexes[:MIN_COLOURS]):
        return grounded_palette(hexes, saturation, lighten)
    colours = [c for c in (hex_to_rgb(h) for h in hexes) if c is not None]
    for fb in FALLBACK_PALETTE:
        if len(colours) >= MIN_COLOURS:
            break
        colours.append(hex_to_rgb(fb))  # type: ignore[arg-type]
    primary = _treat(colours[0], saturation, lighten)
    secondary = _treat(colours[1], saturation, lighten)
    # The accent is the most saturated remaining colour, kept unlightened so plates pop.
    accent_src = max(colours[1:], key=_saturation)
    accent = _treat(accent_src, max(saturation, 1.0), 0.0)
    if abs(luminance(accent) - luminance(primary)) < 0.08:  # too close to the background
        accent = mix(accent, (0, 0, 0) if luminance(primary) > 0.5 else (255, 255, 255), 0.45)
    ink = text_on(mix(primary, secondary, 0.5))
    return Palette(primary, secondary, accent, ink)
