"""``check_compliance`` tool: rule packs, rights and AI-label checks → findings.

The Verifier calls this tool through ``.invoke(...)`` (an LLM agent can bind the same
tool). The checks live in :mod:`tools.compliance.checks`, the rule packs (data) in
``rules/``; this module only turns JSON-ish arguments into the pydantic models and
findings back into JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from langchain_core.tools import tool

from nextads.errors import InputError
from nextads.schemas import CreativePlan, Product, UserData
from tools.assets import load_product_file
from tools.compliance.checks import check_compliance as run_checks


def _load_json(value: str | dict[str, Any], what: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    path = Path(value)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(str(path), None, f"{what} file not found") from exc
    except json.JSONDecodeError as exc:
        raise InputError(str(path), None, f"not valid JSON: {exc.msg} (line {exc.lineno})") from exc


@tool
def check_compliance(
    plan: str | dict[str, Any],
    product: str | dict[str, Any],
    video_path: str | None = None,
    narration: str = "silent",
    label: str = "AI Created",
    user: str | dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Check a creative plan (and its video) against the compliance rule packs.

    Runs the policy rule packs selected by the plan's context.policies (safety, deceptive
    claims and superlatives, privacy, fairness, rights; "default" = all) over every
    narration and on-screen text, checks every referenced asset's licence for the
    platform and serve date, third-party trademarks, the narration voice's licence, and,
    when a video is given, that the "AI Created" label is in its metadata and visible.

    Args:
        plan: path of a CreativePlan JSON file, or the plan as a JSON object.
        product: path of a product.json file (asset paths relative to it), or the product object.
        video_path: the rendered creative (MP4) to check the AI label on; optional.
        narration: the narration voice recorded in the Creative ("piper" or "silent").
        label: the label text the creative must carry.
        user: path of a user.json or the user object, to check that no history item is quoted.

    Returns:
        A list of Finding objects (check, track, passed, severity, score, message, evidence).
    """
    plan_m = CreativePlan.model_validate(_load_json(plan, "plan"))
    product_m = load_product_file(product) if isinstance(product, str) else Product.model_validate(product)
    user_m = UserData.model_validate(_load_json(user, "user")) if user is not None else None
    findings = run_checks(plan_m, product_m, video_path=video_path, narration=narration,
                          label=label, user=user_m)
    return [f.model_dump(mode="json") for f in findings]
