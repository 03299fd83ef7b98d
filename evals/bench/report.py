"""Table 1 of a benchmark run: report.md, report.json and report.html; ``compare`` of two runs.

    write_report(out_dir) -> dict          # the report (also written as three files)
    compare(a_dir, b_dir) -> str           # both runs side by side + the paper's rows (printed)
    write_thumbnail(video, dst) -> Path    # the contact-sheet strip of one creative

Columns follow the paper's Table 1: Personalization (presentation, content), Product
Alignment, Integration Quality (PCI only), Diversity — the judge's scores on the paper's
0–10 scale, averaged over the judged creatives (diversity: over users, each user's
creatives judged together here, at report time) — then MS*, DD*, AQ*, IQ*, the VBench-style
stand-ins of tools/quality, reported in PERCENT (VBench's convention), averaged over the
creatives that were rendered. The judge's name is in every header; the offline judge is
labelled "proxy": its numbers are not comparable with the paper's VLM-judged ones.
"""

from __future__ import annotations

import html
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from PIL import Image

from evals.bench.paper import JUDGE_KEYS, METRIC_KEYS, NOT_AVAILABLE, reference_rows
from evals.bench.runner import BenchConfig, JudgeFactory, _default_judge_factory, judged_creative, load_bench, load_results

REPORT_MD, REPORT_JSON, REPORT_HTML = "report.md", "report.json", "report.html"
THUMB_FRAMES = 4  # frames side by side in one creative's strip
THUMB_FRAME_SIDE = 160  # long side of each frame, pixels
THUMB_JPEG_QUALITY = 80
METRIC_SCALE = 100.0  # VBench metrics are shown in percent

COLUMN_TITLES = {
    "presentation": "Personalization: Presentation",
    "content": "Personalization: Content",
    "product_alignment": "Product Alignment",
    "integration": "Integration Quality",
    "diversity": "Diversity",
    "MS*": "MS* (%)",
    "DD*": "DD* (%)",
    "AQ*": "AQ* (%)",
    "IQ*": "IQ* (%)",
}


def columns(task: str) -> list[str]:
    """Table 1's columns for a task (integration quality only exists for PCI)."""
    return [k for k in (*JUDGE_KEYS, *METRIC_KEYS) if task == "pci" or k != "integration"]


# ---------------------------------------------------------------------------
# Contact sheet
# ---------------------------------------------------------------------------


def write_thumbnail(video: str | Path, dst: str | Path, *, frames: int = THUMB_FRAMES,
                    side: int = THUMB_FRAME_SIDE) -> Path:
    """``frames`` frames spread over the video (centres of equal spans), side by side, as a
    small JPEG at ``dst``."""
    from tools.media.probe import probe, read_frame

    info = probe(video, count_frames=False)
    times = [(i + 0.5) * info.duration_s / frames for i in range(frames)]
    strip = np.concatenate([read_frame(video, t, max_side=side, info=info) for t in times], axis=1)
    dst = Path(dst)
    tmp = dst.with_name(f".{dst.name}.tmp")
    Image.fromarray(strip).save(tmp, format="JPEG", quality=THUMB_JPEG_QUALITY)
    tmp.replace(dst)
    return dst


# ---------------------------------------------------------------------------
# Building the report
# ---------------------------------------------------------------------------


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def judge_diversity(out_dir: Path, results: list[dict[str, Any]], spec: str | None,
                    judge_factory: JudgeFactory) -> dict[str, dict[str, Any]]:
    """user_id -> {"score", "reason", "creatives"}: each user's creatives judged together."""
    by_user: dict[str, list[Any]] = defaultdict(list)
    for row in results:
        if row.get("outcome") == "finalized":
            item = judged_creative(out_dir, row)
            if item is not None:
                by_user[row["user_id"]].append(item)
    if not by_user:
        return {}
    judge = judge_factory(spec)
    out = {}
    for user_id, items in sorted(by_user.items()):
        verdict = judge.judge_diversity(items)
        out[user_id] = {"score": float(verdict.score), "reason": verdict.reason, "creatives": len(items)}
    return out


