"""Chat-style plan review (issue 7): the offline edit parser, applying and re-validating edits,
and a scripted `nextads review` session driven through stdin that quits, resumes on a fresh
graph over the same SQLite checkpointer, and approves into a finished creative."""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

import pytest

from agents.editor.apply import apply_edits, fit_durations, validate_plan
from agents.editor.parser import LAST_SCENE, parse_edit
from nextads.catalog import get_demo_product, get_demo_user
from nextads.schemas import ServingContext

START = {"duration_s": 8, "resolution": [144, 256], "fps": 8}  # the review shortens it to 6 s


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    from nextads import settings

    monkeypatch.setenv("NEXTADS_STATE_DIR", str(tmp_path / "state"))
    settings.get_settings.cache_clear()
    yield tmp_path / "state"
    settings.get_settings.cache_clear()


@pytest.fixture(scope="module")
def product():
    return get_demo_product("summitra-tent")


@pytest.fixture(scope="module")
def plan(product):
    """The Director's plan for a small 8 s ad (maya + the tent)."""
    from graphs.director import build_director
    from graphs.state import plan_of

    user = get_demo_user("maya")
    with tempfile.TemporaryDirectory() as work:
        state = {"task": "pcg", "user": user.model_dump(mode="json"), "product": product.model_dump(mode="json"),
                 "context": ServingContext(**START).model_dump(mode="json"), "work_dir": work, "max_rounds": 0,
                 "generic": False}
        yield plan_of({**state, **build_director().invoke(state)})


def _edit(plan, product, text):
    request = parse_edit(text)
    assert request.understood, text
    return apply_edits(plan, request.intents, product)


# --------------------------------------------------------------------------- the parser


@pytest.mark.parametrize("text, kind, fields", [
    ("10 seconds instead of 15", "duration", {"seconds": 10.0}),
    ("shorten it from 15 to 12 s", "duration", {"seconds": 12.0}),
    ("drop scene 3", "remove_scene", {"scene": 3}),
    ("remove the last scene", "remove_scene", {"scene": LAST_SCENE}),
    ("move scene 2 before scene 1", "reorder", {"scene": 2, "other_scene": 1, "position": "before"}),
    ("swap scenes 1 and 2", "reorder", {"scene": 1, "other_scene": 2, "position": "swap"}),
    ("add a scene about the warranty after scene 1", "insert_scene",
     {"topic": "warranty", "position": "after", "other_scene": 1}),
    ("calmer tone", "tone", {"tone": "calm"}),
    ("more energetic", "tone", {"tone": "energetic"}),
    ("make the hook a question", "hook", {"hook_type": "question", "topic": None}),
    ("make the hook about winter hiking", "hook", {"topic": "winter hiking"}),
    ("use the blue palette", "palette", {"palette": "blue"}),
    ("don't mention price", "exclude_facet", {"topic": "price"}),
    ("mention the battery", "include_facet", {"topic": "battery"}),
    ("scene 2 narration: Pitch it in three minutes; done.", "replace_text",
     {"scene": 2, "field": "narration", "text": "Pitch it in three minutes; done."}),
    ("scene 1 text: Ready?", "replace_text", {"scene": 1, "field": "on_screen_text", "text": "Ready?"}),
    ("approve", "approve", {}), ("undo", "undo", {}), ("show", "show", {}), ("quit", "quit", {}),
])
def test_parser_reads_each_kind_of_edit(text, kind, fields):
    request = parse_edit(text)
    assert request.understood and len(request.intents) == 1
    intent = request.intents[0]
    assert intent.kind == kind
    for name, value in fields.items():
        assert getattr(intent, name) == value, (text, name)


def test_parser_splits_edits_and_admits_what_it_does_not_understand():
    request = parse_edit("drop scene 3; calmer tone")
    assert [i.kind for i in request.intents] == ["remove_scene", "tone"]
    unknown = parse_edit("make it pop somehow")
    assert not unknown.understood and unknown.not_understood == ["make it pop somehow"]


# --------------------------------------------------------------------------- applying edits


def _timeline_ok(plan):
    scenes = plan.storyboard.scenes
    assert [s.index for s in scenes] == list(range(len(scenes)))
    assert abs(sum(s.duration_s for s in scenes) - plan.context.duration_s) < 1e-6
    assert plan.storyboard.target_duration_s == plan.context.duration_s
    assert [b.scene_index for b in plan.grounding.bindings] == list(range(len(scenes)))


