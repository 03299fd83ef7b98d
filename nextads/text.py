"""Offline text analysis: language detection, tokenisation, keywords and hashtags.

Used by the Director's offline steps (user modeling, matching) and anything else that
needs words out of notes. Chinese is segmented with jieba, whose prefix-dictionary cache
is kept under the project's state directory (never the system temp folder); English is
lower-cased and stripped of stopwords. Everything here is deterministic and offline.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from nextads.settings import get_settings

# A text is "zh" when at least this share of its letters are Han characters; Chinese notes
# routinely mix in English brand names and hashtags, so the bar is well under one half.
HAN_SHARE_ZH = 0.2
# Keep tokens at least this long (characters); single Han characters and letters are noise.
MIN_TOKEN_CHARS = 2
# Two-letter Latin tokens are mostly fragments ("hu", "3x"); these few are real words.
SHORT_LATIN_OK = frozenset({"tv", "ai", "pc", "vr", "ar", "dj", "uv", "3d", "ps", "ip"})
# jieba's IDF for Chinese words is divided by its median and clipped to this range, so it
# only nudges (common words down, specific ones up) rather than dominating in-corpus IDF.
JIEBA_IDF_CLIP = (0.5, 2.0)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# Qilin / Xiaohongshu topic tags look like ``#蝴蝶兰[话题]#``; plain tags like ``#hiking``.
_QILIN_TAG = re.compile(r"#([^#\[\]\n]{1,40}?)\[话题\]#")
_PLAIN_TAG = re.compile(r"(?<![\w&])#(\w[\w\-]{0,39})", re.UNICODE)
_BRACKET_EMOTE = re.compile(r"\[[^\[\]\s]{1,8}[Rr]?\]")  # platform emotes like [笑哭R]
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@[\w\-.]+")
_EN_WORD = re.compile(r"[a-z][a-z0-9'\-]*[a-z0-9]|[a-z]")

EN_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further get got had has have having he her here hers herself him himself his how
    i if in into is it its itself just let like me more most my myself no nor not now of off
    on once only or other our ours ourselves out over own really same she should so some such
    than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would
    you your yours yourself yourselves s t don didn doesn isn wasn aren won can't i'm it's
    you're that's there's we're they're i've i'll i'd one two new way make made go going
    today day week time thing things lot much many even still well back want need know think
    see look looks use used using try tried every get gets via amp none null nan""".split()
)

ZH_STOPWORDS = frozenset(
    """的 了 是 我 你 他 她 它 们 我们 你们 他们 她们 这 那 这个 那个 这些 那些 这样 那样 就 都
    也 还 在 和 与 及 或 而 但 但是 因为 所以 如果 虽然 可以 可能 能 会 要 想 让 把 被 给 对 从
    到 向 于 为 为了 以 之 其 很 非常 特别 真的 真 太 最 更 比较 有点 一些 一下 一个 一种 一样
    一起 一直 已经 还是 就是 不是 没有 没 有 不 啊 呀 吧 呢 吗 哦 哈 嘛 啦 呗 嗯 哇 喔 哈哈
    哈哈哈 然后 而且 其实 感觉 觉得 什么 怎么 怎么样 为什么 自己 大家 今天 现在 时候 知道 看看
    一定 真是 还有 以及 之后 之前 这种 那种 这里 那里 哪里 出来 起来 下来 上来 东西 时间 地方
    姐妹 宝子 宝子们 姐妹们 集美 家人 家人们 分享 记录 话题 笔记 小红书 日常 里面 这次 每次
    每天 一次 几个 真的很 超级 超 好 多 少 大 小 再 又 才 去 来 说 做 用 看 像 得 地 着 过
    可是 最多 有没有 我要 不要 只是 还要 需要 应该 这么 那么 怎样 一点 出是""".split()
)

_jieba_lock = threading.Lock()
_jieba_ready = False
_jieba_idf: tuple[dict[str, float], float] | None = None


def _jieba():
    """Return the jieba module, its cache pointed at the project's state directory."""
    global _jieba_ready
    import jieba

    with _jieba_lock:
        if not _jieba_ready:
            cache_dir = Path(get_settings().state_dir).resolve() / "jieba"
            cache_dir.mkdir(parents=True, exist_ok=True)
            jieba.setLogLevel(logging.WARNING)
            jieba.dt.tmp_dir = str(cache_dir)
            jieba.dt.cache_file = "jieba.cache"
            jieba.dt.initialize()
            _jieba_ready = True
    return jieba


def _jieba_idf_table() -> tuple[dict[str, float], float]:
    """jieba's bundled IDF table (word -> idf) and its median, loaded once."""
    global _jieba_idf
    if _jieba_idf is None:
        _jieba()
        import jieba.analyse

        tfidf = jieba.analyse.default_tfidf
        _jieba_idf = (tfidf.idf_freq, tfidf.median_idf)
    return _jieba_idf


