"""The `nextads` command.

    nextads pcg --user USER --product PRODUCT [--context C.json] [--out DIR] [--thread ID] [--max-rounds N]
    nextads pci --user USER --product PRODUCT --host-video VIDEO [--host-title T] [--context C.json] [--out DIR] ...
    nextads demo [--user ID] [--product ID] [--out DIR]
    nextads products | users
    nextads profile --user USER
    nextads plan --user USER --product PRODUCT [--context C.json]
    nextads review --user USER --product PRODUCT [--task pcg|pci] [--thread ID]   (plan editing in plain words)
    nextads campaign --user USER --product PRODUCT --impressions N [--simulate] [--seed S]
                     [--policy thompson|static|random] [--context C.json] [--out DIR] [--thread ID]

pcg, demo, profile and plan also take [--preset offline|open|closed|generic] [--llm SPEC]
[--video BACKEND] [--judge SPEC] (nextads/providers/presets.py); a choice that needs a missing
key fails at once with one message naming the environment variable (exit 2).

USER / PRODUCT are JSON files (DESIGN.md §7) or ``demo:<id>`` from the built-in catalog.
Bad input prints one message naming the file and field and exits with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from nextads.errors import ConfigError, InputError

EXIT_INPUT = 2
EXIT_NOT_FINALIZED = 1
DEMO_USER = "maya"
DEMO_PRODUCT = "summitra-tent"


def _err(msg: str) -> None:
    print(f"nextads: error: {msg}", file=sys.stderr)


def _progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def _load_inputs(args: argparse.Namespace, need_product: bool = True) -> tuple[Any, Any, Any]:
    from nextads.loaders import load_context, load_product, load_user

    user = load_user(args.user)
    product = load_product(args.product) if need_product else None
    context = load_context(getattr(args, "context", None))
    return user, product, context


def _configure(args: argparse.Namespace) -> None:
    """Resolve the preset and per-component overrides; fail with one message naming a missing
    variable before any work starts; make the choice the process's settings."""
    from nextads.providers.presets import apply_components, resolve_components

    components = resolve_components(getattr(args, "preset", None), llm=getattr(args, "llm", None),
                                    video=getattr(args, "video", None), judge=getattr(args, "judge", None))
    apply_components(components)
    args.preset = components.preset


def cmd_pcg(args: argparse.Namespace) -> int:
    """Plan, render, verify and refine one personalised ad; write the output folder."""
    return _run_creative(args, "pcg")


def cmd_pci(args: argparse.Namespace) -> int:
    """Weave a personalised segment into a host video; write integrated.mp4 and the rest."""
    return _run_creative(args, "pci")


def _host_video(path: str) -> str:
    """The host video, checked before any work: it exists and decodes with a video stream."""
    from tools.media.probe import probe

    p = Path(path)
    if not p.is_file():
        raise InputError(path, None, "host video not found")
    try:
        info = probe(p, count_frames=False)
    except (OSError, ValueError, RuntimeError) as exc:
        raise InputError(path, None, f"not a readable video: {exc}") from None
    if not info.width or not info.height or not info.duration_s:
        raise InputError(path, None, "no video stream with a duration")
    return str(p.resolve())


def _run_creative(args: argparse.Namespace, task: str) -> int:
    from graphs.runner import creative_inputs, new_thread_id, run_to_folder
    from nextads.settings import get_settings

    if task == "pci":
        from graphs.pci import build_graph
    else:
        from graphs.pcg import build_graph

    _configure(args)
    settings = get_settings()
    inputs = None
    thread = args.thread
    if args.user is None or args.product is None:
        if not thread:
            raise InputError("<command line>", "--user/--product", "both are required (or --thread ID to resume)")
    else:
        user, product, context = _load_inputs(args)  # validated before anything is written
        host: dict[str, Any] = {}
        if task == "pci":
            if not args.host_video:
                raise InputError("<command line>", "--host-video", "required for pci (or --thread ID to resume)")
            from nextads.loaders import host_title_for

            video = _host_video(args.host_video)
            host = {"host_video": video, "host_title": args.host_title or host_title_for(video)}
            if "duration_s" not in context.model_fields_set:
                context = context.model_copy(update={"duration_s": settings.pci_segment_s})
        thread = thread or new_thread_id(task, user, product)
        max_rounds = settings.max_rounds if args.max_rounds is None else args.max_rounds
        if max_rounds < 0:
            raise InputError("<command line>", "--max-rounds", "must be 0 or more")
        inputs = creative_inputs(task, user, product, context, thread_id=thread, max_rounds=max_rounds,
                                 generic=args.preset == "generic", **host)
    out = Path(args.out or f"out/{thread}")
    _check_out(out)
    print(f"nextads {task}: thread {thread} (resume with --thread {thread})", file=sys.stderr)
    try:
        record = run_to_folder(graph_builder=build_graph, inputs=inputs, thread_id=thread, out_dir=out,
                               progress=_progress, trace=getattr(args, "trace", None))
    except KeyError:
        raise InputError("<command line>", "--thread", f"no saved run named {thread!r}") from None
    return _report(record, out)


