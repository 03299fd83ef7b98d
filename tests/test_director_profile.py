"""Director step 1 (offline user modeling) and the text / image analysis it needs."""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agents.director.profile import find_brands, model_user, sensitive_categories
from nextads.schemas import Demographics, HistoryItem, UserData
from nextads.settings import get_settings
from nextads.text import detect_language, hashtags, keywords, tokenize
from tools.media.image_analysis import aggregate_visual, analyze_image, palette_distance

QILIN_CSV = Path("/work/shared/data/qilin-nextads/user_subset_details.csv")


def H(i: int, title: str, text: str = "", images: list[str] | None = None) -> HistoryItem:
    return HistoryItem(id=f"n{i}", title=title, text=text, images=images or [])


OUTDOOR_COOK = UserData(
    user_id="en-1",
    demographics=Demographics(gender="male", age_range="26-30", locale="en-US"),
    history=[
        H(1, "Sunrise hike up Mount Tam", "Left at 5am, the trail was muddy but the view was worth it! #hiking"),
        H(2, "Homemade pasta night", "Fresh tagliatelle with butter and sage, so easy and cheap."),
        H(3, "My first solo camping trip", "Pitched the tent by the lake, cooked on a tiny stove, slept under the stars."),
        H(4, "Sourdough bread attempt", "Finally got a good crumb on my sourdough loaf, baking is addictive."),
        H(5, "Weekend trek in the Dolomites", "Three days on the Alta Via trail, hut to hut, amazing mountains."),
        H(6, "Best budget cake recipe", "A cheap chocolate cake recipe for beginners, discount flour from the store."),
        H(7, "Summit day on Mount Whitney", "Long hike, 22 miles round trip on the mountain trail."),
        H(8, "Baking cinnamon rolls", "Soft cinnamon rolls from scratch, my oven smells amazing."),
    ],
)

ZH_USER = UserData(
    user_id="zh-1",
    demographics=Demographics(gender="female", age_range="23-25", locale="zh-CN"),
    history=[
        H(1, "周末去露营", "第一次露营,帐篷搭建很快,晚上看星星太治愈了 #露营[话题]# #户外[话题]#"),
        H(2, "露营装备清单", "帐篷 天幕 睡袋 营地灯 都是平价好物 #露营装备[话题]#"),
        H(3, "秋季护肤分享", "换季皮肤干,这款精华保湿效果很好 #护肤[话题]#"),
        H(4, "徒步登山 vlog", "爬山六小时,山顶风景绝了 #徒步[话题]#"),
        H(5, "敏感肌面霜推荐", "面霜质地清爽,用了一个月皮肤稳定 #护肤[话题]# #面霜[话题]#"),
        H(6, "防晒怎么选", "夏天防晒霜一定要选清爽不油的 #防晒[话题]#"),
    ],
)

SENSITIVE_WORDS = ["黄金微针", "医美", "点阵", "botox", "loan", "贷款", "debt"]


@pytest.fixture(scope="module")
def outdoor_profile():
    return model_user(OUTDOOR_COOK)


# --------------------------------------------------------------------------- text


def test_detect_language_and_tokenize():
    assert detect_language("周末去露营,帐篷搭建很快 #camping") == "zh"
    assert detect_language("Weekend camping with friends") == "en"
    assert detect_language("1234 !!") == "und"
    en = tokenize("We went HIKING in the Alps with the new tent!")
    assert "hiking" in en and "tent" in en and "the" not in en and "we" not in en
    zh = tokenize("第一次露营,帐篷搭建很快")
    assert "露营" in zh and "帐篷" in zh and "的" not in zh


def test_jieba_cache_lives_in_state_dir():
    import jieba

    import tempfile

    tokenize("露营")
    # Pointed at <state_dir>/jieba on first use (the state dir of whichever test ran first).
    cache_dir = Path(jieba.dt.tmp_dir).resolve()
    assert cache_dir.name == "jieba" and cache_dir != Path(tempfile.gettempdir()).resolve()
    assert (cache_dir / jieba.dt.cache_file).exists()


