"""`make bench`: this system and the naive LangChain recipe side by side, in one process.

Writes evals/results/bench-<date>.json and .md (with PNG plots): retrieval quality on the dev set
and the ncp set for both, answer latency, ingestion throughput against the raw embedder, re-ingest
time, peak RSS of a serving process and index size on disk.

    python -m evals.bench [--no-ncp] [--shared ../shared] [--out-dir evals/results]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

from evals.baseline import NaiveRAG
from evals.harness import gold_spans, load_questions
from evals.metrics import score_question
from evals.report import write_report
from evals.splits import SPLITS, select
from rag.app.service import PolicyQA
from rag.index.embeddings import make_embedder
from rag.ingest.chunking import search_text
from rag.ingest.loading import load_corpus
from rag.settings import Settings


def _pct(values: list[float], p: float) -> float:
    vals = sorted(values)
    return round(vals[min(len(vals) - 1, max(0, round(p / 100 * (len(vals) - 1))))], 1)


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def retrieval_quality(qa: PolicyQA, questions: list[dict[str, Any]], retrieve: Any) -> dict[str, float]:
    """recall@5 and MRR of a retrieve(question, history) -> [(doc, start, end)] function."""
    r5, rr, n = 0.0, 0.0, 0
    for q in questions:
        if not q.get("answerable", True) or not q.get("gold"):
            continue
        spans, _ = gold_spans(qa, q)
        if not spans:
            continue
        s = score_question(spans, retrieve(q["question"], q.get("history") or []),
                           {"refused": True, "answer": "", "citations": []}, [], True)
        r5, rr, n = r5 + s["recall@5"], rr + s["rr"], n + 1
    return {"recall@5": round(r5 / n, 4), "mrr": round(rr / n, 4), "n": n}


def compare(qa: PolicyQA, questions: list[dict[str, Any]], baseline: NaiveRAG) -> dict[str, Any]:
    ours = retrieval_quality(qa, questions, lambda q, h: [
        (r.chunk.doc_id, r.chunk.start, r.chunk.end) for r in qa.answerer.search(q, h, k=10).retrieved])
    naive = retrieval_quality(qa, questions, lambda q, h: baseline.retrieve(q, k=10))
    ratio = {k: round(ours[k] / naive[k], 3) if naive[k] else None for k in ("recall@5", "mrr")}
    return {"ours": ours, "baseline": naive, "ratio": ratio}


def latency(qa: PolicyQA, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Answer latency over the questions in a warm process, and the query-embedding floor."""
    for q in questions[:3]:
        qa.ask(q["question"])
    answer_ms, embed_ms = [], []
    for q in questions:
        t0 = time.perf_counter()
        qa.embedder.embed_queries([q["question"]])
        t1 = time.perf_counter()
        qa.ask(q["question"], history=q.get("history") or [])
        t2 = time.perf_counter()
        embed_ms.append((t1 - t0) * 1000)
        answer_ms.append((t2 - t1) * 1000)
    return {"p50_ms": _pct(answer_ms, 50), "p95_ms": _pct(answer_ms, 95), "embed_p50_ms": _pct(embed_ms, 50),
            "embed_share_of_p50": round(_pct(embed_ms, 50) / max(_pct(answer_ms, 50), 1e-9), 3),
            "samples_ms": [round(x, 1) for x in answer_ms]}


def ingestion(settings: Settings, corpus: Path) -> tuple[PolicyQA, dict[str, Any]]:
    """Index a corpus from scratch; compare with the raw embedder on the same texts; re-ingest."""
    qa = PolicyQA(settings)
    t0 = time.perf_counter()
    report = qa.ingest(corpus)
    seconds = time.perf_counter() - t0
    chunks = [c for c, _, _ in qa.catalog.visible_chunks()]
    metas = {r.doc_id: r.meta for r in qa.catalog.documents()}
    texts = [search_text(c, metas[c.doc_id]) for c in chunks]
    t1 = time.perf_counter()
    for i in range(0, len(texts), settings.embed_batch_size):
        qa.embedder.embed_passages(texts[i : i + settings.embed_batch_size])
    raw_seconds = time.perf_counter() - t1
    t2 = time.perf_counter()
    again = qa.ingest(corpus)
    reingest = time.perf_counter() - t2
    chars = sum(len(c.text) for c in chunks)
    pipeline_rate, raw_rate = len(chunks) / seconds, len(texts) / raw_seconds
    return qa, {
        "documents": report.indexed, "chunks": len(chunks), "characters": chars, "seconds": round(seconds, 2),
        "chunks_per_s": round(pipeline_rate, 2), "chars_per_s": round(chars / seconds, 1),
        "raw_embedder_chunks_per_s": round(raw_rate, 2),
        "pipeline_overhead": round(1 - pipeline_rate / raw_rate, 3),
        "reingest_unchanged_s": round(reingest, 2), "reingest_embedded": again.chunks_embedded,
        "index_bytes": _du(settings.index_dir),
    }


