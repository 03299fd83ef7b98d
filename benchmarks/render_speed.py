"""Render-speed benchmark of the compositor (prints JSON).

Renders one 15 s 720x1280 storyboard (generated sample product, six scenes) three ways,
all with the same x264 preset/CRF:
  (a) the compositor (per-scene segments: composition + encoding),
  (b) the encoding limit: the same number of precomputed frames piped straight to ffmpeg,
  (c) moviepy CompositeVideoClip of the same scenes (background + moving product layer +
      caption layer), the way popular peers compose;
then measures the peak RSS of a full 1080x1920 compositor render in a subprocess.

    .venv/bin/python benchmarks/render_speed.py [--preset P] [--skip-moviepy] [--skip-rss]

The preset defaults to "ultrafast" (BENCH_PRESET) for all three renders: it is the preset
where composition cost is visible. At "medium" x264 dominates every pipeline, so all three
converge on the encoder's speed and the benchmark measures x264, not the compositor. The
production default is unchanged (settings.x264_preset); pass --preset to measure it.

Ceiling: (a) can never beat (b), so compositor_vs_moviepy <= raw_pipe_fps / moviepy_fps;
compose_only_vs_moviepy compares the two engines without the shared encoder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import threading
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nextads.settings import get_settings  # noqa: E402
from tools.compositor.render import build_specs, effective_scenes, frame_bounds, render_creative, render_segments  # noqa: E402
from tools.compositor.sample import make_plan, make_product  # noqa: E402
from tools.compositor.scene import SceneRenderer  # noqa: E402
from tools.media.encode import encode_frames, x264_args  # noqa: E402

DURATION_S = 15.0
FPS = 24
SIZE = (720, 1280)
RSS_SIZE = (1080, 1920)
TARGET_VS_RAW = 0.7
TARGET_VS_MOVIEPY = 8.0
TARGET_RSS_MIB = 1024
BENCH_PRESET = "ultrafast"

SCENES = [
    ("hook", "Cold tea again?", "Tired of cold tea by noon?", ["cue:c1"], "push_in", "cut"),
    ("body", "Hot for 12 hours", "It keeps tea hot for twelve hours.", ["hero"], "pan_right", "fade"),
    ("body", "Fits every bag", "Slim enough for any bag.", ["side"], "tilt_up", "slide"),
    ("proof", "Steel. Sealed. Simple.", "Double steel walls and a sealed lid.", ["hero", "side"], "pull_out", "zoom"),
    ("body", "Your morning, upgraded", "Your morning, upgraded.", ["collage", "hero"], "push_in", "fade"),
    ("cta", "Get yours", "Get yours today.", ["hero"], "static", "fade"),
]


def sample(folder: Path, size: tuple[int, int]):
    product = make_product(folder / "assets")
    plan = make_plan(product, folder / "assets", size=size, fps=FPS, duration=DURATION_S,
                     n_scenes=len(SCENES), template="energetic", texts=SCENES)
    grounding = plan.grounding.model_copy(update={"collage_path": str(folder / "assets" / "hero.png")})
    return plan.model_copy(update={"grounding": grounding}), product


def bench_compositor(plan, product, work: Path) -> tuple[float, int]:
    """Seconds to render and encode every scene segment (the video path of the backend)."""
    eff = effective_scenes(plan, product, None, None, set())
    bounds = frame_bounds([s for s, _ in eff], plan.storyboard.target_duration_s, FPS)
    specs = build_specs(plan, product, eff, bounds, [])
    t0 = time.perf_counter()
    render_segments(specs, [(k, work / f"seg_{k}.mp4") for k in range(len(specs))], [])
    return time.perf_counter() - t0, sum(s.frames for s in specs)


def precomputed_frames(plan, product) -> list[bytes]:
    """The compositor's own frames, held in memory so (b) measures encoding alone."""
    eff = effective_scenes(plan, product, None, None, set())
    bounds = frame_bounds([s for s, _ in eff], plan.storyboard.target_duration_s, FPS)
    specs = build_specs(plan, product, eff, bounds, [])
    return [f.tobytes() for spec in specs for f in SceneRenderer(spec).frames()]