def test_hashtags_qilin_and_plain():
    text = "好看 #蝴蝶兰[话题]# #养花[话题]##绿植[话题]# and #hiking #hiking"
    assert hashtags(text) == ["蝴蝶兰", "养花", "绿植", "hiking"]
    assert "话题" not in tokenize(text)


def test_keywords_prefer_distinctive_words():
    theme = ["camping tent by the lake", "pitched the tent in the rain", "tent stakes and camping stove"]
    background = theme + ["pasta with butter", "sourdough bread loaf", "camping"]
    kw = keywords(theme, 3, background=background)
    assert kw[0] == "tent"
    assert "the" not in kw


# --------------------------------------------------------------------------- themes and tiers


def test_english_themes_recovered(outdoor_profile):
    p = outdoor_profile
    topics = [i.topic for i in p.interests]
    evidence = {i.topic: set(i.evidence) for i in p.interests}
    outdoor = next(t for t in topics if t in ("outdoor hiking", "camping"))
    food = next(t for t in topics if t in ("baking and desserts", "home cooking and recipes"))
    assert {"n1", "n5"} <= evidence[outdoor]
    assert {"n4", "n8"} <= evidence[food]
    assert evidence[outdoor].isdisjoint(evidence[food])
    assert p.interests[0].tier == "strong" and p.interests[1].tier in ("medium", "weak")
    assert abs(sum(i.weight for i in p.interests) - 1.0) < 1e-3
    assert [i.weight for i in p.interests] == sorted((i.weight for i in p.interests), reverse=True)
    assert "price_sensitive" in p.decision_tendencies  # budget / cheap / discount cues
    assert p.summary and p.summary.isascii()


def test_chinese_history_gets_english_topic_labels():
    p = model_user(ZH_USER)
    topics = {i.topic for i in p.interests}
    assert all(t.isascii() for t in topics)
    assert topics & {"camping", "outdoor hiking"}
    assert "skincare" in topics
    skin = next(i for i in p.interests if i.topic == "skincare")
    assert {"n3", "n5"} <= set(skin.evidence)
    assert any(not k.isascii() for k in skin.keywords)  # original Chinese keywords kept


def test_recency_weights_newer_theme_higher():
    old_hikes = [H(i, f"Mountain hike number {i}", "trail, summit and hiking boots") for i in range(4)]
    new_bakes = [H(10 + i, f"Baking day {i}", "sourdough bread, cake and the oven") for i in range(4)]
    p = model_user(UserData(user_id="r", history=old_hikes + new_bakes))
    assert p.interests[0].evidence == [f"n{10 + i}" for i in range(4)]


def test_max_items_keeps_most_recent():
    items = [H(i, "Mountain hike", "trail summit hiking") for i in range(5)] + [
        H(10 + i, "Espresso at home", "latte art and coffee beans") for i in range(5)
    ]
    p = model_user(UserData(user_id="m", history=items), max_items=5)
    ev = {e for i in p.interests for e in i.evidence}
    assert ev == {f"n{10 + i}" for i in range(5)}


def test_deterministic(outdoor_profile):
    assert model_user(OUTDOOR_COOK).model_dump() == outdoor_profile.model_dump()


def test_sixty_items_fast():
    base = OUTDOOR_COOK.history + ZH_USER.history
    items = [H(i, base[i % len(base)].title + f" {i}", base[i % len(base)].text) for i in range(60)]
    user = UserData(user_id="big", history=items)
    model_user(user)  # warm the encoder and caches
    big = UserData(user_id="big2", history=[H(i + 100, it.title + " again", it.text) for i, it in enumerate(items)])
    t = time.perf_counter()
    p = model_user(big)
    assert time.perf_counter() - t < 2.0
    assert p.interests and sum(len(i.evidence) for i in p.interests) == 60


