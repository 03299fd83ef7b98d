"""Presets: the paper's configurations as (llm, video, judge) component specs (DESIGN.md §5).

- ``offline`` (default): every step offline, the compositor renders, the offline judge;
- ``open``: Qwen3-VL on an OpenAI-compatible server as the Director, Wan2.2 via diffusers;
- ``closed``: GPT-4o as the Director, Sora 2;
- ``generic``: the GenericAds baseline (no user data), offline components.

``open`` and ``closed`` use Gemini 2.5 Flash as the judge. Model names come from settings;
each component can be overridden by ``NEXTADS_LLM`` / ``NEXTADS_VIDEO`` / ``NEXTADS_JUDGE``
and, above those, by the command line's ``--llm`` / ``--video`` / ``--judge``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from nextads.errors import ConfigError
from nextads.providers.chat import OFFLINE, check_config, parse_spec
from nextads.settings import Settings, get_settings

PRESETS = ("offline", "open", "closed", "generic")
COMPONENTS = ("llm", "video", "judge")


@dataclass(frozen=True)
class Components:
    """The resolved spec of each component."""

    preset: str
    llm: str
    video: str
    judge: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def preset_component(preset: str, component: str, settings: Settings) -> str:
    """The spec a preset stands for, for one component, with model names from settings."""
    if preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}: expected one of {', '.join(PRESETS)}")
    if preset in ("offline", "generic"):
        return "compositor" if component == "video" else OFFLINE
    if component == "judge":
        return f"gemini:{settings.judge_model}"
    if component == "video":
        return "diffusers" if preset == "open" else "sora"
    if preset == "closed":
        return f"openai:{settings.closed_llm_model}"
    if not settings.open_base_url:
        raise ConfigError("NEXTADS_OPEN_BASE_URL is not set (needed by --preset open: the OpenAI-compatible "
                          "server serving the open model, e.g. http://127.0.0.1:8000/v1)")
    return f"openai-compatible:{settings.open_llm_model}@{settings.open_base_url}"


def resolve_components(preset: str | None = None, *, llm: str | None = None, video: str | None = None,
                       judge: str | None = None, settings: Settings | None = None) -> Components:
    """Resolve every component: command line > NEXTADS_<COMPONENT> set explicitly > preset.

    Raises ConfigError (naming the missing environment variable) when a resolved component
    needs a key or setting that is absent, so a run fails before any work starts.
    """
    settings = settings or get_settings()
    preset = preset or settings.preset
    explicit = {"llm": llm, "video": video, "judge": judge}
    chosen: dict[str, str] = {}
    for c in COMPONENTS:
        if explicit[c]:
            chosen[c] = explicit[c]
        elif c in settings.model_fields_set:
            chosen[c] = getattr(settings, c)
        else:
            chosen[c] = preset_component(preset, c, settings)
    for c in ("llm", "judge"):
        parse_spec(chosen[c])  # a malformed spec is a configuration error, named now
    check_config(chosen.values())
    return Components(preset=preset, **chosen)


def apply_components(components: Components) -> None:
    """Make the resolved components the process's settings (NEXTADS_* variables), so every
    step, backend and the run record read the same choice."""
    for name, value in components.as_dict().items():
        os.environ[f"NEXTADS_{name.upper()}"] = value
    get_settings.cache_clear()


@contextmanager
def components_restored() -> Iterator[None]:
    """Undo ``apply_components`` on exit, so one in-process command (a test, a notebook)
    does not choose the components of the next."""
    names = [f"NEXTADS_{n.upper()}" for n in ("preset", *COMPONENTS)]
    saved = {n: os.environ.get(n) for n in names}
    try:
        yield
    finally:
        for n, v in saved.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v
        get_settings.cache_clear()
