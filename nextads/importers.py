"""Importers for the public research formats (DESIGN.md §7) into NextAds' own models.

- **NextAds paper products** (``products.json``: ``{"products": [{product_name,
  product_image, product_slogan, product_intro, product_details}]}``) → :class:`Product`.
  The paper gives prose, not structured claims, so selling points and facts are extracted
  honestly: selling points are the sentences of ``product_details`` (of the intro when the
  details are empty), facts are the sentences of intro and details that state a number,
  quoted verbatim (the storyboard only lets a number into a creative when a fact states it).
  Image URLs are not reachable offline and are ignored; ``data:`` URIs are part of the file
  and are decoded into ``image_dir`` when one is given. Brand and category are left empty:
  they come from the Director's brand lexicon (``agents``), which this core module must not
  import; callers that have it fill them in (``evals.bench.data``).
- **The paper's Qilin user subset** (``user_subset_details.csv``: ``user_idx, gender, age,
  note_idx, note_title, note_content, image_paths``) → one :class:`UserData` per user, notes
  in file order; ``image_paths`` point to files nobody has, so items carry text only.
- **MicroLens** (``MicroLens-50k_pairs.tsv``: ``user<TAB>item item …`` in time order;
  ``MicroLens-50k_titles.csv``: ``item,title``) → sequences streamed line by line, titles
  as a dict, and a :class:`UserData` whose history items are the titled items.

Every problem with a file is an :class:`~nextads.errors.InputError` naming the file and the
field (column, line or key) at fault.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from .errors import InputError
from .loaders import read_json
from .schemas import Asset, Demographics, HistoryItem, License, Product, UserData
from .text import keywords, tokenize

QILIN_COLUMNS = ("user_idx", "gender", "age", "note_idx", "note_title", "note_content")
QILIN_LOCALE = "zh-CN"  # Qilin is Xiaohongshu (RED) data: Chinese notes
MICROLENS_TITLE_COLUMNS = ("item", "title")
# Values the research exports use for "not known" (pandas writes NaN as "nan").
MISSING_VALUES = frozenset({"", "nan", "none", "null", "unknown", "未知"})
MAX_SELLING_POINTS = 6  # the paper's long corporate texts would otherwise flood the matcher
KEY_WINDOW_WORDS = 3  # words after (then before) a number searched for what it measures
EMBEDDED_IMAGE_LICENSE_HOLDER = "product owner (image embedded in the NextAds paper's product list)"

_NON_SAFE = re.compile(r"[^A-Za-z0-9\-]+")
# Sentence ends: Latin punctuation followed by space and a capital/digit/quote (so "U.S. and"
# stays one sentence), or CJK full stops with or without space.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“‘(])|(?<=[。！？])\s*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_YEAR = re.compile(r"1[89]\d\d|20\d\d")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_UNIT_CHARS = "%-'’ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DATA_URI = re.compile(r"^data:image/[\w.+-]+;base64,(.*)$", re.DOTALL)

__all__ = [
    "iter_microlens_sequences", "microlens_user", "paper_product", "read_microlens_titles",
    "read_paper_products", "read_qilin_users", "safe_name", "split_sentences", "verbatim_facts",
]


# ---------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------


def safe_name(name: str) -> str:
    """The paper's filename-safe product name: runs of characters other than ASCII letters,
    digits and '-' become one '_' ("L'Oréal Paris Revitalift" → "L_Or_al_Paris_Revitalift")."""
    return _NON_SAFE.sub("_", name).strip("_")


def _value(raw: str | None) -> str:
    """A CSV cell with the exports' "missing" spellings turned into ""."""
    text = (raw or "").strip()
    return "" if text.lower() in MISSING_VALUES else text


def _open_text(path: Path, what: str):
    """Open a UTF-8 text file, or raise InputError naming it."""
    if not path.is_file():
        raise InputError(str(path), None, f"{what} not found" if not path.exists() else f"{what} is not a file")
    return path.open(encoding="utf-8-sig", newline="")


