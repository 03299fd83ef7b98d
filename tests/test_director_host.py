"""summarize_host and the host signals, on a synthetic host whose ground truth is known."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from host_fixtures import make_host_video  # noqa: E402

from agents.director import host as host_step  # noqa: E402
from agents.director.host import summarize_host  # noqa: E402
from nextads.errors import InputError  # noqa: E402
from tools.media import host_analysis as ha  # noqa: E402
from tools.media.ocr import OcrLine  # noqa: E402

FPS = 12
SHOTS = ((2.5, "calm"), (1.5, "busy"), (3.0, "calm"))
SUBTITLES = ((0.5, 2.0, "Welcome back everyone"), (4.3, 5.2, "Let us begin"))


@pytest.fixture(scope="module")
def host_video(tmp_path_factory) -> Path:
    return make_host_video(tmp_path_factory.mktemp("host") / "host.mp4", fps=FPS, shots=SHOTS, subtitles=SUBTITLES)


@pytest.fixture(scope="module")
def summary(host_video, tmp_path_factory):
    return summarize_host(host_video, title="Morning routine", work_dir=tmp_path_factory.mktemp("work"))


def test_shots_found_at_the_known_cuts(summary):
    assert [round(b * FPS) for b in summary.shot_boundaries] == [30, 48]
    assert summary.shots[-1].end_s == pytest.approx(7.0, abs=1 / FPS)


def test_climax_and_energy_peak_in_the_busy_section(summary):
    assert 2.0 <= summary.climax_s <= 3.0
    top = max(range(len(summary.energy)), key=summary.energy.__getitem__)
    assert top in (2, 3)
    calm = [summary.energy[k] for k in (0, 1, 5, 6)]
    assert max(calm) < 0.3 < summary.energy[top]
    assert summary.has_audio and summary.audio_energy[3] > 5 * summary.audio_energy[0]


def test_subtitles_read_with_their_times_and_place(summary):
    subs = [r for r in summary.text_regions if r.kind == "subtitle"]
    welcome = next(r for r in subs if "Welcome" in r.text)
    begin = next(r for r in subs if "begin" in r.text)
    assert (welcome.first_s, welcome.last_s) == (0.0, 1.0)  # samples at 0.5 and 1.5 s
    assert (begin.first_s, begin.last_s) == (4.0, 4.0)  # sample at 4.5 s
    assert all(r.y > 0.6 for r in subs)
    assert summary.text_at(4.8) and not [r for r in summary.text_at(3.0) if r.kind == "subtitle"]
    assert "welcome" in summary.keywords and "Welcome back everyone" in summary.ocr_text
    assert summary.topic and summary.content and summary.palette


def test_summary_is_cached_and_not_recomputed(host_video, tmp_path, monkeypatch):
    first = summarize_host(host_video, work_dir=tmp_path)
    assert list((tmp_path / host_step.CACHE_DIR).glob("summary-*.json"))

    def no_ocr(*_a, **_k):
        raise AssertionError("OCR ran again")

    monkeypatch.setattr(ha, "sample_text", no_ocr)
    t = time.perf_counter()
    again = summarize_host(host_video, work_dir=tmp_path)
    assert again == first and time.perf_counter() - t < 2.0
    with pytest.raises(AssertionError):  # a different title is a different summary
        summarize_host(host_video, title="other", work_dir=tmp_path)


def test_silent_host_has_zero_audio_energy(tmp_path):
    video = make_host_video(tmp_path / "silent.mp4", shots=((1.5, "calm"), (1.0, "busy")), subtitles=(), audio=False)
    s = summarize_host(video)
    assert not s.has_audio and s.audio_character == "silent" and not any(s.audio_energy)
    assert s.climax_s in (1.0, 2.0) and not [r for r in s.text_regions if r.kind == "subtitle"]


def test_bad_input_raises_input_error(tmp_path):
    with pytest.raises(InputError) as missing:
        summarize_host(tmp_path / "nope.mp4")
    assert missing.value.file.endswith("nope.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video" * 100)
    with pytest.raises(InputError):
        summarize_host(junk)


def _line(text, box):
    return OcrLine(text, box, 0.99)


def test_text_regions_merge_and_classify():
    hud = (0.8, 0.02, 0.1, 0.04)
    samples = [[_line("SCORE 10", hud), _line("hello there", (0.35, 0.85, 0.3, 0.06))],
               [_line("SCORE 11", hud), _line("hello there", (0.36, 0.85, 0.3, 0.06))],
               [_line("SCORE 12", hud), _line("goodbye now", (0.37, 0.85, 0.28, 0.06))],
               [_line("SCORE 13", hud), _line("a shop sign", (0.05, 0.3, 0.2, 0.05))],
               [_line("SCORE 14", hud)]]
    regions = ha.merge_text_regions(samples)
    kinds = {(r.text, r.first_s, r.last_s): r.kind for r in regions}
    assert kinds[("hello there", 0.0, 1.0)] == "subtitle"
    assert kinds[("goodbye now", 2.0, 2.0)] == "subtitle"
    assert kinds[("a shop sign", 3.0, 3.0)] == "scene"
    hud_regions = [r for r in regions if r.text.startswith("SCORE")]
    assert len(hud_regions) == 1 and hud_regions[0].kind == "overlay" and hud_regions[0].last_s == 4.0
