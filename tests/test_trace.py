"""Local JSONL traces: `--trace FILE` on a run and `nextads trace FILE` as a tree."""

from __future__ import annotations

import json

import pytest

from nextads.catalog import get_demo_user
from nextads.cli import main
from nextads.settings import get_settings
from verifier_fixtures import revise_first_round

SMALL = {"duration_s": 6, "resolution": [144, 256], "fps": 8}


@pytest.fixture
def env(tmp_path, monkeypatch):
    for k in ("NEXTADS_LLM", "NEXTADS_PRESET", "NEXTADS_VIDEO", "NEXTADS_JUDGE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("NEXTADS_STATE_DIR", str(tmp_path / "state"))
    get_settings.cache_clear()
    (tmp_path / "ctx.json").write_text(json.dumps(SMALL))
    yield tmp_path
    get_settings.cache_clear()


def test_trace_shows_all_four_components_and_every_round(env, monkeypatch, capsys):
    revise_first_round(monkeypatch)  # the first creative needs one revision
    trace = env / "trace.jsonl"
    assert main(["pcg", "--user", "demo:maya", "--product", "demo:summitra-tent", "--context", str(env / "ctx.json"),
                 "--out", str(env / "out"), "--trace", str(trace)]) == 0
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    assert all({"id", "parent", "name", "kind", "seconds", "inputs", "outputs", "error"} <= set(r) for r in records)
    # Nothing of the user's history reaches the trace (redaction is on by default).
    history = get_demo_user("maya").history
    blob = trace.read_text()
    assert not any(h.text and h.text[:40] in blob for h in history)
    capsys.readouterr()
    assert main(["trace", str(trace)]) == 0
    tree = capsys.readouterr().out
    for node in ("director", "model_user", "write_storyboard", "produce", "generate_video [tool]", "verify",
                 "reflect", "finalize"):
        assert node in tree, node
    assert "round 0" in tree and "round 1" in tree
    # Every round ran the Producer and the Verifier; the Reflector ran between them.
    lines = tree.splitlines()
    top = [line.strip().split()[0] for line in lines if line.strip()]
    assert top.count("produce") == 2 and top.count("verify") == 2 and top.count("reflect") == 1, tree
    order = [name for name in top if name in ("produce", "verify", "reflect", "finalize")]
    assert order == ["produce", "verify", "reflect", "produce", "verify", "finalize"], tree
    assert "→ revise" in tree and "→ write_storyboard" in tree and "→ accept" in tree
    # Children are indented under their parents: the Director's steps under director.
    d = next(i for i, line in enumerate(lines) if line.strip().startswith("director"))
    assert lines[d + 1].startswith(" " * (len(lines[d]) - len(lines[d].lstrip()) + 2))


def test_a_malformed_trace_is_one_clear_message(env, capsys):
    bad = env / "bad.jsonl"
    bad.write_text('{"id": "1", "name": "x"}\nnot json\n')
    assert main(["trace", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "line 2" in err and err.count("\n") == 1
