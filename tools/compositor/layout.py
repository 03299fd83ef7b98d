"""Platform safe zones and the frame regions derived from them.

Feed apps draw their chrome (status bar, search, like/share buttons, description) over the
top ~12 % and bottom ~20 % of a 9:16 frame; captions, the label and the logo stay out of
those bands. Landscape players only overlay a thin control bar, so 16:9 margins are smaller.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Margins:
    top: float
    bottom: float
    side: float
    caption_share: float = 0.24  # the caption zone is this bottom share of the safe area (2 lines)


PORTRAIT = Margins(top=0.12, bottom=0.20, side=0.06)
SQUARE = Margins(top=0.08, bottom=0.14, side=0.06, caption_share=0.28)
LANDSCAPE = Margins(top=0.07, bottom=0.11, side=0.05)
GAP = 0.02  # spacing between stacked elements, fraction of the frame height
# The product may reach past the text margins: only this share of the width stays clear.
PRODUCT_EDGE = 0.04
# Landscape: product on the left (this share of the width), caption column on the right.
SIDE_PRODUCT_SHARE = 0.55
SIDE_GUTTER = 0.03


Box = tuple[int, int, int, int]  # x0, y0, x1, y1


def margins_for(size: tuple[int, int]) -> Margins:
    w, h = size
    if h > w * 1.2:
        return PORTRAIT
    if w > h * 1.2:
        return LANDSCAPE
    return SQUARE


@dataclass(frozen=True)
class Layout:
    """Pixel regions of a frame."""

    size: tuple[int, int]
    safe: Box  # where nothing important is covered by platform UI
    badge_row: Box  # label (left) and logo (right)
    card: Box  # where product images go
    caption: Box  # where captions go (centred in this box)
    side_by_side: bool = False  # landscape: product left, caption right

    @property
    def scale(self) -> float:
        """Type scale relative to a 720-px-wide frame (short side for landscape)."""
        return min(self.size) / 720


def layout_for(size: tuple[int, int]) -> Layout:
    w, h = size
    m = margins_for(size)
    safe = (round(w * m.side), round(h * m.top), round(w * (1 - m.side)), round(h * (1 - m.bottom)))
    sx0, sy0, sx1, sy1 = safe
    badge_h = round(min(w, h) * 0.07)
    gap = round(h * GAP)
    badge = (sx0, sy0, sx1, sy0 + badge_h)
    edge = round(w * PRODUCT_EDGE)
    if m is LANDSCAPE:
        split = round(w * SIDE_PRODUCT_SHARE)
        card = (edge, badge[3] + gap, split, sy1)
        caption = (split + round(w * SIDE_GUTTER), badge[3] + gap, sx1, sy1)
        return Layout(size=size, safe=safe, badge_row=badge, card=card, caption=caption, side_by_side=True)
    cap_top = sy1 - round((sy1 - sy0) * m.caption_share)
    caption = (sx0, cap_top, sx1, sy1)
    card = (edge, badge[3] + gap, w - edge, cap_top - gap)
    return Layout(size=size, safe=safe, badge_row=badge, card=card, caption=caption)
