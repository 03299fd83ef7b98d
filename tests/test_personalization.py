"""Two demo users with different tastes get visibly different ads for the same product."""

from __future__ import annotations

import pytest

from graphs.director import build_director
from graphs.state import plan_of
from nextads.catalog import get_demo_product, get_demo_user
from nextads.schemas import ServingContext


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    product = get_demo_product("summitra-tent")
    out = {}
    for uid in ("maya", "jordan", "wei"):
        state = {"task": "pcg", "user": get_demo_user(uid).model_dump(mode="json"),
                 "product": product.model_dump(mode="json"), "context": ServingContext().model_dump(mode="json"),
                 "work_dir": str(tmp_path_factory.mktemp(uid)), "max_rounds": 0, "generic": False}
        out[uid] = plan_of({**state, **build_director().invoke(state)})
    return out


def test_templates_palettes_and_openings_differ(plans):
    maya, jordan, wei = plans["maya"], plans["jordan"], plans["wei"]
    assert len({p.storyboard.template for p in plans.values()}) == 3  # calm / energetic / playful
    assert maya.grounding.palette[1:3] != jordan.grounding.palette[1:3]  # user-tinted background and text
    # The camper's ad is personalised through camping and opens on her own pictures.
    assert not maya.match.generic and maya.match.chosen_interest == "camping"
    assert any(ref.startswith("cue:") for ref in maya.storyboard.scenes[0].asset_refs)
    assert maya.storyboard.scenes[0].on_screen_text != jordan.storyboard.scenes[0].on_screen_text
    # The brand stays the same for everyone: same lead colour, same verified claims pool.
    assert {p.grounding.palette[0] for p in plans.values()} == {maya.grounding.palette[0]}
    facts = {*get_demo_product("summitra-tent").facts, *get_demo_product("summitra-tent").selling_points}
    for p in (maya, jordan, wei):
        assert {c for s in p.storyboard.scenes for c in s.claims} <= facts