def _check_out(out: Path) -> None:
    """The output folder is replaced whole at the end: only ever replace one of ours."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "run.json").exists())):
        raise InputError("<command line>", "--out", f"{out} exists and is not a NextAds output folder")


def _report(record: dict[str, Any], out: Path) -> int:
    if record["finalized"]:
        video = "integrated.mp4" if record.get("task") == "pci" else "creative.mp4"
        print(f"{out}/{video}  decision={record['decision']} rounds={record['rounds']}"
              f"{' (resumed)' if record['resumed'] else ''}")
        for w in record.get("warnings", []):
            print(f"warning: {w}", file=sys.stderr)
        return 0
    _err(f"no creative finalized: {record.get('reason')}; see {out}/verdict.json and {out}/run.json")
    return EXIT_NOT_FINALIZED


def cmd_review(args: argparse.Namespace) -> int:
    """Chat-style plan review: the Director drafts the plan, the person edits it in plain words
    (or approve / undo / show / quit), then the approved plan is produced (graphs/review.py).
    Scene numbers are 1-based as shown. ``quit`` (or end of input) pauses: the thread waits at
    the review and ``--thread ID`` continues it later with its edit history."""
    import time

    from rich.console import Console

    from agents.editor.display import history_table, plan_view
    from agents.editor.parser import parse_command
    from graphs.review import build_review_graph, drive_review
    from graphs.runner import describe_update, creative_inputs, export_outputs, new_thread_id, run_record
    from graphs.tracing import JsonlTracer
    from memory.persistence import open_checkpointer, open_store
    from nextads.providers.chat import trace_callbacks
    from nextads.schemas import CreativePlan
    from nextads.settings import get_settings

    _configure(args)
    settings = get_settings()
    thread, inputs = args.thread, None
    if args.user is not None and args.product is not None:
        user, product, context = _load_inputs(args)
        host: dict[str, Any] = {}
        if args.task == "pci":
            if not args.host_video:
                raise InputError("<command line>", "--host-video", "required for --task pci")
            from nextads.loaders import host_title_for

            video = _host_video(args.host_video)
            host = {"host_video": video, "host_title": args.host_title or host_title_for(video)}
            if "duration_s" not in context.model_fields_set:
                context = context.model_copy(update={"duration_s": settings.pci_segment_s})
        thread = thread or new_thread_id(args.task, user, product)
        max_rounds = settings.max_rounds if args.max_rounds is None else args.max_rounds
        if max_rounds < 0:
            raise InputError("<command line>", "--max-rounds", "must be 0 or more")
        inputs = creative_inputs(args.task, user, product, context, thread_id=thread, max_rounds=max_rounds,
                                 generic=args.preset == "generic", **host)
    elif not thread:
        raise InputError("<command line>", "--user/--product", "both are required (or --thread ID to resume)")
    out = Path(args.out or f"out/{thread}")
    _check_out(out)
    console = Console(highlight=False)

    def read(payload: dict[str, Any]) -> str | None:
        history = payload.get("history") or []
        last = parse_command(history[-1]["text"]) if history else None
        if last is not None and last.kind == "show" and history:
            console.print(history_table(history))
        console.print(plan_view(CreativePlan.model_validate(payload["plan"])))
        if payload.get("reply"):
            console.print(f"[bold]{payload['reply']}[/bold]", soft_wrap=True)
        console.print(payload["prompt"], style="dim")
        console.print("> ", end="")
        line = sys.stdin.readline()
        return line.strip() if line else None

    def progress(namespace: tuple[str, ...], node: str, update: Any) -> None:
        line = describe_update(namespace, node, update)
        if line and node not in ("review", "creative"):
            _progress(line)

    config: dict[str, Any] = {"configurable": {"thread_id": thread}, "recursion_limit": 200}
    callbacks = trace_callbacks(settings.redact_history)
    if getattr(args, "trace", None):
        callbacks = [*callbacks, JsonlTracer(args.trace, redact=settings.redact_history, thread_id=thread)]
    if callbacks:
        config["callbacks"] = callbacks
    print(f"nextads review: thread {thread} (quit, then resume with --thread {thread})", file=sys.stderr)
    t0 = time.perf_counter()
    with open_checkpointer(settings) as saver, open_store(settings) as store:
        graph = build_review_graph(checkpointer=saver, store=store)
        resumed = bool(graph.get_state(config).values)
        try:
            values, status = drive_review(graph, config, None if resumed else inputs, read=read, on_update=progress)
        except KeyError:
            raise InputError("<command line>", "--thread", f"no saved review named {thread!r}") from None
    if status == "paused":
        print(f"paused: continue with `nextads review --thread {thread}`", file=sys.stderr)
        return 0
    record = run_record(values, thread_id=thread, resumed=resumed, wall_s=time.perf_counter() - t0)
    record["review_log"] = values.get("review_log", [])
    export_outputs(values, out, record)
    return _report(record, out)


def cmd_campaign(args: argparse.Namespace) -> int:
    """A campaign of N impressions of one product to one user (graphs/campaign.py). With
    --simulate the seeded user simulator answers; otherwise each impression waits for a Feedback
    JSON line on stdin (end of input pauses; --thread ID continues). Writes impression_<k>/,
    campaign.json and engagement.png (with the static and random baselines when simulated)."""
    import json
    import uuid

    from graphs.campaign import (
        baseline_engagement,
        build_campaign_graph,
        campaign_inputs,
        drive,
        export_campaign,
    )
    from graphs.runner import work_dir_for
    from memory.persistence import open_checkpointer, open_store
    from nextads.settings import get_settings

    _configure(args)
    inputs = None
    thread = args.thread
    if args.user is None or args.product is None:
        if not thread:
            raise InputError("<command line>", "--user/--product", "both are required (or --thread ID to resume)")
    else:
        user, product, context = _load_inputs(args)
        if args.impressions < 1:
            raise InputError("<command line>", "--impressions", "must be 1 or more")
        thread = thread or f"campaign-{user.user_id}-{product.product_id}-{uuid.uuid4().hex[:8]}"
        max_rounds = get_settings().max_rounds if args.max_rounds is None else args.max_rounds
        inputs = campaign_inputs(user, product, context, campaign_id=thread, campaign_dir=work_dir_for(thread),
                                 impressions=args.impressions, simulate=args.simulate, seed=args.seed,
                                 policy=args.policy, budget=args.budget, max_rounds=max_rounds,
                                 generic=args.preset == "generic")
    print(f"nextads campaign: thread {thread} (resume with --thread {thread})", file=sys.stderr)
    with open_checkpointer() as saver, open_store() as store:
        graph = build_campaign_graph(saver, store)
        config = {"configurable": {"thread_id": thread}}
        if inputs is not None and graph.get_state(config).values:
            inputs = None  # an existing thread: continue it
        try:
            values, pending = drive(graph, inputs, thread, progress=_progress)
        except KeyError:
            raise InputError("<command line>", "--thread", f"no saved campaign named {thread!r}") from None
        while pending is not None:  # a real viewer's feedback, one JSON line per impression
            print(f"impression {pending['impression']}: {pending['video_path']}\n{pending['ask']}", file=sys.stderr)
            line = sys.stdin.readline()
            if not line.strip():
                print(f"paused before the feedback of impression {pending['impression']}; "
                      f"resume with --thread {thread}", file=sys.stderr)
                return 0
            try:
                answer = json.loads(line)
            except ValueError as exc:
                raise InputError("<stdin>", None, f"not a Feedback JSON: {exc}") from None
            values, pending = drive(graph, None, thread, resume=answer, progress=_progress)
    out = Path(args.out or f"out/{thread}")
    baselines = baseline_engagement(values) if values.get("simulate") and values.get("history") else None
    export_campaign(values, out, baselines=baselines)
    history = values.get("history", [])
    if not history:
        _err("no creative was served: the first impression's creative was not finalized")
        return EXIT_NOT_FINALIZED
    mean = sum(r["engagement"] for r in history) / len(history)
    print(f"{out}/campaign.json  impressions={len(history)} mean engagement={mean:.3f}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run one demo pair from the built-in catalog."""
    args.user = f"demo:{args.user}"
    args.product = f"demo:{args.product}"
    args.context, args.thread, args.max_rounds = None, None, None
    args.trace = getattr(args, "trace", None)
    args.out = args.out or "out/demo"
    return cmd_pcg(args)


