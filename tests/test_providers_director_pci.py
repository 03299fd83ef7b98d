"""The PCI Director steps backed by a VLM (summarize_host, decide_integration), driven by a fake
tool-calling chat model on a synthetic host (no network)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from host_fixtures import make_host_video  # noqa: E402
from providers_fixtures import FakeToolChatModel, settings, tool_reply  # noqa: E402, F401

from agents import llm_dispatch  # noqa: E402
from agents.director import host as offline_host  # noqa: E402
from agents.director import integration as offline_integration  # noqa: E402
from agents.director import llm as director_llm  # noqa: E402
from agents.director.llm import StepFallback  # noqa: E402
from nextads.schemas import Interest, Product, UserProfile  # noqa: E402

FPS = 12
# Two calm stretches around a busy climax, and a long calm tail: several admissible candidates.
SHOTS = ((2.0, "calm"), (1.5, "busy"), (2.0, "calm"), (2.0, "calm"), (2.0, "calm"))
SUBTITLES = ((0.5, 2.0, "Welcome back everyone"), (4.3, 5.2, "Let us begin"))
PROFILE = UserProfile(user_id="u1", interests=[Interest(topic="morning coffee", weight=0.9, tier="strong")])
PRODUCT = Product(product_id="p1", name="Bright Brew", category="coffee", selling_points=["smooth taste"])
HOST_REPLY = {"topic": "a calm studio talk show about the morning routine with guests",
              "keywords": ["studio", "talk", "talk", "morning routine"],
              "content": "Two hosts chat in a bright studio; the mood is relaxed."}


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_host_video(tmp_path_factory.mktemp("host") / "host.mp4", fps=FPS, shots=SHOTS, subtitles=SUBTITLES)


@pytest.fixture(scope="module")
def host(video):
    return offline_host.summarize_host(video)


def fake(*replies):
    return FakeToolChatModel(responses=list(replies))


def _images(model) -> list[dict]:
    return [b for b in model.seen[-1][-1].content if b["type"] == "image_url"]


def test_summarize_host_keeps_measurements_and_takes_the_description(settings, video, host, tmp_path):
    model = fake(tool_reply("HostProposal", HOST_REPLY))
    summary = director_llm.summarize_host(video, title="Morning show", work_dir=tmp_path, model=model)
    assert summary.source == "llm"
    assert summary.topic == "a calm studio talk show about"  # at most six words
    assert summary.keywords == ["studio", "talk", "morning routine"]  # duplicates dropped
    assert summary.content.startswith("Two hosts chat")
    # the measurements are the offline analysis's, never the model's
    for field in ("shots", "energy", "climax_s", "text_regions", "palette", "fps", "frames"):
        assert getattr(summary, field) == getattr(host, field)
    # the VLM saw frames of the host (data-URI images) and the OCR text, fenced as quoted material
    images = _images(model)
    assert 2 <= len(images) <= settings.llm_max_images
    assert all(b["image_url"]["url"].startswith("data:image/jpeg;base64,") for b in images)
    text = model.seen[-1][-1].content[0]["text"]
    assert "<host_text>" in text and "Welcome back everyone" in text and "Morning show" in text


def test_summarize_host_without_a_topic_falls_back_to_offline(settings, video, tmp_path, monkeypatch):
    model = fake(tool_reply("HostProposal", {**HOST_REPLY, "topic": "  "}))
    monkeypatch.setattr(llm_dispatch, "step_model", lambda: model)
    summary, fallbacks = llm_dispatch.summarize_host(video, work_dir=tmp_path)
    assert summary.source == "offline" and summary.topic
    assert [f["step"] for f in fallbacks] == ["summarize_host"] and "topic" in fallbacks[0]["reason"]


def test_decide_integration_takes_the_models_choice_among_admissible_points(settings, host, tmp_path):
    options = offline_integration.ranked_admissible(offline_integration.scored_options(host, PROFILE, PRODUCT))
    assert len(options) >= 2
    offline = offline_integration.decide_integration(host, PROFILE, PRODUCT, work_dir=tmp_path / "offline")
    # the model picks a subtitle-free candidate the offline ranking put lower
    pick = next(k for k, o in enumerate(options[: director_llm.MAX_INTEGRATION_CHOICES])
                if abs(o.time_s - offline.point_s) > 0.5 and not o.subtitle)
    model = fake(tool_reply("IntegrationProposal", {
        "candidate": pick, "story_pause": "the talk pauses", "bridge": "they mention breakfast",
        "emotional_fit": "relaxed"}))
    d = director_llm.decide_integration(host, PROFILE, PRODUCT, work_dir=tmp_path / "llm", model=model)
    assert d.source == "llm"
    assert d.point_s == pytest.approx(options[pick].time_s)
    assert d.point_s != offline.point_s
    winner = next(c for c in d.candidates if c.chosen)
    assert any("chosen by the model" in r and "breakfast" in r for r in winner.reasons)
    assert "chosen by the model" in d.rationale
    assert Path(d.start_frame_path).is_file()
    # the rules still hold: never at the edges or the climax
    margin = offline_integration.edge_margin(host.duration_s)
    assert margin <= d.point_s <= host.duration_s - margin
    assert not offline_integration.rule_out(host, d.point_s, ())
    # one start frame per offered candidate went to the VLM, and the candidates were listed
    offered = min(len(options), director_llm.MAX_INTEGRATION_CHOICES)
    assert len(_images(model)) == offered
    assert f"{offered - 1}: " in model.seen[-1][-1].content[0]["text"]


def test_decide_integration_choice_outside_the_list_falls_back(settings, host, tmp_path, monkeypatch):
    model = fake(*[tool_reply("IntegrationProposal", {"candidate": 99, "story_pause": "", "bridge": "",
                                                      "emotional_fit": ""})] * 2)
    with pytest.raises(ValueError, match="candidate 99"):
        director_llm.decide_integration(host, PROFILE, PRODUCT, work_dir=tmp_path, model=model)
    monkeypatch.setattr(llm_dispatch, "step_model", lambda: model)
    d, fallbacks = llm_dispatch.decide_integration(host, PROFILE, PRODUCT, work_dir=tmp_path)
    offline = offline_integration.decide_integration(host, PROFILE, PRODUCT, work_dir=tmp_path / "o")
    assert d.source == "offline" and d.point_s == offline.point_s
    assert fallbacks[0]["step"] == "decide_integration" and fallbacks[0]["fallback"] == "offline"


def test_malformed_integration_reply_retries_then_gives_up(settings, host, tmp_path):
    bad = tool_reply("IntegrationProposal", {"candidate": "the second one"})
    with pytest.raises(StepFallback) as exc:
        director_llm.decide_integration(host, PROFILE, PRODUCT, work_dir=tmp_path, model=fake(bad, bad))
    assert exc.value.marker["attempts"] == 2


def test_a_chosen_point_showing_a_subtitle_yields_to_a_clean_one(settings, host, tmp_path):
    """The model's choice gets no pass on the frame check: a subtitle on its start frame moves
    the cut into the gap between lines or to the next clean candidate."""
    options = offline_integration.ranked_admissible(offline_integration.scored_options(host, PROFILE, PRODUCT))
    pick = next(k for k, o in enumerate(options[: director_llm.MAX_INTEGRATION_CHOICES]) if o.subtitle)
    model = fake(tool_reply("IntegrationProposal", {"candidate": pick, "story_pause": "p", "bridge": "b",
                                                    "emotional_fit": "e"}))
    d = director_llm.decide_integration(host, PROFILE, PRODUCT, work_dir=tmp_path, model=model)
    chosen = next(c for c in d.candidates if c.chosen)
    assert not offline_integration.subtitle_at(host, d.point_s) or any("gap between subtitle" in r
                                                                         for r in chosen.reasons)
    loser = next(c for c in d.candidates if abs(c.time_s - options[pick].time_s) < 1e-6 and not c.chosen)
    assert any("subtitle on screen" in r for r in loser.reasons)
