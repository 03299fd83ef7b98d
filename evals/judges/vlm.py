"""The VLM benchmark judge: any configured chat model scores the five criteria on frames.

Each criterion is one structured request (``JudgeScore``: score 0-10 and reason) through
``nextads.providers.structured.structured_call`` with its bounded retries and backoff. A
request carries labelled frames sampled across the ad's scenes (downscaled JPEG data URIs),
the ad's script, the viewer's most recent 10-20 history items (DESIGN.md §9), the product's
verified facts and, for PCI, the host summary with frames either side of the splice.

When the model gives up, :class:`JudgeError` is raised with the fallback marker: the
benchmark runner records it. The judge never falls back to the proxy, so VLM and proxy
numbers are never mixed in one table.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from langchain_core.messages import HumanMessage, SystemMessage
from PIL import Image

from agents.director.profile import item_text, recent_items
from agents.verifier.llm import sample_times
from evals.judges import prompts
from evals.judges.criteria import (
    MIN_CREATIVES_FOR_DIVERSITY,
    JudgedCreative,
    JudgeScore,
    criteria_for,
    single_creative_diversity,
)
from nextads.providers.chat import image_block, make_chat_model, parse_spec
from nextads.providers.structured import structured_call
from nextads.schemas import CreativePlan, HostSummary, Product, UserData
from nextads.settings import get_settings
from tools.media.probe import VideoInfo, probe, read_frame
from tools.media.splice import cut_frame

STEP = "judge"  # structured_call step names: judge.<criterion>
JUDGE_FRAMES = 8  # frames of the ad per request (spread over its scenes)
HISTORY_ITEMS = 20  # the viewer's most recent items (DESIGN.md §9: last 10-20)
HISTORY_ITEM_CHARS = 240  # each item's title + text is cut here (long notes say enough by then)
MAX_PRODUCT_IMAGES = 3  # licensed product images shown for product alignment
HOST_CONTEXT_FRAMES = 2  # host frames before and after the splice for integration
HOST_CONTEXT_S = 1.5  # spread of those host frames around the cut
MAX_OCR_LINES = 8
DIVERSITY_FRAMES = 2  # frames per creative when judging one user's creatives together
MAX_DIVERSITY_CREATIVES = 10  # a user with more creatives is judged on the first ten
# Criteria that compare the ad with the viewer: these also see the viewer's own pictures.
VIEWER_IMAGE_CRITERIA = ("presentation", "content")


class JudgeError(RuntimeError):
    """The judge model gave up on a criterion; ``marker`` says why (the runner records it)."""

    def __init__(self, marker: dict[str, Any]):
        self.marker = marker
        super().__init__(f"judge gave up on {marker.get('step')}: {marker.get('reason', 'no result')}")


# =========================================================================== text sections


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


def viewer_section(user: UserData | None) -> str:
    """Demographics and the most recent history items, wrapped in redactable history tags."""
    if user is None:
        return prompts.NO_VIEWER
    demo = {k: v for k, v in user.demographics.model_dump().items() if v}
    lines = []
    for it in recent_items(user.history, HISTORY_ITEMS):
        text = item_text(it)
        if text:
            lines.append(f"- [{it.id}] {text[:HISTORY_ITEM_CHARS]}")
    return prompts.VIEWER.format(demographics=_json(demo) if demo else "(none given)",
                                 history="\n".join(lines) or "(no text in the history)")


def product_section(product: Product) -> str:
    brief = {"name": product.name, "brand": product.brand, "category": product.category, "slogan": product.slogan,
             "selling_points": product.selling_points, "facts": product.facts}
    return prompts.PRODUCT.format(product=_json({k: v for k, v in brief.items() if v}))


def script_section(plan: CreativePlan) -> str:
    scenes = [{"time": [round(s.start_s, 2), round(s.end_s, 2)], "purpose": s.purpose, "visual": s.visual,
               "narration": s.narration, "on_screen_text": s.on_screen_text} for s in plan.storyboard.scenes]
    return prompts.SCRIPT.format(task=plan.task.upper(), duration_s=plan.storyboard.target_duration_s,
                                 aspect_ratio=plan.context.aspect_ratio, scenes=_json(scenes))


def host_section(plan: CreativePlan, host: HostSummary | None) -> str:
    host = host or plan.host
    if host is None or plan.integration is None:
        return ""
    about = {"title": host.title, "topic": host.topic, "content": host.content, "keywords": host.keywords,
             "burned_in_text": host.ocr_text[:MAX_OCR_LINES], "pacing": host.pacing,
             "audio": host.audio_character, "duration_s": round(host.duration_s, 2)}
    d = plan.integration
    return prompts.HOST.format(host=_json({k: v for k, v in about.items() if v}), point_s=d.point_s,
                               kind=d.kind.replace("_", " "), rationale=d.rationale)


# =========================================================================== images


def frame_block_list(video_path: str, frames: Sequence[tuple[float, str]], info: VideoInfo | None = None
                     ) -> list[dict[str, Any]]:
    """Each (time, label) frame as a text label followed by a downscaled JPEG image block.

    A frame that cannot be decoded is left out (the label with it), not fatal.
    """
    side = get_settings().llm_image_side
    info = info or probe(video_path, count_frames=False)
    blocks: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="nextads-judge-") as tmp:
        for n, (t, label) in enumerate(frames, start=1):
            try:
                rgb = read_frame(video_path, t, max_side=side, info=info)
            except (OSError, ValueError):
                continue
            path = Path(tmp) / f"frame{n}.png"  # lossless here: image_block encodes once
            Image.fromarray(rgb).save(path)
            blocks += [{"type": "text", "text": label}, image_block(path, side)]
    return blocks


def ad_frames(plan: CreativePlan, video_path: str, max_frames: int, source: str = "AD") -> list[dict[str, Any]]:
    """Frames spread over the ad's scenes (the Verifier's sampler), labelled with scene and purpose."""
    spans = [(s.start_s, s.end_s) for s in plan.storyboard.scenes]
    picks = sample_times(plan, spans, max_frames)
    labelled = [(f.t_s, prompts.FRAME_LABEL.format(source=source, number=i, t=f.t_s,
                                                   detail=f", scene {f.scene} ({f.purpose})"))
                for i, f in enumerate(picks, start=1)]
    return frame_block_list(video_path, labelled)


def splice_frames(item: JudgedCreative) -> list[dict[str, Any]]:
    """HOST frames before the cut, AD frames of the segment in place, HOST frames after."""
    plan = item.plan
    if plan.integration is None or item.segment_path is None:
        return []
    whole, segment = probe(item.video_path), probe(item.segment_path, count_frames=False)
    start = cut_frame(plan.integration.point_s, whole.fps) / whole.fps
    end = start + segment.duration_s
    step = HOST_CONTEXT_S / HOST_CONTEXT_FRAMES
    before = [max(0.0, start - step * k) for k in range(HOST_CONTEXT_FRAMES, 0, -1)]
    inside = [start + (j + 0.5) * segment.duration_s / JUDGE_FRAMES for j in range(JUDGE_FRAMES)]
    after = [end + step * k for k in range(HOST_CONTEXT_FRAMES)]
    labelled = [(t, prompts.FRAME_LABEL.format(source=src, number=i, t=t, detail=""))
                for i, (t, src) in enumerate([*((t, "HOST") for t in before), *((t, "AD") for t in inside),
                                              *((t, "HOST") for t in after)], start=1)]
    return frame_block_list(item.video_path, labelled, whole)


def product_images(product: Product) -> list[dict[str, Any]]:
    """The licensed product images and logo (what 'identity' and 'brand elements' compare with)."""
    side = get_settings().llm_image_side
    blocks: list[dict[str, Any]] = []
    for a in [a for a in product.assets if a.kind in ("image", "logo") and Path(a.path).is_file()][:MAX_PRODUCT_IMAGES]:
        blocks += [{"type": "text", "text": prompts.PRODUCT_IMAGE_LABEL.format(asset=a.id, kind=a.kind)},
                   image_block(a.path, side)]
    return blocks


def viewer_images(user: UserData | None) -> list[dict[str, Any]]:
    """The viewer's own most recent pictures that exist on disk (their visual taste)."""
    if user is None:
        return []
    settings = get_settings()
    blocks: list[dict[str, Any]] = []
    for it in reversed(recent_items(user.history, HISTORY_ITEMS)):
        for p in [*it.images, *([it.cover] if it.cover else [])]:
            if len(blocks) >= 2 * settings.llm_max_images:
                return blocks
            if p and Path(p).is_file():
                blocks += [{"type": "text", "text": prompts.HISTORY_IMAGE_LABEL.format(item=it.id)},
                           image_block(p, settings.llm_image_side)]
    return blocks


