"""Small hand-built plans, products and synthetic videos for the Verifier/quality tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
from PIL import Image

from nextads.schemas import (
    Asset,
    Creative,
    CreativePlan,
    Grounding,
    Interest,
    License,
    MatchResult,
    Product,
    RenderedScene,
    Scene,
    SceneBinding,
    ServingContext,
    Storyboard,
    UserProfile,
    VisualPreferences,
)

SERVE_DATE = date(2026, 6, 1)
SIZE = (180, 320)  # 9:16, small so tests stay fast
FPS = 12


def pink_noise(h: int, w: int, seed: int, amp: float = 45.0) -> np.ndarray:
    """A 1/f ("natural image statistics") colour texture, uint8 RGB."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    spectrum = 1.0 / np.maximum(np.sqrt(fx**2 + fy**2), 1.0 / max(h, w))
    channels = []
    for _ in range(3):
        x = np.real(np.fft.ifft2(spectrum * np.exp(2j * np.pi * rng.random((h, w)))))
        channels.append((x - x.mean()) / x.std())
    return np.clip(128 + amp * np.stack(channels, -1), 0, 255).astype(np.uint8)


def write_video(path: Path, frames, size: tuple[int, int], fps: int = FPS, tags: dict[str, str] | None = None) -> Path:
    """Encode RGB frames (an iterable) to an MP4 with optional container tags."""
    params = ["-preset", "ultrafast"]
    for k, v in (tags or {}).items():
        params += ["-metadata", f"{k}={v}"]
    writer = imageio_ffmpeg.write_frames(str(path), size, fps=fps, macro_block_size=1,
                                         output_params=params, quality=8)
    writer.send(None)
    for f in frames:
        writer.send(np.ascontiguousarray(f))
    writer.close()
    return path


def make_hero(path: Path) -> Path:
    """A distinctive product picture: textured bottle-like shape on a texture."""
    img = pink_noise(120, 96, seed=7, amp=60)
    cv2.rectangle(img, (30, 20), (66, 110), (200, 40, 60), -1)
    cv2.circle(img, (48, 40), 12, (250, 230, 90), -1)
    cv2.putText(img, "GLOW", (28, 80), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1)
    Image.fromarray(img).save(path)
    return path


def make_logo(path: Path) -> Path:
    img = np.full((48, 96, 3), 245, np.uint8)
    cv2.circle(img, (22, 24), 16, (20, 90, 200), -1)
    cv2.putText(img, "LUMA", (42, 31), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 2)
    Image.fromarray(img).save(path)
    return path


def make_product(tmp: Path, *, expires: date | None = date(2027, 12, 31)) -> Product:
    return Product(
        product_id="p1", name="Luma Glow Serum", brand="Luma", category="skincare",
        slogan="Glow every day",
        selling_points=["Hydrates skin for 24 hours", "Lightweight texture that absorbs fast"],
        facts={"price": "$29", "volume": "30 ml", "hydration": "24 hours"},
        competitors=["GlowCo"],
        assets=[
            Asset(id="hero", kind="image", path=str(make_hero(tmp / "hero.png")),
                  license=License(holder="Luma", platforms=["*"], expires=expires)),
            Asset(id="logo", kind="logo", path=str(make_logo(tmp / "logo.png")),
                  license=License(holder="Luma")),
        ],
    )


def scene(i: int, start: float, dur: float, purpose: str, *, narration: str = "", text: str = "",
          refs: list[str] | None = None, camera: str = "static", claims: list[str] | None = None) -> Scene:
    return Scene(index=i, start_s=start, duration_s=dur, purpose=purpose, visual=f"scene {i}",
                 camera=camera, narration=narration, on_screen_text=text, asset_refs=refs or [],
                 claims=claims or [])


