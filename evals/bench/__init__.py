"""The two NextAds benchmarks: PCG-Bench (Qilin users × products) and PCI-Bench (MicroLens
users, their last video as the host), their resumable parallel runner, and Table 1 reports.

- ``data.py`` — benchmark builders from the real data files (BenchPair);
- ``profile_accuracy.py`` — user-modeling accuracy, independent of any judge;
- ``runner.py`` — runs pairs through the creative graph, judges them, writes results.jsonl;
- ``report.py`` — Table 1 in Markdown, JSON and HTML (with a contact sheet); ``compare``;
- ``paper.py`` — the paper's published Table 1 as reference rows;
- ``cli.py`` — ``nextads bench ...``.
"""
