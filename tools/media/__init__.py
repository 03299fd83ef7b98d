"""Media helpers shared by the Producer, the Verifier and the benchmarks.

One module per concern: typography (`fonts`, `text_render`), encoding numpy frames with
ffmpeg (`encode`), narration and music (`audio`), reading videos (`probe`) and image
analysis (`image_analysis`). Modules are imported directly, e.g.
``from tools.media.encode import FrameEncoder``; this package imports nothing eagerly so
that a caller needing one helper does not pay for the others.
"""
