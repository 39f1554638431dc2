"""Which given paragraph supports a generated sentence, whether or not the model wrote [n].

A sentence is supported by a paragraph when most of its words are the paragraph's own: the share of
its characters covered by character bigrams (words, mostly) that also occur in the paragraph (after the same
normalisation of figures as the verifier's: 1.8 亿元 = 1.8亿元, 二十八万元 = 28万元). Small models
copy their sources nearly word for word, so a copied or lightly reworded sentence covers most of its
characters, and an invented one (企业可以放心申请) does not. The figure check of rag.answer.verification runs
after this, against the attributed paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.numbers import canonical

N = 2
# Share of a sentence's claim units its paragraph must cover, and how many at least (a sentence of
# a few words is covered by any paragraph on its topic: "另有专项补贴"). Chosen on the tuning split
# (evals/calibrate_attribution.py; evals/README.md).
MIN_COVERAGE = 0.7
MIN_COVERED = 4
_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]+|\d+(?:\.\d+)?|[%％]")


def _units(text: str) -> list[str]:
    """Chinese characters, Latin words, numbers: what coverage is counted in."""
    return _WORD.findall(canonical(text))


def grams(text: str) -> set[tuple[str, ...]]:
    u = _units(text)
    return {tuple(u[i:i + N]) for i in range(len(u) - N + 1)}


def coverage(sentence: str, paragraph_grams: set[tuple[str, ...]],
             given: set[tuple[str, ...]] = frozenset()) -> tuple[float, int]:  # type: ignore[assignment]
    """(share, count) of the sentence's claim units inside a bigram the paragraph also has. Units
    inside a bigram of the question (`given`) restate what was asked and are no claim: "“培育消费
    理念”由市商务局牵头" claims 由市商务局, which the paragraph must say."""
    u = _units(sentence)
    pairs = [tuple(u[i:i + N]) for i in range(len(u) - N + 1)]

    def marks(found: set[tuple[str, ...]]) -> list[bool]:
        out = [False] * len(u)
        for i, pair in enumerate(pairs):
            if pair in found:
                out[i] = out[i + 1] = True
        return out

    asked, said = marks(given), marks(paragraph_grams)
    claim = [i for i in range(len(u)) if not asked[i]]
    if not claim:
        return 0.0, 0
    n = sum(said[i] for i in claim)
    return n / len(claim), n


def supported(sentence: str, paragraph_grams: set[tuple[str, ...]],
              given: set[tuple[str, ...]] = frozenset()) -> bool:  # type: ignore[assignment]
    share, n = coverage(sentence, paragraph_grams, given)
    return share >= MIN_COVERAGE and n >= MIN_COVERED


def attribute(sentence: str, paragraphs: Sequence[set[tuple[str, ...]]], cited: Sequence[int],
              given: set[tuple[str, ...]] = frozenset()) -> list[int]:  # type: ignore[assignment]
    """The paragraphs (1-based) a sentence is credited to: those it cites that support it; else the
    one given paragraph that supports it best; else none (the sentence is dropped)."""
    kept = [n for n in cited if supported(sentence, paragraphs[n - 1], given)]
    if kept:
        return kept
    best, best_share = 0, 0.0
    for n, g in enumerate(paragraphs, 1):
        share, count = coverage(sentence, g, given)
        if share >= MIN_COVERAGE and count >= MIN_COVERED and share > best_share:
            best, best_share = n, share
    return [best] if best else []