def cmd_trace(args: argparse.Namespace) -> int:
    """Print a local JSONL trace as a tree with timings (no account, no network)."""
    from graphs.tracing import describe_record, read_trace, trace_tree

    records = read_trace(args.file)
    for depth, r in trace_tree(records, plumbing=args.all):
        secs = r.get("seconds")
        kind = "" if r.get("kind") == "chain" else f" [{r['kind']}]"
        print(f"{'  ' * depth}{r['name']}{kind}  {'' if secs is None else f'{secs:.2f}s'}  {describe_record(r)}".rstrip())
    return 0


def cmd_products(args: argparse.Namespace) -> int:
    from nextads.catalog import demo_products

    for p in demo_products():
        print(f"demo:{p.product_id:<24} {p.category:<18} {p.brand} — {p.name}")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    from nextads.catalog import demo_users

    for u in demo_users():
        titles = "; ".join(h.title for h in u.history[:3] if h.title)
        print(f"demo:{u.user_id:<10} {u.demographics.locale or '':<6} {len(u.history):>3} items  {titles}")
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    from agents.director.generic import generic_profile
    from agents.llm_dispatch import model_user

    _configure(args)
    user, _, _ = _load_inputs(args, need_product=False)
    if args.preset == "generic":
        print(generic_profile(user.user_id).model_dump_json(indent=2))
        return 0
    profile, fallbacks = model_user(user)
    for f in fallbacks:
        print(f"warning: {f['step']} fell back to offline: {f['reason']}", file=sys.stderr)
    print(profile.model_dump_json(indent=2))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """Director only: print the CreativePlan as JSON (no rendering)."""
    from graphs.director import build_director
    from graphs.state import plan_of
    from nextads.settings import get_settings

    _configure(args)
    user, product, context = _load_inputs(args)
    with tempfile.TemporaryDirectory(dir=_ensure(get_settings().state_dir)) as work:
        state = {"task": "pcg", "user": user.model_dump(mode="json"), "product": product.model_dump(mode="json"),
                 "context": context.model_dump(mode="json"), "work_dir": work, "max_rounds": 0,
                 "generic": args.preset == "generic"}
        values = build_director().invoke(state)
        for f in values.get("fallbacks", []):
            print(f"warning: {f['step']} fell back to offline: {f['reason']}", file=sys.stderr)
        plan = plan_of({**state, **values})
        if args.out:  # keep the collage next to the plan when asked
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            if plan.grounding.collage_path:
                dst = out / "collage.png"
                dst.write_bytes(Path(plan.grounding.collage_path).read_bytes())
                plan.grounding.collage_path = str(dst.resolve())
            (out / "plan.json").write_text(plan.model_dump_json(indent=2))
        print(plan.model_dump_json(indent=2))
    return 0


