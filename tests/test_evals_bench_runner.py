"""The benchmark runner and reports on a tiny fake bench from the demo catalog.

Three pairs (two users), 144x256, 4 s creatives: results.jsonl, resume, a failing pair,
the Table 1 report in three formats with a thumbnail per creative, a parallel GenericAds
run and ``compare``. The judge is a small deterministic fake (the real ones are tested
in their own files); the rendering, verification and splicing are the real ones.
"""

from __future__ import annotations

import argparse
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from evals.bench import runner
from evals.bench.report import compare, write_report
from evals.bench.runner import RESULTS_FILE, BenchConfig, load_results, run_bench
from nextads.errors import InputError
from nextads.schemas import Product, UserData

TINY = dict(pcg_size=(144, 256), duration_s=4.0, fps=12, max_rounds=1)
FAILING_PAIR = "lin-tent"


@dataclass
class Pair:
    """The BenchPair contract (evals/bench/data.py), kept local so this file stands alone."""

    pair_id: str
    task: str
    user: UserData
    product: Product
    host_video: str | None = None
    host_title: str = ""


@dataclass
class Score:
    score: float
    reason: str


class FakeJudge:
    """Deterministic: scores from what the creative is (its scene count, whether it had a
    viewer), diversity from how many distinct storyboard templates one user got."""

    name, kind = "fake", "proxy"

    def judge(self, item):
        scenes = len(item.plan.storyboard.scenes)
        viewer = 5.0 if item.user is not None else 0.0
        return {"presentation": Score(viewer + 1.0, "viewer given"), "content": Score(min(10.0, scenes), "scenes"),
                "product_alignment": Score(8.0 if item.product.product_id == item.plan.product_id else 0.0, "id")}

    def judge_diversity(self, items):
        if len(items) < 2:
            return Score(10.0, "fewer than two creatives")
        return Score(2.0 * len({i.plan.storyboard.template for i in items}) + len(items), "templates")


def fake_judge(spec):  # module level: picklable for worker processes
    return FakeJudge()


@pytest.fixture(scope="module", autouse=True)
def silent(tmp_path_factory):
    """No narration (piper) in these tiny creatives: it is tested elsewhere and costs seconds.
    Set in the environment, so worker processes get it too."""
    from nextads.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEXTADS_NARRATION", "false")
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> list[Pair]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEXTADS_STATE_DIR", str(tmp_path_factory.mktemp("catalog")))
        from nextads.catalog import get_demo_product, get_demo_user
        from nextads.settings import get_settings

        get_settings.cache_clear()
        maya, lin = get_demo_user("maya"), get_demo_user("lin")
        tent, phone = get_demo_product("summitra-tent"), get_demo_product("aurora-phone")
    get_settings.cache_clear()
    return [Pair("maya-tent", "pcg", maya, tent), Pair("maya-phone", "pcg", maya, phone),
            Pair(FAILING_PAIR, "pcg", lin, tent)]


@pytest.fixture(scope="module")
def run_a(pairs, tmp_path_factory):
    """An inline run where one pair raises inside the pipeline, then a resumed run."""
    out = tmp_path_factory.mktemp("bench") / "a"
    config = BenchConfig(task="pcg", **TINY)
    real_render = runner._render

    def render(pair, folder, cfg):
        if pair.pair_id == FAILING_PAIR:
            raise RuntimeError("backend exploded")
        return real_render(pair, folder, cfg)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "_render", render)
        first = run_bench(pairs, out, config, progress=False, judge_factory=fake_judge)
    after_first = load_results(out)
    second = run_bench(pairs, out, config, progress=False, judge_factory=fake_judge)
    return SimpleNamespace(out=out, config=config, first=first, second=second, after_first=after_first)


def test_results_written_and_failure_recorded(run_a):
    first = run_a.after_first
    assert set(first) == {"maya-tent", "maya-phone", FAILING_PAIR}
    assert run_a.first.failed == [FAILING_PAIR]
    failed = first[FAILING_PAIR]
    assert failed["outcome"] == "error" and "backend exploded" in failed["error"]
    for pid in ("maya-tent", "maya-phone"):
        row = first[pid]
        assert row["outcome"] == "finalized", row.get("error")
        assert set(row["verdict"]) == {"MS*", "DD*", "IQ*", "AQ*"}
        assert all(0.0 <= v <= 1.0 for v in row["verdict"].values())
        assert set(row["judge"]["scores"]) == {"presentation", "content", "product_alignment"}
        assert row["judge"]["scores"]["presentation"]["score"] == 6.0  # the viewer was given
        for key in ("plan", "video", "thumbnail"):
            assert (run_a.out / row["paths"][key]).is_file()
        assert row["seconds"] > 0


