"""Input loaders: every bad input is an InputError naming the right file and field."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from nextads.errors import InputError
from nextads.loaders import field_name, load_context, load_inputs, load_product, load_user, read_json
from nextads.schemas import ServingContext
from nextads.settings import get_settings

SHARED_VIDEOS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "microlens" / "videos"


@pytest.fixture(scope="module", autouse=True)
def _catalog_cache(tmp_path_factory):
    """Demo references render into a private cache, not the developer's .nextads."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEXTADS_STATE_DIR", str(tmp_path_factory.mktemp("state")))
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


def _png(path: Path, colour=(200, 80, 40), size=(32, 24), mode="RGB") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path)
    return path


def _write(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _user_doc(**over) -> dict:
    doc = {
        "user_id": "u1",
        "demographics": {"gender": "female", "age_range": "23-25", "locale": "zh-CN"},
        "history": [
            {"id": "n1", "title": "春日护肤", "text": "敏感肌的温和保湿", "images": ["img/a.png"],
             "cover": None, "video": None, "timestamp": None},
            {"id": "n2", "title": "Trail day", "text": "", "images": ["img/b.png", "img/a.png"]},
        ],
    }
    doc.update(over)
    return doc


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    _png(tmp_path / "img" / "a.png")
    _png(tmp_path / "img" / "b.png", (20, 90, 40))
    return tmp_path


def _product_doc(**over) -> dict:
    doc = {
        "product_id": "p1", "name": "Test Phone", "brand": "Testco", "category": "smartphone",
        "slogan": "Hi.", "intro": "A phone.", "details": "Details.", "selling_points": ["fast"],
        "facts": {"price": "$1"},
        "assets": [
            {"id": "hero", "kind": "image", "path": "hero.png",
             "license": {"holder": "Testco", "platforms": ["*"], "expires": "2027-12-31"}},
            {"id": "logo", "kind": "logo", "path": "art/logo.png", "license": {"holder": "Testco"}},
        ],
    }
    doc.update(over)
    return doc


@pytest.fixture
def product_dir(tmp_path: Path) -> Path:
    _png(tmp_path / "hero.png")
    _png(tmp_path / "art" / "logo.png", (0, 0, 0, 0), mode="RGBA")
    return tmp_path


def _raises(call, file, field, *words) -> InputError:
    with pytest.raises(InputError) as info:
        call()
    err = info.value
    assert err.file == str(file)
    assert err.field == field
    for w in words:
        assert w in err.message, err.message
    return err


# ---------------------------------------------------------------------------
# read_json
# ---------------------------------------------------------------------------


def test_read_json_missing_file(tmp_path):
    f = tmp_path / "nope.json"
    _raises(lambda: read_json(f), f, None, "not found")


def test_read_json_directory(tmp_path):
    _raises(lambda: read_json(tmp_path), tmp_path, None, "not a file")


def test_read_json_malformed_gives_line_and_column(tmp_path):
    f = tmp_path / "bad.json"
    f.write_text('{\n  "user_id": "u1",\n  "history": [,]\n}\n')
    err = _raises(lambda: read_json(f), f, None, "malformed JSON", "line 3", "column 15")
    assert str(f) in str(err)


def test_read_json_top_level_must_be_object(tmp_path):
    f = _write(tmp_path / "list.json", [1, 2])
    _raises(lambda: read_json(f), f, None, "JSON object", "list")


def test_read_json_accepts_bom(tmp_path):
    f = tmp_path / "bom.json"
    f.write_bytes(b"\xef\xbb\xbf" + json.dumps({"a": 1}).encode())
    assert read_json(f) == {"a": 1}


def test_field_name_formats_pydantic_locations():
    assert field_name(("history", 2, "images", 0)) == "history[2].images[0]"
    assert field_name(("aspect_ratio",)) == "aspect_ratio"
    assert field_name(("facts", "price")) == "facts.price"


# ---------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------


def test_user_round_trip_resolves_relative_paths(user_dir):
    f = _write(user_dir / "user.json", _user_doc())
    user = load_user(f)
    assert user.user_id == "u1" and user.demographics.locale == "zh-CN"
    assert [it.id for it in user.history] == ["n1", "n2"]
    assert user.history[0].images == [str((user_dir / "img" / "a.png").resolve())]
    assert all(Path(p).is_absolute() and Path(p).is_file() for it in user.history for p in it.images)
    assert user.history[0].title == "春日护肤"


def test_user_loaded_from_another_working_directory(user_dir, tmp_path_factory, monkeypatch):
    f = _write(user_dir / "user.json", _user_doc())
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert load_user(str(f)).history[1].images[0] == str((user_dir / "img" / "b.png").resolve())


def test_user_empty_history(user_dir):
    f = _write(user_dir / "user.json", _user_doc(history=[]))
    _raises(lambda: load_user(f), f, "history", "empty")


def test_user_with_fewer_history_items_than_configured(user_dir, monkeypatch):
    from nextads.settings import get_settings

    monkeypatch.setenv("NEXTADS_MIN_HISTORY_ITEMS", "5")  # the paper's scripts want at least 5 notes
    get_settings.cache_clear()
    try:
        f = _write(user_dir / "user.json", _user_doc())
        _raises(lambda: load_user(f), f, "history", "has 2 items", "at least 5")
    finally:
        monkeypatch.delenv("NEXTADS_MIN_HISTORY_ITEMS")
        get_settings.cache_clear()


def test_user_without_any_text_or_images(user_dir):
    f = _write(user_dir / "user.json", _user_doc(history=[{"id": "a", "title": " "}, {"id": "b", "text": ""}]))
    _raises(lambda: load_user(f), f, "history", "no text and no images")


def test_user_missing_image(user_dir):
    doc = _user_doc()
    doc["history"][1]["images"] = ["img/b.png", "img/gone.jpg"]
    f = _write(user_dir / "user.json", doc)
    _raises(lambda: load_user(f), f, "history[1].images[1]", "not found", "gone.jpg")


def test_user_corrupt_image(user_dir):
    (user_dir / "img" / "junk.png").write_bytes(b"definitely not a png")
    doc = _user_doc()
    doc["history"][0]["images"] = ["img/junk.png"]
    f = _write(user_dir / "user.json", doc)
    _raises(lambda: load_user(f), f, "history[0].images[0]", "cannot be decoded")


def test_user_truncated_image_is_caught_by_full_decode(user_dir):
    noisy = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    full = user_dir / "img" / "full.png"
    Image.fromarray(noisy).save(full)
    data = full.read_bytes()
    (user_dir / "img" / "cut.png").write_bytes(data[: len(data) // 2])
    doc = _user_doc()
    doc["history"][1]["images"] = ["img/cut.png"]
    f = _write(user_dir / "user.json", doc)
    _raises(lambda: load_user(f), f, "history[1].images[0]", "cannot be decoded")


def test_user_missing_cover(user_dir):
    doc = _user_doc()
    doc["history"][0]["cover"] = "covers/c.jpg"
    f = _write(user_dir / "user.json", doc)
    _raises(lambda: load_user(f), f, "history[0].cover", "not found")


def test_user_schema_error_names_nested_field(user_dir):
    doc = _user_doc()
    doc["history"][1]["images"] = ["img/b.png", 7]
    f = _write(user_dir / "user.json", doc)
    _raises(lambda: load_user(f), f, "history[1].images[1]", "valid string")


def test_user_missing_required_field(user_dir):
    doc = _user_doc()
    del doc["user_id"]
    f = _write(user_dir / "user.json", doc)
    _raises(lambda: load_user(f), f, "user_id", "required")


def test_user_unknown_field_is_rejected(user_dir):
    f = _write(user_dir / "user.json", _user_doc(nickname="x"))
    _raises(lambda: load_user(f), f, "nickname", "not permitted")


def test_user_duplicate_item_ids(user_dir):
    doc = _user_doc()
    doc["history"][1]["id"] = "n1"
    f = _write(user_dir / "user.json", doc)
    _raises(lambda: load_user(f), f, "history[1].id", "duplicate")


def test_user_remote_image_url_rejected(user_dir):
    doc = _user_doc()
    doc["history"][0]["images"] = ["https://example.com/a.jpg"]
    f = _write(user_dir / "user.json", doc)
    _raises(lambda: load_user(f), f, "history[0].images[0]", "offline")


def test_user_video_checked(user_dir):
    (user_dir / "clip.mp4").write_bytes(b"\x00" * 100)
    doc = _user_doc()
    doc["history"][0]["video"] = "clip.mp4"
    f = _write(user_dir / "user.json", doc)
    _raises(lambda: load_user(f), f, "history[0].video", "cannot be decoded")

    writer = cv2.VideoWriter(str(user_dir / "ok.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for i in range(3):
        writer.write(np.full((48, 64, 3), 60 * i, np.uint8))
    writer.release()
    doc["history"][0]["video"] = "ok.avi"
    user = load_user(_write(user_dir / "user.json", doc))
    assert user.history[0].video == str((user_dir / "ok.avi").resolve())


@pytest.mark.skipif(not (SHARED_VIDEOS / "1002.mp4").is_file(), reason="shared MicroLens videos absent")
def test_user_with_real_microlens_video(user_dir):
    doc = _user_doc()
    doc["history"][0]["video"] = str(SHARED_VIDEOS / "1002.mp4")
    assert load_user(_write(user_dir / "user.json", doc)).history[0].video.endswith("1002.mp4")


def test_demo_user_and_unknown_demo():
    user = load_user("demo:maya")
    assert user.user_id == "maya" and len(user.history) >= 10
    assert all(Path(p).is_absolute() for it in user.history for p in it.images)
    err = _raises(lambda: load_user("demo:nobody"), "demo:nobody", "user_id", "unknown demo user", "maya", "wei")
    assert "lin" in err.message


# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------


def test_product_round_trip_resolves_asset_paths(product_dir):
    f = _write(product_dir / "product.json", _product_doc())
    product = load_product(f)
    assert product.asset("hero").path == str((product_dir / "hero.png").resolve())
    assert product.asset("logo").path == str((product_dir / "art" / "logo.png").resolve())
    assert product.asset("hero").license.expires.isoformat() == "2027-12-31"
    assert product.facts == {"price": "$1"}


def test_product_missing_asset(product_dir):
    doc = _product_doc()
    doc["assets"][1]["path"] = "art/missing.png"
    f = _write(product_dir / "product.json", doc)
    _raises(lambda: load_product(f), f, "assets[1].path", "logo not found")


def test_product_corrupt_asset(product_dir):
    (product_dir / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    doc = _product_doc()
    doc["assets"][0]["path"] = "broken.png"
    f = _write(product_dir / "product.json", doc)
    _raises(lambda: load_product(f), f, "assets[0].path", "cannot be decoded")


def test_product_bad_asset_kind(product_dir):
    doc = _product_doc()
    doc["assets"][0]["kind"] = "picture"
    f = _write(product_dir / "product.json", doc)
    _raises(lambda: load_product(f), f, "assets[0].kind", "picture")


def test_product_bad_licence_date(product_dir):
    doc = _product_doc()
    doc["assets"][0]["license"]["expires"] = "next year"
    f = _write(product_dir / "product.json", doc)
    _raises(lambda: load_product(f), f, "assets[0].license.expires", "date")


def test_product_bad_brand_colour_and_empty_name(product_dir):
    f = _write(product_dir / "product.json", _product_doc(brand_colors=["#D7141A", "red"]))
    _raises(lambda: load_product(f), f, "brand_colors[1]", "hex colour")
    f = _write(product_dir / "product.json", _product_doc(name="  "))
    _raises(lambda: load_product(f), f, "name", "empty")


def test_product_duplicate_asset_ids(product_dir):
    doc = _product_doc()
    doc["assets"][1]["id"] = "hero"
    f = _write(product_dir / "product.json", doc)
    _raises(lambda: load_product(f), f, "assets[1].id", "duplicate")


def test_demo_product_and_unknown_demo():
    product = load_product("demo:fizzo-cola")
    assert product.brand == "Fizzo"
    assert all(Path(a.path).is_file() for a in product.assets)
    _raises(lambda: load_product("demo:real-brand"), "demo:real-brand", "product_id",
            "unknown demo product", "aurora-phone", "vistaro-tv")


# ---------------------------------------------------------------------------
# Serving context
# ---------------------------------------------------------------------------


def test_context_default_and_section7_example(tmp_path):
    assert load_context(None) == ServingContext()
    f = _write(tmp_path / "context.json", {
        "platform": "short-video-feed", "aspect_ratio": "9:16", "duration_s": 15,
        "resolution": [720, 1280], "fps": 24, "locale": "en-US", "policies": ["default"]})
    ctx = load_context(f)
    assert ctx.size == (720, 1280) and ctx.duration_s == 15


def test_context_every_field_optional(tmp_path):
    assert load_context(_write(tmp_path / "c.json", {})) == ServingContext()


@pytest.mark.parametrize(("doc", "field", "word"), [
    ({"duration_s": 0}, "duration_s", "between"),
    ({"aspect_ratio": "0:1"}, "aspect_ratio", "positive"),
    ({"aspect_ratio": "nine:16"}, "aspect_ratio", "W:H"),
    ({"aspect_ratio": "1:9"}, "aspect_ratio", "extreme"),
    ({"aspect_ratio": "16:9", "resolution": [720, 1280]}, "resolution", "does not match"),
    ({"resolution": [720, "tall"]}, "resolution[1]", "integer"),
    ({"fps": 0}, "fps", "between"),
    ({"locale": "english please"}, "locale", "locale tag"),
    ({"platform": ""}, "platform", "empty"),
    ({"colour": "red"}, "colour", "not permitted"),
])
def test_context_impossible_values(tmp_path, doc, field, word):
    f = _write(tmp_path / "context.json", doc)
    _raises(lambda: load_context(f), f, field, word)


def test_context_resolution_rounding_is_tolerated(tmp_path):
    f = _write(tmp_path / "c.json", {"aspect_ratio": "16:9", "resolution": [1366, 768]})
    assert load_context(f).resolution == (1366, 768)


def test_load_inputs_validates_all(user_dir, tmp_path):
    _png(tmp_path / "hero.png")
    _png(tmp_path / "art" / "logo.png")
    user, product, ctx = load_inputs(_write(user_dir / "user.json", _user_doc()),
                                     _write(tmp_path / "product.json", _product_doc()))
    assert user.user_id == "u1" and product.product_id == "p1" and ctx == ServingContext()
    assert load_inputs(None, "demo:vistaro-tv")[0] is None
    bad = _write(tmp_path / "ctx.json", {"duration_s": 500})
    _raises(lambda: load_inputs(None, "demo:vistaro-tv", bad), bad, "duration_s", "between")


def test_host_title_from_a_microlens_layout(tmp_path):
    from nextads.loaders import host_title_for

    (tmp_path / "videos").mkdir()
    video = tmp_path / "videos" / "1002.mp4"
    video.write_bytes(b"")
    assert host_title_for(video) == ""  # no titles file
    (tmp_path / "MicroLens-50k_titles.csv").write_text('item,title\n1001,other\n1002,"a game, with a comma"\n')
    assert host_title_for(video) == "a game, with a comma"
    assert host_title_for(tmp_path / "videos" / "9.mp4") == ""