def summarize_run(config: dict[str, Any], results: list[dict[str, Any]],
                  diversity: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The run's Table 1 row: means of judge scores (0–10) and metrics (percent), plus counts."""
    task = config["task"]
    judged = [r for r in results if r.get("judge", {}).get("scores")]
    rendered = [r for r in results if r.get("paths", {}).get("video") and r.get("verdict")]
    row: dict[str, Any] = {"label": config.get("row_label") or BenchConfig(task=task).row_label, "task": task,
                           "reference": False}
    for key in JUDGE_KEYS:
        if key == "diversity":
            row[key] = _mean([d["score"] for d in diversity.values()])
        elif key == "integration" and task != "pci":
            row[key] = None
        else:
            row[key] = _mean([r["judge"]["scores"][key]["score"] for r in judged if key in r["judge"]["scores"]])
    for key in METRIC_KEYS:
        vals = [r["verdict"][key] * METRIC_SCALE for r in rendered if key in r["verdict"]]
        row[key] = _mean(vals)
    outcomes = [r.get("outcome") for r in results]
    row["counts"] = {"pairs": len(results), "finalized": outcomes.count("finalized"),
                     "not_finalized": outcomes.count("not_finalized"), "errors": outcomes.count("error"),
                     "judged": len(judged), "judge_errors": sum(1 for r in results if r.get("judge", {}).get("error")),
                     "users": len({r["user_id"] for r in results})}
    row["seconds"] = round(sum(r.get("seconds", 0.0) for r in results), 1)
    return row


def judge_label(judge: dict[str, Any]) -> str:
    """How the judge is named in headers: its name, and "proxy" when it is one."""
    name, kind = judge.get("name") or judge.get("spec") or "offline", judge.get("kind")
    if kind == "proxy":
        return f"{name} (proxy: an offline stand-in for a VLM judge, not comparable with the paper's scores)"
    return f"{name} ({kind})" if kind else str(name)


def build_report(out_dir: Path, *, judge_factory: JudgeFactory | None = None) -> dict[str, Any]:
    """The report of one run folder (diversity judged now, over all finished pairs)."""
    out_dir = Path(out_dir).resolve()
    config = load_bench(out_dir)
    results = list(load_results(out_dir).values())
    factory = judge_factory or _default_judge_factory
    diversity = judge_diversity(out_dir, results, config.get("judge"), factory)
    judges = [r["judge"] for r in results if r.get("judge", {}).get("name")]
    judge = {"spec": config.get("judge"), "name": judges[0]["name"] if judges else None,
             "kind": judges[0]["kind"] if judges else None}
    if judge["name"] is None and diversity:  # nothing judged per creative, but diversity was
        j = factory(config.get("judge"))
        judge.update(name=j.name, kind=j.kind)
    return {
        "task": config["task"], "run": config, "judge": judge, "judge_label": judge_label(judge),
        "scales": {"judge": "0-10 (the paper's bands)", "metrics": "percent (VBench convention)"},
        "columns": columns(config["task"]),
        "rows": [summarize_run(config, results, diversity)],
        "reference": reference_rows(config["task"]),
        "diversity": diversity,
        "creatives": [_creative_entry(r) for r in results],
    }


def _creative_entry(row: dict[str, Any]) -> dict[str, Any]:
    return {"pair_id": row["pair_id"], "user_id": row.get("user_id"), "product_id": row.get("product_id"),
            "outcome": row.get("outcome"), "decision": row.get("decision"), "error": row.get("error"),
            "thumbnail": row.get("paths", {}).get("thumbnail"), "video": row.get("paths", {}).get("video"),
            "judge": {k: v["score"] for k, v in row.get("judge", {}).get("scores", {}).items()},
            "verdict": row.get("verdict", {}), "seconds": row.get("seconds")}


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _cell(value: Any, key: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}"


def markdown_table(task: str, rows: list[dict[str, Any]]) -> str:
    """Table 1 as a Markdown table (one line per row; reference rows say when they are empty)."""
    cols = columns(task)
    lines = ["| Run | " + " | ".join(COLUMN_TITLES[c] for c in cols) + " |",
             "|---|" + "|".join("---:" for _ in cols) + "|"]
    for row in rows:
        if row.get("reference") and not row.get("available"):
            lines.append(f"| {row['label']} | " + " | ".join(NOT_AVAILABLE for _ in cols) + " |")
        else:
            lines.append(f"| {row['label']} | " + " | ".join(_cell(row.get(c), c) for c in cols) + " |")
    return "\n".join(lines)


def render_markdown(report: dict[str, Any]) -> str:
    task = report["task"]
    row = report["rows"][0]
    c = row["counts"]
    parts = [
        f"# {task.upper()}-Bench: {row['label']}",
        "",
        f"Judge: **{report['judge_label']}**. Judge columns on the paper's 0–10 scale; "
        "MS*, DD*, AQ*, IQ* are VBench-style stand-ins (tools/quality), in percent.",
        "",
        markdown_table(task, report["rows"] + report["reference"]),
        "",
        f"Pairs: {c['pairs']} (finalized {c['finalized']}, not finalized {c['not_finalized']}, "
        f"errors {c['errors']}); judged {c['judged']}; users {c['users']}; "
        f"pair-seconds {row['seconds']}.",
    ]
    failed = [cr for cr in report["creatives"] if cr["outcome"] == "error"]
    if failed:
        parts += ["", "## Failed pairs", ""] + [f"- `{cr['pair_id']}`: {cr['error']}" for cr in failed]
    return "\n".join(parts) + "\n"


_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;color:#1e293b}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #cbd5e1;padding:.35rem .6rem}
td.num{text-align:right}tr.ref{color:#64748b;font-style:italic}.judge{background:#fef9c3;padding:.4rem}
.sheet{display:flex;flex-direction:column;gap:.6rem}figure{margin:0}figcaption{font-size:.8rem;color:#475569}
img{max-width:100%;border:1px solid #e2e8f0}.err{color:#b91c1c}"""


def render_html(report: dict[str, Any]) -> str:
    """A self-contained page (inline style, no scripts): Table 1 and the contact sheet, whose
    thumbnails are relative paths next to the results."""
    task, row = report["task"], report["rows"][0]
    cols = columns(task)
    esc = html.escape
    head = "".join(f"<th>{esc(COLUMN_TITLES[c])}</th>" for c in cols)
    body = []
    for r in report["rows"] + report["reference"]:
        cls = ' class="ref"' if r.get("reference") else ""
        if r.get("reference") and not r.get("available"):
            cells = "".join(f'<td class="num">{NOT_AVAILABLE}</td>' for _ in cols)
        else:
            cells = "".join(f'<td class="num">{_cell(r.get(c), c)}</td>' for c in cols)
        body.append(f"<tr{cls}><td>{esc(r['label'])}</td>{cells}</tr>")
    sheet = []
    for cr in report["creatives"]:
        caption = f"{esc(cr['pair_id'])} — user {esc(str(cr['user_id']))}, product {esc(str(cr['product_id']))}: {esc(str(cr['outcome']))}"
        if cr["judge"]:
            caption += " · " + ", ".join(f"{esc(k)} {v:.1f}" for k, v in cr["judge"].items())
        if cr["thumbnail"]:
            sheet.append(f'<figure><img src="{esc(cr["thumbnail"])}" alt="{esc(cr["pair_id"])}">'
                         f"<figcaption>{caption}</figcaption></figure>")
        else:
            sheet.append(f'<figure><figcaption class="err">{caption}'
                         f"{' — ' + esc(str(cr['error'])) if cr['error'] else ''}</figcaption></figure>")
    c = row["counts"]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{task.upper()}-Bench: {esc(row['label'])}</title>
<style>{_CSS}</style></head><body>
<h1>{task.upper()}-Bench: {esc(row['label'])}</h1>
<p class="judge">Judge: <b>{esc(report['judge_label'])}</b>. Judge columns on the paper's 0–10 scale;
MS*, DD*, AQ*, IQ* are VBench-style stand-ins, in percent.</p>
<table><tr><th>Run</th>{head}</tr>{''.join(body)}</table>
<p>Pairs {c['pairs']}: finalized {c['finalized']}, not finalized {c['not_finalized']}, errors {c['errors']};
judged {c['judged']}; users {c['users']}.</p>
<h2>Contact sheet</h2><div class="sheet">{''.join(sheet)}</div>
</body></html>
"""


def write_report(out_dir: Path, *, judge_factory: JudgeFactory | None = None) -> dict[str, Any]:
    """Build the report and write report.md, report.json and report.html into the run folder."""
    out_dir = Path(out_dir).resolve()
    report = build_report(out_dir, judge_factory=judge_factory)
    (out_dir / REPORT_JSON).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (out_dir / REPORT_MD).write_text(render_markdown(report), encoding="utf-8")
    (out_dir / REPORT_HTML).write_text(render_html(report), encoding="utf-8")
    return report


def load_report(out_dir: Path, *, judge_factory: JudgeFactory | None = None) -> dict[str, Any]:
    """report.json of a run, written first when it is missing or older than the results."""
    out_dir = Path(out_dir)
    path, results = out_dir / REPORT_JSON, out_dir / "results.jsonl"
    if path.exists() and (not results.exists() or path.stat().st_mtime >= results.stat().st_mtime):
        return json.loads(path.read_text(encoding="utf-8"))
    return write_report(out_dir, judge_factory=judge_factory)


def compare(a_dir: Path, b_dir: Path, *, file: TextIO | None = None,
            judge_factory: JudgeFactory | None = None) -> str:
    """Print runs A and B side by side with the paper's reference rows; return the text."""
    from nextads.errors import InputError

    a, b = (load_report(d, judge_factory=judge_factory) for d in (a_dir, b_dir))
    if a["task"] != b["task"]:
        raise InputError(str(b_dir), "task", f"is a {b['task']} run, {a_dir} is a {a['task']} run")
    rows = [{**a["rows"][0], "label": f"A: {a['rows'][0]['label']}"},
            {**b["rows"][0], "label": f"B: {b['rows'][0]['label']}"}]
    text = "\n".join([
        f"{a['task'].upper()}-Bench comparison",
        f"A = {a_dir} — judge: {a['judge_label']}",
        f"B = {b_dir} — judge: {b['judge_label']}",
        "Judge columns 0–10; MS*, DD*, AQ*, IQ* in percent.",
        "",
        markdown_table(a["task"], rows + a["reference"]),
        "",
    ])
    print(text, file=file or sys.stdout)
    return text