def _ensure(p: Path) -> str:
    Path(p).mkdir(parents=True, exist_ok=True)
    return str(p)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nextads", description="Generation-based personalized video advertising")
    sub = parser.add_subparsers(dest="command", required=True)

    def inputs(p: argparse.ArgumentParser, product: bool = True, required: bool = True) -> None:
        p.add_argument("--user", required=required, help="user.json or demo:<id>")
        if product:
            p.add_argument("--product", required=required, help="product.json or demo:<id>")
            p.add_argument("--context", help="context.json (every field optional)")
        components(p)

    def components(p: argparse.ArgumentParser) -> None:
        p.add_argument("--preset", choices=["offline", "open", "closed", "generic"],
                       help="offline (default; NEXTADS_PRESET), open (Qwen3-VL + diffusers), closed "
                            "(GPT-4o + Sora), generic (the GenericAds baseline: no user data)")
        p.add_argument("--llm", help="Director model spec: offline | openai:<model> | "
                                     "openai-compatible:<model>@<base_url> | gemini:<model>")
        p.add_argument("--video", choices=["compositor", "diffusers", "sora", "veo"], help="video backend")
        p.add_argument("--judge", help="Verifier judge model spec (same forms as --llm)")

    p = sub.add_parser("pcg", help="personalized creative generation: a standalone ad")
    inputs(p, required=False)
    p.add_argument("--out", help="output folder (default out/<thread>)")
    p.add_argument("--thread", help="thread id; an existing one is resumed")
    p.add_argument("--max-rounds", type=int, help="revision round budget (default 3)")
    p.add_argument("--trace", help="also write a local JSONL trace here (view it with `nextads trace FILE`)")
    p.set_defaults(func=cmd_pcg)

    p = sub.add_parser("pci", help="personalized creative integration: an ad woven into a host video")
    inputs(p, required=False)
    p.add_argument("--host-video", help="the video the user is watching (MP4)")
    p.add_argument("--host-title", help="its title, when known (helps the topic; MicroLens videos get theirs "
                                        "from MicroLens-50k_titles.csv beside the videos folder)")
    p.add_argument("--out", help="output folder (default out/<thread>)")
    p.add_argument("--thread", help="thread id; an existing one is resumed")
    p.add_argument("--max-rounds", type=int, help="revision round budget (default 3)")
    p.add_argument("--trace", help="also write a local JSONL trace here (view it with `nextads trace FILE`)")
    p.set_defaults(func=cmd_pci)

    p = sub.add_parser("review", help="review and edit the plan in plain words, then produce it")
    inputs(p, required=False)
    p.add_argument("--task", choices=["pcg", "pci"], default="pcg", help="standalone ad (pcg) or integration (pci)")
    p.add_argument("--host-video", help="pci: the video the user is watching (MP4)")
    p.add_argument("--host-title", help="pci: its title, when known")
    p.add_argument("--out", help="output folder (default out/<thread>)")
    p.add_argument("--thread", help="thread id; an existing review continues where it stopped")
    p.add_argument("--max-rounds", type=int, help="revision round budget after approval (default 3)")
    p.add_argument("--trace", help="also write a local JSONL trace here (view it with `nextads trace FILE`)")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("campaign", help="creative evolution over N impressions of one product to one user")
    inputs(p, required=False)
    p.add_argument("--impressions", type=int, default=5, help="number of impressions N (default 5)")
    p.add_argument("--simulate", action="store_true", help="feedback from the seeded user simulator")
    p.add_argument("--seed", type=int, default=0, help="seed of the policy and the simulator")
    p.add_argument("--policy", choices=["thompson", "static", "random"], default="thompson")
    p.add_argument("--budget", type=float, default=1.0, help="cost one impression may spend (1.0 = a full generation)")
    p.add_argument("--max-rounds", type=int, default=1, help="revision rounds per impression (default 1)")
    p.add_argument("--out", help="output folder (default out/<thread>)")
    p.add_argument("--thread", help="thread id; an existing campaign continues at its next impression")
    p.set_defaults(func=cmd_campaign)

    p = sub.add_parser("demo", help="run one demo pair from the built-in catalog")
    p.add_argument("--user", default=DEMO_USER)
    p.add_argument("--product", default=DEMO_PRODUCT)
    p.add_argument("--out")
    p.add_argument("--trace", help="also write a local JSONL trace here")
    components(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("trace", help="print a local JSONL trace as a tree with timings")
    p.add_argument("file")
    p.add_argument("--all", action="store_true", help="also show graph plumbing runs")
    p.set_defaults(func=cmd_trace)

    sub.add_parser("products", help="list the demo catalog").set_defaults(func=cmd_products)
    sub.add_parser("users", help="list the demo users").set_defaults(func=cmd_users)

    p = sub.add_parser("profile", help="print the UserProfile as JSON")
    inputs(p, product=False)
    p.set_defaults(func=cmd_profile)

    p = sub.add_parser("plan", help="print the CreativePlan as JSON (Director only)")
    inputs(p)
    p.add_argument("--out", help="also write plan.json and collage.png here")
    p.set_defaults(func=cmd_plan)
    from evals.bench.cli import add_bench_commands

    add_bench_commands(sub)  # nextads bench pcg|pci|compare|profile (evals/bench/cli.py)
    return parser


def _tracing_only_with_a_key() -> None:
    """LangSmith tracing without a key (or a network) only makes the process hang at exit."""
    if not (os.environ.get("LANGSMITH_API_KEY") or os.environ.get("LANGCHAIN_API_KEY")):
        for var in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGCHAIN_TRACING"):
            os.environ[var] = "false"


def main(argv: list[str] | None = None) -> int:
    from dotenv import load_dotenv

    load_dotenv(".env", override=False)
    _tracing_only_with_a_key()
    args = build_parser().parse_args(argv)
    from nextads.providers.presets import components_restored

    try:
        with components_restored():
            return args.func(args)
    except InputError as exc:
        _err(str(exc))
        return EXIT_INPUT
    except ConfigError as exc:
        _err(f"configuration: {exc}")
        return EXIT_INPUT
    except KeyboardInterrupt:
        _err("interrupted; the run is checkpointed — resume it with the same --thread")
        return 130


if __name__ == "__main__":
    sys.exit(main())
