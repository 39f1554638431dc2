"""The offline answer: the best-supported sentences of the retrieved paragraphs, each cited."""

from __future__ import annotations

import re

from rag.answering import Evidence, Sentence, citation
from rag.types import Answer, Citation

_LIST_QUESTION = re.compile(r"哪些|哪几|分别|有什么|列举|包括|几项|几类|各自|which|what are|list", re.I)


class ExtractiveGenerator:
    mode = "extractive"
    MAX_SENTENCES = 3
    MAX_SENTENCES_LIST = 5
    KEEP_RATIO = 0.8  # further sentences must score at least this share of the best one

    def generate(self, evidence: Evidence) -> Answer:
        chosen = self.select(evidence)
        numbers: dict[int, int] = {}  # retrieved rank -> citation number
        cites: list[Citation] = []
        lines = []
        for s in chosen:
            if s.rank not in numbers:
                numbers[s.rank] = len(numbers) + 1
                cites.append(citation(numbers[s.rank], evidence.retrieved[s.rank]))
            lines.append(f"{s.text}[{numbers[s.rank]}]")
        return Answer("\n".join(lines), tuple(cites), False, self.mode, (), "", evidence.retrieved)

    def select(self, evidence: Evidence) -> list[Sentence]:
        ranked = list(evidence.sentences)
        if not ranked:
            return []
        limit = self.MAX_SENTENCES_LIST if _LIST_QUESTION.search(evidence.question) else self.MAX_SENTENCES
        best = ranked[0].score
        chosen = [ranked[0]]
        for s in ranked[1:]:
            if len(chosen) >= limit or s.score < self.KEEP_RATIO * best:
                break
            if any(s.text == c.text for c in chosen):
                continue
            chosen.append(s)
        # Read in document order within each paragraph, paragraphs in retrieval order.
        return sorted(chosen, key=lambda s: (s.rank, s.start))
