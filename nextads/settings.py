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

    # Director.
    compatibility_threshold: float = Field(0.35, ge=0.0, le=1.0)
    max_history_items: int = Field(60, ge=1)
    min_history_items: int = Field(1, ge=1)

    # Producer.
    x264_preset: str = "medium"
    x264_crf: int = 20
    narration: bool = True  # piper voice when installed

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