def test_structural_edits_keep_a_valid_timeline(plan, product):
    n = len(plan.storyboard.scenes)
    removed = _edit(plan, product, f"drop scene {n - 1}")
    assert removed.applied and len(removed.plan.storyboard.scenes) == n - 1
    _timeline_ok(removed.plan)

    first, second = plan.storyboard.scenes[0], plan.storyboard.scenes[1]
    swapped = _edit(plan, product, "swap scenes 1 and 2")
    assert [s.narration for s in swapped.plan.storyboard.scenes[:2]] == [second.narration, first.narration]
    _timeline_ok(swapped.plan)

    inserted = _edit(plan, product, "add a scene about the warranty")
    assert inserted.applied
    new = [s for s in inserted.plan.storyboard.scenes if "warranty" in s.claims]
    assert new and "lifetime on poles" in new[0].narration  # the verified fact, verbatim
    _timeline_ok(inserted.plan)

    longer = _edit(plan, product, "12 seconds instead of 8")
    assert longer.applied and longer.plan.context.duration_s == 12
    assert len(longer.plan.storyboard.scenes) > n  # filled with scenes stating unused verified claims
    _timeline_ok(longer.plan)
    assert not validate_plan(longer.plan, product)


def test_copy_edits_change_the_plan_and_pass_its_checks(plan, product):
    hook = _edit(plan, product, "make the hook about winter hiking")
    assert hook.applied and "winter hiking" in hook.plan.storyboard.scenes[0].narration.lower()
    question = _edit(plan, product, "make the hook a question")
    assert question.applied and question.plan.storyboard.hook_type == "question"
    assert "?" in question.plan.storyboard.scenes[0].narration

    stated = {c for s in plan.storyboard.scenes for c in s.claims}
    assert any("waterproof" in c for c in stated)
    excluded = _edit(plan, product, "don't mention waterproofing")
    assert excluded.applied and "waterproofing" in excluded.exclude_facets
    for s in excluded.plan.storyboard.scenes:
        assert "waterproof" not in f"{s.narration} {s.on_screen_text} {s.claims}".lower()

    price = _edit(plan, product, "mention the price")
    assert price.applied and any("$349" in s.narration for s in price.plan.storyboard.scenes)

    blue = _edit(plan, product, "use the blue palette")
    assert blue.applied and blue.plan.grounding.palette != plan.grounding.palette
    assert blue.plan.profile.visual.warmth == "cool"
    assert blue.plan.grounding.palette[0] == plan.grounding.palette[0]  # the brand accent stays

    energetic = _edit(plan, product, "more energetic")
    assert energetic.plan.profile.style.tone == "energetic" and energetic.plan.storyboard.template == "energetic"
    for result in (hook, question, excluded, price, blue, energetic):
        assert not validate_plan(result.plan, product)
        _timeline_ok(result.plan)


@pytest.mark.parametrize("text, reason", [
    ("scene 2 narration: Stays dry for 99 hours in any storm.", "99 hours"),
    ("scene 1 text: The best tent in the world", "best"),
    ("mention solar charging", "not a verified fact"),
    ("drop scene 9", "no scene 9"),
])
def test_an_edit_that_would_add_an_unverified_claim_is_refused_and_changes_nothing(plan, product, text, reason):
    result = _edit(plan, product, text)
    assert not result.applied
    assert reason in " ".join(result.messages)
    assert result.plan.digest() == plan.digest()


def test_one_refused_edit_refuses_the_whole_message(plan, product):
    result = apply_edits(plan, parse_edit("calmer tone; scene 2 narration: Weighs 0.2 kg").intents, product)
    assert not result.applied and result.plan.digest() == plan.digest()


def test_fit_durations_refuses_what_cannot_fit():
    assert fit_durations(3, 6.0) == [2.0, 2.0, 2.0]
    assert sum(fit_durations(4, 9.0)) == pytest.approx(9.0)
    from agents.editor.apply import EditRefused

    with pytest.raises(EditRefused, match="at least"):
        fit_durations(5, 6.0)


# --------------------------------------------------------------------------- a scripted session


