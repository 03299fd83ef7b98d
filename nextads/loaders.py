"""Readers for the public input formats (DESIGN.md section 7) and the demo catalog.

Every loader validates its input completely -- JSON syntax, the schema, every referenced
file (images are decoded, videos opened) -- before returning, and reports the first
problem as :class:`~nextads.errors.InputError` naming the file and the field at fault, e.g.
``user.json: history[2].images[0]: image not found: /data/img/a.jpg``. Callers (the CLI)
load all inputs first and only then create output folders, so bad input never leaves a
half-written run behind.

A reference is either a path to a JSON file (relative paths inside it are resolved against
the file's folder and returned absolute) or ``demo:<id>`` for the built-in catalog.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import cv2
from PIL import Image, ImageFont
from pydantic import BaseModel, ValidationError

from .errors import InputError
from .schemas import Asset, HistoryItem, Product, ServingContext, UserData
from .settings import get_settings

DEMO_PREFIX = "demo:"
# A resolution may differ from its aspect ratio by rounding (1366x768 vs 16:9), not more.
RESOLUTION_ASPECT_TOLERANCE = 0.05
# Wider than 4:1 (or taller than 1:4) is no ad format any platform serves.
MAX_ASPECT_RATIO = 4.0
_REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_IMAGE_KINDS = {"image", "logo"}
_MAX_SHOWN_INPUT = 60  # characters of an offending value quoted in a message

M = TypeVar("M", bound=BaseModel)

__all__ = ["DEMO_PREFIX", "load_context", "load_inputs", "load_product", "load_user", "read_json"]


# ---------------------------------------------------------------------------
# JSON and schema
# ---------------------------------------------------------------------------


def read_json(path: str | Path) -> dict[str, Any]:
    """Parse a JSON object from ``path``; every failure is an InputError naming the file."""
    p = Path(path).expanduser()
    if not p.exists():
        raise InputError(str(path), None, "file not found")
    if not p.is_file():
        raise InputError(str(path), None, "is not a file (expected a JSON file)")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), None, f"is not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise InputError(str(path), None, f"cannot be read: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(str(path), None,
                         f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise InputError(str(path), None, f"expected a JSON object at the top level, got {type(data).__name__}")
    return data


def field_name(loc: Iterable[str | int]) -> str:
    """Dotted field name of a pydantic error location: ('history', 2, 'images', 0) -> history[2].images[0]."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _validate(model: type[M], data: dict[str, Any], file: str) -> M:
    """Validate ``data`` against ``model``; the first error becomes an InputError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] not in ("missing", "extra_forbidden") and not isinstance(err.get("input"), dict | list):
            shown = repr(err.get("input"))
            if len(shown) > _MAX_SHOWN_INPUT:
                shown = shown[: _MAX_SHOWN_INPUT - 3] + "..."
            message += f" (got {shown})"
        raise InputError(file, field_name(err["loc"]) or None, message) from exc


def _split_demo(ref: str | Path) -> str | None:
    """The demo id of a ``demo:<id>`` reference, else None."""
    if isinstance(ref, str) and ref.startswith(DEMO_PREFIX):
        return ref[len(DEMO_PREFIX):].strip()
    return None


# ---------------------------------------------------------------------------
# Referenced files
# ---------------------------------------------------------------------------


def _resolve(value: str, base: Path, file: str, field: str) -> Path:
    """Absolute path of a file referenced from a JSON file (relative to that file's folder)."""
    if not value or not value.strip():
        raise InputError(file, field, "path is empty")
    if _REMOTE.match(value):
        raise InputError(file, field, f"remote URLs are not supported (everything runs offline): {value}")
    p = Path(value).expanduser()
    return (p if p.is_absolute() else base / p).resolve()


def _require_file(path: Path, file: str, field: str, what: str) -> None:
    if not path.exists():
        raise InputError(file, field, f"{what} not found: {path}")
    if not path.is_file():
        raise InputError(file, field, f"{what} is not a file: {path}")


def check_image(path: Path, file: str, field: str, what: str = "image") -> None:
    """The file exists and decodes as an image (header check, then full pixel decode)."""
    _require_file(path, file, field, what)
    try:
        with Image.open(path) as im:
            im.verify()
        with Image.open(path) as im:  # verify() leaves the file unusable; decode anew
            im.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(file, field, f"{what} cannot be decoded: {path} ({exc})") from exc


def check_video(path: Path, file: str, field: str) -> None:
    """The file exists and its first frame decodes."""
    _require_file(path, file, field, "video")
    cap = cv2.VideoCapture(str(path))
    try:
        ok = cap.isOpened() and cap.read()[0]
    finally:
        cap.release()
    if not ok:
        raise InputError(file, field, f"video cannot be decoded: {path}")


def _check_asset_file(asset: Asset, path: Path, file: str, field: str) -> None:
    if asset.kind in _IMAGE_KINDS:
        check_image(path, file, field, asset.kind)
    elif asset.kind == "video":
        check_video(path, file, field)
    elif asset.kind == "font":
        _require_file(path, file, field, "font")
        try:
            ImageFont.truetype(str(path), 12)
        except OSError as exc:
            raise InputError(file, field, f"font cannot be loaded: {path}") from exc
    else:  # audio / music: decoded later by ffmpeg; here it must at least exist and be non-empty
        _require_file(path, file, field, asset.kind)
        if path.stat().st_size == 0:
            raise InputError(file, field, f"{asset.kind} file is empty: {path}")


def _check_locale(locale: str | None, file: str, field: str) -> None:
    if locale is not None and not _LOCALE.match(locale):
        raise InputError(file, field, f"not a locale tag like 'en-US' or 'zh-CN' (got {locale!r})")


# ---------------------------------------------------------------------------
# User
# ---------------------------------------------------------------------------


def _has_text(item: HistoryItem) -> bool:
    return bool(item.title.strip() or item.text.strip())


def _has_image(item: HistoryItem) -> bool:
    return bool(item.images or item.cover)


def _check_user(user: UserData, file: str, base: Path | None) -> UserData:
    """Semantic checks and file checks; returns the user with absolute paths."""
    if not user.user_id.strip():
        raise InputError(file, "user_id", "must not be empty")
    _check_locale(user.demographics.locale, file, "demographics.locale")
    if not user.history:
        raise InputError(file, "history", "is empty: a user needs at least one history item")
    least = get_settings().min_history_items
    if len(user.history) < least:
        raise InputError(file, "history", f"has {len(user.history)} items; at least {least} are needed "
                                          "(NEXTADS_MIN_HISTORY_ITEMS)")
    if not any(_has_text(it) or _has_image(it) for it in user.history):
        raise InputError(file, "history", "has no text and no images at all: nothing to learn a profile from")
    seen: dict[str, int] = {}
    items = []
    for i, item in enumerate(user.history):
        where = f"history[{i}]"
        if not item.id.strip():
            raise InputError(file, f"{where}.id", "must not be empty")
        if item.id in seen:
            raise InputError(file, f"{where}.id", f"duplicate id {item.id!r} (also history[{seen[item.id]}])")
        seen[item.id] = i
        if not (_has_text(item) or _has_image(item) or item.video):
            raise InputError(file, where, "has no title, text, images, cover or video")
        base_dir = base or Path.cwd()
        images = []
        for k, img in enumerate(item.images):
            path = _resolve(img, base_dir, file, f"{where}.images[{k}]")
            check_image(path, file, f"{where}.images[{k}]")
            images.append(str(path))
        cover = None
        if item.cover is not None:
            path = _resolve(item.cover, base_dir, file, f"{where}.cover")
            check_image(path, file, f"{where}.cover", "cover image")
            cover = str(path)
        video = None
        if item.video is not None:
            path = _resolve(item.video, base_dir, file, f"{where}.video")
            check_video(path, file, f"{where}.video")
            video = str(path)
        items.append(item.model_copy(update={"images": images, "cover": cover, "video": video}))
    return user.model_copy(update={"history": items})


def _load(ref: str | Path, model: type[M], kind: str, check: Callable[[M, str, Path | None], M]) -> M:
    """One reader for users and products: ``demo:<id>`` from the catalog, else a JSON file
    (relative paths resolved against the file's folder); validated by ``check``."""
    from . import catalog

    demo_id = _split_demo(ref)
    if demo_id is not None:
        known = catalog.DEMO_USER_IDS if kind == "user" else catalog.DEMO_PRODUCT_IDS
        if demo_id not in known:
            raise InputError(str(ref), f"{kind}_id", f"unknown demo {kind} {demo_id!r}; known: {', '.join(known)}")
        found = catalog.get_demo_user(demo_id) if kind == "user" else catalog.get_demo_product(demo_id)
        return check(found, str(ref), None)
    data = read_json(ref)
    return check(_validate(model, data, str(ref)), str(ref), Path(ref).expanduser().resolve().parent)


def load_user(ref: str | Path) -> UserData:
    """A validated user from ``user.json`` or ``demo:<id>`` (paths absolute)."""
    return _load(ref, UserData, "user", _check_user)


# ---------------------------------------------------------------------------
# Product
# ---------------------------------------------------------------------------


def _check_product(product: Product, file: str, base: Path | None) -> Product:
    for name in ("product_id", "name"):
        if not getattr(product, name).strip():
            raise InputError(file, name, "must not be empty")
    for i, colour in enumerate(product.brand_colors):
        if not _HEX_COLOUR.match(colour):
            raise InputError(file, f"brand_colors[{i}]", f"not a hex colour like '#D7141A' (got {colour!r})")
    seen: dict[str, int] = {}
    assets = []
    for i, asset in enumerate(product.assets):
        where = f"assets[{i}]"
        if not asset.id.strip():
            raise InputError(file, f"{where}.id", "must not be empty")
        if asset.id in seen:
            raise InputError(file, f"{where}.id", f"duplicate asset id {asset.id!r} (also assets[{seen[asset.id]}])")
        seen[asset.id] = i
        path = _resolve(asset.path, base or Path.cwd(), file, f"{where}.path")
        _check_asset_file(asset, path, file, f"{where}.path")
        assets.append(asset.model_copy(update={"path": str(path)}))
    return product.model_copy(update={"assets": assets})


def load_product(ref: str | Path) -> Product:
    """A validated product from ``product.json`` or ``demo:<id>`` (asset paths absolute)."""
    return _load(ref, Product, "product", _check_product)


# ---------------------------------------------------------------------------
# Serving context
# ---------------------------------------------------------------------------


def _check_context(ctx: ServingContext, file: str) -> ServingContext:
    aw, ah = (int(x) for x in ctx.aspect_ratio.split(":"))
    aspect = aw / ah
    if not 1 / MAX_ASPECT_RATIO <= aspect <= MAX_ASPECT_RATIO:
        raise InputError(file, "aspect_ratio",
                         f"{ctx.aspect_ratio} is more extreme than 1:{MAX_ASPECT_RATIO:g} or {MAX_ASPECT_RATIO:g}:1")
    if ctx.resolution is not None:
        w, h = ctx.resolution
        if abs((w / h) / aspect - 1) > RESOLUTION_ASPECT_TOLERANCE:
            raise InputError(file, "resolution",
                             f"{w}x{h} does not match aspect_ratio {ctx.aspect_ratio} "
                             f"({w / h:.3f} vs {aspect:.3f})")
    if not ctx.platform.strip():
        raise InputError(file, "platform", "must not be empty")
    _check_locale(ctx.locale, file, "locale")
    for i, policy in enumerate(ctx.policies):
        if not policy.strip():
            raise InputError(file, f"policies[{i}]", "must not be empty")
    return ctx


def load_context(ref: str | Path | None = None) -> ServingContext:
    """A validated serving context from ``context.json``; the default context for None."""
    if ref is None:
        return ServingContext()
    data = read_json(ref)
    return _check_context(_validate(ServingContext, data, str(ref)), str(ref))


def load_inputs(user: str | Path | None, product: str | Path,
                context: str | Path | None = None) -> tuple[UserData | None, Product, ServingContext]:
    """Load and validate all inputs of a run at once (user None: the generic baseline)."""
    return (load_user(user) if user is not None else None), load_product(product), load_context(context)


MICROLENS_TITLES = "MicroLens-50k_titles.csv"  # `item,title`, beside the `videos/` folder (DESIGN.md §7)


def host_title_for(video: str | Path) -> str:
    """The title of a host video when its collection publishes one: a MicroLens
    ``videos/<item>.mp4`` gets ``<item>``'s title from ``MicroLens-50k_titles.csv`` next to
    the folder; anything else has no known title ("")."""
    path = Path(video)
    titles = path.parent.parent / MICROLENS_TITLES
    if path.parent.name != "videos" or not titles.is_file():
        return ""
    import csv

    with titles.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            if row and row[0] == path.stem:
                return row[1].strip() if len(row) > 1 else ""
    return ""
