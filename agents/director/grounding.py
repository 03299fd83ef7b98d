"""Director step 4 (offline): ``ground_assets``.

Binds every storyboard scene to what it may really show (DESIGN.md §2):

- **licensed product assets** — the ``asset_lookup`` tool returns the assets whose licence is
  valid for the serving platform and date; a scene that referenced an ineligible asset (e.g. an
  expired licence) falls back to another eligible asset of the same kind, and the rejected ones
  are recorded with their reasons;
- **user-preferred visual cues** — each of the profile's preferred visual elements points at a
  history image; it is centre-cropped into ``work_dir/cues/`` and bound where the storyboard
  references ``cue:<id>``;
- **a harmonised palette** — brand colours kept exactly as accents, background and supporting
  colours drawn from the user's palette and pushed in lightness for contrast (see
  ``harmonise_palette``);
- **the reference collage** — written by the ``build_collage`` tool into ``work_dir/collage.png``;
- **constraints** the Verifier checks (asset visibility per scene, logo on the end card, claims
  within the facts, the palette, assets never to show).

PCI (with an integration decision and the host summary): the host's start frame joins the
collage; ``host:start`` scene references are the compositor's (the host frame), never product
assets, so they are neither bound nor rejected; the palette starts from the host's colours so
the segment's colour follows the host; and a constraint pins the frame the segment starts and
ends on.
"""

from __future__ import annotations

import colorsys
import logging
from collections.abc import Sequence
from itertools import zip_longest
from pathlib import Path

from PIL import Image, ImageColor, ImageOps, UnidentifiedImageError

from agents.director.storyboard import HOST_FRAME_REF, MAX_HOOK_CUES, cue_ids
from nextads.schemas import (
    Asset,
    Grounding,
    HostSummary,
    IntegrationDecision,
    Product,
    SceneBinding,
    ServingContext,
    Storyboard,
    UserProfile,
    VisualCue,
)
from tools.assets import asset_lookup
from tools.collage import build_collage

log = logging.getLogger(__name__)

CUE_SIZE = 512  # prepared cue images are square, this many pixels a side
MAX_CUES = max(3, MAX_HOOK_CUES)  # cues prepared (the storyboard's hook uses the first ones)
MAX_COLLAGE_PRODUCTS = 3  # hero + two more: more would shrink the hero
MAX_PALETTE = 6
# WCAG 2 contrast ratios: 4.5 for body text, 3 for large text and graphics (brand accents).
TEXT_MIN_CONTRAST = 4.5
ACCENT_MIN_CONTRAST = 3.0
SUPPORT_MIN_CONTRAST = 1.6  # supporting colours only need to stand apart from the background
# Background lightness: light or dark extreme of the user's most neutral colour.
LIGHT_BACKGROUND_L = 0.94
DARK_BACKGROUND_L = 0.12
BACKGROUND_MAX_SATURATION = 0.25  # a background is a neutral, tinted at most this much
TEXT_LIGHT_L, TEXT_DARK_L = 0.97, 0.10
DERIVED_BRAND_COLOURS = 2  # colours taken from the product images when no brand colours are given
NEAR_EXTREME = 24  # pixel values within this of black/white are not brand colours
GENERIC_BACKGROUND = "#f7f7f5"


# ---------------------------------------------------------------------------
# Colour helpers
# ---------------------------------------------------------------------------


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    r, g, b = ImageColor.getrgb(hex_colour)[:3]
    return r / 255, g / 255, b / 255


def _hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in rgb[:3])


