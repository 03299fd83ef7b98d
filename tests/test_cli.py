"""The `nextads` command end to end at a small resolution, bad input, and resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nextads.cli import main

SMALL = {"duration_s": 6, "resolution": [144, 256], "fps": 8}


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """Each test gets its own checkpoints, store and catalog cache."""
    from nextads import settings

    monkeypatch.setenv("NEXTADS_STATE_DIR", str(tmp_path / "state"))
    settings.get_settings.cache_clear()
    yield tmp_path / "state"
    settings.get_settings.cache_clear()


@pytest.fixture
def small_context(tmp_path) -> Path:
    p = tmp_path / "context.json"
    p.write_text(json.dumps(SMALL))
    return p


def _tags(video: Path) -> str:
    import imageio_ffmpeg

    r = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(video)],
                       capture_output=True, text=True)
    return r.stderr


def test_pcg_end_to_end_small(state_dir, small_context, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["pcg", "--user", "demo:maya", "--product", "demo:summitra-tent",
                 "--context", str(small_context), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    for name in ("plan.json", "collage.png", "creative.mp4", "verdict.json", "run.json"):
        assert (out / name).exists(), name
    run = json.loads((out / "run.json").read_text())
    plan = json.loads((out / "plan.json").read_text())
    verdict = json.loads((out / "verdict.json").read_text())
    assert run["finalized"] and verdict["compliance_passed"]
    assert run["thread_id"] and run["provenance"]["label"] == "AI Created"
    assert run["provenance"]["plan_digest"]
    for node in ("model_user", "match_product", "write_storyboard", "ground_assets", "produce", "verify", "finalize"):
        assert node in run["node_seconds"]
    assert abs(sum(s["duration_s"] for s in plan["storyboard"]["scenes"]) - 6) < 0.05
    assert "AI Created" in _tags(out / "creative.mp4")
    # Progress was visible while it ran.
    assert "director/model_user" in capsys.readouterr().err


def test_profile_and_plan_print_json(state_dir, small_context, capsys):
    assert main(["profile", "--user", "demo:lin"]) == 0
    profile = json.loads(capsys.readouterr().out)
    assert profile["user_id"] == "lin" and profile["interests"]
    assert main(["plan", "--user", "demo:maya", "--product", "demo:summitra-tent",
                 "--context", str(small_context)]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["storyboard"]["scenes"][0]["purpose"] == "hook"
    assert plan["storyboard"]["scenes"][-1]["purpose"] == "cta"


def test_products_and_users_list_the_catalog(state_dir, capsys):
    assert main(["products"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 18
    assert main(["users"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) >= 4


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("case", ["malformed_json", "missing_image", "corrupt_image", "empty_history",
                                  "unknown_product", "zero_duration", "zero_aspect"])
def test_bad_input_exits_2_with_file_and_field(case, state_dir, tmp_path, capsys):
    user, product, context = "demo:maya", "demo:summitra-tent", None
    if case == "malformed_json":
        user = str(_write(tmp_path, "user.json", '{"user_id": "u1", "history": [}'))
        expect = ("user.json",)
    elif case == "missing_image":
        user = str(_write(tmp_path, "user.json", json.dumps(
            {"user_id": "u1", "history": [{"id": "n1", "title": "hi", "images": ["nope.jpg"]}]})))
        expect = ("user.json", "history[0].images[0]")
    elif case == "corrupt_image":
        (tmp_path / "bad.png").write_bytes(b"not a png at all")
        user = str(_write(tmp_path, "user.json", json.dumps(
            {"user_id": "u1", "history": [{"id": "n1", "title": "hi", "images": ["bad.png"]}]})))
        expect = ("user.json", "history[0].images[0]")
    elif case == "empty_history":
        user = str(_write(tmp_path, "user.json", json.dumps({"user_id": "u1", "history": []})))
        expect = ("user.json", "history")
    elif case == "unknown_product":
        product = "demo:no-such-product"
        expect = ("no-such-product",)
    elif case == "zero_duration":
        context = str(_write(tmp_path, "context.json", json.dumps({"duration_s": 0})))
        expect = ("context.json", "duration_s")
    else:
        context = str(_write(tmp_path, "context.json", json.dumps({"aspect_ratio": "0:1"})))
        expect = ("context.json", "aspect_ratio")
    out = tmp_path / "out"
    argv = ["pcg", "--user", user, "--product", product, "--out", str(out)]
    if context:
        argv += ["--context", context]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    for token in expect:
        assert token in err, (token, err)
    assert not out.exists()


def test_killed_run_resumes_without_redoing_finished_nodes(state_dir, small_context, tmp_path):
    """SIGKILL the process while the Producer renders; the same thread then resumes."""
    out = tmp_path / "out"
    env = {**os.environ, "NEXTADS_STATE_DIR": str(state_dir)}
    ctx = json.loads(small_context.read_text())
    ctx.update(duration_s=12, resolution=[360, 640], fps=24)  # long enough to be killed mid-render
    small_context.write_text(json.dumps(ctx))
    cmd = [sys.executable, "-m", "nextads.cli", "pcg", "--user", "demo:sofia", "--product", "demo:flowform-leggings",
           "--context", str(small_context), "--out", str(out), "--thread", "kill-test"]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "director/ground_assets" in line:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    assert not out.exists()  # nothing half-written

    done = subprocess.run([sys.executable, "-m", "nextads.cli", "pcg", "--thread", "kill-test", "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    run = json.loads((out / "run.json").read_text())
    assert run["resumed"] is True
    nodes = [t["node"] for t in run["timings"]]
    # The Director's first pass ran exactly once in total (not redone after the kill).
    assert nodes.count("model_user") == 1 and nodes.count("ground_assets") >= 1
    assert "director/model_user" not in done.stderr


def test_out_folder_that_is_not_ours_is_never_replaced(state_dir, tmp_path, capsys):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.txt").write_text("do not delete")
    assert main(["pcg", "--user", "demo:maya", "--product", "demo:summitra-tent", "--out", str(out)]) == 2
    assert "--out" in capsys.readouterr().err
    assert (out / "thesis.txt").read_text() == "do not delete"
