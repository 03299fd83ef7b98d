"""Media helpers: fonts, text rendering, overlays, soundtrack, encoder."""

from __future__ import annotations

import numpy as np
import pytest

from tools.compositor.layers import Overlay
from tools.compositor.layout import layout_for
from tools.compositor.motion import camera_window, plate_size, view
from tools.media import audio
from tools.media.encode import FrameEncoder, SegmentedEncoder, concat_segments, mp4_sample_count
from nextads.fonts import font
from tools.media.text_render import TextStyle, render_text, wrap_text


def test_fonts_cover_latin_and_chinese():
    latin, cjk = font(40), font(40, lang="zh-CN")
    assert "CJK" in " ".join(cjk.getname())
    # A CJK glyph has ink in the CJK font (not an empty box of zero width).
    l, t, r, b = cjk.getbbox("热")
    assert r - l > 20 and b - t > 20
    assert font(40, weight="light").getname() != latin.getname()


def test_wrap_respects_width_and_cjk_wraps_by_character():
    f = font(30)
    lines = wrap_text("keep your tea hot for twelve full hours", f, 200)
    assert len(lines) > 1 and all(f.getlength(x) <= 200 for x in lines)
    zh = wrap_text("保温杯让你的茶一整天都是热的", font(30, lang="zh"), 150)
    assert len(zh) > 1 and "".join(zh) == "保温杯让你的茶一整天都是热的"


def test_render_text_fits_width_with_plate():
    style = TextStyle(size=60, plate_color=(0, 0, 0), padding=(10, 5), stroke_width=3)
    img = render_text("A rather long caption that must wrap onto lines", style, 300)
    assert img.shape[1] <= 300 and img.shape[2] == 4
    assert img[..., 3].max() == 255 and (img[..., :3] > 200).any()  # opaque plate, white glyphs


def test_overlay_blend_matches_alpha_compositing():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (20, 30, 4), dtype=np.uint8)
    expect = frame.astype(float)
    a = rgba[..., 3:4] / 255
    expect[5:25, 10:40] = rgba[..., :3] * a + expect[5:25, 10:40] * (1 - a)
    got = frame.copy()
    Overlay(rgba).blend_onto(got, 10, 5)
    assert np.abs(got.astype(float) - expect).max() <= 2
    # Clipped at the frame border without error.
    Overlay(rgba).blend_onto(got, 40, 30)


def test_safe_zone_keeps_captions_out_of_feed_chrome():
    lay = layout_for((720, 1280))
    assert lay.caption[3] <= 1280 * 0.80 and lay.badge_row[1] >= 1280 * 0.12
    wide = layout_for((1280, 720))
    assert wide.caption[3] > 720 * 0.8  # landscape uses smaller margins


@pytest.mark.parametrize("camera", ["push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down"])
def test_camera_moves_and_stays_inside_plate(camera):
    size = (72, 128)
    plate = plate_size(size, camera, 0.2)
    windows = [camera_window(camera, u, size, plate) for u in np.linspace(0, 1, 9)]
    assert windows[0] != windows[-1]
    for x0, y0, cw, ch in windows:  # always a crop inside the plate: no border smear
        assert x0 >= 0 and y0 >= 0 and x0 + cw <= plate[0] and y0 + ch <= plate[1]
        assert cw >= size[0] and ch >= size[1]  # never upscaled past the plate's detail
        assert abs(cw / ch - size[0] / size[1]) < 0.03  # never stretched
    if camera in ("push_in", "pull_out"):
        centres = {(2 * x0 + cw, 2 * y0 + ch) for x0, y0, cw, ch in windows}
        assert centres == {plate}  # zooms stay centred: no wobble
        widths = [cw for _, _, cw, _ in windows]
        assert widths == sorted(widths, reverse=camera == "push_in")
    rgb = np.random.default_rng(1).integers(0, 256, (plate[1], plate[0], 3), dtype=np.uint8)
    out = np.empty((size[1], size[0], 3), np.uint8)
    x0, y0, cw, ch = windows[-1 if camera == "push_in" else 0]
    if (cw, ch) == size:  # a frame-sized window is an exact copy of the plate crop
        assert np.array_equal(view(rgb, windows[-1 if camera == "push_in" else 0], out), rgb[y0:y0 + ch, x0:x0 + cw])


def test_music_bed_is_deterministic_quiet_and_exact_length():
    a, b = audio.music_bed(3.0, "energetic"), audio.music_bed(3.0, "energetic")
    assert len(a) == 3 * audio.SAMPLE_RATE and np.array_equal(a, b)
    assert 0 < np.abs(a).max() <= audio.MUSIC_LEVEL + 1e-6
    assert not np.allclose(a, audio.music_bed(3.0, "calm"))