# --------------------------------------------------------------------------- privacy and exclusions


def test_sensitive_items_withheld_everywhere():
    history = ZH_USER.history + [
        H(20, "黄金微针第三次", "痘坑修复,点阵激光+黄金微针,医美真的有用 #医美[话题]#"),
        H(21, "Got botox before the wedding", "My botox appointment went fine"),
        H(22, "How I paid off my student loan", "Budget tips to get out of debt fast"),
    ]
    p = model_user(UserData(user_id="s", history=history))
    assert {"medical_aesthetics", "finances"} <= set(p.withheld_sensitive)
    creative = p.model_dump(exclude={"withheld_sensitive"})
    blob = str(creative).lower()
    for word in SENSITIVE_WORDS:
        assert word not in blob, word
    for item_id in ("n20", "n21", "n22"):
        assert item_id not in blob


def test_whole_sensitive_theme_dropped_and_rebuilt():
    aesthetic = [H(i, f"医美项目记录 {i}", "水光针和玻尿酸的恢复期分享") for i in range(6)]
    hikes = [H(10 + i, f"Mountain hike {i}", "a long hiking trail to the summit") for i in range(3)]
    p = model_user(UserData(user_id="ma", history=aesthetic + hikes))
    assert p.withheld_sensitive == ["medical_aesthetics"]
    assert [i.topic for i in p.interests] == ["outdoor hiking"]
    assert p.interests[0].tier == "strong" and p.interests[0].weight == 1.0
    assert sensitive_categories("我的房贷压力好大") == ["finances"]
    assert sensitive_categories("如何教会狗狗上厕所,带它去宠物医院") == []  # exempt / non-religious uses


def test_exclude_topics_removes_theme(outdoor_profile):
    food = next(i for i in outdoor_profile.interests if i.topic in ("baking and desserts", "home cooking and recipes"))
    p = model_user(OUTDOOR_COOK, exclude_topics=[food.topic])
    assert food.topic not in [i.topic for i in p.interests]
    remaining = {e for i in p.interests for e in i.evidence}
    assert remaining.isdisjoint({"n4", "n8"})
    assert {"n1", "n5"} <= remaining
    # a sensitive category named by a directive is recorded as withheld
    assert "medical_aesthetics" in model_user(OUTDOOR_COOK, exclude_topics=["medical aesthetics"]).withheld_sensitive


def test_mentioned_brands():
    assert find_brands("Pitched my new Trailmaster tent next to a Coleman stove") == ["Coleman", "Trailmaster"]
    assert "Starbucks" in find_brands("今天去星巴克买咖啡")
    user = UserData(user_id="b", history=[H(1, "Camping weekend", "Our Trailmaster tent survived the storm"),
                                          H(2, "星巴克新品", "星巴克的新品拿铁好喝")])
    p = model_user(user)
    assert set(p.mentioned_brands) == {"Trailmaster", "Starbucks"}
    assert any("trailmaster" in [k.lower() for k in i.keywords] for i in p.interests)  # brands stay visible to the matcher


# --------------------------------------------------------------------------- visuals


def _gradient(path: Path, top: tuple[int, int, int], bottom: tuple[int, int, int], noise: float = 0.0) -> str:
    rng = np.random.RandomState(0)
    t = np.linspace(0, 1, 96)[:, None, None]
    img = (np.array(top) * (1 - t) + np.array(bottom) * t) * np.ones((96, 64, 3)) + rng.normal(0, noise, (96, 64, 3))
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(path)
    return str(path)


