"""Generated-video backends beside the offline compositor: diffusers (Wan2.2 TI2V or any
diffusers text/image-to-video pipeline from local weights), OpenAI Sora 2 and Google Veo.

Each backend is a `ClipGenerator` (one clip per scene); `finishing.finish_creative` turns the
clips into a creative with the compositor's captions, end card, narration and "AI Created"
label, so every backend's output goes through the same Verifier. Heavy SDKs (torch,
diffusers, openai, google-genai) are imported only when their backend runs.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

from nextads.errors import InputError
from nextads.schemas import Creative, CreativePlan, Product

# backend name -> (module, render function)
GENERATED = {
    "diffusers": ("tools.backends.diffusers_backend", "render_diffusers"),
    "sora": ("tools.backends.hosted", "render_sora"),
    "veo": ("tools.backends.hosted", "render_veo"),
}
EXTRAS = {"diffusers": "diffusers", "sora": "hosted", "veo": "hosted"}


def render_generated(name: str, plan: CreativePlan, product: Product, work_dir: str | Path, **kw: Any) -> Creative:
    """Render `plan` with the generated-video backend `name`; a missing SDK is one clear error."""
    module, func = GENERATED[name]
    try:
        render = getattr(import_module(module), func)
        return render(plan, product, Path(work_dir), **kw)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("torch", "diffusers", "transformers", "openai", "google"):
            raise InputError("settings", "video", f"the '{name}' video backend needs the '{EXTRAS[name]}' extra "
                             f"(pip install 'nextads[{EXTRAS[name]}]'): {exc}") from exc
        raise


__all__ = ["GENERATED", "render_generated"]
