"""Bench results -> JSON, a Markdown report and matplotlib plots beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _plots(results: dict[str, Any], out_dir: Path, stem: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    sets = [k for k in ("quality_dev", "quality_ncp") if k in results]
    fig, axes = plt.subplots(1, len(sets), figsize=(5 * len(sets), 3.5), squeeze=False)
    for ax, key in zip(axes[0], sets, strict=True):
        q = results[key]
        metrics = ["recall@5", "mrr"]
        xs = range(len(metrics))
        ax.bar([x - 0.2 for x in xs], [q["ours"][m] for m in metrics], 0.4, label="this system")
        ax.bar([x + 0.2 for x in xs], [q["baseline"][m] for m in metrics], 0.4, label="naive LangChain")
        ax.set_xticks(list(xs), metrics)
        ax.set_ylim(0, 1)
        ax.set_title(key.replace("quality_", "") + f" (n={q['ours']['n']})")
        ax.legend(loc="lower right")
    fig.tight_layout()
    name = f"{stem}-quality.png"
    fig.savefig(out_dir / name, dpi=110)
    plt.close(fig)
    names.append(name)
    samples = results.get("latency_dev", {}).get("samples_ms")
    if samples:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.hist(samples, bins=30)
        ax.axvline(results["latency_dev"]["p50_ms"], color="k", linestyle="--", label="p50")
        ax.axvline(results["latency_dev"]["p95_ms"], color="r", linestyle="--", label="p95")
        ax.set_xlabel("answer latency, ms (dev questions, warm, extractive)")
        ax.legend()
        fig.tight_layout()
        name = f"{stem}-latency.png"
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        names.append(name)
    return names


def _quality_rows(results: dict[str, Any]) -> list[str]:
    rows = ["| set | metric | this system | naive LangChain | ratio |", "|---|---|---|---|---|"]
    for key in ("quality_dev", "quality_ncp"):
        if key in results:
            q = results[key]
            for m in ("recall@5", "mrr"):
                rows.append(f"| {key[8:]} (n={q['ours']['n']}) | {m} | {q['ours'][m]:.3f} | {q['baseline'][m]:.3f} "
                            f"| {q['ratio'][m]} |")
            for split, q in results.get(f"{key}_splits", {}).items():  # tuning / test (evals/splits/)
                for m in ("recall@5", "mrr"):
                    rows.append(f"| {key[8:]} {split} (n={q['ours']['n']}) | {m} | {q['ours'][m]:.3f} | "
                                f"{q['baseline'][m]:.3f} | {q['ratio'][m]} |")
    return rows


def _answer_quality(out_dir: Path) -> list[str]:
    """The answer-stage figures by split, negatives and type, as `make eval` last measured them."""
    path = out_dir / "quality.md"
    if not path.exists():
        return ["(run `make eval` for the answer-stage figures by split)"]
    body = path.read_text(encoding="utf-8").splitlines()[1:]
    return [line.replace("## ", "### ") for line in body]


def write_report(results: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"bench-{results['date']}"
    plots = _plots(results, out_dir, stem)
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    ing, lat, srv = results["ingestion_seed"], results["latency_dev"], results["serving"]
    lines = [
        f"# Benchmark {results['date']}", "",
        f"Machine: {results['machine']}; embedder `{results['embedder']}`. Command: `make bench`.", "",
        "## Retrieval quality", "", *_quality_rows(results), "",
        "## Answer quality by split (from `make eval`: evals/results/quality.md)", "", *_answer_quality(out_dir), "",
        "## Answer latency (dev questions, warm process, extractive)", "",
        f"p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms; embedding the query alone: p50 {lat['embed_p50_ms']} ms "
        f"({lat['embed_share_of_p50']:.0%} of the p50 answer).",
    ]
    if "latency_ncp" in results:
        ln = results["latency_ncp"]
        lines.append(f"On the ncp index (first 200 questions): p50 {ln['p50_ms']} ms, p95 {ln['p95_ms']} ms.")
    lines += [
        "", "## Ingestion (seed corpus, from scratch)", "",
        f"{ing['documents']} documents, {ing['chunks']} paragraphs, {ing['characters']} characters in "
        f"{ing['seconds']} s: {ing['chunks_per_s']} paragraphs/s, {ing['chars_per_s']} characters/s. The raw "
        f"embedder on the same texts: {ing['raw_embedder_chunks_per_s']} paragraphs/s, so the pipeline overhead "
        f"is {ing['pipeline_overhead']:.1%}. Re-ingesting the unchanged corpus: {ing['reingest_unchanged_s']} s, "
        f"{ing['reingest_embedded']} paragraphs embedded.", "",
        "## Serving", "",
        f"Peak RSS of `policy-qa serve` after answering {srv['questions_served']} questions over HTTP: "
        f"{srv['peak_rss_mb']} MB. Index size on disk (seed corpus): {ing['index_bytes'] / 2**20:.1f} MB.", "",
        "## Plots", "", *[f"![{p}]({p})" for p in plots], "",
    ]
    md_path = out_dir / f"{stem}.md"
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return json_path, md_path
