"""The offline answer: the best-supported sentences of the retrieved paragraphs, each cited."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from rag.answer.answer_features import CONNECTIVE
from rag.answer.assessment import Evidence, Sentence, citation
from rag.answer.evidence import states_kind
from rag.search.terms import is_chinese
from rag.types import Answer

# "有补贴吗？" asks whether support exists; the answer says so, and whether an amount is written.
_YES_NO = re.compile(r"吗\s*[？?]?\s*$|有没有|是否|是不是|能不能|可不可以|可否|^(is|are|does|do|can) ", re.I)
_SUPPORT = re.compile(r"补贴|补助|奖励|奖补|资金|扶持|资助|优惠|subsid|grant|fund|reward", re.I)
_LIST_QUESTION = re.compile(r"哪些|哪几|分别|有什么|列举|包括|几项|几类|各自|what are|\blist\b", re.I)


class ExtractiveGenerator:
    mode = "extractive"
    MAX_SENTENCES = 3
    MAX_SENTENCES_LIST = 5
    # Further sentences of the best paragraph must score at least this share of the best one. With
    # the answer model's probabilities as scores, compared on the tuning split: dev key-fact recall
    # 0.799 at 0.8, 0.872 at 0.5, 0.3 and 0.15, 0.884 at 0 (citation precision unchanged on dev and
    # ncp): the best paragraph's best sentences, up to MAX_SENTENCES, are quoted.
    KEEP_RATIO = 0.0
    LIST_OTHER_RATIO = 0.9  # for a list question, sentences from other paragraphs need this share
    PARAGRAPH_RATIO = 0.75  # and their paragraph's retrieval score this share of the best paragraph's
    CLOSE_RATIO = 0.9  # in a comparison, a second sentence per document must be this close
    # Paragraphs quoted for a list question. 2 was tried: the second paragraph was more often wrong
    # than right (citation precision dev 0.922 -> 0.932, ncp 0.574 -> 0.620 with 1; key-fact recall
    # on dev 0.874 -> 0.870).
    MAX_PARAGRAPHS = 1

    def generate(self, evidence: Evidence, deadline: Any = None) -> Answer:
        """Quote the best sentences; `deadline` is unused (nothing here waits on a service)."""
        chosen = self.select(evidence)
        numbers: dict[int, int] = {}  # retrieved rank -> citation number
        quotes: dict[int, list[tuple[int, int]]] = {}
        lines = []
        for s in chosen:
            n = numbers.setdefault(s.rank, len(numbers) + 1)
            quotes.setdefault(s.rank, []).append((s.start, s.end))
            headings = evidence.retrieved[s.rank].chunk.headings
            # "同时，…" / "三是…" lean on their heading: show it with them.
            context = f"【{headings[-1]}】" if headings and CONNECTIVE.search(s.text) else ""
            lines.append(f"{context}{s.text}[{n}]")
        cites = [
            replace(citation(n, evidence.retrieved[rank]), quotes=tuple(quotes[rank])) for rank, n in numbers.items()
        ]
        lead = self.lead_in(evidence, chosen, cites)
        return Answer("\n".join(([lead] if lead else []) + lines), tuple(cites), False, self.mode, (), "",
                      evidence.retrieved)

    @staticmethod
    def lead_in(evidence: Evidence, chosen: list[Sentence], cites: list[Any]) -> str:
        """A first line that answers a yes/no question, or says in English what the Chinese quotes are."""
        q = evidence.question
        english = not is_chinese(q)
        if _YES_NO.search(q) and _SUPPORT.search(q) and chosen:
            stated = any(states_kind(s.text, "money") or states_kind(s.text, "percent") for s in chosen)
            if english:
                return ("Yes. The documents state the following (quoted in Chinese):" if stated else
                        "The documents mention this support but state no amount (quoted in Chinese):")
            return "有。文件规定如下：" if stated else "文件提到了相关支持，但没有写明金额："
        if english and cites:
            titles = "; ".join(dict.fromkeys(f"“{c.title}”" for c in cites))
            return f"The documents answer this in {titles}; the relevant passages, quoted in Chinese:"
        return ""

    def select(self, evidence: Evidence) -> list[Sentence]:
        """The best sentence and close runners-up from its own paragraph. A list question may also
        draw on a second paragraph whose sentences are nearly as good; a comparison takes the best
        of each document it names."""
        ranked = list(evidence.sentences)
        if not ranked:
            return []
        if len(evidence.targets) >= 2:
            return self._per_document(evidence)
        retrieved = evidence.retrieved
        listing = bool(_LIST_QUESTION.search(evidence.question))
        limit = self.MAX_SENTENCES_LIST if listing else self.MAX_SENTENCES
        best = ranked[0]
        chosen = [best]
        for s in ranked[1:]:
            if len(chosen) >= limit:
                break
            if any(s.text == c.text for c in chosen):
                continue
            if s.rank == best.rank:
                if s.score >= self.KEEP_RATIO * best.score:
                    chosen.append(s)
                continue
            paragraphs = {c.rank for c in chosen}
            if not listing or (s.rank not in paragraphs and len(paragraphs) >= self.MAX_PARAGRAPHS):
                continue
            if s.score >= self.LIST_OTHER_RATIO * best.score and (
                retrieved[s.rank].score >= self.PARAGRAPH_RATIO * retrieved[best.rank].score
            ):
                chosen.append(s)
        # Read in document order within each paragraph, paragraphs in retrieval order.
        return sorted(chosen, key=lambda s: (s.rank, s.start))

    def _per_document(self, evidence: Evidence) -> list[Sentence]:
        """For a comparison: the best sentence of each named document, plus close ones beside it."""
        chosen: list[Sentence] = []
        for doc in evidence.targets:
            own = [s for s in evidence.sentences if evidence.retrieved[s.rank].chunk.doc_id == doc]
            if not own:
                continue
            best = own[0]
            chosen.append(best)
            chosen.extend(
                [s for s in own[1:] if s.rank == best.rank and s.score >= self.CLOSE_RATIO * best.score][:1]
            )
        return sorted(chosen, key=lambda s: (s.rank, s.start))
