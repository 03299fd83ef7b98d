"""Hosted video backends against mocked HTTP transports with the APIs' response shapes.

Sora 2: the real `openai.OpenAI` client over an `httpx2.MockTransport` (passed as
http_client) speaking the Videos API (POST /videos, GET /videos/{id}, GET
/videos/{id}/content). Veo: the real `google.genai.Client` (Vertex AI mode: this google-genai serves videos only
there) over an `httpx2.MockTransport` (passed as HttpOptions.httpx_client) speaking
Vertex's API (POST {model}:predictLongRunning, POST {model}:fetchPredictOperation, the
video inline as base64). Both cover
success after polling, a failed job, and a timeout; a hosted clip goes through the same
finishing stage as the compositor.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

httpx2 = pytest.importorskip("httpx2")
openai = pytest.importorskip("openai")
genai = pytest.importorskip("google.genai")

from nextads import settings as settings_mod  # noqa: E402
from nextads.errors import InputError  # noqa: E402
from tools.backends import hosted  # noqa: E402
from tools.backends.finishing import ClipGenerationError, ClipRequest  # noqa: E402
from tools.media.encode import encode_frames  # noqa: E402
from tools.media.probe import probe  # noqa: E402


@pytest.fixture(scope="module")
def mp4_bytes(tmp_path_factory) -> bytes:
    """A real little MP4 (a moving gradient) as the API's downloadable content."""
    path = tmp_path_factory.mktemp("hosted") / "clip.mp4"
    xs = np.linspace(0, 255, 72, dtype=np.float32)[None, :, None]
    frames = [np.broadcast_to((xs + 6 * i) % 256, (128, 72, 3)).astype(np.uint8).copy() for i in range(24)]
    encode_frames(path, frames, (72, 128), 8, preset="ultrafast")
    return path.read_bytes()


@pytest.fixture
def collage(tmp_path) -> str:
    from PIL import Image

    p = tmp_path / "collage.png"
    Image.new("RGB", (300, 200), (30, 120, 60)).save(p)
    return str(p)


