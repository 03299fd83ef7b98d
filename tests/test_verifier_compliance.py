"""Compliance track: rule packs (English and Chinese), licences, trademarks, AI label, the tool."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tools.compliance.checks import check_compliance as run_checks
from tools.compliance.checks import load_rule_packs, select_packs
from nextads.schemas import HistoryItem, UserData
from tools.compliance import check_compliance
from verifier_fixtures import make_plan, make_product, render_ad, scene

# (pack, English positive, Chinese positive) — each must be caught by that pack.
POSITIVES = [
    ("safety", "Buy guns cheap here", "这里有毒品"),
    ("deceptive_claims", "Guaranteed results, completely risk-free", "保证有效，零风险"),
    ("deceptive_claims", "A miracle with no side effects", "根治痘痘，无副作用"),
    ("deceptive_claims", "The best serum ever", "全网最好的精华"),
    ("privacy", "We know you were searching for this", "我们知道你在找这个"),
    ("privacy", "Managing your diabetes is hard", "你的糖尿病需要照顾"),
    ("privacy", "Struggling with your debt?", "你最近欠债了吗"),
    ("fairness", "Women can't handle tech", "女人就该待在家里"),
    ("fairness", "Too old to learn new tricks", "老年人不会用手机"),
    ("rights", "As seen on TV, endorsed by celebrities", "明星同款精华"),
]
CLEAN = [
    "Dry skin after a long day? Luma Glow hydrates skin for 24 hours.",
    "Lightweight texture that absorbs fast. Shop now.",
    "长时间工作后皮肤干燥？试试轻盈水润的精华。第一次用就爱上",
    "Try your best routine this week.",
]


def plan_with_text(text: str, **kw):
    scenes = [
        scene(0, 0.0, 3.0, "hook", narration="Long day?", refs=["hero"]),
        scene(1, 3.0, 3.0, "body", text=text, refs=["hero"]),
    ]
    return make_plan(scenes=scenes, **kw)


def failed(findings, check_prefix):
    return [f for f in findings if not f.passed and f.check.startswith(check_prefix)]


def test_rule_packs_are_versioned_data():
    packs = load_rule_packs()
    assert {"safety", "deceptive_claims", "privacy", "fairness", "rights"} <= set(packs)
    for pack in packs.values():
        assert pack.version and pack.rules
        for rule in pack.rules:
            assert rule.id and rule.version and rule.severity in {"minor", "major", "critical"}


@pytest.mark.parametrize(("pack", "english", "chinese"), POSITIVES)
def test_each_pack_catches_english_and_chinese(tmp_path, pack, english, chinese):
    product = make_product(tmp_path)
    for text in (english, chinese):
        findings = run_checks(plan_with_text(text), product)
        hits = failed(findings, f"compliance.{pack}")
        assert hits, f"{pack} missed: {text}"
        ev = hits[0].evidence[0]
        assert ev.scene_index == 1 and (ev.start_s, ev.end_s) == (3.0, 6.0)
        assert ev.text and ev.text.casefold() in text.casefold()


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_passes_every_pack(tmp_path, text):
    findings = run_checks(plan_with_text(text), make_product(tmp_path))
    assert not [f for f in findings if not f.passed], [f.message for f in findings if not f.passed]


def test_superlative_is_allowed_when_a_fact_supports_it(tmp_path):
    product = make_product(tmp_path)
    assert failed(run_checks(plan_with_text("The #1 serum of 2025"), product), "compliance.deceptive_claims")
    product.facts["award"] = "#1 serum of 2025 (Beauty Awards)"
    assert not failed(run_checks(plan_with_text("The #1 serum of 2025"), product), "compliance.deceptive_claims")


def test_policies_select_packs():
    only_privacy, unknown = select_packs(["privacy", "no-such-pack"])
    assert [p.name for p in only_privacy] == ["privacy"] and unknown == ["no-such-pack"]
    assert len(select_packs(["default"])[0]) == len(load_rule_packs())


def test_privacy_policy_alone_ignores_superlatives(tmp_path):
    findings = run_checks(plan_with_text("The best serum", policies=["privacy"]), make_product(tmp_path))
    assert not failed(findings, "compliance.deceptive_claims")


def test_expired_licence_is_critical_with_scene_evidence(tmp_path):
    product = make_product(tmp_path, expires=date(2026, 1, 31))  # serve date is 2026-06-01
    findings = run_checks(plan_with_text("Glow every day"), product)
    lic = failed(findings, "compliance.rights.licence")
    assert len(lic) == 1 and lic[0].severity == "critical"
    assert "expired" in lic[0].message
    assert {e.scene_index for e in lic[0].evidence} == {0, 1}
    assert all(e.asset_id == "hero" for e in lic[0].evidence)


def test_licence_for_other_platform_and_unknown_asset(tmp_path):
    product = make_product(tmp_path)
    product.asset("hero").license.platforms = ["tv"]
    plan = make_plan(scenes=[scene(0, 0.0, 6.0, "hook", refs=["hero", "ghost", "collage", "cue:1"])])
    lic = failed(run_checks(plan, product), "compliance.rights.licence")
    by_asset = {f.evidence[0].asset_id: f.severity for f in lic}
    assert by_asset == {"hero": "critical", "ghost": "major"}


def test_competitor_and_known_brand_found_but_not_own_brand(tmp_path):
    product = make_product(tmp_path)
    hits = failed(run_checks(plan_with_text("Better than GlowCo, loved more than Starbucks"), product),
                  "compliance.rights.trademark")
    assert {f.evidence[0].text for f in hits} == {"GlowCo", "Starbucks"}
    assert all(f.severity == "major" and f.evidence[0].scene_index == 1 for f in hits)
    assert not failed(run_checks(plan_with_text("Luma Glow, by Luma"), product), "compliance.rights.trademark")
    assert failed(run_checks(plan_with_text("比星巴克更提神"), product), "compliance.rights.trademark")


def test_unlicensed_voice_and_history_echo(tmp_path):
    product = make_product(tmp_path)
    plan = plan_with_text("Morning skincare routine for busy people")
    user = UserData(user_id="u1", history=[HistoryItem(id="n1", title="Morning skincare routine")])
    findings = run_checks(plan, product, narration="cloned-celebrity", user=user)
    assert failed(findings, "compliance.rights.audio")
    echo = failed(findings, "compliance.privacy.history")
    assert echo and echo[0].evidence[0].scene_index == 1


def test_ai_label_metadata_and_visibility(tmp_path):
    product = make_product(tmp_path)
    plan = make_plan()
    good = render_ad(tmp_path, product, name="good.mp4")
    assert not failed(run_checks(plan, product, video_path=good.video_path), "compliance.label")
    no_pill = render_ad(tmp_path, product, label=False, name="nopill.mp4")
    f = failed(run_checks(plan, product, video_path=no_pill.video_path), "compliance.label")
    assert f and "visible" in f[0].message
    no_tag = render_ad(tmp_path, product, tag=False, name="notag.mp4")
    f = failed(run_checks(plan, product, video_path=no_tag.video_path), "compliance.label")
    assert f and "metadata" in f[0].message


def test_tool_invoke_with_paths_and_dicts(tmp_path):
    product = make_product(tmp_path)
    plan = plan_with_text("Guaranteed glow")
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan.model_dump(mode="json")))
    product_path = tmp_path / "product.json"
    data = product.model_dump(mode="json")
    for a in data["assets"]:
        a["path"] = a["path"].rsplit("/", 1)[-1]  # relative to the product file
    product_path.write_text(json.dumps(data))
    out = check_compliance.invoke({"plan": str(plan_path), "product": str(product_path)})
    assert isinstance(out, list) and all(isinstance(f, dict) for f in out)
    bad = [f for f in out if not f["passed"]]
    assert [f["check"] for f in bad] == ["compliance.deceptive_claims"]
    assert bad[0]["evidence"][0]["text"].lower() == "guaranteed"
    again = check_compliance.invoke({"plan": plan.model_dump(mode="json"), "product": product.model_dump(mode="json")})
    assert [f["check"] for f in again if not f["passed"]] == ["compliance.deceptive_claims"]