def _csv_rows(path: Path, columns: Sequence[str], what: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV with a header that must contain ``columns``."""
    with _open_text(path, what) as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        if missing:
            raise InputError(str(path), missing[0], f"missing column (header has: {', '.join(header) or 'nothing'})")
        try:
            for row in reader:
                yield reader.line_num, row
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(str(path), f"line {reader.line_num}", f"malformed CSV: {exc}") from exc


# ---------------------------------------------------------------------------
# Qilin user subset
# ---------------------------------------------------------------------------


def read_qilin_users(path: str | Path) -> dict[str, UserData]:
    """All users of the paper's Qilin subset CSV, by ``user_idx`` in file order.

    History items are the user's notes in file order (the export has no timestamps), with
    title and content as text and no images (the export's image paths are not available).
    """
    path = Path(path)
    demographics: dict[str, Demographics] = {}
    notes: dict[str, list[HistoryItem]] = {}
    for line, row in _csv_rows(path, QILIN_COLUMNS, "Qilin user CSV"):
        uid, nid = _value(row["user_idx"]), _value(row["note_idx"])
        if not uid:
            raise InputError(str(path), f"line {line}: user_idx", "is empty")
        if not nid:
            raise InputError(str(path), f"line {line}: note_idx", "is empty")
        title, text = _value(row["note_title"]), _value(row["note_content"])
        if not (title or text):
            continue  # a note without words teaches the profile nothing (and images are absent)
        demographics.setdefault(uid, Demographics(gender=_value(row["gender"]) or None,
                                                  age_range=_value(row["age"]) or None, locale=QILIN_LOCALE))
        items = notes.setdefault(uid, [])
        if any(it.id == nid for it in items):
            raise InputError(str(path), f"line {line}: note_idx", f"duplicate note {nid!r} for user {uid!r}")
        items.append(HistoryItem(id=nid, title=title, text=text))
    if not notes:
        raise InputError(str(path), None, "contains no notes")
    return {uid: UserData(user_id=uid, demographics=demographics[uid], history=items) for uid, items in notes.items()}


# ---------------------------------------------------------------------------
# The paper's products
# ---------------------------------------------------------------------------


def split_sentences(text: str) -> list[str]:
    """Sentences of an English or Chinese paragraph, stripped, in order."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


def _fact_key(sentence: str, number: re.Match[str]) -> str:
    """A short key naming what a number in ``sentence`` measures.

    A year ("in 1886") is "year"; otherwise the first content word right after the number
    and its attached unit ("11 herbs", "6-inch subs", "220 countries"), else the nearest
    content word before it ("ProMotion up to 120Hz"), else the sentence's most distinctive
    word. Only the key is derived; the fact's value is always the verbatim sentence.
    """
    if _YEAR.fullmatch(number.group()):
        return "year"
    after = _WORD.findall(sentence[number.end():].lstrip(_UNIT_CHARS))[:KEY_WINDOW_WORDS]
    before = _WORD.findall(sentence[:number.start()])[-KEY_WINDOW_WORDS:]
    for word in [*after, *reversed(before)]:
        if tokenize(word, "en"):
            return word.lower()
    return "_".join(keywords([sentence], 1)) or "fact"


def verbatim_facts(sentences: Sequence[str], *, known_numbers: Sequence[str] = ()) -> dict[str, str]:
    """Facts = the sentences that state a number, quoted verbatim, each keyed by what its
    number measures (duplicate keys get a suffix). Numbers in ``known_numbers`` (those of
    the product's own name, e.g. "3" in "BMW 3 Series") are names, not claims."""
    facts: dict[str, str] = {}
    for sentence in sentences:
        number = next((m for m in _NUMBER.finditer(sentence) if m.group() not in known_numbers), None)
        if number is None:
            continue
        key = _fact_key(sentence, number)
        unique, n = key, 2
        while unique in facts:
            unique, n = f"{key}_{n}", n + 1
        facts[unique] = sentence
    return facts


def _text_field(entry: dict[str, Any], key: str, file: str, where: str) -> str:
    value = entry.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(file, f"{where}.{key}", f"must be text, got {type(value).__name__}")
    return value.strip()


def _embedded_images(entry: dict[str, Any], image_dir: Path, file: str, where: str) -> list[Asset]:
    """Decode the entry's ``data:`` image URIs into ``image_dir`` (skipped when present)."""
    from .catalog import ensure_image  # atomic, render-once writer shared with the demo catalog

    urls = entry.get("product_image") or []
    if not isinstance(urls, list):
        raise InputError(file, f"{where}.product_image", "must be a list of image URLs")
    assets: list[Asset] = []
    for k, url in enumerate(urls):
        m = _DATA_URI.match(url) if isinstance(url, str) else None
        if m is None:
            continue  # web URLs: unreachable offline
        try:
            with Image.open(io.BytesIO(base64.b64decode(m.group(1), validate=False))) as im:
                picture = im.convert("RGB")
        except (binascii.Error, OSError, ValueError) as exc:
            raise InputError(file, f"{where}.product_image[{k}]", f"embedded image cannot be decoded ({exc})") from exc
        asset_id = "hero" if not assets else f"photo-{len(assets) + 1}"
        path = ensure_image(image_dir / f"{asset_id}.png", lambda p=picture: p)
        assets.append(Asset(id=asset_id, kind="image", path=str(path),
                            license=License(holder=EMBEDDED_IMAGE_LICENSE_HOLDER),
                            description="product photo embedded in the NextAds paper's product list"))
    return assets


def paper_product(entry: dict[str, Any], *, file: str = "products.json", where: str = "products[0]",
                  image_dir: Path | None = None) -> Product:
    """One product of the paper's list; ``product_id`` is its filename-safe name.

    With ``image_dir``, images embedded as ``data:`` URIs become assets ("hero", "photo-2", …).
    """
    if not isinstance(entry, dict):
        raise InputError(file, where, "must be an object")
    name = _text_field(entry, "product_name", file, where)
    if not name:
        raise InputError(file, f"{where}.product_name", "is missing or empty")
    intro = _text_field(entry, "product_intro", file, where)
    details = _text_field(entry, "product_details", file, where)
    detail_sentences = split_sentences(details) or split_sentences(intro)
    every_sentence = list(dict.fromkeys(split_sentences(intro) + split_sentences(details)))
    assets = _embedded_images(entry, image_dir / safe_name(name), file, where) if image_dir is not None else []
    return Product(
        product_id=safe_name(name), name=name, slogan=_text_field(entry, "product_slogan", file, where),
        intro=intro, details=details, selling_points=detail_sentences[:MAX_SELLING_POINTS],
        facts=verbatim_facts(every_sentence, known_numbers=_NUMBER.findall(name)), assets=assets,
    )


def read_paper_products(path: str | Path, *, image_dir: Path | None = None) -> dict[str, Product]:
    """The paper's ``products.json`` by filename-safe name, in file order."""
    file = str(path)
    data = read_json(path)
    entries = data.get("products")
    if not isinstance(entries, list) or not entries:
        raise InputError(file, "products", "must be a non-empty list of products")
    products: dict[str, Product] = {}
    for i, entry in enumerate(entries):
        product = paper_product(entry, file=file, where=f"products[{i}]", image_dir=image_dir)
        if product.product_id in products:
            raise InputError(file, f"products[{i}].product_name",
                             f"duplicate product (same filename-safe name {product.product_id!r})")
        products[product.product_id] = product
    return products


# ---------------------------------------------------------------------------
# MicroLens
# ---------------------------------------------------------------------------


def read_microlens_titles(path: str | Path) -> dict[str, str]:
    """``item -> title`` from ``MicroLens-50k_titles.csv``."""
    path = Path(path)
    return {_value(row["item"]): (row["title"] or "").strip()
            for _, row in _csv_rows(path, MICROLENS_TITLE_COLUMNS, "MicroLens titles CSV") if _value(row["item"])}


def iter_microlens_sequences(path: str | Path) -> Iterator[tuple[str, list[str]]]:
    """Stream ``(user, items in time order)`` from ``MicroLens-50k_pairs.tsv``."""
    path = Path(path)
    with _open_text(path, "MicroLens pairs TSV") as fh:
        for n, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            user, sep, items = line.partition("\t")
            if not sep or not user.strip():
                raise InputError(str(path), f"line {n}", "expected 'user<TAB>item item ...'")
            yield user.strip(), items.split()


def microlens_user(user_id: str, items: Sequence[str], titles: dict[str, str]) -> UserData:
    """A MicroLens user whose history is ``items`` (time order); items without a title are
    skipped (nothing to learn from), a repeated item is kept at its latest position.
    MicroLens publishes no demographics."""
    latest_first = list(dict.fromkeys(reversed(items)))  # a re-watched item counts at its latest time
    history = [HistoryItem(id=item, title=titles[item]) for item in reversed(latest_first) if titles.get(item)]
    return UserData(user_id=user_id, history=history)
