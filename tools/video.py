"""`generate_video`: the LangChain tool the Producer calls to realize a creative plan.

It dispatches to a registry of video backends sharing one signature, so the diffusers and
hosted backends (Wan2.2, Sora 2, Veo) plug in beside the offline compositor without
changing the Producer. Arguments are JSON-friendly (paths, ids, dicts) so the call shows
up readably in traces.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from langchain_core.tools import tool

from nextads.errors import InputError
from nextads.schemas import Creative, CreativePlan, Product, RevisionDirective
from nextads.settings import get_settings


class VideoBackend(Protocol):
    def __call__(self, plan: CreativePlan, product: Product, work_dir: Path, *,
                 previous: Creative | None = None, directive: RevisionDirective | None = None,
                 scenes: list[int] | None = None) -> Creative: ...


def _compositor(plan: CreativePlan, product: Product, work_dir: Path, **kw: Any) -> Creative:
    from tools.compositor import render_creative

    return render_creative(plan, product, work_dir, **kw)


def _generated(name: str) -> Callable[..., Creative]:
    """A generated-video backend (tools/backends), imported on first use so importing this
    module never imports torch, diffusers, openai or google-genai."""

    def backend(plan: CreativePlan, product: Product, work_dir: Path, **kw: Any) -> Creative:
        from tools.backends import render_generated

        return render_generated(name, plan, product, work_dir, **kw)

    return backend


BACKENDS: dict[str, Callable[..., Creative]] = {
    "compositor": _compositor,
    "diffusers": _generated("diffusers"),
    "sora": _generated("sora"),
    "veo": _generated("veo"),
}


def register_backend(name: str, backend: VideoBackend) -> None:
    """Make a video backend available to `generate_video` under `name`."""
    BACKENDS[name] = backend


def _load_plan(plan_path: str) -> CreativePlan:
    p = Path(plan_path)
    try:
        return CreativePlan.model_validate_json(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(plan_path, None, f"cannot read plan: {exc}") from exc
    except ValueError as exc:
        raise InputError(plan_path, None, f"not a valid creative plan: {exc}") from exc


def _load_product(product: str) -> Product:
    """A product from inline JSON, a product.json path, ``demo:<id>`` or a bare demo id."""
    from nextads.loaders import load_product

    text = product.strip()
    if text.startswith("{"):
        try:
            return Product.model_validate_json(text)
        except ValueError as exc:
            raise InputError("product", None, f"not a valid product: {exc}") from exc
    if text.startswith("demo:") or Path(text).exists():
        return load_product(text)
    return load_product(f"demo:{text}")


def _load_creative(path: str | None) -> Creative | None:
    if not path:
        return None
    return Creative.model_validate_json(Path(path).read_text(encoding="utf-8"))


@tool("generate_video")
def generate_video(plan_path: str, product: str, work_dir: str, scenes: list[int] | None = None,
                   previous_creative_path: str | None = None, directive: dict | None = None,
                   backend: str | None = None) -> dict:
    """Render a creative plan into a video creative.

    Args:
        plan_path: path of the CreativePlan JSON.
        product: the Product as JSON, a product.json path, or a demo catalog id.
        work_dir: folder for segments, audio and the output MP4.
        scenes: scene indices to re-render even if unchanged (localized edit).
        previous_creative_path: the previous Creative JSON; unchanged scenes are reused.
        directive: a producer RevisionDirective (rerender/recaption/retime/trim) as a dict.
        backend: video backend name (default: settings.video, i.e. "compositor").

    Returns the Creative as a JSON-ready dict.
    """
    name = backend or get_settings().video
    if name not in BACKENDS:
        raise InputError("settings", "video", f"unknown video backend '{name}' (have: {', '.join(BACKENDS)})")
    plan = _load_plan(plan_path)
    prod = _load_product(product)
    prev = _load_creative(previous_creative_path)
    d = RevisionDirective.model_validate(directive) if directive else None
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    creative = BACKENDS[name](plan, prod, work, previous=prev, directive=d, scenes=scenes)
    return json.loads(creative.model_dump_json())
