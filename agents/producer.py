"""Producer: realizes a creative plan as a video through the `generate_video` tool, and
for PCI splices the segment into the host video (`integrate`).

A full pass renders every scene; with `previous` (and optionally a producer `directive`) it
performs a localized edit: only the scenes whose inputs changed, or that the directive
names, are rendered again and every other scene is reused byte for byte.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from nextads.schemas import Creative, CreativePlan, IntegratedVideo, Product, RevisionDirective
from tools.video import generate_video

PLANS_DIR = "plans"


def _write_json(folder: Path, stem: str, text: str) -> Path:
    """Content-addressed JSON file (the tool takes paths; traces stay small)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}_{hashlib.sha256(text.encode()).hexdigest()[:12]}.json"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    return path


def produce(plan: CreativePlan, product: Product, work_dir: Path, *, previous: Creative | None = None,
            directive: RevisionDirective | None = None) -> Creative:
    """Render `plan` into `work_dir`; a producer directive edits only the scenes it names."""
    work = Path(work_dir)
    plans = work / PLANS_DIR
    args: dict = {
        "plan_path": str(_write_json(plans, "plan", plan.model_dump_json())),
        "product": product.model_dump_json(),
        "work_dir": str(work),
    }
    if previous is not None:
        args["previous_creative_path"] = str(_write_json(plans, "creative", previous.model_dump_json()))
    if directive is not None and directive.target == "producer":
        args["directive"] = directive.model_dump(mode="json")
    return Creative.model_validate(generate_video.invoke(args))


def integrate(creative: Creative, plan: CreativePlan, work_dir: Path) -> Creative:
    """PCI: splice the rendered segment into the host at the plan's integration point.

    The integrated video is named by the segment's content and the point, so a revision
    round that changed neither reuses it."""
    from tools.media.splice import splice

    if plan.host is None or plan.integration is None:
        raise ValueError("a PCI plan needs a host summary and an integration decision")
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    key = f"{Path(creative.video_path).stem}|{plan.host.video_path}|{plan.integration.point_s:.4f}"
    stem = work / f"integrated_{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    record = stem.with_suffix(".json")
    try:
        integrated = IntegratedVideo.model_validate_json(record.read_text(encoding="utf-8"))
        if not Path(integrated.path).exists():
            raise FileNotFoundError(integrated.path)
    except (OSError, ValueError):
        integrated = splice(plan.host.video_path, creative.video_path, plan.integration.point_s,
                            stem.with_suffix(".mp4"))
        record.write_text(integrated.model_dump_json(), encoding="utf-8")
    return creative.model_copy(update={"integrated": integrated})
