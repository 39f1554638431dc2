"""Features of candidate answer sentences and of a whole retrieval result, for the answer model.

Each feature is something the pipeline already measures (term coverage, dense similarity, rank,
the kind of figure asked and stated, per-unit cues, position); the weights that combine them are
learned (rag.answer.answer_model, evals.train_answerer), not set by hand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

# Words that tie a sentence to the one before it: quoted alone, it reads as a fragment.
CONNECTIVE = re.compile(
    r"^\W*(同时|此外|另外|并且|而且|其中|其次|再次|最后|首先|然后|因此|所以|但是|然而|对此|为此|与此同时|"
    r"另一方面|此外|以及|并|且|[一二三四五六七八九十]是)")
# "（牵头单位：市工信局）": who leads a task, not what the task gives.
LEAD_UNIT = re.compile(r"^\W*(牵头单位|责任单位|配合单位|主办单位|协办单位|参与单位|实施单位)\s*[:：]")
# "三是推动鞋产业数字化联动。" / "（二）加大政策扶持。": an enumerated heading inside a paragraph
# (short, no figure); the sentences after it say what it means.
_ENUM = r"[一二三四五六七八九十]"
_ITEM_MARK = rf"^\s*(?:{_ENUM}是|[（(](?:{_ENUM}|\d){{1,3}}[）)]|{_ENUM}{{1,3}}、|\d{{1,2}}[.、．](?!\d))"
BARE_ITEM = re.compile(_ITEM_MARK + r"[^\d]{0,20}$")

SENTENCE_FEATURES = (
    "match", "term_cov", "heading_cov", "chunk_score", "rank", "dense", "lexical", "kind_asked",
    "states_kind", "focus", "per_unit", "quoted", "position", "first", "log_len", "connective", "has_figure",
    "english", "kind_states_focus",
)
QUESTION_FEATURES = (
    "best_p", "mean_p3", "joint_cov", "top_cov", "top_dense", "max_dense", "dense_gap", "lex_strength",
    "kind_asked", "kind_rule", "unknown_share", "log_terms", "english", "best_match", "best_states_focus",
    "doc_cov", "entity_cov", "rare_cov",
)


_COMMITS = re.compile(r"给予|须|应当|应|可|按|不超过|最高|奖励|补助|补贴|资助|元|%")


def is_fragment(sentence: str) -> bool:
    """A lead-unit line, or a bare enumerated heading that states no figure and commits to nothing
    ("三是推动数字化联动。", not "一是给予五十万元奖励。"): says nothing quoted alone."""
    if LEAD_UNIT.search(sentence):
        return True
    from rag.numbers import values

    s = sentence.strip()
    body = re.sub(_ITEM_MARK, "", s)
    return bool(BARE_ITEM.match(s)) and not values(body) and not _COMMITS.search(body)


def sentence_vector(*, match: float, term_cov: float, heading_cov: float, chunk_score: float, rank: int,
                    dense: float, lexical: float, kind_asked: bool, states_kind: bool, focus: bool,
                    per_unit: bool, quoted: bool, position: float, first: bool, text: str, has_figure: bool,
                    english: bool) -> list[float]:
    return [
        match, term_cov, heading_cov, chunk_score, float(rank), dense, lexical, float(kind_asked),
        float(kind_asked and states_kind), float(focus), float(per_unit), float(quoted), position, float(first),
        math.log(max(len(text), 1)), float(bool(CONNECTIVE.search(text))), float(has_figure), float(english),
        float(kind_asked and states_kind and focus and per_unit),
    ]


def question_vector(*, probs: Sequence[float], joint_cov: float, top_cov: float,
                    dense: Sequence[float | None], lex_strength: float, kind_asked: bool, kind_rule: bool,
                    unknown_share: float, n_terms: int, english: bool, best_match: float,
                    best_states_focus: bool, doc_cov: float, entity_cov: float, rare_cov: float) -> list[float]:
    """`dense`: the cosine similarity of each retrieved paragraph, best-ranked first (None: not seen)."""
    seen = [d for d in dense if d is not None]
    top_dense = dense[0] if dense and dense[0] is not None else (max(seen) if seen else 0.0)
    ordered = sorted(seen, reverse=True)
    gap = ordered[0] - ordered[min(4, len(ordered) - 1)] if ordered else 0.0
    p = sorted(probs, reverse=True)
    return [
        p[0] if p else 0.0, sum(p[:3]) / 3 if p else 0.0, joint_cov, top_cov, float(top_dense),
        float(ordered[0]) if ordered else 0.0, float(gap), lex_strength, float(kind_asked), float(kind_rule),
        unknown_share, math.log1p(n_terms), float(english), best_match, float(best_states_focus),
        doc_cov, entity_cov, rare_cov,
    ]
