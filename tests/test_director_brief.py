"""The Director honours a campaign's CreativeBrief (match_product, write_storyboard, the LLM
post-check, the Director subgraph) and is unchanged without one."""

from __future__ import annotations

import pytest

from agents.director import llm as director_llm
from agents.director.matching import match_product
from agents.director.profile import model_user
from agents.director.storyboard import PRODUCT_LATE_SCENES, is_price, load_pack, write_storyboard
from graphs.director import build_director
from graphs.state import dump
from nextads.catalog import demo_products, demo_users
from nextads.schemas import CreativeBrief, ServingContext, Storyboard

CONTEXT = ServingContext(duration_s=15.0, resolution=(144, 256), fps=8)


@pytest.fixture(scope="module")
def pair():
    user = next(u for u in demo_users() if u.user_id == "maya")
    product = next(p for p in demo_products() if p.product_id == "summitra-tent")
    profile = model_user(user)
    return user, product, profile


def _claims(board: Storyboard) -> list[str]:
    return [c for s in board.scenes for c in s.claims]


def _board(pair, brief: CreativeBrief | None, context: ServingContext = CONTEXT) -> Storyboard:
    _, product, profile = pair
    match = match_product(profile, product, brief=brief)
    return write_storyboard(profile, product, match, context, brief=brief)


def test_no_brief_keeps_the_storyboard_unchanged(pair):
    _, product, profile = pair
    match = match_product(profile, product)
    assert match_product(profile, product, brief=None) == match
    assert write_storyboard(profile, product, match, CONTEXT) == write_storyboard(profile, product, match, CONTEXT,
                                                                                  brief=None)


def test_brief_facet_leads_only_when_it_is_the_products_own(pair):
    _, product, profile = pair
    default = match_product(profile, product)
    other = next(f for f in product.facts if f != default.chosen_facet and not is_price(f))
    led = match_product(profile, product, brief=CreativeBrief(facet=other))
    assert led.chosen_facet == other and led.facets[0].facet == other
    board = write_storyboard(profile, product, led, CONTEXT, brief=CreativeBrief(facet=other))
    assert _claims(board)[0] == other
    # Not a facet of this product: the match is the Director's own.
    assert match_product(profile, product, brief=CreativeBrief(facet="made on the moon")) == default


def test_avoided_claims_are_never_stated(pair):
    first = _board(pair, None)
    stated = set(_claims(first))
    assert stated
    again = _board(pair, CreativeBrief(avoid_claims=sorted(stated)))
    assert not stated & set(_claims(again))


def test_hypotheses_are_taken_when_valid(pair):
    brief = CreativeBrief(hook_type="question", narrative_form="listicle", template="energetic")
    board = _board(pair, brief)
    assert (board.hook_type, board.narrative_form, board.template) == ("question", "listicle", "energetic")
    # A form this plan cannot tell (no interest to tell a day in the life through) falls back.
    _, product, profile = pair
    generic = profile.model_copy(update={"generic": True, "interests": []})
    match = match_product(generic, product)
    assert write_storyboard(generic, product, match, CONTEXT,
                            brief=CreativeBrief(narrative_form="day_in_life")).narrative_form != "day_in_life"


def test_hook_stage_is_light_and_shows_the_product_late(pair):
    _, product, _ = pair
    board = _board(pair, CreativeBrief(stage="hook"))
    claims = _claims(board)
    assert len(claims) <= 1 and not any(is_price(c) for c in claims)
    product_refs = {a.id for a in product.assets} | {"collage"}
    early = board.scenes[: len(board.scenes) - PRODUCT_LATE_SCENES]
    assert early and all(not set(s.asset_refs) & product_refs for s in early)
    soft = {t["text"].format(product=product.name) for t in load_pack("en")["cta"]["calm"]}
    assert board.scenes[-1].on_screen_text in soft


def test_information_and_proof_stages_hold_the_price_back(pair):
    info = _claims(_board(pair, CreativeBrief(stage="information")))
    proof = _claims(_board(pair, CreativeBrief(stage="proof")))
    _, product, _ = pair
    assert not any(is_price(c) for c in info + proof)
    points = set(product.selling_points)
    # Information tells selling points first; proof tells verified facts first.
    assert info[0] in points and proof[0] in product.facts


def test_conversion_stage_states_the_price_with_a_strong_cta(pair):
    _, product, profile = pair
    board = _board(pair, CreativeBrief(stage="conversion"))
    assert "price" in _claims(board)
    pack = load_pack("en")["cta"]
    groups = ["energetic", *[t for t in profile.decision_tendencies if t in pack]]
    strong = {t["text"].format(product=product.name) for g in groups for t in pack[g]}
    assert board.scenes[-1].on_screen_text in strong


def test_edit_under_a_brief_rewrites_only_the_hook(pair):
    from nextads.schemas import RevisionDirective

    _, product, profile = pair
    brief = CreativeBrief(stage="information")
    match = match_product(profile, product, brief=brief)
    first = write_storyboard(profile, product, match, CONTEXT, brief=brief)
    directive = RevisionDirective(target="write_storyboard", level="plan", scope=[0], time_range=(0.0, 3.0),
                                  hook_type="curiosity", instruction="rewrite the hook", reason="skip at 2.8 s")
    edited = write_storyboard(profile, product, match, CONTEXT, previous=first, directive=directive, brief=brief)
    assert edited.hook_type == "curiosity"
    assert edited.scenes[1:] == first.scenes[1:] and edited.scenes[0] != first.scenes[0]


def test_llm_storyboard_that_repeats_an_avoided_claim_falls_back(pair):
    board = _board(pair, None)
    claim = _claims(board)[0]
    with pytest.raises(director_llm.StepFallback):
        director_llm.honour_brief(board, CreativeBrief(avoid_claims=[claim]))
    kept = director_llm.honour_brief(board, CreativeBrief(template="playful", hook_type="pov"))
    assert (kept.template, kept.hook_type) == ("playful", "pov")
    assert "never state these claims" in director_llm.campaign_brief_prompt(CreativeBrief(avoid_claims=[claim]))


def test_director_subgraph_passes_the_brief_from_state(pair, tmp_path):
    user, product, _ = pair
    brief = CreativeBrief(stage="conversion", template="energetic", hook_type="question")
    state = {"task": "pcg", "user": dump(user), "product": dump(product), "context": dump(CONTEXT),
             "work_dir": str(tmp_path), "generic": False, "brief": dump(brief)}
    out = build_director().invoke(state)
    board = Storyboard.model_validate(out["storyboard"])
    assert (board.template, board.hook_type) == ("energetic", "question")
    assert "price" in _claims(board)