# =========================================================================== the judge


class VlmJudge:
    """Scores creatives with a chat model (Gemini 2.5 Flash in the paper) on the shared bands."""

    kind: Literal["vlm"] = "vlm"

    def __init__(self, spec: str, *, model: Any | None = None):
        settings = get_settings()
        self.name = str(parse_spec(spec))
        self.model = model if model is not None else make_chat_model(
            spec, temperature=settings.llm_temperature, timeout=settings.llm_timeout_s)
        if self.model is None:
            raise ValueError("VlmJudge needs a model spec, not 'offline' (use ProxyJudge)")

    def ask(self, key: str, content: list[dict[str, Any]]) -> JudgeScore:
        """One structured request; JudgeError when the model gives up after the retries."""
        result = structured_call(self.model, JudgeScore,
                                 [SystemMessage(prompts.SYSTEM), HumanMessage(content=content)], step=f"{STEP}.{key}")
        if result.value is None:
            raise JudgeError(result.fallback or {"step": f"{STEP}.{key}", "reason": "no result"})
        return result.value

    def request(self, key: str, item: JudgedCreative) -> list[dict[str, Any]]:
        """The content blocks for one criterion of one creative."""
        sections = [viewer_section(item.user) if key in VIEWER_IMAGE_CRITERIA else "",
                    product_section(item.product), script_section(item.plan)]
        if key == "integration":
            sections.append(host_section(item.plan, item.host))
            images = splice_frames(item)
        else:
            images = ad_frames(item.plan, item.ad_path, JUDGE_FRAMES)
        if key == "product_alignment":
            images += product_images(item.product)
        if key in VIEWER_IMAGE_CRITERIA:
            images += viewer_images(item.user)
        return [{"type": "text", "text": prompts.criterion_prompt(key, sections)}, *images]

    def judge(self, item: JudgedCreative) -> dict[str, JudgeScore]:
        return {key: self.ask(key, self.request(key, item)) for key in criteria_for(item.task)}

    def judge_diversity(self, items: Sequence[JudgedCreative]) -> JudgeScore:
        """All of one user's creatives in one request: their scripts and a few frames each."""
        if len(items) < MIN_CREATIVES_FOR_DIVERSITY:
            return single_creative_diversity(self.kind)
        shown = list(items)[:MAX_DIVERSITY_CREATIVES]
        summaries, images = [], []
        for n, it in enumerate(shown, start=1):
            sb = it.plan.storyboard
            scenes = "\n".join(f"  - {s.purpose}: {s.visual} | {s.narration} | {s.on_screen_text}" for s in sb.scenes)
            summaries.append(prompts.DIVERSITY_ITEM.format(number=n, product=it.product.name, hook_type=sb.hook_type,
                                                           narrative_form=sb.narrative_form, template=sb.template,
                                                           scenes=scenes))
            images += ad_frames(it.plan, it.ad_path, DIVERSITY_FRAMES, source=f"Ad {n}")
        text = prompts.criterion_prompt("diversity", [f"{len(shown)} ads made for the same viewer:",
                                                      "\n\n".join(summaries)])
        return self.ask("diversity", [{"type": "text", "text": text}, *images])


__all__ = ["JudgeError", "VlmJudge", "ad_frames", "frame_block_list", "splice_frames", "viewer_section"]