def test_soundtrack_places_narration_at_scene_start(tmp_path):
    if audio.narration_unavailable("en"):
        pytest.skip("piper voice not installed")
    st = audio.build_soundtrack([audio.Cue("", 0, 1.5), audio.Cue("Hot tea, all day.", 1.5, 2.0)], 3.5,
                                mood="calm", cache_dir=tmp_path)
    assert st.narration == "piper" and not st.warnings and len(st.samples) == round(3.5 * audio.SAMPLE_RATE)
    sr = audio.SAMPLE_RATE
    first, second = np.abs(st.samples[: int(1.4 * sr)]).max(), np.abs(st.samples[int(1.6 * sr): int(3.4 * sr)]).max()
    assert second > 3 * first  # the voice is in scene 1, only the quiet bed in scene 0
    again = audio.build_soundtrack([audio.Cue("", 0, 1.5), audio.Cue("Hot tea, all day.", 1.5, 2.0)], 3.5,
                                   mood="calm", cache_dir=tmp_path)
    assert np.array_equal(st.samples, again.samples)



def test_fitted_clip_speeds_a_long_line_up_to_fit_its_slot_speaking_it_at_most_twice(monkeypatch):
    if audio.narration_unavailable("en"):
        pytest.skip("piper voice not installed")
    calls = []
    real = audio.synthesize

    def counted(text, length_scale=1.0):
        calls.append(length_scale)
        return real(text, length_scale)

    monkeypatch.setattr(audio, "synthesize", counted)
    line = "Airbnb connects travelers with hosts in over two hundred countries."
    speech, sr = real(line)
    natural = len(speech) / sr
    slot = natural * 0.85  # too long by 15 %: sped up, not cut
    clip = audio.fitted_clip(line, slot)
    assert 1 <= len(calls) <= 2 and audio.MIN_LENGTH_SCALE <= calls[-1] < 1.0
    assert len(clip) <= slot * audio.SAMPLE_RATE + 1
    final, final_sr = real(line, calls[-1])
    assert len(final) / final_sr <= slot  # the line is said whole, not cut at the end of its slot
    calls.clear()
    audio.fitted_clip("Hot tea.", 2.0)
    assert calls == [1.0]  # a short line: spoken once, at its natural pace
def test_soundtrack_disabled_narration_warns():
    st = audio.build_soundtrack([audio.Cue("Hello", 0, 2.0)], 2.0, narrate=False)
    assert st.narration == "silent" and st.warnings == ["narration: silent (narration disabled in settings)"]


def test_encoder_rejects_wrong_frame_shape(tmp_path):
    with pytest.raises(ValueError), FrameEncoder(tmp_path / "x.mp4", (32, 16), 8) as enc:
        enc.write(np.zeros((32, 16, 3), np.uint8))  # (h, w) swapped


def test_fit_text_condenses_before_breaking_the_line_budget_and_never_drops_words():
    from tools.media.text_render import fit_text

    text = "Keeps tea hot for twelve hours, every single day"
    style = TextStyle(size=60, weight="black", max_lines=2, min_size=56)
    lines, fnt = fit_text(text, style, 640)
    assert " ".join(lines) == text and len(lines) == 2
    assert fnt.size >= 56 and fnt.getlength(max(lines, key=fnt.getlength)) <= 640
    # A text no cut can fit keeps every word (more lines) instead of being truncated.
    long = " ".join(["unbelievably"] * 12)
    lines, _ = fit_text(long, style, 640)
    assert " ".join(lines) == long and len(lines) > 2


def test_encoder_ring_buffers_keep_every_frame_distinct(tmp_path):
    """Frames are converted into reused buffers; more frames than the ring holds must
    still arrive in order, each with its own content (flat grey levels survive x264)."""
    import cv2

    w, h, n = 64, 32, 60
    levels = [20 + 3 * k for k in range(n)]
    enc = FrameEncoder(tmp_path / "ring.mp4", (w, h), 8)
    assert enc._ring_size < n  # the ring wraps around during this test
    with enc:
        frame = np.empty((h, w, 3), np.uint8)
        for v in levels:
            frame[:] = v  # the caller reuses its buffer at once
            enc.write(frame)
    cap = cv2.VideoCapture(str(tmp_path / "ring.mp4"))
    got = []
    while (ok_frame := cap.read())[0]:
        got.append(int(round(float(ok_frame[1].mean()))))
    cap.release()
    assert len(got) == n
    assert all(abs(g - v) <= 2 for g, v in zip(got, levels)), got


def _grey_levels(path) -> list[int]:
    import cv2

    cap = cv2.VideoCapture(str(path))
    got = []
    while (ok_frame := cap.read())[0]:
        got.append(int(round(float(ok_frame[1].mean()))))
    cap.release()
    return got