def _review(argv, stdin_lines, monkeypatch, capsys):
    from nextads.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in stdin_lines)))
    code = main(["review", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_scripted_review_session_quits_resumes_and_approves(state_dir, tmp_path, monkeypatch, capsys):
    context = tmp_path / "context.json"
    context.write_text(json.dumps(START))
    out = tmp_path / "out"
    session_one = [
        "make the hook a question",          # hook
        "calmer tone",                       # tone
        "use the blue palette",              # palette
        "add a scene about the warranty",    # insert
        "don't mention waterproofing",       # facet exclude
        "move scene 3 before scene 2",       # reorder
        "scene 2 narration: Stays dry for 99 hours in any storm.",  # unverified claim: refused
        "make it pop somehow",               # not understood
        "quit",
    ]
    code, stdout, err = _review(["--user", "demo:maya", "--product", "demo:summitra-tent", "--context", str(context),
                                 "--thread", "rv1", "--out", str(out), "--max-rounds", "1"], session_one,
                                monkeypatch, capsys)
    assert code == 0, err
    assert "paused" in err and not out.exists()
    # The plan was shown first and again after each of the eight messages, re-validated.
    assert stdout.count("Storyboard —") == len(session_one)
    for reply in ("question hook", "Tone is now calm", "Palette is now blue", "Added scene",
                  "no longer mentioned", "Moved scene 3 before scene 2"):
        assert reply in stdout, reply
    assert 'Refused: the edited plan would not pass its checks, nothing changed: unverified claim: "99 hours"' in stdout
    assert "did not understand" in stdout

    # New process state: a fresh graph on the same SQLite checkpointer sees the edited plan.
    from graphs.review import build_review_graph, pending_review
    from graphs.state import plan_of
    from memory.persistence import open_checkpointer

    config = {"configurable": {"thread_id": "rv1"}}
    with open_checkpointer() as saver:
        graph = build_review_graph(checkpointer=saver)
        values = graph.get_state(config).values
        assert pending_review(graph, config) is not None  # waiting at the review
    paused = plan_of(values)
    assert paused.storyboard.hook_type == "question" and paused.profile.style.tone == "calm"
    assert len(paused.storyboard.scenes) == 4
    assert not any("waterproof" in f"{s.narration} {s.claims}".lower() for s in paused.storyboard.scenes)
    assert [e["applied"] for e in values["review_log"]] == [True] * 6 + [False, False]

    session_two = ["show", "6 seconds instead of 8", "scene 1 text: Camp season again?", "undo", "approve"]
    code, stdout, err = _review(["--thread", "rv1", "--out", str(out)], session_two, monkeypatch, capsys)
    assert code == 0, err
    assert "Edit history" in stdout and "make the hook a question" in stdout  # the history survived
    assert "The ad is now 6 s" in stdout and "Undid the last edit" in stdout
    assert (out / "creative.mp4").exists()
    record = json.loads((out / "run.json").read_text())
    assert record["finalized"] and record["resumed"]
    assert len(record["review_log"]) == len(session_one) - 1 + len(session_two)
    final = json.loads((out / "plan.json").read_text())
    board = final["storyboard"]
    assert final["context"]["duration_s"] == 6 and board["target_duration_s"] == 6
    assert board["hook_type"] == "question" and board["template"] == "calm"
    assert all(s["on_screen_text"] != "Camp season again?" for s in board["scenes"])  # undone
    assert final["profile"]["visual"]["warmth"] == "cool"
    assert not any("waterproof" in s["narration"].lower() for s in board["scenes"])

    from tools.media.probe import probe

    info = probe(out / "creative.mp4")
    assert (info.width, info.height) == (144, 256) and info.duration_s == pytest.approx(6.0, abs=0.3)


def test_review_graph_resumes_with_commands(state_dir, tmp_path):
    """The graph API: interrupt → Command(resume=...) per message; undo restores the plan."""
    from langgraph.types import Command

    from graphs.review import build_review_graph, pending_review
    from graphs.runner import creative_inputs
    from memory.persistence import open_checkpointer

    inputs = creative_inputs("pcg", get_demo_user("maya"), get_demo_product("summitra-tent"),
                             ServingContext(**START), thread_id="rv2", max_rounds=0)
    config = {"configurable": {"thread_id": "rv2"}}
    with open_checkpointer() as saver:
        graph = build_review_graph(checkpointer=saver)
        graph.invoke(inputs, config)
        first = pending_review(graph, config)
        assert first["plan_text"].count("\n") > 5 and not first["can_undo"]
        graph.invoke(Command(resume="drop scene 2"), config)
        dropped = pending_review(graph, config)
        assert dropped["reply"].startswith("Removed scene 2") and dropped["digest"] != first["digest"]
        graph.invoke(Command(resume="undo"), config)
        assert pending_review(graph, config)["digest"] == first["digest"]
        graph.invoke(Command(resume="quit"), config)  # the graph itself keeps waiting
        assert pending_review(graph, config)["reply"].startswith("Paused")


# --------------------------------------------------------------------------- the LLM edit


@pytest.fixture
def llm(monkeypatch):
    """An LLM configured (a fake tool-calling model); returns a setter for its replies."""
    sys.path.insert(0, str(Path(__file__).parent))
    from providers_fixtures import FakeToolChatModel

    from agents import llm_dispatch
    from nextads.settings import get_settings

    monkeypatch.setenv("NEXTADS_LLM", "openai:gpt-4o")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("NEXTADS_LLM_RETRIES", "0")
    monkeypatch.setenv("NEXTADS_LLM_BACKOFF_S", "0")
    get_settings.cache_clear()

    def use(*replies):
        model = FakeToolChatModel(responses=list(replies))
        model.seen = []
        monkeypatch.setattr(llm_dispatch, "chat_model_for", lambda spec: model)
        return model

    yield use
    get_settings.cache_clear()


def test_llm_edit_gives_intents_and_falls_back_to_the_parser(llm, plan, product):
    from langchain_core.messages import AIMessage

    from agents.editor.llm import interpret_edit
    from providers_fixtures import tool_reply

    model = llm(tool_reply("EditRequest", {"intents": [{"kind": "remove_scene", "scene": 2},
                                                       {"kind": "tone", "tone": "playful"}]}))
    request, fallbacks = interpret_edit("lose the second shot and lighten it up", plan, product)
    assert not fallbacks and [(i.kind, i.source) for i in request.intents] == [("remove_scene", "llm"), ("tone", "llm")]
    prompt = model.seen[0][-1].content
    assert "lose the second shot" in prompt and "3,000 mm waterproof fly" in prompt  # message and facets

    llm(AIMessage(content="I would rather chat."))  # no structured reply: the offline parser runs
    request, fallbacks = interpret_edit("drop scene 2", plan, product)
    assert [i.kind for i in request.intents] == ["remove_scene"] and request.intents[0].source == "offline"
    assert fallbacks and fallbacks[0]["step"] == "edit_plan" and fallbacks[0]["fallback"] == "offline"

    request, fallbacks = interpret_edit("approve", plan, product)  # commands never need the model
    assert [i.kind for i in request.intents] == ["approve"] and not fallbacks


def test_pci_edits_keep_the_host_frame_scenes(tmp_path, product):
    """An integrated segment opens on and returns to the host frame: edits keep those scenes."""
    sys.path.insert(0, str(Path(__file__).parent))
    from host_fixtures import make_host_video

    from graphs.director import build_director
    from graphs.state import plan_of

    host = make_host_video(tmp_path / "host.mp4", size=(320, 180), fps=8,
                           shots=((3.0, "calm"), (2.0, "busy"), (3.0, "calm")))
    phone = get_demo_product("aurora-phone")
    state = {"task": "pci", "user": get_demo_user("jordan").model_dump(mode="json"),
             "product": phone.model_dump(mode="json"),
             "context": ServingContext(duration_s=6, fps=8).model_dump(mode="json"), "work_dir": str(tmp_path / "w"),
             "max_rounds": 0, "generic": False, "host_video": str(host), "host_title": "gameplay"}
    pci = plan_of({**state, **build_director().invoke(state)})
    for text in ("drop scene 1", "drop the last scene", "move scene 2 before scene 1", "scene 3 text: Hi"):
        refused = _edit(pci, phone, text)
        assert not refused.applied and "host" in refused.messages[0] and refused.plan.digest() == pci.digest()
    longer = _edit(pci, phone, "8 seconds instead of 6")
    assert longer.applied
    scenes = longer.plan.storyboard.scenes
    assert len(scenes) == len(pci.storyboard.scenes) + 1
    assert scenes[0].asset_refs[0] == "host:start" and scenes[-1].asset_refs == ["host:start"]
    assert not scenes[-1].narration and not longer.plan.storyboard.cta
    _timeline_ok(longer.plan)


def test_revision_rounds_after_approval_reach_run_json(state_dir, tmp_path, monkeypatch, capsys):
    """The embedded creative loop hands back its rounds and candidates: a revised first round
    after `approve` shows in run.json as it does for `nextads pcg`."""
    from verifier_fixtures import revise_first_round

    revise_first_round(monkeypatch)
    context = tmp_path / "context.json"
    context.write_text(json.dumps(START))
    out = tmp_path / "out"
    code, _, err = _review(["--user", "demo:maya", "--product", "demo:summitra-tent", "--context", str(context),
                            "--thread", "rv-rounds", "--out", str(out), "--max-rounds", "2"], ["approve"],
                           monkeypatch, capsys)
    assert code == 0, err
    record = json.loads((out / "run.json").read_text())
    assert record["finalized"] and record["rounds"] == 1 == record["provenance"]["rounds"]
    assert [c["round"] for c in record["candidates"]] == [0, 1]
    assert record["directives"] and record["directives"][-1]["source"] != "editor"