def bench_compose_only(plan, product) -> tuple[float, int]:
    """Composition alone (frames built, not encoded): the engine's own cost."""
    eff = effective_scenes(plan, product, None, None, set())
    bounds = frame_bounds([s for s, _ in eff], plan.storyboard.target_duration_s, FPS)
    specs = build_specs(plan, product, eff, bounds, [])
    t0 = time.perf_counter()
    n = 0
    last = None  # as in render_segments: the transition reuses the scene just rendered
    for spec in specs:
        renderer = SceneRenderer(spec)
        for _ in renderer.frames(last if spec.prev else None):
            n += 1
        last = renderer.content(spec.frames - 1)
    return time.perf_counter() - t0, n


def bench_raw_pipe(frames: list[bytes], work: Path) -> float:
    w, h = SIZE
    shaped = (np.frombuffer(b, np.uint8).reshape(h, w, 3) for b in frames)
    t0 = time.perf_counter()
    encode_frames(work / "raw.mp4", shaped, SIZE, FPS)
    return time.perf_counter() - t0


def moviepy_clip(plan, product):
    """The same scenes as a moviepy composite: background, moving product, caption."""
    from moviepy import CompositeVideoClip, ImageClip, concatenate_videoclips
    from PIL import Image

    from tools.compositor.layers import background, contain
    from tools.compositor.palette import resolve_palette
    from tools.compositor.templates import get_template
    from tools.media.text_render import render_text, scaled

    w, h = SIZE
    tpl = get_template(plan.storyboard.template)
    pal = resolve_palette(list(plan.grounding.palette), tpl.saturation, tpl.lighten, roles=True)
    hero = Image.open(product.asset("hero").path).convert("RGBA")
    clips = []
    for s in plan.storyboard.scenes:
        bg = np.asarray(background(w, h, tpl.background, pal, tpl.accents, str(s.index), photo=hero).convert("RGB"))
        prod = np.asarray(contain(hero, int(w * 0.7), int(h * 0.45)))
        cap = render_text(s.on_screen_text, scaled(tpl.caption, w / 720), int(w * 0.88))
        d = s.duration_s
        pw = prod.shape[1]
        layers = [
            ImageClip(bg).with_duration(d),
            ImageClip(prod, transparent=True).with_duration(d).with_position(
                lambda t, d=d, pw=pw: (int((w - pw) / 2 + 60 * (t / d - 0.5)), int(h * 0.22))),
            ImageClip(cap, transparent=True).with_duration(d).with_position(("center", int(h * 0.66))),
        ]
        clips.append(CompositeVideoClip(layers, size=(w, h)).with_duration(d))
    return concatenate_videoclips(clips)


def bench_moviepy(plan, product, work: Path) -> tuple[float, float, int]:
    """(seconds to write the video, seconds to compose its frames only, frames)."""
    video = moviepy_clip(plan, product)
    n = round(video.duration * FPS)
    t0 = time.perf_counter()
    for i in range(n):
        video.get_frame(i / FPS)
    t_compose = time.perf_counter() - t0
    s = get_settings()
    t0 = time.perf_counter()
    video.write_videofile(str(work / "moviepy.mp4"), fps=FPS, codec="libx264", preset=s.x264_preset,
                          audio=False, logger=None, ffmpeg_params=["-crf", str(s.x264_crf), "-pix_fmt", "yuv420p"])
    return time.perf_counter() - t0, t_compose, n


