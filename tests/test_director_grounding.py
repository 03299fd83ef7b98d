"""Director step 4: ground_assets, with the asset_lookup and build_collage tools."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agents.director.grounding import (
    CUE_SIZE,
    TEXT_MIN_CONTRAST,
    contrast_ratio,
    ground_assets,
    harmonise_palette,
)
from agents.director.storyboard import write_storyboard
from nextads.errors import InputError
from nextads.schemas import (
    Asset,
    Interest,
    InterestScore,
    License,
    MatchResult,
    PresentationStyle,
    Product,
    ServingContext,
    UserProfile,
    VisualElement,
    VisualPreferences,
)
from tools.assets import asset_lookup
from tools.collage import build_collage

SERVE = date(2025, 6, 1)
RED, GREEN, BLUE, SAND = (220, 20, 20), (20, 200, 20), (10, 10, 200), (200, 180, 120)


@pytest.fixture()
def media(tmp_path: Path) -> Path:
    """Tiny solid-colour product images, logo and a history image for a cue."""
    Image.new("RGB", (60, 80), RED).save(tmp_path / "hero.png")
    Image.new("RGB", (60, 60), GREEN).save(tmp_path / "life.png")
    Image.new("RGBA", (40, 20), BLUE + (255,)).save(tmp_path / "logo.png")
    Image.new("RGB", (120, 90), SAND).save(tmp_path / "history.jpg")
    return tmp_path


def make_product(media: Path, *, hero_expires: date | None = None, brand_colors=("#e11d48",)) -> Product:
    return Product(
        product_id="p1", name="AeroRun", brand="Stride", category="running shoes",
        selling_points=["Lightweight mesh upper keeps feet cool", "Made from recycled materials"],
        facts={"price": "$89"}, competitors=["Nike"], brand_colors=list(brand_colors),
        assets=[
            Asset(id="hero", path=str(media / "hero.png"), license=License(holder="Stride", expires=hero_expires)),
            Asset(id="lifestyle", path=str(media / "life.png"), license=License(holder="Stride")),
            Asset(id="logo", kind="logo", path=str(media / "logo.png"), license=License(holder="Stride")),
            Asset(id="banner", path=str(media / "hero.png"), license=License(holder="Stride", platforms=["tv"])),
            Asset(id="unlicensed", path=str(media / "hero.png")),
        ],
    )


def make_profile(media: Path, *, generic: bool = False) -> UserProfile:
    return UserProfile(
        user_id="u1", generic=generic,
        interests=[Interest(topic="trail running", weight=0.9, tier="strong")],
        style=PresentationStyle(tone="energetic", narrative_form="showcase"),
        visual=VisualPreferences(palette=["#d9c9a3", "#556b2f"], brightness=0.7, elements=[
            VisualElement(description="sandy trail", source=str(media / "history.jpg"), item_id="n1"),
            VisualElement(description="missing image", source=str(media / "gone.jpg"), item_id="n2"),
        ]),
    )


MATCH = MatchResult(compatibility=0.8, threshold=0.35, chosen_interest="trail running",
                    interests=[InterestScore(topic="trail running", score=0.8, scenario="a dawn trail run")])
CONTEXT = ServingContext(duration_s=10, resolution=(90, 160), serve_date=SERVE)


def ground(media: Path, product: Product, profile: UserProfile | None = None, context=CONTEXT):
    profile = profile or make_profile(media)
    sb = write_storyboard(profile, product, MATCH, context)
    return sb, ground_assets(sb, product, profile, context, media / "work")


def fraction_near(image: np.ndarray, colour: tuple[int, int, int], tol: int = 12) -> float:
    return float((np.abs(image.astype(int) - np.array(colour)).max(axis=-1) <= tol).mean())


# --- asset_lookup ------------------------------------------------------------------------------


def test_asset_lookup_splits_eligible_and_rejected(media):
    product = make_product(media, hero_expires=date(2024, 12, 31))
    out = asset_lookup.invoke({"product": product.model_dump(mode="json"), "platform": "short-video-feed",
                               "date": SERVE.isoformat()})
    assert [a["id"] for a in out["eligible"]] == ["lifestyle", "logo"]
    assert "expired" in out["rejected"]["hero"]
    assert "platform" in out["rejected"]["banner"]
    assert "licence" in out["rejected"]["unlicensed"]
    # The same hero is fine before its licence ends; kinds filter the answer.
    earlier = asset_lookup.invoke({"product": product.model_dump(mode="json"), "platform": "short-video-feed",
                                   "date": "2024-12-31", "kinds": ["image"]})
    assert [a["id"] for a in earlier["eligible"]] == ["hero", "lifestyle"]


def test_asset_lookup_reads_product_json_with_relative_paths(media):
    (media / "product.json").write_text(json.dumps({
        "product_id": "p2", "name": "Mug",
        "assets": [{"id": "hero", "kind": "image", "path": "hero.png", "license": {"holder": "Me"}},
                   {"id": "ghost", "kind": "image", "path": "ghost.png", "license": {"holder": "Me"}}],
    }))
    out = asset_lookup.invoke({"product": str(media / "product.json"), "platform": "any", "date": "2025-01-01"})
    assert out["eligible"][0]["path"] == str((media / "hero.png").resolve())
    assert "not found" in out["rejected"]["ghost"]
    with pytest.raises(InputError):
        asset_lookup.invoke({"product": str(media / "nope.json"), "platform": "any", "date": "2025-01-01"})


# --- ground_assets ------------------------------------------------------------------------------


def test_expired_licence_is_never_bound_and_scenes_fall_back(media):
    """A plan written while the hero was licensed, served after its licence ended."""
    product = make_product(media, hero_expires=date(2024, 12, 31))
    profile = make_profile(media)
    sb = write_storyboard(profile, product, MATCH, CONTEXT.model_copy(update={"serve_date": date(2024, 12, 1)}))
    g = ground_assets(sb, product, profile, CONTEXT, media / "work")
    referenced_hero = [s.index for s in sb.scenes if "hero" in s.asset_refs]
    assert referenced_hero  # the storyboard asked for the hero ...
    bound = {aid for b in g.bindings for aid in b.asset_ids}
    assert "hero" not in bound and not {"banner", "unlicensed"} & bound  # ... grounding never shows it
    for i in referenced_hero:
        assert "lifestyle" in g.bindings[i].asset_ids  # the eligible image stands in
    assert "expired" in g.rejected_assets["hero"]
    assert any(c.startswith("asset:hero not shown") for c in g.constraints)


def test_storyboard_plans_only_with_licensed_assets(media):
    product = make_product(media, hero_expires=date(2024, 12, 31))
    sb, _ = ground(media, product)
    refs = {r for s in sb.scenes for r in s.asset_refs}
    assert "lifestyle" in refs and not {"hero", "banner", "unlicensed"} & refs


def test_bindings_cues_and_constraints(media):
    product = make_product(media)
    sb, g = ground(media, product)
    assert [b.scene_index for b in g.bindings] == [s.index for s in sb.scenes]
    assert "logo" in g.bindings[-1].asset_ids and "logo on end card" in g.constraints
    assert "claims subset of facts" in g.constraints
    hero_scenes = [b.scene_index for b in g.bindings if "hero" in b.asset_ids]
    assert f"asset:hero visible in scenes {hero_scenes}" in g.constraints
    assert any(c.startswith("palette: ") and g.palette[0] in c for c in g.constraints)
    # One cue prepared (the other history image is missing): square, in work_dir/cues, bound in the hook.
    assert [c.id for c in g.cues] == ["0"]
    cue = Image.open(g.cues[0].path)
    assert cue.size == (CUE_SIZE, CUE_SIZE) and Path(g.cues[0].path).parent == media / "work" / "cues"
    assert g.bindings[0].cue_ids == ["0"]


def test_collage_written_with_product_pixels(media):
    _, g = ground(media, make_product(media))
    img = np.asarray(Image.open(g.collage_path).convert("RGB"))
    assert Path(g.collage_path) == media / "work" / "collage.png"
    assert img.shape == (160, 90, 3)
    assert fraction_near(img, RED) > 0.10  # the hero is prominent
    assert fraction_near(img, RED) > fraction_near(img, SAND) > 0.01  # cues present but smaller
    assert fraction_near(img, GREEN) > 0.0


def test_generic_profile_gets_brand_palette_and_no_cues(media):
    product = make_product(media)
    _, g = ground(media, product, make_profile(media, generic=True))
    assert g.cues == [] and not any(b.cue_ids for b in g.bindings)
    assert g.palette[0] == "#e11d48"
    assert "#d9c9a3" not in g.palette and "#556b2f" not in g.palette


def test_brand_colour_taken_from_logo_when_not_declared(media):
    _, g = ground(media, make_product(media, brand_colors=()))
    r, gr, b = (int(g.palette[0][i:i + 2], 16) for i in (1, 3, 5))
    assert b > 150 and r < 60 and gr < 60  # the logo's blue leads the palette


# --- tools: palette and collage -------------------------------------------------------------------


def test_palette_keeps_brand_colour_and_contrast():
    for user, light in ((["#d9c9a3", "#556b2f"], True), (["#222233", "#ff8800"], False), ([], True)):
        palette = harmonise_palette(user, ["#e11d48", "#0057b8"], prefers_light=light)
        assert palette[0] == "#e11d48" and "#0057b8" in palette
        background, text = palette[1], palette[2]
        assert contrast_ratio(text, background) >= TEXT_MIN_CONTRAST
        assert len(set(palette)) == len(palette)
    light = harmonise_palette(["#d9c9a3"], ["#e11d48"], prefers_light=True)
    dark = harmonise_palette(["#d9c9a3"], ["#e11d48"], prefers_light=False)
    assert contrast_ratio(light[1], "#ffffff") < contrast_ratio(dark[1], "#ffffff")  # user brightness counts
    # A pale brand colour on a light background flips the background dark (accent stays exact).
    pale = harmonise_palette(["#f0f0f0"], ["#ffe066"], prefers_light=True)
    assert pale[0] == "#ffe066" and contrast_ratio(pale[0], pale[1]) >= 3.0


def test_build_collage_tool_landscape_with_start_frame(tmp_path, media):
    Image.new("RGB", (64, 36), (90, 90, 90)).save(tmp_path / "frame.png")
    out = build_collage.invoke({
        "product_images": [str(media / "hero.png"), str(media / "life.png")],
        "cue_images": [str(media / "history.jpg")],
        "start_frame": str(tmp_path / "frame.png"),
        "palette": ["#e11d48", "#f4f4f0", "#111111"],
        "output_path": str(tmp_path / "out" / "c.png"),
        "size": [192, 108],
    })
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape == (108, 192, 3)
    assert fraction_near(img, RED) > fraction_near(img, GREEN) > 0
    assert fraction_near(img, (90, 90, 90), tol=3) > 0 and fraction_near(img, SAND) > 0
    assert fraction_near(img[-3:], (0xE1, 0x1D, 0x48), tol=3) > 0.2  # swatch strip at the bottom
