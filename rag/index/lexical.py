"""jieba tokenisation and an in-memory BM25 index over chunk tokens."""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

_jieba_lock = threading.Lock()
_words_added: set[str] = set()

# Function words and question words: they carry no topic, only noise for BM25.
STOPWORDS = frozenset(
    """的 了 和 与 及 等 在 是 对 为 有 中 也 都 而 或 并 就 被 把 将 从 以 于 其 之 这 那 这些 那些 哪 哪些 哪个 哪家
    什么 多少 几 怎么 怎样 如何 吗 呢 吧 啊 呀 请问 请 我 我们 你 你们 他 她 它 他们 能 能够 可以 可 要 会 想 是否
    个 一 一个 具体 分别 还 又 给 让 提到 提出 哪里 多久 哪年 哪天 谁 为什么 有没有 目前 现在 the a an of to in and or
    for on at by is are was were what which how who when where does do did much many with from as that this""".split()
)
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)

# General terms of Chinese industrial policy that jieba's dictionary splits apart.
DOMAIN_WORDS = (
    "皮革皮具 箱包皮具 链长制 链主 灯塔工厂 产教融合 专精特新 数字化改造 智能化改造 工业上楼 腾笼换鸟 产业大脑 "
    "海外仓 跨境电商 直播电商 首店经济 时尚产业 产业集群 公共服务平台 工业设计 品牌培育 老字号 技能人才 "
    "扶持资金 专项资金 贴息贷款 并购贷款 担保贷款 银团贷款 两化融合 小微企业 龙头企业 展会补助 用地保障"
).split()


def normalise(text: str) -> str:
    """Search form of text: full-width to half-width (NFKC), lower case. Quoting keeps the original."""
    return unicodedata.normalize("NFKC", text).lower()


def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def add_words(words: Iterable[str]) -> None:
    """Teach jieba whole words (place names, industries from the manifest) so BM25 sees them whole."""
    jieba = _jieba()

    with _jieba_lock:
        for w in words:
            w = normalise(w.strip())
            if len(w) >= 2 and w not in _words_added and " " not in w:
                jieba.add_word(w, freq=20000)
                _words_added.add(w)


HMM_MAX_CHARS = 300  # longer text is tagged by the dictionary alone: the HMM for unknown words
# takes seconds on a long run of rare characters ("补" x 2000, pasted gibberish), a question's
# length in milliseconds


def pos_tags(text: str) -> list[tuple[str, str]]:
    """(word, part of speech) pairs of a question, by jieba; bounded work whatever its length."""
    import jieba.posseg as pseg

    return [(p.word, p.flag) for p in pseg.lcut(text, HMM=len(text) <= HMM_MAX_CHARS)]


def in_dictionary(word: str) -> bool:
    """Whether jieba knows the word (its dictionary or words added), rather than guessing it."""
    jieba = _jieba()
    jieba.dt.check_initialized()
    return bool(jieba.dt.FREQ.get(word))


def tokenize(text: str) -> list[str]:
    jieba = _jieba()

    if not _words_added:
        add_words(DOMAIN_WORDS)
    with _jieba_lock:
        raw = jieba.lcut_for_search(normalise(text))
    return [t for t in (w.strip() for w in raw) if t and t not in STOPWORDS and not _PUNCT.match(t)]


class BM25:
    """Okapi BM25 over pre-tokenised documents.

    Postings are three flat arrays (term offsets, document numbers, term frequencies) and terms
    are numbered once: a few bytes per token, where a dictionary per term held hundreds (the query
    view of 140k law paragraphs went from 1,260 MB to 483 MB). Documents may be any iterable,
    consumed once, so a caller can stream them instead of holding every token list at once.
    """

    def __init__(self, docs: Iterable[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        vocab: dict[str, int] = {}
        terms, owners, counts, lengths = array("i"), array("i"), array("f"), array("f")
        assert terms.itemsize == 4  # read back as int32
        for i, doc in enumerate(docs):
            tf: dict[int, int] = {}
            for tok in doc:
                t = vocab.setdefault(tok, len(vocab))
                tf[t] = tf.get(t, 0) + 1
            terms.extend(tf.keys())
            owners.extend([i] * len(tf))
            counts.extend(tf.values())
            lengths.append(len(doc))
        self.n = len(lengths)
        length = np.frombuffer(lengths, dtype=np.float32)
        avg = float(length.mean()) if self.n else 1.0
        self._norm = k1 * (1 - b + b * length / max(avg, 1e-9))
        self._k1 = k1
        self._vocab = vocab
        term_of = np.frombuffer(terms, dtype=np.int32)
        order = np.argsort(term_of, kind="stable")  # by term, and by document within a term
        self._docs = np.frombuffer(owners, dtype=np.int32)[order]
        self._tf = np.frombuffer(counts, dtype=np.float32)[order]
        self._start = np.concatenate(([0], np.cumsum(np.bincount(term_of, minlength=len(vocab))))).astype(np.int64)

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        t = self._vocab.get(term)
        if t is None:
            return None
        a, b = self._start[t], self._start[t + 1]
        return self._docs[a:b], self._tf[a:b]

    def holders(self, term: str) -> np.ndarray:
        """Numbers of the documents (paragraphs) that contain term."""
        p = self._postings(term)
        return p[0] if p is not None else np.zeros(0, dtype=np.int32)

    def df(self, term: str) -> int:
        t = self._vocab.get(term)
        return 0 if t is None else int(self._start[t + 1] - self._start[t])

    def idf(self, term: str) -> float:
        df = self.df(term)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def scores(self, query: Sequence[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        for term in set(query):
            p = self._postings(term)
            if p is None:
                continue
            idx, tf = p
            out[idx] += self.idf(term) * tf * (self._k1 + 1) / (tf + self._norm[idx])
        return out

    def top(self, query: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        s = self.scores(query)
        if mask is not None:
            s = np.where(mask, s, 0.0)
        k = min(k, int((s > 0).sum()))
        if k <= 0:
            return []
        idx = np.argpartition(-s, k - 1)[:k]
        idx = idx[np.argsort(-s[idx], kind="stable")]
        return [(int(i), float(s[i])) for i in idx]