def test_segmented_encoder_cuts_exact_segments_that_concat_with_solo_ones(tmp_path):
    """One x264 process, one file per run of frames: each file holds exactly its frames,
    and a file encoded alone (a localized edit) stream-copies between them cleanly."""
    import subprocess

    from tools.media.encode import ffmpeg_exe

    w, h, fps, counts = 64, 32, 8, [5, 9, 4]
    levels = [30 + 8 * k for k in range(sum(counts))]
    paths = [tmp_path / f"seg_{k}.mp4" for k in range(len(counts))]
    frame = np.empty((h, w, 3), np.uint8)
    with SegmentedEncoder(paths, counts, (w, h), fps) as enc:
        for v in levels:
            frame[:] = v
            enc.write(frame)
    assert [mp4_sample_count(p) for p in paths] == counts
    assert sorted(x.name for x in tmp_path.iterdir()) == [p.name for p in paths]  # no temp files left
    starts = np.cumsum([0, *counts])
    for k, path in enumerate(paths):
        got = _grey_levels(path)
        assert len(got) == counts[k] and all(abs(g - v) <= 2 for g, v in zip(got, levels[starts[k]:])), (k, got)
    solo = tmp_path / "solo_1.mp4"
    with FrameEncoder(solo, (w, h), fps) as enc:
        for v in levels[starts[1]:starts[2]]:
            frame[:] = 255 - v  # the edited scene looks different
            enc.write(frame)
    listing = tmp_path / "mix.txt"
    listing.write_text("".join(f"file '{p.as_posix()}'\n" for p in (paths[0], solo, paths[2])))
    out = subprocess.run([ffmpeg_exe(), "-v", "warning", "-f", "concat", "-safe", "0", "-i", str(listing),
                          "-c", "copy", str(tmp_path / "check.mp4")], capture_output=True, text=True)
    assert out.returncode == 0 and out.stderr.strip() == "", out.stderr  # no timestamp warnings
    concat_segments([paths[0], solo, paths[2]], tmp_path / "mix.mp4")
    want = levels[:starts[1]] + [255 - v for v in levels[starts[1]:starts[2]]] + levels[starts[2]:]
    got = _grey_levels(tmp_path / "mix.mp4")
    assert len(got) == len(want) and all(abs(g - v) <= 2 for g, v in zip(got, want)), got


def test_segmented_encoder_writes_nothing_when_the_block_fails(tmp_path):
    paths = [tmp_path / "a.mp4", tmp_path / "b.mp4"]
    with pytest.raises(RuntimeError), SegmentedEncoder(paths, [2, 2], (32, 16), 8) as enc:
        for _ in range(3):
            enc.write(np.zeros((16, 32, 3), np.uint8))
        raise RuntimeError("composition failed")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(Exception, match="expected 4"), SegmentedEncoder(paths, [2, 2], (32, 16), 8) as enc:
        enc.write(np.zeros((16, 32, 3), np.uint8))  # too few frames: an error, not short files
    assert list(tmp_path.iterdir()) == []


def test_enlarging_a_cutout_leaves_no_dark_fringe():
    """Upscaling runs on premultiplied colour: the transparent surround (black, alpha 0)
    must not darken the cut-out's edge pixels."""
    from PIL import Image, ImageDraw

    from tools.compositor.layers import contain

    cut = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(cut).ellipse((8, 8, 56, 56), fill=(240, 200, 40, 255))
    big = np.asarray(contain(cut, 256, 256)).astype(int)
    assert big.shape == (256, 256, 4)
    edge = (big[..., 3] > 16) & (big[..., 3] < 240)
    assert edge.any()
    # Straight-alpha colour on the edge stays the fill colour, not a blend towards black.
    assert np.abs(big[edge][:, :3] - (240, 200, 40)).max() <= 24
    assert big[..., 3][0, 0] == 0 and big[..., 3][128, 128] == 255


def test_scaled_overlays_match_per_frame_resizing():
    from tools.compositor.layers import ScaledOverlays, scaled_rgba

    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (20, 40, 4), dtype=np.uint8)
    sizes = ScaledOverlays(rgba)
    for factor in (0.61, 0.9, 1.04, 1.06):
        frame_a = np.full((40, 60, 3), 90, np.uint8)
        frame_b = frame_a.copy()
        Overlay(scaled_rgba(rgba, factor)).blend_onto(frame_a, 3, 4, 0.7)
        sizes.at(factor).blend_onto(frame_b, 3, 4, 0.7)
        assert np.array_equal(frame_a, frame_b)
    assert sizes.at(1.06) is sizes.at(1.0601)  # same pixel size: resized once


def test_threads_setting_limits_ffmpeg_and_the_bench_shares_the_cores(tmp_path, monkeypatch):
    from nextads.settings import get_settings
    from evals.bench.runner import worker_threads
    from tools.media.encode import x264_args
    from tools.media.probe import _decode_args, iter_frames

    monkeypatch.setenv("NEXTADS_THREADS", "1")
    get_settings.cache_clear()
    try:
        assert x264_args()[-2:] == ["-threads", "1"]
        args = _decode_args("in.mp4", (32, 16), fps=None, start_s=None, end_s=None)
        assert args[args.index("-i") - 2: args.index("-i")] == ["-threads", "1"]  # the decoder's
        with FrameEncoder(tmp_path / "one.mp4", (32, 16), 8) as enc:
            for k in range(4):
                enc.write(np.full((16, 32, 3), 60 * k, np.uint8))
        assert len(list(iter_frames(tmp_path / "one.mp4"))) == 4
        monkeypatch.setenv("NEXTADS_THREADS", "0")
        get_settings.cache_clear()
        assert "-threads" not in x264_args()  # 0: ffmpeg's own choice
    finally:
        get_settings.cache_clear()
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert (worker_threads(2), worker_threads(3), worker_threads(16)) == (4, 2, 1)
