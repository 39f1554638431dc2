"""Could the bundled model say which sentences of the seed documents are measures? Asks it of every
sentence that names a kind of need (yes/no, a short prompt) and reports its answers and their
recall and precision on the seed tuning profiles (the rule's measures it keeps, and its own).

    python -m evals.llm_measures [--size 0.5b|1.5b] [--models data/models]
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from evals.match_eval import score
from evals.splits import select
from rag.answer.generation.local_model import start
from rag.app.service import PolicyQA
from rag.ingest.chunking import chunk_document
from rag.ingest.loading import load_corpus
from rag.match.matching import Matcher
from rag.match.measure_model import MeasureModel
from rag.match.measures import candidates, measures_of, needs_of
from rag.settings import Settings

SYSTEM = ("你是政务咨询窗口工作人员。判断一句话是否是政府部门向企业提供或承诺的具体扶持措施"
          "（资金补贴、奖励、减免、用地厂房、培训招聘、组织参展、搭建平台、融资担保、外贸便利等）。"
          "以下都不是：目标和统计数字、已取得的成绩、背景介绍、代表或委员的建议、对企业的要求或处罚、"
          "只是鼓励企业自己做某事而政府不做什么。只回答“是”或“否”。")


def ask(base_url: str, title: str, heading: str, sentence: str, **extra: Any) -> dict[str, Any]:
    """The bundled model's first choice when asked whether a sentence is a measure (extra: request
    fields such as logprobs)."""
    user = (f"文件：{title}\n章节：{heading.split(' > ')[-1]}\n句子：{sentence}\n"
            "这句话是政府给企业的具体扶持措施吗？")
    body = json.dumps({"model": "local", "max_tokens": 2, "temperature": 0, **extra, "messages": [
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]}).encode()
    request = urllib.request.Request(base_url + "/chat/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as r:
        return dict(json.load(r)["choices"][0])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="0.5b")
    ap.add_argument("--models", default="data/models")
    args = ap.parse_args()
    server = start(args.size, Path(args.models), 2)
    said: dict[str, bool] = {}
    t0 = time.perf_counter()
    for doc in load_corpus(Path("corpus")).documents:
        for chunk, s, e in candidates(chunk_document(doc)):
            sentence = chunk.text[s:e].strip()
            if not needs_of(sentence):
                continue
            choice = ask(server.base_url, str(doc.meta.get("title", "")), chunk.heading_path, sentence)
            answer = choice["message"]["content"].strip()
            said[f"{doc.doc_id}:{chunk.start + s}"] = answer.startswith("是")
    seconds = (time.perf_counter() - t0) / max(len(said), 1)
    server.stop()
    qa = PolicyQA(Settings.from_env())
    profiles = select([json.loads(x) for x in Path("evals/match/seed.jsonl").read_text(encoding="utf-8").splitlines()
                       if x.strip()], "match", "tuning")
    every = MeasureModel({}, 30.0, 0.5, {})  # every sentence that names a need

    def kept(model: MeasureModel | None):  # noqa: ANN202
        return lambda chunks: [m for m in measures_of(chunks, model) if said.get(f"{m.doc_id}:{m.start}")]

    report = {"size": args.size, "sentences": len(said), "seconds_each": round(seconds, 2),
              "answers": dict(Counter("是" if v else "否" for v in said.values()))}
    for name, find in (("rule", None), ("rule, then the model", kept(None)), ("the model alone", kept(every))):
        r = score(qa, profiles, Matcher(qa.retriever.view, find=find or (lambda c: measures_of(c, None))))
        report[name] = {"recall": r["measure_recall"], "precision": r["measure_precision"]}
    qa.close()
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
