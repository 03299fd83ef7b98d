"""Reference collage: one image that tells a video backend what to show.

The collage puts the licensed product images first and large (product identity must
survive generation), the user-preferred visual cues smaller beside them, the PCI start
frame (when integrating into a host video) next to the cues, and a strip of palette
swatches along the bottom. Image-to-video backends use it as the reference frame; the
offline compositor uses it for backdrops.

The composition is plain functions (``compose_collage``); the ``build_collage`` LangChain
tool only loads the files, calls it and writes the PNG.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from langchain_core.tools import tool
from PIL import Image, ImageColor, ImageOps

# Share of the main area (along its long side) given to product images when there are
# cues or a start frame: products stay prominent, cues are supporting material.
PRODUCT_SHARE = 0.68
# Share of the product region taken by the first (hero) image when there are several.
HERO_SHARE = 0.7
# Height of the palette strip as a share of the canvas height (at least SWATCH_MIN_PX).
SWATCH_FRACTION = 0.06
SWATCH_MIN_PX = 8
# Padding around every tile, as a share of the canvas's short side.
PADDING_FRACTION = 0.025
DEFAULT_BACKGROUND = "#ffffff"

Box = tuple[int, int, int, int]  # left, top, right, bottom


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return ImageColor.getrgb(hex_colour)[:3]


def _saturation(rgb: tuple[int, int, int]) -> float:
    hi, lo = max(rgb), min(rgb)
    return 0.0 if hi == 0 else (hi - lo) / hi


def pick_background(palette: Sequence[str]) -> str:
    """The palette's most neutral colour (lowest saturation): products read best on it."""
    if not palette:
        return DEFAULT_BACKGROUND
    return min(palette, key=lambda c: (_saturation(_rgb(c)), -sum(_rgb(c))))


def split_box(box: Box, shares: Sequence[float], *, along_width: bool) -> list[Box]:
    """Cut ``box`` into consecutive parts proportional to ``shares`` along one axis."""
    left, top, right, bottom = box
    total = sum(shares)
    length = (right - left) if along_width else (bottom - top)
    edges = [0]
    acc = 0.0
    for share in shares:
        acc += share
        edges.append(round(length * acc / total))
    if along_width:
        return [(left + a, top, left + b, bottom) for a, b in zip(edges, edges[1:])]
    return [(left, top + a, right, top + b) for a, b in zip(edges, edges[1:])]


def _inset(box: Box, pad: int) -> Box:
    left, top, right, bottom = box
    if right - left <= 2 * pad or bottom - top <= 2 * pad:
        return box
    return left + pad, top + pad, right - pad, bottom - pad


def _is_landscape(box: Box) -> bool:
    return (box[2] - box[0]) > (box[3] - box[1])


def paste_contain(canvas: Image.Image, image: Image.Image, box: Box) -> None:
    """Fit the whole image inside ``box`` (no cropping: product identity stays intact)."""
    w, h = box[2] - box[0], box[3] - box[1]
    if w <= 0 or h <= 0:
        return
    img = image.convert("RGBA")
    img = ImageOps.contain(img, (w, h), Image.Resampling.LANCZOS)
    x = box[0] + (w - img.width) // 2
    y = box[1] + (h - img.height) // 2
    canvas.paste(img, (x, y), img)


def paste_square(canvas: Image.Image, image: Image.Image, box: Box) -> None:
    """A centred square centre-crop of the image in ``box`` (cues are mood: cropping is fine,
    and a square keeps them smaller than the product tiles whatever the panel's shape)."""
    side = min(box[2] - box[0], box[3] - box[1])
    if side <= 0:
        return
    img = ImageOps.fit(image.convert("RGB"), (side, side), Image.Resampling.LANCZOS)
    canvas.paste(img, (box[0] + (box[2] - box[0] - side) // 2, box[1] + (box[3] - box[1] - side) // 2))


def layout_products(box: Box, count: int) -> list[Box]:
    """Hero tile first and large; the remaining images share a strip beside it."""
    if count <= 0:
        return []
    if count == 1:
        return [box]
    along_width = _is_landscape(box)
    hero, rest = split_box(box, [HERO_SHARE, 1 - HERO_SHARE], along_width=along_width)
    return [hero, *split_box(rest, [1.0] * (count - 1), along_width=not along_width)]


def draw_swatches(canvas: Image.Image, palette: Sequence[str], box: Box) -> None:
    """Equal-width blocks of each palette colour, in palette order."""
    if not palette:
        return
    for colour, tile in zip(palette, split_box(box, [1.0] * len(palette), along_width=True)):
        canvas.paste(_rgb(colour), tile)


def compose_collage(
    product_images: Sequence[Image.Image],
    cue_images: Sequence[Image.Image] = (),
    *,
    start_frame: Image.Image | None = None,
    palette: Sequence[str] = (),
    size: tuple[int, int] = (720, 1280),
    background: str | None = None,
) -> Image.Image:
    """Compose the reference collage (RGB, exactly ``size`` = (width, height))."""
    width, height = size
    canvas = Image.new("RGB", (width, height), _rgb(background or pick_background(palette)))
    pad = max(1, round(min(width, height) * PADDING_FRACTION))

    strip_h = max(SWATCH_MIN_PX, round(height * SWATCH_FRACTION)) if palette else 0
    main: Box = (0, 0, width, height - strip_h)
    if palette:
        draw_swatches(canvas, palette, (0, height - strip_h, width, height))

    supporting: list[tuple[Image.Image, bool]] = []  # (image, is_start_frame)
    if start_frame is not None:
        supporting.append((start_frame, True))
    supporting += [(img, False) for img in cue_images]

    if product_images and supporting:
        along_width = _is_landscape(main)
        product_box, side_box = split_box(main, [PRODUCT_SHARE, 1 - PRODUCT_SHARE], along_width=along_width)
    elif product_images:
        product_box, side_box = main, None
    else:
        product_box, side_box = None, main

    if product_box is not None:
        for image, tile in zip(product_images, layout_products(product_box, len(product_images))):
            paste_contain(canvas, image, _inset(tile, pad))
    if side_box is not None and supporting:
        tiles = split_box(side_box, [1.0] * len(supporting), along_width=not _is_landscape(main))
        for (image, is_frame), tile in zip(supporting, tiles):
            # The start frame must stay whole (the segment starts from it); cues may be cropped.
            (paste_contain if is_frame else paste_square)(canvas, image, _inset(tile, pad))
    return canvas


def _open(path: str) -> Image.Image:
    with Image.open(path) as img:
        img.load()
        return img.copy()


@tool
def build_collage(
    product_images: list[str],
    output_path: str,
    cue_images: list[str] | None = None,
    start_frame: str | None = None,
    palette: list[str] | None = None,
    size: tuple[int, int] = (720, 1280),
    background: str | None = None,
) -> str:
    """Write the reference collage PNG for a creative and return its path.

    Args:
        product_images: paths of licensed product images, hero first (shown largest).
        output_path: where to write the PNG.
        cue_images: paths of user-preferred visual cue images (shown smaller).
        start_frame: path of the PCI start frame (the host frame the segment starts from).
        palette: harmonised palette as hex colours (drawn as swatches along the bottom).
        size: (width, height) of the collage in pixels.
        background: background colour (hex); the palette's most neutral colour when omitted.
    """
    image = compose_collage(
        [_open(p) for p in product_images],
        [_open(p) for p in cue_images or []],
        start_frame=_open(start_frame) if start_frame else None,
        palette=palette or [],
        size=(int(size[0]), int(size[1])),
        background=background,
    )
    out = Path(output_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, format="PNG")
    return str(out)