def _status_kib(pid: int | str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


class TreeRssSampler(threading.Thread):
    """Samples the RSS of this process plus its ffmpeg children every few ms (Linux /proc);
    ru_maxrss is not used because it keeps the parent's high-water mark across fork/exec."""

    def __init__(self, period_s: float = 0.02):
        super().__init__(daemon=True)
        self.period_s, self.peak_kib, self.peak_children_kib = period_s, 0, 0
        self._halt = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._halt.is_set():
            kids = sum(_status_kib(c, "VmRSS") for c in _children(me))
            self.peak_children_kib = max(self.peak_children_kib, kids)
            self.peak_kib = max(self.peak_kib, _status_kib(me, "VmRSS") + kids)
            self._halt.wait(self.period_s)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def rss_child(folder: Path) -> None:
    """Subprocess body: a full 1080x1920 render; prints peak RSS (python alone, and the
    python + ffmpeg process tree)."""
    plan, product = sample(folder, RSS_SIZE)
    sampler = TreeRssSampler()
    sampler.start()
    t0 = time.perf_counter()
    creative = render_creative(plan, product, folder / "work")
    seconds = time.perf_counter() - t0
    sampler.stop()
    hwm = _status_kib("self", "VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"python_mib": round(hwm / 1024, 1), "tree_mib": round(sampler.peak_kib / 1024, 1),
                      "ffmpeg_mib": round(sampler.peak_children_kib / 1024, 1),
                      "seconds": round(seconds, 2), "frames": creative.frames}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-moviepy", action="store_true")
    ap.add_argument("--skip-rss", action="store_true")
    ap.add_argument("--preset", default=BENCH_PRESET,
                    help=f"x264 preset for all three renders (default: {BENCH_PRESET}; see above)")
    ap.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ["NEXTADS_X264_PRESET"] = args.preset  # the RSS child process inherits it
    get_settings.cache_clear()
    if args.rss_child:
        rss_child(args.rss_child)
        return
    s = get_settings()
    result: dict = {"size": list(SIZE), "fps": FPS, "duration_s": DURATION_S,
                    "x264": " ".join(x264_args()), "preset": s.x264_preset, "crf": s.x264_crf}
    with tempfile.TemporaryDirectory(prefix="nextads-bench-") as tmp:
        work = Path(tmp)
        plan, product = sample(work, SIZE)
        t_comp, n = bench_compositor(plan, product, work)
        t_compose, _ = bench_compose_only(plan, product)
        frames = precomputed_frames(plan, product)
        t_raw = bench_raw_pipe(frames, work)
        del frames
        result.update(frames=n, compositor_fps=round(n / t_comp, 1), raw_pipe_fps=round(n / t_raw, 1),
                      compositor_vs_raw=round(t_raw / t_comp, 3), compose_only_fps=round(n / t_compose, 1))
        if not args.skip_moviepy:
            t_mp, t_mp_compose, n_mp = bench_moviepy(plan, product, work)
            result.update(moviepy_fps=round(n_mp / t_mp, 1), compositor_vs_moviepy=round((n / t_comp) / (n_mp / t_mp), 2),
                          moviepy_compose_only_fps=round(n_mp / t_mp_compose, 1),
                          compose_only_vs_moviepy=round((n / t_compose) / (n_mp / t_mp_compose), 2))
        t0 = time.perf_counter()
        render_creative(plan, product, work / "e2e")
        result["end_to_end_s"] = round(time.perf_counter() - t0, 2)  # + soundtrack, concat, mux
        if not args.skip_rss:
            out = subprocess.run([sys.executable, __file__, "--rss-child", str(work / "rss")],
                                 capture_output=True, text=True, check=True)
            rss = json.loads(out.stdout.strip().splitlines()[-1])
            result["peak_rss_1080x1920"] = rss
    result["targets"] = {
        "compositor_vs_raw>=0.7": result["compositor_vs_raw"] >= TARGET_VS_RAW,
        **({"moviepy_ceiling_raw_over_moviepy": round(result["raw_pipe_fps"] / result["moviepy_fps"], 2)}
           if "moviepy_fps" in result else {}),
        **({"compositor_vs_moviepy>=8": result["compositor_vs_moviepy"] >= TARGET_VS_MOVIEPY,
            "compose_only_vs_moviepy>=8": result["compose_only_vs_moviepy"] >= TARGET_VS_MOVIEPY}
           if "compositor_vs_moviepy" in result else {}),
        **({"peak_rss<1GiB": result["peak_rss_1080x1920"]["python_mib"] < TARGET_RSS_MIB}
           if "peak_rss_1080x1920" in result else {}),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
