"""The campaign graph (graphs/campaign.py): one impression per step, the creative loop as a
subgraph, consistency across impressions, resume after a kill, skip → hook-only edit.

Tiny contexts (144x256, 8 fps, 6–8 s) keep the rendering fast; the plan-only simulation
(simulate_campaign) covers ten impressions per policy without rendering.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.campaign import STAGES, TONE_LADDER, interest_level, next_stage
from graphs.campaign import build_campaign_graph, campaign_inputs, drive, simulate_campaign
from memory import users as user_memory
from memory.persistence import open_checkpointer, open_store
from nextads.catalog import demo_products, demo_users
from nextads.schemas import Creative, CreativePlan, ServingContext
from nextads.settings import Settings

CONTEXT = ServingContext(duration_s=6.0, resolution=(144, 256), fps=8)
# 8 s: a 3 s hook scene, so the 0–3 s hook rewrite is exactly one scene.
HOOK_CONTEXT = ServingContext(duration_s=8.0, resolution=(144, 256), fps=8)


@pytest.fixture(scope="module")
def pair():
    user = next(u for u in demo_users() if u.user_id == "maya")
    product = next(p for p in demo_products() if p.product_id == "summitra-tent")
    return user, product


@pytest.fixture
def settings(tmp_path):
    return Settings(state_dir=tmp_path / "state")


def _assert_consistent(history: list[dict]) -> None:
    """No claim the viewer saw is stated again next time; tone moves one ladder step at most;
    stages follow the escalation rule on the engagement so far."""
    assert history[0]["stage"] == STAGES[0]
    for k, (before, after) in enumerate(zip(history, history[1:]), start=1):
        assert not set(before["delivered_claims"]) & set(after["claims"]), (k, before["delivered_claims"])
        assert abs(TONE_LADDER.index(before["template"]) - TONE_LADDER.index(after["template"])) <= 1
        earlier = history[:k]
        interest = interest_level(earlier)
        assert after["stage"] == next_stage(earlier, interest=0.0 if interest is None else interest)
        assert abs(STAGES.index(after["stage"]) - STAGES.index(before["stage"])) <= 1


@pytest.mark.parametrize("policy", ["thompson", "random"])
def test_ten_planned_impressions_keep_the_rules(pair, policy):
    user, product = pair
    for seed in (0, 1, 2):
        history = simulate_campaign(user, product, ServingContext(duration_s=15.0), impressions=10,
                                    policy=policy, seed=seed)
        assert [r["impression"] for r in history] == list(range(1, 11))
        _assert_consistent(history)


def test_stages_escalate_with_interest_and_fall_back_after_disengagement(pair):
    user, product = pair
    stages = []
    for seed in range(6):
        history = simulate_campaign(user, product, ServingContext(duration_s=15.0), impressions=10,
                                    policy="thompson", seed=seed)
        stages += [(a["stage"], b["stage"]) for a, b in zip(history, history[1:])]
    moves = {STAGES.index(b) - STAGES.index(a) for a, b in stages}
    assert moves <= {-1, 0, 1} and 1 in moves  # escalates, never skips a stage


def test_rendered_campaign_serves_verified_creatives_without_repeating_claims(pair, settings, tmp_path):
    user, product = pair
    with open_checkpointer(settings) as saver, open_store(settings) as store:
        graph = build_campaign_graph(saver, store)
        inputs = campaign_inputs(user, product, CONTEXT, campaign_id="c-rules", campaign_dir=tmp_path / "c",
                                 impressions=3, simulate=True, seed=1)
        values, pending = drive(graph, inputs, "c-rules")
        assert pending is None
        history = values["history"]
        assert [r["impression"] for r in history] == [1, 2, 3]
        _assert_consistent(history)
        assert history[0]["intervention"]["action"] == "regenerate"
        for r in history:
            assert r["verdict"]["compliance_passed"] and Path(r["video_path"]).is_file()
            assert CreativePlan.model_validate(r["plan"]).brief.stage == r["stage"]
        # Memory: every impression, feedback event and the delivery are in the Store.
        recorded = user_memory.impressions(store, user.user_id, campaign_id="c-rules")
        assert [r["impression"] for r in recorded] == [1, 2, 3]
        assert {f.impression_id for f in user_memory.feedback_events(store, user.user_id)} >= {
            f"{user.user_id}:{product.product_id}:{k}" for k in (1, 2, 3)}
        assert user_memory.deliveries(store, user.user_id, product.product_id)
        assert user_memory.load_profile(store, user.user_id) is not None


def test_a_killed_campaign_resumes_at_the_next_impression(pair, settings, tmp_path):
    user, product = pair
    inputs = campaign_inputs(user, product, CONTEXT, campaign_id="c-kill", campaign_dir=tmp_path / "c",
                             impressions=3, simulate=True, seed=2)
    config = {"configurable": {"thread_id": "c-kill"}, "recursion_limit": 1000}
    with open_checkpointer(settings) as saver, open_store(settings) as store:
        graph = build_campaign_graph(saver, store)
        for update in graph.stream(inputs, config, stream_mode="updates"):
            if "update_memory" in update and update["update_memory"]["history"][-1]["impression"] == 2:
                break  # the process dies here, between impressions 2 and 3
        first_two = [r["impression"] for r in graph.get_state(config).values["history"]]
    assert first_two == [1, 2]
    # A new process: fresh connections, the same thread id.
    with open_checkpointer(settings) as saver, open_store(settings) as store:
        graph = build_campaign_graph(saver, store)
        values, pending = drive(graph, None, "c-kill")
    assert pending is None
    assert [r["impression"] for r in values["history"]] == [1, 2, 3]
    assert (tmp_path / "c" / "impression_3" / "final.mp4").is_file()
    with pytest.raises(KeyError):
        with open_checkpointer(settings) as saver, open_store(settings) as store:
            drive(build_campaign_graph(saver, store), None, "no-such-campaign")


def test_skip_in_the_hook_edits_only_the_hook(pair, settings, tmp_path):
    user, product = pair
    with open_checkpointer(settings) as saver, open_store(settings) as store:
        graph = build_campaign_graph(saver, store)
        # The static policy asks for the same creative again, so only the feedback changes it.
        inputs = campaign_inputs(user, product, HOOK_CONTEXT, campaign_id="c-skip", campaign_dir=tmp_path / "c",
                                 impressions=2, simulate=False, seed=0, policy="static")
        values, pending = drive(graph, inputs, "c-skip")
        assert pending is not None and pending["impression"] == 1
        values, pending = drive(graph, None, "c-skip", resume={"watch_time_s": 2.8, "skip_time_s": 2.8})
        assert pending is not None and pending["impression"] == 2  # waits for impression 2's feedback
        first = values["history"][0]
        assert first["engagement"] < 0.3
        hook_directive = first["reflection"][0]
        assert hook_directive["time_range"] == [0.0, 3.0] and 0 < hook_directive["confidence"] < 1
        assert values["intervention"]["action"] == "edit", values["intervention"]
        before = CreativePlan.model_validate(first["plan"]).storyboard
        after = CreativePlan.model_validate(values["served"]["plan"]).storyboard
        hook = [s.index for s in before.scenes if s.purpose == "hook"]
        assert hook == [0] and before.scenes[0].end_s == pytest.approx(3.0)
        assert after.hook_type != before.hook_type and after.scenes[1:] == before.scenes[1:]
        creative = Creative.model_validate(values["served"]["creative"])
        # Re-rendered: the hook, and the next scene only when its transition blends from the hook.
        blends = [1] if after.scenes[1].transition != "cut" else []
        assert creative.rerendered and set(creative.rerendered) <= {*hook, *blends}
        assert 0 in creative.rerendered and len(creative.rerendered) < len(after.scenes)


def test_cli_campaign_writes_impressions_summary_and_plot(tmp_path, monkeypatch, capsys):
    import json

    from PIL import Image

    from nextads import settings as nextads_settings
    from nextads.cli import main

    monkeypatch.setenv("NEXTADS_STATE_DIR", str(tmp_path / "state"))
    nextads_settings.get_settings.cache_clear()
    try:
        context = tmp_path / "context.json"
        context.write_text(json.dumps({"duration_s": 6, "resolution": [144, 256], "fps": 8}))
        out = tmp_path / "out"
        code = main(["campaign", "--user", "demo:maya", "--product", "demo:summitra-tent", "--impressions", "2",
                     "--simulate", "--seed", "4", "--context", str(context), "--out", str(out)])
    finally:
        nextads_settings.get_settings.cache_clear()
    assert code == 0
    for k in (1, 2):
        folder = out / f"impression_{k}"
        assert {p.name for p in folder.iterdir()} == {"plan.json", "creative.mp4", "verdict.json", "feedback.json"}
    summary = json.loads((out / "campaign.json").read_text())
    assert summary["stages"][0] == "hook" and len(summary["engagement"]) == 2
    assert set(summary["baselines"]) == {"static creative", "random exploration"}
    assert all(len(v) == 2 for v in summary["baselines"].values())
    assert Image.open(out / "engagement.png").size == (720, 420)
    assert "campaign.json" in capsys.readouterr().out


def test_a_failed_regeneration_never_serves_the_claims_just_seen_again(pair):
    """When the regenerated creative is not finalized, the one served before is shown again
    only if it would not restate a claim the viewer just saw; otherwise the impression is
    left unserved (recorded with its reason) and the campaign goes on."""
    from graphs.campaign import route_served, serve, skip_impression, stated_claims

    user, product = pair
    history = simulate_campaign(user, product, CONTEXT, impressions=1, policy="thompson", seed=3)
    plan = CreativePlan.model_validate(history[0]["plan"])
    claims = stated_claims(plan)
    assert claims
    previous = {"impression": 1, "plan": history[0]["plan"], "creative": {}, "verdict": {}, "video_path": "x.mp4"}
    failed = {"finalized": False, "reason": "no creative passed compliance within the round budget"}
    base = {"impression": 2, "served": previous, "history": history, "outcome": failed,
            "intervention": {"action": "regenerate", "cost": 1.0, "reason": "claims"}}

    state = {**base, "brief": {"impression": 2, "avoid_claims": claims[:1]}}
    update = serve(state)
    assert "served" not in update and update["skipped"][0]["impression"] == 2
    assert claims[0] in update["skipped"][0]["reason"]
    assert route_served({**state, **update}) == "skip_impression"
    assert skip_impression(state) == {"impression": 3}

    ok = {**base, "brief": {"impression": 2, "avoid_claims": ["a claim it never stated"]}}
    update = serve(ok)
    assert update["served"]["impression"] == 2 and "previous creative" in update["served"]["source"]
    assert route_served({**ok, **update}) == "observe"
    assert route_served({**ok, "served": None, "history": []}) == "__end__"  # nothing to show at all