def valid_hex(colours: Sequence[str]) -> list[str]:
    """Normalised ``#rrggbb`` colours, invalid entries dropped, order kept, no duplicates."""
    out: list[str] = []
    for colour in colours:
        try:
            norm = _hex(_rgb(colour.strip()))
        except (ValueError, AttributeError):
            continue
        if norm not in out:
            out.append(norm)
    return out


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance."""
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def with_lightness(hex_colour: str, lightness: float, max_saturation: float = 1.0) -> str:
    """Same hue, the given HLS lightness, saturation capped."""
    h, _, s = colorsys.rgb_to_hls(*_rgb(hex_colour))
    return _hex(colorsys.hls_to_rgb(h, lightness, min(s, max_saturation)))


def _saturation(hex_colour: str) -> float:
    return colorsys.rgb_to_hls(*_rgb(hex_colour))[2]


def _lightness(hex_colour: str) -> float:
    return colorsys.rgb_to_hls(*_rgb(hex_colour))[1]


def push_apart(colour: str, background: str, min_contrast: float) -> str:
    """Move ``colour``'s lightness away from the background until the contrast is reached."""
    if contrast_ratio(colour, background) >= min_contrast:
        return colour
    target_dark = _lightness(background) >= 0.5
    lightness = _lightness(colour)
    for _ in range(20):
        lightness = max(0.0, lightness - 0.05) if target_dark else min(1.0, lightness + 0.05)
        candidate = with_lightness(colour, lightness)
        if contrast_ratio(candidate, background) >= min_contrast:
            return candidate
    return with_lightness(colour, 0.0 if target_dark else 1.0)


def dominant_colours(path: str, count: int = DERIVED_BRAND_COLOURS) -> list[str]:
    """The most frequent saturated colours of an image (median cut), near-black/white and
    transparent pixels ignored: a stand-in for brand colours when none are given."""
    try:
        with Image.open(path) as img:
            rgba = img.convert("RGBA")
    except (OSError, UnidentifiedImageError):
        return []
    rgba.thumbnail((128, 128))
    pixels = [p[:3] for p in rgba.getdata() if p[3] > 128
              and not all(c < NEAR_EXTREME for c in p[:3]) and not all(c > 255 - NEAR_EXTREME for c in p[:3])]
    if not pixels:
        return []
    strip = Image.new("RGB", (len(pixels), 1))
    strip.putdata(pixels)
    quant = strip.quantize(colors=max(count * 2, 4), method=Image.Quantize.MEDIANCUT)
    palette = quant.getpalette() or []
    ranked = sorted(quant.getcolors() or [], reverse=True)
    colours = [_hex([c / 255 for c in palette[i * 3: i * 3 + 3]]) for _, i in ranked]
    return valid_hex(colours)[:count]


# ---------------------------------------------------------------------------
# Palette harmonisation
# ---------------------------------------------------------------------------


def harmonise_palette(
    user_palette: Sequence[str],
    brand_colours: Sequence[str],
    *,
    prefers_light: bool = True,
    generic: bool = False,
    host_palette: Sequence[str] = (),
) -> list[str]:
    """One creative palette from the user's and the brand's colours (and, in PCI, the host's).

    Rule: brand colours are identity, so they are kept exactly, as accents (the first one
    leads the palette). The background is the user's most neutral colour (lowest saturation,
    capped at BACKGROUND_MAX_SATURATION), pushed to a light or dark extreme by the user's
    brightness preference, flipped to the other extreme when the lead brand colour would not
    reach ACCENT_MIN_CONTRAST on it. Text is the opposite extreme of the same hue
    (≥ TEXT_MIN_CONTRAST). The user's other colours follow, lightness-adjusted to stand
    apart from the background, then the remaining brand colours. A generic profile (or one
    with no palette) gets the brand palette on a neutral background.

    PCI (``host_palette``): the host comes first, so the segment's colour follows the video it is
    woven into: the background is the host's most neutral colour (``prefers_light`` should then
    be the host's brightness), and the supporting colours alternate host and user colours,
    host first. Brand accents stay as they are.

    Order: ``[lead accent, background, text, *supporting]`` (at most MAX_PALETTE colours).
    """
    brand = valid_hex(brand_colours)
    host = valid_hex(host_palette)
    user = [] if generic else valid_hex(user_palette)
    if host:
        # Host first, then the user's colours, interleaved so both survive the MAX_PALETTE cut.
        pairs = [c for pair in zip_longest(host, user) for c in pair if c is not None]
        user, neutral_pool = list(dict.fromkeys(pairs)), host
    else:
        neutral_pool = user
    if not brand and not user:
        return [GENERIC_BACKGROUND, "#1a1a1a"]
    lead = brand[0] if brand else user[0]
    if user:
        base = min(neutral_pool, key=_saturation)
        light = prefers_light
    else:
        base, light = lead, True
    background = with_lightness(base, LIGHT_BACKGROUND_L if light else DARK_BACKGROUND_L,
                                BACKGROUND_MAX_SATURATION)
    if contrast_ratio(lead, background) < ACCENT_MIN_CONTRAST:
        flipped = with_lightness(base, DARK_BACKGROUND_L if light else LIGHT_BACKGROUND_L,
                                 BACKGROUND_MAX_SATURATION)
        if contrast_ratio(lead, flipped) > contrast_ratio(lead, background):
            background, light = flipped, not light
    text = with_lightness(base, TEXT_DARK_L if light else TEXT_LIGHT_L, BACKGROUND_MAX_SATURATION)
    if contrast_ratio(text, background) < TEXT_MIN_CONTRAST:
        text = "#111111" if light else "#ffffff"
    supporting = [push_apart(c, background, SUPPORT_MIN_CONTRAST) for c in user if c != base and c != lead]
    palette = [lead, background, text, *supporting, *brand[1:]]
    return list(dict.fromkeys(palette))[:MAX_PALETTE]


