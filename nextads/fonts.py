"""Fonts that read on a phone: a bold sans for Latin text and Noto Sans CJK for zh/ja/ko.

Shared by the compositor's typography and the demo catalog's product art.

Both come from PyPI wheels bundling OFL-licensed fonts (`fontpkg-noto-sans`,
`manimgx-fonts-cjk`), so rendering is identical on every machine and never downloads
anything. Both are variable fonts: the weight is picked by named instance. When a wheel is
missing we fall back to common system fonts, then to Pillow's built-in font, so a render
never fails for lack of a font (it only looks plainer).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

# Named weights we use, mapped to the instance names of the two variable fonts.
Weight = str  # "light" | "regular" | "medium" | "bold" | "black"
_LATIN_INSTANCES = {"light": "Light", "regular": "Regular", "medium": "Medium", "bold": "Bold",
                    "black": "Black"}
# Numeric weights for the Latin font's `wght` axis (set together with `wdth`).
_LATIN_WGHT = {"light": 300, "regular": 400, "medium": 500, "bold": 700, "black": 900}
NORMAL_WIDTH = 100  # `wdth` axis: 100 = normal, 62.5 = the narrowest condensed cut
_CJK_INSTANCES = {"light": "Light", "regular": "Regular", "medium": "Medium", "bold": "Bold",
                  "black": "Black"}
# Face index of Simplified Chinese inside NotoSansCJK-VF.otf.ttc (JP, KR, SC, TC, HK).
_CJK_FACE = {"zh": 2, "zh-tw": 3, "zh-hk": 4, "ja": 0, "ko": 1}
CJK_LANGS = ("zh", "ja", "ko")

_SYSTEM_LATIN = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)
_SYSTEM_CJK = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def _latin_path() -> Path | None:
    try:
        import fontpkg_noto_sans

        p = Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"
        return p if p.exists() else None
    except ImportError:
        return None


def _cjk_path() -> Path | None:
    try:
        import manimgx_fonts_cjk

        p = Path(manimgx_fonts_cjk.__file__).parent / "NotoSansCJK-VF.otf.ttc"
        return p if p.exists() else None
    except ImportError:
        return None


def is_cjk_lang(lang: str) -> bool:
    return lang.lower().split("-")[0] in CJK_LANGS


def has_cjk(text: str) -> bool:
    """True when the text contains CJK ideographs, kana or hangul."""
    return any(
        "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
        or "\uff00" <= ch <= "\uffef"
        for ch in text
    )


def lang_for(text: str, lang: str = "en") -> str:
    """The font language for a text: CJK when the locale or the text itself needs it."""
    if is_cjk_lang(lang):
        return lang.lower()
    return "zh" if has_cjk(text) else "en"


@lru_cache(maxsize=256)
def _load(size: int, weight: Weight, lang: str, width: float = NORMAL_WIDTH) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    size = max(4, int(size))
    if is_cjk_lang(lang):
        path = _cjk_path()
        if path is not None:
            key = lang if lang in _CJK_FACE else lang.split("-")[0]
            f = ImageFont.truetype(str(path), size, index=_CJK_FACE.get(key, _CJK_FACE["zh"]))
            f.set_variation_by_name(_CJK_INSTANCES.get(weight, "Bold"))
            return f
        candidates = _SYSTEM_CJK
    else:
        path = _latin_path()
        if path is not None:
            f = ImageFont.truetype(str(path), size)
            if width == NORMAL_WIDTH:
                f.set_variation_by_name(_LATIN_INSTANCES.get(weight, "Bold"))
            else:  # condensed cut: both axes set explicitly
                f.set_variation_by_axes([_LATIN_WGHT.get(weight, _LATIN_WGHT["bold"]), width])
            return f
        candidates = _SYSTEM_LATIN
    for c in candidates:
        if Path(c).exists():
            return ImageFont.truetype(c, size)
    return ImageFont.load_default(size)


def font(size: int, bold: bool = True, lang: str = "en", *, weight: Weight | None = None,
         width: float = NORMAL_WIDTH):
    """A font of `size` pixels for `lang` ("en", "zh", "zh-CN", ...); cached.

    `weight` ("light", "regular", "medium", "bold", "black") overrides `bold`; `width` < 100
    picks a condensed cut of the Latin font (CJK glyphs have no width axis and ignore it).
    """
    return _load(int(size), weight or ("bold" if bold else "regular"), lang.lower(), float(width))
