"""The built-in demo catalog: 18 fictional products and 5 demo users.

Images are drawn by code (``art.py`` for product shots and logos, ``scenes.py`` for the
users' photos) and rendered lazily into a cache folder, :func:`catalog_dir`, the first time
a product or user is asked for; later calls reuse the files. Rendering is deterministic and
every file is written atomically (temp file, then rename), so two processes filling the
cache at once cannot leave a half-written image behind. Paths in the returned models are
absolute paths into the cache.

    >>> from nextads.catalog import get_demo_product, get_demo_user
    >>> get_demo_product("aurora-phone").asset("hero").path   # .../catalog/art-v1/products/...
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PIL import Image

from ..schemas import Asset, Demographics, HistoryItem, License, Product, UserData
from ..settings import get_settings
from .products import EXPIRED_ASSET, PRODUCTS, ProductSpec
from .users import SENSITIVE_ITEMS, USERS, UserSpec

# Bump when the drawings change, so stale cached images are not reused.
ART_VERSION = 1
PNG_COMPRESS_LEVEL = 3  # fast to write, still small: the art is mostly flat colour
JPEG_QUALITY = 90
HISTORY_INTERVAL = timedelta(days=7)  # demo notes are one week apart

DEMO_PRODUCT_IDS: tuple[str, ...] = tuple(p.product_id for p in PRODUCTS)
DEMO_USER_IDS: tuple[str, ...] = tuple(u.user_id for u in USERS)

_PRODUCTS = {p.product_id: (i, p) for i, p in enumerate(PRODUCTS)}
_USERS = {u.user_id: u for u in USERS}

__all__ = [
    "ART_VERSION", "DEMO_PRODUCT_IDS", "DEMO_USER_IDS", "EXPIRED_ASSET", "SENSITIVE_ITEMS",
    "build_catalog", "catalog_dir", "demo_products", "demo_users", "get_demo_product", "get_demo_user",
]


def catalog_dir() -> Path:
    """Cache folder of the rendered catalog: ``<state_dir>/catalog`` (absolute)."""
    return (Path(get_settings().state_dir).expanduser() / "catalog").resolve()


def _art_root() -> Path:
    return catalog_dir() / f"art-v{ART_VERSION}"


def ensure_image(path: Path, render: Callable[[], Image.Image]) -> Path:
    """Render ``path`` once; atomic so concurrent processes never see a partial file."""
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    image = render()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            if path.suffix == ".jpg":
                image.convert("RGB").save(fh, "JPEG", quality=JPEG_QUALITY)
            else:
                image.save(fh, "PNG", compress_level=PNG_COMPRESS_LEVEL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------


def _build_product(index: int, spec: ProductSpec) -> Product:
    from .art import render_asset  # drawing code is only needed when the cache is cold

    folder = _art_root() / "products" / spec.product_id
    assets = []
    for a in spec.assets(index):
        path = ensure_image(folder / f"{a.id}.png", lambda a=a: render_asset(spec, a))
        licence = License(holder=spec.brand, platforms=list(a.platforms),
                          expires=date.fromisoformat(a.expires) if a.expires else None)
        assets.append(Asset(id=a.id, kind=a.kind, path=str(path), license=licence, description=a.description))
    return Product(
        product_id=spec.product_id, name=spec.name, brand=spec.brand, category=spec.category,
        slogan=spec.slogan, intro=spec.intro, details=spec.details,
        selling_points=list(spec.selling_points), facts=dict(spec.facts), assets=assets,
        brand_colors=list(spec.brand_colors), competitors=list(spec.competitors),
    )


def get_demo_product(product_id: str) -> Product:
    """One demo product (its images rendered on first use). KeyError lists the known ids."""
    try:
        index, spec = _PRODUCTS[product_id]
    except KeyError:
        raise KeyError(f"unknown demo product {product_id!r}; known: {', '.join(DEMO_PRODUCT_IDS)}") from None
    return _build_product(index, spec)


def demo_products() -> list[Product]:
    """All 18 demo products, in catalog order."""
    return [_build_product(i, spec) for i, spec in enumerate(PRODUCTS)]


# ---------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------


def _build_user(spec: UserSpec) -> UserData:
    from .scenes import render_photo

    folder = _art_root() / "users" / spec.user_id
    start = date.fromisoformat(f"{spec.start_month}-01")
    history = []
    for i, item in enumerate(spec.items):
        item_id = spec.item_id(i)
        images = [str(ensure_image(folder / f"{item_id}-{k + 1}.jpg",
                                    lambda m=motif, k=k: render_photo(spec.taste, m, f"{item_id}-{k}")))
                  for k, motif in enumerate(item.motifs)] if spec.taste else []
        cover = None
        if item.cover and spec.taste:
            cover = str(ensure_image(folder / f"{item_id}-cover.jpg",
                                      lambda m=item.cover: render_photo(spec.taste, m, f"{item_id}-cover")))
        history.append(HistoryItem(id=item_id, title=item.title, text=item.text, images=images, cover=cover,
                                   timestamp=(start + i * HISTORY_INTERVAL).isoformat()))
    return UserData(user_id=spec.user_id,
                    demographics=Demographics(gender=spec.gender, age_range=spec.age_range, locale=spec.locale),
                    history=history)


def get_demo_user(user_id: str) -> UserData:
    """One demo user (photos rendered on first use). KeyError lists the known ids."""
    try:
        spec = _USERS[user_id]
    except KeyError:
        raise KeyError(f"unknown demo user {user_id!r}; known: {', '.join(DEMO_USER_IDS)}") from None
    return _build_user(spec)


def demo_users() -> list[UserData]:
    """All demo users, in catalog order."""
    return [_build_user(spec) for spec in USERS]


def build_catalog() -> Path:
    """Render every catalog image now (e.g. before a benchmark); returns :func:`catalog_dir`."""
    demo_products()
    demo_users()
    return catalog_dir()
