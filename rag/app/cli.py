"""`policy-qa ingest | ask | eval | serve` — the command-line entry point."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _progress_bar(desc: str, unit: str = "段", scale: bool = False) -> Any:
    """A tqdm bar on a terminal; in a log file, one plain line per tenth of the work (a bar's
    carriage-return redraws would each become a line there)."""
    from tqdm import tqdm

    state: dict[str, Any] = {}
    live = sys.stderr.isatty()

    def amount(x: float) -> str:
        return tqdm.format_sizeof(x, suffix=unit) if scale else f"{x:.3g} {unit}"

    def update(done: int, total: int) -> None:
        if not live:
            step = int(10 * done / total) if total else 0
            start = state.setdefault("start", time.monotonic())
            if total and step > state.get("step", -1):
                state["step"] = step
                spent = time.monotonic() - start
                rate = f", {amount(done / spent)}/s, {tqdm.format_interval((total - done) * spent / done)} left" \
                    if done and spent > 0.5 else ""
                print(f"{desc}: {10 * step}% ({amount(done)} / {amount(total)}{rate})", file=sys.stderr, flush=True)
            return
        bar = state.get("bar")
        if bar is None and total == 0:
            return
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc=desc, unit=unit, unit_scale=scale, file=sys.stderr,
                                      dynamic_ncols=True)
        bar.total = total
        bar.n = round(done) if not scale else done
        bar.refresh()

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    update.close = close  # type: ignore[attr-defined]
    return update


def _open(args: argparse.Namespace, corpus: Path | None = None) -> Any:
    from rag.app.service import PolicyQA
    from rag.settings import Settings

    settings = Settings.from_env()
    mode = getattr(args, "mode", None)
    if mode == "extractive":
        settings = settings.with_overrides(llm_base_url="", llm="")
    elif mode == "llm" and not settings.llm_enabled:
        raise ValueError("--mode llm needs a model: POLICY_QA_LLM=local (the bundled one) or an endpoint, "
                         "POLICY_QA_LLM_BASE_URL (and _API_KEY, _MODEL)")
    index = getattr(args, "index", None)
    if index is None and corpus is not None:
        index = settings.index_for_corpus(corpus)  # another corpus gets an index of its own
    if corpus is not None and Path(index or settings.index_dir).resolve() != settings.index_dir.resolve():
        # and staff changes of its own: the default corpus's uploads are not laid over another one
        settings = settings.with_overrides(uploads_dir=settings.uploads_for_index(Path(index or settings.index_dir)))
    settings = settings.with_overrides(index_dir=Path(index) if index else None, corpus_dir=corpus)
    return PolicyQA(settings)


def _ingest(qa: Any, corpus: Any, rebuild: bool = False, quiet: bool = False) -> Any:
    bar = _progress_bar("索引文件", unit="B", scale=True) if not quiet else None
    try:
        report = qa.ingest(corpus, progress=bar, rebuild=rebuild)
    finally:
        if bar:
            bar.close()
    for err in report.errors:
        print(f"error: {err}", file=sys.stderr)
    for skipped, kept in report.duplicates:
        print(f"skipped: {skipped} is a duplicate of {kept} (same content, indexed once)", file=sys.stderr)
    stream = sys.stderr if quiet else sys.stdout
    print(
        f"indexed {report.indexed} documents from {corpus} (added {len(report.added)}, updated "
        f"{len(report.updated)}, unchanged {len(report.unchanged)}, removed {len(report.removed)}, "
        f"unreadable {len(report.errors)}, duplicates {len(report.duplicates)}); "
        f"embedded {report.chunks_embedded} paragraphs in {report.seconds:.1f}s",
        file=stream,
    )
    return report


def cmd_ingest(args: argparse.Namespace) -> int:
    corpus = Path(args.corpus) if args.corpus else None
    qa = _open(args, corpus)
    report = _ingest(qa, qa.settings.corpus, rebuild=args.rebuild)
    return 1 if report.indexed == 0 else 0


def _filters(args: argparse.Namespace) -> Any:
    from rag.search.retrieval import Filters

    return Filters(tuple(args.region or ()), tuple(args.industry or ()), tuple(args.doc or ()))


def cmd_ask(args: argparse.Namespace) -> int:
    qa = _open(args)
    answer = qa.ask(args.question, filters=_filters(args))
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
        return 0
    print(answer.text)
    if answer.notice:
        print(f"\n（{answer.notice}）")
    shown = answer.citations or answer.related
    if shown:
        print("\n来源：" if answer.citations else "\n相关段落：")
    for c in shown:
        where = "，".join(x for x in (c.issuer, c.date, c.status) if x)
        print(f"[{c.n}] {c.book_title}{('（' + where + '）') if where else ''} {c.doc}#{c.start}-{c.end}")
        print("    " + c.text.replace("\n", "\n    "))
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    from rag.match.export import to_csv, to_markdown
    from rag.match.matching import Profile, parse_facts

    profile = Profile(args.region, args.industry or "", tuple(args.need or ()), parse_facts(args.fact or ()))
    result = _open(args).match(profile)
    out = {"json": lambda: json.dumps(result.to_json(), ensure_ascii=False), "csv": lambda: to_csv(result),
           "markdown": lambda: to_markdown(result)}[args.format]()
    print(out)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from evals.harness import headline, load_questions, run_eval, write_report
    from evals.negatives import figure_negatives_of, negatives_of
    from evals.splits import select

    corpus = Path(args.corpus) if args.corpus else None
    qa = _open(args, corpus)
    if corpus is not None:
        _ingest(qa, qa.settings.corpus, quiet=True)
    questions = load_questions(Path(args.questions))
    name = args.split_name or _split_name(Path(args.questions))
    questions = select(questions, name, args.split)
    if args.negatives:
        questions = questions + negatives_of(qa, questions) + figure_negatives_of(qa, questions)
    bar = _progress_bar("评测问题", unit="题")
    try:
        report = run_eval(qa, questions, progress=bar)
    finally:
        bar.close()
    report["questions_file"] = str(args.questions)
    report["split"] = f"{name}-{args.split}" if args.split else ""
    out = Path(args.out) if args.out else Path("evals/results") / f"eval-{Path(args.questions).stem}.json"
    write_report(report, out)
    print(headline(report))
    print(f"report: {out}")
    return 0


def _split_name(path: Path) -> str:
    """dev.jsonl -> dev; bench/ncp/questions.jsonl -> ncp (the names of evals/splits/*.txt)."""
    return path.parent.name if path.stem == "questions" else path.stem


def cmd_check(args: argparse.Namespace) -> int:
    from rag.index.consistency import problems

    corpus = Path(args.corpus) if args.corpus else None
    qa = _open(args, corpus if args.index is None and corpus else None)
    found = problems(qa.catalog, qa.store, settled=not args.interrupted)
    for p in found:
        print(f"problem: {p}", file=sys.stderr)
    docs = [r for r in qa.catalog.documents() if r.complete]
    print(f"{qa.settings.index_dir}: {len(docs)} documents, {sum(r.n_chunks for r in docs)} paragraphs; "
          + ("consistent" if not found else f"{len(found)} problems (run `policy-qa ingest` to repair)"))
    return 1 if found else 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.app import serve  # the UI package; the library itself never imports gradio

    qa = _open(args)
    if not qa.documents():
        # every question would be refused without a word: say what to do instead
        print(f"error: the index {qa.settings.index_dir} holds no documents; run `policy-qa ingest` first "
              f"(it indexes {qa.settings.corpus_dir}/), or `make run`, which does both", file=sys.stderr)
        return 2
    try:
        serve(qa, host=args.host, port=args.port)
    except KeyboardInterrupt:  # Ctrl-C is how a server is stopped: not a failure
        pass
    print("stopped", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policy-qa", description="政策问答：带出处的政策文件问答")
    sub = p.add_subparsers(dest="command", required=True)

    ing = sub.add_parser("ingest", help="index the corpus (only new or changed files are embedded)")
    ing.add_argument("--corpus", help="folder of policy documents (default: corpus/)")
    ing.add_argument("--index", help="index folder (default: data/index)")
    ing.add_argument("--rebuild", action="store_true",
                     help="embed everything again (each document answers from its old version until redone)")
    ing.set_defaults(func=cmd_ingest)

    chk = sub.add_parser("check", help="check that the index is consistent (vectors, BM25, documents)")
    chk.add_argument("--corpus", help="check this corpus's index")
    chk.add_argument("--index", help="index folder (default: data/index)")
    chk.add_argument("--interrupted", action="store_true",
                     help="an ingest was cut short: check only what queries see (leftovers are repaired later)")
    chk.set_defaults(func=cmd_check)

    ask = sub.add_parser("ask", help="answer one question with its sources")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--index", help="index folder (default: data/index)")
    ask.add_argument("--region", action="append", help="only documents of this region (repeatable)")
    ask.add_argument("--industry", action="append", help="only documents of this industry (repeatable)")
    ask.add_argument("--doc", action="append", help="only this document file (repeatable)")
    ask.add_argument("--mode", choices=["extractive", "llm"], help="answer mode (default: from the environment)")
    ask.set_defaults(func=cmd_ask)

    mt = sub.add_parser("match", help="政策匹配: the measures that may apply to a business, each cited")
    mt.add_argument("--region", required=True, help="所在地, e.g. 花都区狮岭镇")
    mt.add_argument("--industry", help="行业, e.g. 皮具")
    mt.add_argument("--need", action="append",
                    help="资金 用地 人才 数字化 展会 品牌 融资 外贸 (repeatable; default all)")
    mt.add_argument("--fact", action="append", help="规上=true, 营收万元=3000, 成立年限=1 (repeatable)")
    mt.add_argument("--format", choices=["markdown", "json", "csv"], default="markdown")
    mt.add_argument("--index", help="index folder (default: data/index)")
    mt.set_defaults(func=cmd_match)

    ev = sub.add_parser("eval", help="score gold questions and write a JSON report")
    ev.add_argument("--questions", required=True, help="JSONL file in the gold format")
    ev.add_argument("--corpus", help="index this corpus into its own index first")
    ev.add_argument("--index", help="index folder")
    ev.add_argument("--out", help="report path (default: evals/results/eval-<questions>.json)")
    ev.add_argument("--split", choices=["tuning", "test"], help="only the questions of this split (evals/splits/)")
    ev.add_argument("--split-name", help="which recorded split (default: from the file name: dev, ncp)")
    ev.add_argument("--negatives", action="store_true",
                    help="also ask each answerable question with its gold document(s) left out: must refuse")
    ev.add_argument("--mode", choices=["extractive", "llm"],
                    help="answer mode (default: llm when POLICY_QA_LLM_BASE_URL is set, else extractive)")
    ev.set_defaults(func=cmd_eval)

    srv = sub.add_parser("serve", help="serve the chat")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=7860)
    srv.add_argument("--index", help="index folder (default: data/index)")
    srv.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    from rag.index.embeddings import EmbedderError
    from rag.index.indexing import IndexMismatchError
    from rag.index.store import StoreError
    from rag.index.writer_lock import IndexBusyError
    from rag.ingest.loading import LoadError
    from rag.search.retrieval import FilterError
    from rag.settings import SettingsError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (LoadError, SettingsError, StoreError, EmbedderError, IndexMismatchError, FilterError, IndexBusyError,
            ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run the same command again to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