# ---------------------------------------------------------------------------
# Cues
# ---------------------------------------------------------------------------


def prepare_cue(source: str, dest: Path, size: int = CUE_SIZE) -> bool:
    """Centre-crop ``source`` to a ``size``² square PNG at ``dest``; False if it cannot be read."""
    try:
        with Image.open(source) as img:
            img = ImageOps.exif_transpose(img).convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    ImageOps.fit(img, (size, size), Image.Resampling.LANCZOS).save(dest, format="PNG")
    return True


def prepare_cues(profile: UserProfile, work_dir: Path) -> list[VisualCue]:
    """Cue images for the profile's preferred visual elements (missing images are skipped)."""
    if profile.generic:
        return []
    cues = []
    for cid in cue_ids(profile, MAX_CUES):
        element = profile.visual.elements[int(cid)]
        dest = work_dir / "cues" / f"cue_{cid}.png"
        if prepare_cue(element.source, dest):
            cues.append(VisualCue(id=cid, description=element.description, source=element.source, path=str(dest)))
        else:
            log.warning("visual cue %s: cannot read %s; skipped", cid, element.source)
    return cues


# ---------------------------------------------------------------------------
# Bindings
# ---------------------------------------------------------------------------


def _ordered_images(eligible: Sequence[Asset]) -> list[Asset]:
    images = [a for a in eligible if a.kind == "image"]
    return sorted(images, key=lambda a: a.id != "hero")  # stable: the hero leads


def bind_scenes(
    storyboard: Storyboard, product: Product, eligible: Sequence[Asset], cues: Sequence[VisualCue]
) -> list[SceneBinding]:
    """Eligible assets and prepared cues per scene; ineligible references fall back in kind."""
    by_id = {a.id: a for a in eligible}
    pools = {"image": _ordered_images(eligible), "logo": [a for a in eligible if a.kind == "logo"]}
    cue_ids_ready = [c.id for c in cues]
    bindings = []
    for scene in storyboard.scenes:
        assets: list[str] = []
        scene_cues: list[str] = []
        wanted_cues = False
        for ref in scene.asset_refs:
            if ref.startswith("cue:"):
                wanted_cues = True
                if ref[4:] in cue_ids_ready and ref[4:] not in scene_cues:
                    scene_cues.append(ref[4:])
                continue
            if ref == "collage" or ref == HOST_FRAME_REF:  # the host frame is the compositor's, not an asset
                continue
            if ref in by_id:
                if ref not in assets:
                    assets.append(ref)
                continue
            referenced = product.asset(ref)
            pool = pools.get(referenced.kind if referenced else "image", [])
            # Rotate by scene so fallbacks spread over the eligible assets.
            spare = [a.id for a in pool if a.id not in assets]
            if spare:
                assets.append(spare[scene.index % len(spare)])
        if wanted_cues and not scene_cues and cue_ids_ready:
            scene_cues.append(cue_ids_ready[0])
        bindings.append(SceneBinding(scene_index=scene.index, asset_ids=assets, cue_ids=scene_cues))
    return bindings


