"""The diffusers video backend with a tiny randomly initialised WanPipeline, built offline from
configs, saved with save_pretrained and loaded through the backend's real loading path.

The full PCG loop runs on CPU with NEXTADS_VIDEO=diffusers: the creative's generated scenes
are finished by the compositor (captions, end card, label, soundtrack) and pass the Verifier.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
diffusers = pytest.importorskip("diffusers")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

from nextads import settings as settings_mod  # noqa: E402
from tools.backends import diffusers_backend as db  # noqa: E402
from tools.backends.finishing import ClipRequest, pingpong  # noqa: E402
from tools.media.probe import iter_frames, probe  # noqa: E402

SMALL = {"duration_s": 6, "resolution": [144, 256], "fps": 8}
VOCAB = ("a the of and with in on at to for by product tent mountain dawn camera slow push-in pull-out pan "
         "tilt static calm energetic playful light style texture video advertising vertical no text").split()


def build_tiny_wan(folder: Path) -> Path:
    """A randomly initialised WanPipeline small enough to run in well under a second on CPU,
    with a word-level tokenizer trained here (nothing is downloaded)."""
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanPipeline, WanTransformer3DModel
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator([" ".join(VOCAB)], trainers.WordLevelTrainer(special_tokens=["<pad>", "</s>", "<unk>"]))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    text_encoder = UMT5EncoderModel(UMT5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=32, num_layers=1,
                                               num_heads=4, relative_attention_num_buckets=8))
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    transformer = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
                                        in_channels=16, out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32,
                                        num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                                        rope_max_seq_len=32)
    pipe = WanPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
                       scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0))
    pipe.save_pretrained(folder)
    return folder


def build_tiny_wan_ti2v(folder: Path) -> Path:
    """A tiny Wan2.2-TI2V-shaped image-to-video pipeline (48-channel residual VAE with a
    16x spatial stride, timestep expansion, no CLIP image encoder)."""
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanImageToVideoPipeline, WanTransformer3DModel

    t2v = build_tiny_wan(folder / "t2v")
    from transformers import AutoTokenizer, UMT5EncoderModel

    torch.manual_seed(0)
    vae = AutoencoderKLWan(base_dim=3, z_dim=48, in_channels=12, out_channels=12, is_residual=True, patch_size=2,
                           latents_mean=[0.0] * 48, latents_std=[1.0] * 48, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           scale_factor_spatial=16, scale_factor_temporal=4, temperal_downsample=[False, True, True])
    transformer = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
                                        in_channels=48, out_channels=48, text_dim=32, freq_dim=256, ffn_dim=32,
                                        num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                                        rope_max_seq_len=32)
    pipe = WanImageToVideoPipeline(
        tokenizer=AutoTokenizer.from_pretrained(t2v / "tokenizer"),
        text_encoder=UMT5EncoderModel.from_pretrained(t2v / "text_encoder"), vae=vae, transformer=transformer,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=5.0), image_encoder=None, image_processor=None,
        transformer_2=None, expand_timesteps=True)
    out = folder / "ti2v"
    pipe.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory) -> Path:
    return build_tiny_wan(tmp_path_factory.mktemp("tiny-wan"))


@pytest.fixture
def diffusers_env(tiny_weights, tmp_path, monkeypatch):
    """Settings for the tiny pipeline: small generation size, few steps, short clips."""
    for k, v in {"STATE_DIR": str(tmp_path / "state"), "VIDEO": "diffusers", "DIFFUSERS_WEIGHTS": str(tiny_weights),
                 "DIFFUSERS_STEPS": "2", "DIFFUSERS_LONG_SIDE": "64", "DIFFUSERS_SHORT_SIDE": "32",
                 "DIFFUSERS_FPS": "8", "DIFFUSERS_MAX_FRAMES": "17", "X264_PRESET": "ultrafast"}.items():
        monkeypatch.setenv(f"NEXTADS_{k}", v)
    settings_mod.get_settings.cache_clear()
    yield settings_mod.get_settings()
    settings_mod.get_settings.cache_clear()


def test_sizes_and_frame_counts_follow_the_model():
    assert db.generation_size((720, 1280), 1280, 704, 32) == (704, 1280)  # portrait keeps its orientation
    assert db.generation_size((1280, 720), 1280, 704, 32) == (1280, 704)
    assert db.generation_size((500, 500), 1280, 700, 32) == (704, 704)  # snapped to the model's multiple
    for dur, fps, cap in ((2.5, 24, 121), (3.0, 16, 121), (10.0, 24, 121), (0.1, 24, 121), (2.0, 8, 17)):
        n = db.frame_count(dur, fps, cap)
        assert (n - 1) % 4 == 0 and n <= cap
        assert n >= min(dur * fps, cap - (cap - 1) % 4)
    assert [pingpong(j, 4) for j in range(8)] == [0, 1, 2, 3, 2, 1, 0, 1]


def test_missing_weights_is_one_clear_error(monkeypatch, tmp_path):
    from nextads.errors import InputError

    monkeypatch.setenv("NEXTADS_DIFFUSERS_WEIGHTS", str(tmp_path / "nowhere"))
    settings_mod.get_settings.cache_clear()
    try:
        with pytest.raises(InputError, match="diffusers_weights"):
            db.DiffusersGenerator()
    finally:
        settings_mod.get_settings.cache_clear()


def test_tiny_pipeline_generates_a_4k_plus_1_clip(diffusers_env, tmp_path):
    gen = db.DiffusersGenerator()
    assert gen.device == ("cuda" if torch.cuda.is_available() else "cpu")
    assert type(gen.pipe).__name__ == "WanPipeline" and not db.takes_image(gen.pipe)
    req = ClipRequest(scene_index=0, prompt="a tent on a mountain at dawn", negative_prompt="text", image_path=None,
                      duration_s=1.5, size=(144, 256), fps=8, seed=3)
    args = gen.call_args(req)
    assert (args["width"], args["height"]) == (32, 64) and args["num_frames"] == 13
    dst = tmp_path / "clip.mp4"
    gen.generate(req, dst)
    info = probe(dst)
    assert (info.width, info.height, info.frames) == (32, 64, 13)
    # Same seed, same clip; another seed, another clip.
    gen.generate(req, tmp_path / "again.mp4")
    gen.generate(ClipRequest(**{**req.__dict__, "seed": 4}), tmp_path / "other.mp4")
    a, b, c = (np.stack(list(iter_frames(p))).astype(int) for p in (dst, tmp_path / "again.mp4", tmp_path / "other.mp4"))
    assert np.abs(a - b).mean() < 1.0 < np.abs(a - c).mean()


def test_full_loop_on_cpu_with_the_tiny_pipeline(diffusers_env, tmp_path):
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.store.memory import InMemoryStore

    from graphs.pcg import build_graph
    from nextads.catalog import get_demo_product, get_demo_user
    from nextads.schemas import ServingContext
    from tools.compositor.scene import LABEL_TEXT

    work = tmp_path / "run"
    work.mkdir()
    inputs = {"task": "pcg", "user": get_demo_user("maya").model_dump(mode="json"),
              "product": get_demo_product("summitra-tent").model_dump(mode="json"),
              "context": ServingContext(**SMALL).model_dump(mode="json"), "work_dir": str(work),
              "max_rounds": 1, "generic": False}
    graph = build_graph(checkpointer=InMemorySaver(), store=InMemoryStore())
    t0 = time.perf_counter()
    out = graph.invoke(inputs, {"configurable": {"thread_id": "tiny-wan"}, "recursion_limit": 100})
    elapsed = time.perf_counter() - t0
    print(f"full loop with the tiny WanPipeline on CPU: {elapsed:.1f} s")

    creative = out["creative"]
    assert creative["backend"] == "diffusers" and creative["label"] == LABEL_TEXT
    assert not [w for w in creative["warnings"] if "clip failed" in w], creative["warnings"]
    clips = sorted((work / "render" / "clips").glob("diffusers_*.mp4"))
    plan = out["outcome"].get("plan") or {}
    scenes = (plan.get("storyboard") or {}).get("scenes") or []
    non_cta = [s for s in scenes if s["purpose"] != "cta"]
    assert non_cta and len(clips) >= len(non_cta)  # one generated clip per non-end-card scene
    assert all((probe(c).frames - 1) % 4 == 0 for c in clips)
    # The same finishing stage and the same Verifier as the compositor: finalized and labelled.
    assert out["outcome"]["finalized"], out["outcome"]
    verdict = out["outcome"]["verdict"]
    assert verdict["compliance_passed"]
    info = probe(out["outcome"]["video_path"])
    assert (info.width, info.height) == (144, 256) and info.has_audio
    assert abs(info.duration_s - SMALL["duration_s"]) < 0.2
    assert out["outcome"]["provenance"]["backends"]["producer"] == "diffusers"
    sidecars = [json.loads(p.read_text()) for p in (work / "render" / "segments").glob("*.json")]
    assert sum(1 for s in sidecars if s.get("backdrop")) >= len(non_cta)


def test_image_to_video_pipeline_is_conditioned_on_the_collage(tmp_path, monkeypatch):
    pytest.importorskip("ftfy")  # Wan's image-to-video prompt cleaning needs it
    from PIL import Image

    weights = build_tiny_wan_ti2v(tmp_path / "weights")
    for k, v in {"DIFFUSERS_WEIGHTS": str(weights), "DIFFUSERS_STEPS": "2", "DIFFUSERS_LONG_SIDE": "64",
                 "DIFFUSERS_SHORT_SIDE": "32", "DIFFUSERS_FPS": "8", "DIFFUSERS_MAX_FRAMES": "9"}.items():
        monkeypatch.setenv(f"NEXTADS_{k}", v)
    settings_mod.get_settings.cache_clear()
    try:
        gen = db.DiffusersGenerator()
        assert type(gen.pipe).__name__ == "WanImageToVideoPipeline" and db.takes_image(gen.pipe)
        assert db.spatial_multiple(gen.pipe) == 32  # TI2V: 16x VAE stride times 2x2 patches
        collage = tmp_path / "collage.png"
        Image.new("RGB", (300, 200), (200, 40, 40)).save(collage)
        req = ClipRequest(scene_index=1, prompt="a tent", negative_prompt="text", image_path=str(collage),
                          duration_s=2.0, size=(144, 256), fps=8, seed=1)
        args = gen.call_args(req)
        assert args["image"].size == (args["width"], args["height"]) == (32, 64)
        assert args["num_frames"] == 9  # capped at NEXTADS_DIFFUSERS_MAX_FRAMES, still 4k+1
        gen.generate(req, tmp_path / "clip.mp4")
        assert probe(tmp_path / "clip.mp4").frames == 9
    finally:
        settings_mod.get_settings.cache_clear()
