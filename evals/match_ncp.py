"""政策匹配 on profiles over outside notices: 14 of the ncp notices in ../shared/bench/ncp (Guangdong,
Guangzhou, Shenzhen and 南山区, Zhejiang and 温州, and national ones). Every figure here is a test
figure: nothing is tuned on these profiles, and no measure model learns these notices' sentences (37
of them are among the 1,920 ncp sentences; evals.measure_rows leaves them out).

The gold is not a list written per profile but follows from hand labels of every sentence of the 14
notices (evals/match/ncp_match_sentences.jsonl: is it a measure, which needs it serves, which
industries it is limited to) and from places and industries set by hand for the notices
(ncp_match_docs.json) and profiles (ncp_profiles.jsonl: the places whose notices cover the business,
the industries it belongs to). A profile's gold measures are the labelled measures of the notices
that cover it, serving one of its needs, for any industry or for one of its own. See
evals/match/README.md.

    python -m evals.match_ncp --shared ../shared [--out evals/results/match-ncp-profiles.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.bench_match import build_ncp
from evals.match_eval import score_spans
from rag.index.index_view import LexicalView
from rag.match.matching import Matcher
from rag.match.measures import Measure
from rag.types import Chunk

HERE = Path("evals/match")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def gold_of(profile: dict[str, Any], labels: list[dict[str, Any]], regions: dict[str, str]
            ) -> list[tuple[str, int, int, str | None]]:
    """The labelled measures a careful officer would list for this profile, as spans."""
    needs, kinds, covering = set(profile["profile"]["needs"]), set(profile["industries"]), set(profile["covered_by"])
    return [(x["doc"], x["start"], x["end"], x.get("amount")) for x in labels
            if x["measure"] and needs & set(x["needs"]) and regions[x["doc"]] in covering
            and (not x["industries"] or kinds & set(x["industries"]))]


def agreement() -> dict[str, Any]:
    """How far a second labeller's gold (ncp_match_sentences_2.jsonl, labelled blind) agrees with the
    first's, scored as the matcher is: the recall and precision a system that judged every sentence as
    a careful person does could expect."""
    regions: dict[str, str] = json.loads((HERE / "ncp_match_docs.json").read_text(encoding="utf-8"))
    first, second = _lines(HERE / "ncp_match_sentences.jsonl"), _lines(HERE / "ncp_match_sentences_2.jsonl")
    found = total = right = listed = 0
    for profile in _lines(HERE / "ncp_profiles.jsonl"):
        gold = {g[:3] for g in gold_of(profile, first, regions)}
        said = {g[:3] for g in gold_of(profile, second, regions)}
        found, total = found + len(gold & said), total + len(gold)
        right, listed = right + len(said & gold), listed + len(said)
    return {"measure_recall": round(found / max(total, 1), 3), "measure_precision": round(right / max(listed, 1), 3)}


def evaluate(shared: Path, find: Callable[[list[Chunk]], list[Measure]] | None = None) -> dict[str, Any]:
    """The figures over the ncp profiles (find: read the measures with this instead of the shipped finder)."""
    regions: dict[str, str] = json.loads((HERE / "ncp_match_docs.json").read_text(encoding="utf-8"))
    labels, profiles = _lines(HERE / "ncp_match_sentences.jsonl"), _lines(HERE / "ncp_profiles.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        catalog, built = build_ncp(shared / "bench" / "ncp" / "corpus", Path(tmp), only=regions)
        if built["documents"] != len(regions):
            catalog.close()
            raise SystemExit(f"ncp profiles: {len(regions) - built['documents']} of the notices of "
                             f"{HERE / 'ncp_match_docs.json'} are missing from {shared / 'bench' / 'ncp' / 'corpus'}")
        try:
            view = LexicalView(catalog)
            meta = view.snapshot().doc_meta
            report = score_spans(profiles, Matcher(view, find=find), meta, lambda p: gold_of(p, labels, regions))
        finally:
            catalog.close()
    return {"documents": built["documents"], "paragraphs": built["paragraphs"], **report}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    r = evaluate(Path(args.shared))
    print(f"[match/ncp-profiles, test only] profiles={r['profiles']} recall={r['measure_recall']} "
          f"precision={r['measure_precision']} amounts_exact={r['amounts_exact']} ({r['amounts']}) "
          f"wrong_place={r['wrong_place_share']} p50={r['latency_ms']['p50']}ms")
    r["second labeller against the first"] = two = agreement()
    print(f"[match/ncp-profiles] a second labeller, blind: recall={two['measure_recall']} "
          f"precision={two['measure_precision']}")
    if args.out:
        Path(args.out).write_text(json.dumps(r, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
