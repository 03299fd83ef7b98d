"""Director step 2 (offline bidirectional matching)."""

from __future__ import annotations

import pytest

from agents.director.matching import match_product, product_facets
from agents.director.profile import model_user
from nextads.schemas import Demographics, HistoryItem, Interest, Product, UserData, UserProfile


def H(i: int, title: str, text: str = "") -> HistoryItem:
    return HistoryItem(id=f"n{i}", title=title, text=text)


OUTDOOR = UserData(
    user_id="hiker",
    demographics=Demographics(gender="male", age_range="26-30", locale="en-US"),
    history=[
        H(1, "Sunrise hike up Mount Tam", "The trail was muddy but the view was worth it! #hiking"),
        H(2, "Best budget hiking boots under $100", "Cheap but durable picks for rocky trails."),
        H(3, "My first solo camping trip", "Pitched the tent by the lake and slept under the stars."),
        H(4, "Weekend trek in the Dolomites", "Three days on the Alta Via trail, hut to hut."),
        H(5, "Camping in the rain", "Pitch the tent on high ground and bring a tarp, discount code inside."),
        H(6, "Summit day on Mount Whitney", "Long hike, 22 miles round trip."),
        H(7, "Homemade pasta night", "Fresh tagliatelle with butter and sage."),
        H(8, "Sourdough bread attempt", "Finally got a good crumb on my sourdough loaf."),
    ],
)

ZH_CAMPER = UserData(
    user_id="zh-camper",
    history=[
        H(1, "周末去露营", "第一次露营,帐篷搭建很快 #露营[话题]#"),
        H(2, "露营装备清单", "帐篷 天幕 睡袋 营地灯 #露营装备[话题]#"),
        H(3, "徒步登山", "爬山六小时,山顶风景太美了 #徒步[话题]#"),
        H(4, "雨天露营", "下雨天在营地搭帐篷,一定要防水 #露营[话题]#"),
    ],
)

TENT = Product(
    product_id="tent", name="Summitra Ridge 2", brand="Summitra", category="tent",
    intro="A two-person backpacking tent that pitches in three minutes.",
    selling_points=["pitches in three minutes with colour-coded poles", "weighs only 1.4 kg packed",
                    "stays dry through a night of storm rain"],
    facts={"price": "$249, with a launch discount", "weight": "1.4 kg", "capacity": "2 people"},
    competitors=["Trailmaster"],
)
COFFEE = Product(
    product_id="coffee", name="Brewmont Barista One", brand="Brewmont", category="coffee machine",
    intro="An espresso machine with a built-in grinder and milk frother.",
    selling_points=["15-bar pump for café-style espresso", "built-in conical grinder", "steam wand for silky milk foam"],
    facts={"price": "$499", "warranty": "2 years"},
    competitors=["Nespresso"],
)


@pytest.fixture(scope="module")
def hiker():
    return model_user(OUTDOOR)


def test_outdoor_user_tent_beats_coffee_machine(hiker):
    tent, coffee = match_product(hiker, TENT), match_product(hiker, COFFEE)
    assert tent.compatibility > coffee.compatibility + 0.2
    assert not tent.generic and tent.compatibility >= tent.threshold == 0.35
    assert tent.chosen_interest in ("camping", "outdoor hiking")
    assert tent.interests[0].topic in ("camping", "outdoor hiking")
    assert tent.bridge.isascii() and "Summitra Ridge 2" in tent.bridge and tent.bridge.endswith(".")
    assert tent.chosen_facet in {f.key for f in product_facets(TENT)}
    assert all(s.scenario for s in tent.interests)
    # low compatibility -> generic creative, no personal bridge
    assert coffee.generic and coffee.chosen_interest is None and coffee.bridge == ""
    assert coffee.facets and coffee.chosen_facet == coffee.facets[0].facet


def test_cross_lingual_match():
    m = match_product(model_user(ZH_CAMPER), TENT)
    assert not m.generic and m.chosen_interest in ("camping", "outdoor hiking")


