"""Typography rendered once to RGBA numpy arrays (never per frame).

A `TextStyle` says how a block of text looks (weight, colour, outline, backing plate,
shadow); `render_text` word-wraps the text to a width (character-wraps CJK), shrinks the
size until it fits a line budget, and returns an (h, w, 4) uint8 RGBA image that the
compositor alpha-blends over frames. `render_pill` draws small labels such as the
"AI Created" mark and call-to-action buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from nextads.fonts import NORMAL_WIDTH, font, has_cjk, is_cjk_lang, lang_for

RGB = tuple[int, int, int]

# Smallest size auto-fit may shrink a caption to, as a fraction of the requested size.
MIN_SHRINK = 0.55
SHRINK_STEP = 0.9
# Space added between lines, fraction of the font size: negative tightens the font's own
# ascent+descent (1.36 em in Noto Sans) to the ~1.25 em leading of display captions.
LINE_SPACING = -0.1
# Before breaking the line budget, Latin text tries these condensed cuts of the font.
CONDENSED_WIDTHS = (80, 62.5)


@dataclass(frozen=True)
class TextStyle:
    """How a block of text looks. Sizes are in pixels."""

    size: int
    weight: str = "bold"
    color: RGB = (255, 255, 255)
    stroke_width: int = 0  # outline around each glyph
    stroke_color: RGB = (0, 0, 0)
    plate_color: RGB | None = None  # backing plate behind the whole block
    plate_alpha: int = 200
    plate_radius: int = 0
    padding: tuple[int, int] = (0, 0)  # (x, y) padding inside the plate
    shadow: int = 0  # blur radius of a soft drop shadow (0 = none)
    shadow_alpha: int = 150
    align: str = "center"
    max_lines: int = 3
    min_size: int = 0  # auto-fit never shrinks below this (0: size * MIN_SHRINK)


def _split_units(text: str) -> list[str]:
    """Wrap units: words for spaced scripts, single characters for CJK runs."""
    units: list[str] = []
    for word in text.split(" "):
        if has_cjk(word):
            units.extend(list(word))
        elif word:
            units.append(word)
    return units


def wrap_text(text: str, fnt, max_width: int) -> list[str]:
    """Greedy line wrap of `text` so each line fits `max_width` pixels in `fnt`."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        cjk = has_cjk(paragraph)
        line = ""
        for unit in _split_units(paragraph):
            sep = "" if (cjk and has_cjk(unit)) or not line else " "
            candidate = f"{line}{sep}{unit}"
            if line and fnt.getlength(candidate) > max_width:
                lines.append(line)
                line = unit
            else:
                line = candidate
        if line:
            lines.append(line)
    return lines


def fit_text(text: str, style: TextStyle, max_width: int, lang: str = "en") -> tuple[list[str], object]:
    """Wrap `text` into at most `style.max_lines` lines of `max_width`: shrink the font down
    to its floor, then (Latin text) try a condensed cut. Words are never dropped: text that
    fits no budget comes back on more lines at the floor size, condensed."""
    lang = lang_for(text, lang)
    floor = max(4, style.min_size or int(style.size * MIN_SHRINK))
    inner = max(8, max_width - 2 * style.padding[0] - 2 * style.stroke_width)
    widths = (NORMAL_WIDTH,) if is_cjk_lang(lang) else (NORMAL_WIDTH, *CONDENSED_WIDTHS)
    fnt, lines = None, []
    for width in widths:
        size = max(style.size, floor)
        while True:
            fnt = font(size, lang=lang, weight=style.weight, width=width)
            lines = wrap_text(text, fnt, inner)
            widest = max((fnt.getlength(line) for line in lines), default=0)
            if len(lines) <= style.max_lines and widest <= inner:
                return lines, fnt
            if size <= floor:
                break
            size = max(int(size * SHRINK_STEP), floor)
    return lines, fnt


def render_text(text: str, style: TextStyle, max_width: int, lang: str = "en") -> np.ndarray:
    """Render `text` as a tight RGBA block no wider than `max_width` (plate included)."""
    if not text.strip():
        return np.zeros((1, 1, 4), np.uint8)
    lines, fnt = fit_text(text, style, max_width, lang)
    sw = style.stroke_width
    ascent, descent = fnt.getmetrics()
    line_h = ascent + descent
    gap = int(fnt.size * LINE_SPACING)
    widths = [int(np.ceil(fnt.getlength(line))) + 2 * sw for line in lines]
    block_w = max(widths)
    block_h = len(lines) * line_h + (len(lines) - 1) * gap + 2 * sw
    px, py = style.padding
    margin = style.shadow * 2  # room for the blurred shadow
    w = block_w + 2 * px + 2 * margin
    h = block_h + 2 * py + 2 * margin
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    if style.plate_color is not None:
        plate = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        ImageDraw.Draw(plate).rounded_rectangle(
            (margin, margin, w - margin - 1, h - margin - 1), radius=style.plate_radius,
            fill=(*style.plate_color, style.plate_alpha))
        if style.shadow:
            img = _with_shadow(plate, style.shadow, style.shadow_alpha)
        else:
            img = plate
    glyphs = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(glyphs)
    y = margin + py + sw
    for line, lw in zip(lines, widths):
        if style.align == "left":
            x = margin + px + sw
        else:
            x = margin + px + (block_w - lw) // 2 + sw
        draw.text((x, y), line, font=fnt, fill=(*style.color, 255),
                  stroke_width=sw, stroke_fill=(*style.stroke_color, 255))
        y += line_h + gap
    if style.shadow and style.plate_color is None:
        glyphs = _with_shadow(glyphs, style.shadow, style.shadow_alpha)
    img = Image.alpha_composite(img, glyphs)
    return np.asarray(img, dtype=np.uint8).copy()


def _with_shadow(layer: Image.Image, radius: int, alpha: int) -> Image.Image:
    """`layer` over a soft, slightly offset dark shadow of itself."""
    a = layer.getchannel("A").filter(ImageFilter.GaussianBlur(radius))
    a = a.point(lambda v: v * alpha // 255)
    shadow = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    shadow.putalpha(a)
    off = max(1, radius // 2)
    canvas = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    canvas.alpha_composite(shadow, (0, off))
    return Image.alpha_composite(canvas, layer)


def render_pill(text: str, size: int, *, color: RGB = (255, 255, 255), fill: RGB = (0, 0, 0),
                fill_alpha: int = 170, weight: str = "bold", lang: str = "en",
                max_width: int = 10_000, pad: float = 0.6) -> np.ndarray:
    """A single-line label on a fully rounded plate (labels, badges, CTA buttons)."""
    style = TextStyle(size=size, weight=weight, color=color, plate_color=fill,
                      plate_alpha=fill_alpha, plate_radius=size * 2,
                      padding=(int(size * pad * 1.4), int(size * pad * 0.55)), max_lines=1)
    return render_text(text, style, max_width, lang)


def scaled(style: TextStyle, factor: float) -> TextStyle:
    """The same style at another scale (used to size type relative to the frame)."""
    return replace(style, size=max(4, round(style.size * factor)),
                   stroke_width=round(style.stroke_width * factor),
                   plate_radius=round(style.plate_radius * factor),
                   padding=(round(style.padding[0] * factor), round(style.padding[1] * factor)),
                   shadow=round(style.shadow * factor), min_size=round(style.min_size * factor))