def grounding_constraints(
    storyboard: Storyboard,
    product: Product,
    bindings: Sequence[SceneBinding],
    palette: Sequence[str],
    rejected: dict[str, str],
    integration: IntegrationDecision | None = None,
) -> list[str]:
    """Checkable statements about the grounded plan, for the Verifier."""
    shown: dict[str, list[int]] = {}
    cue_shown: dict[str, list[int]] = {}
    for binding in bindings:
        for aid in binding.asset_ids:
            shown.setdefault(aid, []).append(binding.scene_index)
        for cid in binding.cue_ids:
            cue_shown.setdefault(cid, []).append(binding.scene_index)
    out = [f"asset:{aid} visible in scenes {scenes}" for aid, scenes in shown.items()]
    out += [f"cue:{cid} visible in scenes {scenes}" for cid, scenes in cue_shown.items()]
    logos = {a.id for a in product.assets if a.kind == "logo"}
    end = bindings[-1] if bindings else None
    if end is not None and storyboard.scenes[-1].purpose == "cta" and logos & set(end.asset_ids):
        out.append("logo on end card")
    out.append("claims subset of facts")
    out += [f"asset:{aid} not shown ({reason})" for aid, reason in rejected.items()]
    out += [f"no third-party brand: {name}" for name in product.competitors]
    if palette:
        out.append("palette: " + ", ".join(palette))
    if integration is not None:
        out.append(f"segment starts and ends on host frame {integration.frame_index}")
    return out


def start_frame_of(integration: IntegrationDecision | None) -> str | None:
    """The PCI start frame's path for the collage, or None (PCG, or no readable frame: logged)."""
    if integration is None:
        return None
    path = integration.start_frame_path
    if not path or not Path(path).is_file():
        log.warning("PCI start frame %r missing: the collage is built without it", path)
        return None
    return path


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------


def ground_assets(
    storyboard: Storyboard,
    product: Product,
    profile: UserProfile,
    context: ServingContext,
    work_dir: Path,
    *,
    integration: IntegrationDecision | None = None,
    host: HostSummary | None = None,
) -> Grounding:
    """Bind scenes to licensed assets and the user's cues; build the palette, collage and constraints.

    PCI: ``integration.start_frame_path`` (the host frame the segment starts from) joins the
    collage, and ``host``'s palette leads the harmonised palette.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    found = asset_lookup.invoke({
        "product": product.model_dump(mode="json"),
        "platform": context.platform,
        "date": context.today.isoformat(),
    })
    eligible = [Asset.model_validate(a) for a in found["eligible"]]
    rejected: dict[str, str] = dict(found["rejected"])

    # Cues only when the storyboard personalises its visuals (a generic plan references none).
    wants_cues = any(ref.startswith("cue:") for scene in storyboard.scenes for ref in scene.asset_refs)
    cues = prepare_cues(profile, work_dir) if wants_cues else []
    bindings = bind_scenes(storyboard, product, eligible, cues)

    images = _ordered_images(eligible)
    brand = valid_hex(product.brand_colors)
    if not brand:  # no declared brand colours: take them from the logo, else the hero image
        source = next((a for a in eligible if a.kind == "logo"), images[0] if images else None)
        brand = dominant_colours(source.path) if source else []
    generic = profile.generic
    if host is not None and integration is not None:  # the segment's light follows the host
        palette = harmonise_palette(profile.visual.palette, brand, prefers_light=host.brightness >= 0.5,
                                    generic=generic, host_palette=host.palette)
    else:
        palette = harmonise_palette(profile.visual.palette, brand, prefers_light=profile.visual.brightness >= 0.5,
                                    generic=generic)

    collage_products = [a.path for a in images[:MAX_COLLAGE_PRODUCTS]]
    if not collage_products:  # nothing but a logo is licensed: the logo carries identity
        collage_products = [a.path for a in eligible if a.kind == "logo"][:1]
    collage_path = build_collage.invoke({
        "product_images": collage_products,
        "cue_images": [c.path for c in cues],
        "start_frame": start_frame_of(integration),
        "palette": palette,
        "output_path": str(work_dir / "collage.png"),
        "size": list(context.size),
        "background": palette[1] if len(palette) > 1 else None,
    })
    return Grounding(
        bindings=bindings,
        cues=cues,
        palette=palette,
        collage_path=collage_path,
        constraints=grounding_constraints(storyboard, product, bindings, palette, rejected, integration),
        rejected_assets=rejected,
        source="offline",
    )
