"""Chat models behind one spec string (DESIGN.md §5).

A model spec names a provider and a model:

- ``offline`` — no model: every step runs its embedded offline implementation;
- ``openai:<model>`` — OpenAI (``OPENAI_API_KEY``), e.g. ``openai:gpt-4o``;
- ``openai-compatible:<model>@<base_url>`` — any OpenAI-compatible server (vLLM, Ollama…)
  e.g. ``openai-compatible:Qwen/Qwen3-VL-8B-Instruct@http://127.0.0.1:8000/v1``; the key is
  ``OPENAI_API_KEY`` when set, else a placeholder (such servers usually run without auth);
- ``gemini:<model>`` — Google Gemini (``GOOGLE_API_KEY``), e.g. ``gemini:gemini-2.5-flash``.

Images go to vision models as data-URI content blocks (``image_block``). Tracing helpers
keep user-history text out of LangSmith traces when ``redact_history`` is on.
"""

from __future__ import annotations

import base64
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from nextads.errors import ConfigError

OFFLINE = "offline"
PROVIDERS = ("openai", "openai-compatible", "gemini")
# The environment variable each provider's key comes from.
PROVIDER_KEY = {"openai": "OPENAI_API_KEY", "gemini": "GOOGLE_API_KEY"}
# OpenAI-compatible servers without auth still need a non-empty key in the client.
NO_AUTH_KEY = "not-needed"
# Video backends (tools/backends) and what each needs configured.
VIDEO_REQUIRED_ENV = {"sora": ["OPENAI_API_KEY"], "veo": ["GOOGLE_API_KEY"], "diffusers": ["NEXTADS_DIFFUSERS_WEIGHTS"]}
VIDEO_BACKENDS = ("compositor", *VIDEO_REQUIRED_ENV)
JPEG_QUALITY = 85
LANGSMITH_KEYS = ("LANGSMITH_API_KEY", "LANGCHAIN_API_KEY")
# Prompts wrap user-history text in these tags so traces can redact exactly that text.
HISTORY_OPEN, HISTORY_CLOSE = "<history>", "</history>"
REDACTED = "[user history redacted]"
_HISTORY_SPAN = re.compile(re.escape(HISTORY_OPEN) + r".*?" + re.escape(HISTORY_CLOSE), re.DOTALL)


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model spec: provider, model name and (OpenAI-compatible only) base URL."""

    provider: str
    model: str = ""
    base_url: str | None = None

    @property
    def offline(self) -> bool:
        return self.provider == OFFLINE

    def __str__(self) -> str:
        if self.offline:
            return OFFLINE
        suffix = f"@{self.base_url}" if self.base_url else ""
        return f"{self.provider}:{self.model}{suffix}"


def parse_spec(spec: str | None) -> ModelSpec:
    """Parse a model spec string; raise ConfigError naming what is wrong with it."""
    text = (spec or OFFLINE).strip()
    if text == OFFLINE:
        return ModelSpec(OFFLINE)
    provider, sep, rest = text.partition(":")
    if not sep or provider not in PROVIDERS or not rest.strip():
        raise ConfigError(f"unknown model spec {text!r}: expected offline, openai:<model>, "
                          "openai-compatible:<model>@<base_url> or gemini:<model>")
    if provider == "openai-compatible":
        # The model name may itself contain '@' rarely; the base URL is after the last one.
        model, at, base_url = rest.rpartition("@")
        if not at or not model or not re.match(r"https?://", base_url):
            raise ConfigError(f"model spec {text!r} needs a base URL: openai-compatible:<model>@http://host:port/v1")
        return ModelSpec(provider, model.strip(), base_url.strip())
    return ModelSpec(provider, rest.strip())


def required_env(spec: str | None) -> list[str]:
    """Environment variables a model spec (or a video backend name) needs to be set."""
    text = (spec or OFFLINE).strip()
    if text in VIDEO_BACKENDS:
        return list(VIDEO_REQUIRED_ENV.get(text, []))
    parsed = parse_spec(text)
    key = PROVIDER_KEY.get(parsed.provider)
    return [key] if key else []


def _is_set(var: str) -> bool:
    if os.environ.get(var):
        return True
    if var.startswith("NEXTADS_"):  # NEXTADS_ settings may also come from .env
        from nextads.settings import get_settings

        return getattr(get_settings(), var.removeprefix("NEXTADS_").lower(), None) not in (None, "")
    return False


def check_config(specs: Iterable[str | None]) -> None:
    """Raise ConfigError naming the first missing environment variable any spec needs."""
    for spec in specs:
        for var in required_env(spec):
            if not _is_set(var):
                raise ConfigError(f"{var} is not set (needed by {spec!r}); set it in the environment or .env")


def make_chat_model(spec: str | None, *, temperature: float, timeout: float) -> Any | None:
    """The LangChain chat model for ``spec``, or None for ``offline``.

    Provider-side retries are off: ``structured_call`` owns retries and backoff so every
    fault is counted and recorded the same way whatever the provider.
    """
    parsed = parse_spec(spec)
    if parsed.offline:
        return None
    check_config([str(parsed)])
    if parsed.provider in ("openai", "openai-compatible"):
        from langchain_openai import ChatOpenAI

        key = os.environ.get("OPENAI_API_KEY") or NO_AUTH_KEY
        return ChatOpenAI(model=parsed.model, base_url=parsed.base_url, api_key=key, temperature=temperature,
                          timeout=timeout, max_retries=0)
    from langchain_google_genai import ChatGoogleGenerativeAI

    return ChatGoogleGenerativeAI(model=parsed.model, google_api_key=os.environ["GOOGLE_API_KEY"],
                                  temperature=temperature, timeout=timeout, max_retries=0)


def image_block(path: str | Path, max_side: int) -> dict[str, Any]:
    """A chat content block carrying the image at ``path`` as a downscaled JPEG data URI."""
    with Image.open(path) as img:
        rgb = ImageOps.exif_transpose(img).convert("RGB")
    return picture_block(rgb, max_side)


def picture_block(picture: Image.Image | Any, max_side: int) -> dict[str, Any]:
    """The same block for a picture in memory (a PIL image or an RGB uint8 array, e.g. a video frame)."""
    rgb = picture.convert("RGB") if isinstance(picture, Image.Image) else Image.fromarray(picture).convert("RGB")
    rgb.thumbnail((max_side, max_side))
    buf = io.BytesIO()
    rgb.save(buf, format="JPEG", quality=JPEG_QUALITY)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{data}"}}


# -- tracing ---------------------------------------------------------------------


def tracing_enabled() -> bool:
    """LangSmith tracing runs only with a key (the CLI forces it off otherwise)."""
    return any(os.environ.get(k) for k in LANGSMITH_KEYS)


def redact_history(value: Any) -> Any:
    """``value`` with user-history text removed: ``history`` fields and <history> spans."""
    if isinstance(value, str):
        return _HISTORY_SPAN.sub(REDACTED, value)
    if isinstance(value, dict):
        return {k: (REDACTED if k == "history" and v else redact_history(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_history(v) for v in value]
    return value


def trace_callbacks(redact: bool) -> list[Any]:
    """Callbacks for a graph run: a redacting LangSmith tracer when tracing is on and
    ``redact`` is set; nothing otherwise (the default tracer, or none without a key)."""
    if not (tracing_enabled() and redact):
        return []
    from langchain_core.tracers import LangChainTracer
    from langsmith import Client

    client = Client(hide_inputs=redact_history, hide_outputs=redact_history)
    return [LangChainTracer(client=client)]
