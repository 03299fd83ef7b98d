"""Run a benchmark: every BenchPair through the creative graph, judged, one JSONL line each.

    run_bench(pairs, out_dir, BenchConfig(task="pcg")) -> list[dict]   # every result, old and new

Layout of ``out_dir``::

    bench.json            what was run (task, preset, judge, context): a resumed run must match
    results.jsonl         one line per finished pair (the last line of a pair wins)
    pairs/<pair_id>/      the graph's output folder (plan.json, verdict.json, run.json, videos)
                          + pair.json (the pair's inputs) and thumb.jpg (the contact-sheet strip)
    state/worker-<k>/     each worker's NEXTADS_STATE_DIR: its own SQLite checkpointer and store

Resuming: a pair whose line says it finished (finalized or not) is skipped; a pair that
raised is tried again (its error may have been transient), and a pair killed mid-way is
simply run again under the same thread id — the graph resumes from its checkpoint when
the pair lands on the same worker slot, and is redone otherwise.

The bench context (for speed, DESIGN.md's targets on 2 cores): PCG renders the paper's
15 s 9:16 creative at a reduced size (360x640) with x264 ``ultrafast`` and a small round
budget; PCI renders the segment at the host's size and frame rate (the PCI contract), so
only its length and the encoder preset are set here.

The GenericAds baseline (``generic=True``) gets no user data; for PCI it also gets no host
video: it renders a standalone segment of the PCI segment length at the host's size, which
is then spliced at the host's midpoint (the baseline has no integration decision, the
midpoint is the neutral choice), so its integration quality is judged on the same footing.

Judging happens in the worker right after rendering, with ``evals.judges.make_judge(spec)``
(the offline proxy judge unless a model is configured; reports label it). Diversity needs
all of one user's creatives, so ``report.py`` judges it when the report is built.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import re
import signal
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from nextads.errors import InputError
from nextads.schemas import CreativePlan, HostSummary, Product, ServingContext, UserData, Verdict

if TYPE_CHECKING:
    from evals.judges import JudgedCreative

RESULTS_FILE = "results.jsonl"
BENCH_FILE = "bench.json"
PAIRS_DIR = "pairs"
STATE_DIR = "state"
PAIR_FILE = "pair.json"
THUMB_FILE = "thumb.jpg"
GENERIC_PCI_VIDEO = "integrated.mp4"  # the baseline's segment spliced into the host

# The bench context (see the module docstring).
BENCH_PCG_SIZE = (360, 640)
BENCH_DURATION_S = 15.0
BENCH_FPS = 24
BENCH_X264_PRESET = "ultrafast"
BENCH_MAX_ROUNDS = 1

# What must agree between a run and the run it resumes (workers and the like may change).
SAME_RUN_FIELDS = ("task", "preset", "generic", "judge", "max_rounds", "pcg_size", "duration_s", "fps",
                   "segment_s")

# Judge every creative for its pair's viewer, the GenericAds baseline's too (see judged_creative).
JUDGE_FOR_VIEWER = True

# Verdict scores copied into every result line (VBench-style stand-ins, tools/quality).
VERDICT_METRICS = ("MS*", "DD*", "IQ*", "AQ*")

Outcome = Literal["finalized", "not_finalized", "error"]
JudgeFactory = Callable[[str | None], Any]


@dataclass(frozen=True)
class BenchConfig:
    """How one benchmark run is made; recorded in bench.json."""

    task: Literal["pcg", "pci"]
    preset: str = "offline"  # the preset's name, for the report's row label
    generic: bool = False  # the GenericAds baseline
    judge: str | None = None  # judge spec; None = settings.judge
    max_rounds: int = BENCH_MAX_ROUNDS
    workers: int = 1
    pcg_size: tuple[int, int] = BENCH_PCG_SIZE  # (width, height) of PCG creatives
    duration_s: float = BENCH_DURATION_S  # PCG creative length
    fps: int = BENCH_FPS  # PCG frame rate (PCI follows the host)
    segment_s: float | None = None  # PCI segment length; None = settings.pci_segment_s
    x264_preset: str = BENCH_X264_PRESET
    label: str | None = None  # the report's row name; None = derived from preset

    @property
    def row_label(self) -> str:
        if self.label:
            return self.label
        return f"GenericAds ({self.preset})" if self.generic else f"NextAds ({self.preset})"

    def as_record(self) -> dict[str, Any]:
        return {**asdict(self), "pcg_size": list(self.pcg_size), "row_label": self.row_label}


@dataclass
class BenchSummary:
    """What one call of run_bench did."""

    results: list[dict[str, Any]] = field(default_factory=list)  # every pair's latest line
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


# ---------------------------------------------------------------------------
# results.jsonl
# ---------------------------------------------------------------------------


def load_results(out_dir: Path) -> dict[str, dict[str, Any]]:
    """pair_id -> its latest result line. A torn last line (a kill mid-write) is ignored."""
    path = Path(out_dir) / RESULTS_FILE
    results: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return results
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and "pair_id" in row:
            results[row["pair_id"]] = row
    return results


def append_result(out_dir: Path, row: dict[str, Any]) -> None:
    """One line per finished pair, flushed at once (only the parent process writes)."""
    with open(Path(out_dir) / RESULTS_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def is_done(row: dict[str, Any] | None) -> bool:
    """Finished pairs are skipped on resume; errors are retried."""
    return bool(row) and row.get("outcome") in ("finalized", "not_finalized")


def load_bench(out_dir: Path) -> dict[str, Any]:
    """bench.json of a run folder; InputError when the folder holds no benchmark run."""
    path = Path(out_dir) / BENCH_FILE
    if not path.exists():
        raise InputError(str(out_dir), None, f"not a benchmark run folder (no {BENCH_FILE})")
    return json.loads(path.read_text(encoding="utf-8"))


def _check_same_run(out_dir: Path, config: BenchConfig) -> None:
    """Resuming into a folder made with other settings would mix two runs in one table."""
    path = Path(out_dir) / BENCH_FILE
    if not path.exists():
        return
    old = json.loads(path.read_text(encoding="utf-8"))
    new = config.as_record()
    diff = [k for k in SAME_RUN_FIELDS if old.get(k) != new.get(k)]
    if diff:
        detail = ", ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in diff)
        raise InputError(str(out_dir), BENCH_FILE, f"holds a run made with other settings ({detail}); "
                                                   "use another --out")


# ---------------------------------------------------------------------------
# One pair
# ---------------------------------------------------------------------------


def safe_id(text: str) -> str:
    """A pair id as a folder name and thread id (filename-safe, stable)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "pair"