def test_analyze_image_warm_vs_cool(tmp_path):
    warm = analyze_image(_gradient(tmp_path / "w.png", (250, 170, 60), (200, 80, 40)))
    cool = analyze_image(_gradient(tmp_path / "c.png", (120, 180, 240), (30, 60, 140)))
    dark = analyze_image(_gradient(tmp_path / "d.png", (30, 25, 20), (50, 45, 40)))
    grainy = analyze_image(_gradient(tmp_path / "g.png", (140, 120, 100), (110, 95, 85), noise=25))
    assert warm["warmth_label"] == "warm" and cool["warmth_label"] == "cool"
    assert warm["warmth"] > 0 > cool["warmth"]
    assert dark["lighting"] == "dim" and warm["brightness"] > dark["brightness"]
    assert grainy["texture"] == "grainy" and warm["texture"] == "smooth"
    assert all(c.startswith("#") and len(c) == 7 for c in warm["palette"])
    assert warm["elements"] and isinstance(warm["description"], str)


def test_palette_distance_properties():
    warm, cool = ["#eb9036", "#cd5a2a"], ["#5c8fd1", "#274896"]
    assert palette_distance(warm, warm) == 0.0
    assert palette_distance(warm, cool) == pytest.approx(palette_distance(cool, warm))
    assert palette_distance(warm, cool) > 0.5
    assert palette_distance(warm, ["#e8933a", "#c95c2c"]) < 0.1
    assert palette_distance([], warm) == 1.0


def test_visual_preferences_from_history_images(tmp_path):
    warm = [_gradient(tmp_path / f"w{i}.png", (250, 160 + 10 * i, 60), (200, 80, 40)) for i in range(3)]
    cool = [_gradient(tmp_path / f"c{i}.png", (120, 180, 240), (30, 60 + 10 * i, 140)) for i in range(3)]
    w_user = UserData(user_id="w", history=[H(i, "", "", [p]) for i, p in enumerate(warm)])
    c_user = UserData(user_id="c", history=[H(i, "", "", [p]) for i, p in enumerate(cool)])
    pw, pc = model_user(w_user), model_user(c_user)
    # visual-only profiles: no text, still usable
    assert pw.interests == [] and not pw.generic
    assert pw.visual.warmth == "warm" and pc.visual.warmth == "cool"
    assert palette_distance(pw.visual.palette, pc.visual.palette) > 0.5
    assert pw.visual.elements and pw.visual.elements[0].source in warm
    assert pw.visual.elements[0].item_id in {"n0", "n1", "n2"}
    agg = aggregate_visual(warm + [str(tmp_path / "missing.png")])
    assert agg["warmth"] == "warm" and len(agg["elements"]) == 3


def test_sensitive_item_images_not_used(tmp_path):
    img = _gradient(tmp_path / "s.png", (250, 170, 60), (200, 80, 40))
    p = model_user(UserData(user_id="x", history=[H(1, "黄金微针术后", "恢复第五天", [img])]))
    assert p.visual.elements == [] and p.withheld_sensitive == ["medical_aesthetics"] and p.generic


def test_empty_history_is_generic():
    p = model_user(UserData(user_id="empty"))
    assert p.generic and p.interests == []


# --------------------------------------------------------------------------- real data


@pytest.mark.skipif(not QILIN_CSV.exists(), reason="Qilin subset not available")
def test_qilin_users_profiled():
    rows = defaultdict(list)
    with QILIN_CSV.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows[r["user_idx"]].append(r)

    def user(uid: str) -> UserData:
        clean = lambda s: "" if s == "nan" else s  # noqa: E731
        return UserData(user_id=uid, history=[HistoryItem(id=r["note_idx"], title=clean(r["note_title"]),
                                                          text=clean(r["note_content"])) for r in rows[uid]])

    aesthetic = model_user(user("208"))  # the paper's medical-aesthetics case
    assert "medical_aesthetics" in aesthetic.withheld_sensitive
    assert "微针" not in aesthetic.model_dump_json(exclude={"withheld_sensitive"})
    for uid in list(rows)[:6]:
        p = model_user(user(uid))
        assert p.interests and all(i.topic.isascii() for i in p.interests)
        assert p.interests[0].tier == "strong"
