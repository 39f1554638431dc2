"""How often the injection check (rag.answer.injection) flags real policy text: every sentence of the given
corpus folders, read with the product's loader. A flagged sentence is never quoted, so each one is a
possible false refusal; the report lists them.

    python -m evals.injection_scan corpus ../shared/bench/ncp/corpus ../shared/bench/laws/corpus
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rag.answer.injection import sentences, speaks_to_the_bot
from rag.ingest.loading import iter_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--show", type=int, default=20, help="flagged sentences to print per folder")
    args = parser.parse_args()
    for folder in args.folders:
        total = flagged = 0
        shown: list[str] = []
        for doc in iter_corpus(folder):
            if isinstance(doc, Exception):
                continue
            for s in sentences(doc.text):
                if len(s.strip()) < 4:
                    continue
                total += 1
                if speaks_to_the_bot(s):
                    flagged += 1
                    if len(shown) < args.show:
                        shown.append(f"{doc.doc_id}: {s.strip()[:120]}")
        print(f"{folder}: {flagged} of {total} sentences flagged ({flagged / max(total, 1):.5%})")
        for line in shown:
            print("   ", line)


if __name__ == "__main__":
    main()