def pair_dir(out_dir: Path, pair_id: str) -> Path:
    return Path(out_dir) / PAIRS_DIR / safe_id(pair_id)


def thread_id_for(task: str, pair_id: str) -> str:
    """The pair's own thread: the same on every resume, so its checkpoint is found."""
    return f"bench-{task}-{safe_id(pair_id)}"


def pair_record(pair: Any) -> dict[str, Any]:
    """pair.json: the pair's inputs, so a report can rebuild what the judge saw."""
    return {"pair_id": pair.pair_id, "task": pair.task, "user": pair.user.model_dump(mode="json"),
            "product": pair.product.model_dump(mode="json"), "host_video": pair.host_video,
            "host_title": pair.host_title}


def bench_context(config: BenchConfig, task: str, host: Any | None = None) -> ServingContext:
    """The serving context of one bench creative (see the module docstring)."""
    from nextads.settings import get_settings

    segment_s = config.segment_s or get_settings().pci_segment_s
    if task == "pcg" and host is None:
        w, h = config.pcg_size
        return ServingContext(aspect_ratio=_ratio(w, h), resolution=(w, h), duration_s=config.duration_s,
                              fps=config.fps)
    if host is None:  # PCI with a host: the Producer takes the host's size and fps
        return ServingContext(duration_s=segment_s)
    # The generic PCI baseline: a standalone segment at the host's size and rounded fps.
    return ServingContext(aspect_ratio=_ratio(host.width, host.height), resolution=(host.width, host.height),
                          fps=max(1, round(host.fps)), duration_s=segment_s)


def _ratio(w: int, h: int) -> str:
    g = math.gcd(w, h)
    return f"{w // g}:{h // g}"


def _graph_builder(task: str) -> Callable[..., Any]:
    if task == "pci":
        from graphs.pci import build_graph
    else:
        from graphs.pcg import build_graph
    return build_graph


def _default_judge_factory(spec: str | None) -> Any:
    from evals.judges import make_judge

    return make_judge(spec)


