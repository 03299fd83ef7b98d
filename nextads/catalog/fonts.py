"""Font lookup for the catalog art (offline).

The same preference chain as ``tools/media/fonts.py`` (which ``nextads`` may not import:
dependencies run one way), kept to one small function so the two can later be merged:
Noto Sans from the ``fontpkg-noto-sans`` wheel when installed (identical renders on every
machine), else a system sans-serif TTF (DejaVu ships with most Linux images and with
matplotlib), else the TrueType font Pillow itself embeds -- never a download.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

# Searched in order; the first that exists wins. Relative entries are tried under every
# ``sys.prefix``-style root so a font bundled in the virtualenv (matplotlib) is found too.
_SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
_VENV_FONT_DIR = Path("matplotlib/mpl-data/fonts/ttf")
_FONT_FILES = {False: ("DejaVuSans.ttf", "Arial.ttf", "arial.ttf"),
               True: ("DejaVuSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf")}


def _site_packages() -> list[Path]:
    return [Path(p) for p in sys.path if p.endswith("site-packages")]


def _bundled_variable_font() -> Path | None:
    """Noto Sans (variable weight) from the ``fontpkg-noto-sans`` wheel, if installed."""
    try:
        import fontpkg_noto_sans
    except ImportError:
        return None
    path = Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"
    return path if path.is_file() else None


@lru_cache(maxsize=4)
def find_font_file(bold: bool = False) -> Path | None:
    """Path of a static sans-serif TTF on this machine, or None when there is none."""
    dirs = list(_SYSTEM_FONT_DIRS) + [sp / _VENV_FONT_DIR for sp in _site_packages()]
    for name in _FONT_FILES[bold]:
        for d in dirs:
            candidate = d / name
            if candidate.is_file():
                return candidate
    return None


@lru_cache(maxsize=256)
def load_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A TrueType font at ``size`` pixels; Pillow's embedded font when no TTF is found."""
    variable = _bundled_variable_font()
    if variable is not None:
        font = ImageFont.truetype(str(variable), size)
        font.set_variation_by_name("Bold" if bold else "Regular")
        return font
    path = find_font_file(bold)
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)