def serving_rss(index_dir: Path, corpus: Path, questions: list[dict[str, Any]],
                start_timeout: float = 120) -> dict[str, Any]:
    """Peak resident memory of a `policy-qa serve` process answering the questions over HTTP."""
    with socket.socket() as s:  # a free loopback port
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "POLICY_QA_CORPUS": str(corpus)}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "policy-qa"), "serve", "--index", str(index_dir),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        started = time.time()
        deadline = started + start_timeout
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/docs", timeout=2)
                break
            except Exception:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.5)
        start_s = time.time() - started
        for q in questions:
            body = json.dumps({"question": q["question"], "history": q.get("history") or []}).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/ask", data=body,
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=60).read()
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
        return {"peak_rss_mb": round(peak_kb / 1024, 1), "questions_served": len(questions),
                "start_s": round(start_s, 1)}
    finally:
        proc.terminate()
        proc.wait(10)


def naive_for(qa: PolicyQA, corpus: Path, where: Path) -> tuple[NaiveRAG, dict[str, Any]]:
    baseline = NaiveRAG(qa.embedder, where)
    stats: dict[str, Any] = {"reused": True}
    if not baseline.store.get(limit=1)["ids"]:
        stats = baseline.ingest(load_corpus(corpus).documents)
    return baseline, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="../shared")
    parser.add_argument("--out-dir", default="evals/results")
    parser.add_argument("--no-ncp", action="store_true", help="skip the outside ncp set (its first run takes long)")
    args = parser.parse_args(argv)
    shared, out_dir = Path(args.shared), Path(args.out_dir)
    base = Settings.from_env()
    work = Path(tempfile.mkdtemp(prefix="pq-bench-"))
    results: dict[str, Any] = {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores",
                               "embedder": make_embedder(base).model_id}
    try:
        dev_q = load_questions(shared / "evals" / "dev.jsonl")
        settings = base.with_overrides(index_dir=work / "index", data_dir=work)
        qa, results["ingestion_seed"] = ingestion(settings, base.corpus_dir)
        naive, results["baseline_ingestion_seed"] = naive_for(qa, base.corpus_dir, work / "naive-dev")
        results["quality_dev"] = compare(qa, dev_q, naive)
        results["quality_dev_splits"] = {sp: compare(qa, select(dev_q, "dev", sp), naive) for sp in SPLITS}
        results["latency_dev"] = latency(qa, dev_q)
        results["serving"] = serving_rss(settings.index_dir, base.corpus_dir, dev_q)
        if not args.no_ncp:
            corpus = shared / "bench" / "ncp" / "corpus"
            ncp = PolicyQA(base.with_overrides(index_dir=base.index_for_corpus(corpus), corpus_dir=corpus))
            ncp.ingest(corpus)
            ncp_q = load_questions(shared / "bench" / "ncp" / "questions.jsonl")
            naive_ncp, results["baseline_ingestion_ncp"] = naive_for(ncp, corpus, base.data_dir / "bench-naive-ncp")
            results["quality_ncp"] = compare(ncp, ncp_q, naive_ncp)
            results["quality_ncp_splits"] = {sp: compare(ncp, select(ncp_q, "ncp", sp), naive_ncp) for sp in SPLITS}
            results["latency_ncp"] = {k: v for k, v in latency(ncp, ncp_q[:200]).items() if k != "samples_ms"}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    json_path, md_path = write_report(results, out_dir)
    print(f"report: {md_path} ({json_path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