def detect_language(text: str) -> str:
    """ISO 639-1 code of the dominant script: "zh", "ja", "ko", "ru", "en", or "und".

    Script-based (not a statistical model): enough to pick a tokeniser and a creative
    language. Latin script maps to "en" because the lexicons we ship are English.
    """
    han = len(_HAN.findall(text or ""))
    kana = len(_KANA.findall(text or ""))
    hangul = len(_HANGUL.findall(text or ""))
    latin = len(_LATIN.findall(text or ""))
    cyr = len(_CYRILLIC.findall(text or ""))
    total = han + kana + hangul + latin + cyr
    if total == 0:
        return "und"
    if kana and kana + han >= HAN_SHARE_ZH * total:
        return "ja"
    if hangul >= max(han, latin, cyr):
        return "ko"
    if han >= HAN_SHARE_ZH * total:
        return "zh"
    if cyr > latin:
        return "ru"
    return "en"


def hashtags(text: str) -> list[str]:
    """Hashtags in order of first appearance, without markup (``#蝴蝶兰[话题]#`` → 蝴蝶兰)."""
    found: list[str] = []
    rest = text or ""
    for m in _QILIN_TAG.finditer(rest):
        found.append(m.group(1).strip())
    rest = _QILIN_TAG.sub(" ", rest)
    for m in _PLAIN_TAG.finditer(rest):
        found.append(m.group(1).strip("-_"))
    return [t for t in dict.fromkeys(found) if t]


def clean_text(text: str) -> str:
    """Drop URLs, @mentions and platform emotes; unwrap hashtag markup to its word."""
    text = _URL.sub(" ", text or "")
    text = _MENTION.sub(" ", text)
    text = _QILIN_TAG.sub(lambda m: f" {m.group(1)} ", text)
    text = _BRACKET_EMOTE.sub(" ", text)
    return _PLAIN_TAG.sub(lambda m: f" {m.group(1)} ", text)


def _keep(token: str) -> bool:
    """A token worth counting: long enough, has a letter or Han character, not a stopword."""
    if len(token) < MIN_TOKEN_CHARS or token in EN_STOPWORDS or token in ZH_STOPWORDS:
        return False
    if _HAN.search(token):
        return True
    letters = len(_LATIN.findall(token))
    if letters == 0:
        return False
    if token.isascii() and len(token) == 2:
        return token in SHORT_LATIN_OK
    # Sizes and model numbers ("170ml", "36x") are not topics; names like "findx8" are.
    return letters >= 3 or not any(c.isdigit() for c in token)


def tokenize(text: str, lang: str | None = None) -> list[str]:
    """Content words of ``text``: jieba words for Chinese, lower-cased words for English.

    Hashtag markup, URLs and mentions are cleaned first; stopwords, digits and one-letter
    tokens are dropped. Latin words inside Chinese text are lower-cased the same way.
    """
    text = clean_text(text)
    lang = lang or detect_language(text)
    if lang in ("zh", "ja"):
        words = (w.strip().lower() for w in _jieba().lcut(text))
    else:
        words = iter(_EN_WORD.findall(text.lower()))
    return [w for w in words if _keep(w)]


def _idf(docs: Sequence[Sequence[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency over tokenised documents."""
    n = len(docs)
    df = Counter(t for doc in docs for t in set(doc))
    return {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}


def _prior(token: str) -> float:
    """jieba's corpus IDF (relative to its median) for Han words; 1.0 for anything else."""
    if not _HAN.search(token):
        return 1.0
    table, median = _jieba_idf_table()
    lo, hi = JIEBA_IDF_CLIP
    return min(hi, max(lo, table.get(token, median) / median))


def keywords(
    texts: Iterable[str],
    top_k: int = 10,
    *,
    background: Iterable[str] | None = None,
    lang: str | None = None,
) -> list[str]:
    """Top-``top_k`` keywords of ``texts`` by (class-based) TF-IDF.

    Term frequency counts in how many of ``texts`` a word appears (plus a small bonus for
    repeats), so one long note cannot dominate; IDF comes from ``background`` (e.g. the
    whole history when ``texts`` is one theme of it) or from ``texts`` themselves. Chinese
    words are further weighted by jieba's corpus IDF so generic words sink. Ties break by
    first appearance, so the result is deterministic.
    """
    docs = [tokenize(t, lang) for t in texts]
    if not any(docs):
        return []
    bg_docs = [tokenize(t, lang) for t in background] if background is not None else docs
    idf = _idf(bg_docs + docs if background is not None else docs)
    doc_freq = Counter(t for doc in docs for t in set(doc))
    counts = Counter(t for doc in docs for t in doc)
    order = {t: i for i, t in enumerate(dict.fromkeys(t for doc in docs for t in doc))}

    def score(t: str) -> float:
        tf = doc_freq[t] + 0.1 * (counts[t] - doc_freq[t])
        return tf * idf.get(t, 1.0) * _prior(t)

    ranked = sorted(order, key=lambda t: (-score(t), order[t]))
    return ranked[:top_k]
