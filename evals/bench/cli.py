"""``nextads bench``: run the benchmarks, compare runs, measure user-modeling accuracy.

    nextads bench pcg|pci --data DIR [--limit N] [--preset P] [--workers N] [--out DIR]
                          [--max-rounds N] [--judge SPEC]
    nextads bench compare A B
    nextads bench profile --data DIR [--users N]

DIR is the folder holding ``qilin-nextads/`` and ``microlens/`` (e.g. ../shared/data).
A run is resumable: run the same command again and finished pairs are skipped.
``add_bench_commands(subparsers)`` registers these under the ``nextads`` command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from nextads.errors import InputError

DEFAULT_OUT = "out/bench-{task}-{preset}"
CMDLINE = "<command line>"


def _data_dir(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise InputError(CMDLINE, "--data", f"{value} is not a folder")
    return path


def _positive(value: int | None, flag: str, minimum: int = 1) -> None:
    if value is not None and value < minimum:
        raise InputError(CMDLINE, flag, f"must be {minimum} or more")


def cmd_bench_run(args: argparse.Namespace) -> int:
    """Build the pairs, run (or resume) them, write the report."""
    from evals.bench.report import render_markdown, write_report
    from evals.bench.runner import BENCH_MAX_ROUNDS, BenchConfig, run_bench
    from nextads.providers.presets import apply_components, resolve_components

    _positive(args.limit, "--limit")
    _positive(args.workers, "--workers")
    _positive(args.max_rounds, "--max-rounds", minimum=0)
    data_dir = _data_dir(args.data)
    from evals.bench import data  # the builders read the real files

    components = resolve_components(args.preset, judge=args.judge)
    apply_components(components)  # workers inherit the choice through the environment
    out = Path(args.out or DEFAULT_OUT.format(task=args.task, preset=components.preset))
    config = BenchConfig(task=args.task, preset=components.preset, generic=components.preset == "generic",
                         judge=components.judge, workers=args.workers,
                         max_rounds=BENCH_MAX_ROUNDS if args.max_rounds is None else args.max_rounds)
    cache = out / "cache"
    if args.task == "pci":
        pairs = data.build_pci_bench(data_dir, cache_dir=cache, limit=args.limit)
    else:
        pairs = data.build_pcg_bench(data_dir, cache_dir=cache, limit=args.limit)
    print(f"nextads bench {args.task}: {len(pairs)} pairs → {out} (preset {components.preset}, "
          f"judge {components.judge}, {config.workers} workers)", file=sys.stderr)
    try:
        summary = run_bench(pairs, out, config, progress=sys.stderr.isatty())
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished pairs are kept in {out}/results.jsonl; run the same command again "
              "to go on (finished pairs are skipped)", file=sys.stderr)
        return 130
    print(f"ran {len(summary.ran)}, skipped {len(summary.skipped)} (already done), failed {len(summary.failed)} "
          f"in {summary.seconds:.0f} s", file=sys.stderr)
    report = write_report(out)
    print(render_markdown(report))
    print(f"{out}/report.md  {out}/report.html  {out}/report.json", file=sys.stderr)
    return 0 if not summary.failed else 1


def cmd_bench_compare(args: argparse.Namespace) -> int:
    from evals.bench.report import compare

    for d in (args.a, args.b):
        if not Path(d).is_dir():
            raise InputError(CMDLINE, "compare", f"{d} is not a folder")
    compare(Path(args.a), Path(args.b))
    return 0


def cmd_bench_profile(args: argparse.Namespace) -> int:
    """User-modeling accuracy on real data, independent of any judge."""
    from evals.bench.profile_accuracy import microlens_profile_accuracy, qilin_hashtag_recall

    _positive(args.users, "--users")
    data_dir = _data_dir(args.data)
    result = {"microlens": microlens_profile_accuracy(data_dir, users=args.users),
              "qilin": qilin_hashtag_recall(data_dir)}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def add_bench_commands(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``bench`` and its sub-commands on the ``nextads`` command's subparsers."""
    bench = subparsers.add_parser("bench", help="PCG-Bench / PCI-Bench runs, reports and comparisons")
    sub = bench.add_subparsers(dest="bench_command", required=True)
    for task, what in (("pcg", "PCG-Bench (Qilin users × products)"), ("pci", "PCI-Bench (MicroLens hosts)")):
        p = sub.add_parser(task, help=f"run {what}; resumable")
        p.add_argument("--data", required=True, help="folder holding qilin-nextads/ and microlens/")
        p.add_argument("--limit", type=int, help="first N pairs only")
        p.add_argument("--preset", choices=["offline", "open", "closed", "generic"],
                       help="offline (default), open, closed, or generic (the GenericAds baseline)")
        p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel processes (default: CPUs)")
        p.add_argument("--out", help=f"run folder (default {DEFAULT_OUT})")
        p.add_argument("--max-rounds", type=int, help="revision round budget per pair (bench default 1)")
        p.add_argument("--judge", help="benchmark judge spec (default NEXTADS_JUDGE; offline = proxy judge)")
        p.set_defaults(func=cmd_bench_run, task=task)
    p = sub.add_parser("compare", help="two runs side by side with the paper's Table 1 rows")
    p.add_argument("a", help="run folder A")
    p.add_argument("b", help="run folder B")
    p.set_defaults(func=cmd_bench_compare)
    p = sub.add_parser("profile", help="user-modeling accuracy (MicroLens AUC/HR@10, Qilin hashtag recall)")
    p.add_argument("--data", required=True, help="folder holding qilin-nextads/ and microlens/")
    p.add_argument("--users", type=int, default=200, help="MicroLens users to evaluate (default 200)")
    p.set_defaults(func=cmd_bench_profile)
    return bench
