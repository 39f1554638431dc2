"""The offline answer: the best-supported sentences of the retrieved paragraphs, each cited."""

from __future__ import annotations

import re
from dataclasses import replace

from rag.answering import Evidence, Sentence, citation
from rag.types import Answer

_LIST_QUESTION = re.compile(r"哪些|哪几|分别|有什么|列举|包括|几项|几类|各自|which|what are|list", re.I)


class ExtractiveGenerator:
    mode = "extractive"
    MAX_SENTENCES = 3
    MAX_SENTENCES_LIST = 5
    KEEP_RATIO = 0.8  # further sentences must score at least this share of the best one
    OTHER_PARAGRAPH_RATIO = 0.95  # … and this share when they would cite another paragraph
    LIST_OTHER_RATIO = 0.9  # for a list question, sentences from other paragraphs need this share
    PARAGRAPH_RATIO = 0.75  # and their paragraph's retrieval score this share of the best paragraph's
    MAX_PARAGRAPHS = 2  # cited paragraphs per answer: more were mostly near-misses on the dev set

    def generate(self, evidence: Evidence) -> Answer:
        chosen = self.select(evidence)
        numbers: dict[int, int] = {}  # retrieved rank -> citation number
        quotes: dict[int, list[tuple[int, int]]] = {}
        lines = []
        for s in chosen:
            n = numbers.setdefault(s.rank, len(numbers) + 1)
            quotes.setdefault(s.rank, []).append((s.start, s.end))
            lines.append(f"{s.text}[{n}]")
        cites = [
            replace(citation(n, evidence.retrieved[rank]), quotes=tuple(quotes[rank])) for rank, n in numbers.items()
        ]
        return Answer("\n".join(lines), tuple(cites), False, self.mode, (), "", evidence.retrieved)

    def select(self, evidence: Evidence) -> list[Sentence]:
        """The best sentence, then close runners-up: from its own paragraph freely, from other
        paragraphs only when nearly as good (or when the question asks for a list or a comparison)."""
        ranked = list(evidence.sentences)
        if not ranked:
            return []
        retrieved = evidence.retrieved
        listing = bool(_LIST_QUESTION.search(evidence.question))
        limit = self.MAX_SENTENCES_LIST if listing else self.MAX_SENTENCES
        best = ranked[0]
        chosen = [best]
        for s in ranked[1:]:
            if len(chosen) >= limit:
                break
            same_paragraph = s.rank == best.rank
            if same_paragraph:
                ratio = self.KEEP_RATIO
            else:
                ratio = self.LIST_OTHER_RATIO if listing else self.OTHER_PARAGRAPH_RATIO
            paragraphs = {c.rank for c in chosen}
            if s.rank not in paragraphs and len(paragraphs) >= self.MAX_PARAGRAPHS:
                continue
            if s.score < ratio * best.score or any(s.text == c.text for c in chosen):
                continue
            if not same_paragraph and retrieved[s.rank].score < self.PARAGRAPH_RATIO * retrieved[best.rank].score:
                continue  # a weaker paragraph: its sentence matches by wording, the paragraph does not
            chosen.append(s)
        # Read in document order within each paragraph, paragraphs in retrieval order.
        return sorted(chosen, key=lambda s: (s.rank, s.start))
