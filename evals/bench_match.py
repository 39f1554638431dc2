"""Latency of 政策匹配 on the seed index and on the 599 ncp notices (7,423 paragraphs), and the time to
find measures at ingest. On the seed index the profiles are the gold ones (evals/match/seed.jsonl).
The ncp catalog is built as ingest builds it (loading, chunking, search tokens, measures per
version) but without vectors: a match reads none. The notices carry no region
in a manifest, so each gets the first place its first line names (国家税务总局南阳市税务局 -> 南阳市),
or 全国 when it names none; profiles are drawn from those places.

    python -m evals.bench_match --shared ../shared   # writes evals/results/match-latency-<date>.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from rag.app.service import PolicyQA
from rag.index.catalog import Catalog
from rag.index.index_view import LexicalView
from rag.index.lexical import tokenize
from rag.ingest.chunking import chunk_document, search_text
from rag.ingest.loading import load_file
from rag.match.matching import Matcher, Profile
from rag.match.measures import FINDER, NEEDS
from rag.search.places import all_divisions
from rag.settings import Settings


def _ms(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50": round(1000 * statistics.median(times), 1),
            "p95": round(1000 * times[int(0.95 * (len(times) - 1))], 1), "max": round(1000 * times[-1], 1)}


def region_of(first_line: str) -> str:
    """The first division the line names, by its full name; 全国 when none."""
    names = {}
    for path in all_divisions():
        names[path[-1]] = path[-1]
        if len(path[-1]) > 2:
            names.setdefault(path[-1][:-1], path[-1])  # 南阳 -> 南阳市
    best = min(((first_line.find(k), -len(k), v) for k, v in names.items() if len(k) >= 2 and k in first_line),
               default=None)
    return best[2] if best else "全国"


def build_ncp(corpus: Path, folder: Path, only: dict[str, str] | None = None) -> tuple[Catalog, dict[str, Any]]:
    """The notices' catalog (only: just these files, each with the place given, not the one read off its
    first line)."""
    catalog = Catalog(folder / "catalog.sqlite")
    t0, find = time.perf_counter(), 0.0
    n_chunks = 0
    regions: dict[str, str] = {}
    for path in sorted(corpus.glob("*.txt")):
        if only is not None and path.name not in only:
            continue
        first = next((ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()), "")
        regions[path.name] = only[path.name] if only is not None else region_of(first[:80])
        doc = load_file(path, {"title": first.strip()[:80], "region": regions[path.name]})
        chunks = chunk_document(doc)
        n_chunks += len(chunks)
        version = catalog.begin_document(dataclasses.replace(doc, content_hash="bench"), chunks,
                                         [tokenize(search_text(c, doc.meta)) for c in chunks])
        t = time.perf_counter()
        catalog.find_measures(FINDER, doc.doc_id, version, chunks)
        find += time.perf_counter() - t
        catalog.complete_document(doc.doc_id)
    return catalog, {"documents": len(regions), "paragraphs": n_chunks,
                     "build_seconds": round(time.perf_counter() - t0, 1),
                     "find_measures_seconds": round(find, 2), "regions": regions}


def profiles_over(regions: list[str], n: int, seed: int = 0) -> list[Profile]:
    rng = random.Random(seed)
    industries = ["餐饮", "皮具", "服装", "制造业", "零售", "物流", ""]
    return [Profile(rng.choice(regions), rng.choice(industries), tuple(rng.sample(list(NEEDS), rng.randint(1, 3))))
            for _ in range(n)]


def time_matches(matcher: Matcher, profiles: list[Profile]) -> dict[str, Any]:
    t = time.perf_counter()
    matcher.match(profiles[0])  # the first match after a change reads the stored measures
    first = time.perf_counter() - t
    times, listed = [], []
    for p in profiles:
        t = time.perf_counter()
        r = matcher.match(p)
        times.append(time.perf_counter() - t)
        listed.append(len(r.matches))
    return {"profiles": len(profiles), "first_match_ms": round(1000 * first, 1), "latency_ms": _ms(times),
            "measures_listed_p50": statistics.median(listed)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", default=f"evals/results/match-latency-{date.today()}.json")
    args = ap.parse_args()
    report: dict[str, Any] = {"date": str(date.today()), "finder": FINDER.name}

    qa = PolicyQA(Settings.from_env())
    gold = [json.loads(x)["profile"] for x in Path("evals/match/seed.jsonl").read_text(encoding="utf-8").splitlines()
            if x.strip()]
    seed = [Profile(p["region"], p.get("industry", ""), tuple(p["needs"]), p.get("facts") or {}) for p in gold]
    report["seed"] = time_matches(qa.matcher, seed * 8)  # the gold profiles, eight times over
    qa.close()

    with tempfile.TemporaryDirectory() as tmp:
        catalog, built = build_ncp(Path(args.shared) / "bench" / "ncp" / "corpus", Path(tmp))
        ncp_regions = sorted(set(built.pop("regions").values()))
        view = LexicalView(catalog)
        t = time.perf_counter()
        view.snapshot()
        built["snapshot_seconds"] = round(time.perf_counter() - t, 1)
        report["ncp"] = {**built, "places": len(ncp_regions),
                         **time_matches(Matcher(view), profiles_over(ncp_regions, 200))}
        catalog.close()
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
