"""Asset lookup: which licensed product assets may be shown on a platform on a date.

The Director's grounding step (``agents/director/grounding.py``) calls the
``asset_lookup`` tool through ``.invoke(...)``; an LLM Director can bind the same tool.
An asset is *eligible* when its licence is valid for the platform and date
(``License.valid_for``), its kind was asked for, and its file exists. Everything else is
returned as *rejected* with a reason, so the plan can record why an asset was not used
and the Verifier can check that no rejected asset was bound.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from langchain_core.tools import tool
from pydantic import ValidationError

from nextads.errors import InputError
from nextads.schemas import Asset, Product

# An asset with no licence record has unknown rights: showing it could infringe, so the
# lookup rejects it rather than assume it is free to use.
REQUIRE_LICENSE = True


def load_product_file(path: str | Path) -> Product:
    """Read a ``product.json`` and resolve its asset paths relative to the file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(str(path), None, "file not found") from exc
    except json.JSONDecodeError as exc:
        raise InputError(str(path), None, f"not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    try:
        product = Product.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputError(str(path), field, first["msg"]) from exc
    base = path.resolve().parent
    for asset in product.assets:
        if not Path(asset.path).is_absolute():
            asset.path = str(base / asset.path)
    return product


def licence_problem(asset: Asset, platform: str, on: date) -> str | None:
    """Why the asset's licence does not allow showing it on ``platform`` on ``on`` (None when it does)."""
    lic = asset.license
    if lic is None:
        return "no licence recorded" if REQUIRE_LICENSE else None
    if lic.expires is not None and on > lic.expires:
        return f"licence expired on {lic.expires.isoformat()}"
    if not lic.valid_for(platform, on):
        return f"licence does not cover platform '{platform}' (covers {', '.join(lic.platforms)})"
    return None


def rejection_reason(asset: Asset, platform: str, on: date) -> str | None:
    """Why ``asset`` may not be shown on ``platform`` on ``on`` (None when it may)."""
    problem = licence_problem(asset, platform, on)
    if problem is None and not Path(asset.path).is_file():
        problem = f"file not found: {asset.path}"
    return problem


def lookup_assets(
    product: Product, platform: str, on: date, kinds: Sequence[str] | None = None
) -> tuple[list[Asset], dict[str, str]]:
    """Split the product's assets (of ``kinds``, all when None) into eligible and rejected."""
    eligible: list[Asset] = []
    rejected: dict[str, str] = {}
    for asset in product.assets:
        if kinds and asset.kind not in kinds:
            continue
        reason = rejection_reason(asset, platform, on)
        if reason is None:
            eligible.append(asset)
        else:
            rejected[asset.id] = reason
    return eligible, rejected


@tool
def asset_lookup(
    product: str | dict[str, Any],
    platform: str,
    date: str,
    kinds: list[str] | None = None,
) -> dict[str, Any]:
    """Find the product assets that may be shown on a platform on a date.

    Args:
        product: path of a product.json file, or the product as a JSON object.
        platform: serving platform, e.g. "short-video-feed".
        date: serving date, ISO format (YYYY-MM-DD); licences are checked on this date.
        kinds: asset kinds to consider (image, logo, video, audio, music, font); all when omitted.

    Returns:
        {"eligible": [asset objects], "rejected": {asset id: reason}}.
    """
    prod = load_product_file(product) if isinstance(product, str) else Product.model_validate(product)
    on = _parse_date(date)
    eligible, rejected = lookup_assets(prod, platform, on, kinds)
    return {"eligible": [a.model_dump(mode="json") for a in eligible], "rejected": rejected}


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"date must be ISO format YYYY-MM-DD, got {value!r}") from exc
