"""Hosted video backends: OpenAI Sora 2 (openai SDK) and Google Veo (google-genai).

Both are long-running jobs: submit one per scene (prompt from the storyboard, the reference
collage as the input image), poll its status every ``NEXTADS_HOSTED_POLL_S`` seconds until it
completes, fails or ``NEXTADS_HOSTED_TIMEOUT_S`` passes, then download the MP4. Clips are
requested at the API's nearest allowed length and orientation and finished by the
compositor (`finishing.finish_creative`), which trims or extends them to each scene.
Transient HTTP faults (429, 5xx, connection resets) are retried by the SDKs themselves,
a bounded number of times; anything else fails the scene's clip, and that scene falls back
to the compositor with a warning on the Creative.

Credentials are the SDKs' own variables: ``OPENAI_API_KEY`` for Sora; for Veo, which
google-genai serves through Vertex AI only, ``GOOGLE_API_KEY`` (Vertex express mode) or
``GOOGLE_CLOUD_PROJECT`` (+ ``GOOGLE_CLOUD_LOCATION``, application default credentials).
A client can be passed in (tests pass clients over a mocked HTTP transport).
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image

from nextads.errors import InputError
from nextads.schemas import Creative, CreativePlan, Product
from nextads.settings import get_settings
from tools.backends.finishing import ClipGenerationError, ClipGenerator, ClipRequest, finish_creative
from tools.compositor.layers import cover

SORA_SECONDS = (4, 8, 12)  # clip lengths the Videos API accepts
SORA_SIZES = {"portrait": (720, 1280), "landscape": (1280, 720)}
VEO_SECONDS = (4, 6, 8)  # Veo 3 clip lengths
VEO_ASPECTS = {"portrait": "9:16", "landscape": "16:9"}

T = TypeVar("T")


def hosted_seconds(duration_s: float, allowed: tuple[int, ...]) -> int:
    """The shortest allowed clip length covering the scene (the longest when none does:
    the finishing stage then plays the clip forth and back)."""
    return next((s for s in allowed if s >= duration_s - 1e-6), allowed[-1])


def orientation(request: ClipRequest) -> str:
    return "portrait" if request.portrait else "landscape"


def reference_png(path: str | None, size: tuple[int, int]) -> bytes | None:
    """The conditioning image cover-cropped to the clip's exact size (Sora requires the
    input reference to match the output size), as PNG bytes."""
    if not path:
        return None
    with Image.open(path) as im:
        out = io.BytesIO()
        cover(im.convert("RGB"), *size).save(out, format="PNG")
    return out.getvalue()


def poll(fetch: Callable[[], T], done: Callable[[T], bool], *, what: str, poll_s: float, timeout_s: float,
         sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> T:
    """Call `fetch` every `poll_s` seconds until `done(result)`; ClipGenerationError after
    `timeout_s` seconds."""
    deadline = clock() + timeout_s
    while True:
        job = fetch()
        if done(job):
            return job
        if clock() + poll_s > deadline:
            raise ClipGenerationError(f"{what} not finished after {timeout_s:g} s")
        sleep(poll_s)


class HostedGenerator(ClipGenerator):
    """Shared settings of the hosted generators."""

    def __init__(self, client: Any = None, *, model: str | None = None, poll_s: float | None = None,
                 timeout_s: float | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        s = get_settings()
        self.client = client if client is not None else self.default_client()
        self.model = model or self.default_model(s)
        self.poll_s = poll_s if poll_s is not None else s.hosted_poll_s
        self.timeout_s = timeout_s if timeout_s is not None else s.hosted_timeout_s
        self.sleep, self.clock = sleep, clock

    def default_client(self) -> Any:
        raise NotImplementedError

    def default_model(self, settings: Any) -> str:
        raise NotImplementedError

    def fingerprint(self) -> dict:
        return {"backend": self.backend, "model": self.model}

    def wait(self, fetch: Callable[[], T], done: Callable[[T], bool], what: str) -> T:
        return poll(fetch, done, what=what, poll_s=self.poll_s, timeout_s=self.timeout_s,
                    sleep=self.sleep, clock=self.clock)


def _require_key(names: tuple[str, ...], backend: str) -> None:
    if not any(os.environ.get(n) for n in names):
        raise InputError("environment", names[0], f"the {backend} video backend needs {' or '.join(names)}")


class SoraGenerator(HostedGenerator):
    """OpenAI Sora 2 through the Videos API (create -> retrieve until done -> content)."""

    backend = "sora"

    def default_client(self) -> Any:
        _require_key(("OPENAI_API_KEY",), self.backend)
        from openai import OpenAI

        return OpenAI()

    def default_model(self, settings: Any) -> str:
        return settings.sora_model

    def generate(self, request: ClipRequest, dst: Path) -> None:
        import openai

        w, h = SORA_SIZES[orientation(request)]
        args: dict[str, Any] = {"model": self.model, "prompt": request.prompt, "size": f"{w}x{h}",
                                "seconds": str(hosted_seconds(request.duration_s, SORA_SECONDS))}
        png = reference_png(request.image_path, (w, h))
        if png is not None:
            args["input_reference"] = ("reference.png", png, "image/png")
        try:
            video = self.client.videos.create(**args)
            video = self.wait(lambda: self.client.videos.retrieve(video.id),
                              lambda v: v.status in ("completed", "failed"), f"sora job {video.id}")
            if video.status == "failed":
                reason = video.error.message if video.error else "no reason given"
                raise ClipGenerationError(f"sora job {video.id} failed: {reason}")
            content = self.client.videos.download_content(video.id, variant="video")
            dst.write_bytes(content.read())
        except openai.OpenAIError as exc:
            raise ClipGenerationError(f"sora request failed: {exc}") from exc


class VeoGenerator(HostedGenerator):
    """Google Veo through google-genai on Vertex AI (generate_videos -> operations.get until
    done -> the video's inline bytes, or files.download where the API returns a file)."""

    backend = "veo"

    def default_client(self) -> Any:
        _require_key(("GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT"), self.backend)
        from google import genai

        return genai.Client(vertexai=True)

    def default_model(self, settings: Any) -> str:
        return settings.veo_model

    def generate(self, request: ClipRequest, dst: Path) -> None:
        from google.genai import errors, types

        aspect = VEO_ASPECTS[orientation(request)]
        size = SORA_SIZES[orientation(request)]  # 720p either way
        png = reference_png(request.image_path, size)
        source = types.GenerateVideosSource(
            prompt=request.prompt, image=types.Image(image_bytes=png, mime_type="image/png") if png else None)
        config = types.GenerateVideosConfig(
            aspect_ratio=aspect, duration_seconds=hosted_seconds(request.duration_s, VEO_SECONDS),
            number_of_videos=1, negative_prompt=request.negative_prompt)
        try:
            op = self.client.models.generate_videos(model=self.model, source=source, config=config)
            op = self.wait(lambda: self.client.operations.get(op), lambda o: bool(o.done), f"veo operation {op.name}")
            if op.error:
                raise ClipGenerationError(f"veo operation {op.name} failed: {op.error.get('message', op.error)}")
            videos = (op.response.generated_videos if op.response else None) or []
            if not videos or videos[0].video is None:
                reasons = getattr(op.response, "rai_media_filtered_reasons", None) if op.response else None
                raise ClipGenerationError(f"veo operation {op.name} returned no video"
                                          + (f" (filtered: {'; '.join(reasons)})" if reasons else ""))
            video = videos[0].video
            # Without an output bucket Vertex returns the video inline; a gs:// URI would need
            # Cloud Storage access, which this backend does not take on.
            data = video.video_bytes
            if not data and video.uri and not video.uri.startswith("gs://"):
                data = self.client.files.download(file=video)
            if not data:
                raise ClipGenerationError(f"veo operation {op.name} returned no downloadable video ({video.uri})")
            dst.write_bytes(data)
        except errors.APIError as exc:
            raise ClipGenerationError(f"veo request failed: {exc}") from exc


def render_sora(plan: CreativePlan, product: Product, work_dir: Path, **kw: Any) -> Creative:
    """`generate_video` backend "sora"."""
    return finish_creative(SoraGenerator(), plan, product, work_dir, **kw)


def render_veo(plan: CreativePlan, product: Product, work_dir: Path, **kw: Any) -> Creative:
    """`generate_video` backend "veo"."""
    return finish_creative(VeoGenerator(), plan, product, work_dir, **kw)
