"""Scale benchmark on the laws corpus (../shared/bench/laws, 3,423 documents, ~20 M characters).

    python -m evals.bench_laws [--shared ../shared]      (make bench-laws)

Does not ingest: run `policy-qa ingest --corpus ../shared/bench/laws/corpus` first (hours on 2
cores; resumable, re-run to continue) and this reports on whatever is indexed so far: documents and
paragraphs visible, bytes and paragraphs embedded per second over all ingest runs, index size, and
answer latency on that index against the seed corpus's in the same process, for the same 90 dev
questions and for 100 questions written from law titles ("《title》对什么作出了规定？"), the time
to open the laws index (its first query builds the BM25 view), and the peak memory of a `policy-qa
serve` process answering the dev questions from it. Writes evals/results/laws-<date>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from evals.bench import _du, latency, serving_rss
from evals.harness import load_questions
from rag.app.service import PolicyQA
from rag.settings import Settings


def _summary(qa: PolicyQA, questions: list[dict[str, Any]]) -> dict[str, Any]:
    return {k: v for k, v in latency(qa, questions).items() if k != "samples_ms"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="../shared")
    parser.add_argument("--out-dir", default="evals/results")
    parser.add_argument("--no-serve", action="store_true", help="skip the peak-memory run of `policy-qa serve`")
    args = parser.parse_args(argv)
    shared, out_dir = Path(args.shared), Path(args.out_dir)
    corpus = shared / "bench" / "laws" / "corpus"
    base = Settings.from_env()
    laws_index = base.index_for_corpus(corpus)
    if not (laws_index / "catalog.sqlite").exists():
        print(f"no laws index in {laws_index}: run `policy-qa ingest --corpus {corpus}` first", file=sys.stderr)
        return 2
    dev_q = load_questions(shared / "evals" / "dev.jsonl")
    titles = [json.loads(line)["title"] for line in (shared / "bench" / "laws" / "docs.jsonl").open(encoding="utf-8")]
    title_q = [{"question": f"《{t}》对什么作出了规定？"} for t in random.Random(7).sample(titles, 100)]

    seed = PolicyQA(base)
    if not seed.catalog.documents(complete=True):
        seed.ingest()
    laws = PolicyQA(base.with_overrides(index_dir=laws_index, corpus_dir=corpus))
    live = laws.catalog.documents(complete=True)
    files = list(corpus.iterdir())
    info = {k: float(laws.catalog.get_info(k) or 0)
            for k in ("ingest_seconds", "ingest_wall_seconds", "ingest_chunks", "ingest_bytes")}
    results: dict[str, Any] = {
        "date": date.today().isoformat(),
        "index": str(laws_index),
        "documents_indexed": len(live),
        "documents_in_corpus": len(files),
        "paragraphs_indexed": sum(r.n_chunks for r in live),
        "bytes_indexed": sum((corpus / r.doc_id).stat().st_size for r in live if (corpus / r.doc_id).exists()),
        "bytes_in_corpus": sum(p.stat().st_size for p in files),
        "index_mb": round(_du(laws_index) / 2**20, 1),
        "ingest_measured": {**info,
                            "chunks_per_s": round(info["ingest_chunks"] / max(info["ingest_seconds"], 1e-9), 2),
                            "bytes_per_s": round(info["ingest_bytes"] / max(info["ingest_seconds"], 1e-9), 1)},
    }
    t0 = time.perf_counter()
    laws.retriever.view.refresh(wait=True)
    results["open_seconds"] = round(time.perf_counter() - t0, 1)
    # Runs from before the indexer kept these totals are not in them: said so, with an estimate.
    rate = results["ingest_measured"]["chunks_per_s"]
    untimed = max(0, results["paragraphs_indexed"] - int(info["ingest_chunks"]))
    results["untimed"] = {"paragraphs_at_least": untimed,
                          "estimated_s": round(untimed / rate) if rate else None}
    generation = laws.catalog.generation()
    results.update(latency_seed_dev=_summary(seed, dev_q), latency_laws_dev=_summary(laws, dev_q),
                   latency_laws_titles=_summary(laws, title_q))
    # An ingest running meanwhile makes each completed document rebuild the query view: say so.
    results["ingest_ran_during_measurement"] = laws.catalog.generation() != generation
    results["laws_over_seed_p50"] = round(results["latency_laws_dev"]["p50_ms"] /
                                          max(results["latency_seed_dev"]["p50_ms"], 1e-9), 2)
    results["laws_over_seed_p95"] = round(results["latency_laws_dev"]["p95_ms"] /
                                          max(results["latency_seed_dev"]["p95_ms"], 1e-9), 2)
    if not args.no_serve:
        results["serving_laws"] = serving_rss(laws_index, corpus, dev_q, start_timeout=900)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"laws-{results['date']}"
    stem.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    r = results
    md = [
        f"# Laws corpus at scale, {r['date']}", "",
        "Command: `make bench-laws` (after `policy-qa ingest --corpus ../shared/bench/laws/corpus`).", "",
        f"Indexed so far: {r['documents_indexed']} of {r['documents_in_corpus']} documents, "
        f"{r['paragraphs_indexed']} paragraphs, {r['bytes_indexed'] / 2**20:.1f} of "
        f"{r['bytes_in_corpus'] / 2**20:.1f} MB; index on disk {r['index_mb']} MB.", "",
        *_ingest_lines(r), "",
        f"Building the query view (BM25 over {r['paragraphs_indexed']} paragraphs, document metadata), done "
        f"when the index is opened: {r['open_seconds']} s.", "",
        "| answer latency (warm, extractive) | p50 ms | p95 ms |", "|---|---|---|",
        *[f"| {name} | {r[key]['p50_ms']:.1f} | {r[key]['p95_ms']:.1f} |"
          for name, key in (("seed corpus, dev questions", "latency_seed_dev"),
                            ("laws index, dev questions", "latency_laws_dev"))],
        f"| laws index, 100 title questions | {r['latency_laws_titles']['p50_ms']:.1f} | "
        f"{r['latency_laws_titles']['p95_ms']:.1f} |", "",
        f"Laws over seed (dev questions): p50 ×{r['laws_over_seed_p50']}, p95 ×{r['laws_over_seed_p95']}.",
    ]
    if "serving_laws" in r:
        md += ["", f"Peak RSS of `policy-qa serve` on the laws index after answering the "
               f"{r['serving_laws']['questions_served']} dev questions over HTTP: "
               f"{r['serving_laws']['peak_rss_mb']} MB (ready {r['serving_laws']['start_s']} s after it "
               f"was started, query view included)."]
    md += ["", "While an ingest runs, every document already completed answers by BM25 and dense search "
           "together; a document becomes searchable only once all its vectors are stored (in one "
           "transaction), since a half-embedded document would be ranked by one half of the fusion."]
    if r["ingest_ran_during_measurement"]:
        md += ["", "An ingest was running during the measurement: documents completed meanwhile, so these "
               "latencies include rebuilds of the query view (and embedding competed for the 2 cores)."]
    stem.with_suffix(".md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md[4:]))
    print(f"report: {stem.with_suffix('.md')}")
    return 0


def _ingest_lines(r: dict[str, Any]) -> list[str]:
    m, u = r["ingest_measured"], r["untimed"]
    lines = [f"Indexing time summed over documents (chunking, embedding, storing; loading files excluded), "
             f"over the runs that recorded it: {m['ingest_seconds']:.0f} s ({m['ingest_seconds'] / 3600:.1f} h) "
             f"for {m['ingest_chunks']:.0f} paragraphs and {m['ingest_bytes'] / 2**20:.1f} MB, i.e. "
             f"{m['chunks_per_s']} paragraphs/s, {m['bytes_per_s'] / 1024:.1f} kB/s."]
    if m["ingest_wall_seconds"]:
        lines.append(f"Wall time of the runs that recorded it (scanning and loading included): "
                     f"{m['ingest_wall_seconds']:.0f} s ({m['ingest_wall_seconds'] / 3600:.1f} h).")
    if u["paragraphs_at_least"]:
        estimate = f", ~{u['estimated_s']} s at the rate above" if u["estimated_s"] is not None else ""
        lines.append(f"Runs from before these totals were kept indexed at least {u['paragraphs_at_least']} "
                     f"of the paragraphs{estimate}.")
    return lines


if __name__ == "__main__":
    sys.exit(main())
