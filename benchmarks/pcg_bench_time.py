"""Time a full offline PCG-Bench run (250 pairs; --limit to try fewer) and print JSON.

    .venv/bin/python benchmarks/pcg_bench_time.py [--data ../shared/data] [--limit N] [--workers N] [--out DIR]

Runs with the offline preset and the offline proxy judge in the bench context of
evals/bench/runner.py (15 s 9:16 at 360x640, x264 ultrafast, 1 round), into a fresh
folder (a temporary one unless --out), so nothing is skipped by resume. Prints pairs,
seconds, seconds per pair, the extrapolation to the full 250 pairs, workers, CPU count and
the machine. Target (issue 5): the full run in under 20 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FULL_PAIRS = 250  # PCG-Bench: 50 users x 5 products
TARGET_S = 20 * 60
DEFAULT_DATA = ROOT.parent / "shared" / "data"


def machine() -> str:
    """CPU model and memory, from /proc when available."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(next(ln for ln in Path("/proc/meminfo").read_text().splitlines()
                           if ln.startswith("MemTotal")).split()[1])
        return f"{cpu}, {mem_kib / 2**20:.1f} GiB RAM, {platform.system()} {platform.release()}"
    except (OSError, StopIteration, ValueError):
        return f"{cpu}, {platform.system()} {platform.release()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, help=f"pairs to run (default all {FULL_PAIRS})")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", type=Path, help="run folder (default: a temporary one, removed afterwards)")
    args = ap.parse_args()

    for var in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2"):
        os.environ.setdefault(var, "false")
    from evals.bench.data import build_pcg_bench
    from evals.bench.report import write_report
    from evals.bench.runner import BenchConfig, run_bench
    from nextads.providers.presets import apply_components, resolve_components

    apply_components(resolve_components("offline", llm="offline", video="compositor", judge="offline"))
    tmp = None if args.out else Path(tempfile.mkdtemp(prefix="nextads-pcg-bench-"))
    out = args.out or tmp
    try:
        t0 = time.perf_counter()
        pairs = build_pcg_bench(args.data, cache_dir=out / "cache", limit=args.limit)
        t_build = time.perf_counter() - t0
        config = BenchConfig(task="pcg", judge="offline", workers=args.workers)
        summary = run_bench(pairs, out, config, progress=sys.stderr.isatty())
        t_run = summary.seconds
        t0 = time.perf_counter()
        report = write_report(out)
        t_report = time.perf_counter() - t0
        total = t_build + t_run + t_report
        ran = max(len(summary.ran), 1)
        per_pair = t_run / ran
        result = {
            "pairs": len(pairs), "ran": len(summary.ran), "failed": len(summary.failed),
            "seconds": round(total, 1), "build_s": round(t_build, 1), "run_s": round(t_run, 1),
            "report_s": round(t_report, 1), "seconds_per_pair": round(per_pair, 2),
            "extrapolated_full_s": round(per_pair * FULL_PAIRS + t_build + t_report, 0),
            "target_s": TARGET_S, "workers": args.workers, "cpu_count": os.cpu_count(), "machine": machine(),
            "table1_row": {k: v for k, v in report["rows"][0].items() if k not in ("counts",)},
        }
        result["extrapolated_within_target"] = result["extrapolated_full_s"] < TARGET_S
        print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
