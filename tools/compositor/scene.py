"""One scene: its inputs (`SceneSpec`, hashed into the segment digest) and its renderer.

`SceneRenderer` composes everything static once — the plate (background, accents, product
cards or the end card) and the RGBA overlays (caption, logo, CTA button, "AI Created"
label) — then yields frames: one warpAffine of the plate for the camera, the caption's
entrance, the transition from the previous scene, and the label on top of every frame.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image

from nextads.schemas import Scene
from tools.compositor import motion
from tools.compositor.layers import (
    Overlay, backdrop_photo, background, card, contain, load_rgba, scaled_rgba,
)
from tools.compositor.layout import Layout, layout_for
from tools.compositor.palette import Palette, mix, resolve_palette, text_on
from tools.compositor.templates import Template, get_template
from tools.media.text_render import TextStyle, render_pill, render_text, scaled

# Bump when the renderer's output changes for the same inputs: invalidates cached segments.
RENDERER_VERSION = "compositor-1"
LABEL_TEXT = "AI Created"
LABEL_SIZE = 20  # px at 720 wide
LOGO_HEIGHT_SHARE = 1.0  # of the badge row
VARIANT_DAMPING = 0.5  # each forced re-render halves the camera amplitude ...
VARIANT_CARD_GROWTH = 0.05  # ... and enlarges the product card a little
TYPOGRAPHIC_CAPTION = 1.35  # caption scale in scenes without any visual
CARD_GAP = 0.04  # between two cards, fraction of the box
DEFAULT_CTA = "Learn more"
END_NAME_SIZE = 64
END_SLOGAN_SIZE = 34
END_KICKER_SIZE = 38
END_CTA_SIZE = 40
CTA_PULSE_PERIOD_S = 1.2


@dataclass(frozen=True)
class Visual:
    """A resolved asset reference: what the scene shows and the hash of its bytes."""

    kind: str  # "product" | "collage" | "cue" | "logo"
    ref: str
    path: str
    sha: str


@dataclass(frozen=True)
class SceneSpec:
    """Everything that determines a scene's frames."""

    scene: Scene  # effective scene (producer edits applied)
    frames: int
    fps: int
    size: tuple[int, int]
    template: str
    palette: tuple[str, ...]
    locale: str
    visuals: tuple[Visual, ...] = ()
    logo: Visual | None = None
    product_name: str = ""
    slogan: str = ""
    cta: str = ""
    variant: int = 0
    label: str = LABEL_TEXT
    prev: SceneSpec | None = field(default=None, compare=False)

    @property
    def is_end_card(self) -> bool:
        return self.scene.purpose == "cta"

    def own_key(self) -> dict:
        """Inputs of this scene alone (its timeline position excluded: moving a scene
        without changing it keeps its frames)."""
        scene = self.scene.model_dump(mode="json", exclude={"start_s"})
        key = {
            "version": RENDERER_VERSION, "scene": scene, "frames": self.frames, "fps": self.fps,
            "size": list(self.size), "template": self.template, "palette": list(self.palette),
            "locale": self.locale, "visuals": [(v.kind, v.ref, v.sha) for v in self.visuals],
            "logo": self.logo.sha if self.logo else None, "variant": self.variant, "label": self.label,
        }
        if self.is_end_card:
            key.update(product_name=self.product_name, slogan=self.slogan, cta=self.cta)
        return key

    def own_digest(self) -> str:
        return _hash(self.own_key())

    def digest(self) -> str:
        """Segment digest: own inputs plus, when the transition blends with it, the
        previous scene's own inputs (its last frame appears in this segment)."""
        key = {"own": self.own_digest(), "prev": self.prev.own_digest() if self.prev else None}
        return _hash(key)