def make_plan(*, scenes: list[Scene] | None = None, duration: float = 6.0, policies: list[str] | None = None,
              generic: bool = False, palette: list[str] | None = None) -> CreativePlan:
    scenes = scenes or [
        scene(0, 0.0, 2.0, "hook", narration="Dry skin after a long day?", text="Long day?", camera="pan_left"),
        scene(1, 2.0, 2.0, "body", narration="Luma Glow hydrates skin for 24 hours.", text="24-hour hydration",
              refs=["hero"], camera="push_in", claims=["Hydrates skin for 24 hours"]),
        scene(2, 4.0, 2.0, "cta", narration="Only $29. Try it today.", text="Shop now", refs=["logo"]),
    ]
    ctx = ServingContext(platform="short-video-feed", aspect_ratio="9:16", duration_s=duration,
                         resolution=SIZE, fps=FPS, policies=policies or ["default"], serve_date=SERVE_DATE,
                         locale="en-US")
    profile = UserProfile(
        user_id="u1", generic=generic,
        interests=[Interest(topic="skincare", weight=0.9, tier="strong",
                            keywords=["moisturizer", "dry skin", "serum"], summary="daily skincare routines")],
        visual=VisualPreferences(palette=palette or ["#c82838", "#f0e0a0", "#808080"]),
    )
    match = MatchResult(compatibility=0.2 if generic else 0.8, threshold=0.35, generic=generic,
                        chosen_interest=None if generic else "skincare")
    sb = Storyboard(scenes=scenes, target_duration_s=sum(s.duration_s for s in scenes), cta="Shop now")
    grounding = Grounding(bindings=[SceneBinding(scene_index=s.index, asset_ids=[r for r in s.asset_refs
                                                                                 if r in ("hero", "logo")])
                                    for s in scenes])
    return CreativePlan(user_id="u1", product_id="p1", context=ctx, profile=profile, match=match,
                        storyboard=sb, grounding=grounding, generic=generic)


def draw_label(frame: np.ndarray, text: str = "AI Created") -> None:
    """A dark pill with white text in the top-right corner (like the Producer's label)."""
    h, w = frame.shape[:2]
    scale = w / 500.0
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    x1, y1 = w - tw - 14, 8
    x2, y2 = w - 6, 8 + th + 10
    cv2.rectangle(frame, (x1, y1), (x2, y2), (20, 20, 20), -1)
    cv2.putText(frame, text, (x1 + 4, y2 - 5), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)


def _paste(frame: np.ndarray, img: np.ndarray, x: int, y: int) -> None:
    h, w = img.shape[:2]
    frame[y : y + h, x : x + w] = img


def render_ad(tmp: Path, product: Product, *, show_hero: bool = True, show_logo: bool = True,
              label: bool = True, tag: bool = True, duration: float = 6.0, name: str = "ad.mp4") -> Creative:
    """A tiny 3-scene 'rendered creative': moving texture, hero in scene 1, logo on the end card."""
    w, h = SIZE
    bg = pink_noise(h + 40, w + 80, seed=3)
    hero = np.asarray(Image.open(product.asset("hero").path).convert("RGB"))
    hero = cv2.resize(hero, (80, 100), interpolation=cv2.INTER_AREA)
    logo = np.asarray(Image.open(product.asset("logo").path).convert("RGB"))
    n = int(round(duration * FPS))

    def frames():
        for i in range(n):
            t = i / FPS
            x = int(round(i * 60 / n))  # a slow, steady pan of the background
            f = bg[20 : 20 + h, x : x + w].copy()
            if show_hero and 2.0 <= t < 4.0:
                _paste(f, hero, 50, 110)
            if 4.0 <= t:
                f[:] = (240, 236, 228)
                if show_logo:
                    _paste(f, logo, 42, 140)
            if label:
                draw_label(f)
            yield f

    path = write_video(tmp / name, frames(), SIZE, tags={"comment": "AI Created"} if tag else None)
    return Creative(
        video_path=str(path), plan_digest="test", width=w, height=h, fps=FPS, duration_s=n / FPS, frames=n,
        scenes=[RenderedScene(index=i, start_s=2.0 * i, end_s=2.0 * (i + 1), frames=2 * FPS, digest=str(i),
                              path=str(path)) for i in range(3)],
        narration="piper",
    )


def revise_first_round(monkeypatch, finding=None) -> list:
    """Make the Verifier send the first creative back once (with ``finding``, by default a minor
    personalization miss) and accept the next; returns the list of plans it was shown."""
    import agents.verifier
    from nextads.schemas import Finding

    real, seen = agents.verifier.verify, []
    bad = finding or Finding(check="utility.personalization", track="utility", passed=False, severity="minor",
                             message="the hook does not show the viewer")

    def verify(plan, creative, product, user=None):
        verdict = real(plan, creative, product, user)
        seen.append(plan)
        if len(seen) == 1:
            return verdict.model_copy(update={"decision": "revise", "findings": [*verdict.findings, bad]})
        return verdict.model_copy(update={"decision": "accept"})

    monkeypatch.setattr(agents.verifier, "verify", verify)
    return seen