def test_resume_skips_finished_pairs_and_retries_the_failed_one(run_a):
    assert sorted(run_a.second.skipped) == ["maya-phone", "maya-tent"]
    assert run_a.second.ran == [FAILING_PAIR]
    lines = (run_a.out / RESULTS_FILE).read_text().splitlines()
    assert len(lines) == 4  # three from the first run, one retry
    latest = load_results(run_a.out)
    assert latest[FAILING_PAIR]["outcome"] == "finalized"
    assert latest["maya-tent"] == run_a.after_first["maya-tent"]  # untouched by the resume


def test_report_has_table1_columns_and_a_thumbnail_per_creative(run_a):
    report = write_report(run_a.out, judge_factory=fake_judge)
    md = (run_a.out / "report.md").read_text()
    for title in ("Personalization: Presentation", "Personalization: Content", "Product Alignment", "Diversity",
                  "MS* (%)", "DD* (%)", "AQ* (%)", "IQ* (%)"):
        assert title in md
    assert "Integration Quality" not in md  # PCG has no integration column
    assert "proxy" in md and "not available here" in md
    row = report["rows"][0]
    assert row["counts"] == {"pairs": 3, "finalized": 3, "not_finalized": 0, "errors": 0, "judged": 3,
                             "judge_errors": 0, "users": 2}
    assert row["presentation"] == pytest.approx(6.0)
    # maya has two creatives (2 * templates + 2), lin one (10 by the paper's rule).
    maya = report["diversity"]["maya"]
    assert maya["creatives"] == 2 and report["diversity"]["lin"]["score"] == 10.0
    assert row["diversity"] == pytest.approx((maya["score"] + 10.0) / 2)
    assert 0.0 <= row["MS*"] <= 100.0 and row["MS*"] > 1.0  # percent, not a fraction
    saved = json.loads((run_a.out / "report.json").read_text())
    assert saved["rows"][0]["label"] == "NextAds (offline)"
    page = (run_a.out / "report.html").read_text()
    thumbs = re.findall(r'<img src="([^"]+)"', page)
    assert len(thumbs) == 3
    for t in thumbs:
        assert (run_a.out / t).is_file()
        from PIL import Image

        w, h = Image.open(run_a.out / t).size
        assert (w, h) == (4 * 90, 160)  # four 90x160 frames (144x256 scaled to 160) side by side


def test_parallel_generic_run_and_compare(run_a, pairs, tmp_path):
    out_b = tmp_path / "b"
    config = BenchConfig(task="pcg", preset="generic", generic=True, workers=2, **TINY)
    summary = run_bench(pairs[:2], out_b, config, progress=False, judge_factory=fake_judge)
    assert summary.failed == [] and sorted(summary.ran) == ["maya-phone", "maya-tent"]
    rows = load_results(out_b)
    states = {r["state_dir"] for r in rows.values()}
    assert len(states) == 2 and all(Path(s).parent == out_b.resolve() / "state" for s in states)
    assert all(r["generic"] for r in rows.values())
    write_report(run_a.out, judge_factory=fake_judge)
    buf = io.StringIO()
    text = compare(run_a.out, out_b, file=buf, judge_factory=fake_judge)
    assert buf.getvalue().strip() == text.strip()
    assert "A: NextAds (offline)" in text and "B: GenericAds (generic)" in text
    assert text.count("not available here") >= 3 * 8  # three paper rows, eight columns each


def test_resuming_with_other_settings_is_refused(run_a, pairs):
    other = BenchConfig(task="pcg", **{**TINY, "max_rounds": 2})
    with pytest.raises(InputError, match="max_rounds"):
        run_bench(pairs, run_a.out, other, progress=False, judge_factory=fake_judge)


def test_generic_pci_context_takes_the_host_size():
    host = SimpleNamespace(width=320, height=180, fps=25.0)
    ctx = runner.bench_context(BenchConfig(task="pci", generic=True, segment_s=6.0), "pcg", host)
    assert ctx.size == (320, 180) and ctx.aspect_ratio == "16:9" and ctx.fps == 25 and ctx.duration_s == 6.0
    pcg = runner.bench_context(BenchConfig(task="pcg"), "pcg")
    assert pcg.size == (360, 640) and pcg.aspect_ratio == "9:16" and pcg.duration_s == 15.0


def test_cli_registers_bench_commands_and_rejects_bad_input(tmp_path):
    from evals.bench.cli import add_bench_commands

    parser = argparse.ArgumentParser(prog="nextads")
    add_bench_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", "pcg", "--data", str(tmp_path / "missing"), "--limit", "2", "--workers", "1"])
    assert (args.task, args.limit, args.workers) == ("pcg", 2, 1)
    with pytest.raises(InputError, match="--data"):
        args.func(args)
    args = parser.parse_args(["bench", "pci", "--data", str(tmp_path), "--workers", "0"])
    with pytest.raises(InputError, match="--workers"):
        args.func(args)
    args = parser.parse_args(["bench", "compare", str(tmp_path / "x"), str(tmp_path)])
    with pytest.raises(InputError):
        args.func(args)
