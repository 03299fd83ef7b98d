"""The CLI with real provider clients against a local chat-completions server, and config errors."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agents import llm_dispatch
from nextads.cli import main
from nextads.settings import get_settings
from providers_fixtures import RECORDED

# The loop's other LLM calls: a clean judgement of the creative, and an attribution that
# proposes nothing (the Reflector then falls back to its own rules).
JUDGED = {"personalization": 0.9, "product_alignment": 0.9, "context_alignment": 0.9,
          "findings": [{"check": c, "passed": True, "message": "ok"}
                       for c in ("personalization", "product_identity", "brand_elements", "safety", "privacy")]}
REPLIES = {**RECORDED, "JudgedReview": JUDGED, "AttributionProposal": {"directives": []},
           "HostProposal": {"topic": "a morning hike", "keywords": ["hike", "mountains"],
                            "content": "A hiker walks a misty trail at dawn."},
           "IntegrationProposal": {"candidate": 0, "story_pause": "the walk slows", "bridge": "camp talk",
                                   "emotional_fit": "calm"}}

SMALL = {"duration_s": 9, "resolution": [144, 256], "fps": 8}
MODEL = "Qwen/Qwen3-VL-8B-Instruct"


class ChatCompletions(BaseHTTPRequestHandler):
    """Speaks enough of the chat-completions protocol: answers every request with a call of
    the function it was asked for, with the recorded arguments for that schema."""

    requests: list[dict] = []
    broken: set[str] = set()  # schema names answered with malformed arguments

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        name = body["tools"][0]["function"]["name"]
        args = "{not json" if name in self.broken else json.dumps(REPLIES[name])
        reply = {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": None,
                "tool_calls": [{"id": f"call_{len(self.requests)}", "type": "function",
                                "function": {"name": name, "arguments": args}}]}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def server():
    ChatCompletions.requests, ChatCompletions.broken = [], set()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ChatCompletions)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def env(tmp_path, monkeypatch):
    for k in ("OPENAI_API_KEY", "GOOGLE_API_KEY", "NEXTADS_LLM", "NEXTADS_PRESET", "NEXTADS_VIDEO", "NEXTADS_JUDGE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("NEXTADS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("NEXTADS_LLM_RETRIES", "1")
    monkeypatch.setenv("NEXTADS_LLM_BACKOFF_S", "0")
    get_settings.cache_clear()
    llm_dispatch.chat_model_for.cache_clear()
    ctx = tmp_path / "context.json"
    ctx.write_text(json.dumps(SMALL))
    yield ctx
    get_settings.cache_clear()
    llm_dispatch.chat_model_for.cache_clear()


def test_plan_with_an_openai_compatible_server(server, env, tmp_path, capsys):
    code = main(["plan", "--user", "demo:maya", "--product", "demo:summitra-tent", "--context", str(env),
                 "--llm", f"openai-compatible:{MODEL}@{server}", "--out", str(tmp_path / "plan")])
    assert code == 0
    plan = json.loads(capsys.readouterr().out)
    assert [plan[k]["source"] for k in ("profile", "match", "storyboard", "grounding")] == ["llm"] * 4
    assert abs(sum(s["duration_s"] for s in plan["storyboard"]["scenes"]) - SMALL["duration_s"]) < 1e-6
    reqs = ChatCompletions.requests
    assert [r["tools"][0]["function"]["name"] for r in reqs] == \
        ["ProfileProposal", "MatchProposal", "StoryboardProposal", "GroundingProposal"]
    assert all(r["model"] == MODEL for r in reqs)
    # every request carries the JSON schema of the function the model must call
    profile_params = reqs[0]["tools"][0]["function"]["parameters"]
    assert "interests" in profile_params["properties"] and reqs[0]["tool_choice"]
    # the VLM steps send images as data-URI content blocks
    for r in (reqs[0], reqs[3]):
        blocks = r["messages"][-1]["content"]
        images = [b for b in blocks if b["type"] == "image_url"]
        assert images and all(b["image_url"]["url"].startswith("data:image/jpeg;base64,") for b in images)
    assert get_settings().llm == "offline"  # the command's choice does not outlive it


def test_malformed_server_reply_falls_back_and_warns(server, env, capsys):
    ChatCompletions.broken = {"MatchProposal"}
    code = main(["plan", "--user", "demo:maya", "--product", "demo:summitra-tent", "--context", str(env),
                 "--llm", f"openai-compatible:{MODEL}@{server}"])
    assert code == 0
    out = capsys.readouterr()
    plan = json.loads(out.out)
    assert plan["match"]["source"] == "offline" and plan["storyboard"]["source"] == "llm"
    assert "match_product fell back to offline" in out.err
    names = [r["tools"][0]["function"]["name"] for r in ChatCompletions.requests]
    assert names.count("MatchProposal") == 2  # one retry, then the offline step


def test_pcg_closed_preset_without_keys_fails_before_any_work(env, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["pcg", "--preset", "closed", "--user", "demo:maya", "--product", "demo:summitra-tent",
                 "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("error") == 1 and "OPENAI_API_KEY" in err
    assert not out.exists() and not (tmp_path / "state").exists()  # nothing was started
    code = main(["plan", "--preset", "closed", "--llm", "offline", "--video", "compositor",
                 "--user", "demo:maya", "--product", "demo:summitra-tent"])
    assert code == 2 and "GOOGLE_API_KEY" in capsys.readouterr().err  # the judge still needs its key


def test_unknown_spec_is_a_configuration_error(env, capsys):
    assert main(["profile", "--user", "demo:maya", "--llm", "gpt-4o"]) == 2
    assert "unknown model spec" in capsys.readouterr().err


def test_whole_pcg_loop_with_an_openai_compatible_server(server, env, tmp_path, capsys):
    """Every LLM-backed step of the loop (four Director steps, the Verifier's judged checks,
    the Reflector when a round is revised) talks to the server; the creative is verified,
    labelled and written as usual."""
    out = tmp_path / "ad"
    code = main(["pcg", "--user", "demo:maya", "--product", "demo:summitra-tent", "--context", str(env),
                 "--llm", f"openai-compatible:{MODEL}@{server}", "--max-rounds", "1", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    record = json.loads((out / "run.json").read_text())
    assert record["backends"]["llm"] == f"openai-compatible:{MODEL}@{server}" and record["finalized"]
    assert (out / "creative.mp4").stat().st_size > 0
    names = [r["tools"][0]["function"]["name"] for r in ChatCompletions.requests]
    assert names[:4] == ["ProfileProposal", "MatchProposal", "StoryboardProposal", "GroundingProposal"]
    assert "JudgedReview" in names
    if record["rounds"]:  # a revised round asked the Reflector's model for an attribution
        assert "AttributionProposal" in names
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["source"] == "offline+llm" and not verdict["fallbacks"]
    plan = json.loads((out / "plan.json").read_text())
    assert plan["storyboard"]["source"] == "llm"
    # the judge saw frames of the rendered creative, as data-URI images
    judge = next(r for r in ChatCompletions.requests if r["tools"][0]["function"]["name"] == "JudgedReview")
    blocks = [b for m in judge["messages"] if isinstance(m["content"], list) for b in m["content"]]
    assert sum(b["type"] == "image_url" for b in blocks) >= 2
    assert not record["fallbacks"]


def test_whole_pci_loop_with_an_openai_compatible_server(server, env, tmp_path, capsys):
    """PCI adds two VLM-backed Director steps (summarize_host, decide_integration): both talk to
    the server with frames of the host, and the integrated video is verified and written."""
    from host_fixtures import make_host_video

    host = make_host_video(tmp_path / "host.mp4", size=(320, 180), fps=12,
                           shots=((2.0, "calm"), (1.5, "busy"), (2.0, "calm"), (2.0, "calm"), (2.0, "calm")))
    out = tmp_path / "pci"
    code = main(["pci", "--user", "demo:maya", "--product", "demo:summitra-tent", "--host-video", str(host),
                 "--llm", f"openai-compatible:{MODEL}@{server}", "--max-rounds", "1", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    names = [r["tools"][0]["function"]["name"] for r in ChatCompletions.requests]
    assert names[:6] == ["ProfileProposal", "HostProposal", "IntegrationProposal", "MatchProposal",
                         "StoryboardProposal", "GroundingProposal"]
    assert "JudgedReview" in names  # the Verifier's judged checks asked the same server
    for name in ("HostProposal", "IntegrationProposal"):
        req = next(r for r in ChatCompletions.requests if r["tools"][0]["function"]["name"] == name)
        images = [b for b in req["messages"][-1]["content"] if b["type"] == "image_url"]
        assert len(images) >= 2 and all(b["image_url"]["url"].startswith("data:image/jpeg;base64,") for b in images)
    plan = json.loads((out / "plan.json").read_text())
    assert plan["host"]["source"] == "llm" and plan["host"]["topic"] == "a morning hike"
    assert plan["integration"]["source"] == "llm" and "chosen by the model" in plan["integration"]["rationale"]
    record = json.loads((out / "run.json").read_text())
    assert record["finalized"] and not record["fallbacks"]
    assert (out / "integrated.mp4").stat().st_size > 0
