"""Benchmark builders: PCG-Bench and PCI-Bench pairs from the real data files.

Both read ``data_dir`` (the folder holding ``qilin-nextads/`` and ``microlens/``, e.g.
``../shared/data``) and never copy anything out of it except generated images into
``cache_dir``. A missing or malformed file raises :class:`~nextads.errors.InputError`
naming it.

**Products** (both benchmarks) are the NextAds paper's list (``qilin-nextads/products.json``,
read by :mod:`nextads.importers`: selling points = detail sentences, facts = the sentences
stating a number, verbatim). Its brand and category come from the Director's brand lexicon
(``agents/director/data/brands.json``): the first lexicon brand named in the product name;
the category is the lexicon category's term closest to the product's name and intro (e.g.
"burgers" for the Big Mac, "fried chicken" for KFC); its competitors are the other lexicon
brands of that market category, so the matcher never bridges through them. Every product
gets a generated, labelled placeholder card and wordmark logo (:mod:`.placeholder`); the two
products whose list entry embeds a photo as a ``data:`` URI also get that photo as "hero".

**PCG-Bench** — the paper's assignment (``pcg_bench_pairs.json``: 50 Qilin users × 5
products, products named in filename-safe form), users from ``user_subset_details.csv``.
Pairs are in file order (users as listed, each user's products as listed); ``pair_id`` is
``pcg-<user>-<product_id>``.

**PCI-Bench** — MicroLens users with at least :data:`PCI_MIN_INTERACTIONS` interactions up
to and including a host item whose video ``microlens/videos/<item>.mp4`` is available. The
host is the user's *latest* such item and the history is every item before it (titles, no
images), so the profile only sees what the user watched before the host: when the host is
the sequence's last item (the issue's wording) the whole rest is the history. With only
three videos in the data no user's very last item has one (checked: 0 of 50,000), so the
truncation is what makes the benchmark non-empty (6 users with the default threshold). The
whole pairs file is streamed (50,000 lines, ~0.1 s, so no early stop is needed) and the
qualifying users are ordered by a seeded hash of their id — an order independent of the
file and of the ids, so ``limit``/``max_users`` take a seeded, unbiased sample. Each user is
paired with the :data:`PCI_PRODUCTS_PER_USER` products of the library that the project's
own offline Director ranks highest (``model_user`` → ``match_product`` compatibility; ties
keep library order). The library is the paper's products plus the built-in demo catalog
(``nextads.catalog.demo_products()``): the paper's 14 products alone are few and mostly far
from short-video interests (games, anime, food), the demo catalog adds one product per
category of the paper's set with full facts and licensed images. ``pair_id`` is
``pci-<user>-<product_id>``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from nextads.catalog.draw import seed_of
from nextads.errors import InputError
from nextads.importers import (
    iter_microlens_sequences,
    microlens_user,
    read_microlens_titles,
    read_paper_products,
    read_qilin_users,
)
from nextads.loaders import read_json
from nextads.schemas import Product, UserData

from .placeholder import with_placeholders

QILIN_DIR = "qilin-nextads"
MICROLENS_DIR = "microlens"
PCG_PAIRS_FILE = "pcg_bench_pairs.json"
PRODUCTS_FILE = "products.json"
QILIN_USERS_FILE = "user_subset_details.csv"
MICROLENS_PAIRS_FILE = "MicroLens-50k_pairs.tsv"
MICROLENS_TITLES_FILE = "MicroLens-50k_titles.csv"
MICROLENS_VIDEOS_DIR = "videos"
EMBEDDED_IMAGES_DIR = "paper-products"  # under cache_dir: photos decoded from data: URIs

PCI_MIN_INTERACTIONS = 10  # history + host, as in the issue
PCI_PRODUCTS_PER_USER = 5  # as PCG-Bench: five products per user

Task = Literal["pcg", "pci"]


@dataclass
class BenchPair:
    """One benchmark case: a user and a product (and, for PCI, the host video)."""

    pair_id: str
    task: Task
    user: UserData
    product: Product
    host_video: str | None = None
    host_title: str = ""


# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------


def _require(path: Path) -> Path:
    if not path.is_file():
        raise InputError(str(path), None, "file not found" if not path.exists() else "is not a file")
    return path


def identify_product(product: Product) -> Product:
    """Fill brand, category and competitors from the Director's brand lexicon (see module doc)."""
    from agents.director.profile import brand_table, load_lexicon
    from nextads.providers.embeddings import embed

    brands = [b for b in brand_table() if b.terms.hit(product.name)]
    if not brands:
        return product
    brand = min(brands, key=lambda b: b.terms.pattern.search(product.name).start() if b.terms.pattern else 0)
    terms = [t.strip() for t in load_lexicon("brands")["categories"].get(brand.category, "").split(",") if t.strip()]
    category = product.category
    if terms and not category:
        identity = f"{product.name}. {product.intro}"
        category = terms[int(np.argmax(embed(terms) @ embed([identity])[0]))]
    rivals = [b.name for b in brand_table() if b.category == brand.category and b.name != brand.name]
    return product.model_copy(update={
        "brand": product.brand or brand.name, "category": category,
        "competitors": list(dict.fromkeys([*product.competitors, *rivals])),
    })


