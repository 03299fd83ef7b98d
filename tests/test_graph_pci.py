"""PCI end to end: `nextads pci` on a synthetic host (and a real MicroLens video when the
research data is present), a forced bad-integration verdict that moves the point, and bad
input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from host_fixtures import make_host_video
from nextads.cli import main
from nextads.schemas import Finding
from nextads.settings import get_settings
from tools.media.probe import iter_frames, probe, read_frame

MICROLENS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "microlens" / "videos"
SHOTS = ((2.5, "calm"), (1.5, "busy"), (3.0, "calm"))  # 7 s, climax at 2.5-4 s
FPS = 12


@pytest.fixture
def env(tmp_path, monkeypatch):
    for k in ("NEXTADS_LLM", "NEXTADS_PRESET", "NEXTADS_VIDEO", "NEXTADS_JUDGE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("NEXTADS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("NEXTADS_X264_PRESET", "ultrafast")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def host(tmp_path):
    return make_host_video(tmp_path / "host.mp4", size=(320, 180), fps=FPS, shots=SHOTS,
                           subtitles=((0.3, 1.6, "Morning hike"), (4.4, 5.6, "Almost there")))


def _pci(out: Path, host: Path, *extra: str) -> int:
    return main(["pci", "--user", "demo:maya", "--product", "demo:summitra-tent", "--host-video", str(host),
                 "--host-title", "a morning hike in the mountains", "--out", str(out), *extra])


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference below the label row (the segment's label is on every frame)."""
    top = a.shape[0] // 6
    return float(np.abs(a[top:].astype(int) - b[top:].astype(int)).mean())


def test_pci_end_to_end_on_a_synthetic_host(env, host):
    out = env / "out"
    assert _pci(out, host, "--max-rounds", "1") == 0
    assert {p.name for p in out.iterdir()} >= {"integrated.mp4", "segment.mp4", "plan.json", "verdict.json",
                                              "run.json"}
    plan = json.loads((out / "plan.json").read_text())
    point = plan["integration"]["point_s"]
    assert plan["task"] == "pci" and plan["context"]["resolution"] == [320, 180] and plan["context"]["fps"] == FPS
    assert 1.0 <= point <= 7.0 - 1.0 and not 2.5 <= point <= 4.0  # not at the edges, not in the climax
    h, s, i = probe(host), probe(out / "segment.mp4"), probe(out / "integrated.mp4")
    assert i.frames == h.frames + s.frames and abs(i.duration_s - (h.frames + s.frames) / FPS) <= 1.5 / FPS
    assert i.has_audio and s.has_audio
    # The viewer sees the segment begin and end on the host's own frame at the point.
    c = round(point * FPS)
    start = read_frame(host, (c - 1) / FPS, info=h)
    frames = list(iter_frames(out / "integrated.mp4"))
    assert _diff(frames[c], start) < 12 and _diff(frames[c + s.frames - 1], start) < 12
    assert _diff(frames[c - 1], start) < 6 and _diff(frames[c + s.frames], read_frame(host, c / FPS, info=h)) < 6
    # The host's burned-in subtitles were found (captions keep clear of them: test_producer_pci).
    assert plan["host"]["text_regions"]
    record = json.loads((out / "run.json").read_text())
    assert record["task"] == "pci" and record["finalized"]
    assert record["provenance"]["label"] == "AI Created"


def test_bad_integration_verdict_moves_the_point(env, host, monkeypatch):
    """The Verifier says the point interrupts a high-energy moment: the Reflector issues a
    decide_integration directive and the next round integrates somewhere else."""
    from verifier_fixtures import revise_first_round

    seen = revise_first_round(monkeypatch, Finding(
        check="utility.integration_disruption", track="utility", passed=False, severity="major", score=0.1,
        message="the point interrupts a high-energy moment"))
    out = env / "out"
    assert _pci(out, host, "--max-rounds", "2") == 0
    record = json.loads((out / "run.json").read_text())
    assert record["directives"][0]["target"] == "decide_integration"
    calls = [plan.integration.point_s for plan in seen]
    assert record["directives"][0]["exclude_points"] == [calls[0]]
    assert len(calls) == 2 and abs(calls[1] - calls[0]) >= 1.0
    plan = json.loads((out / "plan.json").read_text())
    assert plan["integration"]["point_s"] == calls[1] and calls[0] in plan["integration"]["excluded_points"]


@pytest.mark.parametrize("case", ["missing", "not-a-video", "no-flag"])
def test_bad_host_video_is_one_clear_message(env, case, capsys):
    args = ["pci", "--user", "demo:maya", "--product", "demo:summitra-tent", "--out", str(env / "out")]
    bad = env / ("host.mp4" if case != "not-a-video" else "notes.mp4")
    if case == "not-a-video":
        bad.write_text("hello")
    if case != "no-flag":
        args += ["--host-video", str(bad)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("--host-video" in err if case == "no-flag" else str(bad) in err)
    assert not (env / "out").exists()


@pytest.mark.slow
@pytest.mark.skipif(not (MICROLENS / "10034.mp4").exists(), reason="MicroLens videos not available")
def test_pci_on_a_real_microlens_video(env):
    out = env / "real"
    code = main(["pci", "--user", "demo:jordan", "--product", "demo:aurora-phone", "--host-video",
                 str(MICROLENS / "10034.mp4"), "--max-rounds", "0", "--out", str(out)])
    assert code == 0
    plan = json.loads((out / "plan.json").read_text())
    host = plan["host"]
    point = plan["integration"]["point_s"]
    energy = host["energy"]
    assert int(point) != int(np.argmax(energy)) and int(point) != int(host["climax_s"])
    h, s, i = probe(MICROLENS / "10034.mp4"), probe(out / "segment.mp4"), probe(out / "integrated.mp4")
    assert (s.width, s.height) == (h.width, h.height) and i.has_audio
    assert abs(i.duration_s - (h.frames + s.frames) / round(h.fps)) <= 1.5 / round(h.fps)
    # The viewer sees the segment begin and end on the host's own frame (below the label row).
    fps = round(h.fps)
    c = round(point * fps)
    from tools.media.host_analysis import read_frame_at_index  # exact frames: a seek may land one off

    start = read_frame_at_index(MICROLENS / "10034.mp4", c - 1, h)
    first = read_frame_at_index(out / "integrated.mp4", c, i)
    last = read_frame_at_index(out / "integrated.mp4", c + s.frames - 1, i)
    assert _diff(first, start) < 14 and _diff(last, start) < 8
    # It plays through with sound: no silence at either join, and the ad at the host's loudness.
    from tools.media.splice import SAMPLE_RATE, active_rms, decode_audio

    track = decode_audio(out / "integrated.mp4")
    win = SAMPLE_RATE // 100
    for join in (c / fps, (c + s.frames) / fps):
        around = track[int((join - 0.5) * SAMPLE_RATE): int((join + 0.5) * SAMPLE_RATE)].mean(axis=1)
        rms = np.sqrt(np.mean(around[: len(around) // win * win].reshape(-1, win) ** 2, axis=1))
        assert (rms < 0.003).sum() * win / SAMPLE_RATE < 0.05, join  # under 50 ms of near-silence
    host_level = active_rms(track[: int(c / fps * SAMPLE_RATE)])
    ad_level = active_rms(track[int(c / fps * SAMPLE_RATE): int((c + s.frames) / fps * SAMPLE_RATE)])
    assert 0.5 < ad_level / host_level < 2.0
