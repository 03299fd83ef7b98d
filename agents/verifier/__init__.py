"""The Verifier: utility and compliance checks of a creative, and the decision.

``verify(plan, creative, product, user) -> Verdict``. Every check returns a
:class:`~nextads.schemas.Finding` with localized evidence (scene index, time range, the
offending text or asset id); scores ("MS*", "DD*", "IQ*", "AQ*", "quality",
"personalization", "product_alignment", "context_alignment", "utility") go into
``Verdict.scores``. See ``utility.py``, ``compliance.py`` and ``decision.py``.

PCI creatives (``plan.task == "pci"`` with ``creative.integrated`` set) also get the
integration-quality checks of ``integration.py`` (continuity at both joins, theme,
disruption); their mean score is the ``integration`` utility component.

When ``settings.llm`` names a model, a VLM's judged checks (``llm.py``: personalization,
product identity and brand elements, context fit, compliance concerns seen in the frames)
are *added* to the measured ones and the same decision applies; the measured checks and
the offline compliance checks always run. If the model gives up, the verdict rests on the
measured checks alone and ``Verdict.fallbacks`` records why.
"""

from __future__ import annotations

from nextads.schemas import Creative, CreativePlan, Finding, Product, UserData, Verdict
from nextads.settings import get_settings
from tools.compliance import check_compliance
from tools.compliance.checks import LABEL_MAX_SIDE
from tools.media.probe import VideoInfo, decoded_once, probe
from tools.quality import measure_clips

from agents import llm_dispatch
from agents.verifier import llm as verifier_llm
from agents.verifier.decision import make_verdict
from agents.verifier.integration import check_integration
from agents.verifier.utility import PALETTE_MAX_SIDE, VISIBILITY_MAX_SIDE, evaluate_utility, scene_spans

__all__ = ["verify"]


def _compliance_findings(plan: CreativePlan, creative: Creative, product: Product,
                         user: UserData | None, video_path: str | None) -> list[Finding]:
    """Compliance through the ``check_compliance`` tool (the same path an LLM agent uses)."""
    raw = check_compliance.invoke({
        "plan": plan.model_dump(mode="json"),
        "product": product.model_dump(mode="json"),
        "video_path": video_path,
        "narration": creative.narration,
        "label": creative.label,
        "user": user.model_dump(mode="json") if user is not None else None,
    })
    return [Finding.model_validate(f) for f in raw]


def verify(plan: CreativePlan, creative: Creative, product: Product, user: UserData | None = None) -> Verdict:
    """Check a rendered creative against its plan, product and user; decide what to do."""
    generic = plan.generic or plan.match.generic or plan.profile.generic
    try:
        info = probe(creative.video_path)
    except (OSError, ValueError) as exc:
        unreadable = Finding(check="utility.video", track="utility", passed=False, severity="critical",
                             score=0.0, message=f"cannot read the creative video: {exc}")
        findings = [unreadable, *_compliance_findings(plan, creative, product, user, None)]
        return make_verdict(findings, {}, generic=generic)
    spans = scene_spans(plan, creative)
    # Every check below samples this one short video (clips, scene and end-card frames,
    # palette, label): decode it once per size instead of once per sample.
    sizes = (get_settings().quality_max_side, VISIBILITY_MAX_SIDE, PALETTE_MAX_SIDE, LABEL_MAX_SIDE)
    with decoded_once(creative.video_path, info, sizes):
        clips = measure_clips(creative.video_path, spans, info=info)
        report = evaluate_utility(plan, creative, product, info=info, clips=clips)
        if plan.task == "pci" and creative.integrated is not None:
            integration_findings, integration_scores = check_integration(plan, creative, product)
            report.findings += integration_findings
            report.scores.update(integration_scores)
        findings = report.findings + _compliance_findings(plan, creative, product, user, creative.video_path)
        judged, fallbacks = _judged_checks(plan, creative, product, spans, info)
    if judged is None:
        return make_verdict(findings, report.scores, generic=generic).model_copy(update={"fallbacks": fallbacks})
    scores = verifier_llm.merge_scores(report.scores, judged.scores, get_settings().verifier_judged_weight)
    return make_verdict(findings + judged.findings, scores, generic=generic, source=verifier_llm.SOURCE)


def _no_judgement(*args: object, **kwargs: object) -> None:
    """The offline side of the judged checks: none (the measured checks stand alone)."""
    return None


def _judged_checks(plan: CreativePlan, creative: Creative, product: Product, spans: list[tuple[float, float]],
                   info: VideoInfo) -> tuple[verifier_llm.Judgement | None, list[dict]]:
    """The VLM's judged checks when ``settings.llm`` names a model (the Verifier's judge in the
    loop; ``settings.judge`` is the independent benchmark judge); None offline or on give-up."""
    return llm_dispatch.run_step(verifier_llm.STEP, verifier_llm.judge, _no_judgement,
                                 plan, creative, product, spans=spans, info=info)
