"""LangGraph Studio / `langgraph dev` (issue 7): the server starts offline from the project root
on a free local port, serves the graphs of langgraph.json, runs an offline PCG review thread
through the HTTP API to its interrupt, resumes it (approve) to a finished creative, and stops.

Needs the `langgraph` CLI with the in-memory server (`pip install "langgraph-cli[inmem]"`);
skipped when it is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from nextads.catalog import get_demo_product, get_demo_user
from nextads.schemas import ServingContext

ROOT = Path(__file__).resolve().parents[1]
SERVER_START_S = 90  # importing the graphs (and the sentence encoder) takes a while on a small CPU
RUN_TIMEOUT_S = 180
TINY = {"duration_s": 6, "resolution": [144, 256], "fps": 8}
OFFLINE_ENV = {  # no LangSmith tracing (no key, no network) and no CLI analytics
    "LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false", "LANGCHAIN_TRACING": "false",
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
}


def _langgraph_cli() -> str | None:
    beside = Path(sys.executable).with_name("langgraph")
    found = str(beside) if beside.exists() else shutil.which("langgraph")
    if found is None:
        return None
    try:
        import langgraph_api  # noqa: F401 - the in-memory server `langgraph dev` needs
    except ImportError:
        return None
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(base: str, method: str, path: str, body: dict | None = None, timeout: float = RUN_TIMEOUT_S):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


def _wait_until_up(base: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"langgraph dev exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if _call(base, "GET", "/ok", timeout=2).get("ok"):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.5)
    pytest.fail(f"langgraph dev did not answer within {SERVER_START_S}s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def server(tmp_path):
    cli = _langgraph_cli()
    if cli is None:
        pytest.skip("the langgraph CLI with the in-memory server is not installed (langgraph-cli[inmem])")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("LANGSMITH_API_KEY", "LANGCHAIN_API_KEY")}
    env.update(OFFLINE_ENV, NEXTADS_STATE_DIR=str(tmp_path / "state"))
    server_dir = ROOT / ".langgraph_api"  # the dev server's own persistence folder
    existed = server_dir.exists()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([cli, "dev", "--no-browser", "--no-reload", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc, log)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the CLI and the server process it started
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if not existed:
            shutil.rmtree(server_dir, ignore_errors=True)


def test_langgraph_json_names_the_graphs():
    spec = json.loads((ROOT / "langgraph.json").read_text())
    for name in ("pcg", "pci", "review"):
        path, attr = spec["graphs"][name].split(":")
        assert (ROOT / path).is_file() and attr == "graph"


def test_langgraph_dev_runs_a_review_thread_to_its_interrupt_and_resumes_it(server, tmp_path):
    assistants = _call(server, "POST", "/assistants/search", {"limit": 20})
    assert {"pcg", "pci", "review"} <= {a["graph_id"] for a in assistants}

    inputs = {"task": "pcg", "user": get_demo_user("maya").model_dump(mode="json"),
              "product": get_demo_product("summitra-tent").model_dump(mode="json"),
              "context": ServingContext(**TINY).model_dump(mode="json"), "work_dir": str(tmp_path / "work"),
              "max_rounds": 0, "generic": False}
    thread = _call(server, "POST", "/threads", {})["thread_id"]
    _call(server, "POST", f"/threads/{thread}/runs/wait", {"assistant_id": "review", "input": inputs})

    state = _call(server, "GET", f"/threads/{thread}/state")
    assert state["next"] == ["review"]
    payload = state["tasks"][0]["interrupts"][0]["value"]
    assert "Storyboard" in payload["plan_text"] and payload["plan"]["storyboard"]["scenes"]

    _call(server, "POST", f"/threads/{thread}/runs/wait", {"assistant_id": "review", "command": {"resume": "drop scene 2"}})
    edited = _call(server, "GET", f"/threads/{thread}/state")["tasks"][0]["interrupts"][0]["value"]
    assert edited["reply"].startswith("Removed scene 2")
    assert len(edited["plan"]["storyboard"]["scenes"]) == len(payload["plan"]["storyboard"]["scenes"]) - 1

    final = _call(server, "POST", f"/threads/{thread}/runs/wait", {"assistant_id": "review", "command": {"resume": "approve"}})
    assert final["outcome"]["finalized"], final.get("outcome")
    assert Path(final["outcome"]["video_path"]).is_file()
    assert _call(server, "GET", f"/threads/{thread}/state")["next"] == []