def _video_paths(folder: Path, task: str, generic_pci: bool) -> tuple[Path | None, Path | None]:
    """(the judged video, the AI segment) of a pair's output folder; None when absent."""
    if task == "pci" and not generic_pci:
        video, segment = folder / "integrated.mp4", folder / "segment.mp4"
    elif generic_pci:
        video, segment = folder / GENERIC_PCI_VIDEO, folder / "creative.mp4"
    else:
        video = segment = folder / "creative.mp4"
    return (video if video.exists() else None), (segment if segment.exists() else None)


def _render(pair: Any, folder: Path, config: BenchConfig) -> tuple[dict[str, Any], HostSummary | None]:
    """Run (or resume) the pair's thread into its folder; returns (run record, host summary
    for the generic PCI baseline, which sees no host while generating but is judged with one)."""
    from graphs.runner import creative_inputs, run_to_folder

    generic_pci = pair.task == "pci" and config.generic
    if pair.task == "pci" and not pair.host_video:
        raise InputError(pair.pair_id, "host_video", "a PCI pair needs a host video")
    host_info = host_summary = None
    if generic_pci:
        from agents.director.host import summarize_host
        from tools.media.probe import probe

        host_info = probe(pair.host_video, count_frames=False)
        host_summary = summarize_host(pair.host_video, title=pair.host_title, work_dir=folder.parent / ".host")
    graph_task = "pcg" if generic_pci else pair.task
    thread = thread_id_for(pair.task, pair.pair_id)
    host = {"host_video": pair.host_video, "host_title": pair.host_title} if graph_task == "pci" else {}
    inputs = creative_inputs(graph_task, pair.user, pair.product, bench_context(config, graph_task, host_info),
                             thread_id=thread, max_rounds=config.max_rounds, generic=config.generic, **host)
    record = run_to_folder(graph_builder=_graph_builder(graph_task), inputs=inputs, thread_id=thread,
                           out_dir=folder)
    if generic_pci and (folder / "creative.mp4").exists():
        from tools.media.splice import splice

        splice(pair.host_video, folder / "creative.mp4", host_info.duration_s / 2.0, folder / GENERIC_PCI_VIDEO)
    return record, host_summary


def judged_creative(out_dir: Path, row: dict[str, Any], host: HostSummary | None = None) -> "JudgedCreative | None":
    """The JudgedCreative of a result line (used by the runner to judge, and by the report
    for diversity); None when the pair produced no video to judge."""
    from evals.judges import JudgedCreative  # lazily: judges import the VLM stack

    folder = Path(out_dir) / row["paths"]["folder"]
    video = row["paths"].get("video")
    plan_path, verdict_path = folder / "plan.json", folder / "verdict.json"
    if not video or not plan_path.exists():
        return None
    pair = json.loads((folder / PAIR_FILE).read_text(encoding="utf-8"))
    plan = CreativePlan.model_validate_json(plan_path.read_text(encoding="utf-8"))
    verdict = Verdict.model_validate_json(verdict_path.read_text(encoding="utf-8")) if verdict_path.exists() else None
    segment = row["paths"].get("segment")
    # The viewer is given to the judge for the GenericAds baseline too: the baseline is
    # generated without user data, but is judged for the same viewer (as in the paper), so
    # its personalization is measured, not zero by construction.
    user = UserData.model_validate(pair["user"]) if JUDGE_FOR_VIEWER or not row.get("generic") else None
    return JudgedCreative(
        pair_id=row["pair_id"], task=row["task"], plan=plan, video_path=str(Path(out_dir) / video),
        segment_path=str(Path(out_dir) / segment) if segment and row["task"] == "pci" else None,
        user=user, product=Product.model_validate(pair["product"]), host=host or plan.host, verdict=verdict,
    )


def _judge(out_dir: Path, row: dict[str, Any], host: HostSummary | None, config: BenchConfig,
           judge_factory: JudgeFactory) -> dict[str, Any]:
    """The judge's scores of one creative: {"name", "kind", "scores": {criterion: {score, reason}}}."""
    item = judged_creative(out_dir, row, host)
    if item is None:
        return {}
    judge = judge_factory(config.judge)
    scores = judge.judge(item)
    return {"name": judge.name, "kind": judge.kind,
            "scores": {k: {"score": float(v.score), "reason": v.reason} for k, v in scores.items()}}


