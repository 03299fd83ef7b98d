"""Configuration from the environment / `.env` (prefix ``NEXTADS_``).

Limits, thresholds and model names live here, not in code, so a deployment can tune
them without edits. Every variable is listed with a comment in `.env.example`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEXTADS_", env_file=".env", extra="ignore")

    # Where checkpoints, the store and per-run work folders live.
    state_dir: Path = Path(".nextads")
    # Postgres checkpointer/store when set; SQLite under state_dir otherwise.
    database_url: str | None = None

    # Loop limits.
    max_rounds: int = Field(3, ge=0, le=20)
    # PCI: segment length when the context does not give one (DESIGN.md §9: short, no CTA).
    pci_segment_s: float = Field(8.0, ge=2.0, le=60.0)

    # Director.
    compatibility_threshold: float = Field(0.35, ge=0.0, le=1.0)
    max_history_items: int = Field(60, ge=1)
    min_history_items: int = Field(1, ge=1)

    # Producer.
    x264_preset: str = "medium"
    x264_crf: int = 20
    narration: bool = True  # piper voice when installed
    # Compute threads per process for ffmpeg, the piper voice (onnxruntime) and OpenCV;
    # 0 = each library's default (all cores). Parallel bench workers set cores / workers:
    # every library spreading over all cores in every worker only adds contention.
    threads: int = Field(0, ge=0)

    # Verifier thresholds (see agents/verifier/decision.py for how they combine).
    accept_utility: float = Field(0.6, ge=0.0, le=1.0)
    reject_utility: float = Field(0.35, ge=0.0, le=1.0)
    quality_sample_fps: float = 4.0
    quality_max_side: int = 256

    # Providers (issue 3 fills in the non-offline ones).
    preset: str = "offline"
    llm: str = "offline"
    video: str = "compositor"
    judge: str = "offline"
    # Model names the presets use (nextads/providers/presets.py); --llm/--video/--judge or
    # NEXTADS_LLM/NEXTADS_VIDEO/NEXTADS_JUDGE override a preset per component.
    open_llm_model: str = "Qwen/Qwen3-VL-8B-Instruct"
    open_base_url: str | None = None  # OpenAI-compatible server (vLLM, Ollama) serving it
    closed_llm_model: str = "gpt-4o"
    judge_model: str = "gemini-2.5-flash"
    # LLM calls: sampling temperature, per-request timeout, retries with exponential backoff
    # (timeouts, 429, 5xx, malformed output) before the step falls back to offline.
    llm_temperature: float = Field(0.2, ge=0.0, le=2.0)
    llm_timeout_s: float = Field(60.0, gt=0.0)
    llm_retries: int = Field(2, ge=0, le=10)
    llm_backoff_s: float = Field(1.0, ge=0.0)
    llm_max_images: int = Field(6, ge=0)  # history images sent to a VLM per call
    llm_image_side: int = Field(512, ge=64)  # long side of images sent to a VLM
    # Keep user-history text out of LangSmith traces.
    redact_history: bool = True

    # Generated video backends (tools/backends): every backend's clips go through the
    # compositor's finishing stage (captions, end card, narration, "AI Created" label).
    # Composite the bound product image as an inset over generated scenes: generation may
    # drift from the licensed product's look, the inset shows it exactly.
    video_product_inset: bool = True
    # diffusers (Wan2.2 TI2V or any text/image-to-video pipeline), from local weights only.
    diffusers_weights: Path | None = None
    diffusers_pipeline: str | None = None  # pipeline class name; None = the folder's model_index.json
    diffusers_device: str = "auto"  # auto = cuda when available, else cpu
    diffusers_dtype: str = "auto"  # auto = bfloat16 on cuda, float32 on cpu
    diffusers_steps: int = Field(30, ge=1)
    diffusers_guidance: float = Field(5.0, ge=0.0)
    diffusers_long_side: int = Field(1280, ge=16)  # generation size; orientation follows the context
    diffusers_short_side: int = Field(704, ge=16)
    diffusers_fps: int = Field(24, ge=1)
    diffusers_max_frames: int = Field(121, ge=1)  # longest clip one call may generate (4k+1 frames)
    diffusers_seed: int = 0
    # Hosted video APIs (credentials are the SDKs' own: OPENAI_API_KEY; GOOGLE_API_KEY or GOOGLE_CLOUD_PROJECT).
    sora_model: str = "sora-2"
    veo_model: str = "veo-3.0-generate-001"
    hosted_poll_s: float = Field(10.0, gt=0.0)
    hosted_timeout_s: float = Field(900.0, gt=0.0)

    # The Verifier's judged checks (with NEXTADS_LLM set; NEXTADS_JUDGE is the independent
    # benchmark judge): frames sampled across the scenes and sent to the VLM with the
    # collage, and the weight of the judged component scores against the measured ones.
    verifier_judge_frames: int = Field(8, ge=1, le=32)
    verifier_judged_weight: float = Field(0.5, ge=0.0, le=1.0)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