def paper_products(data_dir: Path, *, cache_dir: Path) -> dict[str, Product]:
    """The paper's products by filename-safe name: identified, with placeholder assets."""
    path = _require(Path(data_dir) / QILIN_DIR / PRODUCTS_FILE)
    raw = read_paper_products(path, image_dir=Path(cache_dir) / EMBEDDED_IMAGES_DIR)
    return {pid: with_placeholders(identify_product(p), cache_dir) for pid, p in raw.items()}


def product_library(data_dir: Path, *, cache_dir: Path) -> list[Product]:
    """PCI-Bench's library: the paper's products, then the demo catalog's."""
    from nextads.catalog import demo_products

    return [*paper_products(data_dir, cache_dir=cache_dir).values(), *demo_products()]


def _first(items: list[BenchPair], limit: int | None) -> list[BenchPair]:
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    return items if limit is None else items[:limit]


# ---------------------------------------------------------------------------
# PCG-Bench
# ---------------------------------------------------------------------------


def _pcg_assignment(path: Path) -> list[tuple[str, list[str]]]:
    """(user, product names) in file order from ``pcg_bench_pairs.json``."""
    pairs = read_json(_require(path)).get("pairs")
    if not isinstance(pairs, dict) or not pairs:
        raise InputError(str(path), "pairs", "must be an object mapping user ids to product names")
    out = []
    for user, names in pairs.items():
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise InputError(str(path), f"pairs.{user}", "must be a list of product names")
        out.append((str(user), names))
    return out


def build_pcg_bench(data_dir: Path, *, cache_dir: Path, limit: int | None = None) -> list[BenchPair]:
    """The paper's 50 users × 5 products (250 pairs) in file order; ``limit``: the first N."""
    data_dir = Path(data_dir)
    pairs_path = data_dir / QILIN_DIR / PCG_PAIRS_FILE
    assignment = _pcg_assignment(pairs_path)
    users_path = _require(data_dir / QILIN_DIR / QILIN_USERS_FILE)
    users = read_qilin_users(users_path)
    products = paper_products(data_dir, cache_dir=cache_dir)
    out: list[BenchPair] = []
    for uid, names in assignment:
        if uid not in users:
            raise InputError(str(users_path), "user_idx", f"user {uid} of {PCG_PAIRS_FILE} has no notes here")
        for name in names:
            if name not in products:
                raise InputError(str(pairs_path), f"pairs.{uid}",
                                 f"unknown product {name!r}; {PRODUCTS_FILE} has: {', '.join(products)}")
            out.append(BenchPair(pair_id=f"pcg-{uid}-{name}", task="pcg", user=users[uid], product=products[name]))
            if limit is not None and len(out) >= limit:
                return _first(out, limit)
    return _first(out, limit)