def test_threshold_argument_forces_generic(hiker):
    m = match_product(hiker, TENT, threshold=0.999)
    assert m.generic and m.chosen_interest is None and m.bridge == "" and m.threshold == 0.999
    assert m.compatibility == match_product(hiker, TENT).compatibility


def test_competitor_bridge_excluded():
    history = OUTDOOR.history[:2] + [
        H(3, "My first solo camping trip", "Pitched my Trailmaster tent by the lake."),
        H(4, "Weekend trek in the Dolomites", "Three days on the Alta Via trail, hut to hut."),
        H(5, "Camping in the rain", "The Trailmaster tent kept us dry, pitch it on high ground."),
        *OUTDOOR.history[5:],
    ]
    profile = model_user(UserData(user_id="rival", history=history))
    camping = next(i for i in profile.interests if any(k.lower() == "trailmaster" for k in i.keywords))
    m = match_product(profile, TENT)
    assert camping.topic in m.excluded_interests
    assert m.chosen_interest != camping.topic
    assert "Trailmaster" not in m.bridge and "Trailmaster" in m.rationale


def test_same_category_history_brand_is_a_competitor():
    # Coleman is outdoor gear in the brand lexicon; the tent's market is found from its category.
    profile = UserProfile(user_id="p", mentioned_brands=["Coleman", "Starbucks"], interests=[
        Interest(topic="camping", weight=0.6, tier="strong", keywords=["tent", "coleman"]),
        Interest(topic="outdoor hiking", weight=0.4, tier="medium", keywords=["trail", "summit", "starbucks"]),
    ])
    product = TENT.model_copy(update={"competitors": []})
    m = match_product(profile, product)
    assert m.excluded_interests == ["camping"]
    assert m.chosen_interest == "outdoor hiking"  # Starbucks is not in the tent's market


def test_exclude_interests_and_facets(hiker):
    base = match_product(hiker, TENT)
    m = match_product(hiker, TENT, exclude_interests=[base.chosen_interest], exclude_facets=[base.chosen_facet])
    assert base.chosen_interest in m.excluded_interests
    assert m.chosen_interest != base.chosen_interest
    assert base.chosen_facet not in {f.facet for f in m.facets}
    assert m.chosen_facet != base.chosen_facet


def test_price_sensitive_user_gets_price_facet_bonus(hiker):
    assert "price_sensitive" in hiker.decision_tendencies
    neutral = hiker.model_copy(update={"decision_tendencies": []})
    price = lambda m: next(f for f in m.facets if f.facet == "price")  # noqa: E731
    with_bonus, without = price(match_product(hiker, TENT)), price(match_product(neutral, TENT))
    assert with_bonus.score > without.score and "price_sensitive" in with_bonus.reason


def test_medium_tier_wins_when_it_personalises_better():
    profile = UserProfile(user_id="t", interests=[
        Interest(topic="baking and desserts", weight=0.6, tier="strong", keywords=["sourdough", "cake"]),
        Interest(topic="camping", weight=0.4, tier="medium", keywords=["tent", "campsite"]),
    ])
    m = match_product(profile, TENT)
    assert m.chosen_interest == "camping" and "medium tier" in m.rationale
    # and the strong tier keeps it when both fit the product about equally
    both = profile.model_copy(update={"interests": [
        Interest(topic="camping", weight=0.6, tier="strong", keywords=["tent", "campsite"]),
        Interest(topic="outdoor hiking", weight=0.4, tier="medium", keywords=["trail"]),
    ]})
    assert match_product(both, TENT).chosen_interest == "camping"


def test_generic_profile_gives_generic_match():
    m = match_product(UserProfile(user_id="g", generic=True), TENT)
    assert m.generic and m.chosen_interest is None and m.interests == []
    assert [f.facet for f in m.facets][0] == TENT.selling_points[0]


def test_deterministic(hiker):
    assert match_product(hiker, TENT).model_dump() == match_product(hiker, TENT).model_dump()
