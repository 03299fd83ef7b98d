"""The diffusers video backend: Wan2.2 TI2V or any diffusers text/image-to-video pipeline.

The pipeline is loaded from a LOCAL folder (``NEXTADS_DIFFUSERS_WEIGHTS``, a
``save_pretrained`` layout) with ``local_files_only``: nothing is ever downloaded. The
device is CUDA when available, else CPU. Each scene gets its own prompt (see
`finishing.scene_prompt`); when the pipeline's call takes an ``image`` (image-to-video, e.g.
``WanImageToVideoPipeline`` over Wan2.2 TI2V weights) the reference collage conditions it.
Clips are generated at the model's size in the creative's orientation with ``4k+1`` frames
(the VAE's temporal stride), then finished by the compositor (`finishing.finish_creative`).
"""

from __future__ import annotations

import inspect
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image

from nextads.errors import InputError
from nextads.schemas import Creative, CreativePlan, Product
from nextads.settings import get_settings
from tools.backends.finishing import ClipGenerationError, ClipGenerator, ClipRequest, finish_creative, write_clip
from tools.compositor.layers import cover

BACKEND = "diffusers"
DEFAULT_SPATIAL_MULTIPLE = 16  # VAE stride 8 x patch 2, when the pipeline does not say
DEFAULT_TEMPORAL_STRIDE = 4  # frames per latent frame (num_frames = 4k + 1)


def select_device(preference: str = "auto") -> str:
    """"auto" -> "cuda" when a GPU is visible, else "cpu"; anything else is used as given."""
    import torch

    if preference != "auto":
        return preference
    return "cuda" if torch.cuda.is_available() else "cpu"


def select_dtype(preference: str, device: str) -> Any:
    """"auto" -> bfloat16 on CUDA (Wan's native precision), float32 on CPU."""
    import torch

    if preference == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    try:
        return getattr(torch, preference)
    except AttributeError as exc:
        raise InputError("settings", "diffusers_dtype", f"unknown torch dtype '{preference}'") from exc


@lru_cache(maxsize=2)
def load_pipeline(weights: str, pipeline: str | None, device: str, dtype_name: str) -> Any:
    """Load (once per process) the pipeline in `weights`, offline, onto `device`."""
    import diffusers

    folder = Path(weights)
    if not (folder / "model_index.json").is_file():
        raise InputError("settings", "diffusers_weights",
                         f"'{weights}' is not a local diffusers pipeline folder (no model_index.json)")
    cls = diffusers.DiffusionPipeline
    if pipeline:
        cls = getattr(diffusers, pipeline, None)
        if cls is None:
            raise InputError("settings", "diffusers_pipeline", f"diffusers has no pipeline class '{pipeline}'")
    pipe = cls.from_pretrained(str(folder), dtype=select_dtype(dtype_name, device), local_files_only=True)
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def takes_image(pipe: Any) -> bool:
    """Does the pipeline's call accept a conditioning image (image-to-video)?"""
    return "image" in inspect.signature(pipe.__call__).parameters


def spatial_multiple(pipe: Any) -> int:
    """Generation sizes must be multiples of the VAE's spatial stride times the patch size."""
    stride = getattr(pipe, "vae_scale_factor_spatial", None) or getattr(pipe, "vae_scale_factor", None)
    patch = getattr(getattr(getattr(pipe, "transformer", None), "config", None), "patch_size", None)
    if not stride:
        return DEFAULT_SPATIAL_MULTIPLE
    return int(stride) * (int(patch[-1]) if patch else 2)


def generation_size(size: tuple[int, int], long_side: int, short_side: int, multiple: int) -> tuple[int, int]:
    """The model's (width, height) in the creative's orientation, snapped to `multiple`."""
    w, h = size
    snap = lambda v: max(multiple, round(v / multiple) * multiple)  # noqa: E731
    if w == h:
        return snap(short_side), snap(short_side)
    return (snap(long_side), snap(short_side)) if w > h else (snap(short_side), snap(long_side))


def frame_count(duration_s: float, fps: int, max_frames: int, stride: int = DEFAULT_TEMPORAL_STRIDE) -> int:
    """Frames covering `duration_s` at `fps`, as stride*k + 1 (the VAE's constraint), at most
    `max_frames` (rounded down to that form); a longer scene holds or ping-pongs its clip."""
    want = max(1, math.ceil(duration_s * fps))
    k = math.ceil((want - 1) / stride)
    cap = max(0, (max_frames - 1) // stride)
    return stride * min(k, cap) + 1


class DiffusersGenerator(ClipGenerator):
    """A local diffusers pipeline as a clip generator."""

    backend = BACKEND

    def __init__(self) -> None:
        s = get_settings()
        if s.diffusers_weights is None:
            raise InputError("settings", "diffusers_weights",
                             "set NEXTADS_DIFFUSERS_WEIGHTS to a local diffusers pipeline folder")
        self.settings = s
        self.weights = str(Path(s.diffusers_weights).expanduser().resolve())
        self.device = select_device(s.diffusers_device)
        self.pipe = load_pipeline(self.weights, s.diffusers_pipeline, self.device, s.diffusers_dtype)

    def fingerprint(self) -> dict:
        s = self.settings
        index = Path(self.weights) / "model_index.json"
        return {"weights": self.weights, "index_mtime": index.stat().st_mtime_ns, "pipeline": type(self.pipe).__name__,
                "steps": s.diffusers_steps, "guidance": s.diffusers_guidance, "long": s.diffusers_long_side,
                "short": s.diffusers_short_side, "fps": s.diffusers_fps, "max_frames": s.diffusers_max_frames}

    def call_args(self, request: ClipRequest) -> dict[str, Any]:
        """Keyword arguments of the pipeline call for one scene."""
        import torch

        s = self.settings
        width, height = generation_size(request.size, s.diffusers_long_side, s.diffusers_short_side,
                                        spatial_multiple(self.pipe))
        stride = int(getattr(self.pipe, "vae_scale_factor_temporal", DEFAULT_TEMPORAL_STRIDE) or DEFAULT_TEMPORAL_STRIDE)
        args: dict[str, Any] = {
            "prompt": request.prompt, "negative_prompt": request.negative_prompt, "width": width, "height": height,
            "num_frames": frame_count(request.duration_s, s.diffusers_fps, s.diffusers_max_frames, stride),
            "num_inference_steps": s.diffusers_steps, "guidance_scale": s.diffusers_guidance, "output_type": "np",
            # A CPU generator keeps the same seed giving the same clip on any device.
            "generator": torch.Generator("cpu").manual_seed(request.seed),
        }
        if request.image_path and takes_image(self.pipe):
            with Image.open(request.image_path) as im:
                args["image"] = cover(im.convert("RGB"), width, height)
        return args

    def generate(self, request: ClipRequest, dst: Path) -> None:
        import numpy as np

        try:
            out = self.pipe(**self.call_args(request))
        except (RuntimeError, ValueError) as exc:  # OOM, shape errors: this scene falls back
            raise ClipGenerationError(f"diffusers pipeline failed: {exc}") from exc
        frames = np.asarray(out.frames[0])
        if frames.ndim != 4 or frames.shape[-1] != 3:
            raise ClipGenerationError(f"unexpected pipeline output shape {frames.shape}")
        write_clip(frames, dst, self.settings.diffusers_fps)


def render_diffusers(plan: CreativePlan, product: Product, work_dir: Path, **kw: Any) -> Creative:
    """`generate_video` backend "diffusers"."""
    return finish_creative(DiffusersGenerator(), plan, product, work_dir, **kw)