def run_pair(pair: Any, out_dir: Path, config: BenchConfig, judge_factory: JudgeFactory | None = None) -> dict[str, Any]:
    """Render, measure and judge one pair; never raises: an exception becomes an "error" line."""
    from nextads.settings import get_settings
    from evals.bench.report import write_thumbnail

    t0 = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    folder = pair_dir(out_dir, pair.pair_id)
    generic_pci = pair.task == "pci" and config.generic
    row: dict[str, Any] = {
        "pair_id": pair.pair_id, "task": pair.task, "user_id": pair.user.user_id,
        "product_id": pair.product.product_id, "preset": config.preset, "generic": config.generic,
        "host_video": pair.host_video, "outcome": "error", "decision": None, "rounds": None, "error": None,
        "verdict": {}, "judge": {}, "paths": {"folder": str(folder.relative_to(out_dir))},
        "state_dir": str(get_settings().state_dir), "seconds": 0.0,
    }
    try:
        record, host = _render(pair, folder, config)
        (folder / PAIR_FILE).write_text(json.dumps(pair_record(pair), ensure_ascii=False), encoding="utf-8")
        row.update(outcome="finalized" if record["finalized"] else "not_finalized", decision=record["decision"],
                   rounds=record["rounds"], reason=record.get("reason"))
        verdict_path = folder / "verdict.json"
        if verdict_path.exists():
            scores = json.loads(verdict_path.read_text(encoding="utf-8")).get("scores", {})
            row["verdict"] = {k: scores[k] for k in VERDICT_METRICS if k in scores}
        video, segment = _video_paths(folder, pair.task, generic_pci)
        rel = {"plan": folder / "plan.json", "video": video, "segment": segment}
        row["paths"].update({k: str(p.relative_to(out_dir)) for k, p in rel.items() if p and p.exists()})
        if segment is not None:
            write_thumbnail(segment, folder / THUMB_FILE)
            row["paths"]["thumbnail"] = str((folder / THUMB_FILE).relative_to(out_dir))
        try:
            row["judge"] = _judge(out_dir, row, host, config, judge_factory or _default_judge_factory)
        except Exception as exc:  # noqa: BLE001 - a judge failure must not lose the rendered pair
            row["judge"] = {"error": f"{type(exc).__name__}: {exc}"}
    except Exception as exc:  # noqa: BLE001 - one failed pair must not stop the benchmark
        row.update(outcome="error", error=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc(limit=8))
    row["seconds"] = round(time.perf_counter() - t0, 2)
    return row


# ---------------------------------------------------------------------------
# Workers: each with its own state folder
# ---------------------------------------------------------------------------


@contextmanager
def worker_environment(state_dir: Path, x264_preset: str) -> Iterator[None]:
    """Point this process's settings at one worker's state folder and the bench encoder
    preset; restore them afterwards (the inline runner shares its process with the caller)."""
    from nextads.settings import get_settings

    saved = {k: os.environ.get(k) for k in ("NEXTADS_STATE_DIR", "NEXTADS_X264_PRESET", "NEXTADS_THREADS")}
    _use_worker_settings(state_dir, x264_preset, threads=0)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()


def _use_worker_settings(state_dir: Path, x264_preset: str, threads: int) -> None:
    """This process's settings: one worker's state folder, the bench encoder preset and its
    share of the cores (`threads`; 0 = all)."""
    from nextads.settings import get_settings

    os.environ.update({"NEXTADS_STATE_DIR": str(state_dir), "NEXTADS_X264_PRESET": x264_preset,
                       "NEXTADS_THREADS": str(threads)})
    get_settings.cache_clear()


def worker_threads(workers: int) -> int:
    """Each of `workers` parallel workers' share of the cores (at least one)."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def _worker_init(slots: Any, out_dir: str, x264_preset: str, threads: int) -> None:
    """Process-pool initializer: claim a free worker slot; its state folder is this process's
    for the process's whole life."""
    # Ctrl-C is the parent's to handle: it stops the workers (see _run_pool); a worker that
    # raised KeyboardInterrupt itself could leave the pool's shutdown waiting forever.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    slot = slots.get()
    _use_worker_settings(Path(out_dir) / STATE_DIR / f"worker-{slot}", x264_preset, threads)
    import cv2  # OpenCV's pool is process-wide: size it once here

    cv2.setNumThreads(threads)
    # Tracing without a key only makes a worker hang at exit (as in nextads/cli.py).
    if not (os.environ.get("LANGSMITH_API_KEY") or os.environ.get("LANGCHAIN_API_KEY")):
        os.environ["LANGSMITH_TRACING"] = os.environ["LANGCHAIN_TRACING_V2"] = "false"


