"""Benchmark judges: shared score bands, the offline proxy on known cases, the VLM judge's requests."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from evals.judges import CRITERIA, JudgedCreative, JudgeScore, band_of, make_judge
from evals.judges.criteria import BY_KEY, PCG_CRITERIA, SCORE_BANDS, criteria_for, judged_from_folder
from evals.judges.proxy import ProxyJudge
from evals.judges.vlm import JudgeError, VlmJudge
from graphs.director import build_director
from graphs.state import plan_of
from nextads.catalog import get_demo_product, get_demo_user
from nextads.errors import ConfigError
from nextads.schemas import HostSummary, IntegrationDecision, Scene, ServingContext, Shot, Storyboard
from nextads.settings import get_settings
from host_fixtures import make_host_video
from providers_fixtures import FakeToolChatModel, tool_reply
from verifier_fixtures import make_plan, make_product, write_video
from tools.compositor.render import render_creative
from tools.media.probe import read_frame
from tools.media.splice import splice

TINY = ServingContext(resolution=(144, 256), fps=8, duration_s=6.0)
USER, PRODUCT = "maya", "summitra-tent"  # a camper and a tent: personalisation has something to work with


def _render(tmp, user, product, *, generic: bool, name: str) -> JudgedCreative:
    state = {"task": "pcg", "user": user.model_dump(mode="json"), "product": product.model_dump(mode="json"),
             "context": TINY.model_dump(mode="json"), "work_dir": str(tmp / name), "max_rounds": 0,
             "generic": generic}
    plan = plan_of({**state, **build_director().invoke(state)})
    creative = render_creative(plan, product, tmp / f"render-{name}")
    return JudgedCreative(pair_id=f"{user.user_id}-{product.product_id}", task="pcg", plan=plan,
                          video_path=creative.video_path, segment_path=None, user=user, product=product)


@pytest.fixture(scope="module")
def creatives(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("judged")
    user, product = get_demo_user(USER), get_demo_product(PRODUCT)
    return {"personal": _render(tmp, user, product, generic=False, name="personal"),
            "generic": _render(tmp, user, product, generic=True, name="generic")}


@pytest.fixture(scope="module")
def proxy():
    return ProxyJudge()


# =========================================================================== bands and schema


def test_score_bands_cover_the_scale_and_scores_are_bounded():
    assert SCORE_BANDS[0].low == 0 and SCORE_BANDS[-1].high == 10
    assert all(a.high == b.low for a, b in zip(SCORE_BANDS, SCORE_BANDS[1:]))
    assert band_of(0).label == "absent" and band_of(10).label == "excellent"
    assert band_of(6.0).label == "clear" and band_of(5.99).label == "partial"  # a boundary belongs to the upper band
    assert JudgeScore(score=7.5, reason="ok").score == 7.5
    for bad in (-0.1, 10.5):
        with pytest.raises(ValidationError):
            JudgeScore(score=bad, reason="out of range")
    assert CRITERIA == ("presentation", "content", "product_alignment", "integration")
    assert criteria_for("pcg") == PCG_CRITERIA and criteria_for("pci") == CRITERIA


def test_make_judge_picks_proxy_offline_and_a_vlm_for_a_model_spec(monkeypatch):
    assert make_judge().kind == "proxy"  # settings.judge defaults to offline
    assert make_judge("offline").name == "proxy"
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="GOOGLE_API_KEY"):
        make_judge("gemini:gemini-2.5-flash")  # a VLM spec builds a VLM judge, which needs its key


# =========================================================================== proxy


def test_proxy_scores_personalised_above_generic_for_the_same_user(creatives, proxy):
    personal, generic = proxy.judge(creatives["personal"]), proxy.judge(creatives["generic"])
    assert set(personal) == set(PCG_CRITERIA) == set(generic)
    for scores in (personal, generic):
        assert all(s.reason.startswith("proxy:") and 0 <= s.score <= 10 for s in scores.values())
    assert personal["content"].score > generic["content"].score
    assert (personal["presentation"].score + personal["content"].score
            > generic["presentation"].score + generic["content"].score)
    assert proxy.judge(creatives["personal"]) == personal  # deterministic


def test_proxy_without_viewer_data_has_nothing_personalised(creatives, proxy):
    item = creatives["generic"]
    anonymous = JudgedCreative(**{**item.__dict__, "user": None})
    scores = proxy.judge(anonymous)
    assert scores["presentation"].score == scores["content"].score == 0.0
    assert "no viewer data" in scores["content"].reason
    assert scores["product_alignment"] == proxy.judge(item)["product_alignment"]  # not a personalization criterion


def test_proxy_product_alignment_drops_without_facts_brand_or_product(creatives, proxy):
    item = creatives["personal"]
    plain = [s.model_copy(update={"narration": "Look at the view.", "on_screen_text": "Wow", "claims": [],
                                  "asset_refs": ["cue:0"] if s.index == 0 else []})
             for s in item.plan.storyboard.scenes]
    off = item.plan.model_copy(update={"storyboard": item.plan.storyboard.model_copy(update={
        "scenes": plain, "title": "", "cta": ""}), "grounding": item.plan.grounding.model_copy(update={"bindings": []})})
    good = proxy.judge(item)["product_alignment"].score
    bad = proxy.judge(JudgedCreative(**{**item.__dict__, "plan": off}))["product_alignment"].score
    assert bad < good - 3


def test_proxy_diversity_identical_low_varied_higher_single_ten(creatives, proxy):
    personal, generic = creatives["personal"], creatives["generic"]
    same = proxy.judge_diversity([personal, personal])
    varied = proxy.judge_diversity([personal, generic])
    assert same.score < 1.0 < varied.score and varied.score > same.score + 2
    assert proxy.judge_diversity([personal]).score == 10.0 == proxy.judge_diversity([]).score
    assert all(s.reason.startswith("proxy:") for s in (same, varied, proxy.judge_diversity([personal])))


# --- PCI integration ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pci_items(tmp_path_factory):
    """One host about mountain hiking; the same spliced segment told on-topic and off-topic."""
    tmp = tmp_path_factory.mktemp("pci")
    host_path = make_host_video(tmp / "host.mp4", shots=((2.0, "calm"), (1.5, "busy"), (2.0, "calm")),
                                subtitles=(), audio=False)
    point = 1.5  # calm, away from the busy climax at 2-3.5 s
    start = read_frame(host_path, point - 1 / 12)  # the start frame: the segment leaves from it
    segment = write_video(tmp / "segment.mp4", [start] * 24, (320, 180), fps=12)
    integrated = splice(host_path, segment, point, tmp / "integrated.mp4")
    host = HostSummary(video_path=str(host_path), width=320, height=180, fps=12, duration_s=5.5, frames=66,
                       title="Three days hiking the mountain ridge trail", topic="mountain hiking",
                       keywords=["hiking", "trail", "camping", "mountains"],
                       content="A hiker walks a ridge trail and sets up camp.", pacing="medium",
                       shots=[Shot(index=0, start_s=0, end_s=2), Shot(index=1, start_s=2, end_s=3.5),
                              Shot(index=2, start_s=3.5, end_s=5.5)],
                       energy=[0.1, 0.1, 0.9, 0.9, 0.1, 0.1], climax_s=2.0)
    decision = IntegrationDecision(point_s=point, frame_index=17, kind="calm", rationale="calm walking moment")
    product = make_product(tmp)

    def item(narration: str, text: str) -> JudgedCreative:
        scenes = [Scene(index=0, start_s=0, duration_s=2.0, purpose="body", visual=text, narration=narration,
                        on_screen_text=text, asset_refs=["host:start"])]
        plan = make_plan().model_copy(update={
            "task": "pci", "host": host, "integration": decision,
            "storyboard": Storyboard(scenes=scenes, target_duration_s=2.0, cta=""),
            "context": make_plan().context.model_copy(update={"duration_s": 2.0, "aspect_ratio": "16:9",
                                                              "resolution": (320, 180)})})
        return JudgedCreative(pair_id="host-1", task="pci", plan=plan, video_path=integrated.path,
                              segment_path=str(segment), user=None, product=product, host=host)

    return {"on": item("After a long day on the mountain trail, camp by the ridge and rest.",
                       "Hiking trail camp"),
            "off": item("File your quarterly taxes with our spreadsheet accounting software.",
                        "Tax filing software")}


def test_proxy_off_topic_segment_scores_lower_integration(pci_items, proxy):
    on, off = proxy.judge(pci_items["on"]), proxy.judge(pci_items["off"])
    assert set(on) == set(CRITERIA)
    assert on["integration"].reason.startswith("proxy:") and "theme" in on["integration"].reason
    assert off["integration"].score < on["integration"].score


# =========================================================================== VLM judge


def _fake(replies) -> FakeToolChatModel:
    model = FakeToolChatModel(responses=list(replies))
    model.seen = []
    return model


@pytest.fixture
def no_backoff(monkeypatch):
    monkeypatch.setenv("NEXTADS_LLM_BACKOFF_S", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _texts(message) -> str:
    return "\n".join(b["text"] for b in message.content if b.get("type") == "text")


def _images(message) -> list[dict]:
    return [b for b in message.content if b.get("type") == "image_url"]


def test_vlm_judge_sends_frames_history_and_each_criterion(creatives, no_backoff):
    item = creatives["personal"]
    model = _fake([tool_reply("JudgeScore", {"score": 7.5 + i, "reason": f"reason {i}"}) for i in range(3)])
    scores = VlmJudge("gemini:gemini-2.5-flash", model=model).judge(item)
    assert [s.score for s in scores.values()] == [7.5, 8.5, 9.5] and list(scores) == list(PCG_CRITERIA)
    assert len(model.seen) == 3  # one request per criterion
    for key, messages in zip(PCG_CRITERIA, model.seen):
        human = messages[-1]
        text = _texts(human)
        images = _images(human)
        assert images and all(i["image_url"]["url"].startswith("data:image/jpeg;base64,") for i in images)
        assert f"Criterion: {BY_KEY[key].title}" in text and "Score bands" in text and "AD frame 1" in text
        assert item.product.selling_points[0] in text  # the verified facts travel with every request
    presentation = _texts(model.seen[0][-1])
    assert "<history>" in presentation and item.user.history[-1].id in presentation  # recent items, redactable
    product_request = model.seen[2][-1]
    ad_frames = _texts(product_request).count("AD frame")
    product_images = _texts(product_request).count("Product reference image")
    assert product_images >= 1 and len(_images(product_request)) == ad_frames + product_images
    assert "Viewer history image" in presentation  # the viewer's own pictures: their visual taste
    assert "Viewer history image" not in _texts(product_request)


def test_vlm_judge_raises_after_retries_on_malformed_output(creatives, no_backoff):
    retries = get_settings().llm_retries
    model = _fake([tool_reply("JudgeScore", {"score": 42, "reason": "off the scale"})] * (retries + 1))
    with pytest.raises(JudgeError) as err:
        VlmJudge("gemini:gemini-2.5-flash", model=model).judge(creatives["personal"])
    assert err.value.marker["step"] == "judge.presentation" and err.value.marker["attempts"] == retries + 1
    assert len(model.seen) == retries + 1  # bounded: no further requests, no proxy fallback


def test_vlm_diversity_one_request_with_every_creative(creatives, no_backoff):
    model = _fake([tool_reply("JudgeScore", {"score": 4.0, "reason": "similar hooks"})])
    judge = VlmJudge("gemini:gemini-2.5-flash", model=model)
    assert judge.judge_diversity([creatives["personal"]]).score == 10.0 and not model.seen  # paper rule, no call
    score = judge.judge_diversity([creatives["personal"], creatives["generic"]])
    assert score.score == 4.0 and len(model.seen) == 1
    text = _texts(model.seen[0][-1])
    assert "Ad 1 frame" in text and "Ad 2 frame" in text and "Criterion: Diversity" in text


def test_vlm_integration_request_shows_host_frames_either_side(pci_items, no_backoff):
    model = _fake([tool_reply("JudgeScore", {"score": 6.0, "reason": "ok"})] * 4)
    VlmJudge("gemini:gemini-2.5-flash", model=model).judge(pci_items["on"])
    integration = model.seen[3][-1]
    text = _texts(integration)
    assert "Criterion: Integration Quality" in text and "mountain hiking" in text and "HOST frame 1" in text
    assert text.rindex("HOST frame") > text.index("AD frame")  # host frames after the segment too


# =========================================================================== output folders


def test_judged_from_folder_reads_a_run_folder(creatives, tmp_path):
    item = creatives["personal"]
    (tmp_path / "plan.json").write_text(item.plan.model_dump_json())
    with pytest.raises(FileNotFoundError):
        judged_from_folder(tmp_path, pair_id="p", user=item.user, product=item.product)
    (tmp_path / "creative.mp4").write_bytes(open(item.video_path, "rb").read())
    loaded = judged_from_folder(tmp_path, pair_id="p", user=item.user, product=item.product)
    assert loaded.task == "pcg" and loaded.verdict is None and loaded.plan == item.plan


def test_measured_look_is_kept_beside_the_video_for_other_processes(tmp_path, monkeypatch):
    # The bench's workers measure each creative's look when judging; the report (another
    # process) must reuse it for diversity instead of decoding every creative again.
    from evals.judges import proxy
    from verifier_fixtures import pink_noise, write_video

    video = write_video(tmp_path / "ad.mp4", [pink_noise(64, 48, seed=k) for k in range(12)], (48, 64))
    first = proxy.ProxyJudge.look(str(video))
    assert proxy._look_file(video.resolve()).exists()
    proxy._LOOKS.clear()  # a fresh process: nothing in memory
    monkeypatch.setattr(proxy, "measure_look", lambda *a, **k: (_ for _ in ()).throw(AssertionError("measured again")))
    assert proxy.ProxyJudge.look(str(video)) == first
    # A new version of the video is measured again, not served a stale look.
    proxy._LOOKS.clear()
    write_video(video, [pink_noise(64, 48, seed=100 + k) for k in range(15)], (48, 64))
    with pytest.raises(AssertionError, match="measured again"):
        proxy.ProxyJudge.look(str(video))
