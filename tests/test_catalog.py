"""The built-in demo catalog: products, licences, rendered art and demo users."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nextads import catalog
from nextads.catalog import art, scenes
from nextads.catalog.products import PRODUCTS
from nextads.settings import get_settings

CATEGORIES = {
    "smartphone", "sneakers", "cola", "burger", "sedan", "skincare", "fried chicken", "retail store",
    "lodging platform", "ergonomic chair", "tent", "sandwich", "yoga pants", "toothpaste",
    "streaming service", "ride-hailing", "coffee machine", "television",
}
HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
CJK = re.compile(r"[\u4e00-\u9fff]")
NOT_BLANK_STD = 12.0  # per-channel std (0-255) below which an image is a flat fill


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory) -> Path:
    """A cold, private cache for this module (NEXTADS_STATE_DIR honoured)."""
    root = tmp_path_factory.mktemp("state")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEXTADS_STATE_DIR", str(root))
        get_settings.cache_clear()
        yield root
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def products(state_dir):
    return catalog.demo_products()


@pytest.fixture(scope="module")
def users(state_dir):
    return catalog.demo_users()


def _rgb(path: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float32)


def test_catalog_dir_follows_state_dir(state_dir):
    assert catalog.catalog_dir() == (state_dir / "catalog").resolve()


def test_eighteen_products_one_per_category(products):
    assert len(products) == 18
    assert {p.category for p in products} == CATEGORIES
    assert len({p.product_id for p in products}) == 18
    assert len({p.brand for p in products}) == 18


def test_product_fields_are_complete(products):
    brands = {p.brand for p in products}
    for p in products:
        assert re.fullmatch(r"[a-z0-9-]+", p.product_id), p.product_id
        assert p.name and p.slogan and p.intro and p.details
        assert 3 <= len(p.selling_points) <= 5, p.product_id
        assert 3 <= len(p.facts) <= 6, p.product_id
        assert 2 <= len(p.brand_colors) <= 3 and all(HEX.match(c) for c in p.brand_colors)
        assert 2 <= len(p.competitors) <= 3
        # Competitors are other (fictional) brands, never the product's own or another demo brand.
        assert not set(p.competitors) & brands, p.product_id


def test_assets_and_licences(products):
    expired = []
    for p in products:
        assert p.asset("hero").kind == "image" and p.asset("logo").kind == "logo"
        for a in p.assets:
            assert Path(a.path).is_absolute() and Path(a.path).is_file()
            assert a.license is not None and a.license.holder == p.brand
            if not a.license.valid_for("short-video-feed", date(2026, 1, 1)):
                expired.append((p.product_id, a.id))
            else:
                assert a.license.expires >= date(2028, 1, 1)
    assert expired == [catalog.EXPIRED_ASSET]
    assert sum(1 for p in products if len(p.assets) > 2) >= 6


def test_a_platform_restricted_licence_is_checked_by_platform(products):
    restricted = [a for p in products for a in p.assets if "*" not in a.license.platforms]
    assert restricted
    for a in restricted:
        assert not a.license.valid_for("billboard", date(2026, 1, 1))
        assert a.license.valid_for(a.license.platforms[0], date(2026, 1, 1))


def test_hero_images_are_real_pictures(products):
    means = []
    for p in products:
        with Image.open(p.asset("hero").path) as im:
            assert im.size == art.HERO_SIZE and im.mode == "RGB"
        pixels = _rgb(p.asset("hero").path)
        assert pixels.std(axis=(0, 1)).max() > NOT_BLANK_STD, p.product_id
        means.append(pixels.mean(axis=(0, 1)))
        # The product sits in the middle of the frame, distinct from the backdrop corner.
        centre = pixels[400:624, 400:624].mean(axis=(0, 1))
        corner = pixels[:64, :64].mean(axis=(0, 1))
        assert np.abs(centre - corner).max() > 8, p.product_id
    # Heroes are not all the same picture.
    assert np.std(np.array(means), axis=0).max() > 5


def test_logos_are_transparent_marks(products):
    for p in products:
        with Image.open(p.asset("logo").path) as im:
            assert im.size == art.LOGO_SIZE and im.mode == "RGBA"
            alpha = np.asarray(im)[:, :, 3]
        assert alpha[:8, :8].max() == 0 and alpha[-8:, -8:].max() == 0
        coverage = (alpha > 128).mean()
        assert 0.05 < coverage < 0.6, (p.product_id, coverage)


def test_extra_shots_decode(products):
    sizes = {"lifestyle": art.LIFESTYLE_SIZE, "summer-2024": art.LIFESTYLE_SIZE, "detail": art.DETAIL_SIZE}
    for p in products:
        for a in p.assets[2:]:
            with Image.open(a.path) as im:
                assert im.size == sizes[a.id]
            assert _rgb(a.path).std(axis=(0, 1)).max() > NOT_BLANK_STD


def test_rendering_is_deterministic_and_cached(products):
    spec = PRODUCTS[0]
    a, b = np.asarray(art.render_hero(spec)), np.asarray(art.render_hero(spec))
    assert np.array_equal(a, b)
    hero = Path(products[0].asset("hero").path)
    assert np.array_equal(np.asarray(Image.open(hero)), a)
    stamp = hero.stat().st_mtime_ns
    again = catalog.get_demo_product(spec.product_id)
    assert again.asset("hero").path == str(hero) and hero.stat().st_mtime_ns == stamp
    assert not list(catalog.catalog_dir().rglob(".*")), "temp files left in the cache"


def test_deleted_cache_file_is_rerendered(products):
    path = Path(products[5].asset("logo").path)
    before = path.read_bytes()
    path.unlink()
    assert Path(catalog.get_demo_product(products[5].product_id).asset("logo").path).read_bytes() == before


def test_unknown_ids_raise_key_error_listing_known_ids(state_dir):
    with pytest.raises(KeyError, match="aurora-phone"):
        catalog.get_demo_product("no-such-product")
    with pytest.raises(KeyError, match="maya"):
        catalog.get_demo_user("nobody")


# ---------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------


def _texts(user) -> str:
    return " ".join(f"{it.title} {it.text}" for it in user.history)


def test_demo_users_shape(users):
    assert len(users) >= 5
    assert len({u.user_id for u in users}) == len(users)
    for u in users:
        assert 10 <= len(u.history) <= 20, u.user_id
        assert len({it.id for it in u.history}) == len(u.history)
        assert all(it.title and it.text for it in u.history)
        stamps = [it.timestamp for it in u.history]
        assert stamps == sorted(stamps)


def test_chinese_users_write_chinese(users):
    by_id = {u.user_id: u for u in users}
    for uid in ("lin", "wei"):
        u = by_id[uid]
        assert u.demographics.locale == "zh-CN"
        text = _texts(u)
        assert len(CJK.findall(text)) > 0.4 * len(text.replace(" ", ""))
    for uid in ("maya", "jordan", "sofia"):
        assert not CJK.search(_texts(by_id[uid]))


def test_histories_mention_competitor_brands(products, users):
    competitors = {c for p in products for c in p.competitors}
    mentioned = {u.user_id for u in users if any(c in _texts(u) for c in competitors)}
    assert {"maya", "jordan", "wei"} <= mentioned


def test_sensitive_items_exist(users):
    items = {it.id: it for u in users for it in u.history}
    assert catalog.SENSITIVE_ITEMS and set(catalog.SENSITIVE_ITEMS) <= set(items)
    assert "diabetes" in items["sofia-06"].text


def _user_pixels(user) -> np.ndarray:
    paths = [p for it in user.history for p in it.images]
    return np.stack([_rgb(p).mean(axis=(0, 1)) for p in paths])


def test_user_photos_carry_their_taste(users):
    by_id = {u.user_id: u for u in users}
    with_images = [u for u in users if any(it.images for it in u.history)]
    assert len(with_images) >= 3
    for u in with_images:
        for it in u.history:
            for p in it.images + ([it.cover] if it.cover else []):
                with Image.open(p) as im:
                    assert im.size == scenes.PHOTO_SIZE
    maya, lin, jordan, sofia = (_user_pixels(by_id[k]).mean(axis=0) for k in ("maya", "lin", "jordan", "sofia"))
    brightness = {k: v.mean() for k, v in (("maya", maya), ("lin", lin), ("jordan", jordan), ("sofia", sofia))}
    assert brightness["jordan"] < brightness["maya"] < brightness["lin"]  # dark neon < earthy < pastel
    assert brightness["sofia"] > brightness["maya"]
    assert maya[1] > maya[2]  # forest greens and browns: more green than blue
    assert lin[0] > lin[1]  # pastel pinks: red above green
    # Earthy photos are grainy: more fine-scale noise than the smooth airy ones.
    def grain(path: str) -> float:
        g = _rgb(path).mean(axis=2)
        return float(np.abs(np.diff(g, axis=1)).mean())
    maya_grain = np.mean([grain(p) for it in by_id["maya"].history for p in it.images])
    sofia_grain = np.mean([grain(p) for it in by_id["sofia"].history for p in it.images])
    assert maya_grain > 2 * sofia_grain


def test_text_only_user(users):
    wei = next(u for u in users if u.user_id == "wei")
    assert not any(it.images or it.cover for it in wei.history)