def _progress_bar(total: int, done: int, label: str) -> Any:
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[status]}"), TimeElapsedColumn(), TextColumn("ETA"),
                   TimeRemainingColumn(), transient=False)
    bar.add_task(label, total=total, completed=done, status="")
    return bar


def run_bench(pairs: Sequence[Any], out_dir: Path, config: BenchConfig, *, progress: bool = True,
              judge_factory: JudgeFactory | None = None) -> BenchSummary:
    """Run every unfinished pair (in ``config.workers`` processes; inline when 1), appending
    one line per pair to results.jsonl as it finishes. Returns every pair's latest line.

    ``judge_factory(spec) -> Judge`` defaults to ``evals.judges.make_judge``; with workers it
    must be picklable (a module-level function).
    """
    if config.workers < 1:
        raise InputError("<command line>", "--workers", "must be 1 or more")
    ids = [p.pair_id for p in pairs]
    if len(set(ids)) != len(ids):
        raise InputError("<benchmark>", "pair_id", "pair ids must be unique")
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    _check_same_run(out_dir, config)
    (out_dir / BENCH_FILE).write_text(json.dumps(config.as_record(), indent=2), encoding="utf-8")

    t0 = time.perf_counter()
    previous = load_results(out_dir)
    summary = BenchSummary()
    todo = [p for p in pairs if not is_done(previous.get(p.pair_id))]
    summary.skipped = [p.pair_id for p in pairs if is_done(previous.get(p.pair_id))]
    bar = _progress_bar(len(pairs), len(summary.skipped), f"{config.task} bench") if progress else None

    def finished(row: dict[str, Any]) -> None:
        append_result(out_dir, row)
        previous[row["pair_id"]] = row
        summary.ran.append(row["pair_id"])
        if row["outcome"] == "error":
            summary.failed.append(row["pair_id"])
        if bar is not None:
            bar.update(bar.task_ids[0], advance=1,
                       status=f"{len(summary.failed)} failed" if summary.failed else "")

    with (bar if bar is not None else _nothing()):
        if config.workers == 1 or len(todo) <= 1:
            with worker_environment(out_dir / STATE_DIR / "worker-0", config.x264_preset):
                for pair in todo:
                    finished(run_pair(pair, out_dir, config, judge_factory))
        else:
            _run_pool(todo, out_dir, config, judge_factory, finished)
    summary.results = [previous[p.pair_id] for p in pairs if p.pair_id in previous]
    summary.seconds = round(time.perf_counter() - t0, 2)
    return summary


def _run_pool(todo: Sequence[Any], out_dir: Path, config: BenchConfig, judge_factory: JudgeFactory | None,
              finished: Callable[[dict[str, Any]], None]) -> None:
    """Fan the pairs out over a process pool; results are written by this process only."""
    workers = min(config.workers, len(todo))
    ctx = multiprocessing.get_context("spawn")  # no inherited threads or open SQLite handles
    slots = ctx.Queue()
    for k in range(workers):
        slots.put(k)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(slots, str(out_dir), config.x264_preset, worker_threads(workers)))
    pending: dict[Future, Any] = {pool.submit(run_pair, p, out_dir, config, judge_factory): p for p in todo}
    try:
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                pair = pending.pop(fut)
                try:
                    finished(fut.result())
                except Exception as exc:  # noqa: BLE001 - a dead worker: record the pair, go on
                    finished({"pair_id": pair.pair_id, "task": pair.task, "user_id": pair.user.user_id,
                              "product_id": pair.product.product_id, "preset": config.preset,
                              "generic": config.generic, "outcome": "error",
                              "error": f"worker failed: {type(exc).__name__}: {exc}", "verdict": {},
                              "judge": {}, "paths": {}, "seconds": 0.0})
    except BaseException:
        # Ctrl-C (or any failure here): stop the workers now instead of waiting for their
        # pairs. Finished lines are kept; a pair stopped mid-way resumes from its checkpoint
        # or is redone on the next run. (A plain `with` would wait for the running pairs, and
        # after an interrupt the executor's shutdown could hang.)
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.join(timeout=10)


@contextmanager
def _nothing() -> Iterator[None]:
    yield
