"""The hand-labelled sentences of evals/match/ (is it a measure, which needs does it serve) as the
measure models are fitted and judged on them: each with its section heading and its chunk's text
before it, as ingest chunks the document. The outside sets are read from ../shared/bench (offsets only are
kept here); the seed set from the project's own corpus/.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

from evals.splits import select
from rag.ingest.chunking import chunk_document
from rag.ingest.loading import load_file
from rag.match.measures import needs_of

SEED_SENTENCES = Path("evals/match/seed_sentences.jsonl")
NCP_PROFILE_DOCS = Path("evals/match/ncp_match_docs.json")  # the notices of the ncp profiles
Row = tuple[str, str, int, list[str], str]  # sentence, heading, label, needs it serves, chunk before it
NeedRow = tuple[str, str, int, int]  # sentence, a need its words name, how many needs it names, label


def sentence_rows(corpus: Path, labels: Path, name: str, split: str | None, leave_out: Collection[str] = ()
                  ) -> list[tuple[Row, str]]:
    """Labelled sentences of one split (all of them when split is None), each with its document, but
    those of the documents left out."""
    items = select([json.loads(x) for x in labels.read_text(encoding="utf-8").splitlines() if x.strip()], name, split)
    items = [i for i in items if i["doc"] not in leave_out]
    return list(zip(labelled_rows(corpus, items), [i["doc"] for i in items], strict=True))


def labelled_rows(corpus: Path, items: list[dict[str, Any]]) -> list[Row]:
    """Labelled sentences, each with its section heading and its chunk's text before it as ingest would
    chunk the document, and the needs it serves when it is a measure."""
    docs: dict[str, Any] = {}
    rows = []
    for item in items:
        if item["doc"] not in docs:
            doc = load_file(corpus / item["doc"])
            docs[item["doc"]] = (doc.text, chunk_document(doc))
        text, chunks = docs[item["doc"]]
        chunk = next((c for c in chunks if c.start <= item["start"] < c.end), None)
        heading, context = (chunk.heading_path, text[chunk.start:item["start"]]) if chunk else ("", "")
        # a measure the eight needs do not cover (a faster approval) is no measure to list here
        rows.append((text[item["start"]:item["end"]], heading, int(item["measure"] and bool(item["needs"])),
                     item["needs"], context))
    return rows


def need_rows(rows: list[Row]) -> list[NeedRow]:
    """For each measure, each need whose words it has: does it serve that need?"""
    out: list[NeedRow] = []
    for sentence, _, label, needs, _ in rows:
        found = needs_of(sentence)
        if label:
            out.extend((sentence, n, len(found), int(n in needs)) for n in found)
    return out


def outside_rows_by_doc(shared: Path, split: str) -> dict[str, list[tuple[Row, str]]]:
    """One split of the regulation and ncp sets, the sentences that name a need (those the model judges),
    each with its document, but none of the notices the ncp profiles are scored on (evals/match_ncp.py):
    nothing learns them."""
    bench = shared / "bench"
    held = set(json.loads(NCP_PROFILE_DOCS.read_text(encoding="utf-8")))
    sets = {"laws": (bench / "laws" / "corpus", Path("evals/match/laws_sentences.jsonl"), "laws-sentences"),
            "ncp": (bench / "ncp" / "corpus", Path("evals/match/ncp_sentences.jsonl"), "ncp-sentences")}
    return {name: [(r, doc) for r, doc in sentence_rows(*where, split, held) if needs_of(r[0])]
            for name, where in sets.items()}


def outside_rows(shared: Path, split: str) -> dict[str, list[Row]]:
    """outside_rows_by_doc, without the documents."""
    return {name: [r for r, _ in rows] for name, rows in outside_rows_by_doc(shared, split).items()}


def seed_items() -> list[dict[str, Any]]:
    return [json.loads(x) for x in SEED_SENTENCES.read_text(encoding="utf-8").splitlines() if x.strip()]


def seed_rows_by_doc() -> dict[str, list[Row]]:
    """The seed sentences that name a need, by document (the unit held out)."""
    items = seed_items()
    return {doc: [r for r in labelled_rows(Path("corpus"), [i for i in items if i["doc"] == doc]) if needs_of(r[0])]
            for doc in sorted({i["doc"] for i in items})}


def labelled(items: list[dict[str, Any]]) -> Any:
    """A finder that knows the answer: the seed sentences labelled a measure, with their labelled needs
    (what the profiles would score if every sentence were judged as the labellers did)."""
    from rag.match.measures import NEEDS, Measure, amounts_in, candidates

    said = {(i["doc"], i["start"]): i for i in items if i["measure"] and i["needs"]}

    def find(chunks: list[Any]) -> list[Measure]:
        out = []
        for chunk, s, e in candidates(chunks):
            text = chunk.text[s:e]
            item = said.get((chunk.doc_id, chunk.start + s + len(text) - len(text.lstrip())))
            if item:
                out.append(Measure(chunk.doc_id, chunk.start + s, chunk.start + e, text.strip(),
                                   tuple(n for n in NEEDS if n in item["needs"]), (), amounts_in(text), "",
                                   chunk.heading_path,
                                   chunk.start, chunk.end, chunk.text))
        return out
    return find