# ---------------------------------------------------------------------------
# PCI-Bench
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PciCandidate:
    """A MicroLens user cut at their latest interaction with an available video."""

    user_id: str
    history: tuple[str, ...]  # item ids before the host, time order
    host_item: str


def pci_candidates(data_dir: Path, *, seed: int = 0,
                   min_interactions: int = PCI_MIN_INTERACTIONS) -> list[PciCandidate]:
    """Qualifying MicroLens users (see module doc), in seeded order."""
    folder = Path(data_dir) / MICROLENS_DIR
    videos_dir = folder / MICROLENS_VIDEOS_DIR
    available = {p.stem for p in videos_dir.glob("*.mp4")} if videos_dir.is_dir() else set()
    if not available:
        raise InputError(str(videos_dir), None, "no host videos (<item>.mp4) found")
    found = []
    for user, items in iter_microlens_sequences(_require(folder / MICROLENS_PAIRS_FILE)):
        host_at = next((i for i in range(len(items) - 1, -1, -1) if items[i] in available), None)
        if host_at is not None and host_at + 1 >= min_interactions:
            found.append(PciCandidate(user, tuple(items[:host_at]), items[host_at]))
    return sorted(found, key=lambda c: (seed_of("pci-bench", seed, c.user_id), c.user_id))


def rank_products(user: UserData, library: list[Product]) -> list[tuple[Product, float]]:
    """Library products by the offline Director's compatibility for this user, best first."""
    from agents.director.matching import match_product
    from agents.director.profile import model_user

    profile = model_user(user)
    scored = [(p, match_product(profile, p).compatibility) for p in library]
    order = sorted(range(len(scored)), key=lambda i: (-scored[i][1], i))
    return [scored[i] for i in order]


def build_pci_bench(data_dir: Path, *, cache_dir: Path, limit: int | None = None, seed: int = 0,
                    max_users: int | None = None,
                    min_interactions: int = PCI_MIN_INTERACTIONS) -> list[BenchPair]:
    """PCI-Bench pairs: seeded qualifying users × their 5 best-matched products.

    Only the users needed for ``limit`` pairs are profiled and matched.
    """
    data_dir = Path(data_dir)
    folder = data_dir / MICROLENS_DIR
    candidates = pci_candidates(data_dir, seed=seed, min_interactions=min_interactions)
    if max_users is not None:
        candidates = candidates[:max_users]
    if limit is not None:
        candidates = candidates[:math.ceil(limit / PCI_PRODUCTS_PER_USER)]
    if not candidates:
        return []
    titles = read_microlens_titles(_require(folder / MICROLENS_TITLES_FILE))
    library = product_library(data_dir, cache_dir=cache_dir)
    out: list[BenchPair] = []
    for c in candidates:
        user = microlens_user(c.user_id, c.history, titles)
        host = folder / MICROLENS_VIDEOS_DIR / f"{c.host_item}.mp4"
        for product, _ in rank_products(user, library)[:PCI_PRODUCTS_PER_USER]:
            out.append(BenchPair(pair_id=f"pci-{c.user_id}-{product.product_id}", task="pci", user=user,
                                 product=product, host_video=str(host.resolve()),
                                 host_title=titles.get(c.host_item, "")))
    return _first(out, limit)


def iter_pairs(task: Task, data_dir: Path, *, cache_dir: Path, limit: int | None = None,
               seed: int = 0) -> Iterator[BenchPair]:
    """Either benchmark's pairs (one entry point for runners)."""
    if task == "pcg":
        yield from build_pcg_bench(data_dir, cache_dir=cache_dir, limit=limit)
    else:
        yield from build_pci_bench(data_dir, cache_dir=cache_dir, limit=limit, seed=seed)
