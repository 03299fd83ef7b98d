"""Benchmark builders (evals/bench/data.py), research-format importers (nextads/importers.py),
placeholder assets and user-modeling accuracy. Real-data tests skip when ../shared/data is absent."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from evals.bench.data import (
    PCI_MIN_INTERACTIONS,
    build_pci_bench,
    build_pcg_bench,
    pci_candidates,
)
from evals.bench.placeholder import PLACEHOLDER_LABEL, placeholder_assets
from evals.bench.profile_accuracy import (
    microlens_profile_accuracy,
    qilin_hashtag_recall,
    random_expectation,
    rank_metrics,
)
from nextads.errors import InputError
from nextads.importers import (
    microlens_user,
    paper_product,
    read_qilin_users,
    safe_name,
    split_sentences,
    verbatim_facts,
)
from nextads.schemas import Product

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
HAS_QILIN = (DATA / "qilin-nextads" / "pcg_bench_pairs.json").is_file()
HAS_MICROLENS = (DATA / "microlens" / "MicroLens-50k_pairs.tsv").is_file()
needs_qilin = pytest.mark.skipif(not HAS_QILIN, reason="shared Qilin data absent")
needs_microlens = pytest.mark.skipif(not HAS_MICROLENS, reason="shared MicroLens data absent")


# --------------------------------------------------------------------------- importers (no data)


def test_safe_name_matches_the_papers_pair_names():
    assert safe_name("L'Oréal Paris Revitalift") == "L_Or_al_Paris_Revitalift"
    assert safe_name("McDonald's Big Mac") == "McDonald_s_Big_Mac"
    assert safe_name("Nike Air Force 1 '07") == "Nike_Air_Force_1_07"
    assert safe_name("Coca-Cola Classic") == "Coca-Cola_Classic"


def test_sentences_and_verbatim_facts():
    text = "Opened thousands of stores across the U.S. and abroad. Made with 11 herbs and spices. Founded in 1886."
    sentences = split_sentences(text)
    assert len(sentences) == 3 and sentences[0].endswith("abroad.")
    facts = verbatim_facts(sentences)
    assert facts == {"herbs": "Made with 11 herbs and spices.", "year": "Founded in 1886."}
    # a number that is part of the product's name is not a claim
    assert verbatim_facts(["The BMW 3 Series is a sedan."], known_numbers=["3"]) == {}


def test_paper_product_extracts_points_and_facts():
    entry = {"product_name": "Subway Sandwich", "product_image": ["https://example.com/x.jpg"],
             "product_slogan": "Eat Fresh.", "product_intro": "Subs made to order.",
             "product_details": "Footlong and 6-inch subs. Fresh bread baked daily."}
    p = paper_product(entry)
    assert p.product_id == "Subway_Sandwich" and p.slogan == "Eat Fresh."
    assert p.selling_points == ["Footlong and 6-inch subs.", "Fresh bread baked daily."]
    assert p.facts == {"subs": "Footlong and 6-inch subs."}
    assert p.assets == []  # web URLs are unreachable offline
    with pytest.raises(InputError) as err:
        paper_product({"product_slogan": "x"}, file="p.json", where="products[3]")
    assert err.value.file == "p.json" and err.value.field == "products[3].product_name"


def test_qilin_csv_import(tmp_path):
    csv_path = tmp_path / "users.csv"
    csv_path.write_text(
        "user_idx,gender,age,note_idx,note_title,note_content,image_paths\n"
        "7,female,23-25,1,露营,帐篷 #露营[话题]#,/NAS/a.jpg\n"
        "7,female,23-25,2,nan,护肤分享,\n"
        "7,female,23-25,3,nan,nan,/NAS/b.jpg\n"
        "9,,unknown,4,title,text,\n", encoding="utf-8")
    users = read_qilin_users(csv_path)
    assert list(users) == ["7", "9"]
    u7 = users["7"]
    assert [h.id for h in u7.history] == ["1", "2"]  # the wordless note is dropped
    assert u7.history[1].title == "" and all(h.images == [] for h in u7.history)
    assert u7.demographics.locale == "zh-CN" and u7.demographics.age_range == "23-25"
    assert users["9"].demographics.gender is None and users["9"].demographics.age_range is None
    bad = tmp_path / "bad.csv"
    bad.write_text("user_idx,gender,note_idx\n1,f,2\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_qilin_users(bad)
    assert err.value.file == str(bad) and err.value.field == "age"
    with pytest.raises(InputError, match="not found"):
        read_qilin_users(tmp_path / "missing.csv")


def test_microlens_user_keeps_latest_repeat_and_titled_items():
    user = microlens_user("u", ["1", "2", "1", "3"], {"1": "a", "2": "b"})
    assert [h.id for h in user.history] == ["2", "1"]


def test_placeholder_assets_are_labelled_and_cached(tmp_path):
    product = Product(product_id="X_1", name="Example Widget Pro", brand="Example", category="widgets")
    first = placeholder_assets(product, tmp_path)
    card, logo = first
    assert card.id == "hero" and card.kind == "image" and logo.kind == "logo"
    assert "placeholder" in card.description and "placeholder" in logo.description
    assert all(a.license and a.license.valid_for("any-platform", date(2099, 1, 1)) for a in first)
    with Image.open(card.path) as im:
        assert im.size == (1024, 1024)
    stamp = Path(card.path).stat().st_mtime_ns
    again = placeholder_assets(product, tmp_path)
    assert again == first and Path(card.path).stat().st_mtime_ns == stamp  # not re-rendered
    with_photo = product.model_copy(update={"assets": [card.model_copy(update={"description": "photo"})]})
    assert placeholder_assets(with_photo, tmp_path)[0].id == "placeholder-card"


def test_placeholder_card_says_placeholder(tmp_path):
    from rapidocr import RapidOCR

    card = placeholder_assets(Product(product_id="Y", name="Yonder Tent", brand="Yonder"), tmp_path)[0]
    result = RapidOCR(params={"Global.log_level": "error"})(card.path)
    assert any(PLACEHOLDER_LABEL in t.upper() for t in (result.txts or ()))


# --------------------------------------------------------------------------- PCI selection rule (synthetic)


def _fake_microlens(root: Path, sequences: dict[str, list[str]], videos: list[str]) -> Path:
    folder = root / "microlens"
    (folder / "videos").mkdir(parents=True)
    for v in videos:
        (folder / "videos" / f"{v}.mp4").write_bytes(b"\0")
    (folder / "MicroLens-50k_pairs.tsv").write_text(
        "".join(f"{u}\t{' '.join(items)}\n" for u, items in sequences.items()), encoding="utf-8")
    return root


def test_pci_candidates_cut_at_latest_video_item(tmp_path):
    items = [str(i) for i in range(100, 120)]
    root = _fake_microlens(tmp_path, {
        "a": items[:12] + ["V"] + items[12:15],         # host at position 13: qualifies, history 12
        "b": items[:5] + ["V"] + items[5:15],           # host too early (6 interactions)
        "c": items[:9] + ["V"],                          # exactly 10 interactions: qualifies
        "d": items[:3] + ["V"] + items[3:12] + ["W"],   # latest video item wins
        "e": items,                                      # no video at all
    }, ["V", "W"])
    found = {c.user_id: c for c in pci_candidates(root)}
    assert set(found) == {"a", "c", "d"}
    assert found["a"].host_item == "V" and found["a"].history == tuple(items[:12])
    assert found["d"].host_item == "W" and len(found["d"].history) == 13
    assert all(len(c.history) + 1 >= PCI_MIN_INTERACTIONS for c in found.values())
    orders = {tuple(c.user_id for c in pci_candidates(root, seed=s)) for s in range(6)}
    assert len(orders) > 1  # the seed changes the (hash) order ...
    assert [c.user_id for c in pci_candidates(root, seed=3)] == [c.user_id for c in pci_candidates(root, seed=3)]
    (root / "microlens" / "MicroLens-50k_pairs.tsv").unlink()
    with pytest.raises(InputError) as err:
        pci_candidates(root)
    assert err.value.file.endswith("MicroLens-50k_pairs.tsv")
    with pytest.raises(InputError, match="no host videos"):
        pci_candidates(tmp_path / "elsewhere")


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("bench-cache")


@pytest.fixture(scope="module")
def pcg(cache_dir):
    return build_pcg_bench(DATA, cache_dir=cache_dir)


@needs_qilin
def test_pcg_bench_is_the_papers_assignment(pcg):
    assert len(pcg) == 250 and len({p.pair_id for p in pcg}) == 250
    by_user: dict[str, list] = {}
    for p in pcg:
        by_user.setdefault(p.user.user_id, []).append(p)
        assert p.task == "pcg" and p.host_video is None
        assert p.pair_id == f"pcg-{p.user.user_id}-{p.product.product_id}"
        assert p.user.history and all(h.images == [] for h in p.user.history)
    assert len(by_user) == 50 and all(len(v) == 5 and len({p.product.product_id for p in v}) == 5
                                      for v in by_user.values())
    raw = json.loads((DATA / "qilin-nextads" / "pcg_bench_pairs.json").read_text(encoding="utf-8"))["pairs"]
    assert [p.product.product_id for p in by_user["576"]] == raw["576"]


@needs_qilin
def test_pcg_products_identified_with_labelled_placeholders(pcg):
    products = {p.product.product_id: p.product for p in pcg}
    iphone = products["iPhone_17"]
    assert iphone.brand == "Apple" and iphone.category == "smartphones" and "Samsung" in iphone.competitors
    assert any("48MP" in v for v in iphone.facts.values())  # numbers stay verbatim
    for product in products.values():
        assert product.brand and product.selling_points
        cards = [a for a in product.assets if "placeholder product card" in a.description]
        logos = [a for a in product.assets if a.kind == "logo"]
        assert len(cards) == 1 and len(logos) == 1
        for a in product.assets:
            assert Path(a.path).is_file() and a.license is not None
            with Image.open(a.path) as im:
                im.load()
    assert products["McDonald_s_Big_Mac"].asset("hero").description.startswith("product photo embedded")


@needs_qilin
def test_pcg_limit_takes_the_first_pairs(pcg, cache_dir):
    first = build_pcg_bench(DATA, cache_dir=cache_dir, limit=7)
    assert [p.pair_id for p in first] == [p.pair_id for p in pcg[:7]]
    assert build_pcg_bench(DATA, cache_dir=cache_dir, limit=0) == []


@needs_qilin
def test_missing_or_malformed_files_name_the_file(tmp_path, cache_dir):
    (tmp_path / "qilin-nextads").mkdir()
    for name in ("pcg_bench_pairs.json", "user_subset_details.csv"):
        (tmp_path / "qilin-nextads" / name).symlink_to(DATA / "qilin-nextads" / name)
    with pytest.raises(InputError) as err:  # products.json missing
        build_pcg_bench(tmp_path, cache_dir=cache_dir)
    assert err.value.file.endswith("products.json") and "not found" in err.value.message
    (tmp_path / "qilin-nextads" / "products.json").write_text('{"products": [', encoding="utf-8")
    with pytest.raises(InputError) as err:
        build_pcg_bench(tmp_path, cache_dir=cache_dir)
    assert err.value.file.endswith("products.json") and "malformed JSON" in err.value.message
    shutil.rmtree(tmp_path / "qilin-nextads")
    with pytest.raises(InputError, match="pcg_bench_pairs.json"):
        build_pcg_bench(tmp_path, cache_dir=cache_dir)


@needs_microlens
@needs_qilin
def test_pci_bench_users_follow_the_rules(cache_dir):
    pairs = build_pci_bench(DATA, cache_dir=cache_dir, limit=10, seed=0)
    assert len(pairs) == 10
    videos = {p.stem for p in (DATA / "microlens" / "videos").glob("*.mp4")}
    sequences = {}
    with (DATA / "microlens" / "MicroLens-50k_pairs.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            u, items = line.rstrip("\n").split("\t")
            sequences[u] = items.split()
    users = {}
    for p in pairs:
        assert p.task == "pci" and Path(p.host_video).is_file() and p.host_title
        host = Path(p.host_video).stem
        seq = sequences[p.user.user_id]
        cut = max(i for i, item in enumerate(seq) if item in videos)
        assert seq[cut] == host and cut + 1 >= PCI_MIN_INTERACTIONS
        assert {h.id for h in p.user.history} <= set(seq[:cut]) and host not in {h.id for h in p.user.history}
        assert p.pair_id == f"pci-{p.user.user_id}-{p.product.product_id}"
        users.setdefault(p.user.user_id, []).append(p.product.product_id)
    assert len(users) == 2 and all(len(set(v)) == 5 for v in users.values())
    again = build_pci_bench(DATA, cache_dir=cache_dir, limit=5, seed=0)
    assert [p.pair_id for p in again] == [p.pair_id for p in pairs[:5]]


# --------------------------------------------------------------------------- profile accuracy


def test_rank_metrics_and_random_expectation():
    import numpy as np

    m = rank_metrics(0.9, np.array([0.1, 0.95, 0.9, 0.2]))
    assert m["auc"] == pytest.approx((2 + 0.5) / 4) and m["mrr"] == pytest.approx(1 / 2.5) and m["hr@10"] == 1.0
    r = random_expectation(99)
    assert r["hr@10"] == pytest.approx(0.1) and 0.05 < r["mrr"] < 0.055


@needs_microlens
def test_microlens_profile_accuracy_small_sample():
    a = microlens_profile_accuracy(DATA, users=4, negatives=20, seed=1)
    b = microlens_profile_accuracy(DATA, users=4, negatives=20, seed=1)
    assert a["n"] == 4 and a["negatives"] == 20
    for metrics in (a, a["baselines"]["popularity"], a["baselines"]["history_centroid"]):
        assert 0.0 <= metrics["auc"] <= 1.0 and 0.0 <= metrics["hr@10"] <= 1.0 and 0.0 < metrics["mrr"] <= 1.0
    assert a["baselines"]["random"]["auc"] == 0.5
    assert {k: v for k, v in a.items() if k != "seconds"} == {k: v for k, v in b.items() if k != "seconds"}


@needs_qilin
def test_qilin_hashtag_recall_small_sample():
    a = qilin_hashtag_recall(DATA, users=3, seed=0)
    b = qilin_hashtag_recall(DATA, users=3, seed=0)
    assert 1 <= a["n"] <= 3 and a["hashtags"] >= a["n"]
    for r in (a, *a["baselines"].values()):
        assert r["recall_exact"] <= r["recall_embedding"]  # an exact match is also an embedding match
        assert all(0.0 <= r[k] <= 1.0 for k in ("recall_exact", "recall_embedding", "macro_recall_exact"))
    assert set(a["baselines"]) == {"popular", "own_history", "shuffled"}
    assert {k: v for k, v in a.items() if k != "seconds"} == {k: v for k, v in b.items() if k != "seconds"}
