"""One scene: its inputs (`SceneSpec`, hashed into the segment digest) and its renderer.

`SceneRenderer` composes everything static once — the plate (background, accents, the
product hero or the user's cue with a product inset, or the end card) and the RGBA overlays
(caption, logo, CTA button, "AI Created" label) — then yields frames: a crop (or resized
crop) of the plate for the camera, the caption's entrance, the transition from the previous
scene, and the label on top of every frame. Once a still scene has settled (caption in,
no pulsing button) its frame is composed once and repeated.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from nextads.schemas import Scene, SceneBinding
from tools.compositor import motion
from tools.compositor.backdrop import Backdrop, BackdropFrames
from tools.compositor.layers import (
    Overlay, ScaledOverlays, backdrop_photo, background, card, contain, glow, load_rgba, sticker,
)
from tools.compositor.layout import Layout, layout_for
from tools.compositor.palette import Palette, luminance, mix, resolve_palette, text_on
from tools.compositor.templates import Template, get_template
from tools.media.text_render import TextStyle, render_pill, render_text, scaled

# Bump when the renderer's output changes for the same inputs: invalidates cached segments.
RENDERER_VERSION = "compositor-5"  # 5: captions shrink or give way to host text
CAPTION_SHRINK = (0.75, 0.55)  # caption sizes tried when host text leaves no room
LABEL_TEXT = "AI Created"
LABEL_SIZE = 24  # px at 720 wide
LOGO_HEIGHT_SHARE = 1.0  # of the badge row
VARIANT_DAMPING = 0.5  # each forced re-render halves the camera amplitude ...
VARIANT_CARD_GROWTH = 0.05  # ... and enlarges the product card a little
TYPOGRAPHIC_CAPTION = 1.35  # caption scale in scenes without any visual
SECOND_CARD_SHARE = 0.42  # a second product image: an inset this share of the hero's size
CUE_INSET_WIDTH = 0.5  # product inset over a full-bleed user cue, fraction of the frame width
CUE_INSET_HEIGHT = 0.6  # ... and at most this share of the product box's height
INSET_BORDER = 0.012  # light border around insets, fraction of the frame width
SIDE_HERO_FILL = 0.94  # landscape: the hero fills this share of the left column
GLOW_SPREAD = (1.6, 1.35)  # the light pool behind the hero, relative to the hero's size
END_LOGO_WIDTH = 0.42  # end-card logo (its visible part), fraction of the safe width ...
END_LOGO_HEIGHT = 0.12  # ... and of the safe height
# A logo whose ink contrasts less than this (WCAG ratio) with the background under it gets a
# plate behind it: a dark wordmark on a dark template must still read on the end card.
LOGO_MIN_CONTRAST = 3.0
LOGO_PLATE_PAD = 0.18  # plate padding, fraction of the logo's height
END_PRODUCT_WIDTH = 0.8  # end-card product, fraction of the safe width ...
END_PRODUCT_HEIGHT = 0.34  # ... and of the safe height
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
    palette_roles: bool = False  # `palette` is the grounding's role-ordered palette
    visuals: tuple[Visual, ...] = ()
    logo: Visual | None = None
    product_name: str = ""
    slogan: str = ""
    cta: str = ""
    variant: int = 0
    label: str = LABEL_TEXT
    binding: SceneBinding | None = None  # the grounding's binding the visuals came from
    # A full-frame picture replacing the composed plate (a generated clip, the PCI host frame).
    backdrop: Backdrop | None = None
    # Pixel boxes (x0, y0, x1, y1) captions keep clear of (PCI: the host's burned-in text).
    avoid: tuple[tuple[int, int, int, int], ...] = ()
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
            "size": list(self.size), "template": self.template, "palette": list(self.palette), "palette_roles": self.palette_roles,
            "locale": self.locale, "visuals": [(v.kind, v.ref, v.sha) for v in self.visuals],
            "logo": self.logo.sha if self.logo else None, "variant": self.variant, "label": self.label,
            "binding": self.binding.model_dump(mode="json") if self.binding is not None else None,
        }
        if self.is_end_card:
            key.update(product_name=self.product_name, slogan=self.slogan, cta=self.cta)
        # Only present when set, so scenes without them keep their digests (and caches).
        if self.backdrop is not None:
            key["backdrop"] = self.backdrop.key()
        if self.avoid:
            key["avoid"] = [list(b) for b in self.avoid]
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
        self.pal: Palette = resolve_palette(list(spec.palette), self.tpl.saturation, self.tpl.lighten,
                                                roles=spec.palette_roles)
        self.layout: Layout = layout_for(spec.size)
        self.lang = spec.locale
        self.amplitude = self.tpl.motion_amplitude * VARIANT_DAMPING ** spec.variant
        if spec.is_end_card:
            self.amplitude *= 0.5  # end cards move gently: the CTA must stay readable
        # A backdrop fills the frame as it is: a clip carries its own motion, and a host
        # frame must stay exactly itself at the cut, so the virtual camera is off.
        self.backdrop = (BackdropFrames(spec.backdrop, spec.size, spec.fps, spec.frames / spec.fps)
                         if spec.backdrop is not None and not spec.is_end_card else None)
        self.inset: Overlay | None = None  # product inset over a moving backdrop
        self.camera = "static" if self.backdrop is not None else spec.scene.camera
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
        self._zoom_view: tuple[motion.Window, np.ndarray] | None = None  # last resized window, reused
        self._settled: np.ndarray | None = None  # the repeated frame of a settled still scene
        self._caption_full = Overlay(self.caption) if self.caption is not None else None
        self._caption_sizes = ScaledOverlays(self.caption) if self.caption is not None else None
        self._button_sizes = ScaledOverlays(self.cta_button) if self.cta_button is not None else None
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

    def _background(self, products: list[Image.Image], cues: list[Image.Image]) -> Image.Image:
        """The user's cue full bleed when the scene has one, else the template background
        ("blurred_photo" blurs the scene's own product image)."""
        pw, ph = self.plate_wh
        if cues:
            return backdrop_photo(cues[0], pw, ph)
        seed = f"{self.spec.template}:{self.spec.scene.index}"
        return background(pw, ph, self.tpl.background, self.pal, self.tpl.accents, seed,
                          photo=products[0] if products else None, grain=self.tpl.grain)

    def _hero_box(self, box: tuple[int, int, int, int]) -> tuple[int, int]:
        """Size the hero may take: the template's share of the frame width (of the left
        column side by side), never more than the product box."""
        x0, y0, x1, y1 = box
        grow = VARIANT_CARD_GROWTH * self.spec.variant
        if self.layout.side_by_side:
            share = min(1.0, SIDE_HERO_FILL + grow)
            return round((x1 - x0) * share), round((y1 - y0) * share)
        width = min(x1 - x0, round(self.spec.size[0] * min(0.95, self.tpl.card_fill + grow)))
        return width, y1 - y0

    def _paste(self, plate: Image.Image, im: Image.Image, cx: float, cy: float) -> None:
        """Alpha-composite `im` centred on frame point (cx, cy), in plate coordinates."""
        plate.alpha_composite(im, (round(cx - im.width / 2 + self.offset[0]), round(cy - im.height / 2 + self.offset[1])))

    def _place_hero(self, plate: Image.Image, images: list[Image.Image], box: tuple[int, int, int, int]) -> None:
        """The product as the hero: as large as the template allows, in a pool of soft light
        with a drop shadow; a second image overlaps its lower right corner as an inset."""
        x0, y0, x1, y1 = box
        bw, bh = self._hero_box(box)
        w = self.spec.size[0]
        shadow = round(w * self.tpl.card_shadow)
        hero = card(images[0], bw, bh, self.tpl.card_radius, shadow)
        hw, hh = hero.width - 4 * shadow, hero.height - 4 * shadow  # the image itself
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if len(images) > 1:  # leave room for the inset's overhang
            cx -= bw * SECOND_CARD_SHARE * 0.12
        if self.tpl.card_glow > 0:
            light = mix(self.pal.primary, (255, 255, 255), 0.8)
            self._paste(plate, glow(round(hw * GLOW_SPREAD[0]), round(hh * GLOW_SPREAD[1]), light,
                                    self.tpl.card_glow), cx, cy)
        self._paste(plate, hero, cx, cy)
        if len(images) > 1:
            border = round(w * INSET_BORDER)
            inset = card(images[1], round(hw * SECOND_CARD_SHARE), round(hh * SECOND_CARD_SHARE),
                         self.tpl.card_radius, shadow, border_px=border)
            ix = min(cx + hw / 2, w - inset.width / 2 + 2 * shadow)
            self._paste(plate, inset, ix, cy + hh / 2 - inset.height * 0.15)

    def _place_inset(self, plate: Image.Image, image: Image.Image, box: tuple[int, int, int, int]) -> None:
        """The product as a bordered inset over the user's cue, low in the product box."""
        x0, y0, x1, y1 = box
        w = self.spec.size[0]
        shadow = round(w * self.tpl.card_shadow)
        if self.layout.side_by_side:
            iw, ih = round((x1 - x0) * 0.7), round((y1 - y0) * 0.7)
        else:
            iw, ih = round(w * CUE_INSET_WIDTH), round((y1 - y0) * CUE_INSET_HEIGHT)
        inset = card(image, iw, ih, self.tpl.card_radius, shadow, border_px=round(w * INSET_BORDER))
        inner_h = inset.height - 4 * shadow
        self._paste(plate, inset, (x0 + x1) / 2, y1 - inner_h / 2)

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
        # Where host text leaves no room (a game HUD, say), a smaller caption is tried; one that
        # still would cover host text is left out: the narration carries the line.
        border = round(self.tpl.caption_border * self.layout.scale)
        for f in (factor, *(factor * s for s in CAPTION_SHRINK)):
            block = render_text(text, self._caption_style(f), x1 - x0, self.lang)
            self.caption = sticker(block, border, self.tpl.caption_tilt)
            ch, cw = self.caption.shape[:2]
            # Centred in its zone; a block taller than the zone grows upwards over the product's
            # lower edge rather than into the platform's bottom chrome.
            self.caption_xy = (x0 + (x1 - x0 - cw) // 2, min(y0 + (y1 - y0 - ch) // 2, y1 - ch))
            if self._keep_caption_clear():
                if f != factor:
                    self.warnings.append(f"scene {self.spec.scene.index}: caption shrunk to {f / factor:.0%} "
                                         "to keep clear of the host's text")
                return
        self.caption = None
        self.warnings.append(f"scene {self.spec.scene.index}: caption left out: no position clear of the "
                             "host's text, even at the smallest size")

    def _keep_caption_clear(self) -> bool:
        """Move the caption off the boxes it must avoid (the host's burned-in text): the
        nearest free position below the badge row, keeping its column when possible.
        False when no position is clear."""
        if not self.spec.avoid or self.caption is None:
            return True
        ch, cw = self.caption.shape[:2]

        def hits(x: int, y: int) -> bool:
            return any(x < ax1 and ax0 < x + cw and y < ay1 and ay0 < y + ch for ax0, ay0, ax1, ay1 in self.spec.avoid)

        x, y = self.caption_xy
        if not hits(x, y):
            return True
        sx0, _, sx1, sy1 = self.layout.safe
        top = self.layout.badge_row[3]
        step = max(1, ch // 4)
        for yy in sorted(range(top, max(top, sy1 - ch) + 1, step), key=lambda v: abs(v - y)):
            for xx in (x, sx0, sx1 - cw, (sx0 + sx1 - cw) // 2):
                if not hits(xx, yy):
                    self.caption_xy = (xx, yy)
                    return True
        return False

    def _build_logo(self) -> None:
        if self.spec.logo is None:
            return
        im = load_rgba(self.spec.logo.path)
        if im is None:
            self.warnings.append(f"cannot read logo ({self.spec.logo.path})")
            return
        bx0, by0, bx1, by1 = self.layout.badge_row
        hh = round((by1 - by0) * LOGO_HEIGHT_SHARE)
        # Logos often come with transparent padding: trim it so the mark itself gets the row.
        logo = contain(im.crop(im.getchannel("A").getbbox() or (0, 0, *im.size)), round((bx1 - bx0) * 0.3), hh)
        self.logo = Overlay.from_image(logo)
        self.logo_xy = (bx1 - logo.width, by0 + (hh - logo.height) // 2)

    def _build_backdrop_plate(self) -> np.ndarray:
        """Caption, logo and the product inset over the backdrop's first frame. Over a still
        the inset is part of the plate; over a moving clip it is blended on every frame."""
        assert self.backdrop is not None
        lay = self.layout
        w, h = self.spec.size
        products = self._images(("product", "collage"))
        self._build_caption(self.spec.scene.on_screen_text, lay.caption)
        box = lay.card
        if self.caption is not None and not lay.side_by_side:
            box = (box[0], box[1], box[2], min(box[3], self.caption_xy[1] - (lay.caption[1] - box[3])))
        if products and self.spec.backdrop is not None and self.spec.backdrop.product_inset:
            layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
            self._place_inset(layer, products[0], box)
            self.inset = Overlay.from_image(layer)
        self._build_logo()
        # Over a still (the PCI host frame) the inset fades in after the cut, so the scene's
        # first frame is the host frame itself; over a moving clip it is there throughout.
        return self.backdrop.frame(0).copy()

    def _build_plate(self) -> np.ndarray:
        if self.backdrop is not None:
            return self._build_backdrop_plate()
        lay = self.layout
        products = self._images(("product", "collage", "logo"))
        cues = [] if self.spec.is_end_card else self._images(("cue",))
        plate = self._background(products, cues)
        if self.spec.is_end_card:
            self._end_card(plate)
        else:
            text = self.spec.scene.on_screen_text
            if products or cues:
                self._build_caption(text, lay.caption)
            # The product keeps clear of a caption that grew above its zone.
            box = lay.card
            if self.caption is not None and not lay.side_by_side:
                box = (box[0], box[1], box[2], min(box[3], self.caption_xy[1] - (lay.caption[1] - box[3])))
            if cues and products:
                self._place_inset(plate, products[0], box)
            elif products:
                self._place_hero(plate, products, box)
            if not (products or cues):
                # Typographic scene: the words are the visual.
                box = lay.caption if lay.side_by_side else (lay.card[0], lay.card[1], lay.caption[2], lay.caption[3])
                self._build_caption(text, box, TYPOGRAPHIC_CAPTION)
            self._build_logo()
        return np.ascontiguousarray(np.asarray(plate.convert("RGB"), np.uint8))

    def _end_card(self, plate: Image.Image) -> None:
        """Logo, product (if referenced), product name, slogan and the CTA button, stacked
        and centred in the safe area."""
        s = self.layout.scale
        sx0, sy0, sx1, sy1 = self.layout.safe
        width = sx1 - sx0
        # Blurred-photo backgrounds are darkened, so their text is always light.
        ink = (255, 255, 255) if self.tpl.background == "blurred_photo" else text_on(self.pal.primary)
        blocks: list[Image.Image] = []
        logo = None
        if self.spec.logo is not None:
            logo = load_rgba(self.spec.logo.path)
        if logo is not None:
            # Sized by its visible part (logo files often carry wide transparent margins).
            logo = contain(logo.crop(logo.getchannel("A").getbbox() or (0, 0, *logo.size)),
                           round(width * END_LOGO_WIDTH), round((sy1 - sy0) * END_LOGO_HEIGHT))
            blocks.append(logo)
        products = self._images(("product", "collage"))
        if products:
            shadow = round(self.spec.size[0] * self.tpl.card_shadow)
            blocks.append(card(products[0], round(width * END_PRODUCT_WIDTH), round((sy1 - sy0) * END_PRODUCT_HEIGHT),
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
            xy = (cx - b.width // 2 + self.offset[0], y + self.offset[1])
            if b is logo:
                _back_if_illegible(plate, logo, xy)
            plate.alpha_composite(b, xy)
            y += b.height + gap
        self.cta_button = button
        self.cta_xy = (cx, y + button.shape[0] // 2)  # centre: the button pulses around it

    def _build_label(self) -> tuple[Overlay, tuple[int, int]]:
        """The "AI Created" pill, top-left inside the safe zone."""
        label = label_overlay(self.spec.label, max(8, round(LABEL_SIZE * self.layout.scale)))
        bx0, by0, _, by1 = self.layout.badge_row
        return label, (bx0, by0 + max(0, (by1 - by0 - label.h) // 2))

    # -- frames ----------------------------------------------------------------------

    @property
    def still(self) -> bool:
        """True when the camera does not move in this scene."""
        return self.camera == "static" or self.plate_wh == self.spec.size

    def _camera(self, i: int, out: np.ndarray) -> np.ndarray:
        if self.backdrop is not None and self.backdrop.moving:
            np.copyto(out, self.backdrop.frame(i))
            if self.inset is not None:
                self.inset.blend_onto(out, 0, 0)
            return out
        if self.still:
            if self._static_view is None:
                w, h = self.spec.size
                ox, oy = self.offset
                self._static_view = np.ascontiguousarray(self.plate[oy:oy + h, ox:ox + w])
            np.copyto(out, self._static_view)
            return out
        window = self._window(i)
        if self._zoom_view is not None and self._zoom_view[0] == window:
            np.copyto(out, self._zoom_view[1])
            return out
        motion.view(self.plate, window, out)
        # A zoom's window holds still for a frame or more (eased ends, even-pixel steps):
        # keep the resized view when the next frame shows it again (a copy, not a resize).
        if (window[2], window[3]) != self.spec.size and i + 1 < self.spec.frames and self._window(i + 1) == window:
            keep = self._zoom_view[1] if self._zoom_view is not None else np.empty_like(out)
            np.copyto(keep, out)
            self._zoom_view = (window, keep)
        return out

    def _window(self, i: int) -> motion.Window:
        """The plate crop the camera shows at frame i."""
        u = motion.ease(self.tpl.easing, i / max(1, self.spec.frames - 1))
        return motion.camera_window(self.camera, u, self.spec.size, self.plate_wh)

    def _caption_delay(self) -> float:
        tr = motion.transition_frames(self.spec.scene.transition if self.spec.prev else "cut",
                                      self.tpl.transition_s, self.spec.fps, self.spec.frames)
        return max(self.tpl.caption_delay_s, 0.6 * tr / self.spec.fps)

    def settled(self, i: int) -> bool:
        """True when frame i equals every later frame: still camera, caption fully in, and
        no animated button."""
        if not self.still or self.cta_button is not None:
            return False
        if self.backdrop is not None and self.backdrop.moving:
            return False  # a clip moves on every frame
        if self._fading_inset and i / self.spec.fps < self._caption_delay() + self.tpl.caption_anim_s:
            return False
        return self.caption is None or i / self.spec.fps >= self._caption_delay() + self.tpl.caption_anim_s

    @property
    def _fading_inset(self) -> bool:
        return self.inset is not None and self.backdrop is not None and not self.backdrop.moving

    def _overlays(self, i: int, out: np.ndarray) -> None:
        t = i / self.spec.fps
        if self._fading_inset:
            assert self.inset is not None
            fade = min(1.0, max(0.0, (t - self._caption_delay()) / max(self.tpl.caption_anim_s, 1e-3)))
            if fade > 0:
                self.inset.blend_onto(out, 0, 0, fade)
        if self.caption is not None and self._caption_full is not None:
            delay = self._caption_delay()
            travel = round(self.caption.shape[0] * 0.6)
            opacity, scale, dy = motion.caption_state(self.tpl.caption_anim, t, self.tpl.caption_anim_s, delay, travel)
            x, y = self.caption_xy
            if scale == 1.0:
                self._caption_full.blend_onto(out, x, round(y + dy), opacity)
            else:
                small = self._caption_sizes.at(scale)
                ch, cw = self.caption.shape[:2]
                small.blend_onto(out, x + (cw - small.w) // 2, round(y + (ch - small.h) / 2 + dy), opacity)
        if self.logo is not None:
            self.logo.blend_onto(out, *self.logo_xy)
        if self.cta_button is not None:
            opacity, pop, _ = motion.caption_state("pop", t, 0.35, 0.15, 0)
            pulse = 1 + self.tpl.cta_pulse * math.sin(math.pi * t / CTA_PULSE_PERIOD_S) ** 2
            btn = self._button_sizes.at(pop * pulse)
            cx, cy = self.cta_xy
            btn.blend_onto(out, cx - btn.w // 2, cy - btn.h // 2, opacity)

    def content(self, i: int, out: np.ndarray | None = None) -> np.ndarray:
        """Frame i without transition and label (used for the next scene's transition)."""
        w, h = self.spec.size
        out = np.empty((h, w, 3), np.uint8) if out is None else out
        self._camera(i, out)
        self._overlays(i, out)
        return out

    def frames(self, prev_last: np.ndarray | None = None) -> Iterator[np.ndarray]:
        """All frames of the scene, label included. The yielded buffer is reused and must
        not be modified: consume (or copy) it before advancing."""
        w, h = self.spec.size
        buf = np.empty((h, w, 3), np.uint8)
        mixed = np.empty_like(buf)
        kind = self.spec.scene.transition if prev_last is not None else "cut"
        n_tr = motion.transition_frames(kind, self.tpl.transition_s, self.spec.fps, self.spec.frames)
        for i in range(self.spec.frames):
            if i >= n_tr and self.settled(i):
                if self._settled is None:  # composed once, then repeated
                    self._settled = self.content(i, np.empty_like(buf))
                    self.label.blend_onto(self._settled, *self.label_xy)
                yield self._settled
                continue
            frame = self.content(i, buf)
            if i < n_tr and prev_last is not None:
                p = motion.ease("in_out_sine", (i + 1) / (n_tr + 1))
                frame = motion.apply_transition(kind, prev_last, frame, p, mixed)
            self.label.blend_onto(frame, *self.label_xy)
            yield frame


@lru_cache(maxsize=8)
def _contrast(a: float, b: float) -> float:
    """WCAG contrast ratio of two relative luminances."""
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def _back_if_illegible(plate: Image.Image, logo: Image.Image, xy: tuple[int, int]) -> None:
    """Draw a rounded light or dark plate under ``logo`` at ``xy`` when its ink does not stand
    out from the background there (the plate colour is whichever contrasts with the ink)."""
    alpha = np.asarray(logo.getchannel("A"), dtype=np.float32) / 255.0
    if alpha.sum() < 1:
        return
    ink_rgb = np.asarray(logo.convert("RGB"), dtype=np.float32)
    ink = tuple(int(v) for v in (ink_rgb * alpha[..., None]).sum(axis=(0, 1)) / alpha.sum())
    x, y = xy
    under = plate.crop((x, y, x + logo.width, y + logo.height)).convert("RGB")
    bg = tuple(int(v) for v in np.asarray(under, dtype=np.float32).reshape(-1, 3).mean(axis=0))
    if _contrast(luminance(ink), luminance(bg)) >= LOGO_MIN_CONTRAST:
        return
    fill = (250, 250, 250) if luminance(ink) < 0.4 else (24, 24, 28)
    pad = max(2, round(logo.height * LOGO_PLATE_PAD))
    back = Image.new("RGBA", (logo.width + 2 * pad, logo.height + 2 * pad), (0, 0, 0, 0))
    ImageDraw.Draw(back).rounded_rectangle((0, 0, back.width - 1, back.height - 1), radius=pad,
                                           fill=(*fill, 235))
    plate.alpha_composite(back, (max(0, x - pad), max(0, y - pad)))


def label_overlay(text: str, size: int) -> Overlay:
    """The label pill as an overlay: identical in every scene of a creative, so rendered
    once (overlays are only ever read)."""
    return Overlay(render_pill(text, size, color=(255, 255, 255), fill=(0, 0, 0), fill_alpha=165))


def _text_image(text: str, style: TextStyle, width: int, lang: str) -> Image.Image:
    return Image.fromarray(render_text(text, style, width, lang))
