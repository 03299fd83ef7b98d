"""Model specs, presets, image blocks, history redaction and structured-call retries (no network)."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from pydantic import BaseModel

from nextads.errors import ConfigError
from nextads.providers import chat, presets
from nextads.providers.structured import is_retryable, structured_call
from nextads.settings import Settings, get_settings
from providers_fixtures import FakeToolChatModel, tool_reply

KEYS = ("OPENAI_API_KEY", "GOOGLE_API_KEY", "NEXTADS_LLM", "NEXTADS_VIDEO", "NEXTADS_JUDGE", "NEXTADS_PRESET",
        "NEXTADS_OPEN_BASE_URL", "NEXTADS_DIFFUSERS_WEIGHTS")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for k in KEYS:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.chdir(tmp_path)  # no project .env
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_parse_spec_forms():
    assert chat.parse_spec(None).offline and str(chat.parse_spec("offline")) == "offline"
    s = chat.parse_spec("openai-compatible:Qwen/Qwen3-VL-8B-Instruct@http://127.0.0.1:8000/v1")
    assert (s.provider, s.model, s.base_url) == ("openai-compatible", "Qwen/Qwen3-VL-8B-Instruct", "http://127.0.0.1:8000/v1")
    assert chat.parse_spec("gemini:gemini-2.5-flash").model == "gemini-2.5-flash"
    for bad in ("gpt-4o", "anthropic:claude", "openai:", "openai-compatible:qwen"):
        with pytest.raises(ConfigError):
            chat.parse_spec(bad)


def test_required_env_and_check_config(monkeypatch):
    assert chat.required_env("openai:gpt-4o") == ["OPENAI_API_KEY"]
    assert chat.required_env("gemini:gemini-2.5-flash") == ["GOOGLE_API_KEY"]
    assert chat.required_env("openai-compatible:m@http://h/v1") == []  # servers without auth
    assert chat.required_env("sora") == ["OPENAI_API_KEY"] and chat.required_env("compositor") == []
    with pytest.raises(ConfigError, match="GOOGLE_API_KEY"):
        chat.check_config(["offline", "gemini:gemini-2.5-flash"])
    monkeypatch.setenv("GOOGLE_API_KEY", "g")
    chat.check_config(["gemini:gemini-2.5-flash"])


def test_make_chat_model_per_provider(monkeypatch):
    from langchain_google_genai import ChatGoogleGenerativeAI
    from langchain_openai import ChatOpenAI

    assert chat.make_chat_model("offline", temperature=0, timeout=5) is None
    m = chat.make_chat_model("openai-compatible:qwen@http://127.0.0.1:9/v1", temperature=0, timeout=5)
    assert isinstance(m, ChatOpenAI) and m.openai_api_base == "http://127.0.0.1:9/v1" and m.max_retries == 0
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        chat.make_chat_model("openai:gpt-4o", temperature=0, timeout=5)
    monkeypatch.setenv("GOOGLE_API_KEY", "g")
    assert isinstance(chat.make_chat_model("gemini:gemini-2.5-flash", temperature=0, timeout=5), ChatGoogleGenerativeAI)


def test_image_block_is_a_downscaled_jpeg_data_uri(tmp_path):
    p = tmp_path / "big.png"
    Image.new("RGBA", (800, 400), (200, 30, 30, 255)).save(p)
    block = chat.image_block(p, 100)
    assert block["type"] == "image_url"
    head, data = block["image_url"]["url"].split(",", 1)
    assert head == "data:image/jpeg;base64"
    img = Image.open(io.BytesIO(base64.b64decode(data)))
    assert img.format == "JPEG" and img.size == (100, 50)


def test_presets_resolve_with_overrides(monkeypatch):
    assert presets.resolve_components("offline").as_dict() == {
        "preset": "offline", "llm": "offline", "video": "compositor", "judge": "offline"}
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        presets.resolve_components("closed")
    with pytest.raises(ConfigError, match="NEXTADS_OPEN_BASE_URL"):
        presets.resolve_components("open")
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    monkeypatch.setenv("GOOGLE_API_KEY", "g")
    closed = presets.resolve_components("closed")
    assert (closed.llm, closed.video, closed.judge) == ("openai:gpt-4o", "sora", "gemini:gemini-2.5-flash")
    monkeypatch.setenv("NEXTADS_OPEN_BASE_URL", "http://gpu:8000/v1")
    monkeypatch.setenv("NEXTADS_DIFFUSERS_WEIGHTS", "/models/wan")
    monkeypatch.setenv("NEXTADS_CLOSED_LLM_MODEL", "gpt-4.1")
    get_settings.cache_clear()
    assert presets.resolve_components("open").llm == "openai-compatible:Qwen/Qwen3-VL-8B-Instruct@http://gpu:8000/v1"
    assert presets.resolve_components("closed").llm == "openai:gpt-4.1"  # model names from settings
    # the environment overrides a preset per component, the command line overrides both
    monkeypatch.setenv("NEXTADS_VIDEO", "compositor")
    get_settings.cache_clear()
    assert presets.resolve_components("closed").video == "compositor"
    assert presets.resolve_components("closed", video="veo", llm="offline").as_dict()["llm"] == "offline"


def test_components_restored_after_apply():
    with presets.components_restored():
        presets.apply_components(presets.Components("generic", "offline", "compositor", "offline"))
        assert get_settings().preset == "generic"
    assert get_settings().preset == Settings.model_fields["preset"].default


def test_redact_history_removes_history_text_only():
    value = {"user": {"user_id": "u1", "history": [{"text": "my diagnosis"}]},
             "messages": [{"content": "Profile this.\n<history>\n- my diagnosis\n</history>\nThanks"}]}
    out = chat.redact_history(value)
    assert "diagnosis" not in str(out)
    assert out["user"]["user_id"] == "u1" and out["messages"][0]["content"].startswith("Profile this.")
    assert chat.trace_callbacks(True) == []  # no LangSmith key: no tracer at all


class Answer(BaseModel):
    value: int


class Status(Exception):
    def __init__(self, code: int):
        super().__init__(f"HTTP {code}")
        self.status_code = code


class Flaky(FakeToolChatModel):
    """Raises the queued errors first, then replies."""

    errors: list[Exception] = []

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[override]
        self.seen.append(list(messages))
        if self.errors:
            raise self.errors.pop(0)
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def test_structured_call_retries_transient_faults_with_backoff():
    waits: list[float] = []
    model = Flaky(errors=[TimeoutError("slow"), Status(429), Status(503)], responses=[tool_reply("Answer", {"value": 3})])
    result = structured_call(model, Answer, ["q"], step="s", retries=3, backoff_s=0.5, sleep=waits.append)
    assert result.ok and result.value == Answer(value=3) and result.attempts == 4
    assert waits == [0.5, 1.0, 2.0]  # exponential backoff


def test_structured_call_gives_up_with_a_fallback_marker():
    waits: list[float] = []
    model = FakeToolChatModel(responses=[tool_reply("Answer", {"value": "many"})])
    result = structured_call(model, Answer, ["q"], step="match_product", retries=2, backoff_s=0.1, sleep=waits.append)
    assert result.value is None and result.attempts == 3 and len(waits) == 2
    assert result.fallback["step"] == "match_product" and result.fallback["model"] == "fake-tool-model"
    # a fault no retry can fix (a bad key) gives up at once
    auth = Flaky(errors=[Status(401)], responses=[tool_reply("Answer", {"value": 1})])
    result = structured_call(auth, Answer, ["q"], step="s", retries=3, backoff_s=0, sleep=waits.append)
    assert result.attempts == 1 and "401" in result.fallback["reason"]
    assert is_retryable(Status(500)) and not is_retryable(Status(400))


def test_trace_callbacks_redact_with_a_langsmith_key(monkeypatch):
    from langchain_core.tracers import LangChainTracer

    import langsmith

    class Client:  # records the options; the real one would contact LangSmith
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    monkeypatch.setattr(langsmith, "Client", Client)
    monkeypatch.setenv("LANGSMITH_API_KEY", "ls-test")
    assert chat.trace_callbacks(False) == []  # redaction off: the default tracer applies
    (tracer,) = chat.trace_callbacks(True)
    assert isinstance(tracer, LangChainTracer)
    hidden = tracer.client.kwargs["hide_inputs"]({"user": {"history": [{"text": "secret note"}]}})
    assert "secret" not in str(hidden)