def _hash(obj: object) -> str:
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class SceneRenderer:
    """Prepares a scene once, then renders its frames."""

    def __init__(self, spec: SceneSpec, warnings: list[str] | None = None):
        self.spec = spec
        self.warnings = warnings if warnings is not None else []
        self.tpl: Template = get_template(spec.template)
        self.pal: Palette = resolve_palette(list(spec.palette), self.tpl.saturation, self.tpl.lighten)
        self.layout: Layout = layout_for(spec.size)
        self.lang = spec.locale
        self.amplitude = self.tpl.motion_amplitude * VARIANT_DAMPING ** spec.variant
        if spec.is_end_card:
            self.amplitude *= 0.5  # end cards move gently: the CTA must stay readable
        self.camera = spec.scene.camera
        self.plate_wh = motion.plate_size(spec.size, self.camera, self.amplitude)
        w, h = spec.size
        self.offset = ((self.plate_wh[0] - w) // 2, (self.plate_wh[1] - h) // 2)
        self.caption: np.ndarray | None = None
        self.caption_xy = (0, 0)
        self.cta_button: np.ndarray | None = None
        self.cta_xy = (0, 0)
        self.logo: Overlay | None = None
        self.logo_xy = (0, 0)
        self.plate = self._build_plate()
        self._static_view: np.ndarray | None = None
        self._caption_full = Overlay(self.caption) if self.caption is not None else None
        self.label, self.label_xy = self._build_label()

    # -- preparation ---------------------------------------------------------------

    def _images(self, kinds: tuple[str, ...]) -> list[Image.Image]:
        out = []
        for v in self.spec.visuals:
            if v.kind not in kinds:
                continue
            im = load_rgba(v.path)
            if im is None:
                self.warnings.append(f"scene {self.spec.scene.index}: cannot read asset '{v.ref}' ({v.path})")
            else:
                out.append(im)
        return out

    def _background(self) -> Image.Image:
        pw, ph = self.plate_wh
        seed = f"{self.spec.template}:{self.spec.scene.index}"
        backdrops = [] if self.spec.is_end_card else self._images(("cue",))
        if backdrops:
            return backdrop_photo(backdrops[0], pw, ph)
        return background(pw, ph, self.tpl.background, self.pal, self.tpl.accents, seed)

    def _place_cards(self, plate: Image.Image, images: list[Image.Image], box: tuple[int, int, int, int]) -> None:
        """Up to two product cards side by side (or stacked in a tall box), centred in `box`."""
        x0, y0, x1, y1 = box
        fill = min(0.98, self.tpl.card_fill + VARIANT_CARD_GROWTH * self.spec.variant)
        bw, bh = (x1 - x0) * fill, (y1 - y0) * fill
        images = images[:2]
        n = len(images)
        tall = bh > bw
        shadow = round(self.spec.size[0] * self.tpl.card_shadow)
        for i, im in enumerate(images):
            cw = bw if tall else (bw - (n - 1) * bw * CARD_GAP) / n
            ch = (bh - (n - 1) * bh * CARD_GAP) / n if tall else bh
            c = card(im, round(cw), round(ch), self.tpl.card_radius, shadow)
            cx = x0 + (x1 - x0) / 2 + (0 if tall or n == 1 else (i - (n - 1) / 2) * (cw + bw * CARD_GAP))
            cy = y0 + (y1 - y0) / 2 + ((i - (n - 1) / 2) * (ch + bh * CARD_GAP) if tall and n > 1 else 0)
            plate.alpha_composite(c, (round(cx - c.width / 2 + self.offset[0]), round(cy - c.height / 2 + self.offset[1])))

    def _caption_style(self, factor: float = 1.0) -> TextStyle:
        st = scaled(self.tpl.caption, self.layout.scale * factor)
        plate = {"accent": self.pal.accent, "light": (250, 250, 247), "dark": self.pal.dark}[self.tpl.caption_plate]
        colour = st.color if self.tpl.caption_plate == "light" else text_on(plate)
        stroke = st.stroke_color if colour == (255, 255, 255) else mix(plate, (255, 255, 255), 0.6)
        return replace(st, plate_color=plate, color=colour, stroke_color=stroke)

    def _build_caption(self, text: str, box: tuple[int, int, int, int], factor: float = 1.0) -> None:
        if not text.strip():
            return
        x0, y0, x1, y1 = box
        self.caption = render_text(text, self._caption_style(factor), x1 - x0, self.lang)
        ch, cw = self.caption.shape[:2]
        self.caption_xy = (x0 + (x1 - x0 - cw) // 2, y0 + max(0, (y1 - y0 - ch) // 2))

    def _build_logo(self) -> None:
        if self.spec.logo is None:
            return
        im = load_rgba(self.spec.logo.path)
        if im is None:
            self.warnings.append(f"cannot read logo ({self.spec.logo.path})")
            return
        bx0, by0, bx1, by1 = self.layout.badge_row
        hh = round((by1 - by0) * LOGO_HEIGHT_SHARE)
        logo = contain(im, round((bx1 - bx0) * 0.3), hh)
        self.logo = Overlay.from_image(logo)
        self.logo_xy = (bx1 - logo.width, by0 + (hh - logo.height) // 2)

    def _build_plate(self) -> np.ndarray:
        plate = self._background()
        lay = self.layout
        if self.spec.is_end_card:
            self._end_card(plate)
        else:
            cards = self._images(("product", "collage", "logo"))
            has_backdrop = any(v.kind == "cue" for v in self.spec.visuals)
            if cards:
                self._place_cards(plate, cards, lay.card)
                self._build_caption(self.spec.scene.on_screen_text, lay.caption)
            elif has_backdrop:
                self._build_caption(self.spec.scene.on_screen_text, lay.caption)
            else:
                # Typographic scene: the words are the visual.
                box = (lay.card[0], lay.card[1], lay.caption[2], lay.caption[3])
                self._build_caption(self.spec.scene.on_screen_text, box, TYPOGRAPHIC_CAPTION)
            self._build_logo()
        return np.ascontiguousarray(np.asarray(plate.convert("RGB"), np.uint8))

    def _end_card(self, plate: Image.Image) -> None:
        """Logo, product (if referenced), product name, slogan and the CTA button, stacked
        and centred in the safe area."""
        s = self.layout.scale
        sx0, sy0, sx1, sy1 = self.layout.safe
        width = sx1 - sx0
        ink = text_on(self.pal.primary)
        blocks: list[Image.Image] = []
        logo = None
        if self.spec.logo is not None:
            logo = load_rgba(self.spec.logo.path)
        if logo is not None:
            blocks.append(contain(logo, round(width * 0.42), round((sy1 - sy0) * 0.16)))
        products = self._images(("product", "collage"))
        if products:
            shadow = round(self.spec.size[0] * self.tpl.card_shadow)
            blocks.append(card(products[0], round(width * 0.7), round((sy1 - sy0) * 0.3),
                               self.tpl.card_radius, shadow))
        text = self.spec.scene.on_screen_text.strip()
        cta = (self.spec.cta or text or DEFAULT_CTA).strip()
        if text and text not in (cta, self.spec.product_name):
            blocks.append(_text_image(text, TextStyle(size=round(END_KICKER_SIZE * s), weight="medium", color=ink), width, self.lang))
        if self.spec.product_name:
            blocks.append(_text_image(self.spec.product_name, TextStyle(size=round(END_NAME_SIZE * s), weight="black", color=ink, max_lines=2), width, self.lang))
        if self.spec.slogan:
            blocks.append(_text_image(self.spec.slogan, TextStyle(size=round(END_SLOGAN_SIZE * s), weight="regular", color=ink, max_lines=2), width, self.lang))
        button = render_pill(cta, round(END_CTA_SIZE * s), color=text_on(self.pal.accent), fill=self.pal.accent,
                             fill_alpha=255, weight="bold", lang=self.lang, max_width=width)
        gap = round(self.spec.size[1] * 0.025)
        total = sum(b.height for b in blocks) + button.shape[0] + gap * len(blocks)
        y = sy0 + max(0, (sy1 - sy0 - total) // 2)
        cx = (sx0 + sx1) // 2
        for b in blocks:
            plate.alpha_composite(b, (cx - b.width // 2 + self.offset[0], y + self.offset[1]))
            y += b.height + gap
        self.cta_button = button
        self.cta_xy = (cx, y + button.shape[0] // 2)  # centre: the button pulses around it

    def _build_label(self) -> tuple[Overlay, tuple[int, int]]:
        """The "AI Created" pill, top-left inside the safe zone."""
        size = max(8, round(LABEL_SIZE * self.layout.scale))
        pill = render_pill(self.spec.label, size, color=(255, 255, 255), fill=(0, 0, 0), fill_alpha=165)
        bx0, by0, _, by1 = self.layout.badge_row
        return Overlay(pill), (bx0, by0 + max(0, (by1 - by0 - pill.shape[0]) // 2))

    # -- frames ----------------------------------------------------------------------

    def _camera(self, i: int, out: np.ndarray) -> np.ndarray:
        import cv2

        n = self.spec.frames
        if self.camera == "static" or self.plate_wh == self.spec.size:
            if self._static_view is None:
                w, h = self.spec.size
                ox, oy = self.offset
                self._static_view = np.ascontiguousarray(self.plate[oy:oy + h, ox:ox + w])
            np.copyto(out, self._static_view)
            return out
        u = motion.ease(self.tpl.easing, i / max(1, n - 1))
        m = motion.camera_matrix(self.camera, u, self.spec.size, self.plate_wh)
        cv2.warpAffine(self.plate, m, self.spec.size, dst=out, flags=cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE)
        return out

    def _overlays(self, i: int, out: np.ndarray) -> None:
        t = i / self.spec.fps
        tr = motion.transition_frames(self.spec.scene.transition if self.spec.prev else "cut",
                                      self.tpl.transition_s, self.spec.fps, self.spec.frames)
        if self.caption is not None and self._caption_full is not None:
            delay = max(self.tpl.caption_delay_s, 0.6 * tr / self.spec.fps)
            travel = round(self.caption.shape[0] * 0.6)
            opacity, scale, dy = motion.caption_state(self.tpl.caption_anim, t, self.tpl.caption_anim_s, delay, travel)
            x, y = self.caption_xy
            if scale == 1.0:
                self._caption_full.blend_onto(out, x, round(y + dy), opacity)
            else:
                small = scaled_rgba(self.caption, scale)
                ch, cw = self.caption.shape[:2]
                Overlay(small).blend_onto(out, x + (cw - small.shape[1]) // 2,
                                          round(y + (ch - small.shape[0]) / 2 + dy), opacity)
        if self.logo is not None:
            self.logo.blend_onto(out, *self.logo_xy)
        if self.cta_button is not None:
            opacity, pop, _ = motion.caption_state("pop", t, 0.35, 0.15, 0)
            pulse = 1 + self.tpl.cta_pulse * math.sin(math.pi * t / CTA_PULSE_PERIOD_S) ** 2
            btn = scaled_rgba(self.cta_button, pop * pulse)
            cx, cy = self.cta_xy
            Overlay(btn).blend_onto(out, cx - btn.shape[1] // 2, cy - btn.shape[0] // 2, opacity)

    def content(self, i: int, out: np.ndarray | None = None) -> np.ndarray:
        """Frame i without transition and label (used for the next scene's transition)."""
        w, h = self.spec.size
        out = np.empty((h, w, 3), np.uint8) if out is None else out
        self._camera(i, out)
        self._overlays(i, out)
        return out

    def frames(self, prev_last: np.ndarray | None = None) -> Iterator[np.ndarray]:
        """All frames of the scene, label included. The yielded buffer is reused: consume
        (or copy) it before advancing."""
        w, h = self.spec.size
        buf = np.empty((h, w, 3), np.uint8)
        mixed = np.empty_like(buf)
        kind = self.spec.scene.transition if prev_last is not None else "cut"
        n_tr = motion.transition_frames(kind, self.tpl.transition_s, self.spec.fps, self.spec.frames)
        for i in range(self.spec.frames):
            frame = self.content(i, buf)
            if i < n_tr and prev_last is not None:
                p = motion.ease("in_out_sine", (i + 1) / (n_tr + 1))
                frame = motion.apply_transition(kind, prev_last, frame, p, mixed)
            self.label.blend_onto(frame, *self.label_xy)
            yield frame


def _text_image(text: str, style: TextStyle, width: int, lang: str) -> Image.Image:
    return Image.fromarray(render_text(text, style, width, lang))