class FakeClock:
    """Deterministic time for polling: sleeping advances the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


def request(collage: str | None, duration: float = 2.5) -> ClipRequest:
    return ClipRequest(scene_index=0, prompt="a tent on a ridge at dawn", negative_prompt="text", image_path=collage,
                       duration_s=duration, size=(144, 256), fps=8, seed=0)


# ---------------------------------------------------------------------------
# Sora 2 (openai SDK)
# ---------------------------------------------------------------------------


def sora_video(status: str, progress: int, error: dict | None = None) -> dict:
    return {"id": "video_68d7512d07848190b3e45da0ecbebcde", "object": "video", "created_at": 1758941485,
            "completed_at": 1758941599 if status == "completed" else None, "expires_at": None, "error": error,
            "model": "sora-2", "progress": progress, "prompt": "a tent on a ridge at dawn",
            "remixed_from_video_id": None, "seconds": "4", "size": "720x1280", "status": status}


class SoraServer:
    """The Videos API: a job that is queued, then in progress, then `final`."""

    def __init__(self, mp4: bytes, final: str = "completed", polls_before_final: int = 2):
        self.mp4, self.final, self.polls_before_final = mp4, final, polls_before_final
        self.calls: list[tuple[str, str]] = []
        self.create_body = b""

    def __call__(self, req: httpx2.Request) -> httpx2.Response:
        self.calls.append((req.method, req.url.path))
        assert req.headers["authorization"] == "Bearer sk-test"
        vid = "video_68d7512d07848190b3e45da0ecbebcde"
        if req.method == "POST" and req.url.path == "/v1/videos":
            self.create_body = req.read()
            return httpx2.Response(200, json=sora_video("queued", 0))
        if req.method == "GET" and req.url.path == f"/v1/videos/{vid}":
            polls = sum(1 for c in self.calls if c == ("GET", f"/v1/videos/{vid}"))
            if polls <= self.polls_before_final:
                return httpx2.Response(200, json=sora_video("in_progress", 30 * polls))
            if self.final == "failed":
                return httpx2.Response(200, json=sora_video(
                    "failed", 100, {"code": "moderation_blocked", "message": "Your request was blocked by our moderation system."}))
            return httpx2.Response(200, json=sora_video(self.final, 100))
        if req.method == "GET" and req.url.path == f"/v1/videos/{vid}/content":
            assert req.url.params.get("variant") == "video"
            return httpx2.Response(200, content=self.mp4, headers={"content-type": "video/mp4"})
        return httpx2.Response(404, json={"error": {"message": "not found", "type": "invalid_request_error"}})


def sora(server: SoraServer, clock: FakeClock, **kw) -> hosted.SoraGenerator:
    client = openai.OpenAI(api_key="sk-test", base_url="https://api.openai.test/v1", max_retries=0,
                           http_client=httpx2.Client(transport=httpx2.MockTransport(server)))
    return hosted.SoraGenerator(client, model="sora-2", poll_s=5.0, timeout_s=kw.get("timeout_s", 120.0),
                                sleep=clock.sleep, clock=clock)


def test_sora_creates_polls_and_downloads(mp4_bytes, collage, tmp_path):
    server, clock = SoraServer(mp4_bytes), FakeClock()
    dst = tmp_path / "sora.mp4"
    sora(server, clock).generate(request(collage), dst)
    assert dst.read_bytes() == mp4_bytes and probe(dst).frames == 24
    paths = [p for _, p in server.calls]
    assert paths[0] == "/v1/videos" and paths[-1].endswith("/content") and len(paths) == 5
    assert clock.sleeps == [5.0, 5.0]  # two in-progress polls, then completed
    body = server.create_body
    assert b'name="seconds"' in body and b"\r\n\r\n4\r\n" in body  # 2.5 s scene -> shortest allowed clip
    assert b"720x1280" in body and b'filename="reference.png"' in body and b"sora-2" in body


def test_sora_failed_job_is_a_clip_error(mp4_bytes, collage, tmp_path):
    server = SoraServer(mp4_bytes, final="failed")
    with pytest.raises(ClipGenerationError, match="moderation"):
        sora(server, FakeClock()).generate(request(collage), tmp_path / "x.mp4")
    assert not any(p.endswith("/content") for _, p in server.calls)


def test_sora_timeout(mp4_bytes, tmp_path):
    server, clock = SoraServer(mp4_bytes, polls_before_final=1000), FakeClock()
    with pytest.raises(ClipGenerationError, match="not finished after 30 s"):
        sora(server, clock, timeout_s=30.0).generate(request(None), tmp_path / "x.mp4")
    assert clock.now == 30.0 and len(clock.sleeps) == 6  # polled at 0, 5, ..., 30 s, then gave up


def test_sora_http_error_is_a_clip_error(tmp_path):
    def down(req):
        return httpx2.Response(503, json={"error": {"message": "overloaded", "type": "server_error"}})

    client = openai.OpenAI(api_key="sk-test", base_url="https://api.openai.test/v1", max_retries=0,
                           http_client=httpx2.Client(transport=httpx2.MockTransport(down)))
    gen = hosted.SoraGenerator(client, poll_s=1, timeout_s=5, sleep=lambda s: None)
    with pytest.raises(ClipGenerationError, match="sora request failed"):
        gen.generate(request(None), tmp_path / "x.mp4")


def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(InputError, match="OPENAI_API_KEY"):
        hosted.SoraGenerator()
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    with pytest.raises(InputError, match="GOOGLE_API_KEY"):
        hosted.VeoGenerator()


# ---------------------------------------------------------------------------
# Veo (google-genai)
# ---------------------------------------------------------------------------


class VeoServer:
    """Veo's long-running operation on Vertex AI (google-genai's only route for videos):
    predictLongRunning, then fetchPredictOperation until done; the video comes inline."""

    MODEL = "publishers/google/models/veo-3.0-generate-001"
    OP = f"projects/nextads-test/locations/us-central1/{MODEL}/operations/0d6f1c7e-2b4a-4c1e-9f0a-6a2b0c3d4e5f"

    def __init__(self, mp4: bytes, final: str = "done", polls_before_final: int = 2):
        self.mp4, self.final, self.polls_before_final = mp4, final, polls_before_final
        self.calls: list[tuple[str, str]] = []
        self.submitted: dict = {}
        self.polls = 0

    def __call__(self, req: httpx2.Request) -> httpx2.Response:
        self.calls.append((req.method, req.url.path))
        assert req.headers["x-goog-api-key"] == "test-key"
        if req.method == "POST" and req.url.path.endswith(f"{self.MODEL}:predictLongRunning"):
            self.submitted = json.loads(req.read())
            return httpx2.Response(200, json={"name": self.OP})
        if req.method == "POST" and req.url.path.endswith(f"{self.MODEL}:fetchPredictOperation"):
            assert json.loads(req.read())["operationName"] == self.OP
            self.polls += 1
            if self.polls <= self.polls_before_final:
                return httpx2.Response(200, json={"name": self.OP})
            if self.final == "error":
                return httpx2.Response(200, json={"name": self.OP, "done": True, "error": {
                    "code": 3, "message": "The prompt could not be processed."}})
            return httpx2.Response(200, json={"name": self.OP, "done": True, "response": {
                "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
                "raiMediaFilteredCount": 0,
                "videos": [{"bytesBase64Encoded": base64.b64encode(self.mp4).decode(), "mimeType": "video/mp4"}]}})
        return httpx2.Response(404, json={"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}})


def veo(server: VeoServer, clock: FakeClock, **kw) -> hosted.VeoGenerator:
    from google.genai import types

    client = genai.Client(vertexai=True, api_key="test-key", http_options=types.HttpOptions(
        httpx_client=httpx2.Client(transport=httpx2.MockTransport(server)),
        retry_options=types.HttpRetryOptions(attempts=1)))
    return hosted.VeoGenerator(client, model="veo-3.0-generate-001", poll_s=10.0, timeout_s=kw.get("timeout_s", 300.0),
                               sleep=clock.sleep, clock=clock)


def test_veo_generates_polls_and_downloads(mp4_bytes, collage, tmp_path):
    server, clock = VeoServer(mp4_bytes), FakeClock()
    dst = tmp_path / "veo.mp4"
    veo(server, clock).generate(request(collage, duration=4.5), dst)
    assert dst.read_bytes() == mp4_bytes
    assert clock.sleeps == [10.0, 10.0]
    instance, params = server.submitted["instances"][0], server.submitted["parameters"]
    assert instance["prompt"].startswith("a tent") and instance["image"]["mimeType"] == "image/png"
    assert params["aspectRatio"] == "9:16" and params["durationSeconds"] == 6 and params["sampleCount"] == 1


def test_veo_failed_operation_is_a_clip_error(mp4_bytes, tmp_path):
    with pytest.raises(ClipGenerationError, match="could not be processed"):
        veo(VeoServer(mp4_bytes, final="error"), FakeClock()).generate(request(None), tmp_path / "x.mp4")


def test_veo_timeout(mp4_bytes, tmp_path):
    clock = FakeClock()
    with pytest.raises(ClipGenerationError, match="not finished"):
        veo(VeoServer(mp4_bytes, polls_before_final=100), clock, timeout_s=60.0).generate(request(None), tmp_path / "x.mp4")
    assert clock.now <= 60.0


# ---------------------------------------------------------------------------
# Finishing: a hosted clip becomes a labelled creative; a failed scene falls back
# ---------------------------------------------------------------------------


@pytest.fixture
def small_plan(tmp_path, monkeypatch):
    """A grounded demo plan at a small size (the offline Director)."""
    monkeypatch.setenv("NEXTADS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("NEXTADS_X264_PRESET", "ultrafast")
    monkeypatch.setenv("NEXTADS_NARRATION", "false")
    settings_mod.get_settings.cache_clear()
    from agents.director.grounding import ground_assets
    from agents.director.matching import match_product
    from agents.director.profile import model_user
    from agents.director.storyboard import write_storyboard
    from nextads.catalog import get_demo_product, get_demo_user
    from nextads.schemas import CreativePlan, ServingContext

    user, product = get_demo_user("maya"), get_demo_product("summitra-tent")
    ctx = ServingContext(duration_s=6, resolution=[144, 256], fps=8)
    profile = model_user(user)
    match = match_product(profile, product, threshold=settings_mod.get_settings().compatibility_threshold)
    sb = write_storyboard(profile, product, match, ctx)
    grounding = ground_assets(sb, product, profile, ctx, tmp_path / "ground")
    plan = CreativePlan(user_id=user.user_id, product_id=product.product_id, context=ctx, profile=profile,
                        match=match, storyboard=sb, grounding=grounding)
    yield plan, product
    settings_mod.get_settings.cache_clear()


def test_hosted_clips_are_finished_like_the_compositor(small_plan, mp4_bytes, tmp_path):
    from agents.verifier import verify
    from tools.backends.finishing import finish_creative

    plan, product = small_plan
    server = SoraServer(mp4_bytes, polls_before_final=0)
    gen = sora(server, FakeClock())
    creative = finish_creative(gen, plan, product, tmp_path / "render")
    non_cta = [s for s in plan.storyboard.scenes if s.purpose != "cta"]
    assert creative.backend == "sora" and creative.label == "AI Created"
    assert not [w for w in creative.warnings if "clip failed" in w], creative.warnings
    assert sum(1 for m, p in server.calls if m == "POST") == len(non_cta)
    info = probe(creative.video_path)
    assert (info.width, info.height) == (144, 256) and abs(info.duration_s - 6) < 0.2
    assert "AI Created" in json.dumps(info.tags)
    verdict = verify(plan, creative, product)
    assert verdict.compliance_passed and verdict.scores["product_alignment"] >= 0.99

    # A second pass reuses every clip and segment: no new jobs.
    before = len(server.calls)
    again = finish_creative(gen, plan, product, tmp_path / "render", previous=creative)
    assert len(server.calls) == before and again.rerendered == [] and again.video_path == creative.video_path


def test_a_failed_scene_falls_back_to_the_compositor(small_plan, mp4_bytes, tmp_path):
    from tools.backends.finishing import finish_creative

    plan, product = small_plan
    creative = finish_creative(sora(SoraServer(mp4_bytes, final="failed", polls_before_final=0), FakeClock()),
                               plan, product, tmp_path / "render")
    assert creative.backend == "sora" and probe(creative.video_path).frames == creative.frames
    assert any("rendered by the compositor" in w and "moderation" in w for w in creative.warnings)
    assert not list((tmp_path / "render" / "clips").glob("*.mp4"))


def test_a_localized_rerender_regenerates_only_that_scene(small_plan, mp4_bytes, tmp_path):
    from nextads.schemas import RevisionDirective
    from tools.backends.finishing import finish_creative

    plan, product = small_plan
    server = SoraServer(mp4_bytes, polls_before_final=0)
    gen = sora(server, FakeClock())
    first = finish_creative(gen, plan, product, tmp_path / "render")
    posts = sum(1 for m, _ in server.calls if m == "POST")
    directive = RevisionDirective(target="producer", level="execution", scope=[1], edit="rerender",
                                  instruction="steadier take", reason="artifacts in scene 1", cost=0.2)
    edited = finish_creative(gen, plan, product, tmp_path / "render", previous=first, directive=directive)
    assert sum(1 for m, _ in server.calls if m == "POST") == posts + 1  # one new job: scene 1's new seed
    # Scene 1 again (and scene 2 only if its transition blends from scene 1); the rest reused.
    assert 1 in edited.rerendered and set(edited.rerendered) <= {1, 2}
    kept = [i for i in range(len(first.scenes)) if i not in edited.rerendered]
    assert kept and [edited.scenes[i].digest for i in kept] == [first.scenes[i].digest for i in kept]
